"""Command methods of the container types: lists, hashes, sets, sorted sets, SORT.

Owns: each command's arguments (Python -> request) and the parser of its
reply, with redis-py's method names, arguments and (default, RESP2-style)
result shapes, so code written for redis-py's sync client works unchanged.
The same result comes back whatever the connection's protocol: the parsers
in :mod:`.parsers` fold RESP3 maps, sets, doubles and nested score pairs into
the RESP2 shapes redis-py returns.
Must not touch: sockets, the pool, the string/key/server commands
(:mod:`.commands`, whose ``CoreCommands`` mixes these classes in).

Every argument is a bulk string (:func:`.encoding.arg`): typed values are a
strings-group extension only.
"""

from . import parsers as P
from .encoding import arg
from .exceptions import DataError


def _names(keys, more=()):
    """One name or an iterable of names, plus extra positional ones (redis-py's list_or_args)."""
    if isinstance(keys, (bytes, str, int, float)):
        out = [arg(keys)]
    else:
        out = [arg(k) for k in keys]
    out.extend(arg(k) for k in more)
    return out


def _timeout(t):
    """A blocking timeout in seconds; None means wait forever (0), as redis-py."""
    return arg(0 if t is None else t)


def _limit(argv, start, num, what="start`` and ``num"):
    """LIMIT start num, both given or neither."""
    if (start is None) != (num is None):
        raise DataError("``%s`` must both be specified" % what)
    if start is not None:
        argv += [b"LIMIT", arg(start), arg(num)]
    return argv


def _scan_iter(client, method, name, **options):
    """An iterator over every element of a SCAN-family walk (the cursor is kept here)."""
    from .client import Pipeline   # here: client.py imports this module
    if isinstance(client, Pipeline):
        raise DataError("scan iterators need a Client, not a Pipeline")
    return _walk(method, name, options)


def _walk(method, name, options):
    cursor = None
    while cursor != 0:
        cursor, data = method(name, cursor=cursor or 0, **options)
        yield from (data.items() if isinstance(data, dict) else data)


class ListCommands(object):
    def _push(self, cmd, name, values):
        return self._command([cmd, arg(name)] + [arg(v) for v in values])

    def lpush(self, name, *values):
        return self._push(b"LPUSH", name, values)

    def rpush(self, name, *values):
        return self._push(b"RPUSH", name, values)

    def lpushx(self, name, *values):
        return self._push(b"LPUSHX", name, values)

    def rpushx(self, name, *values):
        return self._push(b"RPUSHX", name, values)

    def lpop(self, name, count=None):
        """One element (or None); with count a list (None for a missing key)."""
        tail = [] if count is None else [arg(count)]
        return self._command([b"LPOP", arg(name)] + tail)

    def rpop(self, name, count=None):
        tail = [] if count is None else [arg(count)]
        return self._command([b"RPOP", arg(name)] + tail)

    def llen(self, name):
        return self._command([b"LLEN", arg(name)])

    def lrange(self, name, start, end):
        return self._command([b"LRANGE", arg(name), arg(start), arg(end)])

    def lindex(self, name, index):
        return self._command([b"LINDEX", arg(name), arg(index)])

    def lset(self, name, index, value):
        return self._command([b"LSET", arg(name), arg(index), arg(value)], P.true)

    def linsert(self, name, where, refvalue, value):
        """LINSERT BEFORE|AFTER: the new length, -1 without refvalue, 0 without the list."""
        return self._command([b"LINSERT", arg(name), arg(where), arg(refvalue), arg(value)])

    def lrem(self, name, count, value):
        return self._command([b"LREM", arg(name), arg(count), arg(value)])

    def ltrim(self, name, start, end):
        return self._command([b"LTRIM", arg(name), arg(start), arg(end)], P.true)

    def lpos(self, name, value, rank=None, count=None, maxlen=None):
        """An index or None; with count a list of indexes."""
        argv = [b"LPOS", arg(name), arg(value)]
        for opt, v in ((b"RANK", rank), (b"COUNT", count), (b"MAXLEN", maxlen)):
            if v is not None:
                argv += [opt, arg(v)]
        return self._command(argv)

    def lmove(self, first_list, second_list, src="LEFT", dest="RIGHT"):
        return self._command([b"LMOVE", arg(first_list), arg(second_list), arg(src), arg(dest)])

    def rpoplpush(self, src, dst):
        return self._command([b"RPOPLPUSH", arg(src), arg(dst)])

    def lmpop(self, num_keys, *args, direction, count=1):
        """[key, [elements]] from the first non-empty list, or None."""
        argv = [b"LMPOP", arg(num_keys)] + [arg(k) for k in args] + [arg(direction)]
        if count != 1:
            argv += [b"COUNT", arg(count)]
        return self._command(argv)

    def blpop(self, keys, timeout=0):
        """(key, element) from the first non-empty list, waiting up to timeout; else None."""
        return self._command([b"BLPOP"] + _names(keys) + [_timeout(timeout)], P.tuple_or_none)

    def brpop(self, keys, timeout=0):
        return self._command([b"BRPOP"] + _names(keys) + [_timeout(timeout)], P.tuple_or_none)

    def blmove(self, first_list, second_list, timeout, src="LEFT", dest="RIGHT"):
        return self._command([b"BLMOVE", arg(first_list), arg(second_list), arg(src), arg(dest),
                              _timeout(timeout)])

    def brpoplpush(self, src, dst, timeout=0):
        return self._command([b"BRPOPLPUSH", arg(src), arg(dst), _timeout(timeout)])

    def blmpop(self, timeout, numkeys, *args, direction, count=1):
        return self._command([b"BLMPOP", _timeout(timeout), arg(numkeys)]
                             + [arg(k) for k in args]
                             + [arg(direction), b"COUNT", arg(count)])


class HashCommands(object):
    def hset(self, name, key=None, value=None, mapping=None, items=None):
        """HSET field value, and/or every pair of mapping (and of the flat items list)."""
        if key is None and not mapping and not items:
            raise DataError("'hset' with no key value pairs")
        argv = [b"HSET", arg(name)] + [arg(x) for x in items or ()]
        if key is not None:
            argv += [arg(key), arg(value)]
        for k, v in (mapping or {}).items():
            argv += [arg(k), arg(v)]
        return self._command(argv)

    def hsetnx(self, name, key, value):
        """1 when the field was set, 0 when it existed (an int, as redis-py)."""
        return self._command([b"HSETNX", arg(name), arg(key), arg(value)])

    def hmset(self, name, mapping):
        """HMSET (deprecated in Redis, use hset(mapping=...)): True."""
        if not mapping:
            raise DataError("'hmset' with 'mapping' of length 0")
        argv = [b"HMSET", arg(name)]
        for k, v in mapping.items():
            argv += [arg(k), arg(v)]
        return self._command(argv, P.true)

    def hget(self, name, key):
        return self._command([b"HGET", arg(name), arg(key)])

    def hmget(self, name, keys, *args):
        return self._command([b"HMGET", arg(name)] + _names(keys, args))

    def hdel(self, name, *keys):
        return self._command([b"HDEL", arg(name)] + [arg(k) for k in keys])

    def hexists(self, name, key):
        return self._command([b"HEXISTS", arg(name), arg(key)], P.boolean)

    def hlen(self, name):
        return self._command([b"HLEN", arg(name)])

    def hstrlen(self, name, key):
        return self._command([b"HSTRLEN", arg(name), arg(key)])

    def hkeys(self, name):
        return self._command([b"HKEYS", arg(name)])

    def hvals(self, name):
        return self._command([b"HVALS", arg(name)])

    def hgetall(self, name):
        """{field: value} ({} for a missing key)."""
        return self._command([b"HGETALL", arg(name)], P.pairs)

    def hincrby(self, name, key, amount=1):
        return self._command([b"HINCRBY", arg(name), arg(key), arg(amount)])

    def hincrbyfloat(self, name, key, amount=1.0):
        """The new value as a float."""
        return self._command([b"HINCRBYFLOAT", arg(name), arg(key), arg(amount)], P.to_float)

    def hrandfield(self, key, count=None, withvalues=False):
        """A field (or None); with count a list; with withvalues a flat [field, value, ...]."""
        argv = [b"HRANDFIELD", arg(key)]
        if count is not None:
            argv.append(arg(count))
        if withvalues:
            argv.append(b"WITHVALUES")
            return self._command(argv, P.flat_pairs)
        return self._command(argv)

    def hscan(self, name, cursor=0, match=None, count=None, no_values=None):
        """(next cursor, {field: value}); with no_values (Redis 7.4+) a list of fields."""
        argv = [b"HSCAN", arg(name), arg(cursor)]
        if match is not None:
            argv += [b"MATCH", arg(match)]
        if count is not None:
            argv += [b"COUNT", arg(count)]
        if no_values:
            argv.append(b"NOVALUES")
            return self._command(argv, P.scan)
        return self._command(argv, P.hscan)

    def hscan_iter(self, name, match=None, count=None, no_values=None):
        """Every (field, value) pair (fields only with no_values), through HSCAN."""
        return _scan_iter(self, self.hscan, name, match=match, count=count, no_values=no_values)


class SetCommands(object):
    def sadd(self, name, *values):
        return self._command([b"SADD", arg(name)] + [arg(v) for v in values])

    def srem(self, name, *values):
        return self._command([b"SREM", arg(name)] + [arg(v) for v in values])

    def smembers(self, name):
        """The members as a Python set."""
        return self._command([b"SMEMBERS", arg(name)], P.as_set)

    def sismember(self, name, value):
        return self._command([b"SISMEMBER", arg(name), arg(value)], P.boolean)

    def smismember(self, name, values, *args):
        """One bool per value, in order."""
        return self._command([b"SMISMEMBER", arg(name)] + _names(values, args), P.booleans)

    def scard(self, name):
        return self._command([b"SCARD", arg(name)])

    def spop(self, name, count=None):
        """A random member removed (or None); with count a list of them."""
        tail = [] if count is None else [arg(count)]
        return self._command([b"SPOP", arg(name)] + tail)

    def srandmember(self, name, number=None):
        """A random member (or None); with number a list (repeats when negative)."""
        tail = [] if number is None else [arg(number)]
        return self._command([b"SRANDMEMBER", arg(name)] + tail)

    def smove(self, src, dst, value):
        return self._command([b"SMOVE", arg(src), arg(dst), arg(value)], P.boolean)

    def sinter(self, keys, *args):
        return self._command([b"SINTER"] + _names(keys, args), P.as_set)

    def sunion(self, keys, *args):
        return self._command([b"SUNION"] + _names(keys, args), P.as_set)

    def sdiff(self, keys, *args):
        return self._command([b"SDIFF"] + _names(keys, args), P.as_set)

    def sinterstore(self, dest, keys, *args):
        return self._command([b"SINTERSTORE", arg(dest)] + _names(keys, args))

    def sunionstore(self, dest, keys, *args):
        return self._command([b"SUNIONSTORE", arg(dest)] + _names(keys, args))

    def sdiffstore(self, dest, keys, *args):
        return self._command([b"SDIFFSTORE", arg(dest)] + _names(keys, args))

    def sintercard(self, numkeys, keys, limit=0):
        return self._command([b"SINTERCARD", arg(numkeys)] + _names(keys)
                             + [b"LIMIT", arg(limit)])

    def sscan(self, name, cursor=0, match=None, count=None):
        """(next cursor, [members])."""
        argv = [b"SSCAN", arg(name), arg(cursor)]
        if match is not None:
            argv += [b"MATCH", arg(match)]
        if count is not None:
            argv += [b"COUNT", arg(count)]
        return self._command(argv, P.scan)

    def sscan_iter(self, name, match=None, count=None):
        return _scan_iter(self, self.sscan, name, match=match, count=count)


class SortedSetCommands(object):
    def zadd(self, name, mapping, nx=False, xx=False, ch=False, incr=False, gt=False,
             lt=False):
        """ZADD {member: score}: the count added (changed with ch); with incr the new score."""
        if not mapping:
            raise DataError("ZADD requires at least one element/score pair")
        if (nx and xx) or (gt and lt) or (nx and (gt or lt)):
            raise DataError("ZADD allows only one of nx, xx and only one of nx, gt, lt")
        if incr and len(mapping) != 1:
            raise DataError("ZADD option 'incr' only works with a single element/score pair")
        argv = [b"ZADD", arg(name)]
        for flag, on in ((b"NX", nx), (b"XX", xx), (b"CH", ch), (b"INCR", incr),
                         (b"GT", gt), (b"LT", lt)):
            if on:
                argv.append(flag)
        for member, score in mapping.items():
            argv += [arg(score), arg(member)]
        return self._command(argv, P.to_float if incr else None)

    def zincrby(self, name, amount, value):
        return self._command([b"ZINCRBY", arg(name), arg(amount), arg(value)], P.to_float)

    def zrem(self, name, *values):
        return self._command([b"ZREM", arg(name)] + [arg(v) for v in values])

    def zcard(self, name):
        return self._command([b"ZCARD", arg(name)])

    def zcount(self, name, min, max):
        return self._command([b"ZCOUNT", arg(name), arg(min), arg(max)])

    def zlexcount(self, name, min, max):
        return self._command([b"ZLEXCOUNT", arg(name), arg(min), arg(max)])

    def zscore(self, name, value):
        """The score as a float, or None."""
        return self._command([b"ZSCORE", arg(name), arg(value)], P.to_float)

    def zmscore(self, key, members):
        """A float or None per member."""
        if not members:
            raise DataError("ZMSCORE members must be a non-empty list")
        return self._command([b"ZMSCORE", arg(key)] + [arg(m) for m in members], P.floats)

    def _zrank(self, cmd, name, value, withscore, score_cast_func):
        argv = [cmd, arg(name), arg(value)]
        if withscore:   # Redis 7.2+
            argv.append(b"WITHSCORE")
            return self._command(argv, P.rank_with_score(score_cast_func))
        return self._command(argv)

    def zrank(self, name, value, withscore=False, score_cast_func=float):
        return self._zrank(b"ZRANK", name, value, withscore, score_cast_func)

    def zrevrank(self, name, value, withscore=False, score_cast_func=float):
        return self._zrank(b"ZREVRANK", name, value, withscore, score_cast_func)

    # --- ranges ----------------------------------------------------------------
    def _zrange_argv(self, cmd, dest, name, start, end, desc, byscore, bylex, withscores,
                     offset, num):
        if byscore and bylex:
            raise DataError("``byscore`` and ``bylex`` can not be specified together.")
        if bylex and withscores:
            raise DataError("``withscores`` not supported in combination with ``bylex``.")
        argv = [cmd] + ([arg(dest)] if dest is not None else []) + [
            arg(name), arg(start), arg(end)]
        for flag, on in ((b"BYSCORE", byscore), (b"BYLEX", bylex), (b"REV", desc)):
            if on:
                argv.append(flag)
        _limit(argv, offset, num, "offset`` and ``num")
        if withscores:
            argv.append(b"WITHSCORES")
        return argv

    def zrange(self, name, start, end, desc=False, withscores=False, score_cast_func=float,
               byscore=False, bylex=False, offset=None, num=None):
        """Members by rank (or byscore/bylex); withscores: [(member, score), ...]."""
        argv = self._zrange_argv(b"ZRANGE", None, name, start, end, desc, byscore, bylex,
                                 withscores, offset, num)
        return self._command(argv, P.scored(score_cast_func) if withscores else None)

    def zrangestore(self, dest, name, start, end, byscore=False, bylex=False, desc=False,
                    offset=None, num=None):
        argv = self._zrange_argv(b"ZRANGESTORE", dest, name, start, end, desc, byscore, bylex,
                                 False, offset, num)
        return self._command(argv)

    def zrevrange(self, name, start, end, withscores=False, score_cast_func=float):
        argv = [b"ZREVRANGE", arg(name), arg(start), arg(end)]
        return self._with_scores(argv, withscores, score_cast_func)

    def _with_scores(self, argv, withscores, score_cast_func):
        if withscores:
            argv.append(b"WITHSCORES")
            return self._command(argv, P.scored(score_cast_func))
        return self._command(argv)

    def zrangebyscore(self, name, min, max, start=None, num=None, withscores=False,
                      score_cast_func=float):
        argv = _limit([b"ZRANGEBYSCORE", arg(name), arg(min), arg(max)], start, num)
        return self._with_scores(argv, withscores, score_cast_func)

    def zrevrangebyscore(self, name, max, min, start=None, num=None, withscores=False,
                         score_cast_func=float):
        argv = _limit([b"ZREVRANGEBYSCORE", arg(name), arg(max), arg(min)], start, num)
        return self._with_scores(argv, withscores, score_cast_func)

    def zrangebylex(self, name, min, max, start=None, num=None):
        return self._command(_limit([b"ZRANGEBYLEX", arg(name), arg(min), arg(max)], start, num))

    def zrevrangebylex(self, name, max, min, start=None, num=None):
        return self._command(_limit([b"ZREVRANGEBYLEX", arg(name), arg(max), arg(min)],
                                    start, num))

    def zremrangebyrank(self, name, min, max):
        return self._command([b"ZREMRANGEBYRANK", arg(name), arg(min), arg(max)])

    def zremrangebyscore(self, name, min, max):
        return self._command([b"ZREMRANGEBYSCORE", arg(name), arg(min), arg(max)])

    def zremrangebylex(self, name, min, max):
        return self._command([b"ZREMRANGEBYLEX", arg(name), arg(min), arg(max)])

    # --- pops ----------------------------------------------------------------------
    def zpopmin(self, name, count=None):
        """[(member, score), ...] ([] for a missing key)."""
        tail = [] if count is None else [arg(count)]
        return self._command([b"ZPOPMIN", arg(name)] + tail, P.scored())

    def zpopmax(self, name, count=None):
        tail = [] if count is None else [arg(count)]
        return self._command([b"ZPOPMAX", arg(name)] + tail, P.scored())

    def bzpopmin(self, keys, timeout=0):
        """(key, member, score) from the first non-empty sorted set, or None on timeout."""
        return self._command([b"BZPOPMIN"] + _names(keys) + [_timeout(timeout)], P.bzpop)

    def bzpopmax(self, keys, timeout=0):
        return self._command([b"BZPOPMAX"] + _names(keys) + [_timeout(timeout)], P.bzpop)

    @staticmethod
    def _min_or_max(min, max):
        if bool(min) == bool(max):
            raise DataError("Either min or max, but not both must be set")
        return b"MIN" if min else b"MAX"

    def zmpop(self, num_keys, keys, min=False, max=False, count=1):
        """[key, [[member, score text], ...]] (scores as text, as redis-py), or None."""
        argv = [b"ZMPOP", arg(num_keys)] + _names(keys) + [self._min_or_max(min, max)]
        if count != 1:
            argv += [b"COUNT", arg(count)]
        return self._command(argv, P.zmpop)

    def bzmpop(self, timeout, numkeys, keys, min=False, max=False, count=1):
        argv = [b"BZMPOP", _timeout(timeout), arg(numkeys)] + _names(keys) + [
            self._min_or_max(min, max), b"COUNT", arg(count)]
        return self._command(argv, P.zmpop)

    # --- several sorted sets ---------------------------------------------------------
    def _zaggregate(self, cmd, dest, keys, aggregate=None, withscores=False,
                    score_cast_func=float):
        """numkeys key... [WEIGHTS w...] [AGGREGATE a]: keys a list, or {key: weight}."""
        argv = [cmd] + ([arg(dest)] if dest is not None else []) + [arg(len(keys))]
        argv += [arg(k) for k in keys]
        if isinstance(keys, dict):
            argv += [b"WEIGHTS"] + [arg(w) for w in keys.values()]
        if aggregate:
            if aggregate.upper() not in ("SUM", "MIN", "MAX"):
                raise DataError("aggregate can be sum, min or max.")
            argv += [b"AGGREGATE", arg(aggregate)]
        return self._with_scores(argv, withscores, score_cast_func)

    def zunion(self, keys, aggregate=None, withscores=False, score_cast_func=float):
        return self._zaggregate(b"ZUNION", None, keys, aggregate, withscores, score_cast_func)

    def zinter(self, keys, aggregate=None, withscores=False):
        return self._zaggregate(b"ZINTER", None, keys, aggregate, withscores)

    def zunionstore(self, dest, keys, aggregate=None):
        return self._zaggregate(b"ZUNIONSTORE", dest, keys, aggregate)

    def zinterstore(self, dest, keys, aggregate=None):
        return self._zaggregate(b"ZINTERSTORE", dest, keys, aggregate)

    def zdiff(self, keys, withscores=False):
        """Members of the first set only; withscores: flat [member, score text, ...] (redis-py)."""
        argv = [b"ZDIFF", arg(len(keys))] + _names(keys)
        if withscores:
            argv.append(b"WITHSCORES")
            return self._command(argv, P.flat_scored)
        return self._command(argv)

    def zdiffstore(self, dest, keys):
        return self._command([b"ZDIFFSTORE", arg(dest), arg(len(keys))] + _names(keys))

    def zintercard(self, numkeys, keys, limit=0):
        return self._command([b"ZINTERCARD", arg(numkeys)] + _names(keys)
                             + [b"LIMIT", arg(limit)])

    def zrandmember(self, key, count=None, withscores=False):
        """A member (or None); with count a list; withscores a flat [member, score text, ...]."""
        argv = [b"ZRANDMEMBER", arg(key)]
        if count is not None:
            argv.append(arg(count))
        if withscores:
            argv.append(b"WITHSCORES")
            return self._command(argv, P.flat_scored)
        return self._command(argv)

    def zscan(self, name, cursor=0, match=None, count=None, score_cast_func=float):
        """(next cursor, [(member, score), ...])."""
        argv = [b"ZSCAN", arg(name), arg(cursor)]
        if match is not None:
            argv += [b"MATCH", arg(match)]
        if count is not None:
            argv += [b"COUNT", arg(count)]
        return self._command(argv, P.zscan(score_cast_func))

    def zscan_iter(self, name, match=None, count=None, score_cast_func=float):
        return _scan_iter(self, self.zscan, name, match=match, count=count,
                          score_cast_func=score_cast_func)


class SortCommands(object):
    def _sort_argv(self, cmd, name, start, num, by, get, desc, alpha):
        argv = [cmd, arg(name)]
        if by is not None:
            argv += [b"BY", arg(by)]
        _limit(argv, start, num)
        gets = [] if get is None else [get] if isinstance(get, (bytes, str)) else get
        for g in gets:
            argv += [b"GET", arg(g)]
        if desc:
            argv.append(b"DESC")
        if alpha:
            argv.append(b"ALPHA")
        return argv

    def sort(self, name, start=None, num=None, by=None, get=None, desc=False, alpha=False,
             store=None, groups=False):
        """The sorted elements (or GET values); the stored count with store; with groups
        (two or more GET patterns) a list of tuples, one per element."""
        argv = self._sort_argv(b"SORT", name, start, num, by, get, desc, alpha)
        if store is not None:
            argv += [b"STORE", arg(store)]
        if groups:
            if not get or isinstance(get, (bytes, str)) or len(get) < 2:
                raise DataError('when using "groups" the "get" argument must be specified '
                                "and contain at least two keys")
            return self._command(argv, P.groups(len(get)))
        return self._command(argv)

    def sort_ro(self, key, start=None, num=None, by=None, get=None, desc=False, alpha=False):
        """SORT_RO: SORT without STORE, allowed on read-only replicas."""
        return self._command(self._sort_argv(b"SORT_RO", key, start, num, by, get, desc, alpha))


class TypeCommands(ListCommands, HashCommands, SetCommands, SortedSetCommands, SortCommands):
    """Every container-type command method."""
