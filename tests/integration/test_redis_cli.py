"""redis-cli and redis-benchmark, unchanged, against miniredis."""

import shutil
import subprocess

import pytest


pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli not installed")


def cli(port, *args, stdin=None):
    p = subprocess.run(["redis-cli", "-p", str(port)] + list(args), input=stdin,
                       capture_output=True, timeout=30)
    return p.stdout.decode(), p.returncode


def test_cli_commands(r, mini_server):
    port = mini_server.port
    assert cli(port, "PING") == ("PONG\n", 0)
    assert cli(port, "SET", "greeting", "hello world") == ("OK\n", 0)
    assert cli(port, "GET", "greeting") == ("hello world\n", 0)
    out, _ = cli(port, "GET")
    assert "wrong number of arguments for 'get' command" in out
    out, _ = cli(port, "-3", "HELLO")
    assert "proto" in out


def test_cli_pipe_mass_insert(r, mini_server):
    payload = b"".join(b"SET mass:%d %d\r\n" % (i, i) for i in range(5000))
    p = subprocess.run(["redis-cli", "-p", str(mini_server.port), "--pipe"], input=payload,
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert b"errors: 0, replies: 5000" in p.stdout
    assert r.cmd("DBSIZE").v == 5000
    assert r.cmd("GET", "mass:4999").v == b"4999"


def test_benchmark_runs_clean(r, mini_server):
    p = subprocess.run(["redis-benchmark", "-p", str(mini_server.port), "-c", "5", "-n", "500",
                        "-P", "4", "-t", "ping,set,get,incr,mset", "--csv"],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.decode().splitlines() if l.startswith('"')]
    tests = {l.split(",")[0].strip('"') for l in lines[1:]}
    assert {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"} <= tests
    assert any(t.startswith("MSET") for t in tests)
