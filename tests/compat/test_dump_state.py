"""Hypothesis state machine: random values of every type, DUMP and RESTORE on
miniredis and redis-server.

Writes are compared reply by reply; DUMP payloads must be byte-identical
(except for hash-table encodings, whose order is arbitrary in both servers);
a payload taken from either server and restored on both gives the same value,
encoding and TTL. Expiries are far in the future, so nothing depends on timing.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c"])
ELEMENTS = st.sampled_from(["", "0", "1", "-7", "127", "128", "70000", "9223372036854775807",
                            "007", "abc", "\x00\xff", "x" * 30, "y" * 70, "2.5", "-inf"])
SMALL_LISTS = st.lists(ELEMENTS, min_size=1, max_size=6)
SCORES = st.sampled_from(["0", "1", "-1.5", "inf", "-inf", "1e20", "0.1", "3"])
FAR = "4102444800000"


def _read(c, key):
    t = c.cmd("TYPE", key).v
    cmd = {"string": ("GET", key), "list": ("LRANGE", key, 0, -1), "hash": ("HGETALL", key),
           "set": ("SMEMBERS", key), "zset": ("ZRANGE", key, 0, -1, "WITHSCORES"),
           "none": ("EXISTS", key)}[t]
    reply = c.cmd(*cmd)
    if t in ("hash", "set"):
        items = [x.v for x in reply.v]
        if t == "hash":
            items = list(zip(items[0::2], items[1::2]))
        return t, sorted(items)
    return t, reply


class DumpMachine(DifferentialMachine):
    @rule(k=KEYS, v=ELEMENTS)
    def set(self, k, v):
        self.same("SET", k, v)

    @rule(k=KEYS, items=SMALL_LISTS, n=st.integers(min_value=0, max_value=300))
    def rpush(self, k, items, n):
        self.same("RPUSH", k, *(items + ["e%d" % i for i in range(n)]))

    @rule(k=KEYS, items=SMALL_LISTS, big=st.booleans())
    def hset(self, k, items, big):
        extra = [x for i in range(600 if big else 0) for x in ("f%d" % i, "v")]
        self.same("HSET", k, *([x for e in items for x in (e, e)] + extra))

    @rule(k=KEYS, items=SMALL_LISTS)
    def sadd(self, k, items):
        self.same("SADD", k, *items)

    @rule(k=KEYS, pairs=st.lists(st.tuples(SCORES, ELEMENTS), min_size=1, max_size=5),
          n=st.integers(min_value=0, max_value=150))
    def zadd(self, k, pairs, n):
        extra = [x for i in range(n) for x in (str(i), "m%d" % i)]
        self.same("ZADD", k, *([x for p in pairs for x in p] + extra))

    @rule(k=KEYS)
    def expire(self, k):
        self.same("PEXPIREAT", k, FAR)

    @rule(k=KEYS)
    def dump(self, k):
        enc = self.r.cmd("OBJECT", "ENCODING", k).v
        if enc != b"hashtable":
            self.same("DUMP", k)

    @rule(k=KEYS, dst=KEYS, from_redis=st.booleans(), opts=st.sampled_from(
        [(), ("REPLACE",), ("REPLACE", "ABSTTL"), ("IDLETIME", "5")]))
    def restore(self, k, dst, from_redis, opts):
        data = (self.r if from_redis else self.m).cmd("DUMP", k).v
        if data is None:
            return
        ttl = FAR if "ABSTTL" in opts else 0
        self.same("RESTORE", dst, ttl, data, *opts)
        assert _read(self.m, dst) == _read(self.r, dst)
        self.same("OBJECT", "ENCODING", dst)
        self.same("PEXPIRETIME", dst)


def test_dump_state_machine(mini_server, redis_server):
    run_machine(DumpMachine, mini_server, redis_server, examples=60, steps=20)
