"""EVAL family and SCRIPT: over a socket, and in process for what a socket cannot show
(propagation by effect, the sandbox's isolation between scripts, the caller's state)."""

import hashlib

import pytest

from support import Reply

from miniredis.config import Config
from miniredis.connection import Connection
from miniredis.replies import Error
from miniredis.server import Server


# --- over a socket ------------------------------------------------------------------------

def test_eval_and_evalsha(r):
    sha = r.cmd("SCRIPT", "LOAD", "return {KEYS[1], ARGV[1]}").v
    assert sha == hashlib.sha1(b"return {KEYS[1], ARGV[1]}").hexdigest().encode()
    assert r.cmd("EVALSHA", sha, 1, "k", "a").plain() == [b"k", b"a"]
    assert r.cmd("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", 1, "k", "v") == Reply("+", "OK")
    assert r.cmd("GET", "k") == Reply("$", b"v")
    assert r.cmd("SCRIPT", "EXISTS", sha).plain() == [1]
    assert r.cmd("SCRIPT", "FLUSH") == Reply("+", "OK")
    assert r.cmd("EVALSHA", sha, 0) == Reply("-", "NOSCRIPT No matching script. Please use EVAL.")


def test_resp3_conversions(r3):
    assert r3.cmd("EVAL", "redis.setresp(3) return {map={a=1}}", 0) == \
        Reply("%", [(Reply("$", b"a"), Reply(":", 1))])
    assert r3.cmd("EVAL", "redis.setresp(3) return {double=2.5}", 0) == Reply(",", "2.5")
    assert r3.cmd("EVAL", "redis.setresp(3) return true", 0) == Reply("#", True)
    assert r3.cmd("EVAL", "return false", 0) == Reply("_", None)


def test_globals_do_not_leak_between_scripts(r):
    assert r.cmd("EVAL", "x = 1", 0).t == "-"
    assert r.cmd("EVAL", "rawset(_G, 'y', 1)", 0).t == "-"
    assert r.cmd("EVAL", "table.insert(_G, 5)", 0).t == "-"
    assert r.cmd("EVAL", "return rawget(_G, 1)", 0) == Reply("$", None)
    assert r.cmd("EVAL", "getmetatable('').__index = {}", 0).t == "-"
    assert r.cmd("EVAL", "return ('abc'):upper()", 0) == Reply("$", b"ABC")
    assert r.cmd("EVAL", "return type(getmetatable(redis.call))", 0) == Reply("$", b"nil")
    assert r.cmd("EVAL", "return type(python)", 0).t == "-"
    assert r.cmd("EVAL", "return redis.call.__class__", 0).t == "-"


def test_pcall_cannot_survive_a_runtime_error_table(r):
    body = "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e}"
    assert r.cmd("EVAL", body, 0).plain() == [b"false", b"ERR Unknown Redis command called from script"]


def test_select_in_script_keeps_caller_db(r):
    assert r.cmd("EVAL", "redis.call('select', 5) return redis.call('set', 'x', 1)", 0).v == "OK"
    assert r.cmd("EXISTS", "x").v == 0
    assert r.cmd("SELECT", 5).v == "OK"
    assert r.cmd("EXISTS", "x").v == 1
    r.cmd("FLUSHALL")
    r.cmd("SELECT", 0)


def test_script_debug_is_refused_but_no_is_ok(r):
    assert r.cmd("SCRIPT", "DEBUG", "NO") == Reply("+", "OK")
    assert r.cmd("SCRIPT", "DEBUG", "YES").t == "-"
    assert r.cmd("SCRIPT", "DEBUG", "SYNC").t == "-"
    assert r.cmd("EVAL", "return 1", 0).v == 1


# --- in process: propagation by effect ----------------------------------------------------

@pytest.fixture
def engine():
    server = Server(Config())
    conn = Connection(server, None, ("127.0.0.1", 0), 1)
    ops = []
    server.events.propagate_listeners.append(lambda o: ops.append([a for _, a in o]))

    def run(*argv):
        return server.dispatcher.dispatch(conn, [a if isinstance(a, bytes) else str(a).encode()
                                                 for a in argv])
    return run, ops, server, conn


def test_eval_propagates_its_effects_wrapped(engine):
    run, ops, server, conn = engine
    assert run("EVAL", "redis.call('set','a','1') redis.call('incr','a') return 1", 0) == 1
    assert ops == [[[b"MULTI"], [b"set", b"a", b"1"], [b"incr", b"a"], [b"EXEC"]]]
    del ops[:]
    assert run("EVAL", "return redis.call('get','a')", 0) == b"2"
    assert ops == []
    assert run("EVAL", "return redis.call('set','b','1')", 0).text == "OK"
    assert ops == [[[b"set", b"b", b"1"]]]


def test_set_repl_none_drops_effects(engine):
    run, ops, server, conn = engine
    body = ("redis.call('set','a','1') redis.set_repl(redis.REPL_NONE) redis.call('set','b','2') "
            "redis.set_repl(redis.REPL_ALL) redis.call('set','c','3')")
    run("EVAL", body, 0)
    assert ops == [[[b"MULTI"], [b"set", b"a", b"1"], [b"set", b"c", b"3"], [b"EXEC"]]]


def test_failed_script_propagates_what_it_did(engine):
    run, ops, server, conn = engine
    r = run("EVAL", "redis.call('set','a','1') error('stop')", 0)
    assert isinstance(r, Error)
    assert ops == [[[b"set", b"a", b"1"]]]


def test_function_load_propagates_and_fcall_by_effect(engine):
    run, ops, server, conn = engine
    code = "#!lua name=l\nredis.register_function('w', function(k) return redis.call('del', k[1]) end)"
    assert run("FUNCTION", "LOAD", code) == b"l"
    assert ops == [[[b"FUNCTION", b"LOAD", code.encode()]]]
    del ops[:]
    run("SET", "x", "1")
    del ops[:]
    assert run("FCALL", "w", 1, "x") == 1
    assert ops == [[[b"del", b"x"]]]


def test_script_state_is_restored(engine):
    run, ops, server, conn = engine
    run("EVAL", "redis.setresp(3) redis.call('select', 2) return 1", 0)
    assert conn.proto == 2 and conn.db.index == 0 and conn.deny_blocking is False


def test_blocking_commands_do_not_block_in_scripts(engine):
    run, ops, server, conn = engine
    assert run("EVAL", "return redis.call('blmpop', 0, 1, 'nolist', 'LEFT')", 0) is not None
    assert server.blocking.count == 0


def test_script_flush_makes_a_new_lua_state(engine):
    run, ops, server, conn = engine
    from miniredis.scripting.host import scripting
    first = scripting(server).eval_engine
    run("SCRIPT", "FLUSH")
    assert scripting(server).eval_engine is not first
    assert scripting(server).memory_info()[3] == ("number_of_cached_scripts", 0)
