"""String and bitmap commands, line by line against the reference redis-server (RESP2 and RESP3)."""

import random
import time

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import requires  # noqa: E402


LLONG_MAX = str(2 ** 63 - 1)
LLONG_MIN = str(-(2 ** 63))


def test_command_info(compat):
    for name in ("get", "set", "setnx", "setex", "psetex", "getset", "getdel", "getex",
                 "mget", "mset", "msetnx", "append", "strlen", "incr", "decr", "incrby",
                 "decrby", "incrbyfloat", "getrange", "setrange", "substr", "lcs", "setbit",
                 "getbit", "bitcount", "bitpos", "bitop"):
        compat.same("COMMAND", "INFO", name)


def test_get_set_basic(compat):
    compat.same("GET", "k")
    compat.same("SET", "k", "v")
    compat.same("GET", "k")
    compat.same("SET", "k", "")
    compat.same("GET", "k")
    compat.same("SET", "k", b"\x00\xff\r\n")
    compat.same("GET", "k")
    compat.same_error("GET")
    compat.same_error("GET", "a", "b")
    compat.same_error("SET", "k")


def test_set_options(compat):
    compat.same("SET", "k", "v", "NX")
    compat.same("SET", "k", "w", "NX")
    compat.same("GET", "k")
    compat.same("SET", "k", "x", "XX")
    compat.same("SET", "nokey", "x", "XX")
    compat.same("EXISTS", "nokey")
    compat.same("SET", "k", "y", "nx", "nx")
    compat.same("SET", "k", "y", "GET")
    compat.same("SET", "k", "z", "GET", "GET")
    compat.same("SET", "new", "z", "GET")
    compat.same("SET", "k", "q", "NX", "GET")
    compat.same("GET", "k")
    compat.same("SET", "absent", "q", "XX", "GET")
    compat.same("SET", "absent2", "q", "NX", "GET")
    compat.same("GET", "absent2")
    compat.same("SET", "k", "v", "EX", "100", "EX", "200")
    compat.same("SET", "k", "v", "PX", "100000")
    compat.same("SET", "k", "v2", "KEEPTTL")
    compat.same("SET", "k", "v3")
    compat.same("SET", "k", "v", "EXAT", "9999999999")
    compat.same("SET", "k", "v", "PXAT", "9999999999000")
    compat.same("SET", "k", "v", "PXAT", "1")
    compat.same("GET", "k")
    compat.same("SET", "k", "v", "KEEPTTL", "KEEPTTL")


def test_set_errors(compat):
    for args in (("NX", "XX"), ("XX", "NX"), ("EX", "10", "PX", "10"), ("PX", "10", "EX", "10"),
                 ("EX", "10", "KEEPTTL"), ("KEEPTTL", "EX", "10"), ("EXAT", "10", "PXAT", "10"),
                 ("EX",), ("PX",), ("FOO",), ("PERSIST",), ("EX", "10", "EXAT", "10"),
                 ("KEEPTTL", "PXAT", "1")):
        compat.same_error("SET", "k", "v", *args)
    compat.same("EXISTS", "k")
    for cmd in ("EX", "PX", "EXAT", "PXAT"):
        compat.same_error("SET", "k", "v", cmd, "0")
        compat.same_error("SET", "k", "v", cmd, "-5")
        compat.same_error("SET", "k", "v", cmd, "abc")
        compat.same_error("SET", "k", "v", cmd, "1.5")
        compat.same_error("SET", "k", "v", cmd, LLONG_MAX + "0")
    compat.same_error("SET", "k", "v", "EX", LLONG_MAX)
    compat.same_error("SET", "k", "v", "PX", LLONG_MAX)
    compat.same_error("SET", "k", "v", "EX", str(2 ** 63 // 1000 + 1))
    # The syntax error comes before the bad expire and before the type check.


def test_setnx_setex_psetex(compat):
    compat.same("SETNX", "k", "a")
    compat.same("SETNX", "k", "b")
    compat.same("GET", "k")
    compat.same("SETEX", "k", "100", "c")
    compat.same("GET", "k")
    compat.same("PSETEX", "p", "100000", "d")
    compat.same("SETEX", "k", "5", "e")
    compat.same("SETNX", "k", "f")
    for cmd in ("SETEX", "PSETEX"):
        compat.same_error(cmd, "k", "0", "v")
        compat.same_error(cmd, "k", "-1", "v")
        compat.same_error(cmd, "k", "x", "v")
        compat.same_error(cmd, "k", LLONG_MAX + "1", "v")
        compat.same_error(cmd, "k", "10")
    compat.same_error("SETEX", "k", LLONG_MAX, "v")
    compat.same_error("PSETEX", "k", LLONG_MAX, "v")
    compat.same_error("SETNX", "k")


def test_getset_getdel(compat):
    compat.same("GETSET", "k", "a")
    compat.same("GETSET", "k", "b")
    compat.same("GET", "k")
    compat.same("SETEX", "k", "100", "c")
    compat.same("GETSET", "k", "d")
    compat.same("GETDEL", "k")
    compat.same("GETDEL", "k")
    compat.same("EXISTS", "k")
    compat.same_error("GETDEL", "a", "b")


def test_getex(compat):
    compat.same("GETEX", "nokey")
    compat.same("GETEX", "nokey", "EX", "0")
    compat.same("GETEX", "nokey", "EX", "abc")
    compat.same("SET", "k", "v")
    compat.same("GETEX", "k")
    compat.same("GETEX", "k", "EX", "100")
    compat.same("GETEX", "k", "PERSIST")
    compat.same("GETEX", "k", "PX", "100000")
    compat.same("GETEX", "k", "EXAT", "9999999999")
    compat.same("GETEX", "k", "PXAT", "9999999999000", "PXAT", "9999999999000")
    compat.same("GETEX", "k", "PERSIST", "PERSIST")
    compat.same("GETEX", "k", "PXAT", "1")
    compat.same("EXISTS", "k")
    compat.same("SET", "k", "v")
    compat.same("GETEX", "k", "EXAT", "1")
    compat.same("GET", "k")
    compat.same("SET", "k", "v")
    for args in (("EX", "10", "PERSIST"), ("PERSIST", "EX", "10"), ("KEEPTTL",), ("NX",),
                 ("GET",), ("EX",), ("EX", "10", "PX", "10"), ("FOO",)):
        compat.same_error("GETEX", "k", *args)
    compat.same_error("GETEX", "nokey", "FOO")
    for opt in ("EX", "PX", "EXAT", "PXAT"):
        compat.same_error("GETEX", "k", opt, "0")
        compat.same_error("GETEX", "k", opt, "-1")
        compat.same_error("GETEX", "k", opt, "x")
    compat.same_error("GETEX", "k", "EX", LLONG_MAX)


def test_mget_mset_msetnx(compat):
    compat.same("MSET", "a", "1", "b", "2", "c", "3")
    compat.same("MGET", "a", "b", "c", "nokey")
    compat.same("MSET", "a", "x", "a", "y")
    compat.same("GET", "a")
    compat.same("SETEX", "b", "100", "v")
    compat.same("MSET", "b", "w")
    compat.same_error("MSET", "a")
    compat.same_error("MSET", "a", "1", "b")
    compat.same_error("MSETNX", "a", "1", "b")
    compat.same("MSETNX", "a", "1", "new", "2")
    compat.same("EXISTS", "new")
    compat.same("MSETNX", "n1", "1", "n2", "2")
    compat.same("MSETNX", "n3", "1", "n3", "2")
    compat.same("MGET", "n1", "n2", "n3")
    compat.same_error("MGET")


def test_mset_drops_ttls_and_raw_encoding_of_the_keys_it_writes(compat):
    # MSET stores all pairs at once unless one of its keys has a TTL or was
    # modified in place: both ways must leave the same state.
    compat.same("MSET", "t1", "a", "t2", "b", "plain", "c")
    compat.same("PEXPIRE", "t1", "100000")
    compat.same("APPEND", "t2", "more")
    compat.same("OBJECT", "ENCODING", "t2")
    compat.same("PEXPIRE", "other", "100000")
    compat.same("SET", "other", "o", "KEEPTTL")
    compat.same("MSET", "plain", "1", "fresh", "2")          # none of them special
    compat.same("TTL", "other")
    compat.same("MSET", "t1", "x", "t2", "y", "fresh", "3")   # a TTL and a RAW mark
    for key in ("t1", "t2", "fresh", "plain", "other"):
        compat.same("TTL", key)
        compat.same("OBJECT", "ENCODING", key)
    compat.same("MGET", "t1", "t2", "fresh", "plain", "other")
    compat.same("MSET", "dup", "1", "dup", "2", "dup", "3")
    compat.same("GET", "dup")
    compat.same("DBSIZE")
    for written in ("w", "elsewhere"):   # EXEC aborted, then run
        compat.same("WATCH", "w")
        compat.same("MSET", written, "1", "z", "2")
        compat.same("MULTI")
        compat.same("GET", "w")
        compat.same("EXEC")


def test_append_strlen(compat):
    compat.same("APPEND", "k", "hello")
    compat.same("APPEND", "k", " world")
    compat.same("GET", "k")
    compat.same("APPEND", "k", "")
    compat.same("APPEND", "e", "")
    compat.same("EXISTS", "e")
    compat.same("STRLEN", "k")
    compat.same("STRLEN", "nokey")
    compat.same("SET", "n", "12345")
    compat.same("STRLEN", "n")
    compat.same("INCR", "n")
    compat.same("APPEND", "n", "7")
    compat.same("GET", "n")
    compat.same("SETEX", "t", "100", "a")
    compat.same("APPEND", "t", "b")
    compat.same_error("STRLEN", "a", "b")
    compat.same_error("APPEND", "k")


def test_incr_family(compat):
    compat.same("INCR", "k")
    compat.same("INCRBY", "k", "10")
    compat.same("DECR", "k")
    compat.same("DECRBY", "k", "-5")
    compat.same("DECRBY", "k", "100")
    compat.same("GET", "k")
    compat.same("SET", "k", "-10")
    compat.same("INCR", "k")
    compat.same("SET", "max", LLONG_MAX)
    compat.same_error("INCR", "max")
    compat.same_error("INCRBY", "max", "1")
    compat.same("INCRBY", "max", "0")
    compat.same("SET", "min", LLONG_MIN)
    compat.same_error("DECR", "min")
    compat.same_error("DECRBY", "min", "1")
    compat.same("INCRBY", "min", LLONG_MAX)
    compat.same_error("DECRBY", "k", LLONG_MIN)
    compat.same("DECRBY", "k", LLONG_MAX)
    compat.same("INCRBY", "k", LLONG_MAX)
    compat.same_error("INCRBY", "k", "10")
    for bad in ("abc", "1.5", " 1", "1 ", "+1", "01", "", "9223372036854775808", "1e3"):
        compat.same("SET", "b", bad)
        compat.same_error("INCR", "b")
        compat.same_error("INCRBY", "k", bad)
        compat.same_error("DECRBY", "k", bad)
    compat.same("SETEX", "t", "100", "5")
    compat.same("INCR", "t")
    # The increment is parsed before the key is looked at.
    compat.same_error("INCR")


def test_incrbyfloat(compat):
    compat.same("INCRBYFLOAT", "f", "10.5")
    compat.same("INCRBYFLOAT", "f", "0.1")
    compat.same("INCRBYFLOAT", "f", "-5")
    compat.same("INCRBYFLOAT", "f", "5.0e3")
    compat.same("INCRBYFLOAT", "f", "2.0e-2")
    compat.same("GET", "f")
    compat.same("SET", "z", "0")
    for inc in ("0.1", "0.2", "0.3", "1e-17", "-0.6", "3.14159265358979323846", "1e20",
                "-1e20", ".5", "5.", "+1.5", "1E2", "-0", "123456789.123456789"):
        compat.same("INCRBYFLOAT", "z", inc)
    compat.same("SET", "z", "0")
    compat.same("INCRBYFLOAT", "z", "1e400")
    compat.same("INCRBYFLOAT", "z", "-1e400")
    compat.same("SET", "z", "1")
    compat.same("INCRBYFLOAT", "z", "1e-30")
    compat.same("INCRBYFLOAT", "z", "-1")
    compat.same("SET", "i", "10")
    compat.same("INCRBYFLOAT", "i", "0")
    compat.same("SET", "i", LLONG_MAX)
    compat.same("INCRBYFLOAT", "i", "1")
    for bad in ("abc", "nan", "1e5000", "1e-5000", " 1", "1 ", "", "1e", "inf x"):
        compat.same_error("INCRBYFLOAT", "i", bad)
    compat.same_error("INCRBYFLOAT", "i", "inf")
    compat.same_error("INCRBYFLOAT", "i", "-infinity")
    compat.same("SET", "inf", "inf")
    compat.same_error("INCRBYFLOAT", "inf", "1")
    compat.same("SET", "s", "abc")
    compat.same_error("INCRBYFLOAT", "s", "1")
    compat.same_error("INCRBYFLOAT", "s", "x")
    compat.same("SETEX", "t", "100", "1.5")
    compat.same("INCRBYFLOAT", "t", "1")


def test_incrbyfloat_random(compat):
    rnd = random.Random(7)
    compat.same("SET", "r", "0")
    for _ in range(60):
        inc = "%s%d.%0*d" % (rnd.choice(["", "-"]), rnd.randrange(1000), rnd.randrange(1, 6),
                             rnd.randrange(10000))
        compat.same("INCRBYFLOAT", "r", inc)


def test_getrange_substr(compat):
    compat.same("SET", "k", "This is a string")
    for cmd in ("GETRANGE", "SUBSTR"):
        for start, end in ((0, 3), (-3, -1), (0, -1), (10, 100), (5, 2), (-100, 3), (-1, -5),
                           (-5, -1), (100, 200), (0, 0), (-100, -200), (-100, -50), (3, -100)):
            compat.same(cmd, "k", start, end)
        compat.same(cmd, "nokey", 0, -1)
        compat.same_error(cmd, "k", "a", 1)
        compat.same_error(cmd, "k", 0, "b")
        compat.same_error(cmd, "nokey", "a", 1)
    compat.same("SET", "e", "")
    compat.same("GETRANGE", "e", 0, -1)
    compat.same("SET", "n", "12345")
    compat.same("INCR", "n")
    compat.same("GETRANGE", "n", 1, 3)
    compat.same_error("GETRANGE", "k", 0)


def test_setrange(compat):
    compat.same("SETRANGE", "k", 0, "hello")
    compat.same("SETRANGE", "k", 6, "world")
    compat.same("GET", "k")
    compat.same("SETRANGE", "k", 1, "EL")
    compat.same("GET", "k")
    compat.same("SETRANGE", "k", 3, "")
    compat.same("SETRANGE", "nokey", 3, "")
    compat.same("EXISTS", "nokey")
    compat.same("SETRANGE", "z", 5, "x")
    compat.same("GET", "z")
    compat.same("SET", "n", "100")
    compat.same("INCR", "n")
    compat.same("SETRANGE", "n", 1, "9")
    compat.same("GET", "n")
    compat.same("SETEX", "t", "100", "abc")
    compat.same("SETRANGE", "t", 1, "X")
    compat.same_error("SETRANGE", "k", -1, "x")
    compat.same_error("SETRANGE", "k", "x", "x")
    compat.same_error("SETRANGE", "k", 536870912, "x")
    compat.same_error("SETRANGE", "k", 536870911, "xx")
    compat.same_error("SETRANGE", "nokey", 536870912, "x")
    compat.same("SETRANGE", "nokey", 536870912, "")


def test_lcs(compat):
    compat.same("MSET", "a", "ohmytext", "b", "mynewtext")
    compat.same("LCS", "a", "b")
    compat.same("LCS", "a", "b", "LEN")
    compat.same("LCS", "a", "b", "IDX")
    compat.same("LCS", "a", "b", "IDX", "WITHMATCHLEN")
    compat.same("LCS", "a", "b", "IDX", "MINMATCHLEN", "4")
    compat.same("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    compat.same("LCS", "a", "b", "IDX", "MINMATCHLEN", "-4")
    compat.same("LCS", "a", "b", "WITHMATCHLEN")
    compat.same("LCS", "a", "b", "MINMATCHLEN", "2")
    compat.same("LCS", "a", "b", "LEN", "LEN")
    compat.same("LCS", "a", "nokey")
    compat.same("LCS", "nokey", "nokey2", "IDX")
    compat.same("LCS", "a", "a", "IDX", "WITHMATCHLEN")
    compat.same("MSET", "x", "rosettacode", "y", "raisethysword")
    compat.same("LCS", "x", "y")
    compat.same("LCS", "x", "y", "IDX", "WITHMATCHLEN")
    compat.same("LCS", "y", "x", "IDX", "WITHMATCHLEN")
    compat.same("SET", "n", "123456")
    compat.same("INCR", "n")
    compat.same("LCS", "n", "x")
    compat.same_error("LCS", "a", "b", "IDX", "LEN")
    compat.same_error("LCS", "a", "b", "FOO")
    compat.same_error("LCS", "a", "b", "MINMATCHLEN")
    compat.same_error("LCS", "a", "b", "MINMATCHLEN", "x")
    compat.same_error("LCS", "a")


def test_lcs_random(compat):
    rnd = random.Random(3)
    for _ in range(25):
        a = "".join(rnd.choice("abc") for _ in range(rnd.randrange(0, 30)))
        b = "".join(rnd.choice("abc") for _ in range(rnd.randrange(0, 30)))
        compat.same("MSET", "a", a, "b", b)
        compat.same("LCS", "a", "b")
        compat.same("LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", rnd.randrange(3))


def test_setbit_getbit(compat):
    compat.same("SETBIT", "k", 7, 1)
    compat.same("GET", "k")
    compat.same("SETBIT", "k", 7, 1)
    compat.same("SETBIT", "k", 7, 0)
    compat.same("SETBIT", "k", 100, 1)
    compat.same("STRLEN", "k")
    compat.same("GET", "k")
    compat.same("GETBIT", "k", 100)
    compat.same("GETBIT", "k", 99)
    compat.same("GETBIT", "k", 10000)
    compat.same("GETBIT", "nokey", 0)
    compat.same("SETBIT", "z", 20, 0)
    compat.same("GET", "z")
    compat.same("SET", "n", "12")
    compat.same("INCR", "n")
    compat.same("GETBIT", "n", 2)
    compat.same("GETBIT", "n", 3)
    compat.same("SETBIT", "n", 7, 0)
    compat.same("GET", "n")
    compat.same("SETEX", "t", "100", "a")
    compat.same("SETBIT", "t", 0, 1)
    for bad in ("-1", "x", "4294967296", "1.5", LLONG_MAX):
        compat.same_error("SETBIT", "k", bad, 1)
        compat.same_error("GETBIT", "k", bad)
    for bad in ("2", "-1", "x", ""):
        compat.same_error("SETBIT", "k", 0, bad)


def test_bitcount(compat):
    compat.same("SET", "k", "foobar")
    compat.same("BITCOUNT", "k")
    for args in ((0, 0), (1, 1), (0, -1), (-2, -1), (-1, -2), (5, 30), (-100, -200),
                 (-100, -50), (-100, 1), (2, 1), (100, 200)):
        compat.same("BITCOUNT", "k", *args)
        compat.same("BITCOUNT", "k", *args, "BYTE")
        compat.same("BITCOUNT", "k", *args, "BIT")
    compat.same("BITCOUNT", "k", 5, 30, "bit")
    compat.same("BITCOUNT", "nokey")
    compat.same("BITCOUNT", "nokey", "a", "b")
    compat.same("BITCOUNT", "nokey", 0)
    compat.same("SET", "e", "")
    compat.same("BITCOUNT", "e")
    compat.same("BITCOUNT", "e", 0, -1, "BIT")
    compat.same_error("BITCOUNT", "k", 0)
    compat.same_error("BITCOUNT", "k", "a", "b")
    compat.same_error("BITCOUNT", "k", 0, 1, "FOO")
    compat.same_error("BITCOUNT", "k", 0, 1, "BIT", "x")


def test_bitpos(compat):
    compat.same("SET", "k", b"\xff\xf0\x00")
    compat.same("BITPOS", "k", 0)
    compat.same("BITPOS", "k", 1)
    for args in ((0,), (1,), (2,), (-1,), (0, -1), (1, 1), (2, 2), (-100, -200), (3, 1),
                 (0, 100), (1, 2)):
        for bit in (0, 1):
            compat.same("BITPOS", "k", bit, *args)
            if len(args) == 2:
                compat.same("BITPOS", "k", bit, *args, "BYTE")
                compat.same("BITPOS", "k", bit, *args, "BIT")
    compat.same("SET", "ones", b"\xff\xff")
    compat.same("BITPOS", "ones", 0)
    compat.same("BITPOS", "ones", 0, 0)
    compat.same("BITPOS", "ones", 0, 0, -1)
    compat.same("BITPOS", "ones", 0, 3, 10, "BIT")
    compat.same("BITPOS", "nokey", 0)
    compat.same("BITPOS", "nokey", 1)
    compat.same("BITPOS", "nokey", 1, "a")
    compat.same("BITPOS", "nokey", 0, 0, 1, "FOO")
    compat.same("SET", "e", "")
    compat.same("BITPOS", "e", 0)
    compat.same("BITPOS", "e", 1)
    compat.same_error("BITPOS", "k", 2)
    compat.same_error("BITPOS", "k", "x")
    compat.same_error("BITPOS", "nokey", 2)
    compat.same_error("BITPOS", "k", 1, "a")
    compat.same_error("BITPOS", "k", 1, 0, "b")
    compat.same_error("BITPOS", "k", 1, 0, 1, "FOO")
    compat.same_error("BITPOS", "k", 1, 0, 1, "BIT", "x")


def test_bit_ranges_random(compat):
    rnd = random.Random(11)
    for _ in range(12):
        data = bytes(rnd.choice([0, 255, rnd.randrange(256)]) for _ in range(rnd.randrange(1, 6)))
        compat.same("SET", "k", data)
        for _ in range(10):
            start, end = rnd.randrange(-50, 50), rnd.randrange(-50, 50)
            unit = rnd.choice(["BIT", "BYTE"])
            compat.same("BITCOUNT", "k", start, end, unit)
            compat.same("BITPOS", "k", rnd.randrange(2), start, end, unit)
            compat.same("BITPOS", "k", rnd.randrange(2), start)


def test_bitop(compat):
    compat.same("SET", "a", "foobar")
    compat.same("SET", "b", "abcdef")
    compat.same("SET", "c", "xy")
    for op in ("AND", "OR", "XOR"):
        compat.same("BITOP", op, "dest", "a", "b", "c")
        compat.same("GET", "dest")
        compat.same("BITOP", op, "dest", "c", "nokey")
        compat.same("GET", "dest")
        compat.same("BITOP", op, "dest", "a")
        compat.same("GET", "dest")
    compat.same("BITOP", "NOT", "dest", "a")
    compat.same("GET", "dest")
    compat.same("BITOP", "not", "dest", "dest")
    compat.same("GET", "dest")
    compat.same("SETEX", "dest", "100", "x")
    compat.same("BITOP", "OR", "dest", "c")
    compat.same("BITOP", "AND", "dest", "nokey", "nokey2")
    compat.same("EXISTS", "dest")
    compat.same("SET", "e", "")
    compat.same("SET", "dest", "x")
    compat.same("BITOP", "NOT", "dest", "e")
    compat.same("EXISTS", "dest")
    compat.same("SET", "n", "12")
    compat.same("INCR", "n")
    compat.same("BITOP", "XOR", "dest", "n", "a")
    compat.same("GET", "dest")
    compat.same_error("BITOP", "NOT", "dest", "a", "b")
    compat.same_error("BITOP", "FOO", "dest", "a")
    compat.same_error("BITOP", "AND", "dest")


@requires("ttl", "pttl")
def test_ttl_effects(compat):
    def ttl_between(key, lo, hi):
        m, r = compat.both("TTL", key)
        assert lo <= m.v <= hi and lo <= r.v <= hi, (key, m, r)

    compat.same("SET", "k", "v", "EX", "100", "EX", "200")
    ttl_between("k", 199, 200)
    compat.same("SET", "k", "v2", "KEEPTTL")
    ttl_between("k", 199, 200)
    compat.same("SET", "k", "v3")
    compat.same("TTL", "k")
    compat.same("SET", "k", "v", "PX", "100000")
    ttl_between("k", 99, 100)
    compat.same("SET", "k", "v", "EXAT", "9999999999")
    compat.same_type("TTL", "k")
    compat.same("SETEX", "k", "100", "c")
    ttl_between("k", 99, 100)
    compat.same("SETNX", "k", "f")
    ttl_between("k", 99, 100)
    compat.same("GETSET", "k", "d")
    compat.same("TTL", "k")
    compat.same("PSETEX", "p", "100000", "d")
    ttl_between("p", 99, 100)
    compat.same("MSET", "p", "w")
    compat.same("TTL", "p")
    # In-place changes keep the TTL.
    for cmd in (("APPEND", "t", "b"), ("INCR", "t"), ("INCRBYFLOAT", "t", "1.5"),
                ("SETRANGE", "t", 0, "9"), ("SETBIT", "t", 1, 0)):
        compat.same("SETEX", "t", "100", "5")
        compat.same(*cmd)
        ttl_between("t", 99, 100)
    compat.same("SET", "g", "v")
    compat.same("GETEX", "g")
    compat.same("TTL", "g")
    compat.same("GETEX", "g", "EX", "100")
    ttl_between("g", 99, 100)
    compat.same("GETEX", "g", "PERSIST")
    compat.same("TTL", "g")
    compat.same("GETEX", "g", "PX", "100000")
    ttl_between("g", 99, 100)
    compat.same("GETEX", "g", "PERSIST", "PERSIST")
    compat.same("TTL", "g")
    compat.same("SETEX", "dest", "100", "x")
    compat.same("BITOP", "OR", "dest", "g")
    compat.same("TTL", "dest")


@requires("rpush", "type")
def test_wrong_type(compat):
    compat.same("RPUSH", "list", "a")
    compat.same("SET", "a", "abc")
    for args in (("GET", "list"), ("SET", "list", "v", "GET"), ("SET", "list", "v", "NX", "GET"),
                 ("GETSET", "list", "x"), ("GETDEL", "list"), ("GETEX", "list"),
                 ("GETEX", "list", "EX", "x"), ("GETEX", "list", "EX", "0"),
                 ("APPEND", "list", "x"), ("STRLEN", "list"),
                 ("INCR", "list"), ("DECR", "list"), ("INCRBY", "list", "1"),
                 ("DECRBY", "list", "1"), ("INCRBYFLOAT", "list", "x"),
                 ("GETRANGE", "list", 0, 1), ("SUBSTR", "list", 0, 1),
                 ("SETRANGE", "list", 0, "x"), ("SETRANGE", "list", 0, ""),
                 ("LCS", "list", "a"), ("LCS", "a", "list", "FOO"),
                 ("SETBIT", "list", 0, 1), ("GETBIT", "list", 0), ("BITCOUNT", "list"),
                 ("BITCOUNT", "list", "a", "b"), ("BITPOS", "list", 1),
                 ("BITOP", "AND", "dest", "a", "list"), ("BITOP", "NOT", "dest", "list")):
        compat.same_error(*args)
    # Argument errors that Redis reports before looking at the key.
    for args in (("SET", "list", "v", "EX", "0", "FOO"), ("SET", "list", "v", "EX", "0", "GET"),
                 ("INCRBY", "list", "x"), ("GETRANGE", "list", "a", 1),
                 ("SETRANGE", "list", -1, "x"), ("SETBIT", "list", "x", 1),
                 ("SETBIT", "list", 0, 5), ("GETBIT", "list", "x"), ("BITPOS", "list", 3)):
        compat.same_error(*args)
    compat.same("MGET", "a", "list", "nokey")
    compat.same("MSETNX", "list", "1")
    compat.same("SETNX", "list", "v")
    compat.same("TYPE", "list")
    compat.same("BITOP", "AND", "list", "a")
    compat.same("TYPE", "list")
    compat.same("RPUSH", "list2", "a")
    compat.same("SETEX", "list2", "10", "v")
    compat.same("GET", "list2")


@requires("info")
def test_keyspace_hits_and_misses_match(compat):
    def counters(client):
        text = client.cmd("INFO", "stats").v.decode()
        fields = dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)
        return int(fields["keyspace_hits"]), int(fields["keyspace_misses"])

    script = [("SET", "s", "abc"), ("SET", "n", "5"), ("GET", "s"), ("GET", "x"),
              ("MGET", "s", "x", "n"), ("STRLEN", "x"), ("STRLEN", "s"), ("GETRANGE", "s", 0, 1),
              ("GETRANGE", "x", 0, 1), ("SET", "s", "v", "GET"), ("SET", "x2", "v", "GET"),
              ("GETSET", "s", "w"), ("GETEX", "s"), ("GETEX", "x"), ("GETDEL", "x2"),
              ("GETDEL", "x"), ("INCR", "n"), ("INCRBYFLOAT", "n", "1"), ("APPEND", "s", "x"),
              ("SETRANGE", "s", 0, "y"), ("SETBIT", "s", 0, 1), ("GETBIT", "s", 0),
              ("GETBIT", "x", 0), ("BITCOUNT", "s"), ("BITCOUNT", "x"), ("BITPOS", "s", 1),
              ("BITPOS", "x", 1), ("BITOP", "OR", "d", "s", "x"), ("LCS", "s", "x"),
              ("SETNX", "s", "v"), ("MSETNX", "s", "v")]
    before = counters(compat.m), counters(compat.r)
    for args in script:
        compat.both(*args)
    after = counters(compat.m), counters(compat.r)
    deltas = [tuple(a - b for a, b in zip(after[i], before[i])) for i in (0, 1)]
    assert deltas[0] == deltas[1], "miniredis %r != redis %r" % tuple(deltas)


# --- hardening: cases learnt from Redis' string/incr/bitops suites ----------------------------

def test_incrbyfloat_accepts_what_strtold_accepts(compat):
    # Hexadecimal floats, as strtold reads them; each line keeps the running total exact.
    compat.same("SET", "f", "10.5")
    for inc in ("0x10", "0X1p3", "-0x1.8p1", "0x.8", "+0x1", "0xA.Bp-2", "0x1P+3", "0x1e3",
                "0x00000000000000000000000000001", "-0x0p0", "0x1.fffffffffffffffffp0"):
        compat.same("INCRBYFLOAT", "f", inc)
    compat.same("GET", "f")
    for bad in ("0x", "0x.", "0xp1", "0x1p", "0x1p+", "0xg", "0x1p16384", "0x1p-16446",
                "0x1p99999999999999", "1e99999999999999", "nan(1)", "-nan", "1_0", "3.0e"):
        compat.same_error("INCRBYFLOAT", "f", bad)
    # The stored value is read the same way; subnormal long doubles are accepted.
    compat.same("SET", "h", "0x10")
    compat.same("INCRBYFLOAT", "h", "1")
    compat.same("INCRBYFLOAT", "s", "0x1p-16440")
    compat.same("INCRBYFLOAT", "z", "0x0p-99999999999999")
    compat.same("INCRBYFLOAT", "z", "0e99999999999999")
    compat.same("SET", "nul", "1\x002")
    compat.same_error("INCRBYFLOAT", "nul", "1")


def test_long_numeric_texts(compat):
    # Far longer than any 64-bit integer or any float Redis accepts.
    compat.same_error("INCRBY", "n", "9" * 5000)
    compat.same("SET", "k", "1" * 5000)
    compat.same_error("INCR", "k")
    compat.same_error("GETRANGE", "k", "1" * 5000, 1)
    compat.same_error("SETBIT", "k", "1" * 30, 1)
    compat.same_error("INCRBYFLOAT", "f", "1" * 5120)
    compat.same("INCRBYFLOAT", "g", "0." + "0" * 4000 + "1")
    compat.same("INCRBYFLOAT", "g", "1e" + "0" * 5000 + "1")
    compat.same("INCRBYFLOAT", "g", "0x1p-" + "0" * 4000 + "1")


def test_integer_argument_forms(compat):
    compat.same("SET", "n", "10")
    for good in ("0", "7", "-9223372036854775807", "17179869184"):
        compat.same("INCRBY", "n", good)
    for bad in ("+5", " 5", "5 ", "05", "-0", "0x10", "", "1.0", "1e3",
                "9223372036854775808", "-9223372036854775809"):
        compat.same_error("INCRBY", "n", bad)
        compat.same_error("GETRANGE", "n", bad, 1)
    for stored in ("-0", "+1", "01", "", "    11", "11    ", "1\x00", "1.5"):
        compat.same("SET", "v", stored)
        compat.same_error("INCR", "v")
    compat.same("SET", "big", "17179869184")
    compat.same("INCRBY", "big", "17179869184")
    compat.same("DECRBY", "big", "34359738369")


def _dirty(client):
    text = client.cmd("INFO", "persistence").v.decode()
    return int(text.split("rdb_changes_since_last_save:")[1].split("\r\n")[0])


@requires("info")
def test_setbit_counts_a_change_only_when_something_changes(compat):
    def dirty_delta(*args):
        before = _dirty(compat.m), _dirty(compat.r)
        compat.same(*args)
        return tuple(d - b for d, b in zip((_dirty(compat.m), _dirty(compat.r)), before))

    # New key, same bit, flipped bit, grown string: as in Redis' bitops suite.
    for args in (("SETBIT", "b", 0, 0), ("SETBIT", "b", 0, 0), ("SETBIT", "b", 0, 1),
                 ("SETBIT", "b", 0, 1), ("SETBIT", "b", 0, 0), ("SETBIT", "b", 90, 0),
                 ("SETBIT", "b", 90, 0), ("SETRANGE", "b", 0, ""), ("BITOP", "OR", "d", "no"),
                 ("BITOP", "OR", "d", "b"), ("GETEX", "b", "PERSIST"), ("APPEND", "b", "")):
        m, r = dirty_delta(*args)
        assert m == r, "%r: miniredis dirty +%d, redis +%d" % (args, m, r)


@requires("object")
def test_in_place_edits_are_raw_encoded(compat):
    compat.same("SET", "k", "1")
    compat.same("APPEND", "k", "2")
    compat.same("OBJECT", "ENCODING", "k")
    compat.same("INCR", "k")
    compat.same("OBJECT", "ENCODING", "k")
    for edit in (("SETRANGE", "k", 0, "2"), ("SETBIT", "k", 0, 0), ("SETBIT", "k", 6, 1)):
        compat.same("SET", "k", "1234")
        compat.same(*edit)
        compat.same("OBJECT", "ENCODING", "k")
    compat.same("SET", "k", "1234")
    compat.same("SETRANGE", "k", 0, "")
    compat.same("OBJECT", "ENCODING", "k")
    compat.same("SETRANGE", "new", 0, "abc")
    compat.same("OBJECT", "ENCODING", "new")
    compat.same("APPEND", "fresh", "12")
    compat.same("OBJECT", "ENCODING", "fresh")
    compat.same("SETBIT", "bits", 3, 1)
    compat.same("OBJECT", "ENCODING", "bits")
    compat.same("BITOP", "NOT", "dest", "fresh")
    compat.same("OBJECT", "ENCODING", "dest")


def test_bit_range_argument_order(compat):
    compat.same("SET", "s", "foobar")
    # BITCOUNT answers an empty negative range before it reads the unit...
    compat.same("BITCOUNT", "s", -1, -9223372036854775808, "FOO")
    compat.same("BITCOUNT", "s", -6, -15, "bit")
    compat.same("BITCOUNT", "nokey", -6, -7, "FOO")
    compat.same_error("BITCOUNT", "s", -15, -6, "FOO")
    compat.same_error("BITCOUNT", "s", 1, -15, "FOO")
    # ... while BITPOS reads start, then the unit, then end.
    compat.same_error("BITPOS", "s", 1, 0, "x", "FOO")
    compat.same_error("BITPOS", "s", 1, "x", 0, "BIT")
    compat.same_error("BITPOS", "s", 1, -1, -2, "FOO")
    compat.same("BITPOS", "s", 1, -1, -2, "BIT")
    compat.same("BITCOUNT", "s", 0, -1, "bit")
    compat.same("BITPOS", "s", 0, 0, -1, "bit")
    compat.same("SET", "ones", b"\xff\xff\xff")
    compat.same("BITPOS", "ones", 0)
    compat.same("BITPOS", "ones", 0, 0)
    compat.same("BITPOS", "ones", 0, 0, -1)
    compat.same("BITPOS", "ones", 0, 0, -1, "bit")
    compat.same("BITPOS", "ones", 0, 10, 12, "bit")


@requires("pttl")
def test_commands_on_a_just_expired_key(compat):
    cmds = [("APPEND", "k", "x"), ("SETRANGE", "k", 2, "x"), ("SETBIT", "k", 3, 1), ("INCR", "k"),
            ("INCRBYFLOAT", "k", "1.5"), ("SET", "k", "w", "KEEPTTL"), ("SET", "k", "w", "XX"),
            ("SET", "k", "w", "NX", "GET"), ("GETSET", "k", "z"), ("SETNX", "k", "z"),
            ("MSETNX", "k", "z"), ("GETEX", "k", "PERSIST"), ("GETDEL", "k"),
            ("BITOP", "NOT", "k", "k"), ("STRLEN", "k"), ("BITCOUNT", "k"), ("GETBIT", "k", 0)]
    keyed = [tuple("k%d" % i if a == "k" else a for a in cmd) for i, cmd in enumerate(cmds)]
    for cmd in keyed:
        compat.same("SET", cmd[1], "5", "PX", 20)
    time.sleep(0.03)  # one short wait for every key
    for cmd in keyed:
        compat.same(*cmd)
        compat.same("PTTL", cmd[1])
        compat.same("GET", cmd[1])


def test_command_docs_arguments(compat):
    # SET, GETSET, SUBSTR, BITCOUNT and BITPOS also carry history / deprecated_since /
    # replaced_by in Redis, fields the registry cannot declare yet.
    for name in ("get", "setnx", "setex", "psetex", "getdel", "getex", "mget", "mset",
                 "msetnx", "append", "strlen", "incr", "decr", "incrby", "decrby",
                 "incrbyfloat", "getrange", "setrange", "lcs", "setbit", "getbit", "bitop"):
        compat.same("COMMAND", "DOCS", name)


@pytest.mark.parametrize("cmd", [
    ("SET", "k", "v", "PXAT", "1"), ("SET", "k", "v", "EXAT", "1"),
    ("SET", "k", "v", "PX", "1"), ("PSETEX", "k", "1", "v"),
])
def test_set_with_a_passed_expiry_keeps_the_key_until_looked_at(lazy_clients, cmd):
    import time
    m, r = lazy_clients
    for c in (m, r):
        c.cmd("FLUSHALL")
        c.cmd("CONFIG", "RESETSTAT")
    for c in (m, r):
        assert c.cmd(*cmd).v == "OK"
    time.sleep(0.01)
    assert m.cmd("DBSIZE") == r.cmd("DBSIZE")
    assert m.cmd("GET", "k") == r.cmd("GET", "k")
    assert m.cmd("DBSIZE") == r.cmd("DBSIZE")
    stats = [dict(l.split(":", 1) for l in c.cmd("INFO", "stats").v.decode().split("\r\n")
                  if ":" in l) for c in (m, r)]
    assert stats[0]["expired_keys"] == stats[1]["expired_keys"]
