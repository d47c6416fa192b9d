"""Hypothesis state machine: random list-command sequences on miniredis and redis-server.

Every reply is compared type-exactly. Keys are few so that commands meet
lists they built, missing keys and a string key.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c", "s"])
ELEMENTS = st.sampled_from(["", "x", "y", "z", "1", "-2", "x" * 30])
INDEXES = st.integers(min_value=-7, max_value=7)
SIDES = st.sampled_from(["LEFT", "RIGHT", "left", "Right"])
COUNTS = st.sampled_from(["0", "1", "2", "5", "-1", "x"])


class ListsMachine(DifferentialMachine):
    @rule(k=KEYS, v=ELEMENTS)
    def make_string(self, k, v):
        # Rarely a string: commands then meet WRONGTYPE.
        if k == "s":
            self.same("SET", k, v)

    @rule(cmd=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), k=KEYS,
          vs=st.lists(ELEMENTS, min_size=1, max_size=4))
    def push(self, cmd, k, vs):
        self.same(cmd, k, *vs)

    @rule(cmd=st.sampled_from(["LPOP", "RPOP"]), k=KEYS, count=st.none() | COUNTS)
    def pop(self, cmd, k, count):
        self.same(cmd, k, *([] if count is None else [count]))

    @rule(k=KEYS)
    def llen(self, k):
        self.same("LLEN", k)

    @rule(k=KEYS, i=INDEXES, j=INDEXES)
    def lrange(self, k, i, j):
        self.same("LRANGE", k, i, j)

    @rule(k=KEYS, i=INDEXES)
    def lindex(self, k, i):
        self.same("LINDEX", k, i)

    @rule(k=KEYS, i=INDEXES, v=ELEMENTS)
    def lset(self, k, i, v):
        self.same("LSET", k, i, v)

    @rule(k=KEYS, where=st.sampled_from(["BEFORE", "AFTER", "after"]), pivot=ELEMENTS, v=ELEMENTS)
    def linsert(self, k, where, pivot, v):
        self.same("LINSERT", k, where, pivot, v)

    @rule(k=KEYS, count=st.integers(min_value=-3, max_value=3), v=ELEMENTS)
    def lrem(self, k, count, v):
        self.same("LREM", k, count, v)

    @rule(k=KEYS, i=INDEXES, j=INDEXES)
    def ltrim(self, k, i, j):
        self.same("LTRIM", k, i, j)

    @rule(k=KEYS, v=ELEMENTS, rank=st.sampled_from([None, "1", "2", "-1", "-3", "0"]),
          count=st.sampled_from([None, "0", "1", "2"]),
          maxlen=st.sampled_from([None, "0", "1", "3"]))
    def lpos(self, k, v, rank, count, maxlen):
        opts = []
        for name, arg in (("RANK", rank), ("COUNT", count), ("MAXLEN", maxlen)):
            if arg is not None:
                opts += [name, arg]
        self.same("LPOS", k, v, *opts)

    @rule(src=KEYS, dst=KEYS, a=SIDES, b=SIDES)
    def lmove(self, src, dst, a, b):
        self.same("LMOVE", src, dst, a, b)

    @rule(src=KEYS, dst=KEYS)
    def rpoplpush(self, src, dst):
        self.same("RPOPLPUSH", src, dst)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), side=SIDES,
          count=st.sampled_from([None, "1", "2", "10", "0"]))
    def lmpop(self, keys, side, count):
        self.same("LMPOP", len(keys), *keys, side, *([] if count is None else ["COUNT", count]))

    # The blocking commands get a last key just pushed to (or a string, which
    # answers WRONGTYPE): they always answer at once. Waking up is tested in
    # tests/commands/test_list_blocking.py.
    @rule(cmd=st.sampled_from(["BLPOP", "BRPOP"]), keys=st.lists(KEYS, max_size=2), last=KEYS,
          v=ELEMENTS)
    def bpop(self, cmd, keys, last, v):
        self.same("RPUSH", last, v)
        self.same(cmd, *keys, last, "0")

    @rule(src=KEYS, dst=KEYS, a=SIDES, b=SIDES, v=ELEMENTS, cmd=st.sampled_from(["BLMOVE", "BRPOPLPUSH"]))
    def blmove(self, src, dst, a, b, v, cmd):
        self.same("LPUSH", src, v)
        if cmd == "BLMOVE":
            self.same("BLMOVE", src, dst, a, b, "0")
        else:
            self.same("BRPOPLPUSH", src, dst, "0")

    @rule(keys=st.lists(KEYS, max_size=2), last=KEYS, side=SIDES, count=st.sampled_from(["1", "3"]),
          v=ELEMENTS)
    def blmpop(self, keys, last, side, count, v):
        self.same("RPUSH", last, v)
        self.same("BLMPOP", "0", len(keys) + 1, *keys, last, side, "COUNT", count)

    @rule(k=KEYS)
    def exists(self, k):
        self.same("EXISTS", k)
        self.same("TYPE", k)


def test_lists_state_machine(mini_server, redis_server):
    run_machine(ListsMachine, mini_server, redis_server)
