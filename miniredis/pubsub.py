"""Publish/subscribe: who listens to what, and delivering messages.

Owns: the server-wide registry of channel, pattern and shard-channel
subscribers, each client's own subscription tables (the ``subscriptions``,
``psubscriptions`` and ``ssubscriptions`` attributes of its Connection),
the confirmation replies of (P|S)(UN)SUBSCRIBE, message delivery, the RESP2
"subscribed mode" rule (a dispatcher context hook) and releasing a client's
subscriptions on disconnect and RESET.
Must not touch: command parsing (commands/pubsub.py), keyspace events
(notifications.py publishes through :meth:`PubSub.publish`), sockets other
than through ``Server.write``.

Shapes, as Redis 7.0 keeps them: channels map to the clients subscribed in
subscription order (a dict used as an ordered set); a client's channels are
a dict, its patterns a dict in subscription order (PUNSUBSCRIBE without
arguments answers in that order, as Redis walks its pattern list).

Delivery: the client whose request is running (``server.serving``) gets its
messages appended to its pending replies, so a RESP3 client publishing to a
channel it listens to sees the push before the PUBLISH reply, as in Redis.
Every other receiver gets the message written at once; ``Server.write``
never blocks, and a receiver that does not read is closed by the
client-output-buffer-limit of its class.
"""

from . import errors
from .glob import compile_pattern
from .protocol import encode_into
from .replies import NULL, Push, Raw
from .rules import RULE_PUBSUB

# Commands a RESP2 client may send while it has subscriptions (Redis 7.0).
ALLOWED_WHILE_SUBSCRIBED = frozenset((
    "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
    "psubscribe", "punsubscribe", "quit", "reset"))

_MESSAGE = b"message"
_PMESSAGE = b"pmessage"
_SMESSAGE = b"smessage"


def subscribed(conn):
    """True while the client has any channel, pattern or shard-channel subscription."""
    return bool(conn.subscriptions or conn.psubscriptions or conn.ssubscriptions)


def _count(conn):
    """What (P)SUBSCRIBE / (P)UNSUBSCRIBE confirmations count: channels plus patterns."""
    return len(conn.subscriptions or ()) + len(conn.psubscriptions or ())


def _scount(conn):
    """What SSUBSCRIBE / SUNSUBSCRIBE confirmations count: shard channels only."""
    return len(conn.ssubscriptions or ())


class _Kind(object):
    """One flavour of subscription: its client attribute, server table and reply names."""

    __slots__ = ("attr", "table", "sub", "unsub", "counter")

    def __init__(self, attr, sub, unsub, counter):
        self.attr = attr
        self.table = {}   # name -> {conn: None}, in subscription order
        self.sub = sub
        self.unsub = unsub
        self.counter = counter


class PubSub(object):
    def __init__(self, server):
        self.server = server
        self.channels = _Kind("subscriptions", b"subscribe", b"unsubscribe", _count)
        self.patterns = _Kind("psubscriptions", b"psubscribe", b"punsubscribe", _count)
        self.shards = _Kind("ssubscriptions", b"ssubscribe", b"sunsubscribe", _scount)
        # pattern -> compiled matcher, for the patterns someone subscribes to
        self.matchers = {}
        self.subscribed_clients = 0
        server.on_disconnect.append(self.release)

    # --- the subscribed-mode context rule ----------------------------------------------
    def _context_hook(self, conn, spec, argv):
        if conn.proto == 2 and spec.fullname not in ALLOWED_WHILE_SUBSCRIBED and subscribed(conn):
            return self.server.dispatcher.error(errors.PUBSUB_CONTEXT_FMT % spec.fullname, spec)
        return None

    def _subscribed_changed(self, conn, delta):
        """A client entered (1) or left (-1) subscribed mode: the context rule
        is that client's own, so other clients' requests pay nothing for it."""
        self.subscribed_clients += delta
        if delta > 0:
            self.server.dispatcher.add_rule(self._context_hook, RULE_PUBSUB, conn)
        else:
            self.server.dispatcher.remove_rule(self._context_hook, conn)

    # --- subscribing ------------------------------------------------------------------------
    def subscribe(self, conn, kind, names):
        """Add subscriptions; the confirmations, encoded for the client's protocol."""
        was = subscribed(conn)
        own = getattr(conn, kind.attr)
        if own is None:
            own = {}
            setattr(conn, kind.attr, own)
        out = []
        for name in names:
            if name not in own:
                own[name] = None
                kind.table.setdefault(name, {})[conn] = None
                if kind is self.patterns and name not in self.matchers:
                    self.matchers[name] = compile_pattern(name)
            encode_into(Push([kind.sub, name, kind.counter(conn)]), conn.proto, out)
        if not was and subscribed(conn):
            self._subscribed_changed(conn, 1)
        return Raw(b"".join(out))

    def unsubscribe(self, conn, kind, names):
        """Remove subscriptions (all of this kind when names is empty); the confirmations."""
        was = subscribed(conn)
        own = getattr(conn, kind.attr)
        if not names:
            names = list(own or ())
            if not names:
                return Raw(b"".join(self._confirm(conn, kind, None)))
        out = []
        for name in names:
            self._drop(conn, kind, own, name)
            out.extend(self._confirm(conn, kind, name))
        if own is not None and not own:
            setattr(conn, kind.attr, None)
        if was and not subscribed(conn):
            self._subscribed_changed(conn, -1)
        return Raw(b"".join(out))

    def _drop(self, conn, kind, own, name):
        if own is None or name not in own:
            return
        del own[name]
        subs = kind.table.get(name)
        if subs is not None:
            subs.pop(conn, None)
            if not subs:
                del kind.table[name]
                if kind is self.patterns:
                    self.matchers.pop(name, None)

    @staticmethod
    def _confirm(conn, kind, name):
        out = []
        channel = NULL if name is None else name
        encode_into(Push([kind.unsub, channel, kind.counter(conn)]), conn.proto, out)
        return out

    def release(self, conn):
        """Disconnect / RESET: forget every subscription of the client, without replies."""
        if not subscribed(conn):
            return
        for kind in (self.channels, self.patterns, self.shards):
            own = getattr(conn, kind.attr)
            for name in list(own or ()):
                self._drop(conn, kind, own, name)
            setattr(conn, kind.attr, None)
        self._subscribed_changed(conn, -1)

    # --- publishing ---------------------------------------------------------------------------
    def publish(self, channel, message):
        """Deliver to channel and pattern subscribers; the number of receivers."""
        n = 0
        cache = {}
        subs = self.channels.table.get(channel)
        if subs:
            self._deliver(list(subs), [_MESSAGE, channel, message], cache)
            n = len(subs)
        if self.patterns.table:
            for pattern, clients in list(self.patterns.table.items()):
                if self.matchers[pattern](channel):
                    self._deliver(list(clients), [_PMESSAGE, pattern, channel, message], {})
                    n += len(clients)
        return n

    def spublish(self, channel, message):
        subs = self.shards.table.get(channel)
        if not subs:
            return 0
        self._deliver(list(subs), [_SMESSAGE, channel, message], {})
        return len(subs)

    def _deliver(self, clients, items, cache):
        """Encode once per protocol; the running client's copy joins its pending replies."""
        server = self.server
        serving = server.serving
        for c in clients:
            if c.sock is None and c is not serving:
                continue
            data = cache.get(c.proto)
            if data is None:
                out = []
                encode_into(Push(items), c.proto, out)
                data = cache[c.proto] = b"".join(out)
            if c is serving:
                c.out.append(data)
            else:
                server.write_soon(c, data)
