"""redis-py (sync and asyncio) on lists, hashes, sets and sorted sets, against miniredis.

Each scenario runs through redis-py on miniredis and on the reference
redis-server, in RESP2 and RESP3 (protocol=3), and the results must be the
same: a third-party client sees no difference. BLPOP and BZPOPMIN are
served by a second client (threads for the sync client, tasks for asyncio).
Every wait is bounded: blocked clients are detected through INFO's
blocked_clients, polled a bounded number of times; socket reads have timeouts.
"""

import asyncio
import threading

import pytest
import redis
import redis.asyncio as aioredis

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated hmset")

PROTOCOLS = pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])

# (method, args[, kwargs]); random commands only where the answer is certain.
SCRIPT = [
    # lists
    ("rpush", ("l", "a", "b", "c", "a")), ("lpush", ("l", "z", "y")), ("lpushx", ("nol", "x")),
    ("rpushx", ("l", "w")), ("llen", ("l",)), ("lrange", ("l", 0, -1)), ("lrange", ("l", -2, 99)),
    ("lindex", ("l", -1)), ("lindex", ("l", 50)), ("lset", ("l", 1, "Z")),
    ("linsert", ("l", "AFTER", "b", "q")), ("linsert", ("l", "BEFORE", "?", "q")),
    ("lpos", ("l", "a")), ("lpos", ("l", "a"), {"rank": 2}), ("lpos", ("l", "a"), {"count": 0}),
    ("lpos", ("l", "a"), {"rank": -1, "count": 1, "maxlen": 3}), ("lrem", ("l", 0, "a")),
    ("ltrim", ("l", 1, -2)), ("lrange", ("l", 0, -1)), ("lpop", ("l",)), ("rpop", ("l", 2)),
    ("lpop", ("nol",)), ("lpop", ("nol", 3)), ("lmove", ("l", "l2", "LEFT", "LEFT")),
    ("rpoplpush", ("l", "l2")), ("lrange", ("l2", 0, -1)), ("rpush", ("m", 1, 2, 3, 4)),
    ("lmpop", (2, "nol", "m"), {"direction": "RIGHT", "count": 3}),
    ("lmpop", (1, "nol"), {"direction": "LEFT"}), ("blpop", (["nol", "m"], 1)),
    ("brpop", ("nol", 0.01)), ("rpush", ("b", "x", "y", "z")), ("blmove", ("b", "c", 1)),
    ("brpoplpush", ("b", "c", 1)), ("blmpop", (1, 1, "b"), {"direction": "LEFT", "count": 4}),
    ("blmpop", (0.01, 1, "b"), {"direction": "LEFT"}), ("lrange", ("c", 0, -1)),
    # hashes
    ("hset", ("h", "f", "v")), ("hset", ("h",), {"mapping": {"a": 1, "b": 2.5, "c": "x"}}),
    ("hsetnx", ("h", "f", "w")), ("hsetnx", ("h", "g", "w")), ("hmset", ("h", {"m": "1"})),
    ("hget", ("h", "a")), ("hget", ("h", "?")), ("hmget", ("h", ["a", "?", "b"])),
    ("hdel", ("h", "m", "?")), ("hexists", ("h", "a")), ("hexists", ("nope", "a")),
    ("hlen", ("h",)), ("hstrlen", ("h", "b")), ("hkeys", ("h",)), ("hvals", ("h",)),
    ("hgetall", ("h",)), ("hgetall", ("nope",)), ("hincrby", ("h", "a", -5)),
    ("hincrbyfloat", ("h", "b", "0.1")), ("hincrbyfloat", ("h", "new", 3)),
    ("hset", ("one", "k", "v")), ("hrandfield", ("one",)), ("hrandfield", ("one", -2)),
    ("hrandfield", ("one", 3, True)), ("hrandfield", ("nope", 1, True)), ("hscan", ("h",)),
    ("hscan", ("h", 0, "[ab]")), ("hincrby", ("h", "c")), ("hincrbyfloat", ("h", "c")),
    # sets
    ("sadd", ("s", 1, 2, 3, 7)), ("sadd", ("t", 2, 3, 4)), ("srem", ("s", 1, 9)),
    ("smembers", ("s",)), ("sismember", ("s", 2)), ("sismember", ("s", 9)),
    ("smismember", ("s", [2, 9, 7])), ("scard", ("s",)), ("smove", ("s", "t", 7)),
    ("smove", ("s", "t", 7)), ("sinter", (["s", "t"],)), ("sunion", ("s", "t")),
    ("sdiff", ("t", "s")), ("sinterstore", ("st", ["s", "t"])), ("sunionstore", ("su", "s", "t")),
    ("sdiffstore", ("sd", ["t", "s"])), ("sintercard", (2, ["s", "t"])),
    ("sintercard", (2, ["s", "t"], 1)), ("sadd", ("o", "only")), ("srandmember", ("o",)),
    ("srandmember", ("o", -2)), ("spop", ("o",)), ("spop", ("o",)), ("spop", ("o", 2)),
    ("sscan", ("t",)), ("sscan", ("t", 0), {"match": "[34]"}), ("sadd", ("h", "x")),
    # sorted sets
    ("zadd", ("z", {"a": 1, "b": 2.5, "c": 0.1, "d": 10})),
    ("zadd", ("z", {"a": 3, "n": 1}), {"nx": True}), ("zadd", ("z", {"a": 3}), {"xx": True}),
    ("zadd", ("z", {"a": 0}), {"gt": True, "ch": True}), ("zadd", ("z", {"a": 4}), {"incr": True}),
    ("zincrby", ("z", -0.5, "d")), ("zrem", ("z", "n", "?")), ("zcard", ("z",)),
    ("zcount", ("z", "(1", "+inf")), ("zlexcount", ("z", "[a", "[c")), ("zscore", ("z", "c")),
    ("zscore", ("z", "?")), ("zmscore", ("z", ["a", "?"])), ("zrank", ("z", "b")),
    ("zrevrank", ("z", "b")), ("zrank", ("z", "?")), ("zrange", ("z", 0, -1)),
    ("zrange", ("z", 0, -1), {"withscores": True}),
    ("zrange", ("z", 1, 2), {"desc": True, "withscores": True}),
    ("zrange", ("z", 1, "+inf"), {"byscore": True, "offset": 1, "num": 5, "withscores": True}),
    ("zrangestore", ("zs", "z", 0, 1)), ("zrangebyscore", ("z", "-inf", 3, 0, 2, True)),
    ("zrevrangebyscore", ("z", "+inf", 1), {"withscores": True}), ("zrevrange", ("z", 0, 0)),
    ("zadd", ("lx", {"a": 0, "b": 0, "c": 0})), ("zrangebylex", ("lx", "(a", "+")),
    ("zrevrangebylex", ("lx", "+", "-", 1, 1)), ("zremrangebylex", ("lx", "-", "(b")),
    ("zadd", ("y", {"a": 2, "q": 5})), ("zunion", (["z", "y"],), {"withscores": True}),
    ("zinter", ({"z": 1, "y": 10},), {"withscores": True, "aggregate": "MAX"}),
    ("zdiff", (["z", "y"],), {"withscores": True}), ("zunionstore", ("zu", ["z", "y"], "MIN")),
    ("zinterstore", ("zi", ["z", "y"])), ("zdiffstore", ("zd", ["z", "y"])),
    ("zintercard", (2, ["z", "y"])), ("zadd", ("zo", {"only": 2})), ("zrandmember", ("zo",)),
    ("zrandmember", ("zo", -2, True)), ("zscan", ("z",)), ("zscan", ("z", 0, "[ab]")),
    ("zremrangebyrank", ("zu", 0, 1)), ("zremrangebyscore", ("zu", 5, 5)),
    ("zpopmin", ("z",)), ("zpopmax", ("z", 2)), ("zpopmin", ("nope",)),
    ("bzpopmin", ("z", 1)), ("bzpopmax", ("nope", 0.01)),
    ("zmpop", (1, ["zu"]), {"max": True, "count": 2}), ("zmpop", (1, ["nope"]), {"min": True}),
    ("bzmpop", (1, 2, ["nope", "zi"]), {"min": True}), ("zadd", ("l", {"a": 1})),
    # SORT
    ("rpush", ("sl", 10, 2, 33)), ("sort", ("sl",)), ("sort", ("sl",), {"alpha": True}),
    ("sort", ("sl",), {"desc": True, "start": 1, "num": 5, "store": "sorted"}),
    ("lrange", ("sorted", 0, -1)), ("sort_ro", ("sl",), {"desc": True}), ("sort", ("h",)),
]


def _step(step):
    return (step + ({},))[:3]


def _error(e):
    return ("error", type(e).__name__, str(e))


def run_sync(port, proto):
    c = redis.Redis(port=port, protocol=proto, socket_timeout=10)
    out = []
    try:
        c.flushall()
        for step in SCRIPT:
            name, args, kwargs = _step(step)
            try:
                out.append(getattr(c, name)(*args, **kwargs))
            except redis.ResponseError as e:
                out.append(_error(e))
        with c.pipeline(transaction=False) as p:
            p.lpush("pl", "a").hset("ph", "f", "v").sadd("ps", "m").zadd("pz", {"m": 1.5})
            p.lrange("pl", 0, -1).hgetall("ph").smembers("ps").zrange("pz", 0, -1, withscores=True)
            out.append(p.execute())
    finally:
        c.close()
    return out


async def _run_async(port, proto):
    c = aioredis.Redis(port=port, protocol=proto, socket_timeout=10)
    out = []
    try:
        await c.flushall()
        for step in SCRIPT:
            name, args, kwargs = _step(step)
            try:
                out.append(await getattr(c, name)(*args, **kwargs))
            except redis.ResponseError as e:
                out.append(_error(e))
        async with c.pipeline(transaction=False) as p:
            p.lpush("pl", "a").hset("ph", "f", "v").sadd("ps", "m").zadd("pz", {"m": 1.5})
            p.lrange("pl", 0, -1).hgetall("ph").smembers("ps").zrange("pz", 0, -1, withscores=True)
            out.append(await p.execute())
    finally:
        await c.aclose()
    return out


def run_async(port, proto):
    return asyncio.run(asyncio.wait_for(_run_async(port, proto), 60))


def _compare(mini, ref):
    assert len(mini) == len(ref) == len(SCRIPT) + 1
    diffs = [(SCRIPT[i] if i < len(SCRIPT) else "pipeline", m, r)
             for i, (m, r) in enumerate(zip(mini, ref)) if m != r or type(m) is not type(r)]
    assert not diffs, "miniredis != redis-server: %r" % diffs[:5]


@PROTOCOLS
def test_sync_client_same_as_redis(mini_server, redis_server, proto):
    _compare(run_sync(mini_server.port, proto), run_sync(redis_server.port, proto))


@PROTOCOLS
def test_asyncio_client_same_as_redis(mini_server, redis_server, proto):
    mini = run_async(mini_server.port, proto)
    _compare(mini, run_async(redis_server.port, proto))
    # and the asyncio client sees what the sync one sees
    _compare(mini, run_sync(mini_server.port, proto))


# --- blocking pops served by a second client -------------------------------------------------

def _wait_blocked(admin, n):
    """Until n clients are blocked (at most 2000 INFO calls)."""
    for _ in range(2000):
        if admin.info("clients")["blocked_clients"] >= n:
            return
    raise AssertionError("never saw %d blocked client(s)" % n)


def _blocking_sync(port, proto):
    waiter = redis.Redis(port=port, protocol=proto, socket_timeout=10)
    admin = redis.Redis(port=port, protocol=proto, socket_timeout=10)
    out = []
    try:
        admin.flushall()
        waiter.ping()   # connected before the threads start
        for call, feed in (
                (lambda: waiter.blpop(["q1", "q2"], timeout=10),
                 lambda: admin.rpush("q2", "x", "y")),
                (lambda: waiter.bzpopmin(["z1", "z2"], timeout=10),
                 lambda: admin.zadd("z1", {"m": 0.1, "n": 3})),
                (lambda: waiter.bzpopmax("z3", timeout=10),
                 lambda: admin.zadd("z3", {"o": 9, "p": 1})),
        ):
            got = []
            t = threading.Thread(target=lambda: got.append(call()))
            t.start()
            try:
                _wait_blocked(admin, 1)
                out.append(feed())
            finally:
                t.join(15)
            assert not t.is_alive()
            out += got
        out.append(waiter.blpop("q1", timeout=0.05))      # times out: None
        out.append(waiter.bzpopmin("nope", timeout=0.05))
        out.append([admin.lrange("q2", 0, -1), admin.zrange("z1", 0, -1, withscores=True),
                    admin.zrange("z3", 0, -1, withscores=True)])
    finally:
        waiter.close()
        admin.close()
    return out


async def _blocking_async(port, proto):
    waiter = aioredis.Redis(port=port, protocol=proto, socket_timeout=10)
    admin = aioredis.Redis(port=port, protocol=proto, socket_timeout=10)
    out = []

    async def until_blocked():
        for _ in range(500):
            if (await admin.info("clients"))["blocked_clients"] >= 1:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the waiter never blocked")

    try:
        await admin.flushall()
        for call, feed in (
                (lambda: waiter.blpop(["q1", "q2"], timeout=10),
                 lambda: admin.lpush("q1", "a", "b")),
                (lambda: waiter.bzpopmin("z1", timeout=10),
                 lambda: admin.zadd("z1", {"m": 2.5, "n": -1})),
        ):
            task = asyncio.ensure_future(call())
            await until_blocked()
            out.append(await feed())
            out.append(await asyncio.wait_for(task, 10))
        out.append(await waiter.brpop(["q9"], timeout=0.05))
        out.append(await waiter.bzpopmax("nope", timeout=0.05))
    finally:
        await waiter.aclose()
        await admin.aclose()
    return out


@PROTOCOLS
def test_blocking_pops_sync(mini_server, redis_server, proto):
    mini = _blocking_sync(mini_server.port, proto)
    assert mini == _blocking_sync(redis_server.port, proto)
    blpop = mini[1]
    assert list(blpop) == [b"q2", b"x"]


@PROTOCOLS
def test_blocking_pops_asyncio(mini_server, redis_server, proto):
    def run(port):
        return asyncio.run(asyncio.wait_for(_blocking_async(port, proto), 60))
    mini = run(mini_server.port)
    assert mini == run(redis_server.port)
    assert list(mini[1]) == [b"q1", b"b"] and mini[4:] == [None, None]


@PROTOCOLS
def test_random_commands(mini_server, proto):
    """Random picks (miniredis only: the choices differ by design) stay within the data."""
    c = redis.Redis(port=mini_server.port, protocol=proto, socket_timeout=10)
    try:
        c.flushall()
        c.sadd("s", *range(20))
        c.hset("h", mapping={"f%d" % i: i for i in range(20)})
        c.zadd("z", {"m%d" % i: i for i in range(20)})
        members = {b"%d" % i for i in range(20)}
        assert c.srandmember("s") in members
        assert set(c.srandmember("s", 5)) <= members and len(set(c.srandmember("s", 5))) == 5
        assert len(c.srandmember("s", -30)) == 30
        assert c.hrandfield("h") in {b"f%d" % i for i in range(20)}
        assert len(c.hrandfield("h", -25, withvalues=True)) in (25, 50)
        assert c.zrandmember("z") in {b"m%d" % i for i in range(20)}
        assert len(c.zrandmember("z", 30)) == 20
        popped = c.spop("s", 5)
        assert len(popped) == 5 and c.scard("s") == 15
        assert sorted(c.sscan_iter("s")) == sorted(members - set(popped))
        assert dict(c.hscan_iter("h", count=3)) == {b"f%d" % i: b"%d" % i for i in range(20)}
        assert sorted(c.zscan_iter("z", count=3)) == sorted(
            (b"m%d" % i, float(i)) for i in range(20))
    finally:
        c.close()
