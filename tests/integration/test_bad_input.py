"""Bad input never crashes, hangs or loses data, and never affects other clients."""

import socket
import time

import pytest

from support import RawClient, encode_command, start_miniredis


@pytest.fixture
def server():
    s = start_miniredis()
    yield s
    s.stop()


def _closed_with(port, payload, timeout=3.0):
    c = RawClient(port)
    c.send_raw(payload)
    data, closed = c.read_until_closed(timeout)
    c.close()
    return data, closed


def test_query_buffer_limit_drops_only_that_client(server):
    keeper = RawClient(server.port)
    keeper.cmd("SET", "kept", "yes")
    assert keeper.cmd("CONFIG", "SET", "client-query-buffer-limit", "1mb").v == "OK"
    c = RawClient(server.port)
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5000000\r\n")
    chunk = b"x" * 65536
    closed = False
    deadline = time.time() + 10
    sent = 0
    try:
        while time.time() < deadline and sent < 4_000_000:
            c.sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        closed = True
    if not closed:
        data, closed = c.read_until_closed(3.0)
        assert data == b""
    assert closed
    c.close()
    assert keeper.cmd("GET", "kept").v == b"yes"
    assert keeper.cmd("PING").v == "PONG"
    keeper.close()


def test_proto_max_bulk_len_is_configurable(server):
    keeper = RawClient(server.port)
    assert keeper.cmd("CONFIG", "SET", "proto-max-bulk-len", "2mb").v == "OK"
    data, closed = _closed_with(server.port, b"*2\r\n$4\r\nECHO\r\n$3000000\r\n")
    assert data == b"-ERR Protocol error: invalid bulk length\r\n" and closed
    keeper.close()


def test_garbage_bytes_do_not_hurt_the_server(server):
    keeper = RawClient(server.port)
    keeper.cmd("SET", "kept", "yes")
    payloads = [bytes(range(256)), b"\xff" * 1000, b"*\r\n" * 50, b"$$$$\r\n",
                b"*2\r\n$3\r\nGET\r\n", b"\r\n" * 1000, b"*1\r\n$1\r\n\xff\xfe\r\n"]
    for p in payloads:
        c = RawClient(server.port)
        c.send_raw(p)
        c.read_until_closed(0.3)
        c.close()
    assert keeper.cmd("GET", "kept").v == b"yes"
    keeper.close()


def test_client_disconnecting_mid_request(server):
    keeper = RawClient(server.port)
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$100\r\nabc")
        s.close()
    assert keeper.cmd("EXISTS", "half").v == 0
    assert keeper.cmd("PING").v == "PONG"
    keeper.close()


def test_large_value_roundtrip(server):
    c = RawClient(server.port)
    value = b"v" * (3 * 1024 * 1024 + 7)
    assert c.cmd("SET", "big", value).v == "OK"
    assert c.cmd("GET", "big").v == value
    c.close()


def test_large_values_trickled_in_pieces_while_others_are_served(server):
    # Large arguments arriving a piece at a time (split inside values, headers
    # and closing CRLFs) are gathered exactly; the trickling client holds up
    # no one, and its pipeline's replies come in order.
    values = [bytes(range(256)) * 200 + b"\r\n*1\r\n", b"$5\r\n" * 20000, b"x" * 40000]
    pipeline = [("MSET", "a", values[0], "b", values[1]), ("APPEND", "c", values[2]),
                ("GET", "a"), ("STRLEN", "b")]
    data = b"".join(encode_command(c) for c in pipeline)
    slow = RawClient(server.port)
    other = RawClient(server.port)
    for i, at in enumerate(range(0, len(data), 7919)):
        slow.send_raw(data[at:at + 7919])
        if i % 4 == 0:
            assert other.cmd("INCR", "n").v == i // 4 + 1
    assert [r.v for r in (slow.read() for _ in pipeline)] == [
        "OK", len(values[2]), values[0], len(values[1])]
    assert other.cmd("GET", "c").v == values[2]
    slow.close()
    other.close()
