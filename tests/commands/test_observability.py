"""SLOWLOG, LATENCY, MONITOR, CLIENT PAUSE/TRACKING and MODULE over a real socket,
plus redis-py using CLIENT TRACKING with a redirection to its pub/sub connection."""

import contextlib
import select

import pytest

from support import RawClient, encode_command


@contextlib.contextmanager
def slowlog_everything(c):
    c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
    c.cmd("SLOWLOG", "RESET")
    try:
        yield
    finally:
        c.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        c.cmd("SLOWLOG", "RESET")


def _args(entry):
    return [a.v for a in entry.v[3].v]


def test_slowlog_entry_fields(r):
    with slowlog_everything(r):
        r.cmd("CLIENT", "SETNAME", "me")
        r.cmd("SET", "k", "x" * 200)
        entry = r.cmd("SLOWLOG", "GET", "1").v[0]
        fid, ts, usec, args, peer, name = entry.v
        assert (fid.t, ts.t, usec.t) == (":", ":", ":")
        assert args.v[2].v == b"x" * 128 + b"... (72 more bytes)"
        host, port = r.sock.getsockname()[:2]
        assert peer.v == b"%s:%d" % (host.encode(), port)
        assert name.v == b"me"
        r.cmd("CLIENT", "SETNAME", "")


def test_slowlog_trims_arguments_and_redacts(r):
    with slowlog_everything(r):
        r.cmd("RPUSH", "l", *[str(i) for i in range(50)])
        r.cmd("AUTH", "user", "secret")
        got = r.cmd("SLOWLOG", "GET", "2").v
        assert _args(got[0]) == [b"AUTH", b"(redacted)", b"(redacted)"]
        args = _args(got[1])
        assert len(args) == 32 and args[-1] == b"... (21 more arguments)"
        assert args[:3] == [b"RPUSH", b"l", b"0"]


def test_slowlog_script_calls_and_exec(r):
    with slowlog_everything(r):
        r.cmd("EVAL", "return redis.call('incr', KEYS[1])", "1", "n")
        r.cmd("MULTI")
        r.cmd("INCR", "n")
        r.cmd("EXEC")
        got = r.cmd("SLOWLOG", "GET").v
        # EXEC is never logged; the script's call has no address.
        assert [_args(e)[0] for e in got[:4]] == [b"INCR", b"MULTI", b"EVAL", b"incr"]
        assert got[3].v[4].v == b"?:0" and got[3].v[5].v == b""


def test_slowlog_len_reset_help(r3):
    assert r3.cmd("SLOWLOG", "RESET").v == "OK"
    assert r3.cmd("SLOWLOG", "LEN").v == 0
    assert r3.cmd("SLOWLOG", "GET").v == []
    assert r3.cmd("SLOWLOG", "HELP").v[0].v.startswith("SLOWLOG <subcommand>")


def test_latency_disabled_doctor_and_empty_latest(r3):
    assert r3.cmd("LATENCY", "LATEST").v == []
    doctor = r3.cmd("LATENCY", "DOCTOR")
    assert doctor.t == "=" and b"Latency monitoring is disabled" in doctor.v
    assert r3.cmd("LATENCY", "GRAPH", "command").t == "-"


def test_monitor_shows_other_clients_commands(mini_server):
    mon, c = RawClient(mini_server.port), RawClient(mini_server.port)
    try:
        assert mon.cmd("MONITOR").v == "OK"
        c.cmd("SET", "a b", "q\"x")
        c.cmd("EVAL", "return redis.call('get', 'a b')", "0")
        lines = [mon.read().v for _ in range(3)]
        assert lines[0].endswith('[0 %s:%d] "SET" "a b" "q\\"x"' % c.sock.getsockname()[:2])
        assert lines[1].endswith('"EVAL" "return redis.call(\'get\', \'a b\')" "0"')
        assert lines[2].endswith('[0 lua] "get" "a b"')
        assert mon.cmd("RESET").v == "RESET"
    finally:
        mon.close()
        c.close()


def test_client_pause_write_holds_writes_only(mini_server):
    admin, w = RawClient(mini_server.port), RawClient(mini_server.port)
    try:
        assert admin.cmd("CLIENT", "PAUSE", "60000", "WRITE").v == "OK"
        assert admin.cmd("GET", "k").v is None
        w.send_raw(encode_command(("SET", "k", "v")))
        assert not select.select([w.sock], [], [], 0.1)[0]
        assert admin.cmd("CLIENT", "UNPAUSE").v == "OK"
        assert w.read().v == "OK"
        assert admin.cmd("GET", "k").v == b"v"
    finally:
        admin.cmd("CLIENT", "UNPAUSE")
        admin.cmd("DEL", "k")
        admin.close()
        w.close()


def test_client_tracking_resp3_push(mini_server):
    a, b = RawClient(mini_server.port, 3), RawClient(mini_server.port)
    try:
        assert a.cmd("CLIENT", "TRACKING", "on").v == "OK"
        a.cmd("GET", "tk")
        b.cmd("SET", "tk", "1")
        push = a.read()
        assert push.t == ">" and [x.v for x in push.v[1].v] == [b"tk"]
        info = a.cmd("CLIENT", "TRACKINGINFO").plain()
        assert info[b"flags"] == [b"on"] and info[b"redirect"] == 0
    finally:
        a.close()
        b.cmd("DEL", "tk")
        b.close()


def test_tracking_client_keeps_others_on_the_plain_path():
    # Tracking remembers only its own clients' reads: those clients carry its
    # rule; the others' pipelined writes stay plain and still invalidate.
    from support import green_client, inprocess_server
    with inprocess_server() as srv:
        a, b = green_client(srv, 3), green_client(srv)
        aid, bid = a.cmd("CLIENT", "ID").v, b.cmd("CLIENT", "ID").v
        assert a.cmd("CLIENT", "TRACKING", "on").v == "OK"
        hook = srv.tracking._before
        assert srv.clients[aid].context_hooks == (hook,)
        assert srv.clients[bid].context_hooks is None
        assert hook not in srv.dispatcher.context_hooks
        assert srv.dispatcher.plain_watched == [False]
        a.cmd("GET", "tk")
        b.send_raw(encode_command(["SET", "other", "1"]) + encode_command(["SET", "tk", "1"])
                   + encode_command(["GET", "tk"]))
        assert [b.read().v for _ in range(3)] == ["OK", "OK", b"1"]
        push = a.read()
        assert push.t == ">" and [x.v for x in push.v[1].v] == [b"tk"]
        assert a.cmd("CLIENT", "TRACKING", "off").v == "OK"
        assert srv.clients[aid].context_hooks is None
        assert srv.dispatcher.call_hooks == []
        a.close()
        b.close()


def test_module_list_is_empty(r, r3):
    assert r.cmd("MODULE", "LIST").v == []
    assert r3.cmd("MODULE", "LIST").v == []
    assert r.cmd("MODULE", "LOAD", "/x.so").v.startswith("ERR MODULE command not allowed")


def test_redis_py_tracking_with_pubsub_redirect(mini_server):
    redis = pytest.importorskip("redis")
    # RESP2 explicitly (redis-py 8 defaults to RESP3, where the redirection gets a push).
    r = redis.Redis(port=mini_server.port, protocol=2, client_name="q2-invalidations")
    w = redis.Redis(port=mini_server.port, protocol=2)
    p = r.pubsub()
    try:
        p.subscribe("__redis__:invalidate")
        assert p.get_message(timeout=5)["type"] == "subscribe"
        sub_id, = [int(c["id"]) for c in w.client_list() if c["name"] == "q2-invalidations"]
        reader = redis.Redis(port=mini_server.port, protocol=2, single_connection_client=True)
        reader.client_tracking_on(clientid=sub_id)
        assert reader.client_getredir() == sub_id
        reader.get("pyk")
        w.set("pyk", "1")
        msg = p.get_message(timeout=5)
        assert msg["channel"] == b"__redis__:invalidate" and msg["data"] == [b"pyk"]
        reader.close()
    finally:
        p.close()
        w.delete("pyk")
        r.close()
        w.close()


def test_tracking_table_max_keys_invalidates_the_keys_it_forgets(mini_server):
    a, admin = RawClient(mini_server.port, 3), RawClient(mini_server.port)
    try:
        admin.cmd("CONFIG", "SET", "tracking-table-max-keys", "2")
        a.cmd("CLIENT", "TRACKING", "on")
        for k in ("t1", "t2", "t3"):
            assert a.cmd("GET", k).t == "_"
        push = a.read()
        assert push.t == ">" and [x.v for x in push.v[1].v] == [b"t1"]
        admin.cmd("SET", "t3", "x")
        assert [x.v for x in a.read().v[1].v] == [b"t3"]
    finally:
        admin.cmd("CONFIG", "SET", "tracking-table-max-keys", "1000000")
        admin.cmd("DEL", "t3")
        a.close()
        admin.close()


def test_pause_waiter_that_disconnects_is_forgotten(mini_server):
    admin, w = RawClient(mini_server.port), RawClient(mini_server.port)
    try:
        assert admin.cmd("CLIENT", "PAUSE", "200", "ALL").v == "OK"
        w.send_raw(encode_command(("SET", "gone", "1")))
        w.close()
        # ALL pauses CLIENT UNPAUSE too (as Redis): this waits for the timeout.
        assert admin.cmd("CLIENT", "UNPAUSE").v == "OK"
        assert b"blocked_clients:0" in admin.cmd("INFO", "clients").v
    finally:
        admin.close()


def _commandstats(c, name):
    for line in c.cmd("INFO", "commandstats").v.decode().splitlines():
        if line.startswith("cmdstat_%s:" % name):
            return dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
    return None


def test_pipelined_batch_counts_every_call_and_shares_time(r):
    # Fast commands of one read are timed together (dispatcher.run): calls stay
    # exact, and the batch's time is spread over them.
    r.cmd("CONFIG", "RESETSTAT")
    r.pipeline([("SET", "pk", "1")] + [("GET", "pk")] * 20 + [("INCR", "pk")] * 7 + [("PING",)] * 3)
    get, incr, set_ = (_commandstats(r, n) for n in ("get", "incr", "set"))
    assert (get["calls"], incr["calls"], set_["calls"]) == ("20", "7", "1")
    assert float(get["usec"]) > 0 and float(get["usec_per_call"]) > 0
    hist = r.cmd("LATENCY", "HISTOGRAM", "get", "incr").v
    calls = {k.v: dict((f.v, v) for f, v in zip(m.v[::2], m.v[1::2]))[b"calls"].v
             for k, m in zip(hist[::2], hist[1::2])}
    assert calls == {b"get": 20, b"incr": 7}


def test_slowlog_threshold_zero_logs_each_pipelined_command(r):
    # Under SHARED_TIMING_FLOOR every command is timed on its own again.
    with slowlog_everything(r):
        r.pipeline([("GET", "pk%d" % i) for i in range(5)])
        entries = r.cmd("SLOWLOG", "GET", "10").v
        logged = [_args(e) for e in entries if _args(e)[0] == b"GET"]
        assert logged == [[b"GET", b"pk%d" % i] for i in reversed(range(5))]
