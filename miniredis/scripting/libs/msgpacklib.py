"""lua-cmsgpack 0.4.0 (`cmsgpack`) as Redis 7.0 bundles it, in Lua with two Python helpers for IEEE
floats (NaN bits must survive, which pure Lua 5.1 cannot see).

Packing choices match Redis byte for byte: integral numbers in int64 range use the smallest int/uint
form, other numbers float32 when exact else float64 ,
tables are arrays when their keys are exactly 1..n, nesting deeper than 16 packs as nil.
"""

import struct

MSGPACK_LUA = r'''
local S, pack_float, unpack_float = ...
local unpack, string = unpack, string
local pcall, type, pairs, select, floor, char, byte, sub, concat, rawset, rawget =
  pcall, type, pairs, select, math.floor, string.char, string.byte, string.sub, table.concat, rawset, rawget
local huge = math.huge
local fail = S.fail
local MAX_NESTING = 16
local TWO63 = 9223372036854775808

local function be_bytes(n, width)  -- n >= 0 integral; big-endian, exact for any double
  local b = {}
  for i = width, 1, -1 do
    local r = n % 256
    b[i] = r
    n = (n - r) / 256
  end
  return b
end

local function neg_bytes(n, width)  -- two's complement of n < 0
  local b = be_bytes(-n, width)
  local carry = 1
  for i = width, 1, -1 do
    local v = 255 - b[i] + carry
    if v == 256 then b[i] = 0; carry = 1 else b[i] = v; carry = 0 end
  end
  return b
end

local function with_prefix(p, b) return char(p, unpack(b)) end

local function pack_number(n)
  if n == n and floor(n) == n and n >= -TWO63 and n < TWO63 then
    if n >= 0 then
      if n <= 127 then return char(n) end
      if n <= 255 then return char(0xcc, n) end
      if n <= 65535 then return with_prefix(0xcd, be_bytes(n, 2)) end
      if n <= 4294967295 then return with_prefix(0xce, be_bytes(n, 4)) end
      return with_prefix(0xcf, be_bytes(n, 8))
    end
    if n >= -32 then return char(256 + n) end
    if n >= -128 then return char(0xd0, 256 + n) end
    if n >= -32768 then return with_prefix(0xd1, neg_bytes(n, 2)) end
    if n >= -2147483648 then return with_prefix(0xd2, neg_bytes(n, 4)) end
    return with_prefix(0xd3, neg_bytes(n, 8))
  end
  return pack_float(n)
end

local function pack_len(len, small_base, small_max, c8, c16, c32)
  if len <= small_max then return char(small_base + len) end
  if c8 and len <= 255 then return char(c8, len) end
  if len <= 65535 then return with_prefix(c16, be_bytes(len, 2)) end
  return with_prefix(c32, be_bytes(len, 4))
end

local function array_len(t)
  local count, max = 0, 0
  for k in pairs(t) do
    if type(k) ~= "number" or k <= 0 or floor(k) ~= k then return nil end
    count = count + 1
    if k > max then max = k end
  end
  if max == count then return max end
  return nil
end

local pack_value

local function pack_table(t, level, out)
  local n = array_len(t)
  if n then
    out[#out + 1] = pack_len(n, 0x90, 15, nil, 0xdc, 0xdd)
    for i = 1, n do pack_value(rawget(t, i), level + 1, out) end
    return
  end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  out[#out + 1] = pack_len(count, 0x80, 15, nil, 0xde, 0xdf)
  for k, v in pairs(t) do
    pack_value(k, level + 1, out)
    pack_value(v, level + 1, out)
  end
end

pack_value = function(v, level, out)
  local t = type(v)
  if t == "number" then out[#out + 1] = pack_number(v)
  elseif t == "string" then
    out[#out + 1] = pack_len(#v, 0xa0, 31, 0xd9, 0xda, 0xdb)
    out[#out + 1] = v
  elseif t == "boolean" then out[#out + 1] = v and "\195" or "\194"
  elseif t == "table" and level < MAX_NESTING then pack_table(v, level, out)
  else out[#out + 1] = "\192" end
end

-- Unpacking ------------------------------------------------------------------------------------------

local function need(st, n)
  if st.i + n - 1 > st.len then fail("Missing bytes in input.") end
end

local function uint(st, n)
  need(st, n)
  local v = 0
  for k = 0, n - 1 do v = v * 256 + byte(st.s, st.i + k) end
  st.i = st.i + n
  return v
end

local function int(st, n)
  local first = byte(st.s, st.i)
  if n == 8 then
    local hi, lo = uint(st, 4), uint(st, 4)
    if hi >= 2147483648 then hi = hi - 4294967296 end
    return hi * 4294967296 + lo  -- one rounding, like C's int64 -> double
  end
  local v = uint(st, n)
  if first >= 128 then v = v - 256 ^ n end
  return v
end

local function raw(st, n)
  need(st, n)
  local v = sub(st.s, st.i, st.i + n - 1)
  st.i = st.i + n
  return v
end

local unpack_value

local function unpack_array(st, n)
  local t = {}
  for i = 1, n do t[i] = unpack_value(st) end
  return t
end

local function unpack_map(st, n)
  local t = {}
  for _ = 1, n do
    local k = unpack_value(st)
    rawset(t, k, unpack_value(st))
  end
  return t
end

unpack_value = function(st)
  need(st, 1)
  local c = byte(st.s, st.i)
  st.i = st.i + 1
  if c <= 0x7f then return c end
  if c >= 0xe0 then return c - 256 end
  if c <= 0x8f then return unpack_map(st, c - 0x80) end
  if c <= 0x9f then return unpack_array(st, c - 0x90) end
  if c <= 0xbf then return raw(st, c - 0xa0) end
  if c == 0xc0 then return nil end
  if c == 0xc2 then return false end
  if c == 0xc3 then return true end
  if c == 0xca or c == 0xcb then
    local w = c == 0xca and 4 or 8
    need(st, w)
    local v = unpack_float(w, byte(st.s, st.i, st.i + w - 1))
    st.i = st.i + w
    return v
  end
  if c >= 0xcc and c <= 0xce then return uint(st, 2 ^ (c - 0xcc)) end
  if c == 0xcf then return int(st, 8) end  -- uint64 is read as int64 (as Redis does)
  if c >= 0xd0 and c <= 0xd3 then return int(st, 2 ^ (c - 0xd0)) end
  if c == 0xd9 then return raw(st, uint(st, 1)) end
  if c == 0xda then return raw(st, uint(st, 2)) end
  if c == 0xdb then return raw(st, uint(st, 4)) end
  if c == 0xdc then return unpack_array(st, uint(st, 2)) end
  if c == 0xdd then return unpack_array(st, uint(st, 4)) end
  if c == 0xde then return unpack_map(st, uint(st, 2)) end
  if c == 0xdf then return unpack_map(st, uint(st, 4)) end
  fail("Bad data format in input.")
end

-- Returns a results table and its length; offset (or -1) first unless decoding everything.
local function unpack_full(s, limit, offset)
  local len = #s
  if offset < 0 or limit < 0 then
    fail(string.format("Invalid request to unpack with offset of %d and limit of %d.", offset, len))
  end
  if offset > len then fail(string.format("Start offset %d greater than input length %d.", offset, len)) end
  local all = limit == 0 and offset == 0
  if all then limit = huge end
  local st = {s = s, i = offset + 1, len = len}
  local res, n = {}, 0
  if not all then n = 1 end
  local cnt = 0
  while st.i <= len and cnt < limit do
    n = n + 1
    res[n] = unpack_value(st)
    cnt = cnt + 1
  end
  if not all then res[1] = st.i > len and -1 or st.i - 1 end
  return res, n
end

local function finish(ok, res, n)
  if not ok then S.rethrow(2, res) end
  return unpack(res, 1, n)
end

local m = {_NAME = "cmsgpack", _VERSION = "lua-cmsgpack 0.4.0",
           _COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo",
           _DESCRIPTION = "MessagePack C implementation for Lua"}

m.pack = function(...)
  local n = select('#', ...)
  if n == 0 then S.argerror(1, "pack", 0, "MessagePack pack needs input.") end
  local out = {}
  for i = 1, n do pack_value((select(i, ...)), 0, out) end
  return concat(out)
end

local function opt_int(name, i, ...)
  local v = (select(i, ...))
  if v == nil then return 0 end
  return S.trunc(S.checknumber(2, name, i, v, false))
end

local function check_int(name, i, ...)
  return S.trunc(S.checknumber(2, name, i, (select(i, ...)), select('#', ...) < i))
end

m.unpack = function(...)
  local s = S.checkstring(1, "unpack", 1, (...), select('#', ...) < 1)
  local ok, res, n = pcall(unpack_full, s, 0, 0)
  if not ok then S.rethrow(1, res) end
  return unpack(res, 1, n)
end
m.unpack_one = function(...)
  local s = S.checkstring(1, "unpack_one", 1, (...), select('#', ...) < 1)
  local offset = opt_int("unpack_one", 2, ...)
  local ok, res, n = pcall(unpack_full, s, 1, offset)
  if not ok then S.rethrow(1, res) end
  return unpack(res, 1, n)
end
m.unpack_limit = function(...)
  local s = S.checkstring(1, "unpack_limit", 1, (...), select('#', ...) < 1)
  local limit = check_int("unpack_limit", 2, ...)
  local offset = opt_int("unpack_limit", 3, ...)
  local ok, res, n = pcall(unpack_full, s, limit, offset)
  if not ok then S.rethrow(1, res) end
  return unpack(res, 1, n)
end
return m
'''


def pack_float(n):
    """MessagePack float32 when exact, else float64 (NaN always float64, sign bit kept)."""
    try:
        f = struct.pack(">f", n)
        if struct.unpack(">f", f)[0] == n:
            return b"\xca" + f
    except OverflowError:
        pass
    return b"\xcb" + struct.pack(">d", n)


def unpack_float(width, *octets):
    data = bytes(int(o) for o in octets)
    return struct.unpack(">f" if width == 4 else ">d", data)[0]
