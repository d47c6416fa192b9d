"""Configuration that tells the truth: every redis.conf directive of Redis 7.0 is
accepted, works or is named in a start-up warning; unknown ones are refused as
Redis refuses them; timeout, tcp-keepalive, loglevel, supervised systemd,
pidfile liveness.

Servers are real processes (or in-process servers for socket options); every
one is stopped in a finally block and every wait is bounded.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from support import ROOT, RawClient, free_port, start_redis, wait_for_port

from miniredis.cli import load_config
from miniredis.config import BY_NAME, NO_EFFECT, Config, ConfigError

STOCK = "/etc/redis/redis.conf"

needs_stock = pytest.mark.skipif(not os.path.exists(STOCK), reason="no Debian redis.conf here")


def stock_directives():
    """(name, words) of every active line of the stock redis.conf."""
    from miniredis.protocol import split_inline
    out = []
    with open(STOCK) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                words = [w.decode() for w in split_inline(line.encode())]
                out.append((words[0], words[1:]))
    return out


def tmp_copy_of_stock(tmp, port):
    """The stock file with its service paths moved into tmp and its port changed."""
    subst = {"pidfile": os.path.join(tmp, "r.pid"), "logfile": os.path.join(tmp, "r.log"),
             "dir": tmp, "port": str(port)}
    lines = []
    with open(STOCK) as f:
        for line in f:
            word = line.split(" ", 1)[0]
            lines.append("%s %s\n" % (word, subst[word]) if word in subst else line)
    path = os.path.join(tmp, "redis.conf")
    with open(path, "w") as f:
        f.writelines(lines)
    return path


def server_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_server(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "miniredis"] + list(args), env=server_env(),
                          cwd=tempfile.mkdtemp(), timeout=timeout, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)


def wait_gone(pid, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


# --- every directive is accepted ------------------------------------------------------

@needs_stock
def test_every_stock_directive_loads_from_file():
    c = Config()
    c.load_file(STOCK)
    assert c.daemonize is True and c.bind == ["127.0.0.1", "-::1"]


@needs_stock
@pytest.mark.parametrize("name,words", stock_directives(), ids=lambda v: str(v))
def test_every_stock_directive_loads_as_option(name, words):
    c = load_config(["--" + name] + words)
    assert name.lower() in c.given or BY_NAME[name.lower()].name in c.given


def test_every_redis_parameter_is_known(redis_server):
    ref = RawClient(redis_server.port)
    try:
        names = {n.v.decode() for n in ref.cmd("CONFIG", "GET", "*").v[0::2]}
    finally:
        ref.close()
    assert sorted(names - set(BY_NAME)) == []
    assert sorted(set(BY_NAME) - names) == []


def test_no_effect_params_match_redis_defaults_and_errors(compat):
    names = sorted(n for n in NO_EFFECT if n in BY_NAME)
    compat.same_sorted("CONFIG", "GET", *names)
    for args in (("activedefrag", "maybe"), ("active-defrag-cycle-min", "0"),
                 ("active-defrag-cycle-max", "100"), ("repl-timeout", "0"),
                 ("repl-diskless-load", "bogus"), ("oom-score-adj", "bogus"),
                 ("tls-port", "70000"), ("replica-priority", "x"),
                 ("cluster-announce-port", "-1"), ("repl-backlog-ttl", "-1")):
        compat.same_error("CONFIG", "SET", *args)


def test_no_effect_params_set_and_read_back(compat):
    for name, value in (("activedefrag", "yes"), ("replica-priority", "7"),
                        ("repl-diskless-load", "swapdb"), ("slave-read-only", "no"),
                        ("oom-score-adj-values", "0 100 900"),
                        ("latency-tracking-info-percentiles", "50 99.5")):
        compat.same("CONFIG", "SET", name, value)
        compat.same("CONFIG", "GET", name)
    compat.same("CONFIG", "SET", "activedefrag", "no", "replica-priority", "100",
                "repl-diskless-load", "disabled", "slave-read-only", "yes",
                "oom-score-adj-values", "0 200 800", "latency-tracking-info-percentiles", "50 99 99.9")


def test_file_only_directives():
    c = Config()
    c.load_text('rename-command CONFIG ""\nloadmodule /x/y.so a b\n')
    assert c.given == ["rename-command", "loadmodule"]
    for bad in ("rename-command CONFIG\n", "loadmodule\n"):
        with pytest.raises(ConfigError):
            Config().load_text(bad)


def fatal_report(proc_stderr):
    return [line for line in proc_stderr.splitlines() if line and "FATAL" not in line]


@needs_stock
def test_unknown_directive_refused_like_redis(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port 0\nalways-show-logo no\nfoo-no-such-directive 1\n")
    mini = run_server(str(conf))
    ref = subprocess.run(["redis-server", str(conf)], capture_output=True, text=True, timeout=30)
    assert mini.returncode == ref.returncode == 1
    assert fatal_report(mini.stderr) == fatal_report(ref.stderr)
    assert "Bad directive or wrong number of arguments" in mini.stderr


# --- the stock redis.conf starts -------------------------------------------------------

@needs_stock
def test_stock_redis_conf_starts_as_daemon_with_warning():
    tmp = tempfile.mkdtemp(prefix="q4-stock-")
    port = free_port()
    conf = tmp_copy_of_stock(tmp, port)
    done = run_server(conf)
    pidfile = os.path.join(tmp, "r.pid")
    assert done.returncode == 0, done.stderr
    pid = int(open(pidfile).read())
    try:
        c = RawClient(port)
        assert c.cmd("PING").v == "PONG"
        assert c.cmd("CONFIG", "GET", "always-show-logo").v[1].v == b"no"
        c.close()
    finally:
        os.kill(pid, signal.SIGTERM)
        assert wait_gone(pid)
    log = open(os.path.join(tmp, "r.log")).read()
    warning = [l for l in log.splitlines() if "no effect" in l]
    assert len(warning) == 1 and " # " in warning[0]
    for name in ("always-show-logo", "jemalloc-bg-thread", "repl-disable-tcp-nodelay",
                 "activerehashing"):
        assert name in warning[0]
    for name in ("port", "hz", "maxmemory-policy", "appendonly", "replica-read-only",
                 "repl-diskless-sync", "replica-serve-stale-data"):
        assert re.search(r"[ ,]%s(,|$)" % re.escape(name), warning[0]) is None


# --- timeout, loglevel verbose ----------------------------------------------------------

def start_logged(tmp, *args, env=None):
    """A foreground miniredis process logging to tmp/m.log; (Popen, port, logpath)."""
    port = free_port()
    logpath = os.path.join(tmp, "m.log")
    e = server_env()
    e.update(env or {})
    proc = subprocess.Popen([sys.executable, "-m", "miniredis", "--port", str(port), "--save", "",
                             "--logfile", logpath] + list(args), cwd=tmp, env=e,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
    except Exception:
        proc.kill()
        proc.wait(10)
        raise
    return proc, port, logpath


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def closed_by_server(client, timeout=6.0):
    """True when the server closes the connection within timeout (reads EOF)."""
    client.sock.settimeout(timeout)
    try:
        return client.sock.recv(100) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_timeout_closes_idle_clients_only_and_verbose_logs_say_so():
    tmp = tempfile.mkdtemp(prefix="q4-timeout-")
    proc, port, logpath = start_logged(tmp, "--timeout", "1", "--loglevel", "verbose")
    try:
        idle = RawClient(port)
        idle.cmd("PING")
        sub = RawClient(port)
        sub.cmd("SUBSCRIBE", "ch")
        blocked = RawClient(port)
        blocked.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n")
        assert closed_by_server(idle)
        time.sleep(1.5)   # a full timeout period more for the others
        other = RawClient(port)
        assert other.cmd("PUBLISH", "ch", "hi").v == 1
        assert [r.v for r in sub.read().v] == [b"message", b"ch", b"hi"]
        other.cmd("RPUSH", "list", "x")
        assert [r.v for r in blocked.read().v] == [b"list", b"x"]
        other.close()
    finally:
        stop(proc)
    log = open(logpath).read()
    assert re.search(r" - Accepted 127\.0\.0\.1:\d+$", log, re.M)
    assert re.search(r" - Closing idle client$", log, re.M)
    assert re.search(r" - Client closed connection id=\d+ addr=127\.0\.0\.1:\d+ ", log, re.M)


def test_notice_level_logs_no_connections():
    tmp = tempfile.mkdtemp(prefix="q4-notice-")
    proc, port, logpath = start_logged(tmp)
    try:
        c = RawClient(port)
        c.cmd("PING")
        c.close()
        RawClient(port).cmd("PING")
    finally:
        stop(proc)
    assert "Accepted" not in open(logpath).read()


# --- tcp-keepalive ------------------------------------------------------------------------

@pytest.mark.parametrize("interval", [0, 60])
def test_tcp_keepalive_sets_socket_options(interval):
    from support import green_client, inprocess_server
    with inprocess_server(tcp_keepalive=interval) as srv:
        c = green_client(srv)
        c.cmd("PING")
        sock = next(iter(srv.clients.values())).sock
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == (1 if interval else 0)
        if interval and hasattr(socket, "TCP_KEEPIDLE"):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 20
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
        c.close()


# --- supervised systemd -------------------------------------------------------------------

def test_supervised_systemd_notifies_ready_and_stopping():
    tmp = tempfile.mkdtemp(prefix="q4-sd-")
    path = os.path.join(tmp, "notify")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(20)
    try:
        # daemonize yes is overridden by supervision, as in Redis: the process stays ours.
        proc, port, logpath = start_logged(tmp, "--supervised", "systemd", "--daemonize", "yes",
                                           env={"NOTIFY_SOCKET": path})
        try:
            got = [listener.recv(200), listener.recv(200)]
            assert got == [b"STATUS=Ready to accept connections\n", b"READY=1\n"]
            assert proc.poll() is None
        finally:
            stop(proc)
        assert listener.recv(200) == b"STOPPING=1\n"
    finally:
        listener.close()
    assert "Supervised by systemd" in open(logpath).read()


def test_supervised_systemd_without_notify_socket_warns():
    tmp = tempfile.mkdtemp(prefix="q4-sd-")
    env = {"NOTIFY_SOCKET": ""}
    proc, port, logpath = start_logged(tmp, "--supervised", "systemd", env=env)
    stop(proc)
    assert "# systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!" \
        in open(logpath).read()


# --- CONFIG SET port / bind, atomic CONFIG SET ---------------------------------------------

def busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]


def test_config_set_port_rebinds_and_rolls_back_like_redis():
    from support import start_miniredis
    servers = [start_miniredis()]
    holder, taken = busy_port()
    try:
        servers.append(start_redis())
        for srv in servers:
            c = RawClient(srv.port)
            err = c.cmd("CONFIG", "SET", "hz", "20", "port", str(taken))
            assert err.v == ("ERR CONFIG SET failed (possibly related to argument 'port') - "
                             "Unable to listen on this port. Check server logs."), srv.kind
            assert c.cmd("CONFIG", "GET", "hz").v[1].v == b"10"
            c.close()
            c = RawClient(srv.port)   # the old port listens again after the rollback
            err = c.cmd("CONFIG", "SET", "bind", "127.0.0.1 10.255.255.1")
            assert err.v == ("ERR CONFIG SET failed (possibly related to argument 'bind') - "
                             "Failed to bind to specified addresses."), srv.kind
            new = free_port()
            assert c.cmd("CONFIG", "SET", "port", str(new)).v == "OK"
            c.close()
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
            c = RawClient(new)
            assert c.cmd("CONFIG", "GET", "port").v[1].v == str(new).encode()
            assert c.cmd("CONFIG", "SET", "bind", "127.0.0.1 -::1").v == "OK", srv.kind
            c.close()
            c = RawClient(new)
            assert c.cmd("PING").v == "PONG"
            c.close()
    finally:
        holder.close()
        for srv in servers:
            srv.stop()


# --- pidfile liveness -----------------------------------------------------------------------

def test_pidfile_naming_another_program_is_stale(tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "m.pid")
    other = subprocess.Popen(["sleep", "30"])
    try:
        with open(pidfile, "w") as f:
            f.write("%d\n" % other.pid)   # alive, but not a miniredis (e.g. after a reboot)
        res = run_server("--port", str(port), "--daemonize", "yes", "--pidfile", pidfile)
        assert res.returncode == 0, res.stderr
        pid = int(open(pidfile).read())
        assert pid != other.pid
        os.kill(pid, signal.SIGTERM)
        assert wait_gone(pid)
    finally:
        other.kill()
        other.wait(10)
