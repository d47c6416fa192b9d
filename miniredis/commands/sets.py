"""Set commands: SADD and friends, random pops and draws, the algebra (SINTER,
SUNION, SDIFF and their STORE forms, SINTERCARD), SMOVE and SSCAN.

Owns: the semantics of Redis' "set" group, including the order in which each
command validates its arguments, looks its keys up and checks their types
(that order decides which error a client sees), its keyspace events, what it
propagates and what it adds to the dirty counter. Must not touch: the
keyspace internals (every change goes through Database methods), reply
encoding, the intset/hashtable rules themselves (:mod:`miniredis.values.setvalue`).

Reply types follow Redis 7.0: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a
count answer a Set (``~`` in RESP3), SRANDMEMBER with a count and SMISMEMBER
an array. Where Redis' order is determined -- an intset iterates in ascending
numeric order -- ours is the same; a hashtable's order is arbitrary in both.

Reads use ``db.read`` (counted as keyspace hits/misses like lookupKeyRead),
writes ``db.get`` (lookupKeyWrite). A set emptied by a write is deleted.
"""

import random
from itertools import islice

from .. import errors, events, glob, scan
from ..errors import CommandError
from ..registry import command
from ..replies import NULL, Set
from ..datatypes import parse_int, LLONG_MAX
from ..values.setvalue import SetValue, all_int, intset_limit

_EMPTY_SCAN = [b"0", []]
# SPOP with a count rebuilds the set from the members it keeps when they are
# this many times fewer than the members it pops (Redis' SPOP_MOVE_STRATEGY_MUL).
_SPOP_MOVE_STRATEGY_MUL = 5
# SRANDMEMBER copies the set and removes members when asked for more than a
# third of it (Redis' SRANDMEMBER_SUB_STRATEGY_MUL); below, it draws.
_SRANDMEMBER_SUB_STRATEGY_MUL = 3
_INTER_CHUNK = 1024   # SINTERCARD LIMIT: members tested per C-speed step


# --- lookups and change reporting --------------------------------------------------------

def _read(ctx, key):
    return ctx.db.read_typed(key, SetValue)


def _write(ctx, key):
    return ctx.db.get_typed(key, SetValue)


def _sources(ctx, keys):
    """The sets at ``keys`` (None for a missing key), every key read and type-checked
    in order, as Redis' set algebra does before computing anything."""
    read = ctx.db.read_typed
    return [read(k, SetValue) for k in keys]


def _extra_dirty(ctx, n):
    """Redis counts one change per member where a Database call counted one."""
    if n > 1:
        ctx.db.keyspace.dirty += n - 1


def _removed(ctx, key, s, n):
    """Report the removal of ``n`` members from the set ``s`` at key (deleted if emptied)."""
    if s:
        ctx.db.changed(key, n)
    else:
        ctx.db.delete(key)
        ctx.notify(events.GENERIC, "del", key)
        _extra_dirty(ctx, n)


# --- membership ---------------------------------------------------------------------------

@command("sadd")
def sadd(ctx, argv):
    key = argv[1]
    s = ctx.db.get(key)    # _write(), inline on this hot path
    if s is None:
        s = SetValue()
        added = s.add_members(argv[2:], ctx.server.config)
        ctx.db.add(key, s)
        _extra_dirty(ctx, added)
    elif type(s) is not SetValue:
        raise CommandError(errors.WRONGTYPE)
    else:
        added = s.add_members(argv[2:], ctx.server.config)
        if not added:
            return 0
        ctx.db.changed(key, added)
    ctx.notify(events.SET, "sadd", key)
    return added


@command("srem")
def srem(ctx, argv):
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        return 0
    n = s.remove_members(argv[2:])
    if n:
        ctx.notify(events.SET, "srem", key)
        _removed(ctx, key, s, n)
    return n


@command("smembers")
def smembers(ctx, argv):
    # Redis 7.0 serves SMEMBERS with SINTER of one key: a Set reply, empty when missing.
    s = _read(ctx, argv[1])
    return Set([] if s is None else s.ordered())


@command("sismember")
def sismember(ctx, argv):
    s = _read(ctx, argv[1])
    return 1 if s is not None and argv[2] in s else 0


@command("smismember")
def smismember(ctx, argv):
    s = _read(ctx, argv[1])
    if s is None:
        return [0] * (len(argv) - 2)
    return [1 if m in s else 0 for m in argv[2:]]


@command("scard")
def scard(ctx, argv):
    s = _read(ctx, argv[1])
    return 0 if s is None else len(s)


@command("smove")
def smove(ctx, argv):
    src_key, dst_key, member = argv[1], argv[2], argv[3]
    db = ctx.db
    src, dst = db.get(src_key), db.get(dst_key)
    if src is None:
        return 0   # even when the destination has the wrong type, as in Redis
    if type(src) is not SetValue or (dst is not None and type(dst) is not SetValue):
        raise CommandError(errors.WRONGTYPE)
    if src is dst:
        return 1 if member in src else 0
    if not src.remove_members((member,)):
        return 0
    ctx.notify(events.SET, "srem", src_key)
    _removed(ctx, src_key, src, 1)
    config = ctx.server.config
    if dst is None:
        dst = SetValue()
        dst.add_members((member,), config)
        db.add(dst_key, dst)
    elif dst.add_members((member,), config):
        db.changed(dst_key)
    else:
        return 1
    ctx.notify(events.SET, "sadd", dst_key)
    return 1


# --- random pops and draws ---------------------------------------------------------------

@command("spop")
def spop(ctx, argv):
    if len(argv) == 3:
        return _spop_count(ctx, argv)
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        return NULL
    member = s.pop_random()
    ctx.notify(events.SET, "spop", key)
    ctx.propagate_as([b"SREM", key, member])
    _removed(ctx, key, s, 1)
    return member


def _spop_count(ctx, argv):
    key = argv[1]
    try:
        count = parse_int(argv[2])
    except CommandError:
        raise CommandError(errors.COUNT_POSITIVE)
    if count < 0:
        raise CommandError(errors.COUNT_POSITIVE)
    s = _write(ctx, key)
    if s is None or count == 0:
        return Set([])
    size = len(s)
    ctx.notify(events.SET, "spop", key)
    if count >= size:
        # Redis answers with SUNION of the key (one more counted read) and
        # propagates a DEL.
        ctx.db.read(key)
        members = _fresh_order(s, ctx.server.config, not s.big)
        ctx.db.delete(key)
        ctx.notify(events.GENERIC, "del", key)
        ctx.propagate_as([b"DEL", key])
        return Set(members)
    remaining = size - count
    if remaining * _SPOP_MOVE_STRATEGY_MUL > count:
        popped = [s.pop_random() for _ in range(count)]
    else:
        # Most of the set goes: draw the members that stay instead, and
        # answer the others in the set's own order.
        members = s.ordered()
        kept = random.sample(members, remaining)
        keep = set(kept)
        popped = [m for m in members if m not in keep]
        s.replace_members(kept, ctx.server.config)
    if ctx.server.events.propagating:
        ctx.propagate_as(*[[b"SREM", key, m] for m in popped])
    ctx.db.changed(key, count)
    return Set(popped)


@command("srandmember")
def srandmember(ctx, argv):
    if len(argv) == 3:
        return _srandmember_count(ctx, argv)
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    s = _read(ctx, argv[1])
    return NULL if s is None else s.random_member()


def _srandmember_count(ctx, argv):
    count = parse_int(argv[2])
    if count < -LLONG_MAX:
        raise CommandError(errors.RANDOM_COUNT_RANGE)
    s = _read(ctx, argv[1])
    if s is None or count == 0:
        return []
    if count < 0:
        return s.random_members(-count)
    if count == 1:
        return [s.random_member()]
    size = len(s)
    if count >= size:
        return s.ordered()   # the whole set, in its own order
    if count * _SRANDMEMBER_SUB_STRATEGY_MUL > size:
        return random.sample(list(s), count)
    return s.random_distinct(count)


# --- set algebra ---------------------------------------------------------------------------

def _fresh_big(members, config, ints_known):
    """Whether a set built by adding ``members`` one by one would end up a hashtable."""
    return len(members) > intset_limit(config) or (
        not ints_known and not all_int(members))


def _fresh_order(members, config, ints_known):
    """``members`` in the order of a set Redis builds from them (SUNION's temporary set)."""
    if _fresh_big(members, config, ints_known):
        return list(members)
    return sorted(members, key=int)


def _inter(sets):
    """(members as a plain set, smallest set, members known to be integers).

    Python's intersection walks the smaller operand at every step, so the
    work is bounded by the smallest set, as in Redis' SINTER.
    """
    if any(s is None for s in sets):
        return set(), None, True
    sets = sorted(sets, key=len)
    smallest = sets[0]
    ints = any(not s.big for s in sets)
    return smallest.intersection(*sets[1:]), smallest, ints


def _union(sets):
    present = [s for s in sets if s is not None]
    result = SetValue()     # built in place: STORE keeps it without a copy
    set.update(result, *present)
    return result, all(not s.big for s in present)


def _diff(sets, config):
    """(members, ints known, forced hashtable): SDIFF with Redis' choice of algorithm.

    The members do not depend on the algorithm, but the encoding does: the
    second algorithm first copies the whole first set into the result, which
    converts it for good when that set is large or not all integers.
    """
    first = sets[0]
    if first is None or any(s is first for s in sets[1:]):
        return set(), True, False
    present = [s for s in sets if s is not None]
    work_one = len(first) * len(present) // 2
    work_two = sum(len(s) for s in present)
    result = first.difference(*present[1:])
    forced = work_one > work_two and _fresh_big(first, config, not first.big)
    return result, not first.big, forced


def _store(ctx, dst, members, ints_known, event, forced_big=False):
    """STORE forms: overwrite ``dst`` (any type, TTL dropped) or delete it when empty."""
    if not members:
        if ctx.db.delete(dst):
            ctx.notify(events.GENERIC, "del", dst)
        return 0
    config = ctx.server.config
    value = members if type(members) is SetValue else SetValue(members)
    value.big = forced_big or _fresh_big(value, config, ints_known)
    ctx.db.set(dst, value)
    ctx.notify(events.SET, event, dst)
    return len(value)


@command("sinter")
def sinter(ctx, argv):
    members, smallest, _ = _inter(_sources(ctx, argv[1:]))
    # Redis walks the smallest set: an intset gives ascending order.
    if smallest is None or smallest.big:
        return Set(list(members))
    return Set(sorted(members, key=int))


@command("sinterstore")
def sinterstore(ctx, argv):
    members, _, ints = _inter(_sources(ctx, argv[2:]))
    return _store(ctx, argv[1], members, ints, "sinterstore")


@command("sintercard")
def sintercard(ctx, argv):
    try:
        numkeys = parse_int(argv[1])
    except CommandError:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    if numkeys < 1:
        raise CommandError(errors.NUMKEYS_NOT_POSITIVE)
    if numkeys > len(argv) - 2:
        raise CommandError(errors.NUMKEYS_TOO_MANY)
    limit = _limit_option(argv, 2 + numkeys)
    sets = _sources(ctx, argv[2:2 + numkeys])
    if any(s is None for s in sets):
        return 0
    sets.sort(key=len)
    if not limit or limit >= len(sets[0]):
        return min(len(sets[0].intersection(*sets[1:])), limit or LLONG_MAX)
    return _count_upto(sets[0], sets[1:], limit)


def _limit_option(argv, i):
    limit = 0
    n = len(argv)
    while i < n:
        if argv[i].lower() == b"limit" and i + 1 < n:
            i += 1
            try:
                limit = parse_int(argv[i])
            except CommandError:
                raise CommandError(errors.LIMIT_NEGATIVE)
            if limit < 0:
                raise CommandError(errors.LIMIT_NEGATIVE)
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    return limit


def _count_upto(smallest, others, limit):
    """Members of ``smallest`` in every other set, counting stops at ``limit``.

    Chunks keep the membership tests at C speed while stopping early, as
    Redis stops once the limit is reached.
    """
    found = 0
    it = iter(smallest)
    while found < limit:
        chunk = set(islice(it, _INTER_CHUNK))
        if not chunk:
            break
        found += len(chunk.intersection(*others))
    return min(found, limit)


@command("sunion")
def sunion(ctx, argv):
    members, ints = _union(_sources(ctx, argv[1:]))
    return Set(_fresh_order(members, ctx.server.config, ints))


@command("sunionstore")
def sunionstore(ctx, argv):
    members, ints = _union(_sources(ctx, argv[2:]))
    return _store(ctx, argv[1], members, ints, "sunionstore")


@command("sdiff")
def sdiff(ctx, argv):
    config = ctx.server.config
    members, ints, forced = _diff(_sources(ctx, argv[1:]), config)
    if forced:
        return Set(list(members))
    return Set(_fresh_order(members, config, ints))


@command("sdiffstore")
def sdiffstore(ctx, argv):
    members, ints, forced = _diff(_sources(ctx, argv[2:]), ctx.server.config)
    return _store(ctx, argv[1], members, ints, "sdiffstore", forced)


# --- SSCAN ---------------------------------------------------------------------------------

@command("sscan")
def sscan(ctx, argv):
    cursor = scan.parse_cursor(argv[2])
    s = _read(ctx, argv[1])
    if s is None:
        return _EMPTY_SCAN   # options are not even parsed, as in Redis
    pattern, count, _ = scan.parse_options(argv, 3, allow_type=False)
    if s.big:
        cursor, members = scan.page(s, cursor, count)
    else:
        # An intset is returned whole in one call, whatever the cursor, as Redis does.
        cursor, members = 0, s.ordered()
    if pattern is not None:
        match = glob.compile_pattern(pattern)
        members = [m for m in members if match(m)]
    return [b"%d" % cursor, members]
