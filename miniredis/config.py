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
import tempfile

from . import errors, glob
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
                 "protected", "unsigned")

    def __init__(self, name, kind, default, mutable=True, choices=None, lo=None, hi=None,
                 alias=None, protected=False, unsigned=False):
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

    def parse(self, text):
        k = self.kind
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
    Param("bind", "list", ["127.0.0.1"], mutable=False),
    Param("port", "int", 6379, mutable=False, lo=0, hi=65535),
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

    # --- loading (redis.conf syntax; the CLI turns --options into lines) ------
    def set_from_text(self, name, args):
        """Apply one directive (config file line or --option): name plus its words."""
        p = BY_NAME.get(name.lower())
        if p is None:
            raise ConfigError("Bad directive or wrong number of arguments")
        if p.kind == "list":
            value = list(args)
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
        for (key, p), v in zip(chosen, values):
            for hook in self.on_set:
                hook(p.name, getattr(self, p.attr))

    def set_runtime(self, name, text):
        """Change one parameter at run time; returns its canonical name."""
        self.set_many([(name, text)])
        return BY_NAME[name.lower()].name

    def rewrite(self):
        """CONFIG REWRITE: update the config file in place, atomically.

        Lines of known directives get the current value (later duplicates are
        dropped); other lines and comments are kept; parameters that differ
        from their default and are not in the file are appended.
        """
        path = self.config_file
        try:
            with open(path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            lines = []
        out, done = [], set()
        for line in lines:
            words = split_inline(line.strip().encode()) if line.strip() and not line.lstrip().startswith("#") else None
            p = BY_NAME.get(words[0].decode("utf-8", "replace").lower()) if words else None
            if p is None:
                out.append(line)
            elif p.name not in done:
                done.add(p.name)
                out.append(self._directive(p))
        extra = [self._directive(p) for p in PARAMS if p.name not in done and
                 getattr(self, p.attr) != p.default]
        if extra:
            out.append("# Generated by CONFIG REWRITE")
            out.extend(extra)
        _atomic_write(path, ("\n".join(out) + "\n").encode())

    def _directive(self, p):
        if p.kind == "obuf-limit":
            # One line per class that differs from the default, sizes with units.
            v, d = getattr(self, p.attr), p.default
            return "\n".join("%s %s %s %s %d" % (p.name, name, _fmt_memory(v[name][0]),
                                                  _fmt_memory(v[name][1]), v[name][2])
                             for name in OBUF_CLASSES if v[name] != d[name])
        text = p.format(getattr(self, p.attr))
        if p.kind == "list" or (p.kind == "save" and text):
            return "%s %s" % (p.name, text)
        return "%s %s" % (p.name, _quote(text))


class ConfigUnknown(Exception):
    """CONFIG SET of a name that is not a parameter."""


class ConfigSetFailed(Exception):
    """CONFIG SET refused; args are (name as reported, reason)."""


def _fmt_memory(n):
    """A size as CONFIG REWRITE writes it: gb, mb or kb when it divides exactly."""
    for unit, size in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
        if n and n % size == 0:
            return "%d%s" % (n // size, unit)
    return "%d" % n


def _quote(text):
    """A value as a config-file word: quoted when empty or not a plain token."""
    if text and all(33 <= ord(c) <= 126 and c not in "\"'\\" for c in text):
        return text
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _atomic_write(path, data):
    """Write via a temp file, fsync, rename, fsync the directory."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".config-rewrite-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dfd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
