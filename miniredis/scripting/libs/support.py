"""Lua helpers shared by the bundled libraries: argument checks, and errors shaped like lauxlib's.

In Redis the library functions are C functions; ours are Lua functions, so errors are raised at the
level that reproduces luaL_error (the position of the Lua code calling the public function, nothing
when a C function such as pcall called it) and luaL_argerror (the function named as the caller spelled
it, from debug.getinfo "n"). One thing Lua cannot reproduce: when user code tail-calls a library function
(`return cjson.encode(x)`) the caller's frame is gone, so such errors carry no position prefix (Redis
has "user_script:1: ") unless the runtime supplies one (install_libraries' tail_where), and argument
errors use the library's own name for the function.
(coroutine.wrap would give a C closure with the right positions, but a coroutine dies with its first
error and the debug library cannot swap a C closure's upvalue.)
"""

# The chunk name of all library code: the same as miniredis/scripting/sandbox.lua's, see __init__.py.
CHUNKNAME = "=miniredis"

SUPPORT_LUA = r'''
local getinfo = debug and debug.getinfo
local error, type, tostring, tonumber, floor, ceil =
      error, type, tostring, tonumber, math.floor, math.ceil
local S = {}

-- Optional: fn() -> "user_script:N: " or nil, asked when a public function was tail-called (the
-- caller's frame, hence its position, is gone); set by install_libraries(lua, tail_where).
local tail_where = nil
function S.set_tail_where(f) tail_where = f end

-- error(msg) at the caller of the public function found `k` levels above raise_at.
local function raise_at(k, msg)
  if tail_where and getinfo then
    local up = getinfo(k + 1, "S")
    if up and up.what == "tail" then
      local w = tail_where()
      if w then error(w .. msg, 0) end
    end
  end
  error(msg, k + 1)
end

-- Raised inside a library body that runs under pcall; S.rethrow positions it.
function S.fail(msg) error({msg}, 0) end

-- luaL_error from the public function `lvl` frames above this call (1 = the direct caller).
function S.raise(lvl, msg) raise_at(lvl + 2, msg) end

-- Name of the public function `lvl` frames above the caller, as luaL_argerror sees it.
local function fname(lvl, canonical)
  local ar = getinfo and getinfo(lvl + 2, "n")
  if ar and ar.name then return ar.name, ar.namewhat end
  -- A C function keeps its name when tail-called; a Lua function loses it: use the canonical name.
  local up = getinfo and getinfo(lvl + 3, "S")
  if up and up.what == "tail" then return canonical, "" end
  return "?", ""
end

-- luaL_argerror from the public function `lvl` frames above this call (1 = the direct caller).
function S.argerror(lvl, canonical, narg, extramsg)
  local name, what = fname(lvl, canonical)
  if what == "method" then
    narg = narg - 1
    if narg == 0 then
      raise_at(lvl + 2, "calling '" .. name .. "' on bad self (" .. extramsg .. ")")
    end
  end
  raise_at(lvl + 2, "bad argument #" .. narg .. " to '" .. name .. "' (" .. extramsg .. ")")
end

function S.typeerror(lvl, canonical, narg, tname, v, none)
  local got = none and "no value" or type(v)
  S.argerror(lvl + 1, canonical, narg, tname .. " expected, got " .. got)
end

-- luaL_checknumber: numbers and numeric strings.
function S.checknumber(lvl, canonical, narg, v, none)
  if type(v) == "number" then return v end
  local n = type(v) == "string" and tonumber(v)
  if n then return n end
  S.typeerror(lvl + 1, canonical, narg, "number", v, none)
end

-- lua_tointeger on x86-64: truncation toward zero.
function S.trunc(n)
  if n >= 0 then return floor(n) end
  return ceil(n)
end

-- luaL_checklstring: strings, and numbers converted like tostring.
function S.checkstring(lvl, canonical, narg, v, none)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then return tostring(v) end
  S.typeerror(lvl + 1, canonical, narg, "string", v, none)
end

-- Re-raise what a pcall'ed library body raised: S.fail messages at the caller of the public function
-- (`lvl` frames above), anything else (runtime errors Redis raises inside C, without position) verbatim.
function S.rethrow(lvl, e)
  if type(e) == "table" then raise_at(lvl + 2, e[1]) end
  error(e, 0)
end

return S
'''


def load_support(lua):
    """The helper table; the chunk captures the globals it needs now, before any sandboxing."""
    loader = lua.execute(b"return function(src, name) return assert(loadstring(src, name)) end")
    return loader(SUPPORT_LUA.encode(), CHUNKNAME.encode())()
