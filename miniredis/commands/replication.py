"""Replication commands: SYNC, PSYNC, REPLCONF, WAIT, ROLE, REPLICAOF (SLAVEOF).

Owns their arguments and replies, as Redis 7.0's syncCommand,
replconfCommand, waitCommand, roleCommand and replicaofCommand. The work is
the server's ``replication`` (replication.py, the master side) and
``master_link`` (replica_link.py, the replica side) objects'.
"""

import logging

from .. import errors
from ..datatypes import parse_int
from ..errors import CommandError
from ..registry import command
from ..replies import OK, Raw, Simple

log = logging.getLogger("miniredis")

# No reply at all: the replica reads the snapshot next (or nothing, for ACK).
NO_REPLY = Raw(b"")
# Redis' NET_HOST_STR_LEN: the longest address REPLCONF ip-address takes.
_NET_HOST_STR_LEN = 256


@command("sync")
def sync(ctx, argv):
    return _sync(ctx, None, None)


@command("psync")
def psync(ctx, argv):
    return _sync(ctx, argv[1], argv[2])


def _sync(ctx, replid, offset):
    repl = ctx.server.replication
    if repl.replica_of(ctx) is not None:
        return NO_REPLY   # already a replica: ignored, as Redis does
    link = ctx.server.master_link
    if link.active and link.state != "connected":
        raise CommandError(errors.NOMASTERLINK)
    if ctx.out or ctx.pending is not None:
        raise CommandError(errors.SYNC_PENDING_OUTPUT)
    name = repl.handshake(ctx).name()
    log.info("Replica %s asks for synchronization", name)
    if replid is not None:
        try:
            start = parse_int(offset)
        except CommandError:
            start = None
        if start is not None and repl.try_partial(ctx, replid.decode("utf-8", "replace"), start):
            return NO_REPLY
        if replid != b"?":
            ctx.server.stats.sync_partial_err += 1
            log.info("Partial resynchronization not accepted: Replication ID mismatch or "
                     "offset out of the backlog (Replica asked for '%s', offset %s)",
                     replid.decode("utf-8", "replace"), offset.decode("utf-8", "replace"))
        else:
            log.info("Full resync requested by replica %s", name)
    repl.full_sync(ctx, old_sync=replid is None)
    return NO_REPLY


@command("replconf")
def replconf(ctx, argv):
    if len(argv) % 2 == 0:
        raise CommandError(errors.SYNTAX)
    repl = ctx.server.replication
    for i in range(1, len(argv), 2):
        opt, value = argv[i].lower(), argv[i + 1]
        if opt == b"listening-port":
            repl.handshake(ctx).port = parse_int(value)
        elif opt == b"ip-address":
            if len(value) >= _NET_HOST_STR_LEN:
                raise CommandError(errors.REPLCONF_IP_TOO_LONG_FMT % len(value))
            repl.handshake(ctx).ip = value.decode("utf-8", "replace")
        elif opt == b"capa":
            if value.lower() == b"eof":
                repl.handshake(ctx).capa_eof = True
        elif opt == b"ack":
            # From a replica only, never answered (a bad offset is ignored).
            try:
                acked = parse_int(value)
            except CommandError:
                return NO_REPLY
            repl.ack(ctx, acked)
            return NO_REPLY
        elif opt == b"getack":
            # A master's request to its replicas, never answered here: in the
            # stream of our own master, the link answers it (replica_link.py).
            return NO_REPLY
        elif opt == b"rdb-only":
            only = parse_int(value)
            if only not in (0, 1):
                raise CommandError(errors.VALUE_OUT_OF_RANGE_FMT % (0, 1))
            repl.handshake(ctx).rdb_only = bool(only)
        else:
            raise CommandError(errors.REPLCONF_UNKNOWN_FMT % errors.sanitize(argv[i]))
    return OK


@command("wait")
def wait(ctx, argv):
    if ctx.server.master_link.active:
        raise CommandError(errors.WAIT_ON_REPLICA)
    count = parse_int(argv[1])
    timeout = parse_int(argv[2], errors.TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(errors.NOT_NEGATIVE_TIMEOUT)
    got = ctx.server.replication.wait(ctx, count)
    if type(got) is int:
        return got
    return ctx.block([], timeout / 1000.0, got)


@command("role")
def role(ctx, argv):
    return ctx.server.replication.role()


ALREADY_CONNECTED = Simple("OK Already connected to specified master")


@command("replicaof")
def replicaof(ctx, argv):
    link = ctx.server.master_link
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        if link.active:
            link.unset_master()
            log.info("MASTER MODE enabled (user request from '%s')", ctx.info_line())
        return OK
    if "S" in ctx.flags:
        raise CommandError(errors.REPLICAOF_FROM_REPLICA)
    try:
        port = parse_int(argv[2])
    except CommandError:
        port = -1
    if not 0 <= port <= 65535:
        raise CommandError(errors.INVALID_MASTER_PORT)
    host = argv[1].decode("utf-8", "surrogateescape")
    if link.active and link.host.lower() == host.lower() and link.port == port:
        log.info("REPLICAOF would result into synchronization with the master we are already "
                 "connected with. No operation performed.")
        return ALREADY_CONNECTED
    link.set_master(host, port)
    log.info("REPLICAOF %s:%d enabled (user request from '%s')", host, port, ctx.info_line())
    return OK


@command("slaveof")
def slaveof(ctx, argv):
    return replicaof(ctx, argv)
