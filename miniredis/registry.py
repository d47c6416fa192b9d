"""The command table: every command declared once, next to its function.

Owns: CommandSpec (name, arity, flags, key positions, group, docs) and the
``@command`` / ``@subcommand`` decorators. COMMAND, COMMAND INFO/COUNT/DOCS
are rendered from here. Must not touch: sockets, encoding, the keyspace.

Arity follows Redis: positive means exactly N arguments including the
command name, negative means at least -N. Key positions are Redis'
legacy (first_key, last_key, step) triple; last_key -1 means "up to the last
argument". ``typed`` names the argument positions that accept a RESP3 typed
value (project extension) as (first, step): step 0 means only ``first``.
"""

from collections import namedtuple

# A Redis 7 key spec (COMMAND INFO / DOCS), as plain data: the renderer in
# commands/server.py turns it into reply maps. flags as in Redis' command JSON.
KeySpec = namedtuple("KeySpec", "flags index lastkey keystep notes")


def key_spec(flags, index=1, lastkey=0, keystep=1, notes=None):
    """A range key spec: keys from argument ``index``, ``lastkey`` relative to it (-1: to the end)."""
    return KeySpec(tuple(flags.split()), index, lastkey, keystep, notes)


# Flags as Redis spells them in COMMAND INFO.
KNOWN_FLAGS = frozenset("""
write readonly denyoom module admin pubsub noscript blocking loading stale
skip_monitor skip_slowlog asking fast no_auth may_replicate sentinel
only_sentinel no_mandatory_keys protected no_async_loading no_multi movablekeys
allow_busy
""".split())

COMMANDS = {}   # lower-case str name -> CommandSpec
LOOKUP = {}     # bytes name in lower and upper case -> CommandSpec (fast path)


class CommandSpec(object):
    __slots__ = (
        "name", "fullname", "arity", "flags", "first_key", "last_key", "step",
        "group", "func", "typed", "subcommands", "parent", "acl", "summary",
        "since", "complexity", "doc_flags", "tips", "key_specs", "arguments",
        "is_write", "is_readonly", "no_auth", "no_multi", "is_pubsub_ok",
        "is_fast", "is_blocking", "is_admin", "is_noscript", "is_loading_ok",
        "calls", "usec", "rejected_calls", "failed_calls", "min_args", "max_args",
        "fullname_bytes",
    )

    def __init__(self, name, arity, flags, first_key, last_key, step, group,
                 func, typed=None, parent=None, acl=(), summary="", since="1.0.0",
                 complexity="", doc_flags=(), tips=(), key_specs=None, arguments=None):
        self.name = name
        self.parent = parent
        self.fullname = "%s|%s" % (parent.name, name) if parent else name
        self.fullname_bytes = self.fullname.encode()
        self.arity = arity
        # Bounds for the dispatcher's one-comparison arity check.
        self.min_args = arity if arity > 0 else -arity
        self.max_args = arity if arity > 0 else 2 ** 31
        bad = set(flags) - KNOWN_FLAGS
        if bad:
            raise ValueError("unknown flags %r for %s" % (sorted(bad), name))
        self.flags = tuple(flags)
        self.first_key = first_key
        self.last_key = last_key
        self.step = step
        self.group = group
        self.func = func
        self.typed = typed
        self.subcommands = {}
        self.acl = tuple(acl)
        self.summary = summary
        self.since = since
        self.complexity = complexity
        self.doc_flags = tuple(doc_flags)
        self.tips = tuple(tips)
        self.key_specs = key_specs
        self.arguments = arguments
        f = set(flags)
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
        self.reset_stats()

    def reset_stats(self):
        self.calls = 0
        self.usec = 0.0  # seconds, despite the name (converted when reported)
        self.rejected_calls = 0
        self.failed_calls = 0

    def arity_ok(self, n):
        a = self.arity
        return n == a if a > 0 else n >= -a

    def key_positions(self, argv):
        """Indexes of the key arguments in argv (legacy triple semantics)."""
        if not self.first_key:
            return []
        last = self.last_key
        if last < 0:
            last = len(argv) + last
        return list(range(self.first_key, last + 1, self.step or 1))

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
        """ACL categories as Redis derives them: from flags, then the group, then extras."""
        cats = []
        if self.is_write:
            cats.append("@write")
        if self.is_readonly:
            cats.append("@read")
        if self.is_admin:
            cats.extend(["@admin", "@dangerous"])
        if self.is_pubsub_ok and self.group == "pubsub":
            cats.append("@pubsub")
        cats.extend(c for c in self.acl if c not in cats)
        group_cat = _GROUP_CATEGORY.get(self.group)
        if group_cat and group_cat not in cats:
            cats.append(group_cat)
        if self.is_fast:
            cats.append("@fast")
        elif "@slow" not in cats:
            cats.append("@slow")
        if self.is_blocking and "@blocking" not in cats:
            cats.append("@blocking")
        return cats


_GROUP_CATEGORY = {
    "string": "@string", "generic": "@keyspace", "connection": "@connection",
    "list": "@list", "hash": "@hash", "set": "@set", "sorted_set": "@sortedset",
    "bitmap": "@bitmap", "hyperloglog": "@hyperloglog", "geo": "@geo",
    "stream": "@stream", "pubsub": "@pubsub", "transactions": "@transaction",
    "scripting": "@scripting",
}


def _register(spec):
    name = spec.name
    if name in COMMANDS:
        raise ValueError("command %s declared twice" % name)
    COMMANDS[name] = spec
    b = name.encode()
    LOOKUP[b] = spec
    LOOKUP[b.upper()] = spec


def command(name, arity, flags="", keys=(0, 0, 0), group="generic", typed=None,
            **docs):
    """Declare a command: ``@command("get", 2, "readonly fast", keys=(1, 1, 1), group="string")``."""
    def deco(func):
        spec = CommandSpec(name, arity, flags.split(), keys[0], keys[1], keys[2],
                           group, func, typed=typed, **docs)
        _register(spec)
        func.spec = spec
        return func
    return deco


def container(name, arity=-2, flags="", group="server", **docs):
    """Declare a command that only dispatches to subcommands (CLIENT, CONFIG, ...)."""
    spec = CommandSpec(name, arity, flags.split(), 0, 0, 0, group, None, **docs)
    spec.max_args = -1  # never takes the dispatcher's fast path: resolve the subcommand
    _register(spec)
    return spec


def subcommand(parent, name, arity, flags="", keys=(0, 0, 0), **docs):
    """Declare ``PARENT NAME``; its arity counts the parent too, as in Redis."""
    pspec = COMMANDS[parent]

    def deco(func):
        spec = CommandSpec(name, arity, flags.split(), keys[0], keys[1], keys[2],
                           pspec.group, func, parent=pspec, **docs)
        if name in pspec.subcommands:
            raise ValueError("subcommand %s|%s declared twice" % (parent, name))
        pspec.subcommands[name] = spec
        func.spec = spec
        return func
    return deco


def alias(name, target):
    """Register another name for an existing command (same spec object semantics, own name)."""
    t = COMMANDS[target]
    spec = CommandSpec(name, t.arity, t.flags, t.first_key, t.last_key, t.step,
                       t.group, t.func, typed=t.typed, summary=t.summary,
                       since=t.since, complexity=t.complexity)
    _register(spec)
    return spec


def all_specs():
    return list(COMMANDS.values())
