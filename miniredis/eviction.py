"""maxmemory: the dataset's memory accounting, eviction and the OOM refusal.

Owns: the memory figure that ``maxmemory`` bounds (INFO used_memory, MEMORY
USAGE / STATS), the eviction policies of Redis 7.0, the ``evicted`` keyspace
event and the propagation of evictions as DEL, and the -OOM context rule.
Must not touch: command semantics, sockets; keys are removed only through
:meth:`Database.pop`.

Memory accounting. Python has no cheap per-object allocation counter, so the
figure is the project's own estimate of what the dataset costs: per key
``KEY_OVERHEAD + len(key) + memory_of(value)`` (datatypes.memory_of: strings
by their length, containers by their ``memory()``, which samples a few
entries). MEMORY USAGE answers exactly that per-key cost, and the maxmemory
figure is the sum over all keys -- a limit bounds the data, not the
interpreter (an empty server uses 0).

* While ``maxmemory`` > 0 the sum is a running total: a keyspace change hook
  (``Keyspace.on_change``, which every mutation reaches) re-estimates the
  changed key and adjusts the total by the difference. The per-key estimates
  are kept in one dict per database; keys loaded straight into a database
  (RDB loading) are caught by a key-count check that recounts that database.
  A container of ``BIG`` entries or more changed in place is not re-walked
  (a list's estimate visits its every chunk): its last full estimate is
  scaled by its length, and redone once the length has doubled or halved,
  so a push costs O(1) amortized. MEMORY USAGE answers the tracked figure.
* While ``maxmemory`` is 0 nothing is tracked (a plain server pays nothing)
  and INFO / MEMORY STATS estimate the sum from the first keys of each
  database (``ESTIMATE_SAMPLE``) scaled to the key count.

Eviction (Redis' performEvictions): before every top-level command while
``maxmemory`` > 0 and the figure is over it, keys are evicted by the policy
until it is not. LRU uses the access tracker of keyspace.py (1 s resolution,
as Redis' LRU clock; the last ``EVICTION_TRACKER_CAP`` keys touched per
database rank exactly while such a policy evicts, older ones share the lower
bound of their idle time), LFU its logarithmic counters, volatile-ttl the nearest
expiry; candidates come from ``maxmemory-samples`` keys sampled per database
into a pool of 16 best candidates kept across calls, as Redis does. Random
sampling draws from a snapshot list of each database's keys (a dict has no
random access), rebuilt when too many of its keys are gone or the database
doubled. ``maxmemory-eviction-tenacity`` bounds the time spent per command as
Redis' evictionTimeLimitUs; past it the rest continues in a hub callback
(Redis' eviction time proc) and the command is not refused. When nothing can
be evicted (noeviction, or no candidate key) a command flagged ``denyoom``
-- or any command queued in MULTI, or EXEC of such a queue -- is refused with
-OOM; EXEC then answers EXECABORT (the dispatcher does that).
"""

import random
import time

from . import errors, events
from .datatypes import TypedValue, memory_of
from .keyspace import ACCESS_TRACKER_CAP, EVICTION_TRACKER_CAP
from .rules import RULE_OOM

# Dict entry (24 bytes) + key object header: the fixed cost of one key.
KEY_OVERHEAD = 56
ESTIMATE_SAMPLE = 256
POOL_SIZE = 16
BIG = 1024
_SCALARS = (bytes, int, float, TypedValue)

OK, RUNNING, FAIL = 0, 1, 2

# Their denyoom flag comes from the script's shebang or the function's flags.
_SCRIPT_COMMANDS = frozenset(("eval", "eval_ro", "evalsha", "evalsha_ro", "fcall", "fcall_ro"))
_OOM_FREE_SCRIPT_FLAGS = frozenset(("allow-oom", "no-writes"))

# Never refused in MULTI for memory (Redis: EXEC without denyoom commands, DISCARD, QUIT, RESET).
_MULTI_ALLOWED = frozenset(("exec", "discard", "quit", "reset"))


def key_cost(key, value):
    """The estimated bytes of one key and its value (MEMORY USAGE)."""
    return KEY_OVERHEAD + len(key) + memory_of(value)


def time_limit_s(tenacity):
    """Redis' evictionTimeLimitUs, in seconds; None means no limit."""
    if tenacity <= 10:
        return 50e-6 * tenacity
    if tenacity < 100:
        return 500e-6 * 1.15 ** (tenacity - 10)
    return None


class Eviction(object):
    def __init__(self, server, dispatcher):
        self.server = server
        self.config = server.config
        self.keyspace = server.keyspace
        self.events = server.events
        self.dispatcher = dispatcher
        self.sizes = None     # per database: key -> estimated cost, while tracking
        self.big = {}         # (db index, key) -> (value, length, memory) of its last full estimate
        self.used = 0         # the running total while tracking
        self.peak = 0
        self.pool = []        # [(score, db index, key)], best last
        self._snaps = {}      # (db index, volatile) -> [keys list, misses]
        self._next_db = 0
        self._scheduled = False
        self._synced_unreported = None
        # Redis' pre_command_oom_state: True when the last command found memory
        # over the limit with nothing left to evict (scripts may consult it).
        self.oom = False
        self.config.on_set.append(self._config_changed)
        self._apply()

    # --- switching on and off -----------------------------------------------------------
    def _config_changed(self, name, value):
        if name in ("maxmemory", "maxmemory-policy"):
            self.pool = []   # scores of another policy mean nothing to this one
            self._apply()
            if name == "maxmemory" and self.sizes is not None and self.used > value:
                self._schedule()   # Redis starts evicting at once, outside any command

    def _apply(self):
        cfg = self.config
        want = cfg.maxmemory > 0
        policy = cfg.maxmemory_policy
        # The access tracker keeps more keys only while eviction ranks keys by it.
        ranked = want and policy.endswith(("-lru", "-lfu"))
        self.keyspace.set_tracking(cfg if policy.endswith("-lfu") else None,
                                   EVICTION_TRACKER_CAP if ranked else ACCESS_TRACKER_CAP)
        if want and self.sizes is None:
            self.sizes = [{} for _ in self.keyspace.dbs]
            self.used = 0
            self._synced_unreported = None
            for db in self.keyspace.dbs:
                self._recount(db)
            self.keyspace.on_change.append(self._changed)
            self._insert_hook()
        elif not want and self.sizes is not None:
            self.keyspace.on_change.remove(self._changed)
            self.dispatcher.remove_rule(self._oom_hook)
            self.dispatcher.oom_gate[0] = None
            self.sizes = None
            self.big = {}
            self.oom = False
            self.pool = []
            self._snaps = {}

    def _insert_hook(self):
        self.dispatcher.add_rule(self._oom_hook, RULE_OOM)
        self.dispatcher.oom_gate[0] = self.under_limit

    # --- accounting -----------------------------------------------------------------------
    def _changed(self, db, key):
        sizes = self.sizes[db.index]
        old = sizes.pop(key, 0)
        v = db.data.get(key)
        new = 0
        if v is not None:
            new = sizes[key] = self._cost(db.index, key, v)
        elif self.big:
            self.big.pop((db.index, key), None)
        self.used += new - old

    def _cost(self, dbi, key, v):
        """key_cost(), scaled from the last full estimate for a big container changed in place."""
        if type(v) in _SCALARS:
            return key_cost(key, v)
        n = len(v)
        if n < BIG:
            if self.big:
                self.big.pop((dbi, key), None)
            return key_cost(key, v)
        ref = self.big.get((dbi, key))
        if ref is not None and ref[0] is v and ref[1] // 2 <= n <= ref[1] * 2:
            return KEY_OVERHEAD + len(key) + ref[2] * n // ref[1]
        m = memory_of(v)
        self.big[(dbi, key)] = (v, n, m)
        return KEY_OVERHEAD + len(key) + m

    def usage(self, db, key, value):
        """MEMORY USAGE: the figure the running total holds for the key, when tracked."""
        if self.sizes is not None:
            self._sync()
            cost = self.sizes[db.index].get(key)
            if cost is not None:
                return cost
        return key_cost(key, value)

    def _recount(self, db):
        sizes = self.sizes[db.index]
        self.used -= sum(sizes.values())
        sizes.clear()
        for k in [k for k in self.big if k[0] == db.index]:
            del self.big[k]
        for k, v in db.data.items():
            sizes[k] = self._cost(db.index, k, v)
        self.used += sum(sizes.values())

    def _sync(self):
        """Recount databases filled without change reports (RDB loading, at start-up
        or DEBUG RELOAD): checked only when Keyspace.unreported moved, so the
        OOM check before every command costs nothing more after a write."""
        n = self.keyspace.unreported
        if n == self._synced_unreported:
            return
        # While a load is under way (INFO is served) its keys keep coming.
        self._synced_unreported = n if self.server.loading is None else None
        sizes = self.sizes
        for db in self.keyspace.dbs:
            if len(sizes[db.index]) != len(db.data):
                self._recount(db)

    def used_memory(self):
        """The figure maxmemory bounds: exact while tracking, else estimated."""
        if self.sizes is not None:
            self._sync()
            used = self.used
        else:
            used = sum(self.db_estimate(db) for db in self.keyspace.dbs)
        if used > self.peak:
            self.peak = used
        return used

    def db_estimate(self, db):
        """The estimated cost of one database's keys."""
        if self.sizes is not None:
            return sum(self.sizes[db.index].values())
        n = len(db.data)
        if not n:
            return 0
        total = count = 0
        for k, v in db.data.items():
            total += key_cost(k, v)
            count += 1
            if count >= ESTIMATE_SAMPLE:
                break
        return total * n // count

    # --- the OOM context rule ------------------------------------------------------------
    def under_limit(self):
        """The plain path's question before each command (Dispatcher.oom_gate): True
        when memory is within maxmemory, where _oom_hook would pass any command."""
        self._sync()
        if self.used <= self.config.maxmemory:
            self.oom = False
            return True
        return False

    def _oom_hook(self, conn, spec, argv):
        if conn.sock is None:
            return None   # replaying the append-only log: Redis obeys such clients
        if self.under_limit():
            return None
        state = self.perform()
        self.events.flush_each()   # each eviction's DEL on its own, before the command
        self.oom = state == FAIL
        if state != FAIL:
            return None
        if self._denyoom(spec, argv) or self._multi_refused(conn, spec):
            return self.dispatcher.error(errors.OOM, spec)
        return None

    def _multi_refused(self, conn, spec):
        multi = conn.multi
        if multi is None:
            return False
        if spec.fullname not in _MULTI_ALLOWED:
            return True   # queueing may grow memory without bound
        return spec.fullname == "exec" and any(self._denyoom(s, a) for s, a in multi)

    def _denyoom(self, spec, argv):
        """Redis' CMD_DENYOOM of this call: a script with a shebang (EVAL*) or a
        function (FCALL*) is denyoom unless flagged allow-oom or no-writes; an EVAL
        without shebang is not (its redis.call()s are checked by the script runner)."""
        if spec.fullname not in _SCRIPT_COMMANDS:
            return spec.is_denyoom
        flags = self._script_flags(spec.fullname, argv)
        return flags is not None and not _OOM_FREE_SCRIPT_FLAGS.intersection(flags)

    def _script_flags(self, name, argv):
        """The flags of the script or function argv names, or None (none declared, unknown)."""
        from .errors import CommandError
        from .scripting.host import parse_shebang, scripting   # the Lua runtime loads on use
        try:
            if name in ("eval", "eval_ro"):
                return parse_shebang(argv[1])[0]
            host = scripting(self.server)
            if name in ("evalsha", "evalsha_ro"):
                script = host.scripts.get(argv[1].lower())
                return None if script is None else script.flags
            f = host.functions.functions.get(argv[1].lower())
            return None if f is None else f.flags
        except CommandError:
            return None   # a bad shebang: the command itself reports it

    # --- eviction ------------------------------------------------------------------------
    def perform(self):
        """Evict until under maxmemory: OK, RUNNING (time limit hit) or FAIL."""
        cfg = self.config
        if self.sizes is None or self.used <= cfg.maxmemory:
            return OK
        policy = cfg.maxmemory_policy
        if policy == "noeviction":
            return FAIL
        limit = time_limit_s(cfg.maxmemory_eviction_tenacity)
        t0 = time.perf_counter()
        freed = 0
        while self.used > cfg.maxmemory:
            pick = self._pick(policy)
            if pick is None:
                return FAIL
            self._evict(*pick)
            freed += 1
            if limit is not None and not freed % 16 and time.perf_counter() - t0 > limit:
                self._schedule()
                return RUNNING
        return OK

    def _schedule(self):
        if not self._scheduled:
            self._scheduled = True
            self.server.loop.run_callback(self._background)

    def _background(self):
        """Redis' eviction time proc: go on evicting between clients' requests."""
        self._scheduled = False
        if self.sizes is None:
            return
        self._sync()
        self.perform()
        self.events.flush_each()

    def _evict(self, db, key):
        if db.pop(key, dirty=0) is None:
            return   # it had expired: removed as such
        self.keyspace.evicted_keys += 1
        self.events.add(db.index, [b"DEL", key])
        self.events.notify(events.EVICTED, "evicted", key, db.index)

    def _pick(self, policy):
        """(db, key) to evict by the policy, or None when there is no candidate."""
        volatile = policy.startswith("volatile-")
        if policy.endswith("-random"):
            return self._pick_random(volatile)
        score = self._scorer(policy)
        for _ in range(8):
            if not self._fill_pool(volatile, score):
                return None
            while self.pool:
                s, dbi, key = self.pool.pop()
                db = self.keyspace.dbs[dbi]
                src = db.expires if volatile else db.data
                if key not in src:
                    continue
                now = score(db, key)
                if self.pool and now < self.pool[-1][0]:
                    self._offer(now, dbi, key)   # used since it was pooled
                    continue
                return db, key
        return None

    def _pick_random(self, volatile):
        dbs = self.keyspace.dbs
        for i in range(len(dbs)):
            db = dbs[(self._next_db + i) % len(dbs)]
            keys = self._sample(db, volatile, 1)
            if keys:
                self._next_db = (db.index + 1) % len(dbs)
                return db, keys[0]
        return None

    def _scorer(self, policy):
        """score(db, key): higher is a better candidate."""
        if policy.endswith("-lru"):
            return lambda db, key: db.idle_seconds(key)
        if policy.endswith("-lfu"):
            return lambda db, key: 255 - db.lfu_freq(key)
        return lambda db, key: -db.expires.get(key, 0)   # volatile-ttl: nearest expiry first

    def _fill_pool(self, volatile, score):
        """Sample every database into the pool; False when no database has a candidate."""
        n = self.config.maxmemory_samples
        found = False
        for db in self.keyspace.dbs:
            for key in self._sample(db, volatile, n):
                found = True
                self._offer(score(db, key), db.index, key)
        return found or bool(self.pool)

    def _offer(self, score, dbi, key):
        pool = self.pool
        entry = (score, dbi, key)
        for i, e in enumerate(pool):
            if e[2] == key and e[1] == dbi:
                del pool[i]   # one entry per key, with its newest score
                break
        if len(pool) >= POOL_SIZE:
            if score <= pool[0][0]:
                return
            pool.pop(0)
        pool.append(entry)
        pool.sort(key=lambda e: e[0])

    def _sample(self, db, volatile, n):
        """Up to n distinct live candidate keys of db, drawn at random."""
        src = db.expires if volatile else db.data
        if not src:
            return []
        if len(src) <= n:
            return list(src)
        snap = self._snaps.get((db.index, volatile))
        if snap is None or snap[1] * 2 > len(snap[0]) or len(src) > 2 * len(snap[0]):
            snap = self._snaps[(db.index, volatile)] = [list(src), 0]
        keys = snap[0]
        out = set()
        for _ in range(n * 2):
            k = keys[random.randrange(len(keys))]
            if k in src:
                out.add(k)
                if len(out) >= n:
                    break
            else:
                snap[1] += 1
        if not out:
            # Every draw missed: the snapshot is stale, take a fresh one next time.
            self._snaps.pop((db.index, volatile), None)
            return self._sample(db, volatile, n) if len(src) else []
        return list(out)
