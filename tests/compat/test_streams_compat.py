"""Stream commands, line by line against the reference redis-server (RESP2 and RESP3).

Every command of the group with its edge cases and errors: ID forms and
rules, ranges, trimming (exact, approximate by node, LIMIT, MINID) with
small node settings so that Redis' listpack layout matters, XINFO (with
radix-tree keys/nodes), consumer groups and their entries-read / lag
bookkeeping, the PEL per group and consumer, claims, keyspace events.
Replies holding times (idle, delivery and seen times) are compared with
those fields masked; tests/commands/test_streams.py checks them with a fake
clock. Blocking reads are in tests/commands/test_streams.py.
"""

import random

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import RawClient, config

MAX = "18446744073709551615"
MAXID = MAX + "-" + MAX

STREAM_COMMANDS = ("xadd", "xlen", "xrange", "xrevrange", "xdel", "xtrim", "xread",
                   "xreadgroup", "xsetid", "xack", "xpending", "xclaim", "xautoclaim",
                   "xgroup", "xinfo")



def run(compat, *commands):
    for cmd in commands:
        compat.same(*cmd)


def fill(compat, key, n, start=1, fields=("f", "v")):
    for i in range(start, start + n):
        compat.same("XADD", key, "%d-1" % i, *fields)


def masked(compat, *cmd, mask):
    """Both replies equal once ``mask`` (plain value -> plain value) hid the times."""
    m, r = compat.both(*cmd)
    assert m.t == r.t, (cmd, m, r)
    assert mask(m.plain()) == mask(r.plain()), (cmd, m, r)
    return m


def _pairs(v):
    """A map reply as a list of (key, value), from a RESP2 array or a RESP3 dict."""
    if isinstance(v, dict):
        return list(v.items())
    return list(zip(v[0::2], v[1::2]))


def _set(v, name, fn):
    """The map ``v`` as a flat [key, value, ...] list with ``name``'s value passed through fn."""
    out = []
    for k, x in _pairs(v):
        out += [k, fn(x) if k == name else x]
    return out


# --- metadata -----------------------------------------------------------------------------

def test_command_info_and_docs(compat):
    for name in STREAM_COMMANDS:
        if name in ("xgroup", "xinfo"):
            # Redis lists subcommands in its dict's order, which varies per process.
            m, r = (c.cmd("COMMAND", "INFO", name).plain()[0] for c in (compat.m, compat.r))
            assert m[:9] == r[:9] and sorted(map(repr, m[9])) == sorted(map(repr, r[9]))
        else:
            compat.same("COMMAND", "INFO", name)
    for sub in ("create", "setid", "destroy", "createconsumer", "delconsumer", "help"):
        compat.same("COMMAND", "INFO", "xgroup|" + sub)
    for sub in ("stream", "groups", "consumers", "help"):
        compat.same("COMMAND", "INFO", "xinfo|" + sub)
    compat.same("COMMAND", "GETKEYS", "XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0")
    compat.same("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", ">")
    compat.same("XGROUP", "HELP")
    compat.same("XINFO", "HELP")


# --- XADD and IDs -------------------------------------------------------------------------

def test_xadd_id_forms(compat):
    run(compat,
        ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-1", "f", "v"),
        ("XADD", "s", "1-0", "f", "v"), ("XADD", "s", "1-*", "a", "b", "c", "d"),
        ("XADD", "s", "1-*", "f", "v"), ("XADD", "s", "0-*", "f", "v"),
        ("XADD", "s", "2", "f", "v"), ("XADD", "s", "2-*", "f", "v"),
        ("XADD", "s", "007-01", "f", "v"), ("XADD", "s", " 8-1", "f", "v"),
        ("XADD", "s", "+9-1", "f", "v"), ("XADD", "s", "10-" + MAX, "f", "v"),
        ("XADD", "s", "10-*", "f", "v"), ("XADD", "s", "11-*", "dup", "1", "dup", "2"),
        ("XRANGE", "s", "-", "+"), ("XLEN", "s"),
        ("XADD", "t", "0-*", "f", "v"), ("XADD", "u", "0-1", "f", "v"))


def test_xadd_id_errors(compat):
    run(compat,
        ("XADD", "s", "0-0", "f", "v"), ("XADD", "s", "0", "f", "v"), ("EXISTS", "s"),
        ("XADD", "s", "-", "f", "v"), ("XADD", "s", "+", "f", "v"),
        ("XADD", "s", "abc", "f", "v"), ("XADD", "s", "1-2-3", "f", "v"),
        ("XADD", "s", "-1-1", "f", "v"), ("XADD", "s", "1--1", "f", "v"),
        ("XADD", "s", MAX + "0-1", "f", "v"), ("XADD", "s", "1-" + MAX + "0", "f", "v"),
        ("XADD", "s", "1-a", "f", "v"), ("XADD", "s", "1-**", "f", "v"),
        ("XADD", "s", "x" * 200, "f", "v"), ("XADD", "s", "5-1", "f"),
        ("XADD", "s", "5-1", "f", "v", "g"), ("XADD", "s", "*"),
        ("XADD", "s", MAXID, "f", "v"), ("XADD", "s", "*", "f", "v"),
        ("XADD", "s", MAX + "-*", "f", "v"), ("XLEN", "s"),
        ("SET", "str", "x"), ("XADD", "str", "*", "f", "v"), ("XLEN", "str"),
        ("XADD", "n", "NOMKSTREAM", "*", "f", "v"), ("XADD", "n", "NOMKSTREAM", "1-1", "f", "v"),
        ("EXISTS", "n"), ("XADD", "s", "NOMKSTREAM", "5-1", "f", "v"))


def test_xadd_trim_options_errors(compat):
    run(compat,
        ("XADD", "s", "MAXLEN", "x", "*", "f", "v"), ("XADD", "s", "MAXLEN", "-1", "*", "f", "v"),
        ("XADD", "s", "LIMIT", "5", "3-0", "f", "v"), ("XADD", "s", "LIMIT", "0", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "5", "LIMIT", "5", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "5", "MINID", "5", "3-0", "f", "v"),
        ("XADD", "s", "MINID", "x", "3-0", "f", "v"), ("XADD", "s", "MINID", "-", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "5", "LIMIT", "x", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "=", "5", "3-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "~", "*", "f", "v"), ("XADD", "s", "MAXLEN", "5"),
        ("XADD", "s", "NOMKSTREAM", "MAXLEN", "5", "*", "f"), ("XLEN", "s"))


def test_xadd_maxlen_and_minid(compat):
    for i in range(1, 8):
        compat.same("XADD", "s", "MAXLEN", "3", "%d-1" % i, "f", "v")
    run(compat, ("XRANGE", "s", "-", "+"), ("XADD", "s", "MINID", "6", "8-1", "f", "v"),
        ("XRANGE", "s", "-", "+"), ("XADD", "s", "MAXLEN", "0", "9-1", "f", "v"),
        ("XLEN", "s"), ("XINFO", "STREAM", "s"), ("XADD", "s", "MINID", MAXID, "10-1", "f", "v"),
        ("XINFO", "STREAM", "s"))


# --- ranges -------------------------------------------------------------------------------

def test_xrange_xrevrange(compat):
    fill(compat, "s", 6)
    run(compat,
        ("XRANGE", "s", "-", "+"), ("XRANGE", "s", "2", "4"), ("XRANGE", "s", "2-2", "4-0"),
        ("XRANGE", "s", "(2-1", "(5-1"), ("XRANGE", "s", "(2", "+"), ("XRANGE", "s", "-", "(3"),
        ("XRANGE", "s", "4", "2"), ("XRANGE", "s", "-", "+", "COUNT", "2"),
        ("XRANGE", "s", "-", "+", "COUNT", "0"), ("XRANGE", "s", "-", "+", "COUNT", "-1"),
        ("XRANGE", "s", "-", "+", "count", "1", "COUNT", "3"),
        ("XREVRANGE", "s", "+", "-"), ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
        ("XREVRANGE", "s", "(5-1", "(1-1"), ("XREVRANGE", "s", "2", "4"),
        ("XREVRANGE", "s", "4", "2", "COUNT", "0"),
        ("XRANGE", "nokey", "-", "+"), ("XRANGE", "nokey", "-", "+", "COUNT", "0"),
        ("XREVRANGE", "nokey", "+", "-"))


def test_xrange_errors(compat):
    fill(compat, "s", 2)
    run(compat,
        ("XRANGE", "s", "(-", "+"), ("XRANGE", "s", "-", "(+"), ("XRANGE", "s", "(" + MAXID, "+"),
        ("XRANGE", "s", "-", "(0-0"), ("XRANGE", "s", "x", "+"), ("XRANGE", "s", "-", "+", "COUNT"),
        ("XRANGE", "s", "-", "+", "COUNT", "x"), ("XRANGE", "s", "-", "+", "LIMIT", "1"),
        ("XREVRANGE", "s", "(0-0", "-"), ("XREVRANGE", "s", "+", "(" + MAXID),
        ("XRANGE", "s", "(", "+"), ("XRANGE", "s", "-", "+", "COUNT", "99999999999999999999"),
        ("SET", "str", "x"), ("XRANGE", "str", "-", "+"), ("XREVRANGE", "str", "+", "-"),
        ("XRANGE", "str", "x", "+"))


# --- XDEL / XLEN / XTRIM / XSETID ---------------------------------------------------------

def test_xdel_xlen(compat):
    fill(compat, "s", 5)
    run(compat,
        ("XDEL", "s", "2-1", "9-9", "2-1"), ("XLEN", "s"), ("XDEL", "s", "1-1"),
        ("XINFO", "STREAM", "s"), ("XDEL", "s", "x"), ("XDEL", "s", "3-1", "x"), ("XLEN", "s"),
        ("XDEL", "s", "-"), ("XDEL", "s", "3"), ("XDEL", "s", "4-1", "5-1"),
        ("XINFO", "STREAM", "s"), ("EXISTS", "s"), ("XDEL", "nokey", "1-1"), ("XLEN", "nokey"),
        ("SET", "str", "x"), ("XDEL", "str", "1-1"), ("XLEN", "str"), ("XDEL", "str", "x"))


def test_xtrim(compat):
    fill(compat, "s", 10)
    run(compat,
        ("XTRIM", "s"), ("XTRIM", "s", "FOO", "1"), ("XTRIM", "s", "LIMIT", "1"),
        ("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"),
        ("XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "x"),
        ("XTRIM", "s", "MAXLEN", "1", "MINID", "1"), ("XTRIM", "s", "MAXLEN", "-1"),
        ("XTRIM", "s", "MAXLEN", "~", "1"), ("XTRIM", "s", "MAXLEN", "8"),
        ("XTRIM", "s", "MINID", "4"), ("XTRIM", "s", "MINID", "=", "(5"),
        ("XTRIM", "s", "MINID", "5-1"),
        ("XRANGE", "s", "-", "+"), ("XTRIM", "s", "MAXLEN", "~", "0"), ("XLEN", "s"),
        ("XTRIM", "s", "MAXLEN", "=", "0"), ("XINFO", "STREAM", "s"),
        ("XTRIM", "nokey", "MAXLEN", "0"), ("XTRIM", "nokey", "FOO"),
        ("SET", "str", "x"), ("XTRIM", "str", "MAXLEN", "0"), ("XTRIM", "str", "FOO"))


@pytest.mark.parametrize("entries,nbytes", [("3", "4096"), ("5", "0"), ("100", "120"),
                                            ("0", "200")])
def test_approximate_trimming_by_node(compat, entries, nbytes):
    with config(compat, "stream-node-max-entries", entries), \
            config(compat, "stream-node-max-bytes", nbytes):
        rnd = random.Random(int(entries) * 7 + int(nbytes))
        for i in range(1, 40):
            fields = rnd.choice([("f", "v"), ("f", "v" * rnd.randint(1, 70)), ("a", "1", "b", "2"),
                                 ("f", "12345678901")])
            compat.same("XADD", "s", "%d-%d" % (i, rnd.randint(0, 2)), *fields)
            if i % 7 == 0:
                compat.same("XDEL", "s", "%d-%d" % (i - 3, rnd.randint(0, 2)))
        run(compat, ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "30"),
            ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "20", "LIMIT", "4"),
            ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MINID", "~", "25"),
            ("XINFO", "STREAM", "s"), ("XTRIM", "s", "MAXLEN", "~", "3", "LIMIT", "0"),
            ("XINFO", "STREAM", "s", "FULL"),
            ("XADD", "s", "MAXLEN", "~", "1", "100-*", "f", "v"), ("XLEN", "s"))


def test_xsetid(compat):
    fill(compat, "s", 3)
    run(compat,
        ("XSETID", "s", "1-1"), ("XSETID", "s", "3-1"), ("XSETID", "s", "x"), ("XSETID", "s", "-"),
        ("XSETID", "s", "9-9", "ENTRIESADDED", "2"), ("XSETID", "s", "9-9", "ENTRIESADDED", "-1"),
        ("XSETID", "s", "9-9", "ENTRIESADDED", "x"), ("XSETID", "s", "9-9", "MAXDELETEDID", "10-1"),
        ("XSETID", "s", "9-9", "MAXDELETEDID", "x"), ("XSETID", "s", "9-9", "FOO", "1"),
        ("XSETID", "s", "9-9", "ENTRIESADDED"),
        ("XSETID", "s", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "2-2"),
        ("XINFO", "STREAM", "s"),
        ("XADD", "s", "9-9", "f", "v"), ("XADD", "s", "9-*", "f", "v"), ("XINFO", "STREAM", "s"),
        ("XDEL", "s", "9-10"), ("XSETID", "s", "9-9"), ("XSETID", "s", "3-1"),
        ("XTRIM", "s", "MAXLEN", "0"), ("XSETID", "s", "1-1"), ("XINFO", "STREAM", "s"),
        ("XSETID", "nokey", "1-1"), ("XSETID", "nokey", "x"), ("SET", "str", "x"),
        ("XSETID", "str", "1-1"), ("XSETID", "s", MAXID), ("XADD", "s", "*", "f", "v"))


# --- XREAD (non-blocking forms and errors) ------------------------------------------------

def test_xread(compat):
    fill(compat, "s", 4)
    fill(compat, "t", 2)
    run(compat,
        ("XREAD", "STREAMS", "s", "0"), ("XREAD", "COUNT", "2", "STREAMS", "s", "t", "1-1", "0"),
        ("XREAD", "STREAMS", "s", "t", "$", "$"), ("XREAD", "STREAMS", "s", "s", "0", "3-1"),
        ("XREAD", "STREAMS", "nokey", "s", "0", "2"), ("XREAD", "STREAMS", "nokey", "0"),
        ("XREAD", "COUNT", "0", "STREAMS", "s", "0"), ("XREAD", "COUNT", "-3", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "10", "COUNT", "1", "STREAMS", "s", "0"),
        ("xread", "count", "1", "streams", "s", "0"), ("XREAD", "STREAMS", "s", "(1"))


def test_xread_errors(compat):
    fill(compat, "s", 1)
    run(compat,
        ("XREAD", "STREAMS", "s"), ("XREAD", "STREAMS", "s", "t", "0"), ("XREAD", "COUNT", "1"),
        ("XREAD", "FOO", "STREAMS", "s", "0"), ("XREAD", "COUNT", "x", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "x", "STREAMS", "s", "0"), ("XREAD", "BLOCK", "-1", "STREAMS", "s", "0"),
        ("XREAD", "BLOCK", "1.5", "STREAMS", "s", "0"),
        ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"), ("XREAD", "NOACK", "STREAMS", "s", "0"),
        ("XREAD", "STREAMS", "s", ">"), ("XREAD", "STREAMS", "s", "-"),
        ("XREAD", "STREAMS", "s", "+"),
        ("XREAD", "STREAMS", "s", "x"), ("XREAD", "STREAMS", "nokey", "x"),
        ("SET", "str", "x"), ("XREAD", "STREAMS", "str", "0"),
        ("XREAD", "STREAMS", "s", "str", "0", "0"),
        ("XREAD", "STREAMS", "str", "x"))


# --- consumer groups ----------------------------------------------------------------------

def test_xgroup_subcommands(compat):
    fill(compat, "s", 3)
    run(compat,
        ("XGROUP", "CREATE", "nokey", "g", "$"),
        ("XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"),
        ("XINFO", "STREAM", "nokey"), ("XGROUP", "CREATE", "nokey", "g", "$"),
        ("XGROUP", "CREATE", "s", "g", "$"), ("XGROUP", "CREATE", "s", "a", "0"),
        ("XGROUP", "CREATE", "s", "b", "2-1", "ENTRIESREAD", "1"),
        ("XGROUP", "CREATE", "s", "c", "-"), ("XGROUP", "CREATE", "s", "c", "x"),
        ("XGROUP", "CREATE", "s", "c", "0", "ENTRIESREAD", "-2"),
        ("XGROUP", "CREATE", "s", "c", "0", "ENTRIESREAD", "x"),
        ("XGROUP", "CREATE", "s", "c", "0", "ENTRIESREAD"),
        ("XGROUP", "CREATE", "s", "c", "0", "FOO"),
        ("XGROUP", "CREATE", "s", "c", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
        ("XGROUP", "CREATE", "s", "d", "5", "ENTRIESREAD", "99", "MKSTREAM"),
        ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "a", "$"), ("XGROUP", "SETID", "s", "b", "-"),
        ("XGROUP", "SETID", "s", "b", "1", "ENTRIESREAD", "1"), ("XGROUP", "SETID", "s", "zz", "0"),
        ("XGROUP", "SETID", "s", "b", "x"), ("XGROUP", "SETID", "s", "b", "0", "FOO", "1"),
        ("XGROUP", "SETID", "s", "b", "0", "ENTRIESREAD", "-5"),
        ("XGROUP", "SETID", "s", "b", "0", "x"),
        ("XGROUP", "SETID", "nokey2", "b", "0"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c1"), ("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
        ("XGROUP", "CREATECONSUMER", "s", "zz", "c1"),
        ("XGROUP", "CREATECONSUMER", "nokey2", "g", "c"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c1"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
        ("XGROUP", "DELCONSUMER", "s", "zz", "c1"),
        ("XGROUP", "DESTROY", "s", "g"), ("XGROUP", "DESTROY", "s", "g"),
        ("XGROUP", "DESTROY", "nokey2", "g"), ("XGROUP", "FOO"), ("XGROUP", "FOO", "s", "g"),
        ("XGROUP", "CREATE", "s"), ("XGROUP", "DESTROY", "s", "g", "x"),
        ("XGROUP", "HELP", "x"), ("XINFO", "GROUPS", "s"),
        ("SET", "str", "x"), ("XGROUP", "CREATE", "str", "g", "$"),
        ("XGROUP", "DESTROY", "str", "g"), ("XGROUP", "CREATE", "str", "g", "$", "FOO"))


def test_xreadgroup_and_xack(compat):
    fill(compat, "s", 4)
    compat.same("XADD", "s", "5-1", "other", "fields")
    run(compat,
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", "1", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"),
        ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s", "1-1"),
        ("XREADGROUP", "GROUP", "g", "c9", "STREAMS", "s", "0"),
        ("XPENDING", "s", "g"),
        ("XACK", "s", "g", "1-1", "1-1", "9-9"), ("XACK", "s", "g", "x"),
        ("XACK", "s", "g", "2-1", "x"),
        ("XACK", "s", "zz", "1-1"), ("XACK", "nokey", "g", "1-1"), ("XPENDING", "s", "g"),
        ("XDEL", "s", "2-1"), ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"),
        ("XGROUP", "SETID", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "c4", "COUNT", "3", "STREAMS", "s", ">"),
        ("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"))


def test_xreadgroup_errors(compat):
    fill(compat, "s", 2)
    compat.same("XGROUP", "CREATE", "s", "g", "0")
    run(compat,
        ("XREADGROUP", "STREAMS", "s", ">"), ("XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
        ("XREADGROUP", "GROUP", "zz", "c", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x"),
        ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "-"),
        ("XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "-5", "STREAMS", "s", ">"),
        ("SET", "str", "x"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"),
        ("XINFO", "GROUPS", "s"))


def _mask_pending(v):
    # XPENDING extended form: [id, consumer, idle, deliveries] -> idle hidden
    return [[e[0], e[1], e[3]] for e in v] if isinstance(v, list) else v


def test_xpending(compat):
    fill(compat, "s", 6)
    run(compat, ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "empty", "$"),
        ("XREADGROUP", "GROUP", "g", "b", "COUNT", "2", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">"),
        ("XPENDING", "s", "g"), ("XPENDING", "s", "empty"),
        ("XPENDING", "s", "zz"), ("XPENDING", "nokey", "g"), ("XPENDING", "s", "g", "-", "+"),
        ("XPENDING", "s", "g", "-", "+", "x"), ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"),
        ("XPENDING", "s", "g", "IDLE", "0", "-", "+"), ("XPENDING", "s", "g", "(-", "+", "10"),
        ("XPENDING", "s", "g", "-", "(0-0", "10"), ("XPENDING", "s", "g", "x", "+", "10"),
        ("XPENDING", "s", "g", "-", "+", "0"), ("XPENDING", "s", "g", "-", "+", "-1"),
        ("XPENDING", "s", "g", "-", "+", "10", "zz"),
        ("XPENDING", "s", "g", "IDLE", "1", "-", "+", "10", "a", "extra"),
        ("SET", "str", "x"), ("XPENDING", "str", "g"), ("XPENDING", "str", "g", "x", "+", "1"))
    for cmd in (("XPENDING", "s", "g", "-", "+", "10"), ("XPENDING", "s", "g", "-", "+", "2"),
                ("XPENDING", "s", "g", "(1-1", "(5-1", "10"),
                ("XPENDING", "s", "g", "-", "+", "10", "a"),
                ("XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "b"),
                ("XPENDING", "s", "g", "-", "+", "10", "a", "extra"),
                ("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10")):
        masked(compat, *cmd, mask=_mask_pending)


def test_xclaim(compat):
    fill(compat, "s", 5)
    run(compat,
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "b", "x", "1-1"), ("XCLAIM", "s", "zz", "b", "0", "1-1"),
        ("XCLAIM", "nokey", "g", "b", "0", "1-1"), ("XCLAIM", "s", "g", "b", "0", "1-1", "FOO"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "IDLE", "x"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "RETRYCOUNT", "x"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "TIME", "x"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "LASTID", "x"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "IDLE"),
        ("XCLAIM", "s", "g", "b", "0", "x", "1-1"),
        ("XCLAIM", "s", "g", "b", "100000", "1-1"),
        ("XCLAIM", "s", "g", "b", "0", "1-1", "JUSTID"),
        ("XCLAIM", "s", "g", "b", "-5", "1-1", "2-1", "9-9"),
        ("XCLAIM", "s", "g", "c", "0", "3-1", "RETRYCOUNT", "7", "IDLE", "-1", "JUSTID"),
        ("XCLAIM", "s", "g", "c", "0", "4-1", "TIME", "99999999999999", "JUSTID"),
        ("XACK", "s", "g", "5-1"), ("XCLAIM", "s", "g", "d", "0", "5-1", "JUSTID"),
        ("XCLAIM", "s", "g", "d", "0", "5-1", "FORCE", "JUSTID"),
        ("XCLAIM", "s", "g", "d", "0", "9-1", "FORCE", "JUSTID"),
        ("XDEL", "s", "2-1"), ("XCLAIM", "s", "g", "e", "0", "2-1", "1-1"),
        ("XCLAIM", "s", "g", "e", "0", "1-1", "LASTID", "9-9"),
        ("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"),
        ("SET", "str", "x"), ("XCLAIM", "str", "g", "b", "0", "1-1"))
    masked(compat, "XPENDING", "s", "g", "-", "+", "10", mask=_mask_pending)
    masked(compat, "XINFO", "CONSUMERS", "s", "g", mask=_mask_consumers)


def test_xautoclaim(compat):
    fill(compat, "s", 8)
    run(compat,
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
        ("XDEL", "s", "2-1", "3-1", "7-1"),
        ("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "1"),
        ("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "2", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "b", "0", "(5-1", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "b", "100000", "0"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "-"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "-1"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "9999999999999999999"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "1152921504606846976"),
        ("XAUTOCLAIM", "s", "g", "c", "x", "0"), ("XAUTOCLAIM", "s", "g", "c", "0", "x"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "(" + MAXID),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO"),
        ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT"),
        ("XAUTOCLAIM", "s", "zz", "c", "0", "0"), ("XAUTOCLAIM", "nokey", "g", "c", "0", "0"),
        ("XAUTOCLAIM", "s", "g", "c", "-10", "0", "JUSTID", "COUNT", "100"),
        ("XPENDING", "s", "g"), ("XINFO", "GROUPS", "s"),
        ("SET", "str", "x"), ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
        ("XAUTOCLAIM", "str", "g", "c", "x", "0"))


def test_xautoclaim_attempts_limit(compat):
    fill(compat, "s", 30)
    run(compat, ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "a", "0", "25-1", "IDLE", "1000000", "JUSTID"),
        # count 1: ten attempts, all too recent for min-idle: the cursor moves on anyway
        ("XAUTOCLAIM", "s", "g", "b", "500000", "0", "COUNT", "1", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "b", "500000", "11-1", "COUNT", "1", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "b", "500000", "21-1", "COUNT", "1", "JUSTID"),
        ("XAUTOCLAIM", "s", "g", "b", "500000", "26-1", "COUNT", "1", "JUSTID"))


# --- XINFO --------------------------------------------------------------------------------

def _mask_consumers(v):
    return [_set(c, b"idle", lambda x: 0) for c in v] if isinstance(v, list) else v


def _mask_full(v):
    if not isinstance(v, (list, dict)):
        return v

    def group(g):
        g = _set(g, b"pending", lambda p: [[e[0], e[1], e[3]] for e in p])
        return _set(g, b"consumers", lambda cs: [
            _set(_set(c, b"seen-time", lambda x: 0), b"pending",
                 lambda p: [[e[0], e[2]] for e in p]) for c in cs])
    return _set(v, b"groups", lambda gs: [group(g) for g in gs])


def test_xinfo(compat):
    fill(compat, "s", 12)
    run(compat,
        ("XINFO", "STREAM", "s"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
        ("XINFO", "STREAM", "s", "FOO"), ("XINFO", "STREAM", "s", "FULL", "COUNT"),
        ("XINFO", "STREAM", "s", "FULL", "FOO", "1"),
        ("XINFO", "STREAM", "s", "FULL", "COUNT", "1", "X"),
        ("XINFO", "STREAM", "nokey"), ("XINFO", "GROUPS", "nokey"),
        ("XINFO", "CONSUMERS", "nokey", "g"),
        ("XINFO", "GROUPS", "s"), ("XINFO", "CONSUMERS", "s", "zz"), ("XINFO", "FOO", "s"),
        ("XINFO", "STREAM"), ("XINFO", "GROUPS", "s", "x"), ("XINFO", "HELP", "x"),
        ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "B", "$"),
        ("XREADGROUP", "GROUP", "g", "zed", "COUNT", "3", "STREAMS", "s", ">"),
        ("XREADGROUP", "GROUP", "g", "amy", "COUNT", "11", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"), ("XINFO", "STREAM", "s"),
        ("SET", "str", "x"), ("XINFO", "STREAM", "str"), ("XINFO", "GROUPS", "str"),
        ("XINFO", "CONSUMERS", "str", "g"))
    for cmd in (("XINFO", "STREAM", "s", "FULL"), ("XINFO", "STREAM", "s", "FULL", "COUNT", "2"),
                ("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
                ("XINFO", "STREAM", "s", "FULL", "COUNT", "-4")):
        masked(compat, *cmd, mask=_mask_full)
    masked(compat, "XINFO", "CONSUMERS", "s", "g", mask=_mask_consumers)


def test_xinfo_radix_tree_on_many_entries(compat):
    with config(compat, "stream-node-max-entries", "4"):
        for i in range(1, 300, 3):
            compat.same("XADD", "s", "%d-%d" % (i * 977, i % 5), "f", "v")
        compat.same("XINFO", "STREAM", "s")
        compat.same("XTRIM", "s", "MAXLEN", "~", "150")
        compat.same("XDEL", "s", "%d-%d" % (200 * 977, 200 % 5))
        compat.same("XINFO", "STREAM", "s")


def test_entries_read_and_lag(compat):
    run(compat, ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"), ("XINFO", "GROUPS", "s"))
    fill(compat, "s", 5)
    run(compat,
        ("XGROUP", "CREATE", "s", "h", "$"), ("XGROUP", "CREATE", "s", "i", "3-1"),
        ("XGROUP", "CREATE", "s", "j", "0", "ENTRIESREAD", "2"), ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "4-1"), ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
        ("XINFO", "GROUPS", "s"),
        ("XREADGROUP", "GROUP", "i", "c", "STREAMS", "s", ">"), ("XINFO", "GROUPS", "s"),
        ("XDEL", "s", "1-1"), ("XINFO", "GROUPS", "s"),
        ("XTRIM", "s", "MAXLEN", "1"), ("XINFO", "GROUPS", "s"),
        ("XADD", "s", "9-1", "f", "v"), ("XINFO", "GROUPS", "s"),
        ("XGROUP", "SETID", "s", "j", "$"), ("XINFO", "GROUPS", "s"),
        ("XSETID", "s", "20-1", "ENTRIESADDED", "30", "MAXDELETEDID", "15-1"),
        ("XINFO", "GROUPS", "s"), ("XINFO", "STREAM", "s"))


# --- generic commands and events ----------------------------------------------------------

def test_generic_commands(compat):
    fill(compat, "s", 3)
    run(compat,
        ("XGROUP", "CREATE", "s", "g", "0"), ("TYPE", "s"), ("OBJECT", "ENCODING", "s"),
        ("SCAN", "0", "TYPE", "stream"), ("COPY", "s", "c"), ("XINFO", "GROUPS", "c"),
        ("XREADGROUP", "GROUP", "g", "x", "STREAMS", "c", ">"), ("XINFO", "GROUPS", "s"),
        ("XINFO", "GROUPS", "c"), ("RENAME", "c", "d"), ("XLEN", "d"), ("EXPIRE", "d", "100"),
        ("TTL", "d"), ("GET", "s"), ("LPUSH", "s", "x"), ("DEL", "s", "d"), ("EXISTS", "s"),
        ("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"), ("TYPE", "e"), ("XLEN", "e"),
        ("XTRIM", "e", "MAXLEN", "0"), ("EXISTS", "e"), ("XINFO", "STREAM", "e"),
        ("SORT", "e"), ("SORT_RO", "e"), ("SORT", "e", "BY", "nosort"), ("RPUSH", "l", "1"),
        ("SORT", "l", "GET", "e"), ("SORT", "l", "BY", "e->f"), ("HGET", "e", "f"),
        ("GETRANGE", "e", "0", "1"), ("OBJECT", "REFCOUNT", "e"), ("MOVE", "e", "1"),
        ("SELECT", "1"), ("XINFO", "GROUPS", "e"), ("COPY", "e", "e2", "DB", "0"), ("SELECT", "0"),
        ("TYPE", "e2"), ("RENAMENX", "e2", "l"), ("UNLINK", "e2"))


def _events(c, sub, cmds):
    out = []
    for cmd in cmds:
        out.append(c.cmd(*cmd))
    c.cmd("SET", "__end__", "1")
    for _ in range(500):
        v = sub.read().plain()
        if v[-1] == b"__end__" or v[2] == b"__keyevent@0__:set":
            break
        out.append(v[2:])
    return out


def test_keyspace_events(resp2_compat):
    compat = resp2_compat   # protocol-independent: compared once, in RESP2
    seq = [("XADD", "s", "1-1", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0"),
           ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"),
           ("XCLAIM", "s", "g", "c2", "0", "1-1", "JUSTID"),
           ("XAUTOCLAIM", "s", "g", "c3", "0", "0", "JUSTID"), ("XDEL", "s", "1-1"),
           ("XAUTOCLAIM", "s", "g", "c3", "0", "0"), ("XACK", "s", "g", "1-1"),
           ("XSETID", "s", "5-5"), ("XTRIM", "s", "MAXLEN", "0"), ("XADD", "s", "6-1", "a", "b"),
           ("XTRIM", "s", "MAXLEN", "0"), ("XGROUP", "SETID", "s", "g", "0"),
           ("XGROUP", "CREATECONSUMER", "s", "g", "c9"), ("XGROUP", "DELCONSUMER", "s", "g", "c9"),
           ("XGROUP", "DESTROY", "s", "g"), ("XADD", "s", "MAXLEN", "0", "7-1", "a", "b"),
           ("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM"), ("DEL", "t")]
    results = []
    for c in (compat.m, compat.r):
        c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEA")
        port = c.sock.getpeername()[1]
        sub = RawClient(port, 2, timeout=5)
        sub.cmd("PSUBSCRIBE", "__keyevent@0__:*")
        try:
            results.append(_events(c, sub, seq))
        finally:
            sub.close()
            c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
    assert results[0] == results[1]


# --- persistence: DUMP / RESTORE payloads and RDB files (RDB_TYPE_STREAM_LISTPACKS_2) ------

def _build_stream(c, key, groups=True, deletes=False):
    for i in range(1, 260):
        fields = ["f", "v%d" % i] if i % 5 else ["a", "1", "b", "x" * 30]
        c.cmd("XADD", key, "%d-%d" % (i * 1000, i % 3), *fields)
    if deletes:
        c.cmd("XDEL", key, "5000-2", "6000-0", "100000-1")
        c.cmd("XTRIM", key, "MAXLEN", "200")
    c.cmd("XSETID", key, "999999-1", "ENTRIESADDED", "500", "MAXDELETEDID", "100000-1")
    if groups:
        c.cmd("XGROUP", "CREATE", key, "g", "0")
        c.cmd("XGROUP", "CREATE", key, "h", "$", "ENTRIESREAD", "3")
        c.cmd("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", key, ">")
        c.cmd("XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", key, ">")
        c.cmd("XGROUP", "CREATECONSUMER", key, "g", "idle")


def test_node_left_without_live_entries(compat):
    # MINID trimming inside a node whose last (deleted) entry is past the threshold
    # leaves the node with no live entry: Redis keeps it, and so do we.
    fill(compat, "z", 3)
    run(compat, ("XDEL", "z", "3-1"), ("XTRIM", "z", "MINID", "3"), ("XINFO", "STREAM", "z"))
    if compat.proto == 2:
        mine, theirs = compat.m.cmd("DUMP", "z").v, compat.r.cmd("DUMP", "z").v
        assert compat.r.cmd("RESTORE", "from-mini", "0", mine).v == "OK"
        assert compat.m.cmd("RESTORE", "from-mini", "0", theirs).v == "OK"
        compat.same("XINFO", "STREAM", "from-mini")
    run(compat, ("XADD", "z", "4-1", "f", "v"), ("XINFO", "STREAM", "z"), ("XDEL", "z", "4-1"),
        ("XINFO", "STREAM", "z"))


def test_dump_payload_is_redis_payload(compat):
    with config(compat, "stream-node-max-entries", "7"):
        for c in (compat.m, compat.r):
            _build_stream(c, "s", groups=False)
            c.cmd("XADD", "e", "MAXLEN", "0", "5-5", "f", "v")
        compat.same("DUMP", "s")
        compat.same("DUMP", "e")


@pytest.mark.parametrize("deletes", [False, True], ids=["whole", "with-deletions"])
def test_dump_restore_both_ways(resp2_compat, deletes):
    compat = resp2_compat   # protocol-independent: compared once, in RESP2
    for c in (compat.m, compat.r):
        _build_stream(c, "s", deletes=deletes)
    mine, theirs = compat.m.cmd("DUMP", "s").v, compat.r.cmd("DUMP", "s").v
    assert compat.r.cmd("RESTORE", "from-mini", "0", mine).v == "OK"
    assert compat.m.cmd("RESTORE", "from-redis", "0", theirs).v == "OK"
    full = ("XINFO", "STREAM", "%s", "FULL", "COUNT", "0")
    fill_key = lambda k: [a % k if "%" in a else a for a in full]  # noqa: E731
    # Times (delivery, seen) travel in the payload: the restored copies are exact.
    assert compat.r.cmd(*fill_key("from-mini")) == compat.m.cmd(*fill_key("s"))
    assert compat.m.cmd(*fill_key("from-redis")) == compat.r.cmd(*fill_key("s"))
    for c, k in ((compat.m, "from-redis"), (compat.r, "s")):
        c.cmd("XADD", k, "1000000-1", "f", "v")
    assert compat.m.cmd("XINFO", "STREAM", "from-redis") == compat.r.cmd("XINFO", "STREAM", "s")


def test_rdb_file_both_ways(tmp_path):
    from support import start_miniredis, start_redis
    for first, second in ((start_miniredis, start_redis), (start_redis, start_miniredis)):
        d = tmp_path / first.__name__
        d.mkdir()
        a = first("--dir", d, "--dbfilename", "s.rdb")
        try:
            c = RawClient(a.port)
            _build_stream(c, "s", deletes=True)
            c.cmd("XADD", "empty", "MAXLEN", "0", "1-1", "f", "v")
            c.cmd("XGROUP", "CREATE", "empty", "g", "$")
            want = [c.cmd("XINFO", "STREAM", k, "FULL", "COUNT", "0") for k in ("s", "empty")]
            assert c.cmd("SAVE").v == "OK"
            c.close()
        finally:
            a.stop()
        b = second("--dir", d, "--dbfilename", "s.rdb")
        try:
            c = RawClient(b.port)
            got = [c.cmd("XINFO", "STREAM", k, "FULL", "COUNT", "0") for k in ("s", "empty")]
            c.close()
        finally:
            b.stop()
        assert got == want, first.__name__


def test_aof_rewrite_commands_recreate_the_stream(resp2_compat):
    """What persistence/aof.py writes for a stream (commands.streams.rewrite_commands),
    replayed on both servers, recreates the stream (seen times are replay times, as in Redis)."""
    compat = resp2_compat   # protocol-independent: compared once, in RESP2
    from miniredis.commands.streams import rewrite_commands
    from miniredis.persistence.rdb import restore_value
    _build_stream(compat.m, "s", deletes=True)
    compat.m.cmd("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM")
    compat.m.cmd("XADD", "e2", "MAXLEN", "0", "7-7", "f", "v")
    compat.m.cmd("XGROUP", "CREATECONSUMER", "e2", "g", "c")
    for key in ("s", "e", "e2"):
        value = restore_value(compat.m.cmd("DUMP", key).v)
        for argv in rewrite_commands(b"rw", value):
            compat.same(*argv)
        mask = _mask_seen_and_tree
        want = mask(compat.m.cmd("XINFO", "STREAM", key, "FULL", "COUNT", "0").plain())
        assert mask(compat.r.cmd("XINFO", "STREAM", "rw", "FULL", "COUNT", "0").plain()) == want
        assert mask(compat.m.cmd("XINFO", "STREAM", "rw", "FULL", "COUNT", "0").plain()) == want
        compat.same("DEL", "rw")


def _mask_seen_and_tree(v):
    v = _set(v, b"radix-tree-keys", lambda x: 0)
    v = _set(v, b"radix-tree-nodes", lambda x: 0)
    return _set(v, b"groups", lambda gs: [
        _set(g, b"consumers", lambda cs: [_set(c, b"seen-time", lambda x: 0) for c in cs])
        for g in gs])
