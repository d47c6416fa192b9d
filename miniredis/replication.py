"""Replication, master side: real Redis replicas (and ``redis-cli --rdb``) attach here.

Owns: the replication id and offset, the backlog, the replicas attached
(their state, listening port, acknowledged offset), full resynchronization,
partial resynchronization from the backlog, the stream of propagated
commands, pings and acknowledgement timeouts, and the clients waiting in
WAIT. Must not touch: command semantics (the stream is what events.py hands
to its propagation listeners), the RDB format (rdb.py), replies of commands
(commands/replication.py).

A full resynchronization is Redis 7.0's diskless one: a forked child writes
the snapshot into a pipe and the hub passes it on as it comes, framed as
``$EOF:<mark>\\r\\n ... <mark>`` to replicas with the ``eof`` capability (every
Redis since 2.8.18), or gathered and sent with its length to those without.
The stream of commands from the fork on is held for each replica until it
has the whole snapshot -- and, after an EOF-marked one, until its first
``REPLCONF ACK``: a replica reads such a snapshot in blocks, and a command
arriving in the same block as the mark would be taken for part of it.

Nothing here runs until the first replica attaches: then the backlog is
created (with a new replication id, as Redis does) and the stream listener
joins ``events.propagate_listeners``; both go when the backlog has been
without replicas for ``repl-backlog-ttl`` seconds.
"""

import logging
import os
import signal
import time

from hiredis import pack_command as _pack

from . import errors
from .events import LogOnly
from .persistence.aof import _arg_bytes, _typed_text
from .protocol import TypedArgs
from .rules import RULE_NOREPLICAS

log = logging.getLogger("miniredis")

# Replica states, as INFO replication names them.
WAIT_BGSAVE = "wait_bgsave"   # waiting for the snapshot child to start
SEND_BULK = "send_bulk"       # the snapshot is on its way
ONLINE = "online"             # receiving the stream

_PING = b"*1\r\n$4\r\nPING\r\n"
_GETACK = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
_READ = 1
_CHUNK = 64 * 1024


def stream_command(argv):
    """One command of the stream: a RESP array of bulk strings.

    Typed arguments (project extension) go as their text forms, as the RDB
    file has them: the stream is read by Redis replicas.
    """
    if type(argv) is list:
        try:
            # The common case (it runs for every write): hiredis' C encoder.
            # Commands propagate bytes (numbers as their text, as Redis does),
            # which it writes as they are.
            return _pack(tuple(argv))
        except (TypeError, UnicodeError):
            pass
    typed = type(argv) is TypedArgs
    parts = [b"*%d\r\n" % len(argv)]
    for a in argv:
        if type(a) is not bytes:
            a = _typed_text(a)[0] if typed else _arg_bytes(a)
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(parts)


SCRIPT_COMMANDS = frozenset(("eval", "eval_ro", "evalsha", "evalsha_ro", "fcall", "fcall_ro"))
UNKNOWN = object()


def script_flags(server, spec, argv):
    """The flags a script (EVAL*) or function (FCALL*) declares: a set; None for a
    script without shebang (Redis' compatibility mode); UNKNOWN when there is no
    such script or function, or a bad shebang (the command itself reports it)."""
    from .errors import CommandError
    from .scripting.host import parse_shebang, scripting   # the Lua runtime loads on use
    name = spec.fullname
    try:
        if name in ("eval", "eval_ro"):
            flags = parse_shebang(argv[1])[0]
            return None if flags is None else set(flags)
        host = scripting(server)
        if name in ("evalsha", "evalsha_ro"):
            script = host.scripts.get(argv[1].lower())
            if script is None:
                return UNKNOWN
            return None if script.flags is None else set(script.flags)
        f = host.functions.functions.get(argv[1].lower())
        return UNKNOWN if f is None else set(f.flags)
    except (CommandError, IndexError):
        return UNKNOWN


def call_writes(server, spec, argv, conn):
    """Redis' is_write_command for this call: a write command, a script or
    function whose flags do not say no-writes (one without shebang is not: its
    own commands are checked), or EXEC of a transaction holding one."""
    if spec.fullname in SCRIPT_COMMANDS:
        flags = script_flags(server, spec, argv)
        return flags is not None and flags is not UNKNOWN and "no-writes" not in flags
    if spec.is_write:
        return True
    return spec.name == "exec" and bool(conn.multi) and any(
        call_writes(server, s, a, conn) for s, a in conn.multi)


class Replica(object):
    """A client that asked for SYNC or PSYNC."""

    __slots__ = ("conn", "state", "port", "ip", "capa_eof", "ack_off", "ack_time",
                 "rdb_only", "old_sync", "held", "rdb", "asked")

    def __init__(self, conn):
        self.conn = conn
        self.state = WAIT_BGSAVE
        self.port = 0
        self.ip = None
        self.capa_eof = False
        self.ack_off = 0
        self.ack_time = time.time()
        self.rdb_only = False
        self.old_sync = False     # SYNC: no +FULLRESYNC line before the snapshot
        self.held = None          # stream bytes held back (a list), or None: sent as fed
        self.rdb = None           # the snapshot gathered, for a replica without eof
        self.asked = time.time()  # when it asked (repl-diskless-sync-delay)

    def name(self):
        host = self.ip or self.conn.addr.rsplit(":", 1)[0]
        return "%s:%d" % (host, self.port)


class WaitRequest(object):
    """A client blocked in WAIT; called, it is the reply at the timeout."""

    __slots__ = ("repl", "conn", "offset", "count")

    def __init__(self, repl, conn, offset, count):
        self.repl = repl
        self.conn = conn
        self.offset = offset
        self.count = count

    def __call__(self):
        if self in self.repl.waiters:
            self.repl.waiters.remove(self)
        return self.repl.good_replicas(self.offset)


class _Child(object):
    __slots__ = ("pid", "fd", "watcher", "mark", "replicas")

    def __init__(self, pid, fd, watcher, mark, replicas):
        self.pid = pid
        self.fd = fd
        self.watcher = watcher
        self.mark = mark
        self.replicas = replicas


class Replication(object):
    def __init__(self, server):
        self.server = server
        self.replid = os.urandom(20).hex()
        self.replid2 = "0" * 40
        self.second_offset = -1
        self.offset = 0              # master_repl_offset: bytes of stream ever fed
        self.backlog = None          # bytearray, the last repl-backlog-size bytes
        self.backlog_first = 0       # offset of the backlog's first byte
        self.replicas = []
        self.seldb = -1              # the database the stream last selected
        self.child = None
        self.waiters = []            # WaitRequests of clients blocked in WAIT
        self.handshakes = {}         # client id -> Replica: what REPLCONF said before (P)SYNC
        self._out = []               # fed, not yet written to the replicas
        self._flush_scheduled = False
        self._getack = False
        self._timer = None
        self._last_ping = 0.0
        self.no_replicas_since = time.time()
        self._min_rule = False
        server.on_disconnect.append(self._disconnected)
        server.config.on_set.append(self._config_changed)
        self._config_changed("min-replicas-to-write", None)

    # --- state -----------------------------------------------------------------
    def replica_of(self, conn):
        for r in self.replicas:
            if r.conn is conn:
                return r
        return None

    def child_active(self):
        return self.child is not None

    def good_replicas(self, offset):
        """Online replicas that acknowledged ``offset`` (WAIT's count)."""
        return sum(1 for r in self.replicas if r.state == ONLINE and r.ack_off >= offset)

    # --- min-replicas-to-write ----------------------------------------------------------
    def _min_replicas(self):
        cfg = self.server.config
        return cfg.min_replicas_to_write if cfg.min_replicas_max_lag else 0

    def good_count(self):
        """Online replicas whose last ACK is at most min-replicas-max-lag seconds old."""
        lag = self.server.config.min_replicas_max_lag
        now = int(time.time())
        return sum(1 for r in self.replicas if r.state == ONLINE and now - int(r.ack_time) <= lag)

    def write_denied(self):
        """Redis' checkGoodReplicasStatus as the -NOREPLICAS text, or None."""
        need = self._min_replicas()
        if need and self.good_count() < need:
            return errors.NOREPLICAS
        return None

    def _config_changed(self, name, value):
        # The check runs before commands only while the setting asks for it.
        if name not in ("min-replicas-to-write", "min-replicas-max-lag"):
            return
        want = bool(self._min_replicas())
        d = self.server.dispatcher
        if want and not self._min_rule:
            d.add_rule(self._min_replicas_rule, RULE_NOREPLICAS)
        elif not want and self._min_rule:
            d.remove_rule(self._min_replicas_rule)
        self._min_rule = want

    def _min_replicas_rule(self, conn, spec, argv):
        if conn.sock is None:
            return None   # replaying the append-only log
        if call_writes(self.server, spec, argv, conn):
            msg = self.write_denied()
            if msg is not None:
                return self.server.dispatcher.error(msg, spec)
        return None

    def histlen(self):
        return len(self.backlog) if self.backlog is not None else 0

    # --- the stream --------------------------------------------------------------
    def _feed(self, ops):
        """The propagation listener: calls' commands, with SELECT where the database changes."""
        parts = []
        append = parts.append
        seldb = self.seldb
        for dbi, argv in ops:
            if type(argv) is list and dbi == seldb:
                try:   # the common case, written by hiredis (see stream_command)
                    append(_pack(tuple(argv)))
                    continue
                except (TypeError, UnicodeError):
                    pass
            elif type(argv) is LogOnly:
                continue
            if dbi != seldb:
                append(stream_command([b"SELECT", b"%d" % dbi]))
                seldb = dbi
            append(stream_command(argv))
        self.seldb = seldb
        if parts:
            self._append(b"".join(parts) if len(parts) > 1 else parts[0])

    def _append(self, data):
        self.offset += len(data)
        bl = self.backlog
        bl += data
        extra = len(bl) - self.server.config.repl_backlog_size
        if extra > 0:
            del bl[:extra]   # bytearray: dropping the front is cheap
            self.backlog_first += extra
        if self.replicas:
            self._out.append(data)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self.server.loop.run_callback(self._flush)

    def _flush(self):
        """Write what was fed during the last event to every replica, in one piece each."""
        self._flush_scheduled = False
        if not self._out:
            return
        data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
        self._out = []
        write = self.server.write
        for r in self.replicas:
            if r.held is not None:
                r.held.append(data)
            elif r.state == ONLINE:
                write(r.conn, data)

    def request_ack(self):
        """Ask every replica for its offset (WAIT), once per event however many ask."""
        if not self._getack:
            self._getack = True
            self.server.loop.run_callback(self._send_getack)

    def _send_getack(self):
        self._getack = False
        if self.backlog is not None and self.replicas:
            self._append(_GETACK)

    # --- attaching -----------------------------------------------------------------
    def change_id(self):
        """A new replication id, the previous one forgotten (DEBUG CHANGE-REPL-ID too)."""
        self.replid = os.urandom(20).hex()
        self.replid2 = "0" * 40
        self.second_offset = -1

    def new_history(self):
        """The dataset was replaced wholesale (a replica's full sync): our own
        replicas must sync anew, from a history no one can continue."""
        for r in list(self.replicas):
            r.conn.kill("replication")
        self.change_id()
        if self.backlog is not None:
            self.backlog = None
            listeners = self.server.events.propagate_listeners
            if self._feed in listeners:
                listeners.remove(self._feed)

    def _create_backlog(self):
        # Redis' syncCommand: a new history gets a new id (no replica can
        # continue one that was not recorded).
        self.change_id()
        self.backlog = bytearray()
        self.backlog_first = self.offset + 1
        listeners = self.server.events.propagate_listeners
        if self._feed not in listeners:
            listeners.append(self._feed)
        self._ensure_timer()
        log.info("Replication backlog created, my new replication IDs are '%s' and '%s'",
                 self.replid, self.replid2)

    def try_partial(self, conn, replid, offset):
        """PSYNC <replid> <offset>: continue from the backlog if it holds the offset; True if so."""
        ok_id = replid == self.replid or (replid == self.replid2 and offset <= self.second_offset)
        if (not ok_id or self.backlog is None or offset < self.backlog_first
                or offset > self.backlog_first + len(self.backlog)):
            return False
        r = self._attach(conn)
        r.state = ONLINE
        r.ack_time = time.time()
        # Nothing may reach it before +CONTINUE: what is fed meanwhile is in
        # the backlog, which _continue() sends from the offset on.
        r.held = []
        self.server.stats.sync_partial_ok += 1
        # After the current read's replies (the +OKs before it), as one write.
        self.server.loop.run_callback(self._continue, r, offset)
        return True

    def _continue(self, r, offset):
        if r.conn.sock is None:
            return
        self._flush()   # what was fed before: to the others (and in the backlog for this one)
        r.held = None
        start = offset - self.backlog_first
        if start < 0 or self.backlog is None:
            r.conn.kill("replication")   # the backlog moved past it meanwhile: it will sync anew
            return
        data = bytes(memoryview(self.backlog)[start:])
        log.info("Partial resynchronization request from %s accepted. Sending %d bytes of "
                 "backlog starting from offset %d.", r.name(), len(data), offset)
        self.server.write(r.conn, b"+CONTINUE %s\r\n" % self.replid.encode() + data)

    def full_sync(self, conn, old_sync):
        """SYNC, or a PSYNC that cannot continue: the replica waits for a snapshot."""
        if self.backlog is None:
            self._create_backlog()
        r = self._attach(conn)
        r.old_sync = old_sync
        self.server.stats.sync_full += 1
        cfg = self.server.config
        if cfg.repl_diskless_sync and r.capa_eof and cfg.repl_diskless_sync_delay:
            log.info("Delay next BGSAVE for diskless SYNC")
        else:
            # After the replies this read already has (they precede the snapshot).
            self.server.loop.run_callback(self._start_pending)
        return r

    def handshake(self, conn):
        """The replica-to-be's details (REPLCONF listening-port, capa ...) before it syncs."""
        r = self.replica_of(conn) or self.handshakes.get(conn.id)
        if r is None:
            r = self.handshakes[conn.id] = Replica(conn)
        return r

    def _attach(self, conn):
        r = self.replica_of(conn)
        if r is None:
            r = self.handshakes.pop(conn.id, None) or Replica(conn)
            r.asked = time.time()
            self.replicas.append(r)
        if "S" not in conn.flags:
            conn.flags += "S"
        return r

    def _start_pending(self, force=True):
        """Fork the snapshot child for the replicas waiting, if none runs (else later, from the cron)."""
        waiting = [r for r in self.replicas if r.state == WAIT_BGSAVE and r.conn.sock is not None]
        if not waiting or self.child is not None or self.server.snapshots.any_child_active():
            return
        cfg = self.server.config
        if not force and cfg.repl_diskless_sync:
            idle = max(time.time() - r.asked for r in waiting)
            most = cfg.repl_diskless_sync_max_replicas
            if idle < cfg.repl_diskless_sync_delay and not (most and len(waiting) >= most):
                return
        self._fork(waiting)

    def _fork(self, replicas):
        server = self.server
        self._flush()   # the stream so far belongs to the replicas already online
        aux = {"repl-stream-db": 0, "repl-id": self.replid, "repl-offset": self.offset}
        try:
            pid, rfd, wfd = server.snapshots.fork_with_pipe()
        except OSError as e:
            log.warning("Can't save in background: fork: %s", e.strerror or e)
            for r in replicas:
                r.conn.kill("replication")
            return
        if pid == 0:
            _run_child(server, wfd, aux)   # never returns
        os.set_blocking(rfd, False)
        watcher = server.loop.io(rfd, _READ)
        mark = os.urandom(20).hex().encode()
        self.child = _Child(pid, rfd, watcher, mark, list(replicas))
        watcher.start(self._on_snapshot_data)
        log.info("Starting BGSAVE for SYNC with target: replicas sockets")
        log.info("Background RDB transfer started by pid %d", pid)
        # The next command of the stream selects its database again: the
        # snapshot says nothing of the stream's current one.
        self.seldb = -1
        head = b"+FULLRESYNC %s %d\r\n" % (self.replid.encode(), self.offset)
        # With repl-diskless-sync no, Redis sends a file it saved, with its
        # length: replicas get that form (gathered here, no file is written).
        eof_form = server.config.repl_diskless_sync
        for r in replicas:
            r.state = SEND_BULK
            r.held = []
            first = b"" if r.old_sync else head
            if r.capa_eof and eof_form:
                first += b"$EOF:" + mark + b"\r\n"
            else:
                r.rdb = []
            server.write(r.conn, first)

    def _on_snapshot_data(self):
        child = self.child
        try:
            data = os.read(child.fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            for r in child.replicas:
                if r.conn.sock is None:
                    continue
                if r.rdb is not None:
                    r.rdb.append(data)
                else:
                    self.server.write(r.conn, data)
            return
        self._child_ended()

    def _child_ended(self):
        child, self.child = self.child, None
        child.watcher.stop()
        child.watcher.close()
        os.close(child.fd)
        try:
            _, status = os.waitpid(child.pid, 0)
        except ChildProcessError:
            status = 1 << 8
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        if not ok:
            log.warning("Background transfer error")
            for r in child.replicas:
                if r.conn.sock is not None:
                    r.conn.kill("replication")
            return
        log.info("Background RDB transfer terminated with success")
        for r in child.replicas:
            if r.conn.sock is None or r.state != SEND_BULK:
                continue
            sized = r.rdb is not None
            if sized:
                body = b"".join(r.rdb)
                r.rdb = None
                self.server.write(r.conn, b"$%d\r\n" % len(body) + body)
            else:
                self.server.write(r.conn, child.mark)
            log.info("Synchronization with replica %s succeeded", r.name())
            r.state = ONLINE
            r.ack_time = time.time()
            if r.rdb_only:
                # It asked for the snapshot alone: done once it has it.
                r.held = None
                r.conn.closing = True
                if r.conn.pending is None:
                    self.server.close_client(r.conn)
            elif sized:
                self._release(r)   # a sized snapshot can be followed at once
        # Replicas that asked while this child ran get the next one.
        self._start_pending()

    def _release(self, r):
        held, r.held = r.held, None
        if held and r.conn.sock is not None:
            self.server.write(r.conn, b"".join(held))

    # --- from the replicas -----------------------------------------------------------
    def ack(self, conn, offset):
        """REPLCONF ACK <offset> from a replica."""
        r = self.replica_of(conn)
        if r is None:
            return
        if offset > r.ack_off:
            r.ack_off = offset
        r.ack_time = time.time()
        if r.state == ONLINE and r.held is not None:
            self._release(r)   # it has read the whole snapshot: the stream may follow
        if self.waiters:
            self._check_waiters()

    def _check_waiters(self):
        blocking = self.server.blocking
        for req in list(self.waiters):
            w = req.conn.blocked
            if w is None or w.timeout_reply is not req:
                self.waiters.remove(req)   # answered otherwise (CLIENT UNBLOCK ... ERROR)
                continue
            acked = self.good_replicas(req.offset)
            if acked >= req.count:
                self.waiters.remove(req)
                blocking.timeout(w, acked)

    def wait(self, conn, count):
        """WAIT: the number of replicas that have every write so far, or a
        WaitRequest when the client must block for more (the timeout reply)."""
        offset = self.offset
        acked = self.good_replicas(offset)
        if acked >= count or conn.deny_blocking:
            return acked
        req = WaitRequest(self, conn, offset, count)
        self.waiters.append(req)
        self.request_ack()
        return req

    def _disconnected(self, conn):
        self.handshakes.pop(conn.id, None)
        if self.waiters:
            self.waiters = [x for x in self.waiters if x.conn is not conn]
        r = self.replica_of(conn)
        if r is None:
            return
        self.replicas.remove(r)
        log.info("Connection with replica %s lost.", r.name())
        if not self.replicas:
            self.no_replicas_since = time.time()
        child = self.child
        if child is not None and r in child.replicas:
            child.replicas.remove(r)
            if not any(x.conn.sock is not None for x in child.replicas):
                log.warning("Diskless rdb transfer, last replica dropped, killing fork child.")
                self._kill_child()

    def _kill_child(self):
        child, self.child = self.child, None
        if child is None:
            return
        child.watcher.stop()
        child.watcher.close()
        os.close(child.fd)
        try:
            os.kill(child.pid, signal.SIGUSR1)
            os.waitpid(child.pid, 0)
        except OSError:
            pass

    # --- the cron --------------------------------------------------------------------
    def _ensure_timer(self):
        if self._timer is None:
            self._timer = self.server.loop.timer(1.0, 1.0)
            self._timer.start(self._cron)

    def _cron(self):
        try:
            self.cron(time.time())
        except Exception:
            log.exception("replication cron failed")

    def cron(self, now):
        """Once a second: delayed snapshots, pings, timed-out replicas, the backlog's life."""
        cfg = self.server.config
        self._start_pending(force=False)
        if self.replicas and now - self._last_ping >= cfg.repl_ping_replica_period:
            # Pings go into the stream (and the backlog), as commands do.
            self._last_ping = now
            self._append(_PING)
        for r in list(self.replicas):
            # (One that never acknowledges its snapshot is dropped too: the
            # stream held for it would grow without end.)
            if r.state == ONLINE and not r.rdb_only and now - r.ack_time > cfg.repl_timeout:
                log.warning("Disconnecting timedout replica (streaming sync): %s", r.name())
                r.conn.kill("replication")
        ttl = cfg.repl_backlog_ttl
        if (self.backlog is not None and not self.replicas and ttl
                and now - self.no_replicas_since > ttl):
            self.change_id()
            self.backlog = None
            listeners = self.server.events.propagate_listeners
            if self._feed in listeners:
                listeners.remove(self._feed)
            log.info("Replication backlog freed after %d seconds without connected replicas.", ttl)

    def stop(self):
        """Server shutdown: no child outlives it, no timer runs on."""
        self._kill_child()
        if self._timer is not None:
            self._timer.stop()
            self._timer.close()
            self._timer = None

    # --- INFO and ROLE ------------------------------------------------------------------
    def info_lines(self):
        now = time.time()
        link = self.server.master_link
        lines = link.info_lines() if link.active else ["role:master"]
        lines.append("connected_slaves:%d" % len(self.replicas))
        if self._min_replicas():
            lines.append("min_slaves_good_slaves:%d" % self.good_count())
        for i, r in enumerate(self.replicas):
            host = r.ip or r.conn.addr.rsplit(":", 1)[0]
            lines.append("slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d" % (
                i, host, r.port, r.state, r.ack_off, int(now - r.ack_time)))
        histlen = self.histlen()
        replid, offset = self.replid, self.offset
        if link.active and link.master_replid is not None:
            # A replica reports the history it follows (its replicas get its own).
            replid, offset = link.master_replid, max(link.offset, 0)
        lines += [
            "master_failover_state:no-failover",
            "master_replid:%s" % replid,
            "master_replid2:%s" % self.replid2,
            "master_repl_offset:%d" % offset,
            "second_repl_offset:%d" % self.second_offset,
            "repl_backlog_active:%d" % (self.backlog is not None),
            "repl_backlog_size:%d" % self.server.config.repl_backlog_size,
            "repl_backlog_first_byte_offset:%d" % (self.backlog_first if self.backlog is not None else 0),
            "repl_backlog_histlen:%d" % histlen,
        ]
        return lines

    def role(self):
        if self.server.master_link.active:
            return self.server.master_link.role()
        out = []
        for r in self.replicas:
            if r.state != ONLINE:
                continue
            host = r.ip or r.conn.addr.rsplit(":", 1)[0]
            out.append([host.encode(), b"%d" % r.port, b"%d" % r.ack_off])
        return [b"master", self.offset, out]


def _run_child(server, wfd, aux):
    """The forked child: write the snapshot into the pipe and leave."""
    from .persistence.aof import function_codes
    from .persistence.rdb import write_rdb
    from .persistence.snapshot import log_cow, run_in_child

    def work():
        cfg = server.config
        with os.fdopen(wfd, "wb", buffering=_CHUNK) as f:
            write_rdb(f, server.keyspace, aux=aux, checksum=cfg.rdbchecksum,
                      compress=cfg.rdbcompression, config=cfg, functions=function_codes(server))
        log_cow()
        return True
    run_in_child(server, work, "Replication snapshot child")
