"""Hypothesis state machine: random sorted-set command sequences on miniredis and redis-server.

Every reply is compared type-exactly, except ZSCAN (compared as a set of
pairs: a skiplist is scanned in hash order) and random ZRANDMEMBER picks
(compared by length). Lex-range commands only touch the key ``lx``, whose
members all have score 0: with mixed scores Redis leaves their result
unspecified. A member longer than 64 bytes converts a set to a skiplist,
so both encodings are exercised.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c"])
ANY_KEYS = st.sampled_from(["a", "b", "c", "lx", "s"])
MEMBERS = st.sampled_from(["m1", "m2", "m3", "x", "y", "", "long" + "z" * 64])
LEX_MEMBERS = st.sampled_from(["a", "b", "bb", "c", "d", "", "\xff"])
SCORES = st.sampled_from(["0", "1", "-1", "2.5", "0.1", "0.2", "-0", "inf", "-inf", "1e300", "3",
                          "(1", "nan", "x"])
INCREMENTS = st.sampled_from(["1", "-1", "0.1", "0", "inf", "-inf", "2.5"])
BOUNDS = st.sampled_from(["-inf", "+inf", "0", "(0", "1", "(1", "2.5", "(3", "0.1", "-1", "x"])
LEX_BOUNDS = st.sampled_from(["-", "+", "[a", "(a", "[b", "(bb", "[c", "(d", "[", "(\xff", "x"])
INDEXES = st.integers(min_value=-6, max_value=6)
ZADD_OPTIONS = st.lists(st.sampled_from(["NX", "XX", "GT", "LT", "CH", "INCR"]), max_size=2)
AGGREGATES = st.sampled_from([(), ("AGGREGATE", "MIN"), ("AGGREGATE", "MAX"), ("AGGREGATE", "SUM")])
WEIGHTS = st.sampled_from(["1", "2", "-1", "0", "0.5"])


def _scan_pairs(reply):
    if reply.t == "-":
        return reply
    items = reply.v[1].v
    return reply.v[0], sorted((items[i].v, items[i + 1].v) for i in range(0, len(items), 2))


def _length(reply):
    if reply.t == "-":
        return reply
    return reply.t, len(reply.v or [])


class SortedSetsMachine(DifferentialMachine):
    @rule(k=KEYS, opts=ZADD_OPTIONS,
          pairs=st.lists(st.tuples(SCORES, MEMBERS), min_size=1, max_size=3))
    def zadd(self, k, opts, pairs):
        self.same("ZADD", k, *(opts + [x for p in pairs for x in p]))

    @rule(k=KEYS, inc=INCREMENTS, m=MEMBERS)
    def zincrby(self, k, inc, m):
        self.same("ZINCRBY", k, inc, m)

    @rule(k=ANY_KEYS, members=st.lists(MEMBERS | LEX_MEMBERS, min_size=1, max_size=3))
    def zrem(self, k, members):
        self.same("ZREM", k, *members)

    @rule(k=ANY_KEYS, m=MEMBERS)
    def reads(self, k, m):
        self.same("ZCARD", k)
        self.same("ZSCORE", k, m)
        self.same("ZMSCORE", k, m, "m1")
        self.same("ZRANK", k, m)
        self.same("ZREVRANK", k, m)
        self.same("ZRANGE", k, "0", "-1", "WITHSCORES")
        self.same("OBJECT", "ENCODING", k)

    @rule(k=ANY_KEYS, start=INDEXES, end=INDEXES, rev=st.booleans())
    def zrange_rank(self, k, start, end, rev):
        self.same("ZRANGE", k, start, end, "WITHSCORES", *(("REV",) if rev else ()))
        self.same("ZREVRANGE", k, start, end)

    @rule(k=KEYS, lo=BOUNDS, hi=BOUNDS, limit=st.none() | st.tuples(INDEXES, INDEXES))
    def zrange_score(self, k, lo, hi, limit):
        extra = ("LIMIT",) + limit if limit else ()
        self.same("ZRANGEBYSCORE", k, lo, hi, "WITHSCORES", *extra)
        self.same("ZREVRANGEBYSCORE", k, hi, lo, *extra)
        self.same("ZRANGE", k, hi, lo, "BYSCORE", "REV", *extra)
        self.same("ZCOUNT", k, lo, hi)

    @rule(lo=LEX_BOUNDS, hi=LEX_BOUNDS, limit=st.none() | st.tuples(INDEXES, INDEXES))
    def zrange_lex(self, lo, hi, limit):
        extra = ("LIMIT",) + limit if limit else ()
        self.same("ZRANGEBYLEX", "lx", lo, hi, *extra)
        self.same("ZREVRANGEBYLEX", "lx", hi, lo, *extra)
        self.same("ZRANGE", "lx", lo, hi, "BYLEX", *extra)
        self.same("ZLEXCOUNT", "lx", lo, hi)

    @rule(members=st.lists(LEX_MEMBERS, min_size=1, max_size=3))
    def zadd_lex(self, members):
        self.same("ZADD", "lx", *[x for m in members for x in ("0", m)])

    @rule(lo=LEX_BOUNDS, hi=LEX_BOUNDS)
    def zremrangebylex(self, lo, hi):
        self.same("ZREMRANGEBYLEX", "lx", lo, hi)

    @rule(k=KEYS, start=INDEXES, end=INDEXES)
    def zremrangebyrank(self, k, start, end):
        self.same("ZREMRANGEBYRANK", k, start, end)

    @rule(k=KEYS, lo=BOUNDS, hi=BOUNDS)
    def zremrangebyscore(self, k, lo, hi):
        self.same("ZREMRANGEBYSCORE", k, lo, hi)

    @rule(k=ANY_KEYS, cmd=st.sampled_from(["ZPOPMIN", "ZPOPMAX"]),
          count=st.none() | st.integers(min_value=-1, max_value=4))
    def zpop(self, k, cmd, count):
        self.same(cmd, k, *(() if count is None else (count,)))

    @rule(keys=st.lists(ANY_KEYS, min_size=1, max_size=3), where=st.sampled_from(["MIN", "MAX"]),
          count=st.none() | st.integers(min_value=0, max_value=4), blocking=st.booleans())
    def zmpop(self, keys, where, count, blocking):
        extra = () if count is None else ("COUNT", count)
        head = ("BZMPOP", "0.01") if blocking else ("ZMPOP",)
        self.same(*(head + (len(keys),) + tuple(keys) + (where,) + extra))

    @rule(keys=st.lists(ANY_KEYS, min_size=1, max_size=3), cmd=st.sampled_from(["BZPOPMIN", "BZPOPMAX"]))
    def bzpop(self, keys, cmd):
        self.same(cmd, *(keys + ["0.01"]))

    @rule(dst=ANY_KEYS, keys=st.lists(ANY_KEYS, min_size=1, max_size=3),
          op=st.sampled_from(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]),
          weights=st.lists(WEIGHTS, min_size=3, max_size=3), agg=AGGREGATES, use_weights=st.booleans())
    def store(self, dst, keys, op, weights, agg, use_weights):
        if dst == "lx":
            return   # keeps lx's single score
        extra = ()
        if op != "ZDIFFSTORE":
            extra = (("WEIGHTS",) + tuple(weights[:len(keys)]) if use_weights else ()) + agg
        self.same(op, dst, len(keys), *(tuple(keys) + extra))

    @rule(keys=st.lists(ANY_KEYS, min_size=1, max_size=3),
          op=st.sampled_from(["ZUNION", "ZINTER", "ZDIFF"]), agg=AGGREGATES)
    def algebra(self, keys, op, agg):
        extra = agg if op != "ZDIFF" else ()
        self.same(op, len(keys), *(tuple(keys) + extra + ("WITHSCORES",)))
        self.same("ZINTERCARD", len(keys), *keys)

    @rule(dst=KEYS, src=ANY_KEYS, start=INDEXES, end=INDEXES)
    def zrangestore(self, dst, src, start, end):
        self.same("ZRANGESTORE", dst, src, start, end)

    @rule(k=ANY_KEYS, count=st.integers(min_value=-3, max_value=3))
    def zrandmember(self, k, count):
        self.same("ZRANDMEMBER", k, "20", "WITHSCORES")
        self.same("ZRANDMEMBER", k, count, "WITHSCORES", key=_length)

    @rule(k=ANY_KEYS)
    def zscan(self, k):
        self.same("ZSCAN", k, "0", "COUNT", "100", key=_scan_pairs)

    @rule(members=st.lists(MEMBERS, min_size=1, max_size=3))
    def sadd(self, members):
        self.same("SADD", "s", *members)

    @rule(keys=st.lists(ANY_KEYS, min_size=1, max_size=2))
    def delete(self, keys):
        self.same("DEL", *keys)


def test_sorted_sets_state_machine(mini_server, redis_server):
    run_machine(SortedSetsMachine, mini_server, redis_server, examples=60, steps=40)
