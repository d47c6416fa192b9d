"""FCALL, FCALL_RO and FUNCTION (LOAD, DELETE, LIST, FLUSH, DUMP, RESTORE, STATS, KILL, HELP).

Owns the replies of these commands and their argument parsing. The libraries
live in miniredis/scripting/functions.py, running a function in
miniredis/scripting/host.py.
"""

import time

from .. import errors
from ..errors import CommandError
from ..glob import match as glob_match
from ..protocol import string2ll
from ..registry import command, container, subcommand
from ..replies import Map, NULL, OK, Set, Simple
from ..scripting.host import scripting
from ..scripting.runtime import Run


def _fcall(ctx, argv, ro):
    host = scripting(ctx.server)
    f = host.functions.functions.get(argv[1].lower())
    if f is None:
        raise CommandError(errors.FUNCTION_NOT_FOUND)
    n = string2ll(argv[2])
    if n is None:
        raise CommandError(errors.FCALL_BAD_NUMKEYS)
    if n > len(argv) - 3:
        raise CommandError(errors.NUMKEYS_GREATER)
    if n < 0:
        raise CommandError(errors.NUMKEYS_NEGATIVE)
    readonly = "no-writes" in f.flags
    if ro and not readonly:
        raise CommandError(errors.RO_WITH_WRITE_FLAG)
    run = Run(ctx, f.name, False, readonly, argv)
    run.allow_oom = "allow-oom" in f.flags
    return host.execute(ctx, host.functions.engine, f.fn, run, argv[3:3 + n], argv[3 + n:])


@command("fcall")
def fcall(ctx, argv):
    return _fcall(ctx, argv, False)


@command("fcall_ro")
def fcall_ro(ctx, argv):
    return _fcall(ctx, argv, True)


# --- FUNCTION ---------------------------------------------------------------------------

container("function")

_HELP = [
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using "
    "FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore "
    "policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
    "replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance "
    "of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
]


def _changed(ctx, argv):
    """FUNCTION LOAD/DELETE/FLUSH/RESTORE change the dataset as Redis counts it: propagate."""
    ctx.server.keyspace.dirty += 1
    ctx.propagate_as(list(argv))


@subcommand("function", "help")
def function_help(ctx, argv):
    return [Simple(line) for line in _HELP]


@subcommand("function", "load")
def function_load(ctx, argv):
    replace = False
    for a in argv[2:-1]:
        if a.lower() != b"replace":
            raise CommandError(errors.FUNCTION_LOAD_OPTION % errors.sanitize(a))
        replace = True
    name = scripting(ctx.server).functions.load(argv[-1], replace)
    _changed(ctx, argv)
    return name


@subcommand("function", "delete")
def function_delete(ctx, argv):
    scripting(ctx.server).functions.delete(argv[2])
    _changed(ctx, argv)
    return OK


@subcommand("function", "flush")
def function_flush(ctx, argv):
    if len(argv) > 3:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "function"))
    if len(argv) == 3 and argv[2].lower() not in (b"sync", b"async"):
        raise CommandError(errors.FUNCTION_FLUSH_OPTION)
    scripting(ctx.server).functions.flush()
    _changed(ctx, argv)
    return OK


@subcommand("function", "list")
def function_list(ctx, argv):
    pattern, withcode = None, False
    i = 2
    while i < len(argv):
        a = argv[i].lower()
        if a == b"withcode" and not withcode:
            withcode = True
        elif a == b"libraryname" and pattern is None:
            if i + 1 >= len(argv):
                raise CommandError(errors.FUNCTION_LIST_NO_NAME)
            i += 1
            pattern = argv[i]
        else:
            raise CommandError(errors.FUNCTION_LIST_UNKNOWN % errors.sanitize(argv[i]))
        i += 1
    out = []
    for lib in scripting(ctx.server).functions.libraries.values():
        if pattern is not None and not glob_match(pattern, lib.name):
            continue
        entry = [(b"library_name", lib.name), (b"engine", b"LUA"),
                 (b"functions", [_function_info(f) for f in lib.functions.values()])]
        if withcode:
            entry.append((b"library_code", lib.code))
        out.append(Map(entry))
    return out


def _function_info(f):
    return Map([(b"name", f.name),
                (b"description", f.description if f.description is not None else NULL),
                (b"flags", Set([Simple(x) for x in f.flags]))])


@subcommand("function", "stats")
def function_stats(ctx, argv):
    host = scripting(ctx.server)
    run = host.current
    if run is not None and run.is_eval:
        raise CommandError(errors.BUSY_SCRIPT)
    if run is not None and not run.loading:
        running = Map([(b"name", run.name), (b"command", list(run.argv)),
                       (b"duration_ms", int((time.monotonic() - run.start) * 1000))])
    else:
        running = NULL
    libs = host.functions
    lua = Map([(b"libraries_count", len(libs.libraries)),
               (b"functions_count", len(libs.functions))])
    return Map([(b"running_script", running), (b"engines", Map([(b"LUA", lua)]))])


@subcommand("function", "kill")
def function_kill(ctx, argv):
    return scripting(ctx.server).kill(False)


@subcommand("function", "dump")
def function_dump(ctx, argv):
    return scripting(ctx.server).functions.dump()


@subcommand("function", "restore")
def function_restore(ctx, argv):
    policy = b"append"
    if len(argv) == 4:
        policy = argv[3].lower()
        if policy not in (b"flush", b"append", b"replace"):
            raise CommandError(errors.FUNCTION_RESTORE_POLICY)
    elif len(argv) > 4:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "function"))
    scripting(ctx.server).functions.restore(argv[2], policy)
    _changed(ctx, argv)
    return OK
