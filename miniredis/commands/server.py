"""Server commands: INFO, DBSIZE, FLUSHDB/FLUSH, FLUSHALL, TIME, SHUTDOWN,
DEBUG, COMMAND (rendered from the registry) and CONFIG.

Owns the replies of those commands. INFO text comes from :mod:`miniredis.info`,
parameters from :mod:`miniredis.config`; the keyspace is changed only through
its own methods (Database.clear, Keyspace.flushall).
"""

import logging
import time


from .. import acl, errors, info
from ..config import ConfigSetFailed, ConfigUnknown
from ..datatypes import parse_int
from ..errors import CommandError
from ..glob import match as glob_match
from ..persistence import lifecycle
from ..registry import COMMANDS, alias, all_specs, command, container, subcommand, to_reply
from ..protocol import encode
from ..replies import FALSE, NULL, OK, TRUE, BigNumber, Double, Map, Push, Raw, Set, Simple, Verbatim

log = logging.getLogger("miniredis")


# --- INFO and simple server commands -------------------------------------------------

@command("info")
def info_(ctx, argv):
    sections = info.select_sections([a.decode("latin-1").lower() for a in argv[1:]])
    # A verbatim string in RESP3, a bulk string in RESP2, as Redis 7.0.
    return Verbatim(info.render(ctx.server, sections).encode())


@command("dbsize")
def dbsize(ctx, argv):
    return len(ctx.db)


def _flush_mode(argv):
    """FLUSHDB/FLUSHALL take at most one of SYNC|ASYNC; we always flush synchronously."""
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SYNTAX)


@command("flushdb")
def flushdb(ctx, argv):
    _flush_mode(argv)
    ctx.db.clear()
    ctx.propagate_as(argv)   # even when empty, as Redis forces it
    return OK


# This project's historical name for FLUSHDB.
alias("flush", "flushdb")


@command("flushall")
def flushall(ctx, argv):
    _flush_mode(argv)
    ctx.server.keyspace.flushall()
    ctx.server.snapshots.after_flushall()
    ctx.propagate_as(argv)   # even when empty, as Redis forces it
    return OK


@command("time")
def time_(ctx, argv):
    us = int(time.time() * 1e6)
    return [b"%d" % (us // 1000000), b"%d" % (us % 1000000)]


_SHUTDOWN_FLAGS = {b"nosave": "nosave", b"save": "save", b"now": "now", b"force": "force",
                   b"abort": "abort"}


@command("shutdown")
def shutdown(ctx, argv):
    flags = set()
    for a in argv[1:]:
        f = _SHUTDOWN_FLAGS.get(a.lower())
        if f is None:
            raise CommandError(errors.SYNTAX)
        flags.add(f)
    if ("save" in flags and "nosave" in flags) or ("abort" in flags and len(argv) > 2):
        raise CommandError(errors.SYNTAX)
    if "abort" in flags:
        # Our shutdown never waits for replicas, so none is ever in progress.
        raise CommandError(errors.NO_SHUTDOWN_IN_PROGRESS)
    # None: save if save points are configured (Redis' default).
    save = True if "save" in flags else False if "nosave" in flags else None
    if not lifecycle.shutdown(ctx.server, save=save, force="force" in flags):
        raise CommandError(errors.SHUTDOWN_ERR)
    # Redis answers nothing: the client sees the connection close.
    ctx.closing = True
    return None


# --- DEBUG -----------------------------------------------------------------------------

_DEBUG_HELP = [
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "HELP",
    "    Prints this help.",
]


def _c_number(text, conv):
    """atoi/strtod leniency of DEBUG's arguments: the longest numeric prefix, else 0."""
    s = text.decode("latin-1").strip()
    for end in range(len(s), 0, -1):
        try:
            return conv(s[:end])
        except ValueError:
            continue
    return conv(0)


def _debug_allowed(ctx):
    mode = ctx.server.config.enable_debug_command
    if mode == "yes":
        return True
    return mode == "local" and ctx.addr.rsplit(":", 1)[0] in ("127.0.0.1", "[::1]")


@command("debug")
def debug(ctx, argv):
    if not _debug_allowed(ctx):
        raise CommandError(errors.DEBUG_NOT_ALLOWED)
    sub = argv[1].lower()
    n = len(argv)
    if sub == b"help" and n == 2:
        return [Simple(line) for line in _DEBUG_HELP]
    if sub == b"sleep" and n == 3:
        # Like Redis, the whole server stops (tests use it to stand for a busy
        # server), so this is the blocking sleep, not gevent's.
        time.sleep(max(0.0, _c_number(argv[2], float)))
        return OK
    if sub == b"populate" and 3 <= n <= 5:
        return _debug_populate(ctx, argv)
    if sub == b"set-active-expire" and n == 3:
        # Read by the server's cron before each active expiry cycle.
        ctx.server.active_expire_enabled = bool(_c_number(argv[2], int))
        return OK
    if sub == b"object" and n == 3:
        return _debug_object(ctx, argv[2])
    if sub == b"protocol" and n == 3:
        return _debug_protocol(ctx, argv[2].lower())
    if sub == b"log" and n == 3:
        log.warning("DEBUG LOG: %s", argv[2].decode("utf-8", "replace"))
        return OK
    if sub == b"change-repl-id" and n == 2:
        ctx.server.replication.change_id()
        return OK
    raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "debug"))


def _positive(arg):
    try:
        v = parse_int(arg)
    except CommandError:
        v = -1
    if v < 0:
        raise CommandError(errors.COUNT_POSITIVE)
    return v


def _debug_populate(ctx, argv):
    """Create keys prefix:N = "value:N" (cut or zero-padded to size); existing keys are kept."""
    count = _positive(argv[2])
    prefix = argv[3] if len(argv) > 3 else b"key"
    size = _positive(argv[4]) if len(argv) > 4 else 0
    db = ctx.db
    for j in range(count):
        key = b"%s:%d" % (prefix, j)
        if db.peek(key) is not None:
            continue
        value = b"value:%d" % j
        if size:
            value = value[:size].ljust(size, b"\0")
        db.add(key, value)
    return OK


def _debug_object(ctx, key):
    from ..keyspace import type_of
    value = ctx.db.get(key)
    if value is None:
        raise CommandError(errors.NO_SUCH_KEY)
    ttl = ctx.db.ttl_ms(key)
    return Simple("Value at:0x%x refcount:1 type:%s ttl_ms:%d" % (id(value), type_of(value), ttl))


# DEBUG PROTOCOL: one test value of each reply type, as Redis 7.0 sends them.
_PROTOCOL_VALUES = {
    b"string": b"Hello World",
    b"integer": 12345,
    b"double": Double(3.141),
    b"bignum": BigNumber(b"1234567999999999999999999999999999999"),
    b"null": NULL,
    b"array": [0, 1, 2],
    b"set": Set([0, 1, 2]),
    b"map": Map([(0, FALSE), (1, TRUE), (2, FALSE)]),
    b"verbatim": Verbatim(b"This is a verbatim\nstring"),
    b"true": TRUE,
    b"false": FALSE,
}


def _debug_protocol(ctx, name):
    value = _PROTOCOL_VALUES.get(name)
    if value is not None:
        return value
    if name == b"attrib":
        # RESP2 has no attributes: only the reply that follows them is sent.
        text = b"Some real reply following the attribute"
        if ctx.proto == 2:
            return text
        attr = b"|1\r\n" + encode(b"key-popularity", 3) + encode([b"key:123", 90], 3)
        return Raw(attr + encode(text, 3))
    if name == b"push":
        if ctx.proto == 2:
            raise CommandError(errors.RESP2_UNSUPPORTED)
        return Raw(encode(Push([b"server-cpu-usage", 42]), 3) +
                   encode(b"Some real reply following the push reply", 3))
    raise CommandError(errors.DEBUG_PROTOCOL_TYPE)


# --- COMMAND -----------------------------------------------------------------------------

def acl_categories(spec):
    return list(spec.acl)


def info_entry(spec):
    """One 10-element COMMAND INFO entry, rendered from Redis 7.0's own (registry data)."""
    entry = to_reply(spec.info)
    entry[0] = spec.fullname.encode()   # a project alias shows its own name
    subs = spec.subcommands
    entry.append([info_entry(s) for s in subs.values()] if subs else Set([]))
    return entry


def docs_entry(spec):
    """The COMMAND DOCS map of one command, with the subcommands this server has."""
    doc = to_reply(spec.docs)
    if spec.subcommands:
        doc.pairs.append((b"subcommands", Map([(s.fullname.encode(), docs_entry(s))
                                               for s in spec.subcommands.values()])))
    return doc


def lookup(name):
    """The spec for 'get' or 'client|list' (any case), or None."""
    parts = name.decode("latin-1").lower().split("|")
    spec = COMMANDS.get(parts[0])
    if spec is not None and len(parts) == 2:
        spec = spec.subcommands.get(parts[1])
    elif len(parts) > 2:
        spec = None
    return spec


def _all_with_subcommands():
    for spec in all_specs():
        yield spec
        for sub in spec.subcommands.values():
            yield sub


@command("command")
def command_(ctx, argv):
    return [info_entry(s) for s in all_specs()]


# COMMAND is both a command (no argument) and a container: only the bare form
# may take the dispatcher's fast path; any argument resolves a subcommand.
command_.spec.max_args = 1


def _command_sub(name):
    return subcommand("command", name)


@_command_sub("count")
def command_count(ctx, argv):
    return len(COMMANDS)


@_command_sub("info")
def command_info(ctx, argv):
    if len(argv) == 2:
        return [info_entry(s) for s in all_specs()]
    out = []
    for name in argv[2:]:
        spec = lookup(name)
        out.append(info_entry(spec) if spec is not None else NULL)
    return out


@_command_sub("docs")
def command_docs(ctx, argv):
    specs = all_specs() if len(argv) == 2 else [lookup(n) for n in argv[2:]]
    return Map([(s.fullname.encode(), docs_entry(s)) for s in specs if s is not None])


@_command_sub("list")
def command_list(ctx, argv):
    keep = _list_filter(argv)
    return [s.fullname.encode() for s in _all_with_subcommands() if keep(s)]


def _list_filter(argv):
    """COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern] -> predicate."""
    if len(argv) == 2:
        return lambda spec: True
    if len(argv) != 5 or argv[2].lower() != b"filterby":
        raise CommandError(errors.SYNTAX)
    kind, arg = argv[3].lower(), argv[4]
    if kind == b"module":
        return lambda spec: False  # no modules are loaded
    if kind == b"aclcat":
        cat = "@" + arg.decode("latin-1").lower()
        return lambda spec: cat in acl_categories(spec)
    if kind == b"pattern":
        return lambda spec: glob_match(arg, spec.fullname.encode(), nocase=True)
    raise CommandError(errors.SYNTAX)


@_command_sub("getkeys")
def command_getkeys(ctx, argv):
    args = argv[2:]
    return [args[i] for i, _ in _keys_of(args)[0]]


@_command_sub("getkeysandflags")
def command_getkeysandflags(ctx, argv):
    args = argv[2:]
    keys, spec = _keys_of(args)
    variable = _VARIABLE_KEY_FLAGS.get(spec.fullname)
    override = variable(args) if variable is not None else {}
    return [[args[i], Set([Simple(f) for f in override.get(i, flags)])] for i, flags in keys]


def _set_key_flags(args):
    """Redis' setGetKeys: the key is also read when a GET (up to a NUL, as C
    compares it) follows the value; otherwise it is only overwritten."""
    if any(a.split(b"\0", 1)[0].lower() == b"get" for a in args[3:]):
        return {1: ("RW", "access", "update")}
    return {1: ("OW", "update")}


# Commands whose key spec says variable_flags: the actual flags depend on the
# arguments, decided per command as Redis' getkeys procs do.
_VARIABLE_KEY_FLAGS = {"set": _set_key_flags}


def _keys_of(args):
    """([(key index, flags)], spec) of a full command, with COMMAND GETKEYS' errors."""
    spec = COMMANDS.get(args[0].decode("latin-1").lower())
    if spec is not None and spec.subcommands and len(args) > 1:
        spec = spec.subcommands.get(args[1].decode("latin-1").lower())
    if spec is None:
        raise CommandError(errors.INVALID_COMMAND_SPECIFIED)
    # Redis' order: a command without any key spec is refused before its arity.
    if not spec.key_specs:
        raise CommandError(errors.NO_KEY_ARGUMENTS)
    if not spec.arity_ok(len(args)):
        raise CommandError(errors.INVALID_COMMAND_ARGS)
    try:
        keys = spec.keys(args)
    except ValueError:   # e.g. a numkeys that is not a number, or past the arguments
        keys = None
    if not keys:
        # Redis' getkeys procs find no key: fine for commands whose keys are optional.
        if "no_mandatory_keys" in spec.flags:
            return [], spec
        raise CommandError(errors.INVALID_KEY_ARGS)
    return keys, spec


_COMMAND_HELP = [
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
]


@_command_sub("help")
def command_help(ctx, argv):
    return [Simple(line) for line in _COMMAND_HELP]


# --- CONFIG ------------------------------------------------------------------------------

container("config")


@subcommand("config", "get")
def config_get(ctx, argv):
    pairs = []
    seen = set()
    for pattern in argv[2:]:
        for name, value in ctx.server.config.get_matching(pattern.decode("utf-8", "surrogateescape")):
            if name not in seen:
                seen.add(name)
                pairs.append((name.encode("utf-8", "surrogateescape"), value.encode()))
    return Map(pairs)


@subcommand("config", "set")
def config_set(ctx, argv):
    if len(argv) % 2:
        raise CommandError(errors.SYNTAX)
    text = [a.decode("utf-8", "surrogateescape") for a in argv[2:]]
    try:
        ctx.server.config.set_many(list(zip(text[0::2], text[1::2])),
                                   local=ctx.addr.rsplit(":", 1)[0] in ("127.0.0.1", "[::1]"))
    except ConfigUnknown as e:
        raise CommandError(errors.CONFIG_UNKNOWN_FMT % errors.sanitize(e.args[0]))
    except ConfigSetFailed as e:
        raise CommandError(errors.CONFIG_SET_FAILED_FMT % (errors.sanitize(e.args[0]), e.args[1]))
    return OK


@subcommand("config", "resetstat")
def config_resetstat(ctx, argv):
    ctx.server.stats.reset()
    ctx.server.keyspace.reset_stats()
    for spec in _all_with_subcommands():
        spec.reset_stats()
    return OK


@subcommand("config", "rewrite")
def config_rewrite(ctx, argv):
    cfg = ctx.server.config
    if not cfg.config_file:
        raise CommandError(errors.NO_CONFIG_FILE)
    # As Redis 7.0: the ACL users go into the file as "user" lines, unless an
    # aclfile holds them (ACL SAVE writes that one).
    users = [] if cfg.aclfile else acl.of(ctx.server).lines()
    try:
        cfg.rewrite(users)
    except OSError as e:
        raise CommandError(errors.CONFIG_REWRITE_FAILED_FMT % errors.sanitize(e.strerror or str(e)))
    return OK


_CONFIG_HELP = [
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
]


@subcommand("config", "help")
def config_help(ctx, argv):
    return [Simple(line) for line in _CONFIG_HELP]
