"""HyperLogLog commands against the reference redis-server (RESP2 and RESP3).

Beyond replies, the stored strings are compared byte for byte (GET): the
sparse form depends on the order of updates, so equal bytes after the same
commands show the same update, merge and promotion rules; equal PFCOUNTs on
many sizes show the same estimator.
"""

import random

import pytest

from support import RawClient, config, keyevents

HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
EMPTY_SPARSE = b"HYLL\x01" + bytes(11) + b"\x7f\xff"


def elements(seed, n):
    rnd = random.Random(seed)
    return ["e%d:%d" % (seed, rnd.getrandbits(40)) for _ in range(n)]


def add_all(compat, key, items, batch=50):
    for i in range(0, len(items), batch):
        compat.same("PFADD", key, *items[i:i + batch])


def test_command_info(compat):
    for name in ("pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"):
        compat.same("COMMAND", "INFO", name)


def test_pfadd_replies_and_bytes(compat):
    compat.same("PFADD", "h")
    compat.same("GET", "h")
    compat.same("PFADD", "h")
    compat.same("PFADD", "h", "a", "b", "c")
    compat.same("PFADD", "h", "a", "b", "c")
    compat.same("PFADD", "h", "c", "d")
    compat.same("GET", "h")
    compat.same("PFADD", "h2", "a", "a", "a")
    compat.same("GET", "h2")
    compat.same("PFADD", "h3", "", b"\x00\xff", "x" * 1000)
    compat.same("GET", "h3")
    compat.same("OBJECT", "ENCODING", "h3")
    compat.same("STRLEN", "h3")
    compat.same("TYPE", "h3")


def test_sparse_updates_byte_exact(compat):
    rnd = random.Random(7)
    for trial in range(12):
        compat.same("DEL", "h")
        items = elements(trial, rnd.choice([3, 40, 200, 800, 2500]))
        i = 0
        while i < len(items):
            k = rnd.randint(1, 12)
            compat.same("PFADD", "h", *items[i:i + k])
            i += k
            if rnd.random() < 0.1:
                compat.same("PFCOUNT", "h")
        compat.same("GET", "h")
        compat.same("PFDEBUG", "ENCODING", "h")


def test_promotion_by_size(compat):
    for limit in ("0", "20", "300", "3000", "6000"):
        with config(compat, "hll-sparse-max-bytes", limit):
            compat.same("DEL", "h")
            add_all(compat, "h", elements(int(limit), 1500), batch=25)
            compat.same("PFDEBUG", "ENCODING", "h")
            compat.same("GET", "h")
            compat.same("PFCOUNT", "h")


def test_estimator_sizes(compat):
    """PFCOUNT equals Redis' on sizes from 1 to 200000 (sparse, dense, large-range)."""
    items = elements(99, 200000 if compat.proto == 2 else 30000)
    checkpoints = sorted(set([1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000, 5000,
                              8000, 12000, 20000, 30000, 50000, 80000, 120000, 160000, 200000]))
    done = 0
    for n in checkpoints:
        if n > len(items):
            break
        add_all(compat, "h", items[done:n], batch=500)
        done = n
        compat.same("PFCOUNT", "h")
    compat.same("GET", "h")


def test_estimator_every_small_size(compat):
    """PFCOUNT after every single PFADD, through the sparse range into dense."""
    for item in elements(98, 1500 if compat.proto == 2 else 400):
        compat.same("PFADD", "h", item)
        compat.same("PFCOUNT", "h")
    compat.same("PFDEBUG", "ENCODING", "h")
    compat.same("GET", "h")


def test_pfcount_caches_in_header(compat):
    compat.same("PFCOUNT", "nokey")
    compat.same("EXISTS", "nokey")
    compat.same("PFADD", "h", *elements(1, 30))
    compat.same("GET", "h")
    compat.same("PFCOUNT", "h")
    compat.same("GET", "h")
    compat.same("PFADD", "h", *elements(1, 30))     # nothing new: the cache stays valid
    compat.same("GET", "h")
    compat.same("PFADD", "h", "new")
    compat.same("GET", "h")
    compat.same("PFCOUNT", "h")
    compat.same("GET", "h")


def test_pfcount_multi(compat):
    compat.same("PFCOUNT", "a", "b")
    add_all(compat, "a", elements(2, 300))
    add_all(compat, "b", elements(3, 3000))
    compat.same("PFADD", "c", *elements(2, 100))
    compat.same("PFCOUNT", "a", "b")
    compat.same("PFCOUNT", "a", "c", "nokey")
    compat.same("PFCOUNT", "a", "a")
    compat.same("GET", "a")   # multi-key PFCOUNT writes no cache
    compat.same("GET", "b")
    compat.same("SET", "s", "abc")
    compat.same_error("PFCOUNT", "a", "s")
    compat.same("LPUSH", "l", "x")
    compat.same_error("PFCOUNT", "l", "a")
    compat.same_error("PFCOUNT")


def test_pfmerge(compat):
    add_all(compat, "a", elements(4, 200))
    add_all(compat, "b", elements(5, 250))
    add_all(compat, "d", elements(6, 5000))
    compat.same("PFMERGE", "m", "a", "b")
    compat.same("GET", "m")
    compat.same("PFMERGE", "m", "a")
    compat.same("GET", "m")
    compat.same("PFMERGE", "m2", "a", "d")      # a dense source: a dense result
    compat.same("GET", "m2")
    compat.same("PFMERGE", "a", "b")            # the destination is a source too
    compat.same("GET", "a")
    compat.same("PFMERGE", "d", "b")
    compat.same("GET", "d")
    compat.same("PFMERGE", "empty", "nokey1", "nokey2")
    compat.same("GET", "empty")
    compat.same("PFMERGE", "only")
    compat.same("GET", "only")
    compat.same("PFCOUNT", "m", "m2", "a", "d")
    compat.same("PFMERGE", "self", "self")
    compat.same("SET", "s", "abc")
    compat.same_error("PFMERGE", "x", "a", "s")
    compat.same_error("PFMERGE", "s", "a")
    compat.same("EXISTS", "x")
    compat.same("HSET", "hh", "f", "v")
    compat.same_error("PFMERGE", "x", "hh")
    compat.same_error("PFMERGE")


def test_pfmerge_sparse_to_sparse_many_registers(compat):
    for seed, sizes in ((10, (50, 60, 70)), (11, (400, 500)), (12, (900, 1000, 1100))):
        keys = []
        for i, n in enumerate(sizes):
            key = "src%d" % i
            add_all(compat, key, elements(seed * 10 + i, n))
            keys.append(key)
        compat.same("PFMERGE", "dst%d" % seed, *keys)
        compat.same("GET", "dst%d" % seed)
        compat.same("PFDEBUG", "ENCODING", "dst%d" % seed)


def test_merge_promotes_at_size_limit(compat):
    with config(compat, "hll-sparse-max-bytes", "200"):
        add_all(compat, "a", elements(20, 30))
        add_all(compat, "b", elements(21, 30))
        compat.same("PFDEBUG", "ENCODING", "a")
        compat.same("PFMERGE", "a", "b")
        compat.same("PFDEBUG", "ENCODING", "a")
        compat.same("GET", "a")


def test_invalid_strings(compat):
    dense_ok = b"HYLL\x00" + bytes(11) + bytes(12288)
    cases = {
        "plain": b"hello", "short": b"HYLL", "magic": b"HYLX\x01" + bytes(11) + b"\x7f\xff",
        "enc": b"HYLL\x02" + bytes(11) + b"\x7f\xff", "dense_short": dense_ok[:-1],
        "dense_long": dense_ok + b"x", "num": b"12345", "empty": b"",
    }
    for key, value in cases.items():
        compat.same("SET", key, value)
        for cmd in (("PFADD", key, "x"), ("PFCOUNT", key), ("PFCOUNT", key, key),
                    ("PFMERGE", "dst", key), ("PFMERGE", key, "nokey"),
                    ("PFDEBUG", "ENCODING", key)):
            assert compat.same_error(*cmd).v == HLL_WRONGTYPE
    compat.same("SET", "dense", dense_ok)
    compat.same("PFCOUNT", "dense")
    compat.same("PFADD", "dense", "a", "b")
    compat.same("GET", "dense")


def test_corrupt_sparse(compat):
    # Opcodes covering fewer or more than 16384 registers.
    stale = b"HYLL\x01" + bytes(3) + bytes(7) + b"\x80"
    short, longer = stale + b"\x7f\xf0", stale + b"\x7f\xff\x80"
    for key, value in (("short", short), ("long", longer)):
        compat.same("SET", key, value)
        compat.same_error("PFCOUNT", key)
        compat.same_error("PFCOUNT", key, key)
        compat.same_error("PFMERGE", "dst", key)
        compat.same_error("PFDEBUG", "GETREG", key)
        compat.same_error("PFDEBUG", "TODENSE", key)
        compat.same("PFDEBUG", "DECODE", key)
        compat.same("GET", key)
    compat.same("EXISTS", "dst")
    # PFADD keeps the registers it could set before meeting the corruption.
    compat.same("SET", "half", stale + b"\x5f\x3f")    # 8000 registers only
    compat.same_error("PFADD", "half", *elements(50, 40))
    compat.same("GET", "half")
    compat.same("PFDEBUG", "DECODE", "half")
    # A valid cached cardinality is answered without looking at the registers.
    cached = b"HYLL\x01" + bytes(3) + (42).to_bytes(8, "little") + b"\x7f\xf0"
    compat.same("SET", "cached", cached)
    compat.same("PFCOUNT", "cached")


def test_pfdebug(compat):
    compat.same_error("PFDEBUG", "ENCODING", "nokey")
    compat.same_error("PFDEBUG", "GETREG", "nokey")
    compat.same("PFADD", "h", "a", "b", "c", "d", "e")
    compat.same("PFDEBUG", "DECODE", "h")
    compat.same("PFDEBUG", "decode", "h")
    compat.same("PFDEBUG", "ENCODING", "h")
    compat.same_error("PFDEBUG", "FOO", "h")
    compat.same_error("PFDEBUG", "FOO", "nokey")
    compat.same_error("PFDEBUG", "ENCODING")
    compat.same_error("PFDEBUG", "ENCODING", "h", "x")
    compat.same("PFADD", "g", "a", "b", "c", "d", "e")
    compat.same("PFDEBUG", "GETREG", "g")        # converts to dense
    compat.same("PFDEBUG", "ENCODING", "g")
    compat.same("GET", "g")
    compat.same_error("PFDEBUG", "DECODE", "g")
    compat.same("PFDEBUG", "TODENSE", "h")
    compat.same("PFDEBUG", "TODENSE", "h")
    compat.same("GET", "h")
    compat.same("PFCOUNT", "h")
    compat.same("PFDEBUG", "TODENSE", "h")
    compat.same("GET", "h")
    compat.same("SET", "s", "x")
    compat.same_error("PFDEBUG", "ENCODING", "s")
    compat.same_error("PFDEBUG", "FOO", "s")


def test_pfselftest(compat):
    compat.same("PFSELFTEST")
    compat.same_error("PFSELFTEST", "x")


def test_wrong_types_and_ttl(compat):
    compat.same("RPUSH", "l", "a")
    compat.same_error("PFADD", "l", "x")
    compat.same_error("PFCOUNT", "l")
    compat.same_error("PFDEBUG", "GETREG", "l")
    compat.same("PFADD", "h", "a")
    compat.same("EXPIRE", "h", "1000")
    compat.same("PFADD", "h", "b")
    compat.same("TTL", "h")
    compat.same("PFCOUNT", "h")
    compat.same("TTL", "h")
    compat.same("PFMERGE", "h", "h")
    compat.same("TTL", "h")


def test_string_commands_on_hll(compat):
    compat.same("PFADD", "h", *elements(30, 20))
    compat.same("APPEND", "h", "")
    compat.same("PFCOUNT", "h")
    compat.same("SETRANGE", "h", 16, b"\x7f\xff")   # back to an empty register set
    compat.same("PFCOUNT", "h")
    compat.same("GET", "h")
    compat.same("SET", "h", EMPTY_SPARSE)
    compat.same("PFADD", "h", "a")
    compat.same("GET", "h")
    compat.same("PFADD", "h", "a")
    compat.same("OBJECT", "ENCODING", "h")
    compat.same("SET", "e", EMPTY_SPARSE)
    compat.same("OBJECT", "ENCODING", "e")
    compat.same("PFCOUNT", "e")
    compat.same("OBJECT", "ENCODING", "e")


def test_values_move_between_servers(mini_server, redis_server):
    """A value written by one server is read the same by the other."""
    m, r = RawClient(mini_server.port), RawClient(redis_server.port)
    try:
        for c in (m, r):
            c.cmd("FLUSHALL")
        for n, seed in ((10, 40), (2000, 41), (20000, 42)):
            items = elements(seed, n)
            for i in range(0, n, 1000):
                m.cmd("PFADD", "from_mini", *items[i:i + 1000])
                r.cmd("PFADD", "from_redis", *items[i:i + 1000])
            r.cmd("SET", "copied", m.cmd("GET", "from_mini").v)
            m.cmd("SET", "copied", r.cmd("GET", "from_redis").v)
            assert r.cmd("PFCOUNT", "copied") == m.cmd("PFCOUNT", "from_mini")
            assert m.cmd("PFCOUNT", "copied") == r.cmd("PFCOUNT", "from_redis")
            for c in (m, r):
                c.cmd("PFADD", "copied", "one more")
            assert m.cmd("GET", "copied") == r.cmd("GET", "copied")
    finally:
        m.close()
        r.close()


def test_keyspace_events(notified_pair):
    commands = [("PFADD", "h", "a", "b"), ("PFADD", "h", "a"), ("PFADD", "e"),
                ("PFCOUNT", "h"), ("PFCOUNT", "h", "e"), ("PFMERGE", "m", "h", "e"),
                ("PFMERGE", "m"), ("PFDEBUG", "TODENSE", "h"), ("PFDEBUG", "GETREG", "m"),
                ("SET", "s", "x"), ("PFADD", "s", "a")]
    mini, ref = notified_pair
    assert keyevents(mini.port, commands) == keyevents(ref.port, commands)


@pytest.mark.parametrize("value", [51, 50, 40, 33, 20, 1])
def test_crafted_dense_extremes(compat, value):
    """Every register at one value, up to 51: estimates past a long long included."""
    from miniredis import hll
    regs = bytearray([value]) * hll.REGISTERS
    compat.same("SET", "x", b"HYLL\x00" + bytes(10) + b"\x80" + bytes(hll.dense_encode(regs)))
    compat.same("PFCOUNT", "x")
    compat.same("GET", "x")
    compat.same("PFCOUNT", "x", "nokey")
    compat.same("PFADD", "x", "a")
