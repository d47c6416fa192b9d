"""The keyspace with an injected clock: expiry, TTLs, hooks, access times, scan cursors."""

import pytest

from miniredis import errors, keyspace
from miniredis.errors import CommandError
from miniredis.keyspace import Keyspace
from miniredis.scan import ScanTable, parse_cursor, parse_options


class FakeClock(object):
    def __init__(self, ms=1000000000000):
        self.ms = ms

    def __call__(self):
        return self.ms


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def ks(clock):
    k = Keyspace(4, clock=clock)
    k.changes = []
    k.expirations = []
    k.on_change.append(lambda db, key: k.changes.append((db.index, key)))
    k.on_expire.append(lambda db, key: k.expirations.append((db.index, key)))
    return k


def advance(ks, clock, ms):
    clock.ms += ms
    ks.tick()   # what the server cron does hz times a second


# --- expiry and TTLs -------------------------------------------------------------

def test_lazy_expiry_removes_and_reports(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.set_expire(b"k", clock.ms + 100)
    assert db.ttl_ms(b"k") == 100
    clock.ms += 99
    assert db.get(b"k") == b"v"
    clock.ms += 1
    ks.changes.clear()
    assert db.get(b"k") is None
    assert ks.expirations == [(0, b"k")] and ks.changes == [(0, b"k")]
    assert b"k" not in db.data and b"k" not in db.expires and b"k" not in db.access
    assert ks.expired_keys == 1


def test_ttl_persist_and_past_expiry(ks, clock):
    db = ks.dbs[0]
    assert db.ttl_ms(b"nokey") == -2
    db.set(b"k", b"v")
    assert db.ttl_ms(b"k") == -1
    assert not db.persist(b"k")
    db.set_expire(b"k", clock.ms + 5000)
    assert db.expire_at(b"k") == clock.ms + 5000
    assert db.persist(b"k") and db.ttl_ms(b"k") == -1
    db.set_expire(b"k", clock.ms)          # a time not in the future deletes
    assert db.get(b"k") is None and ks.expirations == []
    db.set(b"k", b"v")
    db.set_expire(b"k", clock.ms + 10)
    db.set(b"k", b"w")                     # a plain write drops the TTL
    assert db.ttl_ms(b"k") == -1
    db.set_expire(b"k", clock.ms + 10)
    db.set(b"k", b"x", keepttl=True)
    assert db.ttl_ms(b"k") == 10


def test_live_keys_and_random_key_skip_expired(ks, clock):
    db = ks.dbs[0]
    db.set(b"live", b"v")
    db.set(b"dead", b"v")
    db.set_expire(b"dead", clock.ms + 1)
    clock.ms += 1
    # KEYS only tests expiry (Redis' keyIsExpired): nothing is removed or counted.
    assert db.live_keys() == [b"live"]
    assert b"dead" in db.data and ks.expirations == [] and ks.expired_keys == 0
    for _ in range(40):
        assert db.random_key() == b"live"
    # RANDOMKEY expires the expired keys it draws (each call draws it with p >= 1/2).
    assert b"dead" not in db.data and ks.expirations == [(0, b"dead")]


def test_active_expiry_work_is_bounded(ks, clock):
    db = ks.dbs[1]
    for i in range(1000):
        db.set(b"k%d" % i, b"v")
        db.set_expire(b"k%d" % i, clock.ms + 10)
    db.set(b"keep", b"v")
    db.set_expire(b"keep", clock.ms + 10 ** 6)
    clock.ms += 10
    examined, expired = db.active_expire(50, clock.ms)
    assert examined == 50 and expired == 50 and len(db) == 951
    total = 0
    for _ in range(100):                  # bounded: each cycle does a bounded amount of work
        total += ks.active_expire_cycle(time_budget_s=1.0, keys_per_step=100)
        if len(db) == 1:
            break
    assert total == 950 and list(db.data) == [b"keep"]
    assert len(ks.expirations) == 1000


def test_active_expiry_cycle_respects_time_budget(ks, clock):
    db = ks.dbs[0]
    for i in range(5000):
        db.set(b"k%d" % i, b"v")
        db.set_expire(b"k%d" % i, clock.ms + 1)
    clock.ms += 1
    removed = ks.active_expire_cycle(time_budget_s=0.0, keys_per_step=100)
    assert 0 < removed < 5000


# --- change hooks ---------------------------------------------------------------------

def test_every_mutation_is_reported(ks, clock):
    db = ks.dbs[2]
    steps = [
        lambda: db.set(b"a", b"1"),
        lambda: db.add(b"b", b"2"),
        lambda: db.set_expire(b"a", clock.ms + 100),
        lambda: db.persist(b"a"),
        lambda: db.changed(b"a"),
        lambda: db.delete(b"a"),
        lambda: db.pop(b"b"),
    ]
    for step in steps:
        before = len(ks.changes)
        step()
        assert len(ks.changes) == before + 1
    assert ks.changes == [(2, b"a"), (2, b"b"), (2, b"a"), (2, b"a"), (2, b"a"), (2, b"a"), (2, b"b")]
    ks.changes.clear()
    assert not db.delete(b"a") and db.pop(b"a") is None and not db.persist(b"a")
    assert ks.changes == []                # nothing changed, nothing reported
    db.set(b"x", b"1")
    db.set(b"y", b"1")
    ks.changes.clear()
    db.clear()
    assert sorted(ks.changes) == [(2, b"x"), (2, b"y")]


def test_swap_exchanges_data_ttls_and_access_and_reports(ks, clock):
    a, b = ks.dbs[0], ks.dbs[1]
    a.set(b"ka", b"1")
    a.set_expire(b"ka", clock.ms + 100)
    b.set(b"kb", b"2")
    ks.changes.clear()
    ks.swap(0, 1)
    assert a.get(b"kb") == b"2" and b.get(b"ka") == b"1"
    assert b.ttl_ms(b"ka") == 100 and a.ttl_ms(b"kb") == -1
    assert b"ka" in b.access and b"kb" in a.access
    # Keys of either database are reported in both (WATCH sees them come and go).
    assert sorted(ks.changes) == [(0, b"ka"), (0, b"kb"), (1, b"ka"), (1, b"kb")]
    ks.changes.clear()
    dirty = ks.dirty
    ks.swap(1, 1)
    assert ks.changes == [] and ks.dirty == dirty + 1 and b.get(b"ka") == b"1"


def test_flushall_clears_every_database(ks):
    for db in ks.dbs:
        db.set(b"k", b"v")
    ks.flushall()
    assert all(len(db) == 0 and not db.access for db in ks.dbs)


# --- access times (OBJECT IDLETIME) ----------------------------------------------------

def test_idle_seconds_follow_reads_and_writes_not_peeks(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    advance(ks, clock, 5000)
    assert db.idle_seconds(b"k") == 5
    assert db.peek(b"k") == b"v" and db.exists(b"k") and db.ttl_ms(b"k") == -1
    assert db.idle_seconds(b"k") == 5
    db.get(b"k")
    assert db.idle_seconds(b"k") == 0
    advance(ks, clock, 3000)
    db.touch(b"k")
    advance(ks, clock, 1000)
    assert db.idle_seconds(b"k") == 1
    db.delete(b"k")
    assert b"k" not in db.access


def test_tracker_stamps_one_shared_int_per_second(ks, clock):
    db = ks.dbs[0]
    db.set(b"a", b"1")
    db.set(b"b", b"1")
    advance(ks, clock, 1000)
    db.get(b"a")
    assert db.access[b"a"] is ks.lru_now and db.access[b"b"] is not ks.lru_now
    db.read(b"b")
    assert db.access[b"a"] is db.access[b"b"] is ks.lru_now
    assert db.idle_seconds(b"a") == db.idle_seconds(b"b") == 0


def test_tracker_generations_are_bounded_and_horizon_is_a_lower_bound(ks, clock):
    ks.set_tracking(cap=4)
    db = ks.dbs[0]
    start = ks.lru_now
    written = {}
    for i in range(8):                    # k0..k3 fill one generation, k4..k7 the next
        written[b"k%d" % i] = ks.lru_now
        db.set(b"k%d" % i, b"v")
        advance(ks, clock, 1000)
    assert [db.idle_seconds(b"k%d" % i) for i in range(8)] == [8, 7, 6, 5, 4, 3, 2, 1]
    db.set(b"new", b"v")                  # full again: the generation of k0..k3 is dropped
    assert list(db.access) == [b"new"] and list(db.old) == [b"k4", b"k5", b"k6", b"k7"]
    assert db.horizon == start + 4        # when that generation was closed
    advance(ks, clock, 10000)
    # k0..k3 were last accessed 18..15 s ago: 14 (the horizon) bounds them all.
    for key, when in written.items():
        exact = ks.lru_now - when
        assert db.idle_seconds(key) == (exact if key >= b"k4" else 14) <= exact
    db.get(b"k0")
    assert db.idle_seconds(b"k0") == 0
    assert len(db.access) + len(db.old) <= 2 * 4


def test_a_deleted_key_leaves_both_generations(ks, clock):
    ks.set_tracking(cap=2)
    db = ks.dbs[0]
    for key in (b"a", b"b", b"c"):
        db.set(key, b"v")
    assert b"a" in db.old and b"c" in db.access
    db.delete(b"a")
    db.delete(b"c")
    assert b"a" not in db.old and b"c" not in db.access
    advance(ks, clock, 3000)
    db.data[b"a"] = b"v"                  # created again without an access (RDB loading)
    assert db.idle_seconds(b"a") == 3     # the horizon's bound, not a stale time


def test_set_idle_and_set_freq(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.set_idle(b"k", 100)
    assert db.idle_seconds(b"k") == 100
    advance(ks, clock, 2000)
    assert db.idle_seconds(b"k") == 102
    db.set_freq(b"k", 300)
    assert db.lfu_freq(b"k") == 255


def test_lfu_counters_take_the_slow_path_and_survive_a_generation(ks, clock):
    class Cfg(object):
        lfu_log_factor = 0                # every access counts
        lfu_decay_time = 1
    ks.set_tracking(Cfg(), cap=2)
    assert ks.fast_cap == 0
    db = ks.dbs[0]
    db.set(b"k", b"v")
    assert db.lfu_freq(b"k") == keyspace.LFU_INIT_VAL
    db.get(b"k")
    db.set(b"x", b"v")
    db.set(b"y", b"v")                    # k's counter is in the old generation now
    assert b"k" in db.old and db.lfu_freq(b"k") == keyspace.LFU_INIT_VAL + 1
    db.get(b"k")
    assert db.lfu_freq(b"k") == keyspace.LFU_INIT_VAL + 2
    ks.set_tracking()
    assert ks.lfu is None and ks.fast_cap == ks.track_cap == keyspace.ACCESS_TRACKER_CAP


def test_untracked_keys_from_before_any_access_use_creation_time(ks, clock):
    db = ks.dbs[3]
    db.data[b"loaded"] = b"v"             # as a snapshot load would, without an access
    advance(ks, clock, 7000)
    assert db.idle_seconds(b"loaded") == 7


# --- scan cursors -------------------------------------------------------------------

def _full_scan(table, coll, count, mutate=None):
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, keys = table.page(coll, cursor, count)
        seen.extend(keys)
        calls += 1
        assert calls < 10000
        if mutate:
            mutate(calls)
        if cursor == 0:
            return seen, calls


def test_scan_small_collection_is_one_page():
    t = ScanTable()
    assert t.page({b"a": 1, b"b": 2}, 0, 10) == (0, [b"a", b"b"])
    assert not t.scans


def test_scan_pages_cover_everything_and_free_the_snapshot():
    t = ScanTable()
    coll = {b"k%d" % i: 1 for i in range(95)}
    seen, calls = _full_scan(t, coll, 10)
    assert sorted(seen) == sorted(coll) and calls == 10
    assert not t.scans and t.entries == 0


def test_scan_cursor_is_unsigned_64_bit_and_nonzero_midway():
    t = ScanTable()
    coll = {b"k%d" % i: 1 for i in range(30)}
    cursor, keys = t.page(coll, 0, 10)
    assert 0 < cursor < 2 ** 64 and len(keys) == 10


def test_scan_skips_deleted_keys_and_keeps_survivors():
    t = ScanTable()
    coll = {b"k%d" % i: 1 for i in range(100)}

    def mutate(call):
        coll.pop(b"k%d" % (100 - call), None)
        coll[b"new%d" % call] = 1
    seen, _ = _full_scan(t, coll, 7, mutate)
    assert {b"k%d" % i for i in range(80)} <= set(seen)
    assert b"k99" not in seen and len(seen) == len(set(seen))


def test_scan_evicted_or_foreign_cursor_restarts_without_misses():
    t = ScanTable(max_scans=2)
    coll = {b"k%d" % i: 1 for i in range(50)}
    cursor, first = t.page(coll, 0, 10)
    for _ in range(2):                    # two more scans evict the first
        t.page({b"x%d" % i: 1 for i in range(20)}, 0, 5)
    assert len(t.scans) == 2
    seen = list(first)
    while cursor:
        cursor, keys = t.page(coll, cursor, 10)
        seen.extend(keys)
    assert set(seen) == set(coll)         # duplicates allowed, misses not
    other = {b"o%d" % i: 1 for i in range(30)}
    cursor, keys = t.page(other, 123456789, 10)   # a cursor it never issued
    assert keys == [b"o%d" % i for i in range(10)] and cursor != 0


def test_scan_table_bounds_total_snapshot_entries():
    t = ScanTable(max_scans=100, max_entries=100)
    colls = [{b"k%d" % i: 1 for i in range(60)} for _ in range(3)]
    for c in colls:
        t.page(c, 0, 10)
    assert len(t.scans) == 1 and t.entries == 60


def test_parse_cursor_like_strtoul():
    assert parse_cursor(b"0") == 0
    assert parse_cursor(b"") == 0
    assert parse_cursor(b"+5") == 5
    assert parse_cursor(b"-1") == 2 ** 64 - 1
    assert parse_cursor(b"18446744073709551615") == 2 ** 64 - 1
    for bad in (b"x", b" 5", b"5 ", b"+", b"-", b"1.5", b"0x5", b"18446744073709551616"):
        with pytest.raises(CommandError) as e:
            parse_cursor(bad)
        assert e.value.message == errors.INVALID_CURSOR


def test_parse_options():
    argv = [b"scan", b"0", b"COUNT", b"5", b"match", b"a*", b"TYPE", b"String"]
    assert parse_options(argv, 2, True) == (b"a*", 5, b"string")
    assert parse_options([b"scan", b"0", b"MATCH", b"*"], 2, True) == (None, 10, None)
    for args in ([b"COUNT", b"0"], [b"COUNT"], [b"TYPE", b"x"], [b"FOO", b"1"]):
        with pytest.raises(CommandError) as e:
            parse_options([b"hscan", b"k", b"0"] + args, 3, False)
        assert e.value.message == errors.SYNTAX


# --- hardening -------------------------------------------------------------------------

def test_write_over_an_expired_key_expires_it_first(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"old")
    db.set_expire(b"k", clock.ms + 5)
    clock.ms += 5
    ks.changes.clear()
    db.set(b"k", b"new", keepttl=True)
    # Counted and reported as an expiry (Redis' lookupKeyWrite), then written anew.
    assert ks.expired_keys == 1 and ks.expirations == [(0, b"k")]
    assert ks.changes == [(0, b"k"), (0, b"k")]
    assert db.get(b"k") == b"new" and db.ttl_ms(b"k") == -1   # no TTL left to keep
    db.set_expire(b"k", clock.ms + 50)
    db.set(b"k", b"newer", keepttl=True)
    assert db.ttl_ms(b"k") == 50 and ks.expired_keys == 1


def test_raw_marks_follow_the_value_lifecycle(ks, clock):
    a, b = ks.dbs[0], ks.dbs[1]
    a.set(b"s", b"12")
    assert not a.is_raw(b"s")
    a.mark_raw(b"s")
    assert a.is_raw(b"s")
    a.set(b"s", b"13")                     # a new value is not modified in place
    assert not a.is_raw(b"s")
    for remove in (a.delete, a.pop):
        a.set(b"s", b"x")
        a.mark_raw(b"s")
        remove(b"s")
        a.add(b"s", b"y")
        assert not a.is_raw(b"s")
    a.mark_raw(b"s")
    a.set_expire(b"s", clock.ms + 1)
    clock.ms += 1
    assert a.get(b"s") is None and not a.raw
    a.set(b"t", b"x")
    a.mark_raw(b"t")
    ks.swap(0, 1)
    assert b.is_raw(b"t") and not a.is_raw(b"t")
    ks.flushall()
    assert not b.raw


def test_random_key_finds_the_live_key_among_many_expired(ks, clock):
    db = ks.dbs[0]
    for i in range(500):
        db.set(b"dead%d" % i, b"v")
        db.set_expire(b"dead%d" % i, clock.ms + 1)
    db.set(b"live", b"v")
    clock.ms += 1
    assert db.random_key() == b"live"
    # Drawing "live" early may leave some expired keys unswept: each key is
    # either still stored or counted as expired, never both.
    assert b"live" in db.data and ks.expired_keys + len(db.data) == 501
    db.set_expire(b"live", clock.ms + 1)
    clock.ms += 1
    assert db.random_key() is None and not db.data
