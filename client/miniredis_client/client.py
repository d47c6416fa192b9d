"""The Client and its Pipeline.

Owns: running a command (one request on a pooled connection, retried once
when idempotent and the kept connection turned out dead), raising error
replies as exceptions, batching a pipeline into one write, and the methods
whose success changes the whole client's session (SELECT, CLIENT SETNAME,
AUTH, HELLO ... AUTH/SETNAME) rather than one connection's.
Must not touch: the wire format (miniredis.protocol), argument rules
(encoding), reply meanings (parsers).
"""

from . import parsers as P
from .commands import CoreCommands
from .connection import ConnectionPool
from .encoding import arg
from .exceptions import ConnectionError, DataError, ResponseError

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
ZRANDMEMBER ZSCAN SORT_RO
""".split())
_IDEMPOTENT_SUB = frozenset((
    (b"COMMAND", b"COUNT"), (b"COMMAND", b"INFO"), (b"COMMAND", b"DOCS"),
    (b"CONFIG", b"GET"), (b"CLIENT", b"GETNAME"), (b"CLIENT", b"LIST"),
    (b"CLIENT", b"INFO"), (b"OBJECT", b"ENCODING"), (b"OBJECT", b"REFCOUNT"),
    (b"OBJECT", b"IDLETIME"), (b"OBJECT", b"FREQ"),
))


def idempotent(argv):
    name = argv[0].upper()
    if name in _IDEMPOTENT:
        return True
    return len(argv) > 1 and type(argv[1]) is bytes and (name, argv[1].upper()) in _IDEMPOTENT_SUB


class Client(CoreCommands):
    """A thread-safe client: every call borrows a pooled connection for its duration.

    ``protocol=3`` (default) also lets the VALUE of SET & co be any of dict,
    list, tuple, int, float, bool, None, bytes, str, which GET returns as
    sent (project extension); with ``protocol=2`` only str, bytes, int and
    float are accepted, as text.
    """

    def __init__(self, host="127.0.0.1", port=6379, db=0, password=None, protocol=3,
                 socket_timeout=None, socket_connect_timeout=None, decode_responses=False,
                 max_connections=None, username=None, client_name=None,
                 connection_pool=None):
        if connection_pool is None:
            connection_pool = ConnectionPool(
                host=host, port=port, db=db, password=password, username=username,
                protocol=protocol, socket_timeout=socket_timeout,
                socket_connect_timeout=socket_connect_timeout,
                decode_responses=decode_responses, max_connections=max_connections,
                client_name=client_name)
        self.connection_pool = connection_pool
        self.protocol = connection_pool.protocol

    def __repr__(self):
        pool = self.connection_pool
        return "Client<%s:%s db=%s>" % (pool.host, pool.port, pool.settings[0])

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
        if isinstance(reply, ResponseError):
            raise reply
        return reply if parse is None else parse(reply)

    def pipeline(self, transaction=False):
        """A Pipeline sharing this client's pool (transaction=True is not supported yet)."""
        return Pipeline(self, transaction)

    # --- commands that change the whole client's session ----------------------------
    def _session_command(self, argv, **new_settings):
        reply = self.connection_pool.execute([argv], new_settings=new_settings)[0]
        if isinstance(reply, ResponseError):
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


class Pipeline(CoreCommands):
    """Commands queued, then sent in one write by ``execute()``; replies in order.

    Not atomic: ``transaction=True`` (MULTI/EXEC) is refused until the server
    supports transactions. Session commands (SELECT, CLIENT SETNAME, ...)
    apply only to the rest of the pipeline: the connection is re-established
    before the client uses it again.
    """

    def __init__(self, client, transaction=False):
        if transaction:
            raise DataError("transaction=True is not supported yet: pipelines are not atomic")
        self.client = client
        self.protocol = client.protocol
        self._stack = []

    def __len__(self):
        return len(self._stack)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.reset()

    def reset(self):
        self._stack = []

    def _command(self, argv, parse=None):
        self._stack.append((argv, parse))
        return self

    def execute(self, raise_on_error=True):
        """Send the queued commands; return their results in order.

        An error reply takes its command's place as an exception instance;
        with ``raise_on_error`` the first one is raised after all replies
        were read (the connection stays in step).
        """
        stack, self._stack = self._stack, []
        if not stack:
            return []
        requests = [argv for argv, _ in stack]
        retry = all(idempotent(argv) for argv in requests)
        replies = self.client.connection_pool.execute(requests, retry=retry)
        results = []
        first_error = None
        for i, ((argv, parse), reply) in enumerate(zip(stack, replies)):
            if isinstance(reply, ResponseError):
                if first_error is None:
                    first_error = (i, argv, reply)
                results.append(reply)
            else:
                results.append(reply if parse is None else parse(reply))
        if raise_on_error and first_error is not None:
            i, argv, err = first_error
            err.args = ("Command # %d (%s) of pipeline caused error: %s" % (
                i + 1, P.text(b" ".join(a for a in argv if type(a) is bytes)[:100]),
                err.args[0]),) + err.args[1:]
            raise err
        return results
