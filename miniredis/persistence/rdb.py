"""The RDB codec: Redis 7.0's snapshot file format (version 10) and DUMP payloads.

Owns: turning a keyspace into RDB bytes and back, and one value into a
DUMP payload and back. Must not touch: sockets, the dispatcher, the file
system beyond the file object it is given (atomic renames and fsyncs belong
to the snapshot code), the server's configuration (callers pass it).

Public API (used by snapshots, the AOF base file and DUMP/RESTORE)::

    write_rdb(f, keyspace, aux=None, checksum=True, compress=True, config=None, functions=())
    load_rdb(f, keyspace, now_ms=None, config=None, functions=None, progress=None) -> aux dict
    dump_value(value, compress=True, config=None) -> bytes
    restore_value(payload, config=None) -> value       # raises PayloadError / RDBError
    class RDBError(Exception)                            # .offset

File layout (what Redis 7.0 writes): ``REDIS0010``; AUX fields (redis-ver,
redis-bits, ctime, used-mem, aof-base, then the caller's); FUNCTION2
records (library code, when given); for each non-empty database SELECTDB and
RESIZEDB; then for each key an optional EXPIRETIME_MS, the value type, the
key and the value; EOF and the CRC-64 of everything before it (zero when
``checksum`` is off, which Redis reads as "not checked").

Values are written in the encoding OBJECT ENCODING reports, as Redis writes
them: strings as integers when they are canonical 32-bit integer texts of at
most 11 characters, LZF-compressed when ``compress`` and longer than 20
bytes (and only if that saves at least 4 bytes), else raw; lists as
QUICKLIST_2 of listpack nodes, split by list-max-listpack-size; hashes and
sorted sets as one LISTPACK while small, else HASH / ZSET_2 (binary doubles,
greatest score first); sets as INTSET while small and all integers, else
SET. The loader reads every type Redis 7.0 reads, including the older
zipmap, ziplist and quicklist (v1) encodings and the text-score ZSET;
module values are refused with an :class:`RDBError` naming them. Streams
are STREAM_LISTPACKS_2 (see the streams section). Keys already expired are skipped, as a
Redis master does; empty containers too.

Typed values (project extension, see :mod:`miniredis.datatypes`) are stored
as ordinary string values, so that real Redis loads the file and sees
strings:

* an ``int`` as its decimal text, a ``float`` as its text (as GET would
  show it to a string command: ``format_float``), a
  :class:`~miniredis.datatypes.TypedValue` as its RESP3 encoding (e.g.
  ``*2\\r\\n:1\\r\\n#t\\r\\n`` for ``[1, True]``);
* each is preceded by an AUX field ``miniredis-typed`` whose value is
  ``int``, ``double`` or ``resp3``, which applies to the next key only.
  Redis never writes AUX fields between keys and ignores unknown ones, so
  the marker cannot be confused with a user string and costs Redis nothing.
  Real Redis (and any RDB tool) sees the plain strings described above.

DUMP payloads have no room for such a marker: DUMP of a typed value is the
payload of the same string (decimal text, float text or RESP3 encoding),
and RESTORE gives back a plain string, in miniredis as in Redis.
"""

import io
import struct
import time

import lzf

from ..datatypes import TypedValue, as_bytes
from ..protocol import encode, string2ll, _parse_value
from ..values.hashvalue import HashValue
from ..values.listvalue import ListValue
from ..values.setvalue import SetValue, is_int_member
from ..values.zsetvalue import ZSetValue
from ..values import streamvalue as sv
from . import encodings as enc
from .checksum import crc64

RDB_VERSION = 10
REDIS_VERSION = b"7.0.15"

# Opcodes
OP_FUNCTION_PRE_GA = 0xF6
OP_FUNCTION2 = 0xF5
OP_MODULE_AUX = 0xF7
OP_IDLE = 0xF8
OP_FREQ = 0xF9
OP_AUX = 0xFA
OP_RESIZEDB = 0xFB
OP_EXPIRETIME_MS = 0xFC
OP_EXPIRETIME = 0xFD
OP_SELECTDB = 0xFE
OP_EOF = 0xFF

# Value types
T_STRING, T_LIST, T_SET, T_ZSET, T_HASH, T_ZSET_2 = 0, 1, 2, 3, 4, 5
T_MODULE_PRE_GA, T_MODULE_2 = 6, 7
T_HASH_ZIPMAP, T_LIST_ZIPLIST, T_SET_INTSET, T_ZSET_ZIPLIST, T_HASH_ZIPLIST = 9, 10, 11, 12, 13
T_LIST_QUICKLIST, T_STREAM_LISTPACKS, T_HASH_LISTPACK, T_ZSET_LISTPACK = 14, 15, 16, 17
T_LIST_QUICKLIST_2, T_STREAM_LISTPACKS_2 = 18, 19
_UNSUPPORTED = {
    T_MODULE_PRE_GA: "module values (RDB type 6) are not supported",
    T_MODULE_2: "module values (RDB type 7) are not supported",
}

TYPED_AUX = b"miniredis-typed"
_TYPED_KINDS = (b"int", b"double", b"resp3")

_QUICKLIST_PLAIN, _QUICKLIST_PACKED = 1, 2
# list-max-listpack-size < 0: bytes per node; > 0: elements per node within 8 kB.
_NODE_BYTES = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192
_NODE_ENTRY_ESTIMATE = 8    # what Redis adds to an element's size when it sizes a node

_LEN_32, _LEN_64, _ENCVAL = 0x80, 0x81, 3
_ENC_INT8, _ENC_INT16, _ENC_INT32, _ENC_LZF = 0, 1, 2, 3
_DOUBLE = struct.Struct("<d")
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_FLUSH_AT = 1 << 20
_LZF_MAX_RATIO = 160      # an LZF back-reference of 3 bytes yields at most 264


class RDBError(Exception):
    """A corrupt or unsupported RDB file or payload; ``offset`` is where reading stopped."""

    def __init__(self, message, offset=None):
        Exception.__init__(self, message)
        self.message = message
        self.offset = offset

    def __str__(self):
        if self.offset is None:
            return self.message
        return "%s (at offset %d)" % (self.message, self.offset)


class PayloadError(RDBError):
    """A DUMP payload whose RDB version or checksum is wrong."""


class _EmptyKey(Exception):
    """An empty container: skipped on load, refused by RESTORE (as Redis)."""


# --- writing -----------------------------------------------------------------------

def encode_length(n):
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def _int_string(s):
    """The integer encoding of ``s`` when Redis would use one (canonical, 32-bit), else None."""
    v = string2ll(s) if 0 < len(s) <= 11 else None
    if v is None:
        return None
    if -128 <= v <= 127:
        return bytes((0xC0, v & 0xFF))
    if -32768 <= v <= 32767:
        return b"\xc1" + v.to_bytes(2, "little", signed=True)
    if -(1 << 31) <= v < (1 << 31):
        return b"\xc2" + v.to_bytes(4, "little", signed=True)
    return None


def encode_string(s, compress=True):
    """One RDB string: integer-encoded, LZF-compressed or raw, as Redis chooses."""
    n = len(s)
    if n <= 11:
        e = _int_string(s)
        if e is not None:
            return e
    elif compress and n > 20:
        # Redis keeps the compressed form only if it fits in n - 4 bytes
        # (python-lzf gives liblzf a buffer of max_length + 1 bytes).
        c = lzf.compress(s, n - 5)
        if c:
            return b"\xc3" + encode_length(len(c)) + encode_length(n) + c
    return encode_length(n) + s


class _Out(object):
    """Collects output, passes it to a file object by ~1 MB batches with a running CRC."""

    def __init__(self, f=None, compress=True):
        self.f = f
        self.parts = []
        self.size = 0
        self.crc = 0
        self.compress = compress

    def add(self, b):
        self.parts.append(b)
        self.size += len(b)
        if self.size >= _FLUSH_AT and self.f is not None:
            self.flush()

    def string(self, s):
        self.add(encode_string(s, self.compress))

    def flush(self):
        data = b"".join(self.parts)
        self.parts = []
        self.size = 0
        self.crc = crc64(data, self.crc)
        self.f.write(data)

    def getvalue(self):
        return b"".join(self.parts)


def _typed_form(value):
    """(string bytes, marker kind) for a typed value; (None, None) for others."""
    t = type(value)
    if t is int:
        return b"%d" % value, b"int"
    if t is float:
        return as_bytes(value), b"double"
    if t is TypedValue:
        return encode(value.reply, 3), b"resp3"
    return None, None


def _list_nodes(lst, fill):
    """Split a list's elements into listpacks as Redis' quicklist would (entries per node)."""
    if fill < 0:
        limit, max_count = _NODE_BYTES[min(-fill, len(_NODE_BYTES)) - 1], None
    else:
        limit, max_count = _SIZE_SAFETY_LIMIT, max(fill, 1)
    nodes, cur, size = [], [], enc.LISTPACK_HEADER + 1
    for e in lst:
        entry = enc.lp_entry(e)
        if cur and (size + len(e) + _NODE_ENTRY_ESTIMATE > limit
                    or (max_count is not None and len(cur) >= max_count)):
            nodes.append(cur)
            cur, size = [], enc.LISTPACK_HEADER + 1
        cur.append(entry)
        size += len(entry)
    if cur:
        nodes.append(cur)
    return nodes


def _format_score(v):
    """A score as Redis writes it into a listpack (d2string): integer text when exact."""
    if v != v:
        return b"nan"
    if v in (float("inf"), float("-inf")):
        return b"inf" if v > 0 else b"-inf"
    if -4503599627370495 < v < 4503599627370496 and v == int(v):
        return b"%d" % int(v)
    return b"%.17g" % v


def _write_list(out, value, fill):
    nodes = _list_nodes(value, fill)
    out.add(encode_length(len(nodes)))
    for entries in nodes:
        out.add(encode_length(_QUICKLIST_PACKED))
        out.string(enc.listpack_from_entries(entries))


def _write_hash(out, value):
    if not value.big:
        flat = []
        for f, v in value.items():
            flat += (f, v)
        out.string(enc.listpack(flat))
        return
    out.add(encode_length(len(value)))
    for f, v in value.items():
        out.string(f)
        out.string(v)


def _write_set(out, value, as_intset):
    if as_intset:
        out.string(enc.intset([int(m) for m in value]))
        return
    out.add(encode_length(len(value)))
    for m in value:
        out.string(m)


def _write_zset(out, value):
    if not value.big:
        flat = []
        for m, s in value.items():
            flat += (m, _format_score(s))
        out.string(enc.listpack(flat))
        return
    out.add(encode_length(len(value)))
    # Greatest first, as Redis writes a skiplist (its loader then inserts at the head).
    for s, m in reversed(value.order):
        out.string(m)
        out.add(_DOUBLE.pack(s))


def _value_type(value):
    t = type(value)
    if t is bytes:
        return T_STRING
    if t is ListValue:
        return T_LIST_QUICKLIST_2
    if t is HashValue:
        return T_HASH if value.big else T_HASH_LISTPACK
    if t is SetValue:
        intset = not value.big and all(is_int_member(m) for m in value)
        return T_SET_INTSET if intset else T_SET
    if t is ZSetValue:
        return T_ZSET_2 if value.big else T_ZSET_LISTPACK
    if t is sv.StreamValue:
        return T_STREAM_LISTPACKS_2
    raise RDBError("cannot serialize a value of type %s" % t.__name__)


def _write_value(out, vtype, value, fill):
    if vtype == T_STRING:
        out.string(value)
    elif vtype == T_LIST_QUICKLIST_2:
        _write_list(out, value, fill)
    elif vtype in (T_HASH, T_HASH_LISTPACK):
        _write_hash(out, value)
    elif vtype in (T_SET, T_SET_INTSET):
        _write_set(out, value, vtype == T_SET_INTSET)
    elif vtype == T_STREAM_LISTPACKS_2:
        _write_stream(out, value)
    else:
        _write_zset(out, value)


def _fill(config):
    return -2 if config is None else config.list_max_listpack_size


def _write_aux(out, name, value):
    out.add(bytes((OP_AUX,)))
    out.string(name if type(name) is bytes else name.encode())
    if type(value) is int:
        value = b"%d" % value
    elif type(value) is str:
        value = value.encode()
    out.string(value)


def _default_aux():
    return {b"redis-ver": REDIS_VERSION, b"redis-bits": 64, b"ctime": int(time.time()),
            b"used-mem": 0, b"aof-base": 0}


def _write_key(out, key, value, expire, fill):
    text, kind = _typed_form(value)
    if kind is not None:
        _write_aux(out, TYPED_AUX, kind)
        value = text
    if expire is not None:
        out.add(bytes((OP_EXPIRETIME_MS,)) + _U64.pack(expire))
    vtype = _value_type(value)
    out.add(bytes((vtype,)))
    out.string(key)
    _write_value(out, vtype, value, fill)


def _write_db(out, db, fill, compress):
    expires = db.expires
    add = out.add
    for key, value in list(db.data.items()):
        if type(value) is bytes and key not in expires:
            # The common case in one piece: type, key, value.
            add(b"\x00" + encode_string(key, compress) + encode_string(value, compress))
        else:
            _write_key(out, key, value, expires.get(key), fill)


def write_rdb(f, keyspace, aux=None, checksum=True, compress=True, config=None, functions=()):
    """Write a complete RDB v10 file of every database of ``keyspace`` to binary file ``f``.

    ``aux``: extra or overriding AUX fields (name -> bytes/str/int).
    ``functions``: library source codes (bytes) written as FUNCTION2 records.
    """
    out = _Out(f, compress)
    out.add(b"REDIS%04d" % RDB_VERSION)
    fields = _default_aux()
    for name, value in (aux or {}).items():
        fields[name if type(name) is bytes else name.encode()] = value
    for name, value in fields.items():
        _write_aux(out, name, value)
    for code in functions:
        out.add(bytes((OP_FUNCTION2,)))
        out.string(code)
    fill = _fill(config)
    for db in keyspace.dbs:
        if not db.data:
            continue
        out.add(bytes((OP_SELECTDB,)) + encode_length(db.index))
        out.add(bytes((OP_RESIZEDB,)) + encode_length(len(db.data)) + encode_length(len(db.expires)))
        _write_db(out, db, fill, compress)
    out.add(bytes((OP_EOF,)))
    out.flush()
    f.write(_U64.pack(out.crc if checksum else 0))


def dump_value(value, compress=True, config=None):
    """DUMP's payload for ``value``: type, value, RDB version (2 bytes), CRC-64 (8 bytes)."""
    text, kind = _typed_form(value)
    if kind is not None:
        value = text
    out = _Out(None, compress)
    vtype = _value_type(value)
    out.add(bytes((vtype,)))
    _write_value(out, vtype, value, _fill(config))
    out.add(struct.pack("<H", RDB_VERSION))
    body = out.getvalue()
    return body + _U64.pack(crc64(body))


# --- reading -----------------------------------------------------------------------

class _In(object):
    """A cursor over the whole file or payload (bytes)."""

    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf, end=None):
        self.buf = buf
        self.pos = 0
        self.end = len(buf) if end is None else end

    def fail(self, message):
        raise RDBError(message, self.pos)

    def take(self, n):
        p = self.pos
        if p + n > self.end:
            self.fail("Unexpected end of data (short read)")
        self.pos = p + n
        return self.buf[p:p + n]

    def byte(self):
        p = self.pos
        if p >= self.end:
            self.fail("Unexpected end of data (short read)")
        self.pos = p + 1
        return self.buf[p]

    def length_or_encoding(self):
        """(value, True) for a special string encoding, (length, False) otherwise."""
        b0 = self.byte()
        kind = b0 >> 6
        if kind == 0:
            return b0 & 0x3F, False
        if kind == 1:
            return ((b0 & 0x3F) << 8) | self.byte(), False
        if kind == _ENCVAL:
            return b0 & 0x3F, True
        if b0 == _LEN_32:
            return int.from_bytes(self.take(4), "big"), False
        if b0 == _LEN_64:
            return int.from_bytes(self.take(8), "big"), False
        self.fail("Unknown length encoding %d in rdbLoadLen()" % b0)

    def length(self):
        n, special = self.length_or_encoding()
        if special:
            self.fail("Unexpected string encoding where a length was expected")
        return n

    def string(self):
        p = self.pos
        if p < self.end:
            b0 = self.buf[p]
            if b0 < 64 and p + 1 + b0 <= self.end:
                # fast path: a short raw string (most keys and values)
                self.pos = p + 1 + b0
                return self.buf[p + 1:p + 1 + b0]
        n, special = self.length_or_encoding()
        if not special:
            return self.take(n)
        if n == _ENC_INT8:
            return b"%d" % int.from_bytes(self.take(1), "little", signed=True)
        if n == _ENC_INT16:
            return b"%d" % int.from_bytes(self.take(2), "little", signed=True)
        if n == _ENC_INT32:
            return b"%d" % int.from_bytes(self.take(4), "little", signed=True)
        if n == _ENC_LZF:
            clen = self.length()
            size = self.length()
            if size > clen * _LZF_MAX_RATIO + 64:
                self.fail("Invalid LZF compressed string")   # not allocated: LZF cannot expand so much
            data = lzf.decompress(self.take(clen), size) if size else b""
            if data is None or len(data) != size:
                self.fail("Invalid LZF compressed string")
            return data
        self.fail("Unknown RDB string encoding type %d" % n)

    def double_text(self):
        """A score of the old ZSET type: length byte, or 253/254/255 for nan/+inf/-inf."""
        n = self.byte()
        if n == 253:
            return float("nan")
        if n == 254:
            return float("inf")
        if n == 255:
            return float("-inf")
        try:
            return float(self.take(n))
        except ValueError:
            self.fail("Invalid double value")

    def binary_double(self):
        return _DOUBLE.unpack(self.take(8))[0]


def _pairs(flat, r):
    if len(flat) % 2:
        r.fail("Odd number of entries in a field/value encoding")
    return list(zip(flat[0::2], flat[1::2]))


def _blob_items(r, decode):
    blob = r.string()
    try:
        return decode(blob)
    except enc.EncodingError as e:
        r.fail("Corrupt encoded value: %s" % e)


def _read_list(r, vtype):
    items = []
    if vtype == T_LIST:
        for _ in range(r.length()):
            items.append(r.string())
    elif vtype == T_LIST_ZIPLIST:
        items = _blob_items(r, enc.ziplist_items)
    elif vtype == T_LIST_QUICKLIST:
        for _ in range(r.length()):
            items += _blob_items(r, enc.ziplist_items)
    else:
        for _ in range(r.length()):
            container = r.length()
            if container == _QUICKLIST_PLAIN:
                items.append(r.string())
            elif container == _QUICKLIST_PACKED:
                items += _blob_items(r, enc.listpack_items)
            else:
                r.fail("Quicklist integrity check failed (container %d)" % container)
    if not items:
        raise _EmptyKey()
    return ListValue(items)


def _read_set(r, vtype, config):
    if vtype == T_SET:
        n = r.length()
        members = [r.string() for _ in range(n)]
    else:
        members = _blob_items(r, enc.intset_items)
    if not members:
        raise _EmptyKey()
    s = SetValue.build(members, config)
    if len(s) != len(members):
        r.fail("Duplicate set members detected")
    return s


def _score(text, r):
    try:
        v = float(text)
    except ValueError:
        r.fail("Invalid score in a sorted set encoding")
    return v


def _read_zset(r, vtype, config):
    if vtype in (T_ZSET, T_ZSET_2):
        n = r.length()
        pairs = []
        for _ in range(n):
            m = r.string()
            pairs.append((m, r.binary_double() if vtype == T_ZSET_2 else r.double_text()))
    else:
        decode = enc.listpack_items if vtype == T_ZSET_LISTPACK else enc.ziplist_items
        pairs = [(m, _score(s, r)) for m, s in _pairs(_blob_items(r, decode), r)]
    if not pairs:
        raise _EmptyKey()
    scores = dict(pairs)
    if len(scores) != len(pairs):
        r.fail("Duplicate zset fields detected")
    if any(s != s for s in scores.values()):
        r.fail("Zset with NAN score detected")
    z = ZSetValue.from_scores(scores, config)
    if vtype not in (T_ZSET, T_ZSET_2):
        # Redis keeps a loaded listpack unless it has too many entries (long members stay).
        z.big = len(z) > config.zset_max_listpack_entries
    return z


def _read_hash(r, vtype, config):
    if vtype == T_HASH:
        n = r.length()
        pairs = [(r.string(), r.string()) for _ in range(n)]
    else:
        decode = {T_HASH_ZIPMAP: enc.zipmap_items, T_HASH_ZIPLIST: enc.ziplist_items,
                  T_HASH_LISTPACK: enc.listpack_items}[vtype]
        pairs = _pairs(_blob_items(r, decode), r)
    if not pairs:
        raise _EmptyKey()
    h = HashValue.build(pairs, config)
    if len(h) != len(pairs):
        r.fail("Duplicate hash fields detected")
    if vtype in (T_HASH_ZIPLIST, T_HASH_LISTPACK):
        # Redis keeps a loaded listpack unless it has too many entries (long values stay).
        h.big = len(h) > config.hash_max_listpack_entries
    return h


_LIST_TYPES = (T_LIST, T_LIST_ZIPLIST, T_LIST_QUICKLIST, T_LIST_QUICKLIST_2)
_SET_TYPES = (T_SET, T_SET_INTSET)
_ZSET_TYPES = (T_ZSET, T_ZSET_2, T_ZSET_ZIPLIST, T_ZSET_LISTPACK)
_HASH_TYPES = (T_HASH, T_HASH_ZIPMAP, T_HASH_ZIPLIST, T_HASH_LISTPACK)


def _read_value(r, vtype, config):
    """The value of RDB type ``vtype`` at the cursor (raises _EmptyKey for an empty container)."""
    if vtype == T_STRING:
        return bytes(r.string())
    if vtype in _LIST_TYPES:
        return _read_list(r, vtype)
    if vtype in _HASH_TYPES:
        return _read_hash(r, vtype, config)
    if vtype in _SET_TYPES:
        return _read_set(r, vtype, config)
    if vtype in _ZSET_TYPES:
        return _read_zset(r, vtype, config)
    if vtype in (T_STREAM_LISTPACKS, T_STREAM_LISTPACKS_2):
        return _read_stream(r, vtype)
    if vtype in _UNSUPPORTED:
        r.fail(_UNSUPPORTED[vtype])
    r.fail("Unknown RDB value type %d" % vtype)


# --- streams (RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0 writes it) -----------------------
#
# Each node of the stream's layout (values/streamvalue.py keeps its shadow) is a
# listpack: the master entry (live count, deleted count, master fields, 0), then
# per entry flags, ms and seq relative to the master ID, the values alone when
# the fields are the master's (SAMEFIELDS) or the count and field/value pairs,
# and lp-count. Entries XDEL'ed are not kept by miniredis: a node is written
# with its live entries and a deleted count of 0. Then length, last, first and
# max-deleted IDs, entries-added, and the groups sorted by name (last ID,
# entries-read with -1 as 2^64-1, the PEL with delivery time and count, the
# consumers with seen time and the IDs they own).

_SEQ_MASK = (1 << 64) - 1
_U64_MAX = (1 << 64) - 1
_I64_LE = struct.Struct("<q")
_STREAM_SAMEFIELDS, _STREAM_DELETED = 2, 1


def _write_id_lengths(out, i):
    out.add(encode_length(i >> 64) + encode_length(i & _SEQ_MASK))


def _stream_node_listpack(s, node):
    mms, mseq = node.master >> 64, node.master & _SEQ_MASK
    fields = node.fields
    entries = list(s.entries.irange(node.master, node.last))
    elems = [b"%d" % len(entries), b"0", b"%d" % len(fields)] + list(fields) + [b"0"]
    for eid in entries:
        fv = s.entries[eid]
        n = len(fv) // 2
        same = tuple(fv[0::2]) == fields
        elems += [b"%d" % (_STREAM_SAMEFIELDS if same else 0), b"%d" % ((eid >> 64) - mms),
                  b"%d" % ((eid & _SEQ_MASK) - mseq)]
        if same:
            elems += fv[1::2]
            elems.append(b"%d" % (n + 3))
        else:
            elems.append(b"%d" % n)
            elems += fv
            elems.append(b"%d" % (2 * n + 4))
    return enc.listpack(elems)


def _write_stream(out, s):
    out.add(encode_length(len(s.nodes)))
    for node in s.nodes.values():
        out.string(node.master.to_bytes(16, "big"))
        out.string(_stream_node_listpack(s, node))
    out.add(encode_length(len(s)))
    for i in (s.last_id, s.first_id, s.max_deleted):
        _write_id_lengths(out, i)
    out.add(encode_length(s.entries_added))
    out.add(encode_length(len(s.groups)))
    for name in sorted(s.groups):
        g = s.groups[name]
        out.string(name)
        _write_id_lengths(out, g.last_id)
        out.add(encode_length(_U64_MAX if g.entries_read is sv.INVALID else g.entries_read))
        out.add(encode_length(len(g.pel)))
        for eid, nack in g.pel.items():
            out.add(eid.to_bytes(16, "big") + _I64_LE.pack(nack.delivery_time) +
                    encode_length(nack.delivery_count))
        out.add(encode_length(len(g.consumers)))
        for cname in sorted(g.consumers):
            c = g.consumers[cname]
            out.string(cname)
            out.add(_I64_LE.pack(c.seen_time))
            out.add(encode_length(len(c.pel)))
            for eid in c.pel:
                out.add(eid.to_bytes(16, "big"))


def _read_stream_id(r):
    ms = r.length()
    return (ms << 64) | r.length()


def _read_stream_node(r, s, master, blob):
    try:
        items = enc.listpack_items(blob)
        if not items:
            r.fail("Empty listpack inside stream")
        count, deleted, nf = int(items[0]), int(items[1]), int(items[2])
        fields = tuple(items[3:3 + nf])
        p = 4 + nf
        node = sv.Node(master, fields)
        node.live, node.deleted = count, deleted
        node.body = len(blob) - node.nbytes()
        mms, mseq = master >> 64, master & _SEQ_MASK
        while p < len(items):
            flags = int(items[p])
            eid = ((mms + int(items[p + 1])) << 64) | (mseq + int(items[p + 2]))
            p += 3
            if flags & _STREAM_SAMEFIELDS:
                fv = []
                for f, v in zip(fields, items[p:p + nf]):
                    fv += (f, v)
                p += nf
            else:
                n = int(items[p])
                fv = list(items[p + 1:p + 1 + 2 * n])
                p += 1 + 2 * n
            p += 1   # lp-count
            node.last = eid
            if not flags & _STREAM_DELETED:
                s.entries[eid] = fv
    except (enc.EncodingError, ValueError, IndexError):
        r.fail("Stream listpack integrity check failed")
    s.nodes[master] = node


def _read_stream(r, vtype):
    try:
        return _read_stream_value(r, vtype)
    except RDBError as e:
        # Name the type: a damaged stream is told apart from other values.
        raise RDBError("Bad stream value: %s" % e.args[0], e.offset)


def _read_stream_value(r, vtype):
    s = sv.StreamValue()
    for _ in range(r.length()):
        key = bytes(r.string())
        if len(key) != 16:
            r.fail("Stream node key entry is not the size of a stream ID")
        _read_stream_node(r, s, int.from_bytes(key, "big"), bytes(r.string()))
    length = r.length()
    s.last_id = _read_stream_id(r)
    if vtype == T_STREAM_LISTPACKS_2:
        s.first_id = _read_stream_id(r)
        s.max_deleted = _read_stream_id(r)
        s.entries_added = r.length()
    else:
        first = s.first_entry()
        s.first_id = first[0] if first else 0
        s.entries_added = length
    if length != len(s):
        r.fail("Stream length inconsistent with its listpacks")
    for _ in range(r.length()):
        _read_stream_group(r, s, vtype)
    return s


def _read_stream_group(r, s, vtype):
    name = bytes(r.string())
    last = _read_stream_id(r)
    if vtype == T_STREAM_LISTPACKS_2:
        er = r.length()
        er = sv.INVALID if er == _U64_MAX else er
    else:
        er = s.estimate_read(last)
    if name in s.groups:
        r.fail("Duplicated consumer group name %s" % name.decode("utf-8", "replace"))
    g = s.groups[name] = sv.Group(name, last, er)
    for _ in range(r.length()):
        eid = int.from_bytes(r.take(16), "big")
        when = _I64_LE.unpack(r.take(8))[0]
        g.pel[eid] = sv.NACK(None, when, r.length())
    for _ in range(r.length()):
        cname = bytes(r.string())
        c = g.consumers[cname] = sv.Consumer(cname, _I64_LE.unpack(r.take(8))[0])
        for _ in range(r.length()):
            eid = int.from_bytes(r.take(16), "big")
            nack = g.pel.get(eid)
            if nack is None:
                r.fail("Consumer entry not found in group global PEL")
            nack.consumer = c
            c.pel[eid] = nack
    if any(n.consumer is None for n in g.pel.values()):
        r.fail("Stream PEL entry without a consumer")


def _from_typed(text, kind, r):
    """The typed value a ``miniredis-typed`` marker says the string ``text`` stands for."""
    try:
        if kind == b"int":
            v = string2ll(text)
            if v is None:
                raise ValueError(text)
            return v
        if kind == b"double":
            return float(text)
        parsed = _parse_value(text, 0, 0)
        if parsed is None or parsed[1] != len(text):
            raise ValueError(text)
        v = parsed[0]
        return v if type(v) is bytes or type(v) is int else TypedValue(v)
    except Exception:
        r.fail("Invalid miniredis typed value")


def _default_config(config):
    if config is None:
        from ..config import Config
        config = Config()
    return config


class _Loader(object):
    """State of one load_rdb run."""

    def __init__(self, r, keyspace, now_ms, config, functions, progress):
        self.r = r
        self.keyspace = keyspace
        self.now = now_ms
        self.config = config
        self.functions = functions
        self.progress = progress
        self.db = keyspace.dbs[0]
        self.aux = {}
        self.expired = 0
        self.typed = None
        self.keys = 0

    def run(self):
        r = self.r
        expire = idle = None
        while True:
            op = r.byte()
            if op == OP_EOF:
                return
            if op == OP_EXPIRETIME_MS:
                expire = _U64.unpack(r.take(8))[0]
            elif op == OP_EXPIRETIME:
                expire = _U32.unpack(r.take(4))[0] * 1000
            elif op == OP_IDLE:
                idle = r.length()
            elif op == OP_FREQ:
                r.byte()
            elif op == OP_SELECTDB:
                self.select(r.length())
            elif op == OP_RESIZEDB:
                r.length()
                r.length()
            elif op == OP_AUX:
                self.aux_field(bytes(r.string()), bytes(r.string()))
            elif op in (OP_FUNCTION2, OP_FUNCTION_PRE_GA):
                self.function(op)
            elif op == OP_MODULE_AUX:
                r.fail("module auxiliary data is not supported")
            else:
                self.key(op, expire, idle)
                expire = idle = None

    def select(self, index):
        if index >= len(self.keyspace.dbs):
            self.r.fail("FATAL: Data file was created with a Redis server configured to handle "
                        "more than %d databases." % len(self.keyspace.dbs))
        self.db = self.keyspace.dbs[index]

    def aux_field(self, name, value):
        if name == TYPED_AUX:
            if value not in _TYPED_KINDS:
                self.r.fail("Unknown miniredis typed value kind")
            self.typed = value
        else:
            self.aux[name] = value

    def function(self, op):
        if op == OP_FUNCTION_PRE_GA:
            self.r.fail("Pre-release function format not supported")
        code = bytes(self.r.string())
        if self.functions is not None:
            self.functions.append(code)

    def key(self, vtype, expire, idle):
        r = self.r
        start = r.pos
        key = r.string()
        try:
            value = r.string() if vtype == T_STRING else _read_value(r, vtype, self.config)
        except _EmptyKey:
            value = None
        typed, self.typed = self.typed, None
        if typed is not None:
            if type(value) is not bytes:
                r.fail("miniredis typed marker before a non-string value")
            value = _from_typed(value, typed, r)
        db = self.db
        if key in db.data:
            r.pos = start
            r.fail("Duplicate key '%s' found in RDB file" % key.decode("utf-8", "replace"))
        if value is None:
            return
        if expire is not None and self.now is not None and expire <= self.now:
            self.expired += 1   # INFO rdb_last_load_keys_expired
            return
        db.data[key] = value
        self.keyspace.unreported += 1   # no change report for loaded keys
        if expire is not None:
            db.expires[key] = expire
        if idle is not None:
            db.set_idle(key, idle)   # the tracker's size limit holds while loading too
        self.keys += 1
        if self.progress is not None and not self.keys % 1024:
            self.progress(r.pos, r.end, self.keys)


def _check_header(r):
    magic = r.take(9)
    if magic[:5] != b"REDIS":
        r.pos = 0
        r.fail("Wrong signature trying to load DB from file")
    try:
        version = int(magic[5:])
    except ValueError:
        version = -1
    if version < 1 or version > RDB_VERSION:
        r.pos = 5
        r.fail("Can't handle RDB format version %s" % bytes(magic[5:]).decode("ascii", "replace"))
    return version


def _check_crc(buf, r, version):
    if version < 5:
        return
    body_end = r.pos
    expected = _U64.unpack(r.take(8))[0]
    if expected == 0:
        return     # saved with rdbchecksum no
    got = crc64(buf[:body_end])
    if got != expected:
        r.pos = body_end
        r.fail("Wrong RDB checksum expected: (%x) got (%x)" % (expected, got))


def load_rdb(f, keyspace, now_ms=None, config=None, functions=None, progress=None):
    """Load an RDB file (binary file object ``f``) into ``keyspace``; returns its AUX fields
    (plus "keys-expired": the keys skipped because their TTL had passed, when any).

    Keys whose expiry is at or before ``now_ms`` (default: the keyspace's
    clock; pass False to keep them) are skipped. ``config`` decides the
    encodings of loaded containers (hash-max-listpack-entries ...).
    FUNCTION2 records (library code) are appended to the ``functions``
    list when given. ``progress(offset, total, keys)`` is called every 1024
    keys. Raises :class:`RDBError` (with the byte offset) on corruption.
    """
    buf = f.read()
    if type(buf) is not bytes:
        buf = bytes(buf)
    if now_ms is None:
        now_ms = keyspace.clock()
    elif now_ms is False:
        now_ms = None
    r = _In(buf)
    version = _check_header(r)
    loader = _Loader(r, keyspace, now_ms, _default_config(config), functions, progress)
    try:
        loader.run()
    except RDBError:
        raise
    except (ValueError, OverflowError, MemoryError, struct.error) as e:
        raise RDBError("Corrupt RDB data: %s" % e, r.pos)
    _check_crc(buf, r, version)
    if loader.expired:
        # Not an AUX field of the file: what this load skipped (see the docstring).
        loader.aux["keys-expired"] = loader.expired
    return loader.aux


def load_rdb_bytes(data, keyspace, **kwargs):
    """:func:`load_rdb` from bytes."""
    return load_rdb(io.BytesIO(data), keyspace, **kwargs)


def verify_payload(payload):
    """True when a DUMP payload's RDB version is one we read and its CRC-64 matches."""
    if len(payload) < 10:
        return False
    version = struct.unpack_from("<H", payload, len(payload) - 10)[0]
    if version > RDB_VERSION:
        return False
    return crc64(payload[:-8]) == _U64.unpack_from(payload, len(payload) - 8)[0]


def restore_value(payload, config=None):
    """The value of a DUMP payload. Raises :class:`PayloadError` for a wrong version or
    checksum, :class:`RDBError` for a bad value (including an empty container)."""
    if not verify_payload(payload):
        raise PayloadError("DUMP payload version or checksum are wrong")
    # Like Redis, the value is read from the whole payload: a value that
    # claims more bytes than it has runs into the footer rather than failing.
    r = _In(payload)
    try:
        vtype = r.byte()
        return _read_value(r, vtype, _default_config(config))
    except _EmptyKey:
        raise RDBError("Bad data format", r.pos)
    except RDBError:
        raise
    except (ValueError, OverflowError, MemoryError, struct.error) as e:
        raise RDBError("Bad data format: %s" % e, r.pos)
