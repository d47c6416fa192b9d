"""CLIENT PAUSE / UNPAUSE: clients whose commands wait until the pause ends.

Owns: the pause (its end time and mode, WRITE or ALL), the clients postponed
by it in arrival order, and its end (timer or CLIENT UNPAUSE), when each
postponed command runs again from the start, as Redis 7.0 reprocesses them.
A context hook, registered only while paused, postpones a command by
parking its client (``conn.blocked`` holds a Waiter with no keys, so the
client's further input waits and INFO counts it as blocked). Must not touch:
command semantics. While paused, keys' expiry is held back too (keyspace's
``expire_paused``: a key past its TTL reads as gone and is removed afterwards),
as in Redis 7.0.
"""

import time

from .blocking import Waiter
from .replies import BLOCKED
from .rules import RULE_PAUSE

WRITE, ALL = 1, 2

# Commands Redis 7.0 flags MAY_REPLICATE (not shown by COMMAND INFO): paused by WRITE.
_MAY_REPLICATE = frozenset(("publish", "spublish", "pfcount", "fcall", "eval", "evalsha",
                            "function|load", "function|delete", "function|flush",
                            "function|restore"))


def pauses(server):
    p = getattr(server, "pause", None)
    if p is None:
        p = server.pause = Pause(server)
    return p


class Pause(object):
    def __init__(self, server):
        self.server = server
        self.mode = 0          # 0: not paused
        self.end = 0.0         # time.monotonic() when the pause ends
        self.timer = None
        self.waiting = []      # Waiters, oldest first

    def pause(self, ms, mode):
        end = time.monotonic() + ms / 1000.0
        if not self.mode:
            # Before MONITOR's (it shows EVAL before it runs: not before it is paused).
            self.server.dispatcher.add_rule(self._hook, RULE_PAUSE)
        self.mode = max(self.mode, mode)
        self.server.keyspace.expire_paused = True
        if end > self.end or self.timer is None:
            self.end = max(end, self.end)
            self._arm()

    def _arm(self):
        if self.timer is not None:
            self.timer.stop()
            self.timer.close()
        self.timer = self.server.loop.timer(max(0.0, self.end - time.monotonic()))
        self.timer.start(self._on_timer)

    def _on_timer(self):
        left = self.end - time.monotonic()
        if left > 0:
            self._arm()   # libev's cached time fired it early
        else:
            self.unpause()

    def unpause(self):
        """End the pause: run the postponed commands again, oldest first."""
        if not self.mode:
            return
        self.mode = 0
        self.end = 0.0
        self.server.keyspace.expire_paused = False
        if self.timer is not None:
            self.timer.stop()
            self.timer.close()
            self.timer = None
        self.server.dispatcher.remove_rule(self._hook)
        waiting, self.waiting = self.waiting, []
        # After the current command's reply, as Redis resumes them from its event loop.
        self.server.loop.run_callback(self._resume, waiting)

    def _resume(self, waiting):
        server = self.server
        for w in waiting:
            conn = w.conn
            if conn.blocked is not w or conn.sock is None:
                continue
            conn.blocked = None
            server.blocking.count -= 1
            prev, server.serving = server.serving, conn
            try:
                reply = server.dispatcher.dispatch(conn, w.argv)
            finally:
                server.serving = prev
            if reply is not BLOCKED:
                server.unblocked(conn, reply)
            if server.keyspace.ready:
                server.blocking.serve_ready()

    def _hook(self, conn, spec, argv):
        if conn.sock is None:
            return None   # replaying the append-only log
        # Checked before MULTI queueing, as Redis: a write is paused even when queued.
        if self.mode == ALL or self._writes(conn, spec, argv):
            w = Waiter(conn, spec, argv, [], None, None)
            conn.blocked = w
            self.server.blocking.count += 1
            self.waiting.append(w)
            return BLOCKED
        return None

    def _writes(self, conn, spec, argv):
        if spec.name == "exec":
            return bool(conn.multi) and any(_writes(s, a) for s, a in conn.multi)
        return _writes(spec, argv, self.server)


def _writes(spec, argv, server=None):
    if spec.is_write:
        return True
    if spec.fullname not in _MAY_REPLICATE:
        return False
    if spec.name in ("eval", "evalsha") and server is not None:
        return not _no_writes_script(spec, argv, server)
    return True


def _no_writes_script(spec, argv, server):
    from .scripting.host import parse_shebang, scripting
    try:
        if spec.name == "eval":
            flags = parse_shebang(argv[1])[0]
        else:
            s = scripting(server).scripts.get(argv[1].lower())
            flags = s.flags if s is not None else None
    except Exception:
        return False
    return flags is not None and "no-writes" in flags
