"""MULTI / EXEC / DISCARD / WATCH / UNWATCH against the reference redis-server (RESP2 and RESP3).

Each scenario runs its steps, client by client, on both servers and compares
every reply: queueing, EXECABORT shapes, errors inside EXEC, WATCH invalidated
by another client, FLUSHDB, SWAPDB, RENAME and expiry.
"""

import time

import pytest

from support import RawClient


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def tx(request, mini_server, redis_server):
    """run(steps): steps are (client number, command...) run on both servers; replies compared."""
    proto = request.param
    opened = []

    def run(steps, clients=2):
        results = []
        for srv in (mini_server, redis_server):
            cs = [RawClient(srv.port, proto) for _ in range(clients)]
            opened.extend(cs)
            cs[0].cmd("FLUSHALL")
            results.append([_step(cs, step) for step in steps])
        for step, m, r in zip(steps, *results):
            assert m == r, "%r: miniredis %r != redis %r (RESP%d)" % (step, m, r, proto)
        return results[0]

    yield run
    for c in opened:
        c.close()


def _step(clients, step):
    if step[0] == "sleep":   # a few milliseconds for a short TTL to pass (bounded)
        time.sleep(step[1])
        return None
    return clients[step[0]].cmd(*step[1:])


def test_queue_and_exec(tx):
    tx([(0, "MULTI"), (0, "SET", "a", "1"), (0, "INCR", "a"), (0, "LPUSH", "a", "x"),
        (0, "GET", "a"), (0, "HSET", "h", "f", "v"), (0, "HGETALL", "h"), (0, "EXEC"),
        (0, "GET", "a")])


def test_empty_exec_and_discard(tx):
    tx([(0, "MULTI"), (0, "EXEC"), (0, "MULTI"), (0, "SET", "a", "1"), (0, "DISCARD"),
        (0, "GET", "a"), (0, "EXEC"), (0, "DISCARD")])


def test_errors_while_queueing_abort(tx):
    tx([(0, "MULTI"), (0, "SET", "a", "1"), (0, "NOSUCHCMD", "x"), (0, "SET", "b", "2"),
        (0, "EXEC"), (0, "EXISTS", "a", "b"), (0, "EXEC")])
    tx([(0, "MULTI"), (0, "GET"), (0, "EXEC")])
    tx([(0, "MULTI"), (0, "CLIENT", "NOSUCH"), (0, "EXEC")])
    tx([(0, "MULTI"), (0, "WATCH"), (0, "EXEC")])
    tx([(0, "MULTI"), (0, "MULTI", "x"), (0, "EXEC")])
    tx([(0, "MULTI"), (0, "SET", "a", "1"), (0, "DISCARD", "x"), (0, "EXEC")])


def test_commands_refused_in_multi(tx):
    tx([(0, "MULTI"), (0, "SET", "a", "1"), (0, "SHUTDOWN"), (0, "EXEC"), (0, "GET", "a")])


def test_exec_refused_ends_the_transaction(tx):
    tx([(0, "MULTI"), (0, "SET", "a", "1"), (0, "EXEC", "x"), (0, "EXEC"), (0, "GET", "a")])
    tx([(0, "EXEC", "x"), (0, "DISCARD", "x")])


def test_nested_multi_and_watch_inside(tx):
    tx([(0, "MULTI"), (0, "MULTI"), (0, "SET", "a", "1"), (0, "WATCH", "a"), (0, "EXEC"),
        (0, "GET", "a")])


def test_runtime_errors_are_elements(tx):
    tx([(0, "SET", "s", "x"), (0, "MULTI"), (0, "INCR", "s"), (0, "LPUSH", "s", "1"),
        (0, "SET", "t", "1"), (0, "EXPIRE", "t", "abc"), (0, "INCRBYFLOAT", "t", "1.5"),
        (0, "EXEC")])


def test_blocking_commands_do_not_block(tx):
    tx([(0, "MULTI"), (0, "BLPOP", "l", "0"), (0, "BRPOPLPUSH", "l", "m", "0"),
        (0, "BZPOPMIN", "z", "0"), (0, "BLMPOP", "0", "1", "l", "LEFT"), (0, "RPUSH", "l", "a"),
        (0, "BLPOP", "l", "0"), (0, "EXEC")])


def test_select_inside(tx):
    tx([(0, "MULTI"), (0, "SELECT", "3"), (0, "SET", "a", "1"), (0, "EXEC"), (0, "GET", "a"),
        (0, "SELECT", "0"), (0, "GET", "a")])


def test_watch_touched_by_another_client(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "SET", "w", "2"), (0, "MULTI"),
        (0, "GET", "w"), (0, "EXEC"), (0, "MULTI"), (0, "GET", "w"), (0, "EXEC")])


def test_watch_touched_by_own_write_and_unwatch(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "APPEND", "w", "x"), (0, "MULTI"),
        (0, "PING"), (0, "EXEC")])
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "SET", "w", "1"), (0, "UNWATCH"),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_untouched_reads_and_noops(tx):
    tx([(0, "SET", "w", "1"), (0, "RPUSH", "l", "a"), (0, "WATCH", "w", "l", "nokey"),
        (1, "GET", "w"), (1, "LREM", "l", "0", "zz"), (1, "DEL", "nokey"), (1, "PERSIST", "w"),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_each_container_write(tx):
    for write in (("RPUSH", "k", "b"), ("HSET", "h", "f", "2"), ("SADD", "s", "n"),
                  ("ZADD", "z", "2", "n"), ("EXPIRE", "k", "100"), ("DEL", "h"),
                  ("RENAME", "k", "k2"), ("RENAME", "s", "k"), ("LPOP", "k")):
        key = write[1]
        tx([(0, "RPUSH", "k", "a"), (0, "HSET", "h", "f", "1"), (0, "SADD", "s", "m"),
            (0, "ZADD", "z", "1", "m"), (0, "WATCH", key if write[0] != "RENAME" else write[2]),
            (1,) + write, (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_flush_and_swapdb(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "FLUSHDB"), (0, "MULTI"), (0, "PING"),
        (0, "EXEC")])
    tx([(0, "WATCH", "nokey"), (1, "FLUSHALL"), (0, "MULTI"), (0, "PING"), (0, "EXEC")])
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "FLUSHALL"), (0, "MULTI"), (0, "PING"),
        (0, "EXEC")])
    tx([(1, "SELECT", "1"), (1, "SET", "w", "x"), (0, "WATCH", "w"), (1, "SWAPDB", "0", "1"),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])
    tx([(0, "WATCH", "w"), (1, "SWAPDB", "0", "1"), (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_other_database_key_is_not_this_one(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (1, "SELECT", "2"), (1, "SET", "w", "2"),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_key_already_expired(tx):
    tx([(0, "SET", "e", "1", "PX", "1"), ("sleep", 0.01), (0, "WATCH", "e"),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_key_expiring_after_watch(tx):
    tx([(0, "SET", "e", "1", "PX", "30"), (0, "WATCH", "e"), ("sleep", 0.05),
        (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_watch_survives_discard_but_not_exec(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "MULTI"), (0, "DISCARD"),
        (1, "SET", "w", "2"), (0, "MULTI"), (0, "PING"), (0, "EXEC")])
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "MULTI"), (0, "EXEC"),
        (1, "SET", "w", "2"), (0, "MULTI"), (0, "PING"), (0, "EXEC")])


def test_reset_clears_multi_and_watch(tx):
    tx([(0, "SET", "w", "1"), (0, "WATCH", "w"), (0, "MULTI"), (0, "SET", "a", "1"),
        (0, "RESET"), (0, "EXEC"), (1, "SET", "w", "2"), (0, "MULTI"), (0, "PING"),
        (0, "EXEC"), (0, "GET", "a")])


def test_client_list_shows_multi(mini_server):
    c = RawClient(mini_server.port)
    try:
        c.cmd("MULTI")
        c.cmd("SET", "a", "1")
        assert c.cmd("CLIENT", "INFO").v == "QUEUED"
        info = c.cmd("EXEC").v[1].v.decode()
        assert " flags=x " not in info and "multi=-1" in info
        c.cmd("SET", "w", "1")
        c.cmd("WATCH", "w")
        c.cmd("MULTI")
        c.cmd("SET", "a", "1")
        other = RawClient(mini_server.port)
        other.cmd("SET", "w", "2")
        listing = other.cmd("CLIENT", "LIST").v.decode()
        other.close()
        mine = [ln for ln in listing.splitlines() if " flags=xd " in ln]
        assert len(mine) == 1 and " multi=1 " in mine[0]
    finally:
        c.close()
