"""REPLCONF, WAIT, ROLE, SYNC/PSYNC arguments and INFO replication against the real redis-server.

Both servers are masters without replicas here; real replicas attached to
miniredis are tests/integration/test_replication.py's.
"""

import pytest

from support import RawClient, encode_command, server_pair


@pytest.fixture(scope="module")
def fresh_pair():
    """Servers no test has attached a replica to: offsets and backlog are still 0."""
    with server_pair() as servers:
        yield servers


@pytest.mark.parametrize("args", [
    ("REPLCONF",),
    ("REPLCONF", "listening-port", "7000", "capa", "eof", "capa", "psync2"),
    ("REPLCONF", "ip-address", "10.0.0.1"),
    ("REPLCONF", "rdb-only", "0"),
    ("WAIT", "0", "0"),
    ("WAIT", "-1", "0"),
    ("WAIT", "1", "20"),
])
def test_replies(compat, args):
    compat.same(*args)


@pytest.mark.parametrize("args", [
    ("REPLCONF", "foo"),
    ("REPLCONF", "foo", "bar"),
    ("REPLCONF", "listening-port", "abc"),
    ("REPLCONF", "listening-port", "1", "capa"),
    ("REPLCONF", "ip-address", "x" * 300),
    ("REPLCONF", "rdb-only", "2"),
    ("REPLCONF", "rdb-only", "x"),
    ("WAIT",), ("WAIT", "1"), ("WAIT", "abc", "0"), ("WAIT", "0", "abc"), ("WAIT", "0", "-1"),
    ("WAIT", "0", "1.5"), ("ROLE", "x"), ("PSYNC", "?"), ("SYNC", "x"),
])
def test_errors(compat, args):
    compat.same_error(*args)


def test_replconf_ack_and_getack_are_not_answered(compat):
    for args in (["REPLCONF", "ACK", "10"], ["REPLCONF", "ACK", "x"], ["REPLCONF", "GETACK", "*"]):
        compat.m.send_raw(encode_command(args))
        compat.r.send_raw(encode_command(args))
        compat.same("PING")


def test_in_multi_and_scripts(compat):
    compat.same("MULTI")
    compat.same("WAIT", "1", "0")
    compat.same_error("PSYNC", "?", "-1")
    compat.same_error("SYNC")
    compat.same("EXEC")
    compat.same_error("EVAL", "return redis.call('wait', 0, 0)", "0")
    compat.same_error("EVAL", "return redis.call('replconf', 'ack', 0)", "0")


@pytest.mark.parametrize("proto", [2, 3])
def test_role_and_info_replication_of_a_new_master(fresh_pair, proto):
    clients = [RawClient(s.port, proto) for s in fresh_pair]
    m, r = [c.cmd("ROLE") for c in clients]
    assert m == r
    m, r = [c.cmd("INFO", "replication") for c in clients]
    fields = [dict(l.split(":", 1) for l in x.v.decode().splitlines() if ":" in l) for x in (m, r)]
    assert list(fields[0]) == list(fields[1])
    for name in fields[0]:
        if "replid" not in name:
            assert fields[0][name] == fields[1][name], name


def test_min_replicas_to_write_without_replicas(fresh_pair):
    for proto in (2, 3):
        clients = [RawClient(s.port, proto) for s in fresh_pair]
        try:
            for args in [("CONFIG", "SET", "min-replicas-to-write", "1"), ("SET", "k", "v"),
                         ("GET", "k"), ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("EXEC",),
                         ("EVAL", "return redis.call('set', 'x', '1')", "0"),
                         ("EVAL", "return redis.pcall('set', 'x', '1')", "0"),
                         ("EVAL", "return redis.call('get', 'x')", "0"), ("PUBLISH", "c", "m"),
                         ("EVAL", "#!lua\nreturn 1", "0"), ("EVAL", "#!lua flags=no-writes\nreturn 1", "0"),
                         ("MULTI",), ("EVAL", "#!lua\nreturn 1", "0"), ("EXEC",),
                         ("CONFIG", "SET", "min-replicas-max-lag", "0"), ("SET", "k", "v"),
                         ("CONFIG", "SET", "min-replicas-max-lag", "10")]:
                m, r = [c.cmd(*args) for c in clients]
                assert m == r, (args, m, r)
            m, r = [c.cmd("INFO", "replication").v.decode() for c in clients]
            assert [l for l in m.splitlines() if l.startswith("min_")] == \
                [l for l in r.splitlines() if l.startswith("min_")]
        finally:
            for c in clients:
                c.cmd("CONFIG", "SET", "min-replicas-to-write", "0")
                c.cmd("FLUSHALL")
