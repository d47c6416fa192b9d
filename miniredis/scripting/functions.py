"""Function libraries (FUNCTION LOAD / DELETE / FLUSH / DUMP / RESTORE, FCALL's lookup).

Owns: the libraries and their registered functions, the library metadata
line ("#!lua name=<lib>"), redis.register_function's arguments, and the
DUMP payload (Redis' own format: RDB function opcode 0xF5 + the library code
as an RDB string, per library, then RDB version 10 and CRC64; RESTORE also
reads LZF-compressed strings, so payloads made by Redis restore here).
Must not touch: running functions (host.py), the commands' replies
(commands/functions.py).

All libraries live in one Lua state of their own, as in Redis. A load that
fails changes nothing.
"""

import struct

from lupa import lua51

from .. import errors
from ..errors import CommandError
from .runtime import Engine, Run, ScriptRaise
from . import convert

_lua_type = lua51.lua_type
FUNCTION_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys")
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")

RDB_OPCODE_FUNCTION2 = 0xF5
RDB_VERSION = 10


class Function(object):
    __slots__ = ("name", "fn", "flags", "description", "library")

    def __init__(self, name, fn, flags, description):
        self.name = name
        self.fn = fn
        self.flags = flags              # list of flag names, in FUNCTION_FLAGS order
        self.description = description  # bytes or None
        self.library = None


class Library(object):
    __slots__ = ("name", "code", "functions")

    def __init__(self, name, code):
        self.name = name
        self.code = code
        self.functions = {}   # name -> Function, in registration order


def valid_name(name):
    return bool(name) and all(c in _NAME_CHARS for c in name)


def parse_metadata(code):
    """The library name from the shebang line, with Redis' errors."""
    if not code.startswith(b"#!"):
        raise CommandError(errors.LIBRARY_METADATA_MISSING)
    end = code.find(b"\n")
    if end < 0:
        raise CommandError(errors.LIBRARY_METADATA_INVALID)
    parts = code[:end].split()
    engine = parts[0][2:]
    name = None
    for p in parts[1:]:
        if p.startswith(b"name="):
            if name is not None:
                raise CommandError(errors.LIBRARY_NAME_REPEATED)
            name = p[5:]
        else:
            raise CommandError(errors.METADATA_VALUE_INVALID % errors.sanitize(p))
    if not name:
        raise CommandError(errors.LIBRARY_METADATA_INVALID)
    if engine.lower() != b"lua":
        raise CommandError(errors.ENGINE_NOT_FOUND % errors.sanitize(engine))
    return name


class Libraries(object):
    def __init__(self, host):
        self.host = host
        self._engine = None
        self.libraries = {}   # name -> Library (library names are case-sensitive)
        self.functions = {}   # lower-case name -> Function (function names are not)

    @property
    def engine(self):
        if self._engine is None:
            self._engine = Engine(self.host, "function")
        return self._engine

    # --- loading -------------------------------------------------------------------------
    def create(self, code):
        """Compile and run library code: a new Library (not installed yet)."""
        name = parse_metadata(code)
        if not valid_name(name):
            raise CommandError(errors.LIBRARY_NAME_INVALID)
        engine = self.engine
        fn, err = engine.compile(b"--" + code[2:], b"@user_function")
        if fn is None:
            raise CommandError(errors.FUNCTION_COMPILE_ERROR % err.decode("utf-8", "surrogateescape"))
        lib = Library(name, code)
        host = self.host
        engine.register = _Registrar(engine, lib)
        prev = host.current
        host.current = Run(None, name, False, True, None, loading=True)
        try:
            ok, res = engine.api.load_library(fn)
        finally:
            host.current = prev
            engine.register = None
        if not ok:
            msg = engine.rawget(res, b"err") if _lua_type(res) == "table" else None
            if type(msg) is not bytes:
                msg = b"ERR unknown error"
            raise CommandError(errors.REGISTER_ERROR % convert.error_text(msg))
        if not lib.functions:
            raise CommandError(errors.NO_FUNCTIONS)
        return lib

    def check(self, lib, replace, pending=(), exists=errors.LIBRARY_EXISTS):
        """Raise if ``lib`` cannot be installed next to the current libraries (and ``pending``)."""
        old = self.libraries.get(lib.name)
        if old is not None and not replace:
            raise CommandError(exists % errors.sanitize(lib.name))
        for fname, f in lib.functions.items():
            other = self.functions.get(fname.lower())
            if other is not None and other.library is not old:
                raise CommandError(errors.FUNCTION_EXISTS % errors.sanitize(f.name))
            for p in pending:
                if fname.lower() in p.functions:
                    raise CommandError(errors.FUNCTION_EXISTS % errors.sanitize(f.name))

    def install(self, lib):
        old = self.libraries.pop(lib.name, None)
        if old is not None:
            self._forget(old)
        self.libraries[lib.name] = lib
        for fname, f in lib.functions.items():
            self.functions[fname.lower()] = f

    def _forget(self, lib):
        for fname in lib.functions:
            self.functions.pop(fname.lower(), None)

    def load(self, code, replace):
        lib = self.create(code)
        self.check(lib, replace)
        self.install(lib)
        return lib.name

    def delete(self, name):
        lib = self.libraries.pop(name, None)
        if lib is None:
            raise CommandError(errors.LIBRARY_NOT_FOUND)
        self._forget(lib)

    def flush(self):
        self.libraries = {}
        self.functions = {}
        self._engine = None

    # --- DUMP / RESTORE ---------------------------------------------------------------------
    def dump(self):
        out = bytearray()
        for lib in self.libraries.values():
            out.append(RDB_OPCODE_FUNCTION2)
            out += rdb_string(lib.code)
        out += struct.pack("<H", RDB_VERSION)
        out += struct.pack("<Q", crc64(bytes(out)))
        return bytes(out)

    def restore(self, payload, policy):
        codes = parse_payload(payload)
        libs = []
        for code in codes:
            lib = self.create(code)
            if any(lib.name == x.name for x in libs):
                raise CommandError(errors.LIBRARY_EXISTS_RESTORE % errors.sanitize(lib.name))
            libs.append(lib)
        if policy == b"flush":
            self.libraries = {}
            self.functions = {}
        for i, lib in enumerate(libs):
            self.check(lib, policy == b"replace", libs[:i], errors.LIBRARY_EXISTS_RESTORE)
        for lib in libs:
            self.install(lib)


class _Registrar(object):
    """redis.register_function while one library loads."""

    def __init__(self, engine, lib):
        self.engine = engine
        self.lib = lib

    def fail(self, message):
        raise ScriptRaise(message)

    def __call__(self, *args):
        if len(args) == 1:
            name, fn, flags, desc = self._named(args[0])
        elif len(args) == 2:
            name, fn = args
            flags, desc = [], None
            if type(name) in (int, float):
                name = b"%d" % name if type(name) is int else b"%.14g" % name
            if type(name) is not bytes:
                self.fail(errors.LUA_REGISTER_NAME_TYPE)
            if _lua_type(fn) != "function":
                self.fail(errors.LUA_REGISTER_CALLBACK_TYPE)
        else:
            self.fail(errors.LUA_REGISTER_ARGS)
        if not valid_name(name):
            # Redis 7.0 reports invalid function names with the library names' text.
            self.fail(errors.LIBRARY_NAME_INVALID[4:])
        if name.lower() in (n.lower() for n in self.lib.functions):
            self.fail(errors.LUA_REGISTER_DUPLICATE)
        f = Function(name, fn, flags, desc)
        f.library = self.lib
        self.lib.functions[name] = f

    def _named(self, t):
        if _lua_type(t) != "table":
            self.fail(errors.LUA_REGISTER_SINGLE_ARG)
        name = fn = desc = None
        flags = []
        for k, v in t.items():
            if k == b"function_name":
                if type(v) not in (bytes, int, float):
                    self.fail(errors.LUA_REGISTER_NAMED_NAME)
                name = v if type(v) is bytes else b"%d" % v if type(v) is int else b"%.14g" % v
            elif k == b"description":
                if type(v) not in (bytes, int, float):
                    self.fail(errors.LUA_REGISTER_NAMED_DESC)
                desc = v if type(v) is bytes else b"%d" % v if type(v) is int else b"%.14g" % v
            elif k == b"callback":
                if _lua_type(v) != "function":
                    self.fail(errors.LUA_REGISTER_NAMED_CALLBACK)
                fn = v
            elif k == b"flags":
                flags = self._flags(v)
            else:
                self.fail(errors.LUA_REGISTER_UNKNOWN_ARG)
        if name is None:
            self.fail(errors.LUA_REGISTER_NO_NAME)
        if fn is None:
            self.fail(errors.LUA_REGISTER_NO_CALLBACK)
        return name, fn, flags, desc

    def _flags(self, v):
        if _lua_type(v) != "table":
            self.fail(errors.LUA_REGISTER_FLAGS_TYPE)
        names = set()
        i = 1
        while True:
            f = v[i]
            if f is None:
                break
            if type(f) is not bytes or f.decode("latin-1") not in FUNCTION_FLAGS:
                self.fail(errors.LUA_REGISTER_UNKNOWN_FLAG)
            names.add(f.decode("latin-1"))
            i += 1
        return [f for f in FUNCTION_FLAGS if f in names]


# --- the DUMP payload -------------------------------------------------------------------

def rdb_length(n):
    if n < 64:
        return bytes((n,))
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def rdb_string(data):
    return rdb_length(len(data)) + data


class _Reader(object):
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        if self.pos >= len(self.data):
            raise ValueError("short payload")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("short payload")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def length(self):
        """(length, encoding): encoding is None for a plain length, else the special type."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, None
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), None
        if kind == 2:
            if b == 0x80:
                return struct.unpack(">I", self.take(4))[0], None
            if b == 0x81:
                return struct.unpack(">Q", self.take(8))[0], None
            raise ValueError("bad length")
        return None, b & 0x3F

    def string(self):
        n, enc = self.length()
        if enc is None:
            return self.take(n)
        if enc == 0:
            return b"%d" % struct.unpack("b", self.take(1))[0]
        if enc == 1:
            return b"%d" % struct.unpack("<h", self.take(2))[0]
        if enc == 2:
            return b"%d" % struct.unpack("<i", self.take(4))[0]
        if enc == 3:
            clen, e1 = self.length()
            ulen, e2 = self.length()
            if e1 is not None or e2 is not None:
                raise ValueError("bad lzf lengths")
            return lzf_decompress(self.take(clen), ulen)
        raise ValueError("bad string encoding")


def parse_payload(payload):
    """The library codes of a FUNCTION DUMP payload, checked as Redis' verifyDumpPayload."""
    if len(payload) < 10:
        raise CommandError(errors.FUNCTION_DUMP_PAYLOAD)
    body, footer = payload[:-10], payload[-10:]
    version = struct.unpack("<H", footer[:2])[0]
    crc = struct.unpack("<Q", footer[2:])[0]
    if version > RDB_VERSION or crc64(payload[:-8]) != crc:
        raise CommandError(errors.FUNCTION_DUMP_PAYLOAD)
    r = _Reader(body)
    codes = []
    try:
        while r.pos < len(body):
            op = r.byte()
            if op != RDB_OPCODE_FUNCTION2:
                raise CommandError(errors.FUNCTION_PAYLOAD_TYPE)
            codes.append(r.string())
    except ValueError:
        raise CommandError(errors.FUNCTION_PAYLOAD_BAD)
    return codes


def lzf_decompress(data, size):
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
        else:
            length = ctrl >> 5
            if length == 7:
                length += data[i]
                i += 1
            ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
            i += 1
            if ref < 0:
                raise ValueError("bad lzf reference")
            for _ in range(length + 2):
                out.append(out[ref])
                ref += 1
    if len(out) != size:
        raise ValueError("bad lzf size")
    return bytes(out)


def _crc64_table():
    poly = 0x95AC9329AC4BC9B5   # Jones polynomial 0xad93d23594c935a9, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64 = _crc64_table()


def crc64(data, crc=0):
    """Redis' crc64 (Jones polynomial, reflected, no final xor)."""
    t = _CRC64
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc
