"""The compiled hot path (miniredis/_speedups.pyx) against the pure-Python code.

The same pipelines, each sent in one write so that it runs as one batch on
the plain path, go to a server using the compiled module (when it is built)
and to one forced to pure Python (MINIREDIS_PURE=1): every reply and the
statistics the written-out commands keep (hits, misses, changes, calls,
encodings, keyspace events, WATCH) must be the same. Under MINIREDIS_PURE=1
(the suite's second run) both servers are pure and the test still holds.
"""

import pytest

from support import RawClient, start_miniredis

BIG = 2 ** 63 - 1


@pytest.fixture(scope="module")
def servers():
    compiled = start_miniredis("--enable-debug-command", "yes")
    pure = start_miniredis("--enable-debug-command", "yes", env={"MINIREDIS_PURE": "1"})
    yield compiled, pure
    compiled.stop()
    pure.stop()


def both(servers, proto=2):
    return [RawClient(s.port, proto) for s in servers]


def info_fields(client, section, names):
    text = client.cmd("INFO", section).v
    if isinstance(text, bytes):
        text = text.decode()
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {n: fields.get(n) for n in names}


def calls(client, command):
    line = info_fields(client, "commandstats", ["cmdstat_" + command])["cmdstat_" + command]
    return None if line is None else line.split(",")[0]


def same(servers, setup, batch, proto=2):
    """Run setup one by one, then batch in one write, on both; compare all replies."""
    results = []
    for c in both(servers, proto):
        c.cmd("FLUSHALL")
        c.cmd("CONFIG", "RESETSTAT")
        for command in setup:
            c.cmd(*command)
        replies = c.pipeline(batch)
        stats = info_fields(c, "stats", ["keyspace_hits", "keyspace_misses"])
        stats.update(info_fields(c, "persistence", ["rdb_changes_since_last_save"]))
        stats["calls"] = [calls(c, name) for name in ("get", "set", "incr", "mset", "ping")]
        results.append(([(r.t, r.v) for r in replies], stats))
        c.close()
    assert results[0] == results[1]
    return results[0][0]


@pytest.mark.parametrize("proto", [2, 3])
def test_plain_strings(servers, proto):
    batch = [("SET", "k%d" % i, "v%d" % i) for i in range(20)]
    batch += [("GET", "k%d" % i) for i in range(22)]
    batch += [("INCR", "n")] * 5 + [("INCR", "k1"), ("PING",), ("PING", "x"),
                                    ("MSET", "a", "1", "b", "2", "a", "3"), ("GET", "a"),
                                    ("get", "b"), ("set", "c", "d"), ("incr", "n"), ("ping",)]
    replies = same(servers, [], batch, proto)
    assert replies[-9] == ("-", "ERR value is not an integer or out of range")


def test_keys_with_a_ttl(servers):
    setup = [("SET", "t", "5", "EX", "100"), ("SET", "u", "x", "PX", "100000"), ("SET", "plain", "1")]
    batch = [("GET", "t"), ("INCR", "t"), ("TTL", "t"), ("SET", "u", "y"), ("TTL", "u"),
             ("INCR", "plain"), ("MSET", "plain", "2", "t", "3"), ("TTL", "t"), ("GET", "t"),
             ("SET", "u", "z", "EX", "50"), ("MSET", "p", "1", "q", "2"), ("TTL", "u")]
    same(servers, setup, batch)


def test_expired_keys_are_seen_as_such(servers):
    for c in both(servers):
        c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.close()
    try:
        setup = [("SET", "gone", "1", "PX", "1"), ("SET", "gone2", "7", "PX", "1"),
                 ("SET", "gone3", "x", "PX", "1"), ("DEBUG", "SLEEP", "0.01")]
        batch = [("GET", "gone"), ("INCR", "gone2"), ("TTL", "gone2"), ("MSET", "gone3", "y"),
                 ("TTL", "gone3"), ("DBSIZE",)]
        same(servers, setup, batch)
    finally:
        for c in both(servers):
            c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            c.close()


def test_counters_at_their_edges(servers):
    texts = ["0", "-0", "01", "-1", "+1", " 1", "1 ", "", "abc", "1.5", "123456789012345678",
             "-123456789012345678", "999999999999999999", "1234567890123456789",
             str(BIG - 1), str(BIG), str(-BIG - 1), "9223372036854775808"]
    setup = [("SET", "c%d" % i, t) for i, t in enumerate(texts)]
    batch = []
    for i in range(len(texts)):
        batch += [("INCR", "c%d" % i), ("GET", "c%d" % i), ("OBJECT", "ENCODING", "c%d" % i)]
    same(servers, setup, batch)


def test_other_types_and_raw_strings(servers):
    setup = [("RPUSH", "l", "a"), ("APPEND", "r", "abc"), ("SET", "s", "1")]
    batch = [("GET", "l"), ("INCR", "l"), ("SET", "l", "now a string"), ("TYPE", "l"),
             ("OBJECT", "ENCODING", "r"), ("SET", "s", "2"), ("MSET", "s", "3", "r", "4"),
             ("OBJECT", "ENCODING", "r"), ("INCR", "s"), ("APPEND", "s", "0"), ("INCR", "s"),
             ("OBJECT", "ENCODING", "s"), ("LPUSH", "l2", "x"), ("GET", "s")]
    same(servers, setup, batch)


def test_idle_time_of_what_the_batch_touched(servers):
    setup = [("SET", "a", "1"), ("SET", "b", "2"), ("DEBUG", "SLEEP", "1.1")]
    batch = [("GET", "a"), ("SET", "c", "3"), ("OBJECT", "IDLETIME", "a"),
             ("OBJECT", "IDLETIME", "c")]
    replies = same(servers, setup, batch)
    assert replies[2:] == [(":", 0), (":", 0)]


def test_watch_sees_plain_writes(servers):
    for s in servers:
        watcher, writer = RawClient(s.port), RawClient(s.port)
        writer.cmd("FLUSHALL")
        watcher.cmd("WATCH", "w1")
        watcher.cmd("MULTI")
        watcher.cmd("GET", "w1")
        writer.pipeline([("GET", "x"), ("INCR", "w1"), ("GET", "x")])
        assert watcher.cmd("EXEC").v is None
        watcher.cmd("WATCH", "w2")
        watcher.cmd("MULTI")
        writer.pipeline([("MSET", "a", "1", "w2", "2")])
        assert watcher.cmd("EXEC").v is None
        watcher.close()
        writer.close()


def test_keyspace_events_from_plain_writes(servers):
    seen = []
    for s in servers:
        sub, writer = RawClient(s.port), RawClient(s.port)
        writer.cmd("FLUSHALL")
        writer.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
        try:
            sub.cmd("SUBSCRIBE", "__keyevent@0__:set", "__keyevent@0__:incrby", "__keyevent@0__:new")
            sub.read()
            sub.read()
            writer.pipeline([("SET", "a", "1"), ("INCR", "a"), ("MSET", "b", "1", "c", "2"),
                             ("INCR", "n"), ("PING",)])
            events = [sub.read().v for _ in range(5)]
            seen.append(events)
        finally:
            writer.cmd("CONFIG", "SET", "notify-keyspace-events", "")
            sub.close()
            writer.close()
    assert seen[0] == seen[1]
    assert [(e[1].v, e[2].v) for e in seen[0]] == [
        (b"__keyevent@0__:set", b"a"), (b"__keyevent@0__:incrby", b"a"),
        (b"__keyevent@0__:set", b"b"), (b"__keyevent@0__:set", b"c"),
        (b"__keyevent@0__:incrby", b"n")]


def test_commands_mixed_with_others_in_one_batch(servers):
    batch = [("SET", "a", "1"), ("SELECT", "1"), ("SET", "a", "2"), ("GET", "a"), ("SELECT", "0"),
             ("GET", "a"), ("MULTI",), ("INCR", "a"), ("EXEC",), ("HSET", "h", "f", "v"),
             ("GET", "h"), ("MSET", "x", "1"), ("GET", "a"), ("GET", "x")]
    for c in both(servers):
        c.cmd("SELECT", "1")
        c.cmd("FLUSHDB")
        c.cmd("SELECT", "0")
        c.close()
    same(servers, [], batch)
