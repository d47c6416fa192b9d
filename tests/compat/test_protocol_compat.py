"""Raw protocol edge cases, byte for byte against the reference redis-server.

Each payload is sent on a fresh connection to both servers; the bytes that
come back and whether the server closed the connection must be identical.
After every payload the server must still answer another client and keep
earlier data.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from support import RawClient

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
