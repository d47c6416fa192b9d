"""The Prometheus endpoint (a miniredis extension): GET /metrics on ``metrics-port``.

Owns: the HTTP listener (gevent's WSGI server, in the server's own hub, on the
addresses of ``bind``), and the translation of INFO's figures into Prometheus'
text exposition format 0.0.4. Reads the INFO text that info.py renders, so
every number is the one INFO shows at that moment; changes nothing, and is not
a command (it counts in no statistic). Must not touch: the Redis listeners and
their clients. Off unless ``metrics-port`` (config file or ``--metrics-port``)
is not 0; there is no authentication, as with other exporters: it shows
figures, never keys or values.

Names: ``miniredis_<INFO field>`` for gauges; counters end in ``_total``
(``total_connections_received`` -> ``miniredis_connections_received_total``);
per database ``miniredis_db_keys{db="0"}``, per command
``miniredis_commands_total{cmd="get"}`` and the like, per error prefix
``miniredis_errors_total{err="ERR"}``; ``miniredis_build_info`` carries the
versions as labels. Fields that are not numbers are left out, except the
``ok``/``err`` statuses, reported as 1/0.
"""

import logging
import socket as _stdsocket

from . import info

log = logging.getLogger("miniredis")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "miniredis_"
SECTIONS = ("server", "clients", "memory", "persistence", "stats", "cpu",
            "commandstats", "errorstats", "keyspace")

# INFO fields that only ever grow (until CONFIG RESETSTAT or a restart) -> metric name.
COUNTERS = {
    "total_connections_received": "connections_received_total",
    "total_commands_processed": "commands_processed_total",
    "total_net_input_bytes": "net_input_bytes_total",
    "total_net_output_bytes": "net_output_bytes_total",
    "total_net_repl_input_bytes": "net_repl_input_bytes_total",
    "total_net_repl_output_bytes": "net_repl_output_bytes_total",
    "rejected_connections": "rejected_connections_total",
    "sync_full": "sync_full_total",
    "sync_partial_ok": "sync_partial_ok_total",
    "sync_partial_err": "sync_partial_err_total",
    "expired_keys": "expired_keys_total",
    "evicted_keys": "evicted_keys_total",
    "evicted_clients": "evicted_clients_total",
    "total_eviction_exceeded_time": "eviction_exceeded_time_milliseconds_total",
    "keyspace_hits": "keyspace_hits_total",
    "keyspace_misses": "keyspace_misses_total",
    "total_forks": "forks_total",
    "active_defrag_hits": "active_defrag_hits_total",
    "active_defrag_misses": "active_defrag_misses_total",
    "active_defrag_key_hits": "active_defrag_key_hits_total",
    "active_defrag_key_misses": "active_defrag_key_misses_total",
    "total_active_defrag_time": "active_defrag_time_milliseconds_total",
    "unexpected_error_replies": "unexpected_error_replies_total",
    "total_error_replies": "error_replies_total",
    "dump_payload_sanitizations": "dump_payload_sanitizations_total",
    "io_threaded_reads_processed": "io_threaded_reads_processed_total",
    "io_threaded_writes_processed": "io_threaded_writes_processed_total",
    "rdb_saves": "rdb_saves_total",
    "aof_rewrites": "aof_rewrites_total",
    "used_cpu_sys": "used_cpu_sys_seconds_total",
    "used_cpu_user": "used_cpu_user_seconds_total",
    "used_cpu_sys_children": "used_cpu_sys_children_seconds_total",
    "used_cpu_user_children": "used_cpu_user_children_seconds_total",
    "used_cpu_sys_main_thread": "used_cpu_sys_main_thread_seconds_total",
    "used_cpu_user_main_thread": "used_cpu_user_main_thread_seconds_total",
}
# Gauges whose INFO name ends in _total, which Prometheus reserves for counters.
GAUGE_NAMES = {
    "used_memory_vm_total": "used_memory_vm_total_bytes",
    "current_save_keys_total": "current_save_keys_at_start",
}
# Numeric INFO fields that are identifiers or clock readings, not measurements.
SKIPPED = frozenset((
    "redis_git_sha1", "redis_git_dirty", "redis_build_id", "arch_bits", "process_id",
    "tcp_port", "server_time_usec", "lru_clock", "uptime_in_days"))
# INFO server fields shown as labels of miniredis_build_info.
BUILD_LABELS = ("redis_version", "miniredis_version", "redis_mode", "os")
STATUS = {"ok": 1, "err": 0}


class _Family(object):
    __slots__ = ("name", "kind", "help", "samples")

    def __init__(self, name, kind, help_text):
        self.name = PREFIX + name
        self.kind = kind
        self.help = help_text
        self.samples = []   # (labels text, value text)


def _escape_label(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**kw):
    return "{%s}" % ",".join('%s="%s"' % (k, _escape_label(str(v))) for k, v in kw.items())


def _number(text):
    """The INFO value as Prometheus writes it, or None when it is not a number."""
    try:
        float(text)
    except ValueError:
        return None
    return text if text.lower() not in ("nan", "inf", "-inf", "infinity") else None


def _seconds(usec_text, scale):
    return repr(int(usec_text) / scale)


def families(server):
    """The metric families, in INFO's order, from one rendering of INFO."""
    out = {}

    def family(name, kind, help_text):
        f = out.get(name)
        if f is None:
            f = out[name] = _Family(name, kind, help_text)
        return f

    section = None
    build = {}
    build_info = family("build_info", "gauge",
                        "Versions of this server (INFO server), as labels; always 1.")
    text = info.render(server, set(SECTIONS))
    for line in text.split("\r\n"):
        if line.startswith("# "):
            section = line[2:].lower()
            continue
        if not line or ":" not in line:
            continue
        key, _, value = line.partition(":")
        if section == "keyspace":
            _keyspace(family, key, value)
        elif section == "commandstats":
            _commandstats(family, key, value)
        elif section == "errorstats":
            fields = dict(kv.split("=", 1) for kv in value.split(","))
            family("errors_total", "counter", "Error replies by error prefix "
                   "(INFO errorstats errorstat_<prefix> count).").samples.append(
                (_labels(err=key[len("errorstat_"):]), fields["count"]))
        elif key in BUILD_LABELS:
            build[key] = value
        elif key not in SKIPPED:
            _field(family, section, key, value)
    build_info.samples.append((_labels(**build), "1"))
    return list(out.values())


def _field(family, section, key, value):
    if value in STATUS:
        family(key, "gauge", "INFO %s %s: 1 = ok, 0 = err." % (section, key)).samples.append(
            ("", str(STATUS[value])))
        return
    number = _number(value)
    if number is None:
        return
    name, kind = metric_name(key)
    family(name, kind, "INFO %s %s." % (section, key)).samples.append(("", number))


def metric_name(field):
    """(name without the prefix, type) of a plain INFO field."""
    if field in COUNTERS:
        return COUNTERS[field], "counter"
    return GAUGE_NAMES.get(field, field), "gauge"


def _keyspace(family, key, value):
    # db0:keys=1,expires=0,avg_ttl=0
    db = key[2:]
    fields = dict(kv.split("=", 1) for kv in value.split(","))
    labels = _labels(db=db)
    family("db_keys", "gauge", "Keys in the database (INFO keyspace keys).").samples.append(
        (labels, fields["keys"]))
    family("db_keys_expiring", "gauge",
           "Keys with a time to live (INFO keyspace expires).").samples.append(
        (labels, fields["expires"]))
    family("db_avg_ttl_seconds", "gauge",
           "Average time to live of the keys that have one, estimated "
           "(INFO keyspace avg_ttl, in ms).").samples.append(
        (labels, _seconds(fields["avg_ttl"], 1e3)))


def _commandstats(family, key, value):
    # cmdstat_get:calls=1,usec=5,usec_per_call=5.00,rejected_calls=0,failed_calls=0
    fields = dict(kv.split("=", 1) for kv in value.split(","))
    labels = _labels(cmd=key[len("cmdstat_"):])
    family("commands_total", "counter", "Calls of the command "
           "(INFO commandstats calls).").samples.append((labels, fields["calls"]))
    family("commands_duration_seconds_total", "counter", "Time spent in the command "
           "(INFO commandstats usec).").samples.append(
        (labels, _seconds(fields["usec"], 1e6)))
    family("commands_rejected_calls_total", "counter", "Calls refused before running "
           "(INFO commandstats rejected_calls).").samples.append(
        (labels, fields["rejected_calls"]))
    family("commands_failed_calls_total", "counter", "Calls that answered an error "
           "(INFO commandstats failed_calls).").samples.append(
        (labels, fields["failed_calls"]))


def render(server):
    """The /metrics text."""
    out = []
    for f in families(server):
        out.append("# HELP %s %s\n" % (f.name, f.help.replace("\\", "\\\\").replace("\n", "\\n")))
        out.append("# TYPE %s %s\n" % (f.name, f.kind))
        for labels, value in f.samples:
            out.append("%s%s %s\n" % (f.name, labels, value))
    return "".join(out)


def _app(server):
    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found: the metrics are at /metrics\n"]
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [
                ("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")])
            return [b"Method not allowed\n"]
        body = render(server).encode("utf-8", "surrogateescape")
        start_response("200 OK", [("Content-Type", CONTENT_TYPE),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app


def _listen(word, port):
    """A listening gevent socket for one ``bind`` word, or None for an optional
    address this host does not have (as the Redis port treats ``-addr``)."""
    from gevent import socket
    from .server import _OPTIONAL_BIND_ERRORS
    host = {"*": "0.0.0.0", "::*": "::"}.get(word.lstrip("-"), word.lstrip("-"))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(_stdsocket.IPPROTO_IPV6, _stdsocket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if word.startswith("-") and e.errno in _OPTIONAL_BIND_ERRORS:
            return None
        raise
    return sock


def start(server):
    """Serve /metrics while the server runs (``metrics-port`` 0: nothing).

    Raises daemon.StartupError when a port cannot be bound; the server is
    stopped first. The listeners stop with the server (Server.stop kills its
    background greenlets, and serve_forever closes its socket on the way out).
    """
    port = getattr(server.config, "metrics_port", 0)
    if not port:
        return []
    import gevent
    from gevent.pywsgi import WSGIServer
    from .daemon import StartupError
    servers = []
    try:
        for word in server.config.bind:
            sock = _listen(word, port)
            if sock is not None:
                wsgi = WSGIServer(sock, _app(server), log=None, error_log=log)
                wsgi.start()
                servers.append(wsgi)
    except OSError as e:
        for wsgi in servers:
            wsgi.close()
        server.stop()
        raise StartupError("Could not create the metrics listening socket %s:%d: %s"
                           % (" ".join(server.config.bind), port, e.strerror or e))
    for wsgi in servers:
        server.background.append(gevent.spawn(wsgi.serve_forever))
    log.info("Metrics for Prometheus at http://%s:%d/metrics",
             server.config.bind[0].lstrip("-"), port)
    return servers
