"""Pub/sub against the reference server, RESP2 and RESP3: every step runs on both.

A module-scoped server pair keeps the global channel tables of other test
modules out of PUBSUB CHANNELS / NUMPAT; each test waits, bounded, until its
clients' subscriptions are gone on both servers before the next one.
"""

import re

import pytest

from support import RawClient, encode_command, server_pair


@pytest.fixture(scope="module")
def pair():
    with server_pair() as servers:
        yield servers


class Duo(object):
    """Named clients, one on each server; every command and read must agree."""

    def __init__(self, servers, proto):
        self.servers = servers
        self.proto = proto
        self.clients = {}

    def client(self, name, proto=None):
        self.clients[name] = tuple(RawClient(s.port, proto or self.proto, timeout=5)
                                   for s in self.servers)

    def cmd(self, name, *args):
        m, r = (c.cmd(*args) for c in self.clients[name])
        assert m == r, "%s %r: miniredis %r != redis %r" % (name, args, m, r)
        return m

    def send(self, name, *args):
        for c in self.clients[name]:
            c.send_raw(encode_command(args))

    def read(self, name):
        m, r = (c.read() for c in self.clients[name])
        assert m == r, "%s read: miniredis %r != redis %r" % (name, m, r)
        return m

    def read_unordered(self, name, n):
        """n replies whose order Redis leaves to its hash tables."""
        m, r = ([c.read() for _ in range(n)] for c in self.clients[name])
        # The same names in any order; the counts still go down one by one.
        for key in (lambda x: sorted(repr(e.v[1]) for e in x),
                    lambda x: [(e.t, e.v[0], e.v[2]) for e in x]):
            assert key(m) == key(r), (m, r)
        return m

    def raw(self, name, *args):
        """The raw bytes answered to one command (bounded wait), the same on both."""
        out = []
        for c in self.clients[name]:
            c.send_raw(encode_command(args))
            out.append(_recv_some(c))
        assert out[0] == out[1], "%r: miniredis %r != redis %r" % (args, out[0], out[1])
        return out[0]

    def close(self):
        for pair in self.clients.values():
            for c in pair:
                c.close()
        for s in self.servers:
            _wait_no_subscriptions(s.port)


def _recv_some(c):
    import socket
    c.sock.settimeout(0.3)
    data = b""
    try:
        for _ in range(100):
            data += c.sock.recv(65536)
            c.sock.settimeout(0.1)
    except socket.timeout:
        pass
    c.sock.settimeout(5)
    return data


def _wait_no_subscriptions(port):
    admin = RawClient(port)
    try:
        for _ in range(500):
            chans = admin.cmd("PUBSUB", "CHANNELS").v
            shards = admin.cmd("PUBSUB", "SHARDCHANNELS").v
            if not chans and not shards and admin.cmd("PUBSUB", "NUMPAT").v == 0:
                return
        raise AssertionError("subscriptions never went away")
    finally:
        admin.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def duo(request, pair):
    d = Duo(pair, request.param)
    yield d
    d.close()


def test_subscribe_unsubscribe_counts(duo):
    duo.client("s")
    duo.cmd("s", "SUBSCRIBE", "ch1")
    duo.send("s", "SUBSCRIBE", "ch2", "ch3", "ch2")
    for _ in range(3):
        duo.read("s")
    duo.cmd("s", "PSUBSCRIBE", "p*")        # counts channels and patterns together
    duo.cmd("s", "PSUBSCRIBE", "p*")        # twice: no new subscription, same count
    duo.cmd("s", "UNSUBSCRIBE", "ch1")
    duo.cmd("s", "UNSUBSCRIBE", "nosuch")
    duo.cmd("s", "PUNSUBSCRIBE", "nosuch")
    duo.send("s", "UNSUBSCRIBE")            # all channels, in hash-table order in Redis
    duo.read_unordered("s", 2)
    duo.cmd("s", "PUNSUBSCRIBE")
    # Nothing left: one reply with a null channel.
    duo.cmd("s", "UNSUBSCRIBE")
    duo.cmd("s", "PUNSUBSCRIBE")
    duo.cmd("s", "SUNSUBSCRIBE")
    duo.cmd("s", "PING")


def test_punsubscribe_all_in_subscription_order(duo):
    duo.client("s")
    duo.raw("s", "PSUBSCRIBE", "z*", "a*", "m?", "[x]")
    duo.raw("s", "PUNSUBSCRIBE")
    duo.raw("s", "PSUBSCRIBE", "one", "two")
    duo.raw("s", "PUNSUBSCRIBE", "two", "three", "one")


def test_shard_channels_count_on_their_own(duo):
    duo.client("s")
    duo.cmd("s", "SUBSCRIBE", "a")
    duo.cmd("s", "PSUBSCRIBE", "b*")
    duo.raw("s", "SSUBSCRIBE", "x", "y", "x")
    duo.raw("s", "SUNSUBSCRIBE", "x", "nosuch")
    duo.raw("s", "UNSUBSCRIBE", "a")
    duo.raw("s", "PUNSUBSCRIBE")
    duo.raw("s", "SUNSUBSCRIBE")
    duo.raw("s", "SUNSUBSCRIBE")
    duo.cmd("s", "GET", "k")    # no subscription left: any command again


def test_publish_delivery_and_receivers(duo):
    duo.client("a")
    duo.client("b")
    duo.client("pub")
    duo.cmd("a", "SUBSCRIBE", "news")
    duo.cmd("b", "SUBSCRIBE", "news")
    duo.cmd("b", "PSUBSCRIBE", "n*")
    duo.cmd("a", "PSUBSCRIBE", "?ews")
    assert duo.cmd("pub", "PUBLISH", "news", "hello").v == 4
    duo.read("a")                       # message first, then pattern messages
    duo.read("a")
    duo.read("b")
    duo.read("b")
    assert duo.cmd("pub", "PUBLISH", "nothing", "x").v == 1
    duo.read("b")
    assert duo.cmd("pub", "PUBLISH", "zzz", "x").v == 0
    duo.cmd("pub", "PUBLISH", "news", "")
    duo.read("a"), duo.read("a"), duo.read("b"), duo.read("b")
    duo.cmd("pub", "PUBLISH", "news", "bin\x00\r\nary")
    duo.read("a"), duo.read("a"), duo.read("b"), duo.read("b")
    # Delivery is over: the next replies are the PINGs'.
    duo.cmd("a", "PING")
    duo.cmd("b", "PING", "x")


def test_spublish(duo):
    duo.client("s")
    duo.client("pub")
    duo.cmd("s", "SSUBSCRIBE", "shard")
    duo.cmd("s", "SUBSCRIBE", "shard")
    assert duo.cmd("pub", "SPUBLISH", "shard", "m").v == 1
    duo.read("s")
    assert duo.cmd("pub", "PUBLISH", "shard", "m2").v == 1
    duo.read("s")
    assert duo.cmd("pub", "SPUBLISH", "other", "m").v == 0
    duo.cmd("s", "PING")


def test_subscribed_mode_rules(duo):
    duo.client("s")
    duo.cmd("s", "SUBSCRIBE", "c")
    for cmd in (["GET", "k"], ["SET", "k", "v"], ["PUBSUB", "HELP"], ["PUBSUB", "CHANNELS", "a", "b"],
                ["MULTI"], ["ECHO", "x"], ["SELECT", "1"], ["PUBLISH", "zz", "m"],
                ["CONFIG", "GET", "maxclients"], ["DISCARD"]):
        duo.cmd("s", *cmd)
    if duo.proto == 2:   # in RESP3 these run, with replies that differ (ids, addresses)
        duo.cmd("s", "CLIENT", "LIST")
        duo.cmd("s", "HELLO", "3")
    # Lookup and arity errors come before the pub/sub context rule.
    duo.cmd("s", "NOSUCHCOMMAND", "x")
    duo.cmd("s", "GET")
    duo.cmd("s", "PUBSUB", "NOSUCH")
    duo.cmd("s", "PUBSUB", "NUMPAT", "x")
    duo.cmd("s", "SUBSCRIBE")
    duo.cmd("s", "PING")
    duo.cmd("s", "PING", "hello")
    duo.cmd("s", "PING", "a", "b")
    duo.cmd("s", "SSUBSCRIBE", "sh")
    duo.cmd("s", "UNSUBSCRIBE", "c")
    duo.cmd("s", "GET", "k")            # the shard subscription still counts
    duo.cmd("s", "SUNSUBSCRIBE")
    duo.cmd("s", "GET", "k")
    duo.cmd("s", "PING")


def test_errorstats_count_context_rejections(pair):
    duo = Duo(pair, 2)
    try:
        duo.client("s")
        duo.client("admin")
        duo.cmd("admin", "CONFIG", "RESETSTAT")
        duo.cmd("s", "SUBSCRIBE", "c")
        duo.cmd("s", "GET", "k")
        duo.cmd("s", "GET", "k")
        stats = [_field(c.cmd("INFO", "commandstats").v, "cmdstat_get")
                 for c in duo.clients["admin"]]
        assert stats[0] == stats[1], stats
        errs = [_field(c.cmd("INFO", "errorstats").v, "errorstat_ERR") for c in duo.clients["admin"]]
        assert errs[0] == errs[1], errs
    finally:
        duo.close()


def _field(info, name):
    m = re.search(rb"^" + re.escape(name.encode()) + rb":(.*?)\r$", info, re.M)
    return m and m.group(1)


def test_resp3_publish_to_self_push_before_reply(pair):
    duo = Duo(pair, 3)
    try:
        duo.client("s")
        duo.cmd("s", "SUBSCRIBE", "me")
        duo.cmd("s", "PSUBSCRIBE", "m*")
        duo.raw("s", "PUBLISH", "me", "hi")   # message, pmessage, then :2
        duo.raw("s", "GET", "k")               # any command is allowed in RESP3
        duo.raw("s", "PING")
        duo.raw("s", "PING", "x")
        # HELLO 2 while subscribed: now the RESP2 rules hold.
        duo.send("s", "HELLO", "2", "SETNAME", "x")
        m, r = (c.read() for c in duo.clients["s"])
        assert m.t == r.t == "*"
        duo.cmd("s", "GET", "k")
        duo.cmd("s", "PING")
        duo.raw("s", "RESET")
        duo.cmd("s", "GET", "k")
    finally:
        duo.close()


@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_inside_multi(pair, proto):
    duo = Duo(pair, proto)
    try:
        duo.client("s")
        duo.cmd("s", "MULTI")
        duo.cmd("s", "SUBSCRIBE", "a", "b")
        duo.cmd("s", "PSUBSCRIBE", "p*")
        duo.cmd("s", "SSUBSCRIBE", "s1")
        duo.cmd("s", "UNSUBSCRIBE", "b")
        duo.raw("s", "EXEC")
        duo.cmd("s", "PING")
        duo.cmd("s", "GET", "k")
    finally:
        duo.close()


def test_publishing_to_itself_inside_exec(pair):
    """RESP3: the push stands inside the EXEC array, just before PUBLISH's own reply."""
    duo = Duo(pair, 3)
    try:
        duo.client("s")
        duo.cmd("s", "SUBSCRIBE", "me")
        duo.cmd("s", "MULTI")
        duo.cmd("s", "SET", "k", "1")
        duo.cmd("s", "PUBLISH", "me", "hi")
        duo.cmd("s", "GET", "k")
        assert duo.raw("s", "EXEC").count(b">3") == 1
    finally:
        duo.close()


def test_reset_and_quit_release_subscriptions(duo):
    duo.client("s")
    duo.client("admin")
    duo.cmd("s", "SUBSCRIBE", "r1")
    duo.cmd("s", "PSUBSCRIBE", "r*")
    duo.cmd("s", "SSUBSCRIBE", "rs")
    duo.cmd("s", "RESET")
    duo.cmd("admin", "PUBSUB", "NUMSUB", "r1")
    duo.cmd("admin", "PUBSUB", "NUMPAT")
    duo.cmd("admin", "PUBSUB", "SHARDNUMSUB", "rs")
    duo.cmd("s", "GET", "k")
    duo.cmd("s", "SUBSCRIBE", "q1")
    duo.cmd("s", "QUIT")


def test_pubsub_introspection(duo):
    duo.client("a")
    duo.client("b")
    duo.client("admin")
    duo.send("a", "SUBSCRIBE", "news.tech", "news.art", "sport")
    duo.read("a"), duo.read("a"), duo.read("a")
    duo.cmd("b", "SUBSCRIBE", "news.tech")
    duo.cmd("a", "PSUBSCRIBE", "news.*")
    duo.cmd("b", "PSUBSCRIBE", "news.*")
    duo.cmd("b", "PSUBSCRIBE", "sp?rt")
    duo.send("b", "SSUBSCRIBE", "s1", "s2")
    duo.read("b"), duo.read("b")
    admin = duo.clients["admin"]
    for args in (("PUBSUB", "CHANNELS"), ("PUBSUB", "CHANNELS", "news.*"),
                 ("PUBSUB", "CHANNELS", "nomatch*"), ("PUBSUB", "SHARDCHANNELS"),
                 ("PUBSUB", "SHARDCHANNELS", "*1")):
        m, r = (c.cmd(*args) for c in admin)
        assert m.t == r.t and sorted(map(repr, m.v)) == sorted(map(repr, r.v)), (args, m, r)
    duo.cmd("admin", "PUBSUB", "NUMSUB")
    duo.cmd("admin", "PUBSUB", "NUMSUB", "news.tech", "sport", "none", "news.tech")
    duo.cmd("admin", "PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3")
    duo.cmd("admin", "PUBSUB", "SHARDNUMSUB")
    duo.cmd("admin", "PUBSUB", "NUMPAT")      # distinct patterns
    duo.cmd("admin", "PUBSUB", "HELP")
    duo.cmd("admin", "PUBSUB", "help")
    for args in (("PUBSUB",), ("PUBSUB", "FOO"), ("PUBSUB", "CHANNELS", "a", "b"),
                 ("PUBSUB", "SHARDCHANNELS", "a", "b"), ("PUBSUB", "NUMPAT", "x"),
                 ("PUBSUB", "HELP", "x"), ("PUBLISH", "c"), ("PUBLISH", "c", "m", "x"),
                 ("SPUBLISH", "c"), ("SUBSCRIBE",), ("PSUBSCRIBE",), ("SSUBSCRIBE",)):
        assert duo.cmd("admin", *args).t == "-"
    stats = [(_field(c.cmd("INFO", "stats").v, "pubsub_channels"),
              _field(c.cmd("INFO", "stats").v, "pubsub_patterns"),
              _field(c.cmd("INFO", "stats").v, "pubsubshard_channels")) for c in admin]
    assert stats[0] == stats[1], stats


def _client_fields(line):
    fields = dict(f.split("=", 1) for f in line.split())
    return {k: fields[k] for k in ("flags", "sub", "psub", "ssub", "multi", "obl", "oll", "omem")}


def test_client_list_subscription_fields(pair):
    duo = Duo(pair, 3)
    try:
        duo.client("s")
        duo.cmd("s", "SUBSCRIBE", "a", "b")
        duo.read("s")
        duo.cmd("s", "PSUBSCRIBE", "p*")
        duo.cmd("s", "SSUBSCRIBE", "x")
        lines = [c.cmd("CLIENT", "INFO").v.decode() for c in duo.clients["s"]]
        assert _client_fields(lines[0]) == _client_fields(lines[1])
        duo.client("admin", 2)
        lines = [c.cmd("CLIENT", "LIST", "TYPE", "pubsub").v.decode() for c in duo.clients["admin"]]
        assert [_client_fields(x) for x in lines[0].splitlines()] == \
            [_client_fields(x) for x in lines[1].splitlines()]
        duo.send("s", "UNSUBSCRIBE")
        duo.read_unordered("s", 2)
        duo.cmd("s", "PUNSUBSCRIBE")
        duo.cmd("s", "SUNSUBSCRIBE")
        lines = [c.cmd("CLIENT", "INFO").v.decode() for c in duo.clients["s"]]
        assert _client_fields(lines[0]) == _client_fields(lines[1])
    finally:
        duo.close()


# --- client-output-buffer-limit: the configuration -----------------------------------

OBUF_DEFAULT = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"


@pytest.mark.parametrize("value", [
    "normal 0 0 0", "pubsub 1mb 2mb 3", "normal 1 2", "foo 1 2 3", "normal a 2 3",
    "normal 1 b 3", "normal 1 2 c", "normal -1 2 3", "normal 1 2 -3", "replica 1k 2k 10",
    "slave 1 2 3", "master 1 2 3", "", "normal 1gb 1GB 99999999999", "Normal 1 2 3",
    "normal 10 20 30 pubsub 1 2 3", "normal 10 20 30 pubsub 1 2", "  normal 1 2 3  ",
    "normal 1MB 2Kb 3", "normal 1 2 99999999999999999999", "normal 1 2 3x", "normal 1 2 +3",
    "normal 1 2 0x10", "normal 1.5 2 3", "normal 1 2 4294967295", "normal 2 1 3",
    "normal 18446744073709551615 0 0", "normal 1 2 ", "PUBSUB 5 5 5 normal 6 6 6 pubsub 7 7 7",
])
def test_obuf_limit_config_set(pair, value):
    duo = Duo(pair, 2)
    try:
        duo.client("c")
        duo.cmd("c", "CONFIG", "SET", "client-output-buffer-limit", value)
        duo.cmd("c", "CONFIG", "GET", "client-output-buffer-limit")
        duo.cmd("c", "CONFIG", "GET", "client-output-*")
    finally:
        duo.cmd("c", "CONFIG", "SET", "client-output-buffer-limit", OBUF_DEFAULT)
        duo.close()


def test_obuf_limit_config_resp3(pair):
    duo = Duo(pair, 3)
    try:
        duo.client("c")
        duo.cmd("c", "CONFIG", "GET", "client-output-buffer-limit")
        duo.cmd("c", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1 2")
    finally:
        duo.close()


def test_empty_channel_and_pattern_quirks(duo):
    duo.client("s")
    duo.client("pub")
    duo.cmd("s", "SUBSCRIBE", "")
    duo.cmd("s", "PSUBSCRIBE", "*")
    duo.cmd("s", "PSUBSCRIBE", "")
    duo.cmd("pub", "PUBSUB", "NUMSUB", "")
    duo.cmd("pub", "PUBSUB", "CHANNELS", "*")     # the empty name does not match '*'
    duo.cmd("pub", "PUBSUB", "CHANNELS", "")
    duo.raw("pub", "PUBLISH", "", "m")
    duo.read("s")
    duo.read("s")
    duo.raw("pub", "PUBLISH", "x", "m")
    duo.read("s")
    duo.cmd("s", "PSUBSCRIBE", "[a-")
    duo.cmd("pub", "PUBLISH", "b", "m")
    duo.read("s")
    duo.cmd("s", "PING")


def test_notifications_of_a_wake_up_come_after_the_reply(pair):
    """RESP3: a client subscribed to keyspace events whose LPUSH serves a blocked BLPOP
    gets its LPUSH reply first, then the events of the served pop."""
    from support import wait_blocked
    duo = Duo(pair, 3)
    try:
        duo.client("admin", 2)
        duo.cmd("admin", "CONFIG", "SET", "notify-keyspace-events", "KEA")
        duo.client("s")
        duo.cmd("s", "PSUBSCRIBE", "__keyevent@0__:[ld]*[pl]")   # lpop, del: not lpush
        duo.client("w", 2)
        duo.send("w", "BLPOP", "wk", "0")
        for s in pair:
            admin = RawClient(s.port)
            wait_blocked(admin, 1)
            admin.close()
        duo.raw("s", "LPUSH", "wk", "x")
        duo.read("w")
    finally:
        duo.cmd("admin", "CONFIG", "SET", "notify-keyspace-events", "")
        duo.close()
