"""Start-up under a low RLIMIT_NOFILE: miniredis and redis-server 7.0 side by side.

Each server is started with the same soft/hard open-files limit (set in the
child before exec), and must end with the same maxclients, the same limits in
/proc/<pid>/limits and the same log lines (miniredis/limits.py).
"""

import os
import re
import resource
import subprocess
import sys
import tempfile

import pytest

from support import ROOT, RawClient, free_port, redis_server_path, wait_for_port

# "1234:M 30 Nov 2026 12:44:37.619 # text": the level mark and the text.
LOG_LINE = re.compile(r"^\d+:[MCSX] \d+ \w+ \d+ [\d:.]+ ([#*.-]) (.*)$")
ABOUT_LIMITS = ("open files", "maxclients", "ulimit", "max file descriptors")


def _argv(kind, port):
    common = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
              "--logfile", ""]
    if kind == "miniredis":
        return [sys.executable, "-m", "miniredis"] + common
    path = redis_server_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (scripts/test installs it)")
        pytest.skip("reference redis-server not installed")
    return [path] + common


class Limited(object):
    """A server process started under RLIMIT_NOFILE (soft, hard); its stdout kept in a file."""

    def __init__(self, kind, soft, hard, *extra):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="limits-%s-" % kind)
        self.out_path = os.path.join(self.workdir, "out.log")
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")

        def lower_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

        with open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(_argv(kind, self.port) + [str(a) for a in extra],
                                         cwd=self.workdir, env=env, preexec_fn=lower_limit,
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)

    def wait_ready(self):
        try:
            wait_for_port(self.port, self.proc, timeout=30)
        except Exception:
            self.stop()
            raise

    def limits(self):
        """(soft, hard) as the kernel reports them for the process."""
        with open("/proc/%d/limits" % self.proc.pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    words = line.split()
                    return words[3], words[4]
        raise AssertionError("no open files line")

    def log(self):
        """(mark, text) of the log lines about the open-files limit."""
        with open(self.out_path, errors="replace") as f:
            lines = f.read().splitlines()
        found = []
        for line in lines:
            m = LOG_LINE.match(line)
            if m and any(word in m.group(2) for word in ABOUT_LIMITS):
                found.append(m.groups())
        return found

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def started_pair(soft, hard, *extra):
    """Both servers, ready; the caller stops them."""
    servers = []
    try:
        for kind in ("miniredis", "redis"):
            servers.append(Limited(kind, soft, hard, *extra))
            servers[-1].wait_ready()
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


def observed(server):
    c = RawClient(server.port)
    try:
        maxclients = c.cmd("CONFIG", "GET", "maxclients").plain()
    finally:
        c.close()
    return maxclients, server.limits(), server.log()


def same_on_both(soft, hard, *extra):
    """(CONFIG GET maxclients, limits, log lines) of miniredis, insisting Redis has the same."""
    mini, ref = started_pair(soft, hard, *extra)
    try:
        m, r = observed(mini), observed(ref)
    finally:
        mini.stop()
        ref.stop()
    assert m == r
    return m


@pytest.mark.parametrize("soft,hard,extra", [
    (1024, 4000, ()),                         # 10032 refused, then 16 less at a time: 4000
    (4001, 4001, ()),                         # no step fits above 4001: keep it, 3969 clients
    (1024, 1024, ("--maxclients", "2000")),
    (1024, 1024, ("--maxclients", "100")),    # enough already: nothing logged, nothing changed
])
def test_reduced_or_kept_like_redis(soft, hard, extra):
    m = same_on_both(soft, hard, *extra)
    if extra != ("--maxclients", "100"):
        assert len(m[2]) == 3 and all(mark == "#" for mark, _ in m[2])


def test_raised_to_maxclients_plus_32_like_redis():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 10032:
        pytest.skip("this process' hard open-files limit (%d) is below 10032" % hard)
    m = same_on_both(1024, hard)
    assert m[0] == [b"maxclients", b"10000"] and m[1] == ("10032", "10032")
    assert m[2] == [("*", "Increased maximum number of open files to 10032"
                          " (it was originally set to 1024).")]


def test_too_few_descriptors_to_start_like_redis():
    results = []
    for kind in ("miniredis", "redis"):
        s = Limited(kind, 32, 32)
        try:
            s.proc.wait(30)
        finally:
            s.stop()
        results.append((s.proc.returncode, s.log()))
    assert results[0] == results[1]
    assert results[0] == (1, [("#", "Your current 'ulimit -n' of 32 is not enough for the"
                                    " server to start. Please increase your open file limit"
                                    " to at least 10032. Exiting.")])


def test_the_reduced_maxclients_is_enforced():
    # 40 descriptors: maxclients 8 on both; the ninth client is refused with Redis' error.
    servers = started_pair(40, 40)
    try:
        for server in servers:
            clients = []
            try:
                for _ in range(8):
                    c = RawClient(server.port)
                    clients.append(c)
                    assert c.cmd("PING").plain() == "PONG"
                extra = RawClient(server.port)
                clients.append(extra)
                assert extra.read().plain() == "ERR max number of clients reached"
            finally:
                for c in clients:
                    c.close()
    finally:
        for s in servers:
            s.stop()


def test_config_set_maxclients_past_the_limit_like_redis():
    # Redis' updateMaxclients: more clients than the descriptors the system
    # gives are refused, and maxclients stays; fewer are taken.
    servers = started_pair(1024, 4000, "--maxclients", "100")
    try:
        seen = []
        for s in servers:
            c = RawClient(s.port)
            try:
                seen.append([c.cmd("CONFIG", "SET", "maxclients", "5000").v,
                             c.cmd("CONFIG", "GET", "maxclients").plain(),
                             c.cmd("CONFIG", "SET", "maxclients", "200").v,
                             c.cmd("CONFIG", "GET", "maxclients").plain()])
            finally:
                c.close()
    finally:
        for s in servers:
            s.stop()
    assert seen[0] == seen[1]
    assert seen[0][0] == ("ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
                          "The operating system is not able to handle the specified number of "
                          "clients, try with 3960")
