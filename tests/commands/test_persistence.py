"""SAVE, BGSAVE, LASTSAVE, save points, MISCONF and INFO persistence on an in-process server.

The server runs in this test's hub with its own temporary ``dir``; a BGSAVE
child is reaped by the server cron (or ``snapshots.reap()``), so waiting for
one is a bounded ``settle``. Save points are driven by calling the snapshot
cron with a chosen time instead of waiting for it.
"""

import os

import pytest

from support import green_client, inprocess_server, settle

from miniredis import errors
from miniredis.keyspace import Keyspace
from miniredis.persistence import lifecycle
from miniredis.persistence.rdb import load_rdb


@pytest.fixture
def srv(tmp_path):
    with inprocess_server(dir=str(tmp_path), save="3600 1 300 100 60 10000") as s:
        s.test_clients = []

        def client(proto=2):
            c = green_client(s, proto)
            s.test_clients.append(c)
            return c
        s.client = client
        yield s
        for c in s.test_clients:
            c.close()


def _done(srv):
    """Wait (bounded) until the BGSAVE child has been reaped."""
    assert settle(lambda: not srv.snapshots.in_progress, rounds=2000)


def _load(path):
    ks = Keyspace(16)
    with open(path, "rb") as f:
        load_rdb(f, ks, now_ms=False)
    return ks


def _info(c):
    text = c.cmd("INFO", "persistence").v.decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def _dump_path(srv):
    return os.path.join(srv.config.dir, "dump.rdb")


def test_save_writes_the_file_and_resets_changes(srv):
    c = srv.client()
    c.cmd("SET", "a", "1")
    c.cmd("RPUSH", "l", "x", "y")
    assert _info(c)["rdb_changes_since_last_save"] == "3"   # RPUSH counts each element, as Redis
    assert c.cmd("SAVE").v == "OK"
    info = _info(c)
    assert info["rdb_changes_since_last_save"] == "0"
    assert info["rdb_saves"] == "1"
    assert int(info["rdb_last_save_time"]) == c.cmd("LASTSAVE").v
    ks = _load(_dump_path(srv))
    assert ks.dbs[0].data[b"a"] == b"1"
    assert list(ks.dbs[0].data[b"l"]) == [b"x", b"y"]
    # No temp file is left behind.
    assert sorted(os.listdir(srv.config.dir)) == ["dump.rdb"]


def test_bgsave_replies_and_reaps_its_child(srv):
    c = srv.client()
    c.cmd("SET", "k", "v")
    # One batch: the second BGSAVE surely finds the first child running.
    r = c.pipeline([("BGSAVE",), ("BGSAVE",), ("SAVE",), ("INFO", "persistence")])
    assert r[0].t == "+" and r[0].v == "Background saving started"
    assert r[1].v == "ERR Background save already in progress"
    assert r[2].v == "ERR Background save already in progress"
    assert "rdb_bgsave_in_progress:1" in r[3].v.decode()
    assert "current_save_keys_total:1" in r[3].v.decode()
    pid = srv.snapshots.child_pid
    _done(srv)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)   # reaped: no zombie left
    info = _info(c)
    assert info["rdb_bgsave_in_progress"] == "0"
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_last_bgsave_time_sec"] == "0"
    assert info["rdb_changes_since_last_save"] == "0"
    assert _load(_dump_path(srv)).dbs[0].data[b"k"] == b"v"


def test_bgsave_arguments(srv):
    c = srv.client()
    assert c.cmd("BGSAVE", "x").v == "ERR syntax error"
    assert c.cmd("BGSAVE", "SCHEDULE", "x").v == "ERR syntax error"
    assert c.cmd("BGSAVE", "SCHEDULE").v == "Background saving started"
    _done(srv)


def test_bgsave_in_exec_is_scheduled_then_run_by_the_cron(srv):
    c = srv.client()
    c.cmd("SET", "k", "v")
    assert c.cmd("MULTI").v == "OK"
    assert c.cmd("BGSAVE").v == "QUEUED"
    r = c.cmd("EXEC")
    assert r.v[0].t == "+" and r.v[0].v == "Background saving scheduled"
    assert srv.snapshots.scheduled
    srv.snapshots.cron()
    assert srv.snapshots.in_progress and not srv.snapshots.scheduled
    _done(srv)
    assert os.path.exists(_dump_path(srv))


def test_save_is_refused_in_multi(srv):
    c = srv.client()
    c.cmd("MULTI")
    assert c.cmd("SAVE").v == "ERR Command not allowed inside a transaction"
    assert c.cmd("EXEC").v.startswith("EXECABORT")


def test_bgsave_snapshot_is_the_state_at_fork(srv):
    c = srv.client()
    c.pipeline([("SET", "k%d" % i, "old") for i in range(2000)])
    # The writes after BGSAVE run in the same batch, right after the fork.
    batch = [("BGSAVE",)] + [("SET", "k%d" % i, "new") for i in range(2000)] + \
            [("SET", "late", "1"), ("DEL", "k0")]
    r = c.pipeline(batch)
    assert r[0].v == "Background saving started"
    _done(srv)
    data = _load(_dump_path(srv)).dbs[0].data
    assert len(data) == 2000 and b"late" not in data
    assert set(data.values()) == {b"old"}
    # Changes made while the child ran still count as unsaved.
    assert _info(c)["rdb_changes_since_last_save"] == "2002"


def test_save_points_from_the_cron(srv):
    c = srv.client()
    snaps = srv.snapshots
    assert c.cmd("CONFIG", "SET", "save", "10 2").v == "OK"
    c.cmd("SET", "a", "1")
    snaps.cron(now=snaps.lastsave + 100)   # 1 change < 2: nothing
    assert not snaps.in_progress
    c.cmd("SET", "b", "1")
    snaps.cron(now=snaps.lastsave + 10)    # not more than 10 seconds yet
    assert not snaps.in_progress
    snaps.cron(now=snaps.lastsave + 11)
    assert snaps.in_progress
    _done(srv)
    assert set(_load(_dump_path(srv)).dbs[0].data) == {b"a", b"b"}
    c.cmd("CONFIG", "SET", "save", "")
    c.cmd("SET", "c", "1")
    snaps.cron(now=snaps.lastsave + 10 ** 6)   # save "" disables save points
    assert not snaps.in_progress


def test_lastsave_starts_at_startup_time(srv):
    c = srv.client()
    assert abs(c.cmd("LASTSAVE").v - int(srv.start_time)) <= 1


def _break_dump(srv):
    # Running as root, permissions do not stop writes: a directory named like
    # the dump makes the final rename fail, as a full or read-only disk would.
    os.mkdir(_dump_path(srv))
    open(os.path.join(_dump_path(srv), "x"), "w").close()


def _repair_dump(srv):
    os.unlink(os.path.join(_dump_path(srv), "x"))
    os.rmdir(_dump_path(srv))


def test_failed_bgsave_makes_writes_fail_with_misconf(srv):
    c = srv.client()
    c.cmd("SET", "k", "v")
    _break_dump(srv)
    assert c.cmd("BGSAVE").v == "Background saving started"
    _done(srv)
    assert _info(c)["rdb_last_bgsave_status"] == "err"
    misconf = c.cmd("SET", "k", "w")
    assert misconf.t == "-" and misconf.v == errors.MISCONF_RDB
    assert misconf.v.startswith("MISCONF Redis is configured to save RDB snapshots")
    assert c.cmd("PING").v == errors.MISCONF_RDB   # Redis refuses PING too
    assert c.cmd("GET", "k").v == b"v"             # reads go on
    assert c.cmd("MULTI").v == "OK"
    assert c.cmd("DEL", "k").v == errors.MISCONF_RDB
    assert c.cmd("EXEC").v.startswith("EXECABORT")
    # A failed foreground SAVE answers a bare ERR and changes nothing else.
    assert c.cmd("SAVE").v == "ERR"
    # The switch and the save points both lift the refusal.
    assert c.cmd("CONFIG", "SET", "stop-writes-on-bgsave-error", "no").v == "OK"
    assert c.cmd("SET", "k", "w").v == "OK"
    c.cmd("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
    assert c.cmd("SET", "k", "x").v == errors.MISCONF_RDB
    c.cmd("CONFIG", "SET", "save", "")
    assert c.cmd("SET", "k", "x").v == "OK"
    c.cmd("CONFIG", "SET", "save", "3600 1")
    # A successful save ends it.
    _repair_dump(srv)
    assert c.cmd("BGSAVE").v == "Background saving started"
    _done(srv)
    assert _info(c)["rdb_last_bgsave_status"] == "ok"
    assert c.cmd("SET", "k", "y").v == "OK"
    assert srv.dispatcher.context_hooks.count(srv.snapshots._misconf_hook) == 0


def test_save_points_wait_after_a_failure(srv):
    c = srv.client()
    snaps = srv.snapshots
    c.cmd("CONFIG", "SET", "save", "1 1")
    c.cmd("SET", "k", "v")
    _break_dump(srv)
    snaps.cron(now=snaps.lastsave + 2)
    assert snaps.in_progress
    _done(srv)
    assert not snaps.last_ok
    snaps.cron(now=snaps.last_try + 5)    # within the retry delay: no new attempt
    assert not snaps.in_progress
    snaps.cron(now=snaps.last_try + 6)
    assert snaps.in_progress
    _done(srv)
    _repair_dump(srv)


def test_flushall_saves_the_empty_dataset_with_save_points(srv):
    c = srv.client()
    c.cmd("SET", "k", "v")
    c.cmd("SAVE")
    c.cmd("FLUSHALL")
    assert _load(_dump_path(srv)).dbs[0].data == {}
    assert _info(c)["rdb_changes_since_last_save"] == "0"   # as Redis 7.0.15


def test_info_persistence_fields_in_redis_order(srv):
    c = srv.client()
    lines = c.cmd("INFO", "persistence").v.decode().split("\r\n")[1:]
    names = [line.split(":")[0] for line in lines if line]
    assert names[:18] == [
        "loading", "async_loading", "current_cow_peak", "current_cow_size",
        "current_cow_size_age", "current_fork_perc", "current_save_keys_processed",
        "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
        "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
        "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded"]
    assert names[18:30] == [
        "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
        "aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec",
        "aof_last_bgrewrite_status", "aof_rewrites", "aof_rewrites_consecutive_failures",
        "aof_last_write_status", "aof_last_cow_size", "module_fork_in_progress",
        "module_fork_last_cow_size"]


def test_stats_count_forks(srv):
    c = srv.client()
    c.cmd("BGSAVE")
    _done(srv)
    text = c.cmd("INFO", "stats").v.decode()
    assert "total_forks:1\r\n" in text


def test_loading_answers_loading_and_reports_progress(tmp_path):
    """A load in progress serves the event loop: -LOADING, INFO loading:1 with progress."""
    import gevent
    # A file with enough keys for several progress calls.
    with inprocess_server(dir=str(tmp_path)) as src:
        c = green_client(src)
        c.cmd("DEBUG", "POPULATE", "5000")
        assert c.cmd("SAVE").v == "OK"
        c.close()
    seen = {}
    with inprocess_server(dir=str(tmp_path)) as s:
        def probe():
            c = green_client(s)
            seen["ping"] = c.cmd("PING")
            seen["get"] = c.cmd("GET", "key:1")
            seen["info"] = c.cmd("INFO", "persistence").v.decode()
            c.close()
        g = gevent.spawn(probe)
        real = lifecycle.Loading.progress

        def slow_progress(self, loaded):
            # Hold the load at its first progress report until the probe is done (bounded).
            for _ in range(400):
                if g.dead:
                    break
                gevent.sleep(0.005)
            real(self, loaded)
        lifecycle.Loading.progress = slow_progress
        try:
            assert lifecycle.load_data(s) is True
        finally:
            lifecycle.Loading.progress = real
        g.join(5)
        assert seen["ping"].t == "-" and seen["ping"].v == errors.LOADING
        assert seen["get"].v == errors.LOADING
        info = seen["info"]
        assert "loading:1\r\n" in info
        for field in ("loading_start_time", "loading_total_bytes", "loading_loaded_bytes",
                      "loading_loaded_perc", "loading_eta_seconds"):
            assert "\r\n%s:" % field in info
        c = green_client(s)
        assert c.cmd("GET", "key:1").v == b"value:1"
        info = _info(c)
        assert info["loading"] == "0" and info["rdb_last_load_keys_loaded"] == "5000"
        assert info["rdb_changes_since_last_save"] == "0"
        c.close()


def test_shutdown_while_loading_stops_without_saving(tmp_path):
    """SHUTDOWN SAVE during a load: the half-loaded data must not overwrite the file."""
    import gevent
    with inprocess_server(dir=str(tmp_path)) as src:
        c = green_client(src)
        c.cmd("DEBUG", "POPULATE", "5000")
        assert c.cmd("SAVE").v == "OK"
        c.close()
    before = (tmp_path / "dump.rdb").read_bytes()
    with inprocess_server(dir=str(tmp_path), save="3600 1") as s:
        def probe():
            c = green_client(s)
            c.send_raw(b"SHUTDOWN SAVE\r\n")
            c.read_until_closed(5)
            c.close()
        g = gevent.spawn(probe)
        real = lifecycle.Loading.progress

        def slow_progress(self, loaded):
            for _ in range(400):
                if g.dead:
                    break
                gevent.sleep(0.005)
            real(self, loaded)
        lifecycle.Loading.progress = slow_progress
        try:
            with pytest.raises(lifecycle.LoadAborted):
                lifecycle.load_data(s)
        finally:
            lifecycle.Loading.progress = real
        assert s.stopped.is_set() and s.loading is None
    assert (tmp_path / "dump.rdb").read_bytes() == before


def test_shutdown_kills_a_running_bgsave_child(srv):
    c = srv.client()
    c.cmd("DEBUG", "POPULATE", "100000")
    assert c.cmd("BGSAVE").v == "Background saving started"
    c.send_raw(b"SHUTDOWN NOSAVE\r\n")   # the child is still writing 100000 keys
    assert c.read_until_closed(5) == (b"", True)
    assert srv.stopped.is_set() and srv.snapshots.child_pid is None
    names = os.listdir(srv.config.dir)
    assert not [n for n in names if n.startswith("temp-")], names


def test_write_denied_names_the_disk_error(srv):
    from miniredis.persistence.snapshot import write_denied
    assert write_denied(srv) is None
    srv.snapshots.set_status(False)
    assert write_denied(srv) == errors.MISCONF_RDB
    srv.snapshots.set_status(True)
    assert write_denied(srv) is None


def test_bgsave_while_another_client_keeps_writing(srv):
    """The snapshot is the dataset at one instant: a gap-free prefix of a writer's sequence."""
    import gevent
    c = srv.client()
    writer = srv.client()
    state = {"n": 0, "stop": False}

    def write():
        while not state["stop"] and state["n"] < 20000:
            assert writer.cmd("SET", "seq:%d" % state["n"], str(state["n"])).v == "OK"
            state["n"] += 1
    g = gevent.spawn(write)
    assert settle(lambda: state["n"] >= 200)
    before = state["n"]   # acknowledged before BGSAVE was sent: surely in the snapshot
    assert c.cmd("BGSAVE").v == "Background saving started"
    at_fork = state["n"]
    assert settle(lambda: state["n"] >= at_fork + 200)
    _done(srv)
    state["stop"] = True
    g.join(10)
    data = _load(_dump_path(srv)).dbs[0].data
    n = len(data)
    assert before <= n < state["n"]
    assert data == {b"seq:%d" % i: b"%d" % i for i in range(n)}
