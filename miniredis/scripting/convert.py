"""Conversions between Redis replies and Lua values, both ways, as Redis 7.0 does them.

Owns: reply -> Lua (what redis.call returns to a script, by the script's
RESP version set with redis.setresp) and Lua -> reply (what a script returns
to its caller). Must not touch: running commands, the Lua sandbox.

Lua values reach Python through lupa: strings as bytes, numbers as int or
float, booleans, None for nil, LuaTable for tables.
"""

import math

from ..replies import (
    BigNumber, Bool, Double, Error, Map, NULL, NULL_ARRAY, Push, Raw, Set, Simple, Verbatim)

_lua_type = None   # lupa's lua_type, set by runtime.load_lua() with the first Lua state
# Nesting of a script's reply: Redis stops at its Lua stack limit (a few thousand
# levels); the reply encoder's recursion stops us earlier.
MAX_DEPTH = 800
_INT_MIN = -2 ** 63
_INT_MAX = 2 ** 63 - 1


def error_text(message):
    """A message (str or bytes) as an error reply's text: one line, user bytes kept."""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "surrogateescape")
    return message.replace("\r", " ").replace("\n", " ")


def error_table(lua, message, counted=False):
    """The Lua table Redis' luaPushError builds: "-CODE msg" keeps CODE, else "ERR msg".

    ``counted``: the error is a command's reply, already counted in errorstats; a script
    returning or raising it does not count it again (Redis' ignore_error_stats_update).
    """
    if isinstance(message, str):
        message = message.encode("utf-8", "surrogateescape")
    if message[:1] == b"-":
        code, sp, rest = message[1:].partition(b" ")
        message = code + b" " + rest if sp else b"ERR " + code
    else:
        message = b"ERR " + message
    t = lua.table()
    t[b"err"] = message
    if counted:
        t[b"ignore_error_stats_update"] = True
    return t


class CountedError(Error):
    """A script's error reply that errorstats already counted (see error_table)."""

    __slots__ = ()


# --- reply -> Lua ---------------------------------------------------------------------

def to_lua(lua, reply, resp):
    """What redis.call gives the script for ``reply`` (an error reply is handled by the caller)."""
    t = type(reply)
    if t is bytes or t is int:
        return reply
    if t is list or t is Push:
        items = reply if t is list else reply.items
        tbl = lua.table()
        for i, x in enumerate(items, 1):
            tbl[i] = to_lua(lua, x, resp)
        return tbl
    if t is Simple:
        tbl = lua.table()
        tbl[b"ok"] = reply.text.encode("utf-8", "surrogateescape")
        return tbl
    if t is Error:
        return error_table(lua, b"-" + reply.message.encode("utf-8", "surrogateescape"))
    if reply is NULL or reply is NULL_ARRAY:
        return None if resp == 3 else False
    if t is Double:
        if resp == 3:
            tbl = lua.table()
            tbl[b"double"] = reply.value
            return tbl
        return b"%.17g" % reply.value
    if t is Bool:
        if resp == 3:
            return reply.value
        return 1 if reply.value else 0
    if t is BigNumber:
        if resp == 3:
            tbl = lua.table()
            tbl[b"big_number"] = reply.text
            return tbl
        return reply.text
    if t is Verbatim:
        if resp == 3:
            inner = lua.table()
            inner[b"format"] = reply.fmt
            inner[b"string"] = reply.data
            tbl = lua.table()
            tbl[b"verbatim_string"] = inner
            return tbl
        return reply.data
    if t is Map:
        if resp == 3:
            m = lua.table()
            for k, v in reply.pairs:
                m[to_lua(lua, k, resp)] = to_lua(lua, v, resp)
            tbl = lua.table()
            tbl[b"map"] = m
            return tbl
        tbl = lua.table()
        i = 1
        for k, v in reply.pairs:
            tbl[i] = to_lua(lua, k, resp)
            tbl[i + 1] = to_lua(lua, v, resp)
            i += 2
        return tbl
    if t is Set:
        if resp == 3:
            s = lua.table()
            for x in reply.items:
                s[to_lua(lua, x, resp)] = True
            tbl = lua.table()
            tbl[b"set"] = s
            return tbl
        tbl = lua.table()
        for i, x in enumerate(reply.items, 1):
            tbl[i] = to_lua(lua, x, resp)
        return tbl
    if t is Raw:
        # Pre-encoded replies (DEBUG PROTOCOL attrib/push) come from commands scripts
        # cannot call; give the wire text rather than fail.
        return reply.data
    return None


# --- Lua -> reply ---------------------------------------------------------------------

def lua_number(v):
    """A Lua number as Redis' (long long) cast: truncation; NaN, inf and overflow give INT64_MIN."""
    if type(v) is int:
        return v if _INT_MIN <= v <= _INT_MAX else _INT_MIN
    if math.isnan(v) or math.isinf(v) or not (_INT_MIN <= v < 2.0 ** 63):
        return _INT_MIN
    return int(v)


def _status(text):
    s = Simple.__new__(Simple)
    s.text = text.decode("utf-8", "surrogateescape")
    s.raw = b"+" + text.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
    return s


def from_lua(v, resp, rawget, errs, depth=0):
    """The reply for a script's result ``v``; ``resp`` is the script's RESP version
    (it decides how booleans are written, as in Redis). For each error reply in it,
    ``errs`` gets its text, or None when errorstats already counted it (see error_table)."""
    t = type(v)
    if t is bytes:
        return v
    if t is int or t is float:
        return lua_number(v)
    if t is bool:
        if resp == 3:
            return Bool(v)
        return 1 if v else NULL
    if v is None or _lua_type(v) != "table":
        return NULL
    if depth > MAX_DEPTH:
        errs.append("ERR reached lua stack limit")
        return Error("ERR reached lua stack limit")
    x = rawget(v, b"err")
    if type(x) is bytes:
        text = error_text(x)
        counted = bool(rawget(v, b"ignore_error_stats_update"))
        errs.append(None if counted else text)
        return (CountedError if counted and depth == 0 else Error)(text)
    x = rawget(v, b"ok")
    if type(x) is bytes:
        return _status(x)
    x = rawget(v, b"double")
    if type(x) is int or type(x) is float:
        return Double(float(x))
    x = rawget(v, b"big_number")
    if type(x) is bytes:
        return BigNumber(x.replace(b"\r", b" ").replace(b"\n", b" "))
    x = rawget(v, b"map")
    if _lua_type(x) == "table":
        return Map([(from_lua(k, resp, rawget, errs, depth + 1),
                     from_lua(val, resp, rawget, errs, depth + 1))
                    for k, val in x.items()])
    x = rawget(v, b"set")
    if _lua_type(x) == "table":
        return Set([from_lua(k, resp, rawget, errs, depth + 1) for k in x.keys()])
    x = rawget(v, b"verbatim_string")
    if _lua_type(x) == "table":
        s, fmt = rawget(x, b"string"), rawget(x, b"format")
        if type(s) is bytes and type(fmt) is bytes:
            return Verbatim(s, fmt)
    out = []
    i = 1
    while True:
        x = rawget(v, i)
        if x is None:
            return out
        out.append(from_lua(x, resp, rawget, errs, depth + 1))
        i += 1
