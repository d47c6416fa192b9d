"""Server and client-admin commands on miniredis: INFO, FLUSH*, DEBUG, SHUTDOWN,
CONFIG, COMMAND, CLIENT (behaviour the differential tests cannot compare)."""

import os
import re
import time

import subprocess
import sys

from support import ROOT, RawClient, ServerProcess, free_port, start_miniredis, wait_for_port


def _start_with_config_file(conf, cwd):
    """miniredis-server <file> --port P: the config file must come first on the command line."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "miniredis", str(conf), "--port", str(port),
                             "--bind", "127.0.0.1"], cwd=str(cwd), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv = ServerProcess(proc, port, "miniredis")
    try:
        wait_for_port(port, proc)
    except Exception:
        srv.stop()
        raise
    return srv


def info_fields(reply):
    text = reply.v.decode()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def test_info_values_are_true(r):
    r.cmd("SET", "a", "1")
    r.cmd("SET", "b", "2")
    r.cmd("PEXPIRE", "b", 100000)
    f = info_fields(r.cmd("INFO"))
    assert f["redis_version"] == "7.0.15"
    assert f["miniredis_version"]
    assert f["role"] == "master" and f["connected_slaves"] == "0"
    assert int(f["process_id"]) > 0 and int(f["tcp_port"]) == r.port
    assert int(f["connected_clients"]) >= 1
    assert int(f["used_memory_rss"]) > 0
    assert f["db0"].startswith("keys=2,expires=")


def test_info_sections_selection(r):
    assert r.cmd("INFO", "keyspace").v.startswith(b"# Keyspace\r\n")
    assert r.cmd("INFO", "nosuch").v == b""
    default = r.cmd("INFO").v
    assert b"# Commandstats" not in default and b"# Errorstats" in default
    assert b"# Commandstats" in r.cmd("INFO", "all").v
    both = r.cmd("INFO", "CPU", "server", "cpu").v
    assert both.index(b"# Server") < both.index(b"# CPU") and both.count(b"# CPU") == 1


def test_info_is_verbatim_in_resp3(r3):
    reply = r3.cmd("INFO", "server")
    assert reply.t == "=" and reply.v.startswith(b"txt:# Server")


def test_commandstats_errorstats_and_resetstat(r):
    r.cmd("CONFIG", "RESETSTAT")
    r.cmd("GET", "x")
    r.cmd("GET")
    r.cmd("CLIENT", "ID")
    f = info_fields(r.cmd("INFO", "commandstats", "errorstats", "stats"))
    assert f["cmdstat_get"].startswith("calls=1,usec=")
    assert f["cmdstat_get"].endswith(",rejected_calls=1,failed_calls=0")
    assert f["cmdstat_client|id"].startswith("calls=1,")
    assert f["errorstat_ERR"] == "count=1"
    assert int(f["total_error_replies"]) == 1
    assert int(f["keyspace_misses"]) == 1
    r.cmd("CONFIG", "RESETSTAT")
    f = info_fields(r.cmd("INFO", "commandstats", "errorstats"))
    assert "cmdstat_get" not in f and "errorstat_ERR" not in f


def test_flush_alias_and_flushdb_only_current_db(r):
    r.cmd("SET", "a", "1")
    r.cmd("SELECT", "1")
    r.cmd("SET", "b", "1")
    assert r.cmd("FLUSH").v == "OK"
    assert r.cmd("DBSIZE").v == 0
    r.cmd("SELECT", "0")
    assert r.cmd("DBSIZE").v == 1
    assert r.cmd("FLUSHDB", "ASYNC").v == "OK"
    assert r.cmd("DBSIZE").v == 0


def test_debug_sleep_blocks_the_whole_server(r, mini_server):
    """As in Redis, DEBUG SLEEP stands for a busy server: other clients wait too."""
    other = RawClient(mini_server.port)
    try:
        r.send_raw(b"DEBUG SLEEP 0.3\r\n")
        time.sleep(0.05)
        t0 = time.time()
        assert other.cmd("PING").v == "PONG"
        assert time.time() - t0 >= 0.1
        assert r.read().v == "OK"
    finally:
        other.close()


def test_debug_subcommands(r):
    assert r.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0").v == "OK"
    assert r.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1").v == "OK"
    assert r.cmd("DEBUG", "OBJECT", "nokey").v == "ERR no such key"
    r.cmd("SET", "k", "v")
    assert r.cmd("DEBUG", "OBJECT", "k").v.startswith("Value at:0x")
    assert r.cmd("DEBUG", "foo").v == (
        "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")
    assert r.cmd("DEBUG", "HELP").v[0].t == "+"


def test_command_docs_and_getkeys(r, r3):
    docs = r3.cmd("COMMAND", "DOCS", "get", "nosuch").plain()
    assert list(docs) == [b"get"]
    assert docs[b"get"][b"group"] == b"string"
    assert r.cmd("COMMAND", "GETKEYS", "SET", "k", "v").plain() == [b"k"]
    assert r.cmd("COMMAND", "INFO", "flush").plain()[0][0] == b"flush"
    count = r.cmd("COMMAND", "COUNT").v
    assert len(r.cmd("COMMAND").v) == count
    assert b"client|list" in r.cmd("COMMAND", "LIST").plain()


def test_client_kill_other_and_self(r, mini_server):
    other = RawClient(mini_server.port)
    try:
        oid = other.cmd("CLIENT", "ID").v
        assert r.cmd("CLIENT", "KILL", "ID", str(oid)).v == 1
        assert other.read_until_closed(2.0)[1]
    finally:
        other.close()
    me = RawClient(mini_server.port)
    try:
        myid = me.cmd("CLIENT", "ID").v
        assert me.cmd("CLIENT", "KILL", "ID", str(myid)).v == 0  # SKIPME yes by default
        assert me.cmd("CLIENT", "KILL", "ID", str(myid), "SKIPME", "no").v == 1
        assert me.read_until_closed(2.0) == (b"", True)
    finally:
        me.close()


def test_client_name_list_and_no_evict(r):
    assert r.cmd("CLIENT", "GETNAME").t == "$" and r.cmd("CLIENT", "GETNAME").v is None
    assert r.cmd("CLIENT", "SETNAME", "worker-1").v == "OK"
    assert r.cmd("CLIENT", "GETNAME").v == b"worker-1"
    myid = r.cmd("CLIENT", "ID").v
    line = r.cmd("CLIENT", "LIST", "ID", str(myid)).v.decode()
    assert line.startswith("id=%d addr=" % myid) and " name=worker-1 " in line
    assert line.endswith(" resp=2\n") and " cmd=client|list " in line
    r.cmd("CLIENT", "NO-EVICT", "on")
    assert " flags=e " in r.cmd("CLIENT", "INFO").v.decode()
    r.cmd("CLIENT", "NO-EVICT", "off")
    assert " flags=N " in r.cmd("CLIENT", "INFO").v.decode()
    assert r.cmd("CLIENT", "SETNAME", "").v == "OK"
    assert r.cmd("CLIENT", "GETNAME").v is None


def test_config_set_is_atomic(r):
    before = r.cmd("CONFIG", "GET", "maxmemory").plain()
    err = r.cmd("CONFIG", "SET", "maxmemory", "10mb", "hz", "x")
    assert err.v == ("ERR CONFIG SET failed (possibly related to argument 'hz') - "
                     "argument couldn't be parsed into an integer")
    assert r.cmd("CONFIG", "GET", "maxmemory").plain() == before


def test_config_rewrite_without_and_with_file(r, tmp_path):
    assert r.cmd("CONFIG", "REWRITE").v == "ERR The server is running without a config file"
    conf = tmp_path / "miniredis.conf"
    conf.write_text("# my settings\nhz 10\nmaxmemory 0\n")
    srv = _start_with_config_file(conf, tmp_path)
    c = RawClient(srv.port)
    try:
        assert c.cmd("CONFIG", "SET", "hz", "20", "maxmemory-policy", "allkeys-lru").v == "OK"
        assert c.cmd("CONFIG", "REWRITE").v == "OK"
        text = conf.read_text()
        assert text.startswith("# my settings\nhz 20\nmaxmemory 0\n")
        assert "maxmemory-policy allkeys-lru" in text
    finally:
        c.close()
        srv.stop()


def test_shutdown_closes_without_reply(tmp_path):
    srv = start_miniredis("--save", "", cwd=str(tmp_path))
    c = RawClient(srv.port)
    try:
        assert c.cmd("SHUTDOWN", "foo").v == "ERR syntax error"
        assert c.cmd("SHUTDOWN", "ABORT").v == "ERR No shutdown in progress."
        c.send_raw(b"SHUTDOWN NOSAVE\r\n")
        assert c.read_until_closed(5.0) == (b"", True)
        srv.proc.wait(5)
        assert srv.proc.returncode is not None
    finally:
        c.close()
        srv.stop()


def test_errorstats_order_and_usec_per_call(r):
    r.cmd("CONFIG", "RESETSTAT")
    r.cmd("SET", "errorstats-k", "v")
    r.cmd("DEL", "errorstats-k")  # other files share this server's data
    r.cmd("HELLO", "9")          # NOPROTO
    r.cmd("GET")                 # ERR
    r.cmd("AUTH", "nobody", "x")  # WRONGPASS
    f = info_fields(r.cmd("INFO", "errorstats", "commandstats"))
    text = r.cmd("INFO", "errorstats").v.decode()
    assert [l.split(":")[0] for l in text.split("\r\n") if l.startswith("errorstat_")] == [
        "errorstat_ERR", "errorstat_NOPROTO", "errorstat_WRONGPASS"]
    calls, usec, per_call = re.match(r"calls=(\d+),usec=(\d+),usec_per_call=([\d.]+),",
                                     f["cmdstat_set"]).groups()
    assert per_call == "%.2f" % (int(usec) / int(calls))
