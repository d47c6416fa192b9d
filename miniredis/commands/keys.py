"""Generic key commands (Redis' "generic" group): DEL, EXISTS, TYPE, EXPIRE & co, SCAN ..."""

from ..registry import command


@command("del", -2, "write", keys=(1, -1, 1), group="generic",
         summary="Delete a key", since="1.0.0", complexity="O(N)")
def del_(ctx, argv):
    db = ctx.db
    return sum(1 for k in argv[1:] if db.delete(k))


@command("exists", -2, "readonly fast", keys=(1, -1, 1), group="generic",
         summary="Determine if a key exists", since="1.0.0", complexity="O(N)")
def exists(ctx, argv):
    db = ctx.db
    return sum(1 for k in argv[1:] if db.get(k) is not None)
