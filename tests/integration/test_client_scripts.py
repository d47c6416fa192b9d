"""The bundled client's scripting (EVAL, Script objects, functions) and Lock, on both servers.

As redis-py: a registered Script runs by EVALSHA and loads itself on NOSCRIPT,
also inside pipelines; a Lock takes its key with SET NX PX and releases,
extends and re-acquires it through Lua scripts that compare the token first.
Every wait is bounded (blocking_timeout, joins).
"""

import threading
import time

import pytest

from miniredis_client import LockError, LockNotOwnedError, NoScriptError, Redis, ResponseError
from miniredis_client.lock import Lock


@pytest.fixture(params=["miniredis", "redis"])
def server(request):
    return request.getfixturevalue("mini_server" if request.param == "miniredis"
                                   else "redis_server")


@pytest.fixture(params=[3, 2], ids=["resp3", "resp2"])
def c(request, server):
    cl = Redis(port=server.port, protocol=request.param, socket_timeout=10)
    cl.flushall()
    cl.script_flush()
    yield cl
    cl.close()


SCRIPT = "redis.call('set', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('get', KEYS[1]), 7}"


# --- EVAL & co ------------------------------------------------------------------------------

def test_eval_and_script_commands(c):
    assert c.eval(SCRIPT, 1, "k", "v") == [b"k", b"v", 7]
    sha = c.script_load(SCRIPT)
    assert isinstance(sha, str) and len(sha) == 40
    assert c.script_exists(sha, "0" * 40) == [True, False]
    assert c.evalsha(sha, 1, "k2", "w") == [b"k2", b"w", 7]
    assert c.evalsha_ro(c.script_load("return redis.call('get', KEYS[1])"), 1, "k") == b"v"
    assert c.eval_ro("return ARGV[1]", 0, "x") == b"x"
    assert c.script_flush() is True and c.script_exists(sha) == [False]
    with pytest.raises(NoScriptError, match="^No matching script"):
        c.evalsha(sha, 0)
    with pytest.raises(ResponseError, match="boom"):
        c.eval("return redis.error_reply('boom')", 0)
    assert c.eval("return redis.status_reply('FINE')", 0) in (b"FINE", "FINE")


def test_registered_script(c):
    script = c.register_script(SCRIPT)
    assert script(keys=["a"], args=["1"]) == [b"a", b"1", 7]
    c.script_flush()                   # gone from the server: loaded again on NOSCRIPT
    assert script(keys=["b"], args=["2"]) == [b"b", b"2", 7]
    other = Redis(port=c.connection_pool.port, protocol=c.protocol)
    try:
        assert script(keys=["c"], args=["3"], client=other) == [b"c", b"3", 7]
    finally:
        other.close()
    c.script_flush()
    for transaction in (True, False):
        with c.pipeline(transaction=transaction) as p:
            assert script(keys=["p"], args=["x"], client=p) is p
            p.get("p")
            assert p.execute() == [[b"p", b"x", 7], b"x"]
        c.script_flush()


def test_functions(c):
    code = ("#!lua name=mylib\n"
            "redis.register_function('echo_key', function(keys, args) "
            "return redis.call('get', keys[1]) end)\n"
            "redis.register_function{function_name='ro', callback=function(keys, args) "
            "return args[1] end, flags={'no-writes'}}")
    c.function_flush()
    assert c.function_load(code) == "mylib"
    with pytest.raises(ResponseError, match="already exists"):
        c.function_load(code)
    assert c.function_load(code, replace=True) == "mylib"
    c.set("k", "v")
    assert c.fcall("echo_key", 1, "k") == b"v" and c.fcall_ro("ro", 0, "a") == b"a"
    libs = c.function_list()
    assert [lib[b"library_name"] for lib in libs] == [b"mylib"]
    assert sorted(f[b"name"] for f in libs[0][b"functions"]) == [b"echo_key", b"ro"]
    assert c.function_delete("mylib") is True and c.function_list() == []


# --- Lock ---------------------------------------------------------------------------------

def test_lock_acquire_release(c):
    lock = c.lock("L", timeout=10)
    assert isinstance(lock, Lock) and not lock.locked()
    assert lock.acquire() is True
    assert lock.locked() and lock.owned() and 0 < c.pttl("L") <= 10000
    assert c.lock("L", blocking=False).acquire() is False
    assert c.lock("L", sleep=0.01, blocking_timeout=0.05).acquire() is False
    lock.release()
    assert not lock.locked() and not lock.owned()
    with pytest.raises(LockError, match="Cannot release an unlocked lock"):
        lock.release()
    with c.lock("L") as held:
        assert held.owned() and c.ttl("L") == -1
        with pytest.raises(LockError, match="no timeout"):
            held.extend(1)
    assert not c.exists("L")
    with c.lock("L"):
        with pytest.raises(LockError, match="Unable to acquire lock"):
            with c.lock("L", blocking_timeout=0.05, sleep=0.01):
                pass


def test_lock_release_is_safe(c):
    lock = c.lock("L", timeout=10)
    assert lock.acquire()
    c.set("L", "someone-else")          # our lock expired and was taken over
    with pytest.raises(LockNotOwnedError, match="no longer owned"):
        lock.release()
    assert c.get("L") == b"someone-else"    # the new owner's lock survived
    assert lock.acquire(blocking=False) is False
    quiet = c.lock("L", raise_on_release_error=False)
    quiet.release()                     # not held: ignored
    assert quiet.acquire(token="mine", blocking=False) is False
    c.delete("L")
    assert quiet.acquire(token="mine", blocking=False) is True and c.get("L") == b"mine"


def test_lock_extend_and_reacquire(c):
    lock = c.lock("L", timeout=5)
    with pytest.raises(LockError, match="extend an unlocked"):
        lock.extend(1)
    with pytest.raises(LockError, match="reacquire an unlocked"):
        lock.reacquire()
    assert lock.acquire()
    assert lock.extend(10) is True and 10000 < c.pttl("L") <= 15000
    assert lock.extend(2, replace_ttl=True) is True and 0 < c.pttl("L") <= 2000
    assert lock.reacquire() is True and 2000 < c.pttl("L") <= 5000
    c.persist("L")        # no TTL: not ours to prolong
    with pytest.raises(LockNotOwnedError):
        lock.extend(1)
    c.set("L", "other")
    with pytest.raises(LockNotOwnedError):
        lock.reacquire()


def test_lock_token_per_thread(c):
    lock = c.lock("L", timeout=10)
    assert lock.acquire()
    seen = []
    t = threading.Thread(target=lambda: seen.append((lock.owned(), lock._token)))
    t.start()
    t.join(10)
    assert seen == [(False, None)]       # thread_local: the token stays with its thread
    shared = c.lock("S", timeout=10, thread_local=False)
    assert shared.acquire()
    t = threading.Thread(target=shared.release)
    t.start()
    t.join(10)
    assert not c.exists("S")
    lock.release()


def test_lock_serialises_threads(server):
    c = Redis(port=server.port, socket_timeout=10, max_connections=4)
    c.delete("counter", "L")
    errors = []

    def work():
        try:
            for _ in range(5):
                with c.lock("L", timeout=10, sleep=0.005, blocking_timeout=20):
                    value = int(c.get("counter") or 0)
                    time.sleep(0.001)
                    c.set("counter", str(value + 1))
        except Exception as e:     # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert errors == [] and not any(t.is_alive() for t in threads)
        assert c.get("counter") == b"15"
    finally:
        c.close()


def test_decode_responses(server):
    c = Redis(port=server.port, decode_responses=True)
    try:
        c.delete("L")
        script = c.register_script("return {ARGV[1], redis.call('ping')}")
        assert script(args=["é"]) == ["é", "PONG"]
        assert c.script_exists(script.sha) == [True]
        with c.lock("L", timeout=5) as lock:
            assert lock.owned() and isinstance(c.get("L"), str)
            assert lock.extend(1) and lock.reacquire()
        assert not c.exists("L")
    finally:
        c.close()
