"""Hypothesis state machine: random hash-command sequences on miniredis and redis-server.

Every reply is compared type-exactly, except where Redis' own order is not
insertion order: listings of a hashtable-encoded hash are compared sorted
(the reference server says which encoding it holds), and HRANDFIELD replies
are compared by shape and membership.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "s"])
FIELDS = st.sampled_from(["f", "g", "h", "", "10"])
# One value longer than hash-max-listpack-value (64) converts a hash to a hashtable.
VALUES = st.sampled_from(["", "0", "1", "-3", "2.5", "abc", "9223372036854775806", "inf",
                          "\x00\xff", "x" * 65])
SMALL_INTS = st.integers(min_value=-1000, max_value=1000)
FLOATS = st.builds(lambda i, f: "%d.%02d" % (i, f),
                   st.integers(min_value=-50, max_value=50), st.integers(min_value=0, max_value=99))
COUNTS = st.integers(min_value=-8, max_value=8)


def _sorted(reply):
    """A listing with its order dropped (flat pairs kept together, map pairs sorted)."""
    if reply.t == "%":
        return ("%", sorted(map(repr, reply.v)))
    if reply.t == "*" and reply.v is not None:
        return ("*", sorted(map(repr, reply.v)))
    return reply


def _pairs_sorted(reply):
    if reply.t != "*":
        return reply
    items = [repr(x) for x in reply.v]
    return ("*", sorted(zip(items[::2], items[1::2])))


class HashesMachine(DifferentialMachine):
    def listing(self, *args):
        """Exact while the reference hash is a listpack (insertion order), else unordered."""
        enc = self.r.cmd("OBJECT", "ENCODING", args[1]).v
        if enc == b"hashtable":
            self.same(*args, key=_pairs_sorted if args[0] == "HGETALL" else _sorted)
        else:
            self.same(*args)

    @rule(k=KEYS, pairs=st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=3))
    def hset(self, k, pairs):
        self.same("HSET", k, *[x for p in pairs for x in p])

    @rule(k=KEYS, pairs=st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=2))
    def hmset(self, k, pairs):
        self.same("HMSET", k, *[x for p in pairs for x in p])

    @rule(k=KEYS, f=FIELDS, v=VALUES)
    def hsetnx(self, k, f, v):
        self.same("HSETNX", k, f, v)

    @rule(k=KEYS, f=FIELDS)
    def hget(self, k, f):
        self.same("HGET", k, f)

    @rule(k=KEYS, fields=st.lists(FIELDS, min_size=1, max_size=3))
    def hmget(self, k, fields):
        self.same("HMGET", k, *fields)

    @rule(k=KEYS, fields=st.lists(FIELDS, min_size=1, max_size=3))
    def hdel(self, k, fields):
        self.same("HDEL", k, *fields)

    @rule(k=KEYS, f=FIELDS)
    def hexists(self, k, f):
        self.same("HEXISTS", k, f)

    @rule(k=KEYS, f=FIELDS)
    def hstrlen(self, k, f):
        self.same("HSTRLEN", k, f)

    @rule(k=KEYS)
    def hlen(self, k):
        self.same("HLEN", k)

    @rule(k=KEYS, cmd=st.sampled_from(["HKEYS", "HVALS", "HGETALL"]))
    def listings(self, k, cmd):
        self.listing(cmd, k)

    @rule(k=KEYS)
    def hscan(self, k):
        # A listpack answers whole in one call; so does a small hashtable with COUNT 100.
        args = ("HSCAN", k, "0", "COUNT", "100")
        m, r = self.m.cmd(*args), self.r.cmd(*args)
        assert m.t == r.t, (m, r)
        if m.t == "*":
            assert m.v[0] == r.v[0], (m, r)
            assert _pairs_sorted(m.v[1]) == _pairs_sorted(r.v[1]), (m, r)
        else:
            assert m == r

    @rule(k=KEYS, f=FIELDS, n=SMALL_INTS)
    def hincrby(self, k, f, n):
        self.same("HINCRBY", k, f, n)

    @rule(k=KEYS, f=FIELDS, x=FLOATS)
    def hincrbyfloat(self, k, f, x):
        self.same("HINCRBYFLOAT", k, f, x)

    @rule(k=KEYS, count=COUNTS, withvalues=st.booleans())
    def hrandfield(self, k, count, withvalues):
        args = ("HRANDFIELD", k, count) + (("WITHVALUES",) if withvalues else ())
        m, r = self.m.cmd(*args), self.r.cmd(*args)
        assert m.t == r.t, (args, m, r)
        if m.t == "*":
            assert len(m.v) == len(r.v), (args, m, r)
            flat_all = self.m.cmd("HGETALL", k).plain()   # RESP2: field, value, ...
            everything = dict(zip(flat_all[::2], flat_all[1::2]))
            flat = [x.v for x in m.v]
            assert all(f in everything for f in flat[::2 if withvalues else 1]), (args, m)
        else:
            assert m == r

    @rule(k=KEYS)
    def hrandfield_one(self, k):
        m, r = self.m.cmd("HRANDFIELD", k), self.r.cmd("HRANDFIELD", k)
        assert m.t == r.t and (m.v is None) == (r.v is None), (m, r)

    @rule(k=KEYS)
    def encoding(self, k):
        self.same("OBJECT", "ENCODING", k)

    @rule(k=KEYS)
    def type_(self, k):
        self.same("TYPE", k)

    @rule(k=KEYS, v=VALUES)
    def set_string(self, k, v):
        self.same("SET", k, v)

    @rule(k=KEYS)
    def delete(self, k):
        self.same("DEL", k)

    @rule(src=KEYS, dst=KEYS)
    def copy(self, src, dst):
        self.same("COPY", src, dst, "REPLACE")


def test_hashes_state_machine(mini_server, redis_server):
    run_machine(HashesMachine, mini_server, redis_server)
