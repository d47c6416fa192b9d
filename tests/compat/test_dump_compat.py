"""DUMP / RESTORE / MIGRATE against the real redis-server 7.0.

Payloads are byte-identical to Redis' for every deterministic encoding (all
but hash tables, whose order is arbitrary); payloads cross between the two
servers both ways; old encodings (ziplist, zipmap, quicklist v1, linked
list, text-score zset) that only older Redis wrote are restored the same by
both; errors and their order of checks match; MIGRATE moves keys in both
directions with the same replies.
"""

import struct

import pytest

from support import RawClient, free_port, green_client, inprocess_server, start_redis

from miniredis.persistence.checksum import crc64
from test_rdb_compat import FAR, fill_commands, run_all, snapshot

HASHTABLE = (b"hashtable",)


def payload(body, version=10):
    """A DUMP payload around an RDB type byte + value."""
    body = body + struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


def rdb_len(n):
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    return b"\x80" + n.to_bytes(4, "big")


def rdb_str(s):
    return rdb_len(len(s)) + s


def ziplist(elements):
    """A ziplist as Redis < 7 wrote it (test-side encoder)."""
    entries, prev = [], 0
    for e in elements:
        head = bytes((prev,)) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(e, int):
            if 0 <= e <= 12:
                body = bytes((0xF1 + e,))
            elif -128 <= e <= 127:
                body = b"\xfe" + struct.pack("<b", e)
            elif -32768 <= e <= 32767:
                body = b"\xc0" + struct.pack("<h", e)
            elif -(1 << 23) <= e < (1 << 23):
                body = b"\xf0" + (e & 0xFFFFFF).to_bytes(3, "little")
            elif -(1 << 31) <= e < (1 << 31):
                body = b"\xd0" + struct.pack("<i", e)
            else:
                body = b"\xe0" + struct.pack("<q", e)
        elif len(e) < 64:
            body = bytes((len(e),)) + e
        elif len(e) < 16384:
            body = bytes((0x40 | (len(e) >> 8), len(e) & 0xFF)) + e
        else:
            body = b"\x80" + struct.pack(">I", len(e)) + e
        entries.append(head + body)
        prev = len(head + body)
    data = b"".join(entries)
    tail = 10 + len(data) - len(entries[-1]) if entries else 10
    return struct.pack("<IIH", 11 + len(data), tail, len(entries)) + data + b"\xff"


def zipmap(pairs):
    out = [bytes((len(pairs),))]
    for k, v in pairs:
        out += [bytes((len(k),)), k, bytes((len(v),)), b"\x00", v]
    return b"".join(out) + b"\xff"


OLD_PAYLOADS = {
    "list-linked": payload(b"\x01" + rdb_len(3) + rdb_str(b"a") + rdb_str(b"12") + rdb_str(b"x" * 70)),
    "list-ziplist": payload(b"\x0a" + rdb_str(ziplist([b"a", 5, -100, 1000, 100000, 2 ** 40, b"y" * 300]))),
    "list-quicklist": payload(b"\x0e" + rdb_len(2) + rdb_str(ziplist([b"a", 1])) +
                              rdb_str(ziplist([b"b", -(2 ** 63)]))),
    "hash-zipmap": payload(b"\x09" + rdb_str(zipmap([(b"f", b"v"), (b"n", b"12")]))),
    "hash-ziplist": payload(b"\x0d" + rdb_str(ziplist([b"f1", b"v1", b"f2", 7]))),
    "zset-ziplist": payload(b"\x0c" + rdb_str(ziplist([b"c", b"-inf", b"a", 1, b"b", b"2.5"]))),
    "zset-text": payload(b"\x03" + rdb_len(3) + rdb_str(b"a") + b"\x031.5" + rdb_str(b"b") + b"\xfe" +
                         rdb_str(b"c") + b"\xff"),
    "hash-plain": payload(b"\x04" + rdb_len(2) + rdb_str(b"a") + rdb_str(b"1") + rdb_str(b"b") +
                          rdb_str(b"2")),
    "set-plain": payload(b"\x02" + rdb_len(3) + rdb_str(b"1") + rdb_str(b"2") + rdb_str(b"x")),
    "zset2": payload(b"\x05" + rdb_len(2) + rdb_str(b"a") + struct.pack("<d", 2.0) + rdb_str(b"b") +
                     struct.pack("<d", -1.5)),
    "string-lzf-empty-int": payload(b"\x00\xc0\x05"),
}

BAD_PAYLOADS = {
    "garbage": b"x",
    "short": b"123456789",
    "crc": payload(b"\x00\x01a")[:-1] + b"\x00",
    "version": payload(b"\x00\x01a", version=11),
    "type": payload(b"\xc8\x01a"),
    "stream": payload(b"\x0f\x00"),
    "module": payload(b"\x07\x00"),
    "truncated": payload(b"\x00\x15ab"),
    "empty-hash-listpack": payload(b"\x10" + rdb_str(b"\x07\x00\x00\x00\x00\x00\xff")),
    "empty-set": payload(b"\x02\x00"),
    "dup-set": payload(b"\x02\x02\x01a\x01a"),
    "bad-listpack-size": payload(b"\x10" + rdb_str(b"\x08\x00\x00\x00\x02\x00\x81a\xff")),
}


def _fill_both(compat):
    run_all(compat.m, fill_commands())
    run_all(compat.r, fill_commands())


def _keys(c):
    return sorted(k.v for k in c.cmd("KEYS", "*").v)


def test_dump_payloads_are_redis_bytes(compat):
    _fill_both(compat)
    for db in (0, 3):
        compat.same("SELECT", db)
        for key in _keys(compat.r):
            if compat.r.cmd("OBJECT", "ENCODING", key).v in HASHTABLE:
                continue
            compat.same("DUMP", key)
    compat.same("SELECT", 0)


def test_dump_without_compression(compat):
    for c in (compat.m, compat.r):
        c.cmd("CONFIG", "SET", "rdbcompression", "no")
    try:
        compat.same("SET", "k", "a" * 100)
        compat.same("DUMP", "k")
        compat.same("RPUSH", "l", *(["b" * 30] * 40))
        compat.same("DUMP", "l")
    finally:
        for c in (compat.m, compat.r):
            c.cmd("CONFIG", "SET", "rdbcompression", "yes")


def test_dump_missing_and_wrong_arity(compat):
    compat.same("DUMP", "nokey")
    compat.same_error("DUMP")
    compat.same_error("DUMP", "a", "b")
    compat.same_error("RESTORE", "a", "0")


def test_payloads_cross_both_ways(pair):
    """Every key dumped by one server restores in the other with the same value and encoding."""
    m, r, _, _ = pair
    run_all(m, fill_commands())
    run_all(r, fill_commands())
    for src, dst in ((r, m), (m, r)):
        for key in _keys(src):
            data = src.cmd("DUMP", key).v
            assert dst.cmd("RESTORE", b"copy:" + key, 0, data).v == "OK"
            want = snapshot(src, key)[:3]
            got = snapshot(dst, b"copy:" + key)[:3]
            assert got == want, key
            dst.cmd("DEL", b"copy:" + key)


@pytest.mark.parametrize("name", sorted(OLD_PAYLOADS))
def test_old_encodings_restore_alike(compat, name):
    compat.same("RESTORE", "k", 0, OLD_PAYLOADS[name])
    t = compat.same("TYPE", "k").v
    read = {"list": ("LRANGE", "k", 0, -1), "hash": ("HGETALL", "k"), "string": ("GET", "k"),
            "zset": ("ZRANGE", "k", 0, -1, "WITHSCORES"), "set": ("SMEMBERS", "k")}[t]
    if t in ("hash", "set"):
        compat.same_sorted(*read)
    else:
        compat.same(*read)
    compat.same("OBJECT", "ENCODING", "k")


@pytest.mark.parametrize("name", sorted(BAD_PAYLOADS))
def test_bad_payloads(compat, name):
    compat.same_error("RESTORE", "k", 0, BAD_PAYLOADS[name])
    compat.same("EXISTS", "k")


def test_restore_errors_and_their_order(compat):
    good = compat.same("DUMP", "nokey")  # nil
    assert good.v is None
    compat.same("SET", "src", "v")
    data = compat.m.cmd("DUMP", "src").v
    compat.same_error("RESTORE", "src", 0, data)                   # BUSYKEY
    compat.same_error("RESTORE", "src", -1, "garbage")             # BUSYKEY before the TTL
    compat.same_error("RESTORE", "new", -1, "garbage")             # TTL before the payload
    compat.same_error("RESTORE", "new", "x", data)
    compat.same_error("RESTORE", "new", 0, "garbage")
    compat.same_error("RESTORE", "new", 0, data, "BOGUS")
    compat.same_error("RESTORE", "src", 0, data, "BOGUS")          # options before BUSYKEY
    compat.same_error("RESTORE", "new", 0, data, "IDLETIME")
    compat.same_error("RESTORE", "new", 0, data, "IDLETIME", "-1")
    compat.same_error("RESTORE", "new", 0, data, "IDLETIME", "x")
    compat.same_error("RESTORE", "new", 0, data, "FREQ", "256")
    compat.same_error("RESTORE", "new", 0, data, "FREQ", "-1")
    compat.same_error("RESTORE", "new", 0, data, "FREQ", "1", "IDLETIME", "1")
    compat.same_error("RESTORE", "new", 0, data, "IDLETIME", "1", "FREQ", "1")
    compat.same("EXISTS", "new")


def test_restore_options(compat):
    compat.same("SET", "src", "v")
    data = compat.m.cmd("DUMP", "src").v
    compat.same("RESTORE", "src", 0, data, "REPLACE")
    compat.same("RESTORE", "a", 0, data, "replace", "absttl", "idletime", "100")
    m, r = compat.both("OBJECT", "IDLETIME", "a")
    assert m.t == r.t == ":" and 100 <= m.v <= 101 and 100 <= r.v <= 101   # a second may tick
    compat.same("RESTORE", "b", FAR, data, "ABSTTL")
    compat.same("PEXPIRETIME", "b")
    compat.same("RESTORE", "c", 1, data, "ABSTTL")                 # in the past: not created
    compat.same("EXISTS", "c")
    compat.same("RESTORE", "b", 1, data, "ABSTTL", "REPLACE")      # replaced by nothing
    compat.same("EXISTS", "b")
    compat.same("RESTORE", "d", 100000, data)
    m, r = compat.both("PTTL", "d")
    assert 90000 < m.v <= 100000 and 90000 < r.v <= 100000
    compat.same("RESTORE", "e", 0, data, "FREQ", "100")
    compat.same("GET", "e")


def test_restore_typed_value_payload(r3, mini_server, redis_server):
    """DUMP of a typed value is a string payload that Redis restores as that string."""
    r3.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nm\r\n%1\r\n+a\r\n:1\r\n")
    assert r3.read().v == "OK"
    data = r3.cmd("DUMP", "m").v
    ref = RawClient(redis_server.port)
    try:
        ref.cmd("DEL", "m")
        assert ref.cmd("RESTORE", "m", 0, data).v == "OK"
        assert ref.cmd("GET", "m").v == b"%1\r\n$1\r\na\r\n:1\r\n"
        ref.cmd("DEL", "m")
    finally:
        ref.close()
    assert r3.cmd("RESTORE", "m2", 0, data).v == "OK"
    assert r3.cmd("GET", "m2").v == b"%1\r\n$1\r\na\r\n:1\r\n"


# --- MIGRATE -------------------------------------------------------------------------

@pytest.fixture
def pair(mini_server, redis_server):
    """(miniredis client, redis client, miniredis port, redis port), both flushed."""
    m, r = RawClient(mini_server.port), RawClient(redis_server.port)
    for c in (m, r):
        c.cmd("FLUSHALL")
    yield m, r, mini_server.port, redis_server.port
    for c in (m, r):
        c.cmd("FLUSHALL")
        c.close()


def _migrate_both_ways(pair, setup, *args):
    """Run setup on each source and MIGRATE ``args`` towards the other server; both replies."""
    m, r, mport, rport = pair
    replies = []
    for src, dst, dport in ((m, r, rport), (r, m, mport)):
        src.cmd("FLUSHALL")
        dst.cmd("FLUSHALL")
        setup(src, dst)
        replies.append((src.cmd("MIGRATE", "127.0.0.1", dport, *args),
                        sorted(k.v for k in src.cmd("KEYS", "*").v),
                        sorted(k.v for k in dst.cmd("KEYS", "*").v)))
    assert replies[0] == replies[1], replies
    return replies[0]


def _fill_small(src, dst):
    run_all(src, [("SET", "s", "v", "PXAT", str(FAR)), ("RPUSH", "l", "a", "b"),
                  ("HSET", "h", "f", "v"), ("SADD", "st", "1", "2"), ("ZADD", "z", "1", "a")])


def test_migrate_moves_keys_both_ways(pair):
    reply, src_keys, dst_keys = _migrate_both_ways(pair, _fill_small, "", 0, 5000, "KEYS",
                                                   "s", "l", "h", "st", "z", "missing")
    assert reply.v == "OK" and src_keys == [] and len(dst_keys) == 5
    m, r, _, _ = pair   # the last move went from Redis to miniredis
    assert [snapshot(m, k)[:2] for k in ("h", "l", "s", "st", "z")] == [
        ("hash", {b"f": b"v"}), ("list", [b"a", b"b"]), ("string", b"v"),
        ("set", [b"1", b"2"]), ("zset", [(b"a", 1.0)])]
    assert abs(m.cmd("PEXPIRETIME", "s").v - FAR) < 1000


def test_migrate_single_key_copy_replace_and_db(pair):
    reply, src_keys, dst_keys = _migrate_both_ways(pair, _fill_small, "l", 0, 5000, "COPY")
    assert reply.v == "OK" and "l" in [k.decode() for k in src_keys]

    def busy(src, dst):
        _fill_small(src, dst)
        dst.cmd("SET", "l", "old")
    reply, _, _ = _migrate_both_ways(pair, busy, "l", 0, 5000)
    assert reply.v == "ERR Target instance replied with error: BUSYKEY Target key name already exists."
    reply, src_keys, _ = _migrate_both_ways(pair, busy, "l", 0, 5000, "REPLACE")
    assert reply.v == "OK" and b"l" not in src_keys
    m, r, _, _ = pair
    assert m.cmd("TYPE", "l").v == "list"

    def in_db2(src, dst):
        _fill_small(src, dst)
    reply, _, dst_keys = _migrate_both_ways(pair, in_db2, "s", 2, 5000)
    assert reply.v == "OK" and dst_keys == []
    m.cmd("SELECT", 2)
    # MIGRATE sends the remaining TTL: the target's clock may have moved meanwhile
    assert abs(m.cmd("PEXPIRETIME", "s").v - FAR) < 1000
    m.cmd("SELECT", 0)


def test_migrate_auth_errors(pair):
    reply, _, _ = _migrate_both_ways(pair, _fill_small, "s", 0, 5000, "AUTH", "pw")
    assert reply.t == "-" and reply.v.startswith("ERR Target instance replied with error: ERR AUTH")
    reply, _, _ = _migrate_both_ways(pair, _fill_small, "s", 0, 5000, "AUTH2", "u", "pw")
    assert reply.v == ("ERR Target instance replied with error: WRONGPASS invalid "
                       "username-password pair or user is disabled.")
    # the default user has no password: any password is accepted
    reply, _, _ = _migrate_both_ways(pair, _fill_small, "s", 0, 5000, "AUTH2", "default", "x", "COPY")
    assert reply.v == "OK"


def test_migrate_argument_errors(compat):
    compat.same("SET", "k", "v")
    port = free_port()
    compat.same("MIGRATE", "127.0.0.1", port, "nokey", 0, 1000)
    compat.same("MIGRATE", "127.0.0.1", port, "", 0, 1000, "KEYS", "no1", "no2")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, 1000, "KEYS", "k")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, 1000, "BOGUS")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, 1000, "AUTH")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, 1000, "AUTH2", "u")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", "x", 1000)
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, "x")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", "x", "y")
    compat.same_error("MIGRATE", "127.0.0.1", port, "k", 0, 1000)       # nothing listens there
    compat.same_error("MIGRATE", "127.0.0.1", "notaport", "k", 0, 1000)
    compat.same("EXISTS", "k")


def test_migrate_target_that_never_answers(compat):
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        compat.same("SET", "k", "v")
        compat.same_error("MIGRATE", "127.0.0.1", silent.getsockname()[1], "k", 0, 50)
        compat.same("EXISTS", "k")
    finally:
        silent.close()


def test_migrate_propagates_as_del():
    ref = start_redis()
    try:
        with inprocess_server() as srv:
            ops = []
            srv.events.propagate_listeners.append(ops.append)
            c = green_client(srv)
            run_all(c, [("SET", "a", "1"), ("SET", "b", "2", "PX", "100000")])
            del ops[:]
            assert c.cmd("MIGRATE", "127.0.0.1", ref.port, "", 0, 5000, "KEYS", "a", "b").v == "OK"
            assert c.cmd("DBSIZE").v == 0
            c.cmd("SET", "c", "3")
            assert c.cmd("MIGRATE", "127.0.0.1", ref.port, "c", 0, 5000, "COPY").v == "OK"
            data = c.cmd("DUMP", "c").v
            c.cmd("RESTORE", "d", 5000, data)
            c.close()
        text = repr(ops)
        assert "DEL" in text and "ABSTTL" in text and "MIGRATE" not in text
        rc = RawClient(ref.port)
        assert rc.cmd("GET", "a").v == b"1" and 0 < rc.cmd("PTTL", "b").v <= 100000
        rc.close()
    finally:
        ref.stop()


def test_restored_encodings_follow_redis_load_rules(compat):
    """A loaded listpack converts only for its entry count; a hash table also for lengths."""
    compat.same("HSET", "h", "f", "1234567890")
    compat.same("ZADD", "z", "1", "abcdefghij")
    compat.same("ZADD", "zs", "1", "a", "2", "b", "3", "c")
    compat.same("SADD", "s", "1", "2", "3", "4")
    payloads = {k: compat.m.cmd("DUMP", k).v for k in ("h", "z", "zs", "s")}
    settings = [("hash-max-listpack-value", "5", "64"), ("zset-max-listpack-value", "5", "64"),
                ("zset-max-listpack-entries", "2", "128"), ("set-max-intset-entries", "3", "512")]
    for name, low, _ in settings:
        compat.same("CONFIG", "SET", name, low)
    try:
        for k, data in payloads.items():
            compat.same("RESTORE", k + "2", 0, data)
            compat.same("OBJECT", "ENCODING", k + "2")
    finally:
        for name, _, default in settings:
            compat.same("CONFIG", "SET", name, default)


def _connections(c):
    info = c.cmd("INFO", "stats").v.decode()
    return int(info.split("total_connections_received:")[1].split()[0])


def test_migrate_caches_its_link_like_redis(pair):
    """Two MIGRATEs to one target use one connection; a link the target closed is
    replaced transparently (Redis' single retry)."""
    m, r, mport, rport = pair
    for src, dst, dport in ((m, r, rport), (r, m, mport)):
        run_all(src, [("SET", "a", "1"), ("SET", "b", "2"), ("SET", "c", "3")])
        assert src.cmd("MIGRATE", "127.0.0.1", dport, "a", 0, 5000).v == "OK"
        before = _connections(dst)
        assert src.cmd("MIGRATE", "127.0.0.1", dport, "b", 1, 5000).v == "OK"
        assert _connections(dst) == before
        assert dst.cmd("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").v >= 1
        assert src.cmd("MIGRATE", "127.0.0.1", dport, "c", 0, 5000).v == "OK"
        assert _connections(dst) == before + 1
        assert dst.cmd("MGET", "a", "c").plain() == [b"1", b"3"]
        dst.cmd("SELECT", 1)
        assert dst.cmd("GET", "b").v == b"2"
        dst.cmd("SELECT", 0)
        for c in (m, r):
            c.cmd("FLUSHALL")


def test_idle_migrate_links_are_closed(monkeypatch):
    from miniredis.commands import dump as dump_module
    from support import settle
    monkeypatch.setattr(dump_module, "_CACHE_IDLE", 0.05)
    ref = start_redis()
    try:
        with inprocess_server() as srv:
            c = green_client(srv)
            c.cmd("SET", "a", "1")
            assert c.cmd("MIGRATE", "127.0.0.1", ref.port, "a", 0, 5000).v == "OK"
            cache = dump_module._cache(srv)
            assert len(cache.links) == 1
            assert settle(lambda: not cache.links)
            c.close()
    finally:
        ref.stop()


@pytest.mark.parametrize("fill", ["5", "-1", "-3", "1"])
def test_list_nodes_split_like_redis(compat, fill):
    compat.same("CONFIG", "SET", "list-max-listpack-size", fill)
    try:
        compat.same("RPUSH", "l", *["e%d" % i if i % 7 else "x" * 300 for i in range(200)])
        compat.same("DUMP", "l")
    finally:
        compat.same("CONFIG", "SET", "list-max-listpack-size", "-2")
