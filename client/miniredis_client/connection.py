"""One socket to the server, and the pool that shares them between threads.

Owns: connecting and the handshake (HELLO <protocol> [AUTH] [SETNAME], then
SELECT), writing requests, reading replies with the server's own codec
(:mod:`miniredis.protocol`), detecting dead connections, and lending
connections to threads or greenlets.
Must not touch: command arguments or reply meanings (the client does that).

Typed values (a miniredis extension, see :mod:`.encoding`) reach the wire
only when the client asked for them (``typed=True``) and the connection's
handshake ``HELLO 3 TYPED`` was accepted; a server that refuses the option
(a real Redis) gets the plain HELLO instead, integers and doubles as text and
a local DataError for the rest, so it never sees a request it would answer
with a protocol error.

Concurrency uses threading primitives only, looked up at call time, so that
gevent's monkey-patching turns them into greenlet-aware ones; this module
never imports gevent.

The pool holds the *session settings* a logical client expects on every
connection: database, client name, credentials. They are an immutable tuple
replaced as a whole when SELECT/CLIENT SETNAME/AUTH succeed through the
client, so a connection set up with an older tuple is simply re-established.
A connection that carried a session-changing command sent by hand (HELLO,
RESET, QUIT, SELECT in a pipeline, ...) is re-established before its next use.
"""

import os
import select
import socket
import threading
import time


from miniredis import protocol

from .encoding import plain
from .exceptions import (
    AuthenticationError, ConnectionError, DataError, InvalidResponse, TimeoutError,
    error_from_text, is_error,
)
from .url import parse_url

RECV_SIZE = 64 * 1024

# What the reader returns while a reply is incomplete. hiredis' default is
# False, which RESP3 also uses for the boolean reply "#f": a sentinel of our
# own keeps them apart.
_NOT_READY = object()
NOTHING = _NOT_READY   # what read_within() returns when nothing arrived in time


def _reply_reader():
    """The server codec's reply reader: error replies (nested ones too) become
    this client's exception instances, in place; _NOT_READY while incomplete."""
    return protocol.reply_reader(error_from_text, InvalidResponse, _NOT_READY)


def _has_typed(requests):
    for argv in requests:
        for a in argv:
            if type(a) is not bytes:
                return True
    return False


def _typed_refused(reply):
    """HELLO's answer from a server without the typed-values extension (a real Redis)."""
    return is_error(reply) and "HELLO option 'TYPED'" in str(reply)


# Commands after which a connection no longer matches the pool's settings.
_SESSION_COMMANDS = frozenset((b"SELECT", b"HELLO", b"RESET", b"AUTH", b"QUIT"))


def alters_session(argv):
    name = argv[0].upper()
    if name in _SESSION_COMMANDS:
        return True
    return name == b"CLIENT" and len(argv) > 1 and argv[1].upper() == b"SETNAME"


class Connection(object):
    """A socket plus a reply reader. Not thread-safe: the pool lends it to one user at a time."""

    def __init__(self, pool):
        self.pool = pool
        self.sock = None
        self.reader = None
        self.settings = None   # the pool settings this connection was set up with
        self.dirty = False     # a session-changing command went through it
        self.typed_ok = None   # the server accepts typed values (None: not asked yet)

    # --- lifecycle -------------------------------------------------------------
    def connect(self):
        pool = self.pool
        try:
            sock = self._open_socket()
        except socket.timeout:
            raise TimeoutError("Timeout connecting to %s" % pool.address())
        except OSError as e:
            raise ConnectionError("Error %s connecting to %s. %s." % (
                e.errno, pool.address(), e.strerror))
        if pool.socket_keepalive:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            for option, value in pool.socket_keepalive_options.items():
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
        sock.settimeout(pool.socket_timeout)
        self.sock = sock
        self.typed_ok = None
        self.reader = _reply_reader()
        if pool.decode_responses:
            self.reader.set_encoding(pool.encoding, pool.encoding_errors)
        try:
            self._handshake(pool.settings)
        except BaseException:
            self.disconnect()
            raise

    def _open_socket(self):
        pool = self.pool
        if pool.unix_socket_path is None:
            sock = socket.create_connection((pool.host, pool.port), pool.socket_connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(pool.socket_connect_timeout)
            sock.connect(pool.unix_socket_path)
        except BaseException:
            sock.close()
            raise
        return sock

    def _handshake(self, settings):
        db, name, username, password = settings
        # Typed values: asked for first, so that a server that refuses the
        # option (real Redis: a syntax error) has applied nothing of this HELLO.
        want_typed = self.pool.protocol == 3 and self.pool.typed_values
        hello = [b"HELLO", b"%d" % self.pool.protocol] + ([b"TYPED"] if want_typed else [])
        if password is not None:
            hello += [b"AUTH", username or b"default", password]
        if name:
            hello += [b"SETNAME", name]
        requests = [hello]
        if db:
            requests.append([b"SELECT", b"%d" % db])
        unauthenticated = False
        replies = self.call(requests)
        if want_typed and _typed_refused(replies[0]):
            hello.remove(b"TYPED")
            replies = self.call(requests)
            want_typed = False
        self.typed_ok = want_typed and not is_error(replies[0])
        for reply in replies:
            if isinstance(reply, AuthenticationError) and password is None:
                # Not fatal: the connection stays up unauthenticated (and in
                # RESP2), so commands answer NOAUTH and AUTH can be sent
                # through it. Marked dirty, it is set up again, with whatever
                # credentials the pool has by then, before its next use.
                unauthenticated = True
            elif is_error(reply):
                raise reply
        self.settings = settings
        self.dirty = unauthenticated

    def disconnect(self):
        sock = self.sock
        self.sock = None
        self.reader = None
        self.settings = None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def is_stale(self):
        """True when the server closed this idle connection, or sent something unasked.

        A non-blocking peek: nothing to read is the healthy state of an idle
        connection; EOF, an error or unexpected bytes all mean "start again".
        """
        sock = self.sock
        try:
            sock.settimeout(0.0)
            try:
                sock.recv(1, socket.MSG_PEEK)
            finally:
                sock.settimeout(self.pool.socket_timeout)
        except (BlockingIOError, socket.timeout):
            return False
        except OSError:
            return True
        return True

    def prepare(self):
        """Make the connection usable. True when an existing socket was kept.

        A kept socket passed the idle check but may still turn out dead
        (closed just after it): only then may idempotent requests be re-sent.
        """
        if self.sock is not None and (
                self.dirty or self.settings is not self.pool.settings or self.is_stale()):
            self.disconnect()
        if self.sock is None:
            self.connect()
            return False
        return True

    # --- requests and replies ---------------------------------------------------
    def call(self, requests):
        """Send requests (lists of arguments) in one write; return one reply each.

        Error replies come back as exception instances, in place. Typed
        values are sent only to a server that accepts them (else DataError,
        raised before anything is sent).
        """
        if _has_typed(requests) and not self.accepts_typed():
            requests = [[plain(a) for a in argv] for argv in requests]
        data = b"".join([protocol.encode_request(argv) for argv in requests])
        self.send(data)
        return [self.read() for _ in requests]

    def accepts_typed(self):
        """Whether typed values may be sent: the server took HELLO 3 TYPED."""
        return bool(self.typed_ok)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except socket.timeout:
            self.disconnect()
            raise TimeoutError("Timeout writing to socket")
        except OSError as e:
            self.disconnect()
            raise ConnectionError("Error while writing to socket: %s" % (e.strerror or e))

    def read(self):
        try:
            reply = self._read()
        except socket.timeout:
            self.disconnect()
            raise TimeoutError("Timeout reading from socket")
        except ConnectionError:
            self.disconnect()
            raise
        except OSError as e:
            self.disconnect()
            raise ConnectionError("Error while reading from socket: %s" % (e.strerror or e))
        except BaseException:
            # Interrupted mid-reply (decode error, greenlet timeout, ...): the
            # stream position is unknown, so the connection cannot be reused.
            self.disconnect()
            raise
        return reply

    def read_within(self, timeout):
        """The next reply if one arrives within ``timeout`` seconds (None: wait
        for ever), else NOTHING. A partial reply stays buffered for next time."""
        try:
            return self._read_within(timeout)
        except ConnectionError:
            self.disconnect()
            raise
        except OSError as e:
            self.disconnect()
            raise ConnectionError("Error while reading from socket: %s" % (e.strerror or e))
        except BaseException:
            self.disconnect()
            raise

    def _read_within(self, timeout):
        # select() rather than a socket timeout: another thread may be writing
        # on this socket (PubSub.subscribe while a worker reads), and a
        # timeout change would apply to its send too.
        deadline = None if timeout is None else time.monotonic() + timeout
        reader, sock = self.reader, self.sock
        while True:
            reply = reader.gets()
            if reply is not _NOT_READY:
                return reply
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([sock], [], [], left)[0]:
                return _NOT_READY
            data = sock.recv(RECV_SIZE)
            if not data:
                raise ConnectionError("Connection closed by server.")
            reader.feed(data)

    def _read(self):
        reader = self.reader
        while True:
            reply = reader.gets()
            if reply is not _NOT_READY:
                return reply
            data = self.sock.recv(RECV_SIZE)
            if not data:
                raise ConnectionError("Connection closed by server.")
            reader.feed(data)


class ConnectionPool(object):
    """Connections to one server, lent to one user at a time.

    ``max_connections`` bounds how many exist; a caller finding them all in
    use waits up to ``pool_timeout`` seconds for one to be released.
    ``unix_socket_path`` connects through a Unix socket instead of host:port.
    ``typed`` (alias ``typed_values``) True opts in to typed values on miniredis
    under RESP3 (``HELLO 3 TYPED``); False, the default, never sends or reads them.
    ``health_check_interval`` and ``retry_on_timeout`` are accepted for
    redis-py compatibility and have no effect (a kept connection is checked
    before every use anyway).
    """

    def __init__(self, host="127.0.0.1", port=6379, db=0, password=None, username=None,
                 protocol=3, socket_timeout=None, socket_connect_timeout=None,
                 decode_responses=False, max_connections=None, client_name=None,
                 pool_timeout=20.0, unix_socket_path=None, socket_keepalive=False,
                 socket_keepalive_options=None, encoding="utf-8", encoding_errors="strict",
                 typed_values=False,
                 health_check_interval=0, retry_on_timeout=False, typed=None):
        if typed is not None:
            typed_values = typed
        protocol = int(protocol)
        if protocol not in (2, 3):
            raise DataError("protocol must be 2 or 3")
        if max_connections is not None and max_connections < 1:
            raise DataError("max_connections must be at least 1")
        self.host = host
        self.port = int(port)
        self.unix_socket_path = unix_socket_path
        self.protocol = protocol
        self.socket_timeout = socket_timeout
        self.socket_connect_timeout = socket_connect_timeout
        self.socket_keepalive = socket_keepalive
        self.socket_keepalive_options = socket_keepalive_options or {}
        self.decode_responses = decode_responses
        self.encoding = encoding
        self.encoding_errors = encoding_errors
        self.typed_values = typed_values
        self.max_connections = max_connections
        self.pool_timeout = pool_timeout
        self.settings = (int(db or 0), _opt_bytes(client_name), _opt_bytes(username),
                         _opt_bytes(password))
        self._cond = threading.Condition(threading.Lock())
        self._reset()

    @classmethod
    def from_url(cls, url, **kwargs):
        """A pool for ``redis://[[user]:password@]host[:port][/db][?option=value&...]``
        or ``unix://[[user]:password@]/path.sock[?db=N&...]``; URL options win over kwargs."""
        kwargs.update(parse_url(url))
        return cls(**kwargs)

    def address(self):
        if self.unix_socket_path is not None:
            return self.unix_socket_path
        return "%s:%s" % (self.host, self.port)

    def _reset(self):
        self.pid = os.getpid()
        self._idle = []
        self._in_use = set()

    # --- session settings --------------------------------------------------------
    def update_settings(self, **changes):
        """Replace some of db / name / username / password; connections catch up lazily."""
        with self._cond:
            db, name, username, password = self.settings
            db = changes.get("db", db)
            name = _opt_bytes(changes.get("name", name))
            username = _opt_bytes(changes.get("username", username))
            password = _opt_bytes(changes.get("password", password))
            self.settings = (db, name, username, password)

    # --- lending ------------------------------------------------------------------
    def get_connection(self):
        if self.pid != os.getpid():
            self._after_fork()
        deadline = None
        with self._cond:
            while True:
                if self._idle:
                    conn = self._idle.pop()
                    break
                if self.max_connections is None or len(self._in_use) < self.max_connections:
                    conn = Connection(self)
                    break
                if deadline is None:
                    deadline = time.monotonic() + self.pool_timeout
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConnectionError("Too many connections")
                self._cond.wait(left)
            self._in_use.add(conn)
        return conn

    def release(self, conn):
        with self._cond:
            mine = conn in self._in_use
            if mine:
                self._in_use.discard(conn)
                self._idle.append(conn)
                self._cond.notify()
        if not mine:
            # Lent before a fork or before disconnect(): it is not ours to reuse.
            conn.disconnect()

    def _after_fork(self):
        # Sockets inherited from the parent belong to the parent's requests:
        # forget them without closing anything the parent still uses.
        with self._cond:
            if self.pid != os.getpid():
                self._reset()

    def disconnect(self):
        """Close every idle connection; connections in use are closed when released."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._in_use = set()
            self._cond.notify_all()
        for conn in idle:
            conn.disconnect()

    # --- running requests ------------------------------------------------------------
    def execute(self, requests, retry=False, new_settings=None):
        """Send requests in one write on a lent connection; replies in order (errors in place).

        ``retry``: the requests are idempotent, so if a kept connection turns
        out dead (the server closed it while it sat idle) they are sent once
        more on a fresh one. ``new_settings``: the (single) request changes
        the session (SELECT, CLIENT SETNAME, AUTH through the client); when it
        succeeds the pool adopts the change, and this connection, already in
        the new state, is kept as it is.
        """
        session = any(alters_session(argv) for argv in requests)
        conn = self.get_connection()
        try:
            kept = conn.prepare()
            try:
                replies = conn.call(requests)
            except ConnectionError:
                if not (kept and retry):
                    raise
                conn.prepare()
                replies = conn.call(requests)
            if new_settings is not None and not is_error(replies[-1]):
                self.update_settings(**new_settings)
                conn.settings = self.settings
                session = False
            return replies
        finally:
            if session:
                conn.dirty = True
            self.release(conn)


def _opt_bytes(v):
    if v is None or isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    return str(v).encode()
