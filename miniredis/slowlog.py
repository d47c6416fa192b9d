"""The slow log and what the dispatcher's slow path feeds (SLOWLOG, LATENCY).

Owns: the slow log entries (id, time, duration, trimmed and redacted
arguments, peer, client name), the threshold the dispatcher compares each
measured duration with (``Dispatcher.slow``: the smaller of
slowlog-log-slower-than and latency-monitor-threshold, in seconds; infinite
when both are off, so a plain command pays one float comparison), and the
redaction of secrets (shared with MONITOR). Must not touch: command
execution, sockets.
"""

import time
from collections import deque

from .dispatcher import SHARED_TIMING_FLOOR
from .latency import Latency

MAX_ARGS = 32        # Redis' SLOWLOG_ENTRY_MAX_ARGC
MAX_STRING = 128     # Redis' SLOWLOG_ENTRY_MAX_STRING
REDACTED = b"(redacted)"
# Parameters whose values CONFIG SET hides (Redis 7.0's SENSITIVE_CONFIG).
_SENSITIVE_CONFIG = frozenset((b"requirepass", b"masterauth", b"masteruser"))


def install(server):
    """Create the server's slow log and latency monitor and wire the dispatcher's slow path."""
    server.slowlog = SlowLog(server)
    server.latency = Latency(server)
    server.dispatcher.on_slow = _on_slow(server)
    server.config.on_set.append(lambda name, value: _config_changed(server, name))
    _config_changed(server, "slowlog-log-slower-than")


def _config_changed(server, name):
    if name in ("slowlog-log-slower-than", "latency-monitor-threshold"):
        cfg = server.config
        limits = []
        if cfg.slowlog_log_slower_than >= 0:
            limits.append(cfg.slowlog_log_slower_than / 1e6)
        if cfg.latency_monitor_threshold > 0:
            limits.append(cfg.latency_monitor_threshold / 1e3)
        slow = min(limits) if limits else float("inf")
        server.dispatcher.slow[0] = slow
        server.dispatcher.shared_timing[0] = slow >= SHARED_TIMING_FLOOR


def _on_slow(server):
    slowlog, latency, cfg = server.slowlog, server.latency, server.config

    def on_slow(conn, spec, argv, seconds):
        if conn.sock is None:
            return   # replaying the append-only log: Redis' loading client is not logged
        usec = int(seconds * 1e6)
        if cfg.latency_monitor_threshold > 0:
            latency.add("fast-command" if spec.is_fast else "command", usec // 1000)
        limit = cfg.slowlog_log_slower_than
        if 0 <= limit <= usec and "skip_slowlog" not in spec.flags:
            slowlog.record(conn, argv, usec)
    return on_slow


def redact(argv):
    """argv as Redis shows it in the slow log and MONITOR: secrets replaced."""
    name = argv[0].lower() if type(argv[0]) is bytes else b""
    hide = ()
    if name == b"auth":
        hide = range(1, len(argv))
    elif name == b"hello":
        hide = _after_tokens(argv, 2, {b"auth": 2})
    elif name == b"migrate":
        hide = _after_tokens(argv, 6, {b"auth": 1, b"auth2": 2})
    elif name in (b"acl", b"config") and len(argv) > 2:
        sub = argv[1].lower() if type(argv[1]) is bytes else b""
        if name == b"acl" and sub == b"setuser":
            hide = range(2, len(argv))
        elif name == b"config" and sub == b"set":
            hide = [i + 1 for i in range(2, len(argv) - 1, 2)
                    if type(argv[i]) is bytes and argv[i].lower() in _SENSITIVE_CONFIG]
    if not hide:
        return argv
    out = list(argv)
    for i in hide:
        if i < len(out):
            out[i] = REDACTED
    return out


def _after_tokens(argv, start, tokens):
    """Positions of the n arguments following each token (AUTH user pass ...)."""
    hide = []
    i = start
    while i < len(argv):
        a = argv[i]
        n = tokens.get(a.lower()) if type(a) is bytes else None
        if n:
            hide.extend(range(i + 1, i + 1 + n))
            i += n
        i += 1
    return hide


def as_bytes(a):
    if type(a) is bytes:
        return a
    if isinstance(a, (bytes, bytearray)):
        return bytes(a)
    return str(a).encode()


def peer_id(conn):
    """The client's address as Redis' getClientPeerId: '?:0' for a script's calls."""
    if in_script(conn):
        return b"?:0"
    return conn.addr.encode() if conn.addr else b"?:0"


def in_script(conn):
    """True while conn's command runs inside a script (redis.call)."""
    host = getattr(conn.server, "scripting", None)
    run = getattr(host, "current", None) if host is not None else None
    return run is not None and run.ctx is conn


class SlowLog(object):
    def __init__(self, server):
        self.server = server
        self.entries = deque()   # newest first
        self.next_id = 0

    def record(self, conn, argv, usec):
        args = _trim(redact(argv))
        script = in_script(conn)
        name = b"" if script or not conn.name else conn.name
        self.entries.appendleft((self.next_id, int(time.time()), usec, args, peer_id(conn),
                                 as_bytes(name)))
        self.next_id += 1
        limit = self.server.config.slowlog_max_len
        while len(self.entries) > limit:
            self.entries.pop()

    def reset(self):
        self.entries.clear()


def _trim(argv):
    n = len(argv)
    keep = min(n, MAX_ARGS)
    out = []
    for j in range(keep):
        if keep != n and j == keep - 1:
            out.append(b"... (%d more arguments)" % (n - keep + 1))
            break
        a = as_bytes(argv[j])
        if len(a) > MAX_STRING:
            a = a[:MAX_STRING] + b"... (%d more bytes)" % (len(a) - MAX_STRING)
        out.append(a)
    return out
