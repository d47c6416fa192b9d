"""The miniredis-server process: daemon mode, pidfile, signals, config file, port conflicts.

Every server started here is killed in a finally block (by the pid in its
pidfile, or its Popen handle); every wait is bounded.
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

from support import ROOT, RawClient, free_port, wait_for_port

LOG_LINE = re.compile(r"^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] .+$")


def server_cmd(*args):
    return [sys.executable, "-m", "miniredis"] + [str(a) for a in args]


def server_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run(*args, timeout=30):
    """Run miniredis-server to completion (a daemon's parent, or a failing start)."""
    # A scratch working directory: a server stopped by SIGTERM saves dump.rdb there.
    return subprocess.run(server_cmd(*args), env=server_env(), cwd=tempfile.mkdtemp(),
                          timeout=timeout,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid, pidfile=None, timeout=5.0):
    """True once the process is gone (and its pidfile removed), within timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not alive(pid) and (pidfile is None or not os.path.exists(pidfile)):
            return True
        time.sleep(0.02)
    return False


def kill_quietly(pid):
    if pid and alive(pid):
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)


def listening_socket(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


def test_daemonize_lifecycle(tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "m.pid")
    logfile = str(tmp_path / "m.log")
    pid = None
    try:
        res = run("--port", port, "--daemonize", "yes", "--pidfile", pidfile, "--logfile", logfile)
        assert res.returncode == 0, res.stderr
        # The parent returned only once the daemon was listening: no waiting here.
        pid = read_pid(pidfile)
        assert pid != os.getpid() and alive(pid)
        c = RawClient(port)
        assert c.cmd("PING").v == "PONG"
        c.close()
        os.kill(pid, signal.SIGTERM)
        assert wait_gone(pid, pidfile), "daemon did not stop or left its pidfile"
        pid = None
    finally:
        kill_quietly(pid)
    lines = open(logfile).read().splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines), lines
    text = "\n".join(lines)
    assert "port=%d" % port in text and "Ready to accept connections" in text
    assert "Received SIGTERM" in text and "ready to exit, bye bye" in text


def test_live_pidfile_refuses_second_start(tmp_path):
    from support import start_miniredis
    port = free_port()
    pidfile = str(tmp_path / "m.pid")
    other = start_miniredis()   # a running miniredis: the pidfile is live (Q4: not any process)
    try:
        with open(pidfile, "w") as f:
            f.write("%d\n" % other.proc.pid)
        res = run("--port", port, "--daemonize", "yes", "--pidfile", pidfile)
        assert res.returncode == 1
        assert "pidfile" in res.stderr and str(other.proc.pid) in res.stderr
        assert read_pid(pidfile) == other.proc.pid
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        other.stop()


def test_stale_pidfile_is_replaced(tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "m.pid")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(10)
    with open(pidfile, "w") as f:
        f.write("%d\n" % dead.pid)
    pid = None
    try:
        res = run("--port", port, "--daemonize", "yes", "--pidfile", pidfile)
        assert res.returncode == 0, res.stderr
        pid = read_pid(pidfile)
        assert pid != dead.pid and alive(pid)
        os.kill(pid, signal.SIGTERM)
        assert wait_gone(pid, pidfile)
        pid = None
    finally:
        kill_quietly(pid)


@pytest.mark.parametrize("daemon", [False, True], ids=["foreground", "daemon"])
def test_port_in_use_exits_1_with_one_line(tmp_path, daemon):
    port = free_port()
    pidfile = str(tmp_path / "m.pid")
    blocker = listening_socket(port)
    try:
        extra = ("--daemonize", "yes") if daemon else ()
        res = run("--port", port, "--pidfile", pidfile, *extra)
    finally:
        blocker.close()
    assert res.returncode == 1
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "Address already in use" in err[0], res.stderr
    assert "%d" % port in err[0]
    assert not os.path.exists(pidfile)


def test_config_file_directives(tmp_path):
    port = free_port()
    inc = tmp_path / "extra.conf"
    inc.write_text("databases 4\n")
    conf = tmp_path / "m.conf"
    conf.write_text(
        "# a comment\n"
        "port %d\n"
        "bind 127.0.0.1\n"
        "requirepass \"s3cret pass\"\n"
        "include %s\n"
        "logfile rel.log\n" % (port, inc))
    proc = subprocess.Popen(server_cmd(conf, "--dir", tmp_path), env=server_env(), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        c = RawClient(port)
        assert c.cmd("PING").v.startswith("NOAUTH")
        assert c.cmd("AUTH", "s3cret pass").v == "OK"
        assert c.cmd("SELECT", "3").v == "OK"
        assert c.cmd("SELECT", "4").t == "-"
        c.close()
        # A relative logfile lives in "dir", as in Redis.
        assert (tmp_path / "rel.log").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert "bye bye" in (tmp_path / "rel.log").read_text()


def test_command_line_overrides_config_file(tmp_path):
    port = free_port()
    conf = tmp_path / "m.conf"
    conf.write_text("port 1\nrequirepass fromfile\n")
    proc = subprocess.Popen(server_cmd(conf, "--port", port, "--requirepass", "--dashed"),
                            env=server_env(), cwd=str(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        c = RawClient(port)
        # The word after an option name is its value even when it starts with "--".
        assert c.cmd("AUTH", "--dashed").v == "OK"
        c.close()
    finally:
        proc.terminate()
        try:
            assert proc.wait(10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(flag):
    res = run(flag)
    assert res.returncode == 0
    assert re.match(r"^miniredis server v=\d+\.\d+\.\d+ \(Redis 7\.0\.\d+ compatible\)$",
                    res.stdout.strip()), res.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(flag):
    res = run(flag)
    assert res.returncode == 0
    assert res.stdout.startswith("Usage: miniredis-server")
    assert "--daemonize" in res.stdout
