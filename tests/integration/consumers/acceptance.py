"""The acceptance-test target server and the child processes that talk to it.

MINIREDIS_ACCEPTANCE_TARGET=miniredis (default) starts ``python -m miniredis``;
MINIREDIS_ACCEPTANCE_TARGET=redis starts the reference redis-server instead, so the
same tests validate themselves against real Redis. A test first names the commands
the library needs (``target.needs(...)``): if the server lacks one, the test fails at
once, naming it, instead of waiting for a consumer's timeout. Owns only the processes it
starts: each is stopped by the fixture that started it (its whole process group).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from support import ROOT, RawClient, start_miniredis, start_redis

TARGET = os.environ.get("MINIREDIS_ACCEPTANCE_TARGET", "miniredis")
INTEGRATION = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONSUMERS = os.path.join(INTEGRATION, "consumers")
BIN = os.path.dirname(sys.executable)


class Target(object):
    """The server under test: its port, URLs and a redis-py client factory."""

    def __init__(self, server):
        self.server = server
        self.kind = server.kind
        self.port = server.port
        self._known = {}

    def needs(self, *commands):
        """Fail the calling test at once if the server lacks one of these commands."""
        unknown = [c for c in commands if c.lower() not in self._known]
        if unknown:
            c = RawClient(self.port)  # redis-py's COMMAND parser rejects unknown names
            try:
                infos = c.cmd("COMMAND", "INFO", *unknown).v
            finally:
                c.close()
            self._known.update((n.lower(), i.v is not None) for n, i in zip(unknown, infos))
        missing = [c.upper() for c in commands if not self._known[c.lower()]]
        if missing:
            pytest.fail("%s lacks %s" % (self.kind, ", ".join(missing)))

    def url(self, db=0):
        return "redis://127.0.0.1:%d/%d" % (self.port, db)

    def client(self, **kwargs):
        import redis
        kwargs.setdefault("socket_timeout", 15)
        return redis.Redis(host="127.0.0.1", port=self.port, **kwargs)

    def env(self, **extra):
        """Environment of a child process: our helper modules importable, the target's port."""
        e = dict(os.environ)
        e["PYTHONPATH"] = os.pathsep.join([INTEGRATION, ROOT, e.get("PYTHONPATH", "")])
        e["ACCEPTANCE_PORT"] = str(self.port)
        e["PYTHONUNBUFFERED"] = "1"
        e.update({k: str(v) for k, v in extra.items()})
        return e


def start_target():
    if TARGET == "redis":
        return Target(start_redis())
    if TARGET != "miniredis":
        raise ValueError("MINIREDIS_ACCEPTANCE_TARGET must be miniredis or redis, not %r" % TARGET)
    return Target(start_miniredis())


@pytest.fixture(scope="module")
def target():
    """One target server per test module, flushed at start, stopped after."""
    t = start_target()
    try:
        c = t.client()
        c.flushall()
        c.close()
        yield t
    finally:
        t.server.stop()


class Child(object):
    """A child process in its own session; output goes to a temp file for failure reports."""

    def __init__(self, argv, env, cwd=INTEGRATION):
        self.log = tempfile.NamedTemporaryFile(prefix="acceptance-", suffix=".log", delete=False)
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def send(self, sig):
        if self.alive():
            os.killpg(self.proc.pid, sig)

    def wait(self, timeout):
        """Exit code, or None when still running after timeout seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the whole process group, then SIGKILL it if it lingers; returns the exit code."""
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        code = self.wait(timeout)
        if code is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            code = self.proc.wait(timeout)
        # Stragglers of the group (a worker's own children) go too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return code

    def output(self, tail=6000):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            data = f.read()
        return data[-tail:].decode("utf-8", "replace")

    def close(self):
        self.stop()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class Children(object):
    """Every child a test starts; all stopped by the fixture's finalizer."""

    def __init__(self, target):
        self.target = target
        self.all = []

    def start(self, argv, **env):
        c = Child([str(a) for a in argv], self.target.env(**env))
        self.all.append(c)
        return c

    def python(self, script, *args, **env):
        """Run a helper script of tests/integration/consumers with this interpreter."""
        return self.start([sys.executable, os.path.join(CONSUMERS, script)] + list(args), **env)

    def close(self):
        for c in self.all:
            c.close()


@pytest.fixture
def children(target):
    kids = Children(target)
    try:
        yield kids
    finally:
        kids.close()


def wait_until(predicate, timeout=15.0, interval=0.02, what="condition", child=None):
    """Poll predicate() until it is truthy (bounded); fail with the child's output otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            break
        if child is not None and not child.alive():
            break
        time.sleep(interval)
    detail = ("\n--- output of %s ---\n%s" % (child.argv, child.output())) if child else ""
    raise AssertionError("timed out waiting for %s%s" % (what, detail))
