"""CLIENT subcommands: ID, SETNAME, GETNAME, LIST, INFO, KILL, UNBLOCK, NO-EVICT, HELP.

Owns the replies of CLIENT. Reads and changes per-client state through the
Connection's attributes (name, flags) and the server's client table; closing
another client goes through Connection.kill. Unknown subcommands (CLIENT
SETINFO is one: it is Redis 7.2) are answered by the dispatcher.
"""

from .. import errors, pause, tracking
from ..errors import CommandError
from ..protocol import string2ll
from ..registry import container, subcommand
from ..replies import NULL, OK, Map, Set, Simple, Verbatim
from .connection import validate_client_name

container("client")

# Names CLIENT LIST/KILL TYPE accepts; slave is the old name of replica.
_TYPES = {b"normal": "normal", b"master": "master", b"replica": "replica",
          b"slave": "replica", b"pubsub": "pubsub"}


def client_type(conn):
    """Redis' getClientType. Never "master": a replica's link to its master
    (replica_link.py) is not among the clients listed here."""
    if "S" in conn.flags:
        return "replica"
    return "pubsub" if conn.subscriptions or conn.psubscriptions or conn.ssubscriptions else "normal"


def _parse_type(name):
    t = _TYPES.get(name.lower())
    if t is None:
        raise CommandError(errors.UNKNOWN_CLIENT_TYPE_FMT % errors.sanitize(name))
    return t


def _listing(ctx, argv, conns):
    # One line per client, each ending in a newline; verbatim text in RESP3.
    # The caller's own request still counts in its query buffer, as in Redis.
    own = _running(argv)
    return Verbatim("".join(c.info_line(own if c is ctx else (0, 0)) + "\n"
                            for c in conns).encode())


def _running(argv):
    """(bytes of argv as a multibulk request, bytes of its arguments) for CLIENT LIST."""
    data = sum(len(a) for a in argv)
    framing = len(b"*%d\r\n" % len(argv)) + sum(len(b"$%d\r\n\r\n" % len(a)) for a in argv)
    return framing + data, data


@subcommand("client", "id")
def client_id(ctx, argv):
    return ctx.id


@subcommand("client", "setname")
def client_setname(ctx, argv):
    name = argv[2]
    validate_client_name(name)
    ctx.name = name or None  # an empty name removes it
    return OK


@subcommand("client", "getname")
def client_getname(ctx, argv):
    return ctx.name if ctx.name else NULL


@subcommand("client", "list")
def client_list(ctx, argv):
    conns = sorted(ctx.server.clients.values(), key=lambda c: c.id)
    n = len(argv)
    if n == 4 and argv[2].lower() == b"type":
        t = _parse_type(argv[3])
        return _listing(ctx, argv, [c for c in conns if client_type(c) == t])
    if n > 3 and argv[2].lower() == b"id":
        ids = set()
        for a in argv[3:]:
            cid = string2ll(a)
            if cid is None:
                raise CommandError(errors.INVALID_CLIENT_ID)
            ids.add(cid)
        return _listing(ctx, argv, [c for c in conns if c.id in ids])
    if n != 2:
        raise CommandError(errors.SYNTAX)
    return _listing(ctx, argv, conns)


@subcommand("client", "info")
def client_info(ctx, argv):
    return _listing(ctx, argv, [ctx])


@subcommand("client", "kill")
def client_kill(ctx, argv):
    if len(argv) == 3:
        # Old form: CLIENT KILL ip:port, answered OK or an error.
        addr = argv[2].decode("latin-1")
        victims = [c for c in ctx.server.clients.values() if c.addr == addr]
        if not victims:
            raise CommandError(errors.NO_SUCH_CLIENT)
        _kill(ctx, victims[:1])
        return OK
    keep = _kill_filter(ctx, argv)
    victims = [c for c in list(ctx.server.clients.values()) if keep(c)]
    _kill(ctx, victims)
    return len(victims)


def _kill_filter(ctx, argv):
    """Parse the new-form filters (all must match) into a predicate; errors as Redis."""
    tests = []
    skipme = True
    i = 2
    while i < len(argv):
        opt = argv[i].lower()
        if i + 1 >= len(argv):
            raise CommandError(errors.SYNTAX)
        val = argv[i + 1]
        if opt == b"id":
            cid = _positive_id(val)
            tests.append(lambda c, cid=cid: c.id == cid)
        elif opt == b"type":
            t = _parse_type(val)
            tests.append(lambda c, t=t: client_type(c) == t)
        elif opt in (b"addr", b"laddr"):
            attr, text = opt.decode(), val.decode("latin-1")
            tests.append(lambda c, attr=attr, text=text: getattr(c, attr) == text)
        elif opt == b"user":
            user = _existing_user(ctx, val)
            tests.append(lambda c, user=user: c.user == user)
        elif opt == b"skipme":
            if val.lower() not in (b"yes", b"no"):
                raise CommandError(errors.SYNTAX)
            skipme = val.lower() == b"yes"
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return lambda c: not (skipme and c is ctx) and all(t(c) for t in tests)


def _positive_id(text):
    cid = string2ll(text)  # strict, as Redis' getLongLongFromObject
    if cid is None or cid < 1:
        raise CommandError(errors.CLIENT_ID_POSITIVE)
    return cid


def _existing_user(ctx, name):
    """Before ACL, 'default' is the only user there is."""
    user = name.decode("utf-8", "replace")
    if user != "default":
        raise CommandError(errors.NO_SUCH_USER_FMT % errors.sanitize(name))
    return user


def _kill(ctx, victims):
    for c in victims:
        if c is ctx:
            # Killing oneself: the reply is still written, then the connection closes.
            ctx.closing = True
        else:
            c.kill("killed")


@subcommand("client", "unblock")
def client_unblock(ctx, argv):
    if len(argv) > 4:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "client"))
    as_error = False
    if len(argv) == 4:
        # Redis checks the reason before the id.
        reason = argv[3].lower()
        if reason not in (b"timeout", b"error"):
            raise CommandError(errors.UNBLOCK_REASON)
        as_error = reason == b"error"
    cid = string2ll(argv[2])
    if cid is None:
        raise CommandError(errors.NOT_INTEGER)
    target = ctx.server.clients.get(cid)
    if target is None or target.blocked is None:
        return 0
    # The blocking module answers it its timeout reply, or errors.UNBLOCKED.
    return 1 if ctx.server.blocking.unblock(target, as_error) else 0


@subcommand("client", "no-evict")
def client_no_evict(ctx, argv):
    mode = argv[2].lower()
    if mode not in (b"on", b"off"):
        raise CommandError(errors.SYNTAX)
    # No client eviction exists here; the flag is kept so CLIENT LIST shows 'e'.
    flags = ctx.flags.replace("e", "")
    ctx.flags = flags + "e" if mode == b"on" else flags
    return OK


@subcommand("client", "pause")
def client_pause(ctx, argv):
    if len(argv) > 4:
        raise CommandError(errors.unknown_subcommand_or_arity(argv[1], "client"))
    # The mode is checked before the timeout, as in Redis.
    mode = pause.ALL
    if len(argv) == 4:
        m = argv[3].lower()
        if m not in (b"write", b"all"):
            raise CommandError(errors.PAUSE_MODE)
        mode = pause.WRITE if m == b"write" else pause.ALL
    ms = string2ll(argv[2])
    if ms is None:
        raise CommandError(errors.PAUSE_TIMEOUT_NOT_INTEGER)
    if ms < 0:
        raise CommandError(errors.PAUSE_TIMEOUT_NEGATIVE)
    pause.pauses(ctx.server).pause(ms, mode)
    return OK


@subcommand("client", "unpause")
def client_unpause(ctx, argv):
    pause.pauses(ctx.server).unpause()
    return OK


@subcommand("client", "tracking")
def client_tracking(ctx, argv):
    redirect, bcast, optin, optout, noloop, prefixes = _tracking_options(ctx, argv)
    mode = argv[2].lower()
    t = tracking.tracking(ctx.server)
    if mode == b"off":
        t.disable(ctx)
        return OK
    if mode != b"on":
        raise CommandError(errors.SYNTAX)
    if prefixes and not bcast:
        raise CommandError(errors.TRACKING_PREFIX_NEEDS_BCAST)
    st = t.states.get(ctx.id)
    if st is not None and st.bcast != bcast:
        raise CommandError(errors.TRACKING_SWITCH_BCAST)
    if bcast and (optin or optout):
        raise CommandError(errors.TRACKING_BCAST_OPTS)
    if optin and optout:
        raise CommandError(errors.TRACKING_OPTIN_OPTOUT)
    if st is not None and ((optin and st.optout) or (optout and st.optin)):
        raise CommandError(errors.TRACKING_SWITCH_OPT)
    if bcast:
        _check_prefixes(st.prefixes if st is not None else [], prefixes)
    t.enable(ctx, redirect, bcast, prefixes, optin, optout, noloop)
    return OK


def _tracking_options(ctx, argv):
    redirect, bcast, optin, optout, noloop, prefixes = 0, False, False, False, False, []
    i = 3
    while i < len(argv):
        opt = argv[i].lower()
        more = i + 1 < len(argv)
        if opt == b"redirect" and more:
            i += 1
            if redirect:
                raise CommandError(errors.TRACKING_ONE_REDIRECT)
            redirect = string2ll(argv[i])
            if redirect is None:
                raise CommandError(errors.NOT_INTEGER)
            if redirect not in ctx.server.clients:
                raise CommandError(errors.TRACKING_NO_REDIRECT_CLIENT)
        elif opt == b"bcast":
            bcast = True
        elif opt == b"optin":
            optin = True
        elif opt == b"optout":
            optout = True
        elif opt == b"noloop":
            noloop = True
        elif opt == b"prefix" and more:
            i += 1
            prefixes.append(argv[i])
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    return redirect, bcast, optin, optout, noloop, prefixes


def _overlap(a, b):
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _check_prefixes(existing, new):
    for i, p in enumerate(new):
        for old in existing:
            if _overlap(old, p):
                raise CommandError(errors.TRACKING_PREFIX_OVERLAP_OLD_FMT % (
                    errors.sanitize(p), errors.sanitize(old)))
        for q in new[i + 1:]:
            if _overlap(p, q):
                raise CommandError(errors.TRACKING_PREFIX_OVERLAP_NEW_FMT % (
                    errors.sanitize(p), errors.sanitize(q)))


@subcommand("client", "caching")
def client_caching(ctx, argv):
    st = tracking.state_of(ctx)
    if st is None:
        raise CommandError(errors.CACHING_NOT_TRACKING)
    opt = argv[2].lower()
    if opt == b"yes":
        if not st.optin:
            raise CommandError(errors.CACHING_YES_NEEDS_OPTIN)
    elif opt == b"no":
        if not st.optout:
            raise CommandError(errors.CACHING_NO_NEEDS_OPTOUT)
    else:
        raise CommandError(errors.SYNTAX)
    st.caching = True
    return OK


@subcommand("client", "getredir")
def client_getredir(ctx, argv):
    st = tracking.state_of(ctx)
    return -1 if st is None else st.redirect


@subcommand("client", "trackinginfo")
def client_trackinginfo(ctx, argv):
    st = tracking.state_of(ctx)
    if st is None:
        return Map([(b"flags", Set([b"off"])), (b"redirect", -1), (b"prefixes", [])])
    flags = [b"on"]
    for on, name in ((st.bcast, b"bcast"), (st.optin, b"optin"),
                     (st.optin and st.caching, b"caching-yes"), (st.optout, b"optout"),
                     (st.optout and st.caching, b"caching-no"), (st.noloop, b"noloop"),
                     (st.broken, b"broken_redirect")):
        if on:
            flags.append(name)
    return Map([(b"flags", Set(flags)), (b"redirect", st.redirect),
                (b"prefixes", list(st.prefixes))])


# Connection.reply_mode values; the server's connection loop applies them.
REPLY_ON, REPLY_OFF, REPLY_SKIP_NEXT = 0, 1, 2


@subcommand("client", "reply")
def client_reply(ctx, argv):
    mode = argv[2].lower()
    if mode == b"on":
        ctx.reply_mode = REPLY_ON
        return OK
    if mode == b"off":
        ctx.reply_mode = REPLY_OFF
        return None
    if mode == b"skip":
        # This command answers nothing and neither does the next one.
        ctx.reply_mode = REPLY_SKIP_NEXT
        return None
    raise CommandError(errors.SYNTAX)


_HELP = [
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
]


@subcommand("client", "help")
def client_help(ctx, argv):
    # Redis 7.0's text verbatim, so clients parsing it see what they expect.
    return [Simple(line) for line in _HELP]
