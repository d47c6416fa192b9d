"""Hypothesis state machine: random ACL rule sequences on miniredis and redis-server.

After each SETUSER the rule texts (ACL LIST, single commands sorted: Redis emits
them in hash order) and ACL DRYRUN answers for a few commands are compared.
The servers are this module's own, so the users made here do not leak.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine, server_pair
from test_acl_compat import norm

USERS = st.sampled_from(["u1", "u2"])
RULES = st.sampled_from([
    "on", "off", "nopass", "resetpass", ">p", "<p", "reset", "allkeys", "resetkeys", "~k*",
    "%R~r*", "%W~w*", "allchannels", "resetchannels", "&c*", "allcommands", "nocommands",
    "+@all", "-@all", "+@read", "-@read", "+@write", "-@write", "+@string", "-@string",
    "+@dangerous", "-@dangerous", "+@admin", "-@admin", "+@fast", "-@fast", "+@slow", "-@slow",
    "+@keyspace", "-@keyspace", "+@list", "-@list", "+@pubsub", "+@scripting", "-@hash",
    "+get", "-get", "+set", "-set", "+config", "-config", "+config|get", "-config|get",
    "+client|list", "-client", "+acl", "-acl|setuser", "+flushall", "-flushall",
    "+debug", "-keys", "+object|encoding", "sanitize-payload", "skip-sanitize-payload",
    "(~x* +get)", "clearselectors", "+select|0", "+get|k1", "+config|get", "+select",
])
PROBES = [
    ("get", "k1"), ("get", "r1"), ("set", "w1", "v"), ("set", "r1", "v", "get"),
    ("config", "get", "x"), ("config", "set", "x", "y"), ("client", "list"), ("flushall",),
    ("publish", "c1", "m"), ("publish", "x", "m"), ("lpush", "k1", "a"),
    ("object", "encoding", "k"),
    ("get", "x1"), ("select", "0"), ("select", "1"),
]


class AclMachine(DifferentialMachine):
    @rule(user=USERS, rules=st.lists(RULES, min_size=1, max_size=6))
    def setuser(self, user, rules):
        self.same("ACL", "SETUSER", user, *rules)
        self.same("ACL", "LIST", key=lambda reply: [norm(x.v) for x in reply.v])
        for probe in PROBES:
            self.same("ACL", "DRYRUN", user, *probe)

    @rule(user=USERS)
    def deluser(self, user):
        self.same("ACL", "DELUSER", user)


@pytest.fixture(scope="module")
def pair():
    with server_pair() as p:
        yield p


def test_acl_state_machine(pair):
    run_machine(AclMachine, *pair, examples=40, steps=15)
