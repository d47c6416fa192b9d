"""HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.

Owns: the semantics of Redis' "hyperloglog" group (hyperloglog.c): which
lookups count keyspace hits, when the header's cached cardinality is
written (PFCOUNT of one key writes it: a change, so it is replicated as
is), the "pfadd" event (PFMERGE raises "pfadd" too, as Redis 7.0 does),
and the error texts. The representation maths lives in :mod:`miniredis.hll`.
Must not touch: the keyspace internals, reply encoding.

An HLL is stored as a plain bytes string (GET/SET/APPEND see Redis' exact
bytes). Decoding it for every PFADD would be O(registers), so the last few
HLL strings written or read here keep their mutable ``hll.Hll`` form (with
its register histogram) in ``_CACHE``, keyed by the identity of the stored
bytes object: any other write to the key stores a different object, which
simply misses the cache.
"""

from .. import errors, hll
from ..datatypes import TypedValue
from ..errors import CommandError, sanitize
from ..events import STRING
from ..registry import command
from ..replies import OK, Simple

_CACHE = {}        # id(stored bytes) -> (stored bytes, Hll)
_CACHE_SIZE = 32
_STRINGS = (bytes, int, float, TypedValue)


# --- the cache of decoded forms ----------------------------------------------------------------

def _take(v):
    """A mutable Hll for the stored bytes v (from the cache, which forgets it)."""
    entry = _CACHE.pop(id(v), None)
    if entry is not None and entry[0] is v:
        return entry[1]
    return hll.Hll(bytearray(v))


def _remember(v, h):
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[id(v)] = (v, h)


def _save(ctx, key, h, created):
    """Store h's bytes at key (TTL kept) and keep its decoded form."""
    v = bytes(h.buf)
    if created:
        ctx.db.add(key, v)
    else:
        ctx.db.set(key, v, keepttl=True)
    ctx.db.mark_raw(key)   # Redis modifies its (unshared) string in place
    _remember(v, h)
    return v


# --- checks ----------------------------------------------------------------------------------

def _check(v):
    """Redis' isHLLObjectOrReply: WRONGTYPE for other types, the HLL one for bad strings."""
    if type(v) is bytes:
        if hll.header_valid(v):
            return v
    elif type(v) not in _STRINGS:
        raise CommandError(errors.WRONGTYPE)
    raise CommandError(errors.HLL_WRONGTYPE)


def _max_bytes(ctx):
    return ctx.server.config.hll_sparse_max_bytes


def _registers(v):
    """All registers of a checked HLL string; INVALIDOBJ for a corrupt sparse one."""
    entry = _CACHE.get(id(v))
    h = entry[1] if entry is not None and entry[0] is v else hll.Hll(v)
    regs = h.registers()
    if regs is None:
        raise CommandError(errors.HLL_INVALID)
    return regs


# --- commands ------------------------------------------------------------------------------

@command("pfadd")
def pfadd(ctx, argv):
    key = argv[1]
    v = ctx.db.get(key)
    created = v is None
    h = hll.Hll.new() if created else _take(_check(v))
    max_bytes = _max_bytes(ctx)
    updated = 1 if created else 0
    for element in argv[2:]:
        index, count = hll.position(element)
        r = h.add(index, count, max_bytes)
        if r < 0:
            _keep_partial(ctx, key, v, h)
            raise CommandError(errors.HLL_INVALID)
        updated += r
    if updated:
        h.invalidate()
        _save(ctx, key, h, created)
        ctx.db.keyspace.dirty += updated - 1   # Redis counts one change per register
        ctx.notify(STRING, "pfadd", key)
        return 1
    ctx.db.mark_raw(key)
    _remember(v, h)
    return 0


def _keep_partial(ctx, key, v, h):
    """A corrupt HLL: Redis keeps the registers set before the failing one (it
    edits in place), silently -- no event, no dirty count, cache not invalidated."""
    ctx.db.mark_raw(key)
    if h.buf == v:
        return
    ctx.db.set(key, bytes(h.buf), keepttl=True)
    ctx.db.keyspace.dirty -= 1
    ctx.db.mark_raw(key)


@command("pfcount")
def pfcount(ctx, argv):
    if len(argv) > 2:
        return _count_union(ctx, argv[1:])
    key = argv[1]
    v = ctx.db.get(key)   # a write lookup: PFCOUNT may update the cached value
    if v is None:
        return 0
    _check(v)
    ctx.db.mark_raw(key)
    card = hll.cached_card(v)
    if card is not None:
        return card
    h = _take(v)
    card = h.count()
    if card is None:
        _remember(v, h)
        raise CommandError(errors.HLL_INVALID)
    h.buf[8:16] = card.to_bytes(8, "little")
    _save(ctx, key, h, False)
    return hll.as_reply(card)


def _count_union(ctx, keys):
    top = None
    for key in keys:
        v = ctx.db.read(key)
        if v is None:
            continue
        regs = _registers(_check(v))
        top = regs if top is None else bytearray(map(max, top, regs))
    return 0 if top is None else hll.as_reply(hll.estimate(hll.histogram(top)))


@command("pfmerge")
def pfmerge(ctx, argv):
    dest = argv[1]
    top, use_dense = None, False
    for key in argv[1:]:
        v = ctx.db.read(key)
        if v is None:
            continue
        _check(v)
        use_dense = use_dense or v[4] == hll.DENSE
        regs = _registers(v)
        top = regs if top is None else bytearray(map(max, top, regs))
    v = ctx.db.get(dest)
    created = v is None
    h = hll.Hll.new() if created else _take(v)
    if use_dense and not h.to_dense():
        raise CommandError(errors.HLL_INVALID)
    if top is not None:
        _merge_into(h, top, _max_bytes(ctx))
    h.invalidate()
    _save(ctx, dest, h, created)
    ctx.notify(STRING, "pfadd", dest)
    return OK


def _merge_into(h, top, max_bytes):
    """Raise h's registers to ``top`` in ascending order, as Redis does one by one."""
    trail = []
    for index, count in enumerate(top):
        if h.dense:
            break
        if count:
            h.add(index, count, max_bytes, trail)
    else:
        return
    h.set_registers_max(top)


# --- debugging ------------------------------------------------------------------------------

@command("pfdebug")
def pfdebug(ctx, argv):
    sub, key = argv[1].lower(), argv[2]
    v = ctx.db.get(key)
    if v is None:
        raise CommandError(errors.PFDEBUG_NO_KEY)
    _check(v)
    ctx.db.mark_raw(key)
    handler = _PFDEBUG.get(sub)
    if handler is None:
        raise CommandError(errors.PFDEBUG_UNKNOWN_FMT % sanitize(argv[1]))
    return handler(ctx, key, v)


def _to_dense(ctx, key, v):
    """(Hll in dense form, converted?) -- a conversion is stored, and is a change."""
    h = _take(v)
    if h.dense:
        _remember(v, h)
        return h, False
    if not h.to_dense():
        _remember(v, h)
        raise CommandError(errors.HLL_INVALID)
    _save(ctx, key, h, False)
    return h, True


def _debug_getreg(ctx, key, v):
    h, _ = _to_dense(ctx, key, v)
    return list(h.registers())


def _debug_decode(ctx, key, v):
    if v[4] != hll.SPARSE:
        raise CommandError(errors.PFDEBUG_NOT_SPARSE)
    return hll.sparse_decode_text(v)


def _debug_encoding(ctx, key, v):
    return Simple("sparse" if v[4] == hll.SPARSE else "dense")


def _debug_todense(ctx, key, v):
    _, converted = _to_dense(ctx, key, v)
    return 1 if converted else 0


_PFDEBUG = {b"getreg": _debug_getreg, b"decode": _debug_decode,
            b"encoding": _debug_encoding, b"todense": _debug_todense}


@command("pfselftest")
def pfselftest(ctx, argv):
    """A quick check of the register packing and of sparse/dense agreement."""
    regs = bytearray((i * 7 + 3) % 64 for i in range(hll.REGISTERS))
    if hll.dense_decode(bytes(hll.dense_encode(regs))) != regs:
        raise CommandError(errors.PFSELFTEST_FAILED_FMT % "Register error")
    sparse, dense = hll.Hll.new(), hll.Hll.new()
    dense.to_dense()
    for n in range(1, 200):
        index, count = hll.position(b"%d" % n)
        sparse.add(index, count, 1 << 30)
        dense.add(index, count, 1 << 30)
    sparse.to_dense()
    if sparse.buf != dense.buf:
        raise CommandError(errors.PFSELFTEST_FAILED_FMT % "Sparse and dense differ")
    return OK
