"""FUNCTION and FCALL over a socket, plus the DUMP payload format in process."""

import struct

import pytest

from support import Reply

from miniredis.errors import CommandError
from miniredis.scripting import functions as fn

LIB = ("#!lua name=lib\n"
       "redis.register_function('inc', function(keys) return redis.call('incr', keys[1]) end)\n"
       "redis.register_function{function_name='get', callback=function(keys) "
       "return redis.call('get', keys[1]) end, flags={'no-writes'}}")


@pytest.fixture
def rf(r):
    r.cmd("FUNCTION", "FLUSH")
    yield r
    r.cmd("FUNCTION", "FLUSH")


def test_load_and_call(rf):
    assert rf.cmd("FUNCTION", "LOAD", LIB) == Reply("$", b"lib")
    assert rf.cmd("FCALL", "inc", 1, "n") == Reply(":", 1)
    assert rf.cmd("FCALL", "INC", 1, "n") == Reply(":", 2)
    assert rf.cmd("FCALL_RO", "get", 1, "n") == Reply("$", b"2")
    assert rf.cmd("FCALL_RO", "inc", 1, "n").v == \
        "ERR Can not execute a script with write flag using *_ro command."
    listing = rf.cmd("FUNCTION", "LIST").plain()
    assert listing[0][:4] == [b"library_name", b"lib", b"engine", b"LUA"]
    assert sorted(f[1] for f in listing[0][5]) == [b"get", b"inc"]


def test_functions_survive_script_flush(rf):
    rf.cmd("FUNCTION", "LOAD", LIB)
    rf.cmd("SCRIPT", "FLUSH")
    assert rf.cmd("FCALL", "inc", 1, "n") == Reply(":", 1)


def test_failed_load_changes_nothing(rf):
    rf.cmd("FUNCTION", "LOAD", LIB)
    bad = LIB.replace("name=lib", "name=other") + "\nerror('late failure')"
    assert rf.cmd("FUNCTION", "LOAD", bad).t == "-"
    assert rf.cmd("FUNCTION", "STATS").plain()[3] == [b"LUA", [b"libraries_count", 1,
                                                               b"functions_count", 2]]
    assert rf.cmd("FUNCTION", "LOAD", "REPLACE", LIB.replace("'inc'", "'inc2'")) == Reply("$", b"lib")
    assert rf.cmd("FCALL", "inc", 1, "n").v == "ERR Function not found"


def test_dump_restore_roundtrip(rf):
    rf.cmd("FUNCTION", "LOAD", LIB)
    payload = rf.cmd("FUNCTION", "DUMP").v
    assert rf.cmd("FUNCTION", "FLUSH") == Reply("+", "OK")
    assert rf.cmd("FUNCTION", "RESTORE", payload) == Reply("+", "OK")
    assert rf.cmd("FCALL", "inc", 1, "n") == Reply(":", 1)
    assert rf.cmd("FUNCTION", "RESTORE", payload, "REPLACE") == Reply("+", "OK")


def test_payload_format():
    code = b"#!lua name=x\nredis.register_function('f', function() return 1 end)"
    payload = b"\xf5" + fn.rdb_string(code) + b"\x0a\x00"
    payload += struct.pack("<Q", fn.crc64(payload))
    assert fn.parse_payload(payload) == [code]
    assert fn.crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    with pytest.raises(CommandError):
        fn.parse_payload(payload[:-1] + b"\x00")
    big = b"x" * 20000
    assert fn._Reader(fn.rdb_string(big)).string() == big


def test_lzf_strings():
    # "aaaaaaaaaa": a literal 'a' then a back reference of length 9 at distance 1
    data = bytes([0, ord("a"), (7 << 5) | 0, 0, 0])
    assert fn.lzf_decompress(data, 10) == b"a" * 10
