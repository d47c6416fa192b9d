"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

Queueing itself is the dispatcher's (a client in MULTI gets +QUEUED for every
command but the ones below, and an error while queueing marks the
transaction failed); watched keys are watch.py's. EXEC runs the queue through
``Dispatcher.execute``: the commands' effects leave as one MULTI/EXEC unit,
clients blocked on keys they touched are served after EXEC, and blocking
commands inside answer their timeout reply at once.
"""

from .. import errors
from ..errors import CommandError
from ..registry import command
from ..protocol import encode
from ..replies import NULL_ARRAY, OK, Error, Raw
from .connection import RESET_HOOKS


def discard_transaction(ctx):
    ctx.multi = None
    ctx.multi_error = False
    ctx.server.watches.unwatch_all(ctx)


RESET_HOOKS.append(discard_transaction)


@command("multi")
def multi(ctx, argv):
    if ctx.multi is not None:
        raise CommandError(errors.MULTI_NESTED)
    ctx.multi = []
    return OK


@command("exec")
def exec_(ctx, argv):
    queued = ctx.multi
    if queued is None:
        raise CommandError(errors.EXEC_WITHOUT_MULTI)
    aborted = ctx.multi_error
    dirty = ctx.watch_dirty or ctx.server.watches.expired_since_watched(ctx)
    discard_transaction(ctx)
    ctx.propagate_as()   # the queued commands propagate themselves, wrapped
    if aborted:
        raise CommandError(errors.EXECABORT)
    if dirty:
        return NULL_ARRAY
    dispatcher = ctx.server.dispatcher
    execute, acl = dispatcher.execute, dispatcher.acl
    deny = ctx.deny_blocking
    ctx.deny_blocking = True
    try:
        return [_run_queued(ctx, execute, acl, spec, args) for spec, args in queued]
    finally:
        ctx.deny_blocking = deny


def _run_queued(ctx, execute, acl, spec, args):
    # ACL rules may have changed since the command was queued: checked again, as Redis.
    denied = acl.exec_denied(ctx, spec, args)
    if denied is not None:
        return Error(denied)
    out = ctx.out
    mark = len(out)
    reply = execute(ctx, spec, args)
    if ctx.out is out and len(out) > mark:
        # Pushes the command sent its own client (RESP3 messages, notifications)
        # stand inside the EXEC reply, just before the command's own reply,
        # where they are on Redis' wire.
        pushed = b"".join(out[mark:])
        del out[mark:]
        reply = Raw(pushed + encode(reply, ctx.proto))
    return reply


@command("discard")
def discard(ctx, argv):
    if ctx.multi is None:
        raise CommandError(errors.DISCARD_WITHOUT_MULTI)
    discard_transaction(ctx)
    return OK


@command("watch")
def watch(ctx, argv):
    if ctx.multi is not None:
        raise CommandError(errors.WATCH_IN_MULTI)
    watches = ctx.server.watches
    db = ctx.db
    for key in argv[1:]:
        watches.watch(ctx, db, key)
    return OK


@command("unwatch")
def unwatch(ctx, argv):
    ctx.server.watches.unwatch_all(ctx)
    return OK
