"""Server and client-admin commands compared with redis-server 7.0, RESP2 and RESP3."""

import re

import pytest

from support import RawClient

# Parameters whose value depends on how each server was started, not on defaults.
ENV_PARAMS = {"bind", "port", "dir", "save", "appendonly", "daemonize", "pidfile", "logfile",
              "supervised", "enable-debug-command", "requirepass", "protected-mode"}


def test_flush_and_dbsize(compat):
    compat.same("SET", "a", "1")
    compat.same("DBSIZE")
    for args in (("FLUSHALL", "foo"), ("FLUSHALL", "SYNC", "ASYNC"), ("FLUSHDB", "x"),
                 ("DBSIZE", "x"), ("TIME", "x"), ("LASTSAVE", "x")):
        compat.same_error(*args)
    compat.same("FLUSHDB", "ASYNC")
    compat.same("SET", "a", "1")
    compat.same("FLUSHALL", "sync")
    compat.same("DBSIZE")
    m, r = compat.same_type("TIME")
    assert [x.t for x in m.v] == [x.t for x in r.v] == ["$", "$"]
    compat.same_type("LASTSAVE")


def test_shutdown_errors(compat):
    compat.same_error("SHUTDOWN", "foo")
    compat.same_error("SHUTDOWN", "NOSAVE", "SAVE")
    compat.same_error("SHUTDOWN", "ABORT")
    compat.same_error("SHUTDOWN", "ABORT", "NOW")


def _sections(text):
    """{section title: {field: value}} of an INFO text."""
    out = {}
    current = None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = out.setdefault(line[2:], {})
        elif ":" in line:
            k, v = line.split(":", 1)
            current[k] = v
    return out


def _shape(value):
    if re.fullmatch(r"-?\d+", value):
        return "int"
    if re.fullmatch(r"-?\d+\.\d+", value):
        return "float"
    if re.fullmatch(r"-?\d+\.\d+%", value):
        return "percent"
    if re.fullmatch(r"\d+(\.\d+)?[BKMGTP]", value):
        return "human"
    if "=" in value:
        return "kv:" + ",".join(p.split("=")[0] for p in value.split(","))
    return "text"


def _info(client, *sections):
    reply = client.cmd("INFO", *sections)
    data = reply.v[4:] if reply.t == "=" else reply.v
    return reply.t, _sections(data.decode())


@pytest.mark.parametrize("selector", [(), ("default",), ("all",), ("everything",), ("server", "cpu"),
                                      ("keyspace",), ("nosuch",)])
def test_info_sections_and_field_formats(compat, selector):
    compat.same("SET", "k", "v")
    compat.same("GET", "nosuch-key")
    compat.same_error("GET")
    mt, ours = _info(compat.m, *selector)
    rt, ref = _info(compat.r, *selector)
    assert mt == rt
    assert list(ours) == list(ref)
    for title, fields in ours.items():
        if title in ("Errorstats", "Commandstats", "Latencystats"):
            # Their fields name what this server's history has seen: compare shapes only.
            ref_shapes = {_shape(v) for v in ref[title].values()}
            assert all(_shape(v) in ref_shapes for v in fields.values()) or not ref_shapes, title
            continue
        for name, value in fields.items():
            if name == "miniredis_version":
                continue
            assert name in ref[title], "%s:%s is not a Redis 7.0 field" % (title, name)
            assert _shape(value) == _shape(ref[title][name]), (title, name, value, ref[title][name])


def test_info_has_the_fields_clients_read(compat):
    _, ours = _info(compat.m, "everything")
    for title, name in (("Server", "redis_version"), ("Server", "process_id"),
                        ("Server", "uptime_in_seconds"), ("Server", "tcp_port"),
                        ("Clients", "connected_clients"), ("Memory", "used_memory"),
                        ("Memory", "used_memory_rss"), ("Persistence", "rdb_changes_since_last_save"),
                        ("Stats", "total_commands_processed"), ("Stats", "keyspace_hits"),
                        ("Stats", "expired_keys"), ("Stats", "total_connections_received"),
                        ("Stats", "rejected_connections"), ("Stats", "total_error_replies"),
                        ("Replication", "role"), ("Replication", "master_replid"),
                        ("CPU", "used_cpu_sys")):
        assert name in ours[title], name


# Commands declared in commands/server.py and commands/client_cmd.py, compared whole
# (containers' subcommand lists differ: Redis has subcommands we do not implement).
OWN_COMMANDS = ["info", "dbsize", "flushdb", "flushall", "time", "lastsave", "shutdown", "debug",
                "client|id", "client|setname", "client|getname", "client|list", "client|info",
                "client|kill", "client|no-evict", "client|help", "config|get", "config|set",
                "config|resetstat", "config|rewrite", "config|help", "command|count",
                "command|info", "command|docs", "command|list", "command|getkeys", "command|help",
                "get"]


def test_command_info_entries(compat):
    compat.same("COMMAND", "INFO", *OWN_COMMANDS)
    compat.same("COMMAND", "INFO", "nosuch", "GET", "Client|List", "client|nosuch")


def test_command_docs(compat):
    compat.same("COMMAND", "DOCS", "time", "dbsize", "lastsave", "nosuch")
    compat.same("COMMAND", "DOCS", "nosuch")


def test_command_list_and_count(compat):
    compat.same_type("COMMAND", "COUNT")
    compat.same_sorted("COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*")
    compat.same_sorted("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|G*")
    compat.same("COMMAND", "LIST", "FILTERBY", "MODULE", "x")
    compat.same("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat")
    for args in (("FILTERBY", "foo", "x"), ("foo",), ("FILTERBY",), ("FILTERBY", "PATTERN")):
        compat.same_error("COMMAND", "LIST", *args)
    compat.same_error("COMMAND", "COUNT", "x")
    compat.same_error("COMMAND", "foo")
    compat.same("COMMAND", "HELP")


def test_command_getkeys(compat):
    compat.same("COMMAND", "GETKEYS", "get", "a")
    compat.same("COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10")
    # Found by the fuzzer: SET's variable_flags key spec resolves per call.
    compat.same("COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b")
    compat.same("COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b", "EX", "10", "get")
    for args in ((), ("get",), ("ping",), ("nosuch", "a"), ("get", "a", "b"), ("client", "list"),
                 ("config", "get", "x"), ("client", "nosuch"), ("dbsize", "x")):
        compat.same_error("COMMAND", "GETKEYS", *args)


def test_config_get(compat):
    names = [m.v for m in compat.m.cmd("CONFIG", "GET", "*").v[0::2]] if compat.proto == 2 else \
        [k.v for k, _ in compat.m.cmd("CONFIG", "GET", "*").v]
    names = [n.decode() for n in names if n.decode() not in ENV_PARAMS]
    assert len(names) > 20
    compat.same_sorted("CONFIG", "GET", *names)
    compat.same("CONFIG", "GET", "nosuch")
    compat.same("CONFIG", "GET", "HZ")
    compat.same_sorted("CONFIG", "GET", "maxmemory", "hz", "hz", "h?")
    compat.same_sorted("CONFIG", "GET", "hash-max-*")
    compat.same_sorted("CONFIG", "GET", "MAXMEMORY-P*")
    compat.same_error("CONFIG", "GET")


@pytest.mark.parametrize("args", [
    ("foo", "bar"), ("hz",), ("hz", "x"), ("hz", "5", "hz", "6"), ("hz", "5", "HZ", "6"),
    ("hz", "5", "maxmemory", "x"), ("maxmemory", "x", "foo", "bar"), ("daemonize", "yes"),
    ("daemonize", "yes", "foo", "bar"), ("dir", "/tmp"), ("dbfilename", "x.rdb"),
    ("maxmemory-policy", "bogus"), ("hz", "-1"), ("hz", "5", "hz"), ("loglevel", "nothing"),
    ("maxclients", "0"), ("appendonly", "maybe"), ("save", "100"), ("save", "100 x"),
    ("maxmemory", "1.5"), ("maxmemory", "-1"), ("lua-time-limit", "x"), ("hz", " 5"),
])
def test_config_set_errors(compat, args):
    compat.same_error("CONFIG", "SET", *args)


def test_config_set_roundtrip(compat):
    try:
        compat.same("CONFIG", "SET", "hz", "1000", "maxmemory", "1k")
        compat.same("CONFIG", "GET", "hz")
        compat.same("CONFIG", "GET", "maxmemory")
        compat.same("CONFIG", "SET", "hz", "0", "maxmemory-policy", "ALLKEYS-LRU", "loglevel", "WARNING")
        compat.same_sorted("CONFIG", "GET", "hz", "maxmemory-policy", "loglevel")
        compat.same("CONFIG", "SET", "lua-time-limit", "6000", "busy-reply-threshold", "7000")
        compat.same_sorted("CONFIG", "GET", "lua-time-limit", "busy-reply-threshold")
    finally:
        compat.same("CONFIG", "SET", "hz", "10", "maxmemory", "0", "maxmemory-policy", "noeviction",
                    "loglevel", "notice", "busy-reply-threshold", "5000")


def test_config_misc(compat):
    compat.same("CONFIG", "HELP")
    compat.same_error("CONFIG", "foo")
    compat.same_error("CONFIG", "REWRITE")
    compat.same("CONFIG", "RESETSTAT")


def _fields(line):
    return [kv.split("=", 1)[0] for kv in line.split(" ")]


def test_client_replies(compat):
    compat.same_type("CLIENT", "ID")
    compat.same("CLIENT", "GETNAME")
    compat.same("CLIENT", "SETNAME", "conn-a")
    compat.same("CLIENT", "GETNAME")
    compat.same("CLIENT", "SETNAME", "")
    compat.same("CLIENT", "GETNAME")
    m, r = compat.same_type("CLIENT", "INFO")
    strip = (lambda v: v[4:]) if m.t == "=" else (lambda v: v)
    assert _fields(strip(m.v).decode().rstrip("\n")) == _fields(strip(r.v).decode().rstrip("\n"))
    compat.same_type("CLIENT", "LIST")
    compat.same("CLIENT", "LIST", "ID", "0", "-5")
    compat.same("CLIENT", "LIST", "TYPE", "replica")
    compat.same("CLIENT", "LIST", "TYPE", "pubsub")
    compat.same("CLIENT", "KILL", "ID", "999999")
    compat.same("CLIENT", "KILL", "LADDR", "1.1.1.1:1")
    compat.same("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes", "ADDR", "1.1.1.1:1")
    compat.same("CLIENT", "KILL", "TYPE", "foo\x00bar")  # fuzzer: the text stops at a NUL
    compat.same("CLIENT", "NO-EVICT", "on")
    compat.same("CLIENT", "NO-EVICT", "OFF")
    compat.same("CLIENT", "HELP")


@pytest.mark.parametrize("args", [
    ("ID", "x"), ("SETNAME",), ("SETNAME", "a", "b"), ("SETNAME", "a b"), ("SETNAME", "a\nb"),
    ("LIST", "TYPE", "foo"), ("LIST", "ID", "x"), ("LIST", "ID"), ("LIST", "ID", "1", "x"),
    ("LIST", "foo"), ("LIST", "TYPE", "normal", "ID", "1"), ("KILL", "1.2.3.4:5"),
    ("KILL", "ID", "x"), ("KILL", "ID", "0"), ("KILL", "foo", "bar"), ("KILL", "TYPE", "foo"),
    ("KILL", "SKIPME", "maybe"), ("KILL", "ADDR", "1.1.1.1:1", "SKIPME"), ("KILL", "USER", "nobody"),
    ("KILL", "MAXAGE", "5"), ("NO-EVICT", "maybe"), ("SETINFO", "lib-name", "x"),
    ("foo",), (),
])
def test_client_errors(compat, args):
    compat.same_error("CLIENT", *args)


@pytest.mark.parametrize("args", [
    ("hz", "05"), ("hz", "-0"), ("hz", "+5"), ("hz", "99999999999999999999999"),
    ("hz", "-9223372036854775809"), ("maxmemory", "k1"), ("maxmemory", " 1"), ("maxmemory", "+1"),
    ("maxmemory", "1 k"), ("maxmemory", "1.5k"), ("proto-max-bulk-len", "9223372036854775808"),
    ("client-query-buffer-limit", "100"), ("maxclients", "4294967296"), ("maxclients", "-1"),
    ("save", "1  1"), ("save", " 1 1"), ("save", "1 1 "), ("save", "0 1"), ("save", "1 -1"),
    ("save", "1 x"), ("notify-keyspace-events", "foo"), ("notify-keyspace-events", "KEz!"),
    ("appendfsync", "sometimes"), ("list-max-listpack-size", "-2147483649"),
    ("lfu-log-factor", "-1"), ("maxmemory-eviction-tenacity", "101"), ("repl-backlog-size", "0"),
    ("io-threads", "2"), ("rdbchecksum", "no"), ("sanitize-dump-payload", "maybe"),
])
def test_config_set_value_errors(compat, args):
    compat.same_error("CONFIG", "SET", *args)


@pytest.mark.parametrize("name, values, restore", [
    ("maxmemory", ["", "k", "5B", "1GB", "1Kb", "9223372036854775808", "18446744073709551615",
                   "99999999999999999999999", "18446744073709551615k"], "0"),
    ("save", ["01 1", "+5 0", "5 4294967297", "", "100 10 200 20"], "3600 1 300 100 60 10000"),
    ("notify-keyspace-events", ["nmdtexzhsl$gKE", "An", "KEA", "g$lshzxetdE", "Ex", "m", ""], ""),
    ("list-max-listpack-size", ["-100000", "7"], "-2"),
    ("lazyfree-lazy-server-del", ["yes", "NO"], "no"),
    ("stream-node-max-bytes", ["5mb", "1k"], "4096"),
    ("lfu-log-factor", ["0", "100"], "10"),
])
def test_config_set_values_are_normalised_as_redis(compat, name, values, restore):
    try:
        for v in values:
            compat.same("CONFIG", "SET", name, v)
            compat.same("CONFIG", "GET", name)
    finally:
        compat.same("CONFIG", "SET", name, restore)


def test_config_get_tunables(compat):
    compat.same_sorted("CONFIG", "GET", "lazyfree*")
    compat.same_sorted("CONFIG", "GET", "lfu-*", "stream-node-*", "repl-backlog-size",
                       "maxmemory-eviction-tenacity", "acllog-max-len", "hll-sparse-max-bytes",
                       "tracking-table-max-keys", "slave-lazy-flush", "io-threads",
                       "sanitize-dump-payload", "latency-tracking", "shutdown-timeout")


def test_client_ids_are_parsed_strictly(compat):
    for cid in ("9223372036854775808", " 1", "+1", "01", "1.0", "x"):
        compat.same_error("CLIENT", "LIST", "ID", cid)
    for cid in ("+5", "05", "-0", " 5", "", "9223372036854775808"):
        compat.same_error("CLIENT", "KILL", "ID", cid)
    compat.same("CLIENT", "LIST", "ID", "0", "-5", "9223372036854775807")
    compat.same("CLIENT", "KILL", "ID", "9223372036854775807")


def test_client_unblock(compat):
    for args in ((), ("1", "2", "3"), ("x", "foo"), ("x", "timeout"), ("99999999999999999999",),
                 ("1", "maybe")):
        compat.same_error("CLIENT", "UNBLOCK", *args)
    for args in (("-5",), ("999999",), ("999999", "TIMEOUT"), ("999999", "error")):
        compat.same("CLIENT", "UNBLOCK", *args)
    # A client that is not blocked is not unblocked.
    for c in (compat.m, compat.r):
        assert c.cmd("CLIENT", "UNBLOCK", str(c.cmd("CLIENT", "ID").v)).v == 0


def test_client_list_counts_the_running_request(compat):
    """qbuf and argv-mem include the CLIENT LIST request itself, as Redis' test expects."""
    for c in (compat.m, compat.r):
        for args in (("CLIENT", "LIST"), ("CLIENT", "INFO")):
            reply = c.cmd(*args)
            line = (reply.v[4:] if reply.t == "=" else reply.v).decode()
            assert " qbuf=26 " in line and " argv-mem=10 " in line, (c.port, line)


def test_command_getkeysandflags(compat):
    for args in (("get", "a"), ("del", "a", "b"), ("rename", "a", "b"), ("mset", "a", "1", "b", "2"),
                 ("copy", "a", "b"), ("object", "encoding", "a")):
        compat.same("COMMAND", "GETKEYSANDFLAGS", *args)
    for args in ((), ("get",), ("ping", "x"), ("nosuch", "x"), ("get", "a", "b")):
        compat.same_error("COMMAND", "GETKEYSANDFLAGS", *args)



@pytest.mark.parametrize("proto", [2, 3])
def test_debug_protocol_and_misc(mini_server, debug_pair, proto):
    m, r = RawClient(mini_server.port, proto), RawClient(debug_pair[1].port, proto)
    try:
        if proto == 3:
            # Our test client has no attribute type: compare the bytes.
            for c in (m, r):
                c.send_raw(b"DEBUG PROTOCOL attrib\r\n")
            assert m.read_until_closed(0.3) == r.read_until_closed(0.3)
        for t in ("string", "INTEGER", "double", "bignum", "null", "array", "set", "map",
                  "verbatim", "true", "false", "attrib" if proto == 2 else "foo", "foo", "push"):
            assert m.cmd("DEBUG", "PROTOCOL", t) == r.cmd("DEBUG", "PROTOCOL", t), t
            if t == "push" and proto == 3:  # the push came first; then the real reply
                assert m.read() == r.read()
        for args in (("LOG", "hello"), ("CHANGE-REPL-ID",), ("SLEEP", "0"), ("SLEEP", "x"),
                     ("SET-ACTIVE-EXPIRE", "1"), ("OBJECT", "nokey"), ("foo",), ("PROTOCOL",),
                     ("SLEEP", "0", "1"), ("help", "x")):
            assert m.cmd("DEBUG", *args) == r.cmd("DEBUG", *args), args
    finally:
        m.close()
        r.close()


def test_debug_change_repl_id_changes_master_replid(r):
    before = r.cmd("INFO", "replication").v
    r.cmd("DEBUG", "CHANGE-REPL-ID")
    after = r.cmd("INFO", "replication").v
    pick = lambda t: re.search(rb"master_replid:(\w+)", t).group(1)
    assert pick(before) != pick(after) and len(pick(after)) == 40


@pytest.mark.parametrize("script", [
    [("DEBUG", "POPULATE", "3"), ("DBSIZE",), ("GET", "key:2"), ("GET", "key:3")],
    [("SET", "key:1", "mine"), ("DEBUG", "POPULATE", "2"), ("GET", "key:1"), ("GET", "key:0")],
    [("DEBUG", "POPULATE", "2", "foo", "3"), ("GET", "foo:1"),
     ("DEBUG", "POPULATE", "2", "bar", "12"), ("GET", "bar:1"), ("STRLEN", "bar:0")],
    [("DEBUG", "POPULATE", "-1"), ("DEBUG", "POPULATE", "x"), ("DEBUG", "POPULATE", "1", "a", "b"),
     ("DEBUG", "POPULATE", "1", "a", "1", "1"), ("DEBUG", "POPULATE"), ("DEBUG", "POPULATE", "0")],
    [("SELECT", "2147483648"), ("SELECT", "-2147483649"), ("SELECT", "16"), ("SELECT", "1x")],
])
def test_debug_populate_and_select_ranges(debug_pair, script):
    m_srv, r_srv = debug_pair
    m, r = RawClient(m_srv.port), RawClient(r_srv.port)
    m.cmd("FLUSHALL")
    r.cmd("FLUSHALL")
    for cmd in script:
        assert m.cmd(*cmd) == r.cmd(*cmd), cmd
    m.close()
    r.close()


def test_unknown_subcommand_counts_no_call(compat):
    compat.same("CONFIG", "RESETSTAT")
    compat.same_error("CLIENT", "NOSUCH")
    m = compat.m.cmd("INFO", "commandstats").v
    assert b"cmdstat_client:" not in m
