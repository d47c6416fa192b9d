"""DUMP, RESTORE (and RESTORE-ASKING) and MIGRATE.

Owns: these commands' parsing, replies and effects. The payload format
(RDB value + RDB version + CRC-64, exactly Redis') lives in
:mod:`miniredis.persistence.rdb`. Must not touch: the RDB codec internals,
other commands.

DUMP of a typed value (project extension) gives the payload of a plain
string -- its decimal text (int), its text (float) or its RESP3 encoding
(arrays, maps ...) -- so that Redis can RESTORE it; RESTORE always creates
plain strings (a payload has no room for a type marker).

MIGRATE talks to the target with a plain blocking socket (the C ``_socket``
module, which gevent never patches) bounded by the command's timeout:
Redis blocks its whole event loop during MIGRATE, and a command here must
not yield to the hub either (other clients would see a half-done
command). As in Redis, links are cached per host:port (64 at most, closed
after 10 s unused, SELECT sent only when the database changes), a failed
link is dropped and the transfer retried once unless it timed out or the
target already acknowledged keys; acknowledged keys are deleted and
replayed as one DEL.
"""

import _socket
import random
import time
import weakref

import gevent

from .. import errors
from ..datatypes import parse_int
from ..errors import CommandError
from ..events import GENERIC
from ..persistence.rdb import PayloadError, RDBError, dump_value, restore_value
from ..protocol import encode_request
from ..registry import command
from ..replies import NULL, OK, Simple

_FREQ_MAX = 255
_REPLY_LINE_MAX = 1024
_CACHE_MAX = 64       # cached MIGRATE links, as Redis' MIGRATE_SOCKET_CACHE_ITEMS
_CACHE_IDLE = 10.0    # seconds before an unused link is closed (MIGRATE_SOCKET_CACHE_TTL)


@command("dump")
def dump(ctx, argv):
    value = ctx.db.read(argv[1])
    if value is None:
        return NULL
    return dump_value(value, compress=ctx.server.config.rdbcompression,
                      config=ctx.server.config)


def _restore_options(argv):
    """(replace, absttl, idle seconds or None) from RESTORE's options, in Redis' order of checks."""
    replace = absttl = False
    idle = freq = None
    j = 4
    while j < len(argv):
        opt = argv[j].lower()
        more = len(argv) - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and freq is None:
            j += 1
            idle = parse_int(argv[j])
            if idle < 0:
                raise CommandError(errors.RESTORE_BAD_IDLETIME)
        elif opt == b"freq" and more >= 1 and idle is None:
            j += 1
            freq = parse_int(argv[j])
            if freq < 0 or freq > _FREQ_MAX:
                raise CommandError(errors.RESTORE_BAD_FREQ)
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    return replace, absttl, idle, freq


def _load_payload(ctx, payload):
    try:
        return restore_value(payload, ctx.server.config)
    except PayloadError:
        raise CommandError(errors.DUMP_PAYLOAD)
    except RDBError:
        raise CommandError(errors.BAD_DATA_FORMAT)


@command("restore")
def restore(ctx, argv):
    replace, absttl, idle, freq = _restore_options(argv)
    key = argv[1]
    db = ctx.db
    if not replace and db.get(key) is not None:
        raise CommandError(errors.BUSYKEY)
    ttl = parse_int(argv[2])
    if ttl < 0:
        raise CommandError(errors.RESTORE_BAD_TTL)
    value = _load_payload(ctx, argv[3])
    deleted = db.delete(key) if replace else False
    now = db.keyspace.clock()
    if ttl and not absttl:
        ttl += now
    if ttl and ttl <= now:
        # Already expired: nothing is created; a replaced key is gone (a DEL).
        if deleted:
            ctx.notify(GENERIC, "del", key)
            ctx.propagate_as([b"UNLINK" if ctx.server.config.lazyfree_lazy_server_del
                              else b"DEL", key])
        else:
            ctx.propagate_as()
        return OK
    db.add(key, value)
    if ttl:
        db.set_expire(key, ttl, delete_past=False)
        if not absttl:
            # Replayed with the absolute time, so a late replay keeps the deadline.
            ctx.propagate_as([argv[0], key, b"%d" % ttl] + argv[3:] + [b"ABSTTL"])
    if idle is not None and not ctx.server.config.maxmemory_policy.endswith("-lfu"):
        db.keyspace.tick()   # the cached second may be stale: IDLETIME must count from now
        db.set_idle(key, idle)
    if freq is not None and ctx.server.config.maxmemory_policy.endswith("-lfu"):
        db.set_freq(key, freq)
    ctx.notify(GENERIC, "restore", key)
    return OK


@command("restore-asking")
def restore_asking(ctx, argv):
    return restore(ctx, argv)


# --- MIGRATE ----------------------------------------------------------------------

class _Options(object):
    __slots__ = ("copy", "replace", "user", "password", "keys")


def _migrate_options(argv):
    o = _Options()
    o.copy = o.replace = False
    o.user = o.password = None
    o.keys = [argv[3]]
    j = 6
    while j < len(argv):
        opt = argv[j].lower()
        more = len(argv) - 1 - j
        if opt == b"copy":
            o.copy = True
        elif opt == b"replace":
            o.replace = True
        elif opt == b"auth":
            if not more:
                raise CommandError(errors.SYNTAX)
            j += 1
            o.password = argv[j]
        elif opt == b"auth2":
            if more < 2:
                raise CommandError(errors.SYNTAX)
            o.user, o.password = argv[j + 1], argv[j + 2]
            j += 2
        elif opt == b"keys":
            if argv[3]:
                raise CommandError(errors.MIGRATE_KEYS_NONEMPTY)
            o.keys = argv[j + 1:]
            break
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    return o


class _IOError(Exception):
    """A socket failure; ``stage`` is "connecting", "writing" or "reading"."""

    def __init__(self, stage, timed_out=False):
        Exception.__init__(self, stage)
        self.stage = stage
        self.timed_out = timed_out
        self.partial = []     # RESTORE replies read before the failure


class _Link(object):
    """A blocking connection to a target, every operation bounded by the timeout.

    ``last_db`` is the database the target has selected (-1: unknown), so
    that a cached link sends SELECT only when the database changes.
    """

    def __init__(self, host, port, timeout):
        self.buf = b""
        self.sock = None
        self.last_db = -1
        self.last_use = time.monotonic()
        try:
            infos = _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM)
            family, kind, proto, _, addr = infos[0]
            self.sock = _socket.socket(family, kind, proto)
            self.sock.settimeout(timeout)
        except (OSError, OverflowError, ValueError, UnicodeError):
            self.close()
            raise _IOError("connecting")
        try:
            self.sock.connect(addr)
        except _socket.timeout:
            self.close()
            raise _IOError("connecting", True)
        except OSError:
            # Redis connects without blocking and learns of a refusal only when
            # it writes: it reports the failure as a write error.
            self.close()
            raise _IOError("writing")

    def close(self):
        s = self.sock
        if s is not None:
            s.close()
            self.sock = None

    def send(self, data):
        try:
            self.sock.sendall(data)
        except _socket.timeout:
            raise _IOError("writing", True)
        except OSError:
            raise _IOError("writing")

    def line(self):
        """One reply line (without CRLF), as Redis' syncReadLine reads it."""
        while b"\n" not in self.buf:
            if len(self.buf) > _REPLY_LINE_MAX:
                break
            try:
                chunk = self.sock.recv(4096)
            except _socket.timeout:
                raise _IOError("reading", True)
            except OSError:
                raise _IOError("reading")
            if not chunk:
                raise _IOError("reading")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")


class _LinkCache(object):
    """Redis' MIGRATE socket cache: up to 64 links by host:port, closed after 10 s idle."""

    def __init__(self):
        self.links = {}

    def get(self, host, port, timeout):
        name = (host, port)
        link = self.links.get(name)
        if link is None:
            if len(self.links) >= _CACHE_MAX:
                self.drop(random.choice(list(self.links)))
            link = _Link(host, port, timeout)
            self.links[name] = link
            gevent.spawn_later(_CACHE_IDLE, self._expire, name, link)
        link.sock.settimeout(timeout)
        link.last_use = time.monotonic()
        return link

    def drop(self, name):
        link = self.links.pop(name, None)
        if link is not None:
            link.close()

    def _expire(self, name, link):
        """Close the link once idle for 10 s (Redis' migrateCloseTimedoutSockets)."""
        if self.links.get(name) is not link:
            return
        idle = time.monotonic() - link.last_use
        if idle >= _CACHE_IDLE:
            self.drop(name)
        else:
            gevent.spawn_later(_CACHE_IDLE - idle, self._expire, name, link)


_CACHES = weakref.WeakKeyDictionary()   # server -> _LinkCache


def _cache(server):
    c = _CACHES.get(server)
    if c is None:
        c = _CACHES[server] = _LinkCache()
    return c


def _migrate_request(o, select_db, payloads):
    """The pipeline sent to the target: [AUTH], [SELECT], one RESTORE per key."""
    parts = []
    if o.password is not None:
        auth = [b"AUTH", o.user, o.password] if o.user is not None else [b"AUTH", o.password]
        parts.append(encode_request(auth))
    if select_db is not None:
        parts.append(encode_request([b"SELECT", b"%d" % select_db]))
    for key, ttl, data in payloads:
        restore_cmd = [b"RESTORE", key, b"%d" % ttl, data]
        if o.replace:
            restore_cmd.append(b"REPLACE")
        parts.append(encode_request(restore_cmd))
    return b"".join(parts)


def _live_items(db, keys):
    """(key, value, ttl ms or 0) of the keys still live; a TTL under 1 ms counts as 1."""
    now = db.keyspace.clock()
    items = []
    for key, value in keys:
        when = db.expires.get(key)
        ttl = 0
        if when is not None:
            ttl = when - now
            if ttl < 0:
                continue
            ttl = max(ttl, 1)
        items.append((key, value, ttl))
    return items


def _exchange(cache, target, timeout, o, db_index, payloads):
    """Send the request on a (cached) link; (link, auth line, select line, restore lines)."""
    link = cache.get(target[0], target[1], timeout)
    try:
        select = link.last_db != db_index
        link.send(_migrate_request(o, db_index if select else None, payloads))
        auth = link.line() if o.password is not None else None
        sel = link.line() if select else None
        lines = []
        try:
            for _ in payloads:
                lines.append(link.line())
        except _IOError as e:
            e.partial = lines
            raise
        return link, auth, sel, lines
    except _IOError:
        cache.drop(target)   # a broken or timed-out link is never reused
        raise


def _transfer(cache, target, timeout, o, db_index, payloads):
    """_exchange with Redis' single retry: only when nothing was acknowledged and it did
    not time out (a cached link the target closed meanwhile is the usual case)."""
    try:
        return _exchange(cache, target, timeout, o, db_index, payloads)
    except _IOError as e:
        if e.timed_out or e.partial:
            raise
    return _exchange(cache, target, timeout, o, db_index, payloads)


def _target_error(auth, select, line):
    for reply in (auth, select, line):
        if reply is not None and reply[:1] == b"-":
            return reply[1:]
    return None


def _target(argv):
    host = argv[1].decode("utf-8", "replace")
    try:
        port = int(argv[2])   # atoi in Redis: garbage is port 0, which cannot connect
    except ValueError:
        port = 0
    return host, port


@command("migrate")
def migrate(ctx, argv):
    o = _migrate_options(argv)
    timeout = parse_int(argv[5])
    db_index = parse_int(argv[4])
    if timeout <= 0:
        timeout = 1000
    db = ctx.db
    found = [(k, v) for k, v in ((k, db.read(k)) for k in o.keys) if v is not None]
    if not found:
        return Simple("NOKEY")
    cfg = ctx.server.config
    payloads = [(key, ttl, dump_value(value, compress=cfg.rdbcompression, config=cfg))
                for key, value, ttl in _live_items(db, found)]
    try:
        link, auth, select, lines = _transfer(_cache(ctx.server), _target(argv), timeout / 1000.0,
                                              o, db_index, payloads)
    except _IOError as e:
        _settle(ctx, o, payloads, None, None, e.partial)
        if e.stage == "connecting":
            raise CommandError(errors.MIGRATE_CONNECT)
        raise CommandError(errors.MIGRATE_IO_FMT % e.stage)
    try:
        _settle(ctx, o, payloads, auth, select, lines)
    except CommandError:
        link.last_db = -1     # after an error the target's database is unknown
        raise
    link.last_db = db_index
    return OK


def _settle(ctx, o, payloads, auth, select, lines):
    """Delete the keys the target acknowledged (unless COPY), replayed as one DEL.

    Raises the target's first error, if any, after the deletions.
    """
    acked, error = [], None
    for (key, _, _), line in zip(payloads, lines):
        err = _target_error(auth, select, line)
        if err is not None:
            error = error or err
        elif not o.copy:
            acked.append(key)
    db = ctx.db
    for key in acked:
        db.delete(key)
        ctx.notify(GENERIC, "del", key)
    if acked:
        ctx.propagate_as([b"DEL"] + acked)
    else:
        ctx.propagate_as()
    if error is not None:
        raise CommandError(errors.MIGRATE_TARGET_ERROR_FMT % error.decode("utf-8", "replace"))
