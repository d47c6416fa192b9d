"""Hypothesis state machine: random (un)subscribe / publish sequences on both servers.

One subscriber (RESP2 or RESP3, drawn per example) and one publisher on
each server. Confirmations are compared exactly, in order; the messages one
PUBLISH delivers are compared as a multiset, because Redis walks its pattern
table in hash order when several patterns match. UNSUBSCRIBE without
arguments (hash order too) is not drawn.
"""

from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from support import DifferentialMachine, RawClient, encode_command, run_machine, server_pair

CHANNELS = st.sampled_from(["a", "b", "ab", "news.x", "news.y", "A"])
PATTERNS = st.sampled_from(["a*", "*", "?b", "news.*", "[ab]", "news.[xz]", "A"])
MESSAGES = st.sampled_from(["", "hi", "\x00\r\n", "x" * 100])


class PubSubMachine(DifferentialMachine):
    @initialize(proto=st.sampled_from([2, 3]))
    def subscribers(self, proto):
        mport, rport = self.ports
        self.subs = (RawClient(mport, proto), RawClient(rport, proto))

    def teardown(self):
        if hasattr(self, "subs"):
            for c in self.subs:
                c.close()
            # The servers release a closed subscriber when they read its EOF:
            # wait (bounded) so the next example starts from no subscriptions.
            for admin in ((self.m, self.r) if hasattr(self, "m") else ()):
                for _ in range(500):
                    if admin.cmd("PUBSUB", "NUMPAT").v == 0 and not admin.cmd("PUBSUB", "CHANNELS").v \
                            and not admin.cmd("PUBSUB", "SHARDCHANNELS").v:
                        break
        DifferentialMachine.teardown(self)

    def _confirmations(self, cmd, names):
        for c in self.subs:
            c.send_raw(encode_command([cmd] + names))
        for _ in range(max(1, len(names))):
            m, r = (c.read() for c in self.subs)
            assert m == r, (cmd, names, m, r)

    @rule(names=st.lists(CHANNELS, min_size=1, max_size=3))
    def subscribe(self, names):
        self._confirmations("SUBSCRIBE", names)

    @rule(names=st.lists(CHANNELS, min_size=1, max_size=3))
    def unsubscribe(self, names):
        self._confirmations("UNSUBSCRIBE", names)

    @rule(names=st.lists(PATTERNS, min_size=1, max_size=3))
    def psubscribe(self, names):
        self._confirmations("PSUBSCRIBE", names)

    # With no names PUNSUBSCRIBE answers once per pattern, in Redis' hash order:
    # that form is compared in test_pubsub_compat.py (unordered), not here.
    @rule(names=st.lists(PATTERNS, min_size=1, max_size=3))
    def punsubscribe(self, names):
        self._confirmations("PUNSUBSCRIBE", names)

    @rule(names=st.lists(CHANNELS, min_size=1, max_size=2))
    def ssubscribe(self, names):
        self._confirmations("SSUBSCRIBE", names)

    @rule(names=st.lists(CHANNELS, min_size=1, max_size=2))
    def sunsubscribe(self, names):
        self._confirmations("SUNSUBSCRIBE", names)

    @rule(cmd=st.sampled_from(["PUBLISH", "SPUBLISH"]), channel=CHANNELS, msg=MESSAGES)
    def publish(self, cmd, channel, msg):
        m, r = self.m.cmd(cmd, channel, msg), self.r.cmd(cmd, channel, msg)
        assert m == r, (cmd, channel, m, r)
        got = [sorted(repr(c.read()) for _ in range(m.v)) for c in self.subs]
        assert got[0] == got[1], got

    @rule(arg=st.sampled_from([None, "x"]))
    def ping(self, arg):
        args = ["PING"] + ([arg] if arg else [])
        m, r = (c.cmd(*args) for c in self.subs)
        assert m == r, (m, r)

    @rule()
    def get_in_context(self):
        m, r = (c.cmd("GET", "k") for c in self.subs)
        assert m == r, (m, r)

    @rule(names=st.lists(CHANNELS, max_size=3))
    def numsub(self, names):
        self.same("PUBSUB", "NUMSUB", *names)
        self.same("PUBSUB", "SHARDNUMSUB", *names)
        self.same("PUBSUB", "NUMPAT")


def test_pubsub_state_machine():
    # Its own pair: other modules' subscribers must not show in NUMSUB / NUMPAT.
    with server_pair() as (mini, ref):
        run_machine(PubSubMachine, mini, ref, examples=25, steps=25)
