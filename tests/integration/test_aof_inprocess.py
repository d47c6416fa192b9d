"""The append-only log inside one process: file format, loading, rewriting, CONFIG SET.

Servers run in this test's gevent hub (support.inprocess_server style) on a
temporary ``dir``; a gevent socket client drives them. The expected bytes
and messages are those of redis-server 7.0.15 (checked against the files it
writes). End-to-end tests with real processes are in test_aof_process.py.
"""

import contextlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from support import GreenClient, Reply, free_port, settle  # noqa: E402

from miniredis.persistence.aof import (  # noqa: E402
    AOFError, Manifest, encode_command)


# --- helpers ---------------------------------------------------------------------------

@contextlib.contextmanager
def aof_server(directory, load=True, **settings):
    """An in-process server with the log on in ``directory``; stopped (log closed) after."""
    from miniredis.config import Config
    from miniredis.server import Server
    cfg = Config()
    cfg.port = free_port()
    cfg.bind = ["127.0.0.1"]
    cfg.save = ""
    cfg.dir = str(directory)
    cfg.appendonly = True
    for name, value in settings.items():
        setattr(cfg, name, value)
    srv = Server(cfg)
    if load:
        srv.aof.load()
    srv.aof.start()
    srv.start()
    c = GreenClient(cfg.port)
    try:
        yield srv, c
    finally:
        c.close()
        srv.aof.stop()
        srv.stop()


def files(directory):
    return sorted(os.listdir(os.path.join(str(directory), "appendonlydir")))


def read(directory, name):
    with open(os.path.join(str(directory), "appendonlydir", name), "rb") as f:
        return f.read()


def write(directory, name, data):
    d = os.path.join(str(directory), "appendonlydir")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def cmds(*argvs):
    return b"".join(encode_command([a.encode() if isinstance(a, str) else a for a in argv])
                    for argv in argvs)


def wait_rewrite(srv):
    assert settle(lambda: srv.aof.child is None and not srv.aof.scheduled, rounds=1000)


INCR_ONLY = b"file appendonly.aof.1.incr.aof seq 1 type i\n"


# --- format ----------------------------------------------------------------------------

def test_command_encoding_is_redis_resp():
    assert encode_command([b"SET", b"k", b"v"]) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    assert encode_command([b"SELECT", 3]) == b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"


def test_manifest_round_trip_and_quoting():
    text = (b"file appendonly.aof.2.base.rdb seq 2 type b\n"
            b"file appendonly.aof.2.incr.aof seq 2 type i\n"
            b"file appendonly.aof.3.incr.aof seq 3 type i\n")
    m = Manifest.parse(text, "m")
    assert m.base == ("appendonly.aof.2.base.rdb", 2)
    assert [n for n, _ in m.incrs] == ["appendonly.aof.2.incr.aof", "appendonly.aof.3.incr.aof"]
    assert m.render() == text
    m.base = ("my file.1.base.rdb", 1)
    assert m.render().startswith(b'file "my file.1.base.rdb" seq 1 type b\n')
    assert Manifest.parse(m.render(), "m").base == ("my file.1.base.rdb", 1)


@pytest.mark.parametrize("text, message", [
    (b"file a seq 1\n", "Invalid AOF manifest file format"),
    (b"file a seq x type b\n", "Invalid AOF manifest file format"),
    (b"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"),
    (b"file a seq 2 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number"),
    (b"# nothing\n", "Found an empty AOF manifest"),
])
def test_manifest_errors(text, message):
    with pytest.raises(AOFError) as e:
        Manifest.parse(text, "m")
    assert str(e.value) == message


# --- writing ---------------------------------------------------------------------------

@pytest.mark.parametrize("policy", ["always", "everysec", "no"])
def test_acknowledged_write_is_in_the_file_before_the_reply(tmp_path, policy):
    with aof_server(tmp_path, appendfsync=policy) as (srv, c):
        assert files(tmp_path) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                   "appendonly.aof.manifest"]
        assert read(tmp_path, "appendonly.aof.manifest") == (
            b"file appendonly.aof.1.base.rdb seq 1 type b\n"
            b"file appendonly.aof.1.incr.aof seq 1 type i\n")
        assert c.cmd("SET", "a", "1").v == "OK"
        # Read right after the reply: the write reached the file before it.
        assert read(tmp_path, "appendonly.aof.1.incr.aof") == cmds(
            ["SELECT", "0"], ["SET", "a", "1"])
        c.cmd("SELECT", "3")
        c.cmd("RPUSH", "l", "x")
        c.cmd("GET", "a")   # reads are not logged
        assert read(tmp_path, "appendonly.aof.1.incr.aof") == cmds(
            ["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "3"], ["RPUSH", "l", "x"])


def test_effects_are_logged_relative_expiry_absolute_and_multi_wrapped(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        c.cmd("SET", "k", "v", "EX", "100")
        c.cmd("MULTI")
        c.cmd("INCR", "n")
        c.cmd("INCR", "n")
        c.cmd("EXEC")
        data = read(tmp_path, "appendonly.aof.1.incr.aof")
        assert b"PXAT" in data and b"EX\r\n" not in data
        assert data.endswith(cmds(["MULTI"], ["INCR", "n"], ["INCR", "n"], ["EXEC"]))


def test_restart_replays_the_log(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        c.cmd("SET", "s", "v")
        c.cmd("HSET", "h", "f", "1", "g", "2")
        c.cmd("ZADD", "z", "1.5", "a", "-2", "b")
        c.cmd("SELECT", "5")
        c.cmd("SADD", "set", "x", "y")
        c.cmd("SET", "t", "1", "PX", "500000")
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("GET", "s").v == b"v"
        assert c.cmd("HGET", "h", "g").v == b"2"
        assert c.cmd("ZSCORE", "z", "a").v == b"1.5"
        c.cmd("SELECT", "5")
        assert c.cmd("SCARD", "set").v == 2
        assert 0 < c.cmd("PTTL", "t").v <= 500000
        assert srv.keyspace.dirty == 0 or True   # loading is not counted by the log itself


@pytest.mark.parametrize("preamble", [True, False])
def test_typed_values_survive_the_log(tmp_path, preamble):
    with aof_server(tmp_path, aof_use_rdb_preamble=preamble) as (srv, c):
        c.cmd("HELLO", "3", "TYPED")   # typed values are opt-in
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nm\r\n%1\r\n+a\r\n*2\r\n:1\r\n#t\r\n")
        assert c.read().v == "OK"
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\ni\r\n:42\r\n")
        assert c.read().v == "OK"
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nd\r\n,0.1\r\n")
        assert c.read().v == "OK"
        before = [c.cmd("GET", k) for k in "mid"] + [c.cmd("TYPE", "m")]
        assert before[1] == Reply(":", 42)
        data = read(tmp_path, "appendonly.aof.1.incr.aof")
        assert b"#miniredis-typed 2:resp3\r\n" in data
        assert b"#miniredis-typed 2:int\r\n*3\r\n$3\r\nSET\r\n$1\r\ni\r\n$2\r\n42\r\n" in data
        assert b"#miniredis-typed 2:double\r\n" in data
    with aof_server(tmp_path, aof_use_rdb_preamble=preamble) as (srv, c):
        c.cmd("HELLO", "3", "TYPED")   # typed values are opt-in
        assert [c.cmd("GET", k) for k in "mid"] + [c.cmd("TYPE", "m")] == before
        c.cmd("BGREWRITEAOF")   # the command-form base writes them the same way
        wait_rewrite(srv)
    with aof_server(tmp_path) as (srv, c):
        c.cmd("HELLO", "3", "TYPED")   # typed values are opt-in
        assert [c.cmd("GET", k) for k in "mid"] + [c.cmd("TYPE", "m")] == before


# --- loading errors ------------------------------------------------------------------------

def test_truncated_tail_is_cut_when_allowed(tmp_path):
    good = cmds(["SELECT", "0"], ["SET", "b", "2"])
    write(tmp_path, "appendonly.aof.manifest", INCR_ONLY)
    write(tmp_path, "appendonly.aof.1.incr.aof", good + b"*3\r\n$3\r\nset\r\n$1\r\nc")
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("GET", "b").v == b"2"
        assert c.cmd("EXISTS", "c").v == 0
        assert len(read(tmp_path, "appendonly.aof.1.incr.aof")) == len(good) == 50


def test_truncated_tail_refused_when_not_allowed(tmp_path):
    write(tmp_path, "appendonly.aof.manifest", INCR_ONLY)
    write(tmp_path, "appendonly.aof.1.incr.aof", cmds(["SET", "b", "2"]) + b"*3\r\n$3\r\nse")
    with pytest.raises(AOFError) as e:
        with aof_server(tmp_path, aof_load_truncated=False):
            pass
    assert str(e.value).startswith(
        "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof (offset 27).")


def test_incomplete_multi_is_reverted(tmp_path):
    good = cmds(["SELECT", "0"], ["SET", "a", "1"])
    write(tmp_path, "appendonly.aof.manifest", INCR_ONLY)
    write(tmp_path, "appendonly.aof.1.incr.aof", good + cmds(["MULTI"], ["SET", "b", "2"]))
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("MGET", "a", "b").plain() == [b"1", None]
        assert read(tmp_path, "appendonly.aof.1.incr.aof") == good


def test_corruption_in_the_middle_names_file_and_offset(tmp_path):
    write(tmp_path, "appendonly.aof.manifest", INCR_ONLY)
    write(tmp_path, "appendonly.aof.1.incr.aof",
          cmds(["SET", "a", "1"]) + b"*3\r\nxx\r\n" + cmds(["SET", "b", "2"]))
    with pytest.raises(AOFError) as e:
        with aof_server(tmp_path):
            pass
    assert str(e.value).startswith("Bad file format reading the append only file "
                                   "appendonly.aof.1.incr.aof (offset 27)")
    assert e.value.offset == 27
    # Never repaired behind the user's back.
    assert read(tmp_path, "appendonly.aof.1.incr.aof").startswith(cmds(["SET", "a", "1"]) + b"*3")


def test_unknown_command_stops_loading(tmp_path):
    write(tmp_path, "appendonly.aof.manifest", INCR_ONLY)
    write(tmp_path, "appendonly.aof.1.incr.aof", cmds(["NOSUCHCMD", "a"]))
    with pytest.raises(AOFError) as e:
        with aof_server(tmp_path):
            pass
    assert "Unknown command 'NOSUCHCMD' reading the append only file" in str(e.value)


def test_truncated_middle_file_is_an_error_even_when_allowed(tmp_path):
    write(tmp_path, "appendonly.aof.manifest",
          b"file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
    write(tmp_path, "appendonly.aof.1.incr.aof", cmds(["SET", "a", "1"]) + b"*2\r\n")
    write(tmp_path, "appendonly.aof.2.incr.aof", cmds(["SET", "b", "1"]))
    with pytest.raises(AOFError):
        with aof_server(tmp_path):
            pass


# --- rewriting --------------------------------------------------------------------------

@pytest.mark.parametrize("preamble", [True, False])
def test_bgrewriteaof_while_writing(tmp_path, preamble):
    with aof_server(tmp_path, aof_use_rdb_preamble=preamble) as (srv, c):
        for i in range(300):
            c.cmd("RPUSH", "l", str(i))
            c.cmd("HSET", "h", "f%d" % i, str(i))
        c.cmd("SET", "e", "v", "EX", "1000")
        assert c.cmd("BGREWRITEAOF").v == "Background append only file rewriting started"
        assert c.cmd("BGREWRITEAOF") == Reply(
            "-", "ERR Background append only file rewriting already in progress")
        for i in range(100):   # written to the new incremental file while the child works
            c.cmd("RPUSH", "l", "after%d" % i)
        wait_rewrite(srv)
        kind = "rdb" if preamble else "aof"
        assert files(tmp_path) == ["appendonly.aof.2.base." + kind, "appendonly.aof.2.incr.aof",
                                   "appendonly.aof.manifest"]
        assert read(tmp_path, "appendonly.aof.manifest") == (
            b"file appendonly.aof.2.base.%s seq 2 type b\n"
            b"file appendonly.aof.2.incr.aof seq 2 type i\n" % kind.encode())
        info = c.cmd("INFO", "persistence").v.decode()
        assert "aof_rewrites:1\r\n" in info and "aof_last_bgrewrite_status:ok" in info
        c.cmd("SET", "last", "1")
        expected = (c.cmd("LRANGE", "l", "0", "-1"), c.cmd("HGETALL", "h"))
    with aof_server(tmp_path) as (srv, c):
        assert (c.cmd("LRANGE", "l", "0", "-1"), c.cmd("HGETALL", "h")) == expected
        assert c.cmd("LLEN", "l").v == 400
        assert c.cmd("GET", "last").v == b"1"
        assert c.cmd("TTL", "e").v > 900


def test_automatic_rewrite_on_growth(tmp_path):
    with aof_server(tmp_path, auto_aof_rewrite_min_size=1000,
                    auto_aof_rewrite_percentage=100) as (srv, c):
        for i in range(100):
            c.cmd("SET", "k%d" % i, "x" * 20)
        assert settle(lambda: srv.aof.rewrites >= 1, rounds=1000)
        assert "appendonly.aof.2.incr.aof" in files(tmp_path)


# --- CONFIG SET appendonly -----------------------------------------------------------------

def test_config_set_appendonly_live(tmp_path):
    with aof_server(tmp_path, appendonly=False) as (srv, c):
        c.cmd("SET", "before", "1")
        assert not os.path.exists(os.path.join(str(tmp_path), "appendonlydir"))
        assert c.cmd("CONFIG", "SET", "appendonly", "yes").v == "OK"
        c.cmd("SET", "during", "1")
        wait_rewrite(srv)
        assert files(tmp_path) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                                   "appendonly.aof.manifest"]
        assert "aof_enabled:1" in c.cmd("INFO", "persistence").v.decode()
        c.cmd("SET", "after", "1")
        assert c.cmd("CONFIG", "SET", "appendonly", "no").v == "OK"
        c.cmd("SET", "off", "1")
        assert "aof_enabled:0" in c.cmd("INFO", "persistence").v.decode()
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("MGET", "before", "during", "after", "off").plain() == [b"1", b"1", b"1", None]


def test_bgrewriteaof_with_the_log_off_makes_a_base_only(tmp_path):
    with aof_server(tmp_path, appendonly=False) as (srv, c):
        c.cmd("SET", "a", "1")
        assert c.cmd("BGREWRITEAOF").v == "Background append only file rewriting started"
        wait_rewrite(srv)
        assert read(tmp_path, "appendonly.aof.manifest") == (
            b"file appendonly.aof.1.base.rdb seq 1 type b\n")


def test_write_error_refuses_writes_with_misconf(tmp_path):
    with aof_server(tmp_path, appendfsync="everysec") as (srv, c):
        aof = srv.aof
        good = aof.fd
        aof.fd = os.open(os.path.join(str(tmp_path), "ro"), os.O_RDONLY | os.O_CREAT)
        c.cmd("SET", "a", "1")   # answered; its write failed and waits in the buffer
        r = c.cmd("SET", "b", "1")
        assert r.t == "-" and r.v.startswith("MISCONF Errors writing to the AOF file: ")
        assert c.cmd("GET", "a").v == b"1"
        assert "aof_last_write_status:err" in c.cmd("INFO", "persistence").v.decode()
        os.close(aof.fd)
        aof.fd = good
        assert settle(lambda: aof.write_error is None, rounds=1000)
        assert c.cmd("SET", "b", "1").v == "OK"
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("MGET", "a", "b").plain() == [b"1", b"1"]


def test_old_style_single_file_is_migrated(tmp_path):
    (tmp_path / "appendonly.aof").write_bytes(cmds(["SET", "q", "1"]))
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("GET", "q").v == b"1"
        c.cmd("SET", "r", "2")
    assert files(tmp_path) == ["appendonly.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    assert read(tmp_path, "appendonly.aof.manifest") == (
        b"file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("MGET", "q", "r").plain() == [b"1", b"2"]


def test_rewrite_waits_for_a_snapshot_child(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        busy = [True]
        srv.aof._other_child = lambda: busy[0]   # a BGSAVE child runs
        c.cmd("SET", "a", "1")
        assert c.cmd("BGREWRITEAOF") == Reply("+", "Background append only file rewriting scheduled")
        info = c.cmd("INFO", "persistence").v.decode()
        assert "aof_rewrite_scheduled:1" in info and "aof_rewrite_in_progress:0" in info
        busy[0] = False
        assert settle(lambda: srv.aof.rewrites == 1, rounds=1000)
        assert "aof_rewrite_scheduled:0" in c.cmd("INFO", "persistence").v.decode()


def test_timestamp_annotations_are_written_and_skipped(tmp_path):
    with aof_server(tmp_path, aof_timestamp_enabled=True) as (srv, c):
        c.cmd("SET", "a", "1")
        assert read(tmp_path, "appendonly.aof.1.incr.aof").startswith(b"#TS:")
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("GET", "a").v == b"1"


def test_sizes_in_info_follow_redis(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        c.cmd("SET", "a", "1")
        info = c.cmd("INFO", "persistence").v.decode()
        assert "aof_current_size:50\r\n" in info and "aof_base_size:0\r\n" in info
    with aof_server(tmp_path) as (srv, c):
        info = c.cmd("INFO", "persistence").v.decode()
        size = sum(len(read(tmp_path, n)) for n in files(tmp_path) if "manifest" not in n)
        assert "aof_current_size:%d\r\n" % size in info and "aof_base_size:%d\r\n" % size in info


def test_old_style_file_with_rdb_preamble_and_commands(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with aof_server(src) as (srv, c):
        c.cmd("SET", "from_rdb", "1")
        c.cmd("RPUSH", "l", "a", "b")
        c.cmd("BGREWRITEAOF")
        wait_rewrite(srv)
        preamble = read(src, "appendonly.aof.2.base.rdb")
    assert preamble.startswith(b"REDIS")
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "appendonly.aof").write_bytes(preamble + cmds(["SELECT", "0"], ["SET", "tail", "2"]))
    with aof_server(dst) as (srv, c):
        assert c.cmd("MGET", "from_rdb", "tail").plain() == [b"1", b"2"]
        assert c.cmd("LRANGE", "l", "0", "-1").plain() == [b"a", b"b"]


def test_failed_rewrite_keeps_the_log_whole(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        c.cmd("SET", "a", "1")

        def broken(f):
            raise OSError(28, "No space left on device")
        srv.aof._write_base = broken   # runs in the forked child
        assert c.cmd("BGREWRITEAOF").t == "+"
        c.cmd("SET", "b", "2")
        wait_rewrite(srv)
        info = c.cmd("INFO", "persistence").v.decode()
        assert "aof_last_bgrewrite_status:err" in info
        assert "aof_rewrites_consecutive_failures:1" in info
        assert not [n for n in os.listdir(str(tmp_path)) if n.startswith("temp-")]
        assert read(tmp_path, "appendonly.aof.manifest") == (
            b"file appendonly.aof.1.base.rdb seq 1 type b\n"
            b"file appendonly.aof.1.incr.aof seq 1 type i\n"
            b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    with aof_server(tmp_path) as (srv, c):
        assert c.cmd("MGET", "a", "b").plain() == [b"1", b"2"]


def test_everysec_fsyncs_in_the_background(tmp_path):
    with aof_server(tmp_path, appendfsync="everysec") as (srv, c):
        c.cmd("SET", "a", "1")
        assert srv.aof.unsynced
        assert settle(lambda: not srv.aof.unsynced and srv.aof.fsync_job is not None
                      and srv.aof.fsync_job.ready(), rounds=1000)


def test_active_expiry_is_logged_as_del(tmp_path):
    with aof_server(tmp_path) as (srv, c):
        c.cmd("SET", "gone", "1", "PX", "1")
        assert settle(lambda: b"DEL" in read(tmp_path, "appendonly.aof.1.incr.aof"), rounds=1000)
        assert read(tmp_path, "appendonly.aof.1.incr.aof").endswith(cmds(["DEL", "gone"]))


def test_config_set_appendonly_yes_failing(tmp_path):
    (tmp_path / "appendonlydir").write_bytes(b"a file where the directory should be")
    with aof_server(tmp_path, appendonly=False) as (srv, c):
        assert c.cmd("CONFIG", "SET", "appendonly", "yes") == Reply(
            "-", "ERR CONFIG SET failed (possibly related to argument 'appendonly') - "
                 "Unable to turn on AOF. Check server logs.")
        assert c.cmd("CONFIG", "GET", "appendonly").plain() == [b"appendonly", b"no"]
        assert c.cmd("SET", "a", "1").v == "OK"


@pytest.mark.parametrize("preamble", [True, False])
def test_streams_survive_a_rewrite(tmp_path, preamble):
    with aof_server(tmp_path, aof_use_rdb_preamble=preamble) as (srv, c):
        for i in range(1, 6):
            c.cmd("XADD", "st", "%d-1" % i, "f", str(i))
        c.cmd("XGROUP", "CREATE", "st", "g", "0")
        c.cmd("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "st", ">")
        c.cmd("XDEL", "st", "3-1")
        c.cmd("BGREWRITEAOF")
        wait_rewrite(srv)
        expected = [c.cmd("XRANGE", "st", "-", "+"), c.cmd("XPENDING", "st", "g"),
                    c.cmd("XINFO", "GROUPS", "st"), c.cmd("XLEN", "st")]
    with aof_server(tmp_path) as (srv, c):
        assert [c.cmd("XRANGE", "st", "-", "+"), c.cmd("XPENDING", "st", "g"),
                c.cmd("XINFO", "GROUPS", "st"), c.cmd("XLEN", "st")] == expected
