"""Exceptions raised by the bundled client, shaped like redis-py's.

Owns: the exception hierarchy and the one table that maps an error reply's
prefix (its first word, as Redis writes it) to an exception class and says
whether the prefix is kept in the message.
Must not touch: sockets, encoding.

As in redis-py, the prefixes ``ERR``, ``NOSCRIPT``, ``EXECABORT``, ``NOAUTH``,
``WRONGPASS``, ``LOADING``, ``READONLY``, ``OOM``, ``NOPERM`` ... are stripped
from the message (``str(e) == "wrong number of arguments for 'get' command"``)
and kept in ``e.status_code``; any other prefix (``WRONGTYPE``, ``BUSYKEY``,
``NOPROTO``, ...) stays in the message, with ``status_code`` None.
An authentication failure is a :class:`ConnectionError`, as in redis-py.

The bundled client adds two subclasses redis-py does not have, both still
plain :class:`ResponseError` s with redis-py's message: :class:`WrongTypeError`
(WRONGTYPE) and :class:`ProtocolVersionError` (NOPROTO).
"""


class MiniRedisError(Exception):
    """Base class of every exception this client raises (redis-py: RedisError)."""

    def __init__(self, *args, status_code=None):
        super().__init__(*args)
        self.status_code = status_code


RedisError = MiniRedisError


class ConnectionError(MiniRedisError):
    """The connection failed, was refused, or was closed by the server."""


class TimeoutError(MiniRedisError):
    """A connect, read or write exceeded its timeout; the connection was dropped."""


class AuthenticationError(ConnectionError):
    """NOAUTH or WRONGPASS: authentication is required or failed."""


class AuthorizationError(ConnectionError):
    """Not allowed (kept for redis-py compatibility)."""


class BusyLoadingError(ConnectionError):
    """LOADING: the server is loading its dataset."""


class InvalidResponse(MiniRedisError):
    """The reply stream is not valid RESP; the connection was dropped."""


class ResponseError(MiniRedisError):
    """The server answered an error reply."""


class DataError(MiniRedisError):
    """An argument cannot be sent as given (wrong Python type, bad option mix)."""


class PubSubError(MiniRedisError):
    """Misuse of a PubSub object (e.g. run_in_thread with a handler-less channel)."""


class WatchError(MiniRedisError):
    """A WATCHed key changed: the transaction was not executed (EXEC answered null)."""


class WrongTypeError(ResponseError):
    """WRONGTYPE: the key holds a value of another type (message keeps the prefix)."""


class NoScriptError(ResponseError):
    """NOSCRIPT: EVALSHA named an unknown script."""


class ExecAbortError(ResponseError):
    """EXECABORT: a transaction was discarded because of earlier errors."""


class ReadOnlyError(ResponseError):
    """READONLY: a write sent to a read-only replica."""


class OutOfMemoryError(ResponseError):
    """OOM: maxmemory reached with nothing to evict."""


class NoPermissionError(ResponseError):
    """NOPERM: the user lacks the permission."""


class ModuleError(ResponseError):
    """A module load/unload failure."""


class ProtocolVersionError(ResponseError):
    """NOPROTO: the server does not speak the requested protocol version."""


class LockError(MiniRedisError, ValueError):
    """Acquiring or releasing a Lock failed (a ValueError too, as in redis-py)."""

    def __init__(self, message=None, lock_name=None):
        super().__init__(message)
        self.message = message
        self.lock_name = lock_name


class LockNotOwnedError(LockError):
    """Extending or releasing a lock this client no longer owns."""


# Prefix -> (class, strip the prefix from the message?). A dict as class maps
# exact ERR messages that redis-py turns into a more specific class.
_ERR_MESSAGES = {
    "max number of clients reached": ConnectionError,
    "invalid password": AuthenticationError,
    "AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?": AuthenticationError,
    "Client sent AUTH, but no password is set": AuthenticationError,
}
ERROR_CLASSES = {
    "ERR": (_ERR_MESSAGES, True),
    "OOM": (OutOfMemoryError, True),
    "WRONGPASS": (AuthenticationError, True),
    "EXECABORT": (ExecAbortError, True),
    "LOADING": (BusyLoadingError, True),
    "NOSCRIPT": (NoScriptError, True),
    "READONLY": (ReadOnlyError, True),
    "NOAUTH": (AuthenticationError, True),
    "NOPERM": (NoPermissionError, True),
    "WRONGTYPE": (WrongTypeError, False),
    "NOPROTO": (ProtocolVersionError, False),
}


def error_from_text(message):
    """The exception for an error reply's text (the reader calls it for every error reply)."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    code = message.split(" ", 1)[0]
    entry = ERROR_CLASSES.get(code)
    if entry is None:
        return ResponseError(message)
    cls, strip = entry
    if not strip:
        return cls(message)
    rest = message[len(code) + 1:]
    if isinstance(cls, dict):
        cls = cls.get(rest, ResponseError)
    return cls(rest, status_code=code)


def error_from_reply(err):
    """The exception for an error reply given as an exception instance (or its text)."""
    if isinstance(err, MiniRedisError) and type(err) is not ResponseError:
        return err
    return error_from_text(str(err) if isinstance(err, Exception) else err)


def is_error(reply):
    """True for an error reply read in place (the reader makes them exception instances)."""
    return isinstance(reply, MiniRedisError)
