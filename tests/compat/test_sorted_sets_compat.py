"""Sorted set commands, line by line against the reference redis-server (RESP2 and RESP3).

Small sorted sets are listpack-encoded in Redis and every listing of them is
in score order, so replies are compared exactly -- scores included, which
checks their text (``%.17g``, ``inf``, ``-0``). ZSCAN of a skiplist-encoded
set and random replies (ZRANDMEMBER) are compared by type, shape and
membership.
"""


import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import requires, config, encoding  # noqa: E402

LLONG_MAX = str(2 ** 63 - 1)
LLONG_MIN = str(-(2 ** 63))
ZSET_COMMANDS = (
    "zadd", "zincrby", "zrem", "zcard", "zcount", "zlexcount", "zscore", "zmscore", "zrank",
    "zrevrank", "zrange", "zrangestore", "zrangebyscore", "zrevrangebyscore", "zrangebylex",
    "zrevrangebylex", "zrevrange", "zremrangebyrank", "zremrangebyscore", "zremrangebylex",
    "zpopmin", "zpopmax", "zmpop", "zunion", "zinter", "zdiff", "zunionstore", "zinterstore",
    "zdiffstore", "zintercard", "zrandmember", "zscan", "bzpopmin", "bzpopmax", "bzmpop")
SCORES = ["1", "a", "2", "b", "3", "c", "0.1", "d", "1e300", "e", "-0", "f", "inf", "g",
          "-inf", "h", "-2.5", "i", "3", "cc"]


def dump(compat, key):
    """The whole sorted set with scores, compared, plus its encoding."""
    compat.same("ZRANGE", key, "0", "-1", "WITHSCORES")
    compat.same("EXISTS", key)
    compat.same("TYPE", key)
    if compat.m.cmd("EXISTS", key).v:
        encoding(compat, key)


def sample(compat, key="z"):
    compat.same("ZADD", key, *SCORES)


def lex_sample(compat, key="l"):
    compat.same("ZADD", key, *[x for m in ("a", "b", "c", "d", "e", "ee", "f", "g", "", "\xff")
                               for x in ("0", m)])


def same_shape(compat, *args):
    """Same type and the same number of elements (for random replies)."""
    m, r = compat.both(*args)
    assert m.t == r.t, (args, m, r)
    assert (m.v is None) == (r.v is None), (args, m, r)
    if m.v is not None and m.t in "*~":
        assert len(m.v) == len(r.v), (args, m, r)
        for a, b in zip(m.v, r.v):
            assert a.t == b.t, (args, m, r)
            if a.t == "*":
                assert [x.t for x in a.v] == [x.t for x in b.v], (args, m, r)
    return m, r


# --- metadata and generic behaviour ------------------------------------------------------

def test_command_info_and_docs(compat):
    for name in ZSET_COMMANDS:
        compat.same("COMMAND", "INFO", name)
        compat.same("COMMAND", "DOCS", name)
    compat.same("COMMAND", "GETKEYS", "zunionstore", "d", "2", "a", "b", "weights", "1", "2")
    compat.same("COMMAND", "GETKEYS", "zmpop", "2", "a", "b", "min")
    compat.same("COMMAND", "GETKEYS", "bzmpop", "0", "2", "a", "b", "min")
    compat.same("COMMAND", "GETKEYS", "bzpopmin", "a", "b", "0")
    compat.same("COMMAND", "GETKEYS", "zrangestore", "d", "s", "0", "1")


def test_arity_errors(compat):
    for args in (("ZADD", "k"), ("ZADD", "k", "1"), ("ZINCRBY", "k", "1"), ("ZREM", "k"),
                 ("ZCARD",), ("ZCOUNT", "k", "1"), ("ZSCORE", "k"), ("ZMSCORE", "k"),
                 ("ZRANK", "k"), ("ZRANK", "k", "a", "withscore"), ("ZRANGE", "k", "0"),
                 ("ZRANGESTORE", "d", "k", "0"), ("ZPOPMIN",), ("ZMPOP", "1", "k"),
                 ("BZPOPMIN", "k"), ("BZMPOP", "0", "1", "k"), ("ZUNION",), ("ZINTERCARD",),
                 ("ZUNIONSTORE", "d"), ("ZRANDMEMBER",), ("ZSCAN", "k"),
                 ("ZREMRANGEBYLEX", "k", "-"), ("ZLEXCOUNT", "k", "-")):
        compat.same_error(*args)


def test_wrongtype(compat):
    compat.same("SET", "s", "x")
    compat.same("SADD", "set", "a")
    for args in (("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"),
                 ("ZCARD", "s"), ("ZCOUNT", "s", "0", "1"), ("ZLEXCOUNT", "s", "-", "+"),
                 ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"), ("ZRANK", "s", "a"),
                 ("ZREVRANK", "s", "a"), ("ZRANGE", "s", "0", "1"),
                 ("ZRANGESTORE", "d", "s", "0", "1"), ("ZRANGEBYSCORE", "s", "0", "1"),
                 ("ZREVRANGEBYSCORE", "s", "0", "1"), ("ZRANGEBYLEX", "s", "-", "+"),
                 ("ZREVRANGEBYLEX", "s", "+", "-"), ("ZREVRANGE", "s", "0", "1"),
                 ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZREMRANGEBYSCORE", "s", "0", "1"),
                 ("ZREMRANGEBYLEX", "s", "-", "+"), ("ZPOPMIN", "s"), ("ZPOPMAX", "s", "2"),
                 ("ZMPOP", "1", "s", "MIN"), ("ZMPOP", "2", "nokey", "s", "MIN"),
                 ("ZUNION", "2", "s", "set"), ("ZINTER", "1", "s"), ("ZDIFF", "1", "s"),
                 ("ZUNIONSTORE", "d", "1", "s"), ("ZINTERCARD", "1", "s"),
                 ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", "2"), ("ZSCAN", "s", "0"),
                 ("BZPOPMIN", "nokey", "s", "0"), ("BZMPOP", "0", "1", "s", "MAX"),
                 ("ZADD", "set", "1", "a"), ("ZSCORE", "set", "a")):
        compat.same_error(*args)


def test_generic_commands_on_zset(compat):
    sample(compat)
    compat.same("TYPE", "z")
    encoding(compat, "z")
    compat.same("COPY", "z", "z2")
    dump(compat, "z2")
    compat.same("RENAME", "z2", "z3")
    dump(compat, "z3")
    compat.same("EXPIRE", "z3", "100")
    compat.same("ZADD", "z3", "1", "new")
    compat.same("TTL", "z3")
    compat.same("SORT", "z", "BY", "nosort", "LIMIT", "0", "3", "ALPHA")
    compat.same("DEL", "z", "z3")


# --- ZADD / ZINCRBY ------------------------------------------------------------------------

def test_zadd_basic(compat):
    compat.same("ZADD", "z", "1", "a")
    compat.same("ZADD", "z", "1", "a")
    compat.same("ZADD", "z", "2", "a", "3", "b", "3", "b")
    dump(compat, "z")
    compat.same("ZADD", "z", "1.5", "")
    compat.same("ZADD", "z", "-1", "\x00\xff")
    dump(compat, "z")


def test_zadd_score_texts(compat):
    for score in ("0.1", "1e300", "-1e-300", "-0", "+0", "inf", "+inf", "-inf", "INF", "Infinity",
                  "-infinity", "1.5e+2", "0x10", "0x1.8p1", "1E3", ".5", "5.", "123456789012345678",
                  "4503599627370496.5", "9007199254740993", "1.7976931348623157e308",
                  "4.9e-324", "3.0", "-3.25"):
        compat.same("ZADD", "z", score, "m")
        compat.same("ZSCORE", "z", "m")
        compat.same("ZRANGE", "z", "0", "-1", "WITHSCORES")
        compat.same("ZSCAN", "z", "0")


def test_zadd_score_errors(compat):
    for score in ("nan", "-nan", "NaN", "", " 1", "1 ", "abc", "1e", "1e999", "-1e999", "1e-999",
                  "0x", "1.2.3", "++1", "(1", "[1"):
        compat.same_error("ZADD", "z", score, "m")
    compat.same("EXISTS", "z")
    # All scores are read before anything changes.
    compat.same_error("ZADD", "z", "1", "a", "x", "b")
    compat.same("EXISTS", "z")


def test_zadd_option_errors(compat):
    compat.same("ZADD", "z", "1", "a")
    for opts in (("NX", "XX"), ("xx", "nx"), ("GT", "LT"), ("NX", "GT"), ("nx", "lt"),
                 ("NX", "XX", "GT"), ("GT", "LT", "NX")):
        compat.same_error("ZADD", "z", *(opts + ("1", "a")))
    compat.same_error("ZADD", "z", "INCR", "1", "a", "2", "b")
    compat.same_error("ZADD", "z", "NX", "XX", "1")           # odd count first: syntax error
    compat.same_error("ZADD", "z", "1", "a", "2")
    compat.same_error("ZADD", "z", "NX")
    compat.same_error("ZADD", "z", "NX", "CH", "INCR")
    compat.same_error("ZADD", "z", "FOO", "1", "a")
    compat.same_error("ZADD", "z", "1", "a", "NX")
    compat.same_error("ZADD", "z", "INCR", "GT", "LT", "1", "a", "2", "b")
    dump(compat, "z")


def test_zadd_nx_xx_ch(compat):
    compat.same("ZADD", "z", "XX", "1", "a")
    compat.same("EXISTS", "z")
    compat.same("ZADD", "z", "XX", "INCR", "1", "a")
    compat.same("EXISTS", "z")
    compat.same("ZADD", "z", "NX", "1", "a", "2", "b")
    compat.same("ZADD", "z", "NX", "5", "a", "3", "c")
    compat.same("ZADD", "z", "XX", "5", "a", "4", "d")
    compat.same("ZADD", "z", "CH", "5", "a", "6", "b", "7", "e")
    compat.same("ZADD", "z", "ch", "xx", "5", "a", "7", "b", "7", "f")
    compat.same("ZADD", "z", "CH", "CH", "NX", "NX", "9", "a", "9", "g")
    dump(compat, "z")


def test_zadd_gt_lt(compat):
    compat.same("ZADD", "z", "5", "a", "5", "b")
    compat.same("ZADD", "z", "GT", "CH", "6", "a", "4", "b", "1", "new")
    compat.same("ZADD", "z", "LT", "CH", "3", "a", "7", "b", "1", "new2")
    compat.same("ZADD", "z", "GT", "XX", "CH", "10", "a", "1", "zz")
    compat.same("ZADD", "z", "LT", "XX", "CH", "10", "a", "-1", "b")
    compat.same("ZADD", "z", "GT", "CH", "10", "a")          # equal: no change
    dump(compat, "z")


def test_zadd_incr(compat):
    compat.same("ZADD", "z", "INCR", "1.5", "a")
    compat.same("ZADD", "z", "INCR", "0.1", "a")
    compat.same("ZADD", "z", "INCR", "0", "a")
    compat.same("ZADD", "z", "NX", "INCR", "1", "a")
    compat.same("ZADD", "z", "XX", "INCR", "1", "nope")
    compat.same("ZADD", "z", "XX", "INCR", "1", "a")
    compat.same("ZADD", "z", "GT", "INCR", "-1", "a")
    compat.same("ZADD", "z", "GT", "INCR", "1", "a")
    compat.same("ZADD", "z", "LT", "INCR", "1", "a")
    compat.same("ZADD", "z", "LT", "INCR", "-5", "a")
    compat.same("ZADD", "z", "GT", "INCR", "3", "new")
    compat.same("ZADD", "z", "CH", "INCR", "3", "new")
    compat.same("ZADD", "z", "INCR", "-0", "negzero")
    dump(compat, "z")


def test_zadd_nan_results(compat):
    compat.same("ZADD", "z", "inf", "a", "-inf", "b")
    compat.same_error("ZADD", "z", "INCR", "-inf", "a")
    compat.same_error("ZINCRBY", "z", "inf", "b")
    compat.same("ZINCRBY", "z", "inf", "a")
    compat.same("ZINCRBY", "z", "1", "a")
    compat.same("ZINCRBY", "z", "-inf", "b")
    dump(compat, "z")


def test_zincrby(compat):
    compat.same("ZINCRBY", "z", "1", "a")
    compat.same("ZINCRBY", "z", "0.1", "a")
    compat.same("ZINCRBY", "z", "0.2", "a")
    compat.same("ZINCRBY", "z", "-1.1", "a")
    compat.same("ZINCRBY", "z", "-0", "b")
    compat.same("ZINCRBY", "z", "1e308", "c")
    compat.same("ZINCRBY", "z", "1e308", "c")
    compat.same_error("ZINCRBY", "z", "abc", "a")
    compat.same_error("ZINCRBY", "z", "nan", "a")
    compat.same_error("ZINCRBY", "z", "", "a")
    # ZADD's option parser runs first: an option word is not an increment.
    compat.same_error("ZINCRBY", "z", "nx", "a")
    compat.same_error("ZINCRBY", "z", "incr", "a")
    compat.same_error("ZINCRBY", "z", "ch", "ch")
    dump(compat, "z")


def test_negative_zero_by_encoding(compat):
    compat.same("ZADD", "small", "-0", "a")
    compat.same("ZINCRBY", "small", "-0", "b")
    compat.same("ZADD", "small", "INCR", "-0", "c")
    dump(compat, "small")
    compat.same("ZADD", "small", "1", "x", "-0", "x")
    compat.same("ZSCORE", "small", "x")
    with config(compat, "zset-max-listpack-entries", "0"):
        compat.same("ZADD", "big", "-0", "a", "-0", "b")
        compat.same("ZINCRBY", "big", "-0", "c")
        dump(compat, "big")
        compat.same("ZUNION", "1", "big", "WITHSCORES")
        compat.same("ZUNION", "1", "small", "WEIGHTS", "-1", "WITHSCORES")
        compat.same("ZRANGESTORE", "d", "big", "0", "-1")
        dump(compat, "d")
    with config(compat, "zset-max-listpack-entries", "2"):
        compat.same("ZRANGESTORE", "d", "big", "0", "-1")
        dump(compat, "d")
        compat.same("ZRANGESTORE", "d", "big", "-inf", "inf", "BYSCORE")
        dump(compat, "d")
        compat.same("ZRANGESTORE", "d", "big", "0", "0")
        dump(compat, "d")
        compat.same("ZUNIONSTORE", "d", "1", "big")
        dump(compat, "d")
        compat.same("ZUNIONSTORE", "d", "1", "small", "WEIGHTS", "-1")
        dump(compat, "d")


# --- encodings -------------------------------------------------------------------------

def test_encoding_by_entries(compat):
    for i in range(128):
        compat.m.cmd("ZADD", "z", i, "m%d" % i)
        compat.r.cmd("ZADD", "z", i, "m%d" % i)
    dump(compat, "z")
    compat.same("ZADD", "z", "1000", "m5")        # update: stays
    encoding(compat, "z")
    compat.same("ZADD", "z", "1000", "m128")
    dump(compat, "z")
    compat.same("ZREMRANGEBYRANK", "z", "0", "-3")
    dump(compat, "z")                              # never converted back


def test_encoding_by_member_length(compat):
    compat.same("ZADD", "z", "1", "x" * 64)
    encoding(compat, "z")
    compat.same("ZADD", "z", "1", "y" * 65)
    encoding(compat, "z")
    compat.same("ZADD", "z2", "1", "y" * 65)
    encoding(compat, "z2")
    compat.same("ZINCRBY", "z3", "1", "y" * 65)
    encoding(compat, "z3")


def test_encoding_config_change_applies_on_write(compat):
    compat.same("ZADD", "z", "1", "a", "2", "b", "3", "c")
    with config(compat, "zset-max-listpack-entries", "2"):
        encoding(compat, "z")
        compat.same("ZADD", "z", "5", "a")
        encoding(compat, "z")
        compat.same("ZADD", "z", "5", "d")
        encoding(compat, "z")
    with config(compat, "zset-max-listpack-value", "3"):
        compat.same("ZADD", "y", "1", "abc")
        encoding(compat, "y")
        compat.same("ZADD", "y", "1", "abcd")
        encoding(compat, "y")


def test_store_encodings(compat):
    sample(compat)
    with config(compat, "zset-max-listpack-entries", "3"):
        for cmd in (("ZRANGESTORE", "d", "z", "0", "2"), ("ZRANGESTORE", "d", "z", "0", "3"),
                    ("ZRANGESTORE", "d", "z", "-inf", "inf", "BYSCORE", "LIMIT", "0", "3"),
                    ("ZRANGESTORE", "d", "z", "-inf", "inf", "BYSCORE"),
                    ("ZUNIONSTORE", "d", "1", "z"), ("ZINTERSTORE", "d", "1", "z"),
                    ("ZDIFFSTORE", "d", "1", "z")):
            compat.same(*cmd)
            dump(compat, "d")
        compat.same("ZREMRANGEBYRANK", "z", "3", "-1")
        compat.same("ZUNIONSTORE", "d", "1", "z")
        dump(compat, "d")
    compat.same("ZADD", "long", "1", "x" * 65, "2", "y")
    compat.same("ZRANGESTORE", "d", "long", "1", "1")
    dump(compat, "d")
    compat.same("ZUNIONSTORE", "d", "1", "long")
    dump(compat, "d")


# --- ZREM / ZCARD / ZSCORE / ZMSCORE / ZRANK -----------------------------------------------

def test_zrem_zcard(compat):
    compat.same("ZREM", "z", "a")
    compat.same("ZCARD", "z")
    compat.same("ZADD", "z", "1", "a", "2", "b", "3", "c")
    compat.same("ZREM", "z", "a", "nope", "a")
    compat.same("ZCARD", "z")
    compat.same("ZREM", "z", "b", "c", "d")
    compat.same("EXISTS", "z")
    compat.same("ZCARD", "z")
    compat.same("ZADD", "z", "1", "a")
    compat.same("EXPIRE", "z", "100")
    compat.same("ZREM", "z", "b")
    compat.same("TTL", "z")


def test_zscore_zmscore(compat):
    sample(compat)
    for m in ("a", "d", "e", "f", "g", "h", "i", "nope", ""):
        compat.same("ZSCORE", "z", m)
    compat.same("ZSCORE", "nokey", "a")
    compat.same("ZMSCORE", "z", "a", "nope", "d", "g", "h", "a")
    compat.same("ZMSCORE", "nokey", "a", "b")


def test_zrank_zrevrank(compat):
    sample(compat)
    for m in ("a", "b", "c", "cc", "h", "g", "f", "nope"):
        compat.same("ZRANK", "z", m)
        compat.same("ZREVRANK", "z", m)
    compat.same("ZRANK", "nokey", "a")
    compat.same("ZREVRANK", "nokey", "a")


# --- ZCOUNT / ZLEXCOUNT and bounds -----------------------------------------------------------

SCORE_BOUNDS = ["-inf", "+inf", "inf", "-INF", "(1", "1", "(3", "3", "0", "(0", "-0", "(-0",
                "0.1", "(0.1", "1e300", "(inf", "(-inf", "", "(", " 2", "\t2", "2\x00junk",
                "1e999", "(-1e999", "1e-999", "0x1p1", "2.", ".5", "-2.5", "( 1", "\v(1"]


@pytest.mark.parametrize("lo", SCORE_BOUNDS)
def test_zcount_bounds(compat, lo):
    sample(compat)
    for hi in ("+inf", "inf", "(3", "3", "0", "(0", "-0", "1e300", "(inf", "", "(", "-inf"):
        compat.same("ZCOUNT", "z", lo, hi)
        compat.same("ZRANGEBYSCORE", "z", lo, hi, "WITHSCORES")
        compat.same("ZREVRANGEBYSCORE", "z", hi, lo, "WITHSCORES")


def test_score_bound_errors(compat):
    sample(compat)
    for bad in ("nan", "(nan", "abc", "((1", "1e", "  ", "(  ", "1 ", "[1", "0x", "-", "+",
                "inf(", "-nan"):
        compat.same_error("ZCOUNT", "z", bad, "1")
        compat.same_error("ZCOUNT", "z", "1", bad)
        compat.same_error("ZRANGEBYSCORE", "z", bad, "1")
        compat.same_error("ZREMRANGEBYSCORE", "z", "1", bad)
        compat.same_error("ZRANGE", "z", bad, "1", "BYSCORE")
    # The range is parsed before the key is looked up.
    compat.same("SET", "s", "x")
    compat.same_error("ZCOUNT", "s", "x", "1")
    compat.same_error("ZCOUNT", "s", "0", "1")
    compat.same("ZCOUNT", "nokey", "0", "1")


LEX_BOUNDS = ["-", "+", "[a", "(a", "[b", "(b", "[e", "(e", "[ee", "(", "[", "[\xff", "(\xff",
              "[zz", "(0", "-\x00x", "+\x00"]


@pytest.mark.parametrize("lo", LEX_BOUNDS)
def test_zlexcount_bounds(compat, lo):
    lex_sample(compat)
    for hi in ("+", "-", "[c", "(c", "[ee", "(ee", "[", "(", "[\xff", "(zz"):
        compat.same("ZLEXCOUNT", "l", lo, hi)
        compat.same("ZRANGEBYLEX", "l", lo, hi)
        compat.same("ZREVRANGEBYLEX", "l", hi, lo)


def test_lex_bound_errors(compat):
    lex_sample(compat)
    for bad in ("a", "", "+a", "-a", "{a", "++", "--", "1"):
        compat.same_error("ZLEXCOUNT", "l", bad, "+")
        compat.same_error("ZLEXCOUNT", "l", "-", bad)
        compat.same_error("ZRANGEBYLEX", "l", bad, "+")
        compat.same_error("ZREMRANGEBYLEX", "l", "-", bad)
        compat.same_error("ZRANGE", "l", bad, "+", "BYLEX")
    compat.same("SET", "s", "x")
    compat.same_error("ZLEXCOUNT", "s", "a", "+")
    compat.same_error("ZLEXCOUNT", "s", "-", "+")
    compat.same("ZLEXCOUNT", "nokey", "-", "+")


# --- ZRANGE and friends ----------------------------------------------------------------------

INDEXES = ["0", "1", "2", "-1", "-2", "-9", "9", "100", "-100", LLONG_MAX, LLONG_MIN]


@pytest.mark.parametrize("start", INDEXES)
def test_zrange_by_rank(compat, start):
    sample(compat)
    for end in INDEXES:
        compat.same("ZRANGE", "z", start, end)
        compat.same("ZRANGE", "z", start, end, "WITHSCORES")
        compat.same("ZRANGE", "z", start, end, "REV", "WITHSCORES")
        compat.same("ZREVRANGE", "z", start, end, "WITHSCORES")


def test_zrange_missing_key_and_options(compat):
    compat.same("ZRANGE", "nokey", "0", "-1")
    compat.same("ZRANGE", "nokey", "0", "-1", "WITHSCORES")
    compat.same("ZRANGEBYSCORE", "nokey", "-inf", "inf")
    compat.same("ZRANGEBYLEX", "nokey", "-", "+")
    sample(compat)
    compat.same("ZRANGE", "z", "0", "-1", "withscores", "WITHSCORES")
    compat.same("ZRANGE", "z", "(1", "5", "BYSCORE", "WITHSCORES", "LIMIT", "1", "2")
    compat.same("ZRANGE", "z", "5", "(1", "byscore", "rev", "limit", "0", "2", "withscores")
    compat.same("ZRANGE", "z", "0", "-1", "REV")
    compat.same("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1")    # -1 is "no limit": accepted
    compat.same("ZRANGE", "z", "0", "-1", "LIMIT", "5", "-1", "WITHSCORES")


def test_zrange_option_errors(compat):
    sample(compat)
    for args in (("ZRANGE", "z", "0", "-1", "REV", "REV"),
                 ("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"),
                 ("ZRANGE", "z", "0", "-1", "BYSCORE", "BYSCORE"),
                 ("ZRANGE", "z", "0", "-1", "LIMIT", "0"),
                 ("ZRANGE", "z", "0", "-1", "LIMIT"),
                 ("ZRANGE", "z", "0", "-1", "FOO"),
                 ("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
                 ("ZRANGE", "z", "0", "-1", "LIMIT", "x", "1", "BYSCORE"),
                 ("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1.5", "BYSCORE"),
                 ("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
                 ("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "0", "1", "WITHSCORES"),
                 ("ZRANGE", "z", "a", "-1"), ("ZRANGE", "z", "0", "1.0"),
                 ("ZRANGE", "z", "0", "99999999999999999999"),
                 ("ZRANGE", "z", "x", "-1", "LIMIT", "0", "1"),
                 ("ZRANGE", "z", "x", "y", "FOO"),
                 ("ZREVRANGE", "z", "0", "-1", "REV"),
                 ("ZREVRANGE", "z", "0", "-1", "BYSCORE"),
                 ("ZREVRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
                 ("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"),
                 ("ZRANGEBYSCORE", "z", "0", "1", "REV"),
                 ("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "0"),
                 ("ZRANGEBYSCORE", "z", "0", "1", "BYLEX"),
                 ("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"),
                 ("ZRANGEBYLEX", "z", "-", "+", "BYLEX"),
                 ("ZREVRANGEBYLEX", "z", "+", "-", "REV"),
                 ("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"),
                 ("ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1"),
                 ("ZRANGESTORE", "d", "z", "x", "1", "BYSCORE")):
        compat.same_error(*args)


@pytest.mark.parametrize("limit", [("0", "1"), ("0", "-1"), ("1", "3"), ("2", "0"), ("-1", "2"),
                                   ("-5", "-1"), ("8", "5"), ("9", "-1"), ("10", "1"),
                                   ("3", "-7"), ("0", LLONG_MAX), (LLONG_MAX, "1")])
def test_limit_by_score_and_lex(compat, limit):
    sample(compat)
    lex_sample(compat)
    off, cnt = limit
    compat.same("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", off, cnt)
    compat.same("ZRANGEBYSCORE", "z", "(0", "3", "LIMIT", off, cnt)
    compat.same("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", off, cnt, "WITHSCORES")
    compat.same("ZREVRANGEBYSCORE", "z", "3", "(0", "LIMIT", off, cnt)
    compat.same("ZRANGE", "z", "(0", "3", "BYSCORE", "LIMIT", off, cnt)
    compat.same("ZRANGE", "z", "3", "(0", "BYSCORE", "REV", "LIMIT", off, cnt)
    compat.same("ZRANGEBYLEX", "l", "-", "+", "LIMIT", off, cnt)
    compat.same("ZRANGEBYLEX", "l", "(a", "[f", "LIMIT", off, cnt)
    compat.same("ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", off, cnt)
    compat.same("ZREVRANGEBYLEX", "l", "[f", "(a", "LIMIT", off, cnt)
    compat.same("ZRANGE", "l", "[f", "(a", "BYLEX", "REV", "LIMIT", off, cnt)
    compat.same("ZRANGESTORE", "d", "z", "(0", "3", "BYSCORE", "LIMIT", off, cnt)
    dump(compat, "d")


def test_zrangestore(compat):
    sample(compat)
    compat.same("ZRANGESTORE", "d", "z", "0", "2")
    dump(compat, "d")
    compat.same("ZRANGESTORE", "d", "z", "0", "2", "REV")
    dump(compat, "d")
    compat.same("ZRANGESTORE", "d", "z", "(1", "inf", "BYSCORE")
    dump(compat, "d")
    compat.same("ZRANGESTORE", "d", "z", "inf", "(1", "BYSCORE", "REV", "LIMIT", "1", "2")
    dump(compat, "d")
    lex_sample(compat)
    compat.same("ZRANGESTORE", "d", "l", "[b", "(f", "BYLEX")
    dump(compat, "d")
    compat.same("ZRANGESTORE", "d", "l", "(f", "[b", "BYLEX", "REV")
    dump(compat, "d")
    # An empty result deletes the destination; a string destination is overwritten.
    compat.same("ZRANGESTORE", "d", "z", "5", "1")
    dump(compat, "d")
    compat.same("SET", "d", "x", "EX", "100")
    compat.same("ZRANGESTORE", "d", "z", "0", "0")
    dump(compat, "d")
    compat.same("TTL", "d")
    compat.same("ZRANGESTORE", "d", "nokey", "0", "-1")
    dump(compat, "d")
    compat.same("ZRANGESTORE", "z", "z", "1", "2")
    dump(compat, "z")


# --- ZREMRANGEBY* ---------------------------------------------------------------------------

@pytest.mark.parametrize("rng", [("0", "0"), ("1", "2"), ("-2", "-1"), ("-100", "100"), ("5", "2"),
                                 ("9", "20"), ("10", "20"), ("-1", "-100"), (LLONG_MIN, LLONG_MAX)])
def test_zremrangebyrank(compat, rng):
    sample(compat)
    compat.same("ZREMRANGEBYRANK", "z", *rng)
    dump(compat, "z")


@pytest.mark.parametrize("rng", [("-inf", "inf"), ("(1", "3"), ("1", "(3"), ("0", "0"), ("(0", "(0"),
                                 ("5", "1"), ("inf", "inf"), ("-inf", "(-inf"), ("", "")])
def test_zremrangebyscore(compat, rng):
    sample(compat)
    compat.same("ZREMRANGEBYSCORE", "z", *rng)
    dump(compat, "z")


@pytest.mark.parametrize("rng", [("-", "+"), ("[a", "[c"), ("(a", "(c"), ("[b", "[b"), ("+", "-"),
                                 ("(e", "+"), ("-", "(b"), ("[", "[a"), ("[zz", "+")])
def test_zremrangebylex(compat, rng):
    lex_sample(compat)
    compat.same("ZREMRANGEBYLEX", "l", *rng)
    dump(compat, "l")


def test_zremrange_errors_and_missing(compat):
    compat.same("ZREMRANGEBYRANK", "nokey", "0", "-1")
    compat.same("ZREMRANGEBYSCORE", "nokey", "-inf", "inf")
    compat.same("ZREMRANGEBYLEX", "nokey", "-", "+")
    compat.same_error("ZREMRANGEBYRANK", "nokey", "a", "1")
    compat.same_error("ZREMRANGEBYRANK", "nokey", "0", "1.5")
    compat.same_error("ZREMRANGEBYSCORE", "nokey", "x", "1")
    compat.same_error("ZREMRANGEBYLEX", "nokey", "x", "+")
    compat.same("SET", "s", "x")
    compat.same_error("ZREMRANGEBYRANK", "s", "x", "1")   # parsed before the type check
    compat.same_error("ZREMRANGEBYRANK", "s", "0", "1")


# --- pops ------------------------------------------------------------------------------------

def test_zpopmin_zpopmax(compat):
    sample(compat)
    compat.same("ZPOPMIN", "z")
    compat.same("ZPOPMAX", "z")
    compat.same("ZPOPMIN", "z", "1")
    compat.same("ZPOPMAX", "z", "2")
    compat.same("ZPOPMIN", "z", "0")
    compat.same("ZPOPMAX", "z", "100")
    compat.same("EXISTS", "z")
    compat.same("ZPOPMIN", "z")
    compat.same("ZPOPMIN", "z", "0")
    compat.same("ZPOPMAX", "z", "3")


def test_zpop_errors(compat):
    compat.same("ZADD", "z", "1", "a")
    for count in ("-1", "abc", "1.5", "", "99999999999999999999", LLONG_MIN):
        compat.same_error("ZPOPMIN", "z", count)
        compat.same_error("ZPOPMAX", "nokey", count)
    compat.same_error("ZPOPMIN", "z", "1", "2")
    compat.same_error("ZPOPMIN", "z", "x", "2")
    compat.same("ZPOPMIN", "z", LLONG_MAX)


def test_zmpop(compat):
    sample(compat)
    compat.same("ZMPOP", "1", "z", "MIN")
    compat.same("ZMPOP", "1", "z", "max")
    compat.same("ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "3")
    compat.same("ZMPOP", "1", "z", "MAX", "count", "2")
    compat.same("ZMPOP", "3", "nokey", "nokey2", "nokey3", "MIN")
    compat.same("ZMPOP", "1", "z", "MIN", "COUNT", "100")
    compat.same("EXISTS", "z")
    compat.same("ZMPOP", "1", "z", "MIN")


def test_zmpop_errors(compat):
    compat.same("ZADD", "z", "1", "a")
    for args in (("0", "z", "MIN"), ("-1", "z", "MIN"), ("x", "z", "MIN"), ("2", "z", "MIN"),
                 ("1", "z", "MID"), ("1", "z", "MIN", "COUNT"), ("1", "z", "MIN", "COUNT", "0"),
                 ("1", "z", "MIN", "COUNT", "-1"), ("1", "z", "MIN", "COUNT", "x"),
                 ("1", "z", "MIN", "COUNT", "1", "COUNT", "1"), ("1", "z", "MIN", "FOO"),
                 ("1", "z", "MIN", "COUNT", "1", "x"), (LLONG_MAX, "z", "MIN"),
                 ("5", "a", "b", "MIN")):
        compat.same_error("ZMPOP", *args)
    compat.same("ZCARD", "z")


def test_blocking_pops_served_at_once(compat):
    sample(compat)
    compat.same("BZPOPMIN", "nokey", "z", "0")
    compat.same("BZPOPMAX", "z", "nokey", "0.5")
    compat.same("BZMPOP", "0", "1", "z", "MIN")
    compat.same("BZMPOP", "1", "2", "nokey", "z", "MAX", "COUNT", "3")
    compat.same("BZMPOP", "0", "1", "z", "MAX", "COUNT", "100")
    compat.same("EXISTS", "z")


def test_blocking_pop_errors(compat):
    compat.same("ZADD", "z", "1", "a")
    for t in ("-1", "abc", "nan", "", " 1", "-0.5"):
        compat.same_error("BZPOPMIN", "z", t)
        compat.same_error("BZMPOP", t, "1", "z", "MIN")
    compat.same_error("BZMPOP", "0", "0", "z", "MIN")
    compat.same_error("BZMPOP", "x", "0", "z", "MIN")          # numkeys before the timeout
    compat.same_error("BZMPOP", "x", "1", "z", "MIN", "COUNT", "0")
    compat.same_error("BZMPOP", "0", "1", "z", "LEFT")
    compat.same_error("BZMPOP", "0", "2", "z", "MIN")
    compat.same("SET", "s", "x")
    compat.same_error("BZPOPMIN", "s", "x")                    # the timeout first


def test_huge_timeouts_read_as_negative(compat):
    for t in ("1e999", "inf", "9223372036854776", "1e300"):
        compat.same_error("BZPOPMIN", "z", t)


@requires("multi")
def test_blocking_pops_in_multi_time_out(compat):
    compat.same("MULTI")
    compat.same("BZPOPMIN", "nokey", "0")
    compat.same("BZMPOP", "0", "1", "nokey", "MIN")
    compat.same("EXEC")


# --- set operations --------------------------------------------------------------------------

def _algebra_inputs(compat):
    compat.same("ZADD", "z1", "1", "a", "2", "b", "3", "c", "inf", "i", "-inf", "n", "0.1", "p")
    compat.same("ZADD", "z2", "10", "b", "20", "c", "30", "d", "-inf", "i", "inf", "n", "0.2", "p")
    compat.same("ZADD", "z3", "0.3", "p", "5", "c", "7", "x")
    compat.same("SADD", "s1", "a", "c", "x", "y")


ALGEBRA_OPTIONS = [(), ("WEIGHTS", "2", "3"), ("WEIGHTS", "0", "1"), ("WEIGHTS", "-1", "inf"),
                   ("AGGREGATE", "MIN"), ("AGGREGATE", "max"), ("aggregate", "sum"),
                   ("WEIGHTS", "1", "-1", "AGGREGATE", "MAX"), ("AGGREGATE", "MIN", "AGGREGATE", "SUM"),
                   ("WEIGHTS", "1", "2", "WEIGHTS", "3", "4"), ("WEIGHTS", "0x10", "1e-2")]


@pytest.mark.parametrize("opts", ALGEBRA_OPTIONS)
def test_zunion_zinter(compat, opts):
    _algebra_inputs(compat)
    for keys in (("z1", "z2"), ("z1", "s1"), ("s1", "z3"), ("z2", "nokey"), ("z1", "z1")):
        for cmd in ("ZUNION", "ZINTER"):
            compat.same(cmd, "2", *(keys + opts))
            compat.same(cmd, "2", *(keys + opts + ("WITHSCORES",)))
            compat.same(cmd, "2", *(keys + ("WITHSCORES",) + opts))
        for cmd in ("ZUNIONSTORE", "ZINTERSTORE"):
            compat.same(cmd, "dst", "2", *(keys + opts))
            dump(compat, "dst")


def test_float_sums_follow_redis_order(compat):
    # Sums are accumulated smallest input first: the order changes the last bits.
    compat.same("ZADD", "a", "0.1", "m")
    compat.same("ZADD", "b", "0.2", "m", "1", "x")
    compat.same("ZADD", "c", "0.3", "m", "1", "x", "2", "y")
    compat.same("ZADD", "d", "0.7", "m", "1", "q")
    for keys in (("a", "b", "c"), ("c", "b", "a"), ("b", "c", "a"), ("a", "d", "b"),
                 ("d", "a", "c", "b")):
        compat.same("ZUNION", str(len(keys)), *(keys + ("WITHSCORES",)))
        compat.same("ZINTER", str(len(keys)), *(keys + ("WITHSCORES",)))
        compat.same("ZINTER", str(len(keys)), *(keys + ("WITHSCORES", "WEIGHTS") + ("3",) * len(keys)))


def test_zinter_inf_weights(compat):
    compat.same("ZADD", "z1", "inf", "a", "0", "b", "-inf", "c", "1", "d")
    compat.same("ZADD", "z2", "-inf", "a", "inf", "b", "-inf", "c", "0", "d")
    for opts in ((), ("WEIGHTS", "0", "1"), ("WEIGHTS", "1", "0"), ("AGGREGATE", "MIN"),
                 ("AGGREGATE", "MAX", "WEIGHTS", "0", "0"), ("WEIGHTS", "-inf", "inf")):
        compat.same("ZINTER", "2", "z1", "z2", "WITHSCORES", *opts)
        compat.same("ZUNION", "2", "z1", "z2", "WITHSCORES", *opts)


def test_zdiff(compat):
    _algebra_inputs(compat)
    for keys in (("z1",), ("z1", "z2"), ("z2", "z1"), ("z1", "s1"), ("s1", "z1"), ("s1", "z3", "z2"),
                 ("nokey", "z1"), ("z1", "nokey"), ("z1", "z1"), ("z3", "z1", "z2")):
        compat.same("ZDIFF", str(len(keys)), *keys)
        compat.same("ZDIFF", str(len(keys)), *(keys + ("WITHSCORES",)))
        compat.same("ZDIFFSTORE", "dst", str(len(keys)), *keys)
        dump(compat, "dst")


def test_zintercard(compat):
    _algebra_inputs(compat)
    for keys in (("z1",), ("z1", "z2"), ("z1", "s1"), ("s1", "z3", "z2"), ("z1", "nokey")):
        compat.same("ZINTERCARD", str(len(keys)), *keys)
        for limit in ("0", "1", "2", "100"):
            compat.same("ZINTERCARD", str(len(keys)), *(keys + ("LIMIT", limit)))
    compat.same("ZINTERCARD", "1", "z1", "LIMIT", "1", "LIMIT", "0")


def test_set_operation_errors(compat):
    _algebra_inputs(compat)
    compat.same("SET", "str", "x")
    for cmd, first in (("ZUNION", ()), ("ZINTER", ()), ("ZDIFF", ()), ("ZINTERCARD", ()),
                       ("ZUNIONSTORE", ("d",)), ("ZINTERSTORE", ("d",)), ("ZDIFFSTORE", ("d",))):
        for args in (("0", "z1"), ("-1", "z1"), ("x", "z1"), ("3", "z1", "z2"), (LLONG_MAX, "z1"),
                     ("1", "z1", "FOO"), ("1", "z1", "WEIGHTS"), ("2", "z1", "z2", "WEIGHTS", "1"),
                     ("2", "z1", "z2", "WEIGHTS", "1", "x"), ("2", "z1", "z2", "WEIGHTS", "1", "nan"),
                     ("1", "z1", "AGGREGATE"), ("1", "z1", "AGGREGATE", "AVG"),
                     ("1", "z1", "LIMIT", "1"), ("1", "z1", "LIMIT", "-1"), ("1", "z1", "LIMIT", "x"),
                     ("1", "z1", "WITHSCORES", "x"), ("2", "str", "z1", "FOO"),
                     ("2", "z1", "str"), ("1", "z1", "WEIGHTS", "1", "WITHSCORES", "WITHSCORES")):
            m, r = compat.both(cmd, *(first + args))
            assert m == r, (cmd, first, args, m, r)
    compat.same("EXISTS", "d")


def test_store_overwrites_and_deletes(compat):
    _algebra_inputs(compat)
    compat.same("SET", "dst", "x", "EX", "100")
    compat.same("ZUNIONSTORE", "dst", "2", "z1", "s1")
    dump(compat, "dst")
    compat.same("TTL", "dst")
    compat.same("ZINTERSTORE", "dst", "2", "z1", "nokey")
    dump(compat, "dst")
    compat.same("ZDIFFSTORE", "z1", "2", "z1", "z2")
    dump(compat, "z1")
    compat.same("ZUNIONSTORE", "dst", "1", "nokey")
    compat.same("EXISTS", "dst")


# --- ZRANDMEMBER ---------------------------------------------------------------------------

def test_zrandmember_deterministic_cases(compat):
    compat.same("ZRANDMEMBER", "nokey")
    compat.same("ZRANDMEMBER", "nokey", "5")
    compat.same("ZRANDMEMBER", "nokey", "-5", "WITHSCORES")
    sample(compat)
    compat.same("ZRANDMEMBER", "z", "0")
    compat.same("ZRANDMEMBER", "z", "0", "WITHSCORES")
    # Asking for at least the whole set returns it, from the highest score down.
    compat.same("ZRANDMEMBER", "z", "10")
    compat.same("ZRANDMEMBER", "z", "100", "WITHSCORES")
    with config(compat, "zset-max-listpack-entries", "0"):
        compat.same("ZADD", "big", "1", "a", "2", "b", "3", "c")
        compat.same("ZRANDMEMBER", "big", "3", "WITHSCORES")
    compat.same("ZADD", "one", "1.5", "x")
    compat.same("ZRANDMEMBER", "one")
    compat.same("ZRANDMEMBER", "one", "-3", "WITHSCORES")
    compat.same("ZRANDMEMBER", "one", "1", "WITHSCORES")


def test_zrandmember_random_cases(compat):
    sample(compat)
    members = {b"a", b"b", b"c", b"cc", b"d", b"e", b"f", b"g", b"h", b"i"}
    for args in (("ZRANDMEMBER", "z"), ("ZRANDMEMBER", "z", "1"), ("ZRANDMEMBER", "z", "3"),
                 ("ZRANDMEMBER", "z", "9"), ("ZRANDMEMBER", "z", "-20"),
                 ("ZRANDMEMBER", "z", "1", "WITHSCORES"), ("ZRANDMEMBER", "z", "4", "WITHSCORES"),
                 ("ZRANDMEMBER", "z", "-4", "withscores")):
        m, _ = same_shape(compat, *args)
        v = m.plain()
        if len(args) == 2:
            names = [v]
        elif len(args) == 3:
            names = v
        else:
            names = [p[0] for p in v] if compat.proto == 3 else v[::2]
        assert set(names) <= members, (args, m)
        if int(args[2] if len(args) > 2 else 1) > 0:
            assert len(set(names)) == len(names), (args, m)


def test_zrandmember_errors(compat):
    sample(compat)
    for args in (("x",), ("1.5",), ("",), (LLONG_MIN,), (LLONG_MIN, "WITHSCORES"),
                 ("1", "WITHSCORE"), ("1", "WITHSCORES", "x"), ("x", "y"),
                 ("4611686018427387904", "WITHSCORES"), ("-4611686018427387904", "WITHSCORES"),
                 ("99999999999999999999",)):
        compat.same_error("ZRANDMEMBER", "z", *args)
        compat.same_error("ZRANDMEMBER", "nokey", *args)
    compat.same("ZRANDMEMBER", "nokey", "4611686018427387903", "WITHSCORES")
    compat.same("ZRANDMEMBER", "nokey", "-4611686018427387903", "WITHSCORES")
    compat.same("ZRANDMEMBER", "nokey", "-" + LLONG_MAX)


# --- ZSCAN --------------------------------------------------------------------------------

def test_zscan_listpack_whole(compat):
    sample(compat)
    compat.same("ZSCAN", "z", "0")
    compat.same("ZSCAN", "z", "123")
    compat.same("ZSCAN", "z", "0", "COUNT", "1")
    compat.same("ZSCAN", "z", "0", "MATCH", "c*")
    compat.same("ZSCAN", "z", "0", "MATCH", "*", "COUNT", "2")
    compat.same("ZSCAN", "z", "0", "MATCH", "nothing", "MATCH", "[ab]")
    compat.same("ZSCAN", "nokey", "0")
    compat.same("ZSCAN", "nokey", "0", "COUNT", "0")


def test_zscan_errors(compat):
    sample(compat)
    for args in (("x",), ("-", ), ("1.5",), ("18446744073709551616",), ("0", "COUNT", "0"),
                 ("0", "COUNT", "-1"), ("0", "COUNT", "x"), ("0", "COUNT"), ("0", "MATCH"),
                 ("0", "TYPE", "zset"), ("0", "FOO", "bar")):
        compat.same_error("ZSCAN", "z", *args)
    compat.same("ZSCAN", "z", "18446744073709551615")
    compat.same("ZSCAN", "z", "-1")


def test_zscan_skiplist_complete(compat):
    members = set()
    for i in range(300):
        members.add(("m%d" % i).encode())
        compat.m.cmd("ZADD", "big", i * 0.5, "m%d" % i)
        compat.r.cmd("ZADD", "big", i * 0.5, "m%d" % i)
    encoding(compat, "big")
    for c in (compat.m, compat.r):
        cursor, seen, rounds = b"0", {}, 0
        while True:
            rounds += 1
            assert rounds < 1000
            reply = c.cmd("ZSCAN", "big", cursor, "COUNT", "20").plain()
            cursor, items = reply
            for i in range(0, len(items), 2):
                seen[items[i]] = items[i + 1]
            if cursor == b"0":
                break
        assert set(seen) == members
        assert all(float(seen[m]) == int(m[1:]) * 0.5 for m in seen)


# --- keyspace hits and misses ----------------------------------------------------------------

def _hits_misses(client):
    info = client.cmd("INFO", "stats").v.decode()
    get = lambda name: int(info.split(name + ":")[1].split("\r\n")[0])  # noqa: E731
    return get("keyspace_hits"), get("keyspace_misses")


def test_lookups_count_like_redis(compat):
    sample(compat)
    compat.same("SADD", "s", "a")
    for cmd in (("ZADD", "z", "1", "a"), ("ZSCORE", "z", "a"), ("ZSCORE", "nokey", "a"),
                ("ZMSCORE", "nokey", "a", "b"), ("ZCARD", "z"), ("ZRANGE", "z", "0", "1"),
                ("ZRANGESTORE", "d", "z", "0", "1"), ("ZRANGESTORE", "d", "nokey", "0", "1"),
                ("ZUNIONSTORE", "d", "2", "z", "nokey"), ("ZINTER", "2", "z", "s"),
                ("ZINTERCARD", "1", "z"), ("ZDIFFSTORE", "d", "2", "z", "nokey"),
                ("ZRANDMEMBER", "z", "0"), ("ZRANDMEMBER", "nokey", "2"), ("ZSCAN", "z", "0"),
                ("ZSCAN", "nokey", "0"), ("ZPOPMIN", "nokey"), ("ZMPOP", "1", "nokey", "MIN"),
                ("ZREMRANGEBYRANK", "nokey", "0", "1"), ("ZREM", "nokey", "a"),
                ("ZINCRBY", "z", "1", "a"), ("ZRANK", "z", "a"), ("ZCOUNT", "nokey", "0", "1"),
                ("ZLEXCOUNT", "z", "-", "+"), ("BZPOPMIN", "z", "0"), ("ZPOPMAX", "z")):
        before = _hits_misses(compat.m), _hits_misses(compat.r)
        compat.same(*cmd)
        after = _hits_misses(compat.m), _hits_misses(compat.r)
        deltas = [(a[0] - b[0], a[1] - b[1]) for a, b in zip(after, before)]
        assert deltas[0] == deltas[1], (cmd, deltas)

