"""The Lua side of the scripting sandbox, as Lua source (run by runtime.Engine).

Kept in a Python module rather than a .lua file so that it is installed with the
package without any package-data declaration. See the comment at its top.
"""

SOURCE = r"""-- The Lua side of miniredis' scripting sandbox (Redis 7.0's Lua environment).
--
-- Run once per Lua state, right after the standard and bundled libraries are
-- loaded, with the Python callbacks as arguments. It builds the `redis` table,
-- replaces what Redis 7.0 replaces (pcall, math.random, loadstring), removes
-- what Redis 7.0 does not expose (os, io, debug, print, require, ...) and makes
-- the global table and every library read-only the way Redis 7.0's patched Lua
-- does: stock Lua 5.1 has no read-only tables, so scripts see empty proxy
-- tables whose metatables forward reads and refuse writes, and the raw
-- functions (rawset, setmetatable, table.insert ...) refuse proxies.
--
-- Frames of this chunk are internal: the error handler skips them when it
-- looks for the script line an error belongs to.
--
-- Returns a table of entry points for the Python side (never given to scripts).

-- py_call, py_pcall, py_log, py_sha1, py_setresp, py_setrepl and py_acl_check become
-- redis.call, redis.pcall ... themselves: a Python callable is a C function to Lua, so
-- `return redis.call(...)` is no tail call and an error keeps the script's line, as
-- with Redis' C functions. They raise by a Python exception that py_unwrap turns back
-- into the error table.
local py_call, py_pcall, py_hook, py_log, py_sha1, py_setresp, py_setrepl, py_random, py_srandom,
      py_register, py_acl_check, py_unwrap, mode, version, version_num, py_patch = ...

local G = _G
local type, error, tostring = type, error, tostring
local select, pairs, next = select, pairs, next
local rawget, rawset = rawget, rawset
local raw_setmetatable, raw_getmetatable = setmetatable, getmetatable
local raw_pcall, raw_xpcall, raw_loadstring, raw_load = pcall, xpcall, loadstring, load
local setfenv, unpack, concat = setfenv, unpack, table.concat
local floor = math.floor
local string_dump = string.dump
local collectgarbage = collectgarbage
local getinfo, sethook = debug.getinfo, debug.sethook
local INTERNAL = debug.getinfo(1, "S").source
local READONLY = "Attempt to modify a readonly table"

-- proxy -> real table, real table -> proxy (weak: proxies of dropped tables go away)
local real_of = raw_setmetatable({}, {__mode = "k"})
local proxy_of = raw_setmetatable({}, {__mode = "k"})

local function refuse_write()
  error(READONLY, 2)
end

-- A read-only view of `real`. `index` overrides how reads are answered
-- (a function for the global table: missing names are an error).
local function protect(real, index)
  if proxy_of[real] then return proxy_of[real] end
  local p = {}
  local mt = {__index = index or real, __newindex = refuse_write}
  raw_setmetatable(p, mt)
  real_of[p] = real
  proxy_of[real] = p
  -- getmetatable(proxy) gives a read-only view of the proxy's metatable.
  local mtp = {}
  raw_setmetatable(mtp, {__index = mt, __newindex = refuse_write})
  real_of[mtp] = mt
  proxy_of[mt] = mtp
  return p
end

local function check_writable(t)
  if real_of[t] ~= nil then error(READONLY, 0) end
end

local function real(t)
  return real_of[t] or t
end

-- --- the error handler every script runs under --------------------------------
-- It turns whatever was raised into a table {err=..., source=..., line=...}:
-- the message of a string error gets Redis' "ERR " prefix; the position is the
-- innermost script frame (C frames and this chunk's frames are skipped).
local function unwrap(err)
  if type(err) == "userdata" then
    local t = py_unwrap(err)
    if t ~= nil then return t end
  end
  return err
end

local function err_handler(err)
  err = unwrap(err)
  local level = 2
  local info = getinfo(level, "Sl")
  while info and (info.what == "C" or info.source == INTERNAL) do
    level = level + 1
    info = getinfo(level, "Sl")
  end
  if type(err) == "table" and rawget(err, "err_where") then
    -- a C-function-style error from a Python callback: positioned like luaL_error
    local where = info and (info.short_src .. ":" .. info.currentline .. ": ") or ""
    err = where .. rawget(err, "err_where")
  end
  if type(err) ~= "table" then
    err = {err = "ERR " .. tostring(err)}
  end
  if info then
    rawset(err, "source", info.source)
    rawset(err, "line", info.currentline)
  end
  return err
end

-- --- replacements of base functions ---------------------------------------------

-- Redis' pcall hands back the message of an error table (redis.call errors), not the table.
local function pack(...)
  return select("#", ...), {...}
end

local function pcall_(f, ...)
  local n, res = pack(raw_pcall(f, ...))
  if not res[1] then
    local e = unwrap(res[2])
    if type(e) == "table" and type(rawget(e, "err")) == "string" then
      return false, rawget(e, "err")
    end
    return false, e
  end
  return unpack(res, 1, n)
end

-- Errors raised by the Python callbacks reach Lua as userdata: handlers and
-- coroutine.resume see the error table, as with Redis' C functions.
local function xpcall_(f, handler)
  return raw_xpcall(f, function(e) return handler(unwrap(e)) end)
end

local raw_resume = coroutine.resume
local function resume_(co, ...)
  local n, res = pack(raw_resume(co, ...))
  if not res[1] then
    local e = unwrap(res[2])
    if type(e) == "table" and rawget(e, "err_where") then
      -- positioned at the coroutine's line, as luaL_error would have done
      local level, info = 0, getinfo(co, 0, "Sl")
      while info and (info.what == "C" or info.source == INTERNAL) do
        level = level + 1
        info = getinfo(co, level, "Sl")
      end
      e = (info and (info.short_src .. ":" .. info.currentline .. ": ") or "") .. rawget(e, "err_where")
    end
    res[2] = e
  end
  return unpack(res, 1, n)
end

local env -- the environment scripts run in (set below)

-- Binary chunks are refused as Redis' patched Lua does: it parses them as text.
local function loadstring_(s, name)
  if type(s) == "string" and s:byte(1) == 27 then
    return raw_loadstring(" " .. s, name or s)
  end
  local f, e = raw_loadstring(s, name)
  if f then setfenv(f, env) end
  return f, e
end

local function load_(reader, name)
  if type(reader) ~= "function" then
    return raw_load(reader, name)
  end
  local parts = {}
  while true do
    local piece = reader()
    if piece == nil or piece == "" then break end
    if type(piece) ~= "string" then return nil, "reader function must return a string" end
    parts[#parts + 1] = piece
  end
  return loadstring_(concat(parts), name or "=(load)")
end

local function check_table(fname, n, t)
  if type(t) ~= "table" then
    local got = (n == 0) and "no value" or type(t)
    error("bad argument #1 to '" .. fname .. "' (table expected, got " .. got .. ")", 3)
  end
end

local function rawset_(t, k, v)
  check_writable(t)
  return rawset(t, k, v)
end

local function rawget_(...)
  local t, k = ...
  check_table("rawget", select("#", ...), t)
  return rawget(real(t), k)
end

local function next_(...)
  local t, k = ...
  check_table("next", select("#", ...), t)
  return next(real(t), k)
end

local function pairs_(...)
  local t = ...
  check_table("pairs", select("#", ...), t)
  return next_, t, nil
end

local function setmetatable_(t, mt)
  check_writable(t)
  return raw_setmetatable(t, mt)
end

local function getmetatable_(v)
  -- Python callbacks are userdata sharing lupa's metatable: scripts never see it
  -- (C functions have no metatable in Redis either).
  if type(v) == "userdata" then return nil end
  local mt = raw_getmetatable(v)
  if mt ~= nil and proxy_of[mt] then return proxy_of[mt] end
  return mt
end

-- --- the redis table ----------------------------------------------------------

-- An error table as Redis' luaPushError builds it ("ERR " unless a -CODE is given).
local function err_table(msg)
  if msg:sub(1, 1) == "-" then
    local sp = msg:find(" ", 1, true)
    if sp then
      msg = msg:sub(2, sp - 1) .. " " .. msg:sub(sp + 1)
    else
      msg = "ERR " .. msg:sub(2)
    end
  else
    msg = "ERR " .. msg
  end
  return {err = msg}
end

local redis = {}

redis.call = py_call
redis.pcall = py_pcall
redis.sha1hex = py_sha1
redis.log = py_log
redis.setresp = py_setresp
redis.set_repl = py_setrepl
redis.acl_check_cmd = py_acl_check

function redis.error_reply(...)
  local s = ...
  if select("#", ...) ~= 1 or type(s) ~= "string" then
    return err_table("wrong number or type of arguments")
  end
  if s:sub(1, 1) ~= "-" then s = "-" .. s end
  return err_table(s)
end

function redis.status_reply(...)
  local s = ...
  if select("#", ...) ~= 1 or type(s) ~= "string" then
    return err_table("wrong number or type of arguments")
  end
  return {ok = s}
end

redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num

if mode == "eval" then
  function redis.replicate_commands() return true end
  function redis.breakpoint() return false end
  function redis.debug() end
end

-- --- the global table ---------------------------------------------------------

-- The Python callbacks look like the C functions they stand for.
local callbacks = {}
for _, f in pairs({py_call, py_pcall, py_log, py_sha1, py_setresp, py_setrepl, py_random,
                   py_srandom, py_register, py_acl_check}) do
  callbacks[f] = true
end
local raw_type = type
local function type_(...)
  local v = ...
  if select("#", ...) == 0 then error("bad argument #1 to 'type' (value expected)", 2) end
  if callbacks[v] then return "function" end
  return raw_type(v)
end
local pyobj_mt = raw_getmetatable(py_call)
local py_tostring = pyobj_mt.__tostring
pyobj_mt.__tostring = function(v)
  if callbacks[v] then return "function: builtin" end
  return py_tostring(v)
end
-- Indexing a callback fails in Lua itself, as indexing a C function does in Redis:
-- an AttributeError raised by lupa's attribute filter inside a coroutine corrupts
-- lupa's object references (seen as "'ScriptRaise' object is not callable" later).
local function no_index()
  error("attempt to index a function value", 2)
end
pyobj_mt.__index = no_index
pyobj_mt.__newindex = no_index

local keep = {
  "_VERSION", "assert", "collectgarbage", "coroutine", "error", "gcinfo", "getmetatable",
  "ipairs", "load", "loadstring", "math", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawset", "select", "setmetatable", "string", "table", "tonumber", "tostring", "type",
  "unpack", "xpcall", "cjson", "bit", "struct", "cmsgpack",
}
local kept = {}
for _, name in pairs(keep) do kept[name] = G[name] end
for name in pairs(G) do G[name] = nil end
for name, v in pairs(kept) do G[name] = v end

G.pcall, G.xpcall, G.loadstring, G.load = pcall_, xpcall_, loadstring_, load_
coroutine.resume = resume_
G.rawset, G.rawget, G.next, G.pairs = rawset_, rawget_, next_, pairs_
G.setmetatable, G.getmetatable = setmetatable_, getmetatable_
G.type = type_
math.random, math.randomseed = py_random, py_srandom

-- table functions write raw: keep them off read-only tables
for _, name in pairs({"insert", "remove", "sort", "setn"}) do
  local f = table[name]
  if f then
    table[name] = function(t, ...)
      check_writable(t)
      return f(t, ...)
    end
  end
end

-- Libraries are seen through read-only proxies, by their globals and by strings' metatable.
for _, name in pairs({"coroutine", "math", "string", "table", "cjson", "bit", "struct", "cmsgpack"}) do
  if type(G[name]) == "table" then G[name] = protect(G[name]) end
end
local string_mt = raw_getmetatable("")
string_mt.__index = G.string
protect(string_mt)

-- The message of a read of a missing global (raised at level 3: the script's line).
local function missing_global(name)
  if type(name) ~= "string" and type(name) ~= "number" then
    error("Second argument to luaProtectedTableError must be a string or number", 3)
  end
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 3)
end

local function strict_index(tbl)
  return function(_, name)
    local v = tbl[name]
    if v == nil then missing_global(name) end
    return v
  end
end

if mode == "eval" then
  G.__redis__err__handler = err_handler
end
env = protect(G, strict_index(G))
G._G = env

-- The redis table scripts see at run time.
G.redis = protect(redis)

-- --- functions: the load-time environment ---------------------------------------
-- While a library loads, its code sees only `redis` with register_function, log
-- and the constants; every other name is an error. Its functions keep the same
-- environment table, which answers from the run-time globals once loading is over.

local loading = false
local load_redis = {
  register_function = py_register,
  log = redis.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = version, REDIS_VERSION_NUM = version_num,
}
local load_G = {redis = protect(load_redis, strict_index(load_redis))}
local lib_env = {}
raw_setmetatable(lib_env, {
  __index = function(t, name)
    local src = loading and load_G or G
    local v = src[name]
    if v == nil then missing_global(name) end
    return v
  end,
  __newindex = refuse_write,
})
real_of[lib_env] = G

-- --- entry points for Python ---------------------------------------------------------

local HOOK_EVERY = 100000
local killed_error

local function hook()
  local info = getinfo(2, "S")
  if info and info.source == INTERNAL then return end   -- never fail outside the script
  if killed_error then
    -- Killed: fail at every line, so a pcall in the script cannot go on.
    sethook(hook, "l")
    error(killed_error, 0)
  end
  local kill = py_hook()
  if kill then
    killed_error = {err = kill}
    sethook(hook, "l")
    error(killed_error, 0)
  end
end

-- A coroutine has its own hook: give each new one the script's, so a loop inside a
-- coroutine is also seen by busy-reply-threshold and SCRIPT KILL (Redis' C hook is
-- inherited by new threads; a Lua hook set by debug.sethook is not).
local raw_cocreate, raw_cowrap = coroutine.create, coroutine.wrap
local function hooked(f)
  if type(f) ~= "function" then return f end
  return function(...)
    sethook(hook, "", HOOK_EVERY)
    return f(...)
  end
end
rawset(real(G.coroutine), "create", function(f) return raw_cocreate(hooked(f)) end)
rawset(real(G.coroutine), "wrap", function(f) return raw_cowrap(hooked(f)) end)

local api = {}

-- Compile a script body; returns the function or nil and the message.
-- py_patch (Python) rewrites its bytecode without tail calls (see bytecode.py).
-- It is handed over once, with the other callbacks: a Python object passed
-- anew on every call was seen to come back from lupa as another object.
function api.compile(body, chunkname)
  local f, e = raw_loadstring(body, chunkname)
  if not f then return nil, e end
  local patched = py_patch(string_dump(f))
  if patched then
    f = raw_loadstring(patched, chunkname) or f
  end
  setfenv(f, mode == "eval" and env or lib_env)
  return f
end

-- Run fn(...) under the error handler and the hook; returns ok, result (one value).
function api.run(fn, use_hook, ...)
  local n = select("#", ...)
  local args = {...}
  killed_error = nil
  if use_hook then sethook(hook, "", HOOK_EVERY) end
  local ok, res = raw_xpcall(function() return fn(unpack(args, 1, n)) end, err_handler)
  sethook()
  killed_error = nil
  return ok, res
end

-- EVAL: KEYS and ARGV set and the script run in one call from Python (each crossing
-- between Python and Lua costs about as much as a small command).
function api.run_eval(fn, keys, argv)
  rawset(G, "KEYS", keys)
  rawset(G, "ARGV", argv)
  killed_error = nil
  sethook(hook, "", HOOK_EVERY)
  local ok, res = raw_xpcall(fn, err_handler)
  sethook()
  killed_error = nil
  return ok, res
end

-- Load a library body (functions): the load-time environment while it runs.
function api.load_library(fn)
  loading = true
  killed_error = nil
  sethook(hook, "", HOOK_EVERY)
  local ok, res = raw_xpcall(fn, err_handler)
  sethook()
  loading = false
  killed_error = nil
  return ok, res
end

function api.memory()
  return floor(collectgarbage("count") * 1024)
end

api.rawget = rawget

return api
"""
