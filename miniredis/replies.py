"""Explicit reply types.

Owns: the vocabulary commands answer with. A command chooses the type; the
encoder in :mod:`miniredis.protocol` alone decides how it is written in RESP2
or RESP3 (a Map is a flat array in RESP2, a Double a bulk string, ...).

Conventions kept deliberately small because they sit on the hot path:

* ``bytes``  -> bulk string
* ``int``    -> integer (never ``bool``: use :class:`Bool`)
* ``list``   -> array of replies
* everything else is an instance of a class below, or a shared constant.

Must not import anything else from the server.
"""


class Simple(object):
    """A status reply (``+OK``). Pre-encoded: it is the same in both protocols."""

    __slots__ = ("text", "raw")

    def __init__(self, text):
        self.text = text
        self.raw = b"+" + text.encode() + b"\r\n"

    def __repr__(self):
        return "Simple(%r)" % self.text


class Error(object):
    """An error reply; ``message`` includes its prefix (``ERR ...``)."""

    __slots__ = ("message",)

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return "Error(%r)" % self.message


class _NullType(object):
    """Null. ``NULL`` is written ``$-1`` in RESP2, ``NULL_ARRAY`` ``*-1``; both ``_`` in RESP3."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


NULL = _NullType("NULL")
NULL_ARRAY = _NullType("NULL_ARRAY")


class Double(object):
    """A double: ``,1.5`` in RESP3, a bulk string in RESP2 (``%.17g`` as Redis 7.0)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Double) and (
            self.value == other.value or (self.value != self.value and other.value != other.value))

    def __repr__(self):
        return "Double(%r)" % self.value


class Bool(object):
    """A boolean: ``#t``/``#f`` in RESP3, integer 1/0 in RESP2."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = bool(value)

    def __eq__(self, other):
        return isinstance(other, Bool) and self.value == other.value

    def __repr__(self):
        return "Bool(%r)" % self.value


TRUE = Bool(True)
FALSE = Bool(False)


class BigNumber(object):
    """A big number (``(``); a bulk string in RESP2. ``text`` is bytes."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, BigNumber) and self.text == other.text


class Verbatim(object):
    """Verbatim string (``=``) with a 3-letter format; a bulk string in RESP2."""

    __slots__ = ("fmt", "data")

    def __init__(self, data, fmt=b"txt"):
        self.fmt = fmt
        self.data = data


class Map(object):
    """A map given as a list of ``(key_reply, value_reply)`` pairs, in order.

    RESP2 writes it as a flat array of 2*N elements.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs):
        self.pairs = pairs

    def __eq__(self, other):
        return isinstance(other, Map) and self.pairs == other.pairs

    def __repr__(self):
        return "Map(%r)" % (self.pairs,)


class Set(object):
    """An unordered set of replies; an array in RESP2."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __eq__(self, other):
        return isinstance(other, Set) and self.items == other.items


class Push(object):
    """Out-of-band push data (pub/sub, invalidations); an array in RESP2."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


class Raw(object):
    """Bytes already encoded for the wire, identical in both protocols."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


class _Blocked(object):
    """What a command returns when its client blocked (Connection.block): no reply yet."""

    __slots__ = ()

    def __repr__(self):
        return "BLOCKED"


BLOCKED = _Blocked()


# Shared constants, as Redis' createSharedObjects.
OK = Simple("OK")
PONG = Simple("PONG")
QUEUED = Simple("QUEUED")
EMPTY_ARRAY = []
