"""Keyspace notifications: keyspace events published as pub/sub messages.

Owns: following ``notify-keyspace-events`` (at start-up and on CONFIG SET),
listening to ``server.events.keyspace_listeners`` only while it is
non-empty, and publishing each event of a selected class as Redis'
notifyKeyspaceEvent does: ``__keyspace@<db>__:<key>`` -> event (with K),
then ``__keyevent@<db>__:<event>`` -> key (with E).
It also switches on the keyspace's "new" (a key is created) and "keymiss"
(a read lookup misses) events, which cost nothing while nobody asks.
Must not touch: which events commands raise (they say so through
``ctx.notify``), pub/sub delivery (miniredis/pubsub.py).
"""

from .events import KEYMISS, NEW


class Notifications(object):
    def __init__(self, server):
        self.server = server
        self.classes = frozenset()
        self.keyspace_channels = False   # K
        self.keyevent_channels = False   # E
        self._listening = False
        server.config.on_set.append(self._config_changed)
        self.apply(server.config.notify_keyspace_events)

    def _config_changed(self, name, value):
        if name == "notify-keyspace-events":
            self.apply(value)

    def apply(self, flags):
        """Follow a new notify-keyspace-events value (its letters, as config.py keeps them)."""
        self.classes = frozenset(flags) - {"K", "E"}
        self.keyspace_channels = "K" in flags
        self.keyevent_channels = "E" in flags
        listeners = self.server.events.keyspace_listeners
        want = bool(flags)
        if want and not self._listening:
            listeners.append(self._on_event)
        elif not want and self._listening:
            listeners.remove(self._on_event)
        self._listening = want
        ks = self.server.keyspace
        ks.notify_new = self._on_new if NEW in self.classes else None
        ks.notify_miss = self._on_miss if KEYMISS in self.classes else None

    def _on_new(self, key, db_index):
        self.server.events.notify(NEW, "new", key, db_index)

    def _on_miss(self, key, db_index):
        self.server.events.notify(KEYMISS, "keymiss", key, db_index)

    def _on_event(self, cls, event, key, db_index):
        if cls not in self.classes:
            return
        publish = self.server.pubsub.publish
        ev = event.encode() if type(event) is str else event
        if self.keyspace_channels:
            publish(b"__keyspace@%d__:%b" % (db_index, key), ev)
        if self.keyevent_channels:
            publish(b"__keyevent@%d__:%b" % (db_index, ev), key)
