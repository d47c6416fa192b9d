"""BITFIELD and BITFIELD_RO against the reference redis-server (RESP2 and RESP3)."""

import random

import pytest

from support import config, keyevents

I64_MAX, I64_MIN = 2 ** 63 - 1, -2 ** 63
TYPE_ERROR = ("ERR Invalid bitfield type. Use something like i16 u8. "
              "Note that u64 is not supported but i64 is.")


def test_command_info(compat):
    for name in ("bitfield", "bitfield_ro"):
        compat.same("COMMAND", "INFO", name)


def test_get_set_incrby(compat):
    compat.same("BITFIELD", "k")
    compat.same("EXISTS", "k")
    compat.same("BITFIELD", "k", "GET", "u8", "0")
    compat.same("EXISTS", "k")
    compat.same("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0")
    compat.same("GET", "k")
    compat.same("BITFIELD", "k", "INCRBY", "u2", "100", "1", "GET", "u2", "100")
    compat.same("STRLEN", "k")
    compat.same("GET", "k")
    compat.same("BITFIELD", "k", "set", "i5", "3", "-7", "get", "i5", "3", "incrby", "i5", "3", "2")
    compat.same("BITFIELD", "k", "GET", "u63", "0", "GET", "i64", "0", "GET", "i64", "1000")
    compat.same("BITFIELD", "k", "SET", "i64", "7", str(I64_MIN), "GET", "i64", "7")
    compat.same("BITFIELD", "k", "SET", "u63", "1", str(I64_MAX), "GET", "u63", "1")
    compat.same("GET", "k")


def test_positional_offsets(compat):
    compat.same("BITFIELD", "k", "SET", "u8", "#0", "1", "SET", "u8", "#1", "2", "SET", "u8", "#3", "4")
    compat.same("GET", "k")
    compat.same("BITFIELD", "k", "GET", "u4", "#3", "GET", "i12", "#1", "INCRBY", "u8", "#2", "9")
    compat.same("BITFIELD", "k", "SET", "i64", "#2", "-5", "GET", "i64", "#2")
    compat.same("GET", "k")


@pytest.mark.parametrize("signed", ["i", "u"])
@pytest.mark.parametrize("bits", [1, 2, 7, 8, 9, 31, 32, 33, 63, 64])
def test_overflow_modes(compat, signed, bits):
    if signed == "u" and bits == 64:
        return
    t = "%s%d" % (signed, bits)
    top = 2 ** (bits - 1) - 1 if signed == "i" else 2 ** bits - 1
    bottom = -2 ** (bits - 1) if signed == "i" else 0
    values = [0, 1, -1, top, bottom, top + 1, bottom - 1, I64_MAX, I64_MIN, 3 * top]
    values = [v for v in values if I64_MIN <= v <= I64_MAX]
    for mode in ("WRAP", "SAT", "FAIL"):
        for v in values:
            compat.same("BITFIELD", "k", "OVERFLOW", mode, "SET", t, "5", v, "GET", t, "5")
            for incr in (1, -1, top, -top, I64_MAX, I64_MIN, 2, -2):
                compat.same("BITFIELD", "k", "OVERFLOW", mode, "INCRBY", t, "5", incr)
    compat.same("GET", "k")


def test_overflow_changes_mid_command(compat):
    compat.same("BITFIELD", "k", "SET", "u8", "0", "250", "INCRBY", "u8", "0", "10",
                "OVERFLOW", "SAT", "INCRBY", "u8", "0", "10", "OVERFLOW", "FAIL",
                "INCRBY", "u8", "0", "10", "OVERFLOW", "wrap", "INCRBY", "u8", "0", "10")
    compat.same("BITFIELD", "k", "OVERFLOW", "FAIL", "OVERFLOW", "SAT", "INCRBY", "i8", "8", "1000")
    compat.same("GET", "k")


def test_fail_only_creates_silently(compat):
    compat.same("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "20", "10")
    compat.same("GET", "f")
    compat.same("BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "i4", "100", "100")
    compat.same("GET", "f")


def test_type_errors(compat):
    for t in ("i0", "u0", "u64", "i65", "x8", "I8", "U8", "i", "u", "", "i08", "i-1", "i+8",
              "i8x", "8", "i 8", "i1000000000000000000000", "#8"):
        assert compat.same_error("BITFIELD", "k", "GET", t, "0").v == TYPE_ERROR
        compat.same_error("BITFIELD", "k", "SET", t, "0", "1")
        compat.same_error("BITFIELD_RO", "k", "GET", t, "0")


def test_offset_errors(compat):
    for off in ("-1", "abc", "#-1", "#abc", "#", "", "1.5", "+1", "01", "4294967296",
                "#536870912", "99999999999999999999", "#9223372036854775807", "# 1"):
        compat.same_error("BITFIELD", "k", "GET", "u8", off)
        compat.same_error("BITFIELD", "k", "SET", "u8", off, "1")
    compat.same("BITFIELD", "k", "GET", "u8", "4294967295", "GET", "u8", "#536870911")
    compat.same("EXISTS", "k")


def test_value_and_syntax_errors(compat):
    compat.same_error("BITFIELD", "k", "SET", "u8", "0", "x")
    compat.same_error("BITFIELD", "k", "INCRBY", "u8", "0", "1.5")
    compat.same_error("BITFIELD", "k", "INCRBY", "u8", "0", "9223372036854775808")
    compat.same_error("BITFIELD", "k", "SET", "u8", "0")
    compat.same_error("BITFIELD", "k", "GET", "u8")
    compat.same_error("BITFIELD", "k", "GET")
    compat.same_error("BITFIELD", "k", "FOO", "u8", "0")
    compat.same_error("BITFIELD", "k", "OVERFLOW")
    compat.same_error("BITFIELD", "k", "OVERFLOW", "BAD", "GET", "u8", "0")
    compat.same_error("BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "BAD")
    compat.same_error("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u8")
    compat.same_error("BITFIELD", "k", "SET", "u8", "0", "1", "GET", "u99", "0")
    compat.same_error("BITFIELD")
    compat.same_error("BITFIELD_RO")
    compat.same("EXISTS", "k")   # nothing ran: arguments are checked first


def test_bitfield_ro(compat):
    compat.same("BITFIELD_RO", "k")
    compat.same("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i3", "#2")
    compat.same("SET", "k", "\x81\x7f\x00\xff")
    compat.same("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i3", "#2", "GET", "i64", "0")
    compat.same("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "8")
    for write in (("SET", "u8", "0", "1"), ("INCRBY", "u8", "0", "1")):
        compat.same_error("BITFIELD_RO", "k", *write)
        compat.same_error("BITFIELD_RO", "k", "GET", "u8", "0", *write)
        compat.same_error("BITFIELD_RO", "k", *(write[:3] + ("x",)))
    compat.same_error("BITFIELD_RO", "k", "FOO")
    compat.same("GET", "k")
    compat.same("LPUSH", "l", "x")
    compat.same_error("BITFIELD_RO", "l", "GET", "u8", "0")
    compat.same_error("BITFIELD_RO", "l", "SET", "u8", "0", "1")
    compat.same("BITFIELD_RO", "l")


def test_wrong_type_order(compat):
    compat.same("HSET", "h", "f", "v")
    compat.same_error("BITFIELD", "h", "GET", "u8", "0")
    compat.same_error("BITFIELD", "h", "SET", "u8", "0", "1")
    compat.same_error("BITFIELD", "h", "SET", "u8", "0", "x")     # the parse error first
    compat.same_error("BITFIELD", "h", "GET", "x8", "0")
    compat.same("BITFIELD", "h")


def test_with_string_and_bit_commands(compat):
    compat.same("SET", "s", "abc")
    compat.same("EXPIRE", "s", "1000")
    compat.same("BITFIELD", "s", "GET", "u8", "0", "SET", "u8", "8", "66", "GET", "u24", "0")
    compat.same("GET", "s")
    compat.same("TTL", "s")
    compat.same("OBJECT", "ENCODING", "s")
    compat.same("SETBIT", "s", "100", "1")
    compat.same("BITFIELD", "s", "GET", "u1", "100", "SET", "u1", "101", "1")
    compat.same("GETBIT", "s", "101")
    compat.same("BITCOUNT", "s")
    compat.same("SET", "n", "12345")
    compat.same("BITFIELD", "n", "GET", "u8", "0", "INCRBY", "u8", "0", "1")
    compat.same("GET", "n")
    compat.same("OBJECT", "ENCODING", "n")
    compat.same("SET", "n2", "7")
    compat.same("BITFIELD", "n2", "SET", "u8", "0", "55")   # no change of the value
    compat.same("OBJECT", "ENCODING", "n2")


def test_large_offset_and_limit(compat):
    compat.same("BITFIELD", "big", "SET", "u8", str(8 * 100000), "1")
    compat.same("STRLEN", "big")
    with config(compat, "proto-max-bulk-len", "1048576"):
        compat.same_error("BITFIELD", "big", "GET", "u8", str(8 * 1048576))
        compat.same("BITFIELD", "big", "GET", "u8", str(8 * 1048576 - 1))
        compat.same_error("BITFIELD", "big", "SET", "u8", "#1048576", "1")


def test_random_sequences(compat):
    rnd = random.Random(3 + compat.proto)
    values = [0, 1, -1, I64_MAX, I64_MIN, 127, -128, 255, 256, 2 ** 31, I64_MIN + 127]
    for _ in range(300):
        args = ["BITFIELD", "r"]
        for _ in range(rnd.randint(1, 4)):
            if rnd.random() < 0.2:
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
                continue
            signed = rnd.random() < 0.5
            t = ("i" if signed else "u") + str(rnd.randint(1, 64 if signed else 63))
            off = rnd.choice([str(rnd.randint(0, 80)), "#%d" % rnd.randint(0, 4)])
            op = rnd.choice(["GET", "SET", "INCRBY"])
            args += [op, t, off]
            if op != "GET":
                args.append(rnd.choice(values + [rnd.randint(I64_MIN, I64_MAX)]))
        compat.same(*args)
    compat.same("GET", "r")


def test_keyspace_events(notified_pair):
    commands = [("BITFIELD", "b", "SET", "u8", "0", "1"), ("BITFIELD", "b", "SET", "u8", "0", "1"),
                ("BITFIELD", "b", "GET", "u8", "0"), ("BITFIELD_RO", "b", "GET", "u8", "0"),
                ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10"),
                ("BITFIELD", "c", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "10"),
                ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "30", "10"),
                ("BITFIELD", "b", "INCRBY", "u8", "0", "0"), ("BITFIELD", "b", "INCRBY", "u8", "0", "1"),
                ("BITFIELD", "b", "SET", "u8", "64", "0")]
    mini, ref = notified_pair
    assert keyevents(mini.port, commands) == keyevents(ref.port, commands)
