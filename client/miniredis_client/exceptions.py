"""Exceptions raised by the bundled client.

Owns: the exception hierarchy and the one table that maps an error reply's
prefix (its first word, as Redis writes it) to an exception class.
Must not touch: sockets, encoding.

An error reply keeps its full text, prefix included (``"WRONGTYPE Operation
against ..."``), so that what the server said is never lost.
"""


class MiniRedisError(Exception):
    """Base class of every exception this client raises."""


class ResponseError(MiniRedisError):
    """The server answered an error reply."""


class WrongTypeError(ResponseError):
    """WRONGTYPE: the key holds a value of another type."""


class AuthenticationError(ResponseError):
    """NOAUTH or WRONGPASS: authentication is required or failed."""


class NoScriptError(ResponseError):
    """NOSCRIPT: EVALSHA named an unknown script."""


class ExecAbortError(ResponseError):
    """EXECABORT: a transaction was discarded because of earlier errors."""


class ProtocolVersionError(ResponseError):
    """NOPROTO: the server does not speak the requested protocol version."""


class ConnectionError(MiniRedisError):
    """The connection failed, was refused, or was closed by the server."""


class InvalidResponse(ConnectionError):
    """The reply stream is not valid RESP; the connection was dropped."""


class TimeoutError(MiniRedisError):
    """A connect, read or write exceeded its timeout; the connection was dropped."""


class DataError(MiniRedisError):
    """An argument cannot be sent as given (wrong Python type, bad option mix)."""


# Error prefix -> class. Anything else (ERR, BUSYKEY, ...) is a plain ResponseError.
ERROR_CLASSES = {
    "WRONGTYPE": WrongTypeError,
    "NOAUTH": AuthenticationError,
    "WRONGPASS": AuthenticationError,
    "NOSCRIPT": NoScriptError,
    "EXECABORT": ExecAbortError,
    "NOPROTO": ProtocolVersionError,
}


def error_from_reply(err):
    """The exception for an error reply (given as the reader's ResponseError instance)."""
    message = str(err)
    cls = ERROR_CLASSES.get(message.split(" ", 1)[0], ResponseError)
    if type(err) is cls:
        return err
    return cls(message)
