"""Server commands: INFO, DBSIZE, FLUSHDB, FLUSHALL, TIME, COMMAND, CONFIG, SHUTDOWN, DEBUG ..."""

from ..registry import command
from ..replies import OK


@command("dbsize", 1, "readonly fast", group="server",
         summary="Return the number of keys in the selected database", since="1.0.0",
         complexity="O(1)")
def dbsize(ctx, argv):
    return len(ctx.db)


@command("flushall", -1, "write", group="server",
         summary="Remove all keys from all databases", since="1.0.0", complexity="O(N)")
def flushall(ctx, argv):
    ctx.server.keyspace.flushall()
    return OK
