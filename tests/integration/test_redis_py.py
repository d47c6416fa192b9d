"""redis-py as a third-party client: sync and asyncio, RESP2 and RESP3."""

import asyncio

import pytest
import redis
import redis.asyncio as aioredis


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def client(request, mini_server):
    c = redis.Redis(port=mini_server.port, protocol=request.param, socket_timeout=10)
    c.flushall()
    yield c
    c.close()


def test_basic_string_roundtrip(client):
    assert client.ping() is True
    assert client.set("k", "v") is True
    assert client.get("k") == b"v"
    assert client.get("missing") is None
    assert client.set("k", "w", nx=True) is None
    assert client.set("k", "w", xx=True, get=True) == b"v"
    assert client.delete("k", "missing") == 1
    assert client.exists("k") == 0


def test_binary_safe_values(client):
    blob = bytes(range(256)) * 40
    client.set(b"bin\x00key", blob)
    assert client.get(b"bin\x00key") == blob


def test_pipeline_in_order(client):
    with client.pipeline(transaction=False) as p:
        for i in range(200):
            p.set("p%d" % i, i)
        for i in range(200):
            p.get("p%d" % i)
        res = p.execute()
    assert res[:200] == [True] * 200
    assert res[200:] == [b"%d" % i for i in range(200)]


def test_errors_are_response_errors(client):
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get' command"):
        client.execute_command("GET")
    with pytest.raises(redis.ResponseError, match="unknown command 'NOPE'"):
        client.execute_command("NOPE", "x")
    # The connection is still usable after errors.
    assert client.ping() is True


def test_hello_reports_protocol(mini_server):
    c = redis.Redis(port=mini_server.port, protocol=3)
    info = c.execute_command("HELLO", "3")
    assert info[b"proto"] == 3 and info[b"version"] == b"7.0.15"
    c.close()


def test_connection_pool_many_clients(mini_server):
    pool = redis.ConnectionPool(port=mini_server.port, max_connections=20)
    clients = [redis.Redis(connection_pool=pool) for _ in range(5)]
    for i, c in enumerate(clients):
        c.set("pool%d" % i, i)
    assert [int(c.get("pool%d" % i)) for i, c in enumerate(clients)] == list(range(5))
    pool.disconnect()


@pytest.mark.parametrize("proto", [2, 3])
def test_asyncio_client(mini_server, proto):
    async def main():
        c = aioredis.Redis(port=mini_server.port, protocol=proto)
        try:
            await c.set("a", "1")
            results = await asyncio.gather(*[c.incr("a") for _ in range(50)])
            assert sorted(results) == list(range(2, 52))
            assert await c.get("a") == b"51"
            async with c.pipeline(transaction=False) as p:
                p.set("b", "x").get("b")
                assert await p.execute() == [True, b"x"]
        finally:
            await c.aclose()
    asyncio.run(asyncio.wait_for(main(), 30))


def test_large_pipeline_written_before_any_reply_is_read(mini_server):
    """redis-py writes a whole pipeline before reading: the server must keep reading
    while its replies wait for the client (no deadlock on full socket buffers)."""
    c = redis.Redis(port=mini_server.port, socket_timeout=30)
    value = b"v" * 4096
    with c.pipeline(transaction=False) as p:
        for i in range(3000):
            p.set("big%d" % i, value)
        for i in range(3000):
            p.get("big%d" % i)
        res = p.execute()
    assert res[:3000] == [True] * 3000
    assert res[3000:] == [value] * 3000
    c.close()
