"""Redis' compact encodings as they appear inside RDB files and DUMP payloads.

Owns: byte layouts of listpack (read and write), intset (read and write),
and the older ziplist and zipmap (read only: Redis 7.0 still loads them but
never writes them). Must not touch: the keyspace, value classes, files.

Every decoder checks the structure it walks (header sizes, counts, the end
marker, entries running past the blob) and raises :class:`EncodingError` on
any inconsistency, so that a corrupt file or a forged RESTORE payload is
refused instead of producing garbage. Elements come back as bytes; integer
entries as their decimal text (as Redis gives them back to clients).

Layouts (all integers little endian unless said otherwise):

* listpack: ``<total-bytes u32><count u16>`` entries ``0xFF``; an entry is an
  encoding byte (7-bit uint, 6/12/32-bit string length, 13/16/24/32/64-bit
  signed int), its data, then its own length written backwards ("backlen").
* ziplist: ``<zlbytes u32><zltail u32><zllen u16>`` entries ``0xFF``; an entry
  is ``<prevlen>`` (1 byte, or 0xFE + u32) then an encoding (string lengths
  big endian; int16/32/64/24/8; 4-bit immediates 0..12) and data.
* intset: ``<encoding u32 = 2|4|8><length u32>`` sorted signed integers.
* zipmap: ``<zmlen u8>`` then ``<len>key<len><free>value<free bytes>`` ... ``0xFF``.
"""

import struct

from ..protocol import string2ll


class EncodingError(ValueError):
    """A compact encoding that does not hold together."""


_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_U32BE = struct.Struct(">I")

LISTPACK_HEADER = 6
_LP_EOF = 0xFF
_LP_COUNT_UNKNOWN = 65535


def as_int(s):
    """The 64-bit integer a listpack/intset would store for text ``s``, or None."""
    if len(s) > 20:
        return None
    return string2ll(s)


# --- listpack ---------------------------------------------------------------------

# Redis' size classes for backlen: note the strict bounds (16383 takes 3 bytes).
_BACKLEN_LIMITS = (128, 16383, 2097151, 268435455)


def _backlen_size(n):
    size = 1
    for limit in _BACKLEN_LIMITS:
        if n < limit:
            return size
        size += 1
    return size


def _backlen(n):
    """An entry's length written for backward traversal: 7 bits a byte, most
    significant first, the continuation bit on every byte but the first."""
    if n <= 127:
        return bytes((n,))
    size = _backlen_size(n)
    return bytes(((n >> (7 * (size - 1 - i))) & 127) | (128 if i else 0) for i in range(size))


def _lp_int(v):
    if 0 <= v <= 127:
        return bytes((v,))
    if -4096 <= v <= 4095:
        u = v & 0x1FFF
        return bytes((0xC0 | (u >> 8), u & 0xFF))
    if -32768 <= v <= 32767:
        return b"\xf1" + _I16.pack(v)
    if -(1 << 23) <= v < (1 << 23):
        return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little")
    if -(1 << 31) <= v < (1 << 31):
        return b"\xf3" + _I32.pack(v)
    return b"\xf4" + _I64.pack(v)


def lp_entry(s):
    """One listpack entry (encoding, data, backlen) for the element ``s`` (bytes)."""
    v = as_int(s)
    if v is not None:
        enc = _lp_int(v)
    else:
        n = len(s)
        if n < 64:
            enc = bytes((0x80 | n,)) + s
        elif n < 4096:
            enc = bytes((0xE0 | (n >> 8), n & 0xFF)) + s
        else:
            enc = b"\xf0" + _U32.pack(n) + s
    return enc + _backlen(len(enc))


def listpack_from_entries(entries):
    """A listpack blob from already encoded entries (see :func:`lp_entry`)."""
    body = b"".join(entries)
    total = LISTPACK_HEADER + len(body) + 1
    count = min(len(entries), _LP_COUNT_UNKNOWN)
    return _U32.pack(total) + _U16.pack(count) + body + b"\xff"


def listpack(elements):
    """A listpack blob holding ``elements`` (bytes), integers encoded as Redis encodes them."""
    return listpack_from_entries([lp_entry(e) for e in elements])


def _lp_string_len(b0, blob, p):
    """(header size, data length) of a string entry whose first byte is b0, or None."""
    if b0 & 0xC0 == 0x80:
        return 1, b0 & 0x3F
    if b0 & 0xF0 == 0xE0:
        return 2, ((b0 & 0x0F) << 8) | blob[p + 1]
    if b0 == 0xF0:
        return 5, _U32.unpack_from(blob, p + 1)[0]
    return None


def _lp_value(blob, p):
    """(element, encoded length without backlen) of the entry at p."""
    b0 = blob[p]
    if b0 < 0x80:
        return b"%d" % b0, 1
    if b0 & 0xE0 == 0xC0:
        u = ((b0 & 0x1F) << 8) | blob[p + 1]
        return b"%d" % (u - 8192 if u >= 4096 else u), 2
    if b0 == 0xF1:
        return b"%d" % _I16.unpack_from(blob, p + 1)[0], 3
    if b0 == 0xF2:
        u = int.from_bytes(blob[p + 1:p + 4], "little")
        return b"%d" % (u - (1 << 24) if u >= (1 << 23) else u), 4
    if b0 == 0xF3:
        return b"%d" % _I32.unpack_from(blob, p + 1)[0], 5
    if b0 == 0xF4:
        return b"%d" % _I64.unpack_from(blob, p + 1)[0], 9
    s = _lp_string_len(b0, blob, p)
    if s is None:
        raise EncodingError("invalid listpack entry encoding 0x%02x" % b0)
    head, n = s
    return bytes(blob[p + head:p + head + n]), head + n


def listpack_items(blob):
    """The elements of a listpack blob, as a list of bytes."""
    size = len(blob)
    if size < LISTPACK_HEADER + 1 or _U32.unpack_from(blob, 0)[0] != size:
        raise EncodingError("listpack size mismatch")
    if blob[size - 1] != _LP_EOF:
        raise EncodingError("listpack without end marker")
    count = _U16.unpack_from(blob, 4)[0]
    out = []
    p = LISTPACK_HEADER
    end = size - 1
    try:
        while p < end:
            v, n = _lp_value(blob, p)
            p += n + _backlen_size(n)
            out.append(v)
    except (IndexError, struct.error):
        raise EncodingError("listpack entry past the end")
    if p != end or (count != _LP_COUNT_UNKNOWN and count != len(out)):
        raise EncodingError("listpack count or length mismatch")
    return out


# --- ziplist (read only) --------------------------------------------------------------

_ZIP_INTS = {0xC0: (_I16, 2), 0xD0: (_I32, 4), 0xE0: (_I64, 8)}


def _zl_entry(blob, p):
    """(element, next position) of the ziplist entry at p."""
    p += 1 if blob[p] < 254 else 5          # prevlen
    b0 = blob[p]
    kind = b0 >> 6
    if kind == 0:
        return bytes(blob[p + 1:p + 1 + b0]), p + 1 + b0, b0
    if kind == 1:
        n = ((b0 & 0x3F) << 8) | blob[p + 1]
        return bytes(blob[p + 2:p + 2 + n]), p + 2 + n, n
    if b0 == 0x80:
        n = _U32BE.unpack_from(blob, p + 1)[0]
        return bytes(blob[p + 5:p + 5 + n]), p + 5 + n, n
    if b0 in _ZIP_INTS:
        st, n = _ZIP_INTS[b0]
        return b"%d" % st.unpack_from(blob, p + 1)[0], p + 1 + n, -1
    if b0 == 0xF0:
        u = int.from_bytes(blob[p + 1:p + 4], "little")
        return b"%d" % (u - (1 << 24) if u >= (1 << 23) else u), p + 4, -1
    if b0 == 0xFE:
        v = blob[p + 1]
        return b"%d" % (v - 256 if v >= 128 else v), p + 2, -1
    if 0xF1 <= b0 <= 0xFD:
        return b"%d" % ((b0 & 0x0F) - 1), p + 1, -1
    raise EncodingError("invalid ziplist entry encoding 0x%02x" % b0)


def ziplist_items(blob):
    """The elements of a ziplist blob, as a list of bytes."""
    size = len(blob)
    if size < 11 or _U32.unpack_from(blob, 0)[0] != size or blob[size - 1] != 0xFF:
        raise EncodingError("ziplist size mismatch")
    count = _U16.unpack_from(blob, 8)[0]
    out = []
    p = 10
    end = size - 1
    try:
        while p < end:
            v, p, n = _zl_entry(blob, p)
            if n > 0 and p > end:
                raise EncodingError("ziplist string past the end")
            out.append(v)
    except (IndexError, struct.error):
        raise EncodingError("ziplist entry past the end")
    if p != end or (count != 65535 and count != len(out)):
        raise EncodingError("ziplist count or length mismatch")
    return out


# --- intset -----------------------------------------------------------------------------

_INTSET_FORMATS = {2: "<%dh", 4: "<%di", 8: "<%dq"}


def intset(values):
    """An intset blob holding the integers ``values`` (sorted here)."""
    values = sorted(values)
    if not values or (-32768 <= values[0] and values[-1] <= 32767):
        width = 2
    elif -(1 << 31) <= values[0] and values[-1] < (1 << 31):
        width = 4
    else:
        width = 8
    n = len(values)
    return _U32.pack(width) + _U32.pack(n) + struct.pack(_INTSET_FORMATS[width] % n, *values)


def intset_items(blob):
    """The members of an intset blob, as a list of bytes (ascending)."""
    if len(blob) < 8:
        raise EncodingError("intset too short")
    width, n = struct.unpack_from("<II", blob, 0)
    fmt = _INTSET_FORMATS.get(width)
    if fmt is None or len(blob) != 8 + width * n:
        raise EncodingError("intset size mismatch")
    values = struct.unpack_from(fmt % n, blob, 8)
    if any(a >= b for a, b in zip(values, values[1:])):
        raise EncodingError("intset not sorted or with duplicates")
    return [b"%d" % v for v in values]


# --- zipmap (read only) ------------------------------------------------------------------

def _zm_len(blob, p):
    b0 = blob[p]
    if b0 < 254:
        return b0, p + 1
    if b0 == 254:
        return _U32.unpack_from(blob, p + 1)[0], p + 5
    return None, p + 1


def zipmap_items(blob):
    """The fields and values of a zipmap blob, alternating, as a list of bytes."""
    out = []
    p = 1
    try:
        while True:
            n, p = _zm_len(blob, p)
            if n is None:
                break
            key = bytes(blob[p:p + n])
            p += n
            n, p = _zm_len(blob, p)
            if n is None:
                raise EncodingError("zipmap key without value")
            free = blob[p]
            value = bytes(blob[p + 1:p + 1 + n])
            p += 1 + n + free
            if p > len(blob):
                raise EncodingError("zipmap entry past the end")
            out += (key, value)
    except (IndexError, struct.error):
        raise EncodingError("zipmap entry past the end")
    if p != len(blob):
        raise EncodingError("zipmap trailing bytes")
    return out
