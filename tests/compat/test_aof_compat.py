"""The append-only directory against redis-server 7.0: both ways, as processes.

* A random command sequence (every type, TTLs, MULTI/EXEC, EVAL scripts,
  a BGREWRITEAOF in the middle) runs on miniredis with ``appendonly yes``;
  redis-server started on a copy of that directory must hold the same
  dataset as miniredis (every key: type, value, TTL).
* The same kind of sequence written by redis-server (with and without the
  RDB preamble) is loaded by miniredis, which must hold redis' dataset.
* CONFIG GET of the AOF parameters and BGREWRITEAOF's replies match.
"""

import os
import random
import shutil
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from support import RawClient, start_miniredis, start_redis  # noqa: E402

STEPS = 400
KEYS = ["k%d" % i for i in range(12)]
SCRIPT = ("redis.call('SET', KEYS[1], ARGV[1]) "
          "redis.call('RPUSH', KEYS[2], ARGV[1]) "
          "return redis.call('SPOP', KEYS[3])")


def _key(rng):
    return rng.choice(KEYS)


def _val(rng):
    return rng.choice(["a", "b", "12", "-3", "1.5", "x" * rng.randint(0, 40)])


def random_command(rng):
    """One write command of a random type (some fail with WRONGTYPE: fine, as in real use)."""
    k, v = _key(rng), _val(rng)
    n = str(rng.randint(-5, 20))
    choices = [
        ["SET", k, v], ["SET", k, v, "EX", str(rng.randint(50, 5000))], ["APPEND", k, v],
        ["INCR", k], ["INCRBYFLOAT", k, "1.25"], ["SETRANGE", k, "3", v], ["GETDEL", k],
        ["PSETEX", k, "900000", v], ["GETEX", k, "PX", "700000"], ["MSET", k, v, _key(rng), v],
        ["LPUSH", k, v, v], ["RPUSH", k, v], ["LPOP", k], ["RPOP", k, "2"], ["LREM", k, "1", v],
        ["LTRIM", k, "0", n], ["LINSERT", k, "BEFORE", v, "ins"], ["LMOVE", k, _key(rng), "LEFT", "RIGHT"],
        ["HSET", k, "f" + n, v], ["HDEL", k, "f1"], ["HINCRBY", k, "cnt", n],
        ["HINCRBYFLOAT", k, "fl", "0.5"], ["SADD", k, v, n], ["SREM", k, v], ["SPOP", k],
        ["SMOVE", k, _key(rng), v], ["SINTERSTORE", k, _key(rng), _key(rng)],
        ["ZADD", k, n, v], ["ZINCRBY", k, "2.5", v], ["ZREM", k, v], ["ZPOPMIN", k],
        ["ZUNIONSTORE", k, "2", _key(rng), _key(rng)], ["EXPIRE", k, str(rng.randint(100, 9000))],
        ["PEXPIRE", k, "123456"], ["PERSIST", k], ["DEL", k], ["RENAME", k, _key(rng)],
        ["COPY", k, _key(rng), "REPLACE"], ["SELECT", str(rng.choice([0, 0, 0, 1, 7]))],
        ["MOVE", k, "1"], ["EVAL", SCRIPT, "3", k, _key(rng), _key(rng), v],
        ["SRANDMEMBER", k], ["SET", k, v, "PXAT", str(int(time.time() * 1000) + 600000)],
    ]
    return rng.choice(choices)


def run_sequence(client, seed, steps=STEPS, rewrite_at=None):
    """Random writes (with MULTI/EXEC blocks, and pipelines read as one batch);
    BGREWRITEAOF once at ``rewrite_at``."""
    rng = random.Random(seed)
    i = 0
    while i < steps:
        if i == rewrite_at:
            assert client.cmd("BGREWRITEAOF").t == "+"
        draw = rng.random()
        if draw < 0.08:
            block = [random_command(rng) for _ in range(rng.randint(1, 4))]
            block = [c for c in block if c[0] != "SELECT"]
            client.pipeline([["MULTI"]] + block + [["EXEC"]])
            i += len(block)
        elif draw < 0.2:
            # The plain path, propagating each command's effect on its own.
            block = [random_command(rng) for _ in range(rng.randint(2, 8))]
            client.pipeline(block)
            i += len(block)
        else:
            client.cmd(*random_command(rng))
            i += 1
    client.cmd("SELECT", "0")


def dataset(port):
    """{(db, key): (type, value, ttl bucket)} of every key of every database."""
    c = RawClient(port)
    out = {}
    try:
        for db in range(16):
            c.cmd("SELECT", str(db))
            for key in c.cmd("KEYS", "*").plain():
                out[(db, key)] = _entry(c, key)
    finally:
        c.close()
    return out


def _entry(c, key):
    t = c.cmd("TYPE", key).v
    if t == "string":
        v = c.cmd("GET", key).plain()
    elif t == "list":
        v = c.cmd("LRANGE", key, "0", "-1").plain()
    elif t == "hash":
        v = sorted(c.cmd("HGETALL", key).plain())
    elif t == "set":
        v = sorted(c.cmd("SMEMBERS", key).plain())
    else:
        v = c.cmd("ZRANGE", key, "0", "-1", "WITHSCORES").plain()
    ttl = c.cmd("PTTL", key).v
    # Absolute expiry times are logged: both sides agree within the test's duration.
    return t, v, (ttl if ttl < 0 else ttl // 60000)


def wait_rewrite(port, rounds=400):
    c = RawClient(port)
    try:
        for _ in range(rounds):
            info = c.cmd("INFO", "persistence").v.decode()
            if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
                return
            time.sleep(0.025)
    finally:
        c.close()
    raise AssertionError("rewrite still running")


def same_dataset(a, b):
    assert a.keys() == b.keys()
    for k in a:
        ta, va, la = a[k]
        tb, vb, lb = b[k]
        assert (ta, va) == (tb, vb), k
        assert (la < 0) == (lb < 0) and abs(la - lb) <= 1, (k, la, lb)


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_redis_loads_the_directory_miniredis_wrote(tmp_path, preamble):
    mdir = tmp_path / "mini"
    mdir.mkdir()
    mini = start_miniredis("--dir", mdir, "--appendonly", "yes", "--save", "",
                           "--aof-use-rdb-preamble", preamble)
    try:
        c = RawClient(mini.port)
        run_sequence(c, seed=11 if preamble == "yes" else 12, rewrite_at=STEPS // 2)
        c.close()
        wait_rewrite(mini.port)
        expected = dataset(mini.port)
        assert expected, "the sequence left no keys"
        base = os.listdir(str(mdir / "appendonlydir"))
        assert any(n.endswith(".base." + ("rdb" if preamble == "yes" else "aof")) for n in base)
        # A copy taken while miniredis still runs: what a crash would leave.
        shutil.copytree(str(mdir / "appendonlydir"), str(tmp_path / "ref" / "appendonlydir"))
    finally:
        mini.stop()
    ref = start_redis("--dir", tmp_path / "ref", "--appendonly", "yes")
    try:
        same_dataset(dataset(ref.port), expected)
    finally:
        ref.stop()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_miniredis_loads_the_directory_redis_wrote(tmp_path, preamble):
    ref = start_redis("--dir", tmp_path, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
    try:
        c = RawClient(ref.port)
        run_sequence(c, seed=7 + len(preamble), rewrite_at=STEPS // 2)
        c.close()
        wait_rewrite(ref.port)
        expected = dataset(ref.port)
        assert expected
    finally:
        ref.stop()
    names = os.listdir(str(tmp_path / "appendonlydir"))
    assert any(n.endswith(".base." + ("rdb" if preamble == "yes" else "aof")) for n in names)
    mini = start_miniredis("--dir", tmp_path, "--appendonly", "yes", "--save", "")
    try:
        same_dataset(dataset(mini.port), expected)
    finally:
        mini.stop()


def test_aof_config_and_bgrewriteaof_replies(compat):
    for name in ("appendonly", "appendfsync", "appendfilename", "appenddirname",
                 "aof-use-rdb-preamble", "aof-load-truncated", "auto-aof-rewrite-percentage",
                 "auto-aof-rewrite-min-size", "aof-timestamp-enabled", "no-appendfsync-on-rewrite"):
        compat.same("CONFIG", "GET", name)
    compat.same_error("CONFIG", "SET", "appendfsync", "sometimes")
    compat.same_error("CONFIG", "SET", "appenddirname", "x")
    compat.same_error("CONFIG", "SET", "appendfilename", "x")
    compat.same_error("BGREWRITEAOF", "x")
