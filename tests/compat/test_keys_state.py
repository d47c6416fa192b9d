"""Hypothesis state machine: random key/expiry command sequences on both servers.

Only deterministic expiry is used (TTLs far in the future, or in the past so
the key goes at once); TTL replies are compared by kind (-2, -1, positive).
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c", "{x}d"])
VALUES = st.sampled_from(["", "1", "10", "-3", "abc", "x" * 50])
FUTURE = st.integers(min_value=1000, max_value=100000)
PAST = st.integers(min_value=-100, max_value=0)
FLAGS = st.sampled_from([(), ("NX",), ("XX",), ("GT",), ("LT",), ("NX", "XX"), ("GT", "LT")])


def _ttl_kind(reply):
    if reply.t == ":" and reply.v >= 0:
        return ("ttl", "positive")
    return reply


class KeysMachine(DifferentialMachine):
    @rule(k=KEYS, v=VALUES)
    def set(self, k, v):
        self.same("SET", k, v)

    @rule(k=KEYS, v=VALUES, secs=FUTURE)
    def set_ex(self, k, v, secs):
        self.same("SET", k, v, "EX", secs)

    @rule(k=KEYS, v=VALUES)
    def set_keepttl(self, k, v):
        self.same("SET", k, v, "KEEPTTL")

    @rule(k=KEYS)
    def get(self, k):
        self.same("GET", k)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def delete(self, keys):
        self.same("DEL", *keys)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def exists(self, keys):
        self.same("EXISTS", *keys)

    @rule(k=KEYS, secs=st.one_of(FUTURE, PAST), flags=FLAGS)
    def expire(self, k, secs, flags):
        self.same("EXPIRE", k, secs, *flags)

    @rule(k=KEYS, ms=st.one_of(FUTURE.map(lambda s: s * 1000), PAST), flags=FLAGS)
    def pexpire(self, k, ms, flags):
        self.same("PEXPIRE", k, ms, *flags)

    @rule(k=KEYS)
    def ttl(self, k):
        self.same("TTL", k, key=_ttl_kind)

    @rule(k=KEYS)
    def persist(self, k):
        self.same("PERSIST", k)

    @rule(k=KEYS)
    def incr(self, k):
        self.same("INCR", k)

    @rule(src=KEYS, dst=KEYS)
    def rename(self, src, dst):
        self.same("RENAME", src, dst)

    @rule(src=KEYS, dst=KEYS)
    def renamenx(self, src, dst):
        self.same("RENAMENX", src, dst)

    @rule(src=KEYS, dst=KEYS, replace=st.booleans())
    def copy(self, src, dst, replace):
        self.same("COPY", src, dst, *(["REPLACE"] if replace else []))

    @rule(k=KEYS)
    def type_(self, k):
        self.same("TYPE", k)

    @rule()
    def keys(self):
        m, r = self.m.cmd("KEYS", "*"), self.r.cmd("KEYS", "*")
        assert sorted(x.v for x in m.v) == sorted(x.v for x in r.v)

    @rule()
    def dbsize(self):
        self.same("DBSIZE")

    @rule(k=KEYS)
    def move_and_back(self, k):
        self.same("MOVE", k, "1")
        self.same("SELECT", "1")
        self.same("MOVE", k, "0")
        self.same("SELECT", "0")


def test_keys_state_machine(mini_server, redis_server):
    run_machine(KeysMachine, mini_server, redis_server)
