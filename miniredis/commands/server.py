"""Server commands: INFO, DBSIZE, FLUSHDB/FLUSH, FLUSHALL, TIME, LASTSAVE, SHUTDOWN,
DEBUG, COMMAND (rendered from the registry) and CONFIG.

Owns the replies of those commands. INFO text comes from :mod:`miniredis.info`,
parameters from :mod:`miniredis.config`; the keyspace is changed only through
its own methods (Database.clear, Keyspace.flushall).
"""

import logging
import os
import time


from .. import errors, info
from ..config import ConfigSetFailed, ConfigUnknown
from ..datatypes import parse_int
from ..errors import CommandError
from ..glob import match as glob_match
from ..registry import COMMANDS, alias, all_specs, command, container, key_spec, subcommand
from ..protocol import encode
from ..replies import FALSE, NULL, OK, TRUE, BigNumber, Double, Map, Push, Raw, Set, Simple, Verbatim

log = logging.getLogger("miniredis")


# --- INFO and simple server commands -------------------------------------------------

@command("info", -1, "loading stale", group="server", acl=("@dangerous",),
         tips=("nondeterministic_output", "request_policy:all_shards",
               "response_policy:special"),
         summary="Get information and statistics about the server", since="1.0.0",
         complexity="O(1)")
def info_(ctx, argv):
    sections = info.select_sections([a.decode("latin-1").lower() for a in argv[1:]])
    # A verbatim string in RESP3, a bulk string in RESP2, as Redis 7.0.
    return Verbatim(info.render(ctx.server, sections).encode())


@command("dbsize", 1, "readonly fast", group="server", acl=("@keyspace",),
         tips=("request_policy:all_shards", "response_policy:agg_sum"),
         summary="Return the number of keys in the selected database", since="1.0.0",
         complexity="O(1)")
def dbsize(ctx, argv):
    return len(ctx.db)


def _flush_mode(argv):
    """FLUSHDB/FLUSHALL take at most one of SYNC|ASYNC; we always flush synchronously."""
    if len(argv) > 2 or (len(argv) == 2 and argv[1].lower() not in (b"sync", b"async")):
        raise CommandError(errors.SYNTAX)


@command("flushdb", -1, "write", group="server", acl=("@keyspace", "@dangerous"),
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         summary="Remove all keys from the current database", since="1.0.0",
         complexity="O(N) where N is the number of keys in the selected database")
def flushdb(ctx, argv):
    _flush_mode(argv)
    ctx.db.clear()
    return OK


# This project's historical name for FLUSHDB.
alias("flush", "flushdb")


@command("flushall", -1, "write", group="server", acl=("@keyspace", "@dangerous"),
         tips=("request_policy:all_shards", "response_policy:all_succeeded"),
         summary="Remove all keys from all databases", since="1.0.0",
         complexity="O(N) where N is the total number of keys in all databases")
def flushall(ctx, argv):
    _flush_mode(argv)
    ctx.server.keyspace.flushall()
    return OK


@command("time", 1, "loading stale fast", group="server", tips=("nondeterministic_output",),
         summary="Return the current server time", since="2.6.0", complexity="O(1)")
def time_(ctx, argv):
    us = int(time.time() * 1e6)
    return [b"%d" % (us // 1000000), b"%d" % (us % 1000000)]


@command("lastsave", 1, "loading stale fast", group="server", acl=("@admin", "@dangerous"),
         tips=("nondeterministic_output",),
         summary="Get the UNIX time stamp of the last successful save to disk", since="1.0.0",
         complexity="O(1)")
def lastsave(ctx, argv):
    # Persistence sets server.last_save_time; until a save, it is the start time.
    server = ctx.server
    return int(getattr(server, "last_save_time", server.start_time))


_SHUTDOWN_FLAGS = {b"nosave": "nosave", b"save": "save", b"now": "now", b"force": "force",
                   b"abort": "abort"}


@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy", group="server",
         summary="Synchronously save the dataset to disk and then shut down the server",
         since="1.0.0", complexity="O(N) when saving, where N is the total number of keys in "
         "all databases when saving data, otherwise O(1)")
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
    server = ctx.server
    # None: save if save points are configured (Redis' default); read by persistence.
    server.shutdown_save = True if "save" in flags else False if "nosave" in flags else None
    log.warning("User requested shutdown...")
    server.request_shutdown()
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


@command("debug", -2, "admin noscript loading stale", group="server",
         summary="A container for debugging commands", since="1.0.0",
         complexity="Depends on subcommand.")
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
        # INFO replication makes the id on first use; a new one replaces it.
        ctx.server.master_replid = os.urandom(20).hex()
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

# Redis lists ACL categories in the order of its category table.
_CATEGORY_ORDER = [
    "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
    "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow",
    "@blocking", "@dangerous", "@connection", "@transaction", "@scripting",
]
_CATEGORY_RANK = {c: i for i, c in enumerate(_CATEGORY_ORDER)}
# Redis' group names in COMMAND DOCS where ours differ.
_DOC_GROUP = {"sorted_set": "sorted-set"}


def acl_categories(spec):
    if spec.func is None:
        # A pure container (CLIENT, CONFIG) has no categories of its own beyond @slow.
        return ["@slow"]
    return sorted(spec.acl_categories(), key=lambda c: _CATEGORY_RANK.get(c, len(_CATEGORY_RANK)))


def _key_specs_of(spec):
    """Declared key specs, or one derived from the legacy (first, last, step) triple."""
    specs = spec.key_specs
    if specs is None:
        if not spec.first_key:
            return []
        last = spec.last_key - spec.first_key if spec.last_key >= 0 else spec.last_key
        specs = [key_spec("RO access" if spec.is_readonly else "RW update",
                          index=spec.first_key, lastkey=last, keystep=spec.step)]
    return specs


def _key_specs(spec):
    return [_render_key_spec(k) for k in _key_specs_of(spec)]


def _render_key_spec(k):
    pairs = [(b"notes", k.notes.encode())] if k.notes else []
    pairs += [
        (b"flags", Set([Simple(f) for f in k.flags])),
        (b"begin_search", Map([(b"type", b"index"), (b"spec", Map([(b"index", k.index)]))])),
        (b"find_keys", Map([(b"type", b"range"), (b"spec", Map([
            (b"lastkey", k.lastkey), (b"keystep", k.keystep), (b"limit", 0)]))])),
    ]
    return Map(pairs)


def info_entry(spec):
    """One 10-element COMMAND INFO entry, as Redis 7.0."""
    subs = spec.subcommands
    return [
        spec.fullname.encode(),
        spec.arity,
        Set([Simple(f) for f in spec.flags]),
        spec.first_key, spec.last_key, spec.step,
        Set([Simple(c) for c in acl_categories(spec)]),
        Set([t.encode() for t in spec.tips]),
        Set(_key_specs(spec)),
        [info_entry(s) for s in subs.values()] if subs else Set([]),
    ]


def docs_entry(spec):
    """The COMMAND DOCS map of one command."""
    pairs = [
        (b"summary", spec.summary.encode()),
        (b"since", spec.since.encode()),
        (b"group", _DOC_GROUP.get(spec.group, spec.group).encode()),
        (b"complexity", spec.complexity.encode()),
    ]
    if spec.doc_flags:
        pairs.append((b"doc_flags", Set([Simple(f) for f in spec.doc_flags])))
    if spec.arguments:
        pairs.append((b"arguments", spec.arguments))
    if spec.subcommands:
        pairs.append((b"subcommands", Map([(s.fullname.encode(), docs_entry(s))
                                           for s in spec.subcommands.values()])))
    return Map(pairs)


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


@command("command", -1, "loading stale", group="server", acl=("@connection",),
         tips=("nondeterministic_output_order",),
         summary="Get array of Redis command details", since="2.8.13",
         complexity="O(N) where N is the total number of Redis commands")
def command_(ctx, argv):
    return [info_entry(s) for s in all_specs()]


# COMMAND is both a command (no argument) and a container: only the bare form
# may take the dispatcher's fast path; any argument resolves a subcommand.
command_.spec.max_args = 1


def _command_sub(name, arity, **kw):
    return subcommand("command", name, arity, "loading stale", acl=("@connection",), **kw)


@_command_sub("count", 2, summary="Get total number of Redis commands", since="2.8.13",
              complexity="O(1)")
def command_count(ctx, argv):
    return len(COMMANDS)


@_command_sub("info", -2, tips=("nondeterministic_output_order",),
              summary="Get array of specific Redis command details, or all when no argument "
              "is given.", since="2.8.13",
              complexity="O(N) where N is the number of commands to look up")
def command_info(ctx, argv):
    if len(argv) == 2:
        return [info_entry(s) for s in all_specs()]
    out = []
    for name in argv[2:]:
        spec = lookup(name)
        out.append(info_entry(spec) if spec is not None else NULL)
    return out


@_command_sub("docs", -2, tips=("nondeterministic_output_order",),
              summary="Get array of specific Redis command documentation", since="7.0.0",
              complexity="O(N) where N is the number of commands to look up")
def command_docs(ctx, argv):
    specs = all_specs() if len(argv) == 2 else [lookup(n) for n in argv[2:]]
    return Map([(s.fullname.encode(), docs_entry(s)) for s in specs if s is not None])


@_command_sub("list", -2, tips=("nondeterministic_output_order",),
              summary="Get an array of Redis command names", since="7.0.0",
              complexity="O(N) where N is the total number of Redis commands")
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


@_command_sub("getkeys", -4, summary="Extract keys given a full Redis command",
              since="2.8.13",
              complexity="O(N) where N is the number of arguments to the command")
def command_getkeys(ctx, argv):
    args = argv[2:]
    return [args[i] for i in _key_positions(args)[0]]


@_command_sub("getkeysandflags", -4, summary="Extract keys and access flags given a full Redis command",
              since="7.0.0",
              complexity="O(N) where N is the number of arguments to the command")
def command_getkeysandflags(ctx, argv):
    args = argv[2:]
    positions, spec = _key_positions(args)
    flags = _flags_by_position(spec, len(args))
    default = _key_specs_of(spec)[0].flags
    variable = _VARIABLE_KEY_FLAGS.get(spec.fullname)
    if variable is not None:
        flags = variable(args)
    return [[args[i], Set([Simple(f) for f in flags.get(i, default)])] for i in positions]


def _set_key_flags(args):
    """Redis' setGetKeys: the key is also read when a GET (up to a NUL, as C
    compares it) follows the value; otherwise it is only overwritten."""
    if any(a.split(b"\0", 1)[0].lower() == b"get" for a in args[3:]):
        return {1: ("RW", "access", "update")}
    return {1: ("OW", "update")}


# Commands whose key spec says variable_flags: the actual flags depend on the
# arguments, decided per command as Redis' getkeys procs do.
_VARIABLE_KEY_FLAGS = {"set": _set_key_flags}


def _key_positions(args):
    """(key indexes, spec) of a full command, with COMMAND GETKEYS' errors."""
    spec = COMMANDS.get(args[0].decode("latin-1").lower())
    if spec is not None and spec.subcommands and len(args) > 1:
        spec = spec.subcommands.get(args[1].decode("latin-1").lower())
    if spec is None:
        raise CommandError(errors.INVALID_COMMAND_SPECIFIED)
    # Redis' order: a command without any key spec is refused before its arity.
    if not spec.first_key and not spec.key_specs:
        raise CommandError(errors.NO_KEY_ARGUMENTS)
    if not spec.arity_ok(len(args)):
        raise CommandError(errors.INVALID_COMMAND_ARGS)
    keys = spec.key_positions(args)
    if not keys:
        raise CommandError(errors.NO_KEY_ARGUMENTS)
    return keys, spec


def _flags_by_position(spec, argc):
    """{argument index: key spec flags}; the first key spec covering an index wins."""
    out = {}
    for k in _key_specs_of(spec):
        last = k.index + k.lastkey if k.lastkey >= 0 else argc + k.lastkey
        for i in range(k.index, last + 1, k.keystep or 1):
            out.setdefault(i, k.flags)
    return out


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


@_command_sub("help", 2, summary="Show helpful text about the different subcommands",
              since="5.0.0", complexity="O(1)")
def command_help(ctx, argv):
    return [Simple(line) for line in _COMMAND_HELP]


# --- CONFIG ------------------------------------------------------------------------------

container("config", group="server", summary="A container for server configuration commands",
          since="2.0.0", complexity="Depends on subcommand.")


@subcommand("config", "get", -3, "admin noscript loading stale",
            summary="Get the values of configuration parameters", since="2.0.0",
            complexity="O(N) when N is the number of configuration parameters provided")
def config_get(ctx, argv):
    pairs = []
    seen = set()
    for pattern in argv[2:]:
        for name, value in ctx.server.config.get_matching(pattern.decode("utf-8", "surrogateescape")):
            if name not in seen:
                seen.add(name)
                pairs.append((name.encode("utf-8", "surrogateescape"), value.encode()))
    return Map(pairs)


@subcommand("config", "set", -4, "admin noscript loading stale",
            tips=("request_policy:all_nodes", "response_policy:all_succeeded"),
            summary="Set configuration parameters to the given values", since="2.0.0",
            complexity="O(N) when N is the number of configuration parameters provided")
def config_set(ctx, argv):
    if len(argv) % 2:
        raise CommandError(errors.SYNTAX)
    text = [a.decode("utf-8", "surrogateescape") for a in argv[2:]]
    try:
        ctx.server.config.set_many(list(zip(text[0::2], text[1::2])))
    except ConfigUnknown as e:
        raise CommandError(errors.CONFIG_UNKNOWN_FMT % errors.sanitize(e.args[0]))
    except ConfigSetFailed as e:
        raise CommandError(errors.CONFIG_SET_FAILED_FMT % (errors.sanitize(e.args[0]), e.args[1]))
    return OK


@subcommand("config", "resetstat", 2, "admin noscript loading stale",
            summary="Reset the stats returned by INFO", since="2.0.0", complexity="O(1)")
def config_resetstat(ctx, argv):
    ctx.server.stats.reset()
    ctx.server.keyspace.reset_stats()
    for spec in _all_with_subcommands():
        spec.reset_stats()
    return OK


@subcommand("config", "rewrite", 2, "admin noscript loading stale",
            summary="Rewrite the configuration file with the in memory configuration",
            since="2.8.0", complexity="O(1)")
def config_rewrite(ctx, argv):
    cfg = ctx.server.config
    if not cfg.config_file:
        raise CommandError(errors.NO_CONFIG_FILE)
    try:
        cfg.rewrite()
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


@subcommand("config", "help", 2, "loading stale",
            summary="Show helpful text about the different subcommands", since="5.0.0",
            complexity="O(1)")
def config_help(ctx, argv):
    return [Simple(line) for line in _CONFIG_HELP]
