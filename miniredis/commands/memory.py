"""MEMORY subcommands: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP.

Figures are the project's own estimate of the dataset (see eviction.py):
MEMORY USAGE of a key is exactly what that key adds to the figure maxmemory
bounds. Must not touch: the accounting itself (eviction.py owns it).
"""

from .. import errors, memtrim
from ..datatypes import parse_int
from ..errors import CommandError
from ..info import rss_bytes
from ..registry import container, subcommand
from ..replies import NULL, OK, Double, Map, Simple, Verbatim

container("memory")

_HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]

# Redis' doctor texts (what a user sees); below this much data it declines to judge.
_DOCTOR_EMPTY_BELOW = 5 * 1024 * 1024
_DOCTOR_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, my issues detector "
    "can't be used in these conditions. Please, leave for your mission on Earth and fill "
    "it with some data. The new Sam and I will be back to our programming as soon as I "
    "finished rebooting.\n")
_DOCTOR_FINE = ("Hi Sam, I can't find any memory issue in your instance. I can only "
                "account for what occurs on this base.\n")
_NO_MALLOC_STATS = "Stats not supported for the current allocator"

# The dict entry part of KEY_OVERHEAD: MEMORY STATS' per-database hash table overhead.
_ENTRY = 24


@subcommand("memory", "help")
def memory_help(ctx, argv):
    return [Simple(line) for line in _HELP]


@subcommand("memory", "usage")
def memory_usage(ctx, argv):
    """The key's estimated cost; SAMPLES is validated as Redis does (values sample their own way)."""
    i = 3
    while i < len(argv):
        if argv[i].lower() == b"samples" and i + 1 < len(argv):
            if parse_int(argv[i + 1]) < 0:
                raise CommandError(errors.SYNTAX)
            i += 2
        else:
            raise CommandError(errors.SYNTAX)
    v = ctx.db.read(argv[2], touch=False, notify=False)
    if v is None:
        return NULL
    return ctx.server.eviction.usage(ctx.db, argv[2], v)


@subcommand("memory", "stats")
def memory_stats(ctx, argv):
    ev = ctx.server.eviction
    total = ev.used_memory()
    peak = max(ev.peak, total)
    rss = rss_bytes()
    fields = [
        ("peak.allocated", peak), ("total.allocated", total), ("startup.allocated", 0),
        ("replication.backlog", 0), ("clients.slaves", 0), ("clients.normal", 0),
        ("cluster.links", 0), ("aof.buffer", 0), ("lua.caches", 0), ("functions.caches", 0),
    ]
    overhead = keys = 0
    for db in ctx.server.keyspace.dbs:
        if not db.data:
            continue
        main, expires = _ENTRY * len(db.data), _ENTRY * len(db.expires)
        overhead += main + expires
        keys += len(db.data)
        fields.append(("db.%d" % db.index, Map([
            (b"overhead.hashtable.main", main), (b"overhead.hashtable.expires", expires),
            (b"overhead.hashtable.slot-to-keys", 0)])))
    dataset = max(0, total - overhead)
    fields += [
        ("overhead.total", overhead), ("keys.count", keys),
        ("keys.bytes-per-key", total // keys if keys else 0),
        ("dataset.bytes", dataset),
        ("dataset.percentage", Double(100.0 * dataset / total if total else 0.0)),
        ("peak.percentage", Double(100.0 * total / peak if peak else 100.0)),
        ("allocator.allocated", total), ("allocator.active", total),
        ("allocator.resident", rss),
        ("allocator-fragmentation.ratio", Double(1.0)), ("allocator-fragmentation.bytes", 0),
        ("allocator-rss.ratio", Double(_ratio(rss, total))),
        ("allocator-rss.bytes", max(0, rss - total)),
        ("rss-overhead.ratio", Double(1.0)), ("rss-overhead.bytes", 0),
        ("fragmentation", Double(_ratio(rss, total))),
        ("fragmentation.bytes", max(0, rss - total)),
    ]
    return Map([(name.encode(), value) for name, value in fields])


def _ratio(a, b):
    return float(a) / b if b else 0.0


@subcommand("memory", "doctor")
def memory_doctor(ctx, argv):
    used = ctx.server.eviction.used_memory()
    return Verbatim((_DOCTOR_EMPTY if used < _DOCTOR_EMPTY_BELOW else _DOCTOR_FINE).encode())


@subcommand("memory", "malloc-stats")
def memory_malloc_stats(ctx, argv):
    return Verbatim(_NO_MALLOC_STATS.encode())


@subcommand("memory", "purge")
def memory_purge(ctx, argv):
    memtrim.trim()   # as Redis' jemalloc purge: free heap pages back to the system
    return OK

