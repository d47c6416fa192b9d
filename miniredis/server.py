"""The network server on gevent.

Owns: listening sockets, the per-connection read path (recv -> reader ->
dispatch each complete request -> one send per batch), output that the
socket could not take at once and its client-output-buffer-limit (a client
whose unsent output grows past its class's limit is closed: a subscriber
that stops reading never stalls anyone), the client table, server statistics,
background greenlets (active expiry) and graceful stop.
Must not touch: command semantics (the dispatcher runs them), encoding rules
(the protocol module writes replies).

Connections are accepted by gevent's StreamServer, its handler run in the
hub (``_Acceptor``), and then driven by libev io watchers on gevent's loop,
like Redis' event loop: a readable socket calls ``_on_readable`` in the hub, which reads
and answers everything that arrived, without a greenlet per client (two
greenlet switches per read were a large share of the time per request).
Command code therefore must not block on gevent; work that waits (later:
blocking pops) registers itself and answers from another callback.
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
from .blocking import Blocking
from .dispatcher import Dispatcher
from .events import Events
from .info import OBUF_PEAK_SECONDS
from .keyspace import Keyspace
from .notifications import Notifications
from .persistence.snapshot import Snapshots
from .pubsub import PubSub, subscribed
from .replication import Replication
from .replica_link import MasterLink
from .watch import Watches
from .dispatcher import advance_reply_mode
from .protocol import RequestReader, encode_into
from . import latencyhist, slowlog
from . import errors
from .config import ConfigError
from .daemon import VERBOSE

log = logging.getLogger("miniredis")


def _append_only(server):
    """The append-only log object (persistence/aof.py), or None while that module is absent."""
    try:
        from .persistence.aof import AppendOnly
    except ImportError:
        return None
    return AppendOnly(server)


RECV_SIZE = 64 * 1024
# Redis' PROTO_REPLY_CHUNK_BYTES: the client's own reply buffer, which the
# output limits do not count.
REPLY_CHUNK_BYTES = 16 * 1024
_READ, _WRITE = 1, 2   # libev event masks


class _Discard(list):
    """The pending output of a client closed for its output buffer: takes and keeps nothing."""

    __slots__ = ()

    def append(self, data):
        pass


_DISCARD = _Discard()


class Stats(object):
    """Counters INFO shows; CONFIG RESETSTAT zeroes them (command counts live on the specs)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total_error_replies = 0
        self.errorstats = {}
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.total_connections_received = 0
        self.rejected_connections = 0
        self.obuf_disconnections = 0   # clients closed by client-output-buffer-limit
        self.sync_full = 0             # replication: full resynchronizations
        self.sync_partial_ok = 0       # PSYNCs continued from the backlog
        self.sync_partial_err = 0      # PSYNCs of a known history that could not continue


class Server(object):
    def __init__(self, config=None, clock=None):
        self.config = config or Config()
        cfg = self.config
        kw = {"clock": clock} if clock else {}
        self.keyspace = Keyspace(cfg.databases, **kw)
        self.loop = gevent.get_hub().loop
        self.events = Events(self.keyspace)
        self.blocking = Blocking(self)
        self.watches = Watches(self.keyspace)
        self.dispatcher = Dispatcher(self)
        self.stats = Stats()
        self.clients = {}
        self._next_id = 0
        self.start_time = time.time()
        self.listeners = []
        self.stopped = Event()
        self.background = []
        self.run_id = os.urandom(20).hex()
        self.executable = None
        self.version = __version__
        self.redis_version = REDIS_VERSION
        self.bound = []  # (host, port) actually listening
        self.serving = None   # the client whose requests are running now
        # fn(conn): release subscriptions, blocked state, watches
        self.on_disconnect = [self.blocking.disconnected, self.watches.unwatch_all]
        self.active_expire_enabled = True  # DEBUG SET-ACTIVE-EXPIRE
        self.config.on_set.append(self._config_changed)
        slowlog.install(self)   # slow log + latency monitor on the dispatcher's slow path
        self.pubsub = PubSub(self)
        self.notifications = Notifications(self)
        self.obuf_peak = (0, 0.0)   # (largest pending output seen, when): INFO's recent max
        # Persistence: snapshots (SAVE, BGSAVE, save points), the append-only
        # log when its module is present, the load under way at start-up.
        self.loading = None
        self.shutting_down = False
        self.snapshots = Snapshots(self)
        self.replication = Replication(self)
        self.master_link = MasterLink(self)
        # Commands for the append-only log not written yet: written (and with
        # appendfsync always fsynced) by aof_write() before any reply leaves.
        self.aof_buf = []
        self.aof_write = None
        self._soon = []   # clients with output queued by write_soon()
        self.aof = _append_only(self)

    def _config_changed(self, name, value):
        """Apply a CONFIG SET to live state (existing clients' limits, auth)."""
        if name == "latency-tracking":
            self.dispatcher.latency_tracking[0] = value
        elif name == "proto-max-bulk-len":
            for c in self.clients.values():
                c.reader.max_bulk_len = value
        elif name == "client-query-buffer-limit":
            for c in self.clients.values():
                c.reader.query_buffer_limit = value

    # --- lifecycle -------------------------------------------------------------
    def start(self):
        """Bind every address; raises OSError (e.g. EADDRINUSE) before serving anything."""
        cfg = self.config
        self.listeners, self.bound = self._listen(cfg.bind, cfg.port)
        # CONFIG SET port / bind rebind as Redis 7.0 does (Task Q4).
        cfg.appliers["port"] = self._apply_port
        cfg.appliers["bind"] = self._apply_bind
        cfg.appliers["maxclients"] = self._apply_maxclients
        self.background.append(gevent.spawn(self._cron))
        if cfg.replicaof:
            host, port = cfg.replicaof.rsplit(" ", 1)
            self.master_link.set_master(host, int(port))

    def _listen(self, hosts, port):
        """([(sock, watcher)], [(host, port)]) listening on every address.

        '*' and '::*' are the wildcards of redis.conf; a '-' prefix marks an
        address that may be unavailable on this host (skipped, as Redis does).
        On any other failure what was opened is closed and OSError raised.
        """
        listeners, bound = [], []
        for word in hosts:
            host = {"*": "0.0.0.0", "::*": "::"}.get(word.lstrip("-"), word.lstrip("-"))
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = None
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                sock.listen(self.config.tcp_backlog)
            except OSError as e:
                if sock is not None:
                    sock.close()
                if word.startswith("-") and e.errno in _OPTIONAL_BIND_ERRORS:
                    continue
                _close_listeners(listeners)
                raise
            sock.setblocking(False)
            acceptor = _Acceptor(sock, self._new_client)
            acceptor.start()
            listeners.append((sock, acceptor))
            bound.append(sock.getsockname()[:2])
        return listeners, bound

    def _apply_port(self, port):
        # Redis' changeListenPort: the old listeners close first, then the new
        # port is bound; a failure is rolled back by re-applying the old port.
        _close_listeners(self.listeners)
        self.listeners, self.bound = [], []
        if port == 0:
            return   # no TCP listener at all (in-process servers start on port 0 = any)
        try:
            self.listeners, self.bound = self._listen(self.config.bind, port)
        except OSError:
            raise ConfigError(errors.CONFIG_PORT_UNAVAILABLE)

    def _apply_bind(self, hosts):
        # Redis' changeBindAddr: close, bind the new addresses; on failure the
        # rollback binds the old ones again.
        _close_listeners(self.listeners)
        self.listeners, self.bound = [], []
        try:
            self.listeners, self.bound = self._listen(hosts, self.config.port)
        except OSError:
            log.warning("Failed to bind, trying to restore old listening sockets.")
            raise ConfigError(errors.CONFIG_BIND_FAILED)

    def _apply_maxclients(self, value):
        # Redis' updateMaxclients: more clients need more descriptors; when the
        # system cannot give them, the change is refused (and rolled back).
        from .limits import StartupError, adjust_open_files_limit
        try:
            adjust_open_files_limit(self.config, log)
        except StartupError:
            self.config.maxclients = 0
        if self.config.maxclients != value:
            raise ConfigError(errors.CONFIG_MAXCLIENTS_FMT % self.config.maxclients)

    def serve_forever(self):
        self.start()
        self.stopped.wait()

    def stop(self):
        """Stop accepting, close clients, end background work; idempotent."""
        if self.stopped.is_set():
            return
        _close_listeners(self.listeners)
        self.listeners = []
        for c in list(self.clients.values()):
            self.close_client(c)
        for g in self.background:
            g.kill(block=False)
        self.snapshots.kill_child()   # no child outlives its server
        self.replication.stop()
        self.master_link.stop()
        if self.aof is not None and self.aof.on:
            try:
                self.aof.stop()   # flushed and closed (in-process servers too)
            except Exception:
                log.exception("closing the append only file failed")
        self.stopped.set()

    def request_shutdown(self):
        """SHUTDOWN / SIGTERM: stop soon, after the current reply is written."""
        gevent.spawn_later(0, self.stop)

    # --- background -------------------------------------------------------------
    def _cron(self):
        """Active expiry at ``hz`` times a second, each pass bounded to 25% of its period."""
        from .memtrim import Trimmer
        trimmer = Trimmer(self.keyspace)
        while True:
            hz = max(1, min(500, self.config.hz or 10))
            gevent.sleep(1.0 / hz)
            self.keyspace.tick()  # the access tracker's cached second
            latencyhist.fold_all(self)   # bounds the per-call samples kept
            trimmer.cron()   # freed C heap back to the system after bulk changes
            try:
                self._clients_cron(time.time())
            except Exception:
                log.exception("clients cron failed")
            try:
                self.snapshots.cron()   # reap a BGSAVE child, save points
            except Exception:
                log.exception("snapshot cron failed")
            if not self.active_expire_enabled:
                continue
            try:
                self.keyspace.active_expire_cycle(time_budget_s=0.25 / hz)
            except Exception:
                log.exception("active expiry cycle failed")
            if self.events.ops:
                # DELs of keys expired here go out now, not with the next command.
                self.events.flush_each()

    _next_client_cron = 0.0
    _next_report = 0.0

    def _clients_cron(self, now):
        """Once a second: close idle clients (timeout); every 5 s the debug/verbose report."""
        if now < self._next_client_cron:
            return
        self._next_client_cron = now + 1.0
        idle = self.config.timeout
        if idle:
            for conn in list(self.clients.values()):
                # As Redis' clientsCronHandleTimeout: never subscribers, blocked
                # clients (their own timeout applies), monitors (flag O) or
                # replicas (S: repl-timeout applies).
                if (now - conn.last_interaction > idle and conn.blocked is None
                        and not subscribed(conn) and "O" not in conn.flags
                        and "S" not in conn.flags
                        and conn is not self.serving):
                    log.log(VERBOSE, "Closing idle client")
                    self.close_client(conn)
        if now >= self._next_report and log.isEnabledFor(VERBOSE):
            self._next_report = now + 5.0
            self._log_report()

    def _log_report(self):
        """What Redis' serverCron logs every 5 seconds at verbose and debug levels."""
        for i, db in enumerate(self.keyspace.dbs):
            n = len(db)
            if n:
                log.log(VERBOSE, "DB %d: %d keys (%d volatile) in %d slots HT.", i, n,
                        len(db.expires), _slots(n))
        if log.isEnabledFor(logging.DEBUG):
            from .info import rss_bytes
            nrepl = len(self.replication.replicas)
            log.debug("%d clients connected (%d replicas), %d bytes in use",
                      len(self.clients) - nrepl, nrepl, rss_bytes())

    # --- connections -----------------------------------------------------------
    def new_client_id(self):
        self._next_id += 1
        return self._next_id

    def _accept(self, lsock):
        """Take every pending connection now (a busy script's event loop: the
        acceptors wait for the hub, which the script holds)."""
        while True:
            try:
                sock, addr = lsock.accept()
            except BlockingIOError:
                return
            except OSError as e:
                # EMFILE and the like: leave the rest in the backlog for now.
                log.warning("Error accepting a client connection: %s", e)
                return
            self._new_client(sock, addr)

    def _new_client(self, sock, addr):
        self.stats.total_connections_received += 1
        sock.setblocking(False)
        if len(self.clients) >= self.config.maxclients:
            self.stats.rejected_connections += 1
            try:
                sock.send(b"-ERR max number of clients reached\r\n")
            except OSError:
                pass
            sock.close()
            return
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.config.tcp_keepalive > 0:
                set_keepalive(sock, self.config.tcp_keepalive)
        except OSError:
            pass
        if log.isEnabledFor(VERBOSE):
            log.log(VERBOSE, "Accepted %s:%d", addr[0], addr[1])
        conn = Connection(self, sock, addr, self.new_client_id())
        conn.reading = self.loop.io(sock.fileno(), _READ)
        conn.writing = self.loop.io(sock.fileno(), _WRITE)
        conn.reading.start(self._on_readable, conn)
        self.clients[conn.id] = conn
        self.dispatcher.acl.refresh(conn)   # the default user may be restricted

    def close_client(self, conn):
        """Forget a client at once: watchers, socket, then the disconnect hooks."""
        if conn.sock is None:
            return
        for w in (conn.reading, conn.writing):
            w.stop()
            w.close()
        self.clients.pop(conn.id, None)
        try:
            conn.sock.close()
        except OSError:
            pass
        conn.sock = None
        conn.pending = None
        for hook in self.on_disconnect:
            try:
                hook(conn)
            except Exception:
                log.exception("disconnect hook failed")

    def kill_client(self, conn):
        if conn is not self.serving:
            self.close_client(conn)

    def _on_readable(self, conn):
        self.serving = conn
        try:
            self._serve_read(conn)
        except Exception:
            log.exception("client %d: unexpected error, closing", conn.id)
            self.close_client(conn)
        finally:
            self.serving = None

    def _serve_read(self, conn):
        """Read what arrived, run every complete request, answer in one send."""
        try:
            data = conn.sock.recv(RECV_SIZE)
        except BlockingIOError:
            return
        except OSError:
            self.close_client(conn)
            return
        if not data:
            if log.isEnabledFor(VERBOSE):
                log.log(VERBOSE, "Client closed connection %s", conn.info_line())
            self.close_client(conn)
            return
        self.stats.net_input_bytes += len(data)
        conn.last_interaction = time.time()
        reqs, err = conn.reader.feed(data)
        if conn.blocked is not None:
            # Redis stops processing a blocked client's input: it waits, parsed,
            # until the client is answered (reading goes on, to see a disconnect).
            self._hold(conn, reqs, err)
            return
        self._run(conn, reqs, err)

    def _hold(self, conn, reqs, err):
        backlog = conn.backlog
        if backlog is None:
            conn.backlog = (list(reqs), err)
        elif backlog[1] is None:
            backlog[0].extend(reqs)
            conn.backlog = (backlog[0], err)

    def _run(self, conn, reqs, err):
        """Run requests in order and send their replies; stop at one that blocks."""
        n = self.dispatcher.run(conn, reqs)
        out = conn.out
        if conn.blocked is not None:
            # The rest of the pipeline waits until this client is answered.
            if n < len(reqs) or err is not None:
                conn.backlog = (reqs[n:], err)
            err = None
        elif conn.closing and conn.kill_reason == "security":
            # Like Redis, an HTTP-looking request drops the client
            # before anything of this read is answered.
            out.clear()
        if err is not None and not conn.closing:
            if err is not RequestReader.CLOSE:
                out.append(b"-%s\r\n" % err.encode())
                log.debug("Protocol error (%s) from client: id=%d addr=%s", err, conn.id, conn.addr)
            else:
                log.warning("Closing client that reached max query buffer length: id=%d addr=%s",
                            conn.id, conn.addr)
            conn.closing = True
        if out:
            conn.out = []
            self.write(conn, b"".join(out) if len(out) > 1 else out[0])
        if conn.closing and conn.pending is None:
            self.close_client(conn)

    def unblocked(self, conn, reply):
        """A blocked client got its answer (served, timed out, CLIENT UNBLOCK): send it,
        then run the requests that waited behind it -- after the current event,
        as Redis processes unblocked clients before its next sleep."""
        if conn.sock is None:
            return
        if conn.reply_mode:
            advance_reply_mode(conn)
        else:
            encode_into(reply, conn.proto, conn.out)
        conn.flush()
        if conn.backlog is not None:
            self.loop.run_callback(self._resume, conn)

    def _resume(self, conn):
        backlog = conn.backlog
        if conn.sock is None or conn.blocked is not None or backlog is None:
            return
        conn.backlog = None
        prev = self.serving
        self.serving = conn
        try:
            self._run(conn, backlog[0], backlog[1])
        except Exception:
            log.exception("client %d: unexpected error, closing", conn.id)
            self.close_client(conn)
        finally:
            self.serving = prev

    def write_soon(self, conn, data):
        """Queue output for another client, sent once the current event is handled.

        Pub/sub messages to one subscriber from a pipeline of PUBLISHes leave
        in one send, as Redis writes each client's output before it sleeps.
        The client's own replies, if it is served meanwhile, follow them in
        the same list, so their order holds.
        """
        if conn.sock is None:
            return
        conn.out.append(data)
        if not self._soon:
            self.loop.run_callback(self._write_queued)
        self._soon.append(conn)

    def _write_queued(self):
        queued, self._soon = self._soon, []
        for conn in queued:
            out = conn.out
            if out and conn.sock is not None and conn is not self.serving:
                conn.out = []
                self.write(conn, b"".join(out) if len(out) > 1 else out[0])

    def write(self, conn, data):
        """Send data to a client; what the socket cannot take now waits for it to drain.

        Reading goes on meanwhile, as in Redis (whose output limit for normal
        clients is unlimited by default): a client that writes a large
        pipeline before reading any reply would otherwise deadlock with us.
        """
        if conn.sock is None:
            return
        if self.aof_buf:
            self.aof_write()   # the log first: an acknowledged write is in the AOF
        if conn.pending is not None:
            if conn.kill_reason == "obuf":
                return   # closing: its output is dropped
            self.stats.net_output_bytes += len(data)
            conn.pending.append(data)
            conn.obuf_bytes += len(data)
            self._check_obuf(conn)
            return
        if len(data) > REPLY_CHUNK_BYTES:
            # Redis adds all the replies of a read to the client's output
            # buffer before writing any of it: beyond its first chunk they
            # count against client-output-buffer-limit even when the socket
            # would take them at once (a reader as fast as the server must
            # not make the limit depend on timing).
            self._check_obuf(conn, len(data) - REPLY_CHUNK_BYTES)
            if conn.kill_reason == "obuf":
                return
        self.stats.net_output_bytes += len(data)
        try:
            sent = conn.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            conn.closing = True
            conn.pending = None
            return
        if sent < len(data):
            conn.pending = [memoryview(data)[sent:]]
            conn.obuf_bytes = len(data) - sent
            conn.writing.start(self._on_writable, conn)
            self._check_obuf(conn)
        elif conn.obuf_soft_since is not None:
            conn.obuf_soft_since = None   # all taken: the buffer is empty again

    def _check_obuf(self, conn, used=None):
        """client-output-buffer-limit on the output the socket has not taken
        (``used``: what a write is about to add to an empty buffer).

        Over the class's hard limit, or over its soft limit for more than its
        soft seconds: the client is closed soon (not from inside a delivery
        loop), its pending output dropped, as Redis' freeClientAsync.
        """
        if used is None:
            used = conn.obuf_bytes
        if used > self.obuf_peak[0] or time.time() - self.obuf_peak[1] > OBUF_PEAK_SECONDS:
            self.obuf_peak = (used, time.time())
        limits = self.config.client_output_buffer_limit
        cls = "slave" if "S" in conn.flags else "pubsub" if subscribed(conn) else "normal"
        hard, soft, seconds = limits[cls]
        if hard and used >= hard:
            self._obuf_overflow(conn)
        elif soft and used >= soft:
            now = int(time.time())   # whole seconds, as Redis' server.unixtime
            if conn.obuf_soft_since is None:
                conn.obuf_soft_since = now
            elif now - conn.obuf_soft_since > seconds:
                self._obuf_overflow(conn)
        else:
            conn.obuf_soft_since = None

    def _obuf_overflow(self, conn):
        if conn.kill_reason == "obuf":
            return
        log.warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
                    conn.info_line())
        self.stats.obuf_disconnections += 1
        conn.closing = True
        conn.kill_reason = "obuf"
        conn.pending = _DISCARD
        conn.writing.stop()
        self.loop.run_callback(self.close_client, conn)

    def _on_writable(self, conn):
        pending = conn.pending
        while pending:
            try:
                sent = conn.sock.send(pending[0])
            except BlockingIOError:
                return
            except OSError:
                self.close_client(conn)
                return
            conn.obuf_bytes -= sent
            if sent < len(pending[0]):
                pending[0] = memoryview(pending[0])[sent:]
                return
            pending.pop(0)
        conn.pending = None
        conn.obuf_bytes = 0
        conn.obuf_soft_since = None
        conn.writing.stop()
        if conn.closing:
            self.close_client(conn)

    # --- helpers for commands -----------------------------------------------------
    def uptime(self):
        return time.time() - self.start_time


# --- Task Q4 helpers: listeners, keep-alive -------------------------------------------

# Errors for which an optional ('-' prefixed) bind address is skipped, as Redis does.
_OPTIONAL_BIND_ERRORS = frozenset(getattr(errno, name) for name in (
    "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EPFNOSUPPORT", "EAFNOSUPPORT",
    "EADDRNOTAVAIL") if hasattr(errno, name))


class _Acceptor(StreamServer):
    """gevent's StreamServer accepting on one listening socket, handler in the hub.

    ``spawn=None`` calls the handler (Server._new_client) from the accept
    watcher itself: a client is then served by libev io watchers, not by a
    greenlet, so accepting costs no greenlet either. The accepted socket is
    a plain (non-gevent) socket, read only when its watcher says it is
    readable, and stays open when the handler returns (``do_close``).
    """

    def __init__(self, sock, handle):
        super().__init__(sock, handle, spawn=None)

    def do_read(self):
        lsock = self.socket
        try:
            fd, addr = lsock._accept()
        except BlockingIOError:
            return None
        except OSError as e:
            # EMFILE and the like: the rest waits in the backlog, as in Redis.
            log.warning("Error accepting a client connection: %s", e)
            return None
        return socket.socket(lsock.family, lsock.type, lsock.proto, fileno=fd), addr

    def do_close(self, sock, *args):
        pass   # the client outlives its accept: Server.close_client closes it


def _close_listeners(listeners):
    for sock, acceptor in listeners:
        acceptor.close()   # stops accepting and closes the socket
        sock.close()


def set_keepalive(sock, interval):
    """tcp-keepalive as Redis' anetKeepAlive: probes after `interval` idle seconds,
    every interval/3 seconds, three of them."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if hasattr(socket, "TCP_KEEPIDLE"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(1, interval // 3))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def _slots(n):
    """The hash table size Redis would have for n keys (next power of two, at least 4)."""
    size = 4
    while size < n:
        size *= 2
    return size
