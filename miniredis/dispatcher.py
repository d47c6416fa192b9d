"""One request, in Redis' order.

lookup -> arity -> authentication -> typed-value positions -> context rules
(hooks: pub/sub context, ...) -> MULTI queueing -> execute -> record the
call's effect for propagation. Once the outermost call is over, its effects
go to the propagation listeners (events.py); the caller queues the reply and
then serves the clients blocked on keys it made ready (blocking.py).

Owns: that order, nesting (EXEC and scripts run commands through
:meth:`execute`: their effects are flushed only after the outermost call),
error accounting (commandstats, errorstats) and
turning exceptions into error replies. Must not touch: sockets and encoding
(the connection loop encodes what ``dispatch`` returns), command semantics.

Hook lists cost nothing on the hot path while they are empty.
"""

import logging
import time

from . import errors
from .acl import Acl
from .compiled import speedups
from .errors import CommandError
from .eviction import Eviction
from .protocol import BULK_HEADERS, CRLF, TypedArgs, encode_into
from .registry import COMMANDS, LOOKUP, CommandSpec
from .replies import BLOCKED, OK, PONG, QUEUED, Error, Simple

log = logging.getLogger("miniredis")

# Names that mark an HTTP request sent to us by mistake or by an attacker
# (cross-protocol scripting); Redis drops such a client without a reply.
_SECURITY_NAMES = frozenset((b"post", b"host:"))

_perf = time.perf_counter

# Thresholds (slow log, latency monitor) under this many seconds time every
# command on its own: finer than that, a batch's average says too little.
SHARED_TIMING_FLOOR = 0.001

# What a client in MULTI runs at once; every other command is queued for EXEC.
RUN_IN_MULTI = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))


def advance_reply_mode(conn):
    """CLIENT REPLY OFF/SKIP (Redis' CLIENT_REPLY_* flags): the current reply is dropped.

    SKIP drops its own reply and the next command's, OFF every reply until ON.
    """
    if conn.reply_mode == 2:     # CLIENT REPLY SKIP just ran: the next one is skipped too
        conn.reply_mode = 3
    elif conn.reply_mode == 3:
        conn.reply_mode = 0


class Dispatcher(object):
    def __init__(self, server):
        self.server = server
        self.keyspace = server.keyspace
        self.events = server.events
        self.blocking = server.blocking
        # Context rules of every client, in rank order (add_rule); a client's own
        # rules are in its Connection.context_hooks (None when it has none).
        self.context_hooks = []
        self.rule_rank = {}
        # Users and permissions: a restricted user's clients get its rule.
        self.acl = Acl(server, self)
        # Observability (slowlog.py): a command that took at least slow[0] seconds
        # goes to on_slow(conn, spec, argv, seconds) (slow log, latency monitor);
        # then fn(conn, spec, argv) in call_hooks runs after every command, nested
        # ones too, registered only while needed (MONITOR, client tracking).
        self.slow = [float("inf")]
        # Whether fast commands may be timed per batch (see run()): no threshold
        # under SHARED_TIMING_FLOOR is set; kept by slowlog.py with slow[0].
        self.shared_timing = [True]
        self.on_slow = None
        self.call_hooks = []
        # [whether a call hook must see the plain commands of clients without
        # rules of their own]: MONITOR must; client tracking only watches its
        # own clients, which carry its context rule (add_call_hook).
        self.plain_watched = [False]
        self._plain_watchers = []
        # [latency-tracking]: whether each call's time goes to the latency histogram.
        self.latency_tracking = [server.config.latency_tracking]
        # [fn() -> bool] while maxmemory is on (eviction.py): True when memory is
        # under the limit, i.e. when its OOM context rule would let any command
        # through. While that rule is the only one, plain commands stay plain and
        # ask this first; a False sends the command through dispatch() and the rule.
        self.oom_gate = [None]
        self.dispatch, self.execute, self.retry, self.run = self._build()
        # maxmemory (eviction.py): its OOM context rule is registered only while maxmemory > 0.
        server.eviction = Eviction(server, self)

    def add_rule(self, hook, rank, conn=None):
        """Run ``hook`` before commands: every client's rule, or (conn) one client's own.

        Only while some rule applies to a client does it leave the plain path,
        so a rule is registered only while it can refuse something.
        """
        self.rule_rank[hook] = rank
        if conn is None:
            hooks = self.context_hooks
            if hook not in hooks:
                hooks.append(hook)
                hooks.sort(key=self.rule_rank.__getitem__)   # in place: closures hold the list
        else:
            own = conn.context_hooks or ()
            if hook not in own:
                conn.context_hooks = tuple(sorted((*own, hook), key=self.rule_rank.__getitem__))

    def remove_rule(self, hook, conn=None):
        if conn is None:
            if hook in self.context_hooks:
                self.context_hooks.remove(hook)
        else:
            own = conn.context_hooks
            if own is not None and hook in own:
                conn.context_hooks = tuple(h for h in own if h != hook) or None

    def add_call_hook(self, hook, sees_plain=True):
        """Run ``hook`` after every command (nested ones too). ``sees_plain``:
        it needs the plain commands of every client too, which closes the
        plain path for all while it is registered."""
        self.call_hooks.append(hook)
        if sees_plain:
            self._plain_watchers.append(hook)
        self.plain_watched[0] = bool(self._plain_watchers)

    def remove_call_hook(self, hook):
        self.call_hooks.remove(hook)
        if hook in self._plain_watchers:
            self._plain_watchers.remove(hook)
        self.plain_watched[0] = bool(self._plain_watchers)

    def resolve(self, argv):
        """(spec, error_message): the spec to run for argv, with arity checked."""
        name = argv[0]
        spec = LOOKUP.get(name)
        if spec is None:
            if type(name) is not bytes:
                return None, errors.TYPED_POSITION
            lname = name.lower()
            spec = COMMANDS.get(lname.decode("latin-1"))
            if spec is None:
                return None, errors.unknown_command(name, argv[1:])
        n = len(argv)
        a = spec.arity
        if (n != a) if a > 0 else (n < -a):
            spec.rejected_calls += 1
            return None, errors.wrong_arity(spec.name)
        if spec.subcommands and n > 1:
            sub = argv[1]
            sspec = spec.subcommands.get(sub.lower().decode("latin-1")) if type(sub) is bytes else None
            if sspec is None:
                if type(sub) is bytes and sub.lower() == b"help" and "help" in spec.subcommands:
                    sspec = spec.subcommands["help"]
                else:
                    # Redis counts no call, rejected or not, for an unknown subcommand.
                    return None, errors.unknown_subcommand(sub, spec.name)
            a = sspec.arity
            if (n != a) if a > 0 else (n < -a):
                sspec.rejected_calls += 1
                return None, errors.wrong_arity(sspec.fullname)
            spec = sspec
        return spec, None

    def _build(self):
        """Make dispatch() and execute() as closures over everything they use.

        They run for every request: closure variables are cheaper to reach
        than globals and instance attributes. The hook lists are captured as
        objects, so hooks appended later are still seen.
        """
        lookup = LOOKUP.get
        perf = _perf
        typed_args = TypedArgs
        keyspace = self.keyspace
        events = self.events
        prop_listeners = events.propagate_listeners
        blocking = self.blocking
        context_hooks = self.context_hooks
        rule_rank = self.rule_rank.__getitem__
        error = self.error
        slow_resolve = self._slow_resolve
        command_error = CommandError
        blocked = BLOCKED
        queued = QUEUED
        reject_in_multi = self._reject_in_multi
        slow = self.slow
        call_hooks = self.call_hooks
        plain_watched = self.plain_watched
        after_call = self._after_call
        nesting = [0]   # depth of EXEC / script calls running commands
        track = self.latency_tracking
        shared_timing = self.shared_timing
        oom_gate = self.oom_gate
        bulk_headers = BULK_HEADERS
        crlf = CRLF
        simple = Simple
        advance = advance_reply_mode

        def dispatch(conn, argv, spec=None):
            """Run one request; returns the reply (never raises for command errors).

            With ``spec`` given (EXEC, scripts, wake-ups) the request is already
            resolved and checked: only the execution steps run. Both cases share
            this one function so the common path makes no further Python call.
            """
            if spec is None:
                spec = lookup(argv[0])
                # Fast path: a known plain command with the right arity.
                if spec is None or not spec.min_args <= len(argv) <= spec.max_args:
                    spec = slow_resolve(conn, argv)
                    if type(spec) is not CommandSpec:
                        # an error reply, or None to drop the client
                        if spec is not None:
                            return reject_in_multi(conn, argv, spec)
                        return spec
                conn.last_command = spec.fullname_bytes
                if not conn.authenticated and not spec.no_auth:
                    return reject_in_multi(conn, argv, error(errors.NOAUTH, spec))
                if type(argv) is typed_args:
                    if not spec.typed_ok(argv):
                        return reject_in_multi(conn, argv, error(errors.TYPED_POSITION, spec))
                    conn.typed = True   # sending a typed value opts in to reading them
                hooks = conn.context_hooks
                if hooks is None:
                    hooks = context_hooks
                elif context_hooks:
                    hooks = sorted((*hooks, *context_hooks), key=rule_rank)
                if hooks:
                    for hook in hooks:
                        r = hook(conn, spec, argv)
                        if r is not None:
                            if type(r) is Error:
                                return reject_in_multi(conn, argv, r)
                            return r
                multi = conn.multi
                if multi is not None and spec.name not in RUN_IN_MULTI:
                    if spec.no_multi:
                        return reject_in_multi(conn, argv, error(errors.NOT_IN_MULTI, spec))
                    multi.append((spec, argv))
                    return queued
            return execute_timed(conn, spec, argv)

        def run(conn, reqs):
            """Run a batch of requests read together, appending their encoded replies
            to ``conn.out``; returns how many ran (fewer when one blocked or the
            client is closing).

            The common request runs here directly: a data command that cannot
            change how the next request is dispatched (CommandSpec.plain_data),
            with the right arity and plain arguments, from a client whose
            "gates" are open (authenticated, outside MULTI, no context rule, no
            call hook watching plain commands (MONITOR), normal replies:
            gates_open); while the append-only log or replicas follow the
            propagation stream, each one's effect is recorded as
            execute_timed() would propagate it, and the run's effects are
            handed on together when it is settled (propagate_plain()).
            Anything else
            goes through dispatch() in Redis' order, or is timed on its own,
            and the gates are looked at again after it.

            Plain commands are timed together: one clock read for a run of
            them, their time shared equally between them and their calls
            counted when the run ends -- before any other command runs, so
            whatever reads the statistics (INFO, LATENCY, another client) sees
            every call. A batch of one is timed exactly.
            """
            out = conn.out
            n = 0
            shared = []          # plain commands of the current run
            start = 0            # where that run began in reqs
            last = None
            plain = ((not context_hooks or (oom_gate[0] is not None and len(context_hooks) == 1))
                     and conn.context_hooks is None and conn.multi is None
                     and conn.authenticated and not plain_watched[0]
                     and shared_timing[0] and not conn.reply_mode
                     and not conn.closing)   # gates_open(), without a call
            gate = oom_gate[0]
            t0 = perf()
            try:
                for argv in reqs:
                    n += 1
                    spec = lookup(argv[0])
                    if (plain and spec is not None and spec.plain_data
                            and spec.min_args <= len(argv) <= spec.max_args and type(argv) is not typed_args
                            and (gate is None or gate())):
                        last = spec
                        if prop_listeners:
                            dirty = keyspace.dirty
                        try:
                            reply = spec.func(conn, argv)
                        except Exception as e:
                            reply = failed(spec, argv, e)
                        shared.append(spec)
                        if prop_listeners:
                            propagate_plain(conn, argv, dirty)
                        # The three common shapes are the same in both protocols.
                        rt = type(reply)
                        if rt is bytes:
                            size = len(reply)
                            if size < 1024:
                                out.extend((bulk_headers[size], reply, crlf))
                            else:
                                out.append(b"$%d\r\n" % size)
                                out.append(reply)
                                out.append(crlf)
                        elif rt is simple:
                            out.append(reply.raw)
                        elif rt is int:
                            out.append(b":%d\r\n" % reply)
                        elif reply is not None:
                            encode_into(reply, conn.proto, out)
                        if keyspace.ready:
                            # Clients blocked on keys this command made ready: after its reply.
                            settle(conn, reqs, start, n, shared, perf() - t0)
                            shared = []
                            blocking.serve_ready()
                            start = n
                            plain = gates_open(conn)
                            gate = oom_gate[0]
                            t0 = perf()
                        continue
                    if shared:
                        # Everything the next command may read is up to date.
                        settle(conn, reqs, start, n - 1, shared, perf() - t0)
                        shared = []
                    last = spec
                    if (spec is None or not spec.min_args <= len(argv) <= spec.max_args or context_hooks
                            or conn.context_hooks is not None or conn.multi is not None
                            or not conn.authenticated or type(argv) is typed_args):
                        last = None
                        reply = dispatch(conn, argv)
                    else:
                        reply = execute_timed(conn, spec, argv)
                    if reply is blocked:
                        return n
                    if conn.reply_mode:
                        advance(conn)
                    elif reply is not None:
                        encode_into(reply, conn.proto, conn.out)
                    if keyspace.ready:
                        blocking.serve_ready()
                    if conn.closing:
                        return n
                    out = conn.out  # a command may have flushed (pushes, blocking ops)
                    plain = gates_open(conn)
                    gate = oom_gate[0]
                    start = n
                    t0 = perf()
                return n
            finally:
                if last is not None:
                    # What CLIENT LIST shows as cmd=: read by others only between batches.
                    conn.last_command = last.fullname_bytes
                if shared:
                    settle(conn, reqs, start, n, shared, perf() - t0)

        def failed(spec, argv, exc):
            """The reply to a command that raised: its error, or (a bug, which must
            not take the connection or the server down) an internal error."""
            if isinstance(exc, command_error):
                spec.failed_calls += 1
                return error(exc.message)
            return self._internal_error(spec, argv, exc)

        def gates_open(conn):
            """Whether plain commands may skip the dispatcher's checks for this client now."""
            return ((not context_hooks or (oom_gate[0] is not None and len(context_hooks) == 1))
                    and conn.context_hooks is None and conn.multi is None
                    and conn.authenticated and not plain_watched[0]
                    and shared_timing[0] and not conn.reply_mode
                    and not conn.closing)

        def execute_timed(conn, spec, argv):
            """Execute a resolved, checked command timed on its own, and account for it.

            The clients blocked on keys it made ready are served by the caller
            (run(), Server), once this reply is queued: Redis answers the command
            first, then handleClientsBlockedOnKeys runs (pushes the wake-up
            causes, e.g. keyspace notifications, come after the reply).
            """
            dirty = keyspace.dirty if prop_listeners else 0
            t = perf()
            try:
                reply = spec.func(conn, argv)
            except Exception as e:
                reply = failed(spec, argv, e)
            dt = perf() - t
            spec.usec += dt
            if reply is blocked:
                finish_blocked(conn, spec, argv, dirty)
                return reply
            spec.calls += 1
            if track[0]:
                spec.latencies.append(dt)
            if dt >= slow[0] or call_hooks:
                after_call(conn, spec, argv, dt)
            if prop_listeners:
                propagate(conn, argv, dirty)
            return reply

        def settle(conn, reqs, start, end, shared, elapsed):
            """Account a run of plain commands (reqs[start:end]): calls, shared time;
            hand their effects on (propagate_plain())."""
            if events.ops:
                events.flush_batch()
            k = len(shared)
            first = shared[0]
            if k == 1:   # no pipeline
                first.calls += 1
                first.usec += elapsed
                if track[0]:
                    first.latencies.append(elapsed)
                if elapsed >= slow[0]:
                    after_call(conn, first, reqs[start], elapsed)
                return
            each = elapsed / k
            if shared.count(first) == k:    # the usual pipeline: one command
                first.calls += k
                first.usec += elapsed
                if track[0]:
                    first.latencies.append((each, k))   # one item for the run (latencyhist)
            else:
                for spec in shared:
                    spec.calls += 1
                    spec.usec += each
                    if track[0]:
                        spec.latencies.append(each)
            if each >= slow[0]:
                # Only reachable with a threshold of SHARED_TIMING_FLOOR or more:
                # each command of the run took that long on average.
                for argv in reqs[start:end]:
                    after_call(conn, lookup(argv[0]), argv, each)

        def finish_blocked(conn, spec, argv, dirty):
            if call_hooks:
                # MONITOR shows a blocking command when it is called, not when served.
                for hook in call_hooks:
                    hook(conn, spec, argv)
            # Counted once it is answered (served or timed out), as Redis does.
            blocking.park(conn, spec, argv)
            if prop_listeners:
                propagate(conn, argv, dirty)

        def propagate(conn, argv, dirty):
            p = conn.prop
            if p is not None:
                conn.prop = None
                for a in p:
                    events.add(conn.db.index, a)
            elif keyspace.dirty > dirty:
                # Only a positive change, as Redis' call(): SAVE and a saving
                # SHUTDOWN reset the counter and must not be propagated.
                events.add(conn.db.index, argv)
            # The outermost call is over: its effects leave as one unit.
            if not nesting[0] and events.ops:
                events.flush()

        sealed = [None, 0]   # the ops list of the run, and where its last command's effect ended

        def propagate_plain(conn, argv, dirty):
            """propagate() for a plain command of a run: its effect (one unit) joins
            the run's, which settle() hands to the listeners at once -- before
            any other command runs and before the replies leave."""
            # (Only called while someone listens: events.add() without its test.)
            ops = events.ops
            p = conn.prop
            if p is not None:
                conn.prop = None
                for a in p:
                    ops.append((conn.db.index, a))
            elif keyspace.dirty > dirty:
                ops.append((conn.db.index, argv))
            # A DEL of a key the command found expired is already there: one unit.
            start = sealed[1] if sealed[0] is ops else 0
            sealed[1] = events.seal(start) if len(ops) - start > 1 else len(ops)
            sealed[0] = ops

        def execute(conn, spec, argv):
            """Run a resolved command inside another one (EXEC, scripts): no lookup,
            auth or context rules; effects and wake-ups wait for the outer call."""
            nesting[0] += 1
            # The outer command's own propagate_as() is not the nested one's.
            outer_prop, conn.prop = conn.prop, None
            try:
                return dispatch(conn, argv, spec)
            finally:
                nesting[0] -= 1
                conn.prop = outer_prop

        def retry(conn, spec, argv):
            """Run a blocked client's command again, as a call of its own (wake-ups)."""
            return dispatch(conn, argv, spec)

        if speedups is not None:
            # The same run(), compiled, with the common case of GET, SET, INCR,
            # MSET and PING written out (miniredis/_speedups.pyx).
            return dispatch, execute, retry, speedups.PlainRunner(
                LOOKUP.get, keyspace, blocking, events, context_hooks, plain_watched,
                shared_timing, oom_gate, dispatch, execute_timed, failed,
                settle, propagate_plain, encode_into, advance, typed_args, simple, blocked, bulk_headers,
                crlf, OK, PONG, COMMANDS.get("get"), COMMANDS.get("set"), COMMANDS.get("incr"),
                COMMANDS.get("ping"), COMMANDS.get("mset"))
        return dispatch, execute, retry, run

    def _after_call(self, conn, spec, argv, seconds):
        if seconds >= self.slow[0]:
            self.on_slow(conn, spec, argv, seconds)
        for hook in self.call_hooks:
            hook(conn, spec, argv)

    def _slow_resolve(self, conn, argv):
        """Unknown name, wrong arity, subcommands, HTTP requests: a spec, an error reply or None."""
        name = argv[0]
        if type(name) is bytes and name.lower() in _SECURITY_NAMES:
            log.warning("Possible SECURITY ATTACK detected. It looks like somebody "
                        "is sending POST or Host: commands to Redis. Connection aborted.")
            conn.closing = True
            conn.kill_reason = "security"
            return None
        spec, err = self.resolve(argv)
        if spec is None:
            return self.error(err)
        return spec

    def _reject_in_multi(self, conn, argv, reply):
        """A command refused before it ran (unknown, arity, auth, context rules).

        In MULTI this fails the transaction, as Redis' flagTransaction does.
        EXEC itself refused answers EXECABORT with the reason (ending the
        transaction if there is one), in MULTI or not, as Redis 7.0 does.
        """
        name = argv[0]
        if type(name) is bytes and len(name) == 4 and name.lower() == b"exec":
            if conn.multi is not None:
                conn.multi = None
                conn.multi_error = False
                self.server.watches.unwatch_all(conn)
            return Error(errors.execabort_because(reply.message))
        if conn.multi is not None:
            conn.multi_error = True
        return reply

    def _internal_error(self, spec, argv, exc):
        log.exception("error executing %r", argv[:1])
        spec.failed_calls += 1
        return self.error("ERR internal error executing '%s': %s" % (
            spec.fullname, errors.sanitize(str(exc))))

    def error(self, message, spec=None):
        """An error reply, counted in errorstats by its prefix."""
        stats = self.server.stats
        stats.total_error_replies += 1
        prefix = message.split(" ", 1)[0]
        stats.errorstats[prefix] = stats.errorstats.get(prefix, 0) + 1
        if spec is not None:
            spec.rejected_calls += 1
        return Error(message)
