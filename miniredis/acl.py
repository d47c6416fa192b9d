"""Users and access rules (ACL), as Redis 7.0.

Owns: the user table (``default`` and the users made by ACL SETUSER, the
``user`` directives and the aclfile), parsing of ACL rules, the rule text
shown by ACL LIST / GETUSER, permission checks (commands, keys through the
command's key specs, pub/sub channels), the ACL LOG, and the dispatcher
hook that enforces permissions. Must not touch: sockets, command semantics,
the keyspace.

The hook is registered only while some user is restricted, so a server
whose users may all run everything pays nothing per request.

Command permissions are a set of allowed command names (``get``,
``config|get``) plus a "future commands" flag set by ``+@all`` and cleared by
``-@all``, like Redis' per-command bits and its reserved bit. The rule text
is rebuilt from that set the way Redis 7.0 does: start from ``+@all`` or
``-@all``, add the best fitting categories one at a time, then the single
commands still differing. Redis emits those single commands in its command
table's hash order; here they come in name order.
"""

import logging
import os
import time

from . import glob
from .protocol import split_inline
from .registry import METADATA, metadata
from .rules import RULE_ACL

# Redis 7.0's categories, in its order (ACL CAT; ties in rule rebuilding).
CATEGORIES = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
    "dangerous", "connection", "transaction", "scripting",
)

ERR_UNKNOWN = "Unknown command or category name in ACL"
ERR_SYNTAX = "Syntax error"
ERR_ALLKEYS = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and "
               "does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
ERR_ALLCHANNELS = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid "
                   "and does not have any effect. Try 'resetchannels' to start with an empty list "
                   "of channels")
ERR_NOPASS = "The password you are trying to remove from the user does not exist"
ERR_HASH = ("The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters")

READ, WRITE = 1, 2
_KEY_READ = frozenset(("ACCESS",))
_KEY_WRITE = frozenset(("INSERT", "DELETE", "UPDATE"))

# Commands naming channels: name -> (first channel argument, all following?, patterns?)
CHANNEL_COMMANDS = {
    "publish": (1, False, False), "spublish": (1, False, False),
    "subscribe": (1, True, False), "ssubscribe": (1, True, False),
    "psubscribe": (1, True, True),
}


class RuleError(Exception):
    pass


class _Universe(object):
    """Every Redis 7.0 command and subcommand with its categories (from the metadata)."""

    def __init__(self):
        self.cats = {}      # fullname -> frozenset of category names
        self.tops = []      # top-level names, sorted
        self.subs = {}      # top-level name -> [fullname, ...] sorted
        for name in METADATA:
            info = metadata(name)["info"]
            self.cats[name] = frozenset(c["+"].lstrip("@") for c in info[6]["~"])
            if "|" in name:
                self.subs.setdefault(name.split("|")[0], []).append(name)
            else:
                self.tops.append(name)
        self.tops.sort()
        for v in self.subs.values():
            v.sort()
        self.by_cat = {c: [n for n in sorted(self.cats) if c in self.cats[n]] for c in CATEGORIES}

    def with_subs(self, name):
        return [name] + self.subs.get(name, [])


_U = None


def universe():
    global _U
    if _U is None:
        _U = _Universe()
    return _U


def hash_password(pw):
    # Imported on use: hashlib (and hmac) map OpenSSL's libcrypto, ~3.5 MB of RSS
    # that a server without passwords never needs.
    from hashlib import sha256
    return sha256(pw).hexdigest()


class Selector(object):
    """Commands, keys and channels one user (or one of its selectors) may use."""

    __slots__ = ("allowed", "future", "allkeys", "keys", "allchannels", "channels", "firstargs")

    def __init__(self, allchannels=False):
        self.allowed = set()
        self.future = False
        self.allkeys = False
        self.keys = []          # [(READ|WRITE flags, pattern bytes)]
        self.allchannels = allchannels
        self.channels = []      # [pattern bytes]
        # '+select|0': a command allowed only with these first arguments (name -> [bytes])
        self.firstargs = {}

    def copy(self):
        s = Selector()
        s.allowed = set(self.allowed)
        s.future, s.allkeys, s.allchannels = self.future, self.allkeys, self.allchannels
        s.keys, s.channels = list(self.keys), list(self.channels)
        s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        return s

    @property
    def unrestricted(self):
        return self.future and self.allkeys and self.allchannels and \
            len(self.allowed) == len(universe().cats)

    # --- rules ---------------------------------------------------------------
    def apply(self, op):
        """Apply one selector rule (bytes); raises RuleError(reason)."""
        low = op.lower()
        if low in (b"allkeys", b"~*"):
            self.allkeys, self.keys = True, []
        elif low == b"resetkeys":
            self.allkeys, self.keys = False, []
        elif low in (b"allchannels", b"&*"):
            self.allchannels, self.channels = True, []
        elif low == b"resetchannels":
            self.allchannels, self.channels = False, []
        elif low in (b"allcommands", b"+@all"):
            self.allowed = set(universe().cats)
            self.future = True
            self.firstargs = {}
        elif low in (b"nocommands", b"-@all"):
            self.allowed = set()
            self.future = False
            self.firstargs = {}
        elif op[:1] == b"~" or op[:1] == b"%":
            self._add_key(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise RuleError(ERR_ALLCHANNELS)
            if op[1:] not in self.channels:
                self.channels.append(op[1:])
        elif op[:2] in (b"+@", b"-@"):
            cat = op[2:].lower().decode("latin-1")
            if cat not in CATEGORIES:
                raise RuleError(ERR_UNKNOWN)
            self._set(universe().by_cat[cat], op[:1] == b"+")
        elif op[:1] in (b"+", b"-"):
            allow = op[:1] == b"+"
            names = self._command_names(op[1:], allow)
            if names is not None:
                self._set(names, allow)
        else:
            raise RuleError(ERR_SYNTAX)

    def _add_key(self, op):
        flags, i = 0, 0
        if op[:1] == b"%":
            i = 1
            while i < len(op) and op[i:i + 1] != b"~":
                c = op[i:i + 1].upper()
                bit = READ if c == b"R" else WRITE if c == b"W" else 0
                if not bit or flags & bit:
                    raise RuleError(ERR_SYNTAX)
                flags |= bit
                i += 1
            if i >= len(op) or not flags:
                raise RuleError(ERR_SYNTAX)
        else:
            flags = READ | WRITE
        pattern = op[i + 1:]
        if self.allkeys:
            raise RuleError(ERR_ALLKEYS)
        if flags == READ | WRITE and pattern == b"*":
            self.allkeys, self.keys = True, []
            return
        if (flags, pattern) not in self.keys:
            self.keys.append((flags, pattern))

    def _command_names(self, text, allow):
        """The names a +/- rule sets, or None for a first-arg rule (applied here)."""
        u = universe()
        name = text.lower().decode("latin-1")
        if name in u.cats and "|" not in name:
            return u.with_subs(name)
        if "|" in name and name in u.cats:
            return [name]
        if not allow:
            raise RuleError(ERR_UNKNOWN)
        # As Redis: the part before the last '|' must name a command (not a subcommand).
        top, _, arg = name.rpartition("|")
        if top not in u.cats:
            raise RuleError(ERR_UNKNOWN)
        if "|" in top:
            raise RuleError("Allowing first-arg of a subcommand is not supported")
        if not arg:
            raise RuleError(ERR_SYNTAX)
        if top in u.subs:
            raise RuleError(ERR_UNKNOWN)
        # '+select|0': only when the command itself is not allowed (Redis 7.0).
        if top not in self.allowed:
            args = self.firstargs.setdefault(top, [])
            raw = text.rsplit(b"|", 1)[1]
            if raw.lower() not in (a.lower() for a in args):
                args.append(raw)
        return None

    def _set(self, names, allow):
        u = universe()
        for n in names:
            self.firstargs.pop(n, None)
            for m in u.with_subs(n) if "|" not in n else (n,):
                if allow:
                    self.allowed.add(m)
                else:
                    self.allowed.discard(m)

    # --- description -----------------------------------------------------------
    def describe_keys(self):
        if self.allkeys:
            return "~*"
        out = []
        for flags, pat in self.keys:
            prefix = "~" if flags == READ | WRITE else "%R~" if flags == READ else "%W~"
            out.append(prefix + pat.decode("utf-8", "replace"))
        return " ".join(out)

    def describe_channels(self, with_reset):
        if self.allchannels:
            return "&*"
        out = ["resetchannels"] if with_reset else []
        out.extend("&" + c.decode("utf-8", "replace") for c in self.channels)
        return " ".join(out)

    def describe_commands(self):
        u = universe()
        additive = not self.future
        rules = ["-@all" if additive else "+@all"]
        fake = set() if additive else set(u.cats)
        temp = set(self.allowed)
        applied = set()
        while True:
            best, mindiff, maxsame = None, None, 0
            for cat in CATEGORIES:
                if cat in applied:
                    continue
                # Subcommands count too, as in Redis 7.0.
                on = sum(1 for n in u.by_cat[cat] if n in temp)
                off = len(u.by_cat[cat]) - on
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (mindiff is None or diff < mindiff or
                                    (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            names = [m for n in u.by_cat[best] for m in (u.with_subs(n) if "|" not in n else (n,))]
            if additive:
                fake.update(names)
                temp.difference_update(names)
            else:
                fake.difference_update(names)
                temp.update(names)
            rules.append(("+@" if additive else "-@") + best)
            applied.add(best)
        for name in u.tops:
            mine = name in self.allowed
            if mine != (name in fake):
                rules.append(("+" if mine else "-") + name)
                for m in u.with_subs(name):
                    (fake.add if mine else fake.discard)(m)
            if not mine:
                rules.extend("+%s|%s" % (name, a.decode("utf-8", "replace"))
                             for a in self.firstargs.get(name, ()))
            for sub in u.subs.get(name, ()):
                mine = sub in self.allowed
                if mine != (sub in fake):
                    rules.append(("+" if mine else "-") + sub)
                    (fake.add if mine else fake.discard)(sub)
        return " ".join(rules)

    def describe(self, with_reset=True):
        parts = [self.describe_keys(), self.describe_channels(with_reset), self.describe_commands()]
        return " ".join(p for p in parts if p)

    # --- checks --------------------------------------------------------------
    def check(self, spec, argv):
        """None when allowed, else (rank, argument index, reason, object); reason is
        'command', 'key' or 'channel', ranked as Redis' ACL_DENIED_* codes."""
        if not spec.no_auth and spec.fullname not in self.allowed and \
                not self._firstarg_ok(spec, argv):
            if spec.fullname in universe().cats or not self.future:
                return (1, 0, "command", spec.fullname)
        if not self.allkeys and spec.key_specs:
            try:
                keys = spec.keys(argv)
            except ValueError:
                keys = ()
            variable = spec.fullname in _VARIABLE_FLAGS
            for idx, kflags in keys:
                need = _VARIABLE_FLAGS[spec.fullname](argv) if variable else _needed(kflags)
                if need is None:
                    continue
                if not self.key_ok(argv[idx], need):
                    return (2, idx, "key", argv[idx])
        if not self.allchannels:
            ch = CHANNEL_COMMANDS.get(spec.fullname)
            if ch is not None:
                first, rest, pattern = ch
                for i in range(first, len(argv) if rest else first + 1):
                    if not self.channel_ok(argv[i], pattern):
                        return (4, i, "channel", argv[i])
        return None

    def _firstarg_ok(self, spec, argv):
        args = self.firstargs.get(spec.fullname)
        if not args or len(argv) < 2 or type(argv[1]) is not bytes:
            return False
        first = argv[1].lower()
        return any(a.lower() == first for a in args)

    def key_ok(self, key, need):
        for flags, pat in self.keys:
            if flags & need == need and glob.match(pat, key):
                return True
        return False

    def channel_ok(self, channel, is_pattern):
        for pat in self.channels:
            if (pat == channel) if is_pattern else glob.match(pat, channel):
                return True
        return False


def _needed(kflags):
    """READ/WRITE a key spec's flags ask for; None for specs that name no key."""
    up = set(f.upper() for f in kflags)
    if "NOT_KEY" in up:
        return None
    need = 0
    if up & _KEY_READ:
        need |= READ
    if up & _KEY_WRITE:
        need |= WRITE
    return need


def _set_need(argv):
    # SET reads the old value only with GET (Redis' setGetKeys: RW|ACCESS, else OW).
    return READ | WRITE if any(a.lower() == b"get" for a in argv[3:]) else WRITE


def _bitfield_need(argv):
    # BITFIELD writes only with SET / INCRBY (Redis' bitfieldGetKeys).
    writes = any(a.lower() in (b"set", b"incrby") for a in argv[2:])
    return READ | WRITE if writes else READ


# Commands whose key spec flags depend on the arguments (Redis' VARIABLE_FLAGS).
_VARIABLE_FLAGS = {"set": _set_need, "bitfield": _bitfield_need}


class User(object):
    __slots__ = ("name", "enabled", "nopass", "passwords", "sanitize", "root", "selectors")

    def __init__(self, name, allchannels=False):
        self.name = name            # bytes
        self.enabled = False
        self.nopass = False
        self.passwords = []         # sha256 hex strings
        self.sanitize = None        # "sanitize-payload" / "skip-sanitize-payload"
        self.root = Selector(allchannels)
        self.selectors = []

    def copy(self):
        u = User(self.name)
        u.enabled, u.nopass, u.sanitize = self.enabled, self.nopass, self.sanitize
        u.passwords = list(self.passwords)
        u.root = self.root.copy()
        u.selectors = [s.copy() for s in self.selectors]
        return u

    @property
    def unrestricted(self):
        return self.root.unrestricted

    def apply(self, op, pubsub_default_all=False):
        low = op.lower()
        if not op:
            return   # Redis accepts (and ignores) an empty rule
        if low == b"on":
            self.enabled = True
        elif low == b"off":
            self.enabled = False
        elif low == b"nopass":
            self.nopass, self.passwords = True, []
        elif low == b"resetpass":
            self.nopass, self.passwords = False, []
        elif low in (b"sanitize-payload", b"skip-sanitize-payload"):
            self.sanitize = low.decode()
        elif low == b"clearselectors":
            self.selectors = []
        elif low == b"reset":
            self.enabled = self.nopass = False
            self.passwords, self.selectors = [], []
            self.sanitize = "sanitize-payload"
            self.root = Selector(pubsub_default_all)
        elif op[:1] == b">":
            self._add_hash(hash_password(op[1:]))
        elif op[:1] == b"#":
            self._add_hash(_check_hash(op[1:]))
        elif op[:1] == b"<":
            self._remove_hash(hash_password(op[1:]))
        elif op[:1] == b"!":
            self._remove_hash(_check_hash(op[1:]))
        elif op[:1] == b"(" and op[-1:] == b")":
            sel = Selector(pubsub_default_all)
            for word in op[1:-1].split():
                sel.apply(word)
            self.selectors.append(sel)
        else:
            self.root.apply(op)

    def _add_hash(self, h):
        if h not in self.passwords:
            self.passwords.append(h)
        self.nopass = False

    def _remove_hash(self, h):
        if h not in self.passwords:
            raise RuleError(ERR_NOPASS)
        self.passwords.remove(h)
        self.nopass = False

    def flags(self):
        out = ["on" if self.enabled else "off"]
        if self.nopass:
            out.append("nopass")
        if self.sanitize:
            out.append(self.sanitize)
        return out

    def describe(self):
        """The ACL LIST line without the leading 'user <name>'."""
        parts = self.flags() + ["#" + h for h in self.passwords] + [self.root.describe()]
        parts.extend("(%s)" % s.describe() for s in self.selectors)
        return " ".join(p for p in parts if p)

    def check(self, spec, argv):
        """None, or (reason, object) when no selector allows it: as Redis, the
        denial reported is the highest ranked one, then the one at the last argument."""
        worst = None
        for sel in [self.root] + self.selectors:
            d = sel.check(spec, argv)
            if d is None:
                return None
            if worst is None or d[:2] > worst[:2]:
                worst = d
        return worst[2:]

    def password_ok(self, password):
        if self.nopass:
            return True
        h = hash_password(password)
        return any(_eq(h, p) for p in self.passwords)


def _eq(a, b):
    from hmac import compare_digest   # on use, as hash_password's hashlib
    return compare_digest(a, b)   # no timing hint about the stored hashes


def _check_hash(h):
    if len(h) != 64 or any(c not in b"0123456789abcdef" for c in h):
        raise RuleError(ERR_HASH)
    return h.decode()


def split_rules(argv):
    """Rules as words; a selector '(' ... ')' spread over several words is joined."""
    out, buf = [], None
    for a in argv:
        if buf is not None:
            buf.append(a)
            if a.endswith(b")"):
                out.append(b" ".join(buf))
                buf = None
        elif a.startswith(b"(") and not a.endswith(b")"):
            buf = [a]
        else:
            out.append(a)
    if buf is not None:
        raise RuleError("Unmatched parenthesis in acl selector starting at '%s'."
                        % buf[0].decode("utf-8", "replace"))
    return out


class LogEntry(object):
    __slots__ = ("count", "reason", "context", "object", "username", "ctime", "cinfo")


class Acl(object):
    """The user table of one server, its ACL LOG and its dispatcher hook."""

    def __init__(self, server, dispatcher):
        self.server = server
        self.dispatcher = dispatcher   # whose clients of restricted users get the rule
        self.users = {}
        self.log = []            # newest first
        self.hooked = False      # some user is restricted
        self.users[b"default"] = _fresh_default()
        self.set_requirepass(server.config.requirepass, hook=False)
        server.config.on_set.append(self._config_changed)
        cfg_users = getattr(server.config, "acl_users", ())
        for words in cfg_users:
            # Redis resets the default user before applying its 'user default' line.
            rules = ([b"reset"] if words[0] == b"default" else []) + list(words[1:])
            self.users[words[0]] = self.user_from_rules(words[0], rules)
        if getattr(server.config, "aclfile", ""):
            # As Redis at start-up: a broken aclfile, or users in both places, stop it.
            if cfg_users:
                _abort("Configuring Redis with users defined in redis.conf and at the same "
                       "setting an ACL file path is invalid. This setup is very likely to lead "
                       "to configuration errors and security holes, please define either an "
                       "ACL file or declare users directly in your redis.conf, but not both.")
            try:
                self.load()
            except RuleError as e:
                _abort("Aborting Redis startup because of ACL errors: %s" % e)
        self.update_hook()

    def user_from_rules(self, name, rules):
        """A fresh user with rules applied (user directives, aclfile lines); raises RuleError."""
        u = self.new_user(name)
        for op in split_rules(rules):
            u.apply(op, self.pubsub_default_all())
        return u

    # --- the aclfile -------------------------------------------------------------
    def parse_file(self, text, path):
        """{name: User} from aclfile text, or RuleError with Redis' report of every problem."""
        users, problems = {}, []
        for lineno, line in enumerate(text.split("\n"), 1):
            line = line.strip(" \t\r\n")
            if not line:
                continue
            words = split_inline(line.encode("utf-8", "surrogateescape")) or []
            if len(words) < 2 or words[0] != b"user":
                problems.append("%s:%d should start with user keyword followed by the username. "
                                % (path, lineno))
                continue
            name = words[1]
            if name in users:
                problems.append("WARNING: Duplicate user '%s' found on line %d. "
                                % (name.decode("utf-8", "replace"), lineno))
                continue
            try:
                users[name] = self.user_from_rules(name, words[2:])
            except RuleError as e:
                problems.append("%s:%d: %s. " % (path, lineno, e))
        if problems:
            raise RuleError("".join(problems) + "WARNING: ACL errors detected, no change to the "
                            "previously active ACL rules was performed")
        return users

    def load(self):
        """ACL LOAD (and start-up): replace every user from the aclfile, all or nothing."""
        path = self.server.config.aclfile
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "surrogateescape")
        except OSError as e:
            raise RuleError("Error loading ACLs, opening file '%s': %s" % (path, e.strerror))
        users = self.parse_file(text, path)
        if b"default" not in users:
            users[b"default"] = _fresh_default()
        old = self.users
        self.users = users
        # Clients authenticated as users of the old table are closed, as Redis does.
        for c in list(getattr(self.server, "clients", {}).values()):
            if c.user != "default" and c.user.encode("utf-8", "surrogateescape") in old:
                c.kill("acl-load")
        self.update_hook()

    def save(self):
        """ACL SAVE: the ACL LIST lines, written atomically."""
        path = self.server.config.aclfile
        data = "".join(line + "\n" for line in self.lines()).encode("utf-8", "surrogateescape")
        tmp = "%s.tmp-%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)

    @property
    def default(self):
        return self.users[b"default"]

    def pubsub_default_all(self):
        return getattr(self.server.config, "acl_pubsub_default", "resetchannels") == "allchannels"

    def new_user(self, name):
        """A user as ACL SETUSER creates it: off, no password, -@all, channels per
        acl-pubsub-default."""
        return User(name, self.pubsub_default_all())

    def set_requirepass(self, text, hook=True):
        d = self.default
        d.apply(b"resetpass")
        d.apply((b">" + text.encode("utf-8", "surrogateescape")) if text else b"nopass")
        if hook:
            self.update_hook()

    def _config_changed(self, name, value):
        if name == "requirepass":
            self.set_requirepass(value)

    def open_default(self):
        """New connections start authenticated (as Redis' createClient)."""
        d = self.default
        return d.nopass and d.enabled

    def authenticate(self, name, password):
        u = self.users.get(name)
        if u is None or not u.enabled or not u.password_ok(password):
            return None
        return u

    def setuser(self, name, rules):
        """Apply rules to a copy of the user (new or not); all or nothing."""
        old = self.users.get(name)
        u = old.copy() if old is not None else self.new_user(name)
        for op in split_rules(rules):
            try:
                u.apply(op, self.pubsub_default_all())
            except RuleError as e:
                raise RuleError("Error in ACL SETUSER modifier '%s': %s" % (
                    op.decode("utf-8", "replace"), e))
        self.users[name] = u
        self.update_hook()
        return u

    def deluser(self, name):
        if self.users.pop(name, None) is None:
            return False
        sname = name.decode("utf-8", "replace")
        for c in list(self.server.clients.values()):
            if c.user == sname:
                c.kill("acl-deleted")
        self.update_hook()
        return True

    def update_hook(self):
        """The users changed: every client's rule follows its user's."""
        self.hooked = any(not u.unrestricted for u in self.users.values())
        for c in list(getattr(self.server, "clients", {}).values()):
            self.refresh(c)

    def refresh(self, conn):
        """Give conn the permission rule while its user is restricted, and only
        then: the other clients keep the plain path (dispatcher.run)."""
        u = self.users.get(conn.user.encode("utf-8", "surrogateescape")) if self.hooked else None
        if u is not None and not u.unrestricted:
            self.dispatcher.add_rule(self.hook, RULE_ACL, conn)
        else:
            self.dispatcher.remove_rule(self.hook, conn)

    def hook(self, conn, spec, argv):
        u = self.users.get(conn.user.encode("utf-8", "surrogateescape"))
        if u is None or u.unrestricted:
            return None
        denied = u.check(spec, argv)
        if denied is None:
            return None
        reason, obj = denied
        self.add_log(conn, reason, "multi" if conn.multi is not None else "toplevel", obj, u.name)
        return self.server.dispatcher.error(noperm_message(reason, spec))

    # --- checks for nested calls (EXEC, scripts); wired in by their modules ----------
    def _denial(self, conn, spec, argv):
        if not self.hooked:
            return None
        u = self.users.get(conn.user.encode("utf-8", "surrogateescape"))
        if u is None or u.unrestricted:
            return None
        return u.check(spec, argv)

    def exec_denied(self, conn, spec, argv):
        """EXEC re-checks each queued command (rules may have changed since it was
        queued): None, or Redis' error text for its reply (logged, context 'multi')."""
        d = self._denial(conn, spec, argv)
        if d is None:
            return None
        self.add_log(conn, d[0], "multi", d[1], conn.user.encode("utf-8", "surrogateescape"))
        return ("NOPERM ACLs rules changed between the moment the transaction was accumulated "
                "and the EXEC call. This command is no longer allowed for the following "
                "reason: " + _EXEC_REASONS[d[0]])

    def script_denied(self, conn, spec, argv):
        """redis.call / pcall: None, or Redis' error text (logged, context 'lua')."""
        d = self._denial(conn, spec, argv)
        if d is None:
            return None
        self.add_log(conn, d[0], "lua", d[1], conn.user.encode("utf-8", "surrogateescape"))
        return "ERR The user executing the script " + _SCRIPT_REASONS[d[0]]

    def allowed(self, conn, spec, argv):
        """redis.acl_check_cmd: may this client's user run it (nothing is logged)."""
        u = self.users.get(conn.user.encode("utf-8", "surrogateescape"))
        return u is None or u.unrestricted or u.check(spec, argv) is None

    # --- ACL LOG ---------------------------------------------------------------
    def add_log(self, conn, reason, context, obj, username):
        now = time.time()
        if isinstance(obj, str):
            obj = obj.encode()
        for i, e in enumerate(self.log[:10]):
            if (e.reason, e.context, e.object, e.username) == (reason, context, obj, username) \
                    and now - e.ctime < 60:
                e.count += 1
                e.ctime = now
                e.cinfo = conn.info_line()
                del self.log[i]
                self.log.insert(0, e)
                return
        e = LogEntry()
        e.count, e.reason, e.context, e.object, e.username = 1, reason, context, obj, username
        e.ctime, e.cinfo = now, conn.info_line()
        self.log.insert(0, e)
        limit = getattr(self.server.config, "acllog_max_len", 128)
        del self.log[limit:]

    # --- ACL LIST / aclfile ---------------------------------------------------
    def lines(self):
        return ["user %s %s" % (n.decode("utf-8", "replace"), self.users[n].describe())
                for n in sorted(self.users)]


_EXEC_REASONS = {
    "command": "no permission to execute the command or subcommand",
    "key": "no permission to touch the specified keys",
    "channel": "no permission to access one of the channels used as arguments",
}
_SCRIPT_REASONS = {
    "command": "can't run this command or subcommand",
    "key": "can't access at least one of the keys mentioned in the command arguments",
    "channel": "can't publish to the channel mentioned in the command",
}


def noperm_message(reason, spec):
    if reason == "command":
        return "NOPERM this user has no permissions to run the '%s' command" % spec.fullname
    if reason == "key":
        return "NOPERM this user has no permissions to access one of the keys used as arguments"
    return "NOPERM this user has no permissions to access one of the channels used as arguments"


def _fresh_default():
    """The default user as Redis creates it: on nopass ~* &* +@all."""
    u = User(b"default", True)
    for op in (b"on", b"nopass", b"~*", b"+@all"):
        u.apply(op)
    return u


def of(server):
    """The server's Acl (made with its dispatcher)."""
    return server.dispatcher.acl


def _abort(message):
    logging.getLogger("miniredis").warning("%s", message)
    raise SystemExit(1)


def protected_refuses(server, addr):
    """Redis' protected mode: no password for the default user and a peer that is not
    on the loopback interface (Redis' connIsLocal: 127.x.x.x or ::1)."""
    if not server.config.protected_mode or not addr or isinstance(addr, str):
        return False
    if not of(server).default.nopass:
        return False
    host = addr[0]
    if host.startswith("::ffff:"):
        host = host[7:]
    return not (host.startswith("127.") or host == "::1")


def genpass(bits):
    return os.urandom((bits + 7) // 8).hex()[:(bits + 3) // 4]
