"""Raw protocol edge cases, byte for byte against the reference redis-server.

Each payload is sent on a fresh connection to both servers; the bytes that
come back and whether the server closed the connection must be identical.
After every payload the server must still answer another client and keep
earlier data.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from support import RawClient, start_miniredis

PAYLOADS = [
    b"PING\r\n",
    b"PING\n",
    b"\r\n\r\nPING\r\n",
    b"   PING   \r\n",
    b"ECHO hello\r\n",
    b"ECHO \"a b\"\r\n",
    b"ECHO 'a\\'b'\r\n",
    b"ECHO \"\\x41\\x4a\\n\"\r\n",
    b"ECHO \"\\xZZ\"\r\n",
    b"ECHO \"a\"b\r\n",
    b"SET \"a b\r\n",
    b"SET 'a b\r\n",
    b"FOO a b\r\n",
    b"*1\r\n+PING\r\n",
    b"*1\r\n:1\r\n",
    b"*03\r\n",
    b"*x\r\n",
    b"*\r\n",
    b"*-1\r\nPING\r\n",
    b"*0\r\nPING\r\n",
    b"*1\r\n$04\r\nPING\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$\r\n",
    b"*1\r\n$x\r\n",
    b"*1\r\n$536870913\r\n",
    b"*1\r\n$4\r\nPINGxxPING\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n",
    b"PING\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n*1\r\n+PING\r\n",
    b"x" * 70000,
    b"*" + b"1" * 70000,
    b"*1\r\n$" + b"1" * 70000,
    b"*1\r\n$4\r\nPI",
    b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"Host: example.com\r\n",
    b"*1\r\n$4\r\nPOST\r\n",
    b"PING\r\nPOST /\r\nPING\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n",
    b"GET\r\n",
    b"get a b\r\n",
    b"*2\r\n$3\r\nget\r\n$1\r\nk\r\n",
    b"*2\r\n$3\r\nSET\r\n%1\r\n+a\r\n:1\r\n",
    b"\x00\x01\x02\r\n",
    b"ECHO \"\r\n",
]


def _exchange(port, payload):
    c = RawClient(port)
    c.send_raw(payload)
    data, closed = c.read_until_closed(timeout=0.3)
    c.close()
    return data, closed


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: repr(p[:30]))
def test_raw_payload_same_as_redis(mini_server, redis_server, payload):
    ok = RawClient(mini_server.port)
    ok.cmd("SET", "survivor", "still-here")
    # Both exchanges wait for a quiet period: run them side by side.
    with ThreadPoolExecutor(2) as pool:
        fm = pool.submit(_exchange, mini_server.port, payload)
        fr = pool.submit(_exchange, redis_server.port, payload)
        m, r = fm.result(), fr.result()
    assert m == r
    # The server survives and other clients and data are unaffected.
    assert ok.cmd("GET", "survivor").v == b"still-here"
    ok.close()


def test_split_request_across_reads(mini_server, redis_server):
    """A request arriving a byte at a time is answered once it is whole."""
    for port in (mini_server.port, redis_server.port):
        c = RawClient(port)
        req = b"*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n"
        for i in range(len(req)):
            c.send_raw(req[i:i + 1])
        assert c.read().v == "OK"
        assert c.read().v == b"value"
        c.close()


# Cases from Redis' own protocol tests, same byte-for-byte comparison.
REDIS_SUITE_PAYLOADS = [
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
    b"*1\r\nfoo\r\n",
    b"*20000000\r\n",
    b"*-10\r\nPING\r\n",
    b"PING x y z\r\n",
    b'set """test-key""" test-value\r\n',
    b'set "test-key" """test-value"""\r\n',
    b"PING\rPING\r\n",
    b"*1\r\n$4\r\nPING\n\n",
    b"*1\n$4\r\nPING\r\n",
    b"*1\r\n$4\nPING\r\n",
    b"*1 \r\n$4\r\nPING\r\n",
    b"*+1\r\n$4\r\nPING\r\n",
    b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
    b"*2\r\n$4\r\nECHO\r\n$-0\r\n\r\n",
    b"ECHO 'it''s'\r\n",
    b"ECHO a\x0bb\r\n",
    b"HELLO 9\r\nHELLO x\r\nPING\r\n",
]


@pytest.mark.parametrize("payload", REDIS_SUITE_PAYLOADS, ids=lambda p: repr(p[:30]))
def test_redis_suite_payload_same_as_redis(mini_server, redis_server, payload):
    test_raw_payload_same_as_redis(mini_server, redis_server, payload)


@pytest.mark.parametrize("seq", [b"\x00", b"*\x00", b"$\x00"])
def test_protocol_desync_closes_with_protocol_error(mini_server, redis_server, seq):
    """Garbage that never forms a request ends in a protocol error, not a growing buffer."""
    chunk = b"payload" * 150  # never a line end: the request can only grow
    for port in (mini_server.port, redis_server.port):
        c = RawClient(port)
        c.send_raw(seq)
        try:
            for _ in range(100):  # bounded: Redis gives up after 64 KiB without a line end
                c.send_raw(chunk)
        except OSError:
            pass
        data, closed = c.read_until_closed(2.0)
        assert b"Protocol error" in data and closed, (port, data)
        c.close()


def test_out_of_range_multibulk_length(redis_server, tmp_path):
    """'*3000000000' is refused at once (own server: a failure here must not hang the others)."""
    srv = start_miniredis(cwd=str(tmp_path))
    try:
        for port in (srv.port, redis_server.port):
            assert _exchange(port, b"*3000000000\r\n") == (
                b"-ERR Protocol error: invalid multibulk length\r\n", True)
    finally:
        srv.stop()
