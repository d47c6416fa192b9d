"""MEMORY, OBJECT FREQ and the OOM refusal against redis-server, in RESP2 and RESP3.

Byte figures are the project's own estimate (eviction.py): they are compared
by reply type and shape; texts, errors and edge cases exactly.
"""

import contextlib

import pytest


@contextlib.contextmanager
def config(compat, *pairs):
    """CONFIG SET on both servers for the block; restored after (the servers are shared)."""
    olds = []
    for name, value in pairs:
        got = compat.m.cmd("CONFIG", "GET", name).plain()
        olds.append((name, got[name.encode()] if isinstance(got, dict) else got[1]))
        compat.same("CONFIG", "SET", name, value)
    try:
        yield
    finally:
        for name, old in reversed(olds):
            compat.same("CONFIG", "SET", name, old)


def test_memory_help(compat):
    compat.same("MEMORY", "HELP")
    compat.same("memory", "help")


def test_memory_errors(compat):
    compat.same_error("MEMORY")
    compat.same_error("MEMORY", "NOSUCH")
    compat.same_error("MEMORY", "USAGE")
    compat.same_error("MEMORY", "STATS", "extra")
    compat.same_error("MEMORY", "DOCTOR", "extra")
    compat.same_error("MEMORY", "PURGE", "extra")
    compat.same_error("MEMORY", "MALLOC-STATS", "extra")
    compat.same_error("MEMORY", "HELP", "extra")


def test_memory_usage(compat):
    compat.same("MEMORY", "USAGE", "nokey")
    compat.same("MEMORY", "USAGE", "nokey", "SAMPLES", "3")
    compat.same("SET", "s", "value")
    compat.same("RPUSH", "l", "a", "b")
    compat.same("HSET", "h", "f", "v")
    compat.same("SADD", "set", "1", "x")
    compat.same("ZADD", "z", "1", "m")
    compat.same("XADD", "x", "1-1", "f", "v")
    for key in ("s", "l", "h", "set", "z", "x"):
        m, _ = compat.same_type("MEMORY", "USAGE", key)
        assert m.t == ":" and m.v > 0
        compat.same_type("MEMORY", "USAGE", key, "SAMPLES", "0")
        compat.same_type("MEMORY", "usage", key, "samples", "2", "SAMPLES", "7")


def test_memory_usage_option_errors(compat):
    compat.same("SET", "s", "value")
    for key in ("s", "nokey"):
        compat.same_error("MEMORY", "USAGE", key, "SAMPLES", "-1")
        compat.same_error("MEMORY", "USAGE", key, "SAMPLES", "x")
        compat.same_error("MEMORY", "USAGE", key, "SAMPLES")
        compat.same_error("MEMORY", "USAGE", key, "BAD")
        compat.same_error("MEMORY", "USAGE", key, "SAMPLES", "1", "BAD")
        compat.same_error("MEMORY", "USAGE", key, "SAMPLES", "99999999999999999999")


def test_memory_purge_doctor_malloc_stats(compat):
    compat.same("MEMORY", "PURGE")
    compat.same("MEMORY", "DOCTOR")   # an (almost) empty instance: the same text
    compat.same_type("MEMORY", "MALLOC-STATS")


def _shape(reply):
    """Field names and reply types of MEMORY STATS, nested maps included."""
    items = reply.v
    if reply.t == "%":
        items = [x for kv in items for x in kv] if isinstance(items, list) else \
            [x for kv in items.items() for x in kv]
    out = []
    for i in range(0, len(items), 2):
        name, value = items[i], items[i + 1]
        out.append((name.v, value.t if value.t not in ("%", "*") else _shape(value)))
    return out


def test_memory_stats_shape(compat):
    compat.same("SET", "a", "1")
    compat.same("SET", "b", "2", "EX", "100")
    m, r = compat.same_type("MEMORY", "STATS")
    assert _shape(m) == _shape(r)
    compat.same("FLUSHALL")
    m, r = compat.same_type("MEMORY", "STATS")   # no db.N entry for empty databases
    assert _shape(m) == _shape(r)


def test_object_freq_without_lfu(compat):
    compat.same("SET", "k", "v")
    compat.same_error("OBJECT", "FREQ", "k")
    compat.same("OBJECT", "FREQ", "nokey")
    compat.same_error("OBJECT", "FREQ")


def test_object_freq_under_lfu(compat):
    with config(compat, ("maxmemory-policy", "allkeys-lfu")):
        compat.same("SET", "k", "v")
        compat.same("OBJECT", "FREQ", "k")    # Redis' initial counter
        compat.same("GET", "k")
        compat.same("OBJECT", "FREQ", "k")    # the first increment is certain
        compat.same("OBJECT", "FREQ", "nokey")
        compat.same_error("OBJECT", "IDLETIME", "k")
        compat.same("RPUSH", "l", "a")
        compat.same("OBJECT", "FREQ", "l")
        compat.same("LPUSH", "l", "b")
        compat.same("OBJECT", "FREQ", "l")
    for policy in ("volatile-lfu",):
        with config(compat, ("maxmemory-policy", policy)):
            compat.same("SET", "n", "v")
            compat.same("OBJECT", "FREQ", "n")


def test_oom_noeviction(compat):
    compat.same("SET", "filler", "x" * 100)
    with config(compat, ("maxmemory-policy", "noeviction"), ("maxmemory", "1")):
        compat.same_error("SET", "a", "b")
        compat.same_error("LPUSH", "l", "a")
        compat.same_error("APPEND", "filler", "x")
        compat.same("GET", "filler")          # reads are served
        compat.same("GET", "a")
        compat.same("PING")
        compat.same("EXPIRE", "nokey", "10")  # not a denyoom command
        # In MULTI every command but EXEC/DISCARD/QUIT/RESET is refused.
        compat.same("MULTI")
        compat.same_error("GET", "filler")
        compat.same_error("PING")
        compat.same_error("EXEC")
        compat.same("MULTI")
        compat.same_error("SET", "a", "b")
        compat.same("DISCARD")


def test_oom_exec_of_queued_denyoom(compat):
    compat.same("SET", "filler", "x" * 100)
    compat.same("MULTI")
    compat.same("SET", "a", "b")
    compat.same("CONFIG", "SET", "maxmemory", "1")   # queued, not run
    for c in (compat.m, compat.r):
        other = type(c)(c.port)
        try:
            assert other.cmd("CONFIG", "SET", "maxmemory", "1").v == "OK"
        finally:
            other.close()
    try:
        compat.same_error("EXEC")
        compat.same("GET", "a")
        compat.same("MULTI")
        compat.same("DISCARD")
    finally:
        compat.same("CONFIG", "SET", "maxmemory", "0")


def test_info_eviction_fields(compat):
    for section in ("stats", "memory"):
        m, r = compat.same_type("INFO", section)
        names = lambda rep: [line.split(":")[0] for line in rep.plain().decode().split("\r\n")
                             if ":" in line]
        for field in ("evicted_keys", "maxmemory", "maxmemory_policy", "used_memory"):
            assert (field in names(m)) == (field in names(r))


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
                                    "volatile-lru", "volatile-lfu", "volatile-random",
                                    "volatile-ttl"])
def test_policy_config_round_trip(compat, policy):
    with config(compat, ("maxmemory-policy", policy)):
        compat.same("CONFIG", "GET", "maxmemory-policy")


def test_oom_scripts_by_flags(compat):
    compat.same("SET", "filler", "x" * 100)
    lib = "#!lua name=q3lib\nredis.register_function{function_name='q3w', callback=function() return 1 end}\n" \
          "redis.register_function{function_name='q3ro', callback=function() return 2 end, " \
          "flags={'no-writes'}}\n" \
          "redis.register_function{function_name='q3oom', callback=function() return 3 end, " \
          "flags={'allow-oom'}}"
    compat.same("FUNCTION", "LOAD", "REPLACE", lib)
    sha = compat.same("SCRIPT", "LOAD", "#!lua\nreturn 1").v
    try:
        with config(compat, ("maxmemory-policy", "noeviction"), ("maxmemory", "1")):
            compat.same_error("EVAL", "#!lua\nreturn 1", "0")                 # shebang: denyoom
            compat.same("EVAL", "#!lua flags=no-writes\nreturn 1", "0")
            compat.same("EVAL", "#!lua flags=allow-oom\nreturn 1", "0")
            compat.same("EVAL", "return 1", "0")                              # compatibility mode
            compat.same_error("EVALSHA", sha, "0")
            compat.same_error("EVALSHA", "f" * 40, "0")                       # unknown: NOSCRIPT
            compat.same_error("FCALL", "q3w", "0")
            compat.same("FCALL", "q3ro", "0")
            compat.same("FCALL", "q3oom", "0")
            compat.same_error("FCALL", "nosuch", "0")
    finally:
        compat.same("FUNCTION", "DELETE", "q3lib")
