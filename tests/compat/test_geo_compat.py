"""Geo commands, line by line against the reference redis-server (RESP2 and RESP3).

Replies are compared exactly: scores (the 52-bit geohashes, through ZRANGE
WITHSCORES), coordinates to the 17 decimals Redis prints, distances to 4,
hashes, and the order of results -- discovery order (cell by cell) without
ASC/DESC, Redis' stable full sort and its partial quicksort with COUNT, the
early stop of COUNT ANY. Random points and radii/boxes come from seeded
generators, so every run sends the same commands.
"""

import random

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from support import config, encoding  # noqa: E402

GEO_COMMANDS = ("geoadd", "geopos", "geodist", "geohash", "geosearch", "geosearchstore",
                "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro")
SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
          "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"]
# Corners and limits of the coordinate space, at small (listpack) size.
CORNERS = ["0", "0", "a", "179", "80", "b", "-179", "-80", "c", "90", "0", "d", "-90", "10", "e",
           "180", "85.05112878", "f", "-180", "-85.05112878", "g"]


def sicily(compat, key="Sicily"):
    compat.same("GEOADD", key, *SICILY)


def dump(compat, key):
    compat.same("ZRANGE", key, "0", "-1", "WITHSCORES")
    compat.same("TYPE", key)
    if compat.m.cmd("EXISTS", key).v:
        encoding(compat, key)


# --- metadata ---------------------------------------------------------------------------

def test_command_info_docs_and_keys(compat):
    for name in GEO_COMMANDS:
        compat.same("COMMAND", "INFO", name)
        compat.same("COMMAND", "DOCS", name)
    compat.same("COMMAND", "GETKEYS", "georadius", "k", "1", "1", "1", "km", "STORE", "d")
    compat.same("COMMAND", "GETKEYS", "georadius", "k", "1", "1", "1", "km", "STOREDIST", "d")
    compat.same("COMMAND", "GETKEYS", "georadiusbymember", "k", "m", "1", "km", "STORE", "d")
    compat.same("COMMAND", "GETKEYS", "geosearchstore", "d", "k", "FROMMEMBER", "m",
                "BYRADIUS", "1", "km")


def test_arity_errors(compat):
    for args in (("GEOADD", "k", "1", "2"), ("GEOPOS",), ("GEODIST", "k", "a"), ("GEOHASH",),
                 ("GEOSEARCH", "k", "FROMMEMBER", "m", "BYRADIUS", "1"),
                 ("GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "m", "BYRADIUS", "1"),
                 ("GEORADIUS", "k", "1", "1", "1"), ("GEORADIUS_RO", "k", "1", "1", "1"),
                 ("GEORADIUSBYMEMBER", "k", "m", "1"), ("GEORADIUSBYMEMBER_RO", "k", "m", "1")):
        compat.same_error(*args)


# --- GEOADD --------------------------------------------------------------------------------

def test_geoadd_scores_and_options(compat):
    compat.same("GEOADD", "k", *SICILY)
    dump(compat, "k")
    compat.same("GEOADD", "k", "13.361389", "38.115556", "Palermo")
    compat.same("GEOADD", "k", "CH", "1", "1", "Palermo", "2", "2", "new")
    compat.same("GEOADD", "k", "XX", "3", "3", "Palermo", "4", "4", "other")
    compat.same("GEOADD", "k", "XX", "CH", "5", "5", "Palermo")
    compat.same("GEOADD", "k", "NX", "6", "6", "Palermo", "7", "7", "x")
    compat.same("GEOADD", "k", "nx", "ch", "xx", "1", "1", "y")
    compat.same("GEOADD", "k", "ch", "ch", "nx", "8", "8", "z")
    dump(compat, "k")
    compat.same("GEOADD", "nokey", "XX", "1", "1", "m")
    compat.same("EXISTS", "nokey")


def test_geoadd_limits(compat):
    compat.same("GEOADD", "k", "180", "0", "e", "-180", "0", "w", "0", "85.05112878", "n",
                "0", "-85.05112878", "s", "179.99999999", "-85.0511287", "x", "-0", "-0", "z",
                "0x1p3", "1e1", "hex")
    dump(compat, "k")
    compat.same("GEOPOS", "k", "e", "w", "n", "s", "x", "z", "hex")
    compat.same("GEOHASH", "k", "e", "w", "n", "s", "x", "z", "hex")


def test_geoadd_errors(compat):
    compat.same("SET", "str", "x")
    for args in (("k", "nx", "xx", "ch"), ("k", "ch", "ch", "ch"), ("k", "1", "1", "a", "2"),
                 ("k", "xx", "nx", "1", "1", "a"), ("k", "gt", "1", "1", "a"),
                 ("k", "abc", "1", "a"), ("k", "1", "nan", "a"), ("k", " 1", "1", "a"),
                 ("k", "1", "1 ", "a"), ("k", "", "1", "a"), ("k", "1e400", "1", "a"),
                 ("k", "inf", "1", "a"), ("k", "1", "-inf", "a"), ("k", "200", "100", "a"),
                 ("k", "-180.000001", "0", "a"), ("k", "0", "85.05112879", "a"),
                 ("k", "0", "-85.05112879", "a"), ("k", "1", "1", "a", "181", "1", "b"),
                 ("str", "1", "1", "a"), ("str", "x", "1", "a")):
        compat.same_error("GEOADD", *args)
    # Nothing was added by the failed calls (all pairs are checked first).
    compat.same("EXISTS", "k")


def test_geoadd_converts_to_skiplist(compat):
    with config(compat, "zset-max-listpack-entries", "4"):
        compat.same("GEOADD", "k", *SICILY)
        encoding(compat, "k")
        compat.same("GEOADD", "k", "1", "1", "fifth")
        dump(compat, "k")
    with config(compat, "zset-max-listpack-value", "3"):
        compat.same("GEOADD", "v", "1", "1", "abc")
        encoding(compat, "v")
        compat.same("GEOADD", "v", "1", "1", "abcd")
        encoding(compat, "v")


# --- GEOPOS / GEODIST / GEOHASH -----------------------------------------------------------

def test_geopos_geohash(compat):
    sicily(compat)
    compat.same("GEOPOS", "Sicily", "Palermo", "Catania", "nosuch", "edge1", "edge2")
    compat.same("GEOHASH", "Sicily", "Palermo", "Catania", "nosuch", "edge1", "edge2")
    compat.same("GEOPOS", "nokey", "a", "b")
    compat.same("GEOHASH", "nokey", "a", "b")
    compat.same("GEOPOS", "Sicily")
    compat.same("GEOHASH", "Sicily")
    compat.same("SET", "str", "x")
    compat.same_error("GEOPOS", "str", "a")
    compat.same_error("GEOHASH", "str", "a")


def test_geodist(compat):
    sicily(compat)
    for unit in ((), ("m",), ("km",), ("mi",), ("ft",), ("KM",), ("Mi",), ("fT",)):
        compat.same("GEODIST", "Sicily", "Palermo", "Catania", *unit)
        compat.same("GEODIST", "Sicily", "edge1", "edge2", *unit)
    compat.same("GEODIST", "Sicily", "Palermo", "Palermo")
    compat.same("GEODIST", "Sicily", "Palermo", "nosuch")
    compat.same("GEODIST", "Sicily", "nosuch", "Palermo", "km")
    compat.same("GEODIST", "nokey", "a", "b")
    compat.same_error("GEODIST", "Sicily", "Palermo", "Catania", "yd")
    compat.same_error("GEODIST", "nokey", "a", "b", "yd")
    compat.same_error("GEODIST", "Sicily", "Palermo", "Catania", "km", "x")
    compat.same("SET", "str", "x")
    compat.same_error("GEODIST", "str", "a", "b")
    compat.same_error("GEODIST", "str", "a", "b", "parsec")
    # Same longitude: Redis' meridian shortcut.
    compat.same("GEOADD", "m", "10", "45.1", "p1", "10", "45.3", "p2", "-179.9999", "15.13", "q1",
                "-179.9999", "36.91", "q2")
    for unit in ("m", "km", "mi", "ft"):
        compat.same("GEODIST", "m", "p1", "p2", unit)
        compat.same("GEODIST", "m", "q1", "q2", unit)


def test_distance_rounding(compat):
    """Redis rounds distance*10^4 to an integer (half to even), not the exact decimal:
    35658715.886749998 ft is written 35658715.8868."""
    compat.same("GEOADD", "t", "10.96571534872055054", "44.55087630114370256", "p", "180",
                "37.1312", "c", "0", "0", "z", "0.0000001", "0", "tiny")
    compat.same("GEOSEARCH", "t", "FROMLONLAT", "180", "37.1312", "BYRADIUS", "39546540.057", "ft",
                "WITHDIST")
    for unit in ("m", "km", "mi", "ft"):
        compat.same("GEODIST", "t", "p", "c", unit)
        compat.same("GEODIST", "t", "z", "tiny", unit)
        compat.same("GEODIST", "t", "z", "z", unit)


def test_non_geohash_scores(compat):
    """Scores ZADD put there: Redis casts them to uint64 (x86-64 semantics) and decodes."""
    compat.same("ZADD", "w", "-1", "neg", "0.5", "half", "1e20", "huge", "-1e20", "nhuge",
                "inf", "pinf", "-inf", "ninf", "4503599627370495.5", "frac",
                "9007199254740993", "big", "18446744073709551616", "u64",
                "9223372036854775808", "i63", "0", "zero")
    members = ("neg", "half", "huge", "nhuge", "pinf", "ninf", "frac", "big", "u64", "i63", "zero")
    compat.same("GEOPOS", "w", *members)
    compat.same("GEOHASH", "w", *members)
    compat.same("GEODIST", "w", "neg", "huge")
    compat.same("GEOSEARCH", "w", "FROMLONLAT", "0", "0", "BYRADIUS", "50000", "km",
                "WITHHASH", "WITHCOORD", "WITHDIST")
    compat.same("GEOSEARCH", "w", "FROMMEMBER", "neg", "BYRADIUS", "50000", "km", "WITHHASH")
    compat.same("GEOSEARCH", "w", "FROMMEMBER", "half", "BYBOX", "1", "1", "m", "WITHHASH")


# --- GEOSEARCH and GEORADIUS: fixed cases ------------------------------------------------

WITH = ("WITHDIST", "WITHHASH", "WITHCOORD")


def test_search_reply_shapes(compat):
    sicily(compat)
    base = ("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
    compat.same(*base)
    for opts in ((), ("WITHDIST",), ("WITHHASH",), ("WITHCOORD",), WITH, ("WITHCOORD", "WITHDIST"),
                 ("WITHDIST", "WITHDIST"), ("ASC",), ("DESC",), ("DESC", "ASC"), ("COUNT", "1"),
                 ("COUNT", "1", "DESC"), ("COUNT", "1", "ANY"), ("COUNT", "2", "ANY", "ASC"),
                 ("count", "3", "withdist", "desc")):
        compat.same(*(base + opts))
    compat.same("GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", *WITH)
    compat.same("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km", *WITH)
    compat.same("GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m")


def test_georadius_family(compat):
    sicily(compat)
    for cmd in ("GEORADIUS", "GEORADIUS_RO"):
        compat.same(cmd, "Sicily", "15", "37", "200", "km", *WITH)
        compat.same(cmd, "Sicily", "15", "37", "200", "km", "COUNT", "2", "DESC")
        compat.same(cmd, "Sicily", "15", "37", "120", "mi", "ASC", "WITHDIST")
        compat.same(cmd, "nokey", "15", "37", "200", "km")
    for cmd in ("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"):
        compat.same(cmd, "Sicily", "Palermo", "200", "km", *WITH)
        compat.same(cmd, "Sicily", "Palermo", "200", "km", "COUNT", "1", "ANY")
        compat.same(cmd, "nokey", "Palermo", "200", "km")
        # No key: neither the member nor the radius is looked at.
        compat.same(cmd, "nokey", "Palermo", "abc", "parsec", "WITHDIST")
        compat.same_error(cmd, "Sicily", "nosuch", "abc", "km")
        compat.same_error(cmd, "Sicily", "Palermo", "abc", "km")
        compat.same_error(cmd, "Sicily", "Palermo", "1", "parsec")


def test_search_errors(compat):
    sicily(compat)
    compat.same("SET", "str", "x")
    s = ("GEOSEARCH", "Sicily")
    pm = s + ("FROMMEMBER", "Palermo")
    gs = ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo")
    gr = ("GEORADIUS", "Sicily", "1", "1")
    for args in (s + ("BYRADIUS", "1", "m"), s + ("FROMLONLAT", "1", "1"),
                 s + ("FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"),
                 pm + ("FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"),
                 pm + ("BYBOX", "1", "1", "m", "BYRADIUS", "1", "m"),
                 pm + ("BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"),
                 pm + ("BYRADIUS", "1", "m", "STORE", "x"),
                 pm + ("BYRADIUS", "1", "m", "STOREDIST"),
                 pm + ("BYRADIUS", "1", "m", "ANY"),
                 pm + ("BYRADIUS", "1", "m", "COUNT"),
                 pm + ("BYRADIUS", "1", "m", "COUNT", "0"),
                 pm + ("BYRADIUS", "1", "m", "COUNT", "-1"),
                 pm + ("BYRADIUS", "1", "m", "COUNT", "1.5"),
                 pm + ("BYRADIUS", "1", "m", "COUNT", "99999999999999999999"),
                 pm + ("BYRADIUS", "1", "m", "BOGUS"),
                 s + ("FROMMEMBER", "nosuch", "BYRADIUS", "1", "m"),
                 pm + ("BYRADIUS", "-1", "m"),
                 pm + ("BYRADIUS", "x", "m"),
                 pm + ("BYRADIUS", "nan", "m"),
                 pm + ("BYRADIUS", "1", "yard"),
                 pm + ("BYRADIUS", "1"),
                 pm + ("BYBOX", "x", "1", "m"),
                 pm + ("BYBOX", "1", "x", "m"),
                 pm + ("BYBOX", "-1", "1", "m"),
                 pm + ("BYBOX", "1", "-1", "km"),
                 pm + ("BYBOX", "1", "1", "Yard"),
                 pm + ("BYBOX", "1", "1"),
                 s + ("FROMLONLAT", "1", "100", "BYBOX", "1", "1", "m"),
                 s + ("FROMLONLAT", "x", "1", "BYBOX", "1", "1", "m"),
                 s + ("FROMLONLAT", "181", "1", "BYBOX", "1", "1", "m"),
                 ("geosearch", "Sicily", "BYRADIUS", "1", "m"),
                 ("GeoSearch", "Sicily", "FROMMEMBER", "a"),
                 ("GEOSEARCH", "str", "FROMMEMBER", "a", "BYRADIUS", "1", "m"),
                 ("GEOSEARCH", "str", "whatever", "x"),
                 gs + ("BYRADIUS", "1", "m", "WITHCOORD"),
                 gs + ("BYRADIUS", "1", "m", "STORE", "x"),
                 ("GEOSEARCHSTORE", "d", "str", "FROMMEMBER", "a", "BYRADIUS", "1", "m"),
                 gr + ("1", "m", "STORE", "d", "WITHDIST"),
                 gr + ("1", "m", "STORE"),
                 gr + ("1", "m", "FROMLONLAT", "1", "1"),
                 gr + ("1", "m", "BYRADIUS", "1", "m"),
                 gr + ("-1", "m"), gr + ("1", "mm"),
                 ("GEORADIUS", "Sicily", "200", "1", "-1", "mm"), gr + ("x", "mm"),
                 ("GEORADIUS", "str", "x", "y", "z", "w"),
                 ("GEORADIUS", "nokey", "1", "1", "1", "m", "ANY"),
                 ("GEORADIUS_RO", "Sicily", "1", "1", "1", "m", "STORE", "d"),
                 ("GEORADIUS_RO", "Sicily", "1", "1", "1", "m", "STOREDIST", "d"),
                 ("GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "1", "m", "STORE", "d"),
                 ("GEORADIUSBYMEMBER", "Sicily", "Palermo", "1", "m", "STOREDIST", "d",
                  "WITHHASH")):
        compat.same_error(*args)
    # FROMMEMBER may repeat (the last one counts); FROMLONLAT may not follow it.
    compat.same(*(s + ("FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", "1", "m")))
    compat.same(*(s + ("FROMLONLAT", "1", "1", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")))


def test_search_missing_key(compat):
    compat.same("GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "1", "m")
    compat.same("GEOSEARCH", "nokey", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "m", *WITH)
    compat.same_error("GEOSEARCH", "nokey", "FROMMEMBER", "nosuch", "BYRADIUS", "-1", "m")
    compat.same("SET", "dst", "x")
    compat.same("GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1", "m")
    compat.same("EXISTS", "dst")
    compat.same("SET", "dst", "x")
    compat.same("GEORADIUS", "nokey", "1", "1", "1", "m", "STORE", "dst")
    compat.same("EXISTS", "dst")
    compat.same("GEORADIUSBYMEMBER", "nokey", "a", "1", "m", "STOREDIST", "dst")


def test_store_variants(compat):
    sicily(compat)
    compat.same("SET", "dst", "x")
    compat.same("EXPIRE", "dst", "1000")
    compat.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km")
    dump(compat, "dst")
    compat.same("TTL", "dst")
    compat.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km",
                "STOREDIST", "COUNT", "2", "DESC")
    dump(compat, "dst")
    compat.same("GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")
    compat.same("EXISTS", "dst")
    compat.same("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "b")
    dump(compat, "a")
    dump(compat, "b")
    compat.same("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "mi", "STOREDIST", "c",
                "COUNT", "3")
    dump(compat, "c")
    compat.same("GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "mi", "STORE", "Sicily")
    dump(compat, "Sicily")
    with config(compat, "zset-max-listpack-entries", "2"):
        compat.same("GEOADD", "big", *SICILY)
        compat.same("GEOSEARCHSTORE", "d2", "big", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km")
        dump(compat, "d2")
        compat.same("GEOSEARCHSTORE", "d2", "big", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km",
                    "COUNT", "2")
        dump(compat, "d2")


def test_edges_and_huge_radii(compat):
    compat.same("GEOADD", "s", *CORNERS)
    centres = (("FROMMEMBER", "a"), ("FROMMEMBER", "f"), ("FROMMEMBER", "g"),
               ("FROMLONLAT", "170", "84"), ("FROMLONLAT", "-1", "-1"), ("FROMLONLAT", "180", "0"))
    for r in ("0", "1", "1000", "5000", "10000", "20000", "40000", "1e10", "inf"):
        for frm in centres:
            compat.same("GEOSEARCH", "s", *frm, "BYRADIUS", r, "km", *WITH)
            compat.same("GEOSEARCH", "s", *frm, "BYBOX", r, r, "km", "WITHDIST")
            compat.same("GEOSEARCH", "s", *frm, "BYBOX", r, "1", "km")
            compat.same("GEOSEARCH", "s", *frm, "BYRADIUS", r, "km", "ASC", "COUNT", "3")


def test_equal_distances_order(compat):
    """Many members on a few spots: stable full sorts, partial quicksort with COUNT."""
    rnd = random.Random(5)
    args = []
    for _ in range(300):
        spot = rnd.randrange(6)
        lon, lat = str(10 + spot * 0.01), str(45 + (spot % 3) * 0.01)
        args += [lon, lat, "t%05d" % rnd.randrange(100000)]
    compat.same("GEOADD", "t", *args)
    for count in ("1", "2", "5", "7", "8", "13", "40", "41", "60", "299", "300", "400"):
        for order in ((), ("ASC",), ("DESC",), ("ANY",), ("ANY", "DESC")):
            compat.same("GEOSEARCH", "t", "FROMLONLAT", "10.02", "45.01", "BYRADIUS", "50", "km",
                        "COUNT", count, *order)
    compat.same("GEORADIUS", "t", "10.02", "45.01", "50", "km", "DESC", "WITHDIST")
    compat.same("GEORADIUS", "t", "10.02", "45.01", "50", "km")


# --- random points, radii and boxes ---------------------------------------------------------

def _point(rnd):
    k = rnd.random()
    if k < 0.3:     # a cluster, so that searches find many points
        return "%.6f" % (10 + rnd.uniform(-1, 1)), "%.6f" % (45 + rnd.uniform(-1, 1))
    if k < 0.4:     # near the poles
        return "%.6f" % rnd.uniform(-180, 180), "%.6f" % rnd.choice(
            [rnd.uniform(80, 85.05), rnd.uniform(-85.05, -80), rnd.uniform(-85.05, 85.05)])
    if k < 0.5:     # along the antimeridian
        return rnd.choice(["180", "-180", "179.9999", "-179.9999"]), "%.4f" % rnd.uniform(-85, 85)
    if k < 0.6:     # one meridian
        return "10", "%.5f" % (45 + rnd.uniform(-1, 1))
    return "%.6f" % rnd.uniform(-180, 180), "%.6f" % rnd.uniform(-85.05, 85.05)


def _random_query(rnd, members):
    if rnd.random() < 0.5:
        frm = ["FROMLONLAT"] + list(_point(rnd))
    else:
        frm = ["FROMMEMBER", rnd.choice(members)]
    unit = rnd.choice(["m", "km", "mi", "ft"])
    scale = {"m": 1, "km": 1000, "mi": 1609.34, "ft": 0.3048}[unit]
    r = 10 ** rnd.uniform(0, 7.3) / scale
    if rnd.random() < 0.5:
        by = ["BYRADIUS", "%.3f" % r, unit]
    else:
        by = ["BYBOX", "%.3f" % (2 * r * rnd.uniform(0.3, 1.5)),
              "%.3f" % (2 * r * rnd.uniform(0.3, 1.5)), unit]
    opts = []
    s = rnd.random()
    if s < 0.3:
        opts.append("ASC")
    elif s < 0.5:
        opts.append("DESC")
    if rnd.random() < 0.5:
        opts += ["COUNT", str(rnd.randint(1, 50))]
        if rnd.random() < 0.3:
            opts.append("ANY")
    return frm, by, opts


@pytest.mark.parametrize("size,seed", [(60, 11), (700, 12)], ids=["listpack", "skiplist"])
def test_random_searches(compat, size, seed):
    rnd = random.Random(seed + compat.proto)
    members = ["m%d" % i for i in range(size)]
    args = []
    for m in members:
        args += list(_point(rnd)) + [m]
    for i in range(20):    # duplicates of one spot
        args += ["10.5", "45.5", "d%d" % i]
    compat.same("GEOADD", "g", *args)
    for _ in range(150):
        frm, by, opts = _random_query(rnd, members)
        compat.same("GEOSEARCH", "g", *(frm + by + list(WITH) + opts))
        if rnd.random() < 0.2:
            compat.same("GEOSEARCHSTORE", "dst", "g", *(frm + by + ["STOREDIST"] + opts))
            compat.same("ZRANGE", "dst", "0", "-1", "WITHSCORES")
        if by[0] == "BYRADIUS" and rnd.random() < 0.2:
            if frm[0] == "FROMMEMBER":
                compat.same("GEORADIUSBYMEMBER", "g", frm[1], by[1], by[2], "WITHDIST", *opts)
            else:
                compat.same("GEORADIUS", "g", frm[1], frm[2], by[1], by[2], "WITHCOORD", *opts)
    for _ in range(20):
        a, b = rnd.choice(members), rnd.choice(members)
        compat.same("GEODIST", "g", a, b, rnd.choice(["m", "km", "mi", "ft"]))
    compat.same("GEOPOS", "g", *members[:50])
    compat.same("GEOHASH", "g", *members[:50])


# --- inside transactions and scripts -------------------------------------------------------------

def test_multi_and_scripts(compat):
    sicily(compat)
    compat.same("MULTI")
    compat.same("GEOPOS", "Sicily", "Palermo")
    compat.same("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", *WITH)
    compat.same("GEOADD", "Sicily", "1", "1", "x")
    compat.same("EXEC")
    compat.same("EVAL", "return redis.call('geopos', KEYS[1], 'Palermo', 'nosuch')", "1", "Sicily")
    compat.same("EVAL", "return redis.call('geosearch', KEYS[1], 'frommember', 'Palermo', "
                "'byradius', '300', 'km', 'withcoord', 'withdist', 'withhash')", "1", "Sicily")
    compat.same("EVAL", "redis.setresp(3); return redis.call('geodist', KEYS[1], 'Palermo', "
                "'Catania')", "1", "Sicily")
    compat.same("EVAL", "return redis.call('geoadd', KEYS[1], '2', '2', 'y')", "1", "Sicily")
    dump(compat, "Sicily")


@pytest.mark.xfail(strict=True, reason="known difference: coordinates reach a RESP3 Lua script "
                   "as the wire text instead of {double=...} (needs a shared reply type)")
def test_coordinates_in_resp3_scripts(compat):
    sicily(compat)
    compat.same("EVAL", "redis.setresp(3); return redis.call('geopos', KEYS[1], 'Palermo')",
                "1", "Sicily")


def test_keyspace_events(compat):
    """GEOADD raises "zadd"; the stores "geosearchstore"/"georadiusstore", or "del"."""
    compat.same("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        subs = [type(c)(c.port, 2) for c in (compat.m, compat.r)]
        for s in subs:
            s.cmd("PSUBSCRIBE", "__keyevent@0__:*")
        for cmd in (("GEOADD", "k", "1", "1", "a", "2", "2", "b"), ("GEOADD", "k", "1", "1", "a"),
                    ("GEOADD", "k", "XX", "CH", "1.5", "1", "a"),
                    ("GEOSEARCHSTORE", "d", "k", "FROMMEMBER", "a", "BYRADIUS", "1000", "km"),
                    ("GEORADIUS", "k", "1", "1", "1000", "km", "STORE", "e"),
                    ("GEORADIUSBYMEMBER", "k", "a", "1000", "km", "STOREDIST", "e"),
                    ("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "50", "50", "BYRADIUS", "1", "m"),
                    ("GEOSEARCHSTORE", "e", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1", "m"),
                    ("GEOSEARCHSTORE", "e", "nokey", "FROMMEMBER", "a", "BYRADIUS", "1", "m"),
                    ("SET", "zzend", "1")):
            compat.same(*cmd)
        seen = []
        for s in subs:
            got = []
            for _ in range(50):
                m = s.read().plain()
                if m[3] == b"zzend":
                    break
                got.append((m[2], m[3]))
            seen.append(got)
            s.close()
        assert seen[0] == seen[1]
        assert (b"__keyevent@0__:geosearchstore", b"d") in seen[0]
    finally:
        compat.same("CONFIG", "SET", "notify-keyspace-events", "")


def _changes(client):
    info = client.cmd("INFO", "persistence").v.decode()
    return int(info.split("rdb_changes_since_last_save:")[1].split("\r\n")[0])


def test_store_counts_changes_per_element(compat):
    sicily(compat)
    for cmd in (("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km"),
                ("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "d"),
                ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
                ("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m")):
        before = _changes(compat.m), _changes(compat.r)
        compat.same(*cmd)
        assert _changes(compat.m) - before[0] == _changes(compat.r) - before[1], cmd


def test_blocked_pop_woken_by_geo_writes(on_both):
    def scenario(s):
        s.admin.cmd("GEOADD", "src", *SICILY)
        a = s.block("BZPOPMIN", "dst", "new", "5")
        b = s.block("BZPOPMIN", "new", "5")
        out = [s.admin.cmd("GEOSEARCHSTORE", "dst", "src", "FROMMEMBER", "Palermo",
                           "BYRADIUS", "300", "km").plain(), s.read(a).plain()]
        out += [s.admin.cmd("GEOADD", "new", "1", "1", "m").plain(), s.read(b).plain()]
        return out
    on_both(scenario)
    on_both(scenario, proto=3)


def _stats(client):
    info = client.cmd("INFO", "stats").v.decode()
    return tuple(int(info.split(f + ":")[1].split("\r\n")[0])
                 for f in ("keyspace_hits", "keyspace_misses"))


def test_keyspace_hits_and_misses(compat):
    sicily(compat)
    for cmd in (("GEOPOS", "Sicily", "Palermo"), ("GEOPOS", "nokey", "a"), ("GEOHASH", "Sicily", "x"),
                ("GEOHASH", "nokey"), ("GEODIST", "Sicily", "Palermo", "Catania"),
                ("GEODIST", "nokey", "a", "b"), ("GEODIST", "nokey", "a", "b", "parsec"),
                ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
                ("GEOSEARCH", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
                ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
                ("GEORADIUSBYMEMBER", "nokey", "a", "1", "km", "STORE", "d"),
                ("GEOADD", "Sicily", "1", "1", "x")):
        before = _stats(compat.m), _stats(compat.r)
        compat.same(*cmd)
        after = _stats(compat.m), _stats(compat.r)
        assert [a - b for a, b in zip(after[0], before[0])] == \
            [a - b for a, b in zip(after[1], before[1])], cmd
