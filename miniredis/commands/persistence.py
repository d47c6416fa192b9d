"""Persistence commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE, BGREWRITEAOF.

Owns their replies, as Redis 7.0's saveCommand / bgsaveCommand /
bgrewriteaofCommand. The work is done by the server's ``snapshots``
(persistence/snapshot.py) and ``aof`` (persistence/aof.py) objects.
"""

from .. import errors
from ..errors import CommandError
from ..registry import command
from ..replies import OK, Simple

BGSAVE_STARTED = Simple("Background saving started")
BGSAVE_SCHEDULED = Simple("Background saving scheduled")
AOF_REWRITE_STARTED = Simple("Background append only file rewriting started")


@command("save")
def save(ctx, argv):
    snaps = ctx.server.snapshots
    if snaps.in_progress:
        raise CommandError(errors.BGSAVE_IN_PROGRESS)
    if not snaps.save():
        raise CommandError(errors.SAVE_FAILED)
    return OK


@command("bgsave")
def bgsave(ctx, argv):
    schedule = False
    if len(argv) > 1:
        if len(argv) == 2 and argv[1].lower() == b"schedule":
            schedule = True
        else:
            raise CommandError(errors.SYNTAX)
    snaps = ctx.server.snapshots
    # deny_blocking is set while EXEC runs its queue: Redis' server.in_exec.
    in_exec = ctx.deny_blocking and ctx.multi is None
    if snaps.in_progress:
        raise CommandError(errors.BGSAVE_IN_PROGRESS)
    if snaps.other_child_active() or in_exec:
        if not (schedule or in_exec):
            raise CommandError(errors.BGSAVE_OTHER_CHILD)
        # A fork inside EXEC would snapshot half a transaction: the cron starts it later.
        snaps.scheduled = True
        return BGSAVE_SCHEDULED
    if not snaps.background():
        raise CommandError(errors.SAVE_FAILED)
    return BGSAVE_STARTED


@command("lastsave")
def lastsave(ctx, argv):
    return ctx.server.snapshots.lastsave


@command("bgrewriteaof")
def bgrewriteaof(ctx, argv):
    """The rewrite is aof.py's: ``rewrite_background()`` returns None when it
    started, else the status text ("... scheduled") or the error to answer."""
    aof = getattr(ctx.server, "aof", None)
    if aof is None:
        raise CommandError(errors.AOF_REWRITE_FAILED)
    if ctx.deny_blocking and ctx.multi is None and not aof.rewrite_in_progress:
        # Inside EXEC Redis only schedules it (no fork in the middle of a transaction).
        aof.scheduled = True
        return Simple(errors.AOF_REWRITE_SCHEDULED)
    result = aof.rewrite_background()
    if result is None:
        return AOF_REWRITE_STARTED
    if result.startswith("Background"):
        return Simple(result)
    raise CommandError(result)
