"""Acceptance: redis-py's higher-level consumers, unchanged, against the target server
(miniredis-server by default, redis-server with MINIREDIS_ACCEPTANCE_TARGET=redis):
Lock across processes, transactional pipelines, WATCH retry loops, PubSub driven by a
thread, register_script, and the asyncio client. RESP2 and RESP3 where the client
parses replies differently.
"""

import asyncio
import threading
import uuid

import pytest
import redis
import redis.asyncio
from redis.exceptions import (
    LockError, LockNotOwnedError, NoScriptError, ResponseError, WatchError)

from consumers import acceptance
from consumers.acceptance import wait_until

target, children = acceptance.target, acceptance.children  # fixtures

PROTOCOLS = pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
MAX_ATTEMPTS = 1000  # bound of every optimistic-locking retry loop


@pytest.fixture
def r(target):
    c = target.client()
    c.flushall()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def rp(request, target):
    c = target.client(protocol=request.param)
    c.flushall()
    try:
        yield c
    finally:
        c.close()


# --- Lock ---------------------------------------------------------------------------

def test_lock_excludes_across_processes(target, children, r):
    target.needs("EVALSHA", "SCRIPT")
    run, procs, n = uuid.uuid4().hex[:8], 3, 30
    workers = [children.python("lock_worker.py", run, n) for _ in range(procs)]
    wait_until(lambda: int(r.get("ready:" + run) or 0) == procs, 20, what="workers ready",
               child=workers[0])
    r.rpush("go:" + run, *["go"] * procs)
    for w in workers:
        assert w.wait(60) == 0, w.output()
        assert w.output().strip() == "ok"
    assert int(r.get("counter:" + run)) == procs * n
    assert r.get("lock:" + run) is None


def test_lock_api(target, rp):
    target.needs("EVALSHA", "SCRIPT")
    lock = rp.lock("res", timeout=5, blocking=False)
    other = rp.lock("res", timeout=5, blocking=False)
    assert lock.acquire()
    assert lock.locked() and lock.owned() and not other.owned()
    assert not other.acquire()
    assert 4000 < rp.pttl("res") <= 5000
    assert lock.extend(10)
    assert 14000 < rp.pttl("res") <= 15000
    assert lock.reacquire()
    assert 4000 < rp.pttl("res") <= 5000
    lock.release()
    assert not lock.locked()
    with pytest.raises(LockError):
        lock.release()
    # Lost ownership (the key expired and someone else took it): the Lua release refuses.
    assert lock.acquire()
    rp.set("res", "another token")
    with pytest.raises(LockNotOwnedError):
        lock.extend(1)
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert rp.get("res") == b"another token"
    with pytest.raises(LockError):
        with rp.lock("res2", blocking_timeout=0.05):
            with rp.lock("res2", blocking_timeout=0.05):
                pass


# --- transactional pipelines --------------------------------------------------------

def test_pipeline_transaction(target, rp):
    target.needs("MULTI", "EXEC")
    with rp.pipeline(transaction=True) as pipe:
        pipe.set("a", 1).incr("a").lpush("l", "x", "y").lrange("l", 0, -1).get("missing")
        assert pipe.execute() == [True, 2, 2, [b"y", b"x"], None]


def test_pipeline_error_inside_exec(target, rp):
    target.needs("MULTI", "EXEC")
    rp.set("s", "text")
    with rp.pipeline() as pipe:
        pipe.set("t", 1).incr("s").set("u", 2)
        res = pipe.execute(raise_on_error=False)
    assert res[0] is True and res[2] is True
    assert isinstance(res[1], ResponseError)
    assert "not an integer" in str(res[1])
    assert rp.get("t") == b"1" and rp.get("u") == b"2"  # no rollback in Redis
    with rp.pipeline() as pipe:
        pipe.incr("s")
        with pytest.raises(ResponseError):
            pipe.execute()


def test_pipeline_exec_abort(target, rp):
    target.needs("MULTI", "EXEC")
    with rp.pipeline() as pipe:
        pipe.set("v", 1).execute_command("SET", "only-key")
        # EXEC answers EXECABORT; redis-py raises the queueing error behind it.
        with pytest.raises(ResponseError, match=r"Command # 2 \(SET only-key\) of pipeline "
                           r"caused error: wrong number of arguments for 'set' command"):
            pipe.execute()
    assert rp.get("v") is None  # the whole transaction was discarded


def test_pipeline_is_atomic_for_readers(target, r):
    target.needs("MULTI", "EXEC")
    stop = threading.Event()

    def writer():
        w = target.client()
        try:
            for _ in range(200):
                if stop.is_set():
                    break
                w.pipeline().incr("x").incr("y").execute()
        finally:
            w.close()
    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(200):
            x, y = r.mget("x", "y")
            assert x == y, (x, y)
    finally:
        stop.set()
        t.join(30)
    assert not t.is_alive()


# --- WATCH ----------------------------------------------------------------------------

def test_watch_retry_with_transaction_helper(target, rp):
    target.needs("MULTI", "EXEC", "WATCH", "UNWATCH")
    rp.set("balance", 100)
    meddler = target.client()
    attempts = []

    def spend(pipe):
        attempts.append(1)
        balance = int(pipe.get("balance"))
        if len(attempts) == 1:
            meddler.incrby("balance", 50)  # a concurrent change after WATCH: EXEC fails
        pipe.multi()
        pipe.set("balance", balance - 30)
    try:
        rp.transaction(spend, "balance")
    finally:
        meddler.close()
    assert len(attempts) == 2
    assert rp.get("balance") == b"120"


def test_watch_error_and_unwatch(target, rp):
    target.needs("MULTI", "EXEC", "WATCH", "UNWATCH")
    rp.set("k", 1)
    with rp.pipeline() as pipe:
        pipe.watch("k")
        rp.set("k", 2)
        pipe.multi()
        pipe.set("k", 3)
        with pytest.raises(WatchError):
            pipe.execute()
    with rp.pipeline() as pipe:
        pipe.watch("k")
        pipe.unwatch()
        rp.set("k", 4)
        pipe.multi()
        pipe.set("k", 5)
        assert pipe.execute() == [True]
    assert rp.get("k") == b"5"


def test_watch_loops_in_threads(target, r):
    target.needs("MULTI", "EXEC", "WATCH", "UNWATCH")
    threads, per_thread = 4, 25
    failures = []

    def incr_many():
        c = target.client()
        try:
            for _ in range(per_thread):
                for _attempt in range(MAX_ATTEMPTS):
                    with c.pipeline() as pipe:
                        try:
                            pipe.watch("n")
                            value = int(pipe.get("n") or 0)
                            pipe.multi()
                            pipe.set("n", value + 1)
                            pipe.execute()
                            break
                        except WatchError:
                            continue
                else:
                    failures.append("no success in %d attempts" % MAX_ATTEMPTS)
        except Exception as e:  # reported below, in the test's thread
            failures.append(repr(e))
        finally:
            c.close()
    ts = [threading.Thread(target=incr_many) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not any(t.is_alive() for t in ts)
    assert failures == []
    assert int(r.get("n")) == threads * per_thread


# --- PubSub -------------------------------------------------------------------------

@PROTOCOLS
def test_pubsub_run_in_thread(target, proto):
    target.needs("PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "PUBSUB")
    pub, sub = target.client(), target.client(protocol=proto)
    got, done = [], threading.Event()

    def handler(message):
        got.append((message["type"], message["channel"], message["data"]))
        if len(got) == 6:
            done.set()
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"news": handler})
    p.psubscribe(**{"ev.*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_until(lambda: pub.pubsub_numsub("news") == [(b"news", 1)]
                   and pub.pubsub_numpat() == 1, 10, what="subscriptions")
        assert pub.publish("news", "a") == 1
        assert pub.publish("ev.one", "b") == 1
        assert pub.publish("news", "c") == 1
        assert pub.publish("ev.two", "d") == 1
        assert pub.publish("nobody", "x") == 0
        assert pub.publish("news", "e") == 1
        assert pub.publish("ev.three", "f") == 1
        assert done.wait(10), got
    finally:
        worker.stop()
        worker.join(10)
        p.close()
        pub.close()
        sub.close()
    assert not worker.is_alive()
    assert [g for g in got if g[0] == "message"] == [
        ("message", b"news", b"a"), ("message", b"news", b"c"), ("message", b"news", b"e")]
    assert [g for g in got if g[0] == "pmessage"] == [
        ("pmessage", b"ev.one", b"b"), ("pmessage", b"ev.two", b"d"),
        ("pmessage", b"ev.three", b"f")]


@PROTOCOLS
def test_pubsub_get_message(target, proto):
    target.needs("PUBLISH", "SUBSCRIBE", "UNSUBSCRIBE", "PUBSUB")
    pub, sub = target.client(), target.client(protocol=proto)
    p = sub.pubsub()
    try:
        p.subscribe("c1", "c2")
        first = [p.get_message(timeout=5) for _ in range(2)]
        assert [(m["type"], m["channel"], m["data"]) for m in first] == [
            ("subscribe", b"c1", 1), ("subscribe", b"c2", 2)]
        pub.publish("c2", "hello")
        m = p.get_message(timeout=5)
        assert (m["type"], m["channel"], m["data"]) == ("message", b"c2", b"hello")
        p.unsubscribe("c1")
        m = p.get_message(timeout=5)
        assert (m["type"], m["channel"], m["data"]) == ("unsubscribe", b"c1", 1)
        assert pub.pubsub_channels() == [b"c2"]
    finally:
        p.close()
        pub.close()
        sub.close()


# --- scripts ------------------------------------------------------------------------

def test_register_script(target, rp):
    target.needs("EVAL", "EVALSHA", "SCRIPT", "MULTI", "EXEC")
    incr_by = rp.register_script(
        "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) return {v, ARGV[2]}")
    assert incr_by(keys=["n"], args=[5, "tag"]) == [5, b"tag"]
    assert rp.script_exists(incr_by.sha) == [True]
    rp.script_flush()
    assert rp.script_exists(incr_by.sha) == [False]
    assert incr_by(keys=["n"], args=[2, "again"]) == [7, b"again"]  # NOSCRIPT -> reloaded
    with rp.pipeline() as pipe:
        rp.script_flush()
        incr_by(keys=["n"], args=[1, "p"], client=pipe)
        pipe.get("n")
        assert pipe.execute() == [[8, b"p"], b"8"]
    with pytest.raises(NoScriptError):
        rp.evalsha("0" * 40, 0)
    broken = rp.register_script("return redis.call('INCR', KEYS[1])")
    rp.set("s", "text")
    with pytest.raises(ResponseError):
        broken(keys=["s"])


# --- asyncio client -----------------------------------------------------------------

@PROTOCOLS
def test_asyncio_client(target, proto):
    target.needs("MULTI", "EXEC", "WATCH", "EVALSHA", "SCRIPT", "PUBLISH", "SUBSCRIBE", "PUBSUB")
    async def scenario():
        r = redis.asyncio.Redis(host="127.0.0.1", port=target.port, protocol=proto)
        other = redis.asyncio.Redis(host="127.0.0.1", port=target.port)
        try:
            await r.flushall()
            assert await r.set("a", "1") is True
            assert await r.incrby("a", 4) == 5
            got = await asyncio.gather(*(r.incr("c") for _ in range(20)))  # pooled: any order
            assert sorted(got) == list(range(1, 21))
            async with r.pipeline(transaction=True) as pipe:
                pipe.set("b", "x").append("b", "y").get("b")
                assert await pipe.execute() == [True, 2, b"xy"]
            async with r.pipeline() as pipe:
                await pipe.watch("a")
                await other.set("a", "changed")
                pipe.multi()
                pipe.set("a", "mine")
                with pytest.raises(WatchError):
                    await pipe.execute()
            async with r.lock("alock", timeout=5) as lock:
                assert await lock.owned()
                assert await r.exists("alock") == 1
            assert await r.exists("alock") == 0
            script = r.register_script("return redis.call('GET', KEYS[1])")
            assert await script(keys=["b"]) == b"xy"
            await pubsub_roundtrip(r, other)
        finally:
            await r.aclose()
            await other.aclose()

    async def pubsub_roundtrip(r, other):
        p = r.pubsub(ignore_subscribe_messages=True)
        await p.subscribe("ach")
        try:
            for _ in range(100):
                if (await other.pubsub_numsub("ach")) == [(b"ach", 1)]:
                    break
                await asyncio.sleep(0.01)
            await other.publish("ach", "ping")
            msg = None
            for _ in range(100):
                msg = await p.get_message(timeout=0.05)
                if msg is not None:
                    break
            assert msg is not None and msg["data"] == b"ping"
        finally:
            await p.aclose()

    asyncio.run(asyncio.wait_for(scenario(), 60))
