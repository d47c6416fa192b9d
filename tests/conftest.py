"""Shared fixtures: one miniredis and one reference redis-server per test session."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import (  # noqa: E402
    RawClient, Scenario, server_pair, start_miniredis, start_redis, wait_blocked)


@pytest.fixture(scope="session")
def mini_server():
    s = start_miniredis()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def redis_server():
    s = start_redis()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def debug_pair():
    """(miniredis, redis-server) with DEBUG allowed on both."""
    with server_pair("--enable-debug-command", "yes") as pair:
        yield pair


@pytest.fixture(scope="session")
def lazy_clients():
    """RESP2 clients to a (miniredis, redis-server) pair with active expiry off: only
    lookups remove expired keys, so expiry tests are deterministic."""
    with server_pair("--enable-debug-command", "yes") as (mini, ref):
        m, r = RawClient(mini.port), RawClient(ref.port)
        for c in (m, r):
            assert c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0").v == "OK"
        yield m, r
        m.close()
        r.close()


@pytest.fixture
def r(mini_server):
    """A RESP2 raw connection to a flushed miniredis."""
    c = RawClient(mini_server.port, 2)
    c.cmd("FLUSHALL")
    yield c
    c.close()


@pytest.fixture
def r3(mini_server):
    """A RESP3 raw connection to a flushed miniredis."""
    c = RawClient(mini_server.port, 3)
    c.cmd("FLUSHALL")
    yield c
    c.close()


class Compat(object):
    """Runs each command on miniredis and on redis-server and compares the replies."""

    def __init__(self, mini, ref, proto):
        self.proto = proto
        self.m = RawClient(mini.port, proto)
        self.r = RawClient(ref.port, proto)
        self.m.cmd("FLUSHALL")
        self.r.cmd("FLUSHALL")

    def both(self, *args):
        return self.m.cmd(*args), self.r.cmd(*args)

    def same(self, *args):
        """Identical reply (type and value); returns it."""
        m, r = self.both(*args)
        assert m == r, "%r: miniredis %r != redis %r (RESP%d)" % (args, m, r, self.proto)
        return m

    def same_sorted(self, *args):
        """Same elements of an array/set reply, in any order."""
        m, r = self.both(*args)
        assert m.t == r.t, "%r: types %r != %r" % (args, m, r)
        assert sorted(map(repr, m.v or [])) == sorted(map(repr, r.v or [])), \
            "%r: miniredis %r != redis %r" % (args, m, r)
        return m

    def same_error(self, *args):
        """Both answer an error, with the same text."""
        m = self.same(*args)
        assert m.t == "-", "%r: expected an error, got %r" % (args, m)
        return m

    def same_type(self, *args):
        """Same reply type only (for values that legitimately differ, e.g. ids, times)."""
        m, r = self.both(*args)
        assert m.t == r.t, "%r: types %r != %r" % (args, m, r)
        return m, r

    def close(self):
        self.m.close()
        self.r.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def compat(request, mini_server, redis_server):
    c = Compat(mini_server, redis_server, request.param)
    yield c
    c.close()


@pytest.fixture(scope="module")
def notified_pair():
    """A server pair with every keyspace event on (for keyevents() in support.py)."""
    with server_pair("--notify-keyspace-events", "KEA") as servers:
        yield servers


@pytest.fixture
def resp2_compat(mini_server, redis_server):
    """Compat in RESP2 only: for comparisons that do not depend on the protocol."""
    c = Compat(mini_server, redis_server, 2)
    yield c
    c.close()


@pytest.fixture
def on_both(mini_server, redis_server):
    """run(fn, proto=2): fn(Scenario) on miniredis and on redis-server; the same result.

    For blocking scenarios: every client is closed and released before the
    other server's turn and before the next test.
    """
    def run(fn, proto=2):
        results = []
        for srv in (mini_server, redis_server):
            s = Scenario(srv.port, proto)
            try:
                results.append(fn(s))
            finally:
                s.close()
            admin = RawClient(srv.port)
            wait_blocked(admin, 0)
            admin.close()
        assert results[0] == results[1], "miniredis %r != redis %r" % tuple(results)
        return results[0]
    return run
