"""BITFIELD and BITFIELD_RO: integer fields of any width at any bit offset of a string.

Owns: the semantics of Redis' bitfieldGeneric (bitops.c): the whole argument
list is parsed before the key is looked up (so a parse error wins over
WRONGTYPE and over BITFIELD_RO's refusal), writes make room up to the
farthest bit they touch before any operation runs, a SET/INCRBY counts as
a change when it altered its field or when the string had to be created or
grown (Redis 7.0.15; an OVERFLOW FAIL refusal never counts) -- one "setbit"
event when anything changed, dirty by the count -- and overflow detection
reproduces Redis' 64-bit arithmetic exactly, including its corner cases on
SET values far outside the field's range.
Must not touch: the keyspace internals (strings go through the helpers of
:mod:`miniredis.commands.strings`), reply encoding.

Fields are big-endian bit strings: bit 0 is the most significant bit of
byte 0, as for SETBIT/GETBIT.
"""

from .. import errors
from ..datatypes import parse_int
from ..errors import CommandError
from ..events import STRING
from ..registry import command
from ..replies import NULL
from .strings import read_string, write_string

_M64 = (1 << 64) - 1
_INT64_MAX = (1 << 63) - 1
_WRAP, _SAT, _FAIL = "wrap", "sat", "fail"
_GET, _SET, _INCRBY = "get", "set", "incrby"
_MIN_ARGS = {b"get": 2, b"set": 3, b"incrby": 3}


def _s64(x):
    """x as C's int64_t after unsigned wrap-around."""
    x &= _M64
    return x - (1 << 64) if x >> 63 else x


# --- parsing -----------------------------------------------------------------------------

def _field_type(arg):
    """(signed, bits) from "i<1..64>" or "u<1..63>" (lower case, as Redis)."""
    sign = arg[:1]
    if sign not in (b"i", b"u"):
        raise CommandError(errors.BITFIELD_TYPE)
    bits = parse_int(arg[1:].split(b"\0", 1)[0], errors.BITFIELD_TYPE)
    signed = sign == b"i"
    if bits < 1 or bits > (64 if signed else 63):
        raise CommandError(errors.BITFIELD_TYPE)
    return signed, bits


def _field_offset(ctx, arg, bits):
    """A bit offset; "#n" means n * bits. Its byte must lie below proto-max-bulk-len."""
    positional = arg[:1] == b"#"
    offset = parse_int(arg[1:] if positional else arg, errors.BIT_OFFSET)
    if positional:
        offset = _s64(offset * bits)
    if offset < 0 or (offset >> 3) >= ctx.server.config.proto_max_bulk_len:
        raise CommandError(errors.BIT_OFFSET)
    return offset


def _parse(ctx, argv):
    """([(op, signed, bits, offset, value, overflow)], highest bit written or -1)."""
    ops, overflow, highest = [], _WRAP, -1
    j, n = 2, len(argv)
    while j < n:
        name, remaining = argv[j].lower(), n - j - 1
        if name == b"overflow" and remaining >= 1:
            overflow = argv[j + 1].lower().decode("latin-1")
            if overflow not in (_WRAP, _SAT, _FAIL):
                raise CommandError(errors.BITFIELD_OVERFLOW)
            j += 2
            continue
        if remaining < _MIN_ARGS.get(name, n):
            raise CommandError(errors.SYNTAX)
        signed, bits = _field_type(argv[j + 1])
        offset = _field_offset(ctx, argv[j + 2], bits)
        value = 0
        if name != b"get":
            highest = max(highest, offset + bits - 1)
            value = parse_int(argv[j + 3])
        ops.append((name.decode(), signed, bits, offset, value, overflow))
        j += 3 if name == b"get" else 4
    return ops, highest


# --- field access ----------------------------------------------------------------------------

def _span(offset, bits):
    start = offset >> 3
    end = ((offset + bits - 1) >> 3) + 1
    return start, end, (end - start) * 8 - (offset & 7) - bits


def get_field(buf, offset, bits, signed):
    """The field's value; bits past the end of buf read as zeros."""
    start, end, shift = _span(offset, bits)
    chunk = bytes(buf[start:end])
    chunk += bytes(end - start - len(chunk))
    u = (int.from_bytes(chunk, "big") >> shift) & ((1 << bits) - 1)
    if signed and u >> (bits - 1):
        u -= 1 << bits
    return u


def set_field(buf, offset, bits, value):
    """Write the low ``bits`` bits of value (buf already long enough)."""
    start, end, shift = _span(offset, bits)
    mask = ((1 << bits) - 1) << shift
    chunk = int.from_bytes(buf[start:end], "big")
    chunk = (chunk & ~mask) | ((value << shift) & mask)
    buf[start:end] = chunk.to_bytes(end - start, "big")


# --- overflow, as Redis' checkSignedBitfieldOverflow / checkUnsignedBitfieldOverflow ----------

def _signed_overflow(value, incr, bits, how):
    """(direction -1/0/1, value to store or None under FAIL)."""
    top = _INT64_MAX if bits == 64 else (1 << (bits - 1)) - 1
    bottom = -top - 1
    maxincr, minincr = _s64(top - value), _s64(bottom - value)
    if (value > top or (bits != 64 and incr > maxincr)
            or (value >= 0 and incr > 0 and incr > maxincr)):
        direction, limit = 1, top
    elif (value < bottom or (bits != 64 and incr < minincr)
            or (value < 0 and incr < 0 and incr < minincr)):
        direction, limit = -1, bottom
    else:
        return 0, _s64(value + incr)
    if how == _WRAP:
        c = (value + incr) & _M64
        if bits < 64:
            high = (_M64 << bits) & _M64
            c = c | high if c >> (bits - 1) & 1 else c & ~high
        limit = _s64(c)
    return direction, None if how == _FAIL else limit


def _unsigned_overflow(value, incr, bits, how):
    """value is a uint64, incr an int64; same result shape as _signed_overflow."""
    top = (1 << bits) - 1
    if value > top or (incr > 0 and incr > _s64(top - value)):
        direction, limit = 1, top
    elif incr < 0 and incr < _s64(-value):
        direction, limit = -1, 0
    else:
        return 0, (value + incr) & _M64
    if how == _WRAP:
        limit = (value + incr) & top
    return direction, None if how == _FAIL else limit


def _write_op(buf, op):
    """Run SET or INCRBY on buf: (reply, whether the field's value changed).

    The reply is NULL when OVERFLOW FAIL refused the write."""
    name, signed, bits, offset, arg, how = op
    old = get_field(buf, offset, bits, signed)
    check = _signed_overflow if signed else _unsigned_overflow
    if name == _INCRBY:
        _, new = check(old, arg, bits, how)
        reply = new
    else:
        _, new = check(arg if signed else arg & _M64, 0, bits, how)
        reply = old
    if new is None:
        return NULL, False
    set_field(buf, offset, bits, new)
    return reply, new != old


# --- the commands ------------------------------------------------------------------------------

def _bitfield(ctx, argv, readonly_command):
    ops, highest = _parse(ctx, argv)
    key = argv[1]
    if highest < 0:
        s = read_string(ctx, key)
        return [get_field(s or b"", op[3], op[2], op[1]) for op in ops]
    if readonly_command:
        raise CommandError(errors.BITFIELD_RO_WRITE)
    db = ctx.db
    _, s = write_string(db, key)
    buf = bytearray(s or b"")
    size = (highest >> 3) + 1
    # Created or grown: every write that runs counts as a change (Redis 7.0.15).
    grown = s is None or len(buf) < size
    if len(buf) < size:
        buf.extend(bytes(size - len(buf)))
    replies, changes = [], 0
    for op in ops:
        if op[0] == _GET:
            replies.append(get_field(buf, op[3], op[2], op[1]))
            continue
        reply, changed = _write_op(buf, op)
        replies.append(reply)
        changes += reply is not NULL and (changed or grown)
    if changes or grown:
        db.set(key, bytes(buf), keepttl=True)
        # A key created or grown by writes that OVERFLOW FAIL all refused is
        # no change for Redis: no event, not replicated.
        db.keyspace.dirty += changes - 1
    db.mark_raw(key)   # Redis edits its (unshared) string in place
    if changes:
        ctx.notify(STRING, "setbit", key)
    return replies


@command("bitfield")
def bitfield(ctx, argv):
    return _bitfield(ctx, argv, False)


@command("bitfield_ro")
def bitfield_ro(ctx, argv):
    return _bitfield(ctx, argv, True)
