"""Hypothesis state machine: random geo command sequences on miniredis and redis-server.

Points come from a small grid of coordinates (so distances tie and cells are
shared) plus the limits of the coordinate space; every reply is compared
type-exactly, stored results through ZRANGE WITHSCORES.
"""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["g", "h"])
MEMBERS = st.sampled_from(["a", "b", "c", "d", "e", "f"])
LONS = st.sampled_from(["0", "0.001", "0.01", "13.361389", "15.087269", "179.9999", "180", "-180",
                        "-0.5", "90"])
LATS = st.sampled_from(["0", "0.001", "0.01", "38.115556", "37.502669", "85.05112878",
                        "-85.05112878", "-45", "60"])
POINT = st.tuples(LONS, LATS, MEMBERS)
UNITS = st.sampled_from(["m", "km", "mi", "ft"])
DISTS = st.sampled_from(["0", "1", "150", "1000", "5000", "20000"])
FLAGS = st.lists(st.sampled_from(["NX", "XX", "CH"]), max_size=2)
OPTS = st.lists(st.sampled_from([("WITHDIST",), ("WITHHASH",), ("WITHCOORD",), ("ASC",),
                                 ("DESC",), ("COUNT", "1"), ("COUNT", "3"), ("ANY",)]),
                max_size=3)


def _from(kind, member, lon, lat):
    return ["FROMMEMBER", member] if kind else ["FROMLONLAT", lon, lat]


def _by(kind, d1, d2, unit):
    return ["BYRADIUS", d1, unit] if kind else ["BYBOX", d1, d2, unit]


class GeoMachine(DifferentialMachine):
    @rule(k=KEYS, flags=FLAGS, points=st.lists(POINT, min_size=1, max_size=4))
    def geoadd(self, k, flags, points):
        self.same("GEOADD", k, *(flags + [x for p in points for x in p]))

    @rule(k=KEYS, members=st.lists(MEMBERS, min_size=1, max_size=3))
    def geopos(self, k, members):
        self.same("GEOPOS", k, *members)
        self.same("GEOHASH", k, *members)

    @rule(k=KEYS, a=MEMBERS, b=MEMBERS, unit=UNITS)
    def geodist(self, k, a, b, unit):
        self.same("GEODIST", k, a, b, unit)

    @rule(k=KEYS, fk=st.booleans(), m=MEMBERS, lon=LONS, lat=LATS, bk=st.booleans(), d1=DISTS,
          d2=DISTS, unit=UNITS, opts=OPTS)
    def geosearch(self, k, fk, m, lon, lat, bk, d1, d2, unit, opts):
        self.same("GEOSEARCH", k, *(_from(fk, m, lon, lat) + _by(bk, d1, d2, unit)
                                     + [x for o in opts for x in o]))

    @rule(dst=KEYS, k=KEYS, m=MEMBERS, bk=st.booleans(), d1=DISTS, d2=DISTS, unit=UNITS,
          dist=st.booleans(), count=st.sampled_from([[], ["COUNT", "2"]]))
    def geosearchstore(self, dst, k, m, bk, d1, d2, unit, dist, count):
        self.same("GEOSEARCHSTORE", dst, k, "FROMMEMBER", m, *(_by(bk, d1, d2, unit)
                                                                + (["STOREDIST"] if dist else [])
                                                                + count))
        self.same("ZRANGE", dst, "0", "-1", "WITHSCORES")

    @rule(k=KEYS, lon=LONS, lat=LATS, d=DISTS, unit=UNITS, opts=OPTS)
    def georadius(self, k, lon, lat, d, unit, opts):
        self.same("GEORADIUS", k, lon, lat, d, unit, *[x for o in opts for x in o])

    @rule(k=KEYS, m=MEMBERS, d=DISTS, unit=UNITS, dst=KEYS,
          store=st.sampled_from([[], ["STORE"], ["STOREDIST"]]))
    def georadiusbymember(self, k, m, d, unit, dst, store):
        self.same("GEORADIUSBYMEMBER", k, m, d, unit, *(store + [dst] if store else []))

    @rule(k=KEYS, m=MEMBERS)
    def zrem(self, k, m):
        self.same("ZREM", k, m)

    @rule(k=KEYS, score=st.sampled_from(["-1", "0.5", "1e20", "3377699720527872"]), m=MEMBERS)
    def zadd_raw(self, k, score, m):
        self.same("ZADD", k, score, m)

    @rule(k=KEYS)
    def dump(self, k):
        self.same("ZRANGE", k, "0", "-1", "WITHSCORES")


def test_geo_state_machine(mini_server, redis_server):
    run_machine(GeoMachine, mini_server, redis_server, examples=40, steps=30)
