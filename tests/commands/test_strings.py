"""String and bitmap commands over a real socket: reply shapes per protocol, typed values,
size limits, expiry, and the LCS / long-double helpers against plain references."""

import random
import time
from fractions import Fraction

import pytest

from support import RawClient, Reply, start_miniredis
from miniredis.commands import strings
from miniredis import longdouble

TYPED_POSITION = ("ERR typed values are only accepted as the value of "
                  "SET, SETNX, SETEX, PSETEX, GETSET, MSET and MSETNX")
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def raw(client, *parts):
    """Send one request made of pre-encoded RESP3 parts; return the reply."""
    client.send_raw(b"*%d\r\n" % len(parts) + b"".join(parts))
    return client.read()


def bulk(s):
    if isinstance(s, str):
        s = s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def typed_set(client, key, value_wire, cmd="SET"):
    return raw(client, bulk(cmd), bulk(key), value_wire)


# --- reply shapes -------------------------------------------------------------------------

def test_null_shapes_per_protocol(r, r3):
    assert r.cmd("GET", "nokey") == Reply("$", None)
    assert r3.cmd("GET", "nokey") == Reply("_", None)
    assert r.cmd("MGET", "nokey", "x") == Reply("*", [Reply("$", None), Reply("$", None)])
    assert r3.cmd("MGET", "nokey") == Reply("*", [Reply("_", None)])
    r.cmd("SET", "k", "v")
    assert r.cmd("SET", "k", "w", "NX") == Reply("$", None)
    assert r3.cmd("SET", "k", "w", "NX") == Reply("_", None)
    assert r.cmd("GETDEL", "nokey") == Reply("$", None)
    assert r.cmd("GETEX", "nokey", "PERSIST") == Reply("$", None)
    assert r3.cmd("GETSET", "fresh", "v") == Reply("_", None)


def test_incrbyfloat_is_bulk_in_both_protocols(r, r3):
    assert r.cmd("INCRBYFLOAT", "f", "0.1") == Reply("$", b"0.1")
    assert r3.cmd("INCRBYFLOAT", "f", "0.2") == Reply("$", b"0.3")
    assert r3.cmd("GET", "f") == Reply("$", b"0.3")


def test_lcs_idx_is_a_map_in_resp3(r, r3):
    r.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    flat = r.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4")
    assert flat.t == "*" and flat.v[0] == Reply("$", b"matches") and flat.v[2] == Reply("$", b"len")
    m = r3.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    assert m.t == "%"
    assert m.plain() == {b"matches": [[[4, 7], [5, 8], 4]], b"len": 6}
    assert r3.cmd("LCS", "a", "b") == Reply("$", b"mytext")
    assert r3.cmd("LCS", "a", "b", "LEN") == Reply(":", 6)


def test_basic_values(r):
    assert r.cmd("SET", "k", b"\x00bin\r\n") == Reply("+", "OK")
    assert r.cmd("GET", "k") == Reply("$", b"\x00bin\r\n")
    assert r.cmd("APPEND", "k", "!") == Reply(":", 7)
    assert r.cmd("STRLEN", "k") == Reply(":", 7)
    assert r.cmd("GETRANGE", "k", -2, -1) == Reply("$", b"\n!")
    assert r.cmd("SETRANGE", "k", 0, "X") == Reply(":", 7)
    assert r.cmd("GET", "k") == Reply("$", b"Xbin\r\n!")
    assert r.cmd("MSETNX", "k", "1", "z", "2") == Reply(":", 0)
    assert r.cmd("EXISTS", "z") == Reply(":", 0)


def test_counters(r):
    assert r.cmd("INCR", "n") == Reply(":", 1)
    assert r.cmd("INCRBY", "n", "41") == Reply(":", 42)
    assert r.cmd("DECRBY", "n", "2") == Reply(":", 40)
    assert r.cmd("GET", "n") == Reply("$", b"40")
    assert r.cmd("DECRBY", "n", str(-(2 ** 63))) == Reply("-", "ERR decrement would overflow")
    r.cmd("SET", "n", str(2 ** 63 - 1))
    assert r.cmd("INCR", "n") == Reply("-", "ERR increment or decrement would overflow")
    assert r.cmd("INCRBYFLOAT", "n", "1") == Reply("$", b"9223372036854775808")


def test_bits(r):
    assert r.cmd("SETBIT", "b", 9, 1) == Reply(":", 0)
    assert r.cmd("GET", "b") == Reply("$", b"\x00\x40")
    assert r.cmd("GETBIT", "b", 9) == Reply(":", 1)
    assert r.cmd("BITCOUNT", "b") == Reply(":", 1)
    assert r.cmd("BITPOS", "b", 1) == Reply(":", 9)
    assert r.cmd("BITPOS", "b", 0, 9, 9, "BIT") == Reply(":", -1)
    assert r.cmd("BITOP", "NOT", "d", "b") == Reply(":", 2)
    assert r.cmd("GET", "d") == Reply("$", b"\xff\xbf")
    assert r.cmd("BITOP", "AND", "d", "nokey") == Reply(":", 0)
    assert r.cmd("EXISTS", "d") == Reply(":", 0)


# --- typed values (RESP3 project extension) -------------------------------------------------

def test_typed_int_behaves_as_its_text(r, r3):
    assert typed_set(r3, "i", b":42\r\n") == Reply("+", "OK")
    assert r3.cmd("GET", "i") == Reply(":", 42)
    assert r.cmd("GET", "i") == Reply("$", b"42")   # no typed values without opting in
    assert r3.cmd("INCR", "i") == Reply(":", 43)
    assert r3.cmd("GET", "i") == Reply(":", 43)          # still an int
    assert r3.cmd("STRLEN", "i") == Reply(":", 2)
    assert r3.cmd("GETRANGE", "i", 0, 0) == Reply("$", b"4")
    assert r3.cmd("GETBIT", "i", 2) == Reply(":", 1)      # '4' is 0x34
    assert r3.cmd("BITCOUNT", "i") == Reply(":", 7)
    assert r3.cmd("LCS", "i", "i") == Reply("$", b"43")
    assert r3.cmd("APPEND", "i", "0") == Reply(":", 3)
    assert r3.cmd("GET", "i") == Reply("$", b"430")      # now a plain string


def test_typed_double(r, r3):
    assert typed_set(r3, "d", b",1.5\r\n") == Reply("+", "OK")
    assert r3.cmd("GET", "d") == Reply(",", "1.5")
    assert r.cmd("GET", "d") == Reply("$", b"1.5")
    assert r3.cmd("STRLEN", "d") == Reply(":", 3)
    assert r3.cmd("INCRBYFLOAT", "d", "1") == Reply("$", b"2.5")
    assert r3.cmd("GET", "d") == Reply(",", "2.5")
    assert r3.cmd("INCR", "d") == Reply("-", "ERR value is not an integer or out of range")


def test_typed_containers_round_trip(r, r3):
    assert typed_set(r3, "m", b"%1\r\n+a\r\n:1\r\n") == Reply("+", "OK")
    assert r3.cmd("GET", "m") == Reply("%", [(Reply("$", b"a"), Reply(":", 1))])
    # A connection that has not opted in to typed values reads them as Redis types:
    # a number is its decimal text, the other typed values are not strings (WRONGTYPE).
    assert r.cmd("GET", "m") == Reply("-", WRONGTYPE)
    typed_set(r3, "s", b"~2\r\n$1\r\nx\r\n#f\r\n")
    assert r3.cmd("GET", "s") == Reply("~", [Reply("$", b"x"), Reply("#", False)])
    assert r.cmd("GET", "s") == Reply("-", WRONGTYPE)
    typed_set(r3, "t", b"#t\r\n")
    assert r3.cmd("GET", "t") == Reply("#", True)
    assert r.cmd("GET", "t") == Reply("-", WRONGTYPE)
    typed_set(r3, "n", b"_\r\n")
    assert r3.cmd("EXISTS", "n") == Reply(":", 1)
    assert r3.cmd("GET", "n") == Reply("_", None)
    assert r.cmd("GET", "n") == Reply("-", WRONGTYPE)
    typed_set(r3, "a", b"*2\r\n:1\r\n,2.5\r\n")
    assert r3.cmd("GET", "a") == Reply("*", [Reply(":", 1), Reply(",", "2.5")])
    assert r.cmd("GET", "a") == Reply("-", WRONGTYPE)
    typed_set(r3, "big", b"(12345678901234567890\r\n")
    assert r3.cmd("GET", "big") == Reply("(", 12345678901234567890)
    assert r.cmd("GET", "big") == Reply("$", b"12345678901234567890")


def test_typed_non_strings_answer_wrongtype(r3):
    typed_set(r3, "m", b"%1\r\n+a\r\n:1\r\n")
    for args in (("APPEND", "m", "x"), ("STRLEN", "m"), ("INCR", "m"), ("DECRBY", "m", "1"),
                 ("INCRBYFLOAT", "m", "1"), ("GETRANGE", "m", 0, 1), ("SETRANGE", "m", 0, "x"),
                 ("SETBIT", "m", 0, 1), ("GETBIT", "m", 0), ("BITCOUNT", "m"),
                 ("BITPOS", "m", 1), ("BITOP", "OR", "d", "m")):
        assert r3.cmd(*args) == Reply("-", WRONGTYPE), args
    assert r3.cmd("LCS", "m", "x") == Reply(
        "-", "ERR The specified keys must contain string values")


def test_get_like_commands_return_typed_values(r3):
    typed_set(r3, "t", b"#t\r\n")
    assert r3.cmd("MGET", "t", "nokey") == Reply("*", [Reply("#", True), Reply("_", None)])
    assert r3.cmd("GETEX", "t", "PERSIST") == Reply("#", True)
    assert r3.cmd("SET", "t", "v", "GET") == Reply("#", True)
    typed_set(r3, "t", b"#f\r\n")
    assert r3.cmd("GETSET", "t", "w") == Reply("#", False)
    typed_set(r3, "t", b",0.25\r\n")
    assert r3.cmd("GETDEL", "t") == Reply(",", "0.25")
    assert r3.cmd("EXISTS", "t") == Reply(":", 0)


def test_typed_value_positions(r3):
    assert typed_set(r3, "k", b"#t\r\n", cmd="SETNX") == Reply(":", 1)
    assert typed_set(r3, "k", b"#t\r\n", cmd="GETSET") == Reply("#", True)
    assert raw(r3, bulk("SETEX"), bulk("e"), bulk("100"), b":7\r\n") == Reply("+", "OK")
    assert raw(r3, bulk("PSETEX"), bulk("p"), bulk("100000"), b":8\r\n") == Reply("+", "OK")
    assert r3.cmd("MGET", "e", "p") == Reply("*", [Reply(":", 7), Reply(":", 8)])
    assert raw(r3, bulk("MSET"), bulk("x"), b":1\r\n", bulk("y"), b"#t\r\n") == Reply("+", "OK")
    assert raw(r3, bulk("MSETNX"), bulk("x2"), b":1\r\n", bulk("y2"), b",1.5\r\n") == Reply(":", 1)
    assert r3.cmd("MGET", "x", "y", "y2") == Reply(
        "*", [Reply(":", 1), Reply("#", True), Reply(",", "1.5")])
    # A typed key, a typed option, or a typed value of a command that takes none: refused.
    for parts in ((bulk("SET"), b":1\r\n", bulk("v")),
                  (bulk("SET"), bulk("k"), bulk("v"), bulk("EX"), b":10\r\n"),
                  (bulk("SETEX"), bulk("k"), b":10\r\n", bulk("v")),
                  (bulk("MSET"), b":1\r\n", bulk("v")),
                  (bulk("APPEND"), bulk("k"), b":1\r\n"),
                  (bulk("INCRBY"), bulk("k"), b":1\r\n")):
        assert raw(r3, *parts) == Reply("-", TYPED_POSITION), parts


# --- expiry (short real TTLs, one shared wait) --------------------------------------------------

def test_expiry_end_to_end(r):
    now_ms = int(r.cmd("TIME").v[0].v) * 1000
    r.cmd("PSETEX", "a", "60", "v")
    r.cmd("SET", "b", "v", "PX", "60")
    r.cmd("SET", "c", "v", "PXAT", str(now_ms + 2000 + 60))
    r.cmd("SET", "c", "v", "PX", "60")
    r.cmd("SET", "d", "v", "PX", "60")
    r.cmd("SET", "d", "w", "KEEPTTL")
    r.cmd("SET", "e", "v")
    r.cmd("GETEX", "e", "PX", "60")
    r.cmd("SET", "f", "v", "PX", "60")
    r.cmd("GETEX", "f", "PERSIST")
    r.cmd("SET", "g", "5", "PX", "60")
    r.cmd("INCR", "g")                      # keeps the TTL
    r.cmd("SET", "h", "v", "PX", "60")
    r.cmd("SET", "h", "v")                  # drops it
    time.sleep(0.15)
    assert r.cmd("MGET", "a", "b", "c", "d", "e", "f", "g", "h").plain() == [
        None, None, None, None, None, b"v", None, b"v"]
    assert r.cmd("GETEX", "f", "PXAT", "1") == Reply("$", b"v")
    assert r.cmd("EXISTS", "f") == Reply(":", 0)


# --- limits ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    """A miniredis whose strings may not exceed 1 MB."""
    s = start_miniredis("--proto-max-bulk-len", "1mb")
    yield s
    s.stop()


def test_proto_max_bulk_len_limits(small):
    c = RawClient(small.port)
    try:
        limit = 1024 * 1024
        too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        bad_offset = "ERR bit offset is not an integer or out of range"
        assert c.cmd("SETRANGE", "k", limit, "x") == Reply("-", too_big)
        assert c.cmd("SETRANGE", "k", limit - 1, "x") == Reply(":", limit)
        assert c.cmd("APPEND", "k", "y") == Reply("-", too_big)
        assert c.cmd("STRLEN", "k") == Reply(":", limit)
        assert c.cmd("SETBIT", "b", limit * 8, 1) == Reply("-", bad_offset)
        assert c.cmd("GETBIT", "b", limit * 8) == Reply("-", bad_offset)
        assert c.cmd("SETBIT", "b", limit * 8 - 1, 1) == Reply(":", 0)
        assert c.cmd("STRLEN", "b") == Reply(":", limit)
        c.cmd("MSET", "x", "a" * 600, "y", "b" * 600)
        assert c.cmd("LCS", "x", "y", "LEN") == Reply(
            "-", "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        c.cmd("MSET", "x", "a" * 400, "y", "ab" * 200)
        assert c.cmd("LCS", "x", "y", "LEN") == Reply(":", 200)
    finally:
        c.close()


def test_keyspace_hits_and_misses(r):
    def counters():
        info = r.cmd("INFO", "stats").v.decode()
        fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
        return int(fields["keyspace_hits"]), int(fields["keyspace_misses"])

    r.cmd("SET", "k", "v")
    h0, m0 = counters()
    r.cmd("GET", "k")
    r.cmd("GET", "nokey")
    r.cmd("MGET", "k", "nokey", "k")
    r.cmd("STRLEN", "k")
    r.cmd("INCR", "counter")              # a write lookup: not counted
    r.cmd("APPEND", "k", "x")             # idem
    r.cmd("BITOP", "OR", "d", "k", "nokey")
    h1, m1 = counters()
    assert (h1 - h0, m1 - m0) == (5, 3)


# --- helpers against plain references ----------------------------------------------------------------

def naive_lcs_table(a, b):
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t


def test_bit_parallel_lcs_table_matches_dynamic_programming():
    rnd = random.Random(5)
    for _ in range(60):
        a = bytes(rnd.choice(b"abcd") for _ in range(rnd.randrange(0, 25)))
        b = bytes(rnd.choice(b"abcd") for _ in range(rnd.randrange(0, 25)))
        rows = strings._lcs_rows(a, b)
        table = naive_lcs_table(a, b)
        for i in range(len(a) + 1):
            for j in range(len(b) + 1):
                assert j - (rows[i] & ((1 << j) - 1)).bit_count() == table[i][j]


def test_long_lcs_is_fast(r):
    rnd = random.Random(9)
    a = "".join(rnd.choice("acgt") for _ in range(4000))
    b = "".join(rnd.choice("acgt") for _ in range(4000))
    r.cmd("MSET", "a", a, "b", b)
    t0 = time.time()
    reply = r.cmd("LCS", "a", "b", "IDX")
    assert time.time() - t0 < 10
    assert reply.v[2] == Reply("$", b"len") and reply.v[3].v > 2500


def test_long_double_rounding():
    # x87 long double has a 64-bit mantissa: 2**64 + 1 is not representable.
    assert longdouble.ld_round(Fraction(2 ** 64 + 1)) == 2 ** 64
    assert longdouble.ld_round(Fraction(2 ** 64 + 3)) == 2 ** 64 + 4
    assert longdouble.ld_round(Fraction(2) ** 16384) is None
    assert longdouble.ld_format(longdouble.ld_round(
        longdouble.ld_parse(b"0.1") + longdouble.ld_parse(b"0.2"))) == b"0.3"
    assert longdouble.ld_format(Fraction(-1, 10 ** 20)) == b"0"


def test_parse_float_follows_strtod():
    from miniredis.datatypes import parse_float
    from miniredis.errors import CommandError
    accepted = {b"1": 1.0, b".5": 0.5, b"5.": 5.0, b"-1e3": -1000.0, b"0x10": 16.0,
                b"0X1p3": 8.0, b"-0x1.8p1": -3.0, b"0x.8": 0.5, b"inf": float("inf"),
                b"-Infinity": float("-inf"), b"0e-400": 0.0, b"0x0p99999": 0.0,
                b"0x1p-1074": 5e-324, b"1e-310": 1e-310}
    for text, value in accepted.items():
        assert parse_float(text) == value, text
    # Out of range (strtod's ERANGE), nan, spaces and partial parses are refused.
    for text in (b"", b".", b"e5", b"1e", b"0x", b"0x.", b"0xp1", b"0x1p", b"nan", b"-nan",
                 b"1e309", b"1e-400", b"0x1p1024", b"0x1p-1080", b" 1", b"1 ", b"1_0",
                 b"infinit", b"0x1p99999999999999999999"):
        with pytest.raises(CommandError):
            parse_float(text)


def test_parse_int_is_strict_and_bounded():
    from miniredis.datatypes import parse_int
    from miniredis.errors import CommandError
    assert parse_int(b"-9223372036854775808") == -2 ** 63
    assert parse_int(b"9223372036854775807") == 2 ** 63 - 1
    for text in (b"9223372036854775808", b"-0", b"+1", b"01", b"", b"1 ", b"9" * 5000):
        with pytest.raises(CommandError):
            parse_int(text)


def test_long_double_hex_parsing():
    from miniredis.errors import CommandError
    assert longdouble.ld_parse(b"0x1.8p1") == 3
    assert longdouble.ld_parse(b"-0x.8") == Fraction(-1, 2)
    # A 65-bit mantissa rounds to 64 bits, ties to even.
    assert longdouble.ld_parse(b"0x1.0000000000000001p0") == 1
    assert longdouble.ld_parse(b"0x1.0000000000000003p0") == 1 + Fraction(1, 2 ** 62)
    assert longdouble.ld_parse(b"0x1p-16445") == Fraction(1, 2 ** 16445)
    for text in (b"0x1p16384", b"0x1p-16446", b"0x", b"0x1p"):
        with pytest.raises(CommandError):
            longdouble.ld_parse(text)
