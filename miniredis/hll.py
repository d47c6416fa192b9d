"""HyperLogLog maths and Redis' byte-exact HLL string representation.

Owns: the "HYLL" string layout (16-byte header: magic, encoding byte, three
unused bytes, an 8-byte little-endian cached cardinality whose top bit marks
it stale), the sparse encoding (ZERO ``00xxxxxx``, XZERO ``01xxxxxx
yyyyyyyy``, VAL ``1vvvvvxx`` opcodes) with Redis' exact in-place update and
merge rules, the dense encoding (16384 six-bit registers packed LSB first),
MurmurHash64A with Redis' seed, and Redis 7.0's estimator (Ertl's improved
estimator). Redis' sparse form is not canonical -- it depends on the order
of the updates -- so updates follow the same steps Redis takes, which makes
the bytes identical to what Redis stores for the same commands.
Must not touch: the keyspace, replies, errors (commands/hyperloglog.py does).

An ``Hll`` holds a mutable copy of the string (``buf``) plus, once needed, a
histogram of register values kept up to date by every update, so PFCOUNT
after PFADD costs O(64) instead of a decode of all registers.
"""

import math
import re
import struct
from bisect import bisect_right
from itertools import accumulate

P = 14
REGISTERS = 1 << P
Q = 64 - P
HDR = 16
DENSE_BYTES = REGISTERS * 6 // 8
DENSE_SIZE = HDR + DENSE_BYTES
DENSE, SPARSE = 0, 1
MAGIC = b"HYLL"
VAL_MAX_VALUE = 32
VAL_MAX_LEN = 4
ZERO_MAX_LEN = 64
XZERO_MAX_LEN = 16384
SEED = 0xadc83b19
ALPHA_INF = 0.721347520444481703680

_M64 = (1 << 64) - 1
_MUL = 0xc6a4a7935bd1e995


def murmur64a(data, seed=SEED):
    """MurmurHash64A as Redis computes it on a little-endian machine."""
    n = len(data)
    h = (seed ^ (n * _MUL)) & _M64
    whole = n & ~7
    for (k,) in struct.iter_unpack("<Q", data[:whole]):
        k = (k * _MUL) & _M64
        k ^= k >> 47
        h ^= (k * _MUL) & _M64
        h = (h * _MUL) & _M64
    if n & 7:
        h ^= int.from_bytes(data[whole:], "little")
        h = (h * _MUL) & _M64
    h ^= h >> 47
    h = (h * _MUL) & _M64
    return h ^ (h >> 47)


def position(element):
    """(register index, run length of zeros + 1) for an element, as Redis' hllPatLen."""
    h = murmur64a(element)
    rest = (h >> P) | (1 << Q)
    return h & (REGISTERS - 1), (rest & -rest).bit_length()


# --- dense packing, vectorised through lookup tables and big-int lane ORs ----------------

def _table(fn):
    return bytes(fn(i) & 0xFF for i in range(256))


_T = {
    "and63": _table(lambda b: b & 63), "shr6": _table(lambda b: b >> 6),
    "lo4shl2": _table(lambda b: (b & 15) << 2), "shr4": _table(lambda b: b >> 4),
    "lo2shl4": _table(lambda b: (b & 3) << 4), "shr2": _table(lambda b: b >> 2),
    "lo2shl6": _table(lambda b: (b & 3) << 6), "lo4shl4": _table(lambda b: (b & 15) << 4),
    "shl2": _table(lambda b: b << 2),
}


def _or(a, b):
    """Byte-wise OR of two equal-length byte strings whose set bits never overlap."""
    n = len(a)
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(n, "little")


def dense_decode(packed):
    """16384 register values (bytearray) from the 12288 packed bytes."""
    b0, b1, b2 = packed[0::3], packed[1::3], packed[2::3]
    regs = bytearray(REGISTERS)
    regs[0::4] = b0.translate(_T["and63"])
    regs[1::4] = _or(b0.translate(_T["shr6"]), b1.translate(_T["lo4shl2"]))
    regs[2::4] = _or(b1.translate(_T["shr4"]), b2.translate(_T["lo2shl4"]))
    regs[3::4] = b2.translate(_T["shr2"])
    return regs


def dense_encode(regs):
    """The 12288 packed bytes for 16384 register values (each < 64)."""
    regs = bytes(regs)
    r0, r1, r2, r3 = regs[0::4], regs[1::4], regs[2::4], regs[3::4]
    out = bytearray(DENSE_BYTES)
    out[0::3] = _or(r0, r1.translate(_T["lo2shl6"]))
    out[1::3] = _or(r1.translate(_T["shr2"]), r2.translate(_T["lo4shl4"]))
    out[2::3] = _or(r2.translate(_T["shr4"]), r3.translate(_T["shl2"]))
    return out


def histogram(regs):
    """Counts of each register value 0..63."""
    top = max(regs)
    return [regs.count(v) for v in range(top + 1)] + [0] * (63 - top)


# --- sparse opcodes -------------------------------------------------------------------------

def _val(value, length):
    return 0x80 | ((value - 1) << 2) | (length - 1)


def _zero_run(n):
    """Opcode bytes for n zero registers as Redis writes a split remainder."""
    if n > ZERO_MAX_LEN:
        return bytes(((0x40 | ((n - 1) >> 8)), (n - 1) & 0xFF))
    return bytes((n - 1,))


# The sparse string as tokens: one XZERO, or a run of one-byte opcodes (ZERO / VAL).
_TOKENS = re.compile(rb"[\x40-\x7f][\x00-\xff]|[\x00-\x3f\x80-\xff]+", re.S)
# Registers covered by a one-byte opcode.
_RUN = bytes(((b & 63) + 1) if b < 0x40 else ((b & 3) + 1) if b >= 0x80 else 0
             for b in range(256))


_CHUNK = 256


def opcode(buf, p):
    """(kind, value, run length, opcode size) of the sparse opcode at p.

    kind: "z" ZERO, "Z" XZERO, "v" VAL. A truncated XZERO reads its second
    byte as 0 (Redis reads the string's terminating NUL).
    """
    op = buf[p]
    if op & 0x80:
        return "v", ((op >> 2) & 31) + 1, (op & 3) + 1, 1
    if op & 0x40:
        low = buf[p + 1] if p + 1 < len(buf) else 0
        return "Z", 0, (((op & 63) << 8) | low) + 1, 2
    return "z", 0, (op & 63) + 1, 1


def sparse_runs(buf):
    """Yield (value, run length) for every opcode of a sparse HLL string."""
    p, end = HDR, len(buf)
    while p < end:
        _, value, run, size = opcode(buf, p)
        yield value, run
        p += size


def sparse_registers(buf):
    """The registers of a sparse string, or None if its opcodes do not cover exactly 16384."""
    regs = bytearray(REGISTERS)
    idx = 0
    for value, run in sparse_runs(buf):
        if value and idx + run > REGISTERS:
            return None   # a VAL past the last register: corrupt
        if value:
            regs[idx:idx + run] = bytes((value,)) * run
        idx += run
    return regs if idx == REGISTERS else None


def sparse_histogram(buf):
    """Register histogram of a sparse string, or None if it is corrupt."""
    hist = [0] * 64
    idx = 0
    for value, run in sparse_runs(buf):
        hist[value] += run
        idx += run
    return hist if idx == REGISTERS else None


def sparse_decode_text(buf):
    """PFDEBUG DECODE: "z:<len>", "Z:<len>", "v:<value>,<len>" separated by spaces."""
    parts = []
    p, end = HDR, len(buf)
    while p < end:
        kind, value, run, size = opcode(buf, p)
        parts.append("v:%d,%d" % (value, run) if kind == "v" else "%s:%d" % (kind, run))
        p += size
    return " ".join(parts).encode()


# --- the estimator (Redis 7.0 hllCount) -------------------------------------------------------

def _sigma(x):
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        z_prime = z
        z += x * y
        y += y
        if z_prime == z:
            return z


def _tau(x):
    if x == 0.0 or x == 1.0:
        return 0.0
    y, z = 1.0, 1.0 - x
    while True:
        x = math.sqrt(x)
        z_prime = z
        y *= 0.5
        z -= (1 - x) ** 2 * y
        if z_prime == z:
            return z / 3


def estimate(hist):
    """Cardinality from a register histogram, exactly as Redis 7.0 rounds it."""
    m = float(REGISTERS)
    z = m * _tau((m - hist[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += hist[j]
        z *= 0.5
    z += m * _sigma(hist[0] / m)
    # Only crafted strings (every register near 50) get here with z == 0 or an
    # estimate past 2**63: llroundl then yields LLONG_MIN, seen as 2**63.
    e = ALPHA_INF * m * m / z if z else math.inf
    if e >= 2.0 ** 63:
        return 1 << 63
    whole = math.floor(e)
    return int(whole) + (1 if e - whole >= 0.5 else 0)


def as_reply(card):
    """The estimate as Redis replies it (a C long long)."""
    return card - (1 << 64) if card >> 63 else card


# --- the object -------------------------------------------------------------------------------

def header_valid(v):
    """Redis' isHLLObjectOrReply checks on a string's bytes."""
    if len(v) < HDR or v[:4] != MAGIC or v[4] > SPARSE:
        return False
    return v[4] != DENSE or len(v) == DENSE_SIZE


def cached_card(v):
    """The cardinality cached in a header, or None when stale."""
    if v[15] & 0x80:
        return None
    return int.from_bytes(v[8:16], "little")


def with_card(v, card):
    """The string with ``card`` written into its header cache (marked valid)."""
    return v[:8] + card.to_bytes(8, "little") + v[16:]


class Hll(object):
    """A mutable HLL string; ``hist`` is the register histogram once computed."""

    __slots__ = ("buf", "hist")

    def __init__(self, buf):
        self.buf = buf
        self.hist = None

    @classmethod
    def new(cls):
        """An empty sparse HLL: one XZERO covering every register, cache 0 and valid."""
        return cls(bytearray(MAGIC + bytes((SPARSE,)) + bytes(11)) + _zero_run(REGISTERS))

    @property
    def dense(self):
        return self.buf[4] == DENSE

    def invalidate(self):
        self.buf[15] |= 0x80

    def registers(self):
        """All register values (a new bytearray), or None for a corrupt sparse string."""
        if self.dense:
            return dense_decode(bytes(self.buf[HDR:]))
        return sparse_registers(self.buf)

    def histogram(self):
        if self.hist is None:
            if self.dense:
                self.hist = histogram(self.registers())
            else:
                self.hist = sparse_histogram(self.buf)
        return self.hist

    def count(self):
        """The estimate, or None for a corrupt sparse string."""
        hist = self.histogram()
        return None if hist is None else estimate(hist)

    def _moved(self, old, new):
        hist = self.hist
        if hist is not None:
            hist[old] -= 1
            hist[new] += 1

    # --- dense ----------------------------------------------------------------------------
    def get_dense(self, index):
        pos = index * 6
        b, shift = HDR + (pos >> 3), pos & 7
        word = self.buf[b] | (self.buf[b + 1] << 8 if shift > 2 else 0)
        return (word >> shift) & 63

    def _put_dense(self, index, value):
        buf, pos = self.buf, index * 6
        b, shift = HDR + (pos >> 3), pos & 7
        if shift <= 2:
            buf[b] = (buf[b] & ~(63 << shift) & 0xFF) | (value << shift)
            return
        word = buf[b] | (buf[b + 1] << 8)
        word = (word & ~(63 << shift)) | (value << shift)
        buf[b] = word & 0xFF
        buf[b + 1] = word >> 8

    def set_dense(self, index, count):
        old = self.get_dense(index)
        if count <= old:
            return 0
        self._put_dense(index, count)
        self._moved(old, count)
        return 1

    def to_dense(self):
        """Convert to dense (header and cached card kept); False if the sparse string is corrupt."""
        if self.dense:
            return True
        regs = sparse_registers(self.buf)
        if regs is None:
            return False
        self.buf = bytearray(self.buf[:HDR]) + dense_encode(regs)
        self.buf[4] = DENSE
        return True

    def set_registers_max(self, regs):
        """Dense only: every register becomes max(itself, regs[i])."""
        mine = dense_decode(bytes(self.buf[HDR:]))
        merged = bytes(map(max, mine, regs))
        self.buf[HDR:] = dense_encode(merged)
        self.hist = None

    # --- sparse ---------------------------------------------------------------------------
    def add(self, index, count, max_bytes, hint=None):
        """Raise register ``index`` to ``count``: 1 if changed, 0 if not, -1 if corrupt.

        ``hint`` (a list, updated; see _find) lets ascending updates (PFMERGE)
        resume the opcode walk where the previous one stopped.
        """
        if self.dense:
            return self.set_dense(index, count)
        if count > VAL_MAX_VALUE:
            return self._promote(index, count)
        found = self._seek(index) if hint is None else self._find(index, hint)
        if found is None and hint is None:
            found = self._find(index, [])
        if found is None:
            return -1
        p, first, prev = found
        kind, old, run, size = opcode(self.buf, p)
        if kind == "v" and old >= count:
            return 0
        if run == 1 and kind != "Z":
            self.buf[p] = _val(count, 1)
        else:
            seq = _split(kind, old, index - first, run - 1 - (index - first), count)
            grow = len(seq) - size
            if grow > 0 and len(self.buf) + grow > max_bytes:
                return self._promote(index, count)
            self.buf[p:p + size] = seq
        # Opcodes before prev are untouched, and prev still starts where it did:
        # the trail stays valid for the next ascending update.
        self._merge_from(prev if prev is not None else HDR)
        self._moved(old, count)
        return 1

    def _promote(self, index, count):
        if not self.to_dense():
            return -1
        return self.set_dense(index, count)

    def _seek(self, index):
        """(p, first, prev) for the opcode covering index, or None: _find's answer,
        with the walk done by the regex engine and a C-level sum per run of
        one-byte opcodes instead of a Python step per opcode."""
        buf = self.buf
        first, prev, expect = 0, None, HDR
        for m in _TOKENS.finditer(buf, HDR):
            start, end = m.span()
            if start != expect:
                return None   # a truncated XZERO: let the plain walk decide
            expect = end
            if end - start == 2 and 0x40 <= buf[start] < 0x80:
                run = (((buf[start] & 63) << 8) | buf[start + 1]) + 1
                if index < first + run:
                    return start, first, prev
                first += run
                prev = start
                continue
            runs = bytes(buf[start:end]).translate(_RUN)
            for at in range(0, len(runs), _CHUNK):
                chunk = runs[at:at + _CHUNK]
                total = sum(chunk)
                if index < first + total:
                    sums = list(accumulate(chunk))
                    k = bisect_right(sums, index - first)
                    p = start + at + k
                    return p, first + (sums[k - 1] if k else 0), p - 1 if at + k else prev
                first += total
            prev = end - 1
        return None

    def _find(self, index, trail):
        """(p, first, prev) for the opcode covering index, or None if the opcodes end first.

        ``trail`` collects (position, first register) of every opcode passed;
        given non-empty, the walk resumes at its last entry.
        """
        buf, end = self.buf, len(self.buf)
        if trail:
            p, first = trail.pop()
            prev = trail[-1][0] if trail else None
        else:
            p, first, prev = HDR, 0, None
        while p < end:
            _, _, run, size = opcode(buf, p)
            if index <= first + run - 1:
                return p, first, prev
            trail.append((p, first))
            prev = p
            p += size
            first += run
        return None

    def _merge_from(self, p):
        """Redis' step 4: merge adjacent equal VAL opcodes, scanning up to 5 opcodes."""
        buf = self.buf
        for _ in range(5):
            if p >= len(buf):
                return
            op = buf[p]
            if not op & 0x80:
                p += 2 if op & 0x40 else 1
                continue
            if p + 1 < len(buf) and buf[p + 1] & 0x80:
                nxt = buf[p + 1]
                if (op >> 2) & 31 == (nxt >> 2) & 31:
                    run = (op & 3) + (nxt & 3) + 2
                    if run <= VAL_MAX_LEN:
                        buf[p + 1] = _val(((op >> 2) & 31) + 1, run)
                        del buf[p]
                        continue
            p += 1


def _split(kind, old, before, after, count):
    """The opcodes replacing one run when one of its registers becomes ``count``."""
    out = bytearray()
    if kind == "v":
        if before:
            out.append(_val(old, before))
        out.append(_val(count, 1))
        if after:
            out.append(_val(old, after))
        return out
    if before:
        out += _zero_run(before)
    out.append(_val(count, 1))
    if after:
        out += _zero_run(after)
    return out
