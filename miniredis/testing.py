"""A real miniredis for tests, with no setup: start one on a free port, get its URL.

Owns: starting and stopping a throwaway server, either in a thread of the
calling process or as a subprocess, and handing out its address.
Must not touch: the server's internals beyond Config/Server's public API.

    from miniredis.testing import server

    with server() as url:                      # in a thread of this process
        r = redis.Redis.from_url(url)          # "redis://127.0.0.1:<port>/0"
        r.set("k", "v")

    with server(mode="process", maxmemory="10mb") as url:   # a miniredis-server process
        ...

``mode="thread"`` (the default) runs the server on its own gevent hub in a
native thread, so it works from plain programs, threaded ones and
gevent-monkey-patched ones alike (the thread is started with the original,
unpatched ``_thread``). ``mode="process"`` runs ``python -m miniredis`` and
is the one to use when the code under test forks or must not share the GIL.
Keyword arguments are config directives (``maxmemory="10mb"``,
``notify_keyspace_events="KEA"``), applied as ``--name value``. Nothing is
saved to disk: ``save ""`` and a temporary ``dir`` unless you say otherwise.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["server", "start", "MiniRedisServer"]

START_TIMEOUT = 30.0


def _original(module, name):
    """The unpatched object even under gevent.monkey.patch_all()."""
    try:
        from gevent import monkey
        return monkey.get_original(module, name)
    except ImportError:
        return getattr(__import__(module), name)


class MiniRedisServer(object):
    """A running throwaway server: ``url``, ``host``, ``port``, ``mode``; ``stop()``."""

    def __init__(self, mode="thread", host="127.0.0.1", port=0, **settings):
        if mode not in ("thread", "process"):
            raise ValueError("mode must be 'thread' or 'process'")
        self.mode = mode
        self.host = host
        self.port = port
        self.settings = settings
        self._dir = tempfile.mkdtemp(prefix="miniredis-test-")
        self._proc = None
        self._thread_state = None
        self._stopped = False
        try:
            if mode == "thread":
                self._start_thread()
            else:
                self._start_process()
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    @property
    def url(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "redis://%s:%d/0" % (host, self.port)

    def __repr__(self):
        return "<MiniRedisServer %s %s>" % (self.mode, self.url)

    def _directives(self):
        out = {"save": "", "dir": self._dir}
        for name, value in self.settings.items():
            out[name.replace("_", "-")] = value
        return out

    # --- thread mode ----------------------------------------------------------------
    def _start_thread(self):
        from .config import Config
        cfg = Config()
        for name, value in self._directives().items():
            words = value if isinstance(value, (list, tuple)) else [str(value)]
            cfg.set_from_text(name, [str(w) for w in words])
        cfg.bind = [self.host]
        cfg.port = self.port   # 0: the OS picks a free port when binding, no race
        ready = _original("threading", "Event")()
        state = {"error": None, "hub": None, "server": None}
        done = _original("threading", "Event")()
        self._thread_state = (state, done)

        def run():
            import gevent
            from .server import Server
            try:
                srv = Server(cfg)
                srv.start()
                state["server"] = srv
                state["hub"] = gevent.get_hub()
            except BaseException as e:
                state["error"] = e
                ready.set()
                done.set()
                return
            ready.set()
            try:
                srv.stopped.wait()
            finally:
                # Let the closes and kills scheduled by stop() run, then free the hub.
                gevent.sleep(0)
                done.set()
                state["hub"].destroy(destroy_loop=True)

        _original("_thread", "start_new_thread")(run, ())
        if not ready.wait(START_TIMEOUT):
            raise RuntimeError("miniredis did not start within %ds" % START_TIMEOUT)
        if state["error"] is not None:
            raise state["error"]
        self.port = state["server"].bound[0][1]

    def _stop_thread(self):
        state, done = self._thread_state
        hub, srv = state["hub"], state["server"]
        if hub is None or done.is_set():
            return
        hub.loop.run_callback_threadsafe(srv.stop)
        done.wait(START_TIMEOUT)

    # --- process mode ---------------------------------------------------------------
    def _start_process(self):
        for attempt in range(5):
            port = self.port or _free_port(self.host)
            cmd = [sys.executable, "-m", "miniredis", "--port", str(port), "--bind", self.host]
            for name, value in self._directives().items():
                words = value if isinstance(value, (list, tuple)) else [value]
                cmd += ["--" + name] + [str(w) for w in words]
            errpath = os.path.join(self._dir, "stderr.txt")
            with open(errpath, "wb") as errfile:
                self._proc = subprocess.Popen(cmd, cwd=self._dir, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.DEVNULL, stderr=errfile)
            if _wait_listening(self.host, port, self._proc):
                self.port = port
                return
            self._kill_process()
            with open(errpath, "rb") as f:
                err = f.read().decode("utf-8", "replace").strip()
            # Another program may have taken the port we picked: try another one.
            if self.port or "in use" not in err:
                raise RuntimeError("miniredis-server did not start: %s" % (err or "no reason given"))
        raise RuntimeError("miniredis-server did not start: no free port found")

    def _kill_process(self):
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    # --- both -----------------------------------------------------------------------
    def stop(self):
        """Stop the server and remove its directory; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.mode == "thread":
                self._stop_thread()
            else:
                self._kill_process()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)

    def flushall(self):
        """FLUSHALL over a plain socket (works with any client library installed)."""
        with socket.create_connection((self.host, self.port), timeout=10) as s:
            s.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
            reply = s.recv(100)
        if not reply.startswith(b"+OK"):
            raise RuntimeError("FLUSHALL failed: %r" % reply)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(mode="thread", **settings):
    """A running MiniRedisServer; call ``stop()`` when done (or use :func:`server`)."""
    return MiniRedisServer(mode=mode, **settings)


@contextlib.contextmanager
def server(mode="thread", **settings):
    """Start a server on a free port; yield its URL (``redis://127.0.0.1:<port>/0``)."""
    srv = MiniRedisServer(mode=mode, **settings)
    try:
        yield srv.url
    finally:
        srv.stop()


def _free_port(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _wait_listening(host, port, proc):
    """True once PING is answered; False if the process exits first (bounded)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(100).startswith(b"+PONG"):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False
