"""Geospatial commands: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH(STORE) and the
deprecated GEORADIUS / GEORADIUSBYMEMBER (and their _RO forms).

Owns: the semantics of Redis 7.0's "geo" group -- argument parsing in Redis' order
(which decides the error a client sees), the search (nine cells, then the exact
in-radius / in-box test per point), result order, reply shapes per protocol,
keyspace events and propagation. The maths lives in :mod:`miniredis.geohash`.
Must not touch: the sorted-set internals (read through ZSetValue's ``scores`` and
ordered ``order`` list), reply encoding, the keyspace internals.

Geo indexes are ordinary sorted sets whose scores are 52-bit geohashes. GEOADD is
ZADD with computed scores, as in Redis (which rewrites the command to ZADD): same
reply, "zadd" event, and it is replayed as ``zadd key [opts] score member ...``.

Reply formats follow Redis: distances are bulk strings with 4 decimals in both
protocols; coordinates are "human" long doubles (``%.17Lf`` without trailing zeros),
a bulk string in RESP2 and a double (``,``) with that same text in RESP3, which the
shared Double type (``%.17g``) cannot express: they are written pre-encoded.
"""

import math

from .. import errors, events, geohash
from ..datatypes import parse_float, parse_int
from ..errors import CommandError
from ..registry import command
from ..replies import NULL, NULL_ARRAY, EMPTY_ARRAY, Raw
from ..values.zsetvalue import ZSetValue
from .sorted_sets import zadd as _zadd_command

_TWO63 = float(2 ** 63)
_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}

# georadiusGeneric's flavours.
_COORDS, _MEMBER, _NOSTORE, _SEARCH, _SEARCHSTORE = (1 << i for i in range(5))


# --- arguments and replies -----------------------------------------------------------------

def _lonlat(lon_arg, lat_arg):
    lon, lat = parse_float(lon_arg), parse_float(lat_arg)
    if not geohash.valid_lonlat(lon, lat):
        raise CommandError(errors.GEO_LONLAT_FMT % (lon, lat))
    return lon, lat


def _unit(arg):
    to_m = _UNITS.get(arg.lower())
    if to_m is None:
        raise CommandError(errors.GEO_UNIT)
    return to_m


def _human(v):
    """Redis' "human" long double text: %.17Lf without trailing zeros (nor a bare '.')."""
    s = b"%.17f" % v
    if b"." in s:
        s = s.rstrip(b"0").rstrip(b".")
    return b"0" if s == b"-0" else s


def _coord(ctx, v):
    text = _human(v)
    return text if ctx.proto == 2 else Raw(b",%s\r\n" % text)


def _dist(d):
    """A distance with 4 decimals as Redis writes it: the value times 10^4 rounded to an
    integer (half to even, llrint), then split -- not printf's exact-decimal rounding,
    so 35658715.886749998 gives "35658715.8868"."""
    if d == 0:
        return b"0.0000"
    v = d * 10000.0
    n = round(v) if -_TWO63 <= v < _TWO63 else -(1 << 63)   # llrint: NaN/overflow -> LLONG_MIN
    sign = b"-" if n < 0 else b""
    n = abs(n)
    return b"%s%d.%04d" % (sign, n // 10000, n % 10000)


def _center_of(zs, member):
    s = zs.scores.get(member)
    if s is None:
        raise CommandError(errors.GEO_NO_MEMBER)
    return geohash.decode_score(s)


# --- GEOADD -------------------------------------------------------------------------------

@command("geoadd")
def geoadd(ctx, argv):
    i, n = 2, len(argv)
    seen = set()
    while i < n:
        opt = argv[i].lower()
        if opt not in (b"nx", b"xx", b"ch"):
            break
        seen.add(opt)
        i += 1
    if (n - i) % 3 or (b"nx" in seen and b"xx" in seen):
        raise CommandError(errors.SYNTAX)
    # Redis rewrites the command to ZADD with the scores computed, then runs ZADD.
    zargv = [b"zadd"] + argv[1:i]
    for j in range(i, n, 3):
        lon, lat = _lonlat(argv[j], argv[j + 1])
        zargv.append(b"%d" % geohash.score_of(lon, lat))
        zargv.append(argv[j + 2])
    keyspace = ctx.db.keyspace
    dirty = keyspace.dirty
    reply = _zadd_command(ctx, zargv)
    if keyspace.dirty != dirty:
        ctx.propagate_as(zargv)
    return reply


# --- GEOPOS / GEODIST / GEOHASH ----------------------------------------------------------

@command("geopos")
def geopos(ctx, argv):
    zs = ctx.db.read_typed(argv[1], ZSetValue)
    out = []
    for member in argv[2:]:
        s = None if zs is None else zs.scores.get(member)
        if s is None:
            out.append(NULL_ARRAY)
        else:
            lon, lat = geohash.decode_score(s)
            out.append([_coord(ctx, lon), _coord(ctx, lat)])
    return out


@command("geodist")
def geodist(ctx, argv):
    to_m = 1.0
    if len(argv) == 5:
        to_m = _unit(argv[4])
    elif len(argv) > 5:
        raise CommandError(errors.SYNTAX)
    zs = ctx.db.read_typed(argv[1], ZSetValue)
    if zs is None:
        return NULL
    s1, s2 = zs.scores.get(argv[2]), zs.scores.get(argv[3])
    if s1 is None or s2 is None:
        return NULL
    (x1, y1), (x2, y2) = geohash.decode_score(s1), geohash.decode_score(s2)
    return _dist(geohash.distance(x1, y1, x2, y2) / to_m)


@command("geohash")
def geohash_(ctx, argv):
    zs = ctx.db.read_typed(argv[1], ZSetValue)
    out = []
    for member in argv[2:]:
        s = None if zs is None else zs.scores.get(member)
        out.append(NULL if s is None else geohash.geohash_text(s))
    return out


# --- the search: GEOSEARCH, GEOSEARCHSTORE, GEORADIUS* ------------------------------------

class _Query(object):
    """Everything georadiusGeneric parses; the shape is a radius or a box (in ``unit``s)."""

    __slots__ = ("lon", "lat", "radius", "width", "height", "unit", "store", "storedist",
                 "withdist", "withhash", "withcoord", "any", "sort", "count",
                 "frommember", "fromloc", "byradius", "bybox")

    def __init__(self):
        self.lon = self.lat = 0.0
        self.radius = self.width = self.height = None
        self.unit = 1.0
        self.store = None
        self.storedist = self.withdist = self.withhash = self.withcoord = self.any = False
        self.frommember = self.fromloc = self.byradius = self.bybox = False
        self.sort = 0          # 0 none, 1 ascending, -1 descending
        self.count = 0         # 0: unlimited


def _radius(q, arg, unit):
    r = parse_float(arg, errors.GEO_RADIUS_NOT_NUMBER)
    if r < 0:
        raise CommandError(errors.GEO_RADIUS_NEGATIVE)
    q.unit = _unit(unit)
    q.radius = r


def _box(q, w_arg, h_arg, unit):
    w = parse_float(w_arg, errors.GEO_WIDTH_NOT_NUMBER)
    h = parse_float(h_arg, errors.GEO_HEIGHT_NOT_NUMBER)
    if h < 0 or w < 0:
        raise CommandError(errors.GEO_BOX_NEGATIVE)
    q.unit = _unit(unit)
    q.width, q.height = w, h


def _option(q, argv, i, zs, flags):
    """Parse the option at argv[i]; the index after it."""
    arg = argv[i].lower()
    left = len(argv) - i - 1   # arguments after this one
    search = flags & _SEARCH
    if arg == b"withdist":
        q.withdist = True
    elif arg == b"withhash":
        q.withhash = True
    elif arg == b"withcoord":
        q.withcoord = True
    elif arg == b"any":
        q.any = True
    elif arg in (b"asc", b"desc"):
        q.sort = 1 if arg == b"asc" else -1
    elif arg == b"count" and left >= 1:
        q.count = parse_int(argv[i + 1])
        if q.count <= 0:
            raise CommandError(errors.GEO_COUNT_POSITIVE)
        return i + 2
    elif arg in (b"store", b"storedist") and left >= 1 and not flags & (_NOSTORE | _SEARCH):
        q.store, q.storedist = argv[i + 1], arg == b"storedist"
        return i + 2
    elif arg == b"storedist" and flags & _SEARCHSTORE:
        q.storedist = True
    elif arg == b"frommember" and left >= 1 and search and not q.fromloc:
        if zs is not None:      # no key: parse on, the reply is empty anyway
            q.lon, q.lat = _center_of(zs, argv[i + 1])
        q.frommember = True
        return i + 2
    elif arg == b"fromlonlat" and left >= 2 and search and not q.frommember:
        q.lon, q.lat = _lonlat(argv[i + 1], argv[i + 2])
        q.fromloc = True
        return i + 3
    elif arg == b"byradius" and left >= 2 and search and not q.bybox:
        _radius(q, argv[i + 1], argv[i + 2])
        q.byradius = True
        return i + 3
    elif arg == b"bybox" and left >= 3 and search and not q.byradius:
        _box(q, argv[i + 1], argv[i + 2], argv[i + 3])
        q.bybox = True
        return i + 4
    else:
        raise CommandError(errors.SYNTAX)
    return i + 1


def _parse(argv, zs, flags):
    q = _Query()
    if flags & _COORDS:
        base = 6
        q.lon, q.lat = _lonlat(argv[2], argv[3])
        _radius(q, argv[4], argv[5])
    elif flags & _MEMBER:
        base = 5
        if zs is not None:     # a missing key skips the member and radius checks
            q.lon, q.lat = _center_of(zs, argv[2])
            _radius(q, argv[3], argv[4])
    else:
        base = 3 if flags & _SEARCHSTORE else 2
        if flags & _SEARCHSTORE:
            q.store = argv[1]
    i = base
    while i < len(argv):
        i = _option(q, argv, i, zs, flags)
    name = argv[0].decode("latin-1")
    if q.store is not None and (q.withdist or q.withhash or q.withcoord):
        raise CommandError(errors.GEO_STORE_WITH_FMT % (
            "GEOSEARCHSTORE" if flags & _SEARCHSTORE else "STORE option in GEORADIUS"))
    if flags & _SEARCH and not (q.frommember or q.fromloc):
        raise CommandError(errors.GEO_FROM_FMT % name)
    if flags & _SEARCH and not (q.byradius or q.bybox):
        raise CommandError(errors.GEO_BY_FMT % name)
    if q.any and not q.count:
        raise CommandError(errors.GEO_ANY_NEEDS_COUNT)
    return q


def _matcher(q):
    """(cells to visit, fn(lon, lat) -> distance in metres or None)."""
    unit = q.unit
    if q.radius is not None:
        radius_m = q.radius * unit
        half_w = half_h = unit * q.radius
        dist = geohash.distance_from(q.lon, q.lat)

        def test(x, y):
            d = dist(x, y)
            return None if d > radius_m else d
    else:
        w, h = q.width, q.height
        radius_m = math.sqrt((w / 2) * (w / 2) + (h / 2) * (h / 2)) * unit
        half_w, half_h = unit * (w / 2), unit * (h / 2)
        width_m, height_m, cx, cy = w * unit, h * unit, q.lon, q.lat

        def test(x, y):
            return geohash.in_box(width_m, height_m, cx, cy, x, y)
    return geohash.search_cells(q.lon, q.lat, radius_m, half_w, half_h), test


def _collect(zs, cells, test, limit):
    """[(dist_m, member, score, lon, lat)] in Redis' discovery order (cell by cell,
    each in score order); stops at ``limit`` points when non-zero (COUNT ANY)."""
    found = []
    last = 0
    order = zs.order
    decode = geohash.decode_score
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        # Redis skips a cell equal to the one processed just before (large radii make
        # neighbours coincide) -- except after the centre cell (index 0).
        if last and cell == cells[last]:
            continue
        if found and limit and len(found) >= limit:
            break
        lo, hi = geohash.score_range(*cell)
        for score, member in order.irange((float(lo),), (float(hi),), (True, False)):
            lon, lat = decode(score)
            d = test(lon, lat)
            if d is not None:
                found.append((d, member, score, lon, lat))
                if limit and len(found) >= limit:
                    break
        last = i
    return found


def _sort(found, sort, returned):
    if returned == len(found):
        # glibc's qsort is a merge sort: stable, equal distances keep discovery order.
        found.sort(key=lambda p: p[0], reverse=sort < 0)
        return
    if sort > 0:
        def cmp(a, b):
            return (a[0] > b[0]) - (a[0] < b[0])
    else:
        def cmp(a, b):
            return (a[0] < b[0]) - (a[0] > b[0])
    geohash.partial_sort(found, cmp, returned - 1)


def _reply(ctx, q, points):
    opts = q.withdist + q.withhash + q.withcoord
    out = []
    for d, member, score, lon, lat in points:
        if not opts:
            out.append(member)
            continue
        item = [member]
        if q.withdist:
            item.append(_dist(d / q.unit))
        if q.withhash:
            item.append(geohash.double_to_int64(score))
        if q.withcoord:
            item.append([_coord(ctx, lon), _coord(ctx, lat)])
        out.append(item)
    return out


def _store(ctx, q, points, flags):
    dst = q.store
    if points:
        scores = {}
        for d, member, score, _, _ in points:
            scores[member] = d / q.unit if q.storedist else score
        ctx.db.set(dst, ZSetValue.from_scores(scores, ctx.server.config))
        ctx.db.keyspace.dirty += len(points) - 1   # Redis counts one change per element
        ctx.notify(events.ZSET, "geosearchstore" if flags & _SEARCH else "georadiusstore", dst)
    elif ctx.db.delete(dst):
        ctx.notify(events.GENERIC, "del", dst)
    return len(points)


def _search(ctx, argv, key, flags):
    """Redis' georadiusGeneric."""
    zs = ctx.db.read_typed(key, ZSetValue)
    q = _parse(argv, zs, flags)
    if zs is None:
        if q.store is None:
            return EMPTY_ARRAY
        if ctx.db.delete(q.store):
            ctx.notify(events.GENERIC, "del", q.store)
        return 0
    sort = q.sort
    if q.count and not sort and not q.any:
        sort = 1      # COUNT without ANY returns the nearest ones
    cells, test = _matcher(q)
    found = _collect(zs, cells, test, q.count if q.any else 0)
    if not found and q.store is None:
        return EMPTY_ARRAY
    returned = len(found) if not q.count or len(found) < q.count else q.count
    if sort:
        _sort(found, sort, returned)
    del found[returned:]
    if q.store is None:
        return _reply(ctx, q, found)
    return _store(ctx, q, found, flags)


@command("geosearch")
def geosearch(ctx, argv):
    return _search(ctx, argv, argv[1], _SEARCH)


@command("geosearchstore")
def geosearchstore(ctx, argv):
    return _search(ctx, argv, argv[2], _SEARCH | _SEARCHSTORE)


@command("georadius")
def georadius(ctx, argv):
    return _search(ctx, argv, argv[1], _COORDS)


@command("georadius_ro")
def georadius_ro(ctx, argv):
    return _search(ctx, argv, argv[1], _COORDS | _NOSTORE)


@command("georadiusbymember")
def georadiusbymember(ctx, argv):
    return _search(ctx, argv, argv[1], _MEMBER)


@command("georadiusbymember_ro")
def georadiusbymember_ro(ctx, argv):
    return _search(ctx, argv, argv[1], _MEMBER | _NOSTORE)
