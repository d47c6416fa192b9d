"""Client-side caching support: CLIENT TRACKING and its invalidation messages.

Owns: each tracking client's options (redirect, BCAST, prefixes, OPTIN,
OPTOUT, NOLOOP, the CACHING flag of its next command), the table of keys read
by tracking clients (key name -> client ids; like Redis it ignores the
database), the BCAST prefixes with the keys changed under them since the last
broadcast, and sending ``invalidate`` messages: a RESP3 push, or for a RESP2
client redirecting to a subscribed connection, a ``message`` on
``__redis__:invalidate``. Hooks (Keyspace.on_change, a dispatcher call hook
and context hook) are registered only while some client tracks. Must not
touch: command semantics.
"""

from .protocol import encode_into
from .replies import NULL, Push
from .rules import RULE_TRACKING

INVALIDATE = b"invalidate"
CHANNEL = b"__redis__:invalidate"
_FLUSHES = frozenset(("flushall", "flushdb"))


class State(object):
    __slots__ = ("conn", "redirect", "bcast", "prefixes", "optin", "optout", "noloop",
                 "caching", "prev_client", "broken")

    def __init__(self, conn, redirect, bcast, prefixes, optin, optout, noloop):
        self.conn = conn
        self.redirect = redirect    # client id, 0 for none
        self.bcast = bcast
        self.prefixes = prefixes    # [bytes] (BCAST)
        self.optin = optin
        self.optout = optout
        self.noloop = noloop
        self.caching = False        # CLIENT CACHING yes|no, for the next command
        self.prev_client = True     # the previous top-level command was CLIENT ...
        self.broken = False         # an invalidation found its redirection gone


def info_fields(server):
    """INFO's tracking figures: (clients, keys, items, prefixes) for tracking_clients
    (clients section) and tracking_total_keys/items/prefixes (stats section)."""
    t = getattr(server, "tracking", None)
    if t is None:
        return 0, 0, 0, 0
    return (len(t.states), len(t.table), sum(len(ids) for ids in t.table.values()),
            len(t.prefixes))


def redirect_of(conn):
    """CLIENT LIST's redir= field: the redirection while tracking (0: none), else -1."""
    st = state_of(conn)
    return -1 if st is None else st.redirect


def tracking(server):
    t = getattr(server, "tracking", None)
    if t is None:
        t = server.tracking = Tracking(server)
    return t


def state_of(conn):
    t = getattr(conn.server, "tracking", None)
    return t.states.get(conn.id) if t is not None else None


class Tracking(object):
    def __init__(self, server):
        self.server = server
        self.states = {}        # client id -> State
        self.table = {}         # key -> {client id, ...}
        self.prefixes = {}      # prefix -> {client id: set of (key, changer id)} pending
        self.scheduled = False
        self.active = False
        server.on_disconnect.append(lambda conn: self.disable(conn))

    # --- switching -------------------------------------------------------------------
    def enable(self, conn, redirect, bcast, prefixes, optin, optout, noloop):
        st = self.states.get(conn.id)
        if st is None:
            st = self.states[conn.id] = State(conn, redirect, bcast, [], optin, optout, noloop)
        else:
            # Enabling again replaces the options (prefixes add up), as Redis' enableTracking.
            st.redirect = redirect
            st.optin, st.optout, st.noloop = optin, optout, noloop
            st.broken = False
        # CLIENT LIST flags: t tracking, B broadcasting.
        conn.flags = _strip(conn.flags) + ("tB" if bcast else "t")
        self.server.dispatcher.add_rule(self._before, RULE_TRACKING, conn)
        if bcast:
            for p in prefixes or [b""]:
                if p not in st.prefixes:
                    st.prefixes.append(p)
                    self.prefixes.setdefault(p, {})[conn.id] = set()
        self._update_hooks()

    def disable(self, conn):
        st = self.states.pop(conn.id, None)
        if st is None:
            return
        conn.flags = _strip(conn.flags)
        self.server.dispatcher.remove_rule(self._before, conn)
        for p in st.prefixes:
            clients = self.prefixes.get(p)
            if clients is not None:
                clients.pop(conn.id, None)
                if not clients:
                    del self.prefixes[p]
        self._update_hooks()

    def _update_hooks(self):
        want = bool(self.states)
        if want == self.active:
            return
        d = self.server.dispatcher
        if want:
            self.server.keyspace.on_change.append(self._changed)
            # Only tracking clients' reads are remembered, and those clients
            # carry the context rule: other clients keep the plain path.
            d.add_call_hook(self._after, sees_plain=False)
        else:
            self.server.keyspace.on_change.remove(self._changed)
            d.remove_call_hook(self._after)
            self.table.clear()
        self.active = want

    # --- reading: remember the keys a tracking client read ------------------------
    def _before(self, conn, spec, argv):
        st = self.states.get(conn.id)
        if st is not None:
            # CLIENT CACHING lasts one command (or a whole MULTI ... EXEC), as Redis
            # clears it after any command but CLIENT ... when not in MULTI.
            if st.caching and not st.prev_client and conn.multi is None:
                st.caching = False
            st.prev_client = spec.parent is not None and spec.parent.name == "client"
        return None

    def _after(self, conn, spec, argv):
        if spec.name in _FLUSHES and (spec.parent is None):
            self._flushed()
            return
        if not spec.is_readonly:
            return
        st = self.states.get(conn.id)
        if st is None or st.bcast:
            return
        if (st.optin and not st.caching) or (st.optout and st.caching):
            return
        try:
            positions = spec.key_positions(argv)
        except ValueError:
            return
        for i in positions:
            self.table.setdefault(argv[i], set()).add(conn.id)
        limit = self.server.config.tracking_table_max_keys
        if limit and len(self.table) > limit:
            self._trim(limit)

    def _trim(self, limit):
        """Over tracking-table-max-keys: forget the oldest keys, telling their clients
        (Redis evicts random keys, likewise with an invalidation)."""
        while len(self.table) > limit:
            key = next(iter(self.table))
            for cid in self.table.pop(key):
                st = self.states.get(cid)
                if st is not None:
                    self.send(st, [key])

    # --- writing: invalidate ---------------------------------------------------------
    def _changed(self, db, key):
        if db.keyspace.clearing:
            return   # FLUSHALL / FLUSHDB: one null invalidation after the flush instead
        serving = self.server.serving
        changer = serving.id if serving is not None else 0
        ids = self.table.pop(key, None)
        if ids:
            for cid in ids:
                st = self.states.get(cid)
                if st is None or st.bcast or (st.noloop and cid == changer):
                    continue
                self.send(st, [key])
        if self.prefixes:
            for p, clients in self.prefixes.items():
                if key.startswith(p):
                    for pending in clients.values():
                        pending.add((key, changer))
                    self._schedule()

    def _schedule(self):
        if not self.scheduled:
            self.scheduled = True
            self.server.loop.run_callback(self.broadcast)

    def broadcast(self):
        """Send each BCAST client the keys changed under its prefixes (one message per prefix)."""
        self.scheduled = False
        for clients in self.prefixes.values():
            for cid, pending in clients.items():
                if not pending:
                    continue
                st = self.states.get(cid)
                keys = [k for k, changer in sorted(pending)
                        if st is not None and not (st.noloop and changer == cid)]
                pending.clear()
                if keys and st is not None:
                    self.send(st, keys)

    def _flushed(self):
        self.table.clear()
        for st in list(self.states.values()):
            self.send(st, None)

    def send(self, st, keys):
        """An invalidation for keys (None: everything) to st's client or its redirection."""
        target = st.conn
        redirected = False
        if st.redirect:
            target = self.server.clients.get(st.redirect)
            if target is None:
                st.broken = True
                if st.conn.proto == 3:
                    self._write(st.conn, Push([b"tracking-redir-broken", st.redirect]))
                return
            redirected = True
        payload = NULL if keys is None else keys
        if target.proto == 3:
            self._write(target, Push([INVALIDATE, payload]))
        elif redirected and (target.subscriptions or target.psubscriptions or
                             target.ssubscriptions):
            self._write(target, Push([b"message", CHANNEL, payload]))

    def _write(self, conn, push):
        if conn.sock is None:
            return
        out = []
        encode_into(push, conn.proto, out)
        if conn is self.server.serving:
            # Redis 7.0.15 sends the client's own invalidations after its reply.
            self.server.loop.run_callback(self._late, conn, b"".join(out))
        else:
            self.server.write(conn, b"".join(out))

    def _late(self, conn, data):
        if conn.sock is not None:
            conn.flush()
            self.server.write(conn, data)


def _strip(flags):
    return flags.replace("t", "").replace("B", "")
