"""Hypothesis state machine: random HyperLogLog sequences on miniredis and redis-server.

Every reply and, through GET, every stored HLL string is compared byte for
byte; a small hll-sparse-max-bytes is sometimes set so promotions happen.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c"])
ELEMENTS = st.lists(st.sampled_from(["x%d" % i for i in range(60)] + ["", "\x00"]),
                    max_size=8)


class HyperLogLogMachine(DifferentialMachine):
    @rule(k=KEYS, items=ELEMENTS)
    def pfadd(self, k, items):
        self.same("PFADD", k, *items)

    @rule(k=KEYS, n=st.integers(min_value=1, max_value=400), seed=st.integers(0, 9))
    def pfadd_many(self, k, n, seed):
        self.same("PFADD", k, *["s%d:%d" % (seed, i) for i in range(n)])

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
    def pfcount(self, keys):
        self.same("PFCOUNT", *keys)

    @rule(dest=KEYS, keys=st.lists(KEYS, max_size=3))
    def pfmerge(self, dest, keys):
        self.same("PFMERGE", dest, *keys)

    @rule(k=KEYS)
    def get(self, k):
        self.same("GET", k)

    @rule(k=KEYS, sub=st.sampled_from(["ENCODING", "DECODE", "TODENSE"]))
    def pfdebug(self, k, sub):
        self.same("PFDEBUG", sub, k)

    # A valid empty HLL, and a corrupt one (its opcodes cover 16328 registers).
    @rule(k=KEYS, v=st.sampled_from([b"plain", b"HYLL\x01" + bytes(11) + b"\x7f\xff",
                                     b"HYLL\x01" + bytes(10) + b"\x80\x7f\xc3\xbf"]))
    def set(self, k, v):
        self.same("SET", k, v)

    @rule(k=KEYS)
    def delete(self, k):
        self.same("DEL", k)

    @rule(limit=st.sampled_from(["50", "200", "3000"]))
    def sparse_limit(self, limit):
        self.same("CONFIG", "SET", "hll-sparse-max-bytes", limit)


def test_hyperloglog_state_machine(mini_server, redis_server):
    try:
        run_machine(HyperLogLogMachine, mini_server, redis_server, examples=30, steps=25)
    finally:
        from support import RawClient
        for port in (mini_server.port, redis_server.port):
            c = RawClient(port)
            c.cmd("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
            c.close()
