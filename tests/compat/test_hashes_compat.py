"""Hash commands, line by line against the reference redis-server (RESP2 and RESP3).

Small hashes are listpack-encoded in Redis, whose order is insertion order --
the order miniredis keeps too -- so their listings are compared exactly;
hashtable-encoded ones are compared as sets. HRANDFIELD answers are random:
compared by type, shape, length and membership.
"""


import pytest
from support import config, encoding  # noqa: E402

LLONG_MAX = str(2 ** 63 - 1)
LLONG_MIN = str(-(2 ** 63))
HASH_COMMANDS = ("hset", "hsetnx", "hget", "hmget", "hmset", "hdel", "hexists", "hlen",
                 "hstrlen", "hkeys", "hvals", "hgetall", "hincrby", "hincrbyfloat",
                 "hrandfield", "hscan")


def same_unordered(compat, *args):
    """Same reply type and the same elements (flat arrays) or pairs (maps), in any order."""
    m, r = compat.both(*args)
    assert m.t == r.t, (args, m, r)
    assert sorted(map(repr, m.v)) == sorted(map(repr, r.v)), (args, m, r)
    return m


# --- metadata -------------------------------------------------------------------------------

def test_command_info_and_docs(compat):
    for name in HASH_COMMANDS:
        compat.same("COMMAND", "INFO", name)
        compat.same("COMMAND", "DOCS", name)
    for name in ("hset", "hmset", "hsetnx"):
        compat.same("COMMAND", "GETKEYS", name, "k", "f", "v")


# --- HSET / HMSET / HSETNX -------------------------------------------------------------------

def test_hset_basic(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("HSET", "h", "a", "2", "b", "3")
    compat.same("HSET", "h", "c", "x", "c", "y")       # duplicate field in one call
    compat.same("HSET", "h", "", "")                     # empty field and value
    compat.same("HSET", "h", b"\x00\xff\r\n", b"\r\n\x00")
    compat.same("HGETALL", "h")
    compat.same("HLEN", "h")
    compat.same("TYPE", "h")


def test_hset_arity(compat):
    compat.same_error("HSET", "h")
    compat.same_error("HSET", "h", "a")
    compat.same_error("HSET", "h", "a", "1", "b")
    compat.same_error("HMSET", "h", "a")
    compat.same_error("HMSET", "h", "a", "1", "b")
    compat.same("EXISTS", "h")
    compat.same("SET", "s", "v")
    compat.same_error("HSET", "s", "a", "1", "b")       # arity is checked before the type


def test_hmset(compat):
    compat.same("HMSET", "h", "a", "1", "b", "2")
    compat.same("HMSET", "h", "a", "3")
    compat.same("HGETALL", "h")
    compat.same_error("hmset", "h", "a")


def test_hsetnx(compat):
    compat.same("HSETNX", "h", "a", "1")
    compat.same("HSETNX", "h", "a", "2")
    compat.same("HSETNX", "h", "b", "")
    compat.same("HGETALL", "h")
    compat.same_error("HSETNX", "h", "a")
    compat.same_error("HSETNX", "h", "a", "1", "2")


def test_hset_keeps_ttl(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("EXPIRE", "h", "1000")
    compat.same("HSET", "h", "b", "2")
    compat.same("HSETNX", "h", "c", "3")
    compat.same("HINCRBY", "h", "n", "1")
    compat.same("HINCRBYFLOAT", "h", "n", "1.5")
    compat.same("HDEL", "h", "a")
    m, r = compat.both("TTL", "h")
    assert m.t == r.t == ":" and 990 <= m.v <= 1000 and 990 <= r.v <= 1000


# --- reads ------------------------------------------------------------------------------------

def test_reads_on_missing_key(compat):
    for cmd in (("HGET", "no", "f"), ("HMGET", "no", "a", "b"), ("HEXISTS", "no", "f"),
                ("HLEN", "no"), ("HSTRLEN", "no", "f"), ("HKEYS", "no"), ("HVALS", "no"),
                ("HGETALL", "no"), ("HRANDFIELD", "no"), ("HRANDFIELD", "no", "3"),
                ("HRANDFIELD", "no", "-3", "WITHVALUES"), ("HSCAN", "no", "0"),
                ("HDEL", "no", "f")):
        compat.same(*cmd)
    compat.same("EXISTS", "no")


def test_reads(compat):
    compat.same("HSET", "h", "a", "1", "b", "hello", "num", "-12")
    compat.same("HGET", "h", "a")
    compat.same("HGET", "h", "zz")
    compat.same("HMGET", "h", "a", "zz", "b", "a")
    compat.same("HEXISTS", "h", "a")
    compat.same("HEXISTS", "h", "zz")
    compat.same("HSTRLEN", "h", "b")
    compat.same("HSTRLEN", "h", "num")
    compat.same("HSTRLEN", "h", "zz")
    compat.same("HKEYS", "h")
    compat.same("HVALS", "h")
    compat.same("HGETALL", "h")
    compat.same("HLEN", "h")


def test_arity_errors(compat):
    for cmd in (("HGET", "h"), ("HGET", "h", "a", "b"), ("HMGET", "h"), ("HEXISTS", "h"),
                ("HLEN",), ("HLEN", "h", "x"), ("HSTRLEN", "h"), ("HKEYS",), ("HVALS", "h", "x"),
                ("HGETALL",), ("HDEL", "h"), ("HINCRBY", "h", "f"), ("HINCRBYFLOAT", "h", "f"),
                ("HINCRBY", "h", "f", "1", "2"), ("HRANDFIELD",), ("HSCAN", "h")):
        compat.same_error(*cmd)


def test_wrongtype(compat):
    compat.same("SET", "s", "v")
    for cmd in (("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
                ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HEXISTS", "s", "a"), ("HLEN", "s"),
                ("HSTRLEN", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"), ("HGETALL", "s"),
                ("HDEL", "s", "a"), ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
                ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "0"),
                ("HRANDFIELD", "s", "2", "WITHVALUES"),
                ("HSCAN", "s", "0")):
        compat.same_error(*cmd)
    compat.same("HSET", "h", "a", "1")
    compat.same_error("GET", "h")
    compat.same_error("INCR", "h")
    compat.same("GET", "s")


# --- HDEL --------------------------------------------------------------------------------------

def test_hdel(compat):
    compat.same("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    compat.same("HDEL", "h", "zz")
    compat.same("HDEL", "h", "a", "a", "zz")
    compat.same("HDEL", "h", "b", "c")
    compat.same("HGETALL", "h")
    compat.same("HDEL", "h", "d", "d", "x")                # the last field removes the key
    compat.same("EXISTS", "h")
    compat.same("HGETALL", "h")
    compat.same("HSET", "h", "n", "1", "m", "2")
    compat.same("HDEL", "h", "n", "m")
    compat.same("TYPE", "h")


def test_delete_then_recreate_order(compat):
    compat.same("HSET", "h", "a", "1", "b", "2", "c", "3")
    compat.same("HDEL", "h", "a")
    compat.same("HSET", "h", "a", "4", "b", "5")
    compat.same("HGETALL", "h")
    compat.same("HKEYS", "h")
    compat.same("HVALS", "h")


# --- HINCRBY ------------------------------------------------------------------------------------

def test_hincrby(compat):
    compat.same("HINCRBY", "h", "n", "5")           # creates key and field
    compat.same("HINCRBY", "h", "n", "-15")
    compat.same("HGET", "h", "n")
    compat.same("HINCRBY", "h", "n", "0")
    compat.same("HSET", "h", "max", LLONG_MAX, "min", LLONG_MIN)
    compat.same_error("HINCRBY", "h", "max", "1")
    compat.same_error("HINCRBY", "h", "min", "-1")
    compat.same("HINCRBY", "h", "max", LLONG_MIN)
    compat.same("HINCRBY", "h", "min", LLONG_MAX)
    compat.same("HGETALL", "h")


def test_hincrby_errors(compat):
    compat.same("HSET", "h", "s", "abc", "sp", " 1", "f", "1.5", "e", "", "z", "01",
                "neg0", "-0", "plus", "+1", "big", "9223372036854775808")
    for field in ("s", "sp", "f", "e", "z", "neg0", "plus", "big"):
        compat.same_error("HINCRBY", "h", field, "1")
    for incr in ("x", "1.0", "", " 1", "9223372036854775808", "1e3", "+1"):
        compat.same_error("HINCRBY", "h", "n", incr)
        compat.same_error("HINCRBY", "nokey", "n", incr)
    compat.same("EXISTS", "nokey")
    compat.same("HEXISTS", "h", "n")


# --- HINCRBYFLOAT ---------------------------------------------------------------------------

def test_hincrbyfloat(compat):
    compat.same("HINCRBYFLOAT", "h", "f", "0.1")
    compat.same("HINCRBYFLOAT", "h", "f", "0.2")       # 0.3, not 0.30000000000000004
    compat.same("HINCRBYFLOAT", "h", "f", "-0.3")
    compat.same("HINCRBYFLOAT", "h", "f", "1e3")
    compat.same("HINCRBYFLOAT", "h", "f", "0x10")
    compat.same("HINCRBYFLOAT", "h", "f", "5.0e-1")
    compat.same("HINCRBYFLOAT", "h", "f", "-1234567.891")
    compat.same("HINCRBYFLOAT", "h", "i", "3")
    compat.same("HSET", "h", "n", "10", "x", "1.5e2", "hx", "0x1p4")
    compat.same("HINCRBYFLOAT", "h", "n", "0.5")
    compat.same("HINCRBYFLOAT", "h", "x", "1")
    compat.same("HINCRBYFLOAT", "h", "hx", "1")
    compat.same("HINCRBYFLOAT", "h", "big", "1e400")   # a long double holds it
    compat.same("HINCRBYFLOAT", "h", "big", "1")
    compat.same("HINCRBYFLOAT", "h", "tiny", "1e-20")
    assert encoding(compat, "h") == b"hashtable"      # the 401-digit value converted it
    same_unordered(compat, "HGETALL", "h")


def test_hincrbyfloat_errors(compat):
    compat.same("HSET", "h", "s", "abc", "e", "", "sp", " 1", "inf", "inf", "nan", "nan",
                "ok", "1")
    for field in ("s", "e", "sp", "nan"):
        compat.same_error("HINCRBYFLOAT", "h", field, "1")
    compat.same_error("HINCRBYFLOAT", "h", "inf", "1")        # would produce infinity
    for incr in ("inf", "-inf", "+Infinity"):
        compat.same_error("HINCRBYFLOAT", "h", "ok", incr)     # NaN or Infinity
        compat.same_error("HINCRBYFLOAT", "nokey", "ok", incr)
    for incr in ("nan", "abc", "", " 1", "1 ", "1e5000", "1.5e-4970", "0x", "1e"):
        compat.same_error("HINCRBYFLOAT", "h", "ok", incr)
        compat.same_error("HINCRBYFLOAT", "nokey", "ok", incr)
    compat.same("EXISTS", "nokey")
    compat.same("HSET", "h", "m", "1.1e4932")
    compat.same_error("HINCRBYFLOAT", "h", "m", "1.1e4932")  # overflows the long double
    compat.same("HGET", "h", "ok")


def test_number_spellings(compat):
    compat.same("HSET", "h", "a", "1", "n", "007", "d", "1.", "d2", ".5")
    for text in ("-0", "+1", "01", " 1", "00", "1 "):
        compat.same_error("HRANDFIELD", "h", text)
        compat.same_error("HINCRBY", "h", "a", text)
    compat.same_error("HINCRBY", "h", "n", "1")
    compat.same("HINCRBYFLOAT", "h", "n", "1")
    compat.same("HINCRBYFLOAT", "h", "d", "1")
    compat.same("HINCRBYFLOAT", "h", "d2", "1")
    compat.same("HINCRBYFLOAT", "h", "d3", "-.5e+1")
    compat.same("HINCRBYFLOAT", "h", "d4", "1e-4940")
    compat.same("HINCRBYFLOAT", "h", "d4", "0x1p-16445")
    compat.same_error("HINCRBYFLOAT", "h", "d4", "1e-4951")
    compat.same("HGETALL", "h")


# --- HRANDFIELD ------------------------------------------------------------------------------

def _check_random(compat, fields, *args):
    """Same reply shape on both servers; every field drawn belongs to the hash."""
    m, r = compat.both(*args)
    assert m.t == r.t, (args, m, r)
    if m.t != "*":
        assert m == r or (m.v in fields and r.v in fields), (args, m, r)
        return m
    assert len(m.v) == len(r.v), (args, m, r)
    withvalues = len(args) == 4
    for reply in (m, r):
        items = reply.v
        if withvalues and compat.proto == 3:
            pairs = [(p.v[0].v, p.v[1].v) for p in items]
            assert all(p.t == "*" and len(p.v) == 2 for p in items), reply
        elif withvalues:
            pairs = [(items[i].v, items[i + 1].v) for i in range(0, len(items), 2)]
        else:
            pairs = [(x.v, fields[x.v]) for x in items]
        assert all(fields.get(f) == v for f, v in pairs), (args, reply)
        if int(args[2]) > 0:
            assert len(set(pairs)) == len(pairs), (args, reply)   # distinct fields
    return m


def test_hrandfield(compat):
    fields = {b"f%d" % i: b"v%d" % i for i in range(10)}
    compat.same("HSET", "h", *[x for kv in fields.items() for x in kv])
    _check_random(compat, fields, "HRANDFIELD", "h")
    for count in ("0", "1", "3", "9", "10", "11", "100", "-1", "-3", "-25"):
        _check_random(compat, fields, "HRANDFIELD", "h", count)
        _check_random(compat, fields, "HRANDFIELD", "h", count, "WITHVALUES")
        _check_random(compat, fields, "HRANDFIELD", "h", count, "withvalues")
    # A count at least the size answers the whole hash, in its order.
    compat.same("HRANDFIELD", "h", "10")
    compat.same("HRANDFIELD", "h", "20", "WITHVALUES")
    compat.same("HSET", "one", "a", "1")
    compat.same("HRANDFIELD", "one")
    compat.same("HRANDFIELD", "one", "-3", "WITHVALUES")
    compat.same("HRANDFIELD", "one", "1", "WITHVALUES")


def test_hrandfield_errors(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("SET", "s", "v")
    for key in ("h", "nokey", "s"):
        compat.same_error("HRANDFIELD", key, "x")
        compat.same_error("HRANDFIELD", key, "1.5")
        compat.same_error("HRANDFIELD", key, "1", "WITHVALUE")
        compat.same_error("HRANDFIELD", key, "1", "WITHVALUES", "x")
        compat.same_error("HRANDFIELD", key, LLONG_MIN)
        compat.same_error("HRANDFIELD", key, "9223372036854775808")
        compat.same_error("HRANDFIELD", key, "4611686018427387904", "WITHVALUES")
        compat.same_error("HRANDFIELD", key, "-4611686018427387904", "WITHVALUES")
    compat.same("HRANDFIELD", "nokey", "4611686018427387903", "WITHVALUES")
    compat.same("HRANDFIELD", "nokey", "-4611686018427387903", "WITHVALUES")
    compat.same("HRANDFIELD", "nokey", "-9223372036854775807")
    compat.same_error("HRANDFIELD", "s", "0")


def test_hrandfield_hashtable(compat):
    fields = {b"f%03d" % i: b"%d" % i for i in range(600)}
    args = [x for kv in fields.items() for x in kv]
    compat.same("HSET", "big", *args)
    assert encoding(compat, "big") == b"hashtable"
    for count in ("1", "5", "250", "599", "600", "1000", "-5", "-700"):
        _check_random(compat, fields, "HRANDFIELD", "big", count)
        _check_random(compat, fields, "HRANDFIELD", "big", count, "WITHVALUES")
    same_unordered(compat, "HRANDFIELD", "big", "600")


# --- HSCAN ----------------------------------------------------------------------------------

def test_hscan_small(compat):
    compat.same("HSET", "h", "a", "1", "b", "2", "ab", "3", "c", "4")
    compat.same("HSCAN", "h", "0")
    compat.same("HSCAN", "h", "0", "COUNT", "1")          # listpack: all at once
    compat.same("HSCAN", "h", "12345")                     # any cursor: all, cursor 0
    compat.same("HSCAN", "h", "0", "MATCH", "a*")
    compat.same("HSCAN", "h", "0", "MATCH", "*")
    compat.same("HSCAN", "h", "0", "MATCH", "zz*", "COUNT", "100")
    compat.same("HSCAN", "h", "0", "match", "b", "count", "5", "MATCH", "c")   # later wins


def test_hscan_errors(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("SET", "s", "v")
    for key in ("h", "s", "nokey"):
        compat.same_error("HSCAN", key, "x")
        compat.same_error("HSCAN", key, "-")
        compat.same_error("HSCAN", key, " 1")
        compat.same_error("HSCAN", key, "18446744073709551616")
    for key in ("h", "s"):
        compat.same_error("HSCAN", key, "0", "COUNT", "0")
    # Options are parsed after the lookup: a missing key answers the empty scan.
    for opts in (("COUNT", "0"), ("COUNT",), ("TYPE", "string"), ("FOO", "1"),
                 ("COUNT", "x"), ("MATCH",)):
        compat.same_error("HSCAN", "h", "0", *opts)
        compat.same("HSCAN", "nokey", "0", *opts)
    compat.same("HSCAN", "h", "-1")
    compat.same("HSCAN", "h", "18446744073709551615")


def _full_scan(client, key, *opts):
    """Every (field, value) an HSCAN returns from cursor 0 to 0 (bounded)."""
    cursor, seen = b"0", []
    for _ in range(10000):
        reply = client.cmd("HSCAN", key, cursor, *opts)
        cursor, items = reply.v[0].v, [x.v for x in reply.v[1].v]
        seen += list(zip(items[::2], items[1::2]))
        if cursor == b"0":
            return seen
    raise AssertionError("scan did not end")


def test_hscan_hashtable(compat):
    fields = {b"f%03d" % i: b"%d" % i for i in range(700)}
    compat.same("HSET", "big", *[x for kv in fields.items() for x in kv])
    assert encoding(compat, "big") == b"hashtable"
    for client in (compat.m, compat.r):
        assert dict(_full_scan(client, "big")) == fields
        assert dict(_full_scan(client, "big", "COUNT", "50")) == fields
        found = dict(_full_scan(client, "big", "MATCH", "f1*", "COUNT", "7"))
        assert found == {f: v for f, v in fields.items() if f.startswith(b"f1")}
    first = compat.m.cmd("HSCAN", "big", "0")
    assert first.v[0].v != b"0" and 0 < len(first.v[1].v) <= 40


# --- encodings ----------------------------------------------------------------------------------

def test_encoding_by_entries(compat):
    with config(compat, "hash-max-listpack-entries", "4"):
        compat.same("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        assert encoding(compat, "h") == b"listpack"
        compat.same("HSET", "h", "e", "5")
        assert encoding(compat, "h") == b"hashtable"
        compat.same("HDEL", "h", "a", "b", "c")             # sticky
        assert encoding(compat, "h") == b"hashtable"
        compat.same("HSET", "h2", "a", "1")
        compat.same("HINCRBY", "h2", "b", "1")
        compat.same("HINCRBYFLOAT", "h2", "c", "1.5")
        compat.same("HSETNX", "h2", "d", "1")
        assert encoding(compat, "h2") == b"listpack"
        compat.same("HSETNX", "h2", "e", "1")
        assert encoding(compat, "h2") == b"hashtable"
    with config(compat, "hash-max-listpack-entries", "0"):
        compat.same("HSET", "h3", "a", "1")
        assert encoding(compat, "h3") == b"hashtable"


def test_encoding_by_value_length(compat):
    with config(compat, "hash-max-listpack-value", "3"):
        compat.same("HSET", "h", "abc", "xyz")
        assert encoding(compat, "h") == b"listpack"
        compat.same("HSET", "h", "abc", "wxyz")              # an update converts too
        assert encoding(compat, "h") == b"hashtable"
        compat.same("HSET", "k", "abcd", "1")                # a long field
        assert encoding(compat, "k") == b"hashtable"
        compat.same("HSET", "n", "a", "1")
        compat.same("HSETNX", "n", "a", "toolong")            # not added: no conversion
        assert encoding(compat, "n") == b"listpack"
        compat.same("HINCRBYFLOAT", "n", "a", "0.25")         # "1.25": 4 bytes
        assert encoding(compat, "n") == b"hashtable"
        compat.same("HSET", "i", "a", "999")
        compat.same("HINCRBY", "i", "a", "1")                 # "1000"
        assert encoding(compat, "i") == b"hashtable"
        compat.same("HSET", "j", "a", "1")
        compat.same("HINCRBY", "j", "long", "1")              # a long field name
        assert encoding(compat, "j") == b"hashtable"


def test_encoding_config_change_applies_on_write(compat):
    compat.same("HSET", "h", "a", "1", "b", "2", "c", "3")
    with config(compat, "hash-max-ziplist-entries", "2"):     # the old alias
        compat.same("CONFIG", "GET", "hash-max-listpack-entries")
        assert encoding(compat, "h") == b"listpack"           # nothing written yet
        compat.same("HGET", "h", "a")
        assert encoding(compat, "h") == b"listpack"
        compat.same("HSET", "h", "a", "9")                    # an update re-checks the size
        assert encoding(compat, "h") == b"hashtable"
    with config(compat, "hash-max-ziplist-value", "1"):
        compat.same("CONFIG", "GET", "hash-max-listpack-value")
        compat.same("HSET", "v", "a", "22")
        assert encoding(compat, "v") == b"hashtable"


def test_copy_keeps_encoding(compat):
    with config(compat, "hash-max-listpack-entries", "2"):
        compat.same("HSET", "h", "a", "1", "b", "2", "c", "3")
        compat.same("HDEL", "h", "c")
        compat.same("COPY", "h", "h2")
        assert encoding(compat, "h2") == b"hashtable"
        compat.same("HSET", "h2", "z", "1")
        compat.same("HLEN", "h")
        compat.same("RENAME", "h", "h3")
        assert encoding(compat, "h3") == b"hashtable"


def test_hashtable_listings(compat):
    with config(compat, "hash-max-listpack-value", "2"):
        compat.same("HSET", "h", "a", "1", "b", "longer", "c", "3")
        same_unordered(compat, "HGETALL", "h")
        same_unordered(compat, "HKEYS", "h")
        same_unordered(compat, "HVALS", "h")
        same_unordered(compat, "HMGET", "h", "a", "b", "zz")
        compat.same("HSTRLEN", "h", "b")


# --- interplay with generic commands -----------------------------------------------------------

def test_generic_commands_on_hash(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("TYPE", "h")
    compat.same("EXISTS", "h")
    compat.same("OBJECT", "ENCODING", "h")
    compat.same("RENAME", "h", "g")
    compat.same("HGETALL", "g")
    compat.same("DEL", "g")
    compat.same("HGETALL", "g")


def test_keyspace_hits_and_misses(compat):
    compat.same("HSET", "h", "a", "1")
    compat.same("CONFIG", "RESETSTAT")
    for cmd in (("HGET", "h", "a"), ("HGET", "no", "a"), ("HMGET", "h", "a"), ("HLEN", "no"),
                ("HSET", "h", "b", "2"), ("HINCRBY", "h", "n", "1"), ("HDEL", "no", "a"),
                ("HRANDFIELD", "h", "1"), ("HSCAN", "no", "0"), ("HGETALL", "h"),
                ("HEXISTS", "no", "a"), ("HSTRLEN", "h", "a")):
        compat.both(*cmd)

    def stats(client):
        text = client.cmd("INFO", "stats").v
        text = text.decode() if isinstance(text, bytes) else text
        return [ln for ln in text.split("\r\n") if ln.startswith("keyspace_")]
    assert stats(compat.m) == stats(compat.r)


@pytest.mark.parametrize("size", [1, 3])
def test_large_fields_roundtrip(compat, size):
    big = "x" * (1000 * size)
    compat.same("HSET", "h", big, big)
    compat.same("HGET", "h", big)
    compat.same("HSTRLEN", "h", big)
    compat.same("OBJECT", "ENCODING", "h")
