"""List commands: pushes, pops, ranges, edits, moves and the blocking pops.

Owns: the semantics of Redis 7.0's "list" group -- argument parsing in
Redis' order (which decides the error a client sees), the keyspace events
each command emits, what the blocking commands propagate when they serve,
and when they block.
Must not touch: the keyspace internals (every change goes through Database
methods), reply encoding, the waiting queues (miniredis/blocking.py).

"left" is the head of the list (Redis' LIST_HEAD), "right" the tail; the
helpers take ``left`` as a bool. Empty lists are never kept: a command that
empties one deletes the key and emits "del" after its own event, as Redis'
listElementsRemoved does.

Blocking commands try to serve, and otherwise ``return ctx.block(...)``;
the engine runs the same function again when a key they wait on changes
(``ctx.blocked`` is then set). On such a wake-up a source key holding
another type is passed over instead of answering WRONGTYPE: Redis only
serves waiters from keys of their own type and leaves them blocked.
"""

from itertools import islice

from .. import errors, events
from ..blocking import parse_timeout, serving_order, source as blocking_source
from ..datatypes import LLONG_MIN, parse_int
from ..errors import CommandError
from ..registry import command
from ..replies import NULL, NULL_ARRAY, OK
from ..values.listvalue import ListValue

_POP_EVENT = {True: "lpop", False: "rpop"}
_PUSH_EVENT = {True: "lpush", False: "rpush"}
_POP_NAME = {True: b"LPOP", False: b"RPOP"}
_SIDE_NAME = {True: b"left", False: b"right"}


# --- argument helpers -----------------------------------------------------------------

def _side(arg):
    """LEFT -> True (head), RIGHT -> False (tail); anything else is a syntax error."""
    a = arg.lower()
    if a == b"left":
        return True
    if a == b"right":
        return False
    raise CommandError(errors.SYNTAX)


def _at_least(arg, low, message):
    """An integer >= low; ``message`` for both a bad number and one too small
    (Redis' getRangeLongFromObjectOrReply with a message)."""
    v = parse_int(arg, message)
    if v < low:
        raise CommandError(message)
    return v


def _index(i, n):
    """A LINDEX/LSET index made absolute, or None when outside the list."""
    if i < 0:
        i += n
    return i if 0 <= i < n else None


# --- lookups and the bookkeeping after a removal -----------------------------------------

def _read(ctx, key):
    return ctx.db.read_typed(key, ListValue)


def _write(ctx, key):
    return ctx.db.get_typed(key, ListValue)


def _source(ctx, key):
    """A blocking command's source list, or None (see blocking.source)."""
    return blocking_source(ctx, key, ListValue)


def _removed(ctx, key, lst, left, n=1):
    """After popping ``n`` elements from ``lst``: the pop event, and "del" when it is
    now empty. Redis counts each element popped as a change (server.dirty)."""
    ctx.notify(events.LIST, _POP_EVENT[left], key)
    if lst:
        ctx.db.changed(key, n)
    else:
        ctx.db.delete(key, n)
        ctx.notify(events.GENERIC, "del", key)


def _push_into(ctx, key, lst, elements, left):
    """Push onto ``lst`` (None: create the list at key); returns the list.
    Each element pushed counts as a change, as in Redis."""
    if lst is None:
        lst = ListValue()
        _extend(lst, elements, left)
        ctx.db.add(key, lst, len(elements))
    else:
        _extend(lst, elements, left)
        ctx.db.changed(key, len(elements))
    ctx.notify(events.LIST, _PUSH_EVENT[left], key)
    return lst


def _extend(lst, elements, left):
    # extendleft pushes one by one, so LPUSH k a b c leaves c b a, as Redis.
    if left:
        lst.extendleft(elements)
    else:
        lst.extend(elements)


# --- pushes -------------------------------------------------------------------------------

def _push(ctx, argv, left, only_existing):
    key = argv[1]
    lst = ctx.db.get(key)    # _write(), inline on this hot path
    if lst is None:
        if only_existing:
            return 0
    elif type(lst) is not ListValue:
        raise CommandError(errors.WRONGTYPE)
    return len(_push_into(ctx, key, lst, argv[2:], left))


@command("lpush")
def lpush(ctx, argv):
    return _push(ctx, argv, True, False)


@command("rpush")
def rpush(ctx, argv):
    return _push(ctx, argv, False, False)


@command("lpushx")
def lpushx(ctx, argv):
    return _push(ctx, argv, True, True)


@command("rpushx")
def rpushx(ctx, argv):
    return _push(ctx, argv, False, True)


# --- pops ---------------------------------------------------------------------------------

def _pop(ctx, argv, left, name):
    if len(argv) > 3:
        raise CommandError(errors.wrong_arity(name))
    # The count is parsed before the key is looked up.
    count = _at_least(argv[2], 0, errors.COUNT_POSITIVE) if len(argv) == 3 else None
    key = argv[1]
    lst = ctx.db.get(key)    # _write(), inline on this hot path
    if lst is None:
        return NULL if count is None else NULL_ARRAY
    if type(lst) is not ListValue:
        raise CommandError(errors.WRONGTYPE)
    if count is None:
        value = lst.popleft() if left else lst.pop()
    elif count == 0:
        return []
    else:
        value = lst.pop_many(count, left)
    _removed(ctx, key, lst, left, 1 if count is None else len(value))
    return value


@command("lpop")
def lpop(ctx, argv):
    return _pop(ctx, argv, True, "lpop")


@command("rpop")
def rpop(ctx, argv):
    return _pop(ctx, argv, False, "rpop")


# --- reads --------------------------------------------------------------------------------

@command("llen")
def llen(ctx, argv):
    lst = _read(ctx, argv[1])
    return 0 if lst is None else len(lst)


@command("lindex")
def lindex(ctx, argv):
    # The key is looked up before the index is parsed: a missing key answers
    # null even for a malformed index.
    lst = _read(ctx, argv[1])
    if lst is None:
        return NULL
    i = _index(parse_int(argv[2]), len(lst))
    return NULL if i is None else lst[i]


def _span(start, stop, n):
    """Redis' LRANGE/LTRIM normalisation: (start, stop) inside the list, or None if empty."""
    if start < 0:
        start += n
    if stop < 0:
        stop += n
    if start < 0:
        start = 0
    if start > stop or start >= n:
        return None
    return start, min(stop, n - 1)


@command("lrange")
def lrange(ctx, argv):
    start = parse_int(argv[2])
    stop = parse_int(argv[3])
    lst = _read(ctx, argv[1])
    if lst is None:
        return []
    span = _span(start, stop, len(lst))
    return [] if span is None else lst.range(*span)


def _lpos_options(argv):
    """(rank, count or None, maxlen) from LPOS options, with Redis' errors and order."""
    rank, count, maxlen = 1, None, 0
    i, n = 3, len(argv)
    while i < n:
        opt = argv[i].lower()
        if i + 1 >= n:
            raise CommandError(errors.SYNTAX)
        arg = argv[i + 1]
        if opt == b"rank":
            rank = parse_int(arg)
            if rank == 0:
                raise CommandError(errors.LPOS_RANK_ZERO)
        elif opt == b"count":
            count = _at_least(arg, 0, errors.LPOS_COUNT_NEGATIVE)
        elif opt == b"maxlen":
            maxlen = _at_least(arg, 0, errors.LPOS_MAXLEN_NEGATIVE)
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return rank, count, maxlen


@command("lpos")
def lpos(ctx, argv):
    rank, count, maxlen = _lpos_options(argv)
    from_tail = rank < 0
    if rank == LLONG_MIN:
        # Redis negates the rank in a C long: it stays LLONG_MIN, so every
        # match qualifies and COUNT's stop test (which overflows) never fires.
        rank = 1
        count = None if count is None else 0
    elif from_tail:
        rank = -rank
    lst = _read(ctx, argv[1])
    if lst is None:
        return NULL if count is None else []
    found = islice(lst.positions(argv[2], from_tail, maxlen), rank - 1, None)
    if count is None:
        return next(found, NULL)
    return list(islice(found, count) if count else found)


# --- edits --------------------------------------------------------------------------------

@command("lset")
def lset(ctx, argv):
    key = argv[1]
    lst = _write(ctx, key)
    if lst is None:
        raise CommandError(errors.NO_SUCH_KEY)
    i = _index(parse_int(argv[2]), len(lst))
    if i is None:
        raise CommandError(errors.OUT_OF_RANGE)
    lst[i] = argv[3]
    ctx.db.changed(key)
    ctx.notify(events.LIST, "lset", key)
    return OK


_INSERT_OFFSET = {b"before": 0, b"after": 1}


@command("linsert")
def linsert(ctx, argv):
    offset = _INSERT_OFFSET.get(argv[2].lower())
    if offset is None:
        raise CommandError(errors.SYNTAX)
    key = argv[1]
    lst = _write(ctx, key)
    if lst is None:
        return 0
    try:
        i = lst.index(argv[3])
    except ValueError:
        return -1
    lst.insert(i + offset, argv[4])
    ctx.db.changed(key)
    ctx.notify(events.LIST, "linsert", key)
    return len(lst)


@command("lrem")
def lrem(ctx, argv):
    count = parse_int(argv[2])
    key = argv[1]
    lst = _write(ctx, key)
    if lst is None:
        return 0
    # A negative count removes from the tail; LLONG_MIN simply means "all".
    removed = lst.remove_matching(argv[3], abs(count), count < 0)
    if removed:
        ctx.notify(events.LIST, "lrem", key)
        if lst:
            ctx.db.changed(key)
        else:
            ctx.db.delete(key)
            ctx.notify(events.GENERIC, "del", key)
    return removed


@command("ltrim")
def ltrim(ctx, argv):
    start = parse_int(argv[2])
    stop = parse_int(argv[3])
    key = argv[1]
    lst = _write(ctx, key)
    if lst is None:
        return OK
    n = len(lst)
    span = _span(start, stop, n)
    left, right = (n, 0) if span is None else (span[0], n - 1 - span[1])
    lst.trim(left, right)
    ctx.notify(events.LIST, "ltrim", key)
    if not lst:
        ctx.db.delete(key)
        ctx.notify(events.GENERIC, "del", key)
        return OK
    # Redis signals the key modified (WATCH sees it) even when nothing was
    # trimmed, but then it does not count a change nor propagate the command.
    ctx.db.changed(key)
    if not (left or right):
        ctx.propagate_as()
    return OK


# --- moves --------------------------------------------------------------------------------

def _move(ctx, src, dst, from_left, to_left):
    """Pop from src, push onto dst; the element, or NULL when src is missing.

    The destination's type is checked before anything is popped. The events
    follow Redis: the push on dst, then the pop on src (and its "del").
    """
    source = _write(ctx, src)
    if source is None:
        return NULL
    dest = _write(ctx, dst)
    value = source.popleft() if from_left else source.pop()
    _push_into(ctx, dst, dest, (value,), to_left)
    _removed(ctx, src, source, from_left, 0)   # a move is one change in Redis
    return value


@command("lmove")
def lmove(ctx, argv):
    from_left = _side(argv[3])
    to_left = _side(argv[4])
    return _move(ctx, argv[1], argv[2], from_left, to_left)


@command("rpoplpush")
def rpoplpush(ctx, argv):
    return _move(ctx, argv[1], argv[2], False, True)


# --- LMPOP ----------------------------------------------------------------------------------

def _mpop_args(argv, numkeys_at):
    """(keys, left, count) of LMPOP/BLMPOP, validated in Redis' order."""
    numkeys = _at_least(argv[numkeys_at], 1, errors.NUMKEYS_NOT_POSITIVE)
    side_at = numkeys_at + numkeys + 1
    if side_at >= len(argv):
        raise CommandError(errors.SYNTAX)
    left = _side(argv[side_at])
    count = None
    i = side_at + 1
    while i < len(argv):
        if count is None and argv[i].lower() == b"count" and i + 1 < len(argv):
            count = _at_least(argv[i + 1], 1, errors.COUNT_NOT_POSITIVE)
            i += 2
        else:
            raise CommandError(errors.SYNTAX)
    return argv[numkeys_at + 1:side_at], left, count or 1


def _mpop(ctx, keys, left, count, lookup):
    """Pop up to count elements from the first non-empty list: [key, [elements]], or None.

    Propagated as LPOP/RPOP key <number popped>, as Redis does for both LMPOP and BLMPOP.
    """
    for key in serving_order(ctx, keys):
        lst = lookup(ctx, key)
        if lst:
            items = lst.pop_many(count, left)
            _removed(ctx, key, lst, left, len(items))
            ctx.propagate_as([_POP_NAME[left], key, b"%d" % len(items)])
            return [key, items]
    return None


@command("lmpop")
def lmpop(ctx, argv):
    keys, left, count = _mpop_args(argv, 1)
    reply = _mpop(ctx, keys, left, count, _write)
    return NULL_ARRAY if reply is None else reply


# --- blocking -------------------------------------------------------------------------------

def _bpop(ctx, argv, left):
    timeout = parse_timeout(argv[-1])
    keys = argv[1:-1]
    for key in serving_order(ctx, keys):
        lst = _source(ctx, key)
        if lst:
            value = lst.popleft() if left else lst.pop()
            _removed(ctx, key, lst, left)
            ctx.propagate_as([_POP_NAME[left], key])
            return [key, value]
    return ctx.block(keys, timeout, NULL_ARRAY)


@command("blpop")
def blpop(ctx, argv):
    return _bpop(ctx, argv, True)


@command("brpop")
def brpop(ctx, argv):
    return _bpop(ctx, argv, False)


@command("blmpop")
def blmpop(ctx, argv):
    # BLMPOP validates its other arguments before the timeout.
    keys, left, count = _mpop_args(argv, 2)
    timeout = parse_timeout(argv[1])
    reply = _mpop(ctx, keys, left, count, _source)
    if reply is None:
        return ctx.block(keys, timeout, NULL_ARRAY)
    return reply


def _bmove(ctx, argv, from_left, to_left, timeout, as_argv):
    src, dst = argv[1], argv[2]
    if _source(ctx, src) is None:
        # Unable to block (MULTI, scripts): a null bulk, unlike a timeout's null array.
        if ctx.deny_blocking:
            return NULL
        return ctx.block([src], timeout, NULL_ARRAY)
    value = _move(ctx, src, dst, from_left, to_left)
    ctx.propagate_as(as_argv)
    return value


@command("blmove")
def blmove(ctx, argv):
    from_left = _side(argv[3])
    to_left = _side(argv[4])
    timeout = parse_timeout(argv[5])
    # Served at once it propagates as LMOVE with the sides as written; on a
    # wake-up Redis writes them itself, in lower case.
    sides = argv[3:5] if ctx.blocked is None else [_SIDE_NAME[from_left], _SIDE_NAME[to_left]]
    return _bmove(ctx, argv, from_left, to_left, timeout, [b"LMOVE", argv[1], argv[2]] + sides)


@command("brpoplpush")
def brpoplpush(ctx, argv):
    timeout = parse_timeout(argv[3])
    return _bmove(ctx, argv, False, True, timeout, [b"RPOPLPUSH", argv[1], argv[2]])
