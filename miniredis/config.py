"""Configuration: defaults, redis.conf-syntax files, command-line options, CONFIG GET/SET.

Owns: the table of parameters (name, type, default, whether CONFIG SET may
change it) and parsing/formatting of their values the way Redis does.
Must not touch: sockets, the keyspace. Parameters are read as attributes
(``config.proto_max_bulk_len``); changes made at run time call the hooks in
``Config.on_set`` so the server can apply them (e.g. a new requirepass).
"""

import errno
import os
import re
import sys

from . import errors, glob
from .datatypes import parse_float
from .protocol import split_inline, string2ll

_UNITS = {
    "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2, "g": 1000 ** 3, "gb": 1024 ** 3,
}


class ConfigError(Exception):
    pass


class ConfigFileError(ConfigError):
    """A directive that failed while loading, with where it was read."""

    def __init__(self, reason, lineno, line, source):
        ConfigError.__init__(self, reason)
        self.reason = reason
        self.lineno = lineno
        self.line = line
        self.source = source

    def __str__(self):
        return "%s:%d: '%s': %s" % (self.source, self.lineno, self.line, self.reason)


class ConfigOpenError(ConfigError):
    """The config file itself could not be read."""

    def __init__(self, path, reason):
        ConfigError.__init__(self, "can't open config file '%s': %s" % (path, reason))
        self.path = path
        self.reason = reason


def read_config_source(path):
    """Text of a config file; "-" reads standard input, as redis-server does."""
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "surrogateescape")
    except OSError as e:
        raise ConfigOpenError(path, e.strerror or str(e))


def _check_dir(path):
    """Redis chdir()s while reading "dir" and reports strerror; we only check."""
    if not os.path.exists(path):
        raise ConfigError(os.strerror(errno.ENOENT))
    if not os.path.isdir(path):
        raise ConfigError(os.strerror(errno.ENOTDIR))
    if not os.access(path, os.X_OK):
        raise ConfigError(os.strerror(errno.EACCES))


def _check_aof_name(name, v):
    # Redis' isValidAOFfilename / isValidAOFdirname.
    what = "filename" if name == "appendfilename" else "dirname"
    if not v:
        raise ConfigError("%s can't be empty" % name)
    if "/" in v or "\\" in v:
        raise ConfigError("%s can't be a path, just a %s" % (name, what))


def parse_memory(text):
    """'1gb' -> 1073741824, as Redis 7.0's memtoull: an unsigned 64-bit result.

    Leading digits, then an optional unit; '' and a bare unit mean 0; the
    number saturates and the unit multiplication wraps, as the C does.
    """
    t = text.lower()
    digits = len(t) - len(t.lstrip("0123456789"))
    num, unit = t[:digits], t[digits:]
    if unit == "" or unit == "b":
        mul = 1
    elif unit in _UNITS:
        mul = _UNITS[unit]
    else:
        raise ConfigError("argument must be a memory value")
    if digits >= 128:
        raise ConfigError("argument must be a memory value")
    val = min(int(num or "0"), _ULL_MAX)
    return (val * mul) & _ULL_MAX


_ULL_MAX = 2 ** 64 - 1


def _int(text):
    # Redis' string2ll: no blanks, no '+', no leading zeros, within 64 bits.
    v = string2ll(text.encode("utf-8", "surrogateescape"))
    if v is None:
        raise ConfigError("argument couldn't be parsed into an integer")
    return v


def _bool(text):
    t = text.lower()
    if t == "yes":
        return True
    if t == "no":
        return False
    raise ConfigError("argument must be 'yes' or 'no'")


class Param(object):
    __slots__ = ("name", "kind", "default", "mutable", "choices", "lo", "hi", "attr", "alias",
                 "protected", "unsigned", "check")

    def __init__(self, name, kind, default, mutable=True, choices=None, lo=None, hi=None,
                 alias=None, protected=False, unsigned=False, check=None):
        self.name = name
        self.kind = kind
        self.default = default
        self.mutable = mutable
        self.choices = choices
        self.lo = lo
        self.hi = hi
        self.attr = name.replace("-", "_")
        self.alias = alias
        # Redis 7.0 refuses CONFIG SET of "protected" parameters (dir, dbfilename)
        # unless enable-protected-configs allows it; we never do.
        self.protected = protected
        # Redis keeps some numbers in unsigned C types: a memory value of 2^63
        # or more is then in range, where a signed one reads it as negative.
        self.unsigned = unsigned
        # kind "words": fn(text) -> canonical text, raising ConfigError (Redis' check).
        self.check = check

    def parse(self, text):
        k = self.kind
        if k == "words":
            return self.check(text) if self.check else text
        if k == "int":
            v = _int(text)
        elif k == "memory":
            v = parse_memory(text)
            if not self.unsigned and v >= 2 ** 63:
                v -= 2 ** 64
        elif k == "bool":
            v = _bool(text)
        elif k == "save":
            v = _parse_save(text)
        elif k == "keyspace-events":
            # Kept as the set letters (with 'n' when given) for the notifier.
            flags = _parse_events(text)
            v = "".join(c for c in _EVENT_CLASSES + "KEm" if c in flags)
        elif k == "obuf-limit":
            v = parse_obuf_limits(text.split(" ") if text else [])
        elif k == "enum":
            v = text.lower()
            if v not in self.choices:
                raise ConfigError("argument(s) must be one of the following: " + ", ".join(self.choices))
        elif k == "list":
            v = text.split()
        else:
            v = text
            if self.name == "dbfilename" and ("/" in v or "\\" in v):
                raise ConfigError("dbfilename can't be a path, just a filename")
            if self.name in ("appendfilename", "appenddirname"):
                _check_aof_name(self.name, v)
        if k in ("int", "memory"):
            if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
                raise ConfigError("argument must be between %s and %s inclusive" % (self.lo, self.hi))
        return v

    def format(self, v):
        k = self.kind
        if k == "bool":
            return "yes" if v else "no"
        if k == "list":
            return " ".join(v)
        if k == "keyspace-events":
            return _format_events(set(v))
        if k == "obuf-limit":
            return " ".join("%s %d %d %d" % ((name,) + tuple(v[name])) for name in OBUF_CLASSES)
        if v is None:
            return ""
        if self.name == "dir":
            return v or os.getcwd()   # Redis answers its working directory
        return str(v)


PARAMS = [
    Param("bind", "list", ["127.0.0.1"]),
    Param("port", "int", 6379, lo=0, hi=65535),
    Param("requirepass", "string", ""),
    Param("databases", "int", 16, mutable=False, lo=1, hi=2 ** 31 - 1),
    Param("daemonize", "bool", False, mutable=False),
    Param("pidfile", "string", "", mutable=False),
    Param("logfile", "string", "", mutable=False),
    Param("loglevel", "enum", "notice", choices=("debug", "verbose", "notice", "warning")),
    Param("dir", "string", "", protected=True),
    # Whether CONFIG SET may change dir and dbfilename: "local" allows loopback clients.
    Param("enable-protected-configs", "enum", "no", mutable=False, choices=("no", "yes", "local")),
    Param("maxclients", "int", 10000, lo=1, hi=2 ** 32 - 1),
    Param("timeout", "int", 0, lo=0, hi=2 ** 31 - 1),
    Param("tcp-keepalive", "int", 300, lo=0, hi=2 ** 31 - 1),
    Param("tcp-backlog", "int", 511, mutable=False, lo=0, hi=2 ** 31 - 1),
    Param("protected-mode", "bool", True),
    Param("proto-max-bulk-len", "memory", 512 * 1024 * 1024, lo=1024 * 1024, hi=2 ** 63 - 1),
    Param("client-query-buffer-limit", "memory", 1024 * 1024 * 1024, lo=1024 * 1024, hi=2 ** 63 - 1),
    Param("hz", "int", 10, lo=0, hi=2 ** 31 - 1),
    Param("save", "save", "3600 1 300 100 60 10000"),
    Param("appendonly", "bool", False),
    Param("appendfsync", "enum", "everysec", choices=("everysec", "always", "no")),
    Param("appendfilename", "string", "appendonly.aof", mutable=False),
    Param("appenddirname", "string", "appendonlydir", mutable=False),
    Param("dbfilename", "string", "dump.rdb", protected=True),
    Param("maxmemory", "memory", 0, lo=0, hi=2 ** 64 - 1, unsigned=True),
    Param("maxmemory-policy", "enum", "noeviction", choices=(
        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
        "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")),
    Param("maxmemory-samples", "int", 5, lo=1, hi=2 ** 31 - 1),
    Param("notify-keyspace-events", "keyspace-events", ""),
    # {"normal"|"slave"|"pubsub": (hard bytes, soft bytes, soft seconds)}; CONFIG SET
    # of some classes keeps the others (see merge in Config).
    Param("client-output-buffer-limit", "obuf-limit", {
        "normal": (0, 0, 0), "slave": (256 * 1024 * 1024, 64 * 1024 * 1024, 60),
        "pubsub": (32 * 1024 * 1024, 8 * 1024 * 1024, 60)}),
    Param("slowlog-log-slower-than", "int", 10000, lo=-1, hi=2 ** 63 - 1),
    Param("slowlog-max-len", "int", 128, lo=0, hi=2 ** 63 - 1),
    Param("latency-monitor-threshold", "int", 0, lo=0, hi=2 ** 63 - 1),
    Param("busy-reply-threshold", "int", 5000, lo=0, hi=2 ** 63 - 1, alias="lua-time-limit"),
    Param("active-expire-effort", "int", 1, lo=1, hi=10),
    Param("lazyfree-lazy-user-del", "bool", False),
    Param("lazyfree-lazy-user-flush", "bool", False),
    Param("activerehashing", "bool", True),
    Param("hash-max-listpack-entries", "int", 512, lo=0, hi=2 ** 63 - 1, alias="hash-max-ziplist-entries"),
    Param("hash-max-listpack-value", "int", 64, lo=0, hi=2 ** 63 - 1, alias="hash-max-ziplist-value"),
    Param("list-max-listpack-size", "int", -2, lo=-2 ** 31, hi=2 ** 31 - 1, alias="list-max-ziplist-size"),
    Param("set-max-intset-entries", "int", 512, lo=0, hi=2 ** 63 - 1),
    Param("zset-max-listpack-entries", "int", 128, lo=0, hi=2 ** 63 - 1, alias="zset-max-ziplist-entries"),
    Param("zset-max-listpack-value", "int", 64, lo=0, hi=2 ** 63 - 1, alias="zset-max-ziplist-value"),
    Param("supervised", "enum", "no", mutable=False, choices=("upstart", "systemd", "auto", "no")),
    # Redis' default is "no"; we default to "local" so that DEBUG SLEEP and
    # DEBUG SET-ACTIVE-EXPIRE work for tests on the loopback interface.
    Param("enable-debug-command", "enum", "local", mutable=False, choices=("no", "yes", "local")),
    # Tunables Redis 7.0 accepts whose effect is internal to Redis (memory
    # layout, background machinery): kept so CONFIG GET/SET/REWRITE answer
    # with Redis' names, defaults and ranges.
    Param("lazyfree-lazy-eviction", "bool", False),
    Param("lazyfree-lazy-expire", "bool", False),
    Param("lazyfree-lazy-server-del", "bool", False),
    Param("replica-lazy-flush", "bool", False, alias="slave-lazy-flush"),
    Param("lfu-log-factor", "int", 10, lo=0, hi=2 ** 31 - 1),
    Param("lfu-decay-time", "int", 1, lo=0, hi=2 ** 31 - 1),
    Param("list-compress-depth", "int", 0, lo=0, hi=2 ** 31 - 1),
    Param("hll-sparse-max-bytes", "memory", 3000, lo=0, hi=2 ** 63 - 1, unsigned=True),
    Param("stream-node-max-bytes", "memory", 4096, lo=0, hi=2 ** 63 - 1, unsigned=True),
    Param("stream-node-max-entries", "int", 100, lo=0, hi=2 ** 63 - 1),
    Param("maxmemory-eviction-tenacity", "int", 10, lo=0, hi=100),
    Param("acllog-max-len", "int", 128, lo=0, hi=2 ** 63 - 1),
    Param("aclfile", "string", "", mutable=False),   # users: miniredis/acl.py
    Param("acl-pubsub-default", "enum", "resetchannels", choices=("allchannels", "resetchannels")),
    Param("tracking-table-max-keys", "int", 1000000, lo=0, hi=2 ** 63 - 1),
    Param("repl-backlog-size", "memory", 1024 * 1024, lo=1, hi=2 ** 63 - 1),
    Param("stop-writes-on-bgsave-error", "bool", True),
    Param("rdbcompression", "bool", True),
    Param("rdbchecksum", "bool", True, mutable=False),
    Param("aof-use-rdb-preamble", "bool", True),
    Param("aof-load-truncated", "bool", True),
    Param("aof-timestamp-enabled", "bool", False),
    Param("no-appendfsync-on-rewrite", "bool", False),
    Param("auto-aof-rewrite-percentage", "int", 100, lo=0, hi=2 ** 31 - 1),
    Param("auto-aof-rewrite-min-size", "memory", 64 * 1024 * 1024, lo=0, hi=2 ** 63 - 1),
    Param("dynamic-hz", "bool", True),
    Param("latency-tracking", "bool", True),
    Param("shutdown-timeout", "int", 10, lo=0, hi=2 ** 31 - 1),
    Param("sanitize-dump-payload", "enum", "no", choices=("no", "yes", "clients")),
    Param("io-threads", "int", 1, mutable=False, lo=1, hi=128),
    Param("cluster-enabled", "bool", False, mutable=False),
]


def _parse_save(text):
    """'3600 1 300 100' -> the canonical text, validated as Redis 7.0's CONFIG SET save.

    Words are split on single spaces (so a doubled or edge space makes an
    empty, invalid word); each is read like strtoll, seconds >= 1 and
    changes >= 0; the value kept is reprinted from the numbers.
    """
    if not text:
        return ""
    words = text.split(" ")
    if len(words) % 2:
        raise ConfigError("Invalid save parameters")
    nums = []
    for i, w in enumerate(words):
        m = _STRTOLL.match(w)
        if m is None or m.end() != len(w):
            raise ConfigError("Invalid save parameters")
        v = max(-2 ** 63, min(2 ** 63 - 1, int(w)))
        if v < (1 if i % 2 == 0 else 0):
            raise ConfigError("Invalid save parameters")
        nums.append(v)
    return " ".join("%d %d" % (sec, _c_int(chg)) for sec, chg in zip(nums[0::2], nums[1::2]))


# What strtoll accepts whole: optional blanks, a sign, digits.
_STRTOLL = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def _c_int(v):
    """The change count is a C int in Redis' save parameters."""
    v &= 0xFFFFFFFF
    return v - 2 ** 32 if v >= 2 ** 31 else v


# client-output-buffer-limit classes in the order Redis prints them; replica = slave.
OBUF_CLASSES = ("normal", "slave", "pubsub")
_OBUF_NAMES = {"normal": "normal", "slave": "slave", "replica": "slave", "pubsub": "pubsub"}


def parse_obuf_limits(words):
    """<class> <hard> <soft> <soft-seconds> groups -> {class: (hard, soft, seconds)}.

    As Redis 7.0: sizes are memory values; seconds are read like strtoll
    (blanks, a sign, digits; nothing is 0), kept in a C int and refused
    when that int is negative.
    """
    if len(words) % 4:
        raise ConfigError(errors.OBUF_WRONG_ARGS)
    out = {}
    for i in range(0, len(words), 4):
        name = _OBUF_NAMES.get(words[i].lower())
        if name is None:
            raise ConfigError(errors.OBUF_BAD_CLASS)
        try:
            hard = parse_memory(words[i + 1])
            soft = parse_memory(words[i + 2])
        except ConfigError:
            raise ConfigError(errors.OBUF_BAD_VALUE)
        secs = words[i + 3]
        m = _STRTOLL.match(secs)
        if m is None:
            if secs.strip(" \t\n\v\f\r"):
                raise ConfigError(errors.OBUF_BAD_VALUE)
            seconds = 0
        elif m.end() != len(secs):
            raise ConfigError(errors.OBUF_BAD_VALUE)
        else:
            seconds = _c_int(max(-2 ** 63, min(2 ** 63 - 1, int(secs))))
        if seconds < 0:
            raise ConfigError(errors.OBUF_BAD_VALUE)
        out[name] = (hard, soft, seconds)
    return out


def _merge_obuf(current, update):
    merged = dict(current)
    merged.update(update)
    return merged


# notify-keyspace-events classes in the order Redis prints them; A is g$lshzxetd.
_EVENT_CLASSES = "g$lshzxetdn"
_EVENT_ALL = "g$lshzxetd"


def _parse_events(text):
    """Set of class letters, as Redis' keyspaceEventsStringToFlags."""
    flags = set()
    for c in text:
        if c == "A":
            flags.update(_EVENT_ALL)
        elif c in _EVENT_CLASSES or c in "KEm":
            flags.add(c)
        else:
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    return flags


def _format_events(flags):
    """Canonical text, as Redis' keyspaceEventsFlagsToString: 'A' when all classes are set."""
    if set(_EVENT_ALL) <= flags:
        out = "A"  # Redis prints no 'n' after 'A', though the class stays set
    else:
        out = "".join(c for c in _EVENT_CLASSES if c in flags)
    return out + "".join(c for c in "KEm" if c in flags)


# --- Directives of Redis 7.0's redis.conf that are accepted with no effect ----------
# (Task Q4.) They exist so a stock redis.conf, `--name value` and CONFIG GET/SET
# behave as in Redis 7.0 (names, defaults, ranges, errors); miniredis has no
# such machinery (replication, cluster, TLS, modules, allocator, syslog ...).
# The start-up log names every one of them the configuration sets, and
# NO_EFFECT below is the list the README gives.

def _words_check(n, each):
    def check(text):
        words = text.split()
        if len(words) != n:
            raise ConfigError("wrong number of arguments")
        return " ".join(each(w) for w in words)
    return check


def _oom_value(w):
    v = _int(w)
    if not -2000 <= v <= 2000:
        raise ConfigError("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
    return str(v)


def _replicaof(text):
    words = text.split()
    if len(words) != 2:
        raise ConfigError("wrong number of arguments")
    if [w.lower() for w in words] == ["no", "one"]:
        return ""
    port = string2ll(words[1].encode("utf-8", "surrogateescape"))
    if port is None or not 0 <= port <= 65535:
        raise ConfigError("Invalid master port")
    return "%s %d" % (words[0], port)


class Percentiles(str):
    """latency-tracking-info-percentiles as CONFIG GET shows it ("%f", trimmed), with
    the doubles as given in ``values``: INFO latencystats computes with those."""
    values = ()


def _percentiles(text):
    # As Redis: words split on single spaces, each a strtod double (hex, inf
    # accepted; nan, blanks refused) within [0, 100].
    out, values = [], []
    for w in (text.split(" ") if text else []):
        try:
            v = parse_float(w.encode("utf-8", "surrogateescape"))
        except errors.CommandError:
            raise ConfigError("Invalid latency-tracking-info-percentiles parameters")
        if v < 0.0 or v > 100.0:
            raise ConfigError("latency-tracking-info-percentiles parameters should sit "
                              "between [0.0,100.0]")
        out.append(("%f" % v).rstrip("0").rstrip("."))
        values.append(v)
    p = Percentiles(" ".join(out))
    p.values = tuple(values)
    return p


_SHUTDOWN_FLAGS = ("default", "save", "nosave", "now", "force")


def _shutdown_flags(text):
    words = [w.lower() for w in text.split()]
    if not words or any(w not in _SHUTDOWN_FLAGS for w in words):
        raise ConfigError("argument(s) must be one of the following: " + ", ".join(_SHUTDOWN_FLAGS))
    return " ".join(w for w in _SHUTDOWN_FLAGS if w in words)


def _maxmemory_clients(text):
    if text.endswith("%"):
        v = _int(text[:-1])
        if not 0 <= v <= 100:
            raise ConfigError("argument must be between 0 and 100 inclusive")
        return "%d%%" % v
    return str(parse_memory(text))


def _octal(text):
    try:
        v = int(text, 8)
    except ValueError:
        raise ConfigError("argument couldn't be parsed into an integer")
    if not 0 <= v <= 0o777:
        raise ConfigError("argument must be between 0 and 511 inclusive")
    return "%o" % v


def _activedefrag(text):
    # As a Redis built without its own jemalloc (Debian's): "yes" is refused.
    if _bool(text):
        raise ConfigError(errors.ACTIVEDEFRAG_UNSUPPORTED)
    return "no"


_INT_MAX, _LONG_MAX = 2 ** 31 - 1, 2 ** 63 - 1


def _b(name, default, mutable=True, alias=None):
    return Param(name, "bool", default, mutable=mutable, alias=alias)


def _i(name, default, lo, hi, mutable=True, alias=None):
    return Param(name, "int", default, mutable=mutable, lo=lo, hi=hi, alias=alias)


def _s(name, mutable=True, default="", alias=None):
    return Param(name, "string", default, mutable=mutable, alias=alias)


def _w(name, default, check, mutable=True, alias=None):
    return Param(name, "words", default, mutable=mutable, alias=alias, check=check)


NO_EFFECT_PARAMS = [
    # Process, logging and memory allocator.
    _b("always-show-logo", False, mutable=False),
    _b("set-proc-title", True, mutable=False),
    _s("proc-title-template", default="{title} {listen-addr} {server-mode}"),
    _b("syslog-enabled", False, mutable=False),
    _s("syslog-ident", mutable=False, default="redis"),
    Param("syslog-facility", "enum", "local0", mutable=False, choices=(
        "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")),
    _b("crash-log-enabled", True),
    _b("crash-memcheck-enabled", True),
    _b("disable-thp", True, mutable=False),
    _b("jemalloc-bg-thread", True),
    Param("oom-score-adj", "enum", "no", choices=("no", "yes", "relative", "absolute")),
    _w("oom-score-adj-values", "0 200 800", _words_check(3, _oom_value)),
    _s("ignore-warnings"),
    _s("server_cpulist", mutable=False), _s("bio_cpulist", mutable=False),
    _s("aof_rewrite_cpulist", mutable=False), _s("bgsave_cpulist", mutable=False),
    _b("io-threads-do-reads", False, mutable=False),
    _w("activedefrag", "no", _activedefrag),
    _i("active-defrag-cycle-min", 1, 1, 99),
    _i("active-defrag-cycle-max", 25, 1, 99),
    _i("active-defrag-threshold-lower", 10, 0, 1000),
    _i("active-defrag-threshold-upper", 100, 0, 1000),
    _i("active-defrag-max-scan-fields", 1000, 1, _LONG_MAX),
    Param("active-defrag-ignore-bytes", "memory", 100 * 1024 * 1024, lo=1, hi=_LONG_MAX),
    _w("maxmemory-clients", "0", _maxmemory_clients),
    _w("shutdown-on-sigint", "default", _shutdown_flags),
    _w("shutdown-on-sigterm", "default", _shutdown_flags),
    Param("enable-module-command", "enum", "no", mutable=False, choices=("no", "yes", "local")),
    # Networking miniredis does not offer.
    _s("unixsocket", mutable=False),
    _w("unixsocketperm", "0", _octal, mutable=False),
    _i("socket-mark-id", 0, 0, 2 ** 32 - 1),
    _s("bind-source-addr"),
    _i("tls-port", 0, 0, 65535),
    _s("tls-cert-file"), _s("tls-key-file"), _s("tls-key-file-pass"),
    _s("tls-client-cert-file"), _s("tls-client-key-file"), _s("tls-client-key-file-pass"),
    _s("tls-dh-params-file"), _s("tls-ca-cert-file"), _s("tls-ca-cert-dir"),
    _s("tls-protocols"), _s("tls-ciphers"), _s("tls-ciphersuites"),
    Param("tls-auth-clients", "enum", "yes", choices=("no", "yes", "optional")),
    _b("tls-replication", False), _b("tls-cluster", False),
    _b("tls-prefer-server-ciphers", False), _b("tls-session-caching", True),
    _i("tls-session-cache-size", 20480, 0, _INT_MAX),
    _i("tls-session-cache-timeout", 300, 0, _INT_MAX),
    # Replication.
    _w("replicaof", "", _replicaof, alias="slaveof"),
    _s("masteruser"), _s("masterauth"),
    _b("replica-serve-stale-data", True, alias="slave-serve-stale-data"),
    _b("replica-read-only", True, alias="slave-read-only"),
    _b("repl-diskless-sync", True),
    _i("repl-diskless-sync-delay", 5, 0, _INT_MAX),
    _i("repl-diskless-sync-max-replicas", 0, 0, _INT_MAX),
    Param("repl-diskless-load", "enum", "disabled", choices=("disabled", "on-empty-db", "swapdb")),
    _i("repl-ping-replica-period", 10, 1, _INT_MAX, alias="repl-ping-slave-period"),
    _i("repl-timeout", 60, 1, _INT_MAX),
    _b("repl-disable-tcp-nodelay", False),
    _i("repl-backlog-ttl", 3600, 0, _LONG_MAX),
    _i("replica-priority", 100, 0, _INT_MAX, alias="slave-priority"),
    _b("replica-announced", True),
    _i("min-replicas-to-write", 0, 0, _INT_MAX, alias="min-slaves-to-write"),
    _i("min-replicas-max-lag", 10, 0, _INT_MAX, alias="min-slaves-max-lag"),
    _s("replica-announce-ip", alias="slave-announce-ip"),
    _i("replica-announce-port", 0, 0, 65535, alias="slave-announce-port"),
    _b("replica-ignore-maxmemory", True, alias="slave-ignore-maxmemory"),
    _b("replica-ignore-disk-write-errors", False),
    Param("propagation-error-behavior", "enum", "ignore",
          choices=("ignore", "panic", "panic-on-replicas")),
    _b("rdb-del-sync-files", False),
    # Persistence tunables about how Redis writes its files.
    _b("rdb-save-incremental-fsync", True),
    _b("aof-rewrite-incremental-fsync", True),
    _b("aof-disable-auto-gc", False),
    # Cluster.
    _s("cluster-config-file", mutable=False, default="nodes.conf"),
    _i("cluster-port", 0, 0, 65535, mutable=False),
    _i("cluster-node-timeout", 15000, 0, _LONG_MAX),
    _i("cluster-replica-validity-factor", 10, 0, _INT_MAX, alias="cluster-slave-validity-factor"),
    _i("cluster-migration-barrier", 1, 0, _INT_MAX),
    _b("cluster-allow-replica-migration", True),
    _b("cluster-require-full-coverage", True),
    _b("cluster-replica-no-failover", False, alias="cluster-slave-no-failover"),
    _b("cluster-allow-reads-when-down", False),
    _b("cluster-allow-pubsubshard-when-down", True),
    Param("cluster-link-sendbuf-limit", "memory", 0, lo=0, hi=_LONG_MAX),
    _s("cluster-announce-ip"), _s("cluster-announce-hostname"),
    _i("cluster-announce-port", 0, 0, 65535),
    _i("cluster-announce-bus-port", 0, 0, 65535),
    _i("cluster-announce-tls-port", 0, 0, 65535),
    Param("cluster-preferred-endpoint-type", "enum", "ip",
          choices=("ip", "hostname", "unknown-endpoint")),
    # ACL: kept here only until the ACL task defines them (a definition in
    # PARAMS wins, see below).
    _s("aclfile", mutable=False),
    Param("acl-pubsub-default", "enum", "resetchannels", choices=("allchannels", "resetchannels")),
]

# Config-file-only directives (not CONFIG parameters): name -> argument count
# (negative: at least that many). Accepted with a warning.
_FILE_ONLY = {"rename-command": 2, "loadmodule": -1}

# Parameters of the main table that miniredis accepts but whose machinery it does not have.
_NO_EFFECT_MAIN = (
    "active-expire-effort", "activerehashing", "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del", "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush",
    "replica-lazy-flush", "list-compress-depth", "dynamic-hz",
    "shutdown-timeout", "io-threads", "cluster-enabled", "sanitize-dump-payload",
)

# Working here (INFO latencystats, miniredis/latencyhist.py), so not among the no-effect ones.
PARAMS.append(_w("latency-tracking-info-percentiles", "50 99 99.9", _percentiles))
# What the master side of replication uses (miniredis/replication.py): working,
# so not among the no-effect ones.
_REPLICATION_WORKING = (
    "repl-diskless-sync", "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period", "repl-timeout", "repl-backlog-ttl",
    "min-replicas-to-write", "min-replicas-max-lag",
    # ... and the replica side (miniredis/replica_link.py).
    "replicaof", "masterauth", "masteruser", "replica-read-only", "replica-announce-ip",
    "replica-announce-port", "replica-priority", "replica-announced", "replica-serve-stale-data",
)
PARAMS.extend(p for p in NO_EFFECT_PARAMS if p.name in _REPLICATION_WORKING)
_defined = set(p.name for p in PARAMS)
PARAMS.extend(p for p in NO_EFFECT_PARAMS if p.name not in _defined)
NO_EFFECT = frozenset(_NO_EFFECT_MAIN) | frozenset(
    p.name for p in NO_EFFECT_PARAMS if p.name not in _defined) | frozenset(_FILE_ONLY)
del _defined


def no_effect_given(config):
    """Names of no-effect directives the configuration set, in first-seen order."""
    seen = []
    for name in config.given:
        if name in NO_EFFECT and name not in seen:
            seen.append(name)
    return seen


# miniredis-only directives: read from the config file and as --name value, kept by
# CONFIG REWRITE, but not CONFIG parameters (CONFIG GET * stays Redis 7.0's).
EXTENSION_PARAMS = [
    # GET /metrics in Prometheus' text format on this port; 0 = off (miniredis/metrics.py).
    Param("metrics-port", "int", 0, mutable=False, lo=0, hi=65535),
]
EXTENSIONS = {p.name: p for p in EXTENSION_PARAMS}

BY_NAME = {}
for _p in PARAMS:
    BY_NAME[_p.name] = _p
    if _p.alias:
        BY_NAME[_p.alias] = _p


class Config(object):
    def __init__(self):
        self.on_set = []   # fn(name, value) after a successful run-time change
        # name -> fn(value) applying a CONFIG SET to live state; may raise ConfigError,
        # which makes the whole CONFIG SET fail and be rolled back (port, bind).
        self.appliers = {}
        self.config_file = None
        self.given = []   # directive names read from the file / command line, in order
        self.acl_users = []   # 'user' directives: [name, rule, ...] as bytes (miniredis/acl.py)
        for p in PARAMS + EXTENSION_PARAMS:
            v = p.default
            setattr(self, p.attr, list(v) if isinstance(v, list) else v)

    # --- loading (redis.conf syntax; the CLI turns --options into lines) ------
    def set_from_text(self, name, args):
        """Apply one directive (config file line or --option): name plus its words."""
        if name.lower() == "user":
            self._user_directive(args)
            return
        p = BY_NAME.get(name.lower()) or EXTENSIONS.get(name.lower())
        if p is None:
            n = _FILE_ONLY.get(name.lower())
            if n is None or (len(args) != n if n > 0 else len(args) < -n):
                raise ConfigError("Bad directive or wrong number of arguments")
            self.given.append(name.lower())
            return
        self.given.append(p.name)
        if p.kind == "list":
            value = list(args)
        elif p.kind == "words":
            value = p.parse(" ".join(args))
        elif p.kind == "obuf-limit":
            # One word holding several is split on spaces, as Redis does for
            # its multi-argument directives.
            words = args[0].split(" ") if len(args) == 1 else list(args)
            value = _merge_obuf(getattr(self, p.attr), parse_obuf_limits(words))
        elif p.kind == "save":
            value = self._save_from_words(p, args)
        else:
            if len(args) != 1:
                raise ConfigError("wrong number of arguments")
            value = p.parse(args[0])
            if p.name == "dir":
                _check_dir(value)
        setattr(self, p.attr, value)

    def _user_directive(self, args):
        # 'user <name> <rules...>' (Redis' ACL users in redis.conf): checked now, applied
        # by miniredis/acl.py when the server starts.
        from .acl import RuleError, User, split_rules
        words = [a.encode("utf-8", "surrogateescape") for a in args]
        if not words:
            raise ConfigError("Bad directive or wrong number of arguments")
        try:
            u = User(words[0])
            for op in split_rules(words[1:]):
                u.apply(op)
        except RuleError as e:
            raise ConfigError("Error in user declaration '%s': %s" % (args[0], e))
        self.given.append("user")
        self.acl_users.append(words)

    def _save_from_words(self, p, args):
        # As in Redis 7.0: the first "save" read replaces the default, later
        # ones add their pairs, and save "" clears the list.
        text = p.parse(" ".join(args))
        seen = getattr(self, "_save_seen", False)
        self._save_seen = True
        if not seen or not text:
            return text
        return (self.save + " " + text).strip()

    def load_file(self, path):
        """Load a whole config file; it becomes the file CONFIG REWRITE writes."""
        text = read_config_source(path)
        self.config_file = os.path.abspath(path) if path != "-" else None
        self.load_text(text, path)

    def load_text(self, text, source="<config>"):
        """Apply redis.conf-syntax text; ConfigFileError says which line failed."""
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip(" \t\r\n")
            if not line or line.startswith("#"):
                continue
            words = split_inline(line.encode())
            if words is None:
                raise ConfigFileError("Unbalanced quotes in configuration line", lineno, line, source)
            if not words:
                continue
            words = [w.decode("utf-8", "surrogateescape") for w in words]
            try:
                if words[0].lower() == "include":
                    self._include(words[1:])
                else:
                    self.set_from_text(words[0], words[1:])
            except ConfigFileError:
                raise   # an included file's own line is the one to report
            except ConfigError as e:
                raise ConfigFileError(str(e), lineno, line, source)

    def _include(self, paths):
        if len(paths) != 1:
            raise ConfigError("wrong number of arguments")
        self.load_text(read_config_source(paths[0]), paths[0])

    # --- CONFIG GET / SET / REWRITE ---------------------------------------------
    def get_matching(self, pattern):
        """[(name, text)] for CONFIG GET <pattern>, as Redis 7.0.

        A pattern without glob characters is a lookup whose reply echoes the
        name as given (case kept); a glob matches names and aliases alike,
        ignoring case, and answers with the name it matched.
        """
        if not any(c in pattern for c in "[*?"):
            p = BY_NAME.get(pattern.lower())
            return [(pattern, p.format(getattr(self, p.attr)))] if p else []
        pat = pattern.encode("utf-8", "surrogateescape")
        return [(name, p.format(getattr(self, p.attr))) for name, p in BY_NAME.items()
                if glob.match(pat, name.encode(), nocase=True)]

    def set_many(self, pairs, local=False):
        """CONFIG SET name value [name value ...]: all or nothing.

        Raises ConfigUnknown(name) or ConfigSetFailed(name, reason). Names are
        checked first (the first problem wins, as in Redis), then every value
        is parsed, and only then is anything assigned. ``local``: the client is
        on the loopback interface (enable-protected-configs local).
        """
        allow_protected = self.enable_protected_configs == "yes" or (
            self.enable_protected_configs == "local" and local)
        chosen = []
        seen = set()
        for name, _ in pairs:
            key = name.lower()
            p = BY_NAME.get(key)
            if p is None:
                raise ConfigUnknown(name)
            if not p.mutable:
                raise ConfigSetFailed(name, "can't set immutable config")
            if p.protected and not allow_protected:
                raise ConfigSetFailed(name, "can't set protected config")
            # An alias and its parameter count as two names, as in Redis 7.0.
            if key in seen:
                raise ConfigSetFailed(name, "duplicate parameter")
            seen.add(key)
            chosen.append((key, p))
        values = []
        for (key, p), (_, text) in zip(chosen, pairs):
            try:
                values.append(p.parse(text))
                if p.name == "dir":
                    _check_dir(text)
            except ConfigError as e:
                raise ConfigSetFailed(key, str(e))
        backup = [(p, getattr(self, p.attr)) for key, p in chosen]
        for (key, p), v in zip(chosen, values):
            if p.name == "hz":
                v = max(1, min(500, v))  # Redis clamps hz to [1, 500] when applying
            elif p.kind == "obuf-limit":
                v = _merge_obuf(getattr(self, p.attr), v)
            elif p.name == "dir":
                # As Redis: the server changes its working directory (checked above).
                os.chdir(v)
                v = os.getcwd()
            setattr(self, p.attr, v)
        self._apply_all(chosen, backup)
        for (key, p), v in zip(chosen, values):
            for hook in self.on_set:
                hook(p.name, getattr(self, p.attr))

    def _apply_all(self, chosen, backup):
        """Run the appliers of the changed parameters; on a failure restore them all.

        As Redis 7.0's CONFIG SET: the values are put back, the appliers that
        ran are run again with the old values, and the failure names the
        parameter whose applier failed (its canonical name).
        """
        done = []
        for key, p in chosen:
            fn = self.appliers.get(p.name)
            if fn is None or p in done:
                continue
            try:
                fn(getattr(self, p.attr))
            except ConfigError as e:
                self._restore(backup, done + [p])
                raise ConfigSetFailed(p.name, str(e))
            done.append(p)

    def _restore(self, backup, applied):
        for p, v in backup:
            if p.name == "dir" and v:
                os.chdir(v)
            setattr(self, p.attr, v)
        for p in applied:
            try:
                self.appliers[p.name](getattr(self, p.attr))
            except ConfigError:
                pass   # Redis logs and goes on: the old value could not come back either

    def set_runtime(self, name, text):
        """Change one parameter at run time; returns its canonical name."""
        self.set_many([(name, text)])
        return BY_NAME[name.lower()].name

    def rewrite(self, user_lines=()):
        """CONFIG REWRITE, as Redis 7.0 (miniredis/config_rewrite.py); ``user_lines``:
        the ACL users' ``user ...`` lines (none when an aclfile holds them)."""
        from .config_rewrite import rewrite
        rewrite(self, user_lines)


class ConfigUnknown(Exception):
    """CONFIG SET of a name that is not a parameter."""


class ConfigSetFailed(Exception):
    """CONFIG SET refused; args are (name as reported, reason)."""
