"""One method per command of the server's core set.

Owns: each command's arguments (Python -> request) and the parser of its
reply. Methods call ``self._command(argv, parse)``: the Client runs it at
once, a Pipeline queues it, so both share every method here.
Must not touch: sockets, the pool (see :mod:`.client` for the few methods
whose success also changes the client's session settings). The container
types' commands are in :mod:`.type_commands`, mixed into ``CoreCommands``.

Arguments are sent as bulk strings (:func:`.encoding.arg`), except the VALUE
of SET, SETNX, SETEX, PSETEX, GETSET, MSET and MSETNX, which under RESP3 is
given as a typed value (:func:`.encoding.value`) so that GET returns the same
Python value -- the connection sends it typed only to a server that accepts
typed values (miniredis), and as text (int, float) or not at all (DataError)
to any other.
"""

from . import parsers as P
from .encoding import arg, value, seconds, milliseconds, unix_seconds, unix_milliseconds
from .exceptions import DataError
from .scripting import PublishCommands, ScriptingCommands
from .type_commands import TypeCommands


def _keys(keys, more=()):
    """A key list given as one key, a list of keys, and/or extra positional keys."""
    if isinstance(keys, (list, tuple)):
        out = [arg(k) for k in keys]
    else:
        out = [arg(keys)]
    out.extend(arg(k) for k in more)
    return out


def _bit(v):
    """A bit argument: True/False as 1/0; anything else as given (the server checks it)."""
    if isinstance(v, bool):
        return b"1" if v else b"0"
    return arg(v)


def _one_of(**flags):
    """The names of the true flags, checking that at most one is set."""
    on = [name for name, v in flags.items() if v]
    if len(on) > 1:
        raise DataError("Only one of %s may be given" % ", ".join(sorted(flags)))
    return on


class GenericCommands(object):
    def execute_command(self, *args):
        """Any command: arguments sent as bulk strings, the reply as read (errors raised)."""
        if not args:
            raise DataError("execute_command needs a command name")
        return self._command([arg(a) for a in args])


class ConnectionCommands(object):
    def ping(self, message=None):
        """PING: True for PONG, or the message echoed back."""
        if message is None:
            return self._command([b"PING"], P.pong)
        return self._command([b"PING", arg(message)])

    def echo(self, message):
        return self._command([b"ECHO", arg(message)])

    def hello(self, protover=None, username=None, password=None, setname=None):
        """HELLO: the server's handshake map, as a dict.

        The connection used is re-established afterwards, so the client keeps
        its configured protocol and credentials.
        """
        argv = [b"HELLO"]
        if protover is not None or password is not None or setname is not None:
            argv.append(arg(self.protocol if protover is None else protover))
        if password is not None:
            argv += [b"AUTH", arg(username or "default"), arg(password)]
        if setname is not None:
            argv += [b"SETNAME", arg(setname)]
        return self._command(argv, P.pairs)

    def auth(self, password, username=None):
        argv = [b"AUTH"] + ([arg(username)] if username is not None else []) + [arg(password)]
        return self._command(argv, P.true)

    def select(self, index):
        return self._command([b"SELECT", arg(index)], P.true)

    def client_id(self):
        """The id of the connection that ran the command (pooled clients have several)."""
        return self._command([b"CLIENT", b"ID"])

    def client_setname(self, name):
        return self._command([b"CLIENT", b"SETNAME", arg(name)], P.true)

    def client_getname(self):
        return self._command([b"CLIENT", b"GETNAME"])

    def client_list(self, _type=None, client_id=None):
        """CLIENT LIST as a list of {field: text} dicts."""
        argv = [b"CLIENT", b"LIST"]
        if _type is not None:
            argv += [b"TYPE", arg(_type)]
        if client_id is not None:
            ids = client_id if isinstance(client_id, (list, tuple)) else [client_id]
            argv += [b"ID"] + [arg(i) for i in ids]
        return self._command(argv, P.client_list)

    def client_info(self):
        return self._command([b"CLIENT", b"INFO"], P.client_info)

    def client_kill(self, address):
        """CLIENT KILL ip:port (the old form): True, or ResponseError for no such client."""
        return self._command([b"CLIENT", b"KILL", arg(address)], P.true)

    def client_kill_filter(self, _id=None, _type=None, addr=None, laddr=None, user=None,
                           skipme=None):
        """CLIENT KILL with filters: the number of clients killed."""
        argv = [b"CLIENT", b"KILL"]
        for name, v in ((b"ID", _id), (b"TYPE", _type), (b"ADDR", addr),
                        (b"LADDR", laddr), (b"USER", user)):
            if v is not None:
                argv += [name, arg(v)]
        if skipme is not None:
            argv += [b"SKIPME", b"yes" if skipme else b"no"]
        if len(argv) == 2:
            raise DataError("CLIENT KILL needs at least one filter")
        return self._command(argv)

    def reset(self):
        return self._command([b"RESET"], P.true)

    def quit(self):
        return self._command([b"QUIT"], P.true)


class ServerCommands(object):
    def info(self, section=None, *sections):
        """INFO parsed into a flat dict, numbers as int/float (like redis-py)."""
        argv = [b"INFO"]
        if section is not None:
            argv += [arg(section)] + [arg(s) for s in sections]
        return self._command(argv, P.info)

    def dbsize(self):
        return self._command([b"DBSIZE"])

    def flushdb(self, asynchronous=False):
        return self._command([b"FLUSHDB"] + ([b"ASYNC"] if asynchronous else []), P.true)

    def flushall(self, asynchronous=False):
        return self._command([b"FLUSHALL"] + ([b"ASYNC"] if asynchronous else []), P.true)

    def time(self):
        """(seconds, microseconds) of the server clock."""
        return self._command([b"TIME"], P.time_pair)

    def command_count(self):
        return self._command([b"COMMAND", b"COUNT"])

    def command_info(self, *names):
        """{name: {arity, flags, first_key_pos, ...}} for the named commands (all if none)."""
        return self._command([b"COMMAND", b"INFO"] + [arg(n) for n in names], P.command_info)

    def config_get(self, pattern="*", *patterns):
        """CONFIG GET as {name: value} (text)."""
        return self._command([b"CONFIG", b"GET", arg(pattern)] + [arg(p) for p in patterns],
                             P.str_pairs)

    def config_set(self, name, value, *pairs):
        """CONFIG SET name value [name value ...]."""
        if len(pairs) % 2:
            raise DataError("config_set needs name, value pairs")
        return self._command([b"CONFIG", b"SET", arg(name), arg(value)] + [arg(p) for p in pairs],
                             P.true)

    def config_resetstat(self):
        return self._command([b"CONFIG", b"RESETSTAT"], P.true)

    def shutdown(self, save=False, nosave=False, now=False, force=False, abort=False):
        """SHUTDOWN; on success the server closes the connection (see Client.shutdown)."""
        if save and nosave:
            raise DataError("SHUTDOWN: save and nosave are exclusive")
        argv = [b"SHUTDOWN"]
        for name, on in ((b"SAVE", save), (b"NOSAVE", nosave), (b"NOW", now),
                         (b"FORCE", force), (b"ABORT", abort)):
            if on:
                argv.append(name)
        return self._command(argv, P.true)

    def debug_sleep(self, seconds):
        return self._command([b"DEBUG", b"SLEEP", arg(seconds)], P.true)

    # --- replication ----------------------------------------------------------------
    def wait(self, num_replicas, timeout):
        """WAIT: how many replicas have every write made so far (timeout in ms, 0: forever)."""
        return self._command([b"WAIT", arg(num_replicas), arg(timeout)])

    def role(self):
        """ROLE as the server answers it: [b"master", offset, [[ip, port, offset], ...]]
        or [b"slave", host, port, state, offset]."""
        return self._command([b"ROLE"])

    def replicaof(self, *args):
        """REPLICAOF host port, or REPLICAOF NO ONE (the arguments as redis-py takes them)."""
        return self._command([b"REPLICAOF"] + [arg(a) for a in args], P.true)

    def slaveof(self, host=None, port=None):
        """SLAVEOF host port; with neither, SLAVEOF NO ONE (as redis-py)."""
        if host is None and port is None:
            return self._command([b"SLAVEOF", b"NO", b"ONE"], P.true)
        return self._command([b"SLAVEOF", arg(host), arg(port)], P.true)


class KeyCommands(object):
    def delete(self, *names):
        return self._command([b"DEL"] + [arg(n) for n in names])

    def unlink(self, *names):
        return self._command([b"UNLINK"] + [arg(n) for n in names])

    def exists(self, *names):
        """How many of the names exist (a name given twice counts twice)."""
        return self._command([b"EXISTS"] + [arg(n) for n in names])

    def type(self, name):
        """The type name as text: 'string', 'none', 'list', ..."""
        return self._command([b"TYPE", arg(name)], P.text)

    def keys(self, pattern="*"):
        return self._command([b"KEYS", arg(pattern)])

    def scan(self, cursor=0, match=None, count=None, _type=None):
        """One SCAN step: (next_cursor, [keys])."""
        argv = [b"SCAN", arg(cursor)]
        if match is not None:
            argv += [b"MATCH", arg(match)]
        if count is not None:
            argv += [b"COUNT", arg(count)]
        if _type is not None:
            argv += [b"TYPE", arg(_type)]
        return self._command(argv, P.scan)

    def randomkey(self):
        return self._command([b"RANDOMKEY"])

    def rename(self, src, dst):
        return self._command([b"RENAME", arg(src), arg(dst)], P.true)

    def renamenx(self, src, dst):
        return self._command([b"RENAMENX", arg(src), arg(dst)], P.boolean)

    def move(self, name, db):
        return self._command([b"MOVE", arg(name), arg(db)], P.boolean)

    def copy(self, source, destination, destination_db=None, replace=False):
        argv = [b"COPY", arg(source), arg(destination)]
        if destination_db is not None:
            argv += [b"DB", arg(destination_db)]
        if replace:
            argv.append(b"REPLACE")
        return self._command(argv, P.boolean)

    def _expire(self, cmd, name, when, nx, xx, gt, lt):
        flags = _one_of(nx=nx, xx=xx, gt=gt, lt=lt)
        argv = [cmd, arg(name), arg(when)] + [f.upper().encode() for f in flags]
        return self._command(argv, P.boolean)

    def expire(self, name, time, nx=False, xx=False, gt=False, lt=False):
        """EXPIRE in seconds (int or timedelta): True when the timeout was set."""
        return self._expire(b"EXPIRE", name, seconds(time), nx, xx, gt, lt)

    def pexpire(self, name, time, nx=False, xx=False, gt=False, lt=False):
        return self._expire(b"PEXPIRE", name, milliseconds(time), nx, xx, gt, lt)

    def expireat(self, name, when, nx=False, xx=False, gt=False, lt=False):
        """EXPIREAT a Unix time in seconds (int or datetime)."""
        return self._expire(b"EXPIREAT", name, unix_seconds(when), nx, xx, gt, lt)

    def pexpireat(self, name, when, nx=False, xx=False, gt=False, lt=False):
        return self._expire(b"PEXPIREAT", name, unix_milliseconds(when), nx, xx, gt, lt)

    def ttl(self, name):
        return self._command([b"TTL", arg(name)])

    def pttl(self, name):
        return self._command([b"PTTL", arg(name)])

    def expiretime(self, name):
        return self._command([b"EXPIRETIME", arg(name)])

    def pexpiretime(self, name):
        return self._command([b"PEXPIRETIME", arg(name)])

    def persist(self, name):
        return self._command([b"PERSIST", arg(name)], P.boolean)

    def touch(self, *names):
        return self._command([b"TOUCH"] + [arg(n) for n in names])

    def object_encoding(self, name):
        """The encoding name as text, or None for a missing key."""
        return self._command([b"OBJECT", b"ENCODING", arg(name)], P.text)

    def object_refcount(self, name):
        return self._command([b"OBJECT", b"REFCOUNT", arg(name)], P.to_int)

    def object_idletime(self, name):
        return self._command([b"OBJECT", b"IDLETIME", arg(name)], P.to_int)

    def object_freq(self, name):
        return self._command([b"OBJECT", b"FREQ", arg(name)], P.to_int)

    def swapdb(self, first, second):
        return self._command([b"SWAPDB", arg(first), arg(second)], P.true)


class StringCommands(object):
    def get(self, name):
        """The value, as stored: bytes (str with decode_responses), or the typed value set."""
        return self._command([b"GET", arg(name)])

    def set(self, name, value, ex=None, px=None, nx=False, xx=False, keepttl=False,
            get=False, exat=None, pxat=None):
        """SET: True/False (was it set), or with get=True the previous value.

        ex/px accept a timedelta, exat/pxat a datetime, as redis-py.
        """
        argv = [b"SET", arg(name), value_arg(self, value)]
        if ex is not None:
            argv += [b"EX", arg(seconds(ex))]
        if px is not None:
            argv += [b"PX", arg(milliseconds(px))]
        if exat is not None:
            argv += [b"EXAT", arg(unix_seconds(exat))]
        if pxat is not None:
            argv += [b"PXAT", arg(unix_milliseconds(pxat))]
        if keepttl:
            argv.append(b"KEEPTTL")
        if nx:
            argv.append(b"NX")
        if xx:
            argv.append(b"XX")
        if get:
            argv.append(b"GET")
            return self._command(argv)
        return self._command(argv, P.ok_or_false)

    def setnx(self, name, value):
        return self._command([b"SETNX", arg(name), value_arg(self, value)], P.boolean)

    def setex(self, name, time, value):
        return self._command([b"SETEX", arg(name), arg(seconds(time)), value_arg(self, value)],
                             P.true)

    def psetex(self, name, time_ms, value):
        return self._command([b"PSETEX", arg(name), arg(milliseconds(time_ms)),
                              value_arg(self, value)], P.true)

    def getset(self, name, value):
        return self._command([b"GETSET", arg(name), value_arg(self, value)])

    def getdel(self, name):
        return self._command([b"GETDEL", arg(name)])

    def getex(self, name, ex=None, px=None, exat=None, pxat=None, persist=False):
        """GETEX: the value, changing its TTL as asked (at most one option)."""
        _one_of(ex=ex is not None, px=px is not None, exat=exat is not None,
                pxat=pxat is not None, persist=persist)
        argv = [b"GETEX", arg(name)]
        if ex is not None:
            argv += [b"EX", arg(seconds(ex))]
        elif px is not None:
            argv += [b"PX", arg(milliseconds(px))]
        elif exat is not None:
            argv += [b"EXAT", arg(unix_seconds(exat))]
        elif pxat is not None:
            argv += [b"PXAT", arg(unix_milliseconds(pxat))]
        elif persist:
            argv.append(b"PERSIST")
        return self._command(argv)

    def mget(self, keys, *args):
        return self._command([b"MGET"] + _keys(keys, args))

    def _mset(self, cmd, mapping, parse):
        argv = [cmd]
        for k, v in mapping.items():
            argv += [arg(k), value_arg(self, v)]
        return self._command(argv, parse)

    def mset(self, mapping):
        """MSET from a dict {key: value}."""
        return self._mset(b"MSET", mapping, P.true)

    def msetnx(self, mapping):
        return self._mset(b"MSETNX", mapping, P.boolean)

    def append(self, key, value):
        return self._command([b"APPEND", arg(key), arg(value)])

    def strlen(self, name):
        return self._command([b"STRLEN", arg(name)])

    def incr(self, name, amount=1):
        if amount == 1:
            return self._command([b"INCR", arg(name)])
        return self.incrby(name, amount)

    def decr(self, name, amount=1):
        if amount == 1:
            return self._command([b"DECR", arg(name)])
        return self.decrby(name, amount)

    def incrby(self, name, amount=1):
        return self._command([b"INCRBY", arg(name), arg(amount)])

    def decrby(self, name, amount=1):
        return self._command([b"DECRBY", arg(name), arg(amount)])

    def incrbyfloat(self, name, amount=1.0):
        """INCRBYFLOAT: the new value as a float."""
        return self._command([b"INCRBYFLOAT", arg(name), arg(amount)], P.to_float)

    def getrange(self, key, start, end):
        return self._command([b"GETRANGE", arg(key), arg(start), arg(end)])

    def setrange(self, name, offset, value):
        return self._command([b"SETRANGE", arg(name), arg(offset), arg(value)])

    def substr(self, name, start, end=-1):
        return self._command([b"SUBSTR", arg(name), arg(start), arg(end)])

    def lcs(self, key1, key2, len=False, idx=False, minmatchlen=None, withmatchlen=False):
        """LCS: the common string; with len=True its length; with idx=True a dict."""
        argv = [b"LCS", arg(key1), arg(key2)]
        if len:
            argv.append(b"LEN")
        if idx:
            argv.append(b"IDX")
        if minmatchlen is not None:
            argv += [b"MINMATCHLEN", arg(minmatchlen)]
        if withmatchlen:
            argv.append(b"WITHMATCHLEN")
        return self._command(argv, P.lcs)

    def setbit(self, name, offset, value):
        """SETBIT (value true/false or 1/0): the previous bit."""
        return self._command([b"SETBIT", arg(name), arg(offset), _bit(value)])

    def getbit(self, name, offset):
        return self._command([b"GETBIT", arg(name), arg(offset)])

    def _range(self, argv, start, end, mode):
        if start is not None:
            argv.append(arg(start))
            if end is not None:
                argv.append(arg(end))
                if mode is not None:
                    argv.append(arg(mode))
        elif end is not None or mode is not None:
            raise DataError("end and mode need a start")
        return self._command(argv)

    def bitcount(self, key, start=None, end=None, mode=None):
        """BITCOUNT [start end [BYTE|BIT]]."""
        if (start is None) != (end is None):
            raise DataError("bitcount needs both start and end")
        return self._range([b"BITCOUNT", arg(key)], start, end, mode)

    def bitpos(self, key, bit, start=None, end=None, mode=None):
        """BITPOS bit [start [end [BYTE|BIT]]]."""
        return self._range([b"BITPOS", arg(key), _bit(bit)], start, end, mode)

    def bitop(self, operation, dest, *keys):
        return self._command([b"BITOP", arg(operation), arg(dest)] + [arg(k) for k in keys])


def value_arg(cmds, v):
    """The VALUE argument for the protocol of the client (or pipeline) ``cmds``."""
    return value(v, cmds.protocol)


class CoreCommands(GenericCommands, ConnectionCommands, ServerCommands, KeyCommands,
                   StringCommands, TypeCommands, ScriptingCommands, PublishCommands):
    """Every command method; subclasses provide ``protocol`` and ``_command``.

    The list, hash, set, sorted-set and SORT methods live in :mod:`.type_commands`;
    scripting, functions and PUBLISH/PUBSUB in :mod:`.scripting`.
    """
