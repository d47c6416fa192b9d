"""Generic key commands over a real socket: behaviour the differential tests cannot pin down
(scan guarantees over many pages, access times, expiry, project extensions)."""

import time

import pytest

from support import RawClient, start_miniredis


def _scan_all(r, *opts, limit=10000):
    """Every key a full SCAN returns (with duplicates), and the number of calls made."""
    cursor, seen, calls = b"0", [], 0
    while True:
        rep = r.cmd("SCAN", cursor, *opts)
        cursor = rep.v[0].v
        seen.extend(x.v for x in rep.v[1].v)
        calls += 1
        assert calls < limit
        if cursor == b"0":
            return seen, calls


def test_delete_is_an_alias_of_del(r):
    r.cmd("SET", "a", "1")
    r.cmd("SET", "b", "2")
    assert r.cmd("DELETE", "a", "b", "c").v == 2
    assert r.cmd("EXISTS", "a", "b").v == 0
    assert r.cmd("DELETE").v == "ERR wrong number of arguments for 'delete' command"


def test_scan_returns_every_key_once_over_pages(r):
    keys = {b"key:%d" % i for i in range(500)}
    r.pipeline([("SET", k, "v") for k in keys])
    seen, calls = _scan_all(r)
    assert set(seen) == keys and len(seen) == len(keys)
    assert calls >= 50           # COUNT defaults to 10
    seen, calls = _scan_all(r, "COUNT", "1000")
    assert set(seen) == keys and calls == 1


def test_scan_survives_concurrent_changes(r):
    r.pipeline([("SET", "stay:%d" % i, "v") for i in range(300)])
    r.pipeline([("SET", "gone:%d" % i, "v") for i in range(100)])
    cursor, seen, step = b"0", set(), 0
    while True:
        rep = r.cmd("SCAN", cursor, "COUNT", "7")
        cursor = rep.v[0].v
        seen.update(x.v for x in rep.v[1].v)
        # Mutate between pages: delete some keys, add new ones.
        r.cmd("DEL", "gone:%d" % (99 - step))
        r.cmd("SET", "new:%d" % step, "v")
        step += 1
        assert step < 1000
        if cursor == b"0":
            break
    assert {b"stay:%d" % i for i in range(300)} <= seen
    # gone:99 sits on the last page of the snapshot and was deleted after the first one.
    assert b"gone:99" not in seen


def test_scan_match_filters_after_selection(r):
    r.pipeline([("SET", "k%d" % i, "v") for i in range(100)])
    r.cmd("SET", "needle", "v")
    seen, calls = _scan_all(r, "MATCH", "needle", "COUNT", "5")
    assert seen == [b"needle"] and calls > 1
    first = r.cmd("SCAN", "0", "MATCH", "nomatch*", "COUNT", "5")
    assert first.v[0].v != b"0" and first.v[1].v == []


def test_scan_type_filter(r):
    r.cmd("SET", "s", "v")
    assert r.cmd("SCAN", "0", "TYPE", "string").v[1].v[0].v == b"s"
    assert r.cmd("SCAN", "0", "TYPE", "hash").v[1].v == []


def test_scan_unknown_cursor_restarts(r):
    r.pipeline([("SET", "k%d" % i, "v") for i in range(50)])
    rep = r.cmd("SCAN", str((12345 << 32) | 3), "COUNT", "100")
    assert rep.v[0].v == b"0" and len(rep.v[1].v) == 50
    rep = r.cmd("SCAN", "999", "COUNT", "10")
    assert rep.v[0].v != b"0" and len(rep.v[1].v) == 10


def test_expired_keys_never_listed(r):
    r.cmd("SET", "live", "v")
    r.cmd("SET", "dying", "v", "PX", "1")
    deadline = time.time() + 1.0
    while r.cmd("PTTL", "dying").v != -2 and time.time() < deadline:
        time.sleep(0.005)
    r.cmd("SET", "dying2", "v", "PX", "1")
    time.sleep(0.01)
    assert [x.v for x in r.cmd("KEYS", "*").v] == [b"live"]
    assert [x.v for x in r.cmd("SCAN", "0").v[1].v] == [b"live"]
    assert r.cmd("RANDOMKEY").v == b"live"
    assert r.cmd("EXISTS", "dying2").v == 0


def test_resp3_nulls(r3):
    assert r3.cmd("RANDOMKEY").t == "_"
    assert r3.cmd("OBJECT", "ENCODING", "nokey").t == "_"
    assert r3.cmd("TYPE", "nokey") == r3.cmd("TYPE", "nokey2")
    assert r3.cmd("TYPE", "nokey").t == "+"


def test_idletime_is_kept_and_not_touched_by_object(r):
    r.cmd("SET", "k", "v")
    # Access times have a one-second resolution (as Redis' LRU clock): a second
    # boundary may fall between two commands.
    assert r.cmd("OBJECT", "IDLETIME", "k").v <= 1
    assert r.cmd("TOUCH", "k", "k", "nokey").v == 2
    assert r.cmd("OBJECT", "IDLETIME", "k").v <= 1


def test_rename_move_copy_keep_ttl(r):
    r.cmd("SET", "a", "v", "EX", "100")
    assert r.cmd("RENAME", "a", "b").v == "OK"
    assert 99 <= r.cmd("TTL", "b").v <= 100
    assert r.cmd("MOVE", "b", "3").v == 1
    r.cmd("SELECT", "3")
    assert 99 <= r.cmd("TTL", "b").v <= 100
    assert r.cmd("COPY", "b", "c", "DB", "0").v == 1
    r.cmd("SELECT", "0")
    assert 99 <= r.cmd("TTL", "c").v <= 100


@pytest.fixture(scope="module")
def lfu_server():
    s = start_miniredis("--maxmemory-policy", "allkeys-lfu")
    yield s
    s.stop()


def test_object_under_lfu_policy(lfu_server):
    # Texts checked against redis-server 7.0.15 with maxmemory-policy allkeys-lfu.
    c = RawClient(lfu_server.port)
    try:
        c.cmd("SET", "k", "v")
        assert c.cmd("OBJECT", "FREQ", "k").v == 5
        assert c.cmd("OBJECT", "IDLETIME", "k").v == (
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
            "when switching between policies at runtime LRU and LFU data will take some time "
            "to adjust.")
        assert c.cmd("OBJECT", "IDLETIME", "nokey").t == "$"
    finally:
        c.close()


def test_object_refcount_not_shared_with_lru_maxmemory():
    s = start_miniredis("--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru")
    c = RawClient(s.port)
    try:
        c.cmd("SET", "n", "5")
        assert c.cmd("OBJECT", "REFCOUNT", "n").v == 1
        assert c.cmd("OBJECT", "ENCODING", "n").v == b"int"
    finally:
        c.close()
        s.stop()


def test_copy_value_uses_the_value_protocol():
    from miniredis.datatypes import copy_value
    from miniredis.values.listvalue import ListValue
    from miniredis.values.hashvalue import HashValue
    from miniredis.values.setvalue import SetValue
    for value in (HashValue({b"f": b"v"}), SetValue({b"m1", b"m2"}), ListValue([b"a", b"b"])):
        dup = copy_value(value)
        assert dup == value and dup is not value and type(dup) is type(value)
    text = b"immutable"
    assert copy_value(text) is text
