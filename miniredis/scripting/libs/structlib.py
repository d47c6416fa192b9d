"""lua_struct 0.9.2 (`struct`) as Redis 7.0 bundles it, in Lua with Python helpers for IEEE floats.

Formats: '<' '>' endianness (native = little), '!n' maximum alignment (default none, '!' alone = 8),
' ' ignored, b B h H l L T i[n] I[n] (n <= 32) integers, f d floats, x padding, s zero-terminated
string, c[n] fixed string (c0: whole string on pack, previous result as size on unpack).
"""

import struct

STRUCT_LUA = r'''
local S, pack_float, unpack_float = ...
local type, select, floor, char, byte, sub, find, format, concat, tonumber, unpack =
  type, select, math.floor, string.char, string.byte, string.sub, string.find, string.format,
  table.concat, tonumber, unpack
local raise = S.raise
local MAXINTSIZE, MAXALIGN, INT_MAX = 32, 8, 2147483647
local TWO64, TWO63 = 18446744073709551616, 9223372036854775808

local function getnum(fmt, i, default)  -- returns number, next index
  local d = byte(fmt, i)
  if not d or d < 48 or d > 57 then return default, i end
  local a = 0
  while d and d >= 48 and d <= 57 do
    if a > floor(INT_MAX / 10) or a * 10 > INT_MAX - (d - 48) then raise(3, "integral size overflow") end
    a = a * 10 + d - 48
    i = i + 1
    d = byte(fmt, i)
  end
  return a, i
end

local FIXED = {b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, f = 4, d = 8, x = 1}

-- Size of option `opt` whose digits (if any) start at i; returns size, next index.
local function optsize(opt, fmt, i)
  local s = FIXED[opt]
  if s then return s, i end
  if opt == "c" then return getnum(fmt, i, 1) end
  if opt == "i" or opt == "I" then
    local n
    n, i = getnum(fmt, i, 4)
    if n > MAXINTSIZE then raise(2, format("integral size %d is larger than limit of %d", n, MAXINTSIZE)) end
    return n, i
  end
  return 0, i
end

local function band(a, b)  -- small non-negative integers
  local r, p = 0, 1
  while a > 0 and b > 0 do
    if a % 2 == 1 and b % 2 == 1 then r = r + p end
    a, b, p = floor(a / 2), floor(b / 2), p * 2
  end
  return r
end

-- Padding before an item, computed with lua_struct's bit masks (odd sizes such as i3 give odd pads).
local function toalign(len, h, opt, size)
  if size == 0 or opt == "c" then return 0 end
  if size > h.align then size = h.align end
  return band(size - band(len, size - 1), size - 1)
end

-- Endianness/alignment/space options; anything else is an invalid option (argument #1).
local function control(h, opt, fmt, i, name)
  if opt == " " then return i end
  if opt == ">" then h.little = false; return i end
  if opt == "<" then h.little = true; return i end
  if opt == "!" then
    local a
    a, i = getnum(fmt, i, MAXALIGN)
    local p = 1
    while p < a do p = p * 2 end
    if a == 0 or p ~= a then raise(2, format("alignment %d is not a power of 2", a)) end
    h.align = a
    return i
  end
  S.argerror(2, name, 1, "invalid format option '" .. opt .. "'")
end

-- The 8 little-endian bytes of C's (Uinteger)n (n < 0: via (Integer)n, truncating).
local function uint64_bytes(n)
  local neg = n < 0
  if neg then
    n = -n
    n = floor(n)
    if n > TWO63 then n = TWO63; neg = false end  -- out of range: INT64_MIN's bits
  else
    n = floor(n)
    if n >= TWO64 or n ~= n then n = 0 end
  end
  local b = {}
  for k = 1, 8 do
    local r = n % 256
    b[k] = r
    n = (n - r) / 256
  end
  if neg then  -- two's complement
    local carry = 1
    for k = 1, 8 do
      local v = 255 - b[k] + carry
      if v == 256 then b[k] = 0; carry = 1 else b[k] = v; carry = 0 end
    end
  end
  return b
end

local function int_bytes(n, size, little)
  local v, b = uint64_bytes(n), {}
  for k = 1, size do b[k] = v[k] or 0 end
  if not little then
    local rb = {}
    for k = 1, size do rb[k] = b[size + 1 - k] end
    b = rb
  end
  return char(unpack(b))
end

local function pack(...)
  local nargs = select('#', ...)
  local fmt = S.checkstring(1, "pack", 1, (...), nargs < 1)
  local h = {little = true, align = 1}
  local out, total, arg, i = {}, 0, 2, 1
  while i <= #fmt do
    local opt = sub(fmt, i, i)
    local size
    size, i = optsize(opt, fmt, i + 1)
    local pad = toalign(total, h, opt, size)
    if pad > 0 then out[#out + 1] = ("\0"):rep(pad); total = total + pad end
    if opt == "b" or opt == "B" or opt == "h" or opt == "H" or opt == "l" or opt == "L" or opt == "T"
        or opt == "i" or opt == "I" then
      local n = S.checknumber(1, "pack", arg, (select(arg, ...)), false)
      arg = arg + 1
      out[#out + 1] = int_bytes(n, size, h.little)
    elseif opt == "x" then
      out[#out + 1] = "\0"
    elseif opt == "f" or opt == "d" then
      local n = S.checknumber(1, "pack", arg, (select(arg, ...)), false)
      arg = arg + 1
      out[#out + 1] = pack_float(n, size, h.little, n == 0 and 1 / n < 0)
    elseif opt == "c" or opt == "s" then
      local s = S.checkstring(1, "pack", arg, (select(arg, ...)), false)
      arg = arg + 1
      local l = #s
      if size == 0 then size = l end
      if l < size then S.argerror(1, "pack", arg, "string too short") end
      out[#out + 1] = sub(s, 1, size)
      if opt == "s" then out[#out + 1] = "\0"; size = size + 1 end
    else
      i = control(h, opt, fmt, i, "pack")
    end
    total = total + size
  end
  return concat(out)
end

-- lua_struct's getinteger on a 64-bit unsigned accumulator kept as two 32-bit halves, including its
-- sign extension with the mask ~0 << ((size*8 - 1) mod 64) (x86 shift semantics).
local TWO32, TWO24 = 4294967296, 16777216
local function int_value(data, pos, size, little, signed)
  local hi, lo = 0, 0
  for k = 0, size - 1 do
    local idx = little and (pos + size - k) or (pos + 1 + k)
    hi = (hi * 256 + floor(lo / TWO24)) % TWO32
    lo = (lo % TWO24) * 256 + byte(data, idx)
  end
  if signed then
    local sh = (size * 8 - 1) % 64
    if sh >= 32 then
      local p = 2 ^ (sh - 32)
      if hi >= p then hi = TWO32 - p + hi % p end
    elseif hi > 0 or lo >= 2 ^ sh then
      hi, lo = TWO32 - 1, TWO32 - 2 ^ sh + lo % 2 ^ sh
    end
    if hi >= 2147483648 then hi = hi - TWO32 end
  end
  return hi * TWO32 + lo
end

local function unpack_(...)
  local nargs = select('#', ...)
  local fmt = S.checkstring(1, "unpack", 1, (...), nargs < 1)
  local data = S.checkstring(1, "unpack", 2, (select(2, ...)), nargs < 2)
  local ld = #data
  local pos = 0
  local p3 = (select(3, ...))
  if p3 ~= nil then pos = S.trunc(S.checknumber(1, "unpack", 3, p3, false)) - 1 end
  if pos == -1 then S.argerror(1, "unpack", 3, "offset must be 1 or greater") end
  -- pos is a size_t in C: a negative one is far past the end (every item is "too short")
  local h = {little = true, align = 1}
  local res, n, i = {}, 0, 1
  while i <= #fmt do
    local opt = sub(fmt, i, i)
    local size
    size, i = optsize(opt, fmt, i + 1)
    pos = pos + toalign(pos, h, opt, size)
    if pos < 0 or pos + size > ld then S.argerror(1, "unpack", 2, "data string too short") end
    if opt == "b" or opt == "h" or opt == "l" or opt == "i" then
      n = n + 1; res[n] = int_value(data, pos, size, h.little, true)
    elseif opt == "B" or opt == "H" or opt == "L" or opt == "T" or opt == "I" then
      n = n + 1; res[n] = int_value(data, pos, size, h.little, false)
    elseif opt == "x" then
    elseif opt == "f" or opt == "d" then
      n = n + 1; res[n] = unpack_float(size, h.little, byte(data, pos + 1, pos + size))
    elseif opt == "c" then
      if size == 0 then
        local prev = n > 0 and tonumber(res[n])
        if not prev or (type(res[n]) ~= "number" and type(res[n]) ~= "string") then
          raise(1, "format 'c0' needs a previous size")
        end
        size = S.trunc(prev)
        n = n - 1
        if size < 0 or pos + size > ld then  -- size is a size_t in C
          S.argerror(1, "unpack", 2, "data string too short")
        end
      end
      n = n + 1; res[n] = sub(data, pos + 1, pos + size)
    elseif opt == "s" then
      local e = find(data, "%z", pos + 1)
      if not e then raise(1, "unfinished string in data") end
      size = e - pos
      n = n + 1; res[n] = sub(data, pos + 1, e - 1)
    else
      i = control(h, opt, fmt, i, "unpack")
    end
    pos = pos + size
  end
  n = n + 1
  res[n] = pos + 1
  return unpack(res, 1, n)
end

local function size(...)
  local fmt = S.checkstring(1, "size", 1, (...), select('#', ...) < 1)
  local h = {little = true, align = 1}
  local pos, i = 0, 1
  while i <= #fmt do
    local opt = sub(fmt, i, i)
    local sz
    sz, i = optsize(opt, fmt, i + 1)
    pos = pos + toalign(pos, h, opt, sz)
    if opt == "s" then S.argerror(1, "size", 1, "option 's' has no fixed size")
    elseif opt == "c" and sz == 0 then S.argerror(1, "size", 1, "option 'c0' has no fixed size") end
    if not find(opt, "^%w$") then i = control(h, opt, fmt, i, "size") end
    pos = pos + sz
  end
  return pos
end

return {pack = pack, unpack = unpack_, size = size}
'''


def pack_float(n, size, little, negzero=False):
    if negzero:  # lupa hands -0.0 over as the integer 0
        n = -0.0
    order = "<" if little else ">"
    if size == 8:
        return struct.pack(order + "d", n)
    try:
        return struct.pack(order + "f", n)
    except OverflowError:  # C's (float) cast overflows to infinity
        return struct.pack(order + "f", float("inf") if n > 0 else float("-inf"))


def unpack_float(size, little, *octets):
    data = bytes(int(o) for o in octets)
    return struct.unpack(("<" if little else ">") + ("d" if size == 8 else "f"), data)[0]
