"""miniredis_client: the Python client bundled with miniredis.

Module map:

    client       Client (one method per command, thread-safe) and Pipeline
    commands     the command methods: arguments in, parsed results out
    type_commands  the list, hash, set, sorted-set and SORT methods (mixed into commands)
    connection   Connection (socket, handshake, reader) and ConnectionPool
    encoding     Python values -> request arguments, RESP3 typed values
    parsers      replies -> Python values (bool, dict, float, ...)
    exceptions   the exception hierarchy and the error-prefix table

The wire format is the server's own codec, :mod:`miniredis.protocol`.
The client never imports gevent; under gevent's monkey-patching its
threading primitives and sockets cooperate with greenlets.

    >>> from miniredis_client import Client
    >>> c = Client(port=6379)
    >>> c.set("k", {"a": [1, 2.5, True, None]})    # typed values need protocol=3
    True
    >>> c.get("k")
    {b'a': [1, 2.5, True, None]}
"""

from .client import Client, Pipeline
from .connection import Connection, ConnectionPool
from .exceptions import (
    MiniRedisError, ResponseError, WrongTypeError, AuthenticationError, NoScriptError,
    ExecAbortError, ProtocolVersionError, ConnectionError, InvalidResponse, TimeoutError,
    DataError,
)

__version__ = "0.1.0"

__all__ = [
    "Client", "Pipeline", "Connection", "ConnectionPool",
    "MiniRedisError", "ResponseError", "WrongTypeError", "AuthenticationError",
    "NoScriptError", "ExecAbortError", "ProtocolVersionError", "ConnectionError",
    "InvalidResponse", "TimeoutError", "DataError",
]
