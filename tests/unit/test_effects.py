"""What commands say happened: keyspace events and propagated commands.

An in-process server with a fake clock runs in this test's gevent hub; a
gevent socket client drives it, and listeners on ``server.events`` record
the keyspace events (class, event, key, db) and the propagated commands of
each call. The expected effects are those of redis-server 7.0.15 (checked
with notify-keyspace-events KEA and its append-only file).
"""

import os
import sys

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import COMMANDS
from miniredis import events as ev

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from support import EffectsHarness  # noqa: E402


NOW = 1000000000000   # the fake clock, in ms
G, S, L, Z, X = ev.GENERIC, ev.STRING, ev.LIST, ev.ZSET, ev.EXPIRED


@pytest.fixture
def h():
    harness = EffectsHarness(NOW)
    yield harness
    harness.close()


def one(*ops):
    """The propagation of one call: a list of (db, argv) with str args encoded."""
    return [[(dbi, [a.encode() if isinstance(a, str) else a for a in argv]) for dbi, argv in ops]]


def evs(*items):
    return [(cls, event, key.encode(), dbi) for cls, event, key, dbi in items]


def pxat(ms_from_now):
    return str(NOW + ms_from_now)


# --- strings ------------------------------------------------------------------------

def test_set_plain_and_with_options(h):
    assert h.run("set", "k", "v") == ("OK", evs((S, "set", "k", 0)), one((0, ["set", "k", "v"])))
    assert h.run("SET", "k", "v", "EX", "100") == (
        "OK", evs((S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["SET", "k", "v", "PXAT", pxat(100000)])))
    # GET and NX/XX disappear when the expiry is rewritten.
    assert h.run("set", "k", "w", "px", "5", "GET", "xx") == (
        b"v", evs((S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["SET", "k", "w", "PXAT", pxat(5)])))
    assert h.run("set", "k", "v", "exat", "2000000000")[2] == one(
        (0, ["SET", "k", "v", "PXAT", "2000000000000"]))


def test_set_get_option_is_not_propagated(h):
    h.setup(("set", "k", "v"))
    assert h.run("set", "k", "w", "GET") == (
        b"v", evs((S, "set", "k", 0)), one((0, ["set", "k", "w"])))
    assert h.run("set", "k", "x", "Get", "xx", "get", "keepttl") == (
        b"w", evs((S, "set", "k", 0)), one((0, ["set", "k", "x", "xx", "keepttl"])))


def test_set_that_does_nothing_has_no_effect(h):
    h.setup(("set", "k", "v"))
    assert h.run("set", "k", "v", "nx") == (None, [], [])
    assert h.run("set", "k", "v", "nx", "get", "ex", "10") == (b"v", [], [])
    assert h.run("set", "new", "v", "xx") == (None, [], [])
    assert h.run("set", "k", "v", "ex", "0")[1:] == ([], [])


def test_set_pxat_in_the_past_is_kept_as_given(h):
    assert h.run("set", "k", "v", "pxat", "1") == (
        "OK", evs((S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["SET", "k", "v", "PXAT", "1"])))
    # The next lookup expires it: "expired" and a DEL of its own.
    assert h.run("get", "k") == (None, evs((X, "expired", "k", 0)), one((0, ["DEL", "k"])))


def test_overwriting_an_expired_key_replays_its_del_first(h):
    h.setup(("set", "k", "v", "px", "1"), ("set", "k2", "v", "px", "1"))
    h.clock.ms += 2
    # As Redis 7.0: the expiry's DEL and the command leave as one MULTI/EXEC.
    assert h.run("set", "k", "w", "ex", "100") == (
        "OK", evs((X, "expired", "k", 0), (S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["MULTI"]), (0, ["DEL", "k"]), (0, ["SET", "k", "w", "PXAT", pxat(100002)]),
            (0, ["EXEC"])))
    assert h.run("mset", "k2", "1", "z", "2") == (
        "OK", evs((X, "expired", "k2", 0), (S, "set", "k2", 0), (S, "set", "z", 0)),
        one((0, ["MULTI"]), (0, ["DEL", "k2"]), (0, ["mset", "k2", "1", "z", "2"]), (0, ["EXEC"])))


def test_setnx_setex_psetex_getset(h):
    assert h.run("setnx", "k", "v") == (1, evs((S, "set", "k", 0)), one((0, ["setnx", "k", "v"])))
    assert h.run("setnx", "k", "v") == (0, [], [])
    assert h.run("setex", "k", "100", "v") == (
        "OK", evs((S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["SET", "k", "v", "PXAT", pxat(100000)])))
    assert h.run("psetex", "k", "100", "v") == (
        "OK", evs((S, "set", "k", 0), (G, "expire", "k", 0)),
        one((0, ["SET", "k", "v", "PXAT", pxat(100)])))
    assert h.run("getset", "k", "w") == (b"v", evs((S, "set", "k", 0)), one((0, ["SET", "k", "w"])))
    assert h.run("getset", "k2", "w") == (None, evs((S, "set", "k2", 0)), one((0, ["SET", "k2", "w"])))


def test_getex(h):
    h.setup(("set", "k", "v"))
    assert h.run("getex", "k") == (b"v", [], [])
    assert h.run("getex", "k", "ex", "100") == (
        b"v", evs((G, "expire", "k", 0)), one((0, ["PEXPIREAT", "k", pxat(100000)])))
    assert h.run("getex", "k", "persist") == (
        b"v", evs((G, "persist", "k", 0)), one((0, ["PERSIST", "k"])))
    assert h.run("getex", "k", "persist") == (b"v", [], [])
    assert h.run("getex", "k", "pxat", pxat(1)) == (
        b"v", evs((G, "expire", "k", 0)), one((0, ["PEXPIREAT", "k", pxat(1)])))
    # An absolute time already past deletes the key.
    assert h.run("getex", "k", "exat", "1") == (b"v", evs((G, "del", "k", 0)), one((0, ["DEL", "k"])))
    assert h.run("getex", "k", "ex", "10") == (None, [], [])


def test_getdel(h):
    h.setup(("set", "k", "v"))
    assert h.run("getdel", "k") == (b"v", evs((G, "del", "k", 0)), one((0, ["DEL", "k"])))
    assert h.run("getdel", "k") == (None, [], [])


def test_mset_msetnx(h):
    assert h.run("mset", "a", "1", "b", "2") == (
        "OK", evs((S, "set", "a", 0), (S, "set", "b", 0)), one((0, ["mset", "a", "1", "b", "2"])))
    assert h.run("msetnx", "a", "1", "c", "2") == (0, [], [])
    assert h.run("msetnx", "c", "1", "d", "2") == (
        1, evs((S, "set", "c", 0), (S, "set", "d", 0)), one((0, ["msetnx", "c", "1", "d", "2"])))


def test_append_setrange(h):
    assert h.run("append", "a", "x") == (1, evs((S, "append", "a", 0)), one((0, ["append", "a", "x"])))
    assert h.run("append", "a", "y") == (2, evs((S, "append", "a", 0)), one((0, ["append", "a", "y"])))
    assert h.run("setrange", "a", "0", "z") == (
        2, evs((S, "setrange", "a", 0)), one((0, ["setrange", "a", "0", "z"])))
    assert h.run("setrange", "a", "5", "") == (2, [], [])
    assert h.run("setrange", "nokey", "0", "") == (0, [], [])
    assert h.run("setrange", "b", "2", "q") == (
        3, evs((S, "setrange", "b", 0)), one((0, ["setrange", "b", "2", "q"])))


def test_counters(h):
    assert h.run("incr", "n") == (1, evs((S, "incrby", "n", 0)), one((0, ["incr", "n"])))
    assert h.run("incrby", "n", "5") == (6, evs((S, "incrby", "n", 0)), one((0, ["incrby", "n", "5"])))
    assert h.run("decr", "n") == (5, evs((S, "incrby", "n", 0)), one((0, ["decr", "n"])))
    assert h.run("decrby", "n", "2") == (3, evs((S, "incrby", "n", 0)), one((0, ["decrby", "n", "2"])))
    assert h.run("incrbyfloat", "n", "1.5") == (
        b"4.5", evs((S, "incrbyfloat", "n", 0)), one((0, ["SET", "n", "4.5", "KEEPTTL"])))
    assert h.run("incrbyfloat", "f", "0.1") == (
        b"0.1", evs((S, "incrbyfloat", "f", 0)), one((0, ["SET", "f", "0.1", "KEEPTTL"])))
    assert h.run("incr", "f")[1:] == ([], [])


def test_setbit_bitop_lcs(h):
    assert h.run("setbit", "b", "1", "1") == (
        0, evs((S, "setbit", "b", 0)), one((0, ["setbit", "b", "1", "1"])))
    assert h.run("setbit", "b", "1", "1") == (1, [], [])   # nothing flips: no change
    assert h.run("setbit", "b", "1", "0") == (
        1, evs((S, "setbit", "b", 0)), one((0, ["setbit", "b", "1", "0"])))
    assert h.run("setbit", "b", "3", "0") == (0, [], [])
    assert h.run("bitop", "or", "d", "b", "b") == (
        1, evs((S, "set", "d", 0)), one((0, ["bitop", "or", "d", "b", "b"])))
    assert h.run("bitop", "and", "d", "nokey") == (
        0, evs((G, "del", "d", 0)), one((0, ["bitop", "and", "d", "nokey"])))
    assert h.run("bitop", "and", "d", "nokey") == (0, [], [])
    assert h.run("lcs", "b", "d") == (b"", [], [])


def test_effects_carry_the_selected_db(h):
    h.setup(("select", "3"))
    assert h.run("set", "k", "v") == ("OK", evs((S, "set", "k", 3)), one((3, ["set", "k", "v"])))
    assert h.run("getdel", "k") == (b"v", evs((G, "del", "k", 3)), one((3, ["DEL", "k"])))


def test_reads_and_errors_have_no_effect(h):
    h.setup(("set", "k", "v"), ("hset", "h", "f", "x"))
    for cmd in (("get", "k"), ("strlen", "k"), ("getrange", "k", "0", "1"), ("mget", "k", "h"),
                ("incr", "k"), ("append", "h", "x"), ("setbit", "h", "1", "1"), ("set", "k", "v", "bad"),
                ("incrbyfloat", "k", "1"), ("getex", "k", "ex", "-1"), ("bitcount", "k")):
        assert h.run(*cmd)[1:] == ([], []), cmd


# --- generic commands -----------------------------------------------------------------

def test_del_unlink(h):
    h.setup(("mset", "a", "1", "b", "2", "c", "3"))
    assert h.run("del", "a", "zz", "b", "a") == (
        2, evs((G, "del", "a", 0), (G, "del", "b", 0)), one((0, ["del", "a", "zz", "b", "a"])))
    assert h.run("unlink", "c", "zz") == (1, evs((G, "del", "c", 0)), one((0, ["unlink", "c", "zz"])))
    assert h.run("del", "zz") == (0, [], [])


def test_rename_renamenx(h):
    h.setup(("set", "a", "1"), ("set", "c", "2"))
    assert h.run("rename", "a", "b") == (
        "OK", evs((G, "rename_from", "a", 0), (G, "rename_to", "b", 0)), one((0, ["rename", "a", "b"])))
    assert h.run("rename", "b", "b") == ("OK", [], [])
    assert h.run("renamenx", "b", "b") == (0, [], [])
    assert h.run("renamenx", "b", "c") == (0, [], [])
    # Overwriting a key raises no "del" for it.
    assert h.run("rename", "b", "c") == (
        "OK", evs((G, "rename_from", "b", 0), (G, "rename_to", "c", 0)), one((0, ["rename", "b", "c"])))
    assert h.run("renamenx", "c", "d") == (
        1, evs((G, "rename_from", "c", 0), (G, "rename_to", "d", 0)), one((0, ["renamenx", "c", "d"])))


def test_move_and_copy_notify_in_each_db(h):
    h.setup(("set", "d", "5"))
    assert h.run("move", "d", "1") == (
        1, evs((G, "move_from", "d", 0), (G, "move_to", "d", 1)), one((0, ["move", "d", "1"])))
    assert h.run("move", "d", "1") == (0, [], [])
    h.setup(("set", "d", "5"))
    assert h.run("copy", "d", "e") == (1, evs((G, "copy_to", "e", 0)), one((0, ["copy", "d", "e"])))
    assert h.run("copy", "d", "e") == (0, [], [])
    assert h.run("copy", "d", "e", "replace") == (
        1, evs((G, "copy_to", "e", 0)), one((0, ["copy", "d", "e", "replace"])))
    assert h.run("copy", "d", "e", "db", "2") == (
        1, evs((G, "copy_to", "e", 2)), one((0, ["copy", "d", "e", "db", "2"])))


def test_expire_family_propagates_an_absolute_time(h):
    h.setup(("set", "d", "1"))
    assert h.run("expire", "d", "100") == (
        1, evs((G, "expire", "d", 0)), one((0, ["PEXPIREAT", "d", pxat(100000)])))
    assert h.run("expire", "d", "100", "gt") == (0, [], [])
    assert h.run("expire", "d", "100", "nx") == (0, [], [])
    # Conditions stay in the propagated command.
    assert h.run("pexpire", "d", "200000", "xx") == (
        1, evs((G, "expire", "d", 0)), one((0, ["PEXPIREAT", "d", pxat(200000), "xx"])))
    assert h.run("expireat", "d", "99999999999") == (
        1, evs((G, "expire", "d", 0)), one((0, ["PEXPIREAT", "d", "99999999999000"])))
    assert h.run("pexpireat", "d", "99999999999999") == (
        1, evs((G, "expire", "d", 0)), one((0, ["pexpireat", "d", "99999999999999"])))
    assert h.run("expire", "nokey", "5") == (0, [], [])


@pytest.mark.parametrize("cmd", [("expire", "d", "0"), ("expire", "d", "-5"),
                                 ("pexpire", "d", "0"), ("pexpireat", "d", "1"),
                                 ("expireat", "d", str(NOW // 1000))])
def test_expire_in_the_past_deletes(h, cmd):
    h.setup(("set", "d", "1"))
    assert h.run(*cmd) == (1, evs((G, "del", "d", 0)), one((0, ["DEL", "d"])))


def test_persist(h):
    h.setup(("set", "d", "1", "ex", "100"))
    assert h.run("persist", "d") == (1, evs((G, "persist", "d", 0)), one((0, ["persist", "d"])))
    assert h.run("persist", "d") == (0, [], [])
    assert h.run("persist", "nokey") == (0, [], [])


def test_swapdb_and_flush_raise_no_key_events(h):
    h.setup(("set", "x", "1"))
    assert h.run("swapdb", "0", "1") == ("OK", [], one((0, ["swapdb", "0", "1"])))
    assert h.run("swapdb", "1", "1") == ("OK", [], one((0, ["swapdb", "1", "1"])))
    h.setup(("set", "x", "1"))
    assert h.run("flushdb") == ("OK", [], one((0, ["flushdb"])))
    h.setup(("set", "x", "1"))
    assert h.run("flushall") == ("OK", [], one((0, ["flushall"])))


def test_flush_of_an_empty_db_is_propagated(h):
    assert h.run("flushdb") == ("OK", [], one((0, ["flushdb"])))
    assert h.run("flushall") == ("OK", [], one((0, ["flushall"])))


def test_reads_of_generic_commands_have_no_effect(h):
    h.setup(("set", "x", "1"))
    for cmd in (("exists", "x", "y"), ("touch", "x"), ("type", "x"), ("ttl", "x"),
                ("keys", "*"), ("scan", "0"), ("object", "encoding", "x"), ("randomkey",)):
        assert h.run(*cmd)[1:] == ([], []), cmd


# --- SORT ... STORE ---------------------------------------------------------------------

def test_sort_without_store_has_no_effect(h):
    h.setup(("sadd", "s", "3", "1", "2"))
    assert h.run("sort", "s") == ([b"1", b"2", b"3"], [], [])
    assert h.run("sort_ro", "s", "by", "nosort") == ([b"1", b"2", b"3"], [], [])


def test_sort_store_of_nothing_deletes(h):
    h.setup(("sadd", "s", "3", "1", "2"), ("set", "d", "x"))
    cmd = ("sort", "s", "limit", "0", "0", "store", "d")
    assert h.run(*cmd) == (0, evs((G, "del", "d", 0)), one((0, list(cmd))))
    assert h.run(*cmd) == (0, [], [])
    assert h.run("sort", "nokey", "store", "d") == (0, [], [])


@pytest.mark.skipif("rpush" not in COMMANDS, reason="miniredis lacks rpush")
def test_sort_store_notifies_sortstore(h):
    h.setup(("sadd", "s", "3", "1", "2"))
    cmd = ("sort", "s", "desc", "store", "d")
    assert h.run(*cmd) == (3, evs((L, "sortstore", "d", 0)), one((0, list(cmd))))
    assert h.run(*cmd) == (3, evs((L, "sortstore", "d", 0)), one((0, list(cmd))))
    cmd = ("sort", "s", "by", "nosort", "store", "s")
    assert h.run(*cmd) == (3, evs((L, "sortstore", "s", 0)), one((0, list(cmd))))


def test_a_pipelines_effects_in_order_each_command_one_unit(h):
    # Plain commands of one read hand their effects on together when the run
    # ends (before any other command runs); each command's own effect stays
    # one unit: the DEL of the expired key it met and its write in MULTI/EXEC.
    # Without keyspace listeners the compiled build writes SET/INCR/MSET out.
    h.server.events.keyspace_listeners.clear()
    h.c.cmd("SET", "old", "v", "PXAT", NOW + 100)
    h.clock.advance(200)
    del h.props[:]
    replies = h.c.pipeline([
        ("SET", "a", "1"), ("INCR", "n"), ("GET", "a"), ("SET", "old", "new"),
        ("MSET", "x", "1", "y", "2"), ("GET", "missing"),
        ("EVAL", "redis.call('set', 's', '1'); redis.call('set', 't', '2')", "0"),
        ("SET", "b", "2"), ("SELECT", "3"), ("INCR", "n")])
    assert [r.v for r in replies][:6] == ["OK", 1, b"1", "OK", "OK", None]
    flat = [(dbi, argv) for call in h.props for dbi, argv in call]
    assert flat == [(dbi, [a.encode() for a in argv]) for dbi, argv in [
        (0, ["SET", "a", "1"]), (0, ["INCR", "n"]),
        (0, ["MULTI"]), (0, ["DEL", "old"]), (0, ["SET", "old", "new"]), (0, ["EXEC"]),
        (0, ["MSET", "x", "1", "y", "2"]),
        (0, ["MULTI"]), (0, ["set", "s", "1"]), (0, ["set", "t", "2"]), (0, ["EXEC"]),
        (0, ["SET", "b", "2"]), (3, ["INCR", "n"])]]
