"""Differential fuzz: random argument lists for every comparable command in our registry.

Each example flushes both servers, seeds the same few keys, sends one random
command (name in random case, 0-5 arguments drawn from key names, edge
numbers, option keywords, empty and binary strings) to miniredis and to the
reference redis-server, and asserts identical replies (type and value), then
identical keyspaces. The focus is error precedence (arity vs syntax vs
not-an-integer vs wrong type vs range) and replies on edge inputs.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import COMMANDS
from support import RawClient

# Unsafe to compare (they end or reconfigure the connection or server, change
# the selected db or wipe more than the example seeds) or nondeterministic
# (times, ids, random picks, cursors, server-wide introspection).
EXCLUDED = {
    "shutdown", "debug", "quit", "reset", "hello", "auth", "select", "swapdb",
    "flushall", "flushdb", "move", "client", "config", "info", "time", "lastsave",
    "command", "randomkey", "scan", "monitor",
    # This project's historical aliases of DEL and FLUSHDB: Redis has no such
    # commands, on purpose (see commands/keys.py and commands/server.py).
    "delete", "flush",
}
# Subcommands whose replies depend on access times (OBJECT IDLETIME/FREQ).
EXCLUDED_SUBCOMMANDS = {"object": {"idletime", "freq"}}
# Replies that are a time: compared by kind (error / -2 / -1 / positive), not value.
TIME_REPLIES = {"ttl", "pttl", "expiretime", "pexpiretime"}
# Replies whose element order is unspecified.
UNORDERED = {"keys"}

NAMES = sorted(n for n in COMMANDS if n not in EXCLUDED)

KEYS = ["s", "i", "f", "t", "missing", "dst"]
NUMBERS = ["0", "1", "-1", "2", "3", "-2", "100", "9223372036854775807",
           "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
           "4294967296", "1.5", "-1.5", "inf", "-inf", "+inf", "nan", "1e400", "0x10",
           " 1", "01"]
OPTIONS = ["EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "KEEPTTL", "GET",
           "PERSIST", "LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "BIT", "BYTE",
           "AND", "OR", "XOR", "NOT", "MATCH", "COUNT", "TYPE", "REPLACE", "DB",
           "ex", "nx", "Get", "ASYNC", "SYNC", "*"]
JUNK = ["", "\x00\xff\r\n", "hello world", "h?llo", "[a-"]

ARG = st.sampled_from(KEYS + NUMBERS + OPTIONS + JUNK)

# Far-future TTL so nothing depends on timing.
SEED = [("SET", "s", "hello"), ("SET", "i", "42"), ("SET", "f", "3.5"),
        ("SET", "t", "ttl-value", "EX", "100000")]


def random_case(name, flips):
    return "".join(c.upper() if f else c for c, f in zip(name, flips))


@st.composite
def requests(draw):
    name = draw(st.sampled_from(NAMES))
    spec = COMMANDS[name]
    cmd = [random_case(name, draw(st.lists(st.booleans(), min_size=len(name),
                                           max_size=len(name))))]
    if spec.subcommands:
        subs = sorted(set(spec.subcommands) - EXCLUDED_SUBCOMMANDS.get(name, set()))
        cmd.append(draw(st.sampled_from(subs + ["nosuch"])))
    cmd += draw(st.lists(ARG, max_size=5))
    return name, cmd


def kind(reply):
    """A time reply reduced to what is deterministic: errors, -2, -1, or 'some time'."""
    if reply.t in ":(" and reply.v > 0:
        return (reply.t, "positive")
    return (reply.t, reply.v)


def normalise(name, reply):
    if name in TIME_REPLIES:
        return kind(reply)
    if name in UNORDERED and reply.t == "*" and reply.v:
        return (reply.t, sorted(x.v for x in reply.v))
    return reply


def snapshot(c):
    """The keyspace as comparable data: each key's type, value (for strings) and TTL kind."""
    out = []
    for k in sorted(x.v for x in c.cmd("KEYS", "*").v):
        t = c.cmd("TYPE", k).v
        v = c.cmd("GET", k) if t == "string" else None
        out.append((k, t, v, kind(c.cmd("PTTL", k))))
    return out


def run_examples(mini_server, redis_server, proto):
    m, r = RawClient(mini_server.port, proto), RawClient(redis_server.port, proto)

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(requests())
    def check(req):
        name, cmd = req
        for c in (m, r):
            c.cmd("FLUSHALL")
            c.pipeline(SEED)
        got, want = m.cmd(*cmd), r.cmd(*cmd)
        assert normalise(name, got) == normalise(name, want), \
            "%r: miniredis %r != redis %r (RESP%d)" % (cmd, got, want, proto)
        assert snapshot(m) == snapshot(r), "%r changed the keyspaces differently" % (cmd,)

    try:
        check()
    finally:
        m.close()
        r.close()


def test_fuzz_resp2(mini_server, redis_server):
    run_examples(mini_server, redis_server, 2)


def test_fuzz_resp3(mini_server, redis_server):
    run_examples(mini_server, redis_server, 3)
