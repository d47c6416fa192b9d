"""The command table: Redis 7.0's metadata, with this server's functions attached.

Owns: CommandSpec and the ``@command`` / ``@subcommand`` / ``container``
declarations, key extraction from key specs (COMMAND GETKEYS, WATCH, ...),
and the metadata COMMAND INFO / DOCS render.
Must not touch: sockets, encoding, the keyspace.

Metadata has one source: ``miniredis/data/commands.json``, written by
``scripts/capture_reference.py`` from redis-server 7.0's own COMMAND INFO
and COMMAND DOCS replies (arity, flags, key specs, ACL categories, tips,
summary, history, arguments ...). A Python declaration only attaches a
function to a name -- plus project extensions such as the argument positions
that accept typed values. Declaring a name the data file does not know
fails at import; tests/unit/test_registry.py fails for metadata without a
function outside the list of groups not implemented yet.

Arity follows Redis: positive means exactly N arguments including the
command name, negative means at least -N. ``typed`` names the argument
positions that accept a RESP3 typed value (project extension) as
(first, step): step 0 means only ``first``.
"""

import json
import os
import re
from collections import namedtuple

from .protocol import string2ll
from .replies import Map, Set, Simple, NULL

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "commands.json")


def _load():
    """(Redis version, {fullname: entry as compact JSON text}).

    Entries stay text until a command is declared: the parsed metadata of
    all 366 commands would cost over 3 MB, most of it COMMAND DOCS argument
    trees that are rendered only on request. Nor is the file parsed whole:
    each entry is parsed alone, to find where its text ends, and dropped;
    the whole tree's freed blocks would stay behind as ~1 MB of fragments
    in the C heap that a server of small keys never reuses.
    """
    with open(_DATA) as f:
        top = _members(f.read(), split=("commands",))[0]
    return json.loads(top["redis_version"]), top["commands"]


_DECODE = json.JSONDecoder().raw_decode
_WS = re.compile(r"[ \t\n\r]*").match


def _members(text, pos=0, split=()):
    """({key: value as JSON text}, end) of the JSON object at ``text[pos]`` (after
    any blanks); the value of a key in ``split`` is an object, returned as such a dict."""
    out = {}
    pos = _WS(text, _WS(text, pos).end() + 1).end()   # past "{"
    while text[pos] != "}":
        key, pos = _DECODE(text, pos)
        start = _WS(text, _WS(text, pos).end() + 1).end()   # past ":"
        if key in split:
            out[key], end = _members(text, start)
        else:
            end = _DECODE(text, start)[1]
            out[key] = text[start:end]
        pos = _WS(text, end).end()
        if text[pos] == ",":
            pos = _WS(text, pos + 1).end()
    return out, pos + 1


REDIS_META_VERSION, METADATA = _load()   # fullname ('get', 'client|list') -> JSON text


def metadata(fullname):
    """The parsed entry of a command: {"info": COMMAND INFO entry, "docs": COMMAND DOCS map}."""
    return json.loads(METADATA[fullname])


def to_reply(x):
    """A stored (tagged JSON) reply as reply objects: see scripts/capture_reference.py."""
    t = type(x)
    if t is str:
        return x.encode()
    if t is int:
        return x
    if t is list:
        return [to_reply(e) for e in x]
    if x is None:
        return NULL
    if "%" in x:
        return Map([(to_reply(k), to_reply(v)) for k, v in x["%"]])
    if "~" in x:
        return Set([to_reply(e) for e in x["~"]])
    return Simple(x["+"])


def _plain(x):
    """A stored reply as plain Python values (maps -> dict, sets -> list, simple -> str)."""
    if type(x) is list:
        return [_plain(e) for e in x]
    if type(x) is dict:
        if "%" in x:
            return {k: _plain(v) for k, v in x["%"]}
        if "~" in x:
            return [_plain(e) for e in x["~"]]
        return x["+"]
    return x


# One key spec, as data: flags, how to find the first key, how to find the rest.
KeySpec = namedtuple("KeySpec", "flags bs_type bs_index bs_keyword bs_startfrom "
                                "fk_type lastkey keystep limit keynumidx firstkey")


def _key_spec(d):
    d = _plain(d)
    bs, fk = d["begin_search"], d["find_keys"]
    bss, fks = bs.get("spec", {}), fk.get("spec", {})
    return KeySpec(tuple(d["flags"]), bs["type"], bss.get("index", 0), bss.get("keyword"),
                   bss.get("startfrom", 0), fk["type"], fks.get("lastkey", 0),
                   fks.get("keystep", 1), fks.get("limit", 0), fks.get("keynumidx", 0),
                   fks.get("firstkey", 0))


COMMANDS = {}   # lower-case str name -> CommandSpec
LOOKUP = {}     # bytes name in lower and upper case -> CommandSpec (fast path)


# Commands Redis does not flag "fast" whose work is O(1) or grows only with
# their own arguments: like fast commands, they cannot stall the server.
ARGUMENT_BOUNDED = frozenset(("set", "setex", "psetex", "mset", "msetnx", "lmove", "rpoplpush"))


# ACL categories of commands that work on data only, and of those that may
# change a client's state (dispatcher gates) or the server's.
_DATA_CATEGORIES = frozenset(("@string", "@list", "@hash", "@set", "@sortedset", "@bitmap",
                              "@hyperloglog", "@geo", "@stream", "@keyspace"))
_GATE_CATEGORIES = frozenset(("@connection", "@transaction", "@pubsub", "@scripting", "@admin",
                              "@dangerous", "@blocking"))
# Connection commands that change nothing.
PLAIN_CONNECTION = frozenset(("ping", "echo"))


class CommandSpec(object):
    __slots__ = (
        "name", "fullname", "arity", "flags", "first_key", "last_key", "step",
        "group", "func", "typed", "subcommands", "parent", "acl", "tips",
        "key_specs", "meta_name", "getkeys",
        "is_write", "is_readonly", "no_auth", "no_multi", "is_pubsub_ok",
        "is_fast", "is_blocking", "is_admin", "is_noscript", "is_loading_ok",
        "is_denyoom", "is_movablekeys", "may_replicate", "is_stale",
        "calls", "usec", "rejected_calls", "failed_calls", "min_args", "max_args",
        "fullname_bytes", "latencies", "timed_together", "plain_data",
    )

    def __init__(self, fullname, func, typed=None, parent=None, meta_name=None):
        self.meta_name = meta_name or fullname
        meta = metadata(self.meta_name)
        info = meta["info"]
        self.fullname = fullname
        self.name = fullname.split("|")[-1]
        self.parent = parent
        self.fullname_bytes = fullname.encode()
        self.arity = info[1]
        # Bounds for the dispatcher's one-comparison arity check.
        self.min_args = self.arity if self.arity > 0 else -self.arity
        self.max_args = self.arity if self.arity > 0 else 2 ** 31
        self.flags = tuple(_plain(info[2]))
        self.first_key, self.last_key, self.step = info[3], info[4], info[5]
        self.acl = tuple(_plain(info[6]))
        self.tips = tuple(_plain(info[7]))
        self.key_specs = [_key_spec(k) for k in info[8]["~"]]
        # A command whose key specs cannot find every key (SORT's STORE, flagged
        # "unknown" in Redis) attaches its own finder, as Redis' getkeys_proc.
        self.getkeys = None
        self.group = _plain(meta["docs"]).get("group", "generic")
        self.func = func
        self.typed = typed
        self.subcommands = {}
        f = set(self.flags)
        self.is_write = "write" in f
        self.is_readonly = "readonly" in f
        self.no_auth = "no_auth" in f
        self.no_multi = "no_multi" in f
        self.is_pubsub_ok = "pubsub" in f
        self.is_fast = "fast" in f
        self.is_blocking = "blocking" in f
        self.is_admin = "admin" in f
        self.is_noscript = "noscript" in f
        self.is_loading_ok = "loading" in f
        self.is_denyoom = "denyoom" in f
        self.is_movablekeys = "movablekeys" in f
        self.may_replicate = "may_replicate" in f
        self.is_stale = "stale" in f
        # May share a pipelined batch's timing (dispatcher.run): cannot take long,
        # and is not a blocking command (BZPOPMIN is "fast" too): those are
        # timed and counted when they are answered.
        self.timed_together = (self.is_fast or fullname in ARGUMENT_BOUNDED) and not self.is_blocking
        # Runs on the dispatcher's plain path (dispatcher.run): timed together,
        # and unable to change how the client's next request is dispatched
        # (no AUTH, MULTI, HELLO, RESET, SUBSCRIBE, MONITOR, scripts ...).
        self.plain_data = self.timed_together and (
            fullname in PLAIN_CONNECTION or (not _GATE_CATEGORIES.intersection(self.acl)
                                             and bool(_DATA_CATEGORIES.intersection(self.acl))))
        self.reset_stats()

    # COMMAND INFO and COMMAND DOCS parse the entry again: kept parsed on every
    # spec, the tagged JSON trees cost ~1.5 MB for replies rarely asked for.
    @property
    def info(self):
        """The COMMAND INFO entry (tagged JSON, see to_reply), without subcommands."""
        return metadata(self.meta_name)["info"]

    @property
    def docs(self):
        """The COMMAND DOCS map (tagged JSON, see to_reply), without subcommands."""
        return metadata(self.meta_name)["docs"]

    def reset_stats(self):
        self.calls = 0
        self.usec = 0.0  # seconds, despite the name (converted when reported)
        self.rejected_calls = 0
        self.failed_calls = 0
        # Seconds of each call, or (seconds each, calls) for a run of calls
        # timed together, since the last fold into the latency histogram
        # (latencyhist.py); appending is all the hot path pays for it.
        self.latencies = []

    def arity_ok(self, n):
        a = self.arity
        return n == a if a > 0 else n >= -a

    def keys(self, argv):
        """[(argument index, key spec flags)] of argv, found with the key specs as Redis'
        getKeysUsingKeySpecs does; raises ValueError for arguments no spec can read."""
        if self.getkeys is not None:
            return self.getkeys(argv)
        argc = len(argv)
        out = []
        by_proc = False
        for ks in self.key_specs:
            if ks.bs_type == "index":
                first = ks.bs_index
            elif ks.bs_type == "keyword":
                first = 0
                start = ks.bs_startfrom if ks.bs_startfrom > 0 else argc + ks.bs_startfrom
                end = argc - 1 if ks.bs_startfrom > 0 else 1
                i = start
                kw = ks.bs_keyword.encode().lower()
                while 1 <= i < argc:
                    a = argv[i]
                    if type(a) is bytes and a.lower() == kw:
                        first = i + 1
                        break
                    if i == end:
                        break
                    i += 1 if start <= end else -1
                if not first:
                    continue
            else:
                continue
            step = ks.keystep or 1
            if ks.fk_type == "range":
                if ks.lastkey >= 0:
                    last = first + ks.lastkey
                elif ks.limit <= 1:
                    last = ks.lastkey + argc
                else:
                    last = first + ((argc - first) // ks.limit + ks.lastkey)
            elif ks.fk_type == "keynum":
                idx = first + ks.keynumidx
                if idx >= argc:
                    raise ValueError("keynum out of range")
                arg = argv[idx]
                if type(arg) is not bytes:
                    raise ValueError("bad keynum")
                # The spec reads the count as a 64-bit number used as a C int.
                numkeys = string2ll(arg)
                first += ks.firstkey
                if numkeys is not None and numkeys >= 0:
                    numkeys = _c_int(numkeys)
                if numkeys is None or numkeys < 0 or (
                        numkeys >= 1 and first + (numkeys - 1) * step >= argc):
                    # The spec cannot use it; Redis then asks the command's
                    # getkeys proc, which reads the count with atoi() and
                    # gives its keys no flags.
                    numkeys = _atoi(arg)
                    by_proc = True
                if numkeys < 1:
                    # Redis' spec is then invalid (last < first); the getkeys procs
                    # behind it find no key either.
                    raise ValueError("no keynum")
                last = first + (numkeys - 1) * step
            else:
                continue
            if last >= argc or last < first:
                if self.arity < 0 and last < first:
                    continue
                raise ValueError("keys out of range")
            if by_proc and ks.fk_type == "keynum":
                # The procs (e.g. ZUNIONSTORE's) list the counted keys first.
                out[0:0] = [(i, ()) for i in range(first, last + 1, step)]
            else:
                out.extend((i, ks.flags) for i in range(first, last + 1, step))
        if by_proc:
            return [(i, ()) for i, _ in out]
        return out

    def key_positions(self, argv):
        """Indexes of the key arguments in argv (each once, in order)."""
        seen = []
        for i, _ in self.keys(argv):
            if i not in seen:
                seen.append(i)
        return seen

    def typed_ok(self, argv):
        """True when every non-bytes argument of argv sits at a typed-value position."""
        if self.typed is None:
            return all(type(a) is bytes for a in argv)
        first, step = self.typed
        for i, a in enumerate(argv):
            if type(a) is bytes:
                continue
            if i < first:
                return False
            if step == 0 and i != first:
                return False
            if step and (i - first) % step:
                return False
        return True

    def acl_categories(self):
        return list(self.acl)


_ATOI = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]+)")


def _c_int(n):
    """A 64-bit number converted to a C int (its low 32 bits, signed)."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def _atoi(text):
    """C's atoi(): the number the text starts with (after blanks), else 0, as an int."""
    m = _ATOI.match(text)
    if m is None:
        return 0
    return _c_int(max(-2 ** 63, min(2 ** 63 - 1, int(m.group(1)))))   # strtol, then int


def _register(spec):
    name = spec.name
    if name in COMMANDS:
        raise ValueError("command %s declared twice" % name)
    COMMANDS[name] = spec
    b = name.encode()
    LOOKUP[b] = spec
    LOOKUP[b.upper()] = spec


def command(name, typed=None):
    """Attach a function to Redis' command ``name``: ``@command("get")``."""
    def deco(func):
        spec = CommandSpec(name, func, typed=typed)
        _register(spec)
        func.spec = spec
        return func
    return deco


def container(name):
    """Declare a command that only dispatches to subcommands (CLIENT, CONFIG, ...)."""
    spec = CommandSpec(name, None)
    spec.max_args = -1  # never takes the dispatcher's fast path: resolve the subcommand
    _register(spec)
    return spec


def subcommand(parent, name):
    """Attach a function to ``PARENT NAME``; its arity counts the parent too, as in Redis."""
    pspec = COMMANDS[parent]

    def deco(func):
        spec = CommandSpec("%s|%s" % (parent, name), func, parent=pspec)
        if name in pspec.subcommands:
            raise ValueError("subcommand %s|%s declared twice" % (parent, name))
        pspec.subcommands[name] = spec
        func.spec = spec
        return func
    return deco


def alias(name, target):
    """A project-own name for an existing command (FLUSH, DELETE): the target's metadata."""
    t = COMMANDS[target]
    spec = CommandSpec(name, t.func, typed=t.typed, meta_name=target)
    spec.name = spec.fullname = name
    spec.fullname_bytes = name.encode()
    _register(spec)
    return spec


def all_specs():
    return list(COMMANDS.values())
