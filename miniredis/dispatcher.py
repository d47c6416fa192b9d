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
from .errors import CommandError
from .eviction import Eviction
from .protocol import TypedArgs
from .registry import COMMANDS, LOOKUP, CommandSpec
from .replies import BLOCKED, QUEUED, Error

log = logging.getLogger("miniredis")

# Names that mark an HTTP request sent to us by mistake or by an attacker
# (cross-protocol scripting); Redis drops such a client without a reply.
_SECURITY_NAMES = frozenset((b"post", b"host:"))

_perf = time.perf_counter

# What a client in MULTI runs at once; every other command is queued for EXEC.
RUN_IN_MULTI = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))


class Dispatcher(object):
    def __init__(self, server):
        self.server = server
        self.keyspace = server.keyspace
        self.events = server.events
        self.blocking = server.blocking
        # fn(conn, spec, argv) -> reply or None; a reply short-circuits execution.
        self.context_hooks = []
        # Users and permissions; registers its hook in context_hooks only while needed.
        self.acl = Acl(server, self.context_hooks)
        # Observability (slowlog.py): a command that took at least slow[0] seconds
        # goes to on_slow(conn, spec, argv, seconds) (slow log, latency monitor);
        # then fn(conn, spec, argv) in call_hooks runs after every command, nested
        # ones too, registered only while needed (MONITOR, client tracking).
        self.slow = [float("inf")]
        self.on_slow = None
        self.call_hooks = []
        self.dispatch, self.execute, self.retry = self._build()
        # maxmemory (eviction.py): its OOM context rule is registered only while maxmemory > 0.
        server.eviction = Eviction(server, self)

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
        error = self.error
        slow_resolve = self._slow_resolve
        command_error = CommandError
        blocked = BLOCKED
        queued = QUEUED
        reject_in_multi = self._reject_in_multi
        slow = self.slow
        call_hooks = self.call_hooks
        after_call = self._after_call
        nesting = [0]   # depth of EXEC / script calls running commands

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
                if context_hooks:
                    for hook in context_hooks:
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
            dirty = keyspace.dirty if prop_listeners else 0
            t0 = perf()
            try:
                reply = spec.func(conn, argv)
            except command_error as e:
                spec.failed_calls += 1
                reply = error(e.message)
            except Exception as e:  # a bug must not take the connection or the server down
                reply = self._internal_error(spec, argv, e)
            dt = perf() - t0
            spec.usec += dt
            if reply is blocked:
                if call_hooks:
                    # MONITOR shows a blocking command when it is called, not when served.
                    for hook in call_hooks:
                        hook(conn, spec, argv)
                # Counted once it is answered (served or timed out), as Redis does.
                blocking.park(conn, spec, argv)
            else:
                spec.calls += 1
                if dt >= slow[0] or call_hooks:
                    after_call(conn, spec, argv, dt)
            if prop_listeners:
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
            # The clients blocked on keys it made ready are served by the caller
            # (Server._run), once this reply is queued: Redis answers the command
            # first, then handleClientsBlockedOnKeys runs (pushes the wake-up
            # causes, e.g. keyspace notifications, come after the reply).
            return reply

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

        return dispatch, execute, retry

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
