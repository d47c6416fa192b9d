"""Clients blocked on keys (BLPOP, BZPOPMIN, ...): who waits, and when to wake them.

Owns: the waiters of every key (first come, first served), their timeouts,
serving them after the command that made a key ready, and releasing a
waiter that disconnects, is killed or is unblocked (CLIENT UNBLOCK). Must
not touch: sockets (the server writes the reply and resumes the client's
input), command semantics (a waiter is served by running its own command
again).

A command blocks by returning ``ctx.block(keys, timeout, timeout_reply)``
(see Connection.block); the dispatcher then parks the client here. The
keyspace reports a change to a key someone waits on (``Keyspace.ready``);
after the outermost call that made it -- a whole EXEC or script later --
the dispatcher calls :meth:`Blocking.serve_ready`, which runs each waiter's
command again in arrival order, as Redis' ``handleClientsBlockedOnKeys``:
a waiter that finds data is answered and unblocked, one that does not stays
where it is in the queue. A served waiter can make other keys ready (BLMOVE
pushes to its destination); those are served in the same pass.

Timeouts are absolute times on the keyspace clock, so a test with an
injected clock moves time and calls :meth:`check_timeouts`; a libev timer
per waiter calls it on time in production.
"""

from collections import deque

from . import errors
import re

from .datatypes import FLOAT_DEC_RE, FLOAT_HEX_RE, FLOAT_INF_RE, parse_int
from .errors import CommandError
from .replies import BLOCKED, Error

ENGINE_READY = True

# A non-zero digit before any exponent: "1e-400" is not a zero timeout.
_NONZERO = re.compile(rb"[+-]?(0[xX][0-9a-fA-F.]*[1-9a-fA-F]|[0-9.]*[1-9])")


def parse_timeout(arg, unit_ms=False):
    """A blocking timeout in seconds (0: forever), with Redis 7.0's errors.

    Seconds are a long double in Redis (strtold: decimal, hex, inf; no
    spaces, no nan); ``unit_ms`` (XREAD BLOCK) takes an integer of ms.
    """
    if unit_ms:
        ms = parse_int(arg, errors.TIMEOUT_NOT_INTEGER)
    else:
        if not (FLOAT_DEC_RE.match(arg) or FLOAT_HEX_RE.match(arg) or FLOAT_INF_RE.match(arg)):
            raise CommandError(errors.TIMEOUT_NOT_FLOAT)
        try:
            secs = float.fromhex(arg.decode()) if FLOAT_HEX_RE.match(arg) else float(arg)
        except (OverflowError, ValueError):
            raise CommandError(errors.TIMEOUT_NOT_FLOAT)
        ms = secs * 1000.0
        # Redis converts the rounded-up milliseconds to a 64-bit integer: a value
        # past its range comes out negative, and is refused as such.
        if ms < 0 or ms >= 2.0 ** 63:
            raise CommandError(errors.NOT_NEGATIVE_TIMEOUT)
        if ms == 0 and _NONZERO.match(arg):
            ms = 1.0   # below a double's range, yet not zero for Redis' long double
        ms = int(-(-ms // 1))
    if ms < 0:
        raise CommandError(errors.NOT_NEGATIVE_TIMEOUT)
    return ms / 1000.0


def source(ctx, key, cls):
    """A blocking command's key to serve from (write lookup), or None.

    On a wake-up (the client is blocked and its command runs again) a key
    that now holds another type counts as empty: the waiter stays blocked,
    as in Redis 7.0. On the first call it is a WRONGTYPE error.
    """
    v = ctx.db.get(key)
    if v is None or type(v) is cls:
        return v
    if ctx.blocked is not None:
        return None
    raise CommandError(errors.WRONGTYPE)


def serving_order(ctx, keys):
    """The keys a blocking pop tries, in order: on a wake-up the key that became
    ready comes first, as Redis serves a waiter from the key that was signalled;
    otherwise the order of the arguments."""
    w = ctx.blocked
    if w is None or w.ready is None or w.ready not in keys:
        return keys
    return [w.ready] + [k for k in keys if k != w.ready]


class Waiter(object):
    """One blocked client: its command, the keys it waits on, its deadline."""

    __slots__ = ("conn", "spec", "argv", "keys", "deadline", "timer", "timeout_reply", "ready")

    def __init__(self, conn, spec, argv, keys, deadline, timeout_reply):
        self.conn = conn
        self.spec = spec
        self.argv = argv
        self.keys = keys          # [(db_index, key), ...] without duplicates
        self.deadline = deadline  # keyspace-clock ms, or None for no timeout
        self.timer = None
        self.timeout_reply = timeout_reply
        self.ready = None         # the key whose change runs the command again


class Blocking(object):
    def __init__(self, server):
        self.server = server
        ks = server.keyspace
        self.keyspace = ks
        # (db_index, key) -> deque of Waiters, oldest first. The keyspace holds
        # the same dict to know which changes matter (Keyspace.blocked_keys).
        self.waiting = ks.blocked_keys
        self.count = 0         # blocked clients, for INFO
        self._serving = False

    # --- blocking ---------------------------------------------------------------------
    def park(self, conn, spec, argv):
        """The command just run returned BLOCKED: register the client (or keep it in place)."""
        keys, timeout, timeout_reply = conn.block_request
        conn.block_request = None
        if conn.blocked is not None:
            return   # ran again on a wake-up and found nothing: keeps its place
        dbi = conn.db.index
        wkeys = []
        for k in keys:
            if (dbi, k) not in wkeys:
                wkeys.append((dbi, k))
        deadline = None
        if timeout > 0:
            deadline = self.keyspace.clock() + int(round(timeout * 1000))
        w = Waiter(conn, spec, argv, wkeys, deadline, timeout_reply)
        for wk in wkeys:
            q = self.waiting.get(wk)
            if q is None:
                q = self.waiting[wk] = deque()
            q.append(w)
        conn.blocked = w
        self.count += 1
        if deadline is not None:
            self._arm(w, timeout)

    def _arm(self, w, seconds):
        w.timer = self.server.loop.timer(seconds)
        w.timer.start(self._on_timer, w)

    def _on_timer(self, w):
        """A waiter's timer fired: answer it if due, else wait the rest (libev's
        cached time can make a timer fire before the clock reaches the deadline)."""
        if w.conn.blocked is not w:
            return
        left = w.deadline - self.keyspace.clock()
        if left <= 0:
            self.timeout(w)
        else:
            w.timer.stop()
            w.timer.close()
            self._arm(w, left / 1000.0)

    def _release(self, w):
        """Forget a waiter everywhere (served, timed out, unblocked, disconnected)."""
        for wk in w.keys:
            q = self.waiting.get(wk)
            if q is not None:
                try:
                    q.remove(w)
                except ValueError:
                    pass
                if not q:
                    del self.waiting[wk]
        if w.timer is not None:
            w.timer.stop()
            w.timer.close()
            w.timer = None
        if w.conn.blocked is w:
            w.conn.blocked = None
            self.count -= 1

    # --- waking -------------------------------------------------------------------------
    def serve_ready(self):
        """Serve the waiters of every key made ready by the call that just ended."""
        if self._serving:
            return   # a served waiter made keys ready: the running pass takes them
        ks = self.keyspace
        self._serving = True
        try:
            while ks.ready:
                ready, ks.ready = ks.ready, []
                for wk in ready:
                    q = self.waiting.get(wk)
                    if q:
                        self._serve_key(q, wk[1])
        finally:
            self._serving = False

    def _serve_key(self, q, key):
        for w in list(q):
            if w.conn.blocked is not w:
                continue
            w.ready = key
            reply = self.server.dispatcher.retry(w.conn, w.spec, w.argv)
            if reply is BLOCKED:
                continue
            self._release(w)
            self.server.unblocked(w.conn, reply)

    def check_timeouts(self, now=None):
        """Answer the waiters whose deadline has passed (timer callback; tests call it)."""
        if now is None:
            now = self.keyspace.clock()
        late = set()
        for q in self.waiting.values():
            for w in q:
                if w.deadline is not None and w.deadline <= now:
                    late.add(w)
        for w in sorted(late, key=lambda w: w.deadline):
            self.timeout(w)

    def timeout(self, w, reply=None):
        """End a wait without data: the timeout reply (or ``reply``), counted as one call."""
        if w.conn.blocked is not w:
            return
        self._release(w)
        w.spec.calls += 1
        if reply is None:
            reply = w.timeout_reply
            if callable(reply):
                reply = reply()   # computed when due (WAIT: the replicas that acknowledged)
        self.server.unblocked(w.conn, reply)

    # --- releasing ---------------------------------------------------------------------
    def unblock(self, conn, as_error):
        """CLIENT UNBLOCK: answer the timeout reply, or the UNBLOCKED error."""
        w = conn.blocked
        if w is None:
            return False
        self.timeout(w, Error(errors.UNBLOCKED) if as_error else None)
        return True

    def disconnected(self, conn):
        w = conn.blocked
        if w is not None:
            self._release(w)
