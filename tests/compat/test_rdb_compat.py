"""RDB files both ways with the real redis-server 7.0.

(a) Redis fills every type and encoding, SAVEs; miniredis' load_rdb reads the
    file and every key, value, type, TTL and encoding matches what Redis reports.
(b) An in-process miniredis receives the same commands; write_rdb writes its
    keyspace; a fresh redis-server started on that file holds the same data,
    encodings and TTLs as the Redis that received the commands.
Typed values (project extension) load in Redis as the documented strings.
"""

import os
import subprocess
import time

import pytest

from support import RawClient, free_port, green_client, inprocess_server, start_redis, wait_for_port

from miniredis.commands.keys import _string_encoding
from miniredis.config import Config
from miniredis.datatypes import type_name
from miniredis.keyspace import Keyspace
from miniredis.persistence.rdb import load_rdb, write_rdb

FAR = 4102444800000          # 2100-01-01 in ms: absolute expiries compare exactly


def fill_commands():
    """Every type and encoding, small and large, with TTLs, in two databases."""
    cmds = [
        ("SET", "s:small", "hello"), ("SET", "s:int", "12345"), ("SET", "s:neg", "-7"),
        ("SET", "s:i32max", "2147483647"), ("SET", "s:i32over", "2147483648"),
        ("SET", "s:big", "99999999999"), ("SET", "s:llmin", "-9223372036854775808"),
        ("SET", "s:bin", b"\x00\xff\r\n" * 5), ("SET", "s:long", "abc" * 100),
        ("SET", "s:empty", ""), ("SET", "s:lead0", "007"), ("SET", "s:noise", bytes(range(256)) * 3),
        ("SET", "s:float", "3.14"), ("SET", "s:44", "x" * 44), ("SET", "s:45", "y" * 45),
        ("SET", "t:px", "v", "PXAT", str(FAR)), ("SET", "t:ex", "v", "EXAT", str(FAR // 1000 + 7)),
        ("RPUSH", "l:small", "a", "b", "1", "-5", "300", "70000", "99999999999",
         "-9223372036854775808", "x" * 100, "", b"\x00\xff"),
        ("RPUSH", "l:big") + tuple("el%d" % i if i % 3 else str(i * 7919) for i in range(3000)),
        ("RPUSH", "l:huge", "z" * 20000, "small", "q" * 9000),
        ("PEXPIREAT", "l:small", str(FAR + 1)),
        ("HSET", "h:small", "f1", "v1", "f2", "2", "-3", "big" * 10, "n", "-70000"),
        ("HSET", "h:big") + tuple(x for i in range(600) for x in ("f%d" % i, str(i))),
        ("HSET", "h:longval", "f", "v" * 100),
        ("PEXPIREAT", "h:big", str(FAR + 2)),
        ("SADD", "st:int16", "1", "2", "3", "-100"),
        ("SADD", "st:int32", "1", "100000", "-100000"),
        ("SADD", "st:int64", "1", "9999999999", "-9223372036854775808", "9223372036854775807"),
        ("SADD", "st:str", "a", "b", "c", "1"),
        ("SADD", "st:big") + tuple(str(i) for i in range(600)),
        ("ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "1e20", "e",
         "0.1", "f", "-3", "g", "3e-10", "h", "4503599627370496", "i", "0", "j", "7", "42"),
        ("ZADD", "z:big") + tuple(x for i in range(200) for x in (str(i * 0.5 - 30), "m%d" % i)),
        ("ZADD", "z:longmember", "1", "m" * 100, "2", "x"),
        ("ZADD", "z:inf", "inf", "a", "-inf", "b") + tuple(x for i in range(130) for x in (str(i), "n%d" % i)),
        ("PEXPIREAT", "z:small", str(FAR + 3)),
        ("SELECT", "3"), ("SET", "db3:k", "in db 3"), ("RPUSH", "db3:l", "x"),
        ("SELECT", "0"),
    ]
    return cmds


def snapshot(c, key):
    """(type, value, encoding, pexpiretime) of key as a RESP2 server reports it."""
    t = c.cmd("TYPE", key).v
    if t == "string":
        v = c.cmd("GET", key).v
    elif t == "list":
        v = [x.v for x in c.cmd("LRANGE", key, 0, -1).v]
    elif t == "hash":
        flat = [x.v for x in c.cmd("HGETALL", key).v]
        v = dict(zip(flat[0::2], flat[1::2]))
    elif t == "set":
        v = sorted(x.v for x in c.cmd("SMEMBERS", key).v)
    elif t == "zset":
        flat = [x.v for x in c.cmd("ZRANGE", key, 0, -1, "WITHSCORES").v]
        v = [(m, float(s)) for m, s in zip(flat[0::2], flat[1::2])]
    else:
        raise AssertionError("unexpected type %r" % t)
    return t, v, c.cmd("OBJECT", "ENCODING", key).v.decode(), c.cmd("PEXPIRETIME", key).v


def keyspace_snapshot(db, key, config):
    """The same tuple for a key of a loaded miniredis Keyspace."""
    v = db.data[key]
    t = type_name(v)
    if t == "string":
        value, encoding = v, _string_encoding(v)
    else:
        encoding = v.encoding(config)
        if t == "list":
            value = list(v)
        elif t == "hash":
            value = dict(v)
        elif t == "set":
            value = sorted(v)
        else:
            value = [(m, s) for m, s in v.items()]
    return t, value, encoding, db.expires.get(key, -1)


def all_keys(c):
    out = {}
    for db in range(16):
        c.cmd("SELECT", db)
        keys = [k.v for k in c.cmd("KEYS", "*").v]
        if keys:
            out[db] = {k: snapshot(c, k) for k in keys}
    c.cmd("SELECT", 0)
    return out


def start_redis_on(path):
    """A redis-server loading the RDB file at path (its own process, stopped by the caller)."""
    d, name = os.path.split(path)
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--dir", d, "--dbfilename", name, "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
    except Exception:
        proc.kill()
        proc.wait()
        raise
    return proc, port


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def ref(tmp_path):
    s = start_redis("--dir", str(tmp_path), "--dbfilename", "ref.rdb")
    c = RawClient(s.port)
    yield c
    c.close()
    s.stop()


def run_all(c, cmds):
    for cmd in cmds:
        reply = c.cmd(*cmd)
        assert reply.t != "-", (cmd, reply)


# --- (a) Redis writes, miniredis reads ---------------------------------------------

@pytest.mark.parametrize("compression", ["yes", "no"])
def test_redis_file_loads_in_miniredis(ref, tmp_path, compression):
    ref.cmd("CONFIG", "SET", "rdbcompression", compression)
    run_all(ref, fill_commands())
    expected = all_keys(ref)
    assert ref.cmd("SAVE").v == "OK"
    ks = Keyspace()
    cfg = Config()
    with open(str(tmp_path / "ref.rdb"), "rb") as f:
        aux = load_rdb(f, ks, config=cfg)
    assert aux[b"redis-ver"] == b"7.0.15"
    assert aux[b"redis-bits"] == b"64"
    got = {}
    for db in ks.dbs:
        if db.data:
            got[db.index] = {k: keyspace_snapshot(db, k, cfg) for k in db.data}
    assert sorted(got) == sorted(expected)
    for index, keys in expected.items():
        assert sorted(got[index]) == sorted(keys)
        for k, snap in keys.items():
            assert got[index][k] == snap, k


def test_redis_file_with_lru_and_lfu_fields(ref, tmp_path):
    """Redis writes IDLE / FREQ opcodes under an LRU / LFU policy: they load."""
    ref.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    ref.cmd("SET", "a", "1")
    ref.cmd("SAVE")
    ks = Keyspace()
    load_rdb(open(str(tmp_path / "ref.rdb"), "rb"), ks)
    ref.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    ref.cmd("SET", "b", "2")
    ref.cmd("SAVE")
    ks = Keyspace()
    load_rdb(open(str(tmp_path / "ref.rdb"), "rb"), ks)
    assert ks.dbs[0].data == {b"a": b"1", b"b": b"2"}


def test_redis_file_with_functions(ref, tmp_path):
    code = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"
    assert ref.cmd("FUNCTION", "LOAD", code).t != "-"
    ref.cmd("SET", "k", "v")
    ref.cmd("SAVE")
    libs = []
    ks = Keyspace()
    load_rdb(open(str(tmp_path / "ref.rdb"), "rb"), ks, functions=libs)
    assert libs == [code.encode()]
    assert ks.dbs[0].data == {b"k": b"v"}


# --- (b) miniredis writes, Redis reads ------------------------------------------------

def _mini_fill(cmds, typed=()):
    """Run cmds on an in-process miniredis; returns its keyspace and config (server stopped)."""
    with inprocess_server() as srv:
        c = green_client(srv)
        run_all(c, cmds)
        for key, wire in typed:
            c3 = green_client(srv, 3)
            c3.send_raw(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n%s" % (len(key), key, wire))
            assert c3.read().v == "OK"
            c3.close()
        c.close()
        return srv.keyspace, srv.config


@pytest.mark.parametrize("compress,checksum", [(True, True), (False, False)])
def test_miniredis_file_loads_in_redis(ref, tmp_path, compress, checksum):
    cmds = fill_commands()
    run_all(ref, cmds)
    expected = all_keys(ref)
    ks, cfg = _mini_fill(cmds)
    path = str(tmp_path / "mini.rdb")
    with open(path, "wb") as f:
        write_rdb(f, ks, compress=compress, checksum=checksum, config=cfg)
    proc, port = start_redis_on(path)
    try:
        c = RawClient(port)
        got = all_keys(c)
        c.close()
    finally:
        stop(proc)
    assert sorted(got) == sorted(expected)
    for index, keys in expected.items():
        assert sorted(got[index]) == sorted(keys)
        for k, snap in keys.items():
            assert got[index][k] == snap, k


def test_relative_ttl_survives(ref, tmp_path):
    ks, cfg = _mini_fill([("SET", "k", "v", "PX", "100000"), ("SET", "gone", "v", "PX", "1")])
    time.sleep(0.01)
    path = str(tmp_path / "ttl.rdb")
    with open(path, "wb") as f:
        write_rdb(f, ks, config=cfg)
    proc, port = start_redis_on(path)
    try:
        c = RawClient(port)
        assert 90000 < c.cmd("PTTL", "k").v <= 100000
        assert c.cmd("EXISTS", "gone").v == 0      # expired keys are skipped on load
        c.close()
    finally:
        stop(proc)


TYPED = [
    (b"ti", b":42\r\n", b"42"),
    (b"tneg", b":-9223372036854775808\r\n", b"-9223372036854775808"),
    (b"td", b",1.5\r\n", b"1.5"),
    (b"tinf", b",inf\r\n", b"inf"),
    (b"tm", b"%1\r\n+a\r\n:1\r\n", b"%1\r\n$1\r\na\r\n:1\r\n"),
    (b"ta", b"*2\r\n:1\r\n,2.5\r\n", b"*2\r\n:1\r\n,2.5\r\n"),
    (b"tt", b"#t\r\n", b"#t\r\n"),
    (b"tn", b"_\r\n", b"_\r\n"),
    (b"tb", b"(12345678901234567890\r\n", b"(12345678901234567890\r\n"),
    (b"ts", b"~2\r\n$1\r\nx\r\n#f\r\n", b"~2\r\n$1\r\nx\r\n#f\r\n"),
]


def test_typed_values_load_in_redis_as_strings(tmp_path):
    ks, cfg = _mini_fill([("SET", "plain", "p")], typed=[(k, w) for k, w, _ in TYPED])
    ks.dbs[0].expires[b"tm"] = FAR      # a marker, then the expiry, then the key
    path = str(tmp_path / "typed.rdb")
    with open(path, "wb") as f:
        write_rdb(f, ks, config=cfg)
    proc, port = start_redis_on(path)
    try:
        c = RawClient(port)
        for key, _, text in TYPED:
            assert c.cmd("TYPE", key).v == "string"
            assert c.cmd("GET", key).v == text, key
        assert c.cmd("GET", "plain").v == b"p"
        assert c.cmd("PEXPIRETIME", "tm").v == FAR
        assert c.cmd("PEXPIRETIME", "tb").v == -1
        # Redis' own save of that data set: the markers are gone, the strings stay.
        assert c.cmd("SAVE").v == "OK"
        c.close()
    finally:
        stop(proc)
    back = Keyspace()
    load_rdb(open(path, "rb"), back)
    assert all(type(v) is bytes for v in back.dbs[0].data.values())
    assert back.dbs[0].data[b"tm"] == b"%1\r\n$1\r\na\r\n:1\r\n"
