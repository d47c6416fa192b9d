"""LuaBitOp 1.0.2 (`bit`) as Redis 7.0 bundles it, in Lua: 32-bit operations on Lua 5.1 numbers.

Numbers are normalised like LuaBitOp does on doubles: add 2^52+2^51 and keep the low 32 bits of the
result's mantissa (so 2.5 -> 2, 1.5 -> 2, huge values wrap by their mantissa bits, NaN/Inf -> 0).
"""

BIT_LUA = r'''
local S = ...
local frexp, ldexp, floor, select, format, sub =
  math.frexp, math.ldexp, math.floor, select, string.format, string.sub
local huge = math.huge
local TWO32, TWO31 = 4294967296, 2147483648

-- Unsigned low 32 bits of the IEEE mantissa of n + 2^52 + 2^51.
local function norm(n)
  local d = n + 6755399441055744
  if d ~= d or d == huge or d == -huge or d == 0 then return 0 end
  if d < 0 then d = -d end
  local f = frexp(d)
  return (ldexp(f, 53) - 4503599627370496) % TWO32
end

local function signed(u)
  if u >= TWO31 then return u - TWO32 end
  return u
end

local function barg(name, i, ...)
  local n = select('#', ...)
  local v = (select(i, ...))
  return norm(S.checknumber(2, name, i, v, i > n))
end

-- Bitwise and/or/xor of two unsigned 32-bit values, a nibble at a time.
local AND, OR, XOR = {}, {}, {}
for a = 0, 15 do
  for b = 0, 15 do
    local x, y, r1, r2, r3, p = a, b, 0, 0, 0, 1
    for _ = 1, 4 do
      local ba, bb = x % 2, y % 2
      if ba == 1 and bb == 1 then r1 = r1 + p end
      if ba == 1 or bb == 1 then r2 = r2 + p end
      if ba ~= bb then r3 = r3 + p end
      x, y, p = (x - ba) / 2, (y - bb) / 2, p * 2
    end
    AND[a * 16 + b], OR[a * 16 + b], XOR[a * 16 + b] = r1, r2, r3
  end
end

local function combine(tab, a, b)
  local r, p = 0, 1
  for _ = 1, 8 do
    local na, nb = a % 16, b % 16
    r = r + tab[na * 16 + nb] * p
    a, b, p = (a - na) / 16, (b - nb) / 16, p * 16
  end
  return r
end

local function fold(name, tab)
  return function(...)
    local r = barg(name, 1, ...)
    for i = 2, select('#', ...) do r = combine(tab, r, barg(name, i, ...)) end
    return signed(r)
  end
end

local function shl(u, n) return (u * 2 ^ n) % TWO32 end
local function shr(u, n) return floor(u / 2 ^ n) end

local bit = {}
bit.tobit = function(...) return signed(barg("tobit", 1, ...)) end
bit.bnot = function(...) return signed(TWO32 - 1 - barg("bnot", 1, ...)) end
bit.band = fold("band", AND)
bit.bor = fold("bor", OR)
bit.bxor = fold("bxor", XOR)
bit.lshift = function(...)
  local u, n = barg("lshift", 1, ...), barg("lshift", 2, ...) % 32
  return signed(shl(u, n))
end
bit.rshift = function(...)
  local u, n = barg("rshift", 1, ...), barg("rshift", 2, ...) % 32
  return signed(shr(u, n))
end
bit.arshift = function(...)
  local u, n = barg("arshift", 1, ...), barg("arshift", 2, ...) % 32
  return signed(floor(signed(u) / 2 ^ n) % TWO32)
end
bit.rol = function(...)
  local u, n = barg("rol", 1, ...), barg("rol", 2, ...) % 32
  return signed(shl(u, n) + shr(u, 32 - n) % TWO32)
end
bit.ror = function(...)
  local u, n = barg("ror", 1, ...), barg("ror", 2, ...) % 32
  return signed(shr(u, n) + shl(u, (32 - n) % 32) * (n > 0 and 1 or 0))
end
bit.bswap = function(...)
  local u = barg("bswap", 1, ...)
  local b0, b1, b2, b3 = u % 256, floor(u / 256) % 256, floor(u / 65536) % 256, floor(u / 16777216)
  return signed(((b0 * 256 + b1) * 256 + b2) * 256 + b3)
end
bit.tohex = function(...)
  local u = barg("tohex", 1, ...)
  local n = 8
  if select('#', ...) >= 2 then n = signed(barg("tohex", 2, ...)) end
  local fmt = "%08x"
  if n < 0 then n, fmt = -n, "%08X" end
  if n > 8 then n = 8 end
  if n <= 0 then return "" end
  return sub(format(fmt, u), 9 - n)
end
return bit
'''
