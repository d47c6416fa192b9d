"""Transactions and the engine: wake-ups after EXEC, propagation as one unit, WATCH and time.

Differential replies are in tests/compat/test_transactions_compat.py; here,
what only the engine shows: what EXEC propagates, when blocked clients are
served, and WATCH against an injected clock.
"""

import pytest

from support import EffectsHarness, FakeClock, Reply, green_client, inprocess_server


def arr(*items):
    return Reply("*", [Reply("$", i.encode()) for i in items])


def test_blocked_client_is_served_after_exec_not_inside(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "0")
        out = s.admin.pipeline([("MULTI",), ("RPUSH", "k", "a", "b"), ("LLEN", "k"),
                                ("RPUSH", "k", "c"), ("EXEC",)])
        out.append(s.read(w))
        return out + [s.admin.cmd("LRANGE", "k", "0", "-1")]
    out = on_both(fn)
    assert out[4] == Reply("*", [Reply(":", 2), Reply(":", 2), Reply(":", 3)])
    assert out[5] == arr("k", "a") and out[6] == arr("b", "c")


@pytest.fixture
def fx():
    h = EffectsHarness()
    yield h
    h.close()


def test_exec_propagates_its_writes_wrapped(fx):
    fx.setup(("MULTI",), ("SET", "a", "1"), ("GET", "a"), ("INCR", "a"), ("SET", "t", "v", "EX", "10"))
    reply, _, props = fx.run("EXEC")
    assert reply == ["OK", b"1", 2, "OK"]
    assert props == [[(0, [b"MULTI"]), (0, [b"SET", b"a", b"1"]), (0, [b"INCR", b"a"]),
                      (0, [b"SET", b"t", b"v", b"PXAT", b"1000000010000"]), (0, [b"EXEC"])]]


def test_exec_of_one_write_or_none(fx):
    fx.setup(("MULTI",), ("GET", "a"), ("SET", "a", "1"))
    assert fx.run("EXEC")[2] == [[(0, [b"SET", b"a", b"1"])]]
    fx.setup(("MULTI",), ("GET", "a"), ("PING",))
    assert fx.run("EXEC")[2] == []
    fx.setup(("MULTI",), ("SET", "a", "2"))
    assert fx.run("DISCARD")[2] == []


def test_exec_across_databases_keeps_each_op_db(fx):
    fx.setup(("MULTI",), ("SET", "a", "1"), ("SELECT", "2"), ("SET", "b", "2"))
    props = fx.run("EXEC")[2]
    assert props == [[(0, [b"MULTI"]), (0, [b"SET", b"a", b"1"]), (2, [b"SET", b"b", b"2"]),
                      (2, [b"EXEC"])]]


def test_events_inside_exec(fx):
    fx.setup(("MULTI",), ("RPUSH", "l", "a"), ("LPOP", "l"))
    reply, events, _ = fx.run("EXEC")
    assert reply == [1, b"a"]
    assert events == [("l", "rpush", b"l", 0), ("l", "lpop", b"l", 0), ("g", "del", b"l", 0)]


def test_watched_key_expiring_with_the_clock():
    clock = FakeClock()
    with inprocess_server(clock=clock) as srv:
        srv.active_expire_enabled = False
        c = green_client(srv)
        try:
            c.cmd("SET", "k", "v", "PX", "100")
            c.cmd("WATCH", "k")
            clock.advance(200)           # expired, not yet removed
            c.cmd("MULTI")
            c.cmd("PING")
            assert c.cmd("EXEC") == Reply("*", None)
            # Already expired when watched: its removal is no change.
            c.cmd("SET", "k", "v", "PX", "100")
            clock.advance(200)
            c.cmd("WATCH", "k")
            assert c.cmd("GET", "k") == Reply("$", None)   # lazily removed now
            c.cmd("MULTI")
            c.cmd("PING")
            assert c.cmd("EXEC") == Reply("*", [Reply("+", "PONG")])
        finally:
            c.close()


def test_watch_table_is_released():
    with inprocess_server() as srv:
        a, b = green_client(srv), green_client(srv)
        try:
            a.cmd("WATCH", "x", "y")
            b.cmd("WATCH", "y")
            assert len(srv.watches.table) == 2 and srv.keyspace.on_change
            a.cmd("MULTI")
            a.cmd("EXEC")
            assert list(srv.watches.table) == [(0, b"y")]
            b.cmd("RESET")
            assert srv.watches.table == {} and not srv.keyspace.on_change
            a.cmd("WATCH", "z")
            a.close()
            c = green_client(srv)
            c.cmd("PING")        # the server has seen the disconnect by now
            c.close()
            assert srv.watches.table == {}
        finally:
            a.close()
            b.close()


def test_multi_inside_one_read_queues_what_follows(r):
    # Plain commands of a read skip the dispatcher's checks only until a
    # command that changes them (MULTI here) has run.
    replies = r.pipeline([("SET", "tq", "1"), ("MULTI",), ("INCR", "tq"), ("GET", "tq"),
                          ("EXEC",), ("GET", "tq")])
    assert [x.v for x in replies[:4]] == ["OK", "OK", "QUEUED", "QUEUED"]
    assert [x.v for x in replies[4].v] == [2, b"2"]
    assert replies[5].v == b"2"
