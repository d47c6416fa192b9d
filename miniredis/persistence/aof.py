"""The append-only log: Redis 7.0's multi-part AOF.

Owns: the ``appenddirname`` directory (manifest, base file, incremental
files), turning the propagation stream into RESP commands on disk, the fsync
policies (``appendfsync``), BGREWRITEAOF (a forked child writes the new base),
automatic rewrites by growth, loading the directory at start-up, CONFIG SET
appendonly yes/no at run time, and the aof_* fields of INFO persistence.
Must not touch: the RDB format (rdb.py writes and reads it), snapshots and
the start-up/shutdown order (snapshot.py, cli.py), command semantics (the log
is replayed through the dispatcher, as Redis replays it with a fake client).

Layout, as redis-server 7.0 writes it (``appendfilename`` appendonly.aof)::

    appendonlydir/appendonly.aof.manifest     file appendonly.aof.1.base.rdb seq 1 type b
                                              file appendonly.aof.1.incr.aof seq 1 type i
    appendonlydir/appendonly.aof.1.base.rdb   the dataset at the last rewrite (RDB with
                                              aof-use-rdb-preamble yes, else .base.aof commands)
    appendonlydir/appendonly.aof.1.incr.aof   every change since, as RESP commands

Write path: the propagation listener encodes each call's commands (with a
SELECT when the database changes) into ``server.aof_buf``. Before any reply
leaves (Server.write) the buffer is written to the incremental file -- and
with ``appendfsync always`` fdatasync()ed -- so an acknowledged write is in
the OS (always: on disk) before the client sees its reply, as Redis does in
beforeSleep. ``everysec`` fsyncs at most once a second from gevent's thread
pool, so the hub never waits on the disk; ``no`` leaves it to the OS. A timer
also writes what no reply flushed (active expiry's DELs).

Rewrite (7.0 style): at the start a new incremental file is opened and the
writes switch to it (the manifest on disk lists it at once, so a crash while
the child runs loses nothing); a forked child writes the new base from its
copy-on-write view of the keyspace to ``temp-rewriteaof-<pid>.aof`` and
renames it ``temp-rewriteaof-bg-<pid>.aof`` when complete; the parent then
renames it into the directory, writes the new manifest atomically (temp file,
rename, fsync of the directory) and deletes the files it replaced.

Typed values (project extension: RESP3 arrays, maps, booleans, integers
and doubles stored by a RESP3 client) are written as ordinary string
arguments in the forms the RDB files use (rdb.py: an integer as its decimal
text, a double as its text, anything else as its RESP3 encoding), announced
by an annotation line before the command, e.g. ``#miniredis-typed 2:resp3``
(argument position, kind). Redis skips lines starting with '#' (its own
``#TS:`` annotations), so redis-server loads such a file and sees those
strings; miniredis restores the typed values.
"""

import io
import logging
import os
import re
import signal
import time

from hiredis import pack_command as _pack

from .. import errors
from ..connection import Connection
from ..datatypes import TypedValue, as_bytes, to_reply
from ..events import ReplicaOnly
from ..protocol import TypedArgs, _parse_value, encode, split_inline
from ..registry import COMMANDS, LOOKUP
from ..replies import BLOCKED, Double, Error
from ..rules import RULE_MISCONF
from .snapshot import fsync_dir as _fsync_dir, unlink_quietly as _unlink

log = logging.getLogger("miniredis")

BASE, INCR, HISTORY = "b", "i", "h"
# Redis' AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH/SADD/ZADD/HMSET of a rewrite.
ITEMS_PER_CMD = 64
# After this many failed rewrites in a row, automatic ones wait (Redis' aofRewriteLimited).
RETRY_LIMIT = 3
RETRY_DELAY = 60
RETRY_AFTER_FAILURE = 5
CRON_INTERVAL = 0.1
TYPED_MARK = b"#miniredis-typed"


class AOFError(Exception):
    """The log cannot be loaded: the message names the file (and the offset)."""

    def __init__(self, message, path=None, offset=None):
        Exception.__init__(self, message)
        self.path = path
        self.offset = offset


# --- RESP commands -------------------------------------------------------------------

def _arg_bytes(a):
    t = type(a)
    if t is bytes:
        return a
    if t is int:
        return b"%d" % a
    if t is str:
        return a.encode("utf-8", "surrogateescape")
    if t is float:
        return as_bytes(a)
    if t is bytearray or t is memoryview:
        return bytes(a)
    return str(a).encode()   # never fail the write path over an odd argument


def encode_command(argv):
    """One command as the log holds it: a RESP array of bulk strings.

    A request carrying RESP3 typed values (TypedArgs) gets the annotation line
    naming their positions and kinds (see :func:`_typed_text`).
    """
    if type(argv) is not TypedArgs:
        try:   # the common case, all bytes: one expression (it runs for every write)
            return b"*%d\r\n" % len(argv) + b"".join([b"$%d\r\n%b\r\n" % (len(a), a) for a in argv])
        except TypeError:
            pass   # an int or str argument: the general path below
    marks = []
    parts = [b"*%d\r\n" % len(argv)]
    for i, a in enumerate(argv):
        if type(argv) is TypedArgs and type(a) is not bytes:
            a, kind = _typed_text(a)
            marks.append(b"%d:%b" % (i, kind))
        elif type(a) is not bytes:
            a = _arg_bytes(a)
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    if marks:
        parts.insert(0, TYPED_MARK + b" " + b" ".join(marks) + b"\r\n")
    return b"".join(parts)


def _typed_text(a):
    """(string, kind) of a typed argument: the same forms as the RDB files (rdb.py):
    an integer as its decimal text, a double as its text, anything else as its
    RESP3 encoding -- which is what redis-server sees when it loads the log."""
    t = type(a)
    if t is int:
        return b"%d" % a, b"int"
    if t is Double:
        return as_bytes(a.value), b"double"
    return encode(a, 3), b"resp3"


def _typed_arg(text, kind):
    if kind == b"int":
        return int(text)
    if kind == b"double":
        return Double(float(text))
    if kind == b"resp3":
        parsed = _parse_value(text, 0, 0)
        if parsed is not None and parsed[1] == len(text):
            return parsed[0]
    raise _BadFormat()


def _select(dbi):
    return encode_command([b"SELECT", b"%d" % dbi])


def _chunks(items, n):
    batch = []
    for x in items:
        batch.append(x)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def value_commands(key, value):
    """The commands that recreate one key (Redis' rewriteAppendOnlyFileRio)."""
    t = type(value)
    if t is bytes:
        yield [b"SET", key, value]
        return
    if t is int or t is float or t is TypedValue:
        yield TypedArgs([b"SET", key, to_reply(value)])
        return
    name = getattr(value, "type_name", None)
    if name == "list":
        for batch in _chunks(value, ITEMS_PER_CMD):
            yield [b"RPUSH", key] + batch
    elif name == "set":
        for batch in _chunks(value, ITEMS_PER_CMD):
            yield [b"SADD", key] + batch
    elif name == "zset":
        for batch in _chunks(value.items(), ITEMS_PER_CMD):
            argv = [b"ZADD", key]
            for member, score in batch:
                argv += [b"%.17g" % score, member]
            yield argv
    elif name == "hash":
        for batch in _chunks(value.items(), ITEMS_PER_CMD):
            argv = [b"HMSET", key]
            for field, v in batch:
                argv += [field, v]
            yield argv
    elif name == "stream":
        # The stream module knows its own rebuild (XADD, XSETID, XGROUP, XCLAIM ...);
        # imported here: commands import persistence, not the other way at load time.
        from ..commands.streams import rewrite_commands
        yield from rewrite_commands(key, value)
    else:
        log.warning("AOF rewrite: key of unknown type %r skipped", name)


def function_codes(server):
    """The source of every function library (FUNCTION LOAD), for the base file."""
    scripting = getattr(server, "scripting", None)
    libs = getattr(scripting, "_functions", None)
    return [lib.code for lib in libs.libraries.values()] if libs is not None else []


def write_command_base(f, keyspace, now_ms, functions=()):
    """The whole keyspace as commands (the .base.aof of aof-use-rdb-preamble no)."""
    for code in functions:
        f.write(encode_command([b"FUNCTION", b"LOAD", code]))
    for db in keyspace.dbs:
        if not db.data:
            continue
        f.write(_select(db.index))
        expires = db.expires
        for key, value in list(db.data.items()):
            when = expires.get(key)
            if when is not None and when <= now_ms:
                continue   # already expired: Redis' rewrite skips it too
            for argv in value_commands(key, value):
                f.write(encode_command(argv))
            if when is not None:
                f.write(encode_command([b"PEXPIREAT", key, b"%d" % when]))


# --- the manifest ------------------------------------------------------------------

class Manifest(object):
    """What the directory holds: one base file, incremental files in order, history."""

    def __init__(self):
        self.base = None       # (name, seq)
        self.incrs = []        # [(name, seq)] in replay order
        self.history = []      # [name]: replaced files not deleted yet

    def copy(self):
        m = Manifest()
        m.base, m.incrs, m.history = self.base, list(self.incrs), list(self.history)
        return m

    @property
    def next_base_seq(self):
        return (self.base[1] if self.base else 0) + 1

    @property
    def next_incr_seq(self):
        return (self.incrs[-1][1] if self.incrs else 0) + 1

    def files(self):
        """[(name, is_base)] in load order."""
        out = [(self.base[0], True)] if self.base else []
        return out + [(name, False) for name, _ in self.incrs]

    @classmethod
    def parse(cls, data, path):
        m = cls()
        for raw in data.split(b"\n"):
            line = raw.strip()
            if not line or line.startswith(b"#"):
                continue
            words = split_inline(line)
            if not words or len(words) % 2:
                raise AOFError("Invalid AOF manifest file format", path)
            fields = dict(zip(words[0::2], words[1::2]))
            name, seq, kind = fields.get(b"file"), fields.get(b"seq"), fields.get(b"type")
            if name is None or seq is None or kind not in (b"b", b"i", b"h") or not seq.isdigit():
                raise AOFError("Invalid AOF manifest file format", path)
            name, seq = os.fsdecode(name), int(seq)
            if kind == b"b":
                if m.base is not None:
                    raise AOFError("Found duplicate base file information", path)
                m.base = (name, seq)
            elif kind == b"i":
                if m.incrs and seq <= m.incrs[-1][1]:
                    raise AOFError("Found a non-monotonic sequence number", path)
                m.incrs.append((name, seq))
            else:
                m.history.append(name)
        if m.base is None and not m.incrs and not m.history:
            raise AOFError("Found an empty AOF manifest", path)
        return m

    def render(self):
        lines = []
        if self.base:
            lines.append(_manifest_line(self.base[0], self.base[1], BASE))
        for name in self.history:
            lines.append(_manifest_line(name, 0, HISTORY))
        for name, seq in self.incrs:
            lines.append(_manifest_line(name, seq, INCR))
        return b"".join(lines)


_PLAIN_NAME = re.compile(rb"[\x21-\x7e]+\Z")


def _manifest_line(name, seq, kind):
    raw = os.fsencode(name)
    if not _PLAIN_NAME.match(raw) or b'"' in raw or b"'" in raw or b"\\" in raw:
        raw = _quote(raw)
    return b"file %b seq %d type %b\n" % (raw, seq, kind.encode())


def _quote(raw):
    out = [b'"']
    for c in raw:
        if c in (0x22, 0x5C):
            out.append(b"\\" + bytes([c]))
        elif 0x20 <= c < 0x7F:
            out.append(bytes([c]))
        else:
            out.append(b"\\x%02x" % c)
    out.append(b'"')
    return b"".join(out)


# --- small file helpers ---------------------------------------------------------------

def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _data_dir(config):
    # Redis works relative to its cwd (it chdir()s to ``dir``); P2a makes ``dir`` absolute.
    return config.dir or os.getcwd()


# --- loading -------------------------------------------------------------------------

class _Truncated(Exception):
    pass


class _BadFormat(Exception):
    pass


def _read_line(f):
    line = f.readline()
    if not line.endswith(b"\n"):
        raise _Truncated()
    return line


def _read_command(f):
    """The next command of the file: (argv, typed positions) or None at a clean end."""
    typed = None
    while True:
        line = f.readline()
        if not line:
            return None
        if not line.endswith(b"\n"):
            raise _Truncated()
        if line[:1] != b"#":
            break
        if line.startswith(TYPED_MARK + b" "):
            try:
                typed = [(int(i), kind) for i, kind in
                         (w.split(b":", 1) for w in line[len(TYPED_MARK):].split())]
            except ValueError:
                raise _BadFormat()
    if line[:1] != b"*":
        raise _BadFormat()
    try:
        argc = int(line[1:])
    except ValueError:
        raise _BadFormat()
    if argc < 1:
        raise _BadFormat()
    argv = []
    for _ in range(argc):
        line = _read_line(f)
        if line[:1] != b"$":
            raise _BadFormat()
        try:
            n = int(line[1:])
        except ValueError:
            raise _BadFormat()
        data = f.read(n + 2)
        if len(data) < n + 2:
            raise _Truncated()
        argv.append(data[:n])
    return argv, typed


def _restore_typed(argv, marks):
    out = TypedArgs(argv)
    for i, kind in marks:
        if not 0 <= i < len(out):
            raise _BadFormat()
        try:
            out[i] = _typed_arg(out[i], kind)
        except ValueError:
            raise _BadFormat()
    return out


def _rdb_end(data):
    """Where the RDB part of a base file ends: an old-style AOF (Redis < 7.0, migrated
    as the base) may hold commands after its RDB preamble. The end is the EOF opcode
    whose CRC-64 matches, followed by the end of the file or a command."""
    from .checksum import crc64
    n = len(data)
    if n >= 9 and data[n - 9] == 0xFF:
        stored = int.from_bytes(data[n - 8:], "little")
        if stored == 0 or crc64(data[:n - 8]) == stored:
            return n
    crc, done = 0, 0
    p = data.find(b"\xff")
    while p >= 0:
        end = p + 9
        if end < n and data[end] in (0x2A, 0x23):   # '*' or '#'
            crc = crc64(data[done:p + 1], crc)
            done = p + 1
            stored = int.from_bytes(data[p + 1:end], "little")
            if stored == crc or stored == 0:
                return end
        p = data.find(b"\xff", p + 1)
    return n


def _known(name):
    if name in LOOKUP:
        return True
    return type(name) is bytes and name.lower().decode("latin-1") in COMMANDS


class _Replayer(object):
    """Runs the commands of one file through the dispatcher with a fake client."""

    def __init__(self, server, name, path, done=0):
        self.server = server
        self.name = name
        self.path = path
        self.done = done          # bytes of the files loaded before this one (progress)
        conn = Connection(server, None, None, 0)
        conn.authenticated = True
        conn.deny_blocking = True    # a blocking command answers at once, as in EXEC
        self.conn = conn

    def run(self, f, last, truncate_ok):
        """Replay from f's position to its end; returns the commands run."""
        dispatcher = self.server.dispatcher
        conn = self.conn
        valid = f.tell()          # end of the last complete command
        before_multi = None       # offset of an open MULTI
        count = 0
        while True:
            start = f.tell()
            try:
                cmd = _read_command(f)
            except _BadFormat:
                raise AOFError("Bad file format reading the append only file %s (offset %d): "
                               "make a backup of your AOF file, then use ./redis-check-aof "
                               "--fix <filename.manifest>" % (self.name, start), self.name, start)
            except _Truncated:
                return self._truncated(f, valid if before_multi is None else before_multi,
                                       last, truncate_ok, before_multi is not None, count)
            if cmd is None:
                break
            argv, typed = cmd
            if typed:
                argv = _restore_typed(argv, typed)
            if not _known(argv[0]):
                raise AOFError("Unknown command '%s' reading the append only file %s (offset %d)"
                               % (os.fsdecode(argv[0]), self.name, start), self.name, start)
            name = argv[0].lower() if type(argv[0]) is bytes else b""
            if name == b"multi":
                before_multi = start
            elif name == b"exec":
                before_multi = None
            reply = dispatcher.dispatch(conn, argv)
            if reply is BLOCKED:   # cannot happen with deny_blocking; never leave it parked
                self.server.blocking.disconnected(conn)
            count += 1
            valid = f.tell()
            if not count & 1023 and self.server.loading is not None:
                # Lets the hub answer -LOADING meanwhile; raises LoadAborted on SHUTDOWN.
                self.server.loading.progress(self.done + valid)
        if before_multi is not None:
            return self._truncated(f, before_multi, last, truncate_ok, True, count)
        return count

    def _truncated(self, f, offset, last, truncate_ok, in_multi, count):
        if in_multi:
            log.warning("Revert incomplete MULTI/EXEC transaction in AOF file %s", self.name)
        if not (last and truncate_ok):
            raise AOFError("Unexpected end of file reading the append only file %s (offset %d). "
                           "You can: 1) Make a backup of your AOF file, then use ./redis-check-aof "
                           "--fix <filename.manifest>. 2) Alternatively you can set the "
                           "'aof-load-truncated' configuration option to yes and restart the "
                           "server." % (self.name, offset), self.name, offset)
        log.warning("!!! Warning: short read while loading the AOF file %s!!!", self.name)
        log.warning("!!! Truncating the AOF %s at offset %d !!!", self.name, offset)
        try:
            os.truncate(self.path, offset)
        except OSError as e:
            raise AOFError("Error truncating the AOF file %s: %s" % (self.name, e.strerror or e),
                           self.name, offset)
        log.warning("AOF %s loaded anyway because aof-load-truncated is enabled", self.name)
        return count


# --- the log ---------------------------------------------------------------------------

class AppendOnly(object):
    """The append-only log of one server (``server.aof``)."""

    def __init__(self, server, directory=None):
        self.server = server
        self.config = server.config
        self.directory = directory     # None: ``dir`` / the working directory, as Redis
        self.on = False                # aof_state != AOF_OFF
        self.waiting = False           # turned on, its first base not written (AOF_WAIT_REWRITE)
        self.manifest = None
        self.fd = None                 # the incremental file written now
        self.cur_db = -1
        self.last_ts = 0
        self.buf = server.aof_buf      # encoded commands not written yet (shared with Server.write)
        self.child = None              # the rewrite running: dict
        self.scheduled = False
        self.timer = None
        self.fsync_job = None
        self.unsynced = False
        self.last_fsync = time.time()
        self.current_size = 0
        self.base_size = 0
        self.rewrites = 0
        self.rewrite_failures = 0      # in a row
        self.last_rewrite_ok = True
        self.last_rewrite_secs = -1
        self.last_rewrite_try = 0
        self.write_error = None        # strerror of the last failed write (MISCONF)
        self._denying = False
        server.aof = self
        server.aof_write = self.write_pending
        self.config.on_set.append(self._config_changed)

    # --- paths --------------------------------------------------------------------------
    def root(self):
        return self.directory or _data_dir(self.config)

    def dir_path(self):
        return os.path.join(self.root(), self.config.appenddirname)

    def path(self, name):
        return os.path.join(self.dir_path(), name)

    def manifest_name(self):
        return self.config.appendfilename + ".manifest"

    @property
    def rewrite_in_progress(self):
        return self.child is not None

    # --- life cycle ---------------------------------------------------------------------
    def load(self):
        """Replay the directory into the keyspace (start-up); True if there was a log.

        Raises AOFError (file and offset named) when it cannot be loaded.
        """
        mpath = self.path(self.manifest_name())
        if not os.path.exists(mpath) and not self._upgrade_old_style():
            return False
        with open(mpath, "rb") as f:
            manifest = Manifest.parse(f.read(), self.manifest_name())
        files = manifest.files()
        t0 = time.time()
        self._loaded = 0
        for i, (name, is_base) in enumerate(files):
            self._load_file(name, is_base, i == len(files) - 1)
            self._loaded += _size(self.path(name))
        self.manifest = manifest
        # As Redis: the size of the incremental file made during the last rewrite is
        # not known any more, so the whole log counts as the base of the growth rule.
        self.current_size = sum(_size(self.path(n)) for n, _ in files)
        self.base_size = self.current_size
        log.info("DB loaded from append only file: %.3f seconds", time.time() - t0)
        return True

    def _upgrade_old_style(self):
        """A Redis < 7.0 single ``appendfilename`` in ``dir`` becomes the base of a new
        directory (moved there, with a manifest naming it), as Redis 7.0 does."""
        old = os.path.join(self.root(), self.config.appendfilename)
        if not os.path.isfile(old):
            return False
        os.makedirs(self.dir_path(), exist_ok=True)
        os.rename(old, self.path(self.config.appendfilename))
        m = Manifest()
        m.base = (self.config.appendfilename, 1)
        self._persist_manifest(m)
        log.info("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
                 self.config.appendfilename, self.config.appenddirname)
        return True

    def _load_file(self, name, is_base, last):
        path = self.path(name)
        t0 = time.time()
        try:
            f = open(path, "rb")
        except OSError as e:
            if not is_base and e.errno == 2 and last and _size(path) == 0:
                return   # Redis 7.0 tolerates a missing last (empty) incr file
            raise AOFError("Can't open the append-only file %s: %s" % (name, e.strerror or e), name)
        with f:
            if is_base and f.read(5) == b"REDIS":
                f.seek(0)
                f.seek(self._load_rdb(f, name))
            else:
                f.seek(0)
            if f.read(1):
                f.seek(-1, 1)
                _Replayer(self.server, name, path, self._loaded).run(
                    f, last, self.config.aof_load_truncated)
        log.info("DB loaded from %s file %s: %.3f seconds", "base" if is_base else "incr",
                 name, time.time() - t0)

    def _load_rdb(self, f, name):
        """Load an RDB base (or preamble); returns the offset where it ended."""
        from .rdb import RDBError, load_rdb
        functions = []
        data = f.read()
        end = _rdb_end(data)
        try:
            load_rdb(io.BytesIO(data if end == len(data) else data[:end]), self.server.keyspace,
                     config=self.config, functions=functions, progress=self._rdb_progress)
        except RDBError as e:
            offset = getattr(e, "offset", None)
            raise AOFError("Bad file format reading the append only file %s (offset %s): %s"
                           % (name, offset, e), name, offset)
        replay = _Replayer(self.server, name, self.path(name))
        for code in functions:
            argv = [b"FUNCTION", b"LOAD", b"REPLACE", code]
            reply = self.server.dispatcher.dispatch(replay.conn, argv)
            if type(reply) is Error:
                raise AOFError("Failed loading the functions of the AOF base file %s: %s"
                               % (name, reply.message), name)
        return end

    def _rdb_progress(self, offset, total, keys):
        if self.server.loading is not None:
            self.server.loading.progress(self._loaded + offset)

    def start(self):
        """After load(): open (or create) the directory and follow the propagation stream."""
        self._ensure_timer()
        if not self.config.appendonly:
            return
        d = self.dir_path()
        os.makedirs(d, exist_ok=True)
        m = self.manifest
        if m is None:
            m = self._disk_manifest() or Manifest()
        if m.base is None and not m.incrs:
            # A fresh directory: the base is the dataset now (empty at start-up).
            name = self._base_name(m.next_base_seq)
            self._write_base_now(self.path(name))
            m.base = (name, m.next_base_seq)
            log.info("Creating AOF base file %s on server start", name)
        if not m.incrs:
            name = "%s.%d.incr.aof" % (self.config.appendfilename, m.next_incr_seq)
            m.incrs.append((name, m.next_incr_seq))
            log.info("Creating AOF incr file %s on server start", name)
        else:
            log.info("Opening AOF incr file %s on server start", m.incrs[-1][0])
        self._open_incr(m.incrs[-1][0])
        self._persist_manifest(m)
        self.manifest = m
        self._switch_on()

    def _ensure_timer(self):
        # The cron: buffered writes no reply flushed, everysec fsync, the rewrite child.
        if self.timer is None:
            self.timer = self.server.loop.timer(CRON_INTERVAL, CRON_INTERVAL)
            self.timer.start(self._cron)

    def _switch_on(self):
        self.on = True
        listeners = self.server.events.propagate_listeners
        if self._feed not in listeners:
            listeners.append(self._feed)

    def _switch_off(self):
        self.on = False
        self.waiting = False
        listeners = self.server.events.propagate_listeners
        if self._feed in listeners:
            listeners.remove(self._feed)
        del self.buf[:]

    def flush_all(self):
        """Write and fsync everything pending (SHUTDOWN, SIGTERM, appendonly no)."""
        self.write_pending()
        if self.fd is not None:
            try:
                os.fsync(self.fd)
                self.unsynced = False
            except OSError as e:
                log.warning("Can't fsync the AOF file: %s", e.strerror or e)

    def stop(self):
        """Flush, close, end a running rewrite; the log stays on disk."""
        if self.child is not None:
            self._kill_child()
        self.flush_all()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self._switch_off()

    # --- writing ------------------------------------------------------------------------
    def _feed(self, ops):
        """A propagation listener: one call's commands, encoded into the buffer."""
        buf = self.buf
        if self.config.aof_timestamp_enabled:
            now = int(time.time())
            if now != self.last_ts:
                # Redis' annotation, skipped by loaders (and used by redis-check-aof).
                buf.append(b"#TS:%d\r\n" % now)
                self.last_ts = now
        for dbi, argv in ops:
            t = type(argv)
            if t is ReplicaOnly:
                continue
            if dbi != self.cur_db:
                buf.append(_select(dbi))
                self.cur_db = dbi
            if t is list:
                try:
                    # The common case, written by hiredis' C encoder: commands
                    # propagate bytes (numbers as their text), written as they are.
                    buf.append(_pack(tuple(argv)))
                    continue
                except (TypeError, UnicodeError):
                    pass
            buf.append(encode_command(argv))

    def write_pending(self):
        """Write the buffer to the incremental file (before replies leave; from the cron)."""
        if not self.buf:
            return
        if self.fd is None:
            del self.buf[:]
            return
        data = b"".join(self.buf)
        del self.buf[:]
        try:
            _write_all(self.fd, data)
        except OSError as e:
            self._write_failed(e, data)
            return
        self.current_size += len(data)
        if self.write_error is not None:
            log.warning("AOF write error looks solved, Redis can write again.")
            self.write_error = None
            self._deny_writes(False)
        if self.config.appendfsync == "always" and not self._fsync_paused():
            try:
                os.fdatasync(self.fd)
            except OSError as e:
                self._fatal_fsync(e)
            self.last_fsync = time.time()
        else:
            self.unsynced = True

    def _fsync_paused(self):
        """no-appendfsync-on-rewrite: no fsync while a child writes a big file."""
        return self.config.no_appendfsync_on_rewrite and (
            self.child is not None or self._other_child())

    def _write_failed(self, e, data):
        reason = e.strerror or str(e)
        if self.config.appendfsync == "always":
            log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                        "Exiting...")
            os._exit(1)
        if self.write_error is None:
            log.warning("Error writing to the AOF file: %s", reason)
        self.write_error = reason
        self.buf.insert(0, data)   # retried by the cron, as Redis retries its buffer
        self._deny_writes(True)

    def _fatal_fsync(self, e):
        log.warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. "
                    "Exiting...", e.strerror or e)
        os._exit(1)

    def _deny_writes(self, deny):
        """-MISCONF for writes (and PING) while the log cannot be written, as Redis."""
        d = self.server.dispatcher
        if deny and not self._denying:
            d.add_rule(self._misconf_hook, RULE_MISCONF)
        elif not deny and self._denying:
            d.remove_rule(self._misconf_hook)
        self._denying = deny

    def _misconf_hook(self, conn, spec, argv):
        if self.write_error is None or not self.on:
            return None
        if spec.is_write or spec.name == "ping":
            return self.server.dispatcher.error(errors.AOF_MISCONF_FMT % self.write_error, spec)
        return None

    def _fsync_everysec(self):
        if not self.unsynced or self.fd is None:
            return
        if self.fsync_job is not None and not self.fsync_job.ready():
            return   # the previous one still runs (a slow disk): Redis postpones too
        if time.time() - self.last_fsync < 1.0 or self._fsync_paused():
            return
        self.unsynced = False
        self.last_fsync = time.time()
        self.fsync_job = _pool().spawn(_quiet_fsync, self.fd)

    # --- the incremental file and the manifest ---------------------------------------------
    def _base_name(self, seq):
        kind = "rdb" if self._rdb_base() else "aof"
        return "%s.%d.base.%s" % (self.config.appendfilename, seq, kind)

    def _rdb_base(self):
        if not self.config.aof_use_rdb_preamble:
            return False
        try:
            from . import rdb
        except ImportError:
            return False
        return hasattr(rdb, "write_rdb")

    def _temp_incr(self):
        return "temp-%s.incr" % self.config.appendfilename

    def _open_incr(self, name, truncate=False):
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (os.O_TRUNC if truncate else 0)
        fd = os.open(self.path(name), flags, 0o644)
        old, self.fd = self.fd, fd
        self.cur_db = -1   # a new file starts with its own SELECT
        if old is not None:
            _pool().spawn(_fsync_close, old)

    def _persist_manifest(self, m):
        d = self.dir_path()
        tmp = os.path.join(d, "temp-" + self.manifest_name())
        with open(tmp, "wb") as f:
            f.write(m.render())
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(d, self.manifest_name()))
        _fsync_dir(d)

    def _disk_manifest(self):
        mpath = self.path(self.manifest_name())
        try:
            with open(mpath, "rb") as f:
                return Manifest.parse(f.read(), self.manifest_name())
        except (OSError, AOFError):
            return None

    def _write_base_now(self, path):
        with open(path, "wb") as f:
            self._write_base(f)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(os.path.dirname(path))

    def _write_base(self, f):
        if self._rdb_base():
            from .rdb import write_rdb
            cfg = self.config
            write_rdb(f, self.server.keyspace, aux={"aof-base": 1}, checksum=cfg.rdbchecksum,
                      compress=cfg.rdbcompression, config=cfg,
                      functions=function_codes(self.server))
        else:
            write_command_base(f, self.server.keyspace, self.server.keyspace.clock(),
                               function_codes(self.server))

    # --- rewriting ----------------------------------------------------------------------
    def rewrite_background(self):
        """BGREWRITEAOF: None when started, else the status or error text to answer.

        While a snapshot child runs, the rewrite waits for it (aof_rewrite_scheduled).
        """
        if self.child is not None:
            return errors.AOF_REWRITE_IN_PROGRESS
        if self._other_child():
            self.scheduled = True
            return errors.AOF_REWRITE_SCHEDULED
        if not self._start_rewrite():
            return errors.AOF_REWRITE_FAILED
        return None

    def _other_child(self):
        snap = getattr(self.server, "snapshots", None)
        return bool(snap is not None and snap.in_progress)

    def _start_rewrite(self):
        """Open the next incremental file, fork the child that writes the base; True if started."""
        self.scheduled = False
        self.last_rewrite_try = time.time()
        try:
            os.makedirs(self.dir_path(), exist_ok=True)
            m = (self.manifest or self._disk_manifest() or Manifest()).copy()
            # The incremental files the new base will contain (turning on: none,
            # the old ones are history already).
            before = [] if self.waiting else [n for n, _ in m.incrs]
            if self.on and not self.waiting:
                self.write_pending()
                name = "%s.%d.incr.aof" % (self.config.appendfilename, m.next_incr_seq)
                m.incrs.append((name, m.next_incr_seq))
                self._open_incr(name)
                self._persist_manifest(m)
                log.info("Creating AOF incr file %s on background rewrite", name)
            self.manifest = m
        except OSError as e:
            log.warning("Can't open new incr AOF for background rewrite: %s", e.strerror or e)
            return False
        try:
            pid = os.fork()
        except OSError as e:
            log.warning("Can't rewrite append only file in background: fork: %s", e.strerror or e)
            return False
        if pid == 0:
            self._run_child()   # never returns
        self._ensure_timer()
        log.info("Background append only file rewriting started by pid %d", pid)
        self.child = {"pid": pid, "start": time.time(), "before": before,
                      "base": self._base_name(m.next_base_seq), "seq": m.next_base_seq}
        return True

    def _run_child(self):
        code = 1
        try:
            pid = os.getpid()
            root = self.root()
            tmp = os.path.join(root, "temp-rewriteaof-%d.aof" % pid)
            self._write_base_now(tmp)
            os.rename(tmp, os.path.join(root, "temp-rewriteaof-bg-%d.aof" % pid))
            log.info("Successfully created the temporary AOF base file "
                     "temp-rewriteaof-bg-%d.aof", pid)
            code = 0
        except BaseException as e:   # noqa: B902 -- the child must always leave through _exit
            try:
                log.warning("Write error writing append only file on disk: %s",
                            getattr(e, "strerror", None) or e)
            except BaseException:
                pass
        finally:
            os._exit(code)

    def check_child(self):
        """Collect a finished rewrite child (cron, tests); True when one ended now."""
        c = self.child
        if c is None:
            return False
        try:
            pid, status = os.waitpid(c["pid"], os.WNOHANG)
        except ChildProcessError:
            # Someone else reaped it: the renamed temp file says whether it finished.
            pid, status = c["pid"], 0 if os.path.exists(self._child_done_path(c["pid"])) else 256
        if pid == 0:
            return False
        self.child = None
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGUSR1
        self.last_rewrite_secs = int(time.time() - c["start"])
        if ok and self._install_base(c):
            log.info("Background AOF rewrite finished successfully")
            self.last_rewrite_ok = True
            self.rewrite_failures = 0
            self.rewrites += 1
        else:
            if not killed:
                log.warning("Background AOF rewrite terminated with error")
                self.last_rewrite_ok = False
                self.rewrite_failures += 1
            _unlink(self._child_done_path(c["pid"]))
            _unlink(os.path.join(self.root(), "temp-rewriteaof-%d.aof" % c["pid"]))
            if self.waiting:
                self.scheduled = True   # turning on still needs its base
        return True

    def _child_done_path(self, pid):
        return os.path.join(self.root(), "temp-rewriteaof-bg-%d.aof" % pid)

    def _install_base(self, c):
        """The child succeeded: its file becomes the base; the replaced files go."""
        log.info("Background AOF rewrite terminated with success")
        m = self.manifest.copy()
        old = ([m.base[0]] if m.base else []) + c["before"] + m.history
        try:
            os.rename(self._child_done_path(c["pid"]), self.path(c["base"]))
        except OSError as e:
            log.warning("Error trying to rename the temporary AOF base file: %s", e.strerror or e)
            return False
        log.info("Successfully renamed the temporary AOF base file temp-rewriteaof-bg-%d.aof "
                 "into %s", c["pid"], c["base"])
        # The incremental files written before the fork are in the new base.
        m.base = (c["base"], c["seq"])
        m.incrs = [(n, s) for n, s in m.incrs if n not in c["before"]]
        m.history = []
        try:
            if self.waiting:
                os.rename(self.path(self._temp_incr()), self.path(m.incrs[-1][0]))
                log.info("Successfully renamed the temporary AOF incr file %s into %s",
                         self._temp_incr(), m.incrs[-1][0])
            self._persist_manifest(m)
        except OSError as e:
            log.warning("Can't persist the AOF manifest after the rewrite: %s", e.strerror or e)
            _unlink(self.path(c["base"]))
            return False
        keep = set([m.base[0]] + [n for n, _ in m.incrs])
        for name in old:
            if name not in keep:
                log.info("Removing the history file %s in the background", name)
                _unlink(self.path(name))
        self.manifest = m
        self.waiting = False
        self.current_size = sum(_size(self.path(n)) for n in keep)
        self.base_size = self.current_size
        return True

    def _kill_child(self):
        c = self.child
        log.info("Killing running AOF rewrite child: %d", c["pid"])
        try:
            os.kill(c["pid"], signal.SIGUSR1)
            os.waitpid(c["pid"], 0)
        except OSError:
            pass
        self.child = None
        _unlink(self._child_done_path(c["pid"]))
        _unlink(os.path.join(self.root(), "temp-rewriteaof-%d.aof" % c["pid"]))

    # --- CONFIG SET appendonly ------------------------------------------------------------
    def _config_changed(self, name, value):
        if name != "appendonly":
            return
        if value and not self.on:
            if not self._turn_on():
                self.config.appendonly = False
                from ..config import ConfigSetFailed
                raise ConfigSetFailed("appendonly", "Unable to turn on AOF. Check server logs.")
        elif not value and self.on:
            self._turn_off()

    def _turn_on(self):
        """Redis' startAppendOnly: writes go to a new incremental file, a rewrite makes the base."""
        self._ensure_timer()
        if self.child is not None:
            self._kill_child()   # a rewrite of the log being off is of no use
        try:
            os.makedirs(self.dir_path(), exist_ok=True)
            m = (self._disk_manifest() or Manifest()).copy()
            old = m.files()
            # The old files go once the rewrite has made the new base.
            m.history = [n for n, is_base in old if not is_base] + m.history
            name = "%s.%d.incr.aof" % (self.config.appendfilename, m.next_incr_seq)
            m.incrs = [(name, m.next_incr_seq)]
            # Written under a temporary name until the rewrite lists it, as Redis.
            self._open_incr(self._temp_incr(), truncate=True)
            log.info("Creating AOF incr file %s on background rewrite", self._temp_incr())
        except OSError as e:
            log.warning("Redis needs to enable the AOF but can't open the append only file: %s",
                        e.strerror or e)
            return False
        self.manifest = m
        self.waiting = True
        self._switch_on()
        if self._other_child():
            self.scheduled = True
            return True
        if not self._start_rewrite():
            self._close_off()
            return False
        return True

    def _turn_off(self):
        """Redis' stopAppendOnly: flush, fsync, close; a running rewrite is killed."""
        if self.child is not None:
            self._kill_child()
        self.flush_all()
        waiting = self.waiting
        self._close_off()
        if waiting:   # never listed: the base it waited for will not come
            _unlink(self.path(self._temp_incr()))

    def _close_off(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.scheduled = False
        self._switch_off()
        self._deny_writes(False)
        self.write_error = None

    # --- cron -----------------------------------------------------------------------------
    def _cron(self):
        try:
            events = self.server.events
            if events.ops:
                # DELs of keys the active expiry cycle removed: no command flushed them.
                events.flush()
            self.write_pending()
            if self.config.appendfsync == "everysec":
                self._fsync_everysec()
            self.check_child()
            if self.child is None and self.scheduled and not self._other_child():
                # After a failure, retry later (Redis' CONFIG_BGSAVE_RETRY_DELAY).
                since = time.time() - self.last_rewrite_try
                if not self.rewrite_failures or since >= RETRY_AFTER_FAILURE:
                    self._start_rewrite()
            elif self.child is None and not self.scheduled:
                self._auto_rewrite()
        except Exception:
            log.exception("AOF cron failed")

    def _auto_rewrite(self):
        cfg = self.config
        perc = cfg.auto_aof_rewrite_percentage
        if not self.on or self.waiting or not perc:
            return
        if self.current_size <= cfg.auto_aof_rewrite_min_size:
            return
        if self._other_child():
            return
        if (self.rewrite_failures >= RETRY_LIMIT
                and time.time() - self.last_rewrite_try < RETRY_DELAY):
            return
        base = self.base_size or 1
        growth = self.current_size * 100 // base - 100
        if growth >= perc:
            log.info("Starting automatic rewriting of AOF on %d%% growth", growth)
            self._start_rewrite()

    # --- INFO -----------------------------------------------------------------------------
    def info_fields(self):
        """INFO persistence's aof_* fields, in Redis 7.0's order.

        The last six (from aof_current_size) appear only while the log is on;
        Redis prints module_fork_in_progress / module_fork_last_cow_size
        between the two groups.
        """
        c = self.child
        fields = [
            ("aof_enabled", 1 if self.on else 0),
            ("aof_rewrite_in_progress", 1 if c is not None else 0),
            ("aof_rewrite_scheduled", 1 if self.scheduled else 0),
            ("aof_last_rewrite_time_sec", self.last_rewrite_secs),
            ("aof_current_rewrite_time_sec", int(time.time() - c["start"]) if c else -1),
            ("aof_last_bgrewrite_status", "ok" if self.last_rewrite_ok else "err"),
            ("aof_rewrites", self.rewrites),
            ("aof_rewrites_consecutive_failures", self.rewrite_failures),
            ("aof_last_write_status", "ok" if self.write_error is None else "err"),
            ("aof_last_cow_size", 0),
        ]
        if self.on:
            fields += [
                ("aof_current_size", self.current_size),
                ("aof_base_size", self.base_size),
                ("aof_pending_rewrite", 1 if self.scheduled else 0),
                ("aof_buffer_length", sum(len(b) for b in self.buf)),
                ("aof_pending_bio_fsync", 1 if self.fsync_job is not None
                 and not self.fsync_job.ready() else 0),
                ("aof_delayed_fsync", 0),
            ]
        return fields


# --- background fsync -------------------------------------------------------------------

def _pool():
    import gevent
    return gevent.get_hub().threadpool


def _quiet_fsync(fd):
    try:
        os.fdatasync(fd)
    except OSError as e:
        log.warning("Background AOF fsync failed: %s", e.strerror or e)


def _fsync_close(fd):
    try:
        os.fsync(fd)
    except OSError:
        pass
    os.close(fd)
