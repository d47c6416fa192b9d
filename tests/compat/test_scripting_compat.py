"""Differential tests: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT against redis-server, RESP2 and RESP3.

Every reply, including every error text (with the script's sha and line), is
compared byte for byte. The busy-script tests run the same scenario on each
server in turn; the ones that end with SHUTDOWN NOSAVE use throwaway servers.
"""

import threading
import time

import pytest

from support import RawClient, encode_command, server_pair

SETUP = [
    ("SET", "s", "abc"),
    ("SET", "n", "10"),
    ("HSET", "h", "a", "1"),
    ("ZADD", "z", "1.5", "a", "2", "b"),
    ("RPUSH", "l", "x", "y"),
    ("SADD", "st", "m"),
]

# Scripts whose replies (values or errors) must be identical.
EVALS = [
    # conversions Lua -> reply
    "return 1", "return -3.99", "return 3.99", "return 1e100", "return 0/0", "return 'abc'",
    "return true", "return false", "return nil", "return {}", "return {1,2,3,'a',nil,5}",
    "return {true,false,1}", "return {1,{2,{3,'x'}},{ok='st'},{err='er'}}", "return {a=1}",
    "return {ok='x', err='y'}", "return {ok=5}", "return {err=5}", "return {err=''}",
    "return {err='-x y'}", "return {err='a\nb'}", "return {double=1.5}", "return {double='x'}",
    "return {big_number='1234567890123456789012'}", "return {map={a=1}}",
    "return {set={a=true}}", "return {verbatim_string={format='txt', string='hello'}}",
    "return function() end", "return 1, 2", "return {{}, {{}}}", "return {1, 2.7, -2.7, '3.5'}",
    "return {double=1/0}", "return {double=-1/0}", "return {double=0.1}", "return {double=1e300}",
    "return {double=3}", "return 2^63", "return -2^63", "return 2^53+1", "return {map={[1]=2}}",
    "return {set={[1.5]=true}}", "return {1, nil, 3}", "return {[1]=1, [3]=3}",
    "return {big_number='12\r\n3'}", "return {ok='a\r\nb'}",
    "return {verbatim_string={format='mkd', string='x'}}", "return {verbatim_string={string='x'}}",
    "redis.setresp(3) return true", "redis.setresp(3) return false",
    "redis.setresp(3) return {false, true}", "redis.setresp(3) return {map={a={1,2}}}",
    # conversions reply -> Lua (RESP2 and RESP3 script modes)
    "return redis.call('get','s')", "return redis.call('get','nonex')",
    "return type(redis.call('get','nonex'))", "return redis.call('ping')",
    "return redis.call('ping')['ok']", "return redis.call('hgetall','h')",
    "return redis.call('zrange','z',0,-1,'withscores')", "return redis.call('zscore','z','a')",
    "redis.setresp(3) return redis.call('zscore','z','a')",
    "redis.setresp(3) return redis.call('zrange','z',0,-1,'withscores')",
    "redis.setresp(3) return redis.call('hgetall','h')",
    "redis.setresp(3) local r = redis.call('hgetall','h') return type(r.map)",
    "redis.setresp(3) return {redis.call('get','nonex')}",
    "redis.setresp(3) return type(redis.call('zscore','z','a').double)",
    "redis.setresp(3) return redis.call('smembers','st')",
    "return redis.call('lrange','l',0,-1)", "return redis.call('incr','n')",
    "return redis.call('set','f',0.1) and redis.call('get','f')",
    "redis.call('set','f',1e20) return redis.call('get','f')",
    "redis.call('set','f',1/0) return redis.call('get','f')",
    "redis.call('set','f',123456789012) return redis.call('get','f')",
    # errors raised in scripts
    "return x", "return 1 +", "error('boom')", "error('boom', 0)", "error({err='tbl'})",
    "error({err='-tbl x'})", "error()", "error(5)", "error('a\nb')", "x = 5",
    "local function f() return z end\nreturn f()", "\n\nreturn y",
    "error(redis.error_reply('MY custom'))",
    # redis.call / redis.pcall errors
    "return redis.call('nosuchcmd')", "return redis.call('incr','a','b')",
    "return redis.call('incr','s')", "return redis.pcall('incr','s')",
    "return redis.pcall('nosuchcmd')", "return redis.pcall('get')", "return redis.call()",
    "return redis.pcall()", "return redis.call(1)", "return redis.call({})",
    "return redis.pcall({})", "return redis.call('set','a',{})",
    "return redis.call('set','f',true)", "return redis.call('set','f',nil)",
    "return redis.call('lpush','s','x')", "return redis.call('set','k','v','ex',0)",
    "return redis.pcall('set','k','v','ex',0)", "return redis.pcall('incr','s')['err']",
    "return redis.call('blpop','nolist',0)", "return redis.call('script','load','x')",
    "return redis.call('eval','return 1',0)", "return redis.call('multi')",
    "return redis.call('client','id')", "return redis.call('config','get','maxmemory')",
    "return redis.call('config','nosub')", "return redis.call('object','nosub')",
    "return redis.call('fcall','f',0)", "return redis.call('function','list')",
    "return redis.call('subscribe','x')", "return redis.call('publish','x','m')",
    "local ok, e = pcall(redis.call, 'incr', 's') return e",
    "local ok, e = pcall(redis.call, 'incr', 's') error(e)",
    "local ok, e = pcall(error, {err='a'}) return e",
    "local ok, e = xpcall(function() redis.call('nosuch') end, function(e) return e end) "
    "return {tostring(ok), type(e), e.err}",
    "local co = coroutine.create(function() redis.call('nosuch') end) "
    "local ok, e = coroutine.resume(co) return {tostring(ok), type(e), e.err}",
    "return xpcall(function() return 1 end, function(e) return e end)",
    "return {type(redis.call), type(redis.pcall), type(redis.log), type(math.random)}",
    "return cjson.encode({1, 2, {a=3}})", "cjson.encode = 1", "return bit.band(7, 3)",
    # errors in tail position keep the script's line (Redis' functions are C functions)
    "return cjson.decode('{bad')", "return type()", "return rawset(_G, 'x', 1)",
    "return pairs(nil)", "return setmetatable(_G, nil)", "return cmsgpack.unpack()",
    "return math.random(1, 2, 3)", "return redis.sha1hex()",
    "local function f(n) if n == 0 then return 'done' end return f(n - 1) end return f(1000)",
    # coroutines: errors from redis.* inside them
    'local co = coroutine.create(function() return math.random(0) end) return {coroutine.resume(co)}',
    'local co = coroutine.create(function() return redis.call.__class__ end) local '
    'ok, e = coroutine.resume(co) return tostring(ok)',
    "local co = coroutine.create(function() return redis.pcall('nosuch') end) local "
    'ok, e = coroutine.resume(co) return e',
    "local co = coroutine.create(function() redis.log(99, 'x') end) local ok, e = "
    'coroutine.resume(co) return e',
    "local co = coroutine.create(function() return redis.call('set', 'a', 'b') end) "
    'local ok, e = coroutine.resume(co) return e',
    "local co = coroutine.create(function() coroutine.yield(redis.call('get', 'a')) "
    "error({err='x'}) end) local a, b = coroutine.resume(co) local c, d = "
    'coroutine.resume(co) return {b, d}',
    "return coroutine.wrap(function() return redis.call('nosuch') end)()",
    'return coroutine.wrap(function() return redis.setresp(9) end)()',
    "local ok, e = pcall(coroutine.wrap(function() return redis.call('incr', 'a') end)) return e",
    "local ok, e = pcall(function() local x = nil + 1 end) return {tostring(ok), type(e), e}",
    "local e = redis.pcall('incr','s') local r = {} for k,v in pairs(e) do "
    "table.insert(r, k .. '=' .. tostring(v)) end table.sort(r) return r",
    # the redis table
    "return redis.error_reply('My err')", "return redis.error_reply('-My err')",
    "return redis.error_reply('x')", "return redis.error_reply('')",
    "return redis.error_reply(5)", "return redis.error_reply()",
    "return redis.error_reply('a','b')", "return redis.status_reply('FOO')",
    "return redis.status_reply()", "return redis.sha1hex('')", "return redis.sha1hex(5)",
    "return redis.sha1hex()", "return redis.REDIS_VERSION", "return redis.REDIS_VERSION_NUM",
    "return redis.replicate_commands()", "return redis.breakpoint()", "return redis.debug('x')",
    "return {redis.LOG_DEBUG,redis.LOG_VERBOSE,redis.LOG_NOTICE,redis.LOG_WARNING}",
    "return {redis.REPL_ALL,redis.REPL_AOF,redis.REPL_REPLICA,redis.REPL_SLAVE,redis.REPL_NONE}",
    "return redis.log(redis.LOG_WARNING, 'from a test')", "return redis.log(99, 'x')",
    "return redis.log()", "return redis.log(redis.LOG_WARNING)", "return redis.log('x', 'a')",
    "return redis.setresp(4)", "return redis.setresp()", "return redis.setresp('3')",
    "return redis.set_repl(99)", "return redis.set_repl()",
    "return redis.set_repl(redis.REPL_ALL)", "return redis.acl_check_cmd('get','a')",
    "return redis.acl_check_cmd('nosuch')", "return redis.acl_check_cmd()",
    "return select('#', redis.status_reply('x'))",
    "local t = {} for k in pairs(redis) do table.insert(t, k) end table.sort(t) return t",
    # sandbox
    "local t = {} for k in pairs(_G) do table.insert(t, k) end table.sort(t) return t",
    "return type(os)", "return type(io)", "return type(debug)", "return type(print)",
    "return type(require)", "return type(loadfile)", "return type(dofile)",
    "return type(setfenv)", "return type(getfenv)", "return type(module)",
    "return type(newproxy)", "return type(package)", "return _VERSION",
    "string.x = 1", "redis.x = 1", "redis.call = 1", "math.random = 1", "KEYS = 1",
    "rawset(_G, 'x', 1)", "return rawget(_G, 'nope')", "setmetatable(_G, nil)",
    "return type(getmetatable(_G))", "return type(getmetatable(_G).__index)",
    "return getmetatable('').__index == string", "getmetatable('').__index = {}",
    "KEYS[1] = 'x' return KEYS", "return _G.x",
    "return loadstring('return 1')()", "return loadstring('x = 1')()",
    "local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}",
    "local f, e = loadstring('return +') return {tostring(f), e}",
    "return coroutine.wrap(function() return 7 end)()",
    "local t = {} for k in pairs(string) do table.insert(t, k) end table.sort(t) return t",
    "local t = {} for k in pairs(math) do table.insert(t, k) end table.sort(t) return t",
    "local t = {} for k in pairs(table) do table.insert(t, k) end table.sort(t) return t",
    "local r = {} for k, v in pairs(__redis__err__handler('x')) do "
    "table.insert(r, k .. '=' .. tostring(v)) end table.sort(r) return r",
    "local ok, e = pcall(redis.call, 'incr', 's') for k,v in pairs(e) do end",
    "return math.random(0)", "return math.random(1,2,3)",
    "math.randomseed(5) return {math.random(100), math.random(100), math.random(1,10)}",
    "math.randomseed(0) return tostring(math.random())",
    # SELECT inside a script does not change the caller's database
    "redis.call('select', 3) return redis.call('set', 'dbk', 'v')",
    # shebangs
    "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "#!lua\nreturn redis.call('set','a','b')",
    "#!lua flags=bad\nreturn 1", "#!lua name=x\nreturn 1", "#!lua flags=no-writes,allow-oom\nreturn 1",
    "#!lua flags=no-cluster\nreturn 1", "#!lua  flags=no-writes\nreturn 1", "#!luax\nreturn 1",
    "#!js\nreturn 1", "#!lua", "#!lua flags=\nreturn 1", "#!lua flags=allow-cross-slot-keys\nreturn 1",
    "#!lua flags=allow-stale\nreturn 1",
]


def _setup(compat):
    for cmd in SETUP:
        compat.same(*cmd)


@pytest.mark.parametrize("body", EVALS)
def test_eval(compat, body):
    _setup(compat)
    compat.same("EVAL", body, 0)
    compat.same("EXISTS", "dbk")


@pytest.mark.parametrize("body", [
    "return redis.call('get','s')", "return redis.call('set','s','x')",
    "return redis.pcall('set','s','x')", "#!lua\nreturn 1", "#!lua flags=no-writes\nreturn 1",
    "#!lua flags=no-writes\nreturn redis.call('set','s','x')",
])
def test_eval_ro(compat, body):
    _setup(compat)
    compat.same("EVAL_RO", body, 0)
    sha = compat.same("SCRIPT", "LOAD", body).v
    compat.same("EVALSHA_RO", sha, 0)
    compat.same("GET", "s")


def test_keys_and_argv(compat):
    compat.same("EVAL", "return KEYS", 2, "a", "b", "c")
    compat.same("EVAL", "return ARGV", 2, "a", "b", "c")
    compat.same("EVAL", "return {#KEYS, #ARGV}", 0)
    compat.same("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v")
    compat.same("GET", "k")


@pytest.mark.parametrize("args", [
    ("EVAL", "return 1", 3, "a", "b"), ("EVAL", "return 1", -1), ("EVAL", "return 1", "x"),
    ("EVAL", "return 1 +", "x"), ("EVAL", "return 1 +", 5),
    ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", 0), ("EVALSHA", "abc", 0), ("EVALSHA", "abc", "x"), ("EVALSHA_RO", "s", "s"),
    ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"),
    ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", 2, "a"),
    ("EVALSHA_RO", "ffffffffffffffffffffffffffffffffffffffff", 0),
    ("EVAL",), ("EVAL", "return 1"), ("EVALSHA", "x"), ("EVAL_RO", "x"),
])
def test_argument_errors(compat, args):
    compat.same_error(*args)


def test_script_cache(compat):
    body = "return 'cached'"
    sha = compat.same("SCRIPT", "LOAD", body).v
    compat.same("SCRIPT", "EXISTS", sha, "ffffffffffffffffffffffffffffffffffffffff", sha.upper())
    compat.same("EVALSHA", sha, 0)
    compat.same("EVALSHA", sha.upper(), 0)
    compat.same("EVAL", "return 'cached by eval'", 0)
    compat.same("SCRIPT", "EXISTS", "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    compat.same("SCRIPT", "FLUSH")
    compat.same("SCRIPT", "EXISTS", sha)
    compat.same_error("EVALSHA", sha, 0)
    compat.same("SCRIPT", "LOAD", body)
    compat.same("SCRIPT", "FLUSH", "ASYNC")
    compat.same("SCRIPT", "FLUSH", "sync")
    compat.same("SCRIPT", "EXISTS", sha)


@pytest.mark.parametrize("args", [
    ("SCRIPT", "LOAD", "return 1 +"), ("SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"),
    ("SCRIPT", "FLUSH", "foo"), ("SCRIPT", "FLUSH", "sync", "async"), ("SCRIPT", "KILL"),
    ("SCRIPT", "FOO"), ("SCRIPT", "LOAD"), ("SCRIPT", "EXISTS"), ("SCRIPT", "KILL", "x"),
    ("SCRIPT",),
])
def test_script_errors(compat, args):
    compat.same_error(*args)


def test_script_help(compat):
    compat.same("SCRIPT", "HELP")


def test_script_debug_no(compat):
    compat.same("SCRIPT", "DEBUG", "NO")
    compat.same_error("SCRIPT", "DEBUG", "maybe")


def test_random_sequence_from_start():
    """math.random follows Redis' generator from the server's start, across scripts and
    SCRIPT FLUSH (the state is per process)."""
    script = "return tostring(math.random())"
    with server_pair() as (mini, ref):
        results = []
        for srv in (mini, ref):
            c = RawClient(srv.port)
            out = [c.cmd("EVAL", script, 0), c.cmd("EVAL", script, 0), c.cmd("SCRIPT", "FLUSH"),
                   c.cmd("EVAL", script, 0),
                   c.cmd("EVAL", "return {math.random(100), math.random(5, 7)}", 0)]
            c.close()
            results.append(out)
        assert results[0] == results[1]


# --- busy scripts -------------------------------------------------------------------------

def _send(client, *args):
    client.send_raw(encode_command(args))


def _until_busy(client, timeout=15.0):
    """PING until the server answers -BUSY (the script started and passed the threshold)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = client.cmd("PING")
        if r.t == "-":
            return r
        time.sleep(0.01)
    raise AssertionError("the script never became busy")


def _busy_scenario(port):
    a, b = RawClient(port), RawClient(port)
    b3 = RawClient(port, 3)
    b.cmd("CONFIG", "SET", "busy-reply-threshold", "50")
    out = []
    try:
        b.cmd("FUNCTION", "LOAD", "REPLACE", "#!lua name=busylib\n"
              "redis.register_function('spin', function() while true do end end)")
        _send(a, "EVAL", "while true do end", 0)
        out.append(_until_busy(b))
        for cmd in [("GET", "x"), ("FUNCTION", "KILL"), ("FUNCTION", "STATS"), ("MULTI",),
                    ("DISCARD",), ("NOSUCH",), ("GET",), ("SHUTDOWN",)]:
            out.append(b.cmd(*cmd))
        out.append(b3.cmd("GET", "x"))
        out.append(b.cmd("SCRIPT", "KILL"))
        out.append(a.read())
        out.append(b.cmd("PING"))
        _send(a, "FCALL", "spin", 0)
        out.append(_until_busy(b))
        out.append(b.cmd("SCRIPT", "KILL"))
        stats = b.cmd("FUNCTION", "STATS").plain()
        out.append((stats[0], stats[1][0], stats[1][1], stats[1][2], stats[1][3], stats[2:]))
        out.append(b.cmd("FUNCTION", "KILL"))
        out.append(a.read())
        out.append(b.cmd("FUNCTION", "KILL"))
        out.append(b.cmd("SCRIPT", "KILL"))
    finally:
        b.cmd("CONFIG", "SET", "busy-reply-threshold", "5000")
        b.cmd("FUNCTION", "DELETE", "busylib")
        for c in (a, b, b3):
            c.close()
    return out


def test_busy_script_and_kill(mini_server, redis_server):
    assert _busy_scenario(mini_server.port) == _busy_scenario(redis_server.port)


def _unkillable_scenario(port):
    a, b = RawClient(port), RawClient(port)
    out = [b.cmd("CONFIG", "SET", "busy-reply-threshold", "50")]
    _send(a, "EVAL", "redis.call('set','x','1') while true do end", 0)
    out.append(_until_busy(b))
    out.append(b.cmd("SCRIPT", "KILL"))
    out.append(b.cmd("FUNCTION", "KILL"))
    out.append(b.cmd("SHUTDOWN"))
    _send(b, "SHUTDOWN", "NOSAVE")
    out.append(b.read_until_closed(5))
    out.append(a.read_until_closed(5))
    a.close()
    b.close()
    return out


def test_unkillable_script_then_shutdown_nosave():
    with server_pair() as (mini, ref):
        results = [_unkillable_scenario(mini.port), _unkillable_scenario(ref.port)]
        assert results[0] == results[1]
        for srv in (mini, ref):
            srv.proc.wait(10)


@pytest.mark.parametrize("script", [
    "while true do pcall(function() while true do end end) end",
    "coroutine.wrap(function() while true do end end)()",
    "local co = coroutine.create(function() while true do end end) "
    "while true do coroutine.resume(co) end",
])
def test_looping_scripts_are_still_killed(mini_server, redis_server, script):
    results = []
    for srv in (mini_server, redis_server):
        a, b = RawClient(srv.port), RawClient(srv.port)
        b.cmd("CONFIG", "SET", "busy-reply-threshold", "50")
        try:
            _send(a, "EVAL", script, 0)
            _until_busy(b)
            results.append((b.cmd("SCRIPT", "KILL"), a.read()))
        finally:
            b.cmd("CONFIG", "SET", "busy-reply-threshold", "5000")
            a.close()
            b.close()
    assert results[0] == results[1]


def test_other_clients_wait_for_a_short_script(mini_server, redis_server):
    """A script shorter than the threshold is atomic: others are answered after it."""
    results = []
    for srv in (mini_server, redis_server):
        a, b = RawClient(srv.port), RawClient(srv.port)
        a.cmd("DEL", "counter")
        body = "for i = 1, 20000 do redis.call('incr', 'counter') end return redis.call('get', 'counter')"
        t = threading.Thread(target=lambda: results.append(("a", a.cmd("EVAL", body, 0))))
        t.start()
        time.sleep(0.05)
        got = b.cmd("GET", "counter")
        t.join(30)
        results.append(("b", got.v in (None, b"20000")))
        a.close()
        b.close()
    assert results[0] == results[2] and results[1] == results[3]


def _error_stats(client):
    stats = client.cmd("INFO", "errorstats").v.decode().split("\r\n")
    cmds = client.cmd("INFO", "commandstats").v.decode().split("\r\n")
    return (sorted(line for line in stats if line.startswith("errorstat_")),
            sorted(line.split("usec=")[0] + line.split("usec_per_call=")[1].split(",", 1)[1]
                   for line in cmds if line.startswith(("cmdstat_eval:", "cmdstat_incr:"))))


def test_error_statistics(mini_server, redis_server):
    """A command's error passed on by a script is counted once, as in Redis."""
    results = []
    for srv in (mini_server, redis_server):
        c = RawClient(srv.port)
        c.cmd("SET", "s", "abc")
        c.cmd("CONFIG", "RESETSTAT")
        for body in ["return redis.call('incr','s')", "return redis.pcall('incr','s')",
                     "error('x')", "return {err='FOO bar'}", "return redis.call('nosuch')",
                     "return {redis.pcall('incr','s')}", "return {1, {err='BAR x'}}",
                     "return 1"]:
            c.cmd("EVAL", body, 0)
        results.append(_error_stats(c))
        c.cmd("DEL", "s")
        c.close()
    assert results[0] == results[1]


def test_scripts_in_transactions(compat):
    compat.same("MULTI")
    compat.same("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", 1, "tx", "1")
    compat.same("EVAL", "return redis.call('incr', KEYS[1])", 1, "tx")
    compat.same("EVAL", "return redis.call('incr', 's')", 0)
    compat.same("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", 0)
    compat.same("EXEC")
    compat.same("MULTI")
    compat.same("EVAL", "return 1 +", 0)
    compat.same("EXEC")
    compat.same("WATCH", "w")
    compat.same("EVAL", "return redis.call('set', 'w', 'changed')", 0)
    compat.same("MULTI")
    compat.same("GET", "w")
    compat.same("EXEC")
