"""The network server on gevent.

Owns: listening sockets, the per-connection loop (recv -> reader -> dispatch
each complete request -> one sendall per batch), the client table, server
statistics, background greenlets (active expiry) and graceful stop.
Must not touch: command semantics (the dispatcher runs them), encoding rules
(the protocol module writes replies).
"""

import errno
import logging
import os
import socket
import time

import gevent
from gevent.event import Event
from gevent.server import StreamServer

from . import __version__, REDIS_VERSION
from . import commands  # noqa: F401  (registers every command)
from .config import Config
from .connection import Connection
from .dispatcher import Dispatcher
from .keyspace import Keyspace
from .protocol import BULK_HEADERS, CRLF, RequestReader, encode_into
from .replies import Simple

log = logging.getLogger("miniredis")

RECV_SIZE = 64 * 1024


def _reply_gate(conn, reply):
    """CLIENT REPLY OFF/SKIP: the reply to drop, if any (Redis' CLIENT_REPLY_* flags)."""
    mode = conn.reply_mode
    if mode == 2:      # CLIENT REPLY SKIP just ran: the next command is skipped
        conn.reply_mode = 3
        return None
    if mode == 3:
        conn.reply_mode = 0
        return None
    return None        # OFF


class Stats(object):
    def __init__(self):
        self.reset()
        self.total_connections_received = 0
        self.rejected_connections = 0

    def reset(self):
        self.total_commands_processed = 0
        self.total_error_replies = 0
        self.errorstats = {}
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.total_connections_received = getattr(self, "total_connections_received", 0)
        self.rejected_connections = getattr(self, "rejected_connections", 0)


class Server(object):
    def __init__(self, config=None, clock=None):
        self.config = config or Config()
        cfg = self.config
        kw = {"clock": clock} if clock else {}
        self.keyspace = Keyspace(cfg.databases, **kw)
        self.dispatcher = Dispatcher(self)
        self.stats = Stats()
        self.clients = {}
        self._next_id = 0
        self.start_time = time.time()
        self.listeners = []
        self.stopped = Event()
        self.shutdown_requested = False
        self.background = []
        self.run_id = os.urandom(20).hex()
        self.executable = None
        self.version = __version__
        self.redis_version = REDIS_VERSION
        self.bound = []  # (host, port) actually listening
        self.active_expire_enabled = True  # DEBUG SET-ACTIVE-EXPIRE
        self.config.on_set.append(self._config_changed)

    def _config_changed(self, name, value):
        """Apply a CONFIG SET to live state (existing clients' limits, auth)."""
        if name == "proto-max-bulk-len":
            for c in self.clients.values():
                c.reader.max_bulk_len = value
        elif name == "client-query-buffer-limit":
            for c in self.clients.values():
                c.reader.query_buffer_limit = value

    # --- lifecycle -------------------------------------------------------------
    def start(self):
        """Bind every address; raises OSError (e.g. EADDRINUSE) before serving anything."""
        cfg = self.config
        for host in cfg.bind:
            host = host.lstrip("-")  # '-::1' means "optional" in redis.conf
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, cfg.port))
                sock.listen(cfg.tcp_backlog)
            except OSError:
                sock.close()
                for s in self.listeners:
                    s.close()
                self.listeners = []
                raise
            sock.setblocking(False)
            srv = StreamServer(sock, self._handle)
            srv.start()
            self.listeners.append(srv)
            self.bound.append(sock.getsockname()[:2])
        self.background.append(gevent.spawn(self._cron))

    def serve_forever(self):
        self.start()
        self.stopped.wait()

    def stop(self):
        """Stop accepting, close clients, end background work; idempotent."""
        if self.stopped.is_set():
            return
        for srv in self.listeners:
            srv.close()
        for c in list(self.clients.values()):
            c.kill("shutdown")
        for g in self.background:
            g.kill(block=False)
        self.stopped.set()

    def request_shutdown(self):
        """SHUTDOWN / SIGTERM: stop soon, after the current reply is written."""
        self.shutdown_requested = True
        gevent.spawn_later(0, self.stop)

    # --- background -------------------------------------------------------------
    def _cron(self):
        """Active expiry at ``hz`` times a second, each pass bounded to 25% of its period."""
        while True:
            hz = max(1, min(500, self.config.hz or 10))
            gevent.sleep(1.0 / hz)
            self.keyspace.tick()  # the access tracker's cached second
            if not self.active_expire_enabled:
                continue
            try:
                self.keyspace.active_expire_cycle(time_budget_s=0.25 / hz)
            except Exception:
                log.exception("active expiry cycle failed")

    # --- connections -----------------------------------------------------------
    def new_client_id(self):
        self._next_id += 1
        return self._next_id

    def _handle(self, sock, addr):
        cfg = self.config
        self.stats.total_connections_received += 1
        if len(self.clients) >= cfg.maxclients:
            self.stats.rejected_connections += 1
            try:
                sock.sendall(b"-ERR max number of clients reached\r\n")
            except OSError:
                pass
            sock.close()
            return
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        conn = Connection(self, sock, addr, self.new_client_id())
        conn.greenlet = gevent.getcurrent()
        self.clients[conn.id] = conn
        try:
            self._serve(conn, sock)
        except OSError as e:
            if e.errno not in (errno.ECONNRESET, errno.EPIPE, errno.EBADF, errno.ENOTCONN):
                log.debug("client %d: %s", conn.id, e)
        finally:
            self.clients.pop(conn.id, None)
            for hook in self.on_disconnect:
                try:
                    hook(conn)
                except Exception:
                    log.exception("disconnect hook failed")
            conn.sock = None
            try:
                sock.close()
            except OSError:
                pass

    on_disconnect = []   # fn(conn): release subscriptions, blocked state, watches

    def _serve(self, conn, sock):
        # gevent's socket methods add a Python layer (and sendall a getsockopt
        # syscall) to every call; on this path we use the underlying
        # non-blocking socket and fall back to gevent only to wait.
        raw = sock._sock
        raw_recv = raw.recv
        raw_send = raw.send
        wait_readable = getattr(sock, "_wait", None)
        read_event = getattr(sock, "_read_event", None)
        if wait_readable is None:  # not a gevent socket as we know it: let gevent wait
            raw_recv = sock.recv
        reader = conn.reader
        dispatch = self.dispatcher.dispatch
        stats = self.stats
        _bytes, _int, _simple = bytes, int, Simple
        bulk_headers, crlf = BULK_HEADERS, CRLF
        while not conn.closing:
            # Clients wait for our replies before sending more, so the socket
            # is almost never readable right after a batch: waiting first
            # saves a failing recv (and its exception) per batch.
            if wait_readable is not None:
                wait_readable(read_event)
            try:
                data = raw_recv(RECV_SIZE)
            except BlockingIOError:
                continue
            if not data:
                return
            stats.net_input_bytes += len(data)
            conn.last_interaction = time.time()
            reqs, err = reader.feed(data)
            out = conn.out
            for argv in reqs:
                reply = dispatch(conn, argv)
                if conn.reply_mode:
                    reply = _reply_gate(conn, reply)
                t = type(reply)
                if t is _bytes:
                    n = len(reply)
                    if n < 1024:
                        out.extend((bulk_headers[n], reply, crlf))
                    else:
                        out.append(b"$%d\r\n%b\r\n" % (n, reply))
                elif t is _simple:
                    out.append(reply.raw)
                elif t is _int:
                    out.append(b":%d\r\n" % reply)
                elif reply is not None:
                    encode_into(reply, conn.proto, out)
                if conn.closing:
                    if conn.kill_reason == "security":
                        # Like Redis, an HTTP-looking request drops the client
                        # before anything of this read is answered.
                        out.clear()
                    break
                out = conn.out  # a command may have flushed (blocking ops, pushes)
            if err is not None and not conn.closing:
                if err is not RequestReader.CLOSE:
                    out.append(b"-%s\r\n" % err.encode())
                    log.debug("Protocol error (%s) from client: id=%d addr=%s", err, conn.id, conn.addr)
                else:
                    log.warning("Closing client that reached max query buffer length: id=%d addr=%s",
                                conn.id, conn.addr)
                conn.closing = True
            if out:
                data = b"".join(out) if len(out) > 1 else out[0]
                conn.out = []
                stats.net_output_bytes += len(data)
                try:
                    sent = raw_send(data)
                except BlockingIOError:
                    sent = 0
                if sent < len(data):
                    sock.sendall(memoryview(data)[sent:])
            if self.shutdown_requested:
                return

    # --- helpers for commands -----------------------------------------------------
    def uptime(self):
        return time.time() - self.start_time
