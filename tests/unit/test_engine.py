"""The execution engine: blocking, propagation by effect, keyspace events, nesting.

An in-process server with an injected clock: blocking timeouts and expiry
move with the clock instead of sleeping. Clients use gevent sockets because
the server runs in this test's hub.
"""

import pytest

from support import FakeClock, green_client, inprocess_server, settle

from miniredis import events
from miniredis.registry import COMMANDS


@pytest.fixture
def engine():
    clock = FakeClock()
    with inprocess_server(clock=clock) as srv:
        srv.active_expire_enabled = False
        ops, evs = [], []
        srv.events.propagate_listeners.append(ops.append)
        srv.events.keyspace_listeners.append(lambda *e: evs.append(e))
        srv.test_ops, srv.test_events, srv.test_clock = ops, evs, clock
        clients = []

        def client(proto=2):
            c = green_client(srv, proto)
            clients.append(c)
            return c
        srv.client = client
        yield srv
        for c in clients:
            c.close()


def _blocked(srv, n):
    return settle(lambda: srv.blocking.count == n)


def test_timeout_follows_the_injected_clock(engine):
    a = engine.client()
    a.send_raw(b"BLPOP k 5\r\n")
    assert _blocked(engine, 1)
    engine.test_clock.advance(4999)
    engine.blocking.check_timeouts()
    assert engine.blocking.count == 1
    engine.test_clock.advance(1)
    engine.blocking.check_timeouts()
    assert a.read().v is None and engine.blocking.count == 0
    assert not engine.blocking.waiting


def test_timeout_reply_per_protocol(engine):
    a2, a3 = engine.client(2), engine.client(3)
    a2.send_raw(b"BLPOP k 1\r\n")
    a3.send_raw(b"BLPOP k 1\r\n")
    assert _blocked(engine, 2)
    engine.test_clock.advance(1000)
    engine.blocking.check_timeouts()
    r2, r3 = a2.read(), a3.read()
    assert (r2.t, r2.v) == ("*", None)
    assert (r3.t, r3.v) == ("_", None)


def test_waiters_served_in_arrival_order_each_its_own(engine):
    waiters = [engine.client() for _ in range(3)]
    for i, w in enumerate(waiters):
        w.send_raw(b"BLPOP k 0\r\n")
        assert _blocked(engine, i + 1)
    p = engine.client()
    assert p.cmd("RPUSH", "k", "a", "b").v == 2
    assert waiters[0].read().plain() == [b"k", b"a"]
    assert waiters[1].read().plain() == [b"k", b"b"]
    assert engine.blocking.count == 1
    assert p.cmd("RPUSH", "k", "c").v == 1
    assert waiters[2].read().plain() == [b"k", b"c"]
    assert p.cmd("EXISTS", "k").v == 0


def test_pipeline_behind_a_blocked_command_waits(engine):
    a = engine.client()
    a.send_raw(b"BLPOP k 0\r\nPING\r\nLLEN k\r\n")
    assert _blocked(engine, 1)
    p = engine.client()
    p.cmd("LPUSH", "k", "x", "y")
    assert a.read().plain() == [b"k", b"y"]
    assert a.read().v == "PONG"
    assert a.read().v == 1


def test_disconnect_while_blocked_leaves_nothing(engine):
    a = engine.client()
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    a.close()
    assert settle(lambda: engine.blocking.count == 0)
    assert not engine.blocking.waiting
    p = engine.client()
    p.cmd("LPUSH", "k", "x")
    assert p.cmd("LLEN", "k").v == 1   # nobody took it


def test_client_unblock(engine):
    a, b = engine.client(), engine.client()
    aid = a.cmd("CLIENT", "ID").v
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    assert b.cmd("CLIENT", "UNBLOCK", aid, "ERROR").v == 1
    r = a.read()
    assert (r.t, r.v) == ("-", "UNBLOCKED client unblocked via CLIENT UNBLOCK")
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    assert b.cmd("CLIENT", "UNBLOCK", aid).v == 1
    assert a.read().v is None
    assert b.cmd("CLIENT", "UNBLOCK", aid).v == 0


def test_propagation_by_effect_and_order(engine):
    ops = engine.test_ops
    a, p = engine.client(), engine.client()
    p.cmd("SET", "s", "v")
    assert ops[-1] == [(0, [b"SET", b"s", b"v"])]
    n = len(ops)
    p.cmd("GET", "s")
    assert len(ops) == n          # reads propagate nothing
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    p.cmd("RPUSH", "k", "x")
    a.read()
    # The push first, then the pop that served the waiter, as its non-blocking form.
    assert ops[-2] == [(0, [b"RPUSH", b"k", b"x"])]
    assert ops[-1][0][1][0].upper() == b"LPOP"


def test_expired_key_propagates_del_and_notifies(engine):
    ops, evs = engine.test_ops, engine.test_events
    c = engine.client()
    c.cmd("SET", "t", "v", "PX", "100")
    engine.test_clock.advance(100)
    assert c.cmd("GET", "t").v is None
    assert ops[-1] == [(0, [b"DEL", b"t"])]
    assert (events.EXPIRED, "expired", b"t", 0) in evs


def test_nested_calls_are_wrapped_and_wake_after(engine):
    ops = engine.test_ops
    a, b = engine.client(), engine.client()
    b.cmd("PING")
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    conn = next(c for c in engine.clients.values() if c.blocked is None)
    d = engine.dispatcher
    # An outer call (as EXEC will be) running two commands nested.
    outer = COMMANDS["ping"]

    def exec_like(ctx, argv):
        ctx.propagate_as()   # the outer command is not replayed itself, as EXEC
        d.execute(ctx, COMMANDS["rpush"], [b"RPUSH", b"k", b"a"])
        # Not woken yet: the outer call is still running.
        assert engine.blocking.count == 1
        d.execute(ctx, COMMANDS["set"], [b"SET", b"x", b"1"])
        return b"done"
    saved = outer.func
    outer.func = exec_like
    try:
        assert d.dispatch(conn, [b"PING"]) == b"done"
    finally:
        outer.func = saved
    # Waiters are served by the caller once the reply is queued (Server._run).
    assert engine.blocking.count == 1
    engine.blocking.serve_ready()
    assert ops[-2] == [(0, [b"MULTI"]), (0, [b"RPUSH", b"k", b"a"]), (0, [b"SET", b"x", b"1"]),
                       (0, [b"EXEC"])]
    assert a.read().plain() == [b"k", b"a"]
    assert engine.blocking.count == 0


def test_blocking_inside_nested_call_times_out_at_once(engine):
    c = engine.client()
    c.cmd("PING")
    conn = next(iter(engine.clients.values()))
    conn.deny_blocking = True
    try:
        r = engine.dispatcher.execute(conn, COMMANDS["blpop"], [b"BLPOP", b"k", b"0"])
    finally:
        conn.deny_blocking = False
    from miniredis.replies import NULL_ARRAY
    assert r is NULL_ARRAY and engine.blocking.count == 0


def test_info_counts_blocked_clients(engine):
    a, b = engine.client(), engine.client()
    a.send_raw(b"BLPOP k 0\r\n")
    assert _blocked(engine, 1)
    assert b"blocked_clients:1" in b.cmd("INFO", "clients").v


def test_list_events_named_by_the_command(engine):
    evs = engine.test_events
    c = engine.client()
    c.cmd("RPUSH", "l", "a")
    c.cmd("LPOP", "l")
    assert (events.LIST, "rpush", b"l", 0) in evs
    assert (events.LIST, "lpop", b"l", 0) in evs
    assert (events.GENERIC, "del", b"l", 0) in evs


def test_waiter_served_from_the_key_that_became_ready_first(engine):
    a, b = engine.client(), engine.client()
    b.cmd("PING")
    a.send_raw(b"BLPOP a b 0\r\n")
    assert _blocked(engine, 1)
    conn = next(c for c in engine.clients.values() if c.blocked is None)
    d = engine.dispatcher
    outer = COMMANDS["ping"]

    def exec_like(ctx, argv):
        # As MULTI; RPUSH b 1; RPUSH a 2; EXEC: b is signalled before a.
        d.execute(ctx, COMMANDS["rpush"], [b"RPUSH", b"b", b"1"])
        d.execute(ctx, COMMANDS["rpush"], [b"RPUSH", b"a", b"2"])
        return b"done"
    saved = outer.func
    outer.func = exec_like
    try:
        d.dispatch(conn, [b"PING"])
    finally:
        outer.func = saved
    engine.blocking.serve_ready()   # as Server._run does after queueing the reply
    assert a.read().plain() == [b"b", b"1"]   # Redis 7.0 does the same
    assert b.cmd("LLEN", "a").v == 1
