"""List commands over a real socket: reply shapes per protocol, large lists, and the
ListValue helpers (ranges from the nearer end, trims, removals) against plain Python lists."""

import random

import pytest

from support import Reply
from miniredis.values.listvalue import ListValue

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def bulks(*items):
    return Reply("*", [Reply("$", i.encode() if isinstance(i, str) else i) for i in items])


# --- reply shapes -------------------------------------------------------------------------

def test_null_shapes_per_protocol(r, r3):
    assert r.cmd("LPOP", "nokey") == Reply("$", None)
    assert r3.cmd("LPOP", "nokey") == Reply("_", None)
    # With a count a missing key is a null array, even for count 0.
    assert r.cmd("LPOP", "nokey", "2") == Reply("*", None)
    assert r.cmd("RPOP", "nokey", "0") == Reply("*", None)
    assert r3.cmd("RPOP", "nokey", "2") == Reply("_", None)
    assert r.cmd("LINDEX", "nokey", "0") == Reply("$", None)
    assert r.cmd("LPOS", "nokey", "x") == Reply("$", None)
    assert r.cmd("LPOS", "nokey", "x", "COUNT", "0") == Reply("*", [])
    assert r.cmd("LMOVE", "nokey", "d", "LEFT", "LEFT") == Reply("$", None)
    assert r.cmd("LMPOP", "1", "nokey", "LEFT") == Reply("*", None)
    assert r3.cmd("LMPOP", "1", "nokey", "LEFT") == Reply("_", None)
    assert r.cmd("LRANGE", "nokey", "0", "-1") == Reply("*", [])


def test_pop_count_and_lmpop_shapes(r, r3):
    r.cmd("RPUSH", "l", "a", "b", "c", "d")
    assert r.cmd("LPOP", "l", "0") == Reply("*", [])
    assert r.cmd("LPOP", "l", "1") == bulks("a")
    assert r3.cmd("RPOP", "l", "2") == bulks("d", "c")
    assert r3.cmd("LMPOP", "1", "l", "LEFT", "COUNT", "9") == Reply("*", [Reply("$", b"l"), bulks("b")])
    assert r.cmd("EXISTS", "l") == Reply(":", 0)


def test_push_returns_length_and_order(r):
    assert r.cmd("LPUSH", "l", "a", "b", "c") == Reply(":", 3)
    assert r.cmd("RPUSH", "l", "d") == Reply(":", 4)
    assert r.cmd("LRANGE", "l", "0", "-1") == bulks("c", "b", "a", "d")
    assert r.cmd("LPUSHX", "other", "x") == Reply(":", 0)
    assert r.cmd("EXISTS", "other") == Reply(":", 0)
    assert r.cmd("TYPE", "l") == Reply("+", "list")
    assert r.cmd("OBJECT", "ENCODING", "l") == Reply("$", b"quicklist")


def test_binary_elements_round_trip(r):
    data = bytes(range(256))
    r.cmd("RPUSH", "l", data, b"", b"\r\n")
    assert r.cmd("LRANGE", "l", "0", "-1") == bulks(data, b"", b"\r\n")
    assert r.cmd("LPOS", "l", b"\r\n") == Reply(":", 2)
    assert r.cmd("LREM", "l", "0", b"") == Reply(":", 1)


def test_wrongtype_everywhere(r):
    r.cmd("SET", "s", "v")
    for cmd in (("LPUSH", "s", "x"), ("RPUSHX", "s", "x"), ("LPOP", "s"), ("RPOP", "s", "2"),
                ("LLEN", "s"), ("LRANGE", "s", "0", "1"), ("LINDEX", "s", "0"), ("LSET", "s", "0", "x"),
                ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", "0", "a"), ("LTRIM", "s", "0", "1"),
                ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "s", "d"),
                ("LMPOP", "1", "s", "LEFT"), ("BLPOP", "s", "0"), ("BLMOVE", "s", "d", "LEFT", "LEFT", "0"),
                ("BLMPOP", "0", "1", "s", "LEFT")):
        assert r.cmd(*cmd) == Reply("-", WRONGTYPE), cmd
    assert r.cmd("GET", "s") == Reply("$", b"v")


def test_copy_is_independent(r):
    r.cmd("RPUSH", "l", "a", "b")
    assert r.cmd("COPY", "l", "c") == Reply(":", 1)
    r.cmd("RPUSH", "c", "x")
    r.cmd("LSET", "l", "0", "z")
    assert r.cmd("LRANGE", "l", "0", "-1") == bulks("z", "b")
    assert r.cmd("LRANGE", "c", "0", "-1") == bulks("a", "b", "x")


def test_empty_list_is_deleted_by_every_remover(r):
    for cmd in (("LPOP", "l"), ("RPOP", "l", "5"), ("LREM", "l", "0", "a"), ("LTRIM", "l", "1", "0"),
                ("LMOVE", "l", "d", "LEFT", "LEFT"), ("LMPOP", "1", "l", "RIGHT"), ("BLPOP", "l", "0"),
                ("BRPOPLPUSH", "l", "d", "0"), ("BLMPOP", "0", "1", "l", "LEFT")):
        r.cmd("DEL", "l", "d")
        r.cmd("RPUSH", "l", "a")
        r.cmd(*cmd)
        assert r.cmd("EXISTS", "l") == Reply(":", 0), cmd


def test_ttl_survives_edits(r):
    r.cmd("RPUSH", "l", "a", "b", "c")
    r.cmd("EXPIRE", "l", "1000")
    for cmd in (("RPUSH", "l", "d"), ("LPOP", "l"), ("LSET", "l", "0", "x"), ("LTRIM", "l", "0", "1"),
                ("LINSERT", "l", "AFTER", "x", "y"), ("LREM", "l", "1", "y")):
        r.cmd(*cmd)
        assert 0 < r.cmd("TTL", "l").v <= 1000, cmd


# --- large lists ----------------------------------------------------------------------------

def test_large_list_ends_and_ranges(r):
    n = 200000
    for i in range(0, n, 10000):
        r.cmd("RPUSH", "big", *[str(j) for j in range(i, i + 10000)])
    assert r.cmd("LLEN", "big") == Reply(":", n)
    assert r.cmd("LINDEX", "big", "-1") == Reply("$", b"199999")
    assert r.cmd("LINDEX", "big", str(n // 2)) == Reply("$", b"100000")
    assert r.cmd("LRANGE", "big", "-3", "-1") == bulks("199997", "199998", "199999")
    assert r.cmd("LRANGE", "big", "100", "102") == bulks("100", "101", "102")
    assert r.cmd("LPOS", "big", "199998", "RANK", "-1") == Reply(":", 199998)
    # A trim of a few elements at each end, then one keeping a few in the middle.
    assert r.cmd("LTRIM", "big", "2", "-3") == Reply("+", "OK")
    assert r.cmd("LLEN", "big") == Reply(":", n - 4)
    assert r.cmd("LRANGE", "big", "0", "0") == bulks("2")
    assert r.cmd("LTRIM", "big", "50000", "50002") == Reply("+", "OK")
    assert r.cmd("LRANGE", "big", "0", "-1") == bulks("50002", "50003", "50004")
    assert r.cmd("DEL", "big") == Reply(":", 1)


def test_lrem_on_a_large_list(r):
    r.cmd("RPUSH", "big", *(["a", "b"] * 5000))
    assert r.cmd("LREM", "big", "3", "a") == Reply(":", 3)
    assert r.cmd("LREM", "big", "-2", "b") == Reply(":", 2)
    assert r.cmd("LRANGE", "big", "0", "3") == bulks("b", "b", "b", "a")
    assert r.cmd("LRANGE", "big", "-3", "-1") == bulks("b", "a", "a")
    assert r.cmd("LREM", "big", "0", "a") == Reply(":", 4997)
    assert r.cmd("LLEN", "big") == Reply(":", 4998)


# --- ListValue against plain Python lists ------------------------------------------------

def _model_span(start, stop, n):
    start = start + n if start < 0 else start
    stop = stop + n if stop < 0 else stop
    start = max(start, 0)
    return None if start > stop or start >= n else (start, min(stop, n - 1))


@pytest.mark.parametrize("seed", range(5))
def test_listvalue_helpers_match_list_model(seed):
    rnd = random.Random(seed)
    for _ in range(300):
        model = [rnd.choice([b"a", b"b", b"c"]) for _ in range(rnd.randint(0, 40))]
        lv = ListValue(model)
        n = len(model)
        span = _model_span(rnd.randint(-45, 45), rnd.randint(-45, 45), n)
        if span:
            assert lv.range(*span) == model[span[0]:span[1] + 1]
        left = rnd.randint(0, n)
        right = rnd.randint(0, n - left)
        t = ListValue(model)
        t.trim(left, right)
        assert list(t) == model[left:n - right]
        count = rnd.choice([0, 1, 2, 3, 20, 100])
        from_tail = rnd.random() < 0.5
        rm = ListValue(model)
        removed = rm.remove_matching(b"a", count, from_tail)
        expect = list(reversed(model)) if from_tail else list(model)
        kept, k = [], 0
        for e in expect:
            if e == b"a" and (count == 0 or k < count):
                k += 1
            else:
                kept.append(e)
        if from_tail:
            kept.reverse()
        assert (removed, list(rm)) == (k, kept)
        maxlen = rnd.choice([0, 1, 5, 100])
        limit = n if not maxlen else min(maxlen, n)
        order = range(n - 1, n - 1 - limit, -1) if from_tail else range(limit)
        assert list(lv.positions(b"b", from_tail, maxlen)) == [i for i in order if model[i] == b"b"]


def test_listvalue_protocol():
    lv = ListValue([b"a", b"bb"])
    c = lv.copy()
    assert type(c) is ListValue and c == lv and c is not lv
    c.append(b"x")
    assert len(lv) == 2
    assert lv.encoding(None) == "quicklist"
    assert ListValue().memory() < lv.memory() < ListValue([b"a" * 100] * 10).memory()
    assert lv.pop_many(5, False) == [b"bb", b"a"] and not lv
    with pytest.raises(AttributeError):
        lv.anything = 1   # __slots__: no per-list dict
