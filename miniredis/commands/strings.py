"""String and bitmap commands: GET/SET and friends, counters, ranges, LCS, bit operations.

Owns: the semantics of Redis' "string" and "bitmap" groups, including the
order in which each command validates its arguments, looks its key up and
checks the type (that order decides which error a client sees).
Must not touch: the keyspace internals (every change goes through Database
methods), reply encoding.

Values are bytes, or typed values stored by a RESP3 client (see
:mod:`miniredis.datatypes`): ints and floats act as their decimal text,
other typed values answer WRONGTYPE to commands that need a string, while
GET-like commands return them as stored. ``as_bytes`` is the single type
check for "needs a string"; ``read_value`` for "GET-like".

Reads that Redis performs with lookupKeyRead count keyspace hits/misses;
writes (lookupKeyWrite: INCR, APPEND, SETRANGE, SETBIT ...) do not.

Effects are stated where Redis states them (t_string.c, bitops.c): keyspace
events through ``ctx.notify`` with Redis' event names, and, where Redis
rewrites its argv for the replicas and the AOF, ``ctx.propagate_as`` -- SET
with an expiry as ``SET key value PXAT <ms>``, GETEX as PEXPIREAT/PERSIST/DEL,
GETSET as SET, GETDEL as DEL, INCRBYFLOAT as ``SET key <result> KEEPTTL``.
"""

from fractions import Fraction

from .. import errors
from ..events import STRING, GENERIC
from ..errors import CommandError
from ..longdouble import ld_format, ld_parse, ld_round
from ..registry import command
from ..replies import OK, NULL, BigNumber, Map
from ..datatypes import (
    TypedValue, from_request, to_reply, parse_int, as_bytes,
    LLONG_MAX, LLONG_MIN,
)

_STORED = (bytes, int, float, TypedValue)


# --- lookups (the one place that type-checks) ---------------------------------------

def read_value(ctx, key):
    """A value GET may return (string or typed), or None; WRONGTYPE for other types.

    A connection that has not opted in to typed values (Task Q4) reads only
    strings and numbers: a boolean, null, array, map or set is WRONGTYPE.
    """
    v = ctx.db.read(key)
    if v is not None and type(v) not in _STORED:
        raise CommandError(errors.WRONGTYPE)
    if type(v) is TypedValue and not ctx.typed and type(v.reply) is not BigNumber:
        raise CommandError(errors.WRONGTYPE)
    return v


def value_reply(ctx, v):
    """The reply for a stored string value: typed for a connection that opted in,
    else a bulk string (a number as its decimal text, as Redis would hold it)."""
    if ctx.typed:
        return to_reply(v)
    if type(v) is TypedValue:
        return v.reply.text   # a big number (read_value refused the other kinds)
    return as_bytes(v)


def read_string(ctx, key):
    """The string at key as bytes, or None; WRONGTYPE for typed values and other types."""
    v = ctx.db.read(key)
    if v is None or type(v) is bytes:
        return v
    return as_bytes(v)


def write_string(db, key):
    """(stored value, its bytes) for a read-modify-write; (None, None) when missing."""
    v = db.get(key)
    if v is None:
        return None, None
    return v, as_bytes(v)


def _check_length(ctx, size, extra):
    # A string may never grow past proto-max-bulk-len (Redis' checkStringLength).
    if size + extra > ctx.server.config.proto_max_bulk_len:
        raise CommandError(errors.STRING_TOO_LONG)


def _stored(value):
    return value if type(value) is bytes else from_request(value)


def _write_in_place(db, key, s):
    """Store a string edited in place (APPEND, SETRANGE, SETBIT): TTL kept, RAW encoding."""
    db.set(key, s, keepttl=True)
    db.mark_raw(key)


# --- GET / SET and their variants -----------------------------------------------------

@command("get")
def get(ctx, argv):
    v = ctx.db.read(argv[1])
    if type(v) is bytes:
        return v
    if v is None:
        return NULL
    if type(v) not in _STORED:
        raise CommandError(errors.WRONGTYPE)
    if ctx.typed:
        return to_reply(v)
    return value_reply(ctx, read_value(ctx, argv[1]))


# SET/GETEX option flags, as Redis' OBJ_SET_* / OBJ_EX ... flags.
_NX, _XX, _GET, _KEEPTTL, _PERSIST, _EX, _PX, _EXAT, _PXAT = (1 << i for i in range(9))
_EXPIRES = _EX | _PX | _EXAT | _PXAT
# Expiry flag -> (ms per unit, absolute time?)
_EXPIRE_UNIT = {_EX: (1000, False), _PX: (1, False), _EXAT: (1000, True), _PXAT: (1, True)}


def _expiry_option(flag):
    # An expiry may follow the same expiry again (the last one wins) but no other.
    return (flag, (_EXPIRES & ~flag) | _KEEPTTL | _PERSIST)


# option -> (its flag, flags it is incompatible with); as parseExtendedStringArgumentsOrReply.
_SET_OPTIONS = {
    b"nx": (_NX, _XX),
    b"xx": (_XX, _NX),
    b"get": (_GET, 0),
    b"keepttl": (_KEEPTTL, _EXPIRES | _PERSIST),
    b"ex": _expiry_option(_EX),
    b"px": _expiry_option(_PX),
    b"exat": _expiry_option(_EXAT),
    b"pxat": _expiry_option(_PXAT),
}
_GETEX_OPTIONS = {
    b"persist": (_PERSIST, _EXPIRES | _KEEPTTL),
    b"ex": _expiry_option(_EX),
    b"px": _expiry_option(_PX),
    b"exat": _expiry_option(_EXAT),
    b"pxat": _expiry_option(_PXAT),
}


def _parse_options(argv, start, table):
    """(flags, expiry flag, expiry text) from SET/GETEX options; syntax error as Redis."""
    flags = 0
    expire = text = None
    i = start
    n = len(argv)
    while i < n:
        spec = table.get(argv[i].lower())
        if spec is None or flags & spec[1]:
            raise CommandError(errors.SYNTAX)
        flag = spec[0]
        if flag & _EXPIRES:
            if i + 1 >= n:
                raise CommandError(errors.SYNTAX)
            i += 1
            expire, text = flag, argv[i]
        flags |= flag
        i += 1
    return flags, expire, text


def parse_expire_option(ctx, cmdname, unit, absolute, text):
    """Absolute expiry in ms from an EX/PX/EXAT/PXAT argument; errors as Redis."""
    n = parse_int(text)
    if n <= 0 or (unit == 1000 and n > LLONG_MAX // 1000):
        raise CommandError(errors.invalid_expire(cmdname))
    ms = n * unit
    if not absolute:
        ms += ctx.server.keyspace.clock()
        # Redis' signed addition would wrap negative: the same error.
        if ms > LLONG_MAX:
            raise CommandError(errors.invalid_expire(cmdname))
    return ms


def _expire_ms(ctx, cmdname, flag, text):
    unit, absolute = _EXPIRE_UNIT[flag]
    return parse_expire_option(ctx, cmdname, unit, absolute, text)


def _without_get(argv):
    """SET's argv without its GET options, as Redis propagates it (GET changes nothing)."""
    return argv[:3] + [a for a in argv[3:] if a.lower() != b"get"]


@command("set", typed=(2, 0))
def set_(ctx, argv):
    key = argv[1]
    value = argv[2]
    db = ctx.db
    if len(argv) == 3:
        db.set(key, value if type(value) is bytes else from_request(value))
        ctx.notify(STRING, "set", key)
        return OK
    # Parse every option first: a syntax error must leave the key untouched.
    flags, expire, text = _parse_options(argv, 3, _SET_OPTIONS)
    when = _expire_ms(ctx, "set", expire, text) if expire else None
    reply = OK
    if flags & _GET:
        old = read_value(ctx, key)
        reply = NULL if old is None else value_reply(ctx, old)
        found = old is not None
    else:
        found = db.get(key) is not None
    if (flags & _NX and found) or (flags & _XX and not found):
        return reply if flags & _GET else NULL
    db.set(key, _stored(value), keepttl=bool(flags & _KEEPTTL), expire_at=when)
    ctx.notify(STRING, "set", key)
    if when is not None:
        _expire_effects(ctx, key, value, when)
    elif flags & _GET:
        ctx.propagate_as(_without_get(argv))
    return reply


def _expire_effects(ctx, key, value, when):
    # The relative/absolute expiry is replayed as an absolute one, so that a
    # replica or an AOF reload expires the key at the same moment.
    ctx.notify(GENERIC, "expire", key)
    ctx.propagate_as([b"SET", key, value, b"PXAT", b"%d" % when])


@command("setnx", typed=(2, 0))
def setnx(ctx, argv):
    db = ctx.db
    if db.get(argv[1]) is not None:
        return 0
    db.set(argv[1], _stored(argv[2]))
    ctx.notify(STRING, "set", argv[1])
    return 1


def _set_with_expire(ctx, argv, cmdname, unit):
    when = parse_expire_option(ctx, cmdname, unit, False, argv[2])
    ctx.db.set(argv[1], _stored(argv[3]), expire_at=when)
    ctx.notify(STRING, "set", argv[1])
    _expire_effects(ctx, argv[1], argv[3], when)
    return OK


@command("setex", typed=(3, 0))
def setex(ctx, argv):
    return _set_with_expire(ctx, argv, "setex", 1000)


@command("psetex", typed=(3, 0))
def psetex(ctx, argv):
    return _set_with_expire(ctx, argv, "psetex", 1)


@command("getset", typed=(2, 0))
def getset(ctx, argv):
    old = read_value(ctx, argv[1])
    ctx.db.set(argv[1], _stored(argv[2]))
    ctx.notify(STRING, "set", argv[1])
    ctx.propagate_as([b"SET", argv[1], argv[2]])
    return NULL if old is None else value_reply(ctx, old)


@command("getdel")
def getdel(ctx, argv):
    v = read_value(ctx, argv[1])
    if v is None:
        return NULL
    _delete_effects(ctx, argv[1])
    return value_reply(ctx, v)


def _delete_effects(ctx, key):
    """Delete a live key as a command's explicit effect: replayed as DEL, notified "del"."""
    ctx.db.delete(key)
    ctx.propagate_as([b"DEL", key])
    ctx.notify(GENERIC, "del", key)


@command("getex")
def getex(ctx, argv):
    flags, expire, text = _parse_options(argv, 2, _GETEX_OPTIONS)
    key = argv[1]
    v = read_value(ctx, key)
    if v is None:
        return NULL
    # Redis validates the time only once it knows the key is a string.
    if expire:
        when = _expire_ms(ctx, "getex", expire, text)
        if when <= ctx.server.keyspace.clock():
            # Only an EXAT/PXAT can be in the past: the key goes at once.
            _delete_effects(ctx, key)
        else:
            ctx.db.set_expire(key, when)
            ctx.propagate_as([b"PEXPIREAT", key, b"%d" % when])
            ctx.notify(GENERIC, "expire", key)
    elif flags & _PERSIST and ctx.db.persist(key):
        ctx.propagate_as([b"PERSIST", key])
        ctx.notify(GENERIC, "persist", key)
    return value_reply(ctx, v)


@command("mget")
def mget(ctx, argv):
    out = []
    for key in argv[1:]:
        v = ctx.db.read(key)
        # Unlike GET, a key of another type is just a null here.
        if v is None or type(v) not in _STORED:
            out.append(NULL)
        elif type(v) is bytes:
            out.append(v)
        elif ctx.typed:
            out.append(to_reply(v))
        elif type(v) is TypedValue and type(v.reply) is not BigNumber:
            out.append(NULL)   # not a string for a connection without typed values
        else:
            out.append(value_reply(ctx, v))
    return out


def _pairs(argv, name):
    if len(argv) % 2 == 0:
        raise CommandError(errors.wrong_arity(name))
    return [(argv[i], argv[i + 1]) for i in range(1, len(argv), 2)]


@command("mset", typed=(2, 2))
def mset(ctx, argv):
    if len(argv) % 2 == 0:
        raise CommandError(errors.wrong_arity("mset"))
    keys = argv[1::2]
    values = argv[2::2]
    if type(argv) is not list:   # RESP3 typed values take their storage form
        values = [from_request(v) for v in values]
    ctx.db.set_many(keys, values)
    ctx.notify_each(STRING, "set", keys)
    return OK


@command("msetnx", typed=(2, 2))
def msetnx(ctx, argv):
    db = ctx.db
    pairs = _pairs(argv, "msetnx")
    if any(db.get(key) is not None for key, _ in pairs):
        return 0
    for key, value in pairs:
        db.set(key, _stored(value))
        ctx.notify(STRING, "set", key)
    return 1


# --- APPEND, STRLEN, ranges -------------------------------------------------------------

@command("append")
def append(ctx, argv):
    key, extra = argv[1], argv[2]
    db = ctx.db
    _, s = write_string(db, key)
    if s is None:
        db.set(key, extra)
        ctx.notify(STRING, "append", key)
        return len(extra)
    _check_length(ctx, len(s), len(extra))
    s += extra
    _write_in_place(db, key, s)
    ctx.notify(STRING, "append", key)
    return len(s)


@command("strlen")
def strlen(ctx, argv):
    s = read_string(ctx, argv[1])
    return 0 if s is None else len(s)


def _clamp(start, end, size):
    """Redis' index normalisation for GETRANGE/BITCOUNT/BITPOS: inclusive, may be empty."""
    if start < 0:
        start += size
    if end < 0:
        end += size
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= size:
        end = size - 1
    return start, end


def _getrange(ctx, argv):
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    s = read_string(ctx, argv[1])
    if not s or (start < 0 and end < 0 and start > end):
        return b""
    start, end = _clamp(start, end, len(s))
    return s[start:end + 1] if start <= end else b""


_RANGE_COMPLEXITY = (
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings.")


@command("getrange")
def getrange(ctx, argv):
    return _getrange(ctx, argv)


@command("substr")
def substr(ctx, argv):
    return _getrange(ctx, argv)


@command("setrange")
def setrange(ctx, argv):
    key, value = argv[1], argv[3]
    offset = parse_int(argv[2])
    if offset < 0:
        raise CommandError(errors.OFFSET_OUT_OF_RANGE)
    db = ctx.db
    _, s = write_string(db, key)
    if not value:
        # Writing nothing changes nothing, and creates no key.
        return 0 if s is None else len(s)
    _check_length(ctx, offset, len(value))
    s = s or b""
    if len(s) < offset:
        s += bytes(offset - len(s))
    s = s[:offset] + value + s[offset + len(value):]
    _write_in_place(db, key, s)
    ctx.notify(STRING, "setrange", key)
    return len(s)


# --- counters ------------------------------------------------------------------------------

# The text a counter command stored last, with its value: a counter
# incremented again and again is recognised by identity and not parsed again
# (Redis keeps such a value as an integer, OBJ_ENCODING_INT). One tuple,
# swapped whole, so servers in threads of one process never see half of it.
_last_counter = (None, 0)


def _incr(ctx, key, delta):
    global _last_counter
    db = ctx.db
    old = db.get(key)
    last = _last_counter
    if old is None:
        current = 0
    elif old is last[0]:
        current = last[1]
    elif type(old) is bytes or type(old) is int:
        current = parse_int(old)
    else:
        current = parse_int(as_bytes(old))   # a typed float's text, or WRONGTYPE
    value = current + delta
    if value > LLONG_MAX or value < LLONG_MIN:
        raise CommandError(errors.OVERFLOW)
    # A typed int stays an int; a string stays a string (GET then answers a bulk).
    if type(old) is int:
        db.overwrite(key, value)
    else:
        text = b"%d" % value
        _last_counter = (text, value)
        if old is None:
            db.set(key, text)
        else:
            db.overwrite(key, text)   # TTL kept
    ctx.notify(STRING, "incrby", key)
    return value


@command("incr")
def incr(ctx, argv):
    return _incr(ctx, argv[1], 1)


@command("decr")
def decr(ctx, argv):
    return _incr(ctx, argv[1], -1)


@command("incrby")
def incrby(ctx, argv):
    return _incr(ctx, argv[1], parse_int(argv[2]))


@command("decrby")
def decrby(ctx, argv):
    delta = parse_int(argv[2])
    if delta == LLONG_MIN:  # its negation does not fit in 64 bits
        raise CommandError(errors.DECR_OVERFLOW)
    return _incr(ctx, argv[1], -delta)


@command("incrbyfloat")
def incrbyfloat(ctx, argv):
    key = argv[1]
    db = ctx.db
    old, s = write_string(db, key)
    current = Fraction(0) if old is None else ld_parse(s)
    delta = ld_parse(argv[2])
    total = None
    if type(current) is not float and type(delta) is not float:
        total = ld_round(current + delta)
    if total is None:
        raise CommandError(errors.NAN_OR_INF)
    text = ld_format(total)
    # A typed number stays a number (a double now); a string stays a string.
    db.set(key, float(text) if type(old) in (int, float) else text, keepttl=True)
    ctx.notify(STRING, "incrbyfloat", key)
    # The result, not the increment, is replayed: float formatting or
    # precision must not make a replica or an AOF reload drift.
    ctx.propagate_as([b"SET", key, text, b"KEEPTTL"])
    return text


# --- LCS ---------------------------------------------------------------------------------------

def _lcs_options(argv):
    getlen = getidx = withlen = False
    minlen = 0
    i = 3
    while i < len(argv):
        opt = argv[i].lower()
        if opt == b"idx":
            getidx = True
        elif opt == b"len":
            getlen = True
        elif opt == b"withmatchlen":
            withlen = True
        elif opt == b"minmatchlen" and i + 1 < len(argv):
            i += 1
            minlen = max(0, parse_int(argv[i]))
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if getidx and getlen:
        raise CommandError(errors.LCS_IDX_AND_LEN)
    return getlen, getidx, withlen, minlen


def _lcs_rows(a, b):
    """Bit-parallel LCS table (Allison-Dix / Hyyrö): one int per prefix of a.

    In row i, LCS(a[:i], b[:j]) is the number of zero bits among the low j bits,
    so the whole table costs len(a) big-int steps instead of len(a)*len(b) cells.
    """
    full = (1 << len(b)) - 1
    masks = {}
    for j, c in enumerate(b):
        masks[c] = masks.get(c, 0) | (1 << j)
    v = full
    rows = [v]
    for c in a:
        u = v & masks.get(c, 0)
        v = ((v + u) | (v - u)) & full
        rows.append(v)
    return rows


def _lcs_walk(a, b, rows, minlen, withlen):
    """Walk the table back from the end as Redis does: (lcs bytes, match ranges)."""
    def table(i, j):
        return j - (rows[i] & ((1 << j) - 1)).bit_count()

    i, j = len(a), len(b)
    out = bytearray()
    matches = []
    run = None  # [a_start, a_end, b_start, b_end] of the match being extended backwards
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            if run is None:
                run = [i - 1, i - 1, j - 1, j - 1]
            else:
                run[0] -= 1
                run[2] -= 1
            emit = run[0] == 0 or run[2] == 0
            i -= 1
            j -= 1
        else:
            # Ties go to j, as in Redis: this decides which matches are reported.
            if table(i - 1, j) > table(i, j - 1):
                i -= 1
            else:
                j -= 1
            emit = run is not None
        if emit:
            length = run[1] - run[0] + 1
            if minlen == 0 or length >= minlen:
                m = [[run[0], run[1]], [run[2], run[3]]]
                matches.append(m + [length] if withlen else m)
            run = None
    out.reverse()
    return bytes(out), matches


def _lcs_operand(v):
    if v is None:
        return b""
    if type(v) not in (bytes, int, float):
        raise CommandError(errors.LCS_NOT_STRINGS)
    return as_bytes(v)


@command("lcs")
def lcs(ctx, argv):
    # Both keys are looked up (and counted) before either is type-checked.
    va = ctx.db.read(argv[1])
    vb = ctx.db.read(argv[2])
    a, b = _lcs_operand(va), _lcs_operand(vb)
    getlen, getidx, withlen, minlen = _lcs_options(argv)
    # Redis refuses a DP table (4 bytes a cell) bigger than proto-max-bulk-len.
    if (len(a) + 1) * (len(b) + 1) * 4 > ctx.server.config.proto_max_bulk_len:
        raise CommandError(errors.LCS_TOO_BIG)
    rows = _lcs_rows(a, b)
    total = len(b) - rows[-1].bit_count()
    if getlen:
        return total
    common, matches = _lcs_walk(a, b, rows, minlen, withlen)
    if getidx:
        return Map([(b"matches", matches), (b"len", total)])
    return common


# --- bitmaps ----------------------------------------------------------------------------------

def _bit_offset(ctx, text):
    """A SETBIT/GETBIT offset: its byte must lie below proto-max-bulk-len."""
    offset = parse_int(text, errors.BIT_OFFSET)
    if offset < 0 or (offset >> 3) >= ctx.server.config.proto_max_bulk_len:
        raise CommandError(errors.BIT_OFFSET)
    return offset


@command("setbit")
def setbit(ctx, argv):
    offset = _bit_offset(ctx, argv[2])
    on = parse_int(argv[3], errors.BIT_VALUE)
    if on & ~1:
        raise CommandError(errors.BIT_VALUE)
    db = ctx.db
    _, s = write_string(db, argv[1])
    byte = offset >> 3
    grows = s is None or len(s) <= byte
    buf = bytearray(s or b"")
    if grows:
        buf.extend(bytes(byte + 1 - len(buf)))
    mask = 0x80 >> (offset & 7)
    previous = 1 if buf[byte] & mask else 0
    # Like Redis, a write that neither creates, grows nor flips anything is not
    # a change: no dirty count, no WATCH invalidation.
    if grows or previous != on:
        if on:
            buf[byte] |= mask
        else:
            buf[byte] &= ~mask & 0xFF
        _write_in_place(db, argv[1], bytes(buf))
        ctx.notify(STRING, "setbit", argv[1])
    else:
        db.mark_raw(argv[1])  # Redis unshares the string even then
    return previous


@command("getbit")
def getbit(ctx, argv):
    offset = _bit_offset(ctx, argv[2])
    s = read_string(ctx, argv[1])
    byte = offset >> 3
    if s is None or byte >= len(s):
        return 0
    return 1 if s[byte] & (0x80 >> (offset & 7)) else 0


def _unit_is_bit(arg):
    unit = arg.lower()
    if unit == b"bit":
        return True
    if unit == b"byte":
        return False
    raise CommandError(errors.SYNTAX)


def _bits(s, lo, hi):
    """The bits lo..hi (inclusive, MSB first) of s as an int of hi-lo+1 bits."""
    seg = int.from_bytes(s[lo >> 3:(hi >> 3) + 1], "big") >> (7 - (hi & 7))
    return seg & ((1 << (hi - lo + 1)) - 1)


def _bit_span(start, end, isbit):
    """Inclusive bit range for a normalised start/end in bytes or bits; empty when lo > hi."""
    if isbit:
        return start, end
    return start * 8, end * 8 + 7


@command("bitcount")
def bitcount(ctx, argv):
    # Redis 7.0 looks the key up first: a missing key answers 0 whatever the arguments.
    s = read_string(ctx, argv[1])
    if s is None:
        return 0
    n = len(argv)
    if n == 2:
        start, end, isbit = 0, len(s) - 1, False
    elif n in (4, 5):
        start = parse_int(argv[2])
        end = parse_int(argv[3])
        # Redis answers an empty negative range before it reads the unit.
        if start < 0 and end < 0 and start > end:
            return 0
        isbit = n == 5 and _unit_is_bit(argv[4])
        start, end = _clamp(start, end, len(s) * 8 if isbit else len(s))
    else:
        raise CommandError(errors.SYNTAX)
    if start > end:
        return 0
    lo, hi = _bit_span(start, end, isbit)
    return _bits(s, lo, hi).bit_count()


@command("bitpos")
def bitpos(ctx, argv):
    bit = parse_int(argv[2])
    if bit not in (0, 1):
        raise CommandError(errors.BIT_ARG)
    s = read_string(ctx, argv[1])
    if s is None:
        # A missing key is an infinite run of zero bits.
        return -1 if bit else 0
    n = len(argv)
    end_given = n >= 5
    if n == 3:
        start, end, isbit = 0, len(s) - 1, False
    elif n <= 6:
        start = parse_int(argv[3])
        isbit = n == 6 and _unit_is_bit(argv[5])
        size = len(s) * 8 if isbit else len(s)
        end = parse_int(argv[4]) if end_given else size - 1
        start, end = _clamp(start, end, size)
    else:
        raise CommandError(errors.SYNTAX)
    if start > end:
        return -1
    lo, hi = _bit_span(start, end, isbit)
    width = hi - lo + 1
    seg = _bits(s, lo, hi)
    if bit == 0:
        seg ^= (1 << width) - 1
    if seg:
        return lo + width - seg.bit_length()
    # No clear bit in range: without an explicit end the string counts as
    # padded with zeros, so the answer is the first bit after it.
    return -1 if bit or end_given else hi + 1


_INVERT = bytes(255 - i for i in range(256))


def _bitop(op, sources, size):
    if op == b"not":
        return sources[0].translate(_INVERT)
    # Shorter strings are padded with zero bytes, as in Redis.
    values = [int.from_bytes(s.ljust(size, b"\0"), "big") for s in sources]
    acc = values[0]
    for v in values[1:]:
        if op == b"and":
            acc &= v
        elif op == b"or":
            acc |= v
        else:
            acc ^= v
    return acc.to_bytes(size, "big")


@command("bitop")
def bitop(ctx, argv):
    op = argv[1].lower()
    if op not in (b"and", b"or", b"xor", b"not"):
        raise CommandError(errors.SYNTAX)
    if op == b"not" and len(argv) != 4:
        raise CommandError(errors.BITOP_NOT)
    sources = [read_string(ctx, key) or b"" for key in argv[3:]]
    size = max(len(s) for s in sources)
    dest = argv[2]
    if size == 0:
        # An all-empty result deletes the destination instead of storing "".
        if ctx.db.delete(dest):
            ctx.notify(GENERIC, "del", dest)
        return 0
    ctx.db.set(dest, _bitop(op, sources, size))
    ctx.db.mark_raw(dest)  # built in a fresh buffer, never int-encoded
    ctx.notify(STRING, "set", dest)
    return size
