"""Set commands, line by line against the reference redis-server (RESP2 and RESP3).

An intset iterates in ascending numeric order in Redis -- the order miniredis
gives too -- so listings of intset-encoded sets (and of results Redis builds
as intsets) are compared exactly; hashtable-encoded ones are compared as
sets. SPOP and SRANDMEMBER answers are random: compared by reply type,
length, membership and what is left in the set.
"""


import pytest
from support import config, encoding  # noqa: E402

LLONG_MAX = str(2 ** 63 - 1)
LLONG_MIN = str(-(2 ** 63))
SET_COMMANDS = ("sadd", "srem", "smembers", "sismember", "smismember", "scard", "spop",
                "srandmember", "smove", "sinter", "sintercard", "sinterstore", "sunion",
                "sunionstore", "sdiff", "sdiffstore", "sscan")


def members(client, key):
    return sorted(client.cmd("SMEMBERS", key).plain())


def same_members(compat, key):
    """Both servers hold the same members at key (any order)."""
    m, r = members(compat.m, key), members(compat.r, key)
    assert m == r, (key, m, r)
    return m


def fill(compat, key, items):
    compat.same("SADD", key, *items)


def ints(lo, hi):
    return [str(i) for i in range(lo, hi)]


# --- metadata -------------------------------------------------------------------------------

def test_command_info_and_docs(compat):
    for name in SET_COMMANDS:
        compat.same("COMMAND", "INFO", name)
        compat.same("COMMAND", "DOCS", name)
    compat.same("COMMAND", "GETKEYS", "sintercard", "2", "a", "b", "LIMIT", "1")
    compat.same("COMMAND", "GETKEYS", "sinterstore", "d", "a", "b")
    compat.same("COMMAND", "GETKEYS", "smove", "a", "b", "m")


def test_arity_errors(compat):
    for args in (("SADD", "s"), ("SREM", "s"), ("SMEMBERS",), ("SMEMBERS", "a", "b"),
                 ("SISMEMBER", "s"), ("SMISMEMBER", "s"), ("SCARD",), ("SPOP",),
                 ("SRANDMEMBER",), ("SMOVE", "a", "b"), ("SINTER",), ("SINTERCARD", "1"),
                 ("SINTERSTORE", "d"), ("SUNION",), ("SUNIONSTORE", "d"), ("SDIFF",),
                 ("SDIFFSTORE", "d"), ("SSCAN", "s")):
        compat.same_error(*args)


def test_wrongtype(compat):
    compat.same("SET", "str", "x")
    compat.same("HSET", "hash", "f", "x")
    fill(compat, "s", ["1"])
    for args in (("SADD", "str", "a"), ("SREM", "str", "a"), ("SMEMBERS", "str"),
                 ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SCARD", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                 ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"),
                 ("SMOVE", "s", "str", "1"), ("SINTER", "s", "str"), ("SINTER", "nokey", "str"),
                 ("SINTERCARD", "2", "nokey", "str"), ("SINTERSTORE", "d", "nokey", "str"),
                 ("SUNION", "str"), ("SUNIONSTORE", "d", "s", "hash"), ("SDIFF", "nokey", "str"),
                 ("SDIFFSTORE", "d", "s", "str"), ("SSCAN", "str", "0"),
                 ("SSCAN", "hash", "0", "COUNT", "0")):
        compat.same_error(*args)
    compat.same("SMEMBERS", "s")
    compat.same("EXISTS", "d")
    # A missing source answers 0 before the destination's type is looked at.
    compat.same("SMOVE", "nokey", "str", "1")


# --- SADD / SREM / membership ------------------------------------------------------------------

def test_sadd_srem_basic(compat):
    compat.same("SADD", "s", "a", "b", "a")
    compat.same("SADD", "s", "b", "c")
    compat.same("SADD", "s", "a")
    compat.same("SCARD", "s")
    compat.same_sorted("SMEMBERS", "s")
    compat.same("SREM", "s", "x")
    compat.same("SREM", "s", "a", "a", "x")
    compat.same("SREM", "nokey", "a")
    compat.same("SREM", "s", "b", "c", "d")
    compat.same("EXISTS", "s")
    compat.same("SMEMBERS", "s")
    compat.same("SADD", "s", "", b"\x00\xff", "x" * 100)
    compat.same_sorted("SMEMBERS", "s")


def test_membership(compat):
    fill(compat, "s", ["1", "2", "a", ""])
    for m in ("1", "2", "3", "a", "", "A"):
        compat.same("SISMEMBER", "s", m)
    compat.same("SISMEMBER", "nokey", "a")
    compat.same("SMISMEMBER", "s", "1", "x", "a", "", "1")
    compat.same("SMISMEMBER", "nokey", "1", "2")
    compat.same("SCARD", "s")
    compat.same("SCARD", "nokey")
    fill(compat, "i", ["5", "-3"])
    for m in ("5", "05", "+5", "-3", "-03", "5.0", " 5", "x"):
        compat.same("SISMEMBER", "i", m)
    compat.same("SMISMEMBER", "i", "5", "05", "-3")


def test_smembers_intset_order(compat):
    fill(compat, "s", ["10", "-5", "3", LLONG_MAX, LLONG_MIN, "0", "7"])
    compat.same("SMEMBERS", "s")
    compat.same("SMEMBERS", "nokey")
    compat.same("SREM", "s", "3")
    compat.same("SMEMBERS", "s")


def test_sadd_keeps_ttl_and_srem_deletes(compat):
    compat.same("SADD", "s", "a")
    compat.same("EXPIRE", "s", "1000")
    compat.same("SADD", "s", "b")
    compat.same("TTL", "s")
    compat.same("SREM", "s", "a", "b")
    compat.same("TTL", "s")
    compat.same("TYPE", "s")


# --- encodings -------------------------------------------------------------------------------

def test_intset_member_rules(compat):
    """Only what string2ll accepts keeps a set an intset."""
    for i, text in enumerate(("0", "-1", "12345", LLONG_MAX, LLONG_MIN)):
        compat.same("SADD", "ok%d" % i, text)
        assert encoding(compat, "ok%d" % i) == b"intset"
    for i, text in enumerate(("-0", "+1", "01", " 1", "1 ", "1.0", "", "a", "0x10",
                              str(2 ** 63), str(-(2 ** 63) - 1), "1e3", "00", "-",
                              "99999999999999999999", "123456789012345678901")):
        compat.same("SADD", "bad%d" % i, "1", text)
        assert encoding(compat, "bad%d" % i) == b"hashtable"
        compat.same_sorted("SMEMBERS", "bad%d" % i)


def test_encoding_by_entries(compat):
    with config(compat, "set-max-intset-entries", "4"):
        fill(compat, "s", ints(0, 4))
        assert encoding(compat, "s") == b"intset"
        compat.same("SADD", "s", "3")                # not added: no conversion
        assert encoding(compat, "s") == b"intset"
        compat.same("SADD", "s", "4")
        assert encoding(compat, "s") == b"hashtable"
        compat.same("SREM", "s", "0", "1", "2", "3")
        assert encoding(compat, "s") == b"hashtable"  # never back
        compat.same("SADD", "big", *ints(0, 5))
        assert encoding(compat, "big") == b"hashtable"
    with config(compat, "set-max-intset-entries", "0"):
        compat.same("SADD", "z", "1")
        assert encoding(compat, "z") == b"hashtable"


def test_encoding_config_change_applies_on_write(compat):
    fill(compat, "s", ints(0, 10))
    with config(compat, "set-max-intset-entries", "5"):
        assert encoding(compat, "s") == b"intset"
        compat.same("SADD", "s", "5")                # already there
        assert encoding(compat, "s") == b"intset"
        compat.same("SREM", "s", "1")
        assert encoding(compat, "s") == b"intset"
        compat.same("SADD", "s", "100")
        assert encoding(compat, "s") == b"hashtable"


def test_hashtable_by_string_member_is_sticky(compat):
    fill(compat, "s", ["1", "2", "x"])
    assert encoding(compat, "s") == b"hashtable"
    compat.same("SREM", "s", "x")
    assert encoding(compat, "s") == b"hashtable"
    compat.same_sorted("SMEMBERS", "s")
    compat.same("SADD", "n", "x", "1")
    assert encoding(compat, "n") == b"hashtable"


def test_copy_keeps_encoding(compat):
    fill(compat, "s", ["1", "x"])
    compat.same("SREM", "s", "x")
    compat.same("COPY", "s", "c")
    assert encoding(compat, "c") == b"hashtable"
    fill(compat, "i", ["3", "1"])
    compat.same("COPY", "i", "j")
    assert encoding(compat, "j") == b"intset"
    compat.same("SMEMBERS", "j")


def test_generic_commands_on_set(compat):
    fill(compat, "s", ["1", "2"])
    compat.same("TYPE", "s")
    compat.same("RENAME", "s", "t")
    compat.same("SMEMBERS", "t")
    compat.same("EXISTS", "s", "t")
    compat.same("DEL", "t")
    compat.same("TYPE", "t")


# --- SPOP ------------------------------------------------------------------------------------

def test_spop_single(compat):
    compat.same("SPOP", "nokey")
    fill(compat, "s", ["a", "b", "c"])
    seen = []
    for _ in range(3):
        m, r = compat.both("SPOP", "s")
        assert m.t == r.t == "$"
        seen.append(m.v)
    assert sorted(seen) == [b"a", b"b", b"c"]
    compat.same("EXISTS", "s")
    compat.same("SPOP", "s")
    fill(compat, "one", ["x"])
    compat.same("SPOP", "one")
    compat.same("EXISTS", "one")


def test_spop_count_errors(compat):
    fill(compat, "s", ["1"])
    for count in ("-1", "abc", "", "1.5", str(2 ** 63), LLONG_MIN):
        compat.same_error("SPOP", "s", count)
        compat.same_error("SPOP", "nokey", count)
    compat.same_error("SPOP", "s", "1", "2")
    compat.same_error("SPOP", "s", "x", "y")
    compat.same("SMEMBERS", "s")


def test_spop_count_edge_cases(compat):
    compat.same("SPOP", "nokey", "0")
    compat.same("SPOP", "nokey", "5")
    fill(compat, "s", ["3", "1", "2"])
    compat.same("SPOP", "s", "0")
    compat.same("SCARD", "s")
    # The whole set: the answer is the set itself, in its order; the key goes.
    compat.same("SPOP", "s", "3")
    compat.same("EXISTS", "s")
    fill(compat, "s", ["3", "1", "2"])
    compat.same("SPOP", "s", LLONG_MAX)
    compat.same("EXISTS", "s")
    fill(compat, "h", ["a", "b"])
    compat.same_sorted("SPOP", "h", "10")
    compat.same("EXISTS", "h")


@pytest.mark.parametrize("size,count", [(10, 1), (10, 3), (10, 9), (100, 50), (100, 90),
                                        (600, 599), (600, 100)])
def test_spop_count_partial(compat, size, count):
    """Both strategies (pop drawn members; keep drawn members): shape and remainder."""
    items = ints(0, size)
    fill(compat, "i", items)
    fill(compat, "h", ["m%d" % i for i in range(size)])
    for key, universe in (("i", items), ("h", ["m%d" % i for i in range(size)])):
        m, r = compat.both("SPOP", key, count)
        assert m.t == r.t == ("~" if compat.proto == 3 else "*")
        popped = [x.v for x in m.v]
        assert len(popped) == len(r.v) == count
        assert len(set(popped)) == count
        left = members(compat.m, key)
        assert sorted(popped + left) == sorted(u.encode() for u in universe)
        compat.same("SCARD", key)


def test_spop_rebuilt_remainder_is_re_encoded(compat):
    """Keeping few members, Redis builds a new set from them: an intset again."""
    with config(compat, "set-max-intset-entries", "8"):
        fill(compat, "s", ints(0, 20))
        assert encoding(compat, "s") == b"hashtable"
        m, r = compat.both("SPOP", "s", "18")
        assert len(m.v) == len(r.v) == 18
        compat.same("SCARD", "s")
        assert encoding(compat, "s") == b"intset"
        # A small pop draws and removes: the encoding stays.
        fill(compat, "t", ints(0, 20))
        compat.both("SPOP", "t", "2")
        assert encoding(compat, "t") == b"hashtable"


def test_spop_keeps_ttl(compat):
    fill(compat, "s", ints(0, 20))
    compat.same("EXPIRE", "s", "1000")
    compat.both("SPOP", "s")
    compat.both("SPOP", "s", "2")
    compat.both("SPOP", "s", "15")
    compat.same("TTL", "s")
    compat.same("SCARD", "s")


# --- SRANDMEMBER -----------------------------------------------------------------------------

def test_srandmember_errors(compat):
    fill(compat, "s", ["1"])
    for count in ("abc", "", "1.5", str(2 ** 63), LLONG_MIN):
        compat.same_error("SRANDMEMBER", "s", count)
        compat.same_error("SRANDMEMBER", "nokey", count)
    compat.same_error("SRANDMEMBER", "s", "1", "2")


def test_srandmember_edge_cases(compat):
    compat.same("SRANDMEMBER", "nokey")
    compat.same("SRANDMEMBER", "nokey", "3")
    compat.same("SRANDMEMBER", "nokey", "-3")
    compat.same("SRANDMEMBER", "nokey", "0")
    fill(compat, "s", ["30", "10", "20"])
    compat.same("SRANDMEMBER", "s", "0")
    compat.same("SRANDMEMBER", "s", "3")      # the whole set, in its order
    compat.same("SRANDMEMBER", "s", LLONG_MAX)
    fill(compat, "one", ["x"])
    compat.same("SRANDMEMBER", "one")
    compat.same("SRANDMEMBER", "one", "1")
    compat.same("SRANDMEMBER", "one", "-3")
    compat.same("SRANDMEMBER", "one", "5")


@pytest.mark.parametrize("count", ["1", "2", "5", "9", "-1", "-5", "-30", "30"])
def test_srandmember_count_shapes(compat, count):
    universe = set(ints(0, 10))
    fill(compat, "s", sorted(universe))
    m, r = compat.both("SRANDMEMBER", "s", count)
    assert m.t == r.t == "*"
    got = [x.v.decode() for x in m.v]
    n = int(count)
    assert len(got) == len(r.v) == (min(n, 10) if n > 0 else -n)
    assert set(got) <= universe
    if n > 0:
        assert len(set(got)) == len(got)
    one_m, one_r = compat.both("SRANDMEMBER", "s")
    assert one_m.t == one_r.t == "$" and one_m.v.decode() in universe
    compat.same("SCARD", "s")


def test_srandmember_large_hashtable(compat):
    universe = ["m%d" % i for i in range(300)]
    fill(compat, "s", universe)
    for count in ("50", "150", "299", "-400"):
        m, r = compat.both("SRANDMEMBER", "s", count)
        got = [x.v.decode() for x in m.v]
        assert len(got) == len(r.v) == abs(int(count))
        assert set(got) <= set(universe)
        if int(count) > 0:
            assert len(set(got)) == len(got)


# --- SMOVE -------------------------------------------------------------------------------------

def test_smove(compat):
    fill(compat, "a", ["1", "2", "3"])
    fill(compat, "b", ["3", "x"])
    compat.same("SMOVE", "a", "b", "1")
    compat.same("SMEMBERS", "a")
    compat.same_sorted("SMEMBERS", "b")
    compat.same("SMOVE", "a", "b", "3")          # already in the destination
    compat.same("SMEMBERS", "a")
    compat.same("SMOVE", "a", "b", "9")          # not in the source
    compat.same("SMOVE", "a", "a", "2")          # same key: membership only
    compat.same("SMOVE", "a", "a", "9")
    compat.same("SMOVE", "a", "new", "2")        # source emptied, destination created
    compat.same("EXISTS", "a")
    compat.same("SMEMBERS", "new")
    assert encoding(compat, "new") == b"intset"
    compat.same("SMOVE", "b", "new2", "x")
    assert encoding(compat, "new2") == b"hashtable"
    compat.same("SMOVE", "nokey", "b", "x")
    compat.same("SMOVE", "nokey", "nokey", "x")


def test_smove_converts_destination(compat):
    fill(compat, "a", ["x", "1"])
    fill(compat, "b", ["2"])
    compat.same("SMOVE", "a", "b", "x")
    assert encoding(compat, "b") == b"hashtable"
    with config(compat, "set-max-intset-entries", "2"):
        fill(compat, "c", ["1", "2"])
        fill(compat, "d", ["3"])
        compat.same("SMOVE", "d", "c", "3")
        assert encoding(compat, "c") == b"hashtable"


def test_smove_keeps_ttls(compat):
    fill(compat, "a", ["1", "2"])
    fill(compat, "b", ["3"])
    compat.same("EXPIRE", "a", "1000")
    compat.same("EXPIRE", "b", "2000")
    compat.same("SMOVE", "a", "b", "1")
    compat.same("TTL", "a")
    compat.same("TTL", "b")


# --- SINTER / SINTERCARD / SINTERSTORE ---------------------------------------------------------

def test_sinter(compat):
    fill(compat, "a", ints(0, 10))
    fill(compat, "b", ints(5, 20))
    fill(compat, "c", ["7", "8", "9", "x"])
    compat.same("SINTER", "a")
    compat.same("SINTER", "a", "b")
    compat.same("SINTER", "b", "a", "a")
    compat.same("SINTER", "a", "nokey")
    compat.same("SINTER", "nokey")
    compat.same("SINTER", "nokey", "a")
    compat.same_sorted("SINTER", "c", "a")
    compat.same_sorted("SINTER", "a", "b", "c")
    fill(compat, "d", ["p", "q", "r"])
    fill(compat, "e", ["q", "r", "s", "t"])
    compat.same_sorted("SINTER", "d", "e")
    compat.same("SINTER", "d", "a")


def test_sintercard(compat):
    fill(compat, "a", ints(0, 10))
    fill(compat, "b", ints(5, 20))
    fill(compat, "c", ["a", "b", "c"])
    compat.same("SINTERCARD", "1", "a")
    compat.same("SINTERCARD", "2", "a", "b")
    compat.same("SINTERCARD", "2", "a", "nokey")
    compat.same("SINTERCARD", "2", "a", "c")
    for limit in ("0", "1", "4", "5", "6", "100", LLONG_MAX):
        compat.same("SINTERCARD", "2", "a", "b", "LIMIT", limit)
    compat.same("SINTERCARD", "2", "a", "b", "limit", "1", "LIMIT", "3")
    compat.same("SINTERCARD", "1", "c", "LIMIT", "2")
    # A key named like the option is still a key when counted by numkeys.
    compat.same("SINTERCARD", "2", "a", "LIMIT")


def test_sintercard_large_with_limit(compat):
    fill(compat, "a", ["m%d" % i for i in range(3000)])
    fill(compat, "b", ["m%d" % i for i in range(0, 6000, 2)])
    for limit in ("0", "1", "1000", "1499", "1500", "1501", "3000"):
        compat.same("SINTERCARD", "2", "a", "b", "LIMIT", limit)


def test_sintercard_errors(compat):
    fill(compat, "a", ["1"])
    for args in (("abc", "a"), ("0", "a"), ("-1", "a"), ("", "a"), (str(2 ** 63), "a"),
                 ("2", "a"), ("3", "a", "b"), (LLONG_MAX, "a"),
                 ("1", "a", "LIMIT"), ("1", "a", "LIMIT", "-1"), ("1", "a", "LIMIT", "abc"),
                 ("1", "a", "LIMIT", str(2 ** 63)), ("1", "a", "LIMIT", "1.5"),
                 ("1", "a", "FOO"), ("1", "a", "FOO", "1"), ("1", "a", "LIMIT", "1", "X"),
                 ("1", "nokey", "LIMIT", "-5"), ("1", "a", "LIMIT", "-1", "LIMIT", "1")):
        compat.same_error("SINTERCARD", *args)


def test_sinterstore(compat):
    fill(compat, "a", ints(0, 10))
    fill(compat, "b", ints(5, 20))
    compat.same("SINTERSTORE", "d", "a", "b")
    compat.same("SMEMBERS", "d")
    assert encoding(compat, "d") == b"intset"
    compat.same("SINTERSTORE", "d", "d", "a")    # destination is also a source
    compat.same("SMEMBERS", "d")
    compat.same("SINTERSTORE", "d", "a", "nokey")
    compat.same("EXISTS", "d")
    compat.same("SET", "str", "x")
    compat.same("EXPIRE", "str", "1000")
    compat.same("SINTERSTORE", "str", "a")       # overwrites any type, drops the TTL
    compat.same("TYPE", "str")
    compat.same("TTL", "str")
    compat.same("SET", "str2", "x")
    compat.same("SINTERSTORE", "str2", "a", "nokey")   # empty result deletes it
    compat.same("EXISTS", "str2")
    fill(compat, "c", ["x", "y"])
    compat.same("SINTERSTORE", "d", "c", "a")
    compat.same("EXISTS", "d")


def test_sinterstore_result_encoding(compat):
    fill(compat, "h", ["1", "2", "3", "x"])
    fill(compat, "i", ["2", "3", "4"])
    compat.same("SINTERSTORE", "d", "h", "i")
    assert encoding(compat, "d") == b"intset"    # a fresh set: all integers
    compat.same("SMEMBERS", "d")
    fill(compat, "h2", ["x", "y", "1"])
    compat.same("SINTERSTORE", "d", "h", "h2")
    assert encoding(compat, "d") == b"hashtable"
    with config(compat, "set-max-intset-entries", "3"):
        fill(compat, "big", ints(0, 10))
        compat.same("SINTERSTORE", "d", "big", "big")
        assert encoding(compat, "d") == b"hashtable"
        compat.same("SINTERSTORE", "d", "big", "i")
        assert encoding(compat, "d") == b"intset"


# --- SUNION / SDIFF and their STORE forms ---------------------------------------------------

def test_sunion(compat):
    fill(compat, "a", ints(0, 5))
    fill(compat, "b", ints(3, 8) + ["-1"])
    compat.same("SUNION", "a")
    compat.same("SUNION", "a", "b")
    compat.same("SUNION", "nokey", "b", "nokey")
    compat.same("SUNION", "nokey")
    fill(compat, "c", ["x"])
    compat.same_sorted("SUNION", "a", "c")
    fill(compat, "h", ["1", "2", "x"])
    compat.same("SREM", "h", "x")
    compat.same("SUNION", "h")                   # a fresh set: intset order again


def test_sunionstore(compat):
    fill(compat, "a", ints(0, 5))
    fill(compat, "b", ["x", "3"])
    compat.same("SUNIONSTORE", "d", "a", "a")
    compat.same("SMEMBERS", "d")
    assert encoding(compat, "d") == b"intset"
    compat.same("SUNIONSTORE", "d", "d", "b")
    compat.same_sorted("SMEMBERS", "d")
    assert encoding(compat, "d") == b"hashtable"
    compat.same("SUNIONSTORE", "d", "nokey")
    compat.same("EXISTS", "d")
    compat.same("SUNIONSTORE", "d", "nokey")
    with config(compat, "set-max-intset-entries", "6"):
        fill(compat, "c", ints(5, 8))
        compat.same("SUNIONSTORE", "d", "a", "c")
        assert encoding(compat, "d") == b"hashtable"
        compat.same_sorted("SUNION", "a", "c")
        compat.same("SUNIONSTORE", "d", "a")
        assert encoding(compat, "d") == b"intset"


def test_sdiff(compat):
    fill(compat, "a", ints(0, 10))
    fill(compat, "b", ints(5, 20))
    fill(compat, "c", ["1", "x"])
    compat.same("SDIFF", "a")
    compat.same("SDIFF", "a", "b")
    compat.same("SDIFF", "a", "b", "c")
    compat.same("SDIFF", "a", "nokey")
    compat.same("SDIFF", "nokey", "a")
    compat.same("SDIFF", "a", "a")
    compat.same("SDIFF", "a", "b", "a")
    compat.same_sorted("SDIFF", "c", "a")
    compat.same("SDIFF", "b", "a")


def test_sdiffstore(compat):
    fill(compat, "a", ints(0, 10))
    fill(compat, "b", ints(5, 20))
    compat.same("SDIFFSTORE", "d", "a", "b")
    compat.same("SMEMBERS", "d")
    compat.same("SDIFFSTORE", "d", "d", "d")
    compat.same("EXISTS", "d")
    compat.same("SET", "d", "x")
    compat.same("SDIFFSTORE", "d", "nokey", "a")
    compat.same("EXISTS", "d")
    compat.same("SDIFFSTORE", "a", "a", "b")     # destination is the first source
    compat.same("SMEMBERS", "a")


def test_sdiff_algorithm_decides_encoding(compat):
    """With many small sets to subtract Redis copies the first set whole (its second
    algorithm): a large first set turns the result into a hashtable for good."""
    with config(compat, "set-max-intset-entries", "8"):
        fill(compat, "a", ints(0, 10))
        fill(compat, "x", ["0"])
        fill(compat, "y", ["1"])
        compat.same("SDIFFSTORE", "d", "a", "x", "y")       # second algorithm
        compat.same("SCARD", "d")
        assert encoding(compat, "d") == b"hashtable"
        compat.same_sorted("SDIFF", "a", "x", "y")
        compat.same("SDIFFSTORE", "d", "a", "x")            # first algorithm
        assert encoding(compat, "d") == b"hashtable"        # 9 members > 8
        fill(compat, "z", ints(2, 4))
        compat.same("SDIFFSTORE", "d", "a", "z")            # first algorithm, 8 left
        assert encoding(compat, "d") == b"intset"
        compat.same("SDIFF", "a", "z")
        fill(compat, "small", ints(0, 4))
        compat.same("SDIFFSTORE", "d", "small", "x", "y")   # second algorithm, small set
        assert encoding(compat, "d") == b"intset"
        compat.same("SDIFF", "small", "x", "y")
        fill(compat, "mixed", ["0", "1", "2", "w"])
        fill(compat, "w", ["w"])
        compat.same("SDIFFSTORE", "d", "mixed", "w", "nokey", "x")    # first algorithm
        assert encoding(compat, "d") == b"intset"
        compat.same("SDIFFSTORE", "d", "mixed", "w", "nokey", "x", "y")   # second one
        assert encoding(compat, "d") == b"hashtable"


def test_algebra_large(compat):
    fill(compat, "a", ints(0, 1000))
    fill(compat, "b", ints(500, 1500))
    fill(compat, "c", ["m%d" % i for i in range(200)] + ints(900, 1100))
    for cmd in ("SINTER", "SUNION", "SDIFF"):
        compat.same_sorted(cmd, "a", "b", "c")
        compat.same_sorted(cmd, "c", "b")
        compat.same(cmd + "STORE", "d", "a", "b", "c")
        encoding(compat, "d")
        same_members(compat, "d")
        compat.same("SCARD", "d")
    compat.same("SINTERCARD", "3", "a", "b", "c")


# --- SSCAN -------------------------------------------------------------------------------------

def test_sscan_intset_whole(compat):
    fill(compat, "s", ints(0, 100))
    compat.same("SSCAN", "s", "0")
    compat.same("SSCAN", "s", "0", "COUNT", "1")
    compat.same("SSCAN", "s", "12345")              # any cursor: the whole intset
    compat.same("SSCAN", "s", "0", "MATCH", "1*")
    compat.same("SSCAN", "s", "0", "MATCH", "*", "COUNT", "5")
    compat.same("SSCAN", "nokey", "0")
    compat.same("SSCAN", "nokey", "0", "COUNT", "0")   # a missing key skips the options


def test_sscan_errors(compat):
    fill(compat, "s", ["1", "a"])
    for args in (("abc",), ("-",), (" 1",), ("0", "COUNT", "0"), ("0", "COUNT", "-1"),
                 ("0", "COUNT", "x"), ("0", "COUNT"), ("0", "MATCH"), ("0", "TYPE", "string"),
                 ("0", "FOO", "bar"), ("0", "NOVALUES")):
        compat.same_error("SSCAN", "s", *args)
    compat.same_error("SSCAN", "nokey", "abc")


def test_sscan_small_hashtable(compat):
    fill(compat, "s", ["a", "b", "c", "1"])
    m, r = compat.both("SSCAN", "s", "0")
    assert m.v[0] == r.v[0]
    assert sorted(x.v for x in m.v[1].v) == sorted(x.v for x in r.v[1].v)
    compat.same("SSCAN", "s", "0", "MATCH", "a")
    compat.same("SSCAN", "s", "0", "MATCH", "z*")


def _full_scan(client, key, *opts):
    cursor, seen = b"0", []
    for _ in range(10000):
        rep = client.cmd("SSCAN", key, cursor, *opts).plain()
        cursor = rep[0]
        seen.extend(rep[1])
        if cursor == b"0":
            return seen
    raise AssertionError("scan did not finish")


def test_sscan_hashtable_iteration(compat):
    universe = ["m%d" % i for i in range(500)]
    fill(compat, "s", universe)
    for opts in ((), ("COUNT", "7"), ("COUNT", "100", "MATCH", "m1*")):
        got_m = set(_full_scan(compat.m, "s", *opts))
        got_r = set(_full_scan(compat.r, "s", *opts))
        assert got_m == got_r


# --- statistics ------------------------------------------------------------------------------

def _stat(client, field):
    for line in client.cmd("INFO", "all").v.decode().split("\r\n"):
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(field)


def test_keyspace_hits_misses_and_dirty(compat):
    script = [("SADD", "a", "1", "2", "3", "4"), ("SADD", "a", "4", "5"), ("SADD", "b", "x"),
              ("SREM", "a", "1", "9"), ("SISMEMBER", "a", "2"), ("SISMEMBER", "nokey", "2"),
              ("SMISMEMBER", "a", "2"), ("SCARD", "nokey"), ("SMEMBERS", "a"),
              ("SINTER", "a", "nokey", "b"), ("SUNION", "a", "b"), ("SDIFF", "nokey", "a"),
              ("SINTERCARD", "2", "a", "b"), ("SINTERSTORE", "d", "a", "a"),
              ("SUNIONSTORE", "d", "a", "nokey"), ("SDIFFSTORE", "d", "a", "a"),
              ("SRANDMEMBER", "a"), ("SRANDMEMBER", "nokey", "2"), ("SSCAN", "a", "0"),
              ("SMOVE", "a", "b", "2"), ("SMOVE", "a", "c", "3"), ("SPOP", "a"),
              ("SPOP", "c", "7"), ("SADD", "e", *ints(0, 10)), ("SPOP", "e", "2"),
              ("SPOP", "e", "7"), ("SREM", "e", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
              ("SPOP", "nokey", "3"), ("SPOP", "b", "0")]
    before = [_stat(c, "rdb_changes_since_last_save") for c in (compat.m, compat.r)]
    compat.same("CONFIG", "RESETSTAT")
    for cmd in script:
        compat.both(*cmd)
    for field in ("keyspace_hits", "keyspace_misses"):
        assert _stat(compat.m, field) == _stat(compat.r, field), field
    after = [_stat(c, "rdb_changes_since_last_save") for c in (compat.m, compat.r)]
    assert after[0] - before[0] == after[1] - before[1]
