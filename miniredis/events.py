"""What commands say happened: the propagation stream and keyspace events.

Owns: collecting the effects of one top-level call (commands to replay, in
order) and handing them to the propagation listeners once the call is over,
wrapped in MULTI/EXEC when there is more than one; and the keyspace event
bus. Must not touch: sockets, replies, command semantics.

Commands state their effects through the call seam on the connection
(:meth:`Connection.propagate_as`, :meth:`Connection.notify`); the dispatcher
records the default (the command as received, when it changed the dataset)
and calls :meth:`Events.flush` after the outermost call -- so an EXEC or a
script, whose commands run nested, reaches the listeners as one MULTI ...
EXEC block, as Redis' ``propagatePendingCommands`` does. Keys removed by
expiry are propagated as ``DEL`` and notified as ``expired``.

Persistence (append-only log) and replication subscribe to
``propagate_listeners``; keyspace notifications to ``keyspace_listeners``.
Both lists are empty by default and then cost one truth test per call.
"""

# Keyspace event classes, as the letters of notify-keyspace-events.
GENERIC = "g"
STRING = "$"
LIST = "l"
SET = "s"
HASH = "h"
ZSET = "z"
EXPIRED = "x"
EVICTED = "e"
STREAM = "t"
KEYMISS = "m"
NEW = "n"

_MULTI = [b"MULTI"]
_EXEC = [b"EXEC"]


class ReplicaOnly(list):
    """A command that goes to replicas but not to the append-only log (PUBLISH),
    as Redis' PROPAGATE_REPL target."""

    __slots__ = ()


class LogOnly(list):
    """A command that goes to the append-only log but not to replicas (a script's
    ``redis.set_repl(redis.REPL_AOF)``), as Redis' PROPAGATE_AOF target."""

    __slots__ = ()


class Events(object):
    def __init__(self, keyspace):
        # fn(ops): ops is [(db_index, argv), ...], one top-level call's effect
        # (or, from flush_batch(), those of a run of plain commands, each sealed).
        self.propagate_listeners = []
        # fn(type_class, event, key, db_index)
        self.keyspace_listeners = []
        self.ops = []
        keyspace.on_expire.append(self._expired)

    @property
    def propagating(self):
        return bool(self.propagate_listeners)

    def notify(self, cls, event, key, db_index):
        for fn in self.keyspace_listeners:
            fn(cls, event, key, db_index)

    def add(self, db_index, argv):
        """Record one command to replay (only while someone listens)."""
        if self.propagate_listeners:
            self.ops.append((db_index, argv))

    def flush(self):
        """Hand the effects of the call that just ended to the listeners."""
        ops = self.ops
        if not ops:
            return
        self.ops = []
        if len(ops) > 1:
            dbi = ops[0][0]
            ops = [(dbi, _MULTI)] + ops + [(ops[-1][0], _EXEC)]
        for fn in self.propagate_listeners:
            fn(ops)

    def seal(self, start):
        """The ops from ``start`` on are one call's effect, handed on later with
        others (flush_batch): wrapped in MULTI/EXEC when more than one, as
        flush() would. Returns where the next call's effect starts."""
        ops = self.ops
        if len(ops) - start > 1:
            ops.insert(start, (ops[start][0], _MULTI))
            ops.append((ops[-1][0], _EXEC))
        return len(ops)

    def flush_batch(self):
        """Hand the effects of several calls, each sealed (seal()), to the listeners at once."""
        ops = self.ops
        if ops:
            self.ops = []
            for fn in self.propagate_listeners:
                fn(ops)

    def flush_each(self):
        """Hand the recorded ops to the listeners one by one: effects of no command
        (active expiry's DELs), which Redis propagates each on its own."""
        ops, self.ops = self.ops, []
        for op in ops:
            for fn in self.propagate_listeners:
                fn([op])

    def _expired(self, db, key):
        self.notify(EXPIRED, "expired", key, db.index)
        self.add(db.index, [b"DEL", key])
