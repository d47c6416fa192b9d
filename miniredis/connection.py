"""Per-client state.

Owns: what the server knows of one client -- id, name, selected database,
protocol version, authentication, the request reader, the MULTI queue,
watched keys, subscriptions, blocking state, flags shown by CLIENT LIST.
Must not touch: command semantics (commands read and change this state
through plain attributes), the listening socket.

A Connection is the ``ctx`` every command function receives.
"""

import time

from .tracking import redirect_of
from . import errors
from .acl import of as acl_of, protected_refuses as acl_protected
from .protocol import RequestReader
from .replies import BLOCKED


class Connection(object):
    __slots__ = (
        "server", "sock", "id", "addr", "laddr", "fd", "name", "lib_name",
        "lib_ver", "db", "proto", "authenticated", "user", "reader",
        "created", "last_interaction", "closing", "kill_reason", "multi",
        "multi_error", "watched", "watch_dirty", "subscriptions", "psubscriptions",
        "blocked", "flags", "last_command", "out", "pending", "reading", "writing",
        "reply_mode", "prop", "block_request", "backlog", "deny_blocking",
        "ssubscriptions", "obuf_bytes", "obuf_soft_since",
        "typed", "context_hooks",
    )

    def __init__(self, server, sock, addr, client_id):
        self.server = server
        self.sock = sock
        self.id = client_id
        self.addr = _fmt_addr(addr)
        try:
            self.laddr = _fmt_addr(sock.getsockname()) if sock is not None else ""
            self.fd = sock.fileno() if sock is not None else -1
        except OSError:
            self.laddr, self.fd = "", -1
        self.name = None
        self.lib_name = None
        self.lib_ver = None
        self.db = server.keyspace.dbs[0]
        self.proto = 2
        # Typed values in replies (project extension): only after HELLO 3 TYPED or
        # once the connection has sent a typed value itself (Task Q4).
        self.typed = False
        # As Redis' createClient: authenticated while the default user is on and nopass.
        self.authenticated = acl_of(server).open_default()
        self.user = "default"
        cfg = server.config
        self.reader = RequestReader(cfg.proto_max_bulk_len, cfg.client_query_buffer_limit)
        self.reader.auth_required = not self.authenticated
        now = time.time()
        self.created = now
        self.last_interaction = now
        self.closing = False       # close after the replies already queued are sent
        self.kill_reason = None
        self.multi = None          # list of queued requests while in MULTI
        self.multi_error = False   # EXECABORT pending
        self.watched = None        # {(db_index, key), ...}
        self.watch_dirty = False
        self.subscriptions = None
        self.psubscriptions = None
        self.ssubscriptions = None  # shard channels (SSUBSCRIBE); all three owned by pubsub.py
        self.blocked = None
        self.flags = ""
        self.last_command = b"NULL"
        self.out = []              # encoded replies waiting for the batch write
        self.pending = None        # output the socket has not taken yet (server.write)
        self.reading = self.writing = None   # the server's io watchers
        self.reply_mode = 0        # CLIENT REPLY: 0 on, 1 off, 2 skip next, 3 skipping this one
        self.prop = None           # what the running command propagates instead of itself
        self.block_request = None  # (keys, timeout_s, timeout_reply) asked by ctx.block()
        self.backlog = None        # requests read while blocked: ([argv, ...], protocol error)
        self.deny_blocking = False # inside EXEC or a script: blocking commands time out at once
        # This client's own context rules (Dispatcher.add_rule with conn: ACL while
        # its user is restricted, subscribed mode, tracking), run by rank with
        # the rules of every client; None: it has none (its plain path is open).
        self.context_hooks = None
        self.obuf_bytes = 0        # bytes in ``pending`` (client-output-buffer-limit)
        self.obuf_soft_since = None  # when the pending output went over the soft limit
        if sock is not None and acl_protected(server, addr):
            _refuse(sock)

    # --- the call seam: what a command says about itself ------------------------------
    # Commands receive the connection as ``ctx`` and report their effects here,
    # instead of the engine guessing them (see events.py and blocking.py).

    def notify(self, cls, event, key):
        """A keyspace event of class ``cls`` (events.LIST, ...) named ``event`` on key."""
        ev = self.server.events
        if ev.keyspace_listeners:
            ev.notify(cls, event, key, self.db.index)

    def notify_each(self, cls, event, keys):
        """notify() for every key of ``keys``, in order."""
        ev = self.server.events
        if ev.keyspace_listeners:
            for key in keys:
                ev.notify(cls, event, key, self.db.index)

    def propagate_as(self, *argvs):
        """Propagate these commands instead of the one received (none: propagate nothing).

        Effects are propagated when the command changed the dataset; a
        command that states its effect here is propagated even if not.
        """
        if self.server.events.propagate_listeners:
            self.prop = argvs

    def block(self, keys, timeout, timeout_reply):
        """Block this client on keys for ``timeout`` seconds (0: forever); return the result.

        The command returns what this returns. When one of ``keys`` is
        changed, the command runs again with the same arguments, and answers
        (or blocks again) then; on timeout the client gets ``timeout_reply``.
        Inside EXEC or a script the client cannot block: the timeout reply
        is returned at once.
        """
        if self.deny_blocking:
            return timeout_reply
        self.block_request = (keys, timeout, timeout_reply)
        return BLOCKED

    # --- protocol / auth -------------------------------------------------------
    def set_protocol(self, proto):
        self.proto = proto
        self.reader.typed = proto == 3

    def set_authenticated(self, user="default"):
        self.authenticated = True
        self.user = user
        self.reader.auth_required = False
        self.server.dispatcher.acl.refresh(self)

    def select(self, index):
        self.db = self.server.keyspace.dbs[index]

    # --- output ---------------------------------------------------------------
    def flush(self):
        """Send the replies queued so far (before blocking, or for pushes)."""
        if self.out:
            data = b"".join(self.out)
            self.out = []
            self.server.write(self, data)

    def kill(self, reason="killed"):
        """Close this client (CLIENT KILL, SHUTDOWN): at once, or after the reply it is
        producing when it is the client being served."""
        self.closing = True
        self.kill_reason = reason
        self.server.kill_client(self)

    def info_line(self, running=(0, 0)):
        """One CLIENT LIST / CLIENT INFO line, fields in Redis 7.0's order.

        ``running`` is (request bytes, argument bytes) of the command this
        client is executing: Redis still holds it in qbuf and argv-mem.
        """
        now = time.time()
        multi = -1 if self.multi is None else len(self.multi)
        # Letters in the order of Redis 7.0's getClientInfoString; self.flags
        # holds the ones set by commands (e.g. 'e' from CLIENT NO-EVICT).
        flags = "".join((
            "P" if self.subscriptions or self.psubscriptions or self.ssubscriptions else "",
            "x" if self.multi is not None else "",
            "b" if self.blocked is not None else "",
            "d" if self.watch_dirty else "",
            "c" if self.closing else "",
            self.flags)) or "N"
        sub = len(self.subscriptions) if self.subscriptions else 0
        psub = len(self.psubscriptions) if self.psubscriptions else 0
        ssub = len(self.ssubscriptions) if self.ssubscriptions else 0
        # Output the socket has not taken yet: Redis' reply list (oll entries, omem bytes).
        oll = len(self.pending) if self.pending else 0
        omem = self.obuf_bytes if self.pending else 0
        qbuf = self.reader.pending() + running[0]
        return (
            "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d "
            "sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d "
            "multi-mem=0 rbs=%d rbp=%d obl=0 oll=%d omem=%d tot-mem=%d events=%s "
            "cmd=%s user=%s redir=%d resp=%d" % (
                self.id, self.addr, self.laddr, self.fd, _name(self.name),
                int(now - self.created), int(now - self.last_interaction), flags,
                self.db.index, sub, psub, ssub, multi, qbuf, 0, running[1], 16384, 0,
                oll, omem, 20000 + qbuf + omem, "rw" if oll else "r",
                self.last_command.decode("utf-8", "replace").lower(),
                self.user, redirect_of(self), self.proto))


def _refuse(sock):
    """Protected mode: Redis' DENIED reply, then the connection ends. Shutting the
    socket down makes the server's read watcher see end-of-file and drop the client."""
    try:
        sock.send(errors.PROTECTED_MODE_DENIED.encode())
        sock.shutdown(2)
    except OSError:
        pass


def _name(n):
    if n is None:
        return ""
    return n.decode("utf-8", "replace") if isinstance(n, bytes) else n


def _fmt_addr(addr):
    if not addr:
        return ""
    if isinstance(addr, str):
        return addr
    host, port = addr[0], addr[1]
    if ":" in host:
        return "[%s]:%d" % (host, port)
    return "%s:%d" % (host, port)
