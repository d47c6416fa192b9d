"""Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB ...

Owns the argument handling and replies of these commands; the subscription
registry, delivery and the subscribed-mode rule live in miniredis/pubsub.py.

The (un)subscribe commands answer one confirmation per channel: they return
them already encoded for the client's protocol (a Raw reply), which also
gives Redis' shape inside EXEC (one entry of the EXEC array followed by the
extra confirmations).
"""

from .. import errors
from ..errors import CommandError
from ..events import ReplicaOnly
from ..glob import compile_pattern
from ..registry import command, container, subcommand
from ..replies import Simple
from .connection import RESET_HOOKS


def _ps(ctx):
    return ctx.server.pubsub


@command("subscribe")
def subscribe(ctx, argv):
    ps = _ps(ctx)
    return ps.subscribe(ctx, ps.channels, argv[1:])


@command("psubscribe")
def psubscribe(ctx, argv):
    ps = _ps(ctx)
    return ps.subscribe(ctx, ps.patterns, argv[1:])


@command("ssubscribe")
def ssubscribe(ctx, argv):
    # Redis 7.0 refuses SSUBSCRIBE wherever blocking is denied, EXEC included.
    if ctx.deny_blocking:
        raise CommandError(errors.SSUBSCRIBE_DENY_BLOCKING)
    ps = _ps(ctx)
    return ps.subscribe(ctx, ps.shards, argv[1:])


@command("unsubscribe")
def unsubscribe(ctx, argv):
    ps = _ps(ctx)
    return ps.unsubscribe(ctx, ps.channels, argv[1:])


@command("punsubscribe")
def punsubscribe(ctx, argv):
    ps = _ps(ctx)
    return ps.unsubscribe(ctx, ps.patterns, argv[1:])


@command("sunsubscribe")
def sunsubscribe(ctx, argv):
    ps = _ps(ctx)
    return ps.unsubscribe(ctx, ps.shards, argv[1:])


@command("publish")
def publish(ctx, argv):
    _to_replicas(ctx, argv)
    return _ps(ctx).publish(argv[1], argv[2])


@command("spublish")
def spublish(ctx, argv):
    _to_replicas(ctx, argv)
    return _ps(ctx).spublish(argv[1], argv[2])


def _to_replicas(ctx, argv):
    # Replicas deliver the message to their own subscribers; the log never has it.
    if ctx.server.events.propagate_listeners:
        ctx.propagate_as(ReplicaOnly(argv))


RESET_HOOKS.append(lambda ctx: ctx.server.pubsub.release(ctx))

# --- PUBSUB ----------------------------------------------------------------------------

container("pubsub")


def _matching(table, argv):
    """Names in ``table`` matching the optional pattern (PUBSUB [SHARD]CHANNELS)."""
    if len(argv) > 3:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "PUBSUB"))
    if len(argv) == 2:
        return list(table)
    match = compile_pattern(argv[2])
    return [name for name in table if match(name)]


@subcommand("pubsub", "channels")
def pubsub_channels(ctx, argv):
    return _matching(_ps(ctx).channels.table, argv)


@subcommand("pubsub", "shardchannels")
def pubsub_shardchannels(ctx, argv):
    return _matching(_ps(ctx).shards.table, argv)


def _numsub(table, names):
    out = []
    for name in names:
        out.append(name)
        out.append(len(table.get(name, ())))
    return out


@subcommand("pubsub", "numsub")
def pubsub_numsub(ctx, argv):
    return _numsub(_ps(ctx).channels.table, argv[2:])


@subcommand("pubsub", "shardnumsub")
def pubsub_shardnumsub(ctx, argv):
    return _numsub(_ps(ctx).shards.table, argv[2:])


@subcommand("pubsub", "numpat")
def pubsub_numpat(ctx, argv):
    # Redis 7.0 counts distinct patterns, not (client, pattern) pairs.
    return len(_ps(ctx).patterns.table)


_HELP = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
]


@subcommand("pubsub", "help")
def pubsub_help(ctx, argv):
    return [Simple(line) for line in _HELP]
