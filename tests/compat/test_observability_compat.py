"""SLOWLOG, LATENCY, MONITOR, CLIENT PAUSE/UNPAUSE, CLIENT TRACKING and MODULE compared
with redis-server 7.0, RESP2 and RESP3.

A server pair of this module's own: these tests change the slow log threshold,
pause clients and monitor, which would disturb other tests on the shared servers.
"""

import re
import select
import time

import pytest

from support import RawClient, encode_command, server_pair


@pytest.fixture(scope="module")
def pair():
    with server_pair() as servers:
        yield servers


class Both(object):
    """The same clients on both servers; ``run(fn)`` gives fn each server's port."""

    def __init__(self, servers, proto):
        self.servers = servers
        self.proto = proto

    def run(self, fn):
        out = []
        for srv in self.servers:
            out.append(fn(srv.port))
        m, r = out
        assert m == r, "miniredis %r\n!= redis %r (RESP%d)" % (m, r, self.proto)
        return m


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def both(request, pair):
    return Both(pair, request.param)


def _addr(c):
    host, port = c.sock.getsockname()[:2]
    return "%s:%d" % (host, port)


def _quiet(c, wait=0.2):
    """True when nothing arrives on c within ``wait`` seconds (a paused client's reply)."""
    return not select.select([c.sock], [], [], wait)[0]


# --- SLOWLOG --------------------------------------------------------------------------

def _entries(c, admin, count="-1"):
    """SLOWLOG GET of c's server with id/time/duration checked and blanked, peer checked."""
    got = admin.cmd("SLOWLOG", "GET", count)
    out = []
    ids = []
    for e in got.v:
        fid, ts, dur, args, peer, name = e.v
        assert fid.t == ts.t == dur.t == ":" and dur.v >= 0
        ids.append(fid.v)
        p = peer.v.decode()
        assert p in (_addr(c), _addr(admin), "?:0"), p
        who = "c" if p == _addr(c) else "admin" if p == _addr(admin) else p
        out.append((args, who, name))
    assert ids == sorted(ids, reverse=True)
    return got.t, out


def test_slowlog_entries_trimming_and_redaction(both):
    def fn(port):
        admin, c = RawClient(port, both.proto), RawClient(port, both.proto)
        try:
            admin.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
            admin.cmd("SLOWLOG", "RESET")
            c.cmd("SET", "a", "b")
            c.cmd("AUTH", "secret")
            c.cmd("AUTH", "user", "secret")
            c.cmd("HELLO", str(both.proto), "AUTH", "default", "pw", "SETNAME", "x")
            c.cmd("CONFIG", "SET", "masterauth", "pw", "masteruser", "u")
            c.cmd("CONFIG", "SET", "masterauth", "")
            c.cmd("CLIENT", "SETNAME", "nm")
            c.cmd("SET", "big", "v" * 300)
            c.cmd("RPUSH", "l", *["e%d" % i for i in range(40)])
            c.cmd("GET", "a", "extra")        # arity error: never ran, not logged
            c.cmd("INCR", "big")              # failed: logged
            c.cmd("MULTI")
            c.cmd("SET", "m", "1")
            c.cmd("EXEC")                     # skip_slowlog: only the inner SET
            c.cmd("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "s")
            return _entries(c, admin), admin.cmd("SLOWLOG", "LEN")
        finally:
            admin.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            admin.close()
            c.close()
    both.run(fn)


def test_slowlog_get_len_reset_and_max_len(both):
    def fn(port):
        admin = RawClient(port, both.proto)
        out = []
        try:
            admin.cmd("CONFIG", "SET", "slowlog-log-slower-than", "0")
            admin.cmd("SLOWLOG", "RESET")
            for i in range(5):
                admin.cmd("PING", str(i))
            out.append(admin.cmd("SLOWLOG", "LEN"))
            for count in ("0", "1", "3", "x", "-2", "1.5", ""):
                r = admin.cmd("SLOWLOG", "GET", count)
                out.append(r if r.t == "-" else [e.v[3] for e in r.v])
            out.append(admin.cmd("SLOWLOG", "GET", "1", "2"))
            out.append(admin.cmd("SLOWLOG", "FOO"))
            out.append(admin.cmd("SLOWLOG"))
            out.append(admin.cmd("SLOWLOG", "LEN", "x"))
            out.append(admin.cmd("SLOWLOG", "RESET", "x"))
            out.append(admin.cmd("SLOWLOG", "HELP"))
            out.append(admin.cmd("SLOWLOG", "RESET"))
            out.append([e.v[3] for e in admin.cmd("SLOWLOG", "GET").v])
            admin.cmd("CONFIG", "SET", "slowlog-max-len", "2")
            for i in range(4):
                admin.cmd("ECHO", str(i))
            out.append(admin.cmd("SLOWLOG", "LEN"))
            out.append([e.v[3] for e in admin.cmd("SLOWLOG", "GET").v])
            admin.cmd("CONFIG", "SET", "slowlog-log-slower-than", "-1")
            admin.cmd("SLOWLOG", "RESET")
            admin.cmd("PING")
            out.append(admin.cmd("SLOWLOG", "LEN"))
            return out
        finally:
            admin.cmd("CONFIG", "SET", "slowlog-log-slower-than", "10000")
            admin.cmd("CONFIG", "SET", "slowlog-max-len", "128")
            admin.close()
    both.run(fn)


# --- LATENCY --------------------------------------------------------------------------

_BUSY = ("local t = redis.call('time') local s = t[1] * 1000000 + t[2] "
         "while true do local u = redis.call('time') "
         "if u[1] * 1000000 + u[2] - s > 3000 then break end end return 1")


def test_latency_without_samples(both):
    def fn(port):
        c = RawClient(port, both.proto)
        try:
            c.cmd("LATENCY", "RESET")
            return [c.cmd(*a) for a in (
                ("LATENCY", "LATEST"), ("LATENCY", "HISTORY", "command"),
                ("LATENCY", "RESET"), ("LATENCY", "RESET", "command", "x"),
                ("LATENCY", "DOCTOR"), ("LATENCY", "GRAPH", "command"),
                ("LATENCY", "GRAPH", "a\r\nb"), ("LATENCY", "HELP"), ("LATENCY", "FOO"),
                ("LATENCY",), ("LATENCY", "HISTORY"), ("LATENCY", "LATEST", "x"),
                ("LATENCY", "DOCTOR", "x"), ("LATENCY", "GRAPH"))]
        finally:
            c.close()
    both.run(fn)


def test_latency_samples(both):
    def fn(port):
        c = RawClient(port, both.proto)
        out = []
        try:
            c.cmd("LATENCY", "RESET")
            c.cmd("CONFIG", "SET", "latency-monitor-threshold", "1")
            out.append(c.cmd("LATENCY", "DOCTOR").v.split(b"\n")[0])
            c.cmd("EVAL", _BUSY, "0")
            latest = c.cmd("LATENCY", "LATEST")
            (name, ts, last, top), = [e.v for e in latest.v]
            assert last.v >= 3 and top.v >= last.v and ts.t == ":"
            out.append((latest.t, name, last.t, top.t))
            hist = c.cmd("LATENCY", "HISTORY", "command")
            assert len(hist.v) == 1 and hist.v[0].v[1].v >= 3
            out.append((hist.t, [[x.t for x in s.v] for s in hist.v]))
            out.append(c.cmd("LATENCY", "DOCTOR").v.split(b"\n")[0])
            graph = c.cmd("LATENCY", "GRAPH", "command")
            out.append((graph.t, graph.v.split(b"\n")[1]))
            out.append(c.cmd("LATENCY", "RESET", "command", "command", "other"))
            out.append(c.cmd("LATENCY", "LATEST"))
            return out
        finally:
            c.cmd("CONFIG", "SET", "latency-monitor-threshold", "0")
            c.cmd("LATENCY", "RESET")
            c.close()
    both.run(fn)


# --- MONITOR --------------------------------------------------------------------------

_LINE = re.compile(rb"^(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$", re.S)


def _monitor_lines(mon, n, addrs):
    """n monitor lines with the time checked and the address named."""
    out = []
    for _ in range(n):
        r = mon.read()
        assert r.t == "+", r
        m = _LINE.match(r.v.encode("latin-1") if isinstance(r.v, str) else r.v)
        assert m, r
        addr = m.group(4).decode()
        out.append((m.group(3), addrs.get(addr, addr), m.group(5)))
    return out


def test_monitor_lines(both):
    def fn(port):
        mon, c = RawClient(port, both.proto), RawClient(port, both.proto)
        try:
            first = mon.cmd("MONITOR")
            addrs = {_addr(c): "c", _addr(mon): "mon"}
            cmds = [("SET", "k", "v"), ("GET", "nokey", "x"), ("NOSUCH", "x"),
                    ("AUTH", "pw"), ("HELLO", str(both.proto), "AUTH", "default", "pw"),
                    ("SET", "a b", 'c"d\x01\n\\\xff'), ("CONFIG", "GET", "port"),
                    ("CLIENT", "LIST"), ("SLOWLOG", "LEN"), ("MULTI",), ("SET", "m", "1"),
                    ("INCR", "m"), ("EXEC",),
                    ("EVAL", "redis.call('set', 'x', 'y') return redis.call('get', 'x')", "0"),
                    ("SELECT", "3"), ("PING",), ("SELECT", "0"), ("INCR", "k")]
            for a in cmds:
                c.cmd(*a)
            lines = _monitor_lines(mon, 13, addrs)
            c.cmd("CLIENT", "SETNAME", "done")   # admin: never shown
            c.cmd("ECHO", "end")
            lines += _monitor_lines(mon, 1, addrs)
            return first, lines
        finally:
            mon.close()
            c.close()
    both.run(fn)


def test_monitor_own_commands_twice_reset_and_exec(both):
    def fn(port):
        mon, c = RawClient(port, both.proto), RawClient(port, both.proto)
        try:
            out = [mon.cmd("MONITOR")]
            addrs = {_addr(mon): "mon"}
            mon.send_raw(encode_command(("MONITOR",)) + encode_command(("ECHO", "hi")))
            out.append(mon.read())                    # a second MONITOR answers nothing
            out += _monitor_lines(mon, 1, addrs)
            out.append(mon.cmd("RESET"))
            out.append(c.cmd("SET", "k", "v"))
            out.append(mon.cmd("PING"))               # no line: not monitoring any more
            out.append(c.cmd("MULTI"))
            out.append(c.cmd("MONITOR"))
            out.append(c.cmd("EXEC"))
            return out
        finally:
            mon.close()
            c.close()
    both.run(fn)


# --- CLIENT PAUSE / UNPAUSE -------------------------------------------------------------

def test_monitor_blocking_commands_shown_when_called(both):
    def fn(port):
        mon, c, d = (RawClient(port, both.proto) for _ in range(3))
        try:
            mon.cmd("MONITOR")
            addrs = {_addr(c): "c", _addr(d): "d"}
            d.cmd("DEL", "bl")
            c.send_raw(encode_command(("BLPOP", "bl", "0")))
            lines = _monitor_lines(mon, 2, addrs)   # DEL, then BLPOP as it blocks
            d.cmd("RPUSH", "bl", "x")
            out = [c.read()]
            c.send_raw(encode_command(("BLPOP", "bl2", "0.05")))
            out.append(c.read())
            d.cmd("ECHO", "end")
            lines += _monitor_lines(mon, 3, addrs)
            return out, lines
        finally:
            for x in (mon, c, d):
                x.close()
    both.run(fn)


def test_monitor_eval_during_pause_shown_once(both):
    def fn(port):
        mon, c, admin = (RawClient(port, both.proto) for _ in range(3))
        try:
            mon.cmd("MONITOR")
            addrs = {_addr(c): "c", _addr(admin): "admin"}
            admin.cmd("CLIENT", "PAUSE", "60000", "WRITE")
            c.send_raw(encode_command(("EVAL", "return redis.call('set', 'ev', '1')", "0")))
            out = [_quiet(c, 0.05)]
            admin.cmd("CLIENT", "UNPAUSE")
            out.append(c.read())
            admin.cmd("ECHO", "end")
            return out, _monitor_lines(mon, 3, addrs)
        finally:
            for x in (mon, c, admin):
                x.close()
    both.run(fn)


def test_client_pause_errors(both):
    def fn(port):
        c = RawClient(port, both.proto)
        try:
            return [c.cmd(*a) for a in (
                ("CLIENT", "PAUSE"), ("CLIENT", "PAUSE", "x"), ("CLIENT", "PAUSE", "-1"),
                ("CLIENT", "PAUSE", "1.5"), ("CLIENT", "PAUSE", "10", "foo"), ("CLIENT", "PAUSE", "s", "s"), ("CLIENT", "PAUSE", "-1", "x"),
                ("CLIENT", "PAUSE", "10", "write", "x"), ("CLIENT", "UNPAUSE", "x"),
                ("CLIENT", "PAUSE", "0", "ALL"), ("CLIENT", "UNPAUSE"), ("CLIENT", "UNPAUSE"))]
        finally:
            c.close()
    both.run(fn)


def test_client_pause_write(both):
    def fn(port):
        admin, w, rd = (RawClient(port, both.proto) for _ in range(3))
        out = []
        try:
            out.append(admin.cmd("CLIENT", "PAUSE", "60000", "WRITE"))
            out.append(rd.cmd("GET", "k"))
            out.append(rd.cmd("EVAL", "#!lua flags=no-writes\nreturn 1", "0"))
            out.append(rd.cmd("EVAL_RO", "return 1", "0"))
            w.send_raw(encode_command(("SET", "k", "1")) + encode_command(("GET", "k")))
            out.append(_quiet(w))
            info = admin.cmd("INFO", "clients").v
            out.append(b"blocked_clients:1" in info)
            out.append(rd.cmd("GET", "k"))
            out.append(admin.cmd("CLIENT", "UNPAUSE"))
            out.append([w.read(), w.read()])
            out.append(rd.cmd("GET", "k"))
            admin.cmd("CLIENT", "PAUSE", "60000", "WRITE")
            for cmd in (("PUBLISH", "ch", "m"), ("EVAL", "return 1", "0"), ("EXPIRE", "k", "9")):
                c = RawClient(port, both.proto)
                c.send_raw(encode_command(cmd))
                out.append((cmd[0], _quiet(c, 0.05)))
                admin.cmd("CLIENT", "UNPAUSE")
                out.append(c.read())
                c.close()
                admin.cmd("CLIENT", "PAUSE", "60000", "WRITE")
            out.append(w.cmd("MULTI"))
            out.append(w.cmd("GET", "k"))
            w.send_raw(encode_command(("SET", "k", "2")))   # paused before it is queued
            out.append(_quiet(w, 0.05))
            out.append(admin.cmd("CLIENT", "UNPAUSE"))
            out.append(w.read())
            admin.cmd("CLIENT", "PAUSE", "60000", "WRITE")
            w.send_raw(encode_command(("EXEC",)))          # a transaction that writes
            out.append(_quiet(w, 0.05))
            out.append(admin.cmd("CLIENT", "UNPAUSE"))
            out.append(w.read())
            return out
        finally:
            admin.cmd("CLIENT", "UNPAUSE")
            for c in (admin, w, rd):
                c.close()
    both.run(fn)


def test_client_pause_all_ends_on_time(both):
    def fn(port):
        admin, c = RawClient(port, both.proto), RawClient(port, both.proto)
        try:
            out = [admin.cmd("CLIENT", "PAUSE", "300")]
            c.send_raw(encode_command(("PING",)))
            out.append(_quiet(c, 0.05))
            out.append(c.read())           # answered once the pause is over
            out.append(admin.cmd("PING"))
            return out
        finally:
            admin.close()
            c.close()
    both.run(fn)


# --- CLIENT TRACKING ----------------------------------------------------------------------

def test_tracking_errors_and_info(both):
    def fn(port):
        c = RawClient(port, both.proto)
        try:
            out = [c.cmd("CLIENT", *a) for a in (
                ("TRACKING",), ("TRACKING", "foo"), ("TRACKING", "on", "foo"),
                ("TRACKING", "on", "prefix", "a"), ("TRACKING", "on", "bcast", "optin"),
                ("TRACKING", "on", "optin", "optout"), ("TRACKING", "on", "redirect", "x"),
                ("TRACKING", "on", "redirect", "999999"), ("TRACKING", "on", "redirect"),
                ("TRACKING", "on", "bcast", "prefix", "a", "prefix", "ab"),
                ("TRACKING", "on", "bcast", "prefix"), ("CACHING",), ("CACHING", "yes"),
                ("CACHING", "maybe"), ("GETREDIR",), ("TRACKINGINFO",), ("GETREDIR", "x"),
                ("TRACKINGINFO", "x"), ("TRACKING", "off"), ("TRACKING", "off", "bcast"),
                ("TRACKING", "on", "bcast", "prefix", "p:", "noloop"), ("TRACKINGINFO",),
                ("TRACKING", "on", "bcast", "prefix", "p:x"),
                ("TRACKING", "on", "bcast", "prefix", "q"), ("TRACKINGINFO",),
                ("TRACKING", "on"), ("CACHING", "yes"), ("TRACKING", "off"),
                ("TRACKING", "on", "optin"), ("CACHING", "no"), ("CACHING", "maybe"),
                ("CACHING", "yes"), ("TRACKINGINFO",), ("TRACKING", "on", "optout"),
                ("GETREDIR",), ("TRACKING", "on", "optin", "noloop"), ("TRACKINGINFO",),
                ("TRACKING", "off"), ("TRACKINGINFO",))]
            own = str(c.cmd("CLIENT", "ID").v)
            out.append(c.cmd("CLIENT", "TRACKING", "on", "redirect", own, "redirect", own))
            out.append(c.cmd("CLIENT", "TRACKING", "on", "redirect", own))
            out.append(c.cmd("CLIENT", "GETREDIR").v == int(own))
            out.append(c.cmd("CLIENT", "TRACKING", "off"))
            out.append(c.cmd("CLIENT", "TRACKING", "on", "bcast"))
            out.append(c.cmd("RESET"))
            out.append(c.cmd("CLIENT", "TRACKINGINFO"))
            return out
        finally:
            c.close()
    both.run(fn)


def test_tracking_invalidations(pair):
    def fn(port):
        out = []
        a, b = RawClient(port, 3), RawClient(port, 2)
        try:
            a.cmd("FLUSHALL")
            out.append(a.cmd("CLIENT", "TRACKING", "on"))
            out.append(a.cmd("GET", "k"))
            out.append(b.cmd("SET", "k", "1"))
            out.append(a.read())
            out.append(b.cmd("SET", "k", "2"))     # no longer tracked: nothing sent
            out.append(a.cmd("MGET", "k", "j"))
            out.append(a.cmd("SET", "j", "2"))     # own change: after the reply
            out.append(a.read())
            out.append(a.cmd("GET", "k"))
            out.append(a.cmd("FLUSHALL"))
            out.append(a.read())
            out.append(a.cmd("GET", "e"))
            out.append(b.cmd("SET", "e", "1", "PX", "400"))
            out.append(a.read())
            out.append(a.cmd("GET", "e"))
            out.append(a.read())                   # its expiry invalidates too
            out.append(a.cmd("CLIENT", "TRACKING", "on", "NOLOOP"))
            out.append(a.cmd("GET", "n"))
            out.append(a.cmd("SET", "n", "1"))
            out.append(a.cmd("PING"))              # NOLOOP: no message for its own write
            return out
        finally:
            a.close()
            b.close()
    m, r = (fn(s.port) for s in pair)
    assert m == r, "%r\n!= %r" % (m, r)


def test_tracking_redirect_bcast_optin(pair):
    def fn(port):
        out = []
        w = RawClient(port, 2)
        sub = RawClient(port, 2)
        t = RawClient(port, 2)
        e = RawClient(port, 3)
        f = RawClient(port, 3)
        try:
            w.cmd("FLUSHALL")
            sid = sub.cmd("CLIENT", "ID").v
            out.append(sub.cmd("SUBSCRIBE", "__redis__:invalidate"))
            out.append(t.cmd("CLIENT", "TRACKING", "on", "REDIRECT", str(sid)))
            out.append(t.cmd("GET", "x"))
            out.append(w.cmd("SET", "x", "1"))
            out.append(sub.read())
            out.append(w.cmd("FLUSHDB"))
            out.append(sub.read())
            out.append(e.cmd("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p:", "NOLOOP"))
            out.append(w.cmd("MSET", "p:1", "a", "q", "b", "p:2", "c"))
            msg = e.read()
            out.append((msg.t, msg.v[0], sorted(x.v for x in msg.v[1].v)))
            out.append(e.cmd("SET", "p:3", "x"))
            out.append(e.cmd("PING"))
            out.append(f.cmd("CLIENT", "TRACKING", "on", "OPTIN"))
            out.append(f.cmd("GET", "o1"))
            out.append(f.cmd("CLIENT", "CACHING", "yes"))
            out.append(f.cmd("GET", "o2"))
            out.append(f.cmd("GET", "o3"))
            out.append(w.cmd("MSET", "o1", "1", "o2", "2", "o3", "3"))
            out.append(f.read())
            out.append(f.cmd("CLIENT", "TRACKING", "off"))
            out.append(f.cmd("CLIENT", "TRACKING", "on", "OPTOUT"))
            out.append(f.cmd("CLIENT", "CACHING", "no"))
            out.append(f.cmd("GET", "o1"))
            out.append(f.cmd("GET", "o2"))
            out.append(w.cmd("MSET", "o1", "1", "o2", "2"))
            out.append(f.read())
            # A redirection that went away: RESP3 hears of it; the flag shows.
            gone = RawClient(port, 2)
            gid = gone.cmd("CLIENT", "ID").v
            out.append(f.cmd("CLIENT", "TRACKING", "on", "OPTOUT", "REDIRECT", str(gid)))
            out.append(f.cmd("GET", "z"))
            gone.close()
            for _ in range(200):
                if b"id=%d " % gid not in w.cmd("CLIENT", "LIST").v:
                    break
            out.append(w.cmd("SET", "z", "1"))
            broken = f.read()
            out.append((broken.t, broken.v[0], broken.v[1].v == gid))
            info = f.cmd("CLIENT", "TRACKINGINFO")
            out.append(info.v[0])
            return out
        finally:
            for c in (w, sub, t, e, f):
                c.close()
    m, r = (fn(s.port) for s in pair)
    assert m == r, "%r\n!= %r" % (m, r)


# --- MODULE ---------------------------------------------------------------------------

def test_module(both):
    def fn(port):
        c = RawClient(port, both.proto)
        try:
            return [c.cmd(*a) for a in (
                ("MODULE", "LIST"), ("MODULE", "HELP"), ("MODULE", "LOAD", "/nonexistent"),
                ("MODULE", "LOADEX", "/x", "ARGS", "a"), ("MODULE", "UNLOAD", "foo"),
                ("MODULE", "FOO"), ("MODULE",), ("MODULE", "LIST", "x"), ("MODULE", "LOAD"),
                ("MODULE", "UNLOAD"), ("MODULE", "UNLOAD", "a", "b"))]
        finally:
            c.close()
    both.run(fn)


def test_pause_holds_expiry_back(both):
    """While paused a key past its TTL reads as gone but is still counted; it goes
    once the pause ends and it is looked at."""
    def fn(port):
        c = RawClient(port, both.proto)
        try:
            c.cmd("FLUSHALL")
            c.cmd("SET", "short", "v", "PX", "40")
            c.cmd("SET", "long", "v")
            c.cmd("CLIENT", "PAUSE", "10000", "WRITE")
            time.sleep(0.1)   # the TTL passes while paused (bounded, short)
            out = [c.cmd("GET", "short"), c.cmd("EXISTS", "short"), c.cmd("DBSIZE")]
            c.cmd("CLIENT", "UNPAUSE")
            out += [c.cmd("GET", "short"), c.cmd("DBSIZE")]
            return out
        finally:
            c.close()
    both.run(fn)
