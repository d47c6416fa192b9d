"""SLOWLOG, LATENCY, MONITOR and MODULE.

Owns the replies of these commands; the data lives in slowlog.py (slow log),
latency.py (latency monitor), latencyhist.py (per-command latency histograms)
and monitor.py (monitoring clients). Must not
touch: the dispatcher's timing (slowlog.install wires it).
"""

from .. import errors, latencyhist
from ..errors import CommandError
from ..monitor import monitors
from ..protocol import string2ll
from ..registry import command, container, subcommand
from ..replies import OK, Simple, Verbatim

container("slowlog")
container("latency")
container("module")


def _help(lines):
    return [Simple(line) for line in lines]


# --- SLOWLOG ---------------------------------------------------------------------------
@subcommand("slowlog", "get")
def slowlog_get(ctx, argv):
    if len(argv) > 3:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "slowlog"))
    count = 10
    if len(argv) == 3:
        count = string2ll(argv[2])
        if count is None or count < -1:
            raise CommandError(errors.SLOWLOG_COUNT)
    entries = ctx.server.slowlog.entries
    if count == -1:
        count = len(entries)
    return [[e[0], e[1], e[2], list(e[3]), e[4], e[5]] for e, _ in zip(entries, range(count))]


@subcommand("slowlog", "len")
def slowlog_len(ctx, argv):
    return len(ctx.server.slowlog.entries)


@subcommand("slowlog", "reset")
def slowlog_reset(ctx, argv):
    ctx.server.slowlog.reset()
    return OK


@subcommand("slowlog", "help")
def slowlog_help(ctx, argv):
    return _help([
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ])


# --- LATENCY ---------------------------------------------------------------------------
def _event_name(arg):
    return arg.decode("latin-1")


@subcommand("latency", "latest")
def latency_latest(ctx, argv):
    return [[name.encode(), ev.samples[-1][0], ev.samples[-1][1], ev.max]
            for name, ev in ctx.server.latency.events.items()]


@subcommand("latency", "history")
def latency_history(ctx, argv):
    ev = ctx.server.latency.events.get(_event_name(argv[2]))
    if ev is None:
        return []
    return [[t, ms] for t, ms in ev.samples]


@subcommand("latency", "reset")
def latency_reset(ctx, argv):
    lat = ctx.server.latency
    if len(argv) == 2:
        return lat.reset()
    return lat.reset([_event_name(a) for a in argv[2:]])


@subcommand("latency", "doctor")
def latency_doctor(ctx, argv):
    return Verbatim(ctx.server.latency.doctor().encode())


@subcommand("latency", "graph")
def latency_graph(ctx, argv):
    name = _event_name(argv[2])
    if name not in ctx.server.latency.events:
        raise CommandError(errors.LATENCY_NO_SAMPLES_FMT % errors.sanitize(argv[2]))
    return Verbatim(ctx.server.latency.graph(name).encode())


@subcommand("latency", "histogram")
def latency_histogram(ctx, argv):
    # The histograms themselves: latencyhist.py (fed by the dispatcher).
    return latencyhist.histogram_reply(argv[2:] if len(argv) > 2 else None)


@subcommand("latency", "help")
def latency_help(ctx, argv):
    return _help([
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the "
        "specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    ])


# --- MONITOR ---------------------------------------------------------------------------
@command("monitor")
def monitor(ctx, argv):
    if ctx.deny_blocking:
        # Inside EXEC: a client that expects one reply per command cannot monitor.
        raise CommandError(errors.MONITOR_DENY_BLOCKING)
    m = monitors(ctx.server)
    if ctx in m.clients:
        return None   # already monitoring: Redis answers nothing
    m.add(ctx)
    return OK


def _reset(conn):
    """RESET ends monitoring and client tracking, as Redis' clearClientConnectionState."""
    m = getattr(conn.server, "monitors", None)
    if m is not None:
        m.remove(conn)
    t = getattr(conn.server, "tracking", None)
    if t is not None:
        t.disable(conn)


def _register_reset():
    from .connection import RESET_HOOKS
    RESET_HOOKS.append(_reset)


_register_reset()


# --- MODULE (no module system: LIST is empty, loading is refused as Redis does by default)
@subcommand("module", "list")
def module_list(ctx, argv):
    return []


def _module_change(ctx):
    mode = ctx.server.config.enable_module_command
    local = ctx.addr.startswith(("127.0.0.1:", "[::1]:")) or not ctx.addr
    if mode == "no" or (mode == "local" and not local):
        raise CommandError(errors.MODULE_NOT_ALLOWED)


@subcommand("module", "load")
def module_load(ctx, argv):
    _module_change(ctx)
    raise CommandError(errors.MODULE_LOAD_FAILED)


@subcommand("module", "loadex")
def module_loadex(ctx, argv):
    _module_change(ctx)
    raise CommandError(errors.MODULE_LOAD_FAILED)


@subcommand("module", "unload")
def module_unload(ctx, argv):
    _module_change(ctx)
    raise CommandError(errors.MODULE_UNLOAD_FMT)


@subcommand("module", "help")
def module_help(ctx, argv):
    return _help([
        "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Return a list of loaded modules.",
        "LOAD <path> [<arg> ...]",
        "    Load a module library from <path>, passing to it any optional arguments.",
        "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
        "    Load a module library from <path>, while passing it module configurations and "
        "optional arguments.",
        "UNLOAD <name>",
        "    Unload a module.",
        "HELP",
        "    Prints this help.",
    ])
