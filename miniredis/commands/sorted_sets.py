"""Sorted set commands: ZADD and friends, ranges, pops (blocking too), set operations, ZSCAN.

Owns: the semantics of Redis 7.0's "sorted-set" group -- argument order and
the order of checks (which decides the error a client sees), keyspace
events, what is propagated, and the reply shapes per protocol.
Must not touch: the keyspace internals (changes go through Database
methods), reply encoding, the value's internals (it is used through
:class:`~miniredis.values.zsetvalue.ZSetValue`'s methods). Range and bound
parsing lives in :mod:`miniredis.commands.zset_ranges`.

Reply shapes follow Redis, which decides them by protocol here: WITHSCORES
replies are a flat ``member, score, ...`` array in RESP2 and an array of
``[member, score]`` pairs in RESP3 (a map would lose the order). Scores are
Double replies (a ``%.17g`` bulk string in RESP2).

Reads that Redis performs with lookupKeyRead (ZSCORE, ZRANGE, ZUNION ...)
count keyspace hits/misses; writes (ZADD, ZREM, pops ...) do not.
"""

import random

from .. import errors, events, glob, scan
from ..blocking import parse_timeout, serving_order, source as blocking_source
from ..errors import CommandError
from ..registry import command
from ..replies import NULL, NULL_ARRAY, EMPTY_ARRAY, Double
from ..datatypes import parse_int, parse_float, LLONG_MAX
from ..protocol import format_double
from ..values.zsetvalue import ZSetValue
from .zset_ranges import RANK, SCORE, LEX, ScoreRange, LexRange, rank_span, parse_range_query


# --- lookups and replies -----------------------------------------------------------------

def _read(ctx, key):
    """The sorted set at key for a read (hits/misses counted), or None."""
    return ctx.db.read_typed(key, ZSetValue)


def _write(ctx, key):
    """The sorted set at key for a write, or None."""
    return ctx.db.get_typed(key, ZSetValue)


def _entries_reply(ctx, entries, withscores):
    """Members of (score, member) entries; with scores flat (RESP2) or paired (RESP3)."""
    if not withscores:
        return [m for _, m in entries]
    if ctx.proto > 2:
        return [[m, Double(s)] for s, m in entries]
    out = []
    for s, m in entries:
        out.append(m)
        out.append(Double(s))
    return out


def _emptied(ctx, zs, key, n):
    """After removing ``n`` members: delete an empty set ("del" event) or report the
    change; Redis counts each member removed as a change (server.dirty)."""
    if zs:
        ctx.db.changed(key, n)
        return False
    ctx.db.delete(key, n)
    return True


def _positive_long(arg, message):
    """A 64-bit integer >= 0 (getPositiveLongFromObjectOrReply): one message for every error."""
    v = parse_int(arg, message)
    if v < 0:
        raise CommandError(message)
    return v


# --- ZADD / ZINCRBY ------------------------------------------------------------------------

_NX, _XX, _CH, _INCR, _GT, _LT = (1 << i for i in range(6))
_ZADD_FLAGS = {b"nx": _NX, b"xx": _XX, b"ch": _CH, b"incr": _INCR, b"gt": _GT, b"lt": _LT}


def _zadd_parse(argv, flags):
    """(flags, [(score, member), ...]); every error before any change, as Redis."""
    i, n = 2, len(argv)
    while i < n:
        f = _ZADD_FLAGS.get(argv[i].lower())
        if f is None:
            break
        flags |= f
        i += 1
    elements = n - i
    if elements % 2 or not elements:
        raise CommandError(errors.SYNTAX)
    if flags & _NX and flags & _XX:
        raise CommandError(errors.ZADD_XX_NX)
    if (flags & _NX and flags & (_GT | _LT)) or (flags & _GT and flags & _LT):
        raise CommandError(errors.ZADD_GT_LT_NX)
    if flags & _INCR and elements > 2:
        raise CommandError(errors.ZADD_INCR_PAIR)
    return flags, [(parse_float(argv[j]), argv[j + 1]) for j in range(i, n, 2)]


def _zadd_one(zs, member, score, flags, config):
    """Redis' zsetAdd: (outcome, new score); outcome 'added', 'updated', 'same' or None (no-op)."""
    cur = zs.scores.get(member)
    if cur is None:
        if flags & _XX:
            return None, None
        zs.add(member, score, config)
        return "added", score
    if flags & _NX:
        return None, None
    if flags & _INCR:
        score += cur
        if score != score:
            raise CommandError(errors.ZSCORE_NAN)
    if (flags & _LT and score >= cur) or (flags & _GT and score <= cur):
        return None, None
    if score != cur:
        zs.add(member, score, config)
        return "updated", score
    return "same", score


def _zadd(ctx, argv, flags):
    if flags == 0 and len(argv) == 4:
        # ZADD key score member, the common form: a score that parses is not
        # an option word, so parsing it first decides as _zadd_parse would.
        try:
            pairs = [(parse_float(argv[2]), argv[3])]
        except CommandError:
            flags, pairs = _zadd_parse(argv, flags)
    else:
        flags, pairs = _zadd_parse(argv, flags)
    key = argv[1]
    zs = ctx.db.get(key)    # _write(), inline on this hot path
    if zs is not None and type(zs) is not ZSetValue:
        raise CommandError(errors.WRONGTYPE)
    created = zs is None
    if created:
        if flags & _XX:
            return NULL if flags & _INCR else 0
        zs = ZSetValue()
    config = ctx.server.config
    added = updated = processed = 0
    score = None
    # Only INCR can fail half-way (NaN), and it takes a single pair: nothing changed then.
    for s, member in pairs:
        outcome, new = _zadd_one(zs, member, s, flags, config)
        if outcome is not None:
            processed += 1
            score = new
            added += outcome == "added"
            updated += outcome == "updated"
    if added or updated:
        # Redis counts every element added or updated as a change (server.dirty).
        if created:
            ctx.db.add(key, zs, dirty=added + updated)
        else:
            ctx.db.changed(key, dirty=added + updated)
        ctx.notify(events.ZSET, "zincr" if flags & _INCR else "zadd", key)
    if flags & _INCR:
        return Double(score) if processed else NULL
    return added + updated if flags & _CH else added


@command("zadd")
def zadd(ctx, argv):
    return _zadd(ctx, argv, 0)


@command("zincrby")
def zincrby(ctx, argv):
    # Redis runs ZADD's parser: "ZINCRBY k nx m" reads NX as an option (syntax error).
    return _zadd(ctx, argv, _INCR)


# --- single members --------------------------------------------------------------------

@command("zrem")
def zrem(ctx, argv):
    key = argv[1]
    zs = _write(ctx, key)
    if zs is None:
        return 0
    deleted = 0
    for member in argv[2:]:
        deleted += zs.remove(member)
        if not zs:
            break
    if deleted:
        removed = _emptied(ctx, zs, key, deleted)
        ctx.notify(events.ZSET, "zrem", key)
        if removed:
            ctx.notify(events.GENERIC, "del", key)
    return deleted


@command("zcard")
def zcard(ctx, argv):
    zs = _read(ctx, argv[1])
    return 0 if zs is None else len(zs)


@command("zscore")
def zscore(ctx, argv):
    zs = _read(ctx, argv[1])
    s = None if zs is None else zs.score(argv[2])
    return NULL if s is None else Double(s)


@command("zmscore")
def zmscore(ctx, argv):
    zs = _read(ctx, argv[1])
    out = []
    for member in argv[2:]:
        s = None if zs is None else zs.score(member)
        out.append(NULL if s is None else Double(s))
    return out


def _zrank(ctx, argv, reverse):
    zs = _read(ctx, argv[1])
    r = None if zs is None else zs.rank(argv[2])
    if r is None:
        return NULL
    return len(zs) - 1 - r if reverse else r


@command("zrank")
def zrank(ctx, argv):
    return _zrank(ctx, argv, False)


@command("zrevrank")
def zrevrank(ctx, argv):
    return _zrank(ctx, argv, True)


# --- counting and ranges --------------------------------------------------------------

@command("zcount")
def zcount(ctx, argv):
    rng = ScoreRange(argv[2], argv[3])
    zs = _read(ctx, argv[1])
    if zs is None:
        return 0
    lo, hi = rng.span(zs)
    return hi - lo


@command("zlexcount")
def zlexcount(ctx, argv):
    rng = LexRange(argv[2], argv[3])
    zs = _read(ctx, argv[1])
    if zs is None:
        return 0
    lo, hi = rng.span(zs)
    return hi - lo


def _zrange(ctx, argv, first, store=False, kind=None, reverse=None):
    """Redis' zrangeGenericCommand: parse everything, then look the source up."""
    q = parse_range_query(argv, first, store, kind, reverse)
    zs = _read(ctx, argv[first])
    lo = hi = 0
    if zs is not None:
        lo, hi = q.span(zs)
    if store:
        return _store_range(ctx, argv[1], zs, lo, hi, q)
    if zs is None:
        return EMPTY_ARRAY
    return _entries_reply(ctx, zs.islice(lo, hi, q.reverse), q.withscores)


def _store_range(ctx, dst, zs, lo, hi, q):
    """ZRANGESTORE's result, built as Redis builds it: its size is known up front
    only for a rank range (a larger one starts as a skiplist); otherwise it starts
    as a listpack and converts as it grows."""
    config = ctx.server.config
    out = ZSetValue(big=q.kind == RANK and hi - lo > config.zset_max_listpack_entries)
    if zs is not None:
        for s, m in zs.islice(lo, hi, q.reverse):
            out.add(m, s, config)
    return _store_result(ctx, dst, out, "zrangestore")


def _store_result(ctx, dst, zs, event):
    """Store a computed sorted set at dst (or delete dst when it is empty); the reply."""
    if zs:
        ctx.db.set(dst, zs)
        ctx.notify(events.ZSET, event, dst)
        return len(zs)
    if ctx.db.delete(dst):
        ctx.notify(events.GENERIC, "del", dst)
    return 0


@command("zrange")
def zrange(ctx, argv):
    return _zrange(ctx, argv, 1)


@command("zrangestore")
def zrangestore(ctx, argv):
    return _zrange(ctx, argv, 2, store=True)


@command("zrevrange")
def zrevrange(ctx, argv):
    return _zrange(ctx, argv, 1, kind=RANK, reverse=True)


@command("zrangebyscore")
def zrangebyscore(ctx, argv):
    return _zrange(ctx, argv, 1, kind=SCORE, reverse=False)


@command("zrevrangebyscore")
def zrevrangebyscore(ctx, argv):
    return _zrange(ctx, argv, 1, kind=SCORE, reverse=True)


@command("zrangebylex")
def zrangebylex(ctx, argv):
    return _zrange(ctx, argv, 1, kind=LEX, reverse=False)


@command("zrevrangebylex")
def zrevrangebylex(ctx, argv):
    return _zrange(ctx, argv, 1, kind=LEX, reverse=True)


def _zremrange(ctx, argv, kind, event):
    if kind == RANK:
        start, end = parse_int(argv[2]), parse_int(argv[3])
    else:
        rng = (ScoreRange if kind == SCORE else LexRange)(argv[2], argv[3])
    key = argv[1]
    zs = _write(ctx, key)
    if zs is None:
        return 0
    lo, hi = rank_span(len(zs), start, end) if kind == RANK else rng.span(zs)
    deleted = zs.delete_range(lo, hi)
    if deleted:
        removed = _emptied(ctx, zs, key, deleted)
        ctx.notify(events.ZSET, event, key)
        if removed:
            ctx.notify(events.GENERIC, "del", key)
    return deleted


@command("zremrangebyrank")
def zremrangebyrank(ctx, argv):
    return _zremrange(ctx, argv, RANK, "zremrangebyrank")


@command("zremrangebyscore")
def zremrangebyscore(ctx, argv):
    return _zremrange(ctx, argv, SCORE, "zremrangebyscore")


@command("zremrangebylex")
def zremrangebylex(ctx, argv):
    return _zremrange(ctx, argv, LEX, "zremrangebylex")


# --- pops -------------------------------------------------------------------------------
# One function serves ZPOPMIN/MAX, ZMPOP and the blocking forms, as Redis'
# genericZpopCommand: the shapes differ by whether the key is part of the
# reply (emit_key) and whether pairs are nested.

def _pop_reply(key, popped, emit_key, nested):
    if nested:
        items = [[m, Double(s)] for m, s in popped]
    else:
        items = []
        for m, s in popped:
            items.append(m)
            items.append(Double(s))
    if not emit_key:
        return items
    return [key, items] if nested else [key] + items


def _zpop(ctx, keys, last, count, emit_key, nested, nil_when_empty):
    """(reply, key popped from or None, how many). ``count`` -1: a single pop, without COUNT."""
    zs = key = None
    for k in keys:
        zs = _write(ctx, k)
        if zs is not None:
            key = k
            break
    if zs is None:
        return (NULL_ARRAY if nil_when_empty else EMPTY_ARRAY), None, 0
    if count == 0:
        return EMPTY_ARRAY, None, 0
    n = min(len(zs), 1 if count == -1 else count)
    popped = [zs.pop(last) for _ in range(n)]
    removed = _emptied(ctx, zs, key, n)
    ctx.notify(events.ZSET, "zpopmax" if last else "zpopmin", key)
    if removed:
        ctx.notify(events.GENERIC, "del", key)
    return _pop_reply(key, popped, emit_key, nested), key, n


def _pop_argv(last, key, count, popped):
    """What a [B]ZMPOP or BZPOP is replayed as: ZPOPMIN/ZPOPMAX key [how many were popped]."""
    argv = [b"ZPOPMAX" if last else b"ZPOPMIN", key]
    if count != -1:
        argv.append(b"%d" % popped)
    return argv


def _zpop_command(ctx, argv, last):
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    count = -1
    if len(argv) == 3:
        count = _positive_long(argv[2], errors.COUNT_POSITIVE)
    # RESP3 nests the pairs only when COUNT was given.
    return _zpop(ctx, argv[1:2], last, count, False, ctx.proto > 2 and count != -1, False)[0]


@command("zpopmin")
def zpopmin(ctx, argv):
    return _zpop_command(ctx, argv, False)


@command("zpopmax")
def zpopmax(ctx, argv):
    return _zpop_command(ctx, argv, True)


def _zmpop_parse(argv, numkeys_idx):
    """(keys, last, count) of [B]ZMPOP's ``numkeys key... MIN|MAX [COUNT n]``."""
    numkeys = parse_int(argv[numkeys_idx], errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(argv):
        raise CommandError(errors.SYNTAX)
    where = argv[where_idx].lower()
    if where not in (b"min", b"max"):
        raise CommandError(errors.SYNTAX)
    count = -1
    j = where_idx + 1
    while j < len(argv):
        if count == -1 and argv[j].lower() == b"count" and j + 1 < len(argv):
            count = parse_int(argv[j + 1], errors.COUNT_NOT_POSITIVE)
            if count < 1:
                raise CommandError(errors.COUNT_NOT_POSITIVE)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_idx + 1:where_idx], where == b"max", max(count, 1)


@command("zmpop")
def zmpop(ctx, argv):
    keys, last, count = _zmpop_parse(argv, 1)
    reply, key, popped = _zpop(ctx, keys, last, count, True, True, True)
    if key is not None:
        ctx.propagate_as(_pop_argv(last, key, count, popped))
    return reply


def _blocking_pop(ctx, keys, last, count, timeout, nested):
    """Serve the first non-empty key now, or block on all of them (Redis' blockingGenericZpopCommand).

    The engine runs this again when a key changes (``ctx.blocked`` is then
    set). Redis 7.0 serves a waiter from sorted sets only: a key that became
    another type leaves it waiting instead of answering WRONGTYPE.
    """
    for key in serving_order(ctx, keys):
        if blocking_source(ctx, key, ZSetValue) is None:
            continue
        reply, _, popped = _zpop(ctx, [key], last, count, True, nested, nested)
        ctx.propagate_as(_pop_argv(last, key, count, popped))
        return reply
    return ctx.block(list(keys), timeout, NULL_ARRAY)


def _bzpop_command(ctx, argv, last):
    timeout = parse_timeout(argv[-1])
    return _blocking_pop(ctx, argv[1:-1], last, -1, timeout, False)


@command("bzpopmin")
def bzpopmin(ctx, argv):
    return _bzpop_command(ctx, argv, False)


@command("bzpopmax")
def bzpopmax(ctx, argv):
    return _bzpop_command(ctx, argv, True)


@command("bzmpop")
def bzmpop(ctx, argv):
    keys, last, count = _zmpop_parse(argv, 2)
    timeout = parse_timeout(argv[1])
    return _blocking_pop(ctx, keys, last, count, timeout, True)


# --- ZRANDMEMBER ------------------------------------------------------------------------

@command("zrandmember")
def zrandmember(ctx, argv):
    if len(argv) >= 3:
        count = parse_int(argv[2])
        if count < -LLONG_MAX:
            raise CommandError(errors.RANDOM_COUNT_RANGE)
        if len(argv) > 4 or (len(argv) == 4 and argv[3].lower() != b"withscores"):
            raise CommandError(errors.SYNTAX)
        withscores = len(argv) == 4
        if withscores and not -(LLONG_MAX // 2) <= count <= LLONG_MAX // 2:
            raise CommandError(errors.VALUE_OUT_OF_RANGE)
        return _zrandmember_count(ctx, argv[1], count, withscores)
    zs = _read(ctx, argv[1])
    if zs is None:
        return NULL
    return zs.at(random.randrange(len(zs)))[1]


def _zrandmember_count(ctx, key, count, withscores):
    zs = _read(ctx, key)
    if zs is None or count == 0:
        return EMPTY_ARRAY
    n = len(zs)
    if count < 0 or count == 1:
        # Repetitions allowed: each pick is an independent O(log N) index.
        picks = [zs.at(random.randrange(n)) for _ in range(abs(count))]
    elif count >= n:
        # The whole set, as Redis' iterator walks it: from the highest rank down.
        picks = zs.islice(0, n, reverse=True)
    else:
        picks = [zs.at(i) for i in random.sample(range(n), count)]
    return _entries_reply(ctx, picks, withscores)


# --- ZSCAN --------------------------------------------------------------------------------

@command("zscan")
def zscan(ctx, argv):
    cursor = scan.parse_cursor(argv[2])
    zs = _read(ctx, argv[1])
    if zs is None:
        return [b"0", []]
    pattern, count, _ = scan.parse_options(argv, 3, allow_type=False)
    if not zs.big:
        # A listpack is returned whole in one call, in order, whatever the cursor.
        cursor, pairs = 0, list(zs.items())
    else:
        cursor, candidates = scan.page(zs.scores, cursor, count)
        scores = zs.scores
        pairs = [(m, scores[m]) for m in candidates if m in scores]
    match = glob.compile_pattern(pattern) if pattern is not None else None
    text = format_double if zs.big else _listpack_score
    out = []
    for m, s in pairs:
        if match is None or match(m):
            out.append(m)
            out.append(text(s))
    return [b"%d" % cursor, out]


_LISTPACK_INT_LIMIT = float(2 ** 62)   # (double)(LLONG_MAX / 2)


def _listpack_score(s):
    """A score as a listpack stores it (ZSCAN returns that text): integral values up to
    2**62 as integers, others as %.17g -- as Redis' d2string."""
    if -_LISTPACK_INT_LIMIT <= s <= _LISTPACK_INT_LIMIT and s == int(s):
        return b"%d" % int(s)
    return format_double(s)


# --- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------

class _SetScores(object):
    """A set given to a sorted-set operation: every member with score 1.0."""

    __slots__ = ("members",)

    def __init__(self, members):
        self.members = members

    def __len__(self):
        return len(self.members)

    def get(self, member):
        return 1.0 if member in self.members else None

    def items(self):
        return ((m, 1.0) for m in self.members)


_EMPTY_SOURCE = {}
_UNION, _INTER, _DIFF = "union", "inter", "diff"


def _source(value):
    """member -> score view of an input (None: missing key); WRONGTYPE unless zset or set."""
    if value is None:
        return _EMPTY_SOURCE
    t = type(value)
    if t is ZSetValue:
        return value.scores
    if getattr(t, "type_name", None) == "set":
        return _SetScores(value)
    raise CommandError(errors.WRONGTYPE)


def _aggregate_sum(a, b):
    s = a + b
    return 0.0 if s != s else s   # inf + -inf: Redis' convention is 0


def _aggregate_min(a, b):
    return b if b < a else a


def _aggregate_max(a, b):
    return b if b > a else a


_AGGREGATES = {b"sum": _aggregate_sum, b"min": _aggregate_min, b"max": _aggregate_max}


class _SetOp(object):
    """A parsed ZUNION/ZINTER/ZDIFF[STORE]/ZINTERCARD request."""

    __slots__ = ("sources", "weights", "aggregate", "withscores", "limit")


def _setop_parse(ctx, argv, numkeys_idx, name, op, store, card_only):
    """Keys are looked up (and type-checked) before the options are read, as in Redis."""
    setnum = parse_int(argv[numkeys_idx])
    if setnum < 1:
        raise CommandError(errors.ZSETOP_NO_KEYS_FMT % name)
    first = numkeys_idx + 1
    if setnum > len(argv) - first:
        raise CommandError(errors.SYNTAX)
    p = _SetOp()
    p.sources = [_source(ctx.db.read(k)) for k in argv[first:first + setnum]]
    p.weights = [1.0] * setnum
    p.aggregate, p.withscores, p.limit = _aggregate_sum, False, 0
    j, n = first + setnum, len(argv)
    full = op != _DIFF and not card_only
    while j < n:
        remaining, opt = n - j, argv[j].lower()
        if full and remaining >= setnum + 1 and opt == b"weights":
            p.weights = [parse_float(w, errors.ZSETOP_WEIGHT) for w in argv[j + 1:j + 1 + setnum]]
            j += setnum + 1
        elif full and remaining >= 2 and opt == b"aggregate":
            p.aggregate = _AGGREGATES.get(argv[j + 1].lower())
            if p.aggregate is None:
                raise CommandError(errors.SYNTAX)
            j += 2
        elif not store and not card_only and opt == b"withscores":
            p.withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            p.limit = _positive_long(argv[j + 1], errors.LIMIT_NEGATIVE)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return p


def _by_size(p):
    """(source, weight) pairs from the smallest input, as Redis sorts them (stable, like glibc's)."""
    return sorted(zip(p.sources, p.weights), key=lambda sw: len(sw[0]))


def _union(p):
    acc = {}
    agg = p.aggregate
    for src, w in _by_size(p):
        for m, s in src.items():
            v = w * s
            if v != v:
                v = 0.0   # inf * 0
            old = acc.get(m)
            acc[m] = v if old is None else agg(old, v)
    return acc


def _inter(p, limit=None):
    """The intersection (member -> score); with ``limit`` only its size, stopping early."""
    ordered = _by_size(p)
    (first, w0), rest = ordered[0], ordered[1:]
    out, card = {}, 0
    agg = p.aggregate
    for m, s in first.items():
        score = w0 * s
        if score != score:
            score = 0.0
        for src, w in rest:
            v = src.get(m)
            if v is None:
                break
            score = agg(score, v * w)
        else:
            if limit is None:
                out[m] = score
                continue
            card += 1
            if limit and card >= limit:
                break
    return card if limit is not None else out


def _diff(p):
    first, rest = p.sources[0], p.sources[1:]
    out = {}
    for m, s in first.items():
        if not any(src.get(m) is not None for src in rest):
            out[m] = s
    return out


_OPS = {_UNION: _union, _INTER: _inter, _DIFF: _diff}


def _setop_reply(ctx, argv, op, name):
    p = _setop_parse(ctx, argv, 1, name, op, False, False)
    result = _OPS[op](p)
    entries = sorted((s, m) for m, s in result.items())
    return _entries_reply(ctx, entries, p.withscores)


def _setop_store(ctx, argv, op, name):
    p = _setop_parse(ctx, argv, 2, name, op, True, False)
    zs = ZSetValue.from_scores(_OPS[op](p), ctx.server.config)
    return _store_result(ctx, argv[1], zs, name)


@command("zunion")
def zunion(ctx, argv):
    return _setop_reply(ctx, argv, _UNION, "zunion")


@command("zinter")
def zinter(ctx, argv):
    return _setop_reply(ctx, argv, _INTER, "zinter")


@command("zdiff")
def zdiff(ctx, argv):
    return _setop_reply(ctx, argv, _DIFF, "zdiff")


@command("zunionstore")
def zunionstore(ctx, argv):
    return _setop_store(ctx, argv, _UNION, "zunionstore")


@command("zinterstore")
def zinterstore(ctx, argv):
    return _setop_store(ctx, argv, _INTER, "zinterstore")


@command("zdiffstore")
def zdiffstore(ctx, argv):
    return _setop_store(ctx, argv, _DIFF, "zdiffstore")


@command("zintercard")
def zintercard(ctx, argv):
    p = _setop_parse(ctx, argv, 1, "zintercard", _INTER, False, True)
    return _inter(p, p.limit)
