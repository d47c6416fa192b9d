"""Hypothesis state machine: random stream command sequences on miniredis and redis-server.

Every reply is compared type-exactly. IDs are explicit (or ``ms-*``) so
nothing depends on the clock; claims use min-idle 0 and JUSTID, and replies
that carry idle or delivery times are not compared. Small node settings
(stream-node-max-entries / -bytes) make Redis' node layout matter for
approximate trimming and XINFO's radix-tree counts.
"""

from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["s", "t"])
GROUPS = st.sampled_from(["g", "h"])
CONSUMERS = st.sampled_from(["c1", "c2"])
MS = st.integers(min_value=0, max_value=12)
SEQ = st.integers(min_value=0, max_value=3)
IDS = st.builds(lambda ms, seq: "%d-%d" % (ms, seq), MS, SEQ)
NEW_IDS = st.one_of(IDS, st.builds(lambda ms: "%d-*" % ms, MS))
FIELDS = st.sampled_from([("f", "v"), ("f", "v", "g", "w"), ("a", "1"), ("f", "x" * 50),
                          ("f", "123456789012")])
GROUP_IDS = st.one_of(st.just("$"), st.just("0"), IDS)
TRIMS = st.sampled_from(["MAXLEN", "MINID"])
APPROX = st.sampled_from([[], ["~"], ["="]])


def _threshold(kind, n, ms):
    return str(n) if kind == "MAXLEN" else "%d-0" % ms


class StreamsMachine(DifferentialMachine):
    @initialize(entries=st.sampled_from(["2", "3", "100"]), nbytes=st.sampled_from(["0", "90"]))
    def connect(self, entries, nbytes):
        DifferentialMachine.connect(self)
        self.same("CONFIG", "SET", "stream-node-max-entries", entries)
        self.same("CONFIG", "SET", "stream-node-max-bytes", nbytes)

    def teardown(self):
        if hasattr(self, "m"):
            for c in (self.m, self.r):
                c.cmd("CONFIG", "SET", "stream-node-max-entries", "100")
                c.cmd("CONFIG", "SET", "stream-node-max-bytes", "4096")
        DifferentialMachine.teardown(self)

    @rule(k=KEYS, i=NEW_IDS, fv=FIELDS)
    def xadd(self, k, i, fv):
        self.same("XADD", k, i, *fv)

    @rule(k=KEYS, i=NEW_IDS, fv=FIELDS, kind=TRIMS, approx=APPROX,
          n=st.integers(min_value=0, max_value=6), ms=MS,
          limit=st.sampled_from([[], ["LIMIT", "0"], ["LIMIT", "2"], ["LIMIT", "5"]]))
    def xadd_trim(self, k, i, fv, kind, approx, n, ms, limit):
        limit = limit if approx == ["~"] else []
        self.same("XADD", k, kind, *approx, _threshold(kind, n, ms), *limit, i, *fv)

    @rule(k=KEYS, kind=TRIMS, approx=APPROX, n=st.integers(min_value=0, max_value=6), ms=MS)
    def xtrim(self, k, kind, approx, n, ms):
        self.same("XTRIM", k, kind, *approx, _threshold(kind, n, ms))

    @rule(k=KEYS, ids=st.lists(IDS, min_size=1, max_size=3))
    def xdel(self, k, ids):
        self.same("XDEL", k, *ids)

    @rule(k=KEYS, lo=st.one_of(st.just("-"), IDS, IDS.map(lambda i: "(" + i)),
          hi=st.one_of(st.just("+"), IDS, IDS.map(lambda i: "(" + i)),
          count=st.sampled_from([[], ["COUNT", "0"], ["COUNT", "2"]]), rev=st.booleans())
    def xrange(self, k, lo, hi, count, rev):
        if rev:
            self.same("XREVRANGE", k, hi, lo, *count)
        else:
            self.same("XRANGE", k, lo, hi, *count)

    @rule(k=KEYS)
    def xlen(self, k):
        self.same("XLEN", k)

    @rule(k=KEYS)
    def xinfo_stream(self, k):
        self.same("XINFO", "STREAM", k)

    @rule(k=KEYS, i=IDS, added=st.sampled_from([[], ["ENTRIESADDED", "3"], ["ENTRIESADDED", "40"]]))
    def xsetid(self, k, i, added):
        self.same("XSETID", k, i, *added)

    @rule(k=KEYS, i=st.one_of(st.just("$"), IDS), count=st.sampled_from(["1", "3"]))
    def xread(self, k, i, count):
        self.same("XREAD", "COUNT", count, "STREAMS", k, i)

    @rule(k=KEYS, g=GROUPS, i=GROUP_IDS, mk=st.booleans())
    def xgroup_create(self, k, g, i, mk):
        self.same("XGROUP", "CREATE", k, g, i, *(["MKSTREAM"] if mk else []))

    @rule(k=KEYS, g=GROUPS, i=GROUP_IDS, er=st.sampled_from([[], ["ENTRIESREAD", "1"]]))
    def xgroup_setid(self, k, g, i, er):
        self.same("XGROUP", "SETID", k, g, i, *er)

    @rule(k=KEYS, g=GROUPS)
    def xgroup_destroy(self, k, g):
        self.same("XGROUP", "DESTROY", k, g)

    @rule(k=KEYS, g=GROUPS, c=CONSUMERS, delete=st.booleans())
    def xgroup_consumer(self, k, g, c, delete):
        self.same("XGROUP", "DELCONSUMER" if delete else "CREATECONSUMER", k, g, c)

    @rule(k=KEYS, g=GROUPS, c=CONSUMERS, noack=st.booleans(), count=st.sampled_from(["1", "2"]),
          i=st.sampled_from([">", ">", "0"]))
    def xreadgroup(self, k, g, c, noack, count, i):
        self.same("XREADGROUP", "GROUP", g, c, *(["NOACK"] if noack else []), "COUNT", count,
                  "STREAMS", k, i)

    @rule(k=KEYS, g=GROUPS, ids=st.lists(IDS, min_size=1, max_size=3))
    def xack(self, k, g, ids):
        self.same("XACK", k, g, *ids)

    @rule(k=KEYS, g=GROUPS)
    def xpending(self, k, g):
        self.same("XPENDING", k, g)

    @rule(k=KEYS)
    def xinfo_groups(self, k):
        self.same("XINFO", "GROUPS", k)

    @rule(k=KEYS, g=GROUPS, c=CONSUMERS, ids=st.lists(IDS, min_size=1, max_size=3),
          force=st.booleans())
    def xclaim(self, k, g, c, ids, force):
        self.same("XCLAIM", k, g, c, "0", *ids, *(["FORCE"] if force else []), "JUSTID")

    @rule(k=KEYS, g=GROUPS, c=CONSUMERS, start=IDS, count=st.sampled_from(["1", "2", "10"]))
    def xautoclaim(self, k, g, c, start, count):
        self.same("XAUTOCLAIM", k, g, c, "0", start, "COUNT", count, "JUSTID")

    @rule(k=KEYS)
    def delete(self, k):
        self.same("DEL", k)


def test_streams_state_machine(mini_server, redis_server):
    run_machine(StreamsMachine, mini_server, redis_server, examples=100, steps=40)
