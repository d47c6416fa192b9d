"""Hypothesis state machine: random string-command sequences on miniredis and redis-server.

Every reply is compared type-exactly. Expiries are either far in the future
or already past (PXAT 1), so nothing depends on timing.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.sampled_from(["", "0", "1", "10", "-3", "2.5", "abc", "9223372036854775806",
                          "\x00\xff", "x" * 40])
SMALL_INTS = st.integers(min_value=-1000, max_value=1000)
# Short decimals keep INCRBYFLOAT texts readable while still exercising rounding.
FLOATS = st.builds(lambda i, f: "%d.%02d" % (i, f),
                   st.integers(min_value=-50, max_value=50), st.integers(min_value=0, max_value=99))
INDEXES = st.integers(min_value=-12, max_value=12)
SET_OPTIONS = st.lists(st.sampled_from([("NX",), ("XX",), ("GET",), ("KEEPTTL",),
                                        ("EX", "1000"), ("PX", "1000000"), ("PXAT", "1"),
                                        ("EX", "0")]), max_size=3)


class StringsMachine(DifferentialMachine):
    @rule(k=KEYS, v=VALUES, opts=SET_OPTIONS)
    def set(self, k, v, opts):
        self.same("SET", k, v, *[a for opt in opts for a in opt])

    @rule(k=KEYS)
    def get(self, k):
        self.same("GET", k)

    @rule(k=KEYS, v=VALUES)
    def append(self, k, v):
        self.same("APPEND", k, v)

    @rule(k=KEYS)
    def incr(self, k):
        self.same("INCR", k)

    @rule(k=KEYS)
    def decr(self, k):
        self.same("DECR", k)

    @rule(k=KEYS, n=SMALL_INTS)
    def incrby(self, k, n):
        self.same("INCRBY", k, n)

    @rule(k=KEYS, n=SMALL_INTS)
    def decrby(self, k, n):
        self.same("DECRBY", k, n)

    @rule(k=KEYS, f=FLOATS)
    def incrbyfloat(self, k, f):
        self.same("INCRBYFLOAT", k, f)

    @rule(k=KEYS, start=INDEXES, end=INDEXES)
    def getrange(self, k, start, end):
        self.same("GETRANGE", k, start, end)

    @rule(k=KEYS, offset=st.integers(min_value=0, max_value=20), v=VALUES)
    def setrange(self, k, offset, v):
        self.same("SETRANGE", k, offset, v)

    @rule(k=KEYS)
    def strlen(self, k):
        self.same("STRLEN", k)

    @rule(pairs=st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=3))
    def mset(self, pairs):
        self.same("MSET", *[x for p in pairs for x in p])

    @rule(pairs=st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=3))
    def msetnx(self, pairs):
        self.same("MSETNX", *[x for p in pairs for x in p])

    @rule(keys=st.lists(KEYS, min_size=1, max_size=4))
    def mget(self, keys):
        self.same("MGET", *keys)

    @rule(k=KEYS)
    def getdel(self, k):
        self.same("GETDEL", k)

    @rule(k=KEYS, v=VALUES)
    def setnx(self, k, v):
        self.same("SETNX", k, v)

    @rule(k=KEYS, v=VALUES)
    def getset(self, k, v):
        self.same("GETSET", k, v)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def delete(self, keys):
        self.same("DEL", *keys)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def exists(self, keys):
        self.same("EXISTS", *keys)

    @rule(k=KEYS, offset=st.integers(min_value=0, max_value=40), bit=st.integers(0, 1))
    def setbit(self, k, offset, bit):
        self.same("SETBIT", k, offset, bit)

    @rule(k=KEYS, start=INDEXES, end=INDEXES, unit=st.sampled_from(["BYTE", "BIT"]))
    def bitcount(self, k, start, end, unit):
        self.same("BITCOUNT", k, start, end, unit)

    @rule(k=KEYS, bit=st.integers(0, 1), start=INDEXES, end=INDEXES)
    def bitpos(self, k, bit, start, end):
        self.same("BITPOS", k, bit, start, end, "BIT")

    @rule(a=KEYS, b=KEYS)
    def lcs(self, a, b):
        self.same("LCS", a, b, "IDX", "WITHMATCHLEN")


def test_strings_state_machine(mini_server, redis_server):
    run_machine(StringsMachine, mini_server, redis_server)
