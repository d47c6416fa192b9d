"""Hypothesis state machine: random EVAL / EVALSHA / SCRIPT / FUNCTION / FCALL sequences on
miniredis and redis-server, every reply compared type-exactly (errors included)."""

from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.sampled_from(["", "0", "1", "-7", "2.5", "abc", "x" * 30])
SCRIPTS = st.sampled_from([
    "return redis.call('get', KEYS[1])",
    "return redis.call('set', KEYS[1], ARGV[1])",
    "return redis.call('incr', KEYS[1])",
    "return redis.pcall('incr', KEYS[1])",
    "return redis.call('hset', KEYS[1], 'f', ARGV[1])",
    "return redis.call('del', KEYS[1])",
    "return {redis.call('exists', KEYS[1]), redis.call('type', KEYS[1])}",
    "redis.call('append', KEYS[1], ARGV[1]) return redis.call('strlen', KEYS[1])",
    "return redis.call('lpush', KEYS[1], ARGV[1])",
    "return tonumber(ARGV[1])",
    "return {KEYS[1], ARGV[1], #KEYS, #ARGV}",
    "error(ARGV[1])",
    "return redis.error_reply(ARGV[1])",
    "return redis.status_reply(ARGV[1])",
    "redis.setresp(3) return redis.call('hgetall', KEYS[1])",
    "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], ARGV[1])",
])
LIBS = st.sampled_from([
    ("l1", "redis.register_function('f1', function(k, a) return redis.call('set', k[1], a[1]) end)"),
    ("l1", "redis.register_function('f2', function(k, a) return redis.call('get', k[1]) end)"),
    ("l2", "redis.register_function{function_name='f3', callback=function(k) "
           "return redis.call('get', k[1]) end, flags={'no-writes'}}"),
    ("l2", "redis.register_function('f1', function(k) return 1 end)"),
])
FUNCS = st.sampled_from(["f1", "f2", "f3", "nof"])


class ScriptingMachine(DifferentialMachine):
    @initialize()
    def connect(self):
        DifferentialMachine.connect(self)
        for c in (self.m, self.r):
            c.cmd("SCRIPT", "FLUSH")
            c.cmd("FUNCTION", "FLUSH")

    @rule(body=SCRIPTS, k=KEYS, v=VALUES)
    def eval(self, body, k, v):
        self.same("EVAL", body, 1, k, v)

    @rule(body=SCRIPTS, k=KEYS, v=VALUES)
    def eval_ro(self, body, k, v):
        self.same("EVAL_RO", body, 1, k, v)

    @rule(body=SCRIPTS)
    def script_load(self, body):
        self.same("SCRIPT", "LOAD", body)

    @rule(body=SCRIPTS, k=KEYS, v=VALUES)
    def evalsha(self, body, k, v):
        import hashlib
        self.same("EVALSHA", hashlib.sha1(body.encode()).hexdigest(), 1, k, v)

    @rule(bodies=st.lists(SCRIPTS, min_size=1, max_size=3))
    def script_exists(self, bodies):
        import hashlib
        self.same("SCRIPT", "EXISTS", *[hashlib.sha1(b.encode()).hexdigest() for b in bodies])

    @rule()
    def script_flush(self):
        self.same("SCRIPT", "FLUSH")

    @rule(lib=LIBS, replace=st.booleans())
    def function_load(self, lib, replace):
        code = "#!lua name=%s\n%s" % lib
        self.same("FUNCTION", "LOAD", *(["REPLACE"] if replace else []), code)

    @rule(name=st.sampled_from(["l1", "l2", "l3"]))
    def function_delete(self, name):
        self.same("FUNCTION", "DELETE", name)

    @rule(f=FUNCS, k=KEYS, v=VALUES, ro=st.booleans())
    def fcall(self, f, k, v, ro):
        self.same("FCALL_RO" if ro else "FCALL", f, 1, k, v)

    @rule()
    def function_flush(self):
        self.same("FUNCTION", "FLUSH")

    @rule()
    def function_stats(self):
        self.same("FUNCTION", "STATS")

    @rule(k=KEYS)
    def get(self, k):
        self.same("TYPE", k)
        self.same("EXISTS", k)


def test_scripting_state_machine(mini_server, redis_server):
    try:
        run_machine(ScriptingMachine, mini_server, redis_server, examples=25, steps=25)
    finally:
        from support import RawClient
        for srv in (mini_server, redis_server):
            c = RawClient(srv.port)
            c.cmd("FUNCTION", "FLUSH")
            c.cmd("SCRIPT", "FLUSH")
            c.close()
