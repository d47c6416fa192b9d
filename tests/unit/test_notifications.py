"""Keyspace notifications and pub/sub plumbing on an in-process server with a fake clock.

Expiry here is exact (the clock only moves when a test says so); the
registrations that keep notifications and the pub/sub context rule free for
everybody else are checked directly on the server object.
"""

import logging

import pytest

from support import FakeClock, green_client, inprocess_server, settle


@pytest.fixture
def srv():
    clock = FakeClock()
    with inprocess_server(clock=clock) as s:
        s.active_expire_enabled = False
        s.test_clock = clock
        clients = []

        def client(proto=2):
            c = green_client(s, proto)
            clients.append(c)
            return c
        s.client = client
        yield s
        for c in clients:
            c.close()


def _subscriber(srv, flags="KEA"):
    c = srv.client()
    c.cmd("CONFIG", "SET", "notify-keyspace-events", flags)
    sub = srv.client()
    assert sub.cmd("PSUBSCRIBE", "__key*__:*").plain()[2] == 1
    return c, sub


def _next(sub, n):
    return [tuple(sub.read().plain()[2:]) for _ in range(n)]


def test_listener_only_while_configured(srv):
    listeners = srv.events.keyspace_listeners
    ks = srv.keyspace
    assert srv.notifications._on_event not in listeners
    assert ks.notify_new is None and ks.notify_miss is None
    c = srv.client()
    c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
    assert listeners.count(srv.notifications._on_event) == 1
    assert ks.notify_new is None and ks.notify_miss is None   # A has neither n nor m
    c.cmd("CONFIG", "SET", "notify-keyspace-events", "Enm")
    assert listeners.count(srv.notifications._on_event) == 1
    assert ks.notify_new is not None and ks.notify_miss is not None
    c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
    assert srv.notifications._on_event not in listeners
    assert ks.notify_new is None and ks.notify_miss is None


def test_lazy_expiry_then_keymiss(srv):
    c, sub = _subscriber(srv, "KEAm")
    c.cmd("SET", "k", "v", "PX", "100")
    assert _next(sub, 4) == [(b"__keyspace@0__:k", b"set"), (b"__keyevent@0__:set", b"k"),
                             (b"__keyspace@0__:k", b"expire"), (b"__keyevent@0__:expire", b"k")]
    srv.test_clock.advance(101)
    assert c.cmd("GET", "k").v is None
    assert _next(sub, 4) == [
        (b"__keyspace@0__:k", b"expired"), (b"__keyevent@0__:expired", b"k"),
        (b"__keyspace@0__:k", b"keymiss"), (b"__keyevent@0__:keymiss", b"k")]


def test_active_expiry_notifies(srv):
    c, sub = _subscriber(srv, "Ex")
    c.cmd("SELECT", "2")
    c.cmd("SET", "gone", "v", "PX", "10")
    srv.test_clock.advance(11)
    assert srv.keyspace.active_expire_cycle() == 1
    assert _next(sub, 1) == [(b"__keyevent@2__:expired", b"gone")]


def test_new_event_before_the_command_event(srv):
    c, sub = _subscriber(srv, "Kn$l")
    c.cmd("SET", "a", "1")
    c.cmd("SET", "a", "2")
    c.cmd("RPUSH", "l", "x")
    assert _next(sub, 5) == [
        (b"__keyspace@0__:a", b"new"), (b"__keyspace@0__:a", b"set"), (b"__keyspace@0__:a", b"set"),
        (b"__keyspace@0__:l", b"new"), (b"__keyspace@0__:l", b"rpush")]


def test_context_hook_is_the_subscribed_clients_own(srv):
    # The subscribed-mode rule is kept on the subscribed connection: the
    # server-wide hooks (which close every client's plain path) never hold it.
    hooks = srv.dispatcher.context_hooks
    hook = srv.pubsub._context_hook

    def ruled():
        return sorted(c.id for c in srv.clients.values()
                      if c.context_hooks is not None and hook in c.context_hooks)

    a, b, other = srv.client(), srv.client(3), srv.client()
    ids = sorted(srv.clients)
    assert ruled() == []
    a.cmd("SUBSCRIBE", "x")
    b.cmd("SSUBSCRIBE", "y")
    assert ruled() == ids[:2] and hook not in hooks
    assert other.cmd("SET", "k", "v").v == "OK"    # not subscribed: no rule for it
    refused = a.cmd("GET", "k")                       # a plain command, still refused
    assert refused.t == "-" and refused.v.startswith("ERR Can't execute 'get'")
    a.cmd("UNSUBSCRIBE")
    assert ruled() == ids[1:2]
    b.cmd("RESET")
    assert ruled() == []
    a.cmd("PSUBSCRIBE", "p*")
    assert ruled() == ids[:1]
    a.close()
    assert settle(lambda: ruled() == [])
    assert srv.pubsub.subscribed_clients == 0
    assert hook not in hooks


def test_output_buffer_overflow_is_logged(srv, caplog):
    import socket as std_socket
    import gevent.socket
    c = srv.client()
    c.cmd("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0")
    slow = gevent.socket.socket()
    slow.setsockopt(std_socket.SOL_SOCKET, std_socket.SO_RCVBUF, 4096)
    slow.connect(srv.bound[0])
    slow.sendall(b"SUBSCRIBE slow\r\n")
    assert settle(lambda: srv.pubsub.channels.table.get(b"slow"))
    with caplog.at_level(logging.WARNING, logger="miniredis"):
        for _ in range(200):
            if c.cmd("PUBLISH", "slow", "m" * 65536).v == 0:
                break
    assert srv.stats.obuf_disconnections == 1
    assert any("scheduled to be closed ASAP for overcoming of output buffer limits" in r.getMessage()
               and "flags=P" in r.getMessage() for r in caplog.records)
    slow.close()
