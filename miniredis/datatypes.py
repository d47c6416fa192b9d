"""Value types kept in the keyspace, and Redis' number parsing/formatting rules.

Owns: what a stored value is, its TYPE name, and how numbers look as text.
Must not touch: sockets, connections, the dispatcher.

Strings are ``bytes``. A RESP3 client may store typed values (project
extension): integers are kept as ``int`` and doubles as ``float`` -- both
behave exactly like their decimal text for string commands -- while
booleans, null, arrays, maps, sets and big numbers are kept as a
:class:`TypedValue` wrapping the value in reply form, so GET writes it back
unchanged (and down-mapped for RESP2 clients by the encoder).

Container types (lists, hashes, sets, sorted sets; later streams) live in
:mod:`miniredis.values` and follow one protocol, so that the generic commands
(TYPE, OBJECT ENCODING, COPY, MEMORY USAGE ...) never branch on a type:

* ``type_name``        class attribute: what TYPE answers ("list", "hash" ...)
* ``encoding(config)`` what OBJECT ENCODING answers, by Redis 7.0's size rules
* ``copy()``           an independent copy (COPY, SORT ... STORE never share)
* ``memory()``         the project's estimate of the bytes the value costs

They register with :func:`register_type`; a class is never shared between
two types. Strings (bytes/int/float) and typed values are handled here.
"""

import re
from decimal import Decimal

from . import errors
from .errors import CommandError
from .replies import Bool, Map, Set, BigNumber, Double

LLONG_MAX = 2 ** 63 - 1
LLONG_MIN = -(2 ** 63)
_INF = float("inf")


class TypedValue(object):
    """A non-string RESP3 value stored by SET & co (boolean, null, array, map, set, big number)."""

    __slots__ = ("reply",)

    def __init__(self, reply):
        self.reply = reply

    @property
    def type_name(self):
        r = self.reply
        if type(r) is list:
            return "array"
        if type(r) is Map:
            return "map"
        if type(r) is Set:
            return "set"
        if type(r) is Bool:
            return "boolean"
        if type(r) is BigNumber:
            return "bignum"
        return "null"


# TYPE names by Python class. Typed values answer through TypedValue.type_name.
TYPE_NAMES = {bytes: "string", int: "string", float: "string"}


def register_type(cls):
    """Make a container class known to TYPE & co (a class decorator)."""
    TYPE_NAMES[cls] = cls.type_name
    return cls


def type_name(value):
    t = type(value)
    if t is TypedValue:
        return value.type_name
    return TYPE_NAMES[t]


def is_container(value):
    t = type(value)
    return t is not bytes and t is not int and t is not float and t is not TypedValue


def copy_value(value):
    """An independent copy of a stored value: strings and typed values are immutable."""
    return value.copy() if is_container(value) else value


# Bytes a string costs beyond its text: the key's dict entry and object header, as
# an estimate (Python's bytes object header is 33 bytes, a dict slot about 40).
_STRING_OVERHEAD = 80


def memory_of(value):
    """The project's estimate of what a value costs in bytes (MEMORY USAGE, maxmemory)."""
    t = type(value)
    if t is bytes:
        return _STRING_OVERHEAD + len(value)
    if t is int or t is float:
        return _STRING_OVERHEAD + 8
    if t is TypedValue:
        return _STRING_OVERHEAD + 64
    return value.memory()


def from_request(arg):
    """Storage form of a (possibly typed) request argument."""
    t = type(arg)
    if t is bytes or t is int:
        return arg
    if t is Double:
        return arg.value
    if t is BigNumber:
        return TypedValue(arg)
    return TypedValue(arg)


def to_reply(value):
    """Reply form of a value stored by the string commands."""
    t = type(value)
    if t is bytes or t is int:
        return value
    if t is float:
        return Double(value)
    return value.reply


# --- numbers ---------------------------------------------------------------------

# The three spellings strtod/strtold accept (Redis refuses leading spaces,
# trailing garbage and nan). Groups: sign, integer digits, fraction digits,
# exponent -- decimal (base 10, e) or hexadecimal (base 16, p = power of two).
FLOAT_DEC_RE = re.compile(rb"([+-]?)(?=\.?[0-9])([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\Z")
FLOAT_HEX_RE = re.compile(
    rb"([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?\Z")
FLOAT_INF_RE = re.compile(rb"([+-]?)inf(?:inity)?\Z", re.IGNORECASE)
_NONZERO_DIGIT = re.compile(rb"[1-9a-fA-F]")


def parse_int(b, error=errors.NOT_INTEGER):
    """A 64-bit signed integer, strict as Redis' string2ll."""
    if type(b) is int:
        v = b
    elif type(b) is not bytes:
        raise CommandError(error)   # a typed value (float, array ...) is no integer
    else:
        # Past 20 characters no text fits in 64 bits (and Python's int() would
        # refuse a very long one with its own error).
        if len(b) > 20:
            raise CommandError(error)
        # Only the canonical spelling is an integer to Redis (its string2ll):
        # ASCII digits after an optional '-', no leading zero, no "-0".
        # int() would also take spaces, '+', '_' and leading zeros.
        if b.isdigit():
            if b[0] == 48 and len(b) > 1:
                raise CommandError(error)
        elif not (b[:1] == b"-" and b[1:].isdigit() and b[1] != 48):
            raise CommandError(error)
        v = int(b)
    if v > LLONG_MAX or v < LLONG_MIN:
        raise CommandError(error)
    return v


def parse_int32(b, message=None):
    """An int argument as Redis' getIntFromObjectOrReply (optionally with its own error)."""
    v = parse_int(b, message or errors.NOT_INTEGER)
    if v < -2 ** 31 or v > 2 ** 31 - 1:
        raise CommandError(message or errors.INT32_RANGE)
    return v


def parse_float(b, error=errors.NOT_FLOAT):
    """A double as Redis' getDoubleFromObject reads it with strtod.

    Decimal and hexadecimal ("0x1.8p3") notations and inf/infinity are
    accepted; spaces, trailing characters and nan are not, nor a value that
    strtod reports out of range (overflow, or a non-zero text that underflows
    to zero).
    """
    if type(b) is float:
        return b
    if type(b) is int:
        return float(b)
    if b.isdigit() and len(b) < 16:
        return float(b)   # the common case (scores such as "1", "42"): exact, no range issue
    m = FLOAT_DEC_RE.match(b)
    try:
        if m is not None:
            v = float(b)
        else:
            m = FLOAT_HEX_RE.match(b)
            if m is None:
                if FLOAT_INF_RE.match(b):
                    return float(b)
                raise CommandError(error)
            v = float.fromhex(b.decode())
    except OverflowError:
        raise CommandError(error)
    # strtod's ERANGE, which Redis refuses.
    if v in (_INF, -_INF):
        raise CommandError(error)
    if not v and _NONZERO_DIGIT.search(m.group(2) + (m.group(3) or b"")):
        raise CommandError(error)
    return v


def format_float(v):
    """Human-friendly double text, as INCRBYFLOAT writes it: no exponent, no trailing zeros."""
    if v != v or v in (_INF, -_INF):
        return b"%.17g" % v
    if v == int(v) and abs(v) < 1e17:
        return b"%d" % int(v)
    s = repr(v)
    if "e" in s or "E" in s:
        s = format(Decimal(s), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.encode()


def as_bytes(value):
    """The string form of a string-type value (bytes, int or float)."""
    t = type(value)
    if t is bytes:
        return value
    if t is int:
        return b"%d" % value
    if t is float:
        return format_float(value)
    raise CommandError(errors.WRONGTYPE)


def is_string(value):
    t = type(value)
    return t is bytes or t is int or t is float
