"""Hash commands: HSET and friends, counters, HRANDFIELD, HSCAN.

Owns: the semantics of Redis' "hash" group, including the order in which each
command validates its arguments, looks its key up and checks the type (that
order decides which error a client sees), its keyspace events and what it
propagates. Must not touch: the keyspace internals (every change goes through
Database methods), reply encoding, the listpack/hashtable rules themselves
(:mod:`miniredis.values.hashvalue`).

Field and value arguments are plain bytes: the dispatcher refuses RESP3 typed
values here. A hash emptied by HDEL is deleted, as Redis never keeps an
empty container. Reads use ``db.read`` (counted as keyspace hits/misses like
lookupKeyRead), writes ``db.get`` (lookupKeyWrite).
"""

import random
from fractions import Fraction

from .. import errors, events, glob, scan
from ..errors import CommandError
from ..registry import command
from ..replies import OK, NULL, Map
from ..datatypes import parse_int, LLONG_MAX, LLONG_MIN
from ..values.hashvalue import HashValue
# INCRBYFLOAT's long double arithmetic, shared rather than written twice.
from ..longdouble import ld_parse, ld_round, ld_format

_LONG_MAX = LLONG_MAX   # C's LONG_MAX on a 64-bit build (HRANDFIELD's count range)


# --- lookups and change reporting --------------------------------------------------------

def _read(ctx, key):
    return ctx.db.read_typed(key, HashValue)


def _write(ctx, key):
    """(hash, is_new): the hash at key for a write, or a fresh one not yet stored."""
    h = ctx.db.get_typed(key, HashValue)
    return (HashValue(), True) if h is None else (h, False)


def _store(ctx, key, h, new, dirty=1):
    """Report a write: a new hash is added, an existing one marked changed.

    ``dirty`` is what Redis adds to its dirty counter (one per field for HSET).
    """
    if new:
        ctx.db.add(key, h)
    else:
        ctx.db.changed(key)
    if dirty > 1:
        ctx.db.keyspace.dirty += dirty - 1


# --- setting fields ------------------------------------------------------------------------

def _hset(ctx, argv):
    """Shared by HSET and HMSET: returns how many fields were added.

    The lookup is inline and one field is set directly (no zip, no
    slices): it is the hash write every task queue and benchmark runs.
    """
    n = len(argv)
    if n % 2:
        raise CommandError(errors.wrong_arity(argv[0]))
    key = argv[1]
    h = ctx.db.get(key)
    new = h is None
    if new:
        h = HashValue()
    elif type(h) is not HashValue:
        raise CommandError(errors.WRONGTYPE)
    config = ctx.server.config
    if not h.big:
        h.check_lengths(config, argv[2:])
    before = len(h)
    if n == 4:
        h[argv[2]] = argv[3]
    else:
        h.update(zip(argv[2::2], argv[3::2]))
    if not h.big and len(h) > config.hash_max_listpack_entries:
        h.big = True
    _store(ctx, key, h, new, (n - 2) // 2)
    ctx.notify(events.HASH, "hset", key)
    return len(h) - before


@command("hset")
def hset(ctx, argv):
    return _hset(ctx, argv)


@command("hmset")
def hmset(ctx, argv):
    _hset(ctx, argv)
    return OK


@command("hsetnx")
def hsetnx(ctx, argv):
    key, field = argv[1], argv[2]
    h, new = _write(ctx, key)
    if field in h:
        return 0
    config = ctx.server.config
    # Only a field actually added can convert the hash (Redis checks existence first).
    h.check_lengths(config, argv[2:4])
    h[field] = argv[3]
    h.check_entries(config)
    _store(ctx, key, h, new)
    ctx.notify(events.HASH, "hset", key)
    return 1


def _set_one(ctx, key, h, new, field, value):
    """One field written by HINCRBY/HINCRBYFLOAT (Redis' hashTypeSet checks both lengths)."""
    config = ctx.server.config
    h.check_lengths(config, (field, value))
    h[field] = value
    h.check_entries(config)
    _store(ctx, key, h, new)


# --- reading fields ------------------------------------------------------------------------

@command("hget")
def hget(ctx, argv):
    h = _read(ctx, argv[1])
    if h is None:
        return NULL
    v = h.get(argv[2])
    return NULL if v is None else v


@command("hmget")
def hmget(ctx, argv):
    h = _read(ctx, argv[1])
    if h is None:
        return [NULL] * (len(argv) - 2)
    get = h.get
    return [get(f, NULL) for f in argv[2:]]


@command("hexists")
def hexists(ctx, argv):
    h = _read(ctx, argv[1])
    return int(h is not None and argv[2] in h)


@command("hlen")
def hlen(ctx, argv):
    h = _read(ctx, argv[1])
    return 0 if h is None else len(h)


@command("hstrlen")
def hstrlen(ctx, argv):
    h = _read(ctx, argv[1])
    v = None if h is None else h.get(argv[2])
    return 0 if v is None else len(v)


@command("hkeys")
def hkeys(ctx, argv):
    h = _read(ctx, argv[1])
    return [] if h is None else list(h)


@command("hvals")
def hvals(ctx, argv):
    h = _read(ctx, argv[1])
    return [] if h is None else list(h.values())


@command("hgetall")
def hgetall(ctx, argv):
    h = _read(ctx, argv[1])
    return Map([] if h is None else list(h.items()))


# --- deleting fields -----------------------------------------------------------------------

@command("hdel")
def hdel(ctx, argv):
    key = argv[1]
    db = ctx.db
    h = db.get_typed(key, HashValue)
    if h is None:
        return 0
    pop = h.pop
    deleted = 0
    for f in argv[2:]:
        if pop(f, None) is not None:
            deleted += 1
    if not deleted:
        return 0
    if h:
        _store(ctx, key, h, False, deleted)
        ctx.notify(events.HASH, "hdel", key)
    else:
        db.delete(key)
        if deleted > 1:
            db.keyspace.dirty += deleted - 1
        ctx.notify(events.HASH, "hdel", key)
        ctx.notify(events.GENERIC, "del", key)
    return deleted


# --- counters ------------------------------------------------------------------------------

@command("hincrby")
def hincrby(ctx, argv):
    key, field = argv[1], argv[2]
    incr = parse_int(argv[3])
    h, new = _write(ctx, key)
    old = h.get(field)
    current = 0 if old is None else parse_int(old, errors.HASH_NOT_INTEGER)
    value = current + incr
    if value > LLONG_MAX or value < LLONG_MIN:
        raise CommandError(errors.OVERFLOW)
    _set_one(ctx, key, h, new, field, b"%d" % value)
    ctx.notify(events.HASH, "hincrby", key)
    return value


@command("hincrbyfloat")
def hincrbyfloat(ctx, argv):
    """Long double arithmetic as INCRBYFLOAT (see commands/strings.py); propagated as HSET."""
    key, field = argv[1], argv[2]
    incr = ld_parse(argv[3])
    if type(incr) is float:   # inf: nan never parses
        raise CommandError(errors.INCR_NAN_OR_INF)
    h, new = _write(ctx, key)
    old = h.get(field)
    current = Fraction(0) if old is None else _hash_float(old)
    total = None if type(current) is float else ld_round(current + incr)
    if total is None:
        raise CommandError(errors.NAN_OR_INF)
    text = ld_format(total)
    _set_one(ctx, key, h, new, field, text)
    ctx.notify(events.HASH, "hincrbyfloat", key)
    # Replicas and the AOF must not redo the float arithmetic: replay the result.
    ctx.propagate_as([b"HSET", key, field, text])
    return text


def _hash_float(text):
    try:
        return ld_parse(text)
    except CommandError:
        raise CommandError(errors.HASH_NOT_FLOAT)


# --- HRANDFIELD ---------------------------------------------------------------------------

@command("hrandfield")
def hrandfield(ctx, argv):
    if len(argv) == 2:
        h = _read(ctx, argv[1])
        return NULL if h is None else h.random_field(random)
    count = parse_int(argv[2])
    if count < -_LONG_MAX:
        raise CommandError(errors.RANDOM_COUNT_RANGE)
    withvalues = len(argv) == 4
    if len(argv) > 4 or (withvalues and argv[3].lower() != b"withvalues"):
        raise CommandError(errors.SYNTAX)
    if withvalues and not -(_LONG_MAX // 2) <= count <= _LONG_MAX // 2:
        raise CommandError(errors.VALUE_OUT_OF_RANGE)
    h = _read(ctx, argv[1])
    if h is None or count == 0:
        return []
    fields = _pick(h, count)
    if not withvalues:
        return fields
    if ctx.proto == 3:
        return [[f, h[f]] for f in fields]
    return [x for f in fields for x in (f, h[f])]


def _pick(h, count):
    """The fields HRANDFIELD answers: ``-count`` draws with repetition, or ``count`` distinct.

    Drawing from a dict needs its keys as a list (one C-speed pass); Redis
    draws from its table directly. Several fields share that one pass.
    """
    n = len(h)
    if count < 0:
        fields = list(h)
        return random.choices(fields, k=-count)
    if count >= n:
        return list(h)   # the whole hash, in its own order, as Redis does
    if count == 1:
        return [h.random_field(random)]
    return random.sample(list(h), count)


# --- HSCAN -------------------------------------------------------------------------------

@command("hscan")
def hscan(ctx, argv):
    cursor = scan.parse_cursor(argv[2])
    h = _read(ctx, argv[1])
    if h is None:
        return [b"0", []]
    pattern, count, _ = scan.parse_options(argv, 3, allow_type=False)
    if h.big:
        cursor, fields = scan.page(h, cursor, count)
    else:
        # A listpack-encoded hash is returned whole in one call, as Redis does.
        cursor, fields = 0, list(h)
    if pattern is not None:
        match = glob.compile_pattern(pattern)
        fields = [f for f in fields if match(f)]
    return [b"%d" % cursor, [x for f in fields for x in (f, h[f])]]
