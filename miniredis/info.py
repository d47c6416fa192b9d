"""INFO rendering: the sections of Redis 7.0's INFO reply, with true values.

Owns: which sections exist, which ones "default", "all" and "everything"
select, their order, field names and number formats. Reads the server, its
statistics, the keyspace and the command table; changes nothing except the
remembered memory peak.

Fields are those of Redis 7.0.15. A field whose value we cannot know
(allocator internals, fork statistics) is left out rather
than reported with an invented number; fields describing machinery we do not
have (replication backlog, copy-on-write sizes) report Redis' idle values,
which are true here.
"""

import os
import platform
import resource
import sys
import time

from . import latencyhist, tracking
from . import __version__
from .registry import all_specs

# Output order, as Redis' genRedisInfoString.
ORDER = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
         "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace")
DEFAULT = frozenset(ORDER) - {"commandstats", "latencystats"}
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _build_id():
    """Redis hashes its build; ours identifies the miniredis release (INFO redis_build_id)."""
    try:
        # CPython's own small SHA-1: hashlib would map OpenSSL's libcrypto (~3.5 MB of RSS).
        from _sha1 import sha1
    except ImportError:
        from hashlib import sha1
    return sha1(__version__.encode()).hexdigest()[:15]


BUILD_ID = _build_id()


def select_sections(args):
    """Set of section names for INFO's arguments (lower-cased strings)."""
    if not args:
        return DEFAULT
    chosen = set()
    for a in args:
        if a in ("all", "everything"):
            chosen.update(ORDER)
        elif a == "default":
            chosen.update(DEFAULT)
        else:
            chosen.add(a)
    return chosen


def render(server, sections):
    """The INFO text for the selected sections ('' when none is known)."""
    parts = []
    for name in ORDER:
        if name in sections:
            lines = _SECTIONS[name](server)
            parts.append("# %s\r\n%s" % (_TITLES.get(name, name.capitalize()),
                                         "".join(l + "\r\n" for l in lines)))
    return "\r\n".join(parts)


def human_bytes(n):
    """Redis' bytesToHuman: 1.39M, 7.31M, 200B ..."""
    n = float(n)
    for unit, size in (("P", 1024 ** 5), ("T", 1024 ** 4), ("G", 1024 ** 3),
                       ("M", 1024 ** 2), ("K", 1024)):
        if n >= size:
            return "%.2f%s" % (n / size, unit)
    return "%dB" % n


# --- sections ----------------------------------------------------------------

def _server(server):
    cfg = server.config
    now = time.time()
    uptime = int(server.uptime())
    port = server.bound[0][1] if server.bound else cfg.port
    return [
        "redis_version:%s" % server.redis_version,
        "redis_git_sha1:00000000",
        "redis_git_dirty:0",
        "redis_build_id:%s" % BUILD_ID,
        "redis_mode:standalone",
        "os:%s %s %s" % (platform.system(), platform.release(), platform.machine()),
        "arch_bits:%d" % (64 if sys.maxsize > 2 ** 32 else 32),
        "monotonic_clock:POSIX clock_gettime",
        "multiplexing_api:%s" % _loop_backend(),
        # Redis prints 0.0.0 when it was not built by GCC; neither are we.
        "gcc_version:0.0.0",
        "process_id:%d" % os.getpid(),
        "process_supervised:%s" % cfg.supervised,
        "run_id:%s" % server.run_id,
        "tcp_port:%d" % port,
        "server_time_usec:%d" % int(now * 1e6),
        "uptime_in_seconds:%d" % uptime,
        "uptime_in_days:%d" % (uptime // 86400),
        "hz:%d" % cfg.hz,
        "configured_hz:%d" % cfg.hz,
        "lru_clock:%d" % (int(now) & ((1 << 24) - 1)),
        "executable:%s" % (server.executable or os.path.abspath(sys.argv[0])),
        "config_file:%s" % (cfg.config_file or ""),
        "io_threads_active:0",
        "miniredis_version:%s" % __version__,
    ]


def _loop_backend():
    try:
        import gevent
        return gevent.get_hub().loop.backend
    except Exception:  # a hub-less caller (unit test) still gets a truthful answer
        return "unknown"


def _clients(server):
    clients = list(server.clients.values())
    blocked = sum(1 for c in clients if c.blocked is not None)
    # Only waiters with a deadline are in Redis' timeout table.
    timed = sum(1 for c in clients if c.blocked is not None and c.blocked.deadline is not None)
    max_in = max([c.reader.pending() for c in clients] or [0])
    return [
        "connected_clients:%d" % len(clients),
        "cluster_connections:0",
        "maxclients:%d" % server.config.maxclients,
        "client_recent_max_input_buffer:%d" % max_in,
        "client_recent_max_output_buffer:%d" % _recent_max_output(server, clients),
        "blocked_clients:%d" % blocked,
        "tracking_clients:%d" % tracking.info_fields(server)[0],
        "clients_in_timeout_table:%d" % timed,
    ]


# client_recent_max_output_buffer looks back about this long, as Redis' clients cron.
OBUF_PEAK_SECONDS = 8


def _recent_max_output(server, clients):
    """The largest pending output now, or seen in the last seconds (Redis' clients cron peak)."""
    peak, when = server.obuf_peak
    now = max([c.obuf_bytes for c in clients if c.pending] or [0])
    if time.time() - when > OBUF_PEAK_SECONDS:
        peak = 0
    return max(now, peak)


def rss_bytes():
    """Resident set size of this process (Linux /proc/self/statm), else the peak RSS."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _total_system_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * _PAGE
    except (ValueError, OSError, AttributeError):
        return 0


def _memory(server):
    cfg = server.config
    # used_memory is the figure maxmemory bounds: the project's estimate of the
    # dataset (eviction.py); the process' resident size is used_memory_rss.
    used = server.eviction.used_memory()
    rss = rss_bytes()
    peak = max(server.eviction.peak, used)
    total = _total_system_memory()
    return [
        "used_memory:%d" % used,
        "used_memory_human:%s" % human_bytes(used),
        "used_memory_rss:%d" % rss,
        "used_memory_rss_human:%s" % human_bytes(rss),
        "used_memory_peak:%d" % peak,
        "used_memory_peak_human:%s" % human_bytes(peak),
        "used_memory_peak_perc:%.2f%%" % (100.0 * used / peak if peak else 100.0),
        "total_system_memory:%d" % total,
        "total_system_memory_human:%s" % human_bytes(total),
    ] + _scripting_memory(server) + [
        "maxmemory:%d" % cfg.maxmemory,
        "maxmemory_human:%s" % human_bytes(cfg.maxmemory),
        "maxmemory_policy:%s" % cfg.maxmemory_policy,
        "mem_fragmentation_ratio:1.00",
        "mem_fragmentation_bytes:0",
        "mem_not_counted_for_evict:0",
        "mem_replication_backlog:%d" % server.replication.histlen(),
        "mem_total_replication_buffers:%d" % server.replication.histlen(),
        "mem_clients_slaves:0",
        "mem_cluster_links:0",
        "mem_aof_buffer:0",
        "mem_allocator:libc",
        "active_defrag_running:0",
        "lazyfree_pending_objects:0",
        "lazyfreed_objects:0",
    ]


# Redis follows these scripting fields with a *_human companion.
_HUMAN_AFTER = ("used_memory_vm_eval", "used_memory_vm_total", "used_memory_scripts")


def _scripting_memory(server):
    from .scripting.host import scripting   # the Lua states are made on first use
    out = []
    fields = scripting(server).memory_info()
    values = dict(fields)
    for name, value in fields:
        out.append("%s:%d" % (name, value))
        if name in _HUMAN_AFTER:
            human = "used_memory_lua" if name == "used_memory_vm_eval" else name
            out.append("%s_human:%s" % (human, human_bytes(values[human])))
    return out


# INFO persistence's aof_* fields always shown, in Redis' order; the append-only
# log's other fields (aof_current_size, ... shown while it is on) follow the module ones.
_AOF_DEFAULTS = [
    ("aof_enabled", 0), ("aof_rewrite_in_progress", 0), ("aof_rewrite_scheduled", 0),
    ("aof_last_rewrite_time_sec", -1), ("aof_current_rewrite_time_sec", -1),
    ("aof_last_bgrewrite_status", "ok"), ("aof_rewrites", 0),
    ("aof_rewrites_consecutive_failures", 0), ("aof_last_write_status", "ok"),
    ("aof_last_cow_size", 0),
]


def _persistence(server):
    """Values from persistence/snapshot.py (rdb_*), aof.py (aof_*) and the load under way."""
    loading = server.loading
    fields = [("loading", 1 if loading is not None else 0), ("async_loading", 0)]
    fields += server.snapshots.info_fields()
    aof = dict(_AOF_DEFAULTS)
    aof["aof_enabled"] = 1 if server.config.appendonly else 0
    extra = []
    if getattr(server, "aof", None) is not None:
        for name, value in server.aof.info_fields():
            if name in aof:
                aof[name] = value
            else:
                extra.append((name, value))
    fields += [(name, aof[name]) for name, _ in _AOF_DEFAULTS]
    fields += [("module_fork_in_progress", 0), ("module_fork_last_cow_size", 0)]
    fields += extra
    if loading is not None:
        fields += loading.info_fields()
    return ["%s:%s" % (name, value) for name, value in fields]


def _stats(server):
    tracked = tracking.info_fields(server)
    st = server.stats
    ps = server.pubsub
    return [
        "total_connections_received:%d" % st.total_connections_received,
        # Every executed command is counted once, in its spec's stats.
        "total_commands_processed:%d" % sum(s.calls for s in _walk(all_specs())),
        "total_net_input_bytes:%d" % st.net_input_bytes,
        "total_net_output_bytes:%d" % st.net_output_bytes,
        "total_net_repl_input_bytes:0",
        "total_net_repl_output_bytes:0",
        "instantaneous_input_repl_kbps:0.00",
        "instantaneous_output_repl_kbps:0.00",
        "rejected_connections:%d" % st.rejected_connections,
        "sync_full:%d" % st.sync_full,
        "sync_partial_ok:%d" % st.sync_partial_ok,
        "sync_partial_err:%d" % st.sync_partial_err,
        "expired_keys:%d" % server.keyspace.expired_keys,
        "evicted_keys:%d" % server.keyspace.evicted_keys,
        "evicted_clients:0",
        "total_eviction_exceeded_time:0",
        "current_eviction_exceeded_time:0",
        "keyspace_hits:%d" % server.keyspace.hits,
        "keyspace_misses:%d" % server.keyspace.misses,
        "pubsub_channels:%d" % len(ps.channels.table),
        "pubsub_patterns:%d" % len(ps.patterns.table),
        "pubsubshard_channels:%d" % len(ps.shards.table),
        "latest_fork_usec:%d" % server.snapshots.latest_fork_usec,
        "total_forks:%d" % server.snapshots.total_forks,
        "migrate_cached_sockets:0",
        "slave_expires_tracked_keys:0",
        "active_defrag_hits:0",
        "active_defrag_misses:0",
        "active_defrag_key_hits:0",
        "active_defrag_key_misses:0",
        "total_active_defrag_time:0",
        "current_active_defrag_time:0",
        "tracking_total_keys:%d" % tracked[1],
        "tracking_total_items:%d" % tracked[2],
        "tracking_total_prefixes:%d" % tracked[3],
        # Errors replied to a master or read from the AOF: neither exists here.
        "unexpected_error_replies:0",
        "total_error_replies:%d" % st.total_error_replies,
        "dump_payload_sanitizations:0",
        "io_threaded_reads_processed:0",
        "io_threaded_writes_processed:0",
    ]


def _replication(server):
    return server.replication.info_lines()


def _cpu(server):
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        "used_cpu_sys:%.6f" % me.ru_stime,
        "used_cpu_user:%.6f" % me.ru_utime,
        "used_cpu_sys_children:%.6f" % kids.ru_stime,
        "used_cpu_user_children:%.6f" % kids.ru_utime,
        # One thread serves everything, so the main thread is the process.
        "used_cpu_sys_main_thread:%.6f" % me.ru_stime,
        "used_cpu_user_main_thread:%.6f" % me.ru_utime,
    ]


def _modules(server):
    return []


def _commandstats(server):
    out = []
    for spec in _walk(all_specs()):
        # CommandSpec.usec accumulates seconds (see registry.reset_stats).
        if spec.calls or spec.rejected_calls or spec.failed_calls:
            # Redis divides its whole-microsecond total, so per-call follows usec.
            usec = int(spec.usec * 1e6)
            out.append("cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,"
                       "failed_calls=%d" % (
                           spec.fullname, spec.calls, usec,
                           float(usec) / spec.calls if spec.calls else 0.0,
                           spec.rejected_calls, spec.failed_calls))
    return out


def _walk(specs):
    for spec in specs:
        yield spec
        for sub in spec.subcommands.values():
            yield sub


def _errorstats(server):
    # Redis keeps them in a radix tree: listed in byte order of the prefix.
    return ["errorstat_%s:count=%d" % (prefix, n)
            for prefix, n in sorted(server.stats.errorstats.items())]


def _latencystats(server):
    # Empty (the title alone) while latency-tracking is no, as Redis.
    return latencyhist.info_lines(server)


def _cluster(server):
    return ["cluster_enabled:0"]


def _keyspace(server):
    out = []
    for db in server.keyspace.dbs:
        if len(db):
            out.append("db%d:keys=%d,expires=%d,avg_ttl=%d" % (
                db.index, len(db), len(db.expires), _avg_ttl(db, server.keyspace.clock())))
    return out


def _avg_ttl(db, now, sample=1000):
    """Average remaining TTL in ms over a bounded sample (Redis estimates it too)."""
    total = n = 0
    for when in db.expires.values():
        if when > now:
            total += when - now
            n += 1
        if n >= sample:
            break
    return total // n if n else 0


_SECTIONS = {
    "server": _server, "clients": _clients, "memory": _memory,
    "persistence": _persistence, "stats": _stats, "replication": _replication,
    "cpu": _cpu, "modules": _modules, "commandstats": _commandstats,
    "errorstats": _errorstats, "latencystats": _latencystats, "cluster": _cluster,
    "keyspace": _keyspace,
}
_TITLES = {"cpu": "CPU"}
