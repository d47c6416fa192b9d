"""maxmemory and eviction on an in-process miniredis with a fake clock.

Fill past the limit under each policy and check which keys go, that the
memory figure stays under the bound, that volatile policies never evict a key
without a TTL, the OOM refusals, the `evicted` event, the DEL propagation, and
that MEMORY USAGE agrees with the figure maxmemory bounds.
"""

import pytest

from support import FakeClock, green_client, inprocess_server, settle

POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random",
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]
VALUE = "x" * 100


@pytest.fixture
def env():
    clock = FakeClock()
    with inprocess_server(clock=clock) as srv:
        c = green_client(srv)
        try:
            yield srv, c, clock
        finally:
            c.close()


def setcfg(c, *pairs):
    for name, value in pairs:
        assert c.cmd("CONFIG", "SET", name, value).v == "OK"


def used(srv):
    return srv.eviction.used_memory()


def info(c, section):
    text = c.cmd("INFO", section).plain().decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def usage_sum(c):
    keys = c.cmd("KEYS", "*").plain()
    return sum(c.cmd("MEMORY", "USAGE", k).v for k in keys)


def advance(srv, clock, seconds):
    clock.advance(seconds * 1000)
    srv.keyspace.tick()


# --- accounting -------------------------------------------------------------------------

def test_memory_usage_agrees_with_running_total(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "100mb"))
    c.cmd("SET", "s", "abc")
    c.cmd("RPUSH", "l", *["e%d" % i for i in range(300)])
    c.cmd("HSET", "h", "f1", "v1", "f2", "v" * 80)
    c.cmd("SADD", "st", "1", "2", "three")
    c.cmd("ZADD", "z", "1", "a", "2", "b")
    c.cmd("XADD", "x", "*", "f", "v")
    c.cmd("APPEND", "s", "defg")
    c.cmd("LPOP", "l", "10")
    c.cmd("SELECT", "3")
    c.cmd("SET", "other", "v")
    c.cmd("SELECT", "0")
    assert used(srv) == usage_sum(c) + 56 + len("other") + 80 + 1
    c.cmd("SWAPDB", "0", "3")
    c.cmd("DEL", "other")
    c.cmd("SELECT", "3")
    assert used(srv) == usage_sum(c)
    c.cmd("FLUSHALL")
    assert used(srv) == 0
    assert int(info(c, "memory")["used_memory"]) == 0


def test_untracked_estimate_and_switching(env):
    srv, c, _ = env
    for i in range(50):
        c.cmd("SET", "k%d" % i, VALUE)
    estimate = int(info(c, "memory")["used_memory"])
    assert estimate == usage_sum(c)              # few keys: every one is counted
    assert srv.eviction.sizes is None            # nothing tracked while maxmemory is 0
    hooks = srv.dispatcher.context_hooks
    setcfg(c, ("maxmemory", "1mb"))
    assert srv.eviction._oom_hook in hooks and used(srv) == estimate
    setcfg(c, ("maxmemory", "0"))
    assert srv.eviction._oom_hook not in hooks and srv.eviction.sizes is None


def test_info_fields(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "10000"), ("maxmemory-policy", "allkeys-random"))
    for i in range(200):
        c.cmd("SET", "k%d" % i, VALUE)
    f = info(c, "memory")
    assert f["maxmemory"] == "10000" and f["maxmemory_policy"] == "allkeys-random"
    assert int(f["used_memory"]) <= 10000
    evicted = int(info(c, "stats")["evicted_keys"])
    assert evicted == 200 - c.cmd("DBSIZE").v > 0
    c.cmd("CONFIG", "RESETSTAT")
    assert info(c, "stats")["evicted_keys"] == "0"


# --- every policy -------------------------------------------------------------------------

@pytest.mark.parametrize("policy", POLICIES)
def test_fill_past_limit(env, policy):
    srv, c, _ = env
    limit = 20000
    setcfg(c, ("maxmemory", str(limit)), ("maxmemory-policy", policy))
    per_key = 56 + len("persistent400") + 80 + len(VALUE)   # the largest key written
    for i in range(400):
        # A few keys without TTL (they fit in the limit with room to spare).
        if policy.startswith("volatile-") and not i % 10:
            assert c.cmd("SET", "persistent%d" % i, VALUE).v == "OK"
        else:
            assert c.cmd("SET", "k%d" % i, VALUE, "EX", str(1000 + i)).v == "OK"
        # Redis evicts before each command: a write can pass the bound by its own size.
        assert used(srv) <= limit + per_key
    c.cmd("PING")
    assert used(srv) <= limit
    assert used(srv) == usage_sum(c)
    evicted = int(info(c, "stats")["evicted_keys"])
    assert evicted > 0 and evicted == 400 - c.cmd("DBSIZE").v
    if policy.startswith("volatile-"):
        # Keys without a TTL are never evicted.
        assert len(c.cmd("KEYS", "persistent*").v) == 40


@pytest.mark.parametrize("policy", [p for p in POLICIES if p.startswith("volatile-")])
def test_volatile_without_candidates_refuses(env, policy):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "5000"), ("maxmemory-policy", policy))
    c.cmd("SET", "ttl", VALUE, "EX", "100")
    n = 0
    while c.cmd("SET", "p%d" % n, VALUE).t == "+":
        n += 1
        assert n < 200
    assert c.cmd("SET", "more", "v").v.startswith("OOM ")
    assert c.cmd("EXISTS", "ttl").v == 0                  # the volatile key went first
    assert len(c.cmd("KEYS", "p*").v) == n                # no key without TTL went
    assert c.cmd("GET", "p0").v == VALUE.encode()


# --- which keys go ------------------------------------------------------------------------

def test_lru_evicts_the_least_recently_used(env):
    srv, c, clock = env
    setcfg(c, ("maxmemory", "100000"), ("maxmemory-policy", "allkeys-lru"),
           ("maxmemory-samples", "1000"))
    for i in range(100):
        c.cmd("SET", "old%d" % i, VALUE)
    advance(srv, clock, 100)
    for i in range(0, 100, 2):
        c.cmd("GET", "old%d" % i)                          # used again: stays
    advance(srv, clock, 10)
    setcfg(c, ("maxmemory", str(used(srv))))
    for i in range(40):
        c.cmd("SET", "new%d" % i, VALUE)
    c.cmd("PING")
    left = set(k.decode() for k in c.cmd("KEYS", "old*").plain())
    assert all("old%d" % i in left for i in range(0, 100, 2))
    assert len(left) < 100


def test_lfu_evicts_the_least_frequently_used(env):
    srv, c, clock = env
    setcfg(c, ("maxmemory", "100000"), ("maxmemory-policy", "allkeys-lfu"),
           ("maxmemory-samples", "1000"))
    for i in range(60):
        c.cmd("SET", "k%d" % i, VALUE)
    for _ in range(20):
        for i in range(0, 60, 3):
            c.cmd("GET", "k%d" % i)
    setcfg(c, ("maxmemory", str(used(srv))))
    for i in range(20):
        c.cmd("SET", "fresh%d" % i, VALUE)
        c.cmd("GET", "fresh%d" % i)
    c.cmd("PING")
    left = set(k.decode() for k in c.cmd("KEYS", "k*").plain())
    assert all("k%d" % i in left for i in range(0, 60, 3))
    assert len(left) < 60


def test_volatile_ttl_evicts_nearest_expiry(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "100000"), ("maxmemory-policy", "volatile-ttl"),
           ("maxmemory-samples", "1000"))
    for i in range(50):
        c.cmd("SET", "k%02d" % i, VALUE, "EX", str(1000 + i * 10))
    setcfg(c, ("maxmemory", str(used(srv))))
    for i in range(10):
        c.cmd("SET", "p%d" % i, VALUE)
    c.cmd("PING")
    left = sorted(k.decode() for k in c.cmd("KEYS", "k*").plain())
    gone = 50 - len(left)
    assert gone >= 10
    assert left == ["k%02d" % i for i in range(gone, 50)]


def test_evictions_across_databases(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "100000"), ("maxmemory-policy", "allkeys-random"))
    for db in (0, 5):
        c.cmd("SELECT", str(db))
        for i in range(50):
            c.cmd("SET", "k%d" % i, VALUE)
    limit = used(srv) // 2
    setcfg(c, ("maxmemory", str(limit)))
    c.cmd("PING")
    assert used(srv) <= limit and c.cmd("DBSIZE").v < 50
    c.cmd("SELECT", "0")
    assert c.cmd("DBSIZE").v < 50


# --- OOM -----------------------------------------------------------------------------------

def test_noeviction_refuses_denyoom_only(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "3000"))
    n = 0
    while c.cmd("SET", "k%d" % n, VALUE).t == "+":
        n += 1
        assert n < 100
    oom = "OOM command not allowed when used memory > 'maxmemory'."
    assert c.cmd("SET", "x", "y").v == oom
    assert c.cmd("RPUSH", "l", "a").v == oom
    assert c.cmd("GET", "k0").v == VALUE.encode()
    assert c.cmd("DEL", "k0").v == 1                      # freeing memory is allowed
    assert int(info(c, "stats")["evicted_keys"]) == 0
    assert c.cmd("SET", "x", "y").v == "OK"
    errs = info(c, "errorstats")
    assert errs["errorstat_OOM"] == "count=3"   # the refused fill, SET and RPUSH


def test_pipelined_plain_commands_meet_the_limit_one_by_one(env):
    # With maxmemory set, plain commands still take the plain path while memory
    # is under the limit; the limit is looked at before each of them, so the
    # one that finds memory full is refused even inside one read.
    srv, c, _ = env
    setcfg(c, ("maxmemory", "3000"))
    assert srv.dispatcher.oom_gate[0] is not None
    replies = c.pipeline([("SET", "k%d" % i, VALUE) for i in range(60)] + [("GET", "k0")])
    kinds = [r.t for r in replies[:60]]
    first_refused = kinds.index("-")
    assert 0 < first_refused and set(kinds[first_refused:]) == {"-"}
    assert replies[first_refused].v.startswith("OOM ")
    assert replies[60].v == VALUE.encode()                 # reads are not denyoom
    assert used(srv) <= 3000 + len(VALUE) + 200
    assert int(info(c, "stats")["evicted_keys"]) == 0
    assert info(c, "errorstats")["errorstat_OOM"] == "count=%d" % (60 - first_refused)
    setcfg(c, ("maxmemory", "0"))
    assert srv.dispatcher.oom_gate[0] is None


def test_oom_in_multi(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "3000"))
    other = green_client(srv)
    try:
        c.cmd("MULTI")
        assert c.cmd("SET", "a", "b").v == "QUEUED"
        while other.cmd("SET", "fill%d" % srv.keyspace.dirty, VALUE).t == "+":
            pass
        assert c.cmd("EXEC").v == ("EXECABORT Transaction discarded because of: "
                                   "OOM command not allowed when used memory > 'maxmemory'.")
        c.cmd("MULTI")
        assert c.cmd("GET", "a").v.startswith("OOM ")
        assert c.cmd("EXEC").v == "EXECABORT Transaction discarded because of previous errors."
        c.cmd("MULTI")
        assert c.cmd("DISCARD").v == "OK"
    finally:
        other.close()


def test_eval_itself_is_not_refused(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "1000"))
    c.cmd("SET", "a", "x" * 2000)
    assert c.cmd("SET", "b", "v").v.startswith("OOM ")
    assert c.cmd("EVAL", "return 1", "0").v == 1          # EVAL itself is not denyoom


# --- events and propagation ------------------------------------------------------------------

def test_evicted_event_and_del_propagation(env):
    srv, c, _ = env
    ops = []
    srv.events.propagate_listeners.append(ops.append)
    setcfg(c, ("notify-keyspace-events", "Ee"))
    sub = green_client(srv)
    try:
        sub.cmd("SUBSCRIBE", "__keyevent@0__:evicted")
        setcfg(c, ("maxmemory", "1000"), ("maxmemory-policy", "allkeys-lru"))
        c.cmd("SET", "victim", "x" * 900)
        c.cmd("SET", "next", "x" * 900)
        msg = sub.read().plain()
        assert msg == [b"message", b"__keyevent@0__:evicted", b"victim"]
    finally:
        sub.close()
        srv.events.propagate_listeners.remove(ops.append)
    # The DEL goes alone, before the command that made room.
    dels = [u for u in ops if u[0][1][0] == b"DEL"]
    assert dels == [[(0, [b"DEL", b"victim"])]]
    assert ops.index(dels[0]) < len(ops) - 1


def test_eviction_does_not_count_as_dirty_but_invalidates_watch(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "2000"), ("maxmemory-policy", "volatile-ttl"))
    c.cmd("SET", "w", "x" * 900, "EX", "100")      # the only key that may be evicted
    c.cmd("WATCH", "w")
    dirty = srv.keyspace.dirty
    other = green_client(srv)
    try:
        other.cmd("SET", "big", "x" * 900)
        other.cmd("PING")                           # evicts w before it runs
    finally:
        other.close()
    assert srv.keyspace.dirty == dirty + 1          # the SET only, as Redis counts
    assert c.cmd("EXISTS", "w").v == 0
    c.cmd("MULTI")
    c.cmd("GET", "w")
    assert c.cmd("EXEC").v is None                  # the eviction touched the watched key


# --- tenacity and lowering the limit --------------------------------------------------------

def test_low_tenacity_continues_in_background(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "200000"), ("maxmemory-policy", "allkeys-random"),
           ("maxmemory-eviction-tenacity", "0"))
    for i in range(2000):
        c.cmd("SET", "k%d" % i, "v")
    assert c.cmd("SET", "big", "x" * 150000).v == "OK"    # under the limit before it ran
    before = srv.keyspace.evicted_keys
    # Over the limit now: 16 keys go per command, the rest between requests,
    # and the command is not refused meanwhile.
    assert c.cmd("SET", "small", "x").v == "OK"
    assert srv.keyspace.evicted_keys > before
    assert settle(lambda: used(srv) <= 200000 + 200)
    c.cmd("PING")
    assert used(srv) <= 200000


def test_lowering_maxmemory_evicts_at_once(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory", "1000000"), ("maxmemory-policy", "allkeys-lru"))
    for i in range(100):
        c.cmd("SET", "k%d" % i, VALUE)
    setcfg(c, ("maxmemory", "5000"))
    assert settle(lambda: used(srv) <= 5000)


# --- OBJECT FREQ ------------------------------------------------------------------------------

def test_object_freq_counts_and_decays(env):
    srv, c, clock = env
    setcfg(c, ("maxmemory-policy", "allkeys-lfu"), ("lfu-log-factor", "0"))
    c.cmd("SET", "k", "v")
    assert c.cmd("OBJECT", "FREQ", "k").v == 5
    for _ in range(20):
        c.cmd("GET", "k")
    assert c.cmd("OBJECT", "FREQ", "k").v == 25        # log factor 0: every access counts
    advance(srv, clock, 3 * 60)
    assert c.cmd("OBJECT", "FREQ", "k").v == 22        # lfu-decay-time 1: one per minute
    setcfg(c, ("lfu-decay-time", "0"))
    advance(srv, clock, 30 * 60)
    assert c.cmd("OBJECT", "FREQ", "k").v == 25        # no decay: the stored counter
    setcfg(c, ("lfu-log-factor", "10"), ("lfu-decay-time", "1"))
    for _ in range(300):
        c.cmd("GET", "k")
    assert 0 < c.cmd("OBJECT", "FREQ", "k").v < 40     # logarithmic: few increments
    setcfg(c, ("maxmemory-policy", "allkeys-lru"))
    assert c.cmd("OBJECT", "FREQ", "k").v.startswith("ERR An LFU maxmemory policy is not")
    assert c.cmd("OBJECT", "IDLETIME", "k").t == ":"


def test_lfu_counter_saturates(env):
    srv, c, _ = env
    setcfg(c, ("maxmemory-policy", "volatile-lfu"), ("lfu-log-factor", "0"))
    c.cmd("SET", "k", "v")
    for _ in range(300):
        c.cmd("GET", "k")
    assert c.cmd("OBJECT", "FREQ", "k").v == 255


def test_dataset_loaded_at_start_is_counted(tmp_path):
    """Keys read from an RDB file (not through change reports) count toward maxmemory."""
    from miniredis.persistence import lifecycle
    with inprocess_server(dir=str(tmp_path)) as srv:
        c = green_client(srv)
        for i in range(30):
            c.cmd("SET", "k%d" % i, VALUE)
        c.cmd("RPUSH", "l", "a", "b")
        expected = usage_sum(c)
        assert c.cmd("SAVE").v == "OK"
        c.close()
    with inprocess_server(dir=str(tmp_path), maxmemory=expected + 100) as srv:
        lifecycle.load_data(srv)
        c = green_client(srv)
        try:
            assert used(srv) == expected
            assert c.cmd("SET", "more", "x" * 500).v == "OK"
            assert c.cmd("SET", "again", "y").v.startswith("OOM ")
        finally:
            c.close()


def test_big_container_estimate_is_scaled_not_rewalked(env):
    srv, c, _ = env
    from miniredis.eviction import key_cost
    setcfg(c, ("maxmemory", "100mb"))
    c.cmd("RPUSH", "l", *["e%04d" % i for i in range(3000)])
    for i in range(500):
        c.cmd("RPUSH", "l", "e%04d" % i)
    assert used(srv) == usage_sum(c)
    fresh = key_cost(b"l", srv.keyspace.dbs[0].data[b"l"])
    assert abs(used(srv) - fresh) < fresh // 5     # an estimate of an estimate
    c.cmd("LTRIM", "l", "0", "9")                    # shrunk: estimated afresh
    assert used(srv) == key_cost(b"l", srv.keyspace.dbs[0].data[b"l"]) == usage_sum(c)
    c.cmd("DEL", "l")
    assert used(srv) == 0 and not srv.eviction.big


def test_set_freq_helper(env):
    """Database.set_freq (for RESTORE ... FREQ) is what OBJECT FREQ then reads."""
    srv, c, _ = env
    setcfg(c, ("maxmemory-policy", "allkeys-lfu"))
    c.cmd("SET", "k", "v")
    srv.keyspace.dbs[0].set_freq(b"k", 100)
    assert c.cmd("OBJECT", "FREQ", "k").v == 100


def test_access_tracker_keeps_more_keys_only_while_evicting_by_it(env):
    """keyspace.py's tracker generations grow while an LRU/LFU policy evicts (issue 15)."""
    from miniredis.keyspace import ACCESS_TRACKER_CAP, EVICTION_TRACKER_CAP
    srv, c, _ = env
    ks = srv.keyspace
    assert ks.track_cap == ks.fast_cap == ACCESS_TRACKER_CAP and ks.lfu is None
    setcfg(c, ("maxmemory-policy", "allkeys-lru"))            # no maxmemory: nothing evicts
    assert ks.track_cap == ACCESS_TRACKER_CAP
    setcfg(c, ("maxmemory", "100mb"))
    assert ks.track_cap == ks.fast_cap == EVICTION_TRACKER_CAP
    setcfg(c, ("maxmemory-policy", "volatile-lfu"))
    assert ks.track_cap == EVICTION_TRACKER_CAP and ks.fast_cap == 0 and ks.lfu is not None
    setcfg(c, ("maxmemory-policy", "volatile-ttl"))
    assert ks.track_cap == ks.fast_cap == ACCESS_TRACKER_CAP and ks.lfu is None
