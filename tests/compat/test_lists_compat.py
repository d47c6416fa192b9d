"""List commands, line by line against the reference redis-server (RESP2 and RESP3).

Every command of the group, with its edge cases and errors; the blocking
commands here only where they answer at once (data present, argument errors,
a short timeout) -- waking up is tested in tests/commands/test_list_blocking.py.
"""

import random

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import requires  # noqa: E402

LLONG_MAX = str(2 ** 63 - 1)
LLONG_MIN = str(-(2 ** 63))

LIST_COMMANDS = ("lpush", "rpush", "lpushx", "rpushx", "lpop", "rpop", "llen", "lrange",
                 "lindex", "lset", "linsert", "lrem", "ltrim", "lpos", "lmove", "rpoplpush",
                 "lmpop", "blpop", "brpop", "blmove", "brpoplpush", "blmpop")


def fill(compat, key, *elements):
    compat.same("DEL", key)
    if elements:
        compat.same("RPUSH", key, *elements)


def test_command_info_and_docs(compat):
    for name in LIST_COMMANDS:
        compat.same("COMMAND", "INFO", name)
    compat.same("COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT")
    compat.same("COMMAND", "GETKEYS", "BLMOVE", "a", "b", "LEFT", "RIGHT", "0")


def test_push_and_len(compat):
    compat.same("LLEN", "l")
    compat.same("LPUSH", "l", "a")
    compat.same("LPUSH", "l", "b", "c", "d")
    compat.same("RPUSH", "l", "e", "f")
    compat.same("RPUSH", "l", "", "\x00\xff\r\n")
    compat.same("LRANGE", "l", "0", "-1")
    compat.same("LLEN", "l")
    compat.same("TYPE", "l")
    compat.same("OBJECT", "ENCODING", "l")
    compat.same("LPUSHX", "l", "x", "y")
    compat.same("RPUSHX", "l", "z")
    compat.same("LPUSHX", "nokey", "x")
    compat.same("RPUSHX", "nokey", "x", "y")
    compat.same("EXISTS", "nokey")
    compat.same("LRANGE", "l", "0", "-1")
    # Numbers are kept as their text.
    compat.same("RPUSH", "n", "1", "-0", "01", "1.50", LLONG_MAX, "99999999999999999999")
    compat.same("LRANGE", "n", "0", "-1")
    compat.same("OBJECT", "ENCODING", "n")


def test_push_errors(compat):
    compat.same("SET", "s", "v")
    for cmd in ("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"):
        compat.same_error(cmd, "s", "x")
        compat.same_error(cmd, "k")
        compat.same_error(cmd)
    compat.same("GET", "s")
    compat.same("EXISTS", "k")


def test_pop(compat):
    fill(compat, "l", "a", "b", "c", "d", "e")
    compat.same("LPOP", "l")
    compat.same("RPOP", "l")
    compat.same("LPOP", "l", "0")
    compat.same("LPOP", "l", "1")
    compat.same("RPOP", "l", "1")
    compat.same("LRANGE", "l", "0", "-1")
    compat.same("RPOP", "l", "5")
    compat.same("EXISTS", "l")
    fill(compat, "l", "a", "b", "c", "d", "e")
    compat.same("LPOP", "l", "2")
    compat.same("RPOP", "l", "2")
    compat.same("LPOP", "l", LLONG_MAX)
    compat.same("EXISTS", "l")
    fill(compat, "l", "a")
    compat.same("RPOP", "l")
    compat.same("EXISTS", "l")


def test_pop_missing_and_errors(compat):
    # A missing key: null bulk without count, null array with one (even 0).
    for cmd in ("LPOP", "RPOP"):
        compat.same(cmd, "nokey")
        compat.same(cmd, "nokey", "0")
        compat.same(cmd, "nokey", "3")
        compat.same_error(cmd, "nokey", "-1")
        compat.same_error(cmd, "nokey", "abc")
        compat.same_error(cmd, "nokey", "1.5")
        compat.same_error(cmd, "nokey", "99999999999999999999")
        compat.same_error(cmd, "nokey", "1", "2")
        compat.same_error(cmd)
    compat.same("SET", "s", "v")
    fill(compat, "l", "a", "b")
    for cmd in ("LPOP", "RPOP"):
        compat.same_error(cmd, "s")
        compat.same_error(cmd, "s", "0")
        compat.same_error(cmd, "s", "-1")
        compat.same_error(cmd, "l", "-1")
        compat.same_error(cmd, "l", "x")
        compat.same_error(cmd, "l", "1", "2")
    compat.same("LRANGE", "l", "0", "-1")


def test_lrange(compat):
    fill(compat, "l", *"abcdefghij")
    spans = [(0, -1), (0, 0), (-1, -1), (2, 5), (-3, -1), (-100, 100), (5, 2), (10, 20),
             (9, 9), (-11, 0), (-10, -10), (3, -8), (0, -11), (-1, 0), (LLONG_MIN, LLONG_MAX),
             (LLONG_MAX, LLONG_MIN), (8, -1), (-2, 100)]
    for start, stop in spans:
        compat.same("LRANGE", "l", str(start), str(stop))
    compat.same("LRANGE", "nokey", "0", "-1")
    compat.same_error("LRANGE", "nokey", "a", "1")
    compat.same_error("LRANGE", "l", "0", "1.0")
    compat.same_error("LRANGE", "l", "0", "99999999999999999999")
    compat.same("SET", "s", "v")
    compat.same_error("LRANGE", "s", "0", "1")
    # Bad numbers are found before the key's type.
    compat.same_error("LRANGE", "s", "x", "1")
    compat.same_error("LRANGE", "l", "0")


def test_lindex(compat):
    fill(compat, "l", "a", "b", "c")
    for i in ("0", "1", "2", "3", "-1", "-3", "-4", LLONG_MAX, LLONG_MIN):
        compat.same("LINDEX", "l", i)
    compat.same("LINDEX", "nokey", "0")
    # The key is looked up first: a missing key answers null even for a bad index.
    compat.same("LINDEX", "nokey", "abc")
    compat.same_error("LINDEX", "l", "abc")
    compat.same_error("LINDEX", "l", "1.0")
    compat.same("SET", "s", "v")
    compat.same_error("LINDEX", "s", "0")
    compat.same_error("LINDEX", "s", "abc")
    compat.same_error("LINDEX", "l")


def test_lset(compat):
    fill(compat, "l", "a", "b", "c")
    compat.same("LSET", "l", "0", "x")
    compat.same("LSET", "l", "-1", "z")
    compat.same("LSET", "l", "1", "")
    compat.same("LRANGE", "l", "0", "-1")
    for i in ("3", "-4", LLONG_MAX, LLONG_MIN):
        compat.same_error("LSET", "l", i, "v")
    compat.same_error("LSET", "l", "abc", "v")
    compat.same_error("LSET", "nokey", "0", "v")
    compat.same_error("LSET", "nokey", "abc", "v")
    compat.same("SET", "s", "v")
    compat.same_error("LSET", "s", "0", "v")
    compat.same_error("LSET", "s", "x", "v")
    compat.same_error("LSET", "l", "0")
    compat.same("LRANGE", "l", "0", "-1")


def test_linsert(compat):
    fill(compat, "l", "a", "b", "a", "c")
    compat.same("LINSERT", "l", "BEFORE", "a", "x")
    compat.same("LINSERT", "l", "after", "a", "y")
    compat.same("LINSERT", "l", "After", "c", "z")
    compat.same("LINSERT", "l", "before", "x", "w")
    compat.same("LINSERT", "l", "BEFORE", "nope", "q")
    compat.same("LRANGE", "l", "0", "-1")
    compat.same("LINSERT", "nokey", "BEFORE", "a", "x")
    compat.same("EXISTS", "nokey")
    compat.same_error("LINSERT", "l", "MIDDLE", "a", "x")
    compat.same_error("LINSERT", "nokey", "MIDDLE", "a", "x")
    compat.same("SET", "s", "v")
    compat.same_error("LINSERT", "s", "BEFORE", "a", "x")
    compat.same_error("LINSERT", "s", "MIDDLE", "a", "x")
    compat.same_error("LINSERT", "l", "BEFORE", "a")


def test_lrem(compat):
    elements = ["a", "b", "a", "c", "a", "b", "a"]
    for count in ("0", "1", "2", "-1", "-2", "10", "-10", LLONG_MAX, LLONG_MIN):
        fill(compat, "l", *elements)
        compat.same("LREM", "l", count, "a")
        compat.same("LRANGE", "l", "0", "-1")
    fill(compat, "l", *elements)
    compat.same("LREM", "l", "0", "nope")
    compat.same("LREM", "l", "0", "a")
    compat.same("LREM", "l", "-1", "b")
    compat.same("LREM", "l", "0", "b")
    compat.same("LRANGE", "l", "0", "-1")
    compat.same("LREM", "l", "1", "c")
    compat.same("EXISTS", "l")
    compat.same("LREM", "nokey", "0", "a")
    compat.same_error("LREM", "nokey", "x", "a")
    compat.same("SET", "s", "v")
    compat.same_error("LREM", "s", "0", "a")
    compat.same_error("LREM", "s", "x", "a")
    compat.same_error("LREM", "l", "0")


def test_lrem_many_matches(compat):
    elements = [random.choice("ab") for _ in range(200)]
    for count in ("5", "-5", "17", "-17", "150", "-150"):
        fill(compat, "l", *elements)
        compat.same("LREM", "l", count, "a")
        compat.same("LRANGE", "l", "0", "-1")


def test_ltrim(compat):
    spans = [(0, -1), (1, -1), (0, -2), (2, 4), (-3, -1), (5, 2), (100, 200), (-100, 100),
             (0, 0), (-1, -1), (9, 9), (10, 10), (-11, -11), (LLONG_MIN, LLONG_MAX),
             (LLONG_MAX, LLONG_MIN), (1, 0)]
    for start, stop in spans:
        fill(compat, "l", *"abcdefghij")
        compat.same("LTRIM", "l", str(start), str(stop))
        compat.same("LRANGE", "l", "0", "-1")
        compat.same("EXISTS", "l")
    compat.same("LTRIM", "nokey", "0", "1")
    compat.same("EXISTS", "nokey")
    compat.same_error("LTRIM", "nokey", "x", "1")
    compat.same("SET", "s", "v")
    compat.same_error("LTRIM", "s", "0", "1")
    compat.same_error("LTRIM", "s", "0", "x")
    compat.same_error("LTRIM", "l", "0")


def test_ltrim_large(compat):
    fill(compat, "l", *[str(i) for i in range(3000)])
    compat.same("LTRIM", "l", "2", "-3")
    compat.same("LTRIM", "l", "1000", "1009")
    compat.same("LRANGE", "l", "0", "-1")


def test_lpos(compat):
    fill(compat, "l", "a", "b", "c", "1", "2", "3", "c", "c", "a", "b")
    cases = [(), ("RANK", "1"), ("RANK", "2"), ("RANK", "3"), ("RANK", "4"), ("RANK", "-1"),
             ("RANK", "-3"), ("RANK", "-4"), ("COUNT", "0"), ("COUNT", "1"), ("COUNT", "2"),
             ("COUNT", "10"), ("RANK", "2", "COUNT", "0"), ("RANK", "-1", "COUNT", "2"),
             ("MAXLEN", "0"), ("MAXLEN", "2"), ("MAXLEN", "3"), ("MAXLEN", "7", "COUNT", "0"),
             ("RANK", "-1", "MAXLEN", "3", "COUNT", "0"), ("rank", "1", "count", "1", "maxlen", "1"),
             ("COUNT", "1", "COUNT", "2"), ("RANK", "3", "RANK", "1"), ("RANK", LLONG_MAX),
             ("RANK", LLONG_MIN), ("RANK", LLONG_MIN, "COUNT", "1"),
             ("RANK", LLONG_MIN, "COUNT", "1", "MAXLEN", "8"),
             ("RANK", str(-(2 ** 63) + 1), "COUNT", "0"), ("COUNT", LLONG_MAX),
             ("MAXLEN", LLONG_MAX)]
    for element in ("c", "a", "z", "1"):
        for opts in cases:
            compat.same("LPOS", "l", element, *opts)


def test_lpos_errors(compat):
    fill(compat, "l", "a", "b")
    bad = [("RANK", "0"), ("RANK", "x"), ("RANK", "1.5"), ("COUNT", "-1"), ("COUNT", "x"),
           ("MAXLEN", "-1"), ("MAXLEN", "x"), ("RANK",), ("COUNT",), ("MAXLEN",), ("FOO",),
           ("FOO", "1"), ("RANK", "1", "FOO"), ("COUNT", "1", "RANK", "0"),
           ("RANK", "0", "COUNT", "-1"), ("COUNT", "-1", "RANK", "0")]
    for key in ("l", "nokey"):
        for opts in bad:
            compat.same_error("LPOS", key, "a", *opts)
    compat.same("LPOS", "nokey", "a")
    compat.same("LPOS", "nokey", "a", "COUNT", "0")
    compat.same("LPOS", "nokey", "a", "RANK", "-1", "MAXLEN", "1")
    compat.same("SET", "s", "v")
    compat.same_error("LPOS", "s", "a")
    compat.same_error("LPOS", "s", "a", "RANK", "0")
    compat.same_error("LPOS", "l")


def test_lmove_and_rpoplpush(compat):
    fill(compat, "a", "1", "2", "3", "4")
    for sides in (("LEFT", "RIGHT"), ("RIGHT", "LEFT"), ("left", "left"), ("Right", "rIGHT")):
        compat.same("LMOVE", "a", "b", *sides)
        compat.same("LRANGE", "a", "0", "-1")
        compat.same("LRANGE", "b", "0", "-1")
    compat.same("EXISTS", "a")
    compat.same("LMOVE", "a", "b", "LEFT", "RIGHT")
    compat.same("RPOPLPUSH", "b", "c")
    compat.same("RPOPLPUSH", "b", "b")
    compat.same("LRANGE", "b", "0", "-1")
    # Moving within one list rotates it; a single element stays.
    fill(compat, "r", "x", "y", "z")
    compat.same("LMOVE", "r", "r", "LEFT", "RIGHT")
    compat.same("RPOPLPUSH", "r", "r")
    compat.same("LRANGE", "r", "0", "-1")
    fill(compat, "one", "x")
    compat.same("LMOVE", "one", "one", "LEFT", "RIGHT")
    compat.same("RPOPLPUSH", "one", "one")
    compat.same("LRANGE", "one", "0", "-1")
    compat.same("LMOVE", "nokey", "b", "LEFT", "RIGHT")
    compat.same("RPOPLPUSH", "nokey", "b")
    compat.same("EXISTS", "nokey")


def test_lmove_errors(compat):
    fill(compat, "a", "1", "2")
    compat.same("SET", "s", "v")
    compat.same_error("LMOVE", "a", "b", "UP", "LEFT")
    compat.same_error("LMOVE", "a", "b", "LEFT", "DOWN")
    compat.same_error("LMOVE", "s", "b", "UP", "LEFT")
    compat.same_error("LMOVE", "s", "b", "LEFT", "RIGHT")
    compat.same_error("LMOVE", "a", "s", "LEFT", "RIGHT")
    compat.same_error("RPOPLPUSH", "s", "b")
    compat.same_error("RPOPLPUSH", "a", "s")
    # A missing source answers null before the destination's type is looked at.
    compat.same("LMOVE", "nokey", "s", "LEFT", "RIGHT")
    compat.same("RPOPLPUSH", "nokey", "s")
    compat.same("LRANGE", "a", "0", "-1")
    compat.same_error("LMOVE", "a", "b", "LEFT")
    compat.same_error("RPOPLPUSH", "a")


def test_lmpop(compat):
    fill(compat, "a", "1", "2", "3", "4", "5")
    fill(compat, "b", "x", "y")
    compat.same("LMPOP", "1", "a", "LEFT")
    compat.same("LMPOP", "1", "a", "RIGHT")
    compat.same("LMPOP", "2", "nokey", "a", "left", "COUNT", "2")
    compat.same("LMPOP", "2", "a", "b", "right", "count", "10")
    compat.same("EXISTS", "a")
    compat.same("LMPOP", "3", "nokey", "a", "b", "LEFT", "COUNT", "1")
    compat.same("LMPOP", "3", "nokey", "a", "b", "LEFT", "COUNT", LLONG_MAX)
    compat.same("LMPOP", "2", "nokey", "b", "LEFT")
    compat.same("LMPOP", "1", "nokey", "LEFT", "COUNT", "3")
    compat.same("LMPOP", "2", "b", "b", "LEFT")


def test_lmpop_errors(compat):
    fill(compat, "l", "1", "2")
    compat.same("SET", "s", "v")
    bad = [("0", "l", "LEFT"), ("-1", "l", "LEFT"), ("abc", "l", "LEFT"), ("2", "l", "LEFT"),
           ("3", "l", "LEFT"), ("1", "l", "MIDDLE"), ("1", "l", "LEFT", "COUNT", "0"),
           ("1", "l", "LEFT", "COUNT", "-1"), ("1", "l", "LEFT", "COUNT", "x"),
           ("1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), ("1", "l", "LEFT", "COUNT"),
           ("1", "l", "LEFT", "FOO"), ("1", "l", "LEFT", "FOO", "1"), ("1", "l"), (LLONG_MAX, "l", "LEFT"),
           ("1", "s", "LEFT"), ("2", "nokey", "s", "LEFT"), ("1", "s", "UP"),
           ("1", "s", "LEFT", "COUNT", "0"), ("1",)]
    for args in bad:
        compat.same_error("LMPOP", *args)
    # The first non-empty list is served before a later key's type is checked.
    compat.same("LMPOP", "2", "l", "s", "LEFT")
    compat.same("LRANGE", "l", "0", "-1")


def test_wrongtype_reads(compat):
    compat.same("SET", "s", "v")
    compat.same_error("LLEN", "s")
    compat.same_error("LRANGE", "s", "0", "-1")
    compat.same_error("LINDEX", "s", "0")
    compat.same_error("LPOS", "s", "v")
    compat.same_error("LLEN")
    compat.same_error("LLEN", "s", "x")


def test_expired_list_is_gone(compat):
    fill(compat, "l", "a", "b")
    compat.same("PEXPIREAT", "l", "1")
    compat.same("LLEN", "l")
    compat.same("LPUSHX", "l", "x")
    compat.same("LPUSH", "l", "x")
    compat.same("TTL", "l")
    fill(compat, "l", "a", "b")
    compat.same("EXPIRE", "l", "100")
    compat.same("RPUSH", "l", "c")
    compat.same("LPOP", "l")
    compat.same("LSET", "l", "0", "z")
    compat.same("TTL", "l")


def test_generic_commands_on_lists(compat):
    fill(compat, "l", "a", "b", "c")
    compat.same("TYPE", "l")
    compat.same("COPY", "l", "copy")
    compat.same("RPUSH", "copy", "d")
    compat.same("LRANGE", "l", "0", "-1")
    compat.same("LRANGE", "copy", "0", "-1")
    compat.same("RENAME", "copy", "moved")
    compat.same("LRANGE", "moved", "0", "-1")
    compat.same("OBJECT", "ENCODING", "moved")
    compat.same_error("GET", "l")
    compat.same_error("APPEND", "l", "x")
    compat.same("SET", "l", "now a string")
    compat.same("GET", "l")


# --- blocking commands that answer at once ----------------------------------------------

def test_blocking_pops_served_at_once(compat):
    fill(compat, "a", "1", "2", "3")
    fill(compat, "b", "x", "y")
    compat.same("BLPOP", "nokey", "a", "b", "0")
    compat.same("BRPOP", "nokey", "a", "b", "0")
    compat.same("BRPOP", "b", "a", "1")
    compat.same("BLPOP", "a", "0.5")
    compat.same("EXISTS", "a")
    compat.same("BLPOP", "a", "b", "0")
    compat.same("EXISTS", "b")
    fill(compat, "a", "1", "2", "3")
    compat.same("BLMPOP", "0", "2", "nokey", "a", "LEFT", "COUNT", "2")
    compat.same("BLMPOP", "0", "1", "a", "RIGHT", "COUNT", "5")
    fill(compat, "a", "1", "2", "3")
    compat.same("BLMPOP", "1", "1", "a", "RIGHT")
    compat.same("BLMOVE", "a", "c", "LEFT", "RIGHT", "0")
    compat.same("BRPOPLPUSH", "a", "c", "0")
    compat.same("BRPOPLPUSH", "c", "c", "0")
    compat.same("LRANGE", "c", "0", "-1")
    compat.same("EXISTS", "a")
    # The list found first is served even when a later key has another type.
    compat.same("SET", "s", "v")
    fill(compat, "a", "1")
    compat.same("BLPOP", "a", "s", "0")


def test_blocking_timeouts(compat):
    compat.same("BLPOP", "nokey", "0.01")
    compat.same("BRPOP", "nokey", "other", "0.01")
    compat.same("BLMPOP", "0.01", "2", "nokey", "other", "LEFT", "COUNT", "2")
    compat.same("BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.01")
    compat.same("BRPOPLPUSH", "nokey", "dst", "0.01")
    compat.same("EXISTS", "dst")
    # A destination of another type does not stop the wait.
    compat.same("SET", "s", "v")
    compat.same("BLMOVE", "nokey", "s", "LEFT", "RIGHT", "0.01")


def test_blocking_errors(compat):
    compat.same("SET", "s", "v")
    fill(compat, "l", "1")
    bad = [("BLPOP", "k", "-1"), ("BLPOP", "k", "abc"), ("BLPOP", "k", ""), ("BLPOP", "k", "1x"),
           ("BRPOP", "k", "-0.5"), ("BLPOP", "s", "0"), ("BLPOP", "nokey", "s", "0"),
           ("BRPOP", "s", "l", "0"), ("BLPOP", "s", "-1"), ("BLPOP", "k"),
           ("BLMPOP", "-1", "0", "k", "LEFT"), ("BLMPOP", "abc", "1", "k", "LEFT"),
           ("BLMPOP", "-1", "1", "k", "MIDDLE"), ("BLMPOP", "-1", "1", "k", "LEFT"),
           ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"), ("BLMPOP", "0", "1", "s", "LEFT"),
           ("BLMPOP", "0", "2", "k", "LEFT"), ("BLMPOP", "0", "1", "k"),
           ("BLMOVE", "a", "b", "LEFT", "UP", "-1"), ("BLMOVE", "a", "b", "LEFT", "RIGHT", "-1"),
           ("BLMOVE", "a", "b", "LEFT", "RIGHT", "x"), ("BLMOVE", "s", "b", "LEFT", "RIGHT", "0"),
           ("BLMOVE", "l", "s", "LEFT", "RIGHT", "0"), ("BLMOVE", "a", "b", "LEFT", "RIGHT"),
           ("BRPOPLPUSH", "a", "b", "-1"), ("BRPOPLPUSH", "a", "b", "xx"),
           ("BRPOPLPUSH", "s", "b", "0"), ("BRPOPLPUSH", "l", "s", "0"), ("BRPOPLPUSH", "a", "b")]
    for args in bad:
        compat.same_error(*args)
    compat.same("LRANGE", "l", "0", "-1")


def test_blocking_timeout_syntax(compat):
    # Timeouts that are valid and small: strtold's spellings.
    for t in ("0.001", ".01", "1e-2", "0x1p-7", "+0.01", "0.0001"):
        compat.same("BLPOP", "nokey", t)


@requires("multi", "exec")
def test_blocking_inside_multi(compat):
    compat.same("MULTI")
    for cmd in (("BLPOP", "nokey", "0"), ("BRPOP", "nokey", "0"),
                ("BLMPOP", "0", "1", "nokey", "LEFT"), ("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"),
                ("BRPOPLPUSH", "nokey", "d", "0"), ("BLPOP", "nokey", "-1")):
        compat.same(*cmd)
    compat.same("EXEC")


# --- random sequences, compared after each step ----------------------------------------

def test_random_list_operations(compat):
    rnd = random.Random(7)
    elements = ["a", "b", "c", "1", "2", ""]
    for _ in range(300):
        k = rnd.choice(["x", "y"])
        i, j = rnd.randint(-8, 8), rnd.randint(-8, 8)
        cmd = rnd.choice([
            ("RPUSH", k, rnd.choice(elements), rnd.choice(elements)),
            ("LPUSH", k, rnd.choice(elements)),
            ("LPOP", k), ("RPOP", k, str(rnd.randint(0, 3))),
            ("LRANGE", k, str(i), str(j)), ("LTRIM", k, str(i), str(j)),
            ("LREM", k, str(rnd.randint(-3, 3)), rnd.choice(elements)),
            ("LINSERT", k, rnd.choice(["BEFORE", "AFTER"]), rnd.choice(elements), "n"),
            ("LPOS", k, rnd.choice(elements), "RANK", str(rnd.choice([1, 2, -1, -2])),
             "COUNT", str(rnd.randint(0, 3)), "MAXLEN", str(rnd.randint(0, 6))),
            ("LINDEX", k, str(i)), ("LSET", k, str(i), "s"),
            ("LMOVE", k, rnd.choice(["x", "y"]), rnd.choice(["LEFT", "RIGHT"]),
             rnd.choice(["LEFT", "RIGHT"])),
            ("LMPOP", "2", "x", "y", rnd.choice(["LEFT", "RIGHT"]), "COUNT", str(rnd.randint(1, 3))),
        ])
        compat.same(*cmd)
        compat.same("LRANGE", k, "0", "-1")


# --- effects: keyspace events and propagation, against Redis' own -----------------------
# Redis' events are read from a PSUBSCRIBE client and its propagation from its
# append-only file; miniredis runs in-process with listeners on its event bus
# (pub/sub and the AOF are other groups' work, and not needed to compare effects).

EFFECT_SCRIPT = [
    ("RPUSH", "a", "1", "2"), ("LPUSHX", "a", "0"), ("RPUSHX", "a", "3"), ("LPUSHX", "nokey", "1"),
    ("LPUSH", "a", "x", "y"), ("LMOVE", "a", "b", "LEFT", "RIGHT"), ("RPOPLPUSH", "b", "a"),
    ("LMOVE", "b", "b", "LEFT", "LEFT"), ("RPUSH", "d", "x"), ("LMOVE", "d", "d", "left", "right"),
    ("LMOVE", "d", "e", "LEFT", "RIGHT"), ("LSET", "a", "0", "z"), ("LINSERT", "a", "BEFORE", "z", "y"),
    ("LINSERT", "a", "BEFORE", "nope", "y"), ("LREM", "a", "0", "nope"), ("LREM", "a", "1", "y"),
    ("LTRIM", "a", "0", "-1"), ("LTRIM", "a", "1", "-1"), ("LTRIM", "a", "1", "0"),
    ("LTRIM", "nokey", "0", "1"), ("RPUSH", "c", "1"), ("LMPOP", "1", "c", "LEFT", "COUNT", "5"),
    ("RPUSH", "c", "1", "2", "3"), ("LPOP", "c", "0"), ("LPOP", "c"), ("RPOP", "c", "5"),
    ("RPOP", "nokey"), ("RPUSH", "c", "1", "2"), ("BLPOP", "nokey", "c", "0"),
    ("BLMPOP", "0", "1", "c", "RIGHT", "COUNT", "3"), ("RPUSH", "c", "1", "2", "3"),
    ("LMPOP", "2", "nokey", "c", "right", "COUNT", "2"), ("BRPOPLPUSH", "c", "e", "0"),
    ("RPUSH", "c", "1", "2"), ("BLMOVE", "c", "e", "left", "LEFT", "0"), ("BRPOP", "c", "0"),
    ("RPUSH", "f", "1", "2", "3"), ("LREM", "f", "0", "2"), ("LREM", "f", "-1", "1"),
    ("LREM", "f", "0", "3"), ("LSET", "e", "-1", "q"), ("LPOP", "e", "10"),
    # Served after blocking: the same effects as at once, after the push that woke them.
    (2, "BLPOP", "w", "0"), ("RPUSH", "w", "1"), (2, "BRPOP", "nokey", "w", "0"),
    ("RPUSH", "w", "1", "2"), ("DEL", "w"), (2, "BLMPOP", "0", "2", "v", "w", "RIGHT", "COUNT", "3"),
    ("LPUSH", "w", "1", "2"), (2, "BRPOPLPUSH", "w", "x", "0"), ("RPUSH", "w", "1"), ("DEL", "x"),
    (2, "BLMOVE", "w", "x", "right", "Left", "0"), ("LPUSH", "w", "1", "2"),
    # A chain: the BLMOVE of client 3 feeds the BLPOP of client 2.
    ("DEL", "w", "x"), (2, "BLPOP", "x", "0"), (3, "BLMOVE", "w", "x", "LEFT", "RIGHT", "0"),
    ("RPUSH", "w", "a", "b"),
]


@pytest.fixture(scope="module")
def aof_redis():
    from support import start_redis
    s = start_redis("--appendonly", "yes", "--appendfsync", "always")
    yield s
    s.stop()


def _aof_commands(client):
    """The commands in the reference server's append-only file (SELECTs left out)."""
    import glob
    import os
    d = client.cmd("CONFIG", "GET", "dir").v[1].v.decode()
    sub = client.cmd("CONFIG", "GET", "appenddirname").v[1].v.decode()
    path = glob.glob(os.path.join(d, sub, "*.incr.aof"))[0]
    with open(path, "rb") as f:
        lines = f.read().split(b"\r\n")
    out, i = [], 0
    while i < len(lines) - 1:
        n = int(lines[i][1:])
        argv = [lines[i + 2 + 2 * j] for j in range(n)]
        i += 1 + 2 * n
        if argv[0].upper() != b"SELECT":
            out.append(argv)
    return out


def _split(step):
    """(client number, command): a step starting with a number runs on that other client."""
    return (step[0], step[1:]) if isinstance(step[0], int) else (1, step)


def _wait_blocked(c, client_id):
    """Until the reference server reports that client as blocked (bounded)."""
    for _ in range(500):
        if b" flags=b " in c.cmd("CLIENT", "LIST", "ID", client_id).v:
            return
    raise AssertionError("client %d did not block" % client_id)


def _redis_effects(port, script):
    from support import RawClient, encode_command
    c, sub = RawClient(port), RawClient(port)
    others = {}
    try:
        c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
        c.cmd("FLUSHALL")
        start = len(_aof_commands(c))
        sub.cmd("PSUBSCRIBE", "__keyevent@*__:*")
        sub.cmd("SUBSCRIBE", "__end__")
        evs = []
        for step in script:
            n, cmd = _split(step)
            if n == 1:
                c.cmd(*cmd)
            else:
                # A command that blocks: sent, and its reply left unread.
                if n not in others:
                    others[n] = RawClient(port)
                    others[n].id = others[n].cmd("CLIENT", "ID").v
                others[n].send_raw(encode_command(cmd))
                _wait_blocked(c, others[n].id)
            c.cmd("PUBLISH", "__end__", "x")
            got = []
            while True:
                m = sub.read()
                if m.v[0].v == b"message":
                    break
                got.append((m.v[2].v.split(b":", 1)[1].decode(), m.v[3].v))
            evs.append(got)
        return evs, _aof_commands(c)[start:]
    finally:
        for o in [c, sub] + list(others.values()):
            o.close()


def _mini_effects(script):
    """The same script on an in-process miniredis: (events per step, propagated commands)."""
    from miniredis.connection import Connection
    from miniredis.server import Server
    server = Server()
    seen, props = [], []
    server.events.keyspace_listeners.append(lambda cls, ev, key, dbi: seen.append((ev, key)))
    server.events.propagate_listeners.append(
        lambda ops: props.extend(argv for dbi, argv in ops if argv[0].upper() != b"SELECT"))
    conns = {}
    evs = []
    for step in script:
        n, cmd = _split(step)
        if n not in conns:
            conns[n] = Connection(server, None, ("127.0.0.1", 0), n)
        server.dispatcher.dispatch(conns[n], [a.encode() for a in cmd])
        if server.keyspace.ready:
            server.blocking.serve_ready()   # what Server._run does after each reply
        evs.append(list(seen))
        del seen[:]
    return evs, [list(a) for a in props]


def test_effects_match_redis(aof_redis):
    r_events, r_prop = _redis_effects(aof_redis.port, EFFECT_SCRIPT)
    m_events, m_prop = _mini_effects(EFFECT_SCRIPT)
    assert len(r_prop) > 30 and sum(map(len, r_events)) > 40   # the script did run
    for cmd, r_ev, m_ev in zip(EFFECT_SCRIPT, r_events, m_events):
        assert [(e, k.decode()) for e, k in m_ev] == [(e, k.decode()) for e, k in r_ev], cmd
    # FLUSHALL is the reference's own first line.
    assert [a for a in r_prop if a[0].upper() != b"FLUSHALL"] == m_prop


@requires("watch", "multi", "exec")
def test_watch_sees_what_redis_signals(compat):
    # LTRIM signals its key even when it trims nothing; a failed LINSERT, an
    # LREM that removes nothing and an LPUSHX on a missing key signal nothing.
    for change, touched in ((("LTRIM", "l", "0", "-1"), True), (("LSET", "l", "0", "a"), True),
                            (("LINSERT", "l", "BEFORE", "nope", "x"), False),
                            (("LREM", "l", "0", "nope"), False), (("LPUSHX", "nokey", "x"), False),
                            (("LPOP", "l", "0"), False), (("RPUSH", "l", "c"), True)):
        fill(compat, "l", "a", "b")
        compat.same("WATCH", "l", "nokey")
        compat.same(*change)
        compat.same("MULTI")
        compat.same("PING")
        assert (compat.same("EXEC").v is None) == touched, change
