"""ACL subcommands: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG,
DRYRUN, SAVE, LOAD, HELP.

The user table and the rules live in miniredis/acl.py; this module only parses
arguments and shapes replies.
"""

import time

from .. import acl as aclmod
from .. import errors
from ..datatypes import parse_int
from ..errors import CommandError
from ..registry import container, subcommand
from ..replies import NULL, OK, Double, Map, Set, Simple

container("acl")


def _acl(ctx):
    return aclmod.of(ctx.server)


@subcommand("acl", "setuser")
def acl_setuser(ctx, argv):
    name = argv[2]
    if b" " in name or b"\0" in name:
        raise CommandError(errors.ACL_USERNAME_SPACES)
    try:
        _acl(ctx).setuser(name, argv[3:])
    except aclmod.RuleError as e:
        raise CommandError("ERR " + errors.sanitize(str(e)))
    return OK


@subcommand("acl", "getuser")
def acl_getuser(ctx, argv):
    u = _acl(ctx).users.get(argv[2])
    if u is None:
        return NULL
    root = u.root
    sels = [Map([(b"commands", s.describe_commands().encode()),
                 (b"keys", s.describe_keys().encode()),
                 (b"channels", s.describe_channels(False).encode())]) for s in u.selectors]
    return Map([
        (b"flags", Set([f.encode() for f in u.flags()])),
        (b"passwords", [h.encode() for h in u.passwords]),
        (b"commands", root.describe_commands().encode()),
        (b"keys", root.describe_keys().encode()),
        (b"channels", root.describe_channels(False).encode()),
        (b"selectors", sels),
    ])


@subcommand("acl", "deluser")
def acl_deluser(ctx, argv):
    acl = _acl(ctx)
    names = argv[2:]
    if any(n == b"default" for n in names):
        raise CommandError(errors.ACL_DEFAULT_UNDELETABLE)
    return sum(1 for n in names if acl.deluser(n))


@subcommand("acl", "list")
def acl_list(ctx, argv):
    return [line.encode() for line in _acl(ctx).lines()]


@subcommand("acl", "users")
def acl_users(ctx, argv):
    return sorted(_acl(ctx).users)


@subcommand("acl", "whoami")
def acl_whoami(ctx, argv):
    return ctx.user.encode("utf-8", "surrogateescape")


@subcommand("acl", "cat")
def acl_cat(ctx, argv):
    if len(argv) == 2:
        return [c.encode() for c in aclmod.CATEGORIES]
    if len(argv) > 3:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "acl"))
    cat = argv[2].lower().decode("latin-1")
    if cat not in aclmod.CATEGORIES:
        raise CommandError(errors.ACL_UNKNOWN_CATEGORY_FMT % errors.sanitize(argv[2]))
    # Redis lists the commands of the category and, inside containers, the subcommands.
    return [n.encode() for n in aclmod.universe().by_cat[cat]]


@subcommand("acl", "genpass")
def acl_genpass(ctx, argv):
    bits = 256
    if len(argv) > 2:
        bits = parse_int(argv[2])
        if bits <= 0 or bits > 4096:
            raise CommandError(errors.ACL_GENPASS_BITS)
    return aclmod.genpass(bits).encode()


@subcommand("acl", "log")
def acl_log(ctx, argv):
    acl = _acl(ctx)
    count = 10
    if len(argv) > 3:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "acl"))
    if len(argv) > 2:
        if argv[2].lower() == b"reset":
            acl.log = []
            return OK
        count = parse_int(argv[2])
    entries = acl.log[:max(count, 0)]
    now = time.time()
    return [Map([
        (b"count", e.count),
        (b"reason", e.reason.encode()),
        (b"context", e.context.encode()),
        (b"object", e.object),
        (b"username", e.username),
        (b"age-seconds", Double(round((now - e.ctime) * 1000) / 1000.0)),
        (b"client-info", e.cinfo.encode()),
    ]) for e in entries]


@subcommand("acl", "dryrun")
def acl_dryrun(ctx, argv):
    u = _acl(ctx).users.get(argv[2])
    if u is None:
        raise CommandError(errors.ACL_USER_NOT_FOUND_FMT % errors.sanitize(argv[2]))
    spec, err = ctx.server.dispatcher.resolve(argv[3:])
    if spec is None:
        if err.startswith("ERR unknown command"):
            raise CommandError(errors.ACL_COMMAND_NOT_FOUND_FMT % errors.sanitize(argv[3]))
        raise CommandError(err)
    denied = u.check(spec, argv[3:])
    if denied is None:
        return OK
    reason, obj = denied
    if reason == "command":
        text = "This user has no permissions to run the '%s' command" % spec.fullname
    else:
        text = "This user has no permissions to access the '%s' %s" % (
            obj.decode("utf-8", "replace"), reason)
    return text.encode()


_HELP = [
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
]


@subcommand("acl", "help")
def acl_help(ctx, argv):
    return [Simple(line) for line in _HELP]


@subcommand("acl", "save")
def acl_save(ctx, argv):
    acl = _acl(ctx)
    if not ctx.server.config.aclfile:
        raise CommandError(errors.ACL_NO_FILE)
    try:
        acl.save()
    except OSError:
        raise CommandError(errors.ACL_SAVE_FAILED)
    return OK


@subcommand("acl", "load")
def acl_load(ctx, argv):
    acl = _acl(ctx)
    if not ctx.server.config.aclfile:
        raise CommandError(errors.ACL_NO_FILE)
    try:
        acl.load()
    except aclmod.RuleError as e:
        raise CommandError("ERR " + errors.sanitize(str(e)))
    return OK
