"""Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET (CLIENT lives in client_cmd)."""

from .. import errors
from ..acl import of as acl_of
from ..errors import CommandError
from ..registry import command
from ..replies import OK, PONG, Simple, Map
from ..datatypes import parse_int, parse_int32

RESET_REPLY = Simple("RESET")


@command("ping")
def ping(ctx, argv):
    if len(argv) > 2:
        raise CommandError(errors.wrong_arity("ping"))
    if ctx.subscriptions or ctx.psubscriptions or ctx.ssubscriptions:
        if ctx.proto == 2:
            return [b"pong", argv[1] if len(argv) == 2 else b""]
    if len(argv) == 2:
        return argv[1]
    return PONG


@command("echo")
def echo(ctx, argv):
    return argv[1]


@command("quit")
def quit(ctx, argv):
    ctx.closing = True
    return OK


def check_password(server, user, password):
    """True when user/password authenticate: an enabled user with that password (or nopass)."""
    return acl_of(server).authenticate(user, password) is not None


def _login(ctx, user, password, name):
    """AUTH / HELLO AUTH: authenticate as ``user`` or fail with WRONGPASS, logged as Redis
    does (the log's object is the command name as the client wrote it)."""
    acl = acl_of(ctx.server)
    if acl.authenticate(user, password) is None:
        acl.add_log(ctx, "auth", "multi" if ctx.multi is not None else "toplevel", name, user)
        raise CommandError(errors.WRONGPASS)
    ctx.set_authenticated(user.decode("utf-8", "surrogateescape"))


@command("auth")
def auth(ctx, argv):
    if len(argv) > 3:
        raise CommandError(errors.SYNTAX)
    if len(argv) == 2:
        # Redis refuses the one-argument form while the default user needs no password.
        if acl_of(ctx.server).default.nopass:
            raise CommandError(errors.AUTH_NOT_CONFIGURED)
        user, password = b"default", argv[1]
    else:
        user, password = argv[1], argv[2]
    _login(ctx, user, password, argv[0])
    return OK


@command("hello")
def hello(ctx, argv):
    proto = None
    typed = False
    i = 1
    if len(argv) >= 2:
        try:
            proto = parse_int(argv[1])
        except CommandError:
            raise CommandError(errors.PROTOVER_NOT_INT)
        if proto < 2 or proto > 3:
            raise CommandError(errors.NOPROTO)
        i = 2
    # Like Redis, options act in order as they are read: an AUTH or SETNAME before
    # a bad option (or a failing AUTH) keeps its effect although HELLO fails.
    while i < len(argv):
        opt = argv[i].lower()
        more = len(argv) - i - 1
        if opt == b"auth" and more >= 2:
            _login(ctx, argv[i + 1], argv[i + 2], argv[0])
            i += 3
        elif opt == b"setname" and more >= 1:
            validate_client_name(argv[i + 1])
            ctx.name = argv[i + 1] or None
            i += 2
        elif opt == b"typed" and proto is not None:
            # Project extension (Task Q4): typed values in this connection's replies.
            typed = True
            i += 1
        else:
            raise CommandError(errors.HELLO_SYNTAX_FMT % errors.sanitize(argv[i]))
    if not ctx.authenticated:
        raise CommandError(errors.NOAUTH_HELLO)
    if typed and proto != 3:
        raise CommandError(errors.HELLO_TYPED_RESP3)
    if proto is not None:
        ctx.set_protocol(proto)
        ctx.typed = typed
    server = ctx.server
    return Map([
        (b"server", b"redis"),
        (b"version", server.redis_version.encode()),
        (b"proto", ctx.proto),
        (b"id", ctx.id),
        (b"mode", b"standalone"),
        (b"role", b"master"),
        (b"modules", []),
    ])


def validate_client_name(name):
    for c in name:
        if c < 33 or c > 126:
            raise CommandError(errors.CLIENT_NAME_SPACES)


@command("select")
def select(ctx, argv):
    index = parse_int32(argv[1])
    if index < 0 or index >= len(ctx.server.keyspace.dbs):
        raise CommandError(errors.DB_INDEX)
    ctx.select(index)
    return OK


@command("reset")
def reset(ctx, argv):
    for hook in RESET_HOOKS:
        hook(ctx)
    ctx.select(0)
    ctx.set_protocol(2)
    ctx.typed = False
    ctx.name = None
    # Back to the default user, authenticated only if it needs no password
    # (Redis' clearClientConnectionState).
    ctx.user = "default"
    acl = acl_of(ctx.server)
    acl.refresh(ctx)
    ctx.authenticated = acl.open_default()
    ctx.reader.auth_required = not ctx.authenticated
    return RESET_REPLY


# fn(ctx): modules with per-client state (transactions, pub/sub, ...) release it on RESET.
RESET_HOOKS = []
