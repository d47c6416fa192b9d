"""Geo commands on miniredis alone: exact reply shapes per protocol, keyspace events and
propagation (in-process server), and the geohash maths module's building blocks.

Expected values were taken from redis-server 7.0.15.
"""

import random

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis import events as ev
from miniredis import geohash

from support import EffectsHarness, Reply  # noqa: E402

SICILY = ("13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")


def bulk(s):
    return Reply("$", s.encode() if isinstance(s, str) else s)


def coord(proto, text):
    return Reply(",", text) if proto == 3 else bulk(text)


# --- reply shapes ----------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_geoadd_geopos_geohash(r, r3, proto):
    c = r3 if proto == 3 else r
    assert c.cmd("GEOADD", "k", *SICILY).v == 2
    want = [[b"Palermo", "3479099956230698"], [b"Catania", "3479447370796909"]]
    if proto == 2:
        want = [b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert c.cmd("ZRANGE", "k", "0", "-1", "WITHSCORES").plain() == want
    pos = c.cmd("GEOPOS", "k", "Palermo", "nosuch")
    assert pos == Reply("*", [
        Reply("*", [coord(proto, "13.36138933897018433"), coord(proto, "38.11555639549629859")]),
        Reply("_", None) if proto == 3 else Reply("*", None)])
    h = c.cmd("GEOHASH", "k", "Palermo", "Catania", "nosuch")
    assert h == Reply("*", [bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"),
                            Reply("_", None) if proto == 3 else Reply("$", None)])


@pytest.mark.parametrize("proto", [2, 3])
def test_geodist_and_search_shapes(r, r3, proto):
    c = r3 if proto == 3 else r
    c.cmd("GEOADD", "k", *SICILY)
    assert c.cmd("GEODIST", "k", "Palermo", "Catania") == bulk("166274.1516")
    assert c.cmd("GEODIST", "k", "Palermo", "Catania", "km") == bulk("166.2742")
    assert c.cmd("GEODIST", "k", "Palermo", "x").t == ("_" if proto == 3 else "$")
    got = c.cmd("GEOSEARCH", "k", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                "WITHDIST", "WITHHASH", "WITHCOORD", "ASC")
    assert got == Reply("*", [
        Reply("*", [bulk("Catania"), bulk("56.4413"), Reply(":", 3479447370796909),
                    Reply("*", [coord(proto, "15.08726745843887329"),
                                coord(proto, "37.50266842333162032")])]),
        Reply("*", [bulk("Palermo"), bulk("190.4424"), Reply(":", 3479099956230698),
                    Reply("*", [coord(proto, "13.36138933897018433"),
                                coord(proto, "38.11555639549629859")])])])
    assert c.cmd("GEOSEARCH", "k", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m") == Reply("*", [])
    assert c.cmd("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m") == \
        Reply("*", [])


def test_errors(r):
    assert r.cmd("GEOADD", "k", "200", "100", "m").v == \
        "ERR invalid longitude,latitude pair 200.000000,100.000000"
    assert r.cmd("GEOADD", "k", "xx", "nx", "1", "1", "m").v == "ERR syntax error"
    assert r.cmd("GEODIST", "k", "a", "b", "yd").v == \
        "ERR unsupported unit provided. please use M, KM, FT, MI"
    r.cmd("GEOADD", "k", *SICILY)
    assert r.cmd("GEOSEARCH", "k", "BYRADIUS", "1", "m", "ASC", "ASC").v == \
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"
    assert r.cmd("geosearch", "k", "FROMMEMBER", "Palermo", "ASC", "ASC", "ASC").v == \
        "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch"
    assert r.cmd("GEOSEARCH", "k", "FROMMEMBER", "x", "BYRADIUS", "1", "m").v == \
        "ERR could not decode requested zset member"
    assert r.cmd("GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m",
                 "WITHDIST").v == \
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
    assert r.cmd("GEORADIUS", "k", "1", "1", "1", "m", "ANY").v == \
        "ERR the ANY argument requires COUNT argument"


# --- effects: keyspace events and propagation -------------------------------------------------

G, Z = ev.GENERIC, ev.ZSET


class Harness(EffectsHarness):
    def event(self, cls, event, key, db_index):
        return (cls, event, key.decode())

    def propagated(self, ops):
        return [" ".join(a.decode() for a in argv) for _, argv in ops]


@pytest.fixture
def h():
    harness = Harness(fake_clock=False)
    yield harness
    harness.close()


def test_geoadd_effects(h):
    # Replayed as the ZADD Redis rewrites it to (options as typed, scores computed).
    assert h.run("geoadd", "k", "Ch", "1", "1", "a", "2", "2", "b") == (
        2, [(Z, "zadd", "k")], ["zadd k Ch 3377822707026402 a 3378191666521995 b"])
    assert h.run("geoadd", "k", "1", "1", "a") == (0, [], [])
    assert h.run("geoadd", "k", "XX", "3", "3", "a") == (
        0, [(Z, "zadd", "k")], ["zadd k XX 3379368329318596 a"])
    assert h.run("geoadd", "nokey", "xx", "3", "3", "a") == (0, [], [])


def test_store_effects(h):
    h.setup(("geoadd", "k", "1", "1", "a", "2", "2", "b"))
    cmd = ("georadius", "k", "1", "1", "1000", "km", "store", "d")
    assert h.run(*cmd) == (2, [(Z, "georadiusstore", "d")], [" ".join(cmd)])
    cmd = ("geosearchstore", "d", "k", "frommember", "a", "byradius", "1", "km", "storedist")
    assert h.run(*cmd) == (1, [(Z, "geosearchstore", "d")], [" ".join(cmd)])
    cmd = ("georadius", "k", "50", "50", "1", "m", "store", "d")
    assert h.run(*cmd) == (0, [(G, "del", "d")], [" ".join(cmd)])
    assert h.run("georadius", "k", "50", "50", "1", "m", "store", "d") == (0, [], [])
    assert h.run("geosearchstore", "d", "nokey", "frommember", "a", "byradius", "1", "m") == (
        0, [], [])
    # Reads never propagate.
    assert h.run("geosearch", "k", "frommember", "a", "byradius", "1", "km")[1:] == ([], [])


# --- the maths module -----------------------------------------------------------------------------

def test_interleave_roundtrip():
    rnd = random.Random(1)
    for _ in range(200):
        a, b = rnd.getrandbits(32), rnd.getrandbits(32)
        assert geohash.deinterleave(geohash.interleave(a, b)) == (a, b)
    assert geohash.interleave(1, 0) == 1 and geohash.interleave(0, 1) == 2


def test_casts_follow_x86():
    u = geohash.double_to_uint64
    assert u(-1.0) == 2 ** 64 - 1
    assert u(0.5) == 0
    assert u(float("inf")) == 0 and u(float("-inf")) == 2 ** 63
    assert u(2.0 ** 63) == 2 ** 63 and u(2.0 ** 64) == 0 and u(-1e20) == 2 ** 63
    assert geohash.double_to_int64(1e20) == -2 ** 63
    assert geohash.double_to_int64(-2.5) == -2


def test_decode_clamps_to_limits():
    lon, lat = geohash.decode_score(float(geohash.score_of(180.0, 85.05112878)))
    assert lon == 180.0 and lat == geohash.LAT_MAX


def test_neighbourhood_wraps():
    # Step 1: two cells per axis; east and west of a cell are the same cell.
    cells = geohash.neighbourhood(0, 1)
    assert cells[3] == cells[4]
    step = 26
    centre = geohash.encode(0.0, 0.0, step)
    lat_i, lon_i = geohash.deinterleave(centre)
    north = geohash.deinterleave(geohash.neighbourhood(centre, step)[1])
    assert north == (lat_i + 1, lon_i)


def test_partial_sort_orders_the_prefix():
    rnd = random.Random(3)

    def cmp(a, b):
        return (a[0] > b[0]) - (a[0] < b[0])
    for n in (1, 5, 7, 8, 40, 41, 200):
        for last in sorted({0, n // 3, n - 1}):
            items = [(rnd.randrange(10), i) for i in range(n)]
            out = geohash.partial_sort(list(items), cmp, last)
            assert sorted(out) == sorted(items)
            want = sorted(x[0] for x in items)[:last + 1]
            assert [x[0] for x in out[:last + 1]] == want


def test_distance_text():
    from miniredis.commands.geo import _dist
    assert _dist(35658715.886749998) == b"35658715.8868"    # llrint of the scaled value
    assert _dist(0.0) == _dist(-0.0) == b"0.0000"
    assert _dist(0.0625) == b"0.0625" and _dist(0.00001) == b"0.0000"
    assert _dist(1.5) == b"1.5000" and _dist(12345.67891) == b"12345.6789"
