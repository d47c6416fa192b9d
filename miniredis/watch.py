"""WATCH: which clients watch which keys, and marking their transactions dirty.

Owns: the table of watched keys ((db index, key) -> clients) and each
client's own record (``conn.watched``: (db index, key) -> "was already
expired when watched"). Must not touch: replies, command parsing (the
transaction commands in commands/transactions.py use this).

It listens to ``Keyspace.on_change`` only while some key is watched, so
writes pay nothing for WATCH when nobody uses it. Every change the keyspace
reports (writes, deletions, FLUSHDB/FLUSHALL of keys that existed, SWAPDB,
expiry) marks the watching clients dirty, as Redis' touchWatchedKey does.

A key that had already expired (but was not yet removed) when it was
watched is remembered as such: its removal is no change, logically, and does
not make EXEC fail -- while a watched key that expires afterwards does, even
when nothing removed it yet (checked at EXEC, like Redis'
isWatchedKeyExpired).
"""


class Watches(object):
    def __init__(self, keyspace):
        self.keyspace = keyspace
        self.table = {}     # (db index, key) -> {conn, ...}
        self._hooked = False

    def watch(self, conn, db, key):
        wk = (db.index, key)
        watched = conn.watched
        if watched is None:
            watched = conn.watched = {}
        elif wk in watched:
            return
        watched[wk] = self._logically_expired(db, key)
        clients = self.table.get(wk)
        if clients is None:
            clients = self.table[wk] = set()
        clients.add(conn)
        if not self._hooked:
            self.keyspace.on_change.append(self._touched)
            self._hooked = True

    def unwatch_all(self, conn):
        watched = conn.watched
        conn.watched = None
        conn.watch_dirty = False
        if not watched:
            return
        table = self.table
        for wk in watched:
            clients = table.get(wk)
            if clients is not None:
                clients.discard(conn)
                if not clients:
                    del table[wk]
        if not table and self._hooked:
            self.keyspace.on_change.remove(self._touched)
            self._hooked = False

    def expired_since_watched(self, conn):
        """True if a key that was live when watched has expired since (removed or not)."""
        if not conn.watched:
            return False
        dbs = self.keyspace.dbs
        for (dbi, key), was_expired in conn.watched.items():
            if not was_expired and self._logically_expired(dbs[dbi], key):
                return True
        return False

    def _logically_expired(self, db, key):
        when = db.expires.get(key) if key in db.data else None
        return when is not None and when <= self.keyspace.clock()

    def _touched(self, db, key):
        wk = (db.index, key)
        clients = self.table.get(wk)
        if not clients:
            return
        for conn in clients:
            if conn.watched.get(wk) and key not in db.data:
                # Expired already when watched, now removed: no change, logically.
                conn.watched[wk] = False
                continue
            conn.watch_dirty = True
