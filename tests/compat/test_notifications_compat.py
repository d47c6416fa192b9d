"""Keyspace notifications against the reference server: the same ordered messages.

On each server a subscriber listens with PSUBSCRIBE '__key*__:*'; a client
runs a command sequence (every reply compared too); then a marker command is
run and the subscriber's messages up to the marker are compared, in order.
"""

import time

import pytest

from support import RawClient, encode_command, server_pair, wait_blocked

ALL = "KEA"


@pytest.fixture(scope="module")
def pair():
    with server_pair("--enable-debug-command", "yes") as servers:
        yield servers


class Notified(object):
    """A (client, subscriber) on each server; ``run`` compares replies, ``messages`` the events."""

    def __init__(self, servers, proto, flags=ALL):
        self.servers = servers
        self.c = [RawClient(s.port, 2) for s in servers]
        self.sub = [RawClient(s.port, proto, timeout=5) for s in servers]
        self.extra = []
        self.current = flags
        for c in self.c:
            c.cmd("FLUSHALL")
            c.cmd("CONFIG", "SET", "notify-keyspace-events", flags)
        for s in self.sub:
            assert s.cmd("PSUBSCRIBE", "__key*__:*").v[2].v == 1

    def run(self, *args):
        m, r = (c.cmd(*args) for c in self.c)
        assert m == r, "%r: miniredis %r != redis %r" % (args, m, r)
        return m

    def runs(self, *commands):
        for cmd in commands:
            self.run(*cmd)

    def messages(self):
        """Every message since the last call, compared in order between the servers."""
        # A marker key in db 9 (whatever db the client is in): its event ends the batch.
        out = []
        for c, s in zip(self.c, self.sub):
            db = _db_of(c)
            c.cmd("SELECT", "9")
            c.cmd("CONFIG", "SET", "notify-keyspace-events", ALL)
            c.cmd("SET", "__marker__", "1")
            got = []
            for _ in range(10000):
                v = s.read().plain()
                assert v[0] == b"pmessage", v
                if v[2] == b"__keyspace@9__:__marker__":
                    break
                got.append((v[2], v[3]))
            s.read()   # the marker's keyevent message
            c.cmd("DEL", "__marker__")
            s.read(), s.read()
            c.cmd("CONFIG", "SET", "notify-keyspace-events", self.current)
            c.cmd("SELECT", str(db))
            out.append(got)
        assert out[0] == out[1], "miniredis %r\n!= redis %r" % (out[0], out[1])
        return out[0]

    def flags(self, flags):
        self.run("CONFIG", "SET", "notify-keyspace-events", flags)
        self.current = flags

    def close(self):
        for c in self.c:
            c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
            c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        for c in self.c + self.sub + self.extra:
            c.close()


def _db_of(c):
    info = c.cmd("CLIENT", "INFO").v.decode()
    return int(info.split(" db=")[1].split(" ")[0])


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def nt(request, pair):
    n = Notified(pair, request.param)
    yield n
    n.close()


@pytest.fixture
def nt2(pair):
    n = Notified(pair, 2)
    yield n
    n.close()


def test_strings(nt):
    nt.runs(
        ("SET", "s", "1"), ("SET", "s", "2", "NX"), ("SET", "s", "3", "XX"), ("SET", "s", "4", "GET"),
        ("SETNX", "s", "x"), ("SETNX", "s2", "x"), ("SETEX", "s3", "100", "v"),
        ("PSETEX", "s4", "100000", "v"), ("GETSET", "s", "9"), ("GETDEL", "s2"), ("GETDEL", "s2"),
        ("GETEX", "s3", "EX", "50"), ("GETEX", "s3", "PERSIST"), ("GETEX", "s3"),
        ("MSET", "a", "1", "b", "2"), ("MSETNX", "a", "1", "c", "3"), ("MSETNX", "d", "1", "e", "3"),
        ("APPEND", "a", "x"), ("APPEND", "new", "x"), ("INCR", "n"), ("INCRBY", "n", "5"),
        ("DECR", "n"), ("DECRBY", "n", "2"), ("INCRBYFLOAT", "f", "1.5"), ("SETRANGE", "a", "3", "zz"),
        ("SETRANGE", "r", "0", ""), ("SETBIT", "bits", "7", "1"), ("BITOP", "AND", "dest", "bits", "a"),
        ("BITOP", "OR", "dest2", "nokey"), ("SET", "s", "v", "EX", "100"), ("SET", "s", "v", "KEEPTTL"),
        ("INCR", "a"),
    )
    nt.messages()


def test_keys(nt):
    nt.runs(
        ("SET", "a", "1"), ("SET", "b", "2"), ("DEL", "a", "nokey"), ("UNLINK", "b"),
        ("SET", "k", "v"), ("EXPIRE", "k", "100"), ("PEXPIRE", "k", "100000"), ("EXPIRE", "k", "100", "NX"),
        ("PERSIST", "k"), ("PERSIST", "k"), ("EXPIREAT", "k", "1"), ("SET", "k", "v"),
        ("PEXPIREAT", "k", "99999999999999"), ("EXPIRE", "k", "0"), ("EXPIRE", "nokey", "10"),
        ("SET", "r", "1"), ("RENAME", "r", "r2"), ("SET", "r3", "x"), ("RENAME", "r2", "r3"),
        ("RENAMENX", "r3", "r4"), ("SET", "r5", "x"), ("RENAMENX", "r4", "r5"), ("RENAME", "r5", "r5"),
        ("COPY", "r4", "c1"), ("COPY", "r4", "c1"), ("COPY", "r4", "c1", "REPLACE"),
        ("COPY", "r4", "c2", "DB", "3"), ("MOVE", "c1", "2"), ("TOUCH", "r4"), ("TYPE", "r4"),
        ("RPUSH", "list", "3", "1", "2"), ("SORT", "list", "STORE", "sorted"),
        ("SORT", "nokey", "STORE", "sorted"), ("SORT", "list", "LIMIT", "0", "1", "STORE", "dst"),
        ("FLUSHDB",), ("SET", "x", "1"), ("SWAPDB", "0", "1"), ("FLUSHALL",),
    )
    nt.messages()


def test_lists(nt):
    nt.runs(
        ("LPUSH", "l", "a", "b"), ("RPUSH", "l", "c"), ("LPUSHX", "l", "z"), ("LPUSHX", "no", "z"),
        ("RPUSHX", "l", "y"), ("LPOP", "l"), ("RPOP", "l"), ("LPOP", "l", "2"), ("LSET", "l", "0", "q"),
        ("LINSERT", "l", "BEFORE", "q", "p"), ("LINSERT", "l", "AFTER", "nope", "p"), ("LREM", "l", "0", "p"),
        ("LREM", "l", "0", "nope"), ("RPUSH", "l", "1", "2", "3"), ("LTRIM", "l", "1", "-1"),
        ("LTRIM", "l", "0", "-1"), ("LMOVE", "l", "l2", "LEFT", "RIGHT"), ("RPOPLPUSH", "l", "l"),
        ("LMPOP", "2", "no", "l", "LEFT", "COUNT", "10"), ("RPOPLPUSH", "l2", "l3"),
        ("BLPOP", "l3", "0"), ("RPUSH", "a", "1"), ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"),
        ("BRPOPLPUSH", "b", "b", "0"), ("BLMPOP", "0", "1", "b", "RIGHT"), ("LTRIM", "x", "0", "1"),
        ("RPUSH", "t", "1"), ("LTRIM", "t", "1", "0"),
    )
    nt.messages()


def test_blocked_pop_served(nt2):
    waiters = []
    for srv, c in zip(nt2.servers, nt2.c):
        w = RawClient(srv.port)
        nt2.extra.append(w)
        w.send_raw(encode_command(["BLPOP", "q", "0"]))
        wait_blocked(c, 1)
        waiters.append(w)
    nt2.run("RPUSH", "q", "job1", "job2")
    assert [w.read() for w in waiters][0].plain() == [b"q", b"job1"]
    for srv, c in zip(nt2.servers, nt2.c):
        w = RawClient(srv.port)
        nt2.extra.append(w)
        w.send_raw(encode_command(["BLMOVE", "empty", "dst", "RIGHT", "LEFT", "0"]))
        wait_blocked(c, 1)
        waiters.append(w)
    nt2.run("LPUSH", "empty", "x")
    assert waiters[2].read() == waiters[3].read()
    nt2.messages()


def test_hashes(nt):
    nt.runs(
        ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HSETNX", "h", "a", "x"),
        ("HSETNX", "h", "c", "3"), ("HMSET", "h", "d", "4"), ("HINCRBY", "h", "n", "2"),
        ("HINCRBYFLOAT", "h", "f", "1.5"), ("HDEL", "h", "a", "zz"), ("HDEL", "h", "zz"),
        ("HDEL", "h", "b", "c", "d", "n", "f"), ("HGET", "h", "a"), ("HINCRBY", "h2", "x", "1"),
    )
    nt.messages()


def test_sets(nt):
    nt.runs(
        ("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SREM", "s", "a", "zz"), ("SREM", "s", "zz"),
        ("SMOVE", "s", "t", "b"), ("SMOVE", "s", "t", "zz"), ("SMOVE", "s", "s", "c"),
        ("SADD", "u", "1", "2"), ("SINTERSTORE", "i", "s", "u"), ("SINTERSTORE", "i2", "t", "t"),
        ("SUNIONSTORE", "un", "s", "u"), ("SDIFFSTORE", "d", "u", "s"), ("SDIFFSTORE", "d", "u", "u"),
        ("SADD", "one", "x"), ("SPOP", "one"), ("SPOP", "un", "0"), ("SPOP", "t", "5"), ("SPOP", "nokey"),
        ("SMOVE", "s", "new", "c"),
    )
    nt.messages()


def test_sorted_sets(nt):
    nt.runs(
        ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), ("ZADD", "z", "1", "a"),
        ("ZADD", "z", "XX", "CH", "5", "a"), ("ZADD", "z", "INCR", "1", "a"), ("ZINCRBY", "z", "1", "e"),
        ("ZREM", "z", "e", "zz"), ("ZREM", "z", "zz"), ("ZPOPMIN", "z"), ("ZPOPMAX", "z", "1"),
        ("ZADD", "w", "1", "x", "2", "y"), ("ZUNIONSTORE", "u", "2", "z", "w"),
        ("ZINTERSTORE", "i", "2", "z", "w"), ("ZDIFFSTORE", "d", "2", "z", "w"),
        ("ZRANGESTORE", "r", "z", "0", "-1"), ("ZRANGESTORE", "r", "z", "5", "9"),
        ("ZREMRANGEBYRANK", "u", "0", "0"), ("ZREMRANGEBYSCORE", "u", "-inf", "1"),
        ("ZADD", "lex", "0", "a", "0", "b"), ("ZREMRANGEBYLEX", "lex", "-", "+"),
        ("ZMPOP", "1", "u", "MIN"), ("BZPOPMIN", "w", "0"), ("BZPOPMAX", "w", "0"),
        ("BZMPOP", "0", "1", "d", "MAX", "COUNT", "9"), ("ZPOPMIN", "nokey"),
    )
    nt.messages()


def test_expired_lazy_and_active(nt2):
    nt2.flags("KEAnm")
    for c in nt2.c:
        c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    nt2.runs(("SET", "lazy", "v", "PX", "1"), ("SET", "lazy2", "v", "PX", "1"))
    time.sleep(0.05)
    nt2.run("GET", "lazy")       # expired, found on access
    nt2.run("SET", "lazy2", "new")
    nt2.run("EXISTS", "lazy")
    nt2.messages()
    nt2.run("SET", "active", "v", "PX", "1")
    time.sleep(0.05)
    for c in nt2.c:
        c.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    for c in nt2.c:
        for _ in range(200):   # bounded: until the cron has removed it
            if c.cmd("DBSIZE").v == 1:     # only lazy2 is left
                break
            time.sleep(0.02)
    nt2.messages()


def test_new_and_keymiss(nt):
    nt.flags("KEAnm")
    nt.runs(
        ("SET", "a", "1"), ("SET", "a", "2"), ("GET", "nokey"), ("GET", "a"), ("MGET", "a", "x", "y"),
        ("LPUSH", "l", "x"), ("LPUSH", "l", "y"), ("HSET", "h", "f", "v"), ("HGET", "h", "nf"),
        ("HGET", "nh", "f"), ("SADD", "s", "m"), ("ZADD", "z", "1", "m"), ("EXISTS", "nokey"),
        ("TYPE", "nokey"), ("LRANGE", "nolist", "0", "-1"), ("RENAME", "a", "b"), ("SET", "c", "1"),
        ("RENAME", "b", "c"), ("COPY", "c", "d"), ("COPY", "c", "d", "REPLACE"), ("MOVE", "d", "1"),
        ("SET", "e", "1", "EX", "100"), ("RENAME", "e", "c"), ("INCR", "cnt"), ("APPEND", "ap", "x"),
        ("SINTERSTORE", "dst", "s", "s"), ("ZRANGESTORE", "zd", "z", "0", "-1"),
        ("SORT", "l", "ALPHA", "STORE", "sl"), ("STRLEN", "nokey"), ("SMEMBERS", "nokey"),
    )
    nt.messages()
    nt.flags("Kn")
    nt.runs(("SET", "n1", "1"), ("GET", "nokey"), ("DEL", "n1"))
    nt.flags("Em")
    nt.runs(("SET", "n2", "1"), ("GET", "nokey"), ("HGET", "nokey", "f"))
    nt.messages()


def test_class_selection(nt):
    for flags in ("Kl", "El", "K$", "Eg", "KEh", "KEs", "Kz", "Ex", "KE", "K", "A", "g$lshzxetd"):
        nt.flags(flags)
        nt.runs(("SET", "s", "1"), ("LPUSH", "l", "x"), ("HSET", "h", "f", "v"), ("SADD", "st", "m"),
                ("ZADD", "z", "1", "m"), ("EXPIRE", "s", "100"), ("DEL", "s", "l", "h", "st", "z"))
        nt.messages()


def test_other_databases(nt):
    nt.runs(("SELECT", "3"), ("SET", "k", "v"), ("MOVE", "k", "4"), ("SELECT", "4"),
            ("LPUSH", "l", "x"), ("SELECT", "0"))
    nt.messages()


@pytest.mark.parametrize("value", [
    "KEA", "A", "AK", "KEAnm", "gx", "x$gE", "Ag", "KEg$lshzxetd", "KEg$lshzxetdnm", "n", "m", "K",
    "", "nmKE", "z", "B", "KEA!", "a",
])
def test_config_values(pair, value):
    cs = [RawClient(s.port) for s in pair]
    try:
        m, r = (c.cmd("CONFIG", "SET", "notify-keyspace-events", value) for c in cs)
        assert m == r, (value, m, r)
        m, r = (c.cmd("CONFIG", "GET", "notify-keyspace-events") for c in cs)
        assert m == r, (value, m, r)
    finally:
        for c in cs:
            c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
            c.close()


def test_transactions_and_scripts(nt2):
    nt2.runs(("MULTI",), ("SET", "t", "1"), ("LPUSH", "tl", "a"), ("INCR", "t"), ("DEL", "tl"), ("EXEC",))
    nt2.runs(("EVAL", "redis.call('SET', KEYS[1], 'v'); redis.call('EXPIRE', KEYS[1], 100); "
                      "return redis.call('HSET', KEYS[2], 'f', 'v')", "2", "ek", "eh"),
             ("EVAL", "return redis.call('DEL', KEYS[1], KEYS[2])", "2", "ek", "eh"))
    nt2.messages()


# Commands on missing keys: which lookups count as read misses ("keymiss").
MISSING_KEY_COMMANDS = [
    ("GET", "m"), ("MGET", "m", "m2"), ("STRLEN", "m"), ("GETRANGE", "m", "0", "1"), ("SUBSTR", "m", "0", "1"),
    ("GETBIT", "m", "1"), ("BITCOUNT", "m"), ("BITPOS", "m", "1"), ("LCS", "m", "m2"), ("GETEX", "m"),
    ("GETDEL", "m"), ("GETSET", "m2", "v"), ("APPEND", "m3", "x"), ("SETRANGE", "m4", "0", "x"),
    ("INCR", "m5"), ("SETBIT", "m6", "0", "1"), ("BITOP", "AND", "d", "m", "m2"),
    ("LLEN", "m"), ("LRANGE", "m", "0", "-1"), ("LINDEX", "m", "0"), ("LPOS", "m", "x"),
    ("LPOP", "m"), ("RPOPLPUSH", "m", "m7"), ("LMOVE", "m", "m7", "LEFT", "LEFT"), ("LPUSHX", "m", "x"),
    ("LREM", "m", "0", "x"), ("LTRIM", "m", "0", "1"), ("LMPOP", "1", "m", "LEFT"),
    ("HGET", "m", "f"), ("HMGET", "m", "f"), ("HGETALL", "m"), ("HLEN", "m"), ("HEXISTS", "m", "f"),
    ("HKEYS", "m"), ("HVALS", "m"), ("HSTRLEN", "m", "f"), ("HRANDFIELD", "m"), ("HDEL", "m", "f"),
    ("HSCAN", "m", "0"), ("HINCRBY", "m8", "f", "1"),
    ("SCARD", "m"), ("SMEMBERS", "m"), ("SISMEMBER", "m", "x"), ("SMISMEMBER", "m", "x"),
    ("SRANDMEMBER", "m"), ("SINTER", "m", "m2"), ("SUNION", "m", "m2"), ("SDIFF", "m", "m2"),
    ("SINTERCARD", "2", "m", "m2"), ("SINTERSTORE", "d", "m", "m2"), ("SUNIONSTORE", "d", "m"),
    ("SDIFFSTORE", "d", "m"), ("SPOP", "m"), ("SMOVE", "m", "m9", "x"), ("SREM", "m", "x"),
    ("SSCAN", "m", "0"),
    ("ZCARD", "m"), ("ZSCORE", "m", "x"), ("ZMSCORE", "m", "x"), ("ZRANK", "m", "x"),
    ("ZREVRANK", "m", "x"), ("ZCOUNT", "m", "0", "1"), ("ZLEXCOUNT", "m", "-", "+"),
    ("ZRANGE", "m", "0", "-1"), ("ZRANGEBYSCORE", "m", "0", "1"), ("ZREVRANGE", "m", "0", "1"),
    ("ZRANGEBYLEX", "m", "-", "+"), ("ZRANDMEMBER", "m"), ("ZUNION", "2", "m", "m2"),
    ("ZINTER", "2", "m", "m2"), ("ZDIFF", "2", "m", "m2"), ("ZINTERCARD", "2", "m", "m2"),
    ("ZUNIONSTORE", "d", "2", "m", "m2"), ("ZRANGESTORE", "d", "m", "0", "-1"), ("ZPOPMIN", "m"),
    ("ZREM", "m", "x"), ("ZREMRANGEBYRANK", "m", "0", "1"), ("ZMPOP", "1", "m", "MIN"),
    ("ZSCAN", "m", "0"), ("ZINCRBY", "m10", "1", "x"),
    ("EXISTS", "m"), ("TYPE", "m"), ("TTL", "m"), ("PTTL", "m"), ("EXPIRETIME", "m"),
    ("PEXPIRETIME", "m"), ("OBJECT", "ENCODING", "m"), ("OBJECT", "FREQ", "m"),
    ("OBJECT", "IDLETIME", "m"), ("TOUCH", "m"), ("DEL", "m"), ("UNLINK", "m"), ("EXPIRE", "m", "1"),
    ("PERSIST", "m"), ("RENAME", "m", "m11"), ("COPY", "m", "m12"), ("MOVE", "m", "1"),
    ("SORT", "m"), ("SORT_RO", "m"), ("SORT", "m", "STORE", "d"),
]


def test_keymiss_per_command(nt2):
    nt2.flags("Km")
    bad = []
    for cmd in MISSING_KEY_COMMANDS:
        nt2.run(*cmd)
        nt2.run("FLUSHALL")
        try:
            nt2.messages()
        except AssertionError as e:
            bad.append((cmd, str(e)))
    assert not bad, "\n".join("%r: %s" % x for x in bad)


SOURCES = [("RPUSH", "l", "3", "1", "2"), ("SADD", "s", "a", "b"), ("SADD", "s2", "b", "c"),
           ("ZADD", "z", "1", "a", "2", "b"), ("ZADD", "z2", "2", "b"), ("SET", "str", "v")]
# Commands that may create a key ("new"), each on a fresh copy of SOURCES, then
# again with the destination already there.
CREATING_COMMANDS = [
    ("SET", "d", "1"), ("SETNX", "d", "1"), ("SETEX", "d", "10", "1"), ("PSETEX", "d", "10000", "1"),
    ("GETSET", "d", "1"), ("MSET", "d", "1", "d2", "2"), ("MSETNX", "d", "1", "d2", "2"),
    ("APPEND", "d", "x"), ("SETRANGE", "d", "2", "x"), ("INCR", "d"), ("INCRBYFLOAT", "d", "1.5"),
    ("SETBIT", "d", "3", "1"), ("BITOP", "OR", "d", "str"), ("SET", "d", "x", "GET"),
    ("LPUSH", "d", "x"), ("RPUSH", "d", "x"), ("LMOVE", "l", "d", "LEFT", "RIGHT"),
    ("RPOPLPUSH", "l", "d"), ("HSET", "d", "f", "v"), ("HSETNX", "d", "f", "v"),
    ("HINCRBY", "d", "f", "1"), ("HINCRBYFLOAT", "d", "f", "1"), ("HMSET", "d", "f", "v"),
    ("SADD", "d", "x"), ("SMOVE", "s", "d", "a"), ("SINTERSTORE", "d", "s", "s2"),
    ("SUNIONSTORE", "d", "s", "s2"), ("SDIFFSTORE", "d", "s", "s2"), ("ZADD", "d", "1", "x"),
    ("ZINCRBY", "d", "1", "x"), ("ZUNIONSTORE", "d", "2", "z", "z2"), ("ZINTERSTORE", "d", "2", "z", "z2"),
    ("ZDIFFSTORE", "d", "2", "z", "z2"), ("ZRANGESTORE", "d", "z", "0", "-1"),
    ("SORT", "l", "STORE", "d"), ("COPY", "str", "d"), ("RENAME", "str", "d"), ("RENAMENX", "str", "d"),
    ("MOVE", "str", "1"), ("SMOVE", "s", "s2", "a"),
]


@pytest.mark.parametrize("existing", [False, True], ids=["absent", "present"])
def test_new_per_command(nt2, existing):
    nt2.flags("Kn")
    bad = []
    for cmd in CREATING_COMMANDS:
        nt2.run("FLUSHALL")
        nt2.runs(*SOURCES)
        if existing:
            nt2.runs(("SET", "d", "old"), ("SET", "d2", "old"))
            if cmd[0] in ("LPUSH", "RPUSH", "LMOVE", "RPOPLPUSH", "HSET", "HSETNX", "HINCRBY",
                          "HINCRBYFLOAT", "HMSET", "SADD", "SMOVE", "ZADD", "ZINCRBY"):
                nt2.run("DEL", "d")   # those would fail on a string: start from the right type
                nt2.run(*cmd)
        nt2.messages()
        nt2.run(*cmd)
        try:
            nt2.messages()
        except AssertionError as e:
            bad.append((cmd, str(e)))
    assert not bad, "\n".join("%r: %s" % x for x in bad)
