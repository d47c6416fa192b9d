"""Idle times given to keys from outside -- RESTORE ... IDLETIME, an RDB file's idle
opcode -- go through the access tracker's API, so they obey its size bound
(keyspace.py) like every access: the newest keys answer OBJECT IDLETIME exactly,
older ones a lower bound, and the tracker never holds more than two generations.
"""

import io

from support import FakeClock, green_client, inprocess_server

from miniredis.keyspace import Keyspace
from miniredis.persistence.rdb import OP_IDLE, dump_value, encode_length, encode_string, load_rdb

CAP = 4   # keys per tracker generation in these tests


def _within_bound(db, idles):
    """Every key's IDLETIME is at most its true idle time, the newest CAP exactly."""
    assert len(db.access) <= CAP and len(db.old) <= CAP
    for key, idle in idles.items():
        assert db.idle_seconds(key) <= idle
    for key in list(idles)[-CAP:]:
        assert db.idle_seconds(key) == idles[key]


def test_restore_idletime_respects_the_tracker_bound():
    clock = FakeClock()
    with inprocess_server(clock=clock) as srv:
        srv.keyspace.set_tracking(cap=CAP)
        c = green_client(srv)
        try:
            payload = dump_value(b"v")
            idles = {}
            for i in range(3 * CAP + 1):
                key = b"k%d" % i
                idles[key] = 1000 + i
                assert c.cmd("RESTORE", key, 0, payload, "IDLETIME", 1000 + i).v == "OK"
            _within_bound(srv.keyspace.dbs[0], idles)
            assert c.cmd("OBJECT", "IDLETIME", b"k%d" % (3 * CAP)).v == 1000 + 3 * CAP
        finally:
            c.close()


def test_rdb_idle_opcodes_respect_the_tracker_bound():
    clock = FakeClock()
    ks = Keyspace(clock=clock)
    ks.set_tracking(cap=CAP)
    body, idles = [b"REDIS0010", b"\xfe\x00"], {}   # SELECTDB 0
    for i in range(3 * CAP + 1):
        key = b"k%d" % i
        idles[key] = 500 + i
        body += [bytes([OP_IDLE]), encode_length(500 + i), b"\x00", encode_string(key),
                 encode_string(b"v")]
    body.append(b"\xff" + b"\x00" * 8)   # EOF, no checksum (rdbchecksum no)
    load_rdb(io.BytesIO(b"".join(body)), ks)
    db = ks.dbs[0]
    assert len(db) == 3 * CAP + 1
    _within_bound(db, idles)
