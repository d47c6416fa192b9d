"""SORT and SORT_RO over a real socket (the differential tests are in tests/compat)."""

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.commands.sort import _score
from miniredis.registry import COMMANDS

lists = pytest.mark.skipif("rpush" not in COMMANDS, reason="miniredis lacks rpush")


def vals(reply):
    return [x.v for x in reply.v]


def test_set_numeric_alpha_desc_limit(r):
    r.cmd("SADD", "s", "10", "-2", "3.5", "0x10", "1e2")
    assert vals(r.cmd("SORT", "s")) == [b"-2", b"3.5", b"10", b"0x10", b"1e2"]
    assert vals(r.cmd("SORT", "s", "DESC", "LIMIT", "1", "2")) == [b"0x10", b"10"]
    assert vals(r.cmd("SORT", "s", "ALPHA")) == [b"-2", b"0x10", b"10", b"1e2", b"3.5"]
    assert vals(r.cmd("SORT_RO", "s", "ALPHA", "DESC", "LIMIT", "0", "1")) == [b"3.5"]


def test_by_and_get_hash_fields(r):
    r.cmd("SADD", "users", "1", "2", "3")
    r.cmd("HSET", "user:1", "name", "ann", "age", "40")
    r.cmd("HSET", "user:2", "name", "bob", "age", "25")
    r.cmd("HSET", "user:3", "name", "cyd")
    assert vals(r.cmd("SORT", "users", "BY", "user:*->age", "GET", "user:*->name", "GET", "#")) == [
        b"cyd", b"3", b"bob", b"2", b"ann", b"1"]
    assert vals(r.cmd("SORT", "users", "BY", "user:*->name", "ALPHA", "DESC",
                      "GET", "user:*->age")) == [None, b"25", b"40"]


def test_missing_get_is_null_in_resp3(r3):
    r3.cmd("SADD", "s", "1")
    reply = r3.cmd("SORT", "s", "GET", "nokey_*", "GET", "#")
    assert [(x.t, x.v) for x in reply.v] == [("_", None), ("$", b"1")]


def test_nosort_on_a_sorted_set_pages_by_rank(r):
    r.cmd("ZADD", "z", "3", "c", "1", "a", "2", "b", "4", "d")
    assert vals(r.cmd("SORT", "z", "BY", "nosort")) == [b"a", b"b", b"c", b"d"]
    assert vals(r.cmd("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2")) == [b"c", b"b"]
    assert r.cmd("OBJECT", "ENCODING", "z").v == b"skiplist"


def test_errors(r):
    r.cmd("SET", "str", "x")
    r.cmd("SADD", "s", "a")
    assert r.cmd("SORT", "str").v.startswith("WRONGTYPE")
    assert r.cmd("SORT", "str", "BAD").v == "ERR syntax error"
    assert r.cmd("SORT_RO", "s", "STORE", "d").v == "ERR syntax error"
    assert r.cmd("SORT", "s", "LIMIT", "x", "1").v == "ERR value is not an integer or out of range"
    assert r.cmd("SORT", "s").v == "ERR One or more scores can't be converted into double"
    assert r.cmd("SORT", "nokey").v == []


def test_store_of_nothing_deletes_the_destination(r):
    r.cmd("SET", "dst", "v")
    assert r.cmd("SORT", "nokey", "STORE", "dst").v == 0
    assert r.cmd("EXISTS", "dst").v == 0


@lists
def test_store_writes_a_list(r):
    r.cmd("SADD", "s", "3", "1", "2")
    r.cmd("SET", "dst", "v", "EX", "100")
    assert r.cmd("SORT", "s", "DESC", "STORE", "dst").v == 3
    assert r.cmd("TYPE", "dst").v == "list"
    assert r.cmd("TTL", "dst").v == -1
    assert vals(r.cmd("LRANGE", "dst", "0", "-1")) == [b"3", b"2", b"1"]
    # Without sorting, a set is stored sorted ALPHA (its own order is arbitrary).
    r.cmd("SADD", "w", "b", "c", "a")
    assert r.cmd("SORT", "w", "BY", "nosort", "STORE", "dst").v == 3
    assert vals(r.cmd("LRANGE", "dst", "0", "-1")) == [b"a", b"b", b"c"]


@lists
def test_list_nosort_desc_limit(r):
    r.cmd("RPUSH", "l", "c", "a", "d", "b")
    assert vals(r.cmd("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2")) == [b"d", b"a"]
    assert vals(r.cmd("SORT", "l", "ALPHA", "LIMIT", "1", "2")) == [b"b", b"c"]


def test_a_large_set_sorts(r):
    members = [str(i) for i in range(5000)]
    for i in range(0, len(members), 1000):
        r.cmd("SADD", "big", *members[i:i + 1000])
    reply = r.cmd("SORT", "big", "DESC", "LIMIT", "0", "3")
    assert vals(reply) == [b"4999", b"4998", b"4997"]


@pytest.mark.parametrize("text, value", [
    (b"", 0.0), (b"\x00junk", 0.0), (b" \t7", 7.0), (b"0x10", 16.0), (b"-inf", float("-inf")),
    (b"5.", 5.0), (b".5", 0.5), (b"0x1p-1074", 5e-324), (b"0e-999", 0.0), (b"1e308", 1e308),
])
def test_score_accepts_what_strtod_reads_whole(text, value):
    assert _score(text) == value


@pytest.mark.parametrize("text", [
    b"5 ", b" ", b"nan", b"1e", b".", b"1_0", b"1e400", b"1e-400", b"1e-310", b"0x1p1024",
    b"0x1.8p-1074", b"0x", b"\xa05", b"infinit",
])
def test_score_refuses_what_redis_refuses(text):
    assert _score(text) is None
