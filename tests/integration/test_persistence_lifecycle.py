"""The server's life cycle with snapshots, end to end on real processes.

Start, write, SHUTDOWN (or SIGTERM), start again on the same directory, read;
a corrupt dump refuses to start and stays as it was; a dump written by the
real redis-server 7.0 loads, and ours loads in it; MISCONF as Redis words it.
Every server gets its own temporary directory and is stopped by the test.
"""

import os
import signal
import subprocess
import sys
import time

from support import ROOT, RawClient, free_port, start_miniredis, start_redis

SAVE_POINTS = "3600 1 300 100 60 10000"


def _start(d, *args):
    return start_miniredis("--dir", str(d), "--logfile", "server.log", *args, cwd=str(d))


def _exit_code(proc, timeout=10):
    return proc.proc.wait(timeout)


def _fill(c):
    c.cmd("SET", "s", "hello")
    c.cmd("SET", "n", "12345")
    c.cmd("SET", "ttl", "v", "EX", "1000")
    c.cmd("RPUSH", "l", "a", "b", "c")
    c.cmd("HSET", "h", "f", "v", "g", "w")
    c.cmd("SADD", "set", "1", "2", "x")
    c.cmd("ZADD", "z", "1.5", "m", "-2", "n")
    c.cmd("SELECT", "3")
    c.cmd("SET", "other", "db3")
    c.cmd("SELECT", "0")


def _check(c):
    assert c.cmd("GET", "s").v == b"hello"
    assert c.cmd("GET", "n").v == b"12345"
    assert 990 <= c.cmd("TTL", "ttl").v <= 1000
    assert c.cmd("LRANGE", "l", "0", "-1").plain() == [b"a", b"b", b"c"]
    assert c.cmd("HGETALL", "h").plain() == [b"f", b"v", b"g", b"w"]
    assert sorted(c.cmd("SMEMBERS", "set").plain()) == [b"1", b"2", b"x"]
    assert c.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES").plain() == [b"n", b"-2", b"m", b"1.5"]
    c.cmd("SELECT", "3")
    assert c.cmd("GET", "other").v == b"db3"
    c.cmd("SELECT", "0")


def _shutdown(c, *args):
    c.send_raw(("*%d\r\n" % (1 + len(args))).encode() + b"$8\r\nSHUTDOWN\r\n" +
               b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))
    data, closed = c.read_until_closed(10)
    assert closed and data == b"", data
    c.close()


def _log(d):
    with open(os.path.join(str(d), "server.log")) as f:
        return f.read()


def test_defaults_are_redis_server_ones(tmp_path):
    srv = start_miniredis(cwd=str(tmp_path))
    try:
        c = RawClient(srv.port)
        # start_miniredis turns snapshots off for tests; only the directory is checked here.
        assert c.cmd("CONFIG", "GET", "dir").plain() == [b"dir", os.fsencode(str(tmp_path))]
        assert c.cmd("CONFIG", "GET", "dbfilename").plain() == [b"dbfilename", b"dump.rdb"]
        assert c.cmd("CONFIG", "GET", "appendonly").plain() == [b"appendonly", b"no"]
        c.close()
    finally:
        srv.stop()
    from miniredis.config import Config
    assert Config().save == SAVE_POINTS


def test_restart_after_shutdown_keeps_the_data(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    _fill(c)
    _shutdown(c)
    assert _exit_code(srv) == 0
    log = _log(tmp_path)
    assert "Saving the final RDB snapshot before exiting." in log
    assert "DB saved on disk" in log
    assert sorted(os.listdir(str(tmp_path))) == ["dump.rdb", "server.log"]   # no temp file
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    try:
        c = RawClient(srv.port)
        _check(c)
        info = c.cmd("INFO", "persistence").v.decode()
        assert "rdb_last_load_keys_loaded:8\r\n" in info
        c.close()
    finally:
        srv.stop()
    assert "DB loaded from disk:" in _log(tmp_path)


def test_sigterm_saves(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    _fill(c)
    c.close()
    srv.proc.send_signal(signal.SIGTERM)
    assert _exit_code(srv) == 0
    assert "Received SIGTERM scheduling shutdown..." in _log(tmp_path)
    srv = _start(tmp_path, "--save", "")
    try:
        c = RawClient(srv.port)
        _check(c)
        c.close()
    finally:
        srv.stop()


def test_shutdown_nosave_and_save(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    c.cmd("SET", "k", "v")
    _shutdown(c, "NOSAVE")
    assert _exit_code(srv) == 0
    assert not os.path.exists(str(tmp_path / "dump.rdb"))
    # Without save points nothing is saved, unless SHUTDOWN SAVE asks.
    srv = _start(tmp_path, "--save", "")
    c = RawClient(srv.port)
    c.cmd("SET", "k", "v")
    _shutdown(c)
    assert _exit_code(srv) == 0
    assert not os.path.exists(str(tmp_path / "dump.rdb"))
    srv = _start(tmp_path, "--save", "")
    c = RawClient(srv.port)
    c.cmd("SET", "k", "v")
    _shutdown(c, "SAVE", "NOW")
    assert _exit_code(srv) == 0
    assert os.path.exists(str(tmp_path / "dump.rdb"))


def test_failed_final_save_refuses_shutdown_unless_force(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    try:
        c = RawClient(srv.port)
        c.cmd("SET", "k", "v")
        os.mkdir(str(tmp_path / "dump.rdb"))   # the rename over it fails (even as root)
        open(str(tmp_path / "dump.rdb" / "x"), "w").close()
        assert c.cmd("SHUTDOWN").v == "ERR Errors trying to SHUTDOWN. Check logs."
        # SIGTERM too is refused: the server keeps serving.
        srv.proc.send_signal(signal.SIGTERM)
        for _ in range(100):   # the signal is handled on a later loop iteration
            if "SIGTERM received but errors trying to shut down" in _log(tmp_path):
                break
            time.sleep(0.05)
        assert "SIGTERM received but errors trying to shut down the server" in _log(tmp_path)
        assert "Error trying to save the DB, can't exit." in _log(tmp_path)
        assert c.cmd("GET", "k").v == b"v"
        assert srv.proc.poll() is None
        _shutdown(c, "FORCE")
        assert _exit_code(srv) == 0
        assert "Error trying to save the DB. Exit anyway." in _log(tmp_path)
    finally:
        srv.stop()
    assert not [n for n in os.listdir(str(tmp_path)) if n.startswith("temp-")]


def _run_mini(d, *args):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "miniredis", "--port", str(free_port()), "--bind", "127.0.0.1",
           "--dir", str(d)] + list(args)
    return subprocess.run(cmd, cwd=str(d), env=env, capture_output=True, timeout=30)


def test_corrupt_dump_refuses_to_start_and_is_left_intact(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    _fill(c)
    _shutdown(c)
    assert _exit_code(srv) == 0
    path = tmp_path / "dump.rdb"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    p = _run_mini(tmp_path, "--save", SAVE_POINTS)
    assert p.returncode == 1
    err = p.stderr.decode()
    assert str(path) in err and "offset" in err, err
    assert path.read_bytes() == bytes(data)
    # A truncated file too.
    path.write_bytes(bytes(data[:40]))
    p = _run_mini(tmp_path)
    assert p.returncode == 1 and str(path) in p.stderr.decode()
    assert path.read_bytes() == bytes(data[:40])


def test_dump_that_is_not_a_file_refuses_to_start(tmp_path):
    os.mkdir(str(tmp_path / "dump.rdb"))
    p = _run_mini(tmp_path)
    assert p.returncode == 1
    assert "dump.rdb" in p.stderr.decode()


def test_a_dump_written_by_redis_loads_and_ours_loads_in_redis(tmp_path):
    ref = start_redis("--dir", str(tmp_path))
    try:
        c = RawClient(ref.port)
        _fill(c)
        assert c.cmd("SAVE").v == "OK"
        c.close()
    finally:
        ref.stop()
    mini_dir = tmp_path / "mini"
    mini_dir.mkdir()
    os.rename(str(tmp_path / "dump.rdb"), str(mini_dir / "dump.rdb"))
    srv = _start(mini_dir, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    _check(c)
    c.cmd("SET", "added", "by miniredis")
    _shutdown(c)
    assert _exit_code(srv) == 0
    ref = start_redis("--dir", str(mini_dir))
    try:
        c = RawClient(ref.port)
        _check(c)
        assert c.cmd("GET", "added").v == b"by miniredis"
        c.close()
    finally:
        ref.stop()


def _misconf_replies(port, d):
    c = RawClient(port)
    out = [c.cmd("SET", "k", "v")]
    os.mkdir(os.path.join(d, "dump.rdb"))
    open(os.path.join(d, "dump.rdb", "x"), "w").close()
    out.append(c.cmd("BGSAVE"))
    for _ in range(200):   # bounded wait for the child to end
        info = c.cmd("INFO", "persistence").v.decode()
        if "rdb_bgsave_in_progress:0" in info:
            break
        time.sleep(0.05)
    out.append("rdb_last_bgsave_status:err" in info)
    for cmd in (("SET", "k", "w"), ("PING",), ("GET", "k"),
                ("EVAL", "return redis.call('SET', 'k', 'x')", "0"),
                ("EVAL", "return redis.pcall('SET', 'k', 'x')", "0"),
                ("EVAL", "return redis.call('GET', 'k')", "0"), ("MULTI",), ("INCR", "n"),
                ("GET", "k"), ("EXEC",), ("SAVE",), ("LASTSAVE",)):
        r = c.cmd(*cmd)
        out.append(r.t if cmd == ("LASTSAVE",) else r)
    os.unlink(os.path.join(d, "dump.rdb", "x"))
    os.rmdir(os.path.join(d, "dump.rdb"))
    c.close()
    return out


def test_misconf_as_redis(tmp_path):
    md, rd = tmp_path / "m", tmp_path / "r"
    md.mkdir()
    rd.mkdir()
    mini = _start(md, "--save", "3600 1")
    try:
        ref = start_redis("--dir", str(rd), "--save", "3600 1")
        try:
            assert _misconf_replies(mini.port, str(md)) == _misconf_replies(ref.port, str(rd))
        finally:
            ref.stop()
    finally:
        mini.stop()
    log = _log(md)
    assert "Background saving started by pid" in log
    assert "Background saving error" in log
    assert "Error moving temp DB file temp-" in log


def test_appendonly_yes_loads_the_log_not_the_dump(tmp_path):
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    c.cmd("SET", "from", "rdb")
    _shutdown(c)
    assert _exit_code(srv) == 0
    srv = _start(tmp_path, "--save", "", "--appendonly", "yes")
    c = RawClient(srv.port)
    # A fresh log starts empty, as in Redis: the dump is not read when the AOF is on.
    assert c.cmd("DBSIZE").v == 0
    _fill(c)
    _shutdown(c)
    assert _exit_code(srv) == 0
    srv = _start(tmp_path, "--save", "", "--appendonly", "yes")
    try:
        c = RawClient(srv.port)
        _check(c)
        assert c.cmd("GET", "from").v is None
        c.close()
    finally:
        srv.stop()


def test_typed_values_survive_a_restart(tmp_path):
    from miniredis_client import Client
    value = {b"a": [1, 2.5, True, None], b"n": 7}
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = Client(port=srv.port, typed=True)
    assert c.set("typed", value)
    assert c.set("i", 12) and c.set("f", 1.5)
    c.close()
    srv.stop()
    assert _exit_code(srv) == 0
    srv = _start(tmp_path, "--save", "")
    try:
        c = Client(port=srv.port, typed=True)
        assert c.get("typed") == value
        assert c.type("typed") == "map"
        assert c.get("i") == 12 and c.get("f") == 1.5
        c.close()
    finally:
        srv.stop()


def test_function_libraries_survive_a_restart_and_load_in_redis(tmp_path):
    lib = "#!lua name=keep\nredis.register_function('twice', function(k, a) return a[1] * 2 end)"
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    c = RawClient(srv.port)
    assert c.cmd("FUNCTION", "LOAD", lib).v == b"keep"
    c.cmd("SET", "k", "v")
    _shutdown(c)
    assert _exit_code(srv) == 0
    srv = _start(tmp_path, "--save", SAVE_POINTS)
    try:
        c = RawClient(srv.port)
        assert c.cmd("FCALL", "twice", "0", "21").v == 42
        c.close()
    finally:
        srv.stop()
    ref = start_redis("--dir", str(tmp_path))
    try:
        c = RawClient(ref.port)
        assert c.cmd("FCALL", "twice", "0", "21").v == 42
        assert c.cmd("GET", "k").v == b"v"
        c.close()
    finally:
        ref.stop()
