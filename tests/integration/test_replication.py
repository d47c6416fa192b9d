"""Replication, master side: real redis-server replicas (and redis-cli --rdb) attached to miniredis.

Every replica here is Debian's redis-server 7.0 started with ``--replicaof``
the miniredis under test; what it holds is read back with plain commands and
compared with the master. Waits are bounded polls of INFO / WAIT.
"""

import contextlib
import os
import select
import socket
import subprocess
import tempfile
import time

import pytest

from support import RawClient, encode_command, start_miniredis, start_redis

FAST = ("--repl-diskless-sync-delay", "0")


def until(predicate, timeout=15.0, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(step)
    return predicate()


def info(client, section="replication"):
    text = client.cmd("INFO", section).v.decode()
    return dict(l.split(":", 1) for l in text.splitlines() if ":" in l)


def link_up(client):
    return until(lambda: info(client).get("master_link_status") == "up")


def dataset(client, dbs=16):
    """Every key of every database with its type, value and whether it has a TTL."""
    out = {}
    for db in range(dbs):
        client.cmd("SELECT", db)
        for key in client.cmd("KEYS", "*").v:
            k = key.v
            t = client.cmd("TYPE", k).v
            if t == "string":
                v = client.cmd("GET", k).v
            elif t == "list":
                v = [x.v for x in client.cmd("LRANGE", k, 0, -1).v]
            elif t == "hash":
                v = sorted(x.v for x in client.cmd("HGETALL", k).v)
            elif t == "set":
                v = sorted(x.v for x in client.cmd("SMEMBERS", k).v)
            elif t == "zset":
                v = [x.v for x in client.cmd("ZRANGE", k, 0, -1, "WITHSCORES").v]
            else:
                v = client.cmd("XLEN", k).v
            out[(db, k)] = (t, v, client.cmd("PTTL", k).v > 0)
    client.cmd("SELECT", 0)
    return out


def fill(c):
    c.cmd("SET", "s", "v")
    c.cmd("SET", "n", "12")
    c.cmd("SET", "ttl", "x", "EX", "1000")
    c.cmd("RPUSH", "l", "a", "b", "c")
    c.cmd("HSET", "h", "f1", "1", "f2", "2")
    c.cmd("SADD", "set", "x", "y", "3")
    c.cmd("ZADD", "z", "1.5", "a", "2", "b")
    c.cmd("XADD", "st", "*", "f", "v")
    c.cmd("SELECT", 7)
    c.cmd("SET", "in7", "seven")
    c.cmd("SELECT", 0)


@pytest.fixture
def master():
    m = start_miniredis(*FAST)
    yield m
    m.stop()


@contextlib.contextmanager
def attached(master):
    """A reference redis-server replicating ``master``, its link up; stopped after."""
    rep = start_redis("--replicaof", "127.0.0.1", master.port)
    try:
        rc = RawClient(rep.port)
        assert link_up(rc)
        yield rep, rc
    finally:
        rep.stop()


def test_a_redis_replica_gets_the_dataset_and_the_stream(master):
    c = RawClient(master.port)
    fill(c)
    with attached(master) as (rep, rc):
        # Writes after the sync: plain, in another database, a transaction,
        # a script (its effects, as one transaction), an expiry, deletions.
        c.cmd("INCR", "n")
        c.cmd("SELECT", 3)
        c.cmd("LPUSH", "q", "job1", "job2")
        c.cmd("SELECT", 0)
        c.cmd("MULTI")
        c.cmd("HSET", "h", "f3", "3")
        c.cmd("SREM", "set", "x")
        c.cmd("EXEC")
        c.cmd("EVAL", "redis.call('set', KEYS[1], 'lua'); return redis.call('rpop', KEYS[2])",
              2, "fromlua", "l")
        c.cmd("SET", "short", "gone", "PX", "30")
        c.cmd("DEL", "s")
        c.cmd("EXPIRE", "n", "500")
        assert c.cmd("WAIT", 1, 5000).v == 1
        # The short key expires on the master, which sends its DEL.
        assert until(lambda: c.cmd("EXISTS", "short").v == 0)
        assert c.cmd("WAIT", 1, 5000).v == 1
        assert dataset(rc) == dataset(c)
        assert rc.cmd("GET", "fromlua").v == b"lua"
        rc.cmd("SELECT", 3)
        assert [x.v for x in rc.cmd("LRANGE", "q", 0, -1).v] == [b"job2", b"job1"]


def test_info_role_and_client_list_show_the_replica(master):
    c = RawClient(master.port)
    with attached(master) as (rep, rc):
        c.cmd("SET", "k", "v")
        assert c.cmd("WAIT", 1, 5000).v == 1
        mi = info(c)
        assert mi["role"] == "master" and mi["connected_slaves"] == "1"
        assert mi["repl_backlog_active"] == "1"
        line = mi["slave0"]
        assert "ip=127.0.0.1,port=%d,state=online," % rep.port in line
        offset = int(mi["master_repl_offset"])
        assert offset > 0 and int(mi["repl_backlog_histlen"]) == offset
        # The replica follows the same history.
        ri = info(rc)
        assert ri["master_replid"] == mi["master_replid"]
        assert until(lambda: int(info(rc)["slave_repl_offset"]) >= offset)
        role = c.cmd("ROLE").v
        assert role[0].v == b"master" and role[1].v >= offset
        (entry,) = role[2].v
        assert [x.v for x in entry.v][:2] == [b"127.0.0.1", str(rep.port).encode()]
        listing = c.cmd("CLIENT", "LIST", "TYPE", "replica").v.decode()
        assert listing.count("\n") == 1 and "flags=S" in listing
        assert info(c, "stats")["sync_full"] == "1"
    # The replica is gone: the master notices.
    assert until(lambda: info(c)["connected_slaves"] == "0")
    assert c.cmd("WAIT", 1, 50).v == 0


def test_a_dropped_link_continues_from_the_backlog(master):
    c = RawClient(master.port)
    fill(c)
    with attached(master) as (rep, rc):
        assert c.cmd("CLIENT", "KILL", "TYPE", "replica").v == 1
        # Written while the replica is away: it gets them from the backlog.
        c.cmd("SET", "while-away", "1")
        c.cmd("RPUSH", "l", "d")
        assert until(lambda: c.cmd("WAIT", 1, 200).v == 1)
        stats = info(c, "stats")
        assert (stats["sync_full"], stats["sync_partial_ok"]) == ("1", "1")
        assert dataset(rc) == dataset(c)


def test_a_replica_of_another_history_resyncs_in_full(master):
    c = RawClient(master.port)
    c.cmd("SET", "k", "v")
    s = socket.create_connection(("127.0.0.1", master.port), timeout=10)
    try:
        s.sendall(encode_command(["PSYNC", "f" * 40, "100"]))
        f = s.makefile("rb")
        line = f.readline()
        assert line.startswith(b"+FULLRESYNC ") and len(line.split()) == 3
        stats = info(c, "stats")
        assert (stats["sync_full"], stats["sync_partial_err"]) == ("1", "1")
    finally:
        s.close()


def test_sized_snapshot_when_diskless_sync_is_off():
    m = start_miniredis(*FAST, "--repl-diskless-sync", "no")
    try:
        c = RawClient(m.port)
        fill(c)
        s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
        f = s.makefile("rb")
        s.sendall(encode_command(["REPLCONF", "capa", "eof", "capa", "psync2"]))
        assert f.readline() == b"+OK\r\n"
        s.sendall(encode_command(["PSYNC", "?", "-1"]))
        head = f.readline().split()
        assert head[0] == b"+FULLRESYNC"
        size = f.readline()
        assert size.startswith(b"$") and not size.startswith(b"$EOF:")
        body = f.read(int(size[1:-2]))
        assert body.startswith(b"REDIS0010")
        # A sized snapshot is followed by the stream at once (no ACK needed).
        c.cmd("SET", "next", "1")
        assert f.readline() == b"*2\r\n"
        s.close()
        # And a real replica syncs with it.
        with attached(m) as (rep, rc):
            assert c.cmd("WAIT", 1, 5000).v == 1
            assert dataset(rc) == dataset(c)
    finally:
        m.stop()


class _Link(object):
    """A replica's end of the link, read by hand: lines, exact sizes, or whatever is there."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, *args):
        self.sock.sendall(encode_command([str(a) for a in args]))

    def _more(self):
        chunk = self.sock.recv(65536)
        assert chunk, "the master closed the link"
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            self._more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def until(self, mark):
        while mark not in self.buf:
            self._more()
        data, self.buf = self.buf.split(mark, 1)
        return data

    def idle_for(self, seconds):
        """True if nothing arrives for this long."""
        if self.buf:
            return False
        ready, _, _ = select.select([self.sock], [], [], seconds)
        return not ready

    def close(self):
        self.sock.close()


def test_eof_snapshot_then_the_stream_after_the_first_ack(master):
    c = RawClient(master.port)
    fill(c)
    link = _Link(master.port)
    try:
        link.send("REPLCONF", "listening-port", 4321)
        assert link.line() == b"+OK"
        link.send("REPLCONF", "capa", "eof", "capa", "psync2")
        assert link.line() == b"+OK"
        link.send("PSYNC", "?", -1)
        _, replid, offset = link.line().split()
        start = int(offset)
        eof = link.line()
        assert eof.startswith(b"$EOF:") and len(eof) == 5 + 40
        rdb = link.until(eof[5:])
        assert rdb.startswith(b"REDIS0010") and b"repl-id" in rdb and replid in rdb
        c.cmd("SET", "after", "1")
        c.cmd("SELECT", 2)
        c.cmd("SET", "in2", "2")
        # Held until the replica says it has the snapshot.
        assert link.idle_for(0.3)
        link.send("REPLCONF", "ACK", start)
        want = b"".join(encode_command(a) for a in (
            ["SELECT", "0"], ["SET", "after", "1"], ["SELECT", "2"], ["SET", "in2", "2"]))
        assert link.exactly(len(want)) == want
        assert int(info(c)["master_repl_offset"]) == start + len(want)
        assert "port=4321" in info(c)["slave0"]
    finally:
        link.close()


def test_a_silent_replica_is_dropped_after_repl_timeout():
    m = start_miniredis(*FAST, "--repl-timeout", "1")
    try:
        c = RawClient(m.port)
        s = socket.create_connection(("127.0.0.1", m.port), timeout=10)
        s.sendall(encode_command(["PSYNC", "?", "-1"]))
        f = s.makefile("rb")
        assert f.readline().startswith(b"+FULLRESYNC")
        assert until(lambda: info(c)["connected_slaves"] == "0", timeout=10)
        s.close()
    finally:
        m.stop()


def test_redis_cli_rdb_gets_a_snapshot_redis_loads(master):
    c = RawClient(master.port)
    fill(c)
    out = os.path.join(tempfile.mkdtemp(prefix="miniredis-rdb-"), "dump.rdb")
    done = subprocess.run(["redis-cli", "-p", str(master.port), "--rdb", out],
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    # The connection of an rdb-only transfer ends with it.
    assert until(lambda: info(c)["connected_slaves"] == "0")
    ref = start_redis("--dir", os.path.dirname(out), "--dbfilename", "dump.rdb")
    try:
        assert dataset(RawClient(ref.port)) == dataset(c)
    finally:
        ref.stop()


def test_wait_blocks_until_acknowledged_or_timeout(master):
    c = RawClient(master.port)
    with attached(master) as (rep, rc):
        c.cmd("SET", "k", "v")
        assert c.cmd("WAIT", 1, 0).v == 1          # 0: no timeout
        t0 = time.time()
        assert c.cmd("WAIT", 2, 200).v == 1        # only one replica: the timeout answers
        assert time.time() - t0 >= 0.15
        # Never blocks in a transaction (0 would be forever): the count at once,
        # of replicas that acknowledged everything so far (the GETACKs of the
        # WAITs above included, so 0 or 1 depending on the replica's last ACK).
        c.cmd("MULTI")
        c.cmd("WAIT", 2, 0)
        (n,) = c.cmd("EXEC").v
        assert n.v in (0, 1)


def test_publish_and_set_repl_choose_the_replicas_or_the_log():
    workdir = tempfile.mkdtemp(prefix="miniredis-repl-aof-")
    m = start_miniredis(*FAST, "--appendonly", "yes", cwd=workdir)
    try:
        c = RawClient(m.port)
        with attached(m) as (rep, rc):
            sub = RawClient(rep.port)
            assert sub.cmd("SUBSCRIBE", "news").v[0].v == b"subscribe"
            c.cmd("SET", "k", "v")
            c.cmd("PUBLISH", "news", "hello")
            msg = sub.read()
            assert [x.v for x in msg.v] == [b"message", b"news", b"hello"]
            script = """
                redis.set_repl(redis.REPL_AOF); redis.call('set', 'log-only', '1')
                redis.set_repl(redis.REPL_REPLICA); redis.call('set', 'replica-only', '1')
                redis.call('publish', 'news', 'from-lua')
                redis.set_repl(redis.REPL_NONE); redis.call('set', 'neither', '1')
                redis.set_repl(redis.REPL_ALL); redis.call('set', 'both', '1')"""
            c.cmd("EVAL", script, 0)
            assert [x.v for x in sub.read().v][2] == b"from-lua"
            assert c.cmd("WAIT", 1, 5000).v == 1
            present = [rc.cmd("EXISTS", k).v for k in ("log-only", "replica-only", "neither", "both")]
            assert present == [0, 1, 0, 1]
        logdir = os.path.join(workdir, "appendonlydir")
        text = b"".join(open(os.path.join(logdir, name), "rb").read()
                        for name in os.listdir(logdir) if name.endswith(".aof"))
        assert b"SET" in text and b"PUBLISH" not in text
        assert b"log-only" in text and b"replica-only" not in text and b"neither" not in text
    finally:
        m.stop()


def test_min_replicas_to_write_counts_the_replicas_that_acknowledge(master):
    c = RawClient(master.port)
    assert c.cmd("CONFIG", "SET", "min-replicas-to-write", "1").v == "OK"
    refused = c.cmd("SET", "k", "v")
    assert (refused.t, refused.v) == ("-", "NOREPLICAS Not enough good replicas to write.")
    with attached(master):
        assert until(lambda: c.cmd("SET", "k", "v").v == "OK")
        assert info(c)["min_slaves_good_slaves"] == "1"
    assert until(lambda: c.cmd("SET", "k", "v").t == "-")
    assert c.cmd("GET", "k").v == b"v"
