"""Typed values are opt-in per connection (project extension).

A connection sees typed replies only after ``HELLO 3 TYPED`` (or once it has
sent a typed value itself). Every other client -- redis-py in RESP2 or RESP3,
redis-cli, a raw RESP3 connection -- reads a stored number as the bulk string
of its decimal text, a big number likewise, and the other typed values
(booleans, null, arrays, maps, sets) as values of another type: WRONGTYPE for
GET & co, nil in MGET. The bundled client opts in only with ``typed=True`` and
only on a server that accepts the HELLO option (never on a real Redis).
"""

import pytest
import redis

from support import RawClient, Reply

from miniredis_client import DataError, Redis, WrongTypeError

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
VALUES = {"i": 5, "f": 1.5, "m": {b"a": [1, True]}, "t": True, "n": None, "s": [1, 2]}


@pytest.fixture
def stored(mini_server):
    """Typed values written by an opted-in bundled client; removed after."""
    c = Redis(port=mini_server.port, typed=True, socket_timeout=10)
    c.delete(*VALUES)
    for k, v in VALUES.items():
        assert c.set(k, v) is True
    yield c
    c.delete(*VALUES)
    c.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
def test_redis_py_never_sees_a_typed_value(stored, mini_server, protocol, decode):
    c = redis.Redis(port=mini_server.port, protocol=protocol, decode_responses=decode)
    try:
        text = (lambda b: b.decode()) if decode else (lambda b: b)
        assert c.get("i") == text(b"5") and c.get("f") == text(b"1.5")
        assert c.mget("i", "f", "m", "t", "n", "nokey") == [text(b"5"), text(b"1.5")] + [None] * 4
        for k in "mtns":
            with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
                c.get(k)
        assert c.incr("i") == 6 and c.get("i") == text(b"6")
        assert c.type("m") == text(b"map")   # TYPE names the value's own type
    finally:
        c.close()
    assert stored.get("i") == 6 and stored.get("m") == {b"a": [1, True]}


def test_raw_resp3_without_opt_in_reads_text(stored, mini_server):
    c = RawClient(mini_server.port, proto=3)
    try:
        assert c.cmd("GET", "i") == Reply("$", b"5")
        assert c.cmd("GETEX", "f") == Reply("$", b"1.5")
        assert c.cmd("GET", "t") == Reply("-", WRONGTYPE)
        assert c.cmd("GETDEL", "t") == Reply("-", WRONGTYPE)        # nothing deleted
        assert c.cmd("SET", "t", "x", "GET") == Reply("-", WRONGTYPE)
        assert c.cmd("GETSET", "n", "x") == Reply("-", WRONGTYPE)
        assert c.cmd("EXISTS", "t", "n").v == 2
        # Opting in: the same values come back typed.
        assert c.cmd("HELLO", "3", "TYPED").t == "%"
        assert c.cmd("GET", "i") == Reply(":", 5)
        assert c.cmd("GET", "t") == Reply("#", True)
        # A HELLO with a protocol and no TYPED, and RESET, opt out again.
        c.cmd("HELLO", "3")
        assert c.cmd("GET", "i") == Reply("$", b"5")
        c.cmd("HELLO", "3", "TYPED")
        c.cmd("RESET")
        c.cmd("HELLO", "3")
        assert c.cmd("GET", "i") == Reply("$", b"5")
    finally:
        c.close()


def test_big_numbers_read_as_text(mini_server):
    c = RawClient(mini_server.port, proto=3)
    plain = RawClient(mini_server.port, proto=3)
    try:
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n(12345678901234567890\r\n")
        assert c.read().v == "OK"
        assert c.cmd("GET", "big") == Reply("(", 12345678901234567890)   # it opted in by sending
        assert plain.cmd("GET", "big") == Reply("$", b"12345678901234567890")
        assert plain.cmd("MGET", "big") == Reply("*", [Reply("$", b"12345678901234567890")])
        c.cmd("DEL", "big")
    finally:
        c.close()
        plain.close()


def test_hello_typed_option(compat):
    m, r = compat.both("HELLO", "3", "TYPED")
    assert r.t == "-" and r.v == "ERR Syntax error in HELLO option 'TYPED'"
    assert m.t == "%"
    m, r = compat.both("HELLO", "2", "TYPED")
    assert m == Reply("-", "ERR typed values need RESP3: use HELLO 3 TYPED")
    m, r = compat.both("HELLO", "3", "TYPED", "bogus")
    assert m == Reply("-", "ERR Syntax error in HELLO option 'bogus'")
    compat.same_error("HELLO", "TYPED")   # options come after a protocol version


def test_bundled_client_plain_by_default(mini_server):
    c = Redis(port=mini_server.port, socket_timeout=10)
    try:
        assert c.set("q4p", 5) is True and c.get("q4p") == b"5"
        assert c.set("q4p", 0.25) is True and c.get("q4p") == b"0.25"
        for bad in (True, False, None, {"a": 1}, [1]):
            with pytest.raises(DataError, match="Invalid input of type"):
                c.set("q4p", bad)
        c.delete("q4p")
    finally:
        c.close()


def test_bundled_client_typed_only_on_miniredis(redis_server, mini_server):
    for srv, typed in ((redis_server, False), (mini_server, True)):
        c = Redis.from_url("redis://127.0.0.1:%d/0?typed=yes" % srv.port, socket_timeout=10)
        try:
            assert c.set("q4t", 5) is True
            assert c.get("q4t") == (5 if typed else b"5")
            if typed:
                assert c.set("q4t", {"a": None}) is True and c.get("q4t") == {b"a": None}
            else:
                with pytest.raises(DataError):
                    c.set("q4t", True)
            assert c.ping() is True
            c.delete("q4t")
        finally:
            c.close()


def test_typed_client_reads_typed_values_written_elsewhere(stored, mini_server):
    # A fresh typed connection that has sent nothing typed yet reads them typed.
    c = Redis(port=mini_server.port, typed=True, socket_timeout=10)
    try:
        assert c.mget("i", "t", "n") == [5, True, None]
        with pytest.raises(WrongTypeError):
            c.append("m", "x")
    finally:
        c.close()
