"""Hash commands over a real socket: reply shapes per protocol, typed arguments, HSCAN over
large hashes while they change, HRANDFIELD coverage; then, in-process, the keyspace events,
propagation and dirty counts each command reports, and the HashValue type itself."""

import pytest

from support import Reply
from miniredis.config import Config
from miniredis.connection import Connection
from miniredis.server import Server
from miniredis.values.hashvalue import HashValue

TYPED_POSITION = ("ERR typed values are only accepted as the value of "
                  "SET, SETNX, SETEX, PSETEX, GETSET, MSET and MSETNX")


def bulk(s):
    if isinstance(s, str):
        s = s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def raw(client, *parts):
    client.send_raw(b"*%d\r\n" % len(parts) + b"".join(parts))
    return client.read()


def B(v):
    return Reply("$", v)


# --- reply shapes ------------------------------------------------------------------------------

def test_hgetall_is_a_map(r, r3):
    for c in (r, r3):
        c.cmd("HSET", "h", "a", "1", "b", "2")
    assert r.cmd("HGETALL", "h") == Reply("*", [B(b"a"), B(b"1"), B(b"b"), B(b"2")])
    assert r3.cmd("HGETALL", "h") == Reply("%", [(B(b"a"), B(b"1")), (B(b"b"), B(b"2"))])
    assert r.cmd("HGETALL", "no") == Reply("*", [])
    assert r3.cmd("HGETALL", "no") == Reply("%", [])


def test_nulls_per_protocol(r, r3):
    assert r.cmd("HGET", "no", "f") == Reply("$", None)
    assert r3.cmd("HGET", "no", "f") == Reply("_", None)
    assert r3.cmd("HMGET", "no", "a", "b") == Reply("*", [Reply("_", None)] * 2)
    assert r.cmd("HRANDFIELD", "no") == Reply("$", None)
    assert r3.cmd("HRANDFIELD", "no") == Reply("_", None)


def test_hrandfield_withvalues_shapes(r, r3):
    r.cmd("HSET", "h", "a", "1", "b", "2")
    flat = r.cmd("HRANDFIELD", "h", "-3", "WITHVALUES")
    assert flat.t == "*" and len(flat.v) == 6 and all(x.t == "$" for x in flat.v)
    pairs = r3.cmd("HRANDFIELD", "h", "-3", "WITHVALUES")
    assert pairs.t == "*" and len(pairs.v) == 3
    for p in pairs.v:
        assert p.t == "*" and (p.v[0].v, p.v[1].v) in {(b"a", b"1"), (b"b", b"2")}
    assert r3.cmd("HRANDFIELD", "h", "5", "WITHVALUES") == Reply(
        "*", [Reply("*", [B(b"a"), B(b"1")]), Reply("*", [B(b"b"), B(b"2")])])


def test_hrandfield_negative_count_reaches_every_field(r):
    r.cmd("HSET", "h", "a", "1", "b", "2", "c", "3")
    got = r.cmd("HRANDFIELD", "h", "-1000")
    assert len(got.v) == 1000 and {x.v for x in got.v} == {b"a", b"b", b"c"}
    seen = set()
    for _ in range(200):   # bounded: each draw misses a given field with p = 2/3
        seen.add(r.cmd("HRANDFIELD", "h").v)
        if len(seen) == 3:
            break
    assert seen == {b"a", b"b", b"c"}


def test_hrandfield_distinct_on_large_hash(r):
    r.cmd("HSET", "h", *[x for i in range(2000) for x in (b"f%d" % i, b"%d" % i)])
    for count in (1, 2, 50, 1999):
        got = [x.v for x in r.cmd("HRANDFIELD", "h", count).v]
        assert len(got) == len(set(got)) == count


def test_hscan_reply_shape(r3):
    r3.cmd("HSET", "h", "a", "1")
    assert r3.cmd("HSCAN", "h", "0") == Reply("*", [B(b"0"), Reply("*", [B(b"a"), B(b"1")])])
    assert r3.cmd("HSCAN", "no", "0", "COUNT", "0") == Reply("*", [B(b"0"), Reply("*", [])])


def test_typed_arguments_refused(r3):
    r3.cmd("HSET", "h", "a", "1")
    for parts in ((bulk("HSET"), bulk("h"), bulk("f"), b":1\r\n"),
                  (bulk("HSET"), bulk("h"), b",1.5\r\n", bulk("v")),
                  (bulk("HMSET"), bulk("h"), bulk("f"), b"#t\r\n"),
                  (bulk("HSETNX"), bulk("h"), bulk("g"), b":1\r\n"),
                  (bulk("HINCRBY"), bulk("h"), bulk("a"), b":1\r\n"),
                  (bulk("HINCRBYFLOAT"), bulk("h"), bulk("a"), b",1.5\r\n"),
                  (bulk("HGET"), bulk("h"), b":1\r\n")):
        assert raw(r3, *parts) == Reply("-", TYPED_POSITION), parts
    assert r3.cmd("HGETALL", "h") == Reply("%", [(B(b"a"), B(b"1"))])


def test_typed_string_value_is_wrongtype_for_hashes(r3):
    assert raw(r3, bulk("SET"), bulk("k"), b"%1\r\n$1\r\na\r\n$1\r\nb\r\n").v == "OK"
    assert r3.cmd("HGET", "k", "a").t == "-"
    assert r3.cmd("TYPE", "k").v == "map"


# --- HSCAN on a large (hashtable) hash ----------------------------------------------------------

def _scan_all(c, key, count, during=None):
    cursor, seen, steps = b"0", {}, 0
    while steps < 10000:
        reply = c.cmd("HSCAN", key, cursor, "COUNT", count)
        cursor = reply.v[0].v
        items = [x.v for x in reply.v[1].v]
        for f, v in zip(items[::2], items[1::2]):
            assert f not in seen, "field returned twice"
            seen[f] = v
        steps += 1
        if during is not None:
            during(steps)
        if cursor == b"0":
            return seen
    raise AssertionError("scan did not end")


def test_hscan_large_hash_while_it_changes(r):
    r.cmd("HSET", "h", *[x for i in range(1000) for x in (b"f%d" % i, b"v%d" % i)])
    assert r.cmd("OBJECT", "ENCODING", "h").v == b"hashtable"

    def during(step):
        # Delete some fields not yet seen, add new ones: untouched fields must all come back.
        r.cmd("HDEL", "h", b"f%d" % (999 - step))
        r.cmd("HSET", "h", b"new%d" % step, b"x")
    seen = _scan_all(r, "h", 25, during)
    kept = {b"f%d" % i: b"v%d" % i for i in range(1000 - 45)}
    assert all(seen.get(f) == v for f, v in kept.items())


def test_hscan_count_pages(r):
    r.cmd("HSET", "h", *[x for i in range(600) for x in (b"f%d" % i, b"v")])
    first = r.cmd("HSCAN", "h", "0", "COUNT", "100")
    assert first.v[0].v != b"0" and len(first.v[1].v) == 200
    assert len(_scan_all(r, "h", 100)) == 600


# --- counters ----------------------------------------------------------------------------------

def test_hincrbyfloat_matches_incrbyfloat(r):
    for step in ("0.1", "0.2", "1e-5", "-3.3", "1234567.89", "0x1p-3", "5e300"):
        a = r.cmd("HINCRBYFLOAT", "h", "f", step)
        b = r.cmd("INCRBYFLOAT", "s", step)
        assert a == b, step


def test_hincrby_creates_then_emptied_hash_goes(r):
    assert r.cmd("HINCRBY", "h", "n", "-2") == Reply(":", -2)
    assert r.cmd("HDEL", "h", "n") == Reply(":", 1)
    assert r.cmd("EXISTS", "h") == Reply(":", 0)


def test_failed_write_on_missing_key_leaves_nothing(r):
    assert r.cmd("HINCRBY", "h", "n", "x").t == "-"
    assert r.cmd("HINCRBYFLOAT", "h", "n", "inf").t == "-"
    assert r.cmd("HSET", "h", "a", "1", "b").t == "-"
    assert r.cmd("EXISTS", "h") == Reply(":", 0)


# --- events, propagation, dirty (in-process, no socket) ---------------------------------------

@pytest.fixture
def engine():
    """A server object driven directly: (dispatch(argv) -> reply, events, ops, server)."""
    server = Server(Config())
    conn = Connection(server, None, ("127.0.0.1", 0), 1)
    events, ops = [], []
    server.events.keyspace_listeners.append(lambda cls, ev, key, db: events.append((cls, ev, key)))
    server.events.propagate_listeners.append(lambda o: ops.extend(a for _, a in o))
    return (lambda *argv: server.dispatcher.dispatch(conn, [a.encode() if isinstance(a, str)
                                                             else a for a in argv]),
            events, ops, server)


def test_events_and_propagation(engine):
    run, events, ops, server = engine
    dirty = server.keyspace.dirty
    assert run("HSET", "h", "a", "1", "b", "2", "a", "3") == 2
    assert run("HMSET", "h", "c", "1") is not None
    assert run("HSETNX", "h", "c", "9") == 0
    assert run("HSETNX", "h", "d", "9") == 1
    assert run("HINCRBY", "h", "n", "5") == 5
    assert run("HINCRBYFLOAT", "h", "x", "0.5") == b"0.5"
    assert run("HDEL", "h", "zz") == 0
    assert run("HDEL", "h", "a", "b") == 2
    assert run("HGET", "h", "c") == b"1"
    assert run("HDEL", "h", "c", "d", "n", "x") == 4
    assert events == [("h", "hset", b"h"), ("h", "hset", b"h"), ("h", "hset", b"h"),
                      ("h", "hincrby", b"h"), ("h", "hincrbyfloat", b"h"),
                      ("h", "hdel", b"h"), ("h", "hdel", b"h"), ("g", "del", b"h")]
    assert ops == [[b"HSET", b"h", b"a", b"1", b"b", b"2", b"a", b"3"],
                   [b"HMSET", b"h", b"c", b"1"],
                   [b"HSETNX", b"h", b"d", b"9"],
                   [b"HINCRBY", b"h", b"n", b"5"],
                   [b"HSET", b"h", b"x", b"0.5"],
                   [b"HDEL", b"h", b"a", b"b"],
                   [b"HDEL", b"h", b"c", b"d", b"n", b"x"]]
    # As Redis: one per field argument pair of HSET, one per field deleted, one otherwise.
    assert server.keyspace.dirty - dirty == 3 + 1 + 1 + 1 + 1 + 2 + 4


def test_failed_commands_report_nothing(engine):
    run, events, ops, server = engine
    run("HSET", "h", "f", "abc")
    del events[:], ops[:]
    dirty = server.keyspace.dirty
    for argv in (("HINCRBY", "h", "f", "1"), ("HINCRBYFLOAT", "h", "f", "1"),
                 ("HINCRBYFLOAT", "h", "g", "inf"), ("HSET", "h", "a")):
        run(*argv)
    assert events == [] and ops == [] and server.keyspace.dirty == dirty


# --- the value type ---------------------------------------------------------------------------

def test_hashvalue_shape():
    h = HashValue({b"a": b"1"})
    assert isinstance(h, dict) and not hasattr(h, "__dict__")
    assert h.big is False and h.type_name == "hash"


def test_hashvalue_rules_and_copy():
    cfg = Config()
    cfg.hash_max_listpack_entries, cfg.hash_max_listpack_value = 2, 3
    h = HashValue()
    h.check_lengths(cfg, [b"abc", b"xyz"])
    h[b"abc"] = b"xyz"
    h.check_entries(cfg)
    assert h.encoding(cfg) == "listpack"
    h.update({b"b": b"1", b"c": b"2"})
    h.check_entries(cfg)
    assert h.encoding(cfg) == "hashtable"
    h.clear()
    assert h.encoding(cfg) == "hashtable"          # sticky
    c = h.copy()
    assert type(c) is HashValue and c.big and c is not h
    c[b"x"] = b"y"
    assert b"x" not in h
    assert HashValue.build([(b"a", b"1")], cfg).encoding(cfg) == "listpack"
    assert HashValue.build([(b"a", b"long")], cfg).encoding(cfg) == "hashtable"
    assert HashValue.build([(b"a", b""), (b"b", b""), (b"c", b"")], cfg).big


def test_hashvalue_memory_estimate_grows():
    small = HashValue({b"a": b"1"})
    big = HashValue({b"f%d" % i: b"x" * 100 for i in range(1000)})
    assert 0 < small.memory() < big.memory()
    assert big.memory() >= 1000 * 100
