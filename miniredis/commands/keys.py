"""Generic key commands (Redis' "generic" group).

DEL / UNLINK / DELETE, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME(NX), MOVE,
COPY, the EXPIRE / TTL family, PERSIST, TOUCH, OBJECT and SWAPDB.

Owns: the semantics of these commands. Storage, expiry and access times
live in :mod:`miniredis.keyspace`; pattern matching in :mod:`miniredis.glob`;
cursors in :mod:`miniredis.scan`.

Lookups that Redis makes with LOOKUP_NOTOUCH (EXISTS, TYPE, TTL & co,
OBJECT, SCAN, KEYS) use ``Database.peek`` so that they leave OBJECT IDLETIME
alone; lookups for writes and TOUCH use ``Database.get``, which records the
access. Reads that Redis makes with lookupKeyRead* (EXISTS, TYPE, TTL & co,
TOUCH, OBJECT, COPY's source, SCAN's TYPE filter) count keyspace hits and
misses through :func:`_read`; write lookups (RENAME, MOVE, EXPIRE ...),
KEYS and RANDOMKEY do not.

Keyspace events are raised where Redis raises them (db.c, expire.c): "del",
"rename_from"/"rename_to", "move_from"/"move_to" (each in its own database),
"copy_to", "expire", "persist"; an expiry set in the past deletes the key
and is replayed as ``DEL``, any other as ``PEXPIREAT key <ms> [flags]``.
SWAPDB and the FLUSH commands raise none per key, as in Redis.
"""

from .. import errors, glob, scan
from ..events import GENERIC
from ..datatypes import (
    TypedValue, as_bytes, copy_value, parse_int, parse_int32, type_name, LLONG_MAX, LLONG_MIN,
)
from ..errors import CommandError
from ..protocol import string2ll
from ..registry import command, container, subcommand, alias
from ..replies import OK, NULL, Simple

_MULTI_KEY_TIPS = ("request_policy:multi_shard", "response_policy:agg_sum")


def _db_by_index(ctx, index):
    dbs = ctx.server.keyspace.dbs
    if index < 0 or index >= len(dbs):
        raise CommandError(errors.DB_INDEX)
    return dbs[index]


def _notify_in(ctx, db, event, key):
    """A generic keyspace event on a key of ``db``, which need not be the client's."""
    events = ctx.server.events
    if events.keyspace_listeners:
        events.notify(GENERIC, event, key, db.index)


def _delete_keys(ctx, keys):
    db = ctx.db
    n = 0
    for k in keys:
        if db.delete(k):
            ctx.notify(GENERIC, "del", k)
            n += 1
    return n


def _carry(db, key, when, raw):
    """Give a renamed, moved or copied value its TTL and its string encoding back."""
    if when is not None:
        db.set_expire(key, when, delete_past=False)
    if raw:
        db.mark_raw(key)


# --- existence and deletion -------------------------------------------------------

@command("del")
def del_(ctx, argv):
    return _delete_keys(ctx, argv[1:])


alias("delete", "del")


@command("unlink")
def unlink(ctx, argv):
    # Freeing memory is the garbage collector's job here, so UNLINK is DEL.
    return _delete_keys(ctx, argv[1:])


@command("exists")
def exists(ctx, argv):
    # A key named twice counts twice, as in Redis.
    return sum(1 for k in argv[1:] if ctx.db.read(k, touch=False) is not None)


@command("touch")
def touch(ctx, argv):
    return sum(1 for k in argv[1:] if ctx.db.read(k) is not None)


@command("type")
def type_(ctx, argv):
    v = ctx.db.read(argv[1], touch=False)
    return Simple("none" if v is None else type_name(v))


# --- enumeration ------------------------------------------------------------------

@command("keys")
def keys(ctx, argv):
    live = ctx.db.live_keys()
    if argv[1] == b"*":   # Redis skips matching here, so the empty key is listed too
        return live
    match = glob.compile_pattern(argv[1])
    return [k for k in live if match(k)]


@command("scan")
def scan_(ctx, argv):
    cursor = scan.parse_cursor(argv[1])
    pattern, count, typename = scan.parse_options(argv, 2, allow_type=True)
    db = ctx.db
    cursor, candidates = scan.page(db.data, cursor, count)
    match = glob.compile_pattern(pattern) if pattern is not None else None
    out = []
    # Filters run after selection, as in Redis: a page may be empty mid-scan.
    for k in candidates:
        if match is not None and not match(k):
            continue
        if typename is None:
            if db.peek(k) is None:
                continue
        else:
            # Redis' TYPE filter is a counted read that expires the key and
            # calls it "none"; its expiry check comes after and no longer
            # sees the key, so "TYPE none" lists keys that just expired.
            v = ctx.db.read(k, touch=False)
            if (b"none" if v is None else type_name(v).encode()) != typename:
                continue
        out.append(k)
    return [b"%d" % cursor, out]


@command("randomkey")
def randomkey(ctx, argv):
    k = ctx.db.random_key()
    return NULL if k is None else k


# --- renaming and moving ----------------------------------------------------------

def _rename(ctx, argv, nx):
    db = ctx.db
    src, dst = argv[1], argv[2]
    value = db.get(src)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else OK
    when = db.expire_at(src)
    if nx and db.get(dst) is not None:
        return 0
    raw = db.is_raw(src)
    dirty = db.keyspace.dirty
    db.pop(src)
    # Redis deletes an existing destination and adds the key anew ("new" event).
    db.delete(dst)
    db.add(dst, value)
    _carry(db, dst, when, raw)
    db.keyspace.dirty = dirty + 1   # one change, as Redis counts a RENAME
    ctx.notify(GENERIC, "rename_from", src)
    ctx.notify(GENERIC, "rename_to", dst)
    return 1 if nx else OK


@command("rename")
def rename(ctx, argv):
    return _rename(ctx, argv, False)


@command("renamenx")
def renamenx(ctx, argv):
    return _rename(ctx, argv, True)


@command("move")
def move(ctx, argv):
    src = ctx.db
    dst = _db_by_index(ctx, parse_int32(argv[2]))
    if dst is src:
        raise CommandError(errors.SAME_OBJECT)
    key = argv[1]
    value = src.get(key)
    if value is None or dst.get(key) is not None:
        return 0
    when = src.expire_at(key)
    raw = src.is_raw(key)
    ks = src.keyspace
    dirty = ks.dirty
    src.pop(key)
    dst.add(key, value)
    _carry(dst, key, when, raw)
    ks.dirty = dirty + 1   # one change, as Redis counts a MOVE
    _notify_in(ctx, src, "move_from", key)
    _notify_in(ctx, dst, "move_to", key)
    return 1


@command("copy")
def copy_(ctx, argv):
    src = dst = ctx.db
    replace = False
    i, n = 3, len(argv)
    while i < n:
        opt = argv[i].lower()
        if opt == b"replace":
            replace = True
        elif opt == b"db" and i + 1 < n:
            dst = _db_by_index(ctx, parse_int32(argv[i + 1]))
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    key, newkey = argv[1], argv[2]
    if src is dst and key == newkey:
        raise CommandError(errors.SAME_OBJECT)
    value = ctx.db.read(key)
    if value is None:
        return 0
    if dst.get(newkey) is not None and not replace:
        return 0
    ks = dst.keyspace
    dirty = ks.dirty
    dst.delete(newkey)   # as Redis: delete, then add anew ("new" event)
    dst.add(newkey, copy_value(value))
    _carry(dst, newkey, src.expire_at(key), src.is_raw(key))
    ks.dirty = dirty + 1   # one change, as Redis counts a COPY
    _notify_in(ctx, dst, "copy_to", newkey)
    return 1


@command("swapdb")
def swapdb(ctx, argv):
    a = parse_int32(argv[1], errors.SWAPDB_FIRST)
    b = parse_int32(argv[2], errors.SWAPDB_SECOND)
    n = len(ctx.server.keyspace.dbs)
    if not (0 <= a < n and 0 <= b < n):
        raise CommandError(errors.DB_INDEX)
    ctx.server.keyspace.swap(a, b)
    return OK


# --- expiry -----------------------------------------------------------------------

_NX, _XX, _GT, _LT = 1, 2, 4, 8
_EXPIRE_FLAGS = {b"nx": _NX, b"xx": _XX, b"gt": _GT, b"lt": _LT}


def _expire_flags(args):
    flags = 0
    for a in args:
        f = _EXPIRE_FLAGS.get(a.lower())
        if f is None:
            raise CommandError(errors.UNSUPPORTED_OPTION_FMT % errors.sanitize(a))
        flags |= f
    if flags & _NX and flags & (_XX | _GT | _LT):
        raise CommandError(errors.EXPIRE_NX_XX_GT_LT)
    if flags & _GT and flags & _LT:
        raise CommandError(errors.EXPIRE_GT_LT)
    return flags


def _expire_allowed(flags, when, current):
    """NX/XX/GT/LT against the current expiry (None: no TTL, i.e. infinite for GT/LT)."""
    if flags & _NX and current is not None:
        return False
    if flags & _XX and current is None:
        return False
    if flags & _GT and (current is None or when <= current):
        return False
    if flags & _LT and current is not None and when >= current:
        return False
    return True


def _expire(ctx, argv, unit_ms, absolute):
    name = argv[0].lower().decode("latin-1")
    flags = _expire_flags(argv[3:])
    when = parse_int(argv[2])
    if unit_ms == 1000:
        # C division truncates toward zero: the bounds are +-(2**63 // 1000).
        if when > LLONG_MAX // 1000 or when < -(-LLONG_MIN // 1000):
            raise CommandError(errors.invalid_expire(name))
        when *= 1000
    ks = ctx.server.keyspace
    base = 0 if absolute else ks.clock()
    if when > LLONG_MAX - base:
        raise CommandError(errors.invalid_expire(name))
    when += base
    db = ctx.db
    key = argv[1]
    if db.get(key) is None:
        return 0
    if flags and not _expire_allowed(flags, when, db.expire_at(key)):
        return 0
    if when <= ks.clock():
        # Already past: the key is deleted (reply 1) and replayed as a DEL.
        db.delete(key)
        ctx.propagate_as([b"DEL", key])
        ctx.notify(GENERIC, "del", key)
        return 1
    db.set_expire(key, when)
    if name != "pexpireat":
        # Replayed with the absolute time; NX/XX/GT/LT stay as given.
        ctx.propagate_as([b"PEXPIREAT", key, b"%d" % when] + argv[3:])
    ctx.notify(GENERIC, "expire", key)
    return 1


def _declare_expire(name, unit_ms, absolute):
    @command(name)
    def fn(ctx, argv):
        return _expire(ctx, argv, unit_ms, absolute)
    fn.__name__ = name
    return fn


expire = _declare_expire("expire", 1000, False)
pexpire = _declare_expire("pexpire", 1, False)
expireat = _declare_expire("expireat", 1000, True)
pexpireat = _declare_expire("pexpireat", 1, True)


def _ttl(ctx, key, in_ms, absolute):
    db = ctx.db
    if ctx.db.read(key, touch=False) is None:
        return -2
    when = db.expire_at(key)
    if when is None:
        return -1
    t = max(0, when if absolute else when - ctx.server.keyspace.clock())
    # Seconds are rounded to the nearest, as Redis does.
    return t if in_ms else (t + 500) // 1000


@command("ttl")
def ttl(ctx, argv):
    return _ttl(ctx, argv[1], False, False)


@command("pttl")
def pttl(ctx, argv):
    return _ttl(ctx, argv[1], True, False)


@command("expiretime")
def expiretime(ctx, argv):
    return _ttl(ctx, argv[1], False, True)


@command("pexpiretime")
def pexpiretime(ctx, argv):
    return _ttl(ctx, argv[1], True, True)


@command("persist")
def persist(ctx, argv):
    if not ctx.db.persist(argv[1]):
        return 0
    ctx.notify(GENERIC, "persist", argv[1])
    return 1


# --- OBJECT -----------------------------------------------------------------------

container("object")

_OBJECT_HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
]

# Redis shares integer objects 0..9999 (refcount INT_MAX) unless an LRU/LFU
# maxmemory policy needs per-key access data in every object.
_SHARED_INTEGERS = 10000
_SHARED_REFCOUNT = 2 ** 31 - 1
_EMBSTR_LIMIT = 44


def _uses_lfu(config):
    return config.maxmemory_policy.endswith("-lfu")


def _string_encoding(value):
    """Redis' choice for a string: int, embstr (up to 44 bytes) or raw."""
    if type(value) is int:
        return "int"
    text = as_bytes(value)
    if len(text) <= 20 and string2ll(text) is not None:
        return "int"
    return "embstr" if len(text) <= _EMBSTR_LIMIT else "raw"


@subcommand("object", "freq")
def object_freq(ctx, argv):
    """Under an LFU policy: the key's logarithmic access counter, decayed by
    lfu-decay-time (kept by keyspace.py while an LFU policy is on)."""
    db = ctx.db
    if ctx.db.read(argv[2], touch=False, notify=False) is None:
        return NULL
    if not _uses_lfu(ctx.server.config):
        raise CommandError(errors.OBJECT_FREQ_NO_LFU)
    ctx.server.keyspace.tick()
    return db.lfu_freq(argv[2])


@subcommand("object", "encoding")
def object_encoding(ctx, argv):
    """The internal representation Redis would use for the value.

    Strings: "int" for a 64-bit integer text (or a stored int), "embstr" up to
    44 bytes, "raw" beyond. Lists "quicklist"; hashes "listpack" or
    "hashtable", sets "intset" or "hashtable", sorted sets "listpack" or
    "skiplist" by the *-max-* limits of the configuration. RESP3 typed values
    (project extension) answer their type name: "array", "map", "set",
    "boolean", "null" or "bignum".
    """
    v = ctx.db.read(argv[2], touch=False, notify=False)
    if v is None:
        return NULL
    t = type(v)
    if t is TypedValue:
        return v.type_name.encode()
    if t is bytes and ctx.db.is_raw(argv[2]):
        return b"raw"   # modified in place (APPEND, SETRANGE ...), whatever its length
    if t is bytes or t is int or t is float:
        return _string_encoding(v).encode()
    return v.encoding(ctx.server.config).encode()


@subcommand("object", "help")
def object_help(ctx, argv):
    return [Simple(line) for line in _OBJECT_HELP]


@subcommand("object", "refcount")
def object_refcount(ctx, argv):
    """1, or INT_MAX for the integers 0..9999 that Redis shares between keys."""
    v = ctx.db.read(argv[2], touch=False, notify=False)
    if v is None:
        return NULL
    n = v if type(v) is int else (string2ll(v) if type(v) is bytes else None)
    if n is not None and ctx.db.is_raw(argv[2]):
        n = None   # a string modified in place is never a shared integer
    cfg = ctx.server.config
    shared_ok = not cfg.maxmemory or not cfg.maxmemory_policy.endswith(("-lru", "-lfu"))
    if n is not None and 0 <= n < _SHARED_INTEGERS and shared_ok:
        return _SHARED_REFCOUNT
    return 1


@subcommand("object", "idletime")
def object_idletime(ctx, argv):
    """Seconds since the last read or write of the key.

    Exact for the most recently used keys of each database (see the access
    tracker in :mod:`miniredis.keyspace`); for older keys a lower bound.
    """
    db = ctx.db
    if ctx.db.read(argv[2], touch=False, notify=False) is None:
        return NULL
    if _uses_lfu(ctx.server.config):
        raise CommandError(errors.OBJECT_IDLETIME_LFU)
    ctx.server.keyspace.tick()
    return db.idle_seconds(argv[2])
