"""Configuration: defaults, redis.conf-syntax files, command-line options, CONFIG GET/SET.

Owns: the table of parameters (name, type, default, whether CONFIG SET may
change it) and parsing/formatting of their values the way Redis does.
Must not touch: sockets, the keyspace. Parameters are read as attributes
(``config.proto_max_bulk_len``); changes made at run time call the hooks in
``Config.on_set`` so the server can apply them (e.g. a new requirepass).
"""

import fnmatch
import os

from .protocol import split_inline

_UNITS = {
    "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2, "g": 1000 ** 3, "gb": 1024 ** 3,
}


class ConfigError(Exception):
    pass


def parse_memory(text):
    """'1gb' -> 1073741824, as Redis' memtoull."""
    t = text.strip().lower()
    for suffix in ("kb", "mb", "gb", "k", "m", "g", "b"):
        if t.endswith(suffix) and t[:-len(suffix)]:
            num = t[:-len(suffix)]
            mul = 1 if suffix == "b" else _UNITS[suffix]
            break
    else:
        num, mul = t, 1
    if not num.isdigit():
        raise ConfigError("argument must be a memory value")
    return int(num) * mul


def _int(text):
    try:
        v = int(text)
    except ValueError:
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
    __slots__ = ("name", "kind", "default", "mutable", "choices", "lo", "hi", "attr", "alias")

    def __init__(self, name, kind, default, mutable=True, choices=None, lo=None, hi=None,
                 alias=None):
        self.name = name
        self.kind = kind
        self.default = default
        self.mutable = mutable
        self.choices = choices
        self.lo = lo
        self.hi = hi
        self.attr = name.replace("-", "_")
        self.alias = alias

    def parse(self, text):
        k = self.kind
        if k == "int":
            v = _int(text)
        elif k == "memory":
            v = parse_memory(text)
        elif k == "bool":
            v = _bool(text)
        elif k == "enum":
            v = text.lower()
            if v not in self.choices:
                raise ConfigError("argument(s) must be one of the following: " + ", ".join(self.choices))
        elif k == "list":
            v = text.split()
        else:
            v = text
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
        if v is None:
            return ""
        return str(v)


PARAMS = [
    Param("bind", "list", ["127.0.0.1"], mutable=False),
    Param("port", "int", 6379, mutable=False, lo=0, hi=65535),
    Param("requirepass", "string", ""),
    Param("databases", "int", 16, mutable=False, lo=1, hi=2 ** 31 - 1),
    Param("daemonize", "bool", False, mutable=False),
    Param("pidfile", "string", "", mutable=False),
    Param("logfile", "string", "", mutable=False),
    Param("loglevel", "enum", "notice", choices=("debug", "verbose", "notice", "warning", "nothing")),
    Param("dir", "string", "", mutable=True),
    Param("maxclients", "int", 10000, lo=1, hi=2 ** 31 - 1),
    Param("timeout", "int", 0, lo=0, hi=2 ** 31 - 1),
    Param("tcp-keepalive", "int", 300, lo=0, hi=2 ** 31 - 1),
    Param("tcp-backlog", "int", 511, mutable=False, lo=0, hi=2 ** 31 - 1),
    Param("protected-mode", "bool", True),
    Param("proto-max-bulk-len", "memory", 512 * 1024 * 1024, lo=1024 * 1024, hi=2 ** 63 - 1),
    Param("client-query-buffer-limit", "memory", 1024 * 1024 * 1024, lo=1024 * 1024, hi=2 ** 63 - 1),
    Param("hz", "int", 10, lo=0, hi=2 ** 31 - 1),
    Param("save", "string", "3600 1 300 100 60 10000"),
    Param("appendonly", "bool", False),
    Param("appendfsync", "enum", "everysec", choices=("always", "everysec", "no")),
    Param("appendfilename", "string", "appendonly.aof", mutable=False),
    Param("appenddirname", "string", "appendonlydir", mutable=False),
    Param("dbfilename", "string", "dump.rdb"),
    Param("maxmemory", "memory", 0, lo=0, hi=2 ** 63 - 1),
    Param("maxmemory-policy", "enum", "noeviction", choices=(
        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
        "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction")),
    Param("maxmemory-samples", "int", 5, lo=1, hi=2 ** 31 - 1),
    Param("notify-keyspace-events", "string", ""),
    Param("slowlog-log-slower-than", "int", 10000, lo=-1, hi=2 ** 63 - 1),
    Param("slowlog-max-len", "int", 128, lo=0, hi=2 ** 63 - 1),
    Param("latency-monitor-threshold", "int", 0, lo=0, hi=2 ** 63 - 1),
    Param("busy-reply-threshold", "int", 5000, lo=0, hi=2 ** 63 - 1, alias="lua-time-limit"),
    Param("active-expire-effort", "int", 1, lo=1, hi=10),
    Param("lazyfree-lazy-user-del", "bool", False),
    Param("lazyfree-lazy-user-flush", "bool", False),
    Param("activerehashing", "bool", True),
    Param("hash-max-listpack-entries", "int", 128, lo=0, hi=2 ** 63 - 1, alias="hash-max-ziplist-entries"),
    Param("hash-max-listpack-value", "int", 64, lo=0, hi=2 ** 63 - 1, alias="hash-max-ziplist-value"),
    Param("list-max-listpack-size", "int", -2, lo=-5, hi=2 ** 31 - 1, alias="list-max-ziplist-size"),
    Param("set-max-intset-entries", "int", 512, lo=0, hi=2 ** 63 - 1),
    Param("zset-max-listpack-entries", "int", 128, lo=0, hi=2 ** 63 - 1, alias="zset-max-ziplist-entries"),
    Param("zset-max-listpack-value", "int", 64, lo=0, hi=2 ** 63 - 1, alias="zset-max-ziplist-value"),
    Param("supervised", "enum", "no", mutable=False, choices=("upstart", "systemd", "auto", "no")),
]

BY_NAME = {}
for _p in PARAMS:
    BY_NAME[_p.name] = _p
    if _p.alias:
        BY_NAME[_p.alias] = _p


class Config(object):
    def __init__(self):
        self.on_set = []   # fn(name, value) after a successful run-time change
        self.config_file = None
        for p in PARAMS:
            v = p.default
            setattr(self, p.attr, list(v) if isinstance(v, list) else v)

    # --- loading ----------------------------------------------------------------
    def set_from_text(self, name, args):
        """Apply one directive (config file line or --option): name plus its words."""
        p = BY_NAME.get(name.lower())
        if p is None:
            raise ConfigError("Bad directive or wrong number of arguments")
        if p.kind == "list":
            value = [a for a in args]
        elif p.name == "save":
            value = " ".join(args)
        else:
            if len(args) != 1:
                raise ConfigError("wrong number of arguments")
            value = p.parse(args[0])
        setattr(self, p.attr, value)

    def load_file(self, path):
        self.config_file = os.path.abspath(path)
        with open(path, "rb") as f:
            self.load_text(f.read().decode("utf-8", "replace"), path)

    def load_text(self, text, source="<config>"):
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = split_inline(line.encode())
            if words is None:
                raise ConfigError("%s:%d: Unbalanced quotes in configuration line" % (source, lineno))
            words = [w.decode("utf-8", "replace") for w in words]
            if words[0].lower() == "include":
                for inc in words[1:]:
                    self.load_file(inc)
                continue
            try:
                self.set_from_text(words[0], words[1:])
            except ConfigError as e:
                raise ConfigError("%s:%d: '%s': %s" % (source, lineno, line, e))

    # --- CONFIG GET / SET ---------------------------------------------------------
    def get_matching(self, pattern):
        """[(name, text)] for parameters whose name (or alias) matches the glob."""
        out = []
        seen = set()
        pat = pattern.lower()
        for name, p in BY_NAME.items():
            if p.name in seen:
                continue
            if fnmatch.fnmatchcase(name, pat):
                seen.add(p.name)
                out.append((name if name == pat else p.name, p.format(getattr(self, p.attr))))
        return out

    def set_runtime(self, name, text):
        p = BY_NAME.get(name.lower())
        if p is None or not p.mutable:
            raise KeyError(name)
        value = " ".join(text.split()) if p.name == "save" else p.parse(text)
        setattr(self, p.attr, value)
        for hook in self.on_set:
            hook(p.name, value)
        return p.name
