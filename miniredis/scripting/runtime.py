"""The Lua states and the running script: sandbox, the redis.* API, KEYS/ARGV, errors.

Owns: one :class:`Engine` per Lua state (EVAL scripts have one, FUNCTION
libraries another, as in Redis), the Python side of the ``redis`` table
(redis.call and friends, in sandbox.py), the script that is running now
(:class:`Run`: its client, flags, RESP version, whether it wrote), Redis'
math.random generator, and turning a script's result or error into a reply.
Must not touch: the script cache and the function libraries (commands/ and
functions.py keep them), the network (busy.py serves other clients while a
script runs long).

The Lua state never sees a Python object: the callbacks are captured as
upvalues of the sandbox's Lua functions, the debug library is removed, and lupa's
attribute access on Python objects is refused anyway.
"""

import logging
import math
import time

from .. import REDIS_VERSION, errors
from ..replies import Error
from . import bytecode, convert, sandbox

log = logging.getLogger("miniredis")

_SANDBOX = sandbox.SOURCE.encode()
# lupa's Lua 5.1 and its lua_type, imported with the first Lua state (load_lua).
lua51 = _lua_type = None

_V = [int(x) for x in REDIS_VERSION.split(".")]
VERSION_NUM = (_V[0] << 16) | (_V[1] << 8) | _V[2]

# redis.log levels -> logging levels (verbose sits between debug and notice).
_LOG_LEVELS = {0: logging.DEBUG, 1: 15, 2: logging.INFO, 3: logging.WARNING}

NO_ARGS = errors.LUA_NO_ARGS
BAD_ARG = errors.LUA_BAD_ARG
UNKNOWN_CMD = errors.LUA_UNKNOWN_CMD
WRONG_ARGS = errors.LUA_WRONG_ARGS
NOSCRIPT_CMD = errors.LUA_NOSCRIPT_CMD
RO_WRITE = errors.LUA_RO_WRITE
ACL_BAD_CMD = errors.LUA_ACL_BAD_CMD


def _deny_attributes(obj, name, is_setting):
    raise AttributeError("access to Python objects is not allowed")


def load_lua():
    """lupa's Lua 5.1 module, imported by the first Lua state (a script, a function
    library) rather than at start-up: a server that never runs one saves ~0.5 MB of RSS.
    convert.py gets lua_type here too."""
    global lua51, _lua_type
    if lua51 is None:
        from lupa import lua51 as lua
        convert._lua_type = _lua_type = lua.lua_type
        lua51 = lua
    return lua51


def sha1hex(data):
    import hashlib   # on use: it maps OpenSSL's libcrypto (~3.5 MB of RSS)
    return hashlib.sha1(data).hexdigest().encode()


class Run(object):
    """The script running now (there is at most one: scripts cannot call scripts)."""

    __slots__ = ("ctx", "name", "is_eval", "readonly", "resp", "repl", "wrote", "start",
                 "killed", "busy", "argv", "loading", "shutdown", "errors", "allow_oom")

    def __init__(self, ctx, name, is_eval, readonly, argv, loading=False):
        self.ctx = ctx
        self.name = name          # sha (EVAL) or function name (FCALL), bytes
        self.is_eval = is_eval
        self.readonly = readonly
        self.resp = 2
        self.repl = 3             # REPL_ALL
        self.wrote = False
        self.start = time.monotonic()
        self.killed = None        # the error the script is killed with
        self.busy = False         # past busy-reply-threshold: other clients are served inline
        self.argv = argv
        self.loading = loading    # FUNCTION LOAD running library code
        self.shutdown = False     # SHUTDOWN NOSAVE arrived while it was busy
        self.allow_oom = False    # the script's or function's allow-oom flag
        self.errors = []          # texts of error replies in the result (None: already counted)


class Lrand48(object):
    """Redis' redisLrand48 (the 48-bit linear congruential generator behind math.random).

    One per server, like Redis' process-wide state: SCRIPT FLUSH does not reset it.
    """

    def __init__(self):
        self.x = 0x1234ABCD330E

    def next(self):
        self.x = (0x5DEECE66D * self.x + 0xB) & 0xFFFFFFFFFFFF
        return self.x >> 17

    def seed(self, n):
        self.x = ((int(n) & 0xFFFFFFFF) << 16) | 0x330E

    def random(self):
        return (self.next() % 2147483647) / 2147483647.0


class Engine(object):
    """One sandboxed Lua state; ``mode`` is "eval" (scripts) or "function" (libraries)."""

    def __init__(self, host, mode):
        self.host = host
        self.mode = mode
        lua = load_lua().LuaRuntime(register_eval=False, register_builtins=False,
                                    unpack_returned_tuples=True, encoding=None,
                                    attribute_filter=_deny_attributes)
        self.lua = lua
        try:
            from .libs import install_libraries
        except ImportError:  # the bundled libraries land separately
            install_libraries = None
        if install_libraries is not None:
            install_libraries(lua)
        self.register = None   # fn(*args) -> (ok, message) while FUNCTION LOAD runs
        loader = lua.globals().loadstring(_SANDBOX, b"=miniredis")
        self.api = loader(
            self._call, self._pcall, self._hook, self._log, self._sha1, self._setresp,
            self._setrepl, self._random, self._randomseed, self._register, self._acl_check,
            self._unwrap, mode.encode(), REDIS_VERSION.encode(), VERSION_NUM,
            bytecode.without_tail_calls)
        self.rawget = self.api.rawget

    def compile(self, body, chunkname):
        """(function, None) or (None, message)."""
        r = self.api.compile(body, chunkname)
        if type(r) is tuple:
            return None, r[1]
        return r, None

    def table(self, items):
        # table_from fills the array part in C: cheaper than one __setitem__ per item.
        return self.lua.table_from(items if type(items) is list else list(items))

    # --- callbacks from the sandbox: they are redis.call, redis.log ... themselves --------
    # A callback that fails raises ScriptRaise holding plain Python data: the Lua
    # error table is made later, by _unwrap (creating Lua objects in a callback that
    # then raises crashes lupa when the callback runs inside a coroutine).
    def _raise(self, message):
        raise ScriptRaise(message)

    def _unwrap(self, err):
        if isinstance(err, ScriptRaise):
            if err.where:
                t = self.lua.table()
                t[b"err_where"] = err.message
                return t
            return convert.error_table(self.lua, err.message, err.counted)
        if isinstance(err, BaseException):   # a bug in a callback: keep a trace of it
            log.error("error in a scripting callback: %r", err)
        return None

    def _call(self, *args):
        ok, v = self._command(args)
        if not ok:
            raise ScriptRaise(*v)
        return v

    def _pcall(self, *args):
        ok, v = self._command(args)
        return v if ok else convert.error_table(self.lua, *v)

    def _command(self, args):
        """(True, Lua value) or (False, (error message, already counted))."""
        run = self.host.current
        if run is None or run.loading:
            return False, (UNKNOWN_CMD, False)
        if not args:
            return False, (NO_ARGS, False)
        argv = _argv(args)
        if argv is None:
            return False, (BAD_ARG, False)
        reply = self.host.call(run, argv)
        if type(reply) is Error:
            msg = reply.message
            if type(msg) is _ScriptError:
                return False, (str(msg), False)
            return False, ("-" + msg, True)
        return True, convert.to_lua(self.lua, reply, run.resp)

    def _acl_check(self, *args):
        if not args:
            self._raise(NO_ARGS)
        argv = _argv(args)
        if argv is None:
            self._raise(BAD_ARG)
        dispatcher = self.host.server.dispatcher
        spec, err = dispatcher.resolve(argv)
        if spec is None:
            self._raise(ACL_BAD_CMD)
        return dispatcher.acl.allowed(self.host.current.ctx, spec, argv)

    def _where(self, message):
        raise ScriptRaise(message, where=True)

    def _random(self, *args):
        """math.random on Redis' generator, with Lua 5.1's argument rules."""
        r = self.host.prng.random()
        n = len(args)
        if n == 0:
            return r
        if n == 1:
            u = self._checkint(args, 0, "random")
            if u < 1:
                self._where((errors.LUA_RANDOM_EMPTY_FMT % 1).encode())
            return math.floor(r * u) + 1
        if n == 2:
            lo, u = self._checkint(args, 0, "random"), self._checkint(args, 1, "random")
            if lo > u:
                self._where((errors.LUA_RANDOM_EMPTY_FMT % 2).encode())
            return math.floor(r * (u - lo + 1)) + lo
        self._where(errors.LUA_WRONG_NUMBER.encode())

    def _randomseed(self, *args):
        self.host.prng.seed(self._checkint(args, 0, "randomseed"))

    def _checkint(self, args, i, fname):
        v = _tonumber(args[i]) if i < len(args) else None
        if v is None:
            got = "no value" if i >= len(args) else _lua_typename(args[i])
            self._where((errors.LUA_NUMBER_EXPECTED_FMT % (i + 1, fname, got)).encode())
        return int(v)

    def _hook(self):
        return self.host.hook()

    def _log(self, *args):
        if len(args) < 2:
            self._raise(errors.LUA_LOG_ARGS)
        level = args[0]
        if type(level) not in (int, float):
            self._raise(errors.LUA_LOG_LEVEL_TYPE)
        if not 0 <= level <= 3:
            self._raise(errors.LUA_LOG_LEVEL)
        parts = [a if type(a) is bytes else _num(a) for a in args[1:]
                 if type(a) in (bytes, int, float)]
        log.log(_LOG_LEVELS[int(level)], "%s", b" ".join(parts).decode("utf-8", "replace"))

    def _sha1(self, *args):
        if len(args) != 1:
            self._raise(errors.LUA_WRONG_NUMBER)
        a = args[0]
        return sha1hex(a if type(a) is bytes else _num(a) if type(a) in (int, float) else b"")

    def _setresp(self, *args):
        if len(args) != 1:
            self._raise(errors.LUA_SETRESP_ARGS)
        n = _tonumber(args[0])
        if n != 2 and n != 3:
            self._raise(errors.LUA_SETRESP_VERSION)
        run = self.host.current
        if run is not None:
            run.resp = int(n)

    def _setrepl(self, *args):
        if len(args) != 1:
            self._raise(errors.LUA_SETREPL_ARGS)
        n = _tonumber(args[0])
        if n is None or n not in (0, 1, 2, 3):
            self._raise(errors.LUA_SETREPL_FLAGS)
        run = self.host.current
        if run is not None:
            run.repl = int(n)

    def _register(self, *args):
        if self.register is None:
            self._raise(errors.LUA_REGISTER_OUTSIDE_LOAD)
        self.register(*args)

    # --- running -----------------------------------------------------------------------
    def run(self, fn, *args):
        """(ok, result) of fn(*args) under the error handler and the busy hook."""
        return self.api.run(fn, True, *args)

    def run_eval(self, fn, keys, argv):
        """(ok, result) of an EVAL script with its KEYS and ARGV tables."""
        return self.api.run_eval(fn, keys, argv)

    def reply(self, ok, res, run):
        """The reply for a script's outcome (a CommandError-worthy Error for failures)."""
        if ok:
            return convert.from_lua(res, run.resp, self.rawget, run.errors)
        text = self.error_message(res, run.name)
        if _lua_type(res) == "table" and self.rawget(res, b"ignore_error_stats_update"):
            return convert.CountedError(text)
        return Error(text)

    def error_message(self, res, name):
        rawget = self.rawget
        if _lua_type(res) == "table":
            msg = rawget(res, b"err")
            source, line = rawget(res, b"source"), rawget(res, b"line")
        else:
            msg, source, line = None, None, None
        if type(msg) is not bytes:
            msg = b"ERR " + (res if type(res) is bytes else b"unknown error")
        if type(source) is bytes and line is not None:
            text = b"%s script: %s, on %s:%d." % (msg, name, source, int(line))
        else:
            text = b"%s script: %s" % (msg, name)
        return convert.error_text(text)


class ScriptRaise(Exception):
    """Raised by a callback to raise a Lua error (Engine._unwrap makes its error table).

    ``where``: a message to position like luaL_error does (at the script's line).
    """

    def __init__(self, message, counted=False, where=False):
        Exception.__init__(self, "script error")
        self.message = message
        self.counted = counted
        self.where = where


def _num(v):
    """A Lua number as Lua's tostring writes it (%.14g)."""
    if type(v) is int:
        return b"%d" % v
    return b"%.14g" % v


def _lua_typename(v):
    if v is None:
        return "nil"
    t = type(v)
    if t is bytes:
        return "string"
    if t is bool:
        return "boolean"
    if t in (int, float):
        return "number"
    return _lua_type(v) or "userdata"


def _tonumber(v):
    if type(v) in (int, float):
        return v
    if type(v) is bytes:
        try:
            return float(v)
        except ValueError:
            return None
    return None


class _ScriptError(str):
    """An error raised by the scripting layer itself (not a command's reply): no '-CODE'."""


def script_error(text):
    return Error(_ScriptError(text))


def _argv(args):
    argv = []
    for a in args:
        t = type(a)
        if t is bytes:
            argv.append(a)
        elif t is int:
            # Lua numbers are doubles: Redis writes them with %.17g.
            argv.append(b"%d" % a if -2 ** 53 <= a <= 2 ** 53 else b"%.17g" % a)
        elif t is float:
            argv.append(b"%.17g" % a)
        else:
            return None
    return argv
