"""The server's scripting state: the EVAL script cache, the function libraries,
the script running now, and how commands called from scripts are run.

Owns: one :class:`Scripting` per server (``scripting(server)`` makes it on first
use), the EVAL Lua state and its cache (sha1 -> script), redis.call's checks
(unknown command, arity, noscript, writes from read-only scripts) and the
nested execution through the dispatcher, the running script's lifetime
(KEYS/ARGV, deny-blocking, the caller's database restored), SCRIPT/FUNCTION
KILL. Must not touch: the network (busy.py), library parsing (functions.py).
"""

import logging
import time

from .. import errors
from ..errors import CommandError
from ..events import LogOnly, ReplicaOnly
from ..persistence.snapshot import write_denied
from ..registry import COMMANDS
from ..replies import Error, OK
from .convert import CountedError
from . import busy
from .runtime import (Engine, Lrand48, NOSCRIPT_CMD, RO_WRITE, UNKNOWN_CMD, WRONG_ARGS,
                      script_error, sha1hex)

log = logging.getLogger("miniredis")

EVAL_SHEBANG_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys")


class Script(object):
    __slots__ = ("body", "fn", "flags")

    def __init__(self, body, fn, flags):
        self.body = body
        self.fn = fn
        self.flags = flags    # None: no shebang (Redis' eval compatibility mode)


def scripting(server):
    s = getattr(server, "scripting", None)
    if s is None:
        s = server.scripting = Scripting(server)
    return s


class Scripting(object):
    def __init__(self, server):
        self.server = server
        self.prng = Lrand48()
        self.current = None
        self._eval = None
        self.scripts = {}
        self._functions = None

    # --- EVAL scripts --------------------------------------------------------------------
    @property
    def eval_engine(self):
        if self._eval is None:
            self._eval = Engine(self, "eval")
        return self._eval

    @property
    def functions(self):
        if self._functions is None:
            from .functions import Libraries
            self._functions = Libraries(self)
        return self._functions

    def flush_scripts(self):
        """SCRIPT FLUSH: a new Lua state, an empty cache (as Redis' scriptingReset)."""
        self.scripts = {}
        self._eval = None

    def memory_info(self):
        """INFO memory's scripting fields, in Redis 7.0's order: [(name, int), ...]
        (the *_human companions Redis adds after used_memory_lua, used_memory_vm_total and
        used_memory_scripts are the caller's)."""
        vm_eval = self._eval.api.memory() if self._eval is not None else 0
        libs = self._functions
        vm_functions = libs._engine.api.memory() if libs is not None and libs._engine is not None else 0
        scripts_eval = sum(len(s.body) for s in self.scripts.values())
        functions_mem = sum(len(x.code) for x in libs.libraries.values()) if libs is not None else 0
        n_functions = len(libs.functions) if libs is not None else 0
        n_libraries = len(libs.libraries) if libs is not None else 0
        return [
            ("used_memory_lua", vm_eval),
            ("used_memory_vm_eval", vm_eval),
            ("used_memory_scripts_eval", scripts_eval),
            ("number_of_cached_scripts", len(self.scripts)),
            ("number_of_functions", n_functions),
            ("number_of_libraries", n_libraries),
            ("used_memory_vm_functions", vm_functions),
            ("used_memory_vm_total", vm_eval + vm_functions),
            ("used_memory_functions", functions_mem),
            ("used_memory_scripts", scripts_eval + functions_mem),
        ]

    def load_script(self, body):
        """(sha, Script): compile and cache ``body``; raises CommandError on a bad script."""
        sha = sha1hex(body)
        s = self.scripts.get(sha)
        if s is not None:
            return sha, s
        flags, code = parse_shebang(body)
        fn, err = self.eval_engine.compile(code, b"@user_script")
        if fn is None:
            raise CommandError(errors.SCRIPT_COMPILE_ERROR % err.decode("utf-8", "surrogateescape"))
        s = self.scripts[sha] = Script(body, fn, flags)
        return sha, s

    # --- running ----------------------------------------------------------------------------
    def execute(self, ctx, engine, fn, run, keys, args):
        """Run a script or function to its reply (errors raise CommandError)."""
        ctx.propagate_as()   # the nested commands propagate, not the script
        lua_keys, lua_args = engine.table(keys), engine.table(args)
        prev_db, prev_deny = ctx.db, ctx.deny_blocking
        ctx.deny_blocking = True
        self.current = run
        try:
            if run.is_eval:
                ok, res = engine.run_eval(fn, lua_keys, lua_args)
            else:
                ok, res = engine.run(fn, lua_keys, lua_args)
            reply = engine.reply(ok, res, run)
        finally:
            self.current = None
            ctx.db = prev_db   # SELECT inside a script does not change the caller's db
            ctx.deny_blocking = prev_deny
        if run.shutdown:
            # SHUTDOWN NOSAVE stopped the script: like Redis, the caller gets no reply.
            ctx.closing = True
            return None
        t = type(reply)
        if t is Error:
            raise CommandError(reply.message)
        if t is CountedError or run.errors:
            self._count_errors(run)
        if t is CountedError:
            return Error(reply.message)
        return reply

    def _count_errors(self, run):
        """Error replies inside a script's result, as Redis counts them: the script's call
        failed; errors a command already counted are not counted again."""
        spec = COMMANDS.get(run.argv[0].lower().decode("latin-1"))
        if spec is not None:
            spec.failed_calls += 1
        d = self.server.dispatcher
        for text in run.errors:
            if text is not None:
                d.error(text)

    def call(self, run, argv):
        """redis.call / redis.pcall: the checks of Redis' scriptCall, then the command."""
        server = self.server
        d = server.dispatcher
        spec, err = d.resolve(argv)
        if spec is None:
            if err.startswith("ERR wrong number of arguments"):
                return script_error(WRONG_ARGS)
            return script_error(UNKNOWN_CMD)
        if spec.is_noscript:
            return script_error(NOSCRIPT_CMD)
        stale = server.master_link.stale_denied(spec)
        if stale is not None:
            return script_error("-" + stale)
        denied = d.acl.script_denied(run.ctx, spec, argv)
        if denied is not None:
            return script_error("-" + denied)
        if (spec.is_denyoom and not run.wrote and not run.allow_oom
                and run.ctx.sock is not None and getattr(server, "eviction", None) is not None
                and server.eviction.oom):
            # Over maxmemory when the script started, and nothing written yet: as Redis.
            return script_error("-" + errors.OOM)
        if spec.is_write:
            if run.readonly:
                return script_error(RO_WRITE)
            # MISCONF (a failed save) and NOREPLICAS refuse writes here too.
            denied = (server.master_link.write_denied() or write_denied(server)
                      or server.replication.write_denied())
            if denied is not None:
                return script_error("-" + denied)
            run.wrote = True
        ctx = run.ctx
        n = len(server.events.ops)
        proto, ctx.proto = ctx.proto, run.resp   # commands answer in the script's RESP version
        try:
            reply = d.execute(ctx, spec, argv)
        finally:
            ctx.proto = proto
        if run.repl != 3 and len(server.events.ops) > n:
            _only(server.events.ops, n, run.repl)
        return reply

    def hook(self):
        """Called by the Lua count hook: the error to kill the script with, or None."""
        run = self.current
        if run is None:
            return None
        if run.killed:
            return run.killed
        elapsed = time.monotonic() - run.start
        if run.loading:
            return b"ERR FUNCTION LOAD timeout" if elapsed > 0.5 else None
        if elapsed * 1000.0 >= self.server.config.busy_reply_threshold:
            busy.serve(self, run)
        return run.killed

    def kill(self, is_eval):
        """SCRIPT KILL (is_eval) / FUNCTION KILL: the reply."""
        run = self.current
        if run is None or run.loading:
            raise CommandError(errors.NOTBUSY)
        if run.wrote:
            raise CommandError(errors.UNKILLABLE)
        if is_eval and not run.is_eval:
            raise CommandError(errors.BUSY_FUNCTION)
        if not is_eval and run.is_eval:
            raise CommandError(errors.BUSY_SCRIPT)
        run.killed = b"ERR Script killed by user with SCRIPT KILL..."
        log.warning("Lua script killed by user with SCRIPT KILL.")
        return OK


def parse_shebang(body):
    """(flags, code to compile) of an EVAL body; flags None when there is no shebang.

    The shebang line is compiled as a comment so line numbers stay those of the body.
    """
    if not body.startswith(b"#!"):
        return None, body
    end = body.find(b"\n")
    if end < 0:
        raise CommandError(errors.SCRIPT_INVALID_SHEBANG)
    parts = [p for p in body[:end].split(b" ") if p]
    if parts[0] != b"#!lua":
        raise CommandError(errors.SCRIPT_BAD_ENGINE % _s(parts[0]))
    flags = set()
    for p in parts[1:]:
        if not p.startswith(b"flags="):
            raise CommandError(errors.SCRIPT_BAD_SHEBANG_OPTION % _s(p))
        for f in p[6:].split(b","):
            if not f:
                continue
            name = f.decode("latin-1")
            if name not in EVAL_SHEBANG_FLAGS:
                raise CommandError(errors.SCRIPT_BAD_FLAG % _s(f))
            flags.add(name)
    return flags, b"--" + body[2:]


def _s(b):
    return errors.sanitize(b)


def _only(ops, n, repl):
    """The targets of redis.set_repl() on the effects of one call: REPL_NONE drops
    them, REPL_AOF keeps them for the log only, REPL_REPLICA for the replicas
    only (what already had one target keeps it if it is the same)."""
    if repl == 0:
        del ops[n:]
        return
    keep, drop = (LogOnly, ReplicaOnly) if repl == 1 else (ReplicaOnly, LogOnly)
    ops[n:] = [(dbi, keep(argv)) for dbi, argv in ops[n:] if type(argv) is not drop]
