"""HyperLogLog commands over a real socket, their effects (events, propagation), and the
representation maths of miniredis.hll against plain references."""

import random

import pytest

from miniredis import events as ev, hll
from miniredis.commands import hyperloglog
from support import EffectsHarness, Reply

EMPTY = b"HYLL\x01" + bytes(11) + b"\x7f\xff"


# --- replies per protocol ------------------------------------------------------------------------

def test_reply_shapes(r, r3):
    for c in (r, r3):
        assert c.cmd("PFADD", "h", "a") == Reply(":", 1)
        assert c.cmd("PFADD", "h", "a") == Reply(":", 0)
        assert c.cmd("PFCOUNT", "h") == Reply(":", 1)
        assert c.cmd("PFCOUNT", "h", "nokey") == Reply(":", 1)
        assert c.cmd("PFMERGE", "m", "h") == Reply("+", "OK")
        assert c.cmd("PFDEBUG", "ENCODING", "m") == Reply("+", "sparse")
        assert c.cmd("PFDEBUG", "DECODE", "m").t == "$"
        regs = c.cmd("PFDEBUG", "GETREG", "m")
        assert regs.t == "*" and len(regs.v) == hll.REGISTERS
        assert c.cmd("PFSELFTEST") == Reply("+", "OK")
        c.cmd("DEL", "h", "m")


def test_new_key_without_elements(r):
    assert r.cmd("PFADD", "h").v == 1
    # Created: the cached cardinality is marked stale, as Redis does.
    assert r.cmd("GET", "h").v == EMPTY[:15] + b"\x80" + EMPTY[16:]
    assert r.cmd("PFCOUNT", "h").v == 0
    assert r.cmd("GET", "h").v == EMPTY


def test_cache_follows_other_writes(r):
    """The decoded form cached beside a value never outlives a write by another command."""
    r.cmd("PFADD", "h", *["a%d" % i for i in range(10)])
    assert r.cmd("PFCOUNT", "h").v == 10
    r.cmd("SET", "h", EMPTY)
    assert r.cmd("PFADD", "h", "x").v == 1
    assert r.cmd("PFCOUNT", "h").v == 1
    r.cmd("COPY", "h", "h2")
    r.cmd("PFADD", "h", "y", "z")
    assert (r.cmd("PFCOUNT", "h").v, r.cmd("PFCOUNT", "h2").v) == (3, 1)
    r.cmd("SETRANGE", "h", "8", b"\x07")
    assert r.cmd("PFCOUNT", "h").v == 7          # the header's cache, as stored
    r.cmd("SETRANGE", "h", "15", b"\x80")
    assert r.cmd("PFCOUNT", "h").v == 3          # stale: recomputed from the registers
    r.cmd("RENAME", "h2", "h3")
    assert r.cmd("PFADD", "h3", "x", "q").v == 1
    assert r.cmd("PFCOUNT", "h3").v == 2


def test_many_hlls_beyond_the_cache(r):
    n = hyperloglog._CACHE_SIZE + 8
    for i in range(n):
        r.cmd("PFADD", "h%d" % i, "x%d" % i, "shared")
    for rnd in range(2):
        for i in range(n):
            assert r.cmd("PFADD", "h%d" % i, "y%d" % i).v == 1 - rnd
            assert r.cmd("PFCOUNT", "h%d" % i).v == 3


def test_dense_many_adds(r):
    items = ["v%d" % i for i in range(5000)]
    for i in range(0, len(items), 500):
        r.cmd("PFADD", "d", *items[i:i + 500])
    assert r.cmd("PFDEBUG", "ENCODING", "d").v == "dense"
    first = r.cmd("PFCOUNT", "d").v
    assert abs(first - 5000) < 5000 * 0.05
    for i in range(20):
        r.cmd("PFADD", "d", "more%d" % i)
    assert r.cmd("PFCOUNT", "d").v >= first


# --- effects -----------------------------------------------------------------------------------------

S = ev.STRING


class Harness(EffectsHarness):
    def event(self, cls, event, key, db_index):
        return (cls, event, key.decode())

    def propagated(self, ops):
        return [" ".join(a.decode() for a in argv) for _, argv in ops]


@pytest.fixture
def h():
    harness = Harness(fake_clock=False)
    yield harness
    harness.close()


def test_effects(h):
    # What redis-server 7.0.15 writes to its append-only file for the same commands.
    assert h.run("pfadd", "h", "a", "b", "c") == (1, [(S, "pfadd", "h")], ["pfadd h a b c"])
    assert h.run("pfadd", "h", "a") == (0, [], [])
    assert h.run("pfcount", "h") == (3, [], ["pfcount h"])
    assert h.run("pfcount", "h") == (3, [], [])
    assert h.run("pfmerge", "h2", "h")[1:] == ([(S, "pfadd", "h2")], ["pfmerge h2 h"])
    assert h.run("pfcount", "h", "h2") == (3, [], [])
    assert h.run("pfadd", "h3") == (1, [(S, "pfadd", "h3")], ["pfadd h3"])
    assert h.run("pfdebug", "todense", "h") == (1, [], ["pfdebug todense h"])
    assert h.run("pfdebug", "todense", "h") == (0, [], [])
    assert h.run("pfdebug", "getreg", "h2")[1:] == ([], ["pfdebug getreg h2"])
    assert h.run("pfdebug", "getreg", "h2")[1:] == ([], [])
    assert h.run("pfdebug", "encoding", "h3") == ("sparse", [], [])


def test_dirty_counts_registers(h):
    before = h.server.keyspace.dirty
    h.run("pfadd", "h", "a", "b", "c")
    assert h.server.keyspace.dirty - before == 4   # created + three registers


# --- the maths ---------------------------------------------------------------------------------------

def test_murmur_reference_values():
    # Positions Redis reports (PFDEBUG DECODE) for "a", "b", "c": registers 8436, 12711, 15780.
    got = sorted(hll.position(e) for e in (b"a", b"b", b"c"))
    assert got == [(8436, 1), (12711, 2), (15780, 1)]


def test_dense_packing_round_trip():
    rnd = random.Random(5)
    regs = bytearray(rnd.randrange(64) for _ in range(hll.REGISTERS))
    packed = hll.dense_encode(regs)
    assert hll.dense_decode(bytes(packed)) == regs
    # The packing is 6-bit little-endian: the same as one big little-endian integer.
    big = int.from_bytes(packed, "little")
    assert all((big >> (6 * i)) & 63 == regs[i] for i in range(0, hll.REGISTERS, 97))
    h = hll.Hll(bytearray(b"HYLL\x00" + bytes(11)) + packed)
    assert all(h.get_dense(i) == regs[i] for i in range(hll.REGISTERS))


def test_sparse_promotes_on_big_count():
    h = hll.Hll.new()
    assert h.add(100, 5, 3000) == 1
    assert h.add(200, 40, 3000) == 1     # more than a VAL opcode can hold
    assert h.dense and h.get_dense(100) == 5 and h.get_dense(200) == 40
    assert h.add(200, 39, 3000) == 0


def test_histogram_kept_in_step():
    h = hll.Hll.new()
    rnd = random.Random(9)
    h.histogram()
    for n in range(3000):
        h.add(*hll.position(b"%d" % rnd.getrandbits(32)), 3000)
        if n % 500 == 0:
            assert h.hist == hll.histogram(h.registers())
    assert h.dense and h.hist == hll.histogram(h.registers())


def test_estimator_extremes():
    assert hll.estimate([hll.REGISTERS] + [0] * 63) == 0
    for top in (hll.Q, hll.Q + 1):   # beyond a long long: Redis' llroundl gives LLONG_MIN
        full = [0] * 64
        full[top] = hll.REGISTERS
        assert hll.as_reply(hll.estimate(full)) == -2 ** 63


def test_seek_agrees_with_walk():
    rnd = random.Random(11)
    for trial in range(30):
        h = hll.Hll.new()
        for _ in range(rnd.choice([1, 10, 100, 600, 2500])):
            h.add(*hll.position(b"%d" % rnd.getrandbits(40)), 1 << 20)
        for index in [0, 1, hll.REGISTERS - 1] + [rnd.randrange(hll.REGISTERS) for _ in range(50)]:
            assert h._seek(index) == h._find(index, [])
