"""Set commands over a real socket: what the differential tests cannot pin down --
random draws (coverage, distinctness), SSCAN guarantees over pages, keyspace
events and propagated commands (in-process server), and the random-access
index of :class:`SetValue` under mixed writes.

Expected events and propagation are those of redis-server 7.0.15, checked
with notify-keyspace-events KEA and its append-only file.
"""

import random

import pytest

from support import green_client, inprocess_server

from miniredis import events as ev
from miniredis.config import Config
from miniredis.values.setvalue import SetValue, is_int_member


def _members(c, key):
    return sorted(c.cmd("SMEMBERS", key).plain())


# --- replies per protocol ----------------------------------------------------------------

def test_reply_types_per_protocol(r, r3):
    for c, set_type in ((r, "*"), (r3, "~")):
        c.cmd("SADD", "s", "1", "2")
        for cmd in (("SMEMBERS", "s"), ("SMEMBERS", "nokey"), ("SINTER", "s"), ("SUNION", "s"),
                    ("SDIFF", "s"), ("SPOP", "nokey", "1"), ("SPOP", "s", "0")):
            assert c.cmd(*cmd).t == set_type, cmd
        for cmd in (("SRANDMEMBER", "s", "2"), ("SMISMEMBER", "s", "1"), ("SSCAN", "s", "0")):
            assert c.cmd(*cmd).t == "*", cmd
        assert c.cmd("SPOP", "nokey").t == ("$" if c is r else "_")


def test_big_set_roundtrip(r):
    items = [b"m%d" % i for i in range(5000)]
    assert r.cmd("SADD", "s", *items).v == 5000
    assert _members(r, "s") == sorted(items)
    assert r.cmd("SCARD", "s").v == 5000
    assert r.cmd("SREM", "s", *items[:2500]).v == 2500
    assert r.cmd("SMISMEMBER", "s", "m0", "m4999").v[1].v == 1


# --- random draws ---------------------------------------------------------------------------

def test_spop_drains_every_member_once(r):
    items = {b"%d" % i for i in range(50)} | {b"x"}
    r.cmd("SADD", "s", *items)
    got = [r.cmd("SPOP", "s").v for _ in range(len(items))]
    assert set(got) == items and len(got) == len(items)
    assert r.cmd("EXISTS", "s").v == 0


def test_spop_is_random(r):
    # Re-adding the popped member 200 times: every member comes out at least
    # once unless the draw ignores most of the set (chance of a false failure ~1e-8).
    r.cmd("SADD", "s", "a", "b", "c", "d")
    seen = set()
    for _ in range(200):
        m = r.cmd("SPOP", "s").v
        seen.add(m)
        r.cmd("SADD", "s", m)
    assert seen == {b"a", b"b", b"c", b"d"}


def test_srandmember_covers_the_set(r):
    items = {b"m%d" % i for i in range(10)}
    r.cmd("SADD", "s", *items)
    got = [x.v for x in r.cmd("SRANDMEMBER", "s", "-1000").v]
    assert len(got) == 1000 and set(got) == items
    singles = {r.cmd("SRANDMEMBER", "s").v for _ in range(300)}
    assert singles == items


@pytest.mark.parametrize("count", [2, 5, 30, 99, 100, 150])
def test_srandmember_distinct(r, count):
    items = {b"m%d" % i for i in range(100)}
    r.cmd("SADD", "s", *items)
    got = [x.v for x in r.cmd("SRANDMEMBER", "s", count).v]
    assert len(got) == min(count, 100) and len(set(got)) == len(got) and set(got) <= items


def test_random_draws_after_churn(r):
    """Draws stay correct while members come and go between them."""
    r.cmd("SADD", "s", *range(200))
    live = set(b"%d" % i for i in range(200))
    rng = random.Random(7)
    for step in range(300):
        op = rng.randrange(4)
        if op == 0:
            m = b"%d" % rng.randrange(400)
            r.cmd("SADD", "s", m)
            live.add(m)
        elif op == 1:
            m = b"%d" % rng.randrange(400)
            r.cmd("SREM", "s", m)
            live.discard(m)
        elif op == 2 and live:
            m = r.cmd("SPOP", "s").v
            assert m in live
            live.discard(m)
        elif live:
            got = [x.v for x in r.cmd("SRANDMEMBER", "s", "-5").v]
            assert set(got) <= live
    assert set(_members(r, "s")) == live


def test_spop_count_returns_distinct_members(r):
    r.cmd("SADD", "s", *["m%d" % i for i in range(1000)])
    popped = [x.v for x in r.cmd("SPOP", "s", "300").v]
    assert len(set(popped)) == 300
    popped += [x.v for x in r.cmd("SPOP", "s", "650").v]
    assert len(set(popped)) == 950
    left = _members(r, "s")
    assert len(left) == 50 and not set(left) & set(popped)


# --- SSCAN ----------------------------------------------------------------------------------

def _scan_all(c, key, *opts):
    cursor, seen, calls = b"0", [], 0
    while True:
        rep = c.cmd("SSCAN", key, cursor, *opts).plain()
        cursor = rep[0]
        seen.extend(rep[1])
        calls += 1
        assert calls < 10000
        if cursor == b"0":
            return seen, calls


def test_sscan_pages_return_each_member_once(r):
    items = {b"m%d" % i for i in range(1000)}
    r.cmd("SADD", "s", *items)
    seen, calls = _scan_all(r, "s")
    assert set(seen) == items and len(seen) == len(items)
    assert calls >= 100


def test_sscan_survives_writes_between_pages(r):
    items = {b"m%d" % i for i in range(300)}
    r.cmd("SADD", "s", *items)
    cursor, seen = b"0", set()
    for i in range(1000):
        rep = r.cmd("SSCAN", "s", cursor, "COUNT", "20").plain()
        cursor = rep[0]
        seen.update(rep[1])
        r.cmd("SADD", "s", "new%d" % i)
        if cursor == b"0":
            break
    assert cursor == b"0" and items <= seen


def test_sscan_intset_ignores_cursor_and_count(r):
    r.cmd("SADD", "s", *range(300))
    rep = r.cmd("SSCAN", "s", "999", "COUNT", "1").plain()
    assert rep[0] == b"0" and rep[1] == [b"%d" % i for i in range(300)]


# --- effects: keyspace events and propagation ------------------------------------------------

@pytest.fixture
def fx():
    with inprocess_server() as srv:
        evs, props = [], []

        def on_event(cls, event, key, db):
            if cls not in (ev.NEW, ev.KEYMISS):   # raised by lookups, not by the commands
                evs.append((event, key.decode()))
        srv.events.keyspace_listeners.append(on_event)
        srv.events.propagate_listeners.append(
            lambda ops: props.append([[bytes(a) for a in argv] for _, argv in ops]))
        c = green_client(srv)

        def run(*cmd):
            del evs[:], props[:]
            reply = c.cmd(*cmd)
            return reply, list(evs), list(props)
        yield run
        c.close()


def test_events_of_writes(fx):
    cases = [
        (("SADD", "s", "1", "2", "3"), [("sadd", "s")]),
        (("SADD", "s", "1"), []),
        (("SREM", "s", "9"), []),
        (("SREM", "s", "1", "9"), [("srem", "s")]),
        (("SREM", "s", "2", "3"), [("srem", "s"), ("del", "s")]),
        (("SADD", "a", "1", "2"), [("sadd", "a")]),
        (("SADD", "b", "2", "3"), [("sadd", "b")]),
        (("SMOVE", "a", "b", "2"), [("srem", "a")]),
        (("SMOVE", "a", "b", "1"), [("srem", "a"), ("del", "a"), ("sadd", "b")]),
        (("SMOVE", "b", "b", "1"), []),
        (("SMOVE", "b", "c", "9"), []),
        (("SMOVE", "b", "f", "1"), [("srem", "b"), ("sadd", "f")]),
        (("SINTERSTORE", "d", "b", "nokey"), []),
        (("SET", "d", "x"), [("set", "d")]),
        (("SINTERSTORE", "d", "b", "nokey"), [("del", "d")]),
        (("SINTERSTORE", "d", "b"), [("sinterstore", "d")]),
        (("SUNIONSTORE", "d", "b", "b"), [("sunionstore", "d")]),
        (("SDIFFSTORE", "d", "b", "b"), [("del", "d")]),
        (("SDIFFSTORE", "d", "b", "b"), []),
        (("SDIFFSTORE", "e", "b", "nokey"), [("sdiffstore", "e")]),
    ]
    for cmd, expected in cases:
        reply, evs, _ = fx(*cmd)
        assert reply.t != "-", (cmd, reply)
        assert evs == expected, (cmd, evs)


def test_spop_events_and_propagation(fx):
    fx("SADD", "s", *range(12))
    reply, evs, props = fx("SPOP", "s")
    assert evs == [("spop", "s")]
    assert props == [[[b"SREM", b"s", reply.v]]]
    reply, evs, props = fx("SPOP", "s", "1")
    assert evs == [("spop", "s")]
    assert props == [[[b"SREM", b"s", reply.v[0].v]]]
    # Several members: one SREM each, as one MULTI/EXEC unit.
    reply, evs, props = fx("SPOP", "s", "2")
    popped = [x.v for x in reply.v]
    assert props == [[[b"MULTI"]] + [[b"SREM", b"s", m] for m in popped] + [[b"EXEC"]]]
    reply, evs, props = fx("SPOP", "s", "7")        # keeps one: the rebuild strategy
    popped = [x.v for x in reply.v]
    assert len(popped) == 7 and popped == sorted(popped, key=int)   # intset order
    assert props == [[[b"MULTI"]] + [[b"SREM", b"s", m] for m in popped] + [[b"EXEC"]]]
    # The whole set: a DEL.
    reply, evs, props = fx("SPOP", "s", "5")
    assert evs == [("spop", "s"), ("del", "s")]
    assert props == [[[b"DEL", b"s"]]]
    # Nothing popped, nothing propagated.
    fx("SADD", "t", "a")
    for cmd in (("SPOP", "t", "0"), ("SPOP", "nokey"), ("SPOP", "nokey", "3")):
        reply, evs, props = fx(*cmd)
        assert evs == [] and props == [], cmd
    reply, evs, props = fx("SPOP", "t")
    assert evs == [("spop", "t"), ("del", "t")]
    assert props == [[[b"SREM", b"t", b"a"]]]


def test_other_writes_propagate_as_received(fx):
    fx("SADD", "a", "1", "2")
    for cmd in (("SADD", "a", "3"), ("SREM", "a", "3"), ("SMOVE", "a", "b", "1"),
                ("SINTERSTORE", "d", "a"), ("SUNIONSTORE", "d", "a", "b"),
                ("SDIFFSTORE", "d", "a", "b")):
        _, _, props = fx(*cmd)
        assert props == [[[c.encode() for c in cmd]]], cmd
    for cmd in (("SADD", "a", "2"), ("SREM", "a", "9"), ("SMOVE", "a", "b", "9"),
                ("SMEMBERS", "a"), ("SRANDMEMBER", "a", "-3"), ("SINTERCARD", "1", "a")):
        _, _, props = fx(*cmd)
        assert props == [], cmd


# --- SetValue --------------------------------------------------------------------------------

def test_is_int_member():
    for text in (b"0", b"-1", b"9223372036854775807", b"-9223372036854775808", b"123"):
        assert is_int_member(text), text
    for text in (b"-0", b"+1", b"01", b" 1", b"1.0", b"", b"-", b"9223372036854775808",
                 b"-9223372036854775809", b"1e3", b"12345678901234567890123"):
        assert not is_int_member(text), text


def test_setvalue_encoding_and_copy():
    cfg = Config()
    cfg.set_max_intset_entries = 3
    s = SetValue()
    assert s.add_members([b"3", b"1"], cfg) == 2 and s.encoding(cfg) == "intset"
    assert s.ordered() == [b"1", b"3"]
    assert s.add_members([b"1"], cfg) == 0
    s.add_members([b"2", b"4"], cfg)
    assert s.encoding(cfg) == "hashtable"
    c = s.copy()
    assert type(c) is SetValue and c == s and c.encoding(cfg) == "hashtable"
    c.add_members([b"x"], cfg)
    assert b"x" not in s
    assert SetValue.build([b"1", b"2"], cfg).encoding(cfg) == "intset"
    assert SetValue.build([b"1", b"a"], cfg).encoding(cfg) == "hashtable"
    assert s.memory() > 0 and SetValue().memory() > 0


def test_setvalue_random_index_stays_uniform_and_exact():
    """Mixed writes between draws: every draw is a live member, each member drawn."""
    cfg = Config()
    rng = random.Random(3)
    s = SetValue()
    model = set()
    s.add_members([b"%d" % i for i in range(50)], cfg)
    model.update(b"%d" % i for i in range(50))
    for _ in range(3000):
        op = rng.randrange(5)
        m = b"%d" % rng.randrange(120)
        if op == 0:
            s.add_members([m], cfg)
            model.add(m)
        elif op == 1:
            s.remove_members([m])
            model.discard(m)
        elif op == 2 and model:
            p = s.pop_random()
            assert p in model
            model.discard(p)
        elif model:
            assert s.random_member() in model
            got = s.random_distinct(min(3, len(model) - 1)) if len(model) > 1 else []
            assert len(set(got)) == len(got) and set(got) <= model
        assert s == model
        if s._arr is not None:
            # The index lists every live member exactly once.
            assert sorted(x for x in s._arr if x in s) == sorted(s)
    # Uniformity, loosely: a few thousand draws reach every member.
    s = SetValue([b"m%d" % i for i in range(20)])
    s.remove_members([b"m0", b"m1"])
    s.random_member()
    s.add_members([b"m0"], cfg)
    drawn = {s.random_member() for _ in range(2000)}
    assert drawn == set(s)
