"""The bundled client's publish/subscribe, as redis-py has it, on both servers and protocols.

Messages are redis-py's dicts ({'type', 'pattern', 'channel', 'data'}) whether
the server sends RESP2 arrays or RESP3 pushes; ``test_same_messages_as_redis_py``
runs one script through the bundled client and through redis-py and compares.
Every wait is bounded (get_message timeouts, thread joins).
"""

import threading

import pytest
import redis

from miniredis_client import PubSubError, Redis


@pytest.fixture(params=["miniredis", "redis"])
def server(request):
    return request.getfixturevalue("mini_server" if request.param == "miniredis"
                                   else "redis_server")


@pytest.fixture(params=[3, 2], ids=["resp3", "resp2"])
def c(request, server):
    cl = Redis(port=server.port, protocol=request.param, socket_timeout=10)
    cl.flushall()
    yield cl
    cl.close()


def _msg(kind, channel, data, pattern=None):
    return {"type": kind, "pattern": pattern, "channel": channel, "data": data}


def _next(p, **kw):
    """The next message, waiting up to 5 s (None only if nothing came)."""
    return p.get_message(timeout=5, **kw)


def _next_returned(p):
    """The next message get_message returns, past those it swallows (ignored, handled)."""
    for _ in range(10):
        message = p.get_message(timeout=5)
        if message is not None:
            return message
    return None


def test_subscribe_publish_unsubscribe(c):
    p = c.pubsub()
    try:
        assert not p.subscribed and p.get_message(timeout=0.01) is None
        p.subscribe("a", "b")
        assert p.subscribed
        assert _next(p) == _msg("subscribe", b"a", 1)
        assert _next(p) == _msg("subscribe", b"b", 2)
        assert c.publish("a", "hello") == 1 and c.publish("nobody", "x") == 0
        assert _next(p) == _msg("message", b"a", b"hello")
        p.psubscribe("c*")
        assert _next(p) == _msg("psubscribe", b"c*", 3)
        assert c.publish("cat", b"\x00bin") == 1
        assert _next(p) == _msg("pmessage", b"cat", b"\x00bin", pattern=b"c*")
        assert sorted(c.pubsub_channels()) == [b"a", b"b"] and c.pubsub_numpat() == 1
        assert c.pubsub_numsub("a", "zz") == [(b"a", 1), (b"zz", 0)]
        p.unsubscribe("a")
        assert _next(p) == _msg("unsubscribe", b"a", 2)
        p.unsubscribe()
        assert _next(p) == _msg("unsubscribe", b"b", 1)
        assert p.subscribed
        p.punsubscribe()
        assert _next(p) == _msg("punsubscribe", b"c*", 0)
        assert not p.subscribed and p.get_message(timeout=0.01) is None
        assert p.channels == {} and p.patterns == {}
    finally:
        p.close()
    assert p.connection is None


def test_ping_while_subscribed(c):
    with c.pubsub() as p:
        p.subscribe("a")
        assert _next(p)["type"] == "subscribe"
        p.ping()
        assert _next(p) == _msg("pong", None, b"")
        p.ping("hi")
        assert _next(p) == _msg("pong", None, b"hi")


def test_ignore_subscribe_messages_and_handlers(c):
    got = []
    with c.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe("plain", handled=got.append)
        p.psubscribe(**{"h*": got.append})
        c.publish("plain", "1")
        c.publish("handled", "2")
        # The three subscribe confirmations are read (get_message answers None) and dropped.
        assert _next_returned(p) == _msg("message", b"plain", b"1")
        # 'handled' matches the channel handler and the h* pattern handler.
        for _ in range(10):
            if len(got) == 2:
                break
            assert p.get_message(timeout=5) is None
        assert sorted(m["type"] for m in got) == ["message", "pmessage"]
        assert got[0]["data"] == got[1]["data"] == b"2"
    with c.pubsub() as p:
        p.subscribe("x")
        assert _next(p, ignore_subscribe_messages=True) is None
        c.publish("x", "y")
        assert _next(p)["data"] == b"y"


def test_listen(c):
    with c.pubsub() as p:
        p.subscribe("a")
        c.publish("a", "1")
        c.publish("a", "2")
        seen = []
        for message in p.listen():
            seen.append((message["type"], message["data"]))
            if len(seen) == 3:
                p.unsubscribe()
            if len(seen) == 4:
                break
        assert seen == [("subscribe", 1), ("message", b"1"), ("message", b"2"),
                        ("unsubscribe", 0)]
        assert list(p.listen()) == []     # nothing subscribed: ends at once


def test_run_in_thread(c):
    got = []
    done = threading.Event()

    def handler(message):
        got.append(message)
        if len(got) == 2:
            done.set()

    p = c.pubsub()
    p.subscribe(jobs=handler)
    worker = p.run_in_thread(sleep_time=0.05, daemon=True)
    try:
        for n in range(50):   # the worker subscribes asynchronously: publish until heard
            if c.publish("jobs", "a%d" % n) == 1:
                break
            done.wait(0.05)
        c.publish("jobs", "b")
        assert done.wait(10)
        assert [m["type"] for m in got] == ["message", "message"]
        assert got[-1] == _msg("message", b"jobs", b"b")
    finally:
        worker.stop()
        worker.join(10)
    assert not worker.is_alive() and p.connection is None
    with c.pubsub() as p:
        p.subscribe("no-handler")
        with pytest.raises(PubSubError, match="no handler"):
            p.run_in_thread()


def test_decode_responses(server):
    c = Redis(port=server.port, decode_responses=True)
    try:
        got = []
        with c.pubsub() as p:
            p.subscribe("é", h=got.append)
            assert _next(p) == _msg("subscribe", "é", 1)
            assert _next(p) == _msg("subscribe", "h", 2)
            c.publish("é", "ü")
            assert _next(p) == _msg("message", "é", "ü")
            c.publish("h", "x")
            assert p.get_message(timeout=5) is None and got == [_msg("message", "h", "x")]
            p.ping()
            assert _next(p) == _msg("pong", None, "")
            p.unsubscribe("é")
            assert _next(p) == _msg("unsubscribe", "é", 1)
    finally:
        c.close()


def test_resubscribes_after_a_lost_connection(c):
    admin = Redis(port=c.connection_pool.port)
    with c.pubsub(ignore_subscribe_messages=True) as p:
        p.subscribe("a")
        p.psubscribe("b*")
        assert p.get_message(timeout=0.05) is None
        assert admin.client_kill_filter(_type="pubsub") == 1
        # The loss is noticed on the next read; the subscriptions are sent again.
        for _ in range(50):
            p.get_message(timeout=0.05)
            if admin.pubsub_numsub("a") == [(b"a", 1)] and admin.pubsub_numpat() == 1:
                break
        assert admin.publish("a", "back") == 1
        assert _next_returned(p) == _msg("message", b"a", b"back")
    admin.close()


def _script(r):
    """The same pub/sub calls through either client: every message, in order."""
    out = []
    p = r.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("a*")
    for _ in range(3):
        out.append(p.get_message(timeout=5))
    r.publish("a", "1")
    r.publish("ab", "2")
    p.ping()
    p.ping("x")
    p.unsubscribe("b", "zz")
    p.punsubscribe()
    p.unsubscribe()
    for _ in range(9):
        out.append(p.get_message(timeout=5))
    out.append(p.get_message(timeout=0.01))
    p.close()
    return out


@pytest.mark.parametrize("proto", [2, 3])
def test_same_messages_as_redis_py(server, proto):
    theirs = redis.Redis(port=server.port, protocol=proto)
    ours = Redis(port=server.port, protocol=proto)
    try:
        assert _script(ours) == _script(theirs)
    finally:
        ours.close()
        theirs.close()


_GEVENT_SCRIPT = r"""
import sys
from gevent import monkey
monkey.patch_all()
import gevent
from miniredis_client import Redis

c = Redis(port=int(sys.argv[1]), protocol=int(sys.argv[2]), socket_timeout=10)
got = []
p = c.pubsub()
p.subscribe(news=got.append)
worker = p.run_in_thread(sleep_time=0.01)
for n in range(200):            # until the worker's subscription is in place
    if c.publish("news", "m%d" % n) == 1:
        break
    gevent.sleep(0.01)
for _ in range(500):
    if got:
        break
    gevent.sleep(0.01)
worker.stop()
worker.join(10)
assert got and got[0]["type"] == "message", got
assert not worker.is_alive()
print("ok")
"""


@pytest.mark.parametrize("proto", [2, 3])
def test_run_in_thread_under_gevent(server, proto):
    """Monkey-patched: the worker is a greenlet and the waits cooperate."""
    import os
    import subprocess
    import sys
    from support import ROOT
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, os.path.join(ROOT, "client"),
                                         env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", _GEVENT_SCRIPT, str(server.port), str(proto)],
                         env=env, capture_output=True, timeout=60, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
