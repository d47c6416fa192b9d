"""Connection commands against the reference server, both protocols."""

import pytest

from support import RawClient, server_pair


def test_ping_echo(compat):
    compat.same("PING")
    compat.same("PING", "hello")
    compat.same_error("PING", "a", "b")
    compat.same("ECHO", "x y")
    compat.same("ECHO", "")
    compat.same_error("ECHO")
    compat.same_error("ECHO", "a", "b")
    compat.same("ping")
    compat.same("pInG")


def test_select(compat):
    compat.same("SELECT", "1")
    compat.same("SET", "k", "in-db1")
    compat.same("SELECT", "0")
    compat.same("GET", "k")
    compat.same("SELECT", "15")
    compat.same_error("SELECT", "16")
    compat.same_error("SELECT", "-1")
    compat.same_error("SELECT", "x")
    compat.same_error("SELECT", "1.5")
    compat.same("SELECT", "0")


def test_hello_errors(compat):
    compat.same_error("HELLO", "4")
    compat.same_error("HELLO", "1")
    compat.same_error("HELLO", "x")
    compat.same_error("HELLO", "3", "FOO")
    compat.same_error("HELLO", "3", "AUTH", "default")
    compat.same_error("HELLO", "3", "SETNAME", "a b")
    compat.same_error("HELLO", "3", "AUTH", "default", "wrong-but-nopass-accepts", "SETNAME", "bad name")
    # Found by the fuzzer: the option text stops at a NUL; options act in order.
    compat.same_error("HELLO", "3", "foo\x00bar")
    compat.same_error("HELLO", "2", "AUTH", "nosuch", "x", "FOO")
    compat.same_error("HELLO", "2", "SETNAME", "a b", "AUTH", "nosuch", "x")
    compat.same_error("HELLO", "2", "SETNAME", "kept", "FOO")
    compat.same("CLIENT", "GETNAME")


def _hello_without_id(reply):
    assert reply.t in "%*"
    items = reply.v if reply.t == "%" else list(zip(reply.v[0::2], reply.v[1::2]))
    return [(k, v) for k, v in items if k.v != b"id"]


@pytest.mark.parametrize("proto", ["2", "3"])
def test_hello_reply_shape(mini_server, redis_server, proto):
    m = RawClient(mini_server.port)
    r = RawClient(redis_server.port)
    assert _hello_without_id(m.cmd("HELLO", proto)) == _hello_without_id(r.cmd("HELLO", proto))
    # After HELLO the connection speaks the new protocol.
    assert m.cmd("HELLO") .t == r.cmd("HELLO").t
    m.close()
    r.close()


def test_auth_without_password_configured(compat):
    compat.same_error("AUTH", "x")
    compat.same_error("AUTH", "a", "b", "c")
    compat.same("AUTH", "default", "anything")
    compat.same_error("AUTH", "nobody", "x")


def test_reset(compat):
    compat.same("SELECT", "2")
    compat.same("CLIENT", "SETNAME", "before")
    compat.same("RESET")
    compat.same("CLIENT", "GETNAME")
    compat.same("SET", "k", "v")
    compat.same("SELECT", "0")
    compat.same("GET", "k")


def test_quit_closes_after_ok(mini_server, redis_server):
    for port in (mini_server.port, redis_server.port):
        c = RawClient(port)
        c.send_raw(b"PING\r\nQUIT\r\nPING\r\n")
        data, closed = c.read_until_closed(2.0)
        assert (data, closed) == (b"+PONG\r\n+OK\r\n", True)
        c.close()


@pytest.fixture(scope="module")
def pw_servers():
    with server_pair("--requirepass", "s3cret") as pair:
        yield pair


@pytest.mark.parametrize("script", [
    [("GET", "k"), ("AUTH", "wrong"), ("AUTH", "default", "wrong"), ("AUTH", "s3cret"),
     ("SET", "k", "v"), ("GET", "k")],
    [("PING",), ("ECHO", "x"), ("HELLO", "3"), ("HELLO", "3", "AUTH", "default", "nope"),
     ("HELLO", "2", "AUTH", "default", "s3cret"), ("PING",)],
    # AUTH inside HELLO takes effect even when a later option is bad.
    [("HELLO", "2", "AUTH", "default", "s3cret", "FOO"), ("PING",)],
    [("HELLO", "2", "SETNAME", "a b", "AUTH", "default", "s3cret"), ("PING",)],
    [("AUTH", "default", "s3cret"), ("RESET",), ("GET", "k"), ("QUIT",)],
    [("SELECT", "1"), ("CLIENT", "ID"), ("AUTH", "s3cret"), ("SELECT", "1")],
])
def test_requirepass(pw_servers, script):
    m_srv, r_srv = pw_servers
    m, r = RawClient(m_srv.port), RawClient(r_srv.port)
    for cmd in script:
        mr, rr = m.cmd(*cmd), r.cmd(*cmd)
        if cmd == ("CLIENT", "ID"):
            assert mr.t == rr.t
            continue
        if cmd[0] == "HELLO" and mr.t in "%*":
            assert rr.t == mr.t
            continue
        assert mr == rr, cmd
    m.close()
    r.close()


def test_unauthenticated_big_multibulk_rejected(pw_servers):
    for srv in pw_servers:
        c = RawClient(srv.port)
        c.send_raw(b"*20\r\n")
        data, closed = c.read_until_closed(2.0)
        assert data == b"-ERR Protocol error: unauthenticated multibulk length\r\n" and closed
        c.close()


def test_client_reply_off_skip_on(mini_server, redis_server):
    """CLIENT REPLY: the replies that come back, byte for byte, match Redis'."""
    stream = (b"CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n"
              b"CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\nCLIENT REPLY x\r\nPING\r\n")
    got = []
    for port in (mini_server.port, redis_server.port):
        c = RawClient(port)
        c.cmd("DEL", "a")
        c.send_raw(stream)
        data, _ = c.read_until_closed(0.5)
        got.append(data)
        c.close()
    assert got[0] == got[1]
    assert got[0].startswith(b"+OK\r\n$1\r\n1\r\n$5\r\nshown\r\n")


def test_error_texts_keep_user_bytes_and_stop_at_nul(compat):
    compat.same_error("CLIENT", "nosuch\x00tail")
    compat.same_error("NOSUCH\x00CMD", "a\x00b")
    compat.same_error("CLIENT", "b\xffd")
    compat.same_error("ECHO")
    compat.same("SCAN", "0\x00junk")
