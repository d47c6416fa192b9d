"""BITFIELD / BITFIELD_RO over a real socket (reply shapes per protocol, growth, typed values),
their effects (events, propagation), and the field / overflow helpers against plain references."""

import random

import pytest

from miniredis import events as ev
from miniredis.commands import bitfield as bf
from support import EffectsHarness, Reply

I64_MAX, I64_MIN = 2 ** 63 - 1, -2 ** 63


def test_reply_shapes(r, r3):
    for c in (r, r3):
        got = c.cmd("BITFIELD", "k", "SET", "u8", "0", "200", "OVERFLOW", "FAIL",
                    "INCRBY", "u8", "0", "100", "GET", "i8", "0")
        null = Reply("$", None) if c is r else Reply("_", None)
        assert got == Reply("*", [Reply(":", 0), null, Reply(":", -56)])
        assert c.cmd("BITFIELD", "k") == Reply("*", [])
        assert c.cmd("BITFIELD_RO", "k", "GET", "u8", "0") == Reply("*", [Reply(":", 200)])
        c.cmd("DEL", "k")


def test_growth_and_ttl(r):
    r.cmd("SET", "k", "ab")
    r.cmd("PEXPIRE", "k", "100000")
    assert r.cmd("BITFIELD", "k", "SET", "u8", "#9", "1").v[0].v == 0
    assert r.cmd("GET", "k").v == b"ab" + bytes(7) + b"\x01"
    assert r.cmd("PTTL", "k").v > 0
    assert r.cmd("OBJECT", "ENCODING", "k").v == b"raw"


def test_errors(r):
    assert r.cmd("BITFIELD", "k", "GET", "u64", "0").v.startswith("ERR Invalid bitfield type")
    assert r.cmd("BITFIELD", "k", "GET", "u8", "-1").v == \
        "ERR bit offset is not an integer or out of range"
    assert r.cmd("BITFIELD", "k", "OVERFLOW", "x").v == "ERR Invalid OVERFLOW type specified"
    assert r.cmd("BITFIELD_RO", "k", "SET", "u8", "0", "1").v == \
        "ERR BITFIELD_RO only supports the GET subcommand"
    assert r.cmd("BITFIELD", "k", "BAD").v == "ERR syntax error"


# --- effects ------------------------------------------------------------------------------------

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
    # Checked against redis-server 7.0.15's append-only file and events.
    assert h.run("bitfield", "b", "set", "u8", "0", "1") == (
        [0], [(S, "setbit", "b")], ["bitfield b set u8 0 1"])
    assert h.run("bitfield", "b", "set", "u8", "0", "1") == ([1], [], [])
    assert h.run("bitfield", "b", "overflow", "fail", "incrby", "u2", "0", "10") == ([None], [], [])
    assert h.run("bitfield", "new", "overflow", "fail", "incrby", "u2", "0", "10") == ([None], [], [])
    assert h.run("exists", "new")[0] == 1
    assert h.run("bitfield", "b", "get", "u8", "0") == ([1], [], [])
    assert h.run("bitfield_ro", "b", "get", "u8", "0") == ([1], [], [])
    assert h.run("bitfield", "b", "set", "u8", "64", "0")[1:] == (
        [(S, "setbit", "b")], ["bitfield b set u8 64 0"])


def test_dirty_counts_changed_fields(h):
    h.run("bitfield", "d", "set", "u16", "0", "1")
    before = h.server.keyspace.dirty
    h.run("bitfield", "d", "set", "u8", "0", "2", "set", "u8", "8", "1", "incrby", "u4", "0", "1")
    assert h.server.keyspace.dirty - before == 2     # the unchanged field does not count
    h.run("bitfield", "d", "set", "u8", "0", "2", "set", "u8", "16", "0")
    assert h.server.keyspace.dirty - before == 4     # grown: every write counts


# --- helpers against plain references --------------------------------------------------------------

def test_fields_match_a_bit_string():
    rnd = random.Random(4)
    buf = bytearray(rnd.getrandbits(8) for _ in range(20))
    bits_of = "".join(format(b, "08b") for b in buf)
    for _ in range(500):
        bits = rnd.randint(1, 64)
        offset = rnd.randint(0, 150)
        ref = bits_of + "0" * 200
        u = int(ref[offset:offset + bits], 2)
        assert bf.get_field(buf, offset, bits, False) == u
        s = u - (1 << bits) if u >> (bits - 1) else u
        assert bf.get_field(buf, offset, bits, True) == s
    for _ in range(200):
        bits = rnd.randint(1, 64)
        offset = rnd.randint(0, 160 - bits)
        value = rnd.getrandbits(bits)
        bf.set_field(buf, offset, bits, value)
        assert bf.get_field(buf, offset, bits, False) == value
        bits_of = "".join(format(b, "08b") for b in buf)
        assert int(bits_of[offset:offset + bits], 2) == value


def test_overflow_rules():
    assert bf._unsigned_overflow(250, 10, 8, "wrap") == (1, 4)
    assert bf._unsigned_overflow(250, 10, 8, "sat") == (1, 255)
    assert bf._unsigned_overflow(5, -10, 8, "sat") == (-1, 0)
    assert bf._unsigned_overflow(5, -10, 8, "fail") == (-1, None)
    assert bf._signed_overflow(120, 10, 8, "wrap") == (1, -126)
    assert bf._signed_overflow(-120, -10, 8, "sat") == (-1, -128)
    assert bf._signed_overflow(I64_MAX, 1, 64, "wrap") == (1, I64_MIN)
    assert bf._signed_overflow(I64_MIN, -1, 64, "sat") == (-1, I64_MIN)
    # Redis' quirk: SET of a value far below an i8's range overflows "upwards".
    assert bf._signed_overflow(I64_MIN, 0, 8, "sat") == (1, 127)
