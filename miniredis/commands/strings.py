"""String commands.

Values are bytes, or typed values stored by a RESP3 client (see
:mod:`miniredis.datatypes`): ints and floats act as their decimal text,
other typed values answer WRONGTYPE to commands that need a string, while
GET-like commands return them as stored.
"""

from .. import errors
from ..errors import CommandError
from ..registry import command
from ..replies import OK, NULL
from ..datatypes import TypedValue, from_request, to_reply, parse_int, LLONG_MAX

_STORED = (bytes, int, float, TypedValue)


def read_value(ctx, key):
    """A value GET may return (string or typed), or None; WRONGTYPE for other types."""
    v = ctx.db.get(key)
    if v is None:
        ctx.server.stats.keyspace_misses += 1
        return None
    ctx.server.stats.keyspace_hits += 1
    if type(v) not in _STORED:
        raise CommandError(errors.WRONGTYPE)
    return v


@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string",
         summary="Get the value of a key", since="1.0.0", complexity="O(1)")
def get(ctx, argv):
    v = ctx.db.get(argv[1])
    if type(v) is bytes:
        ctx.server.stats.keyspace_hits += 1
        return v
    if v is None:
        ctx.server.stats.keyspace_misses += 1
        return NULL
    if type(v) not in _STORED:
        raise CommandError(errors.WRONGTYPE)
    ctx.server.stats.keyspace_hits += 1
    return to_reply(v)


# SET option flags
_NX, _XX, _GET, _KEEPTTL = 1, 2, 4, 8
_UNIT = {b"ex": 1000, b"px": 1, b"exat": 1000, b"pxat": 1}


def parse_expire_option(ctx, cmdname, unit, absolute, text):
    """Absolute expiry in ms from an EX/PX/EXAT/PXAT argument; errors as Redis."""
    n = parse_int(text)
    if n <= 0 or (unit == 1000 and n > LLONG_MAX // 1000):
        raise CommandError(errors.invalid_expire(cmdname))
    ms = n * unit
    if not absolute:
        ms += ctx.server.keyspace.clock()
        if ms > LLONG_MAX:
            raise CommandError(errors.invalid_expire(cmdname))
    return ms


@command("set", -3, "write denyoom", keys=(1, 1, 1), group="string", typed=(2, 0),
         summary="Set the string value of a key", since="1.0.0", complexity="O(1)")
def set_(ctx, argv):
    key = argv[1]
    value = argv[2]
    db = ctx.db
    if len(argv) == 3:
        db.set(key, value if type(value) is bytes else from_request(value))
        return OK
    flags = 0
    expire = None
    i = 3
    n = len(argv)
    # Parse every option first: a syntax error must leave the key untouched.
    while i < n:
        opt = argv[i].lower() if type(argv[i]) is bytes else b""
        if opt == b"nx" and not flags & _XX:
            flags |= _NX
        elif opt == b"xx" and not flags & _NX:
            flags |= _XX
        elif opt == b"get":
            flags |= _GET
        elif opt == b"keepttl" and expire is None:
            flags |= _KEEPTTL
        elif opt in _UNIT and expire is None and not flags & _KEEPTTL and i + 1 < n:
            expire = (opt, argv[i + 1])
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    when = None
    if expire is not None:
        opt, text = expire
        when = parse_expire_option(ctx, "set", _UNIT[opt], opt.endswith(b"at"), text)
    old = db.get(key)
    reply = OK
    if flags & _GET:
        if old is not None and type(old) not in _STORED:
            raise CommandError(errors.WRONGTYPE)
        reply = NULL if old is None else to_reply(old)
    if (flags & _NX and old is not None) or (flags & _XX and old is None):
        return reply if flags & _GET else NULL
    db.set(key, value if type(value) is bytes else from_request(value), keepttl=bool(flags & _KEEPTTL))
    if when is not None:
        db.set_expire(key, when)
    return reply
