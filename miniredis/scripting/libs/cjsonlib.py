"""lua-cjson 2.1.0 (`cjson`) as Redis 7.0 bundles it, in Lua: encode/decode and the config functions.

Encoding rules: a table is an array when every key is an integer >= 1 (holes become null, too sparse
ones are an error or an object per encode_sparse_array), otherwise an object; numbers use
%.<encode_number_precision>g. Decoding mimics cjson's tokenizer (strtod-style number prefixes,
"invalid numbers" hex/leading zeros/inf/nan accepted unless disabled) and its error texts.
"""

CJSON_LUA = r'''
local S, null = ...
local pcall = pcall
local type, pairs, select, floor, format, gsub, byte, sub, find, lower, concat, tonumber, rawset, rawget =
  type, pairs, select, math.floor, string.format, string.gsub, string.byte, string.sub, string.find,
  string.lower, table.concat, tonumber, rawset, rawget
local char = string.char
local huge = math.huge
local INT_MAX = 2147483647
local fail = S.fail

local ESC = {['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b', ['\f'] = '\\f',
             ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t', ['\127'] = '\\u007f'}
for i = 0, 31 do
  local c = char(i)
  if not ESC[c] then ESC[c] = format('\\u%04x', i) end
end
local ESC_PATTERN = '[%z\1-\31"\\/\127]'

local function enc_string(s) return '"' .. gsub(s, ESC_PATTERN, ESC) .. '"' end

local function enc_number(cfg, n)
  if n ~= n or n == huge or n == -huge then
    if cfg.invalid_enc == false then fail("Cannot serialise number: must not be NaN or Inf") end
    if cfg.invalid_enc == "null" then return "null" end
    if n ~= n then return "nan" end
    return n > 0 and "inf" or "-inf"
  end
  return format(cfg.numfmt, n)
end

-- Array length per cjson: >0 array, 0 for an empty table (object), -1 for an object.
local function array_length(cfg, t)
  local max, items = 0, 0
  for k in pairs(t) do
    if type(k) == "number" and k ~= 0 and floor(k) == k and k >= 1 then
      if k > max then
        max = k
        if k > INT_MAX then max = -INT_MAX - 1 end  -- cjson keeps max in a C int
      end
      items = items + 1
    else
      return -1
    end
  end
  if cfg.sparse_ratio > 0 and max > items * cfg.sparse_ratio and max > cfg.sparse_safe then
    if not cfg.sparse_convert then fail("Cannot serialise table: excessively sparse array") end
    return -1
  end
  return max
end

local encode_value

local function enc_table(cfg, t, depth, out)
  depth = depth + 1
  if depth > cfg.enc_depth then fail(format("Cannot serialise, excessive nesting (%d)", depth)) end
  local len = array_length(cfg, t)
  if len > 0 then
    out[#out + 1] = "["
    for i = 1, len do
      if i > 1 then out[#out + 1] = "," end
      encode_value(cfg, rawget(t, i), depth, out)
    end
    out[#out + 1] = "]"
    return
  end
  out[#out + 1] = "{"
  local first = true
  for k, v in pairs(t) do
    if not first then out[#out + 1] = "," end
    first = false
    local kt = type(k)
    if kt == "string" then out[#out + 1] = enc_string(k)
    elseif kt == "number" then out[#out + 1] = '"' .. enc_number(cfg, k) .. '"'
    else
      local tn = kt
      if k == null then tn = "userdata" end
      fail(format("Cannot serialise %s: table key must be a number or string", tn))
    end
    out[#out + 1] = ":"
    encode_value(cfg, v, depth, out)
  end
  out[#out + 1] = "}"
end

encode_value = function(cfg, v, depth, out)
  local t = type(v)
  if t == "string" then out[#out + 1] = enc_string(v)
  elseif t == "number" then out[#out + 1] = enc_number(cfg, v)
  elseif t == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif t == "nil" or v == null then out[#out + 1] = "null"
  elseif t == "table" then enc_table(cfg, v, depth, out)
  else fail(format("Cannot serialise %s: type not supported", t)) end
end

local function encode(cfg, v)
  local out = {}
  encode_value(cfg, v, 0, out)
  return concat(out)
end

-- Decoder -----------------------------------------------------------------------------------------

local WS = {[32] = true, [9] = true, [10] = true, [13] = true}
local SIMPLE = {[123] = "T_OBJ_BEGIN", [125] = "T_OBJ_END", [91] = "T_ARR_BEGIN", [93] = "T_ARR_END",
                [58] = "T_COLON", [44] = "T_COMMA"}
local UNESC = {[34] = '"', [92] = '\\', [47] = '/', [98] = '\b', [102] = '\f', [110] = '\n',
               [114] = '\r', [116] = '\t'}

-- Hex, leading zero, inf and nan numbers (what cjson calls "invalid numbers").
local function is_invalid_number(s, i)
  if byte(s, i) == 43 then return true end  -- a leading '+'
  if byte(s, i) == 45 then i = i + 1 end
  local c, d = byte(s, i, i + 1)
  if c == 48 and d then
    if d == 120 or d == 88 or (d >= 48 and d <= 57) then return true end
    return false
  end
  local w = lower(sub(s, i, i + 2))
  return w == "inf" or w == "nan"
end

-- The longest prefix at i that strtod would convert (cjson reads numbers with strtod).
local function strtod_prefix(s, i)
  local m = find(s, "^[%+%-]?0[xX]", i) and (
      find(s, "^[%+%-]?0[xX]%x+%.?%x*", i) and select(2, find(s, "^[%+%-]?0[xX]%x+%.?%x*", i))
      or select(2, find(s, "^[%+%-]?0[xX]%.%x+", i)))
  if m then
    local e = select(2, find(s, "^[pP][%+%-]?%d+", m + 1))
    return sub(s, i, e or m)
  end
  local neg = (byte(s, i) == 45 or byte(s, i) == 43) and 1 or 0
  local j = i + neg
  local w = lower(sub(s, j, j + 7))
  if sub(w, 1, 3) == "inf" then
    return sub(s, i, j + (w == "infinity" and 7 or 2))
  end
  if sub(w, 1, 3) == "nan" then
    local e = select(2, find(s, "^%([%w_]*%)", j + 3))
    return sub(s, i, e or j + 2)
  end
  m = select(2, find(s, "^[%+%-]?%d+%.?%d*", i)) or select(2, find(s, "^[%+%-]?%.%d+", i))
  if not m then return nil end
  local e = select(2, find(s, "^[eE][%+%-]?%d+", m + 1))
  return sub(s, i, e or m)
end

local function utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64, 0x80 + floor(cp / 64) % 64,
              0x80 + cp % 64)
end

local function hex4(s, i)
  local h = sub(s, i, i + 3)
  if not find(h, "^%x%x%x%x$") then return nil end
  return tonumber(h, 16)
end

-- Returns token type, value, start index, next index; errors are ("T_ERROR", message, index).
local function read_string(s, i)
  local parts, j = {}, i + 1
  while true do
    local k = find(s, '["\\]', j)
    if not k then return "T_ERROR", "unexpected end of string", #s + 1 end
    parts[#parts + 1] = sub(s, j, k - 1)
    if byte(s, k) == 34 then return "T_STRING", concat(parts), i, k + 1 end
    local e = byte(s, k + 1)
    if e == 117 then
      local cp = hex4(s, k + 2)
      local nxt = k + 6
      if not cp or (cp >= 0xDC00 and cp <= 0xDFFF) then return "T_ERROR", "invalid unicode escape code", k end
      if cp >= 0xD800 and cp <= 0xDBFF then
        local lo = sub(s, k + 6, k + 7) == "\\u" and hex4(s, k + 8)
        if not lo or lo < 0xDC00 or lo > 0xDFFF then return "T_ERROR", "invalid unicode escape code", k end
        cp = 0x10000 + (cp - 0xD800) * 1024 + (lo - 0xDC00)
        nxt = k + 12
      end
      parts[#parts + 1] = utf8(cp)
      j = nxt
    elseif e and UNESC[e] then
      parts[#parts + 1] = UNESC[e]
      j = k + 2
    else
      return "T_ERROR", "invalid escape code", k
    end
  end
end

local function read_number(cfg, s, i)
  if is_invalid_number(s, i) and not cfg.invalid_dec then return "T_ERROR", "invalid number", i end
  local p = strtod_prefix(s, i)
  local n = p and tonumber(p)
  if not n then return "T_ERROR", "invalid number", i end
  return "T_NUMBER", n, i, i + #p
end

local function next_token(cfg, s, i)
  local c = byte(s, i)
  while c and WS[c] do i = i + 1; c = byte(s, i) end
  if not c then return "T_END", nil, i, i end
  local simple = SIMPLE[c]
  if simple then return simple, nil, i, i + 1 end
  if c == 34 then return read_string(s, i) end
  if c == 45 or (c >= 48 and c <= 57) then return read_number(cfg, s, i) end
  if c == 116 and sub(s, i, i + 3) == "true" then return "T_BOOLEAN", true, i, i + 4 end
  if c == 102 and sub(s, i, i + 4) == "false" then return "T_BOOLEAN", false, i, i + 5 end
  if c == 110 and sub(s, i, i + 3) == "null" then return "T_NULL", null, i, i + 4 end
  if cfg.invalid_dec and is_invalid_number(s, i) then return read_number(cfg, s, i) end
  return "T_ERROR", "invalid token", i
end

local function unexpected(what, tok, val, pos)
  local found = tok
  if tok == "T_ERROR" then found = val end
  fail(format("Expected %s but found %s at character %d", what, found, pos))
end

local parse_value

local function enter(st, pos)
  st.depth = st.depth + 1
  if st.depth > st.cfg.dec_depth then
    fail(format("Found too many nested data structures (%d) at character %d", st.depth, pos))
  end
end

local function parse_object(st, pos)
  local s, cfg = st.s, st.cfg
  enter(st, pos)
  local t = {}
  local tok, val, p, nxt = next_token(cfg, s, st.i)
  if tok == "T_OBJ_END" then st.i = nxt; st.depth = st.depth - 1; return t end
  while true do
    if tok ~= "T_STRING" then unexpected("object key string", tok, val, p) end
    local key = val
    tok, val, p, nxt = next_token(cfg, s, nxt)
    if tok ~= "T_COLON" then unexpected("colon", tok, val, p) end
    tok, val, p, nxt = next_token(cfg, s, nxt)
    st.i = nxt
    rawset(t, key, parse_value(st, tok, val, p))
    tok, val, p, nxt = next_token(cfg, s, st.i)
    if tok == "T_OBJ_END" then st.i = nxt; st.depth = st.depth - 1; return t end
    if tok ~= "T_COMMA" then unexpected("comma or object end", tok, val, p) end
    tok, val, p, nxt = next_token(cfg, s, nxt)
  end
end

local function parse_array(st, pos)
  local s, cfg = st.s, st.cfg
  enter(st, pos)
  local t, n = {}, 0
  local tok, val, p, nxt = next_token(cfg, s, st.i)
  if tok == "T_ARR_END" then st.i = nxt; st.depth = st.depth - 1; return t end
  while true do
    st.i = nxt
    n = n + 1
    t[n] = parse_value(st, tok, val, p)
    tok, val, p, nxt = next_token(cfg, s, st.i)
    if tok == "T_ARR_END" then st.i = nxt; st.depth = st.depth - 1; return t end
    if tok ~= "T_COMMA" then unexpected("comma or array end", tok, val, p) end
    tok, val, p, nxt = next_token(cfg, s, nxt)
  end
end

-- The token was already read (st.i is past it).
parse_value = function(st, tok, val, p)
  if tok == "T_OBJ_BEGIN" then return parse_object(st, p) end
  if tok == "T_ARR_BEGIN" then return parse_array(st, p) end
  if tok == "T_STRING" or tok == "T_NUMBER" or tok == "T_BOOLEAN" or tok == "T_NULL" then return val end
  unexpected("value", tok, val, p)
end

local function decode(cfg, s)
  if #s >= 2 and (byte(s, 1) == 0 or byte(s, 2) == 0) then
    fail("JSON parser does not support UTF-16 or UTF-32")
  end
  local z = find(s, "%z")
  if z then s = sub(s, 1, z - 1) end  -- cjson reads a C string: a NUL ends the text
  local st = {s = s, cfg = cfg, depth = 0, i = 1}
  local tok, val, p, nxt = next_token(cfg, s, 1)
  st.i = nxt
  local v = parse_value(st, tok, val, p)
  tok, val, p = next_token(cfg, s, st.i)
  if tok ~= "T_END" then unexpected("the end", tok, val, p) end
  return v
end

-- Module and config functions ------------------------------------------------------------------------

local ON_OFF = {off = false, on = true}
local ON_OFF_NULL = {off = false, on = true, null = "null"}

local function nargs_check(name, max, ...)
  if select('#', ...) > max then S.argerror(2, name, max + 1, "found too many arguments") end
end

local function enum_opt(name, i, options, v, none)
  if v == nil then return nil end
  if type(v) == "boolean" then return v end
  local str = S.checkstring(2, name, i, v, none)
  local r = options[str]
  if r == nil then S.argerror(2, name, i, "invalid option '" .. str .. "'") end
  return r
end

local function int_opt(name, i, v, lo, hi)
  if v == nil then return nil end
  local n = S.trunc(S.checknumber(2, name, i, v, false))
  if n < lo or n > hi then
    S.argerror(2, name, 1, format("expected integer between %d and %d", lo, hi))
  end
  return n
end

local function new_module()
  local cfg = {sparse_convert = false, sparse_ratio = 2, sparse_safe = 10, enc_depth = 1000,
               dec_depth = 1000, precision = 14, numfmt = "%.14g", keep_buffer = true,
               invalid_enc = false, invalid_dec = true}
  local m = {_NAME = "cjson", _VERSION = "2.1.0", null = null}

  m.encode = function(...)
    if select('#', ...) ~= 1 then S.argerror(1, "encode", 1, "expected 1 argument") end
    local ok, r = pcall(encode, cfg, (...))
    if not ok then S.rethrow(1, r) end
    return r
  end
  m.decode = function(...)
    local n = select('#', ...)
    if n ~= 1 then S.argerror(1, "decode", 1, "expected 1 argument") end
    local s = S.checkstring(1, "decode", 1, (...), false)
    local ok, r = pcall(decode, cfg, s)
    if not ok then S.rethrow(1, r) end
    return r
  end
  m.encode_sparse_array = function(...)
    nargs_check("encode_sparse_array", 3, ...)
    local n = select('#', ...)
    local conv, ratio, safe = ...
    conv = enum_opt("encode_sparse_array", 1, ON_OFF, conv, n < 1)
    ratio = int_opt("encode_sparse_array", 2, ratio, 0, INT_MAX)
    safe = int_opt("encode_sparse_array", 3, safe, 0, INT_MAX)
    if conv ~= nil then cfg.sparse_convert = conv end
    if ratio then cfg.sparse_ratio = ratio end
    if safe then cfg.sparse_safe = safe end
    return cfg.sparse_convert, cfg.sparse_ratio, cfg.sparse_safe
  end
  local function int_setting(name, key, lo, hi, after)
    m[name] = function(...)
      nargs_check(name, 1, ...)
      local v = int_opt(name, 1, (...), lo, hi)
      if v then cfg[key] = v; if after then after(v) end end
      return cfg[key]
    end
  end
  int_setting("encode_max_depth", "enc_depth", 1, INT_MAX)
  int_setting("decode_max_depth", "dec_depth", 1, INT_MAX)
  int_setting("encode_number_precision", "precision", 1, 14,
              function(v) cfg.numfmt = "%." .. v .. "g" end)
  local function enum_setting(name, key, options)
    m[name] = function(...)
      nargs_check(name, 1, ...)
      local v = enum_opt(name, 1, options, (...), select('#', ...) < 1)
      if v ~= nil then cfg[key] = v end
      return cfg[key]
    end
  end
  enum_setting("encode_keep_buffer", "keep_buffer", ON_OFF)
  enum_setting("encode_invalid_numbers", "invalid_enc", ON_OFF_NULL)
  enum_setting("decode_invalid_numbers", "invalid_dec", ON_OFF)
  m.new = function() return new_module() end
  return m
end

return new_module()
'''
