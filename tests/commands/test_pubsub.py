"""Pub/sub over real sockets: delivery, cleanup, and client-output-buffer-limit.

Slow readers are raw sockets that never read; every loop is bounded, and the
limits lowered by a test are restored after it (the server is shared).
"""

import contextlib
import socket

import pytest

from support import RawClient, encode_command

OBUF_DEFAULT = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"


@contextlib.contextmanager
def obuf_limit(admin, value):
    assert admin.cmd("CONFIG", "SET", "client-output-buffer-limit", value).v == "OK"
    try:
        yield
    finally:
        admin.cmd("CONFIG", "SET", "client-output-buffer-limit", OBUF_DEFAULT)


def _silent_socket(port, *commands):
    """A connection with a small receive buffer that sends commands and never reads."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"".join(encode_command(c) for c in commands))
    return s


def _numsub(admin, channel):
    return admin.cmd("PUBSUB", "NUMSUB", channel).v[1].v


def _wait(pred, rounds=500):
    for _ in range(rounds):
        if pred():
            return True
    return pred()


def _closed(sock, timeout=5.0):
    """True once the server has closed sock (whatever it sent first is drained)."""
    sock.settimeout(timeout)
    try:
        for _ in range(100000):
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def test_message_delivery_both_protocols(r, r3, mini_server):
    sub2 = RawClient(mini_server.port, 2)
    sub3 = RawClient(mini_server.port, 3)
    try:
        assert sub2.cmd("SUBSCRIBE", "t.chan").plain() == [b"subscribe", b"t.chan", 1]
        assert sub3.cmd("PSUBSCRIBE", "t.*").t == ">"
        assert r.cmd("PUBLISH", "t.chan", "hello").v == 2
        assert sub2.read().plain() == [b"message", b"t.chan", b"hello"]
        m = sub3.read()
        assert m.t == ">" and m.plain() == [b"pmessage", b"t.*", b"t.chan", b"hello"]
    finally:
        sub2.close()
        sub3.close()


def test_disconnect_releases_subscriptions(r, mini_server):
    sub = RawClient(mini_server.port)
    sub.cmd("SUBSCRIBE", "gone.chan")
    sub.cmd("PSUBSCRIBE", "gone.*")
    sub.cmd("SSUBSCRIBE", "gone.shard")
    assert _numsub(r, "gone.chan") == 1
    sub.close()
    assert _wait(lambda: _numsub(r, "gone.chan") == 0)
    assert r.cmd("PUBSUB", "SHARDNUMSUB", "gone.shard").v[1].v == 0
    assert b"gone.*" not in [x.v for x in r.cmd("PUBSUB", "CHANNELS").v]
    assert r.cmd("PUBLISH", "gone.chan", "x").v == 0


def test_slow_subscriber_is_disconnected_publisher_keeps_going(r, mini_server):
    with obuf_limit(r, "pubsub 1mb 256kb 60"):
        slow = _silent_socket(mini_server.port, ["SUBSCRIBE", "firehose"])
        try:
            assert _wait(lambda: _numsub(r, "firehose") == 1)
            payload = "x" * 65536
            sent = 0
            for _ in range(1000):           # bounded: 64 MB at most
                reply = r.cmd("PUBLISH", "firehose", payload)
                assert reply.t == ":"       # the publisher always gets its answer
                sent += 1
                if reply.v == 0:
                    break
            else:
                pytest.fail("the slow subscriber was never disconnected")
            assert _wait(lambda: _numsub(r, "firehose") == 0)
            assert r.cmd("PING").v == "PONG"
            assert _closed(slow)
        finally:
            slow.close()


def test_soft_limit_with_zero_seconds_closes_on_a_later_second(r, mini_server):
    # Soft seconds are whole seconds: over the soft limit in a later second closes.
    with obuf_limit(r, "pubsub 0 128kb 0"):
        slow = _silent_socket(mini_server.port, ["SUBSCRIBE", "soft"])
        try:
            assert _wait(lambda: _numsub(r, "soft") == 1)
            import time
            deadline = time.time() + 10
            while _numsub(r, "soft") == 1 and time.time() < deadline:
                assert r.cmd("PUBLISH", "soft", "y" * 32768).t == ":"
            assert _numsub(r, "soft") == 0
        finally:
            slow.close()


def test_normal_client_hard_limit(r, mini_server):
    r.cmd("SET", "big", "z" * 100000)
    with obuf_limit(r, "normal 1mb 0 0"):
        slow = _silent_socket(mini_server.port, *[["GET", "big"]] * 200)   # 20 MB of replies
        try:
            assert _closed(slow, timeout=10)
            assert r.cmd("GET", "big").v == b"z" * 100000
        finally:
            slow.close()


def test_client_list_shows_pending_output(r, mini_server):
    r.cmd("SET", "big", "z" * 1000000)
    slow = _silent_socket(mini_server.port, ["CLIENT", "SETNAME", "slowpoke"],
                          *[["GET", "big"]] * 20)
    try:
        def line():
            for ln in r.cmd("CLIENT", "LIST").v.decode().splitlines():
                if "name=slowpoke" in ln:
                    return dict(f.split("=", 1) for f in ln.split())
            return None
        assert _wait(lambda: line() is not None and int(line()["omem"]) > 0)
        fields = line()
        assert int(fields["oll"]) > 0 and fields["flags"] == "N"
        info = r.cmd("INFO", "clients").v.decode()
        peak = int(info.split("client_recent_max_output_buffer:")[1].split("\r\n")[0])
        assert peak > 0
    finally:
        slow.close()


def test_info_pubsub_counters(r, mini_server):
    sub = RawClient(mini_server.port)
    try:
        sub.cmd("SUBSCRIBE", "i.a")
        sub.cmd("SUBSCRIBE", "i.b")
        sub.cmd("PSUBSCRIBE", "i.*")
        sub.cmd("SSUBSCRIBE", "i.s")
        info = r.cmd("INFO", "stats").v.decode()
        fields = dict(x.split(":", 1) for x in info.split("\r\n") if ":" in x)
        assert int(fields["pubsub_channels"]) >= 2
        assert int(fields["pubsub_patterns"]) >= 1
        assert int(fields["pubsubshard_channels"]) >= 1
        listing = r.cmd("CLIENT", "LIST", "TYPE", "pubsub").v.decode()
        assert "sub=2 psub=1 ssub=1" in listing and "flags=P" in listing
    finally:
        sub.close()


def test_resp3_subscriber_may_run_commands(r3):
    assert r3.cmd("SUBSCRIBE", "r3.chan").t == ">"
    assert r3.cmd("SET", "k", "v").v == "OK"
    assert r3.cmd("PUBLISH", "r3.chan", "self").t == ">"   # the push comes first
    assert r3.read().v == 1
    assert r3.cmd("GET", "k").v == b"v"


def test_pipelined_publishes_reach_a_subscriber_in_order(r, r3, mini_server):
    # Messages of one read of PUBLISHes leave to each subscriber together
    # (Server.write_soon); a RESP3 subscriber's own replies keep their place.
    sub = RawClient(mini_server.port, 2)
    try:
        sub.cmd("SUBSCRIBE", "t.order")
        r3.cmd("SUBSCRIBE", "t.order")
        replies = r.pipeline([("PUBLISH", "t.order", "m%d" % i) for i in range(40)])
        assert [x.v for x in replies] == [2] * 40
        assert [sub.read().plain()[2] for _ in range(40)] == [b"m%d" % i for i in range(40)]
        assert [r3.read().plain()[2] for _ in range(40)] == [b"m%d" % i for i in range(40)]
        assert r3.cmd("PING").v == "PONG"
    finally:
        sub.close()
        r3.cmd("UNSUBSCRIBE")
