"""Stream commands: XADD, XRANGE, XREAD, consumer groups (XGROUP, XREADGROUP, XACK,
XPENDING, XCLAIM, XAUTOCLAIM), XINFO, XTRIM, XDEL, XLEN, XSETID.

Owns: the semantics of Redis 7.0's "stream" group -- argument parsing and the
order of checks (which decides the error a client sees), ID rules, keyspace
events, what is propagated (by effect, as Redis: XADD with the generated ID
and the trimming it really did, XREADGROUP as XCLAIM / XGROUP SETID, XCLAIM
and XAUTOCLAIM as one XCLAIM per entry), blocking reads, reply shapes.
Must not touch: the value's storage internals beyond its methods
(:mod:`miniredis.values.streamvalue`), reply encoding, the keyspace internals.

Blocking XREAD / XREADGROUP use the engine's ``ctx.block``: on a wake-up the
command runs again with the same argv (``ctx.blocked`` is then the Waiter).
As Redis 7.0 serves a woken stream reader from the one key that was
signalled, the retry only looks at ``ctx.blocked.ready`` and serves it when
the stream's last ID passed the ID the client waits after. ``$`` must mean
"after the last ID when the client blocked": before blocking, the ``$`` in
argv is replaced by that ID (the Waiter keeps this argv list; XREAD is never
propagated, so nothing else sees the change).
"""

from .. import errors, events
from ..blocking import parse_timeout
from ..datatypes import parse_int
from ..errors import CommandError
from ..registry import command, container, subcommand
from ..replies import NULL, NULL_ARRAY, OK, Error, Map, Simple
from ..values.streamvalue import (
    INVALID, MAX_ID, NACK, SEQ_MASK, Group, StreamValue, format_id, make_id)

U64 = (1 << 64) - 1
XREAD_BLOCKED_DEFAULT_COUNT = 1000

_SPACES = b" \t\n\v\f\r"


# --- IDs ----------------------------------------------------------------------------------

def _u64(b):
    """Redis' string2ull: a canonical int64 that is not negative, else strtoull's rules."""
    if not b:
        return None
    if b == b"0" or (b[:1] in b"123456789" and b.isdigit()):
        v = int(b)
        return v if v <= U64 else None
    if b[:1] == b"-" and b[1:2] in b"123456789" and b[1:].isdigit() and len(b) > 1:
        if int(b) >= -(1 << 63):
            return None       # a valid negative long long: refused
    s = b.lstrip(_SPACES)
    neg = s[:1] == b"-"
    if s[:1] in (b"-", b"+"):
        s = s[1:]
    if not s or not s.isdigit() or not s.isascii():
        return None
    v = int(s)
    if v > U64:
        return None
    return (-v) & U64 if neg else v


def parse_id(arg, missing_seq=0, strict=False, allow_auto_seq=False):
    """A stream ID (Redis' streamGenericParseIDOrReply): returns (id, seq_given)."""
    b = bytes(arg).split(b"\0", 1)[0] if len(arg) < 128 else None
    if b is None:
        raise CommandError(errors.STREAM_INVALID_ID)
    if b == b"-" or b == b"+":
        if strict:
            raise CommandError(errors.STREAM_INVALID_ID)
        return (0 if b == b"-" else MAX_ID), True
    ms_part, dash, seq_part = b.partition(b"-")
    ms = _u64(ms_part)
    if ms is None:
        raise CommandError(errors.STREAM_INVALID_ID)
    if not dash:
        return make_id(ms, missing_seq), True
    if allow_auto_seq and seq_part == b"*":
        return make_id(ms, 0), False
    seq = _u64(seq_part)
    if seq is None:
        raise CommandError(errors.STREAM_INVALID_ID)
    return make_id(ms, seq), True


def strict_id(arg, missing_seq=0):
    return parse_id(arg, missing_seq, strict=True)[0]


def interval_id(arg, missing_seq, start):
    """A range bound, with the exclusive ``(`` form turned into an inclusive ID."""
    if len(arg) > 1 and arg[:1] == b"(":
        i = strict_id(arg[1:], missing_seq)
        if start:
            if i == MAX_ID:
                raise CommandError(errors.STREAM_INVALID_START)
            return i + 1
        if i == 0:
            raise CommandError(errors.STREAM_INVALID_END)
        return i - 1
    return parse_id(arg, missing_seq)[0]


def _entry(eid, fv):
    return [format_id(eid), list(fv)]


# --- lookups ------------------------------------------------------------------------------

def _read(ctx, key):
    return ctx.db.read_typed(key, StreamValue)


def _write(ctx, key):
    return ctx.db.get_typed(key, StreamValue)


def _now(ctx):
    return ctx.server.keyspace.clock()


def _nogroup_key(key, group):
    return errors.STREAM_NOGROUP_FMT % (errors.sanitize(key), errors.sanitize(group))


def _create_consumer(ctx, key, group, name):
    """Look up a consumer (refreshing its seen time) or create it, as Redis' SLC_DEFAULT."""
    now = _now(ctx)
    c, created = group.consumer(name, now)
    if created:
        ctx.notify(events.STREAM, "xgroup-createconsumer", key)
    else:
        c.seen_time = now
    return c, created


# --- XADD / XTRIM options -----------------------------------------------------------------

class TrimArgs(object):
    __slots__ = ("maxlen", "minid", "approx", "limit", "arg_idx", "nomkstream", "id",
                 "seq_given", "id_idx")

    def __init__(self):
        self.maxlen = self.minid = None
        self.approx = False
        self.limit = 0
        self.arg_idx = None     # index in argv of the threshold (MAXLEN/MINID value)
        self.nomkstream = False
        self.id = None          # None: "*"
        self.seq_given = True
        self.id_idx = None


def _parse_trim(ctx, argv, xadd):
    """XADD / XTRIM options as Redis' streamParseAddOrTrimArgsOrReply; (args, next index)."""
    a = TrimArgs()
    limit_given = False
    i = 2
    n = len(argv)
    while i < n:
        more = n - 1 - i
        opt = argv[i].lower()
        if xadd and argv[i] == b"*":
            break
        if opt in (b"maxlen", b"minid") and more:
            if a.maxlen is not None or a.minid is not None:
                raise CommandError(errors.STREAM_MAXLEN_AND_MINID)
            a.approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                a.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if opt == b"maxlen":
                v = parse_int(argv[i + 1])
                if v < 0:
                    raise CommandError(errors.STREAM_MAXLEN_NEGATIVE)
                a.maxlen = v
            else:
                a.minid = strict_id(argv[i + 1])
            i += 1
            a.arg_idx = i
        elif opt == b"limit" and more:
            v = parse_int(argv[i + 1])
            if v < 0:
                raise CommandError(errors.STREAM_LIMIT_NEGATIVE)
            a.limit = v
            limit_given = True
            i += 1
        elif xadd and opt == b"nomkstream":
            a.nomkstream = True
        elif xadd:
            a.id, a.seq_given = parse_id(argv[i], strict=True, allow_auto_seq=True)
            a.id_idx = i
            break
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    strategy = a.maxlen is not None or a.minid is not None
    if a.limit and not strategy:
        raise CommandError(errors.STREAM_LIMIT_NO_STRATEGY)
    if not xadd and not strategy:
        raise CommandError(errors.STREAM_XTRIM_NO_STRATEGY)
    if ctx.sock is None:
        # The AOF loader (Redis' mustObeyClient): what was logged is replayed as
        # written, "= n LIMIT l" included, without a work limit.
        a.limit = 0
    elif limit_given:
        if not a.approx:
            raise CommandError(errors.STREAM_LIMIT_NO_APPROX)
    elif a.approx:
        per_node = ctx.server.config.stream_node_max_entries
        a.limit = 100 * per_node
        if a.limit <= 0 or a.limit > 1000000:
            a.limit = 10000
    else:
        a.limit = 0
    return a, i


def _trim(ctx, key, s, a, argv):
    """Trim as asked; the argv to propagate (approximate trims are written out exactly)."""
    removed = s.trim(a.maxlen, a.minid, a.approx, a.limit)
    if removed:
        ctx.notify(events.STREAM, "xtrim", key)
    if a.approx:
        argv = list(argv)
        argv[a.arg_idx - 1] = b"="
        if a.maxlen is not None:
            argv[a.arg_idx] = b"%d" % len(s)
        else:
            first = s.first_entry()
            argv[a.arg_idx] = format_id(first[0] if first else MAX_ID)
    return removed, argv


def _new_id(ctx, s, a):
    """The ID XADD appends with (explicit, ``ms-*`` or ``*``), or an error."""
    last = s.last_id
    if a.id is None:
        ms = ctx.server.keyspace.clock()
        last_ms = last >> 64
        if ms > last_ms:
            return make_id(ms, 0)
        # The clock went backwards (or did not move): keep counting after the last ID.
        return last + 1
    if not a.seq_given:
        ms = a.id >> 64
        last_ms = last >> 64
        if ms == last_ms:
            if last & SEQ_MASK == SEQ_MASK:
                # Redis fails here without naming the cause (errno is not EDOM).
                raise CommandError(errors.STREAM_ELEMENTS_TOO_LARGE)
            return last + 1
        if ms > last_ms:
            return a.id
        raise CommandError(errors.STREAM_ID_SMALL)
    if a.id <= last:
        raise CommandError(errors.STREAM_ID_SMALL)
    return a.id


@command("xadd")
def xadd(ctx, argv):
    a, pos = _parse_trim(ctx, argv, True)
    nfields = len(argv) - pos - 1
    if nfields < 2 or nfields % 2:
        raise CommandError(errors.wrong_arity("xadd"))
    if a.id is not None and a.seq_given and a.id == 0:
        raise CommandError(errors.STREAM_ID_ZERO)
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        if a.nomkstream:
            return NULL
        s = StreamValue()
        ctx.db.add(key, s)
    if s.last_id == MAX_ID:
        raise CommandError(errors.STREAM_EXHAUSTED)
    eid = _new_id(ctx, s, a)
    s.append(eid, list(argv[pos + 1:]), ctx.server.config)
    ctx.notify(events.STREAM, "xadd", key)
    prop = argv
    if a.maxlen is not None or a.minid is not None:
        _, prop = _trim(ctx, key, s, a, argv)
    if a.id is None or not a.seq_given:
        prop = list(prop)
        prop[pos] = format_id(eid)
    ctx.db.changed(key)
    ctx.propagate_as(prop)
    return format_id(eid)


@command("xtrim")
def xtrim(ctx, argv):
    a, _ = _parse_trim(ctx, argv, False)
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        return 0
    removed, prop = _trim(ctx, key, s, a, argv)
    if removed:
        _touched(ctx, key, removed)
        ctx.propagate_as(prop)
    return removed


@command("xdel")
def xdel(ctx, argv):
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        return 0
    ids = [strict_id(a) for a in argv[2:]]
    deleted = sum(1 for i in ids if s.delete(i))
    if deleted:
        ctx.notify(events.STREAM, "xdel", key)
        _touched(ctx, key, deleted)
    return deleted


@command("xlen")
def xlen(ctx, argv):
    s = _read(ctx, argv[1])
    return 0 if s is None else len(s)


def _count_opts(argv, start):
    count = -1
    j = start
    while j < len(argv):
        if argv[j].lower() == b"count" and j + 1 < len(argv):
            count = max(parse_int(argv[j + 1]), 0)
            j += 2
        else:
            raise CommandError(errors.SYNTAX)
    return count


def _range(ctx, argv, rev):
    start_arg, end_arg = (argv[3], argv[2]) if rev else (argv[2], argv[3])
    lo = interval_id(start_arg, 0, True)
    hi = interval_id(end_arg, U64, False)
    count = _count_opts(argv, 4)
    s = _read(ctx, argv[1])
    if s is None:
        return []
    if count == 0:
        return NULL_ARRAY
    return [_entry(i, fv) for i, fv in s.range(lo, hi, max(count, 0), rev)]


@command("xrange")
def xrange(ctx, argv):
    return _range(ctx, argv, False)


@command("xrevrange")
def xrevrange(ctx, argv):
    return _range(ctx, argv, True)


@command("xsetid")
def xsetid(ctx, argv):
    eid = strict_id(argv[2])
    added = -1
    max_del = 0
    i = 3
    while i < len(argv):
        more = len(argv) - 1 - i
        opt = argv[i].lower()
        if opt == b"entriesadded" and more:
            added = parse_int(argv[i + 1])
            if added < 0:
                raise CommandError(errors.XSETID_ENTRIES_ADDED)
        elif opt == b"maxdeletedid" and more:
            max_del = strict_id(argv[i + 1])
            if eid < max_del:
                raise CommandError(errors.XSETID_SMALLER_THAN_MAXDEL_ARG)
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    key = argv[1]
    s = _write(ctx, key)
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    if len(s):
        if eid < s.last_entry()[0]:
            raise CommandError(errors.XSETID_SMALLER_THAN_TOP)
        if added != -1 and len(s) > added:
            raise CommandError(errors.XSETID_ADDED_SMALL)
    s.last_id = eid
    if added != -1:
        s.entries_added = added
    if max_del:
        s.max_deleted = max_del
    ctx.notify(events.STREAM, "xsetid", key)
    _touched(ctx, key)
    return OK


# --- XREAD / XREADGROUP -------------------------------------------------------------------

class ReadArgs(object):
    __slots__ = ("timeout", "count", "noack", "group", "consumer", "keys", "id_args")


def _parse_read(ctx, argv, group_cmd):
    r = ReadArgs()
    r.timeout = None
    r.count = 0
    r.noack = False
    r.group = r.consumer = None
    streams = 0
    i, n = 1, len(argv)
    while i < n:
        more = n - i - 1
        o = argv[i].lower()
        if o == b"block" and more:
            if _in_script(ctx):
                raise CommandError(errors.XREAD_BLOCK_IN_SCRIPT_FMT % errors.sanitize(argv[0]))
            i += 1
            r.timeout = parse_timeout(argv[i], unit_ms=True)
        elif o == b"count" and more:
            i += 1
            r.count = max(parse_int(argv[i]), 0)
        elif o == b"streams" and more:
            streams = i + 1
            if (n - streams) % 2:
                raise CommandError(errors.XREAD_UNBALANCED)
            break
        elif o == b"group" and more >= 2:
            if not group_cmd:
                raise CommandError(errors.XREAD_GROUP_ONLY)
            r.group, r.consumer = argv[i + 1], argv[i + 2]
            i += 2
        elif o == b"noack":
            if not group_cmd:
                raise CommandError(errors.XREAD_NOACK_ONLY)
            r.noack = True
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    if not streams:
        raise CommandError(errors.SYNTAX)
    if group_cmd and r.group is None:
        raise CommandError(errors.XREADGROUP_MISSING_GROUP)
    half = (n - streams) // 2
    r.keys = argv[streams:streams + half]
    r.id_args = list(range(streams + half, n))
    return r


def _resolve_ids(ctx, argv, r):
    """(key, stream, group, after-ID or None for ">") per stream, checking as Redis does."""
    out = []
    for key, idx in zip(r.keys, r.id_args):
        s = _read(ctx, key)
        group = None
        if r.group is not None:
            group = s.groups.get(r.group) if s is not None else None
            if group is None:
                raise CommandError(errors.XREADGROUP_NOGROUP_FMT % (
                    errors.sanitize(key), errors.sanitize(r.group)))
        arg = argv[idx]
        if arg == b"$":
            if r.group is not None:
                raise CommandError(errors.XREADGROUP_DOLLAR)
            gt = s.last_id if s is not None else 0
        elif arg == b">":
            if r.group is None:
                raise CommandError(errors.XREAD_GT_ONLY)
            gt = None
        else:
            gt = strict_id(arg)
        out.append((key, s, group, gt))
    return out


def _serve_group(ctx, key, s, group, consumer, start, count, noack, props):
    """New entries for a consumer (``>``): PEL bookkeeping and what to propagate."""
    now = _now(ctx)
    out = []
    moved = False
    for eid, fv in s.range(start, MAX_ID, count):
        if eid > group.last_id:
            s.delivered(group, eid)
            if noack:
                moved = True
        if not noack:
            nack = group.pel.get(eid)
            if nack is None:
                nack = NACK(consumer, now)
                group.pel[eid] = nack
            else:
                del nack.consumer.pel[eid]
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
            consumer.pel[eid] = nack
            props.append(_xclaim_prop(key, group, eid, nack))
        out.append(_entry(eid, fv))
    if moved:
        props.append(_setid_prop(key, group))
    return out


def _serve_history(ctx, s, consumer, start, count):
    """A consumer's own pending entries from ``start`` (IDs it was given, not acked)."""
    now = _now(ctx)
    out = []
    for eid in consumer.pel.irange(start, MAX_ID):
        if count and len(out) >= count:
            break
        fv = s.entries.get(eid)
        if fv is None:
            out.append([format_id(eid), NULL_ARRAY])
        else:
            nack = consumer.pel[eid]
            nack.delivery_time = now
            nack.delivery_count += 1
            out.append(_entry(eid, fv))
    return out


def _xclaim_prop(key, group, eid, nack):
    return [b"XCLAIM", key, group.name, nack.consumer.name, b"0", format_id(eid),
            b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count,
            b"FORCE", b"JUSTID", b"LASTID", format_id(group.last_id)]


def _setid_prop(key, group):
    er = -1 if group.entries_read is INVALID else group.entries_read
    return [b"XGROUP", b"SETID", key, group.name, format_id(group.last_id),
            b"ENTRIESREAD", b"%d" % er]


def _read_reply(ctx, served):
    if ctx.proto > 2:
        return Map(served)
    return [[k, v] for k, v in served]


def _xread(ctx, argv, group_cmd):
    r = _parse_read(ctx, argv, group_cmd)
    w = ctx.blocked
    if w is not None:
        return _retry(ctx, argv, r, w)
    targets = _resolve_ids(ctx, argv, r)
    served, props = [], []
    for key, _, group, gt in targets:
        items = _serve_now(ctx, r, key, group, gt, props)
        if items is not None:
            served.append((key, items))
    if group_cmd:
        # Never propagated itself: only its effects (props), possibly none.
        ctx.propagate_as(*props)
    if served:
        return _read_reply(ctx, served)
    if r.timeout is None:
        return NULL_ARRAY
    if not ctx.deny_blocking:
        # "$" means "after the last ID now": the retries must not see a later one.
        for (key, s, group, gt), idx in zip(targets, r.id_args):
            if argv[idx] == b"$":
                argv[idx] = format_id(gt)
        if group_cmd:
            _watch_deletions(ctx.server.keyspace)
    return ctx.block(list(r.keys), r.timeout, NULL_ARRAY)


def _serve_now(ctx, r, key, group, gt, props):
    """The entries XREAD / XREADGROUP answers at once for one key, or None (nothing)."""
    # Redis looks every key up a second time here (keyspace hits/misses count twice).
    s = _read(ctx, key)
    if s is None:
        return None
    last = s.last_entry()[0] if len(s) else None
    history = group is not None and gt is not None
    if group is not None and gt is None:
        if last is None or last <= group.last_id:
            return None
        gt = group.last_id
    elif group is None and (last is None or last <= gt):
        return None
    start = gt + 1 if gt < MAX_ID else gt
    if group is None:
        return [_entry(i, fv) for i, fv in s.range(start, MAX_ID, r.count)]
    # Redis 7.0 makes the consumer only when it serves it something.
    consumer, created = _create_consumer(ctx, key, group, r.consumer)
    if created and r.noack:
        props.append([b"XGROUP", b"CREATECONSUMER", key, group.name, r.consumer])
    _touched(ctx, key)
    if history:
        return _serve_history(ctx, s, consumer, start, r.count)
    return _serve_group(ctx, key, s, group, consumer, start, r.count, r.noack, props)


def _watch_deletions(ks):
    """Make a deleted or overwritten key wake its waiters (Redis 7.0's
    signalDeletedKeyAsReady): an XREADGROUP waiter then answers -UNBLOCKED.

    The keyspace signals waiters when a key is written, not when it is
    deleted; this change hook, present only while someone is blocked on a
    key, adds that. Other waiters run again, find nothing and keep waiting.
    """
    if _signal_deleted not in ks.on_change:
        ks.on_change.append(_signal_deleted)


def _signal_deleted(db, key):
    ks = db.keyspace
    if not ks.blocked_keys:
        # A new list, not remove(): Keyspace.key_changed is iterating the old one.
        ks.on_change = [h for h in ks.on_change if h is not _signal_deleted]
        return
    if type(db.data.get(key)) is not StreamValue:
        ks.signal(db.index, key)


def _touched(ctx, key, dirty=1):
    """A change that must not wake blocked readers (Redis signals a stream key as
    ready only for XADD and XGROUP DESTROY): dirty counter and WATCH only."""
    db = ctx.db
    ks = db.keyspace
    ks.dirty += dirty
    if ks.on_change:
        ks.key_changed(db, key)


def _retry(ctx, argv, r, w):
    """A blocked reader woken by a change of ``w.ready``: serve that key or keep waiting."""
    key = w.ready
    block = lambda: ctx.block(list(r.keys), r.timeout, NULL_ARRAY)  # noqa: E731
    if key not in r.keys:
        return block()
    idx = r.id_args[r.keys.index(key)]
    s = ctx.db.get(key)
    if type(s) is not StreamValue:
        if r.group is not None:
            return Error(errors.XREADGROUP_KEY_GONE)
        return block()
    count = r.count or XREAD_BLOCKED_DEFAULT_COUNT
    group = None
    if r.group is not None:
        group = s.groups.get(r.group)
        if group is None:
            return Error(errors.XREADGROUP_GROUP_GONE)
        gt = group.last_id
    else:
        gt = strict_id(argv[idx]) if argv[idx] != b"$" else s.last_id
    if not s.last_id > gt:
        return block()
    start = gt + 1
    if group is None:
        items = [_entry(i, fv) for i, fv in s.range(start, MAX_ID, count)]
    else:
        props = []
        consumer, created = _create_consumer(ctx, key, group, r.consumer)
        items = _serve_group(ctx, key, s, group, consumer, start, count, r.noack, props)
        ctx.propagate_as(*props)
    return _read_reply(ctx, [(key, items)])


def _in_script(ctx):
    """Whether ctx runs a script's command (Redis refuses BLOCK there, even in MULTI)."""
    s = getattr(ctx.server, "scripting", None)
    return s is not None and s.current is not None and ctx.deny_blocking


@command("xread")
def xread(ctx, argv):
    return _xread(ctx, argv, False)


@command("xreadgroup")
def xreadgroup(ctx, argv):
    return _xread(ctx, argv, True)


# --- XGROUP -------------------------------------------------------------------------------

container("xgroup")


def _entries_read_arg(arg):
    v = parse_int(arg)
    if v < 0 and v != -1:
        raise CommandError(errors.XGROUP_ENTRIESREAD)
    return v


def _xgroup_target(ctx, argv, sub, mkstream=False):
    """(stream or None, group or None) with the checks every subcommand shares."""
    key, name = argv[2], argv[3]
    s = _write(ctx, key)
    if s is None and not (sub == "create" and mkstream):
        raise CommandError(errors.XGROUP_NEEDS_KEY)
    g = s.groups.get(name) if s is not None else None
    if g is None and sub in ("setid", "createconsumer", "delconsumer"):
        raise CommandError(errors.XGROUP_NOGROUP_FMT % (
            errors.sanitize(name), errors.sanitize(key)))
    return s, g


def _subcommand_syntax(argv):
    return CommandError(errors.unknown_subcommand_or_arity(argv[1], "XGROUP"))


@subcommand("xgroup", "createconsumer")
def xgroup_createconsumer(ctx, argv):
    s, g = _xgroup_target(ctx, argv, "createconsumer")
    c, created = g.consumer(argv[4], _now(ctx))
    if not created:
        return 0
    ctx.notify(events.STREAM, "xgroup-createconsumer", argv[2])
    _touched(ctx, argv[2])
    return 1


@subcommand("xgroup", "create")
def xgroup_create(ctx, argv):
    mkstream = False
    entries_read = -1
    i = 5
    while i < len(argv):
        o = argv[i].lower()
        if o == b"mkstream":
            mkstream = True
            i += 1
        elif o == b"entriesread" and i + 1 < len(argv):
            entries_read = _entries_read_arg(argv[i + 1])
            i += 2
        else:
            raise _subcommand_syntax(argv)
    s, g = _xgroup_target(ctx, argv, "create", mkstream)
    if len(argv) > 8:
        raise _subcommand_syntax(argv)
    key, name = argv[2], argv[3]
    if argv[4] == b"$":
        gid = s.last_id if s is not None else 0
    else:
        gid = strict_id(argv[4])
    if s is None:
        s = StreamValue()
        ctx.db.add(key, s)
    if g is not None:
        raise CommandError(errors.XGROUP_BUSYGROUP)
    s.groups[name] = Group(name, gid, INVALID if entries_read == -1 else entries_read)
    ctx.notify(events.STREAM, "xgroup-create", key)
    _touched(ctx, key)
    return OK


@subcommand("xgroup", "delconsumer")
def xgroup_delconsumer(ctx, argv):
    s, g = _xgroup_target(ctx, argv, "delconsumer")
    c = g.consumers.get(argv[4])
    if c is None:
        return 0
    pending = len(c.pel)
    for eid in c.pel:
        del g.pel[eid]
    del g.consumers[argv[4]]
    ctx.notify(events.STREAM, "xgroup-delconsumer", argv[2])
    _touched(ctx, argv[2])
    return pending


@subcommand("xgroup", "destroy")
def xgroup_destroy(ctx, argv):
    s, g = _xgroup_target(ctx, argv, "destroy")
    if g is None:
        return 0
    del s.groups[g.name]
    ctx.notify(events.STREAM, "xgroup-destroy", argv[2])
    # Wakes XREADGROUP clients blocked on the group: they answer -NOGROUP.
    ctx.db.changed(argv[2])
    return 1


@subcommand("xgroup", "setid")
def xgroup_setid(ctx, argv):
    entries_read = -1
    if len(argv) == 7:
        if argv[5].lower() != b"entriesread":
            raise _subcommand_syntax(argv)
        entries_read = _entries_read_arg(argv[6])
    elif len(argv) != 5:
        raise _subcommand_syntax(argv)
    s, g = _xgroup_target(ctx, argv, "setid")
    g.last_id = s.last_id if argv[4] == b"$" else parse_id(argv[4])[0]
    g.entries_read = INVALID if entries_read == -1 else entries_read
    ctx.notify(events.STREAM, "xgroup-setid", argv[2])
    _touched(ctx, argv[2])
    return OK


_XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
]


@subcommand("xgroup", "help")
def xgroup_help(ctx, argv):
    return [Simple(line) for line in _XGROUP_HELP]


# --- XACK / XPENDING / XCLAIM / XAUTOCLAIM ------------------------------------------------

def _group_for_claim(ctx, key, name):
    s = _read(ctx, key)
    g = s.groups.get(name) if s is not None else None
    return s, g


@command("xack")
def xack(ctx, argv):
    s, g = _group_for_claim(ctx, argv[1], argv[2])
    if g is None:
        return 0
    ids = [strict_id(a) for a in argv[3:]]
    acked = 0
    for i in ids:
        nack = g.pel.pop(i, None)
        if nack is not None:
            del nack.consumer.pel[i]
            acked += 1
    if acked:
        _touched(ctx, argv[1], acked)
    return acked


@command("xpending")
def xpending(ctx, argv):
    n = len(argv)
    if n != 3 and not 6 <= n <= 9:
        raise CommandError(errors.SYNTAX)
    minidle = 0
    consumer_name = None
    if n >= 6:
        si = 3
        if argv[3].lower() == b"idle":
            minidle = parse_int(argv[4])
            if n < 8:
                raise CommandError(errors.SYNTAX)
            si += 2
        count = max(parse_int(argv[si + 2]), 0)
        lo = interval_id(argv[si], 0, True)
        hi = interval_id(argv[si + 1], U64, False)
        if si + 3 < n:
            consumer_name = argv[si + 3]
    key, name = argv[1], argv[2]
    s, g = _group_for_claim(ctx, key, name)
    if g is None:
        raise CommandError(_nogroup_key(key, name))
    if n == 3:
        if not g.pel:
            return [0, NULL, NULL, NULL_ARRAY]
        owners = [[c.name, b"%d" % len(c.pel)] for c in _sorted(g.consumers) if c.pel]
        return [len(g.pel), format_id(g.pel.peekitem(0)[0]), format_id(g.pel.peekitem(-1)[0]),
                owners]
    pel = g.pel
    if consumer_name is not None:
        c = g.consumers.get(consumer_name)
        if c is None:
            return []
        pel = c.pel
    now = _now(ctx)
    out = []
    if not count:
        return out
    for eid in pel.irange(lo, hi):
        nack = pel[eid]
        if minidle and now - nack.delivery_time < minidle:
            continue
        out.append([format_id(eid), nack.consumer.name, max(now - nack.delivery_time, 0),
                    nack.delivery_count])
        if len(out) >= count:
            break
    return out


def _sorted(d):
    return [d[k] for k in sorted(d)]


def _claim_one(ctx, key, g, eid, consumer_holder, name, when, retry, justid, s):
    """Give the pending entry eid to the consumer; its reply element."""
    nack = g.pel[eid]
    consumer = consumer_holder[0]
    if consumer is None:
        consumer = consumer_holder[0] = _create_consumer(ctx, key, g, name)[0]
    if nack.consumer is not consumer:
        if nack.consumer is not None:
            del nack.consumer.pel[eid]
    nack.delivery_time = when
    if retry >= 0:
        nack.delivery_count = retry
    elif not justid:
        nack.delivery_count += 1
    if nack.consumer is not consumer:
        consumer.pel[eid] = nack
        nack.consumer = consumer
    return nack


def _drop_nack(g, eid):
    nack = g.pel.pop(eid)
    if nack.consumer is not None:
        nack.consumer.pel.pop(eid, None)
    return nack


@command("xclaim")
def xclaim(ctx, argv):
    key, name = argv[1], argv[2]
    s, g = _group_for_claim(ctx, key, name)
    if g is None:
        raise CommandError(_nogroup_key(key, name))
    minidle = max(parse_int(argv[4], errors.XCLAIM_MINIDLE), 0)
    ids = []
    j = 5
    while j < len(argv):
        try:
            ids.append(strict_id(argv[j]))
        except CommandError:
            break
        j += 1
    now = _now(ctx)
    retry, when, force, justid, last = -1, -1, False, False, 0
    while j < len(argv):
        more = len(argv) - 1 - j
        o = argv[j].lower()
        if o == b"force":
            force = True
        elif o == b"justid":
            justid = True
        elif o == b"idle" and more:
            j += 1
            when = now - parse_int(argv[j], errors.XCLAIM_IDLE)
        elif o == b"time" and more:
            j += 1
            when = parse_int(argv[j], errors.XCLAIM_TIME)
        elif o == b"retrycount" and more:
            j += 1
            retry = parse_int(argv[j], errors.XCLAIM_RETRYCOUNT)
        elif o == b"lastid" and more:
            j += 1
            last = strict_id(argv[j])
        else:
            raise CommandError(errors.XCLAIM_UNKNOWN_FMT % errors.sanitize(argv[j]))
        j += 1
    setid = False
    if last > g.last_id:
        g.last_id = last
        setid = True
    if when == -1 or when < 0 or when > now:
        when = now
    holder = [None]
    out, props = [], []
    for idx, eid in enumerate(ids):
        nack = g.pel.get(eid)
        if eid not in s.entries:
            if nack is not None:
                p = _xclaim_prop(key, g, eid, nack)
                p[5] = argv[5 + idx]
                props.append(p)
                _drop_nack(g, eid)
                setid = False
            continue
        if force and nack is None:
            nack = g.pel[eid] = NACK(None, now)
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        nack = _claim_one(ctx, key, g, eid, holder, argv[3], when, retry, justid, s)
        out.append(format_id(eid) if justid else _entry(eid, s.entries[eid]))
        p = _xclaim_prop(key, g, eid, nack)
        p[5] = argv[5 + idx]
        props.append(p)
        setid = False
    if setid:
        props.append(_setid_prop(key, g))
    if props:
        _touched(ctx, key)
    ctx.propagate_as(*props)
    return out


@command("xautoclaim")
def xautoclaim(ctx, argv):
    key, name = argv[1], argv[2]
    minidle = max(parse_int(argv[4], errors.XAUTOCLAIM_MINIDLE), 0)
    start = interval_id(argv[5], 0, True)
    count = 100
    justid = False
    j = 6
    while j < len(argv):
        more = len(argv) - 1 - j
        o = argv[j].lower()
        if o == b"count" and more:
            try:
                count = parse_int(argv[j + 1], errors.XAUTOCLAIM_COUNT)
            except CommandError:
                raise CommandError(errors.XAUTOCLAIM_COUNT)
            if not 1 <= count <= (2 ** 63 - 1) // 16:
                raise CommandError(errors.XAUTOCLAIM_COUNT)
            j += 1
        elif o == b"justid":
            justid = True
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    s, g = _group_for_claim(ctx, key, name)
    if g is None:
        raise CommandError(_nogroup_key(key, name))
    attempts = count * 10
    now = _now(ctx)
    holder = [None]
    out, deleted, props = [], [], []
    keys = g.pel.irange(start, MAX_ID)
    nxt = 0
    for eid in keys:
        if not attempts or not count:
            nxt = eid
            break
        attempts -= 1
        if eid not in s.entries:
            props.append(_xclaim_prop(key, g, eid, g.pel[eid]))
            deleted.append(format_id(eid))
            count -= 1
            continue
        nack = g.pel[eid]
        if minidle and now - nack.delivery_time < minidle:
            continue
        nack = _claim_one(ctx, key, g, eid, holder, argv[3], now, -1, justid, s)
        out.append(format_id(eid) if justid else _entry(eid, s.entries[eid]))
        props.append(_xclaim_prop(key, g, eid, nack))
        count -= 1
    for d in deleted:
        _drop_nack(g, parse_id(d)[0])
    if props:
        _touched(ctx, key)
    ctx.propagate_as(*props)
    return [format_id(nxt), out, deleted]


# --- XINFO --------------------------------------------------------------------------------

container("xinfo")


def _info_stream_target(ctx, key):
    s = _read(ctx, key)
    if s is None:
        raise CommandError(errors.NO_SUCH_KEY)
    return s


@subcommand("xinfo", "consumers")
def xinfo_consumers(ctx, argv):
    key, name = argv[2], argv[3]
    s = _info_stream_target(ctx, key)
    g = s.groups.get(name)
    if g is None:
        raise CommandError(errors.XGROUP_NOGROUP_FMT % (
            errors.sanitize(name), errors.sanitize(key)))
    now = _now(ctx)
    return [Map([(b"name", c.name), (b"pending", len(c.pel)),
                 (b"idle", max(now - c.seen_time, 0))]) for c in _sorted(g.consumers)]


def _entries_read_reply(g):
    return NULL if g.entries_read is INVALID else g.entries_read


def _lag_reply(s, g):
    lag = s.lag(g)
    return NULL if lag is None else lag


@subcommand("xinfo", "groups")
def xinfo_groups(ctx, argv):
    s = _info_stream_target(ctx, argv[2])
    return [Map([(b"name", g.name), (b"consumers", len(g.consumers)), (b"pending", len(g.pel)),
                 (b"last-delivered-id", format_id(g.last_id)),
                 (b"entries-read", _entries_read_reply(g)), (b"lag", _lag_reply(s, g))])
            for g in _sorted(s.groups)]


@subcommand("xinfo", "stream")
def xinfo_stream(ctx, argv):
    s = _info_stream_target(ctx, argv[2])
    opts = argv[3:]
    full = True
    count = 10
    if not opts:
        full = False
    elif opts[0].lower() == b"full":
        if len(opts) == 1:
            pass
        elif len(opts) == 3 and opts[1].lower() == b"count":
            count = parse_int(opts[2])
            if count < 0:
                count = 10
        else:
            raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "XINFO"))
    else:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "XINFO"))
    head = [(b"length", len(s)), (b"radix-tree-keys", len(s.nodes)),
            (b"radix-tree-nodes", s.rax_nodes()),
            (b"last-generated-id", format_id(s.last_id)),
            (b"max-deleted-entry-id", format_id(s.max_deleted)),
            (b"entries-added", s.entries_added),
            (b"recorded-first-entry-id", format_id(s.first_id))]
    if not full:
        first, last = s.first_entry(), s.last_entry()
        return Map(head + [(b"groups", len(s.groups)),
                           (b"first-entry", _entry(*first) if first else NULL),
                           (b"last-entry", _entry(*last) if last else NULL)])
    entries = [_entry(i, fv) for i, fv in s.range(0, MAX_ID, count)]
    return Map(head + [(b"entries", entries),
                       (b"groups", [_full_group(s, g, count) for g in _sorted(s.groups)])])


def _full_group(s, g, count):
    pending = []
    for eid, nack in g.pel.items():
        if count and len(pending) >= count:
            break
        pending.append([format_id(eid), nack.consumer.name, nack.delivery_time,
                        nack.delivery_count])
    consumers = []
    for c in _sorted(g.consumers):
        cp = []
        for eid, nack in c.pel.items():
            if count and len(cp) >= count:
                break
            cp.append([format_id(eid), nack.delivery_time, nack.delivery_count])
        consumers.append(Map([(b"name", c.name), (b"seen-time", c.seen_time),
                              (b"pel-count", len(c.pel)), (b"pending", cp)]))
    return Map([(b"name", g.name), (b"last-delivered-id", format_id(g.last_id)),
                (b"entries-read", _entries_read_reply(g)), (b"lag", _lag_reply(s, g)),
                (b"pel-count", len(g.pel)), (b"pending", pending), (b"consumers", consumers)])


_XINFO_HELP = [
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
]


@subcommand("xinfo", "help")
def xinfo_help(ctx, argv):
    return [Simple(line) for line in _XINFO_HELP]


# --- AOF rewrite --------------------------------------------------------------------------

def rewrite_commands(key, s):
    """The commands that recreate stream ``s`` at ``key`` (Redis' rewriteStreamObject):
    XADD per entry (or the ``XADD MAXLEN 0 0-1 x y`` trick for an empty stream),
    XSETID with the counters, then per group XGROUP CREATE ... ENTRIESREAD, an
    XCLAIM ... TIME RETRYCOUNT JUSTID FORCE per pending entry of each consumer and
    XGROUP CREATECONSUMER for consumers without any. For persistence/aof.py."""
    if len(s):
        for eid, fv in s.entries.items():
            yield [b"XADD", key, format_id(eid)] + list(fv)
    else:
        yield [b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]
    yield [b"XSETID", key, format_id(s.last_id), b"ENTRIESADDED", b"%d" % s.entries_added,
           b"MAXDELETEDID", format_id(s.max_deleted)]
    for g in _sorted(s.groups):
        er = -1 if g.entries_read is INVALID else g.entries_read
        yield [b"XGROUP", b"CREATE", key, g.name, format_id(g.last_id), b"ENTRIESREAD", b"%d" % er]
        for c in _sorted(g.consumers):
            if not c.pel:
                yield [b"XGROUP", b"CREATECONSUMER", key, g.name, c.name]
            for eid, nack in c.pel.items():
                yield [b"XCLAIM", key, g.name, c.name, b"0", format_id(eid), b"TIME",
                       b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count,
                       b"JUSTID", b"FORCE"]
