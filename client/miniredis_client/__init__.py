"""miniredis_client: the Python client bundled with miniredis, shaped like redis-py.

Module map:

    client       Redis (one method per command, thread-safe; Client and StrictRedis
                 are aliases), Pipeline (MULTI/EXEC by default, WATCH), transaction()
    commands     the command methods: arguments in, parsed results out
    type_commands  the list, hash, set, sorted-set and SORT methods (mixed into commands)
    scripting    EVAL/EVALSHA/SCRIPT/FCALL/FUNCTION/PUBLISH methods and Script
                 (register_script)
    pubsub       PubSub (get_message, listen, run_in_thread) and its worker thread
    lock         Lock (SET NX PX to acquire; Lua compare-and-delete to release)
    connection   Connection (socket, handshake, reader, typed-value detection) and
                 ConnectionPool (also from_url)
    url          redis:// and unix:// URLs -> pool arguments
    encoding     Python values -> request arguments, RESP3 typed values
    parsers      replies -> Python values (bool, dict, float, ...)
    exceptions   redis-py's exception hierarchy and the error-prefix table

The wire format is the server's own codec, :mod:`miniredis.protocol`.
The client never imports gevent; under gevent's monkey-patching its
threading primitives and sockets cooperate with greenlets.

    >>> from miniredis_client import Redis
    >>> r = Redis.from_url("redis://localhost:6379/0")
    >>> with r.pipeline() as p:                       # MULTI ... EXEC
    ...     p.incr("n").get("n").execute()
    [1, b'1']
    >>> t = Redis.from_url("redis://localhost:6379/0?typed=yes")   # typed values: opt-in
    >>> t.set("k", {"a": [1, 2.5, True, None]})       # (miniredis + protocol=3 only)
    True
    >>> t.get("k")
    {b'a': [1, 2.5, True, None]}

Deliberate differences from redis-py: RESP3 is the default protocol; typed
values (above, with typed=True) on a server that accepts HELLO 3 TYPED; no TLS, cluster,
sentinel, client-side caching or asyncio client.
"""

from .client import Client, Pipeline, Redis, StrictRedis
from .connection import Connection, ConnectionPool
from .exceptions import (
    AuthenticationError, AuthorizationError, BusyLoadingError, ConnectionError, DataError,
    ExecAbortError, InvalidResponse, LockError, LockNotOwnedError, MiniRedisError, ModuleError,
    NoPermissionError, NoScriptError, OutOfMemoryError, ProtocolVersionError, PubSubError,
    ReadOnlyError, RedisError, ResponseError, TimeoutError, WatchError, WrongTypeError,
)
from .lock import Lock
from .pubsub import PubSub
from .scripting import Script


def from_url(url, **kwargs):
    """A Redis client for a redis:// or unix:// URL (as redis.from_url)."""
    return Redis.from_url(url, **kwargs)


__version__ = "0.1.0"

__all__ = [
    "Redis", "StrictRedis", "Client", "Pipeline", "PubSub", "Lock", "Script",
    "Connection", "ConnectionPool", "from_url",
    "MiniRedisError", "RedisError", "ResponseError", "WrongTypeError", "AuthenticationError",
    "AuthorizationError", "BusyLoadingError", "NoScriptError", "ExecAbortError",
    "ReadOnlyError", "OutOfMemoryError", "NoPermissionError", "ModuleError",
    "ProtocolVersionError", "ConnectionError", "InvalidResponse", "TimeoutError", "DataError",
    "PubSubError", "WatchError", "LockError", "LockNotOwnedError",
]
