"""Lua libraries bundled with Redis 7.0 scripting: cjson, cmsgpack, bit, struct.

Owns miniredis/scripting/libs/ only; the scripting runtime (sandbox, redis.* API) lives elsewhere in
miniredis/scripting/ and calls install_libraries(lua) on each fresh lupa LuaRuntime, before it hides
globals such as `debug` (captured here to name functions in argument errors, like lauxlib does).
Each library is Lua source (see the *lib.py modules) with small Python helpers for IEEE float bytes.
The chunks are named like the sandbox's own chunk (CHUNKNAME): its error handler and busy-script hook
treat such frames as internal, as Redis treats its C libraries (no position taken from them, no kill
inside them).
"""

from . import bitlib, cjsonlib, msgpacklib, structlib, support

CHUNKNAME = support.CHUNKNAME


def _load(lua, source):
    loader = lua.execute(b"return function(src, name) return assert(loadstring(src, name)) end")
    return loader(source.encode(), CHUNKNAME.encode())


def make_null(lua):
    """The cjson.null sentinel: Redis has a NULL lightuserdata, Lua code cannot make one, so a
    userdata proxy printing like it ("userdata: (nil)") stands in. Equal to itself only. Its
    metatable is locked (getmetatable gives false where Redis gives nil) so scripts cannot alter it."""
    make = _load(lua, """
        local p = newproxy(true)
        local mt = getmetatable(p)
        mt.__tostring = function() return "userdata: (nil)" end
        mt.__metatable = false
        return p""")
    return make()


def install_libraries(lua, tail_where=None):
    """Set the globals cjson, cmsgpack, bit and struct in `lua` (a lupa.lua51.LuaRuntime).
    Returns the cjson.null object so the runtime can convert it (Redis replies nil for it).

    tail_where: optional callable (Lua function or Python callable) taking no argument and returning
    the position prefix Redis would print (e.g. b"user_script:1: ") or nil/None; it is asked only when
    a library function raising an error was tail-called (`return cjson.encode(x)`), where Lua has
    lost the caller's frame and so its position (see support.py)."""
    s = support.load_support(lua)
    if tail_where is not None:
        s.set_tail_where(tail_where)
    null = make_null(lua)
    g = lua.globals()
    g.bit = _load(lua, bitlib.BIT_LUA)(s)
    g.cjson = _load(lua, cjsonlib.CJSON_LUA)(s, null)
    g.cmsgpack = _load(lua, msgpacklib.MSGPACK_LUA)(
        s, msgpacklib.pack_float, msgpacklib.unpack_float)
    g.struct = _load(lua, structlib.STRUCT_LUA)(
        s, structlib.pack_float, structlib.unpack_float)
    return null
