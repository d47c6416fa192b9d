"""The bundled client (miniredis_client) against real server processes.

Method groups run against miniredis and, where the answer is plain Redis
behaviour, also against the reference redis-server, so the client's parsing
is checked on both. Typed values (a project extension) run on miniredis only.
"""

import datetime
import os
import subprocess
import sys
import threading
import time

import pytest

from support import ROOT, free_port, start_miniredis, start_redis

from miniredis_client import (
    AuthenticationError, BusyLoadingError, Client, ConnectionError, DataError, ExecAbortError,
    LockError, LockNotOwnedError, MiniRedisError, NoScriptError, ProtocolVersionError,
    ReadOnlyError, ResponseError, TimeoutError, WatchError, WrongTypeError,
)
from miniredis_client.connection import Connection
from miniredis_client.exceptions import error_from_reply


@pytest.fixture(scope="module")
def mini():
    s = start_miniredis()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ref():
    s = start_redis("--enable-debug-command", "local")
    yield s
    s.stop()


@pytest.fixture(params=["miniredis", "redis"])
def server(request, mini):
    """Each server the client must work with: miniredis, and the reference when installed."""
    if request.param == "miniredis":
        return mini
    return request.getfixturevalue("ref")


def _client(srv, **kw):
    kw.setdefault("socket_timeout", 10)
    c = Client(port=srv.port, **kw)
    c.flushall()
    return c


@pytest.fixture(params=[3, 2], ids=["resp3", "resp2"])
def c(request, server):
    """A client in each protocol, on each server, with both flushed."""
    cl = _client(server, protocol=request.param)
    yield cl
    cl.close()


@pytest.fixture(params=[3, 2], ids=["resp3", "resp2"])
def mc(request, mini):
    """A client in each protocol on miniredis only."""
    cl = _client(mini, protocol=request.param)
    yield cl
    cl.close()


@pytest.fixture
def m3(mini):
    cl = _client(mini, protocol=3, typed=True)   # typed values are opt-in
    yield cl
    cl.close()


# --- connection group ------------------------------------------------------------

def test_connection_commands(c):
    assert c.ping() is True
    assert c.ping("hi") == b"hi"
    assert c.echo("héllo") == "héllo".encode()
    h = c.hello()
    assert h[b"proto"] == c.protocol and h[b"version"].startswith(b"7.0")
    cid = c.client_id()
    assert isinstance(cid, int) and cid > 0
    assert c.client_getname() is None
    assert c.client_setname("worker-1") is True
    assert c.client_getname() == b"worker-1"
    info = c.client_info()
    assert info["id"] == str(cid) and info["name"] == "worker-1"
    assert info["resp"] == str(c.protocol)
    mine = [e for e in c.client_list() if e["id"] == str(cid)]
    assert mine and mine[0]["name"] == "worker-1"
    assert [e["id"] for e in c.client_list(client_id=cid)] == [str(cid)]
    assert all(e["flags"] for e in c.client_list(_type="normal"))


def test_client_name_and_db_apply_to_new_connections(server):
    c = _client(server, db=2, client_name="app")
    try:
        c.set("k", "v")
        assert c.client_info()["db"] == "2"
        assert c.client_getname() == b"app"
        assert c.select(3) is True
        assert c.client_setname("app2") is True
        # A second connection of the pool (held by the pipeline-free path
        # below) is set up with the current session settings.
        pool = c.connection_pool
        first = pool.get_connection()
        try:
            assert c.client_info()["db"] == "3"
            assert c.client_getname() == b"app2"
            assert c.get("k") is None
        finally:
            pool.release(first)
        assert c.select(2) and c.get("k") == b"v"
        with pytest.raises(ResponseError, match="DB index is out of range"):
            c.select(1000)
        assert c.client_info()["db"] == "2"
    finally:
        c.close()


def test_select_inside_pipeline_is_scoped(server):
    c = _client(server)
    try:
        c.set("k", "db0")
        with c.pipeline() as p:
            p.select(1).set("k", "db1").get("k")
            assert p.execute() == [True, True, b"db1"]
        assert c.get("k") == b"db0"
        assert c.client_info()["db"] == "0"
        c.select(1)
        assert c.get("k") == b"db1"
        c.flushdb()
    finally:
        c.close()


def test_reset_and_quit_leave_client_usable(c):
    c.set("k", "v")
    c.client_setname("named")
    assert c.reset() is True
    # The connection was reset server-side; the client set it up again.
    assert c.hello()[b"proto"] == c.protocol
    assert c.client_getname() == b"named"
    assert c.quit() is True
    assert c.get("k") == b"v"


def test_client_kill(server):
    a = _client(server)
    b = _client(server)
    try:
        victim = b.client_info()
        assert a.client_kill(victim["addr"]) is True
        with pytest.raises(ResponseError, match="No such client"):
            a.client_kill("127.0.0.1:1")
        victim = b.client_id()
        assert a.client_kill_filter(_id=victim) == 1
        assert a.client_kill_filter(_id=victim) == 0
        assert b.ping() is True   # b reconnects transparently
        assert a.client_kill_filter(_id=a.client_id(), skipme=True) == 0
        with pytest.raises(DataError):
            a.client_kill_filter()
    finally:
        a.close()
        b.close()


# --- server group --------------------------------------------------------------------

def test_server_commands(c):
    info = c.info()
    assert isinstance(info["redis_version"], str) and info["redis_version"].count(".") == 2
    assert isinstance(info["connected_clients"], int)
    assert isinstance(c.info("server")["uptime_in_seconds"], int)
    assert "used_memory" not in c.info("server")
    c.mset({"a": "1", "b": "2"})
    keyspace = c.info("keyspace")
    assert keyspace["db0"]["keys"] == 2 and keyspace["db0"]["expires"] == 0
    assert c.dbsize() == 2
    assert c.flushdb() is True and c.dbsize() == 0
    c.set("a", "1")
    assert c.flushall(asynchronous=True) is True and c.dbsize() == 0
    secs, usecs = c.time()
    assert abs(secs - time.time()) < 5 and 0 <= usecs < 1000000
    assert c.command_count() > 20
    get = c.command_info("get", "set")
    assert get["get"]["arity"] == 2 and get["set"]["arity"] == -3
    assert "readonly" in get["get"]["flags"] and get["get"]["first_key_pos"] == 1
    assert c.config_get("maxmemory") == {"maxmemory": "0"}
    assert c.config_set("maxmemory-samples", 7) is True
    assert c.config_get("maxmemory-sam*") == {"maxmemory-samples": "7"}
    c.config_set("maxmemory-samples", 5)
    with pytest.raises(ResponseError, match="Unknown option"):
        c.config_set("no-such-option", "1")
    assert c.config_resetstat() is True
    assert c.debug_sleep(0) is True


def test_shutdown_stops_the_server():
    s = start_miniredis()
    try:
        c = Client(port=s.port, socket_timeout=5)
        assert c.shutdown(nosave=True) is None
        s.proc.wait(5)
        with pytest.raises(ConnectionError):
            c.ping()
    finally:
        s.stop()


# --- keys group ------------------------------------------------------------------------

def test_key_commands(c):
    c.mset({"k1": "a", "k2": "b", "k3": "c"})
    assert c.exists("k1", "k1", "nope") == 2
    assert c.type("k1") == "string" and c.type("nope") == "none"
    assert sorted(c.keys("k*")) == [b"k1", b"k2", b"k3"]
    assert c.randomkey() in (b"k1", b"k2", b"k3")
    cursor, keys = c.scan(0, match="k*", count=100)
    assert cursor == 0 and sorted(keys) == [b"k1", b"k2", b"k3"]
    assert sorted(c.scan_iter(count=1)) == [b"k1", b"k2", b"k3"]
    assert list(c.scan_iter(_type="list")) == []
    assert c.rename("k1", "r1") is True
    with pytest.raises(ResponseError, match="no such key"):
        c.rename("k1", "r2")
    assert c.renamenx("r1", "k2") is False and c.renamenx("r1", "k1") is True
    assert c.copy("k1", "c1") is True and c.copy("k1", "c1") is False
    assert c.copy("k1", "c1", replace=True) is True
    assert c.copy("k1", "k1", destination_db=1) is True
    assert c.move("k2", 1) is True and c.move("k1", 1) is False
    assert c.touch("k1", "k3", "nope") == 2
    assert c.delete("k3", "nope") == 1 and c.unlink("c1") == 1
    assert c.swapdb(0, 1) is True
    assert sorted(c.keys()) == [b"k1", b"k2"]
    c.swapdb(0, 1)
    assert c.randomkey() is not None
    c.flushall()
    assert c.randomkey() is None


def test_expiry_commands(c):
    c.set("k", "v")
    assert c.ttl("k") == -1 and c.pttl("k") == -1 and c.expiretime("k") == -1
    assert c.ttl("nope") == -2 and c.pexpiretime("nope") == -2
    assert c.expire("k", 100) is True
    assert 99 <= c.ttl("k") <= 100
    assert c.expire("k", 50, gt=True) is False
    assert c.expire("k", datetime.timedelta(seconds=200), gt=True) is True
    assert c.expire("k", 10, nx=True) is False
    assert c.pexpire("k", 5000, lt=True) is True and 4000 < c.pttl("k") <= 5000
    when = int(time.time()) + 1000
    assert c.expireat("k", when) is True and c.expiretime("k") == when
    assert c.pexpireat("k", when * 1000 + 5) is True and c.pexpiretime("k") == when * 1000 + 5
    at = datetime.datetime.now() + datetime.timedelta(hours=1)
    assert c.expireat("k", at) is True and abs(c.expiretime("k") - at.timestamp()) <= 1
    assert c.pexpireat("k", at, xx=True) is True
    assert c.persist("k") is True and c.persist("k") is False and c.ttl("k") == -1
    assert c.expire("nope", 10) is False
    assert c.expire("k", 10, xx=True) is False
    with pytest.raises(DataError):
        c.expire("k", 10, nx=True, xx=True)
    assert c.pexpire("k", -1) is True and c.exists("k") == 0


def test_object_commands(c):
    c.set("n", "123")
    c.set("s", "hello")
    assert c.object_encoding("n") == "int" and c.object_encoding("s") == "embstr"
    assert c.object_encoding("nope") is None
    assert isinstance(c.object_refcount("s"), int)
    assert c.object_idletime("s") >= 0
    assert c.object_refcount("nope") is None
    with pytest.raises(ResponseError, match="LFU"):
        c.object_freq("s")


# --- strings group ------------------------------------------------------------------------

def test_set_and_get_options(c):
    assert c.set("k", "v") is True and c.get("k") == b"v"
    assert c.get("nope") is None
    assert c.set("k", "w", nx=True) is False
    assert c.set("n", "w", xx=True) is False
    assert c.set("k", "w", xx=True, get=True) == b"v"
    assert c.set("n", "x", get=True) is None
    assert c.set("k", "e", ex=100) is True and 99 <= c.ttl("k") <= 100
    assert c.set("k", "e", px=datetime.timedelta(seconds=5)) is True and c.pttl("k") <= 5000
    assert c.set("k", "f", keepttl=True) is True and c.ttl("k") > 0
    at = int(time.time()) + 500
    assert c.set("k", "g", exat=at) is True and c.expiretime("k") == at
    assert c.set("k", "g", pxat=at * 1000) is True and c.pexpiretime("k") == at * 1000
    assert c.set("k", "g", exat=datetime.datetime.now() + datetime.timedelta(minutes=5))
    assert 295 <= c.ttl("k") <= 300
    with pytest.raises(ResponseError, match="invalid expire time in 'set' command"):
        c.set("k", "v", ex=0)
    with pytest.raises(ResponseError, match="syntax error"):
        c.set("k", "v", nx=True, xx=True)
    assert c.set("k", "12") is True and c.incr("k") == 13
    assert c.set(b"bin\x00", bytes(range(256))) is True
    assert c.get(b"bin\x00") == bytes(range(256))


def test_string_commands(c):
    assert c.setnx("a", "1") is True and c.setnx("a", "2") is False
    assert c.setex("b", 100, "x") is True and c.ttl("b") == 100
    assert c.setex("b", datetime.timedelta(seconds=50), "y") is True and c.ttl("b") == 50
    assert c.psetex("c", 100000, "z") is True and 99000 < c.pttl("c") <= 100000
    assert c.getset("a", "new") == b"1" and c.getset("nope", "x") is None
    assert c.getdel("missing") is None and c.getdel("b") == b"y" and c.exists("b") == 0
    assert c.getex("c", persist=True) == b"z" and c.ttl("c") == -1
    assert c.getex("c", ex=100) == b"z" and c.ttl("c") == 100
    assert c.getex("c", pxat=int(time.time() * 1000) + 50000) == b"z" and c.ttl("c") <= 50
    assert c.getex("c") == b"z"
    with pytest.raises(DataError):
        c.getex("c", ex=1, px=1)
    assert c.mset({"m1": "x", "m2": "y"}) is True
    assert c.mget(["m1", "m2", "missing"]) == [b"x", b"y", None]
    assert c.mget("m1", "m2") == [b"x", b"y"]
    assert c.msetnx({"m3": "1", "m4": "2"}) is True and c.msetnx({"m4": "3", "m5": "4"}) is False
    assert c.append("s", "Hello") == 5 and c.append("s", " World") == 11
    assert c.strlen("s") == 11 and c.strlen("missing") == 0
    assert c.getrange("s", 0, 4) == b"Hello" and c.substr("s", -5) == b"World"
    assert c.setrange("s", 6, "Redis") == 11 and c.get("s") == b"Hello Redis"


def test_counters(c):
    assert c.incr("n") == 1 and c.incr("n", 5) == 6
    assert c.decr("n") == 5 and c.decr("n", 10) == -5
    assert c.incrby("n", 7) == 2 and c.decrby("n", 2) == 0
    r = c.incrbyfloat("f", 1.5)
    assert r == 1.5 and isinstance(r, float)
    assert c.incrbyfloat("f", -0.25) == 1.25 and c.get("f") == b"1.25"
    c.set("s", "abc")
    with pytest.raises(ResponseError, match="not an integer or out of range"):
        c.incr("s")
    with pytest.raises(ResponseError, match="not a valid float"):
        c.incrbyfloat("s")


def test_bit_commands(c):
    assert c.setbit("b", 7, 1) == 0 and c.setbit("b", 7, True) == 1
    assert c.getbit("b", 7) == 1 and c.getbit("b", 100) == 0
    c.set("s", "foobar")
    assert c.bitcount("s") == 26 and c.bitcount("s", 1, 1) == 6
    assert c.bitcount("s", 5, 30, "BIT") == 17
    assert c.bitpos("s", 1) == 1 and c.bitpos("s", 0, 1) == 8
    assert c.bitpos("s", 1, 2, -1, "BYTE") == 17
    with pytest.raises(DataError):
        c.bitcount("s", 1)
    c.set("x", "\xff")
    assert c.bitop("AND", "dest", "s", "x") == 6 and c.strlen("dest") == 6
    assert c.bitop("NOT", "dest", "s") == 6
    with pytest.raises(ResponseError, match="bit is not an integer or out of range"):
        c.setbit("b", 1, 2)


def test_lcs(c):
    c.mset({"k1": "ohmytext", "k2": "mynewtext"})
    assert c.lcs("k1", "k2") == b"mytext"
    assert c.lcs("k1", "k2", len=True) == 6
    r = c.lcs("k1", "k2", idx=True, minmatchlen=4, withmatchlen=True)
    assert r["len"] == 6 and r["matches"] == [[[4, 7], [5, 8], 4]]


# --- typed values (project extension, miniredis only) -----------------------------------

TYPED = [
    {"a": 1},
    {"nested": {"list": [1, 2.5, True, False, None, "s"], "empty": {}}, 7: [[], [[1]]]},
    [1, "two", 3.25, [True, None], {"k": "v"}],
    (1, 2, 3),
    12345,
    -(2 ** 63),
    0.1,
    float("inf"),
    -2.5e-300,
    True,
    False,
    None,
    b"\x00raw\xff",
    "text é",
]


def _expected(v):
    """What GET returns for a stored Python value: str -> bytes, tuple -> list, keys likewise."""
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, dict):
        return {_expected(k): _expected(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_expected(x) for x in v]
    return v


@pytest.mark.parametrize("value", TYPED, ids=[repr(v)[:30] for v in TYPED])
def test_typed_values_round_trip(m3, value):
    assert m3.set("k", value) is True
    got = m3.get("k")
    assert got == _expected(value) and type(got) is type(_expected(value))
    assert m3.getset("k", "plain") == _expected(value)
    assert m3.setnx("n", value) is True and m3.get("n") == _expected(value)
    assert m3.setex("e", 100, value) is True and m3.get("e") == _expected(value)
    assert m3.psetex("p", 100000, value) is True and m3.get("p") == _expected(value)
    assert m3.mset({"m1": value, "m2": [value]}) is True
    assert m3.mget("m1", "m2") == [_expected(value), [_expected(value)]]
    assert m3.msetnx({"x1": value}) is True and m3.get("x1") == _expected(value)
    assert m3.set("k", value, get=True) == b"plain"


def test_typed_values_type_and_errors(m3):
    m3.set("m", {"a": 1})
    m3.set("i", 41)
    assert m3.type("m") == "map" and m3.type("i") == "string"
    assert m3.incr("i") == 42
    with pytest.raises(WrongTypeError):
        m3.incr("m")
    # Big numbers and sets are sent typed; they read back as text and as a list.
    assert m3.set("k", 2 ** 64) and m3.get("k") == b"18446744073709551616"
    assert m3.type("k") == "bignum"
    assert m3.set("k", {1, 2}) and sorted(m3.get("k")) == [1, 2] and m3.type("k") == "set"
    # Only VALUE arguments are typed: a typed key is refused before sending.
    with pytest.raises(DataError):
        m3.get(None)
    with pytest.raises(DataError):
        m3.expire("k", True)


def test_typed_values_need_resp3(mini):
    c = _client(mini, protocol=2)
    try:
        for bad in ({"a": 1}, [1], (1,), True, None):
            with pytest.raises(DataError, match="protocol=3"):
                c.set("k", bad)
        assert c.set("i", 5) is True and c.get("i") == b"5"
        assert c.set("f", 0.5) is True and c.get("f") == b"0.5"
        assert c.mset({"a": 1, "b": "x"}) is True and c.mget("a", "b") == [b"1", b"x"]
        # A typed value stored by a typed client is no string for a plain client.
        m3 = _client(mini, protocol=3, typed=True)
        try:
            m3.set("m", {"a": [1, True]})
            with pytest.raises(WrongTypeError):
                c.get("m")
        finally:
            m3.close()
    finally:
        c.close()


# --- protocols and decoding ---------------------------------------------------------------

def test_resp2_and_resp3_results_match(server):
    results = {}
    for proto in (2, 3):
        c = _client(server, protocol=proto)
        try:
            c.set("k", "v")
            c.set("f", "1.5")
            results[proto] = [
                c.hello()[b"proto"] == proto, c.config_get("maxmemory"), c.incrbyfloat("f", 1),
                c.scan(0), c.time()[0] > 0, c.exists("k"), c.expire("k", 10), c.persist("k"),
                c.command_info("get")["get"]["arity"], c.get("nope"), c.mget("k", "nope"),
                c.type("k"), c.info()["redis_version"][:3],
            ]
        finally:
            c.close()
    assert results[2] == results[3]
    assert results[3][0] is True


def test_decode_responses(server):
    for proto in (2, 3):
        c = _client(server, protocol=proto, decode_responses=True)
        try:
            c.set("k", "välue")
            assert c.get("k") == "välue"
            assert c.keys() == ["k"] and c.mget("k", "n") == ["välue", None]
            assert c.scan(0) == (0, ["k"])
            assert c.client_setname("dec") and c.client_getname() == "dec"
            assert c.hello()["proto"] == proto
            assert c.ping() is True and c.type("k") == "string"
            assert c.config_get("maxmemory") == {"maxmemory": "0"}
            assert isinstance(c.info()["connected_clients"], int)
            with c.pipeline() as p:
                assert p.set("a", "1").get("a").execute() == [True, "1"]
        finally:
            c.close()


def test_decode_responses_typed(mini):
    c = _client(mini, decode_responses=True, typed=True)
    try:
        c.set("k", {"a": ["x", 1, None]})
        assert c.get("k") == {"a": ["x", 1, None]}
    finally:
        c.close()


# --- pipelines ------------------------------------------------------------------------------

def test_pipeline(c):
    with c.pipeline() as p:
        assert p.set("a", "1") is p
        p.incr("a").get("a").exists("a", "b").expire("a", 10).ttl("a")
        assert len(p) == 6
        assert p.execute() == [True, 2, b"2", 1, True, 10]
        assert len(p) == 0 and p.execute() == []
    with c.pipeline() as p:
        for i in range(300):
            p.set("k%d" % i, str(i))
        p.mget(["k%d" % i for i in range(300)])
        res = p.execute()
        assert res[:300] == [True] * 300 and res[300] == [b"%d" % i for i in range(300)]
    with c.pipeline() as p:
        p.set("s", "x").incr("s").get("s")
        res = p.execute(raise_on_error=False)
        assert res[0] is True and res[2] == b"x"
        assert isinstance(res[1], ResponseError) and "not an integer" in str(res[1])
    with c.pipeline() as p:
        p.get("s").execute_command("NOSUCH", "x").incr("s")
        with pytest.raises(ResponseError, match=r"Command # 2 \(NOSUCH x\) of pipeline"):
            p.execute()
    # The pipeline read every reply: the connection is still in step.
    assert c.get("s") == b"x" and c.ping() is True
    with c.pipeline() as p:
        p.set("q", "1")
    assert c.exists("q") == 0   # leaving the block without execute() discards the queue
    with c.pipeline(transaction=False) as p:
        p.set("s", "y").incr("s").get("s")
        with pytest.raises(ResponseError, match=r"Command # 2 \(INCR s\) of pipeline"):
            p.execute()
    assert c.get("s") == b"y"


def test_pipeline_typed_values(m3):
    with m3.pipeline() as p:
        p.set("d", {"x": [1.5, False]}).get("d").mset({"a": None, "b": 3}).mget("a", "b")
        assert p.execute() == [True, {b"x": [1.5, False]}, True, [None, 3]]


# --- reconnects -----------------------------------------------------------------------------

def test_reconnect_after_client_kill(server):
    c = _client(server)
    killer = _client(server)
    try:
        c.set("k", "v")
        for _ in range(3):
            assert killer.client_kill_filter(_id=c.client_id()) == 1
            # A non-idempotent command too: the dead connection is noticed
            # before anything is sent, so nothing can run twice.
            assert c.incr("n") >= 1
            assert killer.client_kill_filter(_id=c.client_id()) == 1
            assert c.get("k") == b"v"
        assert c.get("n") == b"3"
        with c.pipeline() as p:
            killer.client_kill_filter(_id=c.client_id())
            assert p.incr("n").get("n").execute() == [4, b"4"]
    finally:
        c.close()
        killer.close()


def test_retry_once_only_for_idempotent_commands(server, monkeypatch):
    # Make the idle check miss the closed connection, as when the server
    # closes it between the check and the write: only reads are re-sent.
    monkeypatch.setattr(Connection, "is_stale", lambda self: False)
    c = _client(server)
    killer = _client(server)
    try:
        c.set("k", "v")
        killer.client_kill_filter(_id=c.client_id())
        assert c.get("k") == b"v"
        killer.client_kill_filter(_id=c.client_id())
        with pytest.raises(ConnectionError):
            c.incr("n")
        assert c.get("n") is None and c.incr("n") == 1
        killer.client_kill_filter(_id=c.client_id())
        with c.pipeline() as p:
            assert p.get("k").exists("k").execute() == [b"v", 1]
    finally:
        c.close()
        killer.close()


def test_server_restart_is_survived():
    s = start_miniredis()
    port = s.port
    c = Client(port=port, socket_timeout=5)
    try:
        c.set("k", "v")
        s.stop()
        with pytest.raises(ConnectionError):
            c.set("k", "w")
        s = start_miniredis(port=port)
        assert c.set("k", "w") is True and c.get("k") == b"w"
    finally:
        c.close()
        s.stop()


# --- threads --------------------------------------------------------------------------------

@pytest.mark.parametrize("max_connections", [None, 3])
def test_threads_share_one_client(server, max_connections):
    c = _client(server, max_connections=max_connections)
    errors = []
    n_threads, n_iter = 8, 150
    # Without typed=True an int value is sent and read back as text, on both servers.
    typed = False

    def want(v):
        return v if typed else b"%d" % v

    def work(t):
        try:
            for i in range(n_iter):
                c.incr("counter")
                c.set("t%d" % t, i)
                got = c.get("t%d" % t)
                if got != want(i):
                    errors.append((t, i, got))
                if i % 50 == 0:
                    with c.pipeline() as p:
                        assert p.set("p%d" % t, t).get("p%d" % t).execute() == [True, want(t)]
        except Exception as e:  # reported below: a thread must not die silently
            errors.append((t, repr(e)))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    try:
        assert not any(th.is_alive() for th in threads)
        assert errors == []
        assert c.get("counter") == b"%d" % (n_threads * n_iter)
        pool = c.connection_pool
        assert len(pool._idle) <= (max_connections or n_threads)
    finally:
        c.close()


def test_pool_limit_times_out(mini):
    c = Client(port=mini.port, max_connections=1)
    c.connection_pool.pool_timeout = 0.05
    held = c.connection_pool.get_connection()
    try:
        with pytest.raises(ConnectionError, match="Too many connections"):
            c.ping()
    finally:
        c.connection_pool.release(held)
    assert c.ping() is True
    c.close()


# --- authentication -------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["miniredis", "redis"])
def secured(request):
    start = start_miniredis if request.param == "miniredis" else start_redis
    s = start("--requirepass", "s3cret")
    yield s
    s.stop()


@pytest.mark.parametrize("proto", [2, 3])
def test_auth(secured, proto):
    c = Client(port=secured.port, password="s3cret", protocol=proto)
    assert c.ping() is True and c.set("k", "v") is True
    c.close()
    c = Client(port=secured.port, username="default", password="s3cret", protocol=proto)
    assert c.get("k") == b"v"
    c.close()
    with pytest.raises(AuthenticationError, match="^invalid username-password pair"):
        Client(port=secured.port, password="nope", protocol=proto).ping()
    anon = Client(port=secured.port, protocol=proto)
    with pytest.raises(AuthenticationError, match="^Authentication required"):
        anon.ping()
    # HELLO with AUTH authenticates the connection and is remembered.
    assert anon.hello(proto, password="s3cret")[b"proto"] == proto
    assert anon.get("k") == b"v"
    anon.close()
    later = Client(port=secured.port, protocol=proto)
    with pytest.raises(AuthenticationError, match="invalid username-password pair") as e:
        later.hello(proto, password="wrong")
    assert e.value.status_code == "WRONGPASS" and isinstance(e.value, ConnectionError)
    with pytest.raises(AuthenticationError):
        later.auth("wrong")


@pytest.mark.parametrize("proto", [2, 3])
def test_auth_method_applies_to_every_connection(secured, proto):
    c = Client(port=secured.port, protocol=proto)
    with pytest.raises(AuthenticationError, match="Authentication required"):
        c.ping()
    assert c.auth("s3cret") is True
    assert c.ping() is True and c.hello()[b"proto"] == proto
    c.close()   # a new connection authenticates with the stored password
    assert c.ping() is True
    c.close()


# --- exceptions -------------------------------------------------------------------------------

def test_exception_mapping(mini):
    c = _client(mini, typed=True)
    try:
        c.set("m", {"a": 1})
        with pytest.raises(WrongTypeError, match="^WRONGTYPE Operation"):
            c.append("m", "x")
        with pytest.raises(ProtocolVersionError, match="NOPROTO"):
            c.hello(4)
        with pytest.raises(ResponseError) as e:
            c.execute_command("GET")
        # As redis-py: the ERR prefix is stripped, kept in status_code.
        assert type(e.value) is ResponseError and e.value.status_code == "ERR"
        assert str(e.value) == "wrong number of arguments for 'get' command"
        with pytest.raises(DataError):
            c.execute_command()
        assert c.ping() is True
    finally:
        c.close()
    for text, cls, message in [
            ("NOSCRIPT No matching script. Please use EVAL.", NoScriptError,
             "No matching script. Please use EVAL."),
            ("EXECABORT Transaction discarded because of previous errors.", ExecAbortError,
             "Transaction discarded because of previous errors."),
            ("NOAUTH Authentication required.", AuthenticationError, "Authentication required."),
            ("ERR invalid password", AuthenticationError, "invalid password"),
            ("ERR max number of clients reached", ConnectionError,
             "max number of clients reached"),
            ("LOADING Redis is loading the dataset in memory", BusyLoadingError,
             "Redis is loading the dataset in memory"),
            ("READONLY You can't write against a read only replica.", ReadOnlyError,
             "You can't write against a read only replica."),
            ("WRONGTYPE Operation against a key", WrongTypeError,
             "WRONGTYPE Operation against a key"),
            ("BUSYKEY Target key name already exists.", ResponseError,
             "BUSYKEY Target key name already exists.")]:
        err = error_from_reply(text)
        assert type(err) is cls and str(err) == message
    for cls in (ResponseError, ConnectionError, TimeoutError, DataError, WatchError, LockError):
        assert issubclass(cls, MiniRedisError)
    assert issubclass(AuthenticationError, ConnectionError)
    assert not issubclass(AuthenticationError, ResponseError)
    assert issubclass(BusyLoadingError, ConnectionError)
    assert issubclass(LockNotOwnedError, LockError) and issubclass(LockError, ValueError)


def test_connection_and_timeout_errors(server):
    with pytest.raises(ConnectionError, match="connecting"):
        Client(port=free_port(), socket_connect_timeout=1).ping()
    c = Client(port=server.port, socket_timeout=0.05)
    try:
        with pytest.raises(TimeoutError):
            c.debug_sleep(0.3)
        # The timed-out connection was dropped, not reused out of step.
        c.connection_pool.socket_timeout = 5
        assert c.ping() is True
        assert c.echo("after") == b"after"
    finally:
        c.close()


# --- gevent -------------------------------------------------------------------------------------

_GEVENT_SCRIPT = r"""
import sys
import miniredis_client
assert "gevent" not in sys.modules, "the client must not import gevent"
from gevent import monkey
monkey.patch_all()
import gevent
from miniredis_client import Client

c = Client(port=int(sys.argv[1]), max_connections=4, socket_timeout=10)
c.delete("g")

def work(n):
    for i in range(50):
        c.incr("g")
        with c.pipeline() as p:
            assert p.set("gk%d" % n, "x").get("gk%d" % n).execute() == [True, b"x"]

jobs = [gevent.spawn(work, n) for n in range(10)]
gevent.joinall(jobs, timeout=30, raise_error=True)
assert all(j.successful() for j in jobs)
assert c.get("g") == b"500", c.get("g")
print("ok")
"""


def test_gevent_greenlets_share_one_client(mini):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, os.path.join(ROOT, "client"),
                                         env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", _GEVENT_SCRIPT, str(mini.port)], env=env,
                         capture_output=True, timeout=60, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
