"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL, DEBUG, HELP).

Owns the replies of these commands: argument checks (numkeys), the script
cache lookups, the read-only rules of *_RO and shebang flags. Running the
script, the sandbox and conversions live in miniredis/scripting/.
"""

from .. import errors
from ..errors import CommandError
from ..protocol import string2ll
from ..registry import command, container, subcommand
from ..replies import OK, Simple
from ..scripting.host import scripting
from ..scripting.runtime import Run


def split_keys(argv, bad_numkeys=errors.NOT_INTEGER):
    """(keys, args) after ``CMD name numkeys``, with Redis' numkeys errors."""
    n = string2ll(argv[2])
    if n is None:
        raise CommandError(bad_numkeys)
    if n > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_GREATER)
    if n < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    return argv[3:3 + n], argv[3 + n:]


def _run(ctx, argv, script, sha, ro):
    flags = script.flags
    if flags is not None and ro and "no-writes" not in flags:
        raise CommandError(errors.RO_WITH_WRITE_FLAG)
    keys, args = split_keys(argv)
    host = scripting(ctx.server)
    readonly = ro or (flags is not None and "no-writes" in flags)
    run = Run(ctx, sha, True, readonly, argv)
    run.allow_oom = flags is not None and "allow-oom" in flags
    return host.execute(ctx, host.eval_engine, script.fn, run, keys, args)


def _eval(ctx, argv, ro):
    split_keys(argv)   # numkeys errors come before compile errors
    sha, script = scripting(ctx.server).load_script(argv[1])
    return _run(ctx, argv, script, sha, ro)


def _evalsha(ctx, argv, ro):
    sha = argv[1].lower()
    if len(sha) != 40:
        # No script can match: NOSCRIPT before any argument check, as Redis.
        raise CommandError(errors.NOSCRIPT)
    split_keys(argv)
    script = scripting(ctx.server).scripts.get(sha)
    if script is None:
        raise CommandError(errors.NOSCRIPT)
    return _run(ctx, argv, script, sha, ro)


@command("eval")
def eval_(ctx, argv):
    return _eval(ctx, argv, False)


@command("eval_ro")
def eval_ro(ctx, argv):
    return _eval(ctx, argv, True)


@command("evalsha")
def evalsha(ctx, argv):
    return _evalsha(ctx, argv, False)


@command("evalsha_ro")
def evalsha_ro(ctx, argv):
    return _evalsha(ctx, argv, True)


# --- SCRIPT ---------------------------------------------------------------------------

container("script")

_HELP = [
    "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for subsequent scripts executed.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Return information about the existence of the scripts in the script cache.",
    "FLUSH [ASYNC|SYNC]",
    "    Flush the Lua scripts cache. Very dangerous on replicas.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the scripts cache.",
    "    * SYNC: Synchronously flush the scripts cache.",
    "KILL",
    "    Kill the currently executing Lua script.",
    "LOAD <script>",
    "    Load a script into the scripts cache without executing it.",
    "HELP",
    "    Prints this help.",
]


@subcommand("script", "help")
def script_help(ctx, argv):
    return [Simple(line) for line in _HELP]


@subcommand("script", "load")
def script_load(ctx, argv):
    sha, _ = scripting(ctx.server).load_script(argv[2])
    return sha


@subcommand("script", "exists")
def script_exists(ctx, argv):
    scripts = scripting(ctx.server).scripts
    return [1 if a.lower() in scripts else 0 for a in argv[2:]]


@subcommand("script", "flush")
def script_flush(ctx, argv):
    if len(argv) > 3 or (len(argv) == 3 and argv[2].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SCRIPT_FLUSH_OPTION)
    scripting(ctx.server).flush_scripts()
    return OK


@subcommand("script", "kill")
def script_kill(ctx, argv):
    return scripting(ctx.server).kill(True)


@subcommand("script", "debug")
def script_debug(ctx, argv):
    mode = argv[2].lower()
    if mode == b"no":
        return OK
    if mode in (b"yes", b"sync"):
        # The Lua debugger (LDB) needs a forked or synchronous debugging session
        # driven by redis-cli --ldb; this server does not implement it.
        raise CommandError(errors.SCRIPT_DEBUG_UNSUPPORTED)
    raise CommandError(errors.SCRIPT_DEBUG_OPTION)
