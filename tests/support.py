"""Test support: start real servers on free ports, and a raw RESP client.

Every server started here is stopped by the fixture that started it. Every
wait is bounded in count and time.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_port(port, proc=None, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=0.5)
            s.sendall(b"PING\r\n")
            data = s.recv(100)
            s.close()
            if data:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("server on port %d did not answer within %.0fs" % (port, timeout))


class ServerProcess(object):
    def __init__(self, proc, port, kind):
        self.proc = proc
        self.port = port
        self.kind = kind

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)


def start_miniredis(*args, port=None, cwd=None, env=None, config_file=None):
    """Start ``python -m miniredis`` on a free port (plus extra options); wait until it answers."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "miniredis"]
    if config_file:
        cmd.append(str(config_file))  # like redis-server, the file comes first
    cmd += ["--port", str(port), "--bind", "127.0.0.1"]
    if "--save" not in args and not config_file:
        # No snapshots unless a test asks (redis-server's default saves at shutdown).
        cmd += ["--save", ""]
    cmd += [str(a) for a in args]
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    if env:
        e.update(env)
    # Its own working directory: a dump.rdb is never written to, nor loaded from, the checkout.
    return _launch(cmd, cwd or tempfile.mkdtemp(prefix="miniredis-"), e, port, "miniredis")


def redis_server_path():
    return shutil.which("redis-server")


def start_redis(*args, config_file=None, cwd=None):
    """Start a throwaway reference redis-server; skip (or fail under CI) when absent.

    With ``config_file`` the file comes first and its own settings stand
    (no defaults added but the port); ``cwd``: its working directory.
    """
    path = redis_server_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (scripts/test installs it)")
        pytest.skip("reference redis-server not installed")
    port = free_port()
    cmd = [path] + ([str(config_file)] if config_file else [])
    cmd += ["--port", str(port), "--bind", "127.0.0.1"]
    if not config_file:
        cmd += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    cmd += [str(a) for a in args]
    # Its own working directory: a SAVE sent by a test must not write into the checkout.
    workdir = cwd or tempfile.mkdtemp(prefix="redis-ref-")
    return _launch(cmd, workdir, None, port, "redis")


def _launch(cmd, cwd, env, port, kind):
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sp = ServerProcess(proc, port, kind)
    try:
        wait_for_port(port, proc)
    except Exception:
        sp.stop()
        raise
    return sp


@contextlib.contextmanager
def server_pair(*args):
    """A miniredis and a reference redis-server started with the same options; both stopped after."""
    mini = start_miniredis(*args)
    try:
        ref = start_redis(*args)
    except BaseException:
        mini.stop()
        raise
    try:
        yield mini, ref
    finally:
        mini.stop()
        ref.stop()


# --- a raw RESP client that keeps every reply's exact type ----------------------

class Reply(object):
    """A decoded reply with its RESP type byte kept, so comparisons are type-exact."""

    __slots__ = ("t", "v")

    def __init__(self, t, v):
        self.t = t
        self.v = v

    def __eq__(self, other):
        if not isinstance(other, Reply):
            return NotImplemented
        return self.t == other.t and self.v == other.v

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.t, repr(self.v)))

    def __repr__(self):
        return "%s%r" % (self.t, self.v)

    def plain(self):
        """Plain Python value (bytes, int, float, list, dict, None, True/False)."""
        t, v = self.t, self.v
        if t in "*~>":
            return None if v is None else [x.plain() for x in v]
        if t == "%":
            return {k.plain(): x.plain() for k, x in v}
        return v


def _read_reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    if not line.endswith(b"\r\n"):
        raise ConnectionError("short line %r" % line)
    t, body = chr(line[0]), line[1:-2]
    if t == "+":
        return Reply("+", body.decode())
    if t == "-":
        return Reply("-", body.decode())
    if t == ":":
        return Reply(":", int(body))
    if t == "$" or t == "=":
        n = int(body)
        if n < 0:
            return Reply(t, None)
        data = f.read(n + 2)[:-2]
        return Reply(t, data)
    if t in "*~>":
        n = int(body)
        if n < 0:
            return Reply(t, None)
        return Reply(t, [_read_reply(f) for _ in range(n)])
    if t == "%":
        n = int(body)
        return Reply("%", [(_read_reply(f), _read_reply(f)) for _ in range(n)])
    if t == "_":
        return Reply("_", None)
    if t == ",":
        return Reply(",", body.decode())
    if t == "#":
        return Reply("#", body == b"t")
    if t == "(":
        return Reply("(", int(body))
    raise ConnectionError("unknown reply type %r" % line)


def encode_command(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawClient(object):
    """One connection; ``cmd(*args)`` returns a :class:`Reply`. Protocol via HELLO."""

    def __init__(self, port, proto=2, timeout=10.0, socket_module=socket):
        self.port = port
        self.sock = socket_module.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")
        self.proto = proto
        if proto == 3:
            r = self.cmd("HELLO", "3")
            assert r.t == "%", r

    def send_raw(self, data):
        self.sock.sendall(data)

    def read(self):
        return _read_reply(self.f)

    def cmd(self, *args):
        self.sock.sendall(encode_command(args))
        return _read_reply(self.f)

    def pipeline(self, commands):
        self.sock.sendall(b"".join(encode_command(c) for c in commands))
        return [_read_reply(self.f) for _ in commands]

    def read_until_closed(self, timeout=2.0):
        """All bytes until the server closes (bounded by timeout); returns (data, closed)."""
        self.sock.settimeout(timeout)
        data = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return data, True
                data += chunk
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass


# --- an in-process server with an injected clock ------------------------------------

def keyevents(port, commands):
    """(replies, [(event, key), ...]): the replies to ``commands`` on one server, and the
    keyspace events they raised there, in order (notify-keyspace-events must be on)."""
    c, sub = RawClient(port), RawClient(port, timeout=5)
    try:
        c.cmd("FLUSHALL")
        sub.cmd("PSUBSCRIBE", "__keyevent@0__:*")
        replies = [c.cmd(*cmd) for cmd in commands]
        c.cmd("SET", "__marker__", "1")
        got = []
        for _ in range(1000):
            msg = sub.read().plain()
            if msg[3] == b"__marker__":
                return replies, got
            got.append((msg[2], msg[3]))
        raise AssertionError("marker not seen")
    finally:
        c.close()
        sub.close()


class FakeClock(object):
    """Milliseconds that only move when a test says so."""

    def __init__(self, ms=1700000000000):
        self.ms = ms

    def __call__(self):
        return self.ms

    def advance(self, ms):
        self.ms += ms


@contextlib.contextmanager
def inprocess_server(clock=None, **settings):
    """A Server in this process (this hub), on a free port; stopped after.

    Talk to it with ``green_client(srv)``: a plain socket would block the hub
    the server runs in. ``settings`` are Config attributes (maxclients=...).
    """
    from miniredis.config import Config
    from miniredis.server import Server
    cfg = Config()
    cfg.port = 0
    cfg.bind = ["127.0.0.1"]
    cfg.save = ""   # no snapshots unless asked
    cfg.dir = tempfile.mkdtemp(prefix="miniredis-")
    for name, value in settings.items():
        setattr(cfg, name, value)
    srv = Server(cfg, clock=clock)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


class GreenClient(RawClient):
    """A RawClient over a gevent socket: waiting for a reply lets an in-process server run."""

    def __init__(self, port, proto=2, timeout=10.0):
        import gevent.socket
        RawClient.__init__(self, port, proto, timeout=timeout, socket_module=gevent.socket)


def green_client(srv, proto=2, timeout=5.0):
    """A RawClient over a gevent socket to an in-process server."""
    import gevent.socket
    return RawClient(srv.bound[0][1], proto, timeout=timeout, socket_module=gevent.socket)


def settle(predicate, rounds=200):
    """Let the hub run until predicate() holds (bounded); returns its last value."""
    import gevent
    for _ in range(rounds):
        v = predicate()
        if v:
            return v
        gevent.sleep(0.005)
    return predicate()


# --- differential state machines ----------------------------------------------------

from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize  # noqa: E402


class DifferentialMachine(RuleBasedStateMachine):
    """Base of the Hypothesis state machines: every rule runs on both servers.

    Subclasses add rules calling ``self.same(*command)``; ``run_machine``
    points them at a (miniredis, redis-server) pair.
    """

    ports = None

    @initialize()
    def connect(self):
        mport, rport = self.ports
        self.m = RawClient(mport)
        self.r = RawClient(rport)
        self.m.cmd("FLUSHALL")
        self.r.cmd("FLUSHALL")

    def teardown(self):
        if hasattr(self, "m"):
            self.m.close()
            self.r.close()

    def same(self, *args, key=None):
        """Both replies equal (after ``key``, for replies compared by kind)."""
        m, r = self.m.cmd(*args), self.r.cmd(*args)
        if key is not None:
            m, r = key(m), key(r)
        assert m == r, (args, m, r)


def run_machine(machine, mini, ref, examples=40, steps=30):
    machine.ports = (mini.port, ref.port)
    case = machine.TestCase
    case.settings = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                             suppress_health_check=list(HealthCheck))
    case().runTest()


# --- helpers shared by the per-group compat and blocking tests ----------------------

def requires(*names):
    """Skip, visibly, while a command another group owns is not in the checkout yet."""
    from miniredis.registry import COMMANDS
    missing = [n for n in names if n not in COMMANDS]
    return pytest.mark.skipif(bool(missing), reason="miniredis lacks %s" % ", ".join(missing))


@contextlib.contextmanager
def config(compat, name, value):
    """CONFIG SET on both servers of a Compat for the block; the old value comes back after."""
    old = compat.r.cmd("CONFIG", "GET", name).plain()
    old = old[1] if isinstance(old, list) else old[name.encode()]
    compat.same("CONFIG", "SET", name, value)
    try:
        yield
    finally:
        compat.m.cmd("CONFIG", "SET", name, old)
        compat.r.cmd("CONFIG", "SET", name, old)


def encoding(compat, key):
    """OBJECT ENCODING of key, the same on both servers."""
    return compat.same("OBJECT", "ENCODING", key).v


def blocked_clients(admin):
    info = admin.cmd("INFO", "clients").v.decode()
    return int(info.split("blocked_clients:")[1].split("\r\n")[0])


def wait_blocked(admin, n):
    """Until exactly n clients are blocked (bounded)."""
    for _ in range(1000):
        if blocked_clients(admin) == n:
            return
    raise AssertionError("blocked_clients never reached %d" % n)


class Scenario(object):
    """Clients on one server; ``block`` sends a command and waits until it has blocked."""

    def __init__(self, port, proto=2):
        self.port = port
        self.proto = proto
        self.admin = RawClient(port)
        self.admin.cmd("FLUSHALL")
        self.clients = []
        self.blocked = 0

    def client(self, proto=None):
        c = RawClient(self.port, proto or self.proto, timeout=10)
        self.clients.append(c)
        return c

    def block(self, *cmd, client=None):
        c = client or self.client()
        c.send_raw(encode_command(cmd))
        self.blocked += 1
        wait_blocked(self.admin, self.blocked)
        return c

    def read(self, c):
        """The reply of a client that was blocked (and is no longer)."""
        self.blocked -= 1
        return c.read()

    def gone(self, n):
        """n blocked clients disconnected."""
        self.blocked -= n

    def close(self):
        for c in self.clients + [self.admin]:
            c.close()


class EffectsHarness(object):
    """An in-process server (fake clock by default, no active expiry) that records, per command,
    the keyspace events and the propagated calls. Subclasses choose how an event
    and a propagated call are written down (``event`` / ``propagated``)."""

    # "new" and "keymiss" are raised by key lookups, not by the commands under test.
    IGNORED_CLASSES = ("n", "m")

    def __init__(self, now=1000000000000, fake_clock=True):
        from miniredis.config import Config
        from miniredis.server import Server
        # Blocking timeouts follow the clock: tests that let one pass for real
        # use the wall clock.
        self.clock = FakeClock(now) if fake_clock else None
        cfg = Config()
        cfg.port = free_port()
        cfg.bind = ["127.0.0.1"]
        cfg.save = ""   # FLUSHALL with save points would write a dump.rdb
        cfg.dir = tempfile.mkdtemp(prefix="miniredis-")
        self.port = cfg.port
        self.server = Server(cfg, clock=self.clock)
        self.server.active_expire_enabled = False   # only lookups expire keys
        self.server.start()
        self.events, self.props = [], []
        self.server.events.keyspace_listeners.append(self._event)
        self.server.events.propagate_listeners.append(self._propagated)
        self.c = GreenClient(cfg.port)

    def _event(self, cls, event, key, db_index):
        if cls not in self.IGNORED_CLASSES:
            self.events.append(self.event(cls, event, key, db_index))

    def _propagated(self, ops):
        self.props.extend(self.propagated(ops))

    def event(self, cls, event, key, db_index):
        return (cls, event, key, db_index)

    def propagated(self, ops):
        return [[(dbi, [bytes(a) for a in argv]) for dbi, argv in ops]]

    def run(self, *args):
        """(reply value, events, propagated calls) of one command."""
        del self.events[:], self.props[:]
        reply = self.c.cmd(*args)
        return reply.plain(), list(self.events), list(self.props)

    def setup(self, *commands):
        for cmd in commands:
            r = self.c.cmd(*cmd)
            assert r.t != "-", (cmd, r)

    def close(self):
        self.c.close()
        self.server.stop()
