"""Blocking list pops over real sockets: waking, order, pipelines, disconnects,
CLIENT UNBLOCK, timeouts, chained BLMOVEs and a producer/consumer run.

Most scenarios run on miniredis and on the reference redis-server and must
give the same replies. Waits are bounded: a blocked client is detected with
INFO's blocked_clients (polled a bounded number of times), and every socket
read has a timeout. Timeouts under test are short real ones (0.1 s).
"""

import socket
import threading

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import COMMANDS
from support import RawClient, Reply, encode_command, start_miniredis
from support import blocked_clients, wait_blocked, Scenario  # noqa: E402

UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def arr(*items):
    return Reply("*", [Reply("$", i.encode()) if isinstance(i, str) else i for i in items])


# --- waking ---------------------------------------------------------------------------------

def test_woken_by_a_push_from_another_client(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "0")
        out = [s.admin.cmd("LPUSH", "k", "x"), s.read(w)]
        return out + [s.admin.cmd("EXISTS", "k"), w.cmd("PING"), blocked_clients(s.admin)]
    assert on_both(fn)[1] == arr("k", "x")


def test_waiters_are_served_first_come_first_served(on_both):
    def fn(s):
        ws = [s.block("BLPOP", "k", "0") for _ in range(4)]
        out = [s.admin.cmd("RPUSH", "k", "a", "b", "c")]
        out += [s.read(w) for w in ws[:3]]
        out.append(blocked_clients(s.admin))    # the fourth still waits
        out.append(s.admin.cmd("RPUSH", "k", "d"))
        out.append(s.read(ws[3]))
        return out
    out = on_both(fn)
    assert out[1:4] == [arr("k", "a"), arr("k", "b"), arr("k", "c")] and out[4] == 1
    assert out[6] == arr("k", "d")


def test_more_elements_than_waiters(on_both):
    def fn(s):
        ws = [s.block("BRPOP", "k", "0"), s.block("BLPOP", "k", "0")]
        out = [s.admin.cmd("LPUSH", "k", "a", "b", "c")] + [s.read(w) for w in ws]
        return out + [s.admin.cmd("LRANGE", "k", "0", "-1")]
    assert on_both(fn) == [Reply(":", 3), arr("k", "a"), arr("k", "c"), arr("b")]


def test_blpop_on_several_keys(on_both):
    def fn(s):
        w = s.block("BLPOP", "a", "b", "c", "0")
        out = [s.admin.cmd("RPUSH", "b", "x"), s.read(w)]
        w2 = s.block("BRPOP", "a", "b", "c", "0", client=s.client(3))
        out += [s.admin.cmd("RPUSH", "c", "y", "z"), s.read(w2)]
        return out + [s.admin.cmd("LRANGE", "c", "0", "-1")]
    assert on_both(fn)[1:] == [arr("b", "x"), Reply(":", 2), arr("c", "z"), arr("y")]


@pytest.mark.skipif("exec" not in COMMANDS, reason="miniredis lacks MULTI/EXEC")
def test_a_key_emptied_again_inside_a_transaction_serves_nobody(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "0")
        out = s.admin.pipeline([("MULTI",), ("RPUSH", "k", "x"), ("LPOP", "k"), ("EXEC",)])
        out += [blocked_clients(s.admin), s.admin.cmd("RPUSH", "k", "y"), s.read(w)]
        return out
    out = on_both(fn)
    assert out[4] == 1 and out[6] == arr("k", "y")


def test_duplicate_keys_are_served_once(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "k", "0")
        return [s.admin.cmd("RPUSH", "k", "1", "2"), s.read(w), s.admin.cmd("LRANGE", "k", "0", "-1")]
    assert on_both(fn)[1] == arr("k", "1")


def test_waiting_is_per_database(on_both):
    def fn(s):
        w = s.client()
        w.cmd("SELECT", "1")
        s.block("BLPOP", "k", "0", client=w)
        out = [s.admin.cmd("RPUSH", "k", "db0"), blocked_clients(s.admin)]
        s.admin.cmd("SELECT", "1")
        out += [s.admin.cmd("RPUSH", "k", "db1"), s.read(w)]
        s.admin.cmd("SELECT", "0")
        return out + [s.admin.cmd("LRANGE", "k", "0", "-1")]
    out = on_both(fn)
    assert out[1] == 1 and out[3] == arr("k", "db1") and out[4] == arr("db0")


def test_served_later_reply_shapes(on_both):
    def fn(s):
        w1 = s.block("BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2")
        out = [s.admin.cmd("RPUSH", "b", "1", "2", "3"), s.read(w1)]
        w2 = s.block("BRPOPLPUSH", "c", "d", "0", client=s.client(3))
        out += [s.admin.cmd("RPUSH", "c", "x"), s.read(w2)]
        w3 = s.block("BLMOVE", "e", "d", "LEFT", "LEFT", "0")
        out += [s.admin.cmd("RPUSH", "e", "y"), s.read(w3)]
        return out + [s.admin.cmd("LRANGE", "d", "0", "-1"), s.admin.cmd("LRANGE", "b", "0", "-1")]
    out = on_both(fn)
    assert out[1] == Reply("*", [Reply("$", b"b"), arr("3", "2")])
    assert out[3] == Reply("$", b"x") and out[5] == Reply("$", b"y")


# --- pipelines, disconnects, CLIENT UNBLOCK, INFO ----------------------------------------

def test_pipeline_behind_a_blocked_pop_waits(on_both):
    def fn(s):
        w = s.client()
        w.send_raw(encode_command(["BLPOP", "k", "0"]) + encode_command(["PING"]))
        s.blocked += 1
        wait_blocked(s.admin, 1)
        # Had PING been answered, its reply would be here by now: the server
        # sent it before it answered the INFO above.
        w.sock.settimeout(0)
        try:
            early = w.sock.recv(100, socket.MSG_PEEK)
        except BlockingIOError:
            early = b""
        w.sock.settimeout(10)
        return [early, s.admin.cmd("RPUSH", "k", "x"), s.read(w), w.read()]
    assert on_both(fn) == [b"", Reply(":", 1), arr("k", "x"), Reply("+", "PONG")]


def test_a_client_that_disconnects_leaves_nothing_behind(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "0")
        w2 = s.block("BLMOVE", "k", "d", "LEFT", "LEFT", "0")
        w.close()
        w2.close()
        s.gone(2)
        wait_blocked(s.admin, 0)
        return [s.admin.cmd("RPUSH", "k", "x"), s.admin.cmd("LRANGE", "k", "0", "-1"),
                s.admin.cmd("EXISTS", "d")]
    assert on_both(fn) == [Reply(":", 1), arr("x"), Reply(":", 0)]


def test_client_unblock(on_both):
    def fn(s):
        out = []
        for proto in (2, 3):
            for cmd in (("BLPOP", "k", "0"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "0"),
                        ("BLMPOP", "0", "1", "k", "LEFT")):
                for how in ("TIMEOUT", "ERROR"):
                    w = s.client(proto)
                    wid = w.cmd("CLIENT", "ID").v
                    s.block(*cmd, client=w)
                    out.append(s.admin.cmd("CLIENT", "UNBLOCK", wid, how))
                    out.append(s.read(w))
                    out.append(s.admin.cmd("CLIENT", "UNBLOCK", wid, how))
                    out.append(w.cmd("PING"))
        out.append(s.admin.cmd("CLIENT", "UNBLOCK", s.admin.cmd("CLIENT", "ID").v))
        return out
    out = on_both(fn)
    assert out[:4] == [Reply(":", 1), Reply("*", None), Reply(":", 0), Reply("+", "PONG")]
    assert out[5] == Reply("-", UNBLOCKED)
    assert out[25] == Reply("_", None)


def test_info_blocked_clients(mini_server):
    s = Scenario(mini_server.port)
    try:
        assert blocked_clients(s.admin) == 0
        s.block("BLPOP", "a", "0")
        s.block("BRPOP", "b", "c", "0")
        assert blocked_clients(s.admin) == 2
        s.admin.cmd("RPUSH", "b", "x")
        assert blocked_clients(s.admin) == 1
        s.admin.cmd("RPUSH", "a", "x")
        wait_blocked(s.admin, 0)
    finally:
        s.close()


# --- timeouts ---------------------------------------------------------------------------

def test_timeouts_answer_null_arrays(on_both):
    def fn(s):
        out = []
        for proto in (2, 3):
            c = s.client(proto)
            for cmd in (("BLPOP", "k", "0.1"), ("BRPOP", "a", "b", "0.1"),
                        ("BLMPOP", "0.1", "1", "k", "LEFT"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "0.1"),
                        ("BRPOPLPUSH", "k", "d", "0.1")):
                out.append(c.cmd(*cmd))
            out.append(c.cmd("PING"))
        return out + [blocked_clients(s.admin)]
    out = on_both(fn)
    assert out[0] == Reply("*", None) and out[6] == Reply("_", None) and out[-1] == 0


def test_data_before_the_timeout_is_served(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "5")
        return [s.admin.cmd("RPUSH", "k", "x"), s.read(w)]
    assert on_both(fn)[1] == arr("k", "x")


def test_timeout_after_a_slow_request_in_the_same_read():
    srv = start_miniredis()
    try:
        c = RawClient(srv.port, timeout=3)
        big = ["RPUSH", "big"] + [str(i) for i in range(200000)]
        c.send_raw(encode_command(big) + encode_command(["BLPOP", "nokey", "0.01"]))
        assert c.read() == Reply(":", 200000)
        assert c.read() == Reply("*", None)
    finally:
        srv.stop()


# --- wrong types while waiting --------------------------------------------------------------

def test_wrongtype_destination_when_woken(on_both):
    def fn(s):
        w = s.block("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
        s.admin.cmd("SET", "dst", "string")
        out = [s.admin.cmd("RPUSH", "src", "x"), s.read(w)]
        return out + [s.admin.cmd("LRANGE", "src", "0", "-1"), blocked_clients(s.admin)]
    assert on_both(fn) == [Reply(":", 1), Reply("-", WRONGTYPE), arr("x"), 0]


def test_a_key_of_another_type_keeps_the_waiter_blocked(on_both):
    def fn(s):
        w = s.block("BLPOP", "k", "0")
        out = [s.admin.cmd("SET", "k", "v"), blocked_clients(s.admin)]
        out += [s.admin.cmd("DEL", "k"), s.admin.cmd("RPUSH", "k", "x"), s.read(w)]
        # Another key becoming ready serves the waiter even when an earlier key has another type.
        w2 = s.block("BLPOP", "a", "b", "0")
        out += [s.admin.cmd("SET", "a", "v"), s.admin.cmd("RPUSH", "b", "y"), s.read(w2)]
        return out
    out = on_both(fn)
    assert out[1] == 1 and out[4] == arr("k", "x") and out[7] == arr("b", "y")


# --- moves ------------------------------------------------------------------------------

def test_blmove_feeds_a_client_waiting_on_its_destination(on_both):
    def fn(s):
        w1 = s.block("BLPOP", "dst", "0")
        w2 = s.block("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
        out = [s.admin.cmd("RPUSH", "src", "x"), s.read(w2), s.read(w1)]
        return out + [s.admin.cmd("EXISTS", "src", "dst"), blocked_clients(s.admin)]
    assert on_both(fn) == [Reply(":", 1), Reply("$", b"x"), arr("dst", "x"), Reply(":", 0), 0]


def test_a_chain_of_blmoves(on_both):
    def fn(s):
        end = s.block("BRPOP", "c", "0")
        ws = [s.block("BLMOVE", "b", "c", "LEFT", "LEFT", "0"),
              s.block("BRPOPLPUSH", "a", "b", "0")]
        out = [s.admin.cmd("LPUSH", "a", "x")] + [s.read(w) for w in reversed(ws)] + [s.read(end)]
        return out + [s.admin.cmd("EXISTS", "a", "b", "c")]
    assert on_both(fn)[-2:] == [arr("c", "x"), Reply(":", 0)]


def test_rotation_in_place_then_the_next_waiter(on_both):
    def fn(s):
        w1 = s.block("BLMOVE", "k", "k", "LEFT", "RIGHT", "0")
        w2 = s.block("BLPOP", "k", "0")
        return [s.admin.cmd("RPUSH", "k", "x"), s.read(w1), s.read(w2), s.admin.cmd("EXISTS", "k")]
    assert on_both(fn) == [Reply(":", 1), Reply("$", b"x"), arr("k", "x"), Reply(":", 0)]


# --- producer / consumer -------------------------------------------------------------------

def test_producer_and_consumers_deliver_every_item_once(mini_server):
    port = mini_server.port
    RawClient(port).cmd("DEL", "q")
    items = ["item%d" % i for i in range(300)]
    got = [[] for _ in range(3)]
    errors = []

    def consume(out):
        c = RawClient(port, timeout=15)
        try:
            for _ in range(len(items) + 1):   # bounded: never more than every item plus a stop
                r = c.cmd("BRPOP", "q", "10")
                if r.v is None:
                    errors.append("timed out")
                    return
                v = r.v[1].v.decode()
                if v == "stop":
                    return
                out.append(v)
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=consume, args=(g,)) for g in got]
    for t in threads:
        t.start()
    producer = RawClient(port)
    for i in range(0, len(items), 3):
        producer.cmd("LPUSH", "q", *items[i:i + 3])
    producer.cmd("LPUSH", "q", "stop", "stop", "stop")
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    delivered = [v for g in got for v in g]
    assert sorted(delivered) == sorted(items) and len(set(delivered)) == len(items)
    assert producer.cmd("EXISTS", "q") == Reply(":", 0)
    producer.close()
