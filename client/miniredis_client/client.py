"""The Redis client class and its Pipeline.

Owns: running a command (one request on a pooled connection, retried once
when idempotent and the kept connection turned out dead), raising error
replies as exceptions, pipelines (one write; MULTI/EXEC around it by
default; WATCH's immediate mode on a held connection), the ``transaction``
retry helper, handing out PubSub and Lock objects, and the methods whose
success changes the whole client's session (SELECT, CLIENT SETNAME, AUTH,
HELLO ... AUTH/SETNAME) rather than one connection's.
Must not touch: the wire format (miniredis.protocol), argument rules
(encoding), reply meanings (parsers).
"""

import time

from . import parsers as P
from .commands import CoreCommands
from .connection import ConnectionPool, alters_session
from .encoding import arg
from .exceptions import (
    ConnectionError, DataError, ExecAbortError, MiniRedisError, ResponseError, TimeoutError,
    WatchError, is_error,
)
from .lock import Lock
from .pubsub import PubSub

# Commands that may safely run twice: read-only ones and a few harmless
# connection ones. Anything else is never re-sent after a lost connection,
# because the server may already have executed it.
_IDEMPOTENT = frozenset(b"""
PING ECHO GET MGET STRLEN GETRANGE SUBSTR GETBIT BITCOUNT BITPOS LCS EXISTS TYPE
KEYS SCAN RANDOMKEY TTL PTTL EXPIRETIME PEXPIRETIME TOUCH DBSIZE TIME INFO
LASTSAVE
LLEN LRANGE LINDEX LPOS
HGET HMGET HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL HRANDFIELD HSCAN
SMEMBERS SISMEMBER SMISMEMBER SCARD SRANDMEMBER SINTER SINTERCARD SUNION SDIFF SSCAN
ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE ZRANGEBYSCORE
ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZUNION ZINTER ZDIFF ZINTERCARD
ZRANDMEMBER ZSCAN SORT_RO EVAL_RO EVALSHA_RO FCALL_RO
""".split())
_IDEMPOTENT_SUB = frozenset((
    (b"COMMAND", b"COUNT"), (b"COMMAND", b"INFO"), (b"COMMAND", b"DOCS"),
    (b"CONFIG", b"GET"), (b"CLIENT", b"GETNAME"), (b"CLIENT", b"LIST"),
    (b"CLIENT", b"INFO"), (b"OBJECT", b"ENCODING"), (b"OBJECT", b"REFCOUNT"),
    (b"OBJECT", b"IDLETIME"), (b"OBJECT", b"FREQ"), (b"SCRIPT", b"EXISTS"),
    (b"PUBSUB", b"CHANNELS"), (b"PUBSUB", b"NUMSUB"), (b"PUBSUB", b"NUMPAT"),
    (b"FUNCTION", b"LIST"), (b"FUNCTION", b"DUMP"),
))


def idempotent(argv):
    name = argv[0].upper()
    if name in _IDEMPOTENT:
        return True
    return len(argv) > 1 and type(argv[1]) is bytes and (name, argv[1].upper()) in _IDEMPOTENT_SUB




class Redis(CoreCommands):
    """A thread-safe client: every call borrows a pooled connection for its duration.

    The arguments are redis-py's (those that make sense here; ``ssl`` is not
    supported). Differences: ``protocol=3`` is the default, and with
    ``typed=True`` (alias ``typed_values``) on miniredis the VALUE of SET & co
    may be any of dict, list, tuple, int, float, bool, None, bytes, str, which
    GET returns as sent (a project extension, off by default). The client
    opts in with ``HELLO 3 TYPED``, which only miniredis accepts: to another
    server (a real Redis), and always in plain mode, ints and floats go as
    text, like redis-py, and other values raise DataError before anything is
    sent.
    """

    def __init__(self, host="127.0.0.1", port=6379, db=0, password=None, socket_timeout=None,
                 socket_connect_timeout=None, socket_keepalive=False,
                 socket_keepalive_options=None, connection_pool=None, unix_socket_path=None,
                 encoding="utf-8", encoding_errors="strict",
                 decode_responses=False, retry_on_timeout=False, ssl=False,
                 max_connections=None, health_check_interval=0, client_name=None,
                 username=None, protocol=3, typed_values=False, typed=None):
        if typed is not None:
            typed_values = typed
        if ssl:
            raise DataError("ssl=True is not supported by the bundled client")
        if connection_pool is None:
            connection_pool = ConnectionPool(
                host=host, port=port, db=db, password=password, username=username,
                protocol=protocol, socket_timeout=socket_timeout,
                socket_connect_timeout=socket_connect_timeout, socket_keepalive=socket_keepalive,
                socket_keepalive_options=socket_keepalive_options,
                unix_socket_path=unix_socket_path, encoding=encoding,
                encoding_errors=encoding_errors, decode_responses=decode_responses,
                max_connections=max_connections, client_name=client_name,
                typed_values=typed_values, health_check_interval=health_check_interval,
                retry_on_timeout=retry_on_timeout)
        self.connection_pool = connection_pool
        self.protocol = connection_pool.protocol

    @classmethod
    def from_url(cls, url, **kwargs):
        """A client for ``redis://[[username]:[password]@]host[:port][/db][?opt=v...]`` or
        ``unix://[[username]:[password]@]/path/to/socket[?db=N...]``.

        Query options: db, socket_timeout, socket_connect_timeout, socket_keepalive,
        decode_responses, protocol, client_name, max_connections, typed_values, ...
        """
        return cls(connection_pool=ConnectionPool.from_url(url, **kwargs))

    @classmethod
    def from_pool(cls, connection_pool):
        return cls(connection_pool=connection_pool)

    def __repr__(self):
        pool = self.connection_pool
        return "%s<%s db=%s>" % (type(self).__name__, pool.address(), pool.settings[0])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close the pooled connections (the client reconnects if used again)."""
        self.connection_pool.disconnect()

    # --- running commands ---------------------------------------------------------
    def _command(self, argv, parse=None):
        reply = self.connection_pool.execute([argv], retry=idempotent(argv))[0]
        if is_error(reply):
            raise reply
        return reply if parse is None else parse(reply)

    def pipeline(self, transaction=True, shard_hint=None):
        """A Pipeline sharing this client's pool: MULTI/EXEC around the batch unless
        ``transaction=False``."""
        return Pipeline(self, transaction)

    def transaction(self, func, *watches, shard_hint=None, value_from_callable=False,
                    watch_delay=None):
        """Run ``func(pipe)`` and its transaction until no WATCHed key changed under it.

        ``func`` reads through the pipeline (immediate mode), calls
        ``pipe.multi()`` and queues the writes; EXEC answering null (a WatchError)
        starts it again. Returns EXEC's results, or func's value with
        ``value_from_callable``.
        """
        with self.pipeline(True) as pipe:
            while True:
                try:
                    if watches:
                        pipe.watch(*watches)
                    func_value = func(pipe)
                    exec_value = pipe.execute()
                    return func_value if value_from_callable else exec_value
                except WatchError:
                    if watch_delay is not None and watch_delay > 0:
                        time.sleep(watch_delay)
                    continue

    def pubsub(self, **kwargs):
        """A PubSub object on its own connection (ignore_subscribe_messages=...)."""
        return PubSub(self.connection_pool, **kwargs)

    def lock(self, name, timeout=None, sleep=0.1, blocking=True, blocking_timeout=None,
             lock_class=None, thread_local=True, raise_on_release_error=True):
        """A :class:`~miniredis_client.lock.Lock` on key ``name`` (a context manager)."""
        cls = Lock if lock_class is None else lock_class
        return cls(self, name, timeout=timeout, sleep=sleep, blocking=blocking,
                   blocking_timeout=blocking_timeout, thread_local=thread_local,
                   raise_on_release_error=raise_on_release_error)

    # --- commands that change the whole client's session ----------------------------
    def _session_command(self, argv, **new_settings):
        reply = self.connection_pool.execute([argv], new_settings=new_settings)[0]
        if is_error(reply):
            raise reply
        return True

    def select(self, index):
        """SELECT for every connection of this client, from now on."""
        return self._session_command([b"SELECT", arg(index)], db=int(index))

    def client_setname(self, name):
        """CLIENT SETNAME for every connection of this client (new ones get it in HELLO)."""
        return self._session_command([b"CLIENT", b"SETNAME", arg(name)], name=name or None)

    def auth(self, password, username=None):
        """AUTH; the credentials are then used for every connection this client opens."""
        argv = [b"AUTH"] + ([arg(username)] if username is not None else []) + [arg(password)]
        return self._session_command(argv, username=username, password=password)

    def hello(self, protover=None, username=None, password=None, setname=None):
        """HELLO; credentials and name given here are kept for the client's next connections."""
        result = CoreCommands.hello(self, protover, username, password, setname)
        if password is not None:
            self.connection_pool.update_settings(username=username, password=password)
        if setname is not None:
            self.connection_pool.update_settings(name=setname or None)
        return result

    def shutdown(self, save=False, nosave=False, now=False, force=False, abort=False):
        """SHUTDOWN: None once the server closed the connection; True for ABORT."""
        try:
            return CoreCommands.shutdown(self, save, nosave, now, force, abort)
        except ConnectionError:
            if abort:
                raise
            return None

    def scan_iter(self, match=None, count=None, _type=None):
        """Every key, through as many SCAN calls as needed."""
        cursor = None
        while cursor != 0:
            cursor, keys = self.scan(cursor or 0, match=match, count=count, _type=_type)
            for k in keys:
                yield k


Client = Redis
StrictRedis = Redis

_UNWATCHING = frozenset((b"UNWATCH", b"EXEC", b"DISCARD"))


class Pipeline(CoreCommands):
    """Commands queued, then sent in one write by ``execute()``; results in order.

    ``transaction=True`` (the default) wraps them in MULTI/EXEC: errors found
    while queueing abort it (the first one is raised, else ExecAbortError),
    EXEC answering null (a WATCHed key changed) raises WatchError. After
    ``watch(*keys)`` commands run at once on a connection the pipeline holds,
    until ``multi()`` starts queueing again; ``reset()`` (also on leaving a
    ``with`` block, and after ``execute()``) UNWATCHes and gives it back.
    ``transaction=False`` is plain batching, not atomic. Session commands
    (SELECT, CLIENT SETNAME, ...) apply only to the rest of the pipeline: the
    connection is re-established before the client uses it again.
    """

    def __init__(self, client, transaction=True):
        self.client = client
        self.connection_pool = client.connection_pool
        self.protocol = client.protocol
        self.transaction = transaction
        self.connection = None          # held while WATCHing
        self.watching = False
        self.explicit_transaction = False
        self.command_stack = []
        self.scripts = set()

    def __len__(self):
        return len(self.command_stack)

    def __bool__(self):
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.reset()

    def __del__(self):
        # A pipeline dropped while WATCHing must give its connection back.
        try:
            self.reset()
        except Exception:
            pass

    def __repr__(self):
        return "Pipeline<%s transaction=%s>" % (self.connection_pool.address(), self.transaction)

    def reset(self):
        """Forget the queue; UNWATCH and return a held connection to the pool."""
        self.command_stack = []
        self.scripts = set()
        conn, self.connection = self.connection, None
        if conn is not None:
            if self.watching and conn.sock is not None:
                try:
                    conn.call([[b"UNWATCH"]])
                except (ConnectionError, TimeoutError):
                    conn.disconnect()   # a closed connection forgets its WATCHes
            self.connection_pool.release(conn)
        self.watching = False
        self.explicit_transaction = False

    close = reset

    def multi(self):
        """Start queueing the transaction after WATCH and immediate-mode reads."""
        if self.explicit_transaction:
            raise MiniRedisError("Cannot issue nested calls to MULTI")
        if self.command_stack:
            raise MiniRedisError("Commands without an initial WATCH have already been issued")
        self.explicit_transaction = True

    def watch(self, *names):
        """WATCH keys; the pipeline then runs commands at once until multi()."""
        if self.explicit_transaction:
            raise MiniRedisError("Cannot issue a WATCH after a MULTI")
        return self._command([b"WATCH"] + [arg(n) for n in names], P.true)

    def unwatch(self):
        return self._command([b"UNWATCH"], P.true) if self.watching else True

    def discard(self):
        """Drop the queued commands and the WATCHes (what DISCARD means for a pipeline)."""
        self.reset()

    def _command(self, argv, parse=None):
        if (self.watching or argv[0].upper() == b"WATCH") and not self.explicit_transaction:
            return self._immediate(argv, parse)
        self.command_stack.append((argv, parse))
        return self

    # --- immediate mode (while WATCHing) ---------------------------------------------
    def _held_connection(self):
        if self.connection is None:
            conn = self.connection_pool.get_connection()
            try:
                conn.prepare()
            except BaseException:
                self.connection_pool.release(conn)
                raise
            self.connection = conn
        return self.connection

    def _call_held(self, requests):
        conn = self._held_connection()
        try:
            replies = conn.call(requests)
        except (ConnectionError, TimeoutError) as e:
            conn.disconnect()
            if self.watching:
                # The WATCHes died with the connection: the caller must retry.
                raise WatchError("A %s occurred while watching one or more keys"
                                 % type(e).__name__)
            raise
        if any(alters_session(argv) for argv in requests):
            conn.dirty = True
        return replies

    def _immediate(self, argv, parse):
        reply = self._call_held([argv])[0]
        name = argv[0].upper()
        if name == b"WATCH" and not is_error(reply):
            self.watching = True
        elif name in _UNWATCHING:
            self.watching = False
        if is_error(reply):
            raise reply
        return reply if parse is None else parse(reply)

    # --- executing the queue -------------------------------------------------------------
    def _send(self, requests, retry):
        if self.connection is not None:
            return self._call_held(requests)
        return self.connection_pool.execute(requests, retry=retry)

    def _load_scripts(self):
        scripts = list(self.scripts)
        shas = [s.sha.encode() for s in scripts]
        exists = self._send([[b"SCRIPT", b"EXISTS"] + shas], retry=True)[0]
        if is_error(exists):
            raise exists
        for script, there in zip(scripts, exists):
            if not there:
                sha = self._send([[b"SCRIPT", b"LOAD", arg(script.script)]], retry=False)[0]
                if is_error(sha):
                    raise sha
                script.sha = P.text(sha)

    def execute(self, raise_on_error=True):
        """Send the queue; return the results in order (see the class doc for errors).

        An error reply takes its command's place as an exception instance;
        with ``raise_on_error`` the first one is raised after every reply was
        read (the connection stays in step).
        """
        stack = self.command_stack
        if not stack and not self.watching:
            return []
        try:
            if self.scripts:
                self._load_scripts()
            if self.transaction or self.explicit_transaction:
                return self._execute_transaction(stack, raise_on_error)
            return self._execute_pipeline(stack, raise_on_error)
        finally:
            self.reset()

    def _execute_pipeline(self, stack, raise_on_error):
        requests = [argv for argv, _ in stack]
        replies = self._send(requests, retry=all(idempotent(argv) for argv in requests))
        return self._results(stack, replies, raise_on_error)

    def _execute_transaction(self, stack, raise_on_error):
        commands = [argv for argv, _ in stack]
        requests = [[b"MULTI"]] + commands + [[b"EXEC"]]
        replies = self._send(requests, retry=all(idempotent(argv) for argv in commands))
        if is_error(replies[0]):
            raise replies[0]
        queued_errors = []
        for i, (reply, argv) in enumerate(zip(replies[1:-1], commands)):
            if is_error(reply):
                _annotate(reply, i + 1, argv)
                queued_errors.append(reply)
        response = replies[-1]
        self.watching = False       # EXEC forgets the WATCHes, whatever it answers
        if isinstance(response, ExecAbortError) and queued_errors:
            raise queued_errors[0]
        if is_error(response):
            raise response
        if response is None:
            raise WatchError("Watched variable changed.")
        if len(response) != len(stack):
            self.connection_pool.disconnect()
            raise ResponseError("Wrong number of response items from pipeline execution")
        return self._results(stack, response, raise_on_error)

    def _results(self, stack, replies, raise_on_error):
        results = []
        first_error = None
        for i, ((argv, parse), reply) in enumerate(zip(stack, replies)):
            if is_error(reply):
                if first_error is None:
                    first_error = (i, argv, reply)
                results.append(reply)
            else:
                results.append(reply if parse is None else parse(reply))
        if raise_on_error and first_error is not None:
            i, argv, err = first_error
            _annotate(err, i + 1, argv)
            raise err
        return results


def _annotate(err, number, argv):
    """Prefix an error with the command that caused it, as redis-py words it."""
    cmd = P.text(b" ".join(a for a in argv if type(a) is bytes))
    if len(cmd) > 100:
        cmd = cmd[:97] + "..."
    err.args = ("Command # %d (%s) of pipeline caused error: %s" % (
        number, cmd, err.args[0] if err.args else ""),) + err.args[1:]
