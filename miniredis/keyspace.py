"""The keyspace: numbered databases of key -> value, with expiry.

Owns: storage, lazy and active expiry, typed lookups that raise WRONGTYPE,
and reporting every change to a key.
Must not touch: the wire (no replies, no sockets), connections, commands.

Every mutation goes through a method here (or, for values mutated in place
such as lists, is followed by :meth:`Database.changed`), so that the hooks
registered in ``Keyspace.on_change`` see every change: WATCH invalidation,
blocked-client wake-ups and keyspace notifications hang off them.
``Keyspace.on_expire`` hooks see keys removed because their TTL passed
(persistence logs a DEL for them, notifications say "expired").

Time comes from an injectable clock returning milliseconds, so tests can
move time instead of sleeping.

Access times (OBJECT IDLETIME) are tracked per database in two bounded
generations of key -> last access second, instead of a field per key: a
second dict over every key would cost ~45 bytes a key (a million SETs: 40 MB
on top of the data dict's 40 MB), while Redis keeps 24 bits in each object.
Reads and writes through :meth:`Database.get`, ``read``, ``set`` and ``add``
stamp the key with the current second in the young generation ``access``.
When ``access`` holds ``Keyspace.track_cap`` keys it becomes ``old`` and a
fresh one starts (nothing is copied; a dict dropped whole leaves no holes);
the generation ``old`` held before is dropped, and the second at which it
was closed becomes the database's ``horizon``: every untracked key was last
accessed at or before it, so ``now - horizon`` is a lower bound of its idle
time. So the last ``track_cap`` keys touched (up to twice that) answer
exactly, whatever the database's size: a plain server keeps
``ACCESS_TRACKER_CAP`` per generation (well under 1 MB), and eviction.py
raises it to ``EVICTION_TRACKER_CAP`` while an LRU or LFU policy evicts by
it. The current second is a cached int (``Keyspace.lru_now``, one shared
object per second) refreshed by :meth:`Keyspace.tick`, which the server's
cron calls through :meth:`Keyspace.active_expire_cycle` -- as Redis
refreshes its LRU clock in serverCron -- so the GET/SET path never reads the
clock for it, and a key already stamped this second (the very same object)
costs one dict lookup.

LFU counters (only while an LFU maxmemory policy is on, ``Keyspace.lfu`` set
by eviction.py through :meth:`Keyspace.set_tracking`) live in the same
generations: the value is then an :class:`LFU` int holding Redis' 24 bits
(last decrement minute << 8 | log counter). An ``LFU`` is never the cached
``lru_now`` object, and ``Keyspace.fast_cap`` is 0 meanwhile, so every access
of such a key takes the slow path of :meth:`Database._record`, which decays
and increments the counter as Redis' updateLFU; while no LFU policy is on
nothing changes. A key with no counter (new, or forgotten by the bounded
tracker) starts at Redis' initial value 5 on its next access and reads as 0
until then.
"""

import random
import time

from . import errors
from .errors import CommandError
from .datatypes import TYPE_NAMES, TypedValue


def wall_clock_ms():
    return int(time.time() * 1000)


# Keys per tracker generation, per database: a dict of 8192 keys is ~0.3 MB.
ACCESS_TRACKER_CAP = 8192
# While an LRU or LFU policy evicts (eviction.py): the ranking needs more keys.
EVICTION_TRACKER_CAP = 65536

LFU_INIT_VAL = 5


class LFU(int):
    """An access tracker entry under an LFU policy: minutes << 8 | counter."""
    __slots__ = ()


def lfu_decayed(entry, now_min, decay_time):
    """The counter of an LFU entry after its decay (Redis' LFUDecrAndReturn); 0 without one."""
    if type(entry) is not LFU:
        return 0
    counter = entry & 255
    if decay_time:
        last = entry >> 8
        elapsed = now_min - last if now_min >= last else 65535 - last + now_min
        periods = elapsed // decay_time
        counter = 0 if periods > counter else counter - periods
    return counter


def lfu_touched(entry, now_sec, config):
    """The LFU entry after one access (Redis' updateLFU); a new key gets the initial counter."""
    now_min = (now_sec // 60) & 0xFFFF
    if type(entry) is not LFU:
        return LFU((now_min << 8) | LFU_INIT_VAL)
    counter = lfu_decayed(entry, now_min, config.lfu_decay_time)
    if counter < 255:
        base = max(0, counter - LFU_INIT_VAL)
        if random.random() < 1.0 / (base * config.lfu_log_factor + 1):
            counter += 1
    return LFU((now_min << 8) | counter)


class Database(object):
    __slots__ = ("index", "data", "expires", "keyspace", "_expire_iter",
                 "access", "old", "closed", "horizon", "raw")

    def __init__(self, index, keyspace):
        self.index = index
        self.keyspace = keyspace
        self.data = {}
        self.expires = {}
        self._expire_iter = None
        self.access = {}                 # young generation: key -> last access second
        self.old = {}                    # the generation before it (closed: full)
        self.closed = keyspace.lru_now   # the second ``old`` was closed at
        self.horizon = keyspace.lru_now  # untracked keys were last accessed at or before this
        # Keys whose string Redis would hold RAW-encoded because a command
        # modified it in place (APPEND, SETRANGE ...): OBJECT ENCODING shows it.
        # Usually empty, so the write paths only pay a truth test.
        self.raw = set()

    def __len__(self):
        return len(self.data)

    # --- reading -------------------------------------------------------------
    # get / read / peek are the lookups. They share _expired(), called only
    # when the database has TTLs at all; the access stamp is inlined because
    # GET runs through here for every request.

    def get(self, key):
        """The live value at key, or None; records the access. Removes the key if its TTL has passed."""
        v = self.data.get(key)
        if v is not None:
            if self.expires and self._expired(key):
                return None
            now = self.keyspace.lru_now
            if self.access.get(key) is not now:
                acc = self.access
                if len(acc) < self.keyspace.fast_cap:
                    acc[key] = now
                else:
                    self._record(key, now)
        return v

    def read(self, key, touch=True, notify=True):
        """A read by a command: like get() (peek() without ``touch``), counted as a
        keyspace hit or miss as Redis' lookupKeyRead counts it; a miss is a
        "keymiss" event unless ``notify`` is False (Redis' LOOKUP_NONOTIFY)."""
        v = self.data.get(key)
        ks = self.keyspace
        if v is None or (self.expires and self._expired(key)):
            ks.misses += 1
            if ks.notify_miss is not None and notify:
                ks.notify_miss(key, self.index)
            return None
        ks.hits += 1
        if touch:
            now = ks.lru_now
            if self.access.get(key) is not now:
                acc = self.access
                if len(acc) < ks.fast_cap:
                    acc[key] = now
                else:
                    self._record(key, now)
        return v

    def peek(self, key):
        """The live value at key, or None, without recording an access (TYPE, TTL, OBJECT ...)."""
        v = self.data.get(key)
        if v is not None and self.expires and self._expired(key):
            return None
        return v

    def _expired(self, key):
        """True (and the key removed) when key's TTL has passed.

        While clients are paused (CLIENT PAUSE) the key reads as gone but stays,
        as Redis 7.0 pauses expiry: it is removed once the pause ends.
        """
        when = self.expires.get(key)
        if when is not None and when <= self.keyspace.clock():
            if not self.keyspace.expire_paused:
                self._expire(key)
            return True
        return False

    def _tracked(self, key):
        """The tracker's entry for key (a second, or an LFU entry), or None."""
        t = self.access.get(key)
        return self.old.get(key) if t is None else t

    def idle_seconds(self, key):
        """Seconds since the last access of key (a lower bound when it is no longer tracked)."""
        t = self._tracked(key)
        if t is None or type(t) is LFU:   # LFU data says nothing of idle time
            t = self.horizon
        return max(0, self.keyspace.lru_now - t)

    def lfu_freq(self, key):
        """OBJECT FREQ: the key's decayed LFU counter (no access recorded)."""
        cfg = self.keyspace.lfu
        now_min = (self.keyspace.lru_now // 60) & 0xFFFF
        return lfu_decayed(self._tracked(key), now_min, cfg.lfu_decay_time if cfg else 1)

    def set_freq(self, key, counter):
        """Give a live key an LFU counter (RESTORE ... FREQ under an LFU policy)."""
        now_min = (self.keyspace.lru_now // 60) & 0xFFFF
        self._put(key, LFU((now_min << 8) | min(255, max(0, counter))))

    def set_idle(self, key, seconds):
        """Give a live key an idle time (RESTORE ... IDLETIME, an RDB file's idle opcode)."""
        self._put(key, max(0, self.keyspace.lru_now - seconds))

    def touch(self, key):
        """Record an access to a key known to be live.

        A key already stamped with the current second (the very same int
        object) costs one lookup.
        """
        now = self.keyspace.lru_now
        if self.access.get(key) is not now:
            self._record(key, now)

    def _record(self, key, now):
        """Stamp key (its LFU counter under an LFU policy) in the young generation."""
        lfu = self.keyspace.lfu
        self._put(key, now if lfu is None else lfu_touched(self._tracked(key), now, lfu))

    def _put(self, key, entry):
        acc = self.access
        if len(acc) >= self.keyspace.track_cap and key not in acc:
            acc = self._rotate()
        acc[key] = entry

    def _rotate(self):
        """Close the full young generation and drop the one before it; returns the new one."""
        # Every key only in the dropped generation was last accessed before it was closed.
        self.horizon = self.closed
        self.closed = self.keyspace.lru_now
        self.old = self.access
        self.access = acc = {}
        return acc

    def _forget(self, key):
        """A deleted key leaves the tracker (a key created again without an
        access, as RDB loading does, must not inherit the old time)."""
        self.access.pop(key, None)
        if self.old:
            self.old.pop(key, None)

    def mark_raw(self, key):
        """Record that the string at key was modified in place (Redis' RAW encoding)."""
        self.raw.add(key)

    def is_raw(self, key):
        return key in self.raw

    def get_typed(self, key, cls):
        """The value at key if it is of class ``cls`` (or None); WRONGTYPE otherwise."""
        v = self.get(key)
        if v is not None and type(v) is not cls:
            raise CommandError(errors.WRONGTYPE)
        return v

    def read_typed(self, key, cls):
        """A read lookup (hits/misses counted) of a value of class ``cls``; WRONGTYPE otherwise."""
        v = self.read(key)
        if v is not None and type(v) is not cls:
            raise CommandError(errors.WRONGTYPE)
        return v

    def exists(self, key):
        return self.peek(key) is not None

    def ttl_ms(self, key):
        """Remaining ms, -1 without TTL, -2 for a missing key."""
        if self.peek(key) is None:
            return -2
        when = self.expires.get(key)
        if when is None:
            return -1
        return max(0, when - self.keyspace.clock())

    def expire_at(self, key):
        """Absolute expiry in ms, or None."""
        return self.expires.get(key)

    def live_keys(self):
        """A list of keys whose TTL has not passed.

        Expired keys are skipped, not removed: Redis' KEYS only tests them
        (keyIsExpired), so neither expired_keys nor the keyspace changes.
        """
        if not self.expires:
            return list(self.data)
        now = self.keyspace.clock()
        get = self.expires.get
        later = now + 1   # stands for "no TTL"
        return [k for k in self.data if get(k, later) > now]

    def random_key(self):
        """A random live key, or None only when the database holds none.

        Expired keys that are drawn are expired, as Redis' dbRandomKey does;
        after a few such misses the remaining expired keys are expired in one
        sweep, so a database of mostly expired keys still yields a live one.
        """
        data = self.data
        for _ in range(16):
            if not data:
                return None
            k = _draw(data)
            if self.peek(k) is not None:
                return k
        if self.keyspace.expire_paused:
            return None   # expiry held back by CLIENT PAUSE: nothing to clear out now
        now = self.keyspace.clock()
        for k in [k for k, when in self.expires.items() if when <= now]:
            self._expire(k)
        return _draw(data) if data else None

    # --- writing --------------------------------------------------------------
    def set(self, key, value, keepttl=False, expire_at=None):
        """Store value at key. A write drops the TTL unless keepttl; expire_at sets a new one.

        An old value whose TTL has passed expires first (counted, hooks
        called), as Redis' lookupKeyWrite does before overwriting; KEEPTTL
        then has no TTL to keep. ``expire_at`` is stored as given, even if
        already past (SET ... PXAT <past> keeps the key until it is next
        looked at, as in Redis).
        """
        ks = self.keyspace
        exp = self.expires
        if exp:
            when = exp.get(key)
            if when is not None:
                if when <= ks.clock():
                    self._expire(key)
                elif not keepttl:
                    del exp[key]
        # "new" (Redis' dbAdd) costs one test while nobody listens for it.
        new = ks.notify_new is not None and key not in self.data
        self.data[key] = value
        if expire_at is not None:
            exp[key] = expire_at
        if self.raw:
            self.raw.discard(key)   # a new value is not modified in place
        now = ks.lru_now
        if self.access.get(key) is not now:
            acc = self.access
            if len(acc) < ks.fast_cap:
                acc[key] = now
            else:
                self._record(key, now)
        ks.dirty += 1
        if ks.on_change:
            ks.key_changed(self, key)
        if ks.blocked_keys:
            ks.signal(self.index, key)
        if new:
            ks.notify_new(key, self.index)

    def set_many(self, keys, values):
        """set(key, value) for each pair in order (MSET): TTLs dropped, one change each.

        While nothing watches single keys (no WATCH/tracking/eviction hook, no
        blocked client, no "new" event) and none of the keys has a TTL or a
        RAW mark, the pairs are stored with C-level dict updates; otherwise
        key by key through set().
        """
        ks = self.keyspace
        exp = self.expires
        if (ks.on_change or ks.blocked_keys or ks.notify_new is not None
                or (exp and not exp.keys().isdisjoint(keys))
                or (self.raw and not self.raw.isdisjoint(keys))):
            for key, value in zip(keys, values):
                self.set(key, value)
            return
        self.data.update(zip(keys, values))
        acc = self.access
        if len(acc) + len(keys) <= ks.fast_cap:
            acc.update(dict.fromkeys(keys, ks.lru_now))
        else:
            now = ks.lru_now
            for key in keys:
                if acc.get(key) is not now:
                    if len(acc) < ks.fast_cap:
                        acc[key] = now
                    else:
                        self._record(key, now)
                    acc = self.access   # _record may have started a new generation
        ks.dirty += len(keys)

    def add(self, key, value, dirty=1):
        """Store value at a key known to be absent (no TTL to clear); ``dirty``: the
        changes to count (Redis counts e.g. each element a ZADD added)."""
        self.data[key] = value
        ks = self.keyspace
        now = ks.lru_now
        if self.access.get(key) is not now:
            acc = self.access
            if len(acc) < ks.fast_cap:
                acc[key] = now
            else:
                self._record(key, now)
        ks.dirty += dirty
        if ks.on_change:
            ks.key_changed(self, key)
        if ks.blocked_keys:
            ks.signal(self.index, key)
        if ks.notify_new is not None:
            ks.notify_new(key, self.index)

    def delete(self, key, dirty=1):
        """Remove key; True if a live key was removed."""
        return self.pop(key, dirty) is not None

    def pop(self, key, dirty=1):
        """Remove key and return its live value (or None); ``dirty``: the changes to count."""
        v = self.peek(key)
        if v is None:
            return None
        del self.data[key]
        if self.expires:
            self.expires.pop(key, None)
        self._forget(key)
        if self.raw:
            self.raw.discard(key)
        ks = self.keyspace
        ks.dirty += dirty
        if ks.on_change:
            ks.key_changed(self, key)
        return v

    def set_expire(self, key, when_ms, delete_past=True):
        """Set an absolute expiry on a live key; a time in the past deletes it.

        With ``delete_past`` False the time is stored as given (Redis'
        setExpire): a TTL carried over by RENAME/COPY/MOVE must not turn into
        a deletion because a millisecond passed meanwhile.
        """
        if delete_past and when_ms <= self.keyspace.clock():
            self.delete(key)
            return
        self.expires[key] = when_ms
        ks = self.keyspace
        ks.dirty += 1
        if ks.on_change:
            ks.key_changed(self, key)

    def persist(self, key):
        """Drop the TTL; True if there was one."""
        if self.get(key) is None or key not in self.expires:
            return False
        del self.expires[key]
        ks = self.keyspace
        ks.dirty += 1
        if ks.on_change:
            ks.key_changed(self, key)
        return True

    def overwrite(self, key, value):
        """Replace the value of a key that get() has just returned live, keeping
        its TTL (INCR and friends): set()'s expiry, access and new-key steps
        are already done or do not apply."""
        self.data[key] = value
        if self.raw:
            self.raw.discard(key)
        self.changed(key)

    def changed(self, key, dirty=1):
        """Report a value mutated in place (list push, hash field set, ...)."""
        ks = self.keyspace
        ks.dirty += dirty
        if ks.on_change:
            ks.key_changed(self, key)
        if ks.blocked_keys:
            ks.signal(self.index, key)

    def clear(self):
        """Empty the database; every key is reported changed (WATCH sees FLUSHDB)."""
        self.keyspace.dirty += len(self.data)
        keys = list(self.data) if self.keyspace.on_change else ()
        self.data = {}
        self.expires = {}
        self._expire_iter = None
        self.access = {}
        self.old = {}
        self.closed = self.horizon = self.keyspace.lru_now
        self.raw = set()
        ks = self.keyspace
        ks.clearing = True
        try:
            for k in keys:
                ks.key_changed(self, k)
        finally:
            ks.clearing = False

    # --- expiry --------------------------------------------------------------
    def _expire(self, key):
        del self.data[key]
        del self.expires[key]
        self._forget(key)
        if self.raw:
            self.raw.discard(key)
        ks = self.keyspace
        # Not a change of the dataset by a command (Redis leaves server.dirty
        # alone): persistence hears of it through on_expire.
        ks.expired_keys += 1
        for hook in ks.on_expire:
            hook(self, key)
        if ks.on_change:
            ks.key_changed(self, key)

    def active_expire(self, budget_keys, now):
        """Examine up to budget_keys keys with a TTL, round-robin; return (examined, expired).

        Walks a snapshot of the TTL table across calls, so a steady stream of
        new keys cannot keep a pass from reaching the end (iterating the live
        dict would restart at every size change).
        """
        exp = self.expires
        if not exp:
            self._expire_iter = None
            return 0, 0
        state = self._expire_iter
        if state is None:
            state = [list(exp), 0]
        snap, i = state
        end = min(len(snap), i + budget_keys)
        examined = end - i
        expired = 0
        get = exp.get
        for k in snap[i:end]:
            w = get(k)
            if w is not None and w <= now and k in self.data:
                self._expire(k)
                expired += 1
        self._expire_iter = None if end >= len(snap) else [snap, end]
        return examined, expired


def _draw(d):
    """A random key of a non-empty dict (sampling a dict is O(n) in Python)."""
    return random.choice(list(d)) if len(d) < 64 else _sample_key(d)


def _sample_key(d):
    """A pseudo-random key of a large dict without copying it whole."""
    n = len(d)
    skip = random.randrange(n)
    for i, k in enumerate(d):
        if i >= skip:
            return k
    return None


class Keyspace(object):
    def __init__(self, databases=16, clock=wall_clock_ms):
        self.clock = clock
        self.lru_now = clock() // 1000   # cached current second for access tracking
        self.dbs = [Database(i, self) for i in range(databases)]
        self.on_change = []   # fn(db, key)
        self.clearing = False  # on_change calls come from emptying a whole database
        self.on_expire = []   # fn(db, key)
        # Keys stored without a change report (the RDB loader writes
        # Database.data directly): whoever keeps per-key figures recounts
        # when this moves (eviction.py).
        self.unreported = 0
        self.expired_keys = 0
        self.evicted_keys = 0  # INFO evicted_keys (eviction.py)
        # Access tracking (set by eviction.py through set_tracking): the config
        # while an LFU maxmemory policy is on, else None; the keys per tracker
        # generation; and that size while a plain second stamp will do, 0 while
        # every access must go through Database._record (LFU).
        self.lfu = None
        self.track_cap = self.fast_cap = ACCESS_TRACKER_CAP
        self.hits = 0         # INFO keyspace_hits / keyspace_misses
        self.misses = 0
        self.dirty = 0        # changes since the last save, as Redis' server.dirty
        # Clients blocked on keys: (db index, key) -> waiters (owned by blocking.py).
        # A change to one of these keys is queued in ``ready`` for the dispatcher
        # to serve once the running command is over (Redis' signalKeyAsReady).
        self.blocked_keys = {}
        self.ready = []
        self.expire_paused = False   # CLIENT PAUSE (pause.py) holds expiry back
        # fn(key, db_index) for the "new" and "keymiss" keyspace events; set by
        # notifications.py only while notify-keyspace-events asks for them.
        self.notify_new = None
        self.notify_miss = None

    def set_tracking(self, lfu=None, cap=ACCESS_TRACKER_CAP):
        """Track LFU counters (``lfu``: the config) or seconds, ``cap`` keys per generation."""
        self.lfu = lfu
        self.track_cap = cap
        self.fast_cap = cap if lfu is None else 0

    def tick(self):
        """Refresh the cached second used by access tracking (keeps one int object per second)."""
        now = self.clock() // 1000
        if now != self.lru_now:
            self.lru_now = now
        return now

    def reset_stats(self):
        """CONFIG RESETSTAT: the counters INFO shows."""
        self.expired_keys = self.evicted_keys = self.hits = self.misses = 0

    def signal(self, db_index, key):
        wk = (db_index, key)
        if wk in self.blocked_keys and wk not in self.ready:
            self.ready.append(wk)

    def key_changed(self, db, key):
        for hook in self.on_change:
            hook(db, key)

    def flushall(self):
        for db in self.dbs:
            db.clear()

    def swap(self, a, b):
        """SWAPDB: exchange the contents of two databases.

        Every key present in either database before the swap is reported in
        both (Redis touches a watched key of one if it exists in one or the
        other); swapping a database with itself changes and reports nothing.
        """
        self.dirty += 1
        if a == b:
            return
        da, db = self.dbs[a], self.dbs[b]
        touched = set(da.data).union(db.data) if self.on_change else ()
        da.data, db.data = db.data, da.data
        da.expires, db.expires = db.expires, da.expires
        # Access times travel with the keys, as Redis swaps whole databases.
        da.access, db.access = db.access, da.access
        da.old, db.old = db.old, da.old
        da.closed, db.closed = db.closed, da.closed
        da.horizon, db.horizon = db.horizon, da.horizon
        da.raw, db.raw = db.raw, da.raw
        da._expire_iter = db._expire_iter = None
        for d in (da, db):
            for k in touched:
                self.key_changed(d, k)
        # Clients blocked in either database may find their keys there now.
        for dbi, k in list(self.blocked_keys):
            if dbi in (a, b) and k in self.dbs[dbi].data:
                self.signal(dbi, k)

    def active_expire_cycle(self, time_budget_s=0.025, keys_per_step=200):
        """One active expiry pass over all databases, within a CPU time budget.

        Like Redis' slow cycle: keep going on a database while a good share of
        the sampled keys were expired, stop when the budget is spent.
        """
        self.tick()
        if self.expire_paused:
            return 0   # CLIENT PAUSE pauses expiry too
        deadline = time.perf_counter() + time_budget_s
        total = 0
        for db in self.dbs:
            while db.expires:
                examined, expired = db.active_expire(keys_per_step, self.clock())
                total += expired
                if examined == 0 or expired * 4 < examined:
                    break
                if time.perf_counter() > deadline:
                    return total
            if time.perf_counter() > deadline:
                break
        return total


def type_of(value):
    t = type(value)
    if t is TypedValue:
        return value.type_name
    return TYPE_NAMES[t]
