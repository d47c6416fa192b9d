"""The RDB codec in-process: compact encodings, file round trips, typed values,
expiry on load, corruption reports, DUMP payload round trips.

Byte-level agreement with real Redis is proven in tests/compat/test_rdb_compat.py
and tests/compat/test_dump_compat.py; these tests pin the codec's own contract.
"""

import io
import struct

import pytest

from miniredis.config import Config
from miniredis.datatypes import TypedValue
from miniredis.keyspace import Keyspace
from miniredis.persistence import encodings as enc
from miniredis.persistence.checksum import crc64
from miniredis.persistence.rdb import (
    PayloadError, RDBError, dump_value, load_rdb, restore_value, write_rdb, encode_string)
from miniredis.replies import Bool, Map, Set, BigNumber, NULL, Double
from miniredis.values.hashvalue import HashValue
from miniredis.values.listvalue import ListValue
from miniredis.values.setvalue import SetValue
from miniredis.values.zsetvalue import ZSetValue

CFG = Config()
NOW = 1700000000000


def clock():
    return NOW


def roundtrip(ks, **kw):
    f = io.BytesIO()
    write_rdb(f, ks, **kw)
    back = Keyspace(clock=clock)
    aux = load_rdb(io.BytesIO(f.getvalue()), back, config=CFG)
    return back, aux, f.getvalue()


def sample_keyspace():
    ks = Keyspace(clock=clock)
    db = ks.dbs[0]
    db.data[b"s"] = b"hello"
    db.data[b"n"] = b"-123"
    db.data[b"long"] = b"abc" * 50
    db.data[b"bin"] = bytes(range(256))
    db.data[b"l"] = ListValue([b"a", b"1", b"-70000", b"x" * 5000] * 10)
    db.data[b"h"] = HashValue.build([(b"f", b"v"), (b"n", b"7")], CFG)
    db.data[b"hb"] = HashValue.build([(b"f%d" % i, b"%d" % i) for i in range(600)], CFG)
    db.data[b"si"] = SetValue.build([b"1", b"-5", b"9223372036854775807"], CFG)
    db.data[b"ss"] = SetValue.build([b"a", b"1"], CFG)
    db.data[b"z"] = ZSetValue.from_scores({b"a": 1.0, b"b": float("inf"), b"c": 0.1}, CFG)
    db.data[b"zb"] = ZSetValue.from_scores({b"m%d" % i: i / 3.0 for i in range(300)}, CFG)
    db.expires[b"s"] = NOW + 5000
    ks.dbs[5].data[b"other"] = b"db5"
    return ks


def plain(v):
    if isinstance(v, ZSetValue):
        return ("zset", list(v.items()), v.big)
    if isinstance(v, (HashValue, SetValue)):
        return (type(v).__name__, sorted(v.items()) if isinstance(v, dict) else sorted(v), v.big)
    if isinstance(v, ListValue):
        return ("list", list(v))
    return v


# --- compact encodings -------------------------------------------------------------

@pytest.mark.parametrize("elements", [
    [], [b"a"], [b"0", b"127", b"128", b"-1", b"-4096", b"4095", b"4096", b"-32768", b"32767",
                 b"32768", b"-8388608", b"8388607", b"8388608", b"2147483647", b"-2147483649",
                 b"9223372036854775807", b"-9223372036854775808"],
    [b"x" * 63, b"x" * 64, b"x" * 4095, b"x" * 4096, b"y" * 16378, b"z" * 20000, b"007", b"-0", b"+1"],
])
def test_listpack_round_trip(elements):
    assert enc.listpack_items(enc.listpack(elements)) == elements


def test_listpack_integer_entries_are_compact():
    assert enc.lp_entry(b"5") == b"\x05\x01"
    assert enc.lp_entry(b"-1") == b"\xdf\xff\x02"
    assert enc.lp_entry(b"abc") == b"\x83abc\x04"
    # the 16383-byte entry takes a 3-byte backlen, as in Redis
    entry = enc.lp_entry(b"y" * 16378)
    assert len(entry) == 16383 + 3


@pytest.mark.parametrize("blob", [b"", b"\x07\x00\x00\x00\x00\x00\x00", b"\x08\x00\x00\x00\x01\x00\x81\xff",
                                  b"\x09\x00\x00\x00\x02\x00\x81a\xff", b"\x08\x00\x00\x00\x01\x00\xf5\xff"])
def test_listpack_corruption_detected(blob):
    with pytest.raises(enc.EncodingError):
        enc.listpack_items(blob)


def test_intset_widths():
    for values, width in (([1, -5], 2), ([1, 70000], 4), ([1, -(2 ** 63)], 8)):
        blob = enc.intset(values)
        assert struct.unpack_from("<I", blob)[0] == width
        assert enc.intset_items(blob) == [b"%d" % v for v in sorted(values)]
    with pytest.raises(enc.EncodingError):
        enc.intset_items(struct.pack("<II", 2, 2) + struct.pack("<hh", 5, 1))


def test_string_encodings():
    assert encode_string(b"12") == b"\xc0\x0c"
    assert encode_string(b"-200") == b"\xc1" + struct.pack("<h", -200)
    assert encode_string(b"2147483647") == b"\xc2" + struct.pack("<i", 2 ** 31 - 1)
    assert encode_string(b"2147483648") == b"\x0a2147483648"
    assert encode_string(b"007") == b"\x03007"
    assert encode_string(b"a" * 100)[:1] == b"\xc3"
    assert encode_string(b"a" * 100, compress=False) == b"\x40\x64" + b"a" * 100
    assert encode_string(bytes(range(30))) == b"\x1e" + bytes(range(30))   # incompressible


def test_crc64_is_redis_jones():
    assert crc64(b"123456789") == 0xe9c6d914c4b8d9ca


# --- files ------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"compress": False}, {"checksum": False}])
def test_file_round_trip(kw):
    ks = sample_keyspace()
    back, aux, data = roundtrip(ks, **kw)
    assert data.startswith(b"REDIS0010")
    assert aux[b"redis-ver"] == b"7.0.15" and aux[b"aof-base"] == b"0"
    for i in (0, 5):
        assert {k: plain(v) for k, v in back.dbs[i].data.items()} == \
            {k: plain(v) for k, v in ks.dbs[i].data.items()}
    assert back.dbs[0].expires == {b"s": NOW + 5000}
    if kw.get("checksum") is False:
        assert data[-8:] == b"\x00" * 8


def test_extra_aux_fields_and_empty_keyspace():
    back, aux, data = roundtrip(Keyspace(clock=clock), aux={"aof-base": 1, b"mine": b"x"})
    assert aux[b"aof-base"] == b"1" and aux[b"mine"] == b"x"
    assert all(not db.data for db in back.dbs)


def test_expired_keys_skipped_on_load():
    ks = Keyspace(clock=clock)
    ks.dbs[0].data.update({b"old": b"1", b"new": b"2", b"edge": b"3"})
    ks.dbs[0].expires.update({b"old": NOW - 1, b"new": NOW + 1, b"edge": NOW})
    back, _, data = roundtrip(ks)
    assert sorted(back.dbs[0].data) == [b"new"]
    kept = Keyspace(clock=clock)
    load_rdb(io.BytesIO(data), kept, now_ms=False)
    assert sorted(kept.dbs[0].data) == [b"edge", b"new", b"old"]


def test_typed_values_round_trip():
    ks = Keyspace(clock=clock)
    values = {
        b"i": 42, b"neg": -(2 ** 63), b"d": 1.5, b"dinf": float("-inf"), b"dsmall": 1e-300,
        b"arr": TypedValue([1, b"x", Double(2.5), NULL]),
        b"map": TypedValue(Map([(b"a", 1), (b"b", Bool(True))])),
        b"set": TypedValue(Set([b"x", Bool(False)])),
        b"t": TypedValue(Bool(True)), b"null": TypedValue(NULL),
        b"big": TypedValue(BigNumber(b"123456789012345678901234567890")),
        b"plain": b"*1\r\n:1\r\n",     # a user string that looks like RESP stays a string
    }
    ks.dbs[0].data.update(values)
    back, _, _ = roundtrip(ks)
    got = back.dbs[0].data
    for k, v in values.items():
        if isinstance(v, TypedValue):
            assert type(got[k]) is TypedValue and got[k].type_name == v.type_name
            from miniredis.protocol import encode
            assert encode(got[k].reply, 3) == encode(v.reply, 3)
        else:
            assert type(got[k]) is type(v) and got[k] == v, k


def test_typed_marker_applies_to_one_key_only():
    ks = Keyspace(clock=clock)
    ks.dbs[0].data.update({b"a": 5, b"b": b"5"})
    back, _, _ = roundtrip(ks)
    assert back.dbs[0].data == {b"a": 5, b"b": b"5"}
    assert type(back.dbs[0].data[b"b"]) is bytes


def test_loaded_encodings_follow_the_config():
    ks = Keyspace(clock=clock)
    ks.dbs[0].data[b"h"] = HashValue.build([(b"f%d" % i, b"v") for i in range(10)], CFG)
    f = io.BytesIO()
    write_rdb(f, ks)
    small = Config()
    small.hash_max_listpack_entries = 4
    back = Keyspace(clock=clock)
    load_rdb(io.BytesIO(f.getvalue()), back, config=small)
    assert back.dbs[0].data[b"h"].encoding(small) == "hashtable"


def test_progress_and_functions():
    ks = Keyspace(clock=clock)
    ks.dbs[0].data.update({b"k%d" % i: b"v" for i in range(3000)})
    f = io.BytesIO()
    write_rdb(f, ks, functions=[b"#!lua name=x\n"])
    calls, libs = [], []
    load_rdb(io.BytesIO(f.getvalue()), Keyspace(clock=clock), functions=libs,
             progress=lambda pos, total, keys: calls.append(keys))
    assert calls == [1024, 2048] and libs == [b"#!lua name=x\n"]


# --- corruption ---------------------------------------------------------------------------

def _file():
    f = io.BytesIO()
    write_rdb(f, sample_keyspace())
    return f.getvalue()


def _load(data):
    return load_rdb(io.BytesIO(data), Keyspace(clock=clock))


def test_bad_header():
    with pytest.raises(RDBError) as e:
        _load(b"RUDIS0010")
    assert "signature" in str(e.value) and e.value.offset == 0
    with pytest.raises(RDBError) as e:
        _load(b"REDIS0011" + _file()[9:])
    assert "version" in str(e.value)


def test_checksum_mismatch_names_offset():
    data = bytearray(_file())
    data[-1] ^= 1
    with pytest.raises(RDBError) as e:
        _load(bytes(data))
    assert "checksum" in str(e.value) and e.value.offset == len(data) - 8


def test_truncated_file_every_length():
    data = _file()
    for cut in range(9, len(data) - 8, max(1, len(data) // 200)):
        with pytest.raises(RDBError) as e:
            _load(data[:cut])
        assert e.value.offset is not None and e.value.offset <= cut


def test_flipped_bytes_never_crash():
    data = _file()
    for i in range(9, len(data), 7):
        bad = bytearray(data)
        bad[i] ^= 0x5A
        with pytest.raises(RDBError):
            _load(bytes(bad))


def _file_with(body):
    data = b"REDIS0010\xfe\x00" + body + b"\xff"
    return data + struct.pack("<Q", crc64(data))


def test_module_values_refused_by_name_and_bad_streams_reported():
    for vtype in (7, 6):
        with pytest.raises(RDBError) as e:
            _load(_file_with(bytes((vtype,)) + b"\x01k\x00"))
        assert "module" in str(e.value)
    # Streams load (see tests/compat/test_rdb_compat.py); a damaged one says so.
    for vtype in (15, 19):
        with pytest.raises(RDBError) as e:
            _load(_file_with(bytes((vtype,)) + b"\x01k\x00"))
        assert "stream" in str(e.value)


def test_duplicate_key_and_db_out_of_range():
    with pytest.raises(RDBError) as e:
        _load(_file_with(b"\x00\x01k\x01a\x00\x01k\x01b"))
    assert "Duplicate key" in str(e.value)
    with pytest.raises(RDBError) as e:
        _load(b"REDIS0010\xfe\x20" + b"\xff" + b"\x00" * 8)
    assert "databases" in str(e.value)


def test_empty_container_skipped_and_zero_checksum_accepted():
    data = b"REDIS0010\xfe\x00\x02\x01k\x00\x00\x01s\x01v\xff" + b"\x00" * 8
    ks = Keyspace(clock=clock)
    load_rdb(io.BytesIO(data), ks)
    assert ks.dbs[0].data == {b"s": b"v"}


def test_old_expire_in_seconds_and_old_version():
    data = b"REDIS0006\xfe\x00\xfd" + struct.pack("<I", 2000000000) + b"\x00\x01k\x01v\xff"
    data += struct.pack("<Q", crc64(data))
    ks = Keyspace(clock=clock)
    load_rdb(io.BytesIO(data), ks)
    assert ks.dbs[0].expires == {b"k": 2000000000000}


# --- DUMP payloads -------------------------------------------------------------------------

def test_dump_restore_round_trip():
    for k, v in sample_keyspace().dbs[0].data.items():
        assert plain(restore_value(dump_value(v), CFG)) == plain(v), k
    assert restore_value(dump_value(42)) == b"42"
    assert restore_value(dump_value(TypedValue(Bool(True)))) == b"#t\r\n"


def test_dump_payload_errors():
    good = dump_value(b"hello")
    assert good[-10:-8] == b"\x0a\x00"
    with pytest.raises(PayloadError):
        restore_value(good[:-1] + bytes((good[-1] ^ 1,)))
    with pytest.raises(PayloadError):
        restore_value(b"short")
    body = b"\x00\x01a\x0b\x00"
    with pytest.raises(PayloadError):
        restore_value(body + struct.pack("<Q", crc64(body)))
    body = b"\x10\x09\x09\x00\x00\x00\x02\x00\x81a\xff\x0a\x00"   # listpack count 2, one entry
    with pytest.raises(RDBError):
        restore_value(body + struct.pack("<Q", crc64(body)))


def test_keys_expired_at_load_are_counted():
    src = Keyspace(clock=lambda: 1000)
    src.dbs[0].set(b"gone", b"v", expire_at=2000)
    src.dbs[0].set(b"kept", b"v", expire_at=9000)
    buf = io.BytesIO()
    write_rdb(buf, src)
    dst = Keyspace(clock=lambda: 5000)
    aux = load_rdb(io.BytesIO(buf.getvalue()), dst)
    assert list(dst.dbs[0].data) == [b"kept"] and aux["keys-expired"] == 1
