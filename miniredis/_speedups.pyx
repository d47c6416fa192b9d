# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The compiled hot path: optional, built by setup.py when Cython and a C compiler are there.

Each function here has a pure-Python twin that stays the reference and the
fallback (``miniredis/compiled.py`` chooses; ``MINIREDIS_PURE=1`` forces the
pure code, and the test suite runs both ways):

- :func:`whole_requests` is the common case of ``RequestReader._feed_fresh``
  (protocol.py): data made of whole canonical multibulk requests only.
- :class:`PlainRunner` is ``run()`` of ``Dispatcher._build`` (dispatcher.py),
  with the common case of GET, SET, INCR, MSET and PING written out (their
  command functions are in commands/strings.py and commands/connection.py,
  the keyspace steps they repeat in keyspace.py ``Database.read/get/set/
  overwrite/set_many``).

The rule for the written-out commands: every condition under which the
pure code would do anything more than the common case (a TTL on the key,
a WATCH or other change hook, keyspace events, a blocked client, a RAW mark,
a value that is not a plain string ...) is tested first, before any effect,
and then the whole request goes to the command's own function instead. So
the compiled path never does half of a command, and what it does is what
the pure code does in that case.
"""

from cpython.dict cimport PyDict_GetItem, PyDict_SetItem, PyDict_Size
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.set cimport PySet_GET_SIZE
from libc.string cimport memcmp

import time

cdef object _perf = time.perf_counter


# --- the reader: whole canonical requests ------------------------------------------------

cdef Py_ssize_t _number(const unsigned char *p, Py_ssize_t i, Py_ssize_t n,
                        int max_digits, long long *value):
    """Read a canonical count ("0" or no leading zero, at most max_digits digits)
    ending in CRLF at p[i:]; the index after the CRLF, or -1."""
    cdef long long v = 0
    cdef int digits = 0
    cdef unsigned char c
    if i >= n:
        return -1
    if p[i] == 48:    # "0" alone
        i += 1
    else:
        while i < n:
            c = p[i]
            if c < 48 or c > 57:
                break
            if digits == max_digits:
                return -1
            v = v * 10 + (c - 48)
            digits += 1
            i += 1
        if digits == 0:
            return -1
    if i + 1 >= n or p[i] != 13 or p[i + 1] != 10:
        return -1
    value[0] = v
    return i + 2


cdef Py_ssize_t _count_whole(const unsigned char *p, Py_ssize_t n, long long max_bulk,
                             bint *empty):
    """How many requests p[0:n] holds when it is made of whole canonical
    multibulk requests only (each "*N" with N < 1000, each argument "$L" with
    L <= max_bulk, exact CRLFs); -1 for anything else."""
    cdef Py_ssize_t i = 0, k = 0
    cdef long long count, size, j
    while i < n:
        if p[i] != 42:   # '*'
            return -1
        # Three digits: hiredis is only given headers under 1000 (see _feed_fresh).
        i = _number(p, i + 1, n, 3, &count)
        if i < 0:
            return -1
        if count == 0:
            empty[0] = True
        j = 0
        while j < count:
            if i >= n or p[i] != 36:   # '$'
                return -1
            i = _number(p, i + 1, n, 15, &size)
            if i < 0 or size > max_bulk or size + 2 > n - i:
                return -1
            i += size
            if p[i] != 13 or p[i + 1] != 10:
                return -1
            i += 2
            j += 1
        k += 1
    return k


def whole_requests(hr, bytes data, long long max_bulk):
    """The requests of ``data`` read by the hiredis reader ``hr`` (which holds
    nothing), when data is whole canonical requests only; else None, and
    ``hr`` has not been touched.

    Canonical requests mean the same to hiredis and to Redis, and are bulk
    strings only: the checks of the pure path (sentinel request, _plain,
    oversized headers) all hold by construction.
    """
    cdef bint empty = False
    cdef Py_ssize_t k = _count_whole(<const unsigned char *>PyBytes_AS_STRING(data),
                                     PyBytes_GET_SIZE(data), max_bulk, &empty)
    cdef Py_ssize_t i
    if k < 0:
        return None
    hr.feed(data)
    gets = hr.gets
    reqs = PyList_New(k)
    for i in range(k):
        r = gets()
        if r is False:
            raise AssertionError("hiredis read fewer requests than the data holds")
        Py_INCREF(r)
        PyList_SET_ITEM(reqs, i, r)
    if empty:   # Redis skips empty multibulks
        reqs = [r for r in reqs if r]
    return reqs


# --- the plain path ----------------------------------------------------------------------

cdef object _canonical_int(bytes s):
    """The value of a string INCR can add to without any question (canonical,
    at most 18 digits: no overflow after +1), or None for the pure code to judge."""
    cdef const unsigned char *p = <const unsigned char *>PyBytes_AS_STRING(s)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(s), i = 0
    cdef long long v = 0
    cdef bint neg = False
    if n == 0 or n > 19:
        return None
    if p[0] == 45:   # '-'
        neg = True
        i = 1
        if n == 1 or n > 19:
            return None
    elif n > 18:
        return None
    if p[i] == 48:
        return 0 if n == 1 else None   # "0" only; "-0", "01" are the pure code's
    while i < n:
        if p[i] < 48 or p[i] > 57:
            return None
        v = v * 10 + (p[i] - 48)
        i += 1
    return -v if neg else v


# Commands written out in PlainRunner._written_out.
cdef enum:
    OTHER, GET, SET, INCR, PING, MSET


cdef class _Entry:
    """What the runner needs of a command name, read once: its spec's plain
    bounds never change after registration (registry.py)."""
    cdef object spec
    cdef bint plain
    cdef Py_ssize_t min_args, max_args
    cdef int written


cdef class _Run:
    """What one run of plain commands reads once (see PlainRunner._begin), and
    the keyspace counters its written-out commands have not added yet."""
    cdef bint plain, quiet, subscribed, prop
    cdef object db, now
    cdef dict data, expires, access
    cdef set raw
    cdef Py_ssize_t fast_cap
    cdef long long hits, dirty

    cdef inline int refresh_db(self) except -1:
        # The database's dicts: a pure command may have started a new access
        # generation (Database._rotate); nothing on the plain path replaces the others.
        db = self.db
        self.data = db.data
        self.expires = db.expires
        self.access = db.access
        self.raw = db.raw
        return 0

    cdef inline bint no_ttl(self, key):
        return PyDict_Size(self.expires) == 0 or PyDict_GetItem(self.expires, key) == NULL

    cdef inline int stamp(self, key) except -1:
        """Database's access stamp (get/read/set): one lookup when already stamped this second."""
        acc = self.access
        if PyDict_GetItem(acc, key) != <PyObject *>self.now:
            if PyDict_Size(acc) < self.fast_cap:
                PyDict_SetItem(acc, key, self.now)
            else:
                self.db._record(key, self.now)
                self.access = self.db.access
        return 0


cdef class PlainRunner:
    """``run(conn, reqs)`` of Dispatcher._build, compiled: see its docstring there.

    Built by the dispatcher with everything its closure sees; the paths that
    are not plain call back into the same Python closures as the pure run().
    """
    cdef object lookup, keyspace, blocking, events
    cdef list context_hooks, plain_watched, shared_timing, oom_gate
    cdef object prop_listeners
    cdef object dispatch, execute_timed, failed, settle, propagate, encode_into, advance
    cdef object typed_args, simple, blocked
    cdef list bulk_headers
    cdef bytes crlf, ok_raw
    cdef object get_spec, set_spec, incr_spec, ping_spec, mset_spec
    cdef _Entry e_get, e_set, e_incr, e_ping, e_mset
    cdef bytes pong_raw
    cdef dict entries   # command name -> _Entry, for the names LOOKUP knows

    def __init__(self, lookup, keyspace, blocking, events, context_hooks, plain_watched,
                 shared_timing, oom_gate, dispatch, execute_timed, failed,
                 settle, propagate, encode_into, advance, typed_args, simple, blocked, bulk_headers,
                 crlf, ok, pong, get_spec, set_spec, incr_spec, ping_spec, mset_spec):
        self.lookup = lookup
        self.keyspace = keyspace
        self.blocking = blocking
        self.events = events
        self.prop_listeners = events.propagate_listeners
        self.context_hooks = context_hooks
        self.plain_watched = plain_watched
        self.shared_timing = shared_timing
        self.oom_gate = oom_gate
        self.dispatch = dispatch
        self.execute_timed = execute_timed
        self.failed = failed
        self.settle = settle
        self.propagate = propagate
        self.encode_into = encode_into
        self.advance = advance
        self.typed_args = typed_args
        self.simple = simple
        self.blocked = blocked
        self.bulk_headers = bulk_headers
        self.crlf = crlf
        self.ok_raw = ok.raw
        self.get_spec = get_spec
        self.set_spec = set_spec
        self.incr_spec = incr_spec
        self.ping_spec = ping_spec
        self.mset_spec = mset_spec
        self.pong_raw = pong.raw
        self.entries = {}
        self.e_get = self._entry(None, get_spec)
        self.e_set = self._entry(None, set_spec)
        self.e_incr = self._entry(None, incr_spec)
        self.e_ping = self._entry(None, ping_spec)
        self.e_mset = self._entry(None, mset_spec)

    cdef _Entry _entry(self, name, spec):
        cdef _Entry e = _Entry()
        e.spec = spec
        e.plain = bool(spec.plain_data)
        e.min_args = spec.min_args
        e.max_args = spec.max_args
        e.written = (GET if spec is self.get_spec else SET if spec is self.set_spec
                     else INCR if spec is self.incr_spec else PING if spec is self.ping_spec
                     else MSET if spec is self.mset_spec else OTHER)
        if type(name) is bytes:
            self.entries[name] = e
        return e

    cdef inline bint _open(self, conn):
        # gates_open() of Dispatcher._build.
        context_hooks = self.context_hooks
        return ((not context_hooks or (self.oom_gate[0] is not None and len(context_hooks) == 1))
                and conn.context_hooks is None and conn.multi is None
                and conn.authenticated and not self.plain_watched[0]
                and self.shared_timing[0] and not conn.reply_mode
                and not conn.closing)

    cdef int _written_out(self, conn, int written, list argv, Py_ssize_t nargs, list out,
                          _Run run) except -1:
        """GET/SET/INCR/MSET/PING in their common case: 1 once the reply is in
        ``out``; 0 when the command's own function must run (nothing has been
        done)."""
        cdef PyObject *v
        cdef Py_ssize_t size, i
        if written == PING:
            # commands/connection.py ping(): a subscribed client (RESP3) is the pure code's.
            if nargs != 1 or run.subscribed:
                return 0
            out.append(self.pong_raw)
            return 1
        if written == GET:
            if nargs != 2:
                return 0
            key = argv[1]
            v = PyDict_GetItem(run.data, key)
            # Database.read, then strings.get: a live string.
            if v == NULL or type(<object>v) is not bytes or not run.no_ttl(key):
                return 0
            run.hits += 1
            run.stamp(key)
            size = PyBytes_GET_SIZE(<object>v)
            out.append(self.bulk_headers[size] if size < 1024 else b"$%d\r\n" % size)
            out.append(<object>v)
            out.append(self.crlf)
            return 1
        # The writes: Database.set / get+overwrite / set_many while nothing but
        # the store, the access stamp and the dirty counter is concerned (no
        # change hook, blocked client, "new" or other keyspace event, RAW mark);
        # each propagates as received, as its own function's call would.
        if not run.quiet or PySet_GET_SIZE(run.raw):
            return 0
        if not self._write_out(written, argv, nargs, out, run):
            return 0
        if run.prop:
            self.propagate(conn, argv, -1)   # -1: changed, whatever the dirty counter says
        return 1

    cdef int _write_out(self, int written, list argv, Py_ssize_t nargs, list out,
                        _Run run) except -1:
        """The writes of _written_out(): 1 once done, 0 when nothing was done."""
        cdef PyObject *v
        cdef Py_ssize_t i
        if written == SET:
            if nargs != 3:
                return 0
            key = argv[1]
            value = argv[2]
            if type(value) is not bytes or not run.no_ttl(key):
                return 0
            PyDict_SetItem(run.data, key, value)
            run.stamp(key)
            run.dirty += 1
            out.append(self.ok_raw)
            return 1
        if written == INCR:
            if nargs != 2:
                return 0
            key = argv[1]
            v = PyDict_GetItem(run.data, key)
            if not run.no_ttl(key):
                return 0
            if v == NULL:
                current = 0
            elif type(<object>v) is bytes:
                current = _canonical_int(<bytes>v)
                if current is None:
                    return 0
            else:
                return 0
            value = current + 1
            PyDict_SetItem(run.data, key, b"%d" % value)
            run.stamp(key)
            run.dirty += 1
            out.append(b":%d\r\n" % value)
            return 1
        if written == MSET:
            if nargs % 2 == 0:
                return 0
            if PyDict_Size(run.expires):
                for i in range(1, nargs, 2):
                    if PyDict_GetItem(run.expires, argv[i]) != NULL:
                        return 0
            for i in range(1, nargs, 2):
                PyDict_SetItem(run.data, argv[i], argv[i + 1])
                run.stamp(argv[i])
            run.dirty += nargs // 2
            out.append(self.ok_raw)
            return 1
        return 0

    cdef _Run _begin(self, conn):
        """What a run of plain commands may read once (nothing a plain command
        changes): the client's database and its dicts, the access second,
        whether it is subscribed, whether any change hook or keyspace event
        listener is there."""
        cdef _Run run = _Run()
        ks = self.keyspace
        run.plain = self._open(conn)
        # Only (P|S)SUBSCRIBE and friends change it: never plain commands.
        run.subscribed = bool(conn.subscriptions or conn.psubscriptions or conn.ssubscriptions)
        run.db = conn.db
        run.refresh_db()
        run.now = ks.lru_now
        run.fast_cap = ks.fast_cap
        run.prop = bool(self.prop_listeners)
        # Writes are written out only while nothing but the store, the access
        # stamp, the dirty counter and the propagation of the command itself
        # is concerned.
        run.quiet = not (ks.on_change or ks.blocked_keys or ks.notify_new is not None
                         or self.events.keyspace_listeners)
        return run

    cdef int _settle(self, conn, list reqs, Py_ssize_t start, Py_ssize_t end, list shared,
                     t0, _Run run) except -1:
        """settle() of the run so far, and the keyspace counters the written-out
        commands kept in ``run``."""
        ks = self.keyspace
        if run.hits:
            ks.hits += run.hits
            run.hits = 0
        if run.dirty:
            ks.dirty += run.dirty
            run.dirty = 0
        self.settle(conn, reqs, start, end, shared, _perf() - t0)
        return 0

    cdef inline _Entry _hot(self, name):
        """The entry of an upper- or lower-case GET/SET/INCR/PING/MSET without
        hashing the name (most requests), or None."""
        cdef const char *p
        cdef Py_ssize_t n
        if type(name) is not bytes:
            return None
        n = PyBytes_GET_SIZE(name)
        p = PyBytes_AS_STRING(name)
        if n == 3:
            if memcmp(p, b"GET", 3) == 0 or memcmp(p, b"get", 3) == 0:
                return self.e_get
            if memcmp(p, b"SET", 3) == 0 or memcmp(p, b"set", 3) == 0:
                return self.e_set
        elif n == 4:
            if memcmp(p, b"INCR", 4) == 0 or memcmp(p, b"incr", 4) == 0:
                return self.e_incr
            if memcmp(p, b"PING", 4) == 0 or memcmp(p, b"ping", 4) == 0:
                return self.e_ping
            if memcmp(p, b"MSET", 4) == 0 or memcmp(p, b"mset", 4) == 0:
                return self.e_mset
        return None

    def __call__(self, conn, list reqs):
        cdef Py_ssize_t n = 0, start = 0, size, nargs
        cdef list out = conn.out
        cdef list shared = []
        cdef _Run run = self._begin(conn)
        cdef PyObject *found
        cdef _Entry e
        cdef dict entries = self.entries
        cdef list bulk_headers = self.bulk_headers
        cdef bytes crlf = self.crlf
        lookup = self.lookup
        keyspace = self.keyspace
        typed_args = self.typed_args
        simple = self.simple
        last = None
        gate = self.oom_gate[0]
        t0 = _perf()
        try:
            for argv_o in reqs:
                n += 1
                name = argv_o[0]
                e = self._hot(name)
                if e is not None:
                    spec = e.spec
                else:
                    found = PyDict_GetItem(entries, name)
                    if found != NULL:
                        e = <_Entry>found
                        spec = e.spec
                    else:
                        spec = lookup(name)
                        e = self._entry(name, spec) if spec is not None else None
                nargs = len(argv_o)
                if (run.plain and e is not None and e.plain
                        and e.min_args <= nargs <= e.max_args and type(argv_o) is not typed_args
                        and (gate is None or gate())):
                    last = spec
                    if (e.written and type(argv_o) is list
                            and self._written_out(conn, e.written, <list>argv_o, nargs, out, run)):
                        # None of these can make a blocked client ready (_written_out).
                        shared.append(spec)
                        continue
                    if run.prop:
                        dirty = keyspace.dirty
                    try:
                        reply = spec.func(conn, argv_o)
                    except Exception as exc:
                        reply = self.failed(spec, argv_o, exc)
                    run.refresh_db()
                    shared.append(spec)
                    if run.prop:
                        self.propagate(conn, argv_o, dirty)
                    # The three common shapes are the same in both protocols.
                    rt = type(reply)
                    if rt is bytes:
                        size = PyBytes_GET_SIZE(reply)
                        if size < 1024:
                            out.append(bulk_headers[size])
                            out.append(reply)
                            out.append(crlf)
                        else:
                            out.append(b"$%d\r\n" % size)
                            out.append(reply)
                            out.append(crlf)
                    elif rt is simple:
                        out.append(reply.raw)
                    elif rt is int:
                        out.append(b":%d\r\n" % reply)
                    elif reply is not None:
                        self.encode_into(reply, conn.proto, out)
                    if keyspace.ready:
                        # Clients blocked on keys this command made ready: after its reply.
                        self._settle(conn, reqs, start, n, shared, t0, run)
                        shared = []
                        self.blocking.serve_ready()
                        start = n
                        run = self._begin(conn)
                        gate = self.oom_gate[0]
                        t0 = _perf()
                    continue
                if shared:
                    # Everything the next command may read is up to date.
                    self._settle(conn, reqs, start, n - 1, shared, t0, run)
                    shared = []
                last = spec
                if (spec is None or not spec.min_args <= nargs <= spec.max_args or self.context_hooks
                        or conn.context_hooks is not None or conn.multi is not None
                        or not conn.authenticated or type(argv_o) is typed_args):
                    last = None
                    reply = self.dispatch(conn, argv_o)
                else:
                    reply = self.execute_timed(conn, spec, argv_o)
                if reply is self.blocked:
                    return n
                if conn.reply_mode:
                    self.advance(conn)
                elif reply is not None:
                    self.encode_into(reply, conn.proto, conn.out)
                if keyspace.ready:
                    self.blocking.serve_ready()
                if conn.closing:
                    return n
                out = conn.out  # a command may have flushed (pushes, blocking ops)
                run = self._begin(conn)
                gate = self.oom_gate[0]
                start = n
                t0 = _perf()
            return n
        finally:
            if last is not None:
                # What CLIENT LIST shows as cmd=: read by others only between batches.
                conn.last_command = last.fullname_bytes
            if shared:
                self._settle(conn, reqs, start, n, shared, t0, run)
