"""Python values -> request arguments.

Owns: how a Python argument becomes a bulk string, how a VALUE becomes a
RESP3 typed value (project extension), how a typed value falls back to text
for a server that does not accept them (:func:`plain`, applied by the
connection), and the datetime/timedelta rules.
Must not touch: sockets, replies. The wire format itself is written by
:func:`miniredis.protocol.encode_request`; this module only chooses what to
hand it: ``bytes`` for a bulk string, or a reply object (``int``, ``list``,
:class:`~miniredis.replies.Map`, ...) for a typed value.
"""

import datetime

from miniredis.replies import NULL, BigNumber, Bool, Double, Map, Set

from .exceptions import DataError

_LLONG_MIN = -(2 ** 63)
_LLONG_MAX = 2 ** 63 - 1


def arg(value):
    """A bulk-string argument. Like redis-py: bytes, str, int and float only."""
    t = type(value)
    if t is bytes:
        return value
    if t is str:
        return value.encode("utf-8")
    if t is int:
        return b"%d" % value
    if t is float:
        # repr() is the shortest text that reads back as the same double.
        return repr(value).encode()
    # bool is refused on purpose: True would silently become "True" or "1".
    if isinstance(value, bool) or value is None:
        raise DataError("Invalid input of type: %r. Convert to a bytes, string, int or float first."
                        % type(value).__name__)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return str(value).encode("utf-8")
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, float):
        return repr(float(value)).encode()
    raise DataError("Invalid input of type: %r. Convert to a bytes, string, int or float first."
                    % type(value).__name__)


def value(v, protocol):
    """The VALUE argument of SET & co: a typed value under RESP3, text under RESP2."""
    if protocol == 3:
        return typed(v)
    t = type(v)
    if t is bool or v is None or isinstance(v, (dict, list, tuple)):
        raise DataError("Invalid input of type: %r. Convert to a bytes, string, int or float "
                        "first (typed values need miniredis and protocol=3)" % type(v).__name__)
    return arg(v)


def plain(a):
    """A typed argument as a server without typed values takes it: integers and
    doubles as their text (what redis-py sends); anything else is refused."""
    t = type(a)
    if t is bytes:
        return a
    if t is int:
        return b"%d" % a
    if t is Double:
        return repr(float(a.value)).encode()
    if t is BigNumber:
        return a.text
    raise DataError("Invalid input of type: %r. Convert to a bytes, string, int or float first "
                    "(typed values need miniredis and protocol=3)" % _python_type(a))


def _python_type(a):
    """The Python type name a typed argument was made from (for DataError messages)."""
    if a is NULL:
        return "NoneType"
    return {Bool: "bool", Map: "dict", list: "list", Set: "set"}.get(type(a), type(a).__name__)


def typed(v):
    """A Python value in the reply form that encode_request writes as a RESP3 typed value."""
    t = type(v)
    if t is bytes:
        return v
    if t is str:
        return v.encode("utf-8")
    if t is bool:
        return Bool(v)
    if v is None:
        return NULL
    if t is int:
        if v < _LLONG_MIN or v > _LLONG_MAX:
            return BigNumber(b"%d" % v)   # a RESP3 big number; text to a plain server
        return v
    if t is float:
        return Double(v)
    if isinstance(v, dict):
        return Map([(typed(k), typed(x)) for k, x in v.items()])
    if isinstance(v, (list, tuple)):
        return [typed(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return Set([typed(x) for x in v])
    if isinstance(v, (bytearray, memoryview)):
        return bytes(v)
    raise DataError("Cannot send a value of type %r" % type(v).__name__)


# --- times -------------------------------------------------------------------

def seconds(t):
    """Relative seconds from an int or a timedelta."""
    if isinstance(t, datetime.timedelta):
        return int(t.total_seconds())
    return t


def milliseconds(t):
    """Relative milliseconds from an int or a timedelta."""
    if isinstance(t, datetime.timedelta):
        return int(t.total_seconds() * 1000)
    return t


def unix_seconds(when):
    """Absolute Unix time in seconds from an int or a datetime (naive means local time)."""
    if isinstance(when, datetime.datetime):
        return int(when.timestamp())
    return when


def unix_milliseconds(when):
    """Absolute Unix time in milliseconds from an int or a datetime."""
    if isinstance(when, datetime.datetime):
        return int(when.timestamp() * 1000)
    return when
