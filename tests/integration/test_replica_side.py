"""Replication, replica side: miniredis following a real redis-server master (and another miniredis).

The reference for replies is a real redis-server replica of the same master,
asked the same commands. Waits are bounded polls of INFO / WAIT.
"""

import socket
import threading
import time

import pytest

from support import RawClient, start_miniredis, start_redis

from test_replication import FAST, dataset, fill, info, link_up, until


@pytest.fixture
def master():
    m = start_redis(*FAST)
    yield m
    m.stop()


@pytest.fixture
def follower():
    f = start_miniredis(*FAST)   # (its own replicas, if any, sync at once)
    yield f
    f.stop()


def follow(client, master):
    assert client.cmd("REPLICAOF", "127.0.0.1", master.port).v == "OK"
    assert link_up(client)


@pytest.fixture
def both_replicas(master, follower):
    """(master client, our replica's client, a real Redis replica's client), both
    following the master, which holds a = 1."""
    ref = start_redis()
    try:
        mc = RawClient(master.port)
        mc.cmd("SET", "a", "1")
        ours, theirs = RawClient(follower.port), RawClient(ref.port)
        for c in (ours, theirs):
            follow(c, master)
        yield mc, ours, theirs
    finally:
        ref.stop()


def test_follows_the_snapshot_and_the_stream_of_a_redis_master(master, follower):
    mc, fc = RawClient(master.port), RawClient(follower.port)
    fill(mc)
    fc.cmd("SET", "old", "gone at the sync")
    follow(fc, master)
    mc.cmd("INCR", "n")
    mc.cmd("SELECT", 4)
    mc.cmd("LPUSH", "q", "a", "b")
    mc.cmd("SELECT", 0)
    mc.cmd("MULTI")
    mc.cmd("HSET", "h", "f9", "9")
    mc.cmd("SREM", "set", "x")
    mc.cmd("EXEC")
    mc.cmd("EVAL", "redis.call('set', KEYS[1], 'lua'); return redis.call('rpop', KEYS[2])", 2, "e", "l")
    mc.cmd("DEL", "s")
    mc.cmd("PEXPIRE", "n", 100000)
    assert mc.cmd("WAIT", 1, 5000).v == 1
    assert until(lambda: dataset(fc) == dataset(mc))
    assert fc.cmd("EXISTS", "old").v == 0
    role = [x.v for x in fc.cmd("ROLE").v]
    assert role[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]
    assert role[4] > 0   # the offset it applied


def test_replies_as_a_redis_replica_of_the_same_master(master, both_replicas):
    mc, ours, theirs = both_replicas
    assert mc.cmd("WAIT", 2, 5000).v == 2
    for args in [("SET", "x", "1"), ("GET", "a"), ("INCR", "n"), ("DEL", "a"),
                 ("BLPOP", "jobs", "1"), ("XREAD", "STREAMS", "s", "0"),
                 ("EVAL", "return redis.call('set', 'x', '1')", "0"),
                 ("EVAL", "return redis.pcall('set', 'x', '1')", "0"),
                 ("EVAL_RO", "return redis.call('get', 'a')", "0"),
                 ("EVAL", "#!lua\nreturn 1", "0"), ("EVAL", "#!lua flags=no-writes\nreturn 1", "0"),
                 ("MULTI",), ("SET", "y", "1"), ("EXEC",), ("MULTI",), ("GET", "a"), ("EXEC",),
                 ("WAIT", "0", "0"), ("PUBLISH", "c", "m"), ("FLUSHALL",),
                 ("REPLICAOF", "127.0.0.1", "x"), ("REPLICAOF", "127.0.0.1", "70000"),
                 ("REPLICAOF", "127.0.0.1", str(master.port)),
                 ("SLAVEOF", "127.0.0.1", str(master.port)), ("CONFIG", "GET", "replicaof"),
                 ("CONFIG", "SET", "replica-read-only", "no"), ("SET", "w", "1"), ("GET", "w"),
                 ("CONFIG", "SET", "replica-read-only", "yes"), ("SET", "w", "2")]:
        assert ours.cmd(*args) == theirs.cmd(*args), args
    assert until(lambda: ours.cmd("ROLE") == theirs.cmd("ROLE"))
    fields = [[l.split(":")[0] for l in c.cmd("INFO", "replication").v.decode().splitlines()]
              for c in (ours, theirs)]
    assert fields[0] == fields[1]
    master.stop()
    # The link is down: both say so the same way.
    for c in (ours, theirs):
        assert until(lambda c=c: info(c)["master_link_status"] == "down")
    assert until(lambda: ours.cmd("ROLE") == theirs.cmd("ROLE"))
    assert ours.cmd("PSYNC", "?", "-1") == theirs.cmd("PSYNC", "?", "-1")
    assert ours.cmd("SYNC") == theirs.cmd("SYNC")


def test_a_dropped_link_continues_with_psync(master, follower):
    mc, fc = RawClient(master.port), RawClient(follower.port)
    fill(mc)
    follow(fc, master)
    assert mc.cmd("CLIENT", "KILL", "TYPE", "replica").v == 1
    mc.cmd("SET", "while-away", "1")
    mc.cmd("SELECT", 7)
    mc.cmd("SET", "in7-later", "1")
    mc.cmd("SELECT", 0)
    assert until(lambda: mc.cmd("WAIT", 1, 200).v == 1)
    assert info(mc, "stats")["sync_partial_ok"] == "1"
    assert until(lambda: dataset(fc) == dataset(mc))


def test_promoted_with_replicaof_no_one(master, follower):
    mc, fc = RawClient(master.port), RawClient(follower.port)
    mc.cmd("SET", "k", "v")
    follow(fc, master)
    assert mc.cmd("WAIT", 1, 5000).v == 1
    followed = info(fc)
    assert fc.cmd("REPLICAOF", "NO", "ONE").v == "OK"
    now = info(fc)
    assert now["role"] == "master"
    assert now["master_replid2"] == followed["master_replid"]
    assert now["second_repl_offset"] == str(int(followed["master_repl_offset"]) + 1)
    assert fc.cmd("SET", "mine", "1").v == "OK" and fc.cmd("GET", "k").v == b"v"
    mc.cmd("SET", "after", "1")
    time.sleep(0.2)
    assert fc.cmd("EXISTS", "after").v == 0


def test_a_blocked_reader_of_the_replica_is_served_by_the_masters_write(master, follower):
    mc, fc = RawClient(master.port), RawClient(follower.port)
    follow(fc, master)
    # BLPOP writes (a read-only replica refuses it, as Redis does); XREAD does not.
    assert fc.cmd("BLPOP", "jobs", 1).v.startswith("READONLY")
    got = []
    waiter = RawClient(follower.port)
    t = threading.Thread(target=lambda: got.append(
        waiter.cmd("XREAD", "BLOCK", 10000, "STREAMS", "events", "$")))
    t.start()
    try:
        assert until(lambda: info(fc, "clients")["blocked_clients"] == "1")
        mc.cmd("XADD", "events", "1-1", "kind", "job")
    finally:
        t.join(15)
    ((stream, entries),) = [x.v for x in got[0].v]
    assert stream.v == b"events" and entries.v[0].v[0].v == b"1-1"


def test_masterauth_and_replicaof_at_start():
    m = start_miniredis(*FAST, "--requirepass", "s3cret")
    try:
        mc = RawClient(m.port)
        assert mc.cmd("AUTH", "s3cret").v == "OK"
        fill(mc)
        f = start_miniredis("--replicaof", "127.0.0.1", m.port, "--masterauth", "s3cret")
        try:
            fc = RawClient(f.port)
            assert link_up(fc)
            assert mc.cmd("WAIT", 1, 5000).v == 1
            assert dataset(fc) == dataset(mc)
            # miniredis follows miniredis: the stream, transactions included.
            mc.cmd("MULTI")
            mc.cmd("INCR", "n")
            mc.cmd("LPUSH", "l", "z")
            mc.cmd("EXEC")
            assert mc.cmd("WAIT", 1, 5000).v == 1
            assert until(lambda: dataset(fc) == dataset(mc))
        finally:
            f.stop()
    finally:
        m.stop()


def test_a_master_that_is_not_there_is_retried():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    f = start_miniredis()
    try:
        fc = RawClient(f.port)
        assert fc.cmd("REPLICAOF", "127.0.0.1", port).v == "OK"
        assert until(lambda: [x.v for x in fc.cmd("ROLE").v][3] in (b"connect", b"connecting"))
        assert info(fc)["master_link_status"] == "down"
        m = start_miniredis(*FAST, port=port)   # the same port, now listening
        try:
            assert link_up(fc)
        finally:
            m.stop()
    finally:
        f.stop()


def _snapshot_of(**keys):
    """An RDB file made by a real redis-server holding ``keys``."""
    ref = start_redis()
    try:
        c = RawClient(ref.port)
        for k, v in keys.items():
            c.cmd("SET", k, v)
        s = socket.create_connection(("127.0.0.1", ref.port), timeout=10)
        f = s.makefile("rb")
        s.sendall(b"SYNC\r\n")
        line = f.readline()
        while line == b"\n":
            line = f.readline()   # keepalives before the snapshot
        assert line.startswith(b"$")
        data = f.read(int(line[1:]))
        s.close()
        return data
    finally:
        ref.stop()


def test_a_snapshot_whose_eof_mark_arrives_split():
    rdb = _snapshot_of(k="v")
    mark = b"m" * 40
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(15)
    seen = []

    def fake_master():
        conn, _ = lsock.accept()
        conn.settimeout(15)
        f = conn.makefile("rb")
        for _ in range(4):   # PING, REPLCONF listening-port, REPLCONF capa, PSYNC
            n = int(f.readline()[1:])
            argv = []
            for _ in range(n):
                size = int(f.readline()[1:])
                argv.append(f.read(size + 2)[:-2])
            seen.append(argv)
            if argv[0] == b"PSYNC":
                conn.sendall(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n$EOF:" + mark + b"\r\n"
                             + rdb + mark[:17])
                time.sleep(0.3)
                conn.sendall(mark[17:])
            else:
                conn.sendall(b"+PONG\r\n" if argv[0] == b"PING" else b"+OK\r\n")
        seen.append(f.readline())   # the first REPLCONF ACK: the stream may follow
        conn.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
        seen.append(f.read(30))     # more ACKs
        conn.close()

    t = threading.Thread(target=fake_master)
    t.start()
    f = start_miniredis()
    try:
        fc = RawClient(f.port)
        assert fc.cmd("REPLICAOF", "127.0.0.1", lsock.getsockname()[1]).v == "OK"
        assert until(lambda: fc.cmd("GET", "x").v == b"1")
        assert fc.cmd("GET", "k").v == b"v"
    finally:
        t.join(20)
        f.stop()
        lsock.close()
    assert seen[3] == [b"PSYNC", b"?", b"-1"]
    assert seen[4] == b"*3\r\n"


def test_switching_masters_and_a_replica_of_the_replica(master, follower):
    other = start_redis(*FAST)
    sub = start_redis("--replicaof", "127.0.0.1", follower.port)
    try:
        mc, oc, fc = RawClient(master.port), RawClient(other.port), RawClient(follower.port)
        mc.cmd("SET", "from", "first")
        oc.cmd("SET", "from", "second")
        oc.cmd("RPUSH", "only-in-second", "x")
        follow(fc, master)
        sc = RawClient(sub.port)
        assert link_up(sc)
        assert until(lambda: sc.cmd("GET", "from").v == b"first")
        # Another master: the dataset is replaced, and the replica's own
        # replica follows along (it syncs again from the new dataset).
        follow(fc, other)
        assert until(lambda: fc.cmd("GET", "from").v == b"second")
        oc.cmd("INCR", "counter")
        assert oc.cmd("WAIT", 1, 5000).v == 1
        assert until(lambda: dataset(fc) == dataset(oc))
        assert until(lambda: dataset(sc) == dataset(oc))
        assert info(fc)["connected_slaves"] == "1"
    finally:
        sub.stop()
        other.stop()


def test_the_bundled_client_drives_replication(master, follower):
    from miniredis_client import Redis
    mc = Redis(port=master.port, socket_timeout=10)
    fc = Redis(port=follower.port, socket_timeout=10)
    try:
        mc.set("k", "v")
        assert fc.replicaof("127.0.0.1", master.port) is True
        assert until(lambda: fc.info("replication")["master_link_status"] == "up")
        mc.incr("n")
        assert mc.wait(1, 5000) == 1
        role = fc.role()
        assert [x.decode() if isinstance(x, bytes) else x for x in role[:4]] == \
            ["slave", "127.0.0.1", master.port, "connected"]
        assert until(lambda: fc.get("n") == b"1")
        assert fc.slaveof() is True
        assert fc.set("mine", "1") is True
    finally:
        mc.close()
        fc.close()


def test_replica_serve_stale_data_no_while_the_link_is_down(master, both_replicas):
    mc, ours, theirs = both_replicas
    for c in (ours, theirs):
        assert c.cmd("CONFIG", "SET", "replica-serve-stale-data", "no").v == "OK"
    assert ours.cmd("GET", "a") == theirs.cmd("GET", "a")   # link up: served
    master.stop()
    for c in (ours, theirs):
        assert until(lambda c=c: info(c)["master_link_status"] == "down")
    for args in [("GET", "a"), ("PING",), ("ECHO", "x"), ("DBSIZE",), ("CONFIG", "GET", "port"),
                 ("EVAL", "return redis.call('get', 'a')", "0"), ("EVAL", "return 1", "0"),
                 ("EVAL", "#!lua\nreturn 1", "0"), ("EVAL_RO", "return 1", "0"),
                 ("EVAL", "#!lua flags=no-writes\nreturn 1", "0"),
                 ("EVAL", "#!lua flags=allow-stale,no-writes\nreturn redis.call('get','a')", "0"),
                 ("EVAL", "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo','x')", "0"),
                 ("FCALL", "nosuch", "0"), ("SCRIPT", "FLUSH"),
                 ("MULTI",), ("GET", "a"), ("EXEC",), ("MULTI",), ("SELECT", "0"), ("EXEC",),
                 ("CONFIG", "SET", "replica-serve-stale-data", "yes"), ("GET", "a"),
                 ("CONFIG", "SET", "replica-serve-stale-data", "no"), ("SET", "b", "1")]:
        m, r = ours.cmd(*args), theirs.cmd(*args)
        if args[0] == "CONFIG" and args[1] == "GET":
            m, r = m.t, r.t   # the ports differ
        assert m == r, (args, m, r)
