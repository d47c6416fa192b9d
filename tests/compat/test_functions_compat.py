"""Differential tests: FUNCTION (LOAD, DELETE, LIST, FLUSH, DUMP, RESTORE, STATS, KILL, HELP),
FCALL and FCALL_RO against redis-server, RESP2 and RESP3.

FUNCTION LIST orders libraries by Redis' hash table: replies listing several
libraries are compared sorted by library name. FUNCTION DUMP payloads differ
in bytes (Redis compresses long strings with LZF, we do not): each server's
payload is restored on the other one instead.
"""

import pytest

from support import RawClient, Reply

LIB = "#!lua name=mylib\n" \
      "redis.register_function('echo', function(keys, args) return {keys, args} end)\n" \
      "redis.register_function{function_name='ro', callback=function(keys) " \
      "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='read one key'}\n" \
      "redis.register_function('wr', function(keys, args) return redis.call('set', keys[1], args[1]) end)"


def _norm_entry(entry):
    """One FUNCTION LIST entry with its functions sorted (Redis lists them in hash order)."""
    if entry.t == "%":
        pairs = [(k, Reply(v.t, sorted(v.v, key=repr)) if k.v == b"functions" else v)
                 for k, v in entry.v]
        return Reply("%", pairs)
    items = list(entry.v)
    for i in range(0, len(items), 2):
        if items[i].v == b"functions":
            items[i + 1] = Reply(items[i + 1].t, sorted(items[i + 1].v, key=repr))
    return Reply(entry.t, items)


def same_list(c, *args):
    """FUNCTION LIST ... on both servers: the same libraries and functions, in any order."""
    m, r = c.both("FUNCTION", "LIST", *args)
    assert m.t == r.t == "*", (m, r)
    norm = [sorted((_norm_entry(e) for e in x.v), key=repr) for x in (m, r)]
    assert norm[0] == norm[1], "miniredis %r != redis %r" % (m, r)


@pytest.fixture
def fcompat(compat):
    compat.same("FUNCTION", "FLUSH")
    yield compat
    compat.same("FUNCTION", "FLUSH")


def _lib(name, *functions):
    return "#!lua name=%s\n" % name + "\n".join(
        "redis.register_function('%s', function(keys, args) return %s end)" % (f, body)
        for f, body in functions)


def test_load_call_list(fcompat):
    c = fcompat
    c.same("FUNCTION", "LOAD", LIB)
    c.same("FCALL", "echo", 2, "a", "b", "c")
    c.same("FCALL", "ECHO", 0)
    c.same("FCALL", "wr", 1, "k", "v")
    c.same("FCALL", "ro", 1, "k")
    c.same("FCALL_RO", "ro", 1, "k")
    c.same_error("FCALL_RO", "wr", 1, "k", "v")
    same_list(c)
    same_list(c, "WITHCODE")
    same_list(c, "LIBRARYNAME", "my*", "WITHCODE")
    same_list(c, "withcode", "libraryname", "nomatch*")
    c.same("FUNCTION", "STATS")
    c.same_error("FUNCTION", "LOAD", LIB)
    c.same("FUNCTION", "LOAD", "REPLACE", LIB)
    c.same("FUNCTION", "LOAD", "replace", "REPLACE", LIB)
    c.same("FUNCTION", "DELETE", "mylib")
    c.same_error("FUNCTION", "DELETE", "mylib")
    c.same_error("FCALL", "echo", 0)


@pytest.mark.parametrize("code", [
    "return 1", "#!lua", "#!lua name=", "#!lua name=x", "#!js name=x\nreturn 1",
    "#!lua name=a-b\nredis.register_function('x', function() end)",
    "#!lua name=ab foo=bar\nredis.register_function('x', function() end)",
    "#!lua name=a name=b\nredis.register_function('x', function() end)",
    "#!lua name=ab\nreturn 1",
    "#!lua name=ab\nreturn 1 +",
    "#!lua name=ab\nredis.register_function('x y', function() end)",
    "#!lua name=ab\nredis.register_function('x', 5)",
    "#!lua name=ab\nredis.register_function()",
    "#!lua name=ab\nredis.register_function('a','b','c')",
    "#!lua name=ab\nredis.register_function(5)",
    "#!lua name=ab\nredis.register_function('a', function() end)\n"
    "redis.register_function('a', function() end)",
    "#!lua name=ab\nredis.register_function{function_name='f3', callback=function() end, flags={'bad-flag'}}",
    "#!lua name=ab\nredis.register_function{function_name='f3', callback=function() end, foo=1}",
    "#!lua name=ab\nredis.register_function{function_name='f3'}",
    "#!lua name=ab\nredis.register_function{callback=function() end}",
    "#!lua name=ab\nredis.register_function{function_name='f3', callback=function() end, flags='no-writes'}",
    "#!lua name=ab\nredis.register_function{function_name='a', callback=5}",
    "#!lua name=ab\nredis.register_function{function_name='a', callback=function() end, description={}}",
    "#!lua name=ab\nredis.call('ping')",
    "#!lua name=ab\nlocal x = y",
    "#!lua name=ab\nx = 1",
    "#!lua name=ab\nredis.x = 1",
    "#!lua name=ab\nerror('oops')",
    "#!lua name=ab\nlocal v = redis.setresp",
    "#!lua name=ab\nlocal v = type(1)",
    "#!lua name=ab\nlocal v = pairs",
    "#!lua name=ab\nwhile true do end",
])
def test_load_errors(fcompat, code):
    fcompat.same_error("FUNCTION", "LOAD", code)
    same_list(fcompat)


@pytest.mark.parametrize("code", [
    "#!lua name=ab\nredis.register_function(5, function() return 1 end)",
    "#!LUA name=ab\nredis.register_function('a', function() return 1 end)",
    "#!lua  name=ab \nredis.register_function('a', function() return 1 end)",
    "#!lua name=ab\r\nredis.register_function('a', function() return 1 end)",
    "#!lua name=ab\nredis.register_function{function_name='f3', callback=function() return 2 end, "
    "description=5, flags={'no-writes','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}}",
    "#!lua name=ab\nredis.log(redis.LOG_WARNING, 'loading')\n"
    "redis.register_function('a', function() return redis.REDIS_VERSION end)",
])
def test_load_variants(fcompat, code):
    fcompat.same("FUNCTION", "LOAD", code)
    same_list(fcompat, "WITHCODE")


@pytest.mark.parametrize("body", [
    "x", "error('boom')", "error({err='MY boom'})", "redis.call('nosuch')", "cjson.decode('{')",
    "redis.call('set', 'y', '1')", "redis.call('get', {})", "redis.call('fcall', 'f', 0)",
    "redis.call('eval', 'return 1', 0)", "redis.register_function('a', function() end)",
    "redis.setresp(3) return redis.call('hgetall', 'h')", "type(os)", "type(print)",
    "(function() x = 1 end)()",
    "(function() local u = {} for k in pairs(redis) do table.insert(u, k) end table.sort(u) return u end)()",
    "(function() local u = {} for k in pairs(_G) do table.insert(u, k) end table.sort(u) return u end)()",
])
def test_function_runtime(fcompat, body):
    fcompat.same("HSET", "h", "a", "1")
    fcompat.same("FUNCTION", "LOAD", _lib("rt", ("f", body)))
    fcompat.same("FCALL", "f", 0)
    fcompat.same("FUNCTION", "LOAD", "REPLACE", "#!lua name=rt\nredis.register_function{"
                 "function_name='f', callback=function() return %s end, flags={'no-writes'}}" % body)
    fcompat.same("FCALL", "f", 0)
    fcompat.same("FCALL_RO", "f", 0)


@pytest.mark.parametrize("args", [
    ("FCALL", "nof", 0), ("FCALL", "nof", "x"), ("FCALL", "f", "x"), ("FCALL", "f", -1),
    ("FCALL", "f", 3, "a"), ("FCALL_RO", "nof", 0), ("FCALL",), ("FCALL", "f"),
    ("FUNCTION", "DELETE", "nolib"), ("FUNCTION", "DELETE", "F"), ("FUNCTION", "FLUSH", "foo"),
    ("FUNCTION", "FLUSH", "sync", "x"), ("FUNCTION", "LIST", "LIBRARYNAME"),
    ("FUNCTION", "LIST", "foo"), ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
    ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"), ("FUNCTION", "KILL"),
    ("FUNCTION", "LOAD", "foo", LIB), ("FUNCTION", "RESTORE", "xx"),
    ("FUNCTION", "RESTORE", "xx", "foo"), ("FUNCTION", "RESTORE", "xx", "FLUSH"),
    ("FUNCTION", "NOSUCH"), ("FUNCTION",), ("FUNCTION", "DUMP", "x"), ("FUNCTION", "STATS", "x"),
])
def test_errors(fcompat, args):
    fcompat.same("FUNCTION", "LOAD", _lib("f", ("f", "1")))
    fcompat.same_error(*args)


def test_help_stats_flush(fcompat):
    c = fcompat
    c.same("FUNCTION", "HELP")
    c.same("FUNCTION", "STATS")
    c.same("FUNCTION", "LOAD", _lib("a1", ("fa", "1"), ("fb", "2")))
    c.same("FUNCTION", "STATS")
    c.same("FUNCTION", "FLUSH", "ASYNC")
    same_list(c)
    c.same("FUNCTION", "LOAD", _lib("a1", ("fa", "1")))
    c.same("FUNCTION", "FLUSH", "sync")
    c.same("FUNCTION", "STATS")


def test_function_name_collisions(fcompat):
    c = fcompat
    c.same("FUNCTION", "LOAD", _lib("l1", ("f1", "1")))
    c.same_error("FUNCTION", "LOAD", _lib("l2", ("f1", "2")))
    c.same_error("FUNCTION", "LOAD", _lib("l2", ("F1", "2")))
    c.same("FUNCTION", "LOAD", "REPLACE", _lib("l1", ("f2", "2")))
    c.same_error("FCALL", "f1", 0)
    c.same("FCALL", "f2", 0)
    c.same("FUNCTION", "LOAD", _lib("l2", ("f1", "3")))
    c.same("FCALL", "f1", 0)


def _sorted_list(client):
    reply = client.cmd("FUNCTION", "LIST", "WITHCODE")
    return sorted(repr(_norm_entry(x)) for x in reply.v)


def test_dump_restore_across_servers(mini_server, redis_server):
    """Each server restores the other's FUNCTION DUMP payload (Redis' LZF strings included)."""
    m, r = RawClient(mini_server.port), RawClient(redis_server.port)
    long_body = "redis.call('get', 'x') " * 20
    try:
        for c in (m, r):
            c.cmd("FUNCTION", "FLUSH")
            assert c.cmd("FUNCTION", "LOAD", _lib("d1", ("g1", "1"))).t == "$"
            assert c.cmd("FUNCTION", "LOAD", "#!lua name=d2\nredis.register_function('g2', "
                         "function() %s return 2 end)" % long_body).t == "$"
        payloads = {"m": m.cmd("FUNCTION", "DUMP").v, "r": r.cmd("FUNCTION", "DUMP").v}
        for c, other in ((m, "r"), (r, "m")):
            payload = payloads[other]
            assert c.cmd("FUNCTION", "RESTORE", payload).v.startswith("ERR Library")
            assert c.cmd("FUNCTION", "RESTORE", payload, "REPLACE").v == "OK"
            assert c.cmd("FUNCTION", "RESTORE", payload, "FLUSH").v == "OK"
            assert c.cmd("FCALL", "g2", 0).v == 2
        assert _sorted_list(m) == _sorted_list(r)
        for c in (m, r):
            c.cmd("FUNCTION", "FLUSH")
            assert c.cmd("FUNCTION", "RESTORE", payloads["m"], "APPEND").v == "OK"
            assert c.cmd("FUNCTION", "DELETE", "d1").v == "OK"
            bad = bytearray(payloads["r"])
            bad[-1] ^= 1
            assert c.cmd("FUNCTION", "RESTORE", bytes(bad)).v == \
                "ERR DUMP payload version or checksum are wrong"
            assert c.cmd("FUNCTION", "RESTORE", payloads["r"]).v == "ERR Library d2 already exists"
            # a leading zero byte keeps the CRC (zero initial value): the opcode is checked
            assert c.cmd("FUNCTION", "RESTORE", b"\x00" + payloads["m"]).v == \
                "ERR given type is not a function"
        assert _sorted_list(m) == _sorted_list(r)
    finally:
        for c in (m, r):
            c.cmd("FUNCTION", "FLUSH")
            c.close()


def test_empty_dump(fcompat):
    fcompat.same("FUNCTION", "DUMP")
