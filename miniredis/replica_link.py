"""Replication, replica side: REPLICAOF host port makes this server follow a master.

Owns: the link to the master (connect, handshake, PSYNC), receiving the
snapshot and loading it in place of the dataset, applying the master's
stream as the commands of a client that is never answered, the offset it
acknowledges (``REPLCONF ACK`` once a second and on ``GETACK``), the states
ROLE and INFO report, reconnecting after a failure, refusing writes of
other clients while ``replica-read-only`` is on, and REPLICAOF NO ONE. Must
not touch: the master side (replication.py), command semantics.

The link runs in a greenlet of its own with plain blocking socket calls
(gevent's), as Redis' replica state machine does with its event handlers:
connect, PING, AUTH (masterauth), REPLCONF listening-port and capa, PSYNC
with the history it has (or ``? -1``), then either the snapshot or
``+CONTINUE``, then the stream. A master is any Redis (or miniredis) that
speaks PSYNC. The snapshot is gathered in memory and loaded at once (Redis'
``repl-diskless-load disabled`` reads it to disk first: the same result).
"""

import logging
import os
import time

import gevent
import gevent.socket

from . import errors
from .connection import Connection
from .protocol import RequestReader
from .replication import SCRIPT_COMMANDS, UNKNOWN, call_writes, script_flags, stream_command
from .rules import RULE_MASTERDOWN, RULE_READONLY

log = logging.getLogger("miniredis")

# ROLE's names of the link's states (Redis' repl_state).
CONNECT = "connect"
CONNECTING = "connecting"
HANDSHAKE = "handshake"
SYNC = "sync"
CONNECTED = "connected"

_CHUNK = 64 * 1024
_RETRY_SECONDS = 1.0

class LinkError(Exception):
    """The link failed; the message is logged and the link tried again."""


class MasterLink(object):
    def __init__(self, server):
        self.server = server
        self.host = None           # the master; None: this server is a master
        self.port = 0
        self.state = None
        self.greenlet = None
        self.sock = None
        self.master_replid = None  # the history followed, once synced
        self.offset = -1           # bytes of the master's stream applied (reploff)
        self.last_io = 0.0
        self.down_since = None
        self.sync_total = -1       # bytes of the snapshot being received (-1: EOF-marked)
        self.sync_read = 0
        self._buf = b""
        self._readonly = False
        self._stale_rule_on = False
        self.conn = None           # the master as a client: its database, its MULTI
        server.config.on_set.append(self._config_changed)

    @property
    def active(self):
        return self.host is not None

    # --- REPLICAOF -------------------------------------------------------------
    def set_master(self, host, port):
        repl = self.server.replication
        was_master = self.host is None
        self._stop()
        self.host, self.port = host, port
        self.server.config.replicaof = "%s %d" % (host, port)
        if was_master:
            # Our own history ends here; replicas of ours follow it no more.
            for r in list(repl.replicas):
                r.conn.kill("replication")
            self.offset = -1
            self.master_replid = None
            self.conn = None
        self.state = CONNECT
        self.down_since = time.time()
        self._update_rule()
        self.greenlet = gevent.spawn(self._run)

    def unset_master(self):
        """REPLICAOF NO ONE: a master again, continuing the history it followed."""
        if self.host is None:
            return
        self._stop()
        self.host, self.port = None, 0
        self.state = None
        self.server.config.replicaof = ""
        self._update_rule()
        repl = self.server.replication
        if repl.backlog is None and self.master_replid is not None and self.offset >= 0:
            # Redis' shiftReplicationId: the followed history is continued
            # under a new id (replicas of the old master may continue with
            # the old one). With replicas of its own, it goes on with theirs.
            repl.replid2 = self.master_replid
            repl.second_offset = self.offset + 1
            repl.offset = self.offset
            repl.replid = os.urandom(20).hex()

    def stop(self):
        """Server shutdown: the link ends, the setting stays."""
        self._stop()

    def _stop(self):
        g, self.greenlet = self.greenlet, None
        if g is not None and g is not gevent.getcurrent():
            g.kill(block=False)
        self._close()

    def _close(self):
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # --- the link ----------------------------------------------------------------
    def _run(self):
        me = gevent.getcurrent()
        # A link replaced (REPLICAOF again, NO ONE) ends where it waits, and
        # must not touch what its successor set up.
        while self.greenlet is me:
            try:
                self._follow()
            except (OSError, LinkError, ValueError) as e:
                if self.greenlet is me:
                    log.warning("Error condition on socket for SYNC: %s", e)
            except Exception:
                log.exception("replication link failed")
            finally:
                if self.greenlet is me:
                    self._close()
                    if self.state == CONNECTED:
                        log.warning("Connection with master lost.")
                        self.down_since = time.time()
                    self.state = CONNECT
            gevent.sleep(_RETRY_SECONDS)

    def _follow(self):
        cfg = self.server.config
        self.state = CONNECTING
        log.info("Connecting to MASTER %s:%d", self.host, self.port)
        self.sock = gevent.socket.create_connection((self.host, self.port), timeout=cfg.repl_timeout)
        self._buf = b""
        log.info("MASTER <-> REPLICA sync started")
        self.state = HANDSHAKE
        reply = self._ask(b"PING")
        if reply.startswith(b"-") and not reply.startswith((b"-NOAUTH", b"-NOPERM", b"-ERR operation")):
            raise LinkError("Error reply to PING from master: '%s'" % reply.decode("utf-8", "replace"))
        if cfg.masterauth:
            args = [b"AUTH"] + ([cfg.masteruser.encode()] if cfg.masteruser else []) + \
                [cfg.masterauth.encode()]
            reply = self._ask(*args)
            if reply.startswith(b"-"):
                raise LinkError("Unable to AUTH to MASTER: %s" % reply.decode("utf-8", "replace"))
        port = cfg.replica_announce_port or (self.server.bound[0][1] if self.server.bound else cfg.port)
        self._ask(b"REPLCONF", b"listening-port", b"%d" % port)
        if cfg.replica_announce_ip:
            self._ask(b"REPLCONF", b"ip-address", cfg.replica_announce_ip.encode())
        self._ask(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2")
        if self.master_replid is not None and self.offset >= 0:
            psync = (self.master_replid.encode(), b"%d" % (self.offset + 1))
            log.info("Trying a partial resynchronization (request %s:%d).",
                     self.master_replid, self.offset + 1)
        else:
            psync = (b"?", b"-1")
            log.info("Partial resynchronization not possible (no cached master)")
        reply = self._ask(b"PSYNC", *psync)
        if reply.startswith(b"+FULLRESYNC"):
            words = reply.split()
            if len(words) != 3:
                raise LinkError("Master replied with wrong +FULLRESYNC syntax.")
            replid, offset = words[1].decode(), int(words[2])
            log.info("Full resync from master: %s:%d", replid, offset)
            self._full_sync(replid, offset)
        elif reply.startswith(b"+CONTINUE"):
            words = reply.split()
            if len(words) > 1:
                self.master_replid = words[1].decode()
            log.info("Successful partial resynchronization with master.")
            log.info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
        else:
            raise LinkError("Unexpected reply to PSYNC from master: %s"
                            % reply.decode("utf-8", "replace"))
        self.state = CONNECTED
        self.down_since = None
        self._stream()

    def _send(self, *args):
        self.sock.sendall(stream_command(list(args)))

    def _ask(self, *args):
        self._send(*args)
        return self._line()

    def _read(self):
        data = self.sock.recv(_CHUNK)
        if not data:
            raise LinkError("the master closed the connection")
        self.last_io = time.time()
        return data

    def _line(self):
        while True:
            while b"\n" not in self._buf:
                self._buf += self._read()
            line, self._buf = self._buf.split(b"\n", 1)
            line = line.rstrip(b"\r")
            if line:
                return line   # (empty lines: a master's keepalives before the snapshot)

    def _full_sync(self, replid, offset):
        self.state = SYNC
        head = self._line()
        if not head.startswith(b"$"):
            raise LinkError("Bad protocol from MASTER, the first byte is not '$' (we received "
                            "'%s'), are you sure the host and port are right?"
                            % head.decode("utf-8", "replace"))
        parts = []
        if head.startswith(b"$EOF:"):
            mark = head[5:]
            self.sync_total, self.sync_read = -1, 0
            data = self._buf
            self._buf = b""
            # The master holds its stream until our first ACK: nothing follows
            # the mark, which may arrive split across reads.
            tail = b""
            while True:
                parts.append(data)
                self.sync_read += len(data)
                tail = (tail + data)[-len(mark):]
                if tail == mark:
                    break
                data = self._read()
            parts = [b"".join(parts)[:-len(mark)]]
        else:
            size = int(head[1:])
            self.sync_total, self.sync_read = size, 0
            data, self._buf = self._buf[:size], self._buf[size:]
            parts.append(data)
            self.sync_read = len(data)
            while self.sync_read < size:
                data = self._read()
                take = size - self.sync_read
                parts.append(data[:take])
                self._buf = data[take:]
                self.sync_read += min(take, len(data))
        log.info("MASTER <-> REPLICA sync: receiving %d bytes from master", self.sync_read)
        self._load(b"".join(parts))
        self.master_replid, self.offset = replid, offset
        self.conn = None   # a new history: the stream selects its database again
        self.sync_total = -1
        log.info("MASTER <-> REPLICA sync: Finished with success")

    def _load(self, snapshot):
        from .persistence.lifecycle import LoadError, _load_functions
        from .persistence.rdb import RDBError, load_rdb_bytes
        from .scripting.host import scripting
        server = self.server
        log.info("MASTER <-> REPLICA sync: Flushing old data")
        server.keyspace.flushall()
        scripting(server).functions.flush()
        log.info("MASTER <-> REPLICA sync: Loading DB in memory")
        functions = []
        try:
            # Keys already expired stay: the master's DELs remove them, as in Redis.
            load_rdb_bytes(snapshot, server.keyspace, now_ms=False, config=server.config,
                           functions=functions)
            _load_functions(server, functions)
        except (RDBError, LoadError) as e:
            server.keyspace.flushall()
            raise LinkError("Failed trying to load the MASTER synchronization DB from socket: %s" % e)
        finally:
            # The dataset changed without a stream: replicas of ours start anew.
            server.replication.new_history()

    def _master_client(self):
        conn = self.conn
        if conn is None:
            conn = self.conn = Connection(self.server, None, None, 0)
            conn.authenticated = True
            conn.deny_blocking = True
            conn.flags = "M"
        elif conn.multi is not None:
            # A transaction cut by a lost link: the master sends it again
            # from its MULTI (the offset stopped there).
            conn.multi = None
            conn.multi_error = False
        return conn

    def _stream(self):
        """Apply the master's commands as they come; acknowledge once a second.

        The offset moves past a command once it is applied, and past a
        MULTI ... EXEC block once EXEC ran, as Redis' reploff: a link lost
        inside a block resumes at its MULTI.
        """
        server = self.server
        dispatcher = server.dispatcher
        keyspace = server.keyspace
        conn = self._master_client()
        inflight = 0   # bytes of an open MULTI block
        reader = RequestReader(server.config.proto_max_bulk_len, 1 << 62)
        cfg = server.config
        self._ack()
        last_ack = time.time()
        data = self._buf
        self._buf = b""
        while True:
            if data:
                reqs, err = reader.feed(data)
                if err is not None:
                    raise LinkError("Protocol error from master: %s" % err)
                for argv in reqs:
                    size = len(stream_command(argv))
                    name = argv[0].lower() if type(argv[0]) is bytes else b""
                    if name == b"replconf":
                        if len(argv) > 1 and argv[1].lower() == b"getack":
                            self._ack()   # what was applied before this request
                    else:
                        dispatcher.dispatch(conn, argv)
                        conn.out = []   # the master is never answered
                        if keyspace.ready:
                            server.blocking.serve_ready()   # clients blocked on its keys
                    if conn.multi is not None:
                        inflight += size
                    else:
                        self.offset += inflight + size
                        inflight = 0
            now = time.time()
            if now - last_ack >= 1.0:
                self._ack()
                last_ack = now
            self.sock.settimeout(1.0)
            try:
                data = self._read()
            except gevent.socket.timeout:
                data = b""
                if time.time() - self.last_io > cfg.repl_timeout:
                    raise LinkError("MASTER timeout: no data nor PING received...")

    def _ack(self):
        self._send(b"REPLCONF", b"ACK", b"%d" % self.offset)

    # --- read-only -----------------------------------------------------------------
    def _config_changed(self, name, value):
        if name in ("replica-read-only", "replica-serve-stale-data"):
            self._update_rule()

    def _update_rule(self):
        # Each rule runs before commands only while its setting asks for it.
        cfg = self.server.config
        d = self.server.dispatcher
        want = self.host is not None and cfg.replica_read_only
        if want and not self._readonly:
            d.add_rule(self._readonly_rule, RULE_READONLY)
        elif not want and self._readonly:
            d.remove_rule(self._readonly_rule)
        self._readonly = want
        want = self.host is not None and not cfg.replica_serve_stale_data
        if want and not self._stale_rule_on:
            d.add_rule(self._stale_rule, RULE_MASTERDOWN)
        elif not want and self._stale_rule_on:
            d.remove_rule(self._stale_rule)
        self._stale_rule_on = want

    def _stale_rule(self, conn, spec, argv):
        # Only commands flagged "stale" (INFO, REPLICAOF, PING ...) while the link is down.
        if conn.sock is None or self.state == CONNECTED:
            return None
        if not self._stale_ok(spec, argv) or (spec.name == "exec" and conn.multi and not all(
                self._stale_ok(s, a) for s, a in conn.multi)):
            return self.server.dispatcher.error(errors.MASTERDOWN, spec)
        return None

    def stale_denied(self, spec):
        """For the commands a script runs: Redis' error while the link is down and
        replica-serve-stale-data is no (the script itself was allowed: allow-stale)."""
        if self._stale_rule_on and self.state != CONNECTED and not spec.is_stale:
            return errors.STALE_SCRIPT_COMMAND
        return None

    def _stale_ok(self, spec, argv):
        """Redis' CMD_STALE of this call: a script or function only with allow-stale
        (one without shebang never), an unknown one as its command."""
        if spec.fullname in SCRIPT_COMMANDS:
            flags = script_flags(self.server, spec, argv)
            return flags is UNKNOWN or (flags is not None and "allow-stale" in flags)
        return spec.is_stale

    def _readonly_rule(self, conn, spec, argv):
        if conn.sock is None:
            return None   # the master's commands, the append-only log's
        if call_writes(self.server, spec, argv, conn):
            return self.server.dispatcher.error(errors.READONLY_REPLICA, spec)
        return None

    def write_denied(self):
        """For a script's writes: the -READONLY text while it applies, or None."""
        if self._readonly:
            return errors.READONLY_REPLICA
        return None

    # --- INFO and ROLE ------------------------------------------------------------------
    def info_lines(self):
        now = time.time()
        up = self.state == CONNECTED
        offset = max(self.offset, 0)
        lines = [
            "role:slave",
            "master_host:%s" % self.host,
            "master_port:%d" % self.port,
            "master_link_status:%s" % ("up" if up else "down"),
            "master_last_io_seconds_ago:%d" % (int(now - self.last_io) if up else -1),
            "master_sync_in_progress:%d" % (self.state == SYNC),
            "slave_read_repl_offset:%d" % offset,
            "slave_repl_offset:%d" % offset,
        ]
        if self.state == SYNC:
            total = self.sync_total
            lines += [
                "master_sync_total_bytes:%d" % total,
                "master_sync_read_bytes:%d" % self.sync_read,
                "master_sync_left_bytes:%d" % (total - self.sync_read if total >= 0 else -1),
                "master_sync_perc:%.2f" % (100.0 * self.sync_read / total if total > 0 else 0.0),
                "master_sync_last_io_seconds_ago:%d" % int(now - self.last_io),
            ]
        if not up:
            lines.append("master_link_down_since_seconds:%d" % (
                int(now - self.down_since) if self.down_since else -1))
        cfg = self.server.config
        lines += [
            "slave_priority:%d" % cfg.replica_priority,
            "slave_read_only:%d" % bool(cfg.replica_read_only),
            "replica_announced:%d" % bool(cfg.replica_announced),
        ]
        return lines

    def role(self):
        state = self.state
        if state == SYNC and self.sync_read == 0:
            state = HANDSHAKE
        return [b"slave", self.host.encode(), self.port, state.encode(),
                self.offset if self.state == CONNECTED else -1]
