"""Sorted set commands over a real socket: reply shapes per protocol, effects (keyspace
events and propagation, checked in-process), large sets against a plain Python model,
ZSCAN under changes, ZRANDMEMBER's guarantees, and the value / range helpers directly.

The expected effects are those of redis-server 7.0.15, checked with
notify-keyspace-events KEA and its append-only file.
"""

import os
import random
import sys

import gevent.socket
import pytest

from miniredis import events as ev
from miniredis.commands.zset_ranges import (
    HIGH, LOW, LexRange, ScoreRange, rank_span, strtod_whole)
from miniredis.config import Config
from miniredis.errors import CommandError
from miniredis.values.zsetvalue import ZSetValue

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from support import EffectsHarness, GreenClient, Reply, encode_command  # noqa: E402

INF = float("inf")


def bulk(s):
    return Reply("$", s.encode() if isinstance(s, str) else s)


def dbl(proto, text):
    return Reply(",", text) if proto == 3 else bulk(text)


# --- reply shapes -------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_withscores_shapes(r, r3, proto):
    c = r3 if proto == 3 else r
    c.cmd("ZADD", "z", "1", "a", "0.1", "b", "inf", "c")

    def pairs(*items):
        if proto == 2:
            return Reply("*", [x for m, s in items for x in (bulk(m), dbl(2, s))])
        return Reply("*", [Reply("*", [bulk(m), dbl(3, s)]) for m, s in items])
    whole = pairs(("b", "0.10000000000000001"), ("a", "1"), ("c", "inf"))
    assert c.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES") == whole
    assert c.cmd("ZRANGEBYSCORE", "z", "-inf", "inf", "WITHSCORES") == whole
    assert c.cmd("ZUNION", "1", "z", "WITHSCORES") == whole
    assert c.cmd("ZINTER", "1", "z", "WITHSCORES") == whole
    assert c.cmd("ZDIFF", "1", "z", "WITHSCORES") == whole
    assert c.cmd("ZRANDMEMBER", "z", "5", "WITHSCORES") == pairs(
        ("c", "inf"), ("a", "1"), ("b", "0.10000000000000001"))
    assert c.cmd("ZRANGE", "z", "0", "-1") == Reply("*", [bulk("b"), bulk("a"), bulk("c")])
    assert c.cmd("ZSCORE", "z", "b") == dbl(proto, "0.10000000000000001")
    assert c.cmd("ZMSCORE", "z", "c", "x") == Reply(
        "*", [dbl(proto, "inf"), Reply("_" if proto == 3 else "$", None)])
    assert c.cmd("ZINCRBY", "z", "1", "a") == dbl(proto, "2")
    # ZSCAN answers bulk strings, in both protocols.
    assert c.cmd("ZSCAN", "z", "0") == Reply("*", [bulk("0"), Reply("*", [
        bulk("b"), bulk("0.10000000000000001"), bulk("a"), bulk("2"), bulk("c"), bulk("inf")])])


@pytest.mark.parametrize("proto", [2, 3])
def test_pop_shapes(r, r3, proto):
    c = r3 if proto == 3 else r
    c.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    # Without COUNT a flat pair in both protocols; with COUNT nested pairs in RESP3.
    assert c.cmd("ZPOPMIN", "z") == Reply("*", [bulk("a"), dbl(proto, "1")])
    nested = c.cmd("ZPOPMIN", "z", "1")
    if proto == 3:
        assert nested == Reply("*", [Reply("*", [bulk("b"), dbl(3, "2")])])
    else:
        assert nested == Reply("*", [bulk("b"), bulk("2")])
    assert c.cmd("ZMPOP", "1", "z", "MAX") == Reply(
        "*", [bulk("z"), Reply("*", [Reply("*", [bulk("e"), dbl(proto, "5")])])])
    assert c.cmd("BZPOPMIN", "z", "0") == Reply("*", [bulk("z"), bulk("c"), dbl(proto, "3")])
    null = Reply("_", None) if proto == 3 else Reply("*", None)
    assert c.cmd("ZMPOP", "1", "nokey", "MIN") == null
    assert c.cmd("ZPOPMIN", "nokey") == Reply("*", [])
    assert c.cmd("ZRANGE", "nokey", "0", "-1") == Reply("*", [])
    assert c.cmd("ZRANDMEMBER", "nokey") == Reply("_" if proto == 3 else "$", None)


def test_zadd_and_zscore_of_special_scores(r3):
    r3.cmd("ZADD", "z", "-0", "a")
    assert r3.cmd("ZSCORE", "z", "a") == Reply(",", "0")     # listpack: -0 is read back as 0
    assert r3.cmd("ZINCRBY", "z", "-0", "b") == Reply(",", "-0")   # the reply is the sum itself
    assert r3.cmd("ZADD", "z", "INCR", "inf", "a") == Reply(",", "inf")
    assert r3.cmd("ZADD", "z", "INCR", "-inf", "a") == Reply(
        "-", "ERR resulting score is not a number (NaN)")
    assert r3.cmd("ZSCORE", "z", "a") == Reply(",", "inf")


def test_empty_sets_are_deleted(r):
    for cmd in (("ZREM", "z", "a", "b"), ("ZPOPMIN", "z", "5"), ("ZMPOP", "1", "z", "MAX", "COUNT", "9"),
                ("ZREMRANGEBYRANK", "z", "0", "-1"), ("ZREMRANGEBYSCORE", "z", "-inf", "inf"),
                ("ZREMRANGEBYLEX", "z", "-", "+"), ("BZPOPMAX", "z", "0")):
        r.cmd("ZADD", "z", "1", "a")
        assert r.cmd(*cmd).t != "-"
        assert r.cmd("EXISTS", "z") == Reply(":", 0), cmd


def test_copy_is_independent(r):
    r.cmd("ZADD", "z", "1", "a", "2", "b")
    r.cmd("COPY", "z", "c")
    r.cmd("ZADD", "c", "5", "a")
    r.cmd("ZREM", "z", "b")
    assert r.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES").plain() == [b"a", b"1"]
    assert r.cmd("ZRANGE", "c", "0", "-1", "WITHSCORES").plain() == [b"b", b"2", b"a", b"5"]


def test_reads_count_keyspace_hits_and_misses(r):
    def stats():
        info = r.cmd("INFO", "stats").v.decode()
        get = lambda name: int(info.split(name + ":")[1].split("\r\n")[0])  # noqa: E731
        return get("keyspace_hits"), get("keyspace_misses")
    r.cmd("ZADD", "z", "1", "a")
    before = stats()
    r.cmd("ZSCORE", "z", "a")
    r.cmd("ZRANGE", "nokey", "0", "1")
    r.cmd("ZADD", "z", "2", "a")        # a write lookup: not counted
    r.cmd("ZPOPMIN", "nokey")
    assert stats() == (before[0] + 1, before[1] + 1)


# --- large sets against a model --------------------------------------------------------------

def test_large_set_against_a_model(r):
    rnd = random.Random(7)
    model = {}
    for batch in range(10):
        args = []
        for i in range(500):
            m = b"m%d" % rnd.randrange(3000)
            s = rnd.choice([rnd.randrange(100), rnd.random() * 100])
            model[m] = float(s)
            args += [repr(s), m]
        r.cmd("ZADD", "big", *args)
    order = sorted(model, key=lambda m: (model[m], m))
    assert r.cmd("ZCARD", "big").v == len(order)
    assert r.cmd("OBJECT", "ENCODING", "big").v == b"skiplist"
    for m in rnd.sample(order, 50):
        assert r.cmd("ZRANK", "big", m).v == order.index(m)
        assert r.cmd("ZREVRANK", "big", m).v == len(order) - 1 - order.index(m)
    for _ in range(30):
        a, b = rnd.randrange(-len(order), len(order)), rnd.randrange(-len(order), len(order))
        lo, hi = rank_span(len(order), a, b)
        assert r.cmd("ZRANGE", "big", a, b).plain() == order[lo:hi]
        mn, mx = sorted((rnd.random() * 100, rnd.random() * 100))
        inside = [m for m in order if mn < model[m] <= mx]
        assert r.cmd("ZRANGEBYSCORE", "big", "(%r" % mn, repr(mx)).plain() == inside
        assert r.cmd("ZCOUNT", "big", "(%r" % mn, repr(mx)).v == len(inside)
        assert r.cmd("ZREVRANGEBYSCORE", "big", repr(mx), "(%r" % mn, "LIMIT", "2", "5").plain() == \
            inside[::-1][2:7]
    assert r.cmd("ZREMRANGEBYRANK", "big", "100", "-100").v == len(order) - 199
    rest = order[:100] + order[-99:]
    assert r.cmd("ZRANGE", "big", "0", "-1").plain() == rest
    assert r.cmd("ZREMRANGEBYSCORE", "big", "-inf", repr(model[rest[50]])).v == \
        len([m for m in rest if model[m] <= model[rest[50]]])


def test_zscan_under_changes_returns_every_stable_member(r):
    stable = {b"s%d" % i for i in range(400)}
    r.cmd("ZADD", "big", *[x for m in sorted(stable) for x in ("1", m)])
    cursor, seen, rounds = b"0", set(), 0
    while True:
        rounds += 1
        assert rounds < 500
        cursor, items = r.cmd("ZSCAN", "big", cursor, "COUNT", "25").plain()
        seen.update(items[::2])
        # Changes between calls: new members, removed transient ones, new scores.
        r.cmd("ZADD", "big", "2", b"t%d" % rounds, "3", b"s%d" % (rounds % 400))
        r.cmd("ZREM", "big", b"t%d" % (rounds - 1))
        if cursor == b"0":
            break
    assert stable <= seen


def test_zrandmember_guarantees(r):
    r.cmd("ZADD", "z", *[x for i in range(30) for x in (str(i), "m%d" % i)])
    everything = set()
    for _ in range(60):
        picked = r.cmd("ZRANDMEMBER", "z", "7").plain()
        assert len(picked) == 7 and len(set(picked)) == 7
        everything.update(picked)
    assert len(everything) == 30      # 60 draws of 7 out of 30 miss one with negligible odds
    picked = r.cmd("ZRANDMEMBER", "z", "-100").plain()
    assert len(picked) == 100 and len(set(picked)) < 100
    flat = r.cmd("ZRANDMEMBER", "z", "-5", "WITHSCORES").plain()
    assert all(float(s) == float(m[1:]) for m, s in zip(flat[::2], flat[1::2]))


def test_zunionstore_of_sets_and_zsets(r):
    r.cmd("SADD", "s", "a", "b")
    r.cmd("ZADD", "z", "5", "b", "7", "c")
    assert r.cmd("ZUNIONSTORE", "d", "2", "s", "z", "WEIGHTS", "3", "1").v == 3
    assert r.cmd("ZRANGE", "d", "0", "-1", "WITHSCORES").plain() == [b"a", b"3", b"c", b"7", b"b", b"8"]
    assert r.cmd("ZINTER", "2", "s", "z", "AGGREGATE", "MIN", "WITHSCORES").plain() == [b"b", b"1"]
    assert r.cmd("ZDIFF", "2", "s", "z", "WITHSCORES").plain() == [b"a", b"1"]
    assert r.cmd("ZINTERCARD", "2", "s", "s").v == 2


# --- effects: keyspace events and propagation (in-process server) ------------------------------

G, Z = ev.GENERIC, ev.ZSET


class Harness(EffectsHarness):
    """Events as (class, name, key) and propagated commands as text lines."""

    def event(self, cls, event, key, db_index):
        return (cls, event, key.decode())

    def propagated(self, ops):
        return [" ".join(a.decode() for a in argv) for _, argv in ops]


@pytest.fixture
def h():
    harness = Harness(fake_clock=False)
    yield harness
    harness.close()


def test_zadd_zincrby_effects(h):
    assert h.run("zadd", "z", "1", "a", "2", "b") == (2, [(Z, "zadd", "z")], ["zadd z 1 a 2 b"])
    assert h.run("zadd", "z", "1", "a") == (0, [], [])
    assert h.run("zadd", "z", "ch", "5", "a") == (1, [(Z, "zadd", "z")], ["zadd z ch 5 a"])
    assert h.run("zadd", "z", "incr", "1", "a") == (b"6", [(Z, "zincr", "z")], ["zadd z incr 1 a"])
    assert h.run("zincrby", "z", "1", "a") == (b"7", [(Z, "zincr", "z")], ["zincrby z 1 a"])
    assert h.run("zincrby", "z", "0", "a") == (b"7", [], [])
    assert h.run("zadd", "z", "nx", "incr", "1", "a") == (None, [], [])
    assert h.run("zadd", "nokey", "xx", "1", "a") == (0, [], [])


def test_zrem_and_zremrange_effects(h):
    h.run("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert h.run("zrem", "z", "a", "x") == (1, [(Z, "zrem", "z")], ["zrem z a x"])
    assert h.run("zrem", "z", "x") == (0, [], [])
    assert h.run("zremrangebyscore", "z", "2", "2") == (
        1, [(Z, "zremrangebyscore", "z")], ["zremrangebyscore z 2 2"])
    assert h.run("zremrangebyrank", "z", "0", "0") == (
        1, [(Z, "zremrangebyrank", "z")], ["zremrangebyrank z 0 0"])
    assert h.run("zremrangebylex", "z", "-", "+") == (
        1, [(Z, "zremrangebylex", "z"), (G, "del", "z")], ["zremrangebylex z - +"])
    h.run("zadd", "z", "1", "a")
    assert h.run("zrem", "z", "a") == (1, [(Z, "zrem", "z"), (G, "del", "z")], ["zrem z a"])


def test_pop_effects(h):
    h.run("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    assert h.run("zpopmin", "z")[1:] == ([(Z, "zpopmin", "z")], ["zpopmin z"])
    assert h.run("zpopmax", "z", "0") == ([], [], [])
    assert h.run("zmpop", "1", "z", "max", "count", "1")[1:] == (
        [(Z, "zpopmax", "z")], ["ZPOPMAX z 1"])
    assert h.run("bzpopmin", "z", "0")[1:] == ([(Z, "zpopmin", "z")], ["ZPOPMIN z"])
    # The propagated count is how many were popped, not how many were asked for.
    assert h.run("bzmpop", "0", "1", "z", "min", "count", "9")[1:] == (
        [(Z, "zpopmin", "z"), (G, "del", "z")], ["ZPOPMIN z 2"])
    assert h.run("zmpop", "1", "z", "min") == (None, [], [])


def test_store_effects(h):
    h.run("zadd", "z", "1", "a", "2", "b")
    assert h.run("zrangestore", "d", "z", "0", "0") == (
        1, [(Z, "zrangestore", "d")], ["zrangestore d z 0 0"])
    assert h.run("zrangestore", "d", "z", "5", "6") == (
        0, [(G, "del", "d")], ["zrangestore d z 5 6"])
    assert h.run("zrangestore", "d", "z", "5", "6") == (0, [], [])
    assert h.run("zunionstore", "d", "1", "z") == (
        2, [(Z, "zunionstore", "d")], ["zunionstore d 1 z"])
    assert h.run("zinterstore", "d", "2", "z", "nokey") == (
        0, [(G, "del", "d")], ["zinterstore d 2 z nokey"])
    assert h.run("zdiffstore", "d", "1", "z") == (2, [(Z, "zdiffstore", "d")], ["zdiffstore d 1 z"])


def test_reads_have_no_effect(h):
    h.run("zadd", "z", "1", "a", "2", "b")
    for cmd in (("zrange", "z", "0", "-1"), ("zscore", "z", "a"), ("zunion", "1", "z"),
                ("zrandmember", "z", "2"), ("zscan", "z", "0"), ("zcount", "z", "0", "1"),
                ("zadd", "z", "x", "a"), ("zintercard", "1", "z"), ("bzpopmin", "nokey", "0.01")):
        assert h.run(*cmd)[1:] == ([], []), cmd


def test_pops_served_after_blocking_propagate_as_non_blocking(h):
    waiter = GreenClient(h.port)
    cases = (
        (("BZPOPMAX", "z", "0"), [(Z, "zpopmax", "z")], ["ZPOPMAX z"]),
        (("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"),
         [(Z, "zpopmin", "z"), (G, "del", "z")], ["ZPOPMIN z 2"]))
    try:
        for cmd, events, props in cases:
            h.run("del", "z")
            waiter.send_raw(encode_command(cmd))
            for _ in range(1000):   # bounded: until the waiter has blocked
                if h.server.blocking.count == 1:
                    break
                gevent.sleep(0.001)
            assert h.server.blocking.count == 1
            assert h.run("zadd", "z", "1", "a", "2", "b") == (
                2, [(Z, "zadd", "z")] + events, ["zadd z 1 a 2 b"] + props)
            assert waiter.read().t == "*"
    finally:
        waiter.close()


# --- helpers used directly ------------------------------------------------------------------

def test_strtod_whole_reads_like_c():
    assert strtod_whole(b"") == 0.0
    assert strtod_whole(b" \t1.5") == 1.5
    assert strtod_whole(b"1e999") == INF and strtod_whole(b"-1e999") == -INF
    assert strtod_whole(b"1e-999") == 0.0
    assert strtod_whole(b"0x1p4") == 16.0 and strtod_whole(b"-0x1p99999") == -INF
    assert strtod_whole(b"2\x00garbage") == 2.0
    assert strtod_whole(b"Infinity") == INF and strtod_whole(b"-inf") == -INF
    for bad in (b" ", b"nan", b"1 ", b"1e", b"0x", b"1_0", b"inf1", b"--1"):
        assert strtod_whole(bad) is None, bad


def test_bounds_compare_with_every_member():
    for m in (b"", b"a", b"\xff" * 10):
        assert LOW < m < HIGH and m > LOW and HIGH > m
        assert (1.0, m) > (1.0, LOW) and (1.0, m) < (1.0, HIGH)
    with pytest.raises(CommandError):
        ScoreRange(b"(nan", b"1")
    with pytest.raises(CommandError):
        LexRange(b"a", b"+")


def test_lex_span_with_mixed_scores_is_deterministic():
    zs = ZSetValue()
    for s, m in ((1, b"a"), (2, b"c"), (3, b"b"), (4, b"d")):
        zs.add(m, s)
    lo, hi = LexRange(b"[b", b"[c").span(zs)
    assert 0 <= lo <= hi <= 4


def test_zsetvalue_protocol():
    zs = ZSetValue()
    assert zs.add(b"b", 2.0) and zs.add(b"a", 2.0) and zs.add(b"c", -1.0)
    assert not zs.add(b"c", 5.0)
    assert list(zs.items()) == [(b"a", 2.0), (b"b", 2.0), (b"c", 5.0)]
    assert zs.rank(b"c") == 2 and zs.rank(b"x") is None and zs.score(b"a") == 2.0
    assert zs.remove(b"a") and not zs.remove(b"a") and len(zs) == 2
    c = zs.copy()
    c.add(b"z", 0.0)
    assert len(zs) == 2 and len(c) == 3
    assert zs.pop(last=True) == (b"c", 5.0) and zs.memory() > 0
    assert zs.delete_range(0, 5) == 1 and len(zs) == 0 and not zs.order


def test_zsetvalue_encoding_rules():
    cfg = Config()
    cfg.zset_max_listpack_entries = 2
    zs = ZSetValue()
    zs.add(b"a", -0.0, cfg)
    assert repr(zs.score(b"a")) == "0.0" and zs.encoding(cfg) == "listpack"
    zs.add(b"b", 1.0, cfg)
    zs.add(b"c", -0.0, cfg)
    assert zs.encoding(cfg) == "skiplist" and repr(zs.score(b"c")) == "-0.0"
    zs.delete_range(0, 3)
    assert zs.encoding(cfg) == "skiplist"
    built = ZSetValue.from_scores({b"x": -0.0}, cfg)
    assert built.encoding(cfg) == "listpack" and repr(built.score(b"x")) == "0.0"
