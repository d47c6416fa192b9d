"""Stream commands over real sockets: blocking reads (woken, timeouts, $, groups
destroyed, keys deleted, MULTI, scripts), IDs with an injected clock (a clock
that goes backwards), what is propagated and the generic commands on streams.

Blocking scenarios run on miniredis and on the reference redis-server through
``on_both`` and must give the same replies; waits are bounded (INFO
blocked_clients is polled a bounded number of times, sockets have timeouts).
Time-dependent behaviour uses an in-process server with a fake clock.
"""

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import (EffectsHarness, FakeClock, RawClient, Reply, blocked_clients,
                     green_client, inprocess_server)


def plain(reply):
    return reply.plain()


# --- blocking XREAD -----------------------------------------------------------------------

def test_xread_block_woken_by_xadd(on_both):
    def fn(s):
        s.admin.cmd("XADD", "s", "1-1", "f", "v")
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.admin.cmd("XADD", "s", "2-1", "a", "b"), s.read(w)]
        return out + [blocked_clients(s.admin)]
    out = on_both(fn)
    assert plain(out[1]) == [[b"s", [[b"2-1", [b"a", b"b"]]]]]


def test_xread_block_resp3_map_and_dollar_resolved_once(on_both):
    def fn(s):
        s.admin.cmd("XADD", "s", "1-1", "f", "v")
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$", client=s.client(3))
        # "$" was 1-1 when the client blocked: an entry added and deleted at once
        # still moves the stream past it (Redis then answers an empty list).
        out = [s.admin.pipeline([["MULTI"], ["XADD", "s", "2-1", "a", "b"], ["XDEL", "s", "2-1"],
                                 ["EXEC"]]), s.read(w)]
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$", client=s.client(3))
        out += [s.admin.cmd("XADD", "other", "5-1", "x", "y"), s.read(w)]
        return out
    out = on_both(fn)
    assert out[1].t == "%" and out[3].t == "%"


def test_xread_block_serves_only_the_signalled_key(on_both):
    def fn(s):
        w = s.block("XREAD", "BLOCK", "0", "COUNT", "5", "STREAMS", "a", "b", "$", "$")
        s.admin.pipeline([["MULTI"], ["XADD", "b", "1-1", "f", "v"], ["XADD", "a", "1-1", "f", "v"],
                          ["EXEC"]])
        return [s.read(w)]
    out = on_both(fn)
    assert plain(out[0]) == [[b"b", [[b"1-1", [b"f", b"v"]]]]]


def test_xread_block_woken_after_a_script(on_both):
    def fn(s):
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        w2 = s.block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "t", ">")
        out = [s.admin.cmd("EVAL", "redis.call('XADD', KEYS[1], '1-1', 'f', 'v') "
                           "redis.call('XADD', KEYS[2], '1-1', 'f', 'v') "
                           "return redis.call('XADD', KEYS[1], '2-1', 'f', 'v')", "2", "s", "t")]
        out += [s.read(w), s.read(w2), blocked_clients(s.admin)]
        return out
    out = on_both(_with_group_t(fn))
    assert plain(out[1]) == [[b"s", [[b"1-1", [b"f", b"v"]], [b"2-1", [b"f", b"v"]]]]]
    assert plain(out[2]) == [[b"t", [[b"1-1", [b"f", b"v"]]]]]


def _with_group_t(fn):
    def wrapped(s):
        s.admin.cmd("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")
        return fn(s)
    return wrapped


def test_xread_block_explicit_id_and_count(on_both):
    def fn(s):
        w = s.block("XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s", "5-0")
        out = [s.admin.cmd("XADD", "s", "1-1", "f", "v"), blocked_clients(s.admin)]
        out.append(s.admin.pipeline([["MULTI"]] + [["XADD", "s", "%d-1" % i, "f", "v"]
                                                   for i in (6, 7, 8)] + [["EXEC"]]))
        out.append(s.read(w))
        return out
    out = on_both(fn)
    assert out[1] == 1 and plain(out[3]) == [[b"s", [[b"6-1", [b"f", b"v"]],
                                                      [b"7-1", [b"f", b"v"]]]]]


def test_xread_block_timeout_null_array(on_both):
    def fn(s):
        c2, c3 = s.client(2), s.client(3)
        return [c2.cmd("XREAD", "BLOCK", "50", "STREAMS", "s", "$"),
                c3.cmd("XREAD", "BLOCK", "50", "STREAMS", "s", "$"),
                c2.cmd("XREAD", "STREAMS", "s", "0")]
    out = on_both(fn)
    assert out[0] == Reply("*", None) and out[1].t == "_"


def test_xread_block_in_multi_and_scripts(on_both):
    def fn(s):
        c = s.client()
        out = [c.pipeline([["MULTI"], ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
                           ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"],
                           ["EXEC"]])]
        out.append(c.cmd("EVAL", "return redis.pcall('xread','BLOCK','0','STREAMS','s','$')", "0"))
        out.append(c.cmd("EVAL", "return redis.pcall('XREADGROUP','GROUP','g','c','BLOCK','0',"
                         "'STREAMS','s','>')", "0"))
        out.append(c.cmd("EVAL", "return redis.pcall('xread','COUNT','1','STREAMS','s','0')", "0"))
        return out
    on_both(fn)


def test_xread_blocked_key_deleted_then_recreated(on_both):
    def fn(s):
        s.admin.cmd("XADD", "s", "5-1", "f", "v")
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out = [s.admin.cmd("DEL", "s"), blocked_clients(s.admin),
               s.admin.cmd("SET", "s", "str"), blocked_clients(s.admin),
               s.admin.cmd("DEL", "s"), s.admin.cmd("XADD", "s", "1-1", "f", "v"),
               blocked_clients(s.admin), s.admin.cmd("XADD", "s", "9-1", "f", "v"), s.read(w)]
        return out
    out = on_both(fn)
    assert plain(out[-1]) == [[b"s", [[b"9-1", [b"f", b"v"]]]]]


def test_xread_fair_order_and_disconnect(on_both):
    def fn(s):
        w1 = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "0")
        w2 = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "0")
        gone = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "0")
        gone.close()
        s.gone(1)
        for _ in range(1000):
            if blocked_clients(s.admin) == 2:
                break
        out = [s.admin.cmd("XADD", "s", "1-1", "f", "v"), s.read(w1), s.read(w2)]
        return out + [blocked_clients(s.admin)]
    on_both(fn)


# --- blocking XREADGROUP ------------------------------------------------------------------

def test_xreadgroup_block_woken(on_both):
    def fn(s):
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w1 = s.block("XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">")
        w2 = s.block("XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "s", ">")
        out = [s.admin.cmd("XINFO", "GROUPS", "s")]
        out.append(s.admin.cmd("XADD", "s", "1-1", "f", "v"))
        out.append(s.read(w1))
        out.append(blocked_clients(s.admin))      # c2: nothing new for the group
        out.append(s.admin.cmd("XADD", "s", "2-1", "f", "v"))
        out.append(s.read(w2))
        out.append(s.admin.cmd("XPENDING", "s", "g"))
        out.append(s.admin.cmd("XINFO", "GROUPS", "s"))
        return out
    out = on_both(fn)
    assert plain(out[2]) == [[b"s", [[b"1-1", [b"f", b"v"]]]]] and out[3] == 1


def test_xreadgroup_group_destroyed_while_blocked(on_both):
    def fn(s):
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w = s.block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        out = [s.admin.cmd("XGROUP", "DESTROY", "s", "g"), s.read(w)]
        return out + [w.cmd("PING")]
    out = on_both(fn)
    assert out[1].t == "-" and out[1].v.startswith("NOGROUP")


def test_xreadgroup_key_deleted_while_blocked(on_both):
    def fn(s):
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w = s.block("XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "0", "STREAMS", "s", ">")
        out = [s.admin.cmd("DEL", "s"), s.read(w), blocked_clients(s.admin)]
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w = s.block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        w2 = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        out += [s.admin.cmd("SET", "s", "x"), s.read(w), blocked_clients(s.admin),
                s.admin.cmd("FLUSHALL"), s.admin.cmd("XADD", "s", "1-1", "f", "v"), s.read(w2)]
        return out
    out = on_both(fn)
    assert out[1] == Reply("-", "UNBLOCKED the stream key no longer exists")


def test_xreadgroup_block_timeout_and_consumer_creation(on_both):
    def fn(s):
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        c = s.client()
        out = [c.cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", ">")]
        out.append(s.admin.cmd("XINFO", "GROUPS", "s"))
        out.append(c.cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", "0"))
        out.append(s.admin.cmd("XINFO", "GROUPS", "s"))
        return out
    on_both(fn)


def test_blocked_reader_unblocked_by_client_unblock(on_both):
    def fn(s):
        w = s.block("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        ids = [line for line in s.admin.cmd("CLIENT", "LIST").v.decode().splitlines()
               if "cmd=xread" in line]
        cid = ids[0].split()[0].split("=")[1]
        out = [s.admin.cmd("CLIENT", "UNBLOCK", cid, "ERROR"), s.read(w)]
        return out
    on_both(fn)


# --- IDs and the clock ----------------------------------------------------------------------

def test_auto_ids_follow_the_clock_even_backwards():
    clock = FakeClock(1000)
    with inprocess_server(clock=clock) as srv:
        c = green_client(srv)
        assert c.cmd("XADD", "s", "*", "f", "v").v == b"1000-0"
        assert c.cmd("XADD", "s", "*", "f", "v").v == b"1000-1"
        clock.advance(5)
        assert c.cmd("XADD", "s", "*", "f", "v").v == b"1005-0"
        clock.advance(-100)   # the clock went backwards: keep counting after the last ID
        assert c.cmd("XADD", "s", "*", "f", "v").v == b"1005-1"
        assert c.cmd("XADD", "s", "1005-*", "f", "v").v == b"1005-2"
        assert c.cmd("XADD", "s", "1004-*", "f", "v").t == "-"
        c.cmd("XSETID", "s", "1005-18446744073709551615")
        assert c.cmd("XADD", "s", "*", "f", "v").v == b"1006-0"
        c.cmd("XSETID", "s", "18446744073709551615-18446744073709551615")
        assert c.cmd("XADD", "s", "*", "f", "v").v == \
            "ERR The stream has exhausted the last possible ID, unable to add more items"
        c.close()


def test_idle_times_with_the_clock():
    clock = FakeClock(10000)
    with inprocess_server(clock=clock) as srv:
        c = green_client(srv)
        c.cmd("XADD", "s", "1-1", "f", "v")
        c.cmd("XADD", "s", "2-1", "f", "v")
        c.cmd("XGROUP", "CREATE", "s", "g", "0")
        c.cmd("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
        clock.advance(300)
        assert c.cmd("XPENDING", "s", "g", "-", "+", "10").plain() == [
            [b"1-1", b"a", 300, 1], [b"2-1", b"a", 300, 1]]
        assert c.cmd("XPENDING", "s", "g", "IDLE", "301", "-", "+", "10").plain() == []
        assert c.cmd("XINFO", "CONSUMERS", "s", "g").plain() == [
            [b"name", b"a", b"pending", 2, b"idle", 300]]
        # Too recent for min-idle 500: nothing claimed; then claimable.
        assert c.cmd("XAUTOCLAIM", "s", "g", "b", "500", "0").plain() == [b"0-0", [], []]
        clock.advance(200)
        assert c.cmd("XCLAIM", "s", "g", "b", "500", "1-1", "JUSTID").plain() == [b"1-1"]
        assert c.cmd("XAUTOCLAIM", "s", "g", "b", "500", "0", "COUNT", "1").plain() == [
            b"0-0", [[b"2-1", [b"f", b"v"]]], []]
        assert c.cmd("XPENDING", "s", "g", "-", "+", "10", "b").plain() == [
            [b"1-1", b"b", 0, 1], [b"2-1", b"b", 0, 2]]
        c.cmd("XCLAIM", "s", "g", "a", "0", "1-1", "IDLE", "1000", "RETRYCOUNT", "9")
        full = c.cmd("XINFO", "STREAM", "s", "FULL").plain()
        group = full[full.index(b"groups") + 1][0]
        assert group[group.index(b"pending") + 1] == [[b"1-1", b"a", 9500, 9],
                                                     [b"2-1", b"b", 10500, 2]]
        c.close()


def test_blocking_timeout_follows_the_clock():
    clock = FakeClock(5000)
    with inprocess_server(clock=clock) as srv:
        c, admin = green_client(srv), green_client(srv)
        c.send_raw(b"*6\r\n$5\r\nXREAD\r\n$5\r\nBLOCK\r\n$3\r\n100\r\n$7\r\nSTREAMS\r\n"
                   b"$1\r\ns\r\n$1\r\n$\r\n")
        from support import settle
        assert settle(lambda: srv.blocking.count == 1)
        clock.advance(100)
        srv.blocking.check_timeouts()
        assert c.read() == Reply("*", None)
        c.close(), admin.close()


# --- propagation and events -------------------------------------------------------------------

@pytest.fixture
def fx():
    h = EffectsHarness(now=1000000)
    yield h
    h.close()


def props(fx, *cmd):
    reply, _, p = fx.run(*cmd)
    return reply, [[argv for _, argv in unit] for unit in p]


def test_xadd_propagates_the_generated_id_and_exact_trim(fx):
    assert props(fx, "XADD", "s", "*", "f", "v") == (
        b"1000000-0", [[[b"XADD", b"s", b"1000000-0", b"f", b"v"]]])
    assert props(fx, "XADD", "s", "5000000-*", "f", "v")[1] == [
        [[b"XADD", b"s", b"5000000-0", b"f", b"v"]]]
    assert props(fx, "XADD", "s", "MAXLEN", "~", "1", "LIMIT", "10", "*", "f", "v")[1] == [
        [[b"XADD", b"s", b"MAXLEN", b"=", b"3", b"LIMIT", b"10", b"5000000-1", b"f", b"v"]]]
    assert props(fx, "XTRIM", "s", "MINID", "~", "0")[1] == []
    assert props(fx, "XTRIM", "s", "MINID", "~", "99999999999")[1] == [
        [[b"XTRIM", b"s", b"MINID", b"=", b"18446744073709551615-18446744073709551615"]]]
    assert props(fx, "XADD", "t", "MAXLEN", "1", "9-9", "f", "v")[1] == [
        [[b"XADD", b"t", b"MAXLEN", b"1", b"9-9", b"f", b"v"]]]


def test_xreadgroup_propagates_xclaim_and_setid(fx):
    fx.setup(("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "2-1", "f", "v"),
             ("XGROUP", "CREATE", "s", "g", "0"))
    reply, p = props(fx, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", ">")
    assert p == [[[b"XCLAIM", b"s", b"g", b"c1", b"0", b"1-1", b"TIME", b"1000000",
                   b"RETRYCOUNT", b"1", b"FORCE", b"JUSTID", b"LASTID", b"1-1"]]]
    reply, p = props(fx, "XREADGROUP", "GROUP", "g", "c2", "NOACK", "STREAMS", "s", ">")
    assert p == [[[b"MULTI"], [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"c2"],
                  [b"XGROUP", b"SETID", b"s", b"g", b"2-1", b"ENTRIESREAD", b"2"], [b"EXEC"]]]
    assert props(fx, "XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0")[1] == []
    assert props(fx, "XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">")[1] == []
    reply, p = props(fx, "XAUTOCLAIM", "s", "g", "c3", "0", "0")
    assert p == [[[b"XCLAIM", b"s", b"g", b"c3", b"0", b"1-1", b"TIME", b"1000000",
                   b"RETRYCOUNT", b"3", b"FORCE", b"JUSTID", b"LASTID", b"2-1"]]]
    assert props(fx, "XCLAIM", "s", "g", "c1", "0", "5-0")[1] == []
    assert props(fx, "XCLAIM", "s", "g", "c1", "0", "5-0", "LASTID", "9-9")[1] == [
        [[b"XGROUP", b"SETID", b"s", b"g", b"9-9", b"ENTRIESREAD", b"2"]]]


def test_keyspace_events(fx):
    fx.c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
    seq = [("XADD", "s", "1-1", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0"),
           ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"),
           ("XCLAIM", "s", "g", "c2", "0", "1-1"), ("XDEL", "s", "1-1"),
           ("XSETID", "s", "5-5"), ("XADD", "s", "MAXLEN", "0", "6-1", "a", "b"),
           ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
           ("XGROUP", "DESTROY", "s", "g"), ("XTRIM", "s", "MAXLEN", "0")]
    got = []
    for cmd in seq:
        got += [e[1] for e in fx.run(*cmd)[1] if e[0] == "t"]
    assert got == ["xadd", "xgroup-create", "xgroup-createconsumer", "xgroup-createconsumer",
                   "xdel", "xsetid", "xadd", "xtrim", "xgroup-setid", "xgroup-delconsumer",
                   "xgroup-destroy"]


# --- generic commands on streams --------------------------------------------------------------

def test_generic_commands(r):
    r.cmd("XADD", "s", "1-1", "f", "v")
    r.cmd("XGROUP", "CREATE", "s", "g", "0")
    assert r.cmd("TYPE", "s").v == "stream"
    assert r.cmd("OBJECT", "ENCODING", "s").v == b"stream"
    assert r.cmd("SCAN", "0", "TYPE", "stream").plain() == [b"0", [b"s"]]
    assert r.cmd("COPY", "s", "c").v == 1
    r.cmd("XADD", "c", "2-1", "f", "v")
    r.cmd("XREADGROUP", "GROUP", "g", "x", "STREAMS", "c", ">")
    assert r.cmd("XLEN", "s").v == 1 and r.cmd("XPENDING", "s", "g").plain()[0] == 0
    assert r.cmd("XPENDING", "c", "g").plain()[0] == 2
    assert r.cmd("RENAME", "c", "d").v == "OK"
    assert r.cmd("EXPIRE", "d", "100").v == 1
    assert r.cmd("DEL", "s", "d").v == 2


# --- the append-only log: what streams propagate replays on both servers -----------------------

def _aof_sequence(c):
    c.cmd("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "100", "*", "f", "v")
    for i in range(30):
        c.cmd("XADD", "s", "MAXLEN", "~", "5", "*", "f", "v%d" % i)
    c.cmd("XGROUP", "CREATE", "s", "g", "0")
    c.cmd("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">")
    c.cmd("XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", "2", "STREAMS", "s", ">")
    c.cmd("XAUTOCLAIM", "s", "g", "c3", "0", "0", "COUNT", "1")
    c.cmd("XCLAIM", "s", "g", "c4", "0", "0-1", "LASTID", "9999999999999-0")
    c.cmd("XTRIM", "s", "MINID", "~", "0")
    c.cmd("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM")


def _full(c, key):
    import re
    # Seen times are the replay's (as in Redis); everything else must survive.
    return re.sub(r"seen-time', \d+", "seen-time', X",
                  repr(c.cmd("XINFO", "STREAM", key, "FULL").plain()))


@pytest.mark.parametrize("writer,reader", [("mini", "mini"), ("mini", "redis"), ("redis", "mini")])
def test_append_only_log_replays(tmp_path, writer, reader):
    from support import start_miniredis, start_redis
    start = {"mini": start_miniredis, "redis": start_redis}
    a = start[writer]("--dir", tmp_path, "--appendonly", "yes")
    try:
        c = RawClient(a.port)
        _aof_sequence(c)
        want = [_full(c, "s"), _full(c, "e")]
        c.close()
    finally:
        a.stop()
    b = start[reader]("--dir", tmp_path, "--appendonly", "yes")
    try:
        c = RawClient(b.port)
        assert [_full(c, "s"), _full(c, "e")] == want
        c.close()
    finally:
        b.stop()


def test_watch_still_sees_changes_after_a_blocked_group_reader(on_both):
    def fn(s):
        s.admin.cmd("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        w = s.block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        line = [ln for ln in s.admin.cmd("CLIENT", "LIST").v.decode().splitlines()
                if "cmd=xreadgroup" in ln][0]
        out = [s.admin.cmd("CLIENT", "UNBLOCK", line.split()[0].split("=")[1]), s.read(w)]
        c = s.client()
        out.append(c.cmd("WATCH", "k"))
        out.append(s.admin.cmd("SET", "k", "1"))   # the first change after the wait
        out.append(c.pipeline([["MULTI"], ["GET", "k"], ["EXEC"]]))
        return out
    out = on_both(fn)
    assert out[-1][-1] == Reply("*", None)
