"""Redis' geohash maths: the 52-bit scores of GEOADD, cell decoding, distances, the
9-cell search neighbourhood and the partial sort of GEOSEARCH ... COUNT.

Owns: numbers only -- encoding a (longitude, latitude) pair into Redis' interleaved
26-bit-per-axis hash, decoding a score back to its cell centre, the haversine
distance with Redis' earth radius, the cells a radius/box search visits, and the
order Redis' sorts leave equal distances in.
Must not touch: commands, argument parsing, replies, the keyspace.

Why not a library: the geohash packages on PyPI (python-geohash, pygeohash, ...)
encode with the standard latitude range -90..90 and character precision; Redis
scores use -85.05112878..85.05112878 (the Web Mercator limits) for 26 bits per axis,
and its searches depend on the exact floating-point steps of its own encoder,
decoder and neighbour arithmetic (including what happens at longitude 180 or with
scores that are not geohashes). Everything here reproduces those steps operation
for operation, in IEEE doubles (Python floats, the same libm as the server), so that
replies match the real server digit for digit.
"""

import functools
import math

LON_MIN, LON_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
STEP_MAX = 26
EARTH_RADIUS = 6372797.560856     # metres, Redis' EARTH_RADIUS_IN_METERS
MERCATOR_MAX = 20037726.37
_D_R = math.pi / 180.0
_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA
_TWO63 = float(2 ** 63)
_NAN = float("nan")
ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


def deg_rad(a):
    return a * _D_R


def rad_deg(a):
    return a / _D_R


# --- bit interleaving (Morton order: latitude on even bits, longitude on odd ones) ------

def _spread(x):
    """The 32 low bits of x on the even bits of a 64-bit word."""
    x &= _MASK32
    x = (x | (x << 16)) & 0x0000FFFF0000FFFF
    x = (x | (x << 8)) & 0x00FF00FF00FF00FF
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0F
    x = (x | (x << 2)) & 0x3333333333333333
    return (x | (x << 1)) & _EVEN


def _squash(x):
    """The even bits of a 64-bit word, packed into 32 bits."""
    x &= _EVEN
    x = (x | (x >> 1)) & 0x3333333333333333
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0F
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FF
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFF
    return (x | (x >> 16)) & _MASK32


def interleave(lat_i, lon_i):
    return _spread(lat_i) | (_spread(lon_i) << 1)


def deinterleave(bits):
    """(latitude index, longitude index) of interleaved bits (32 bits each)."""
    return _squash(bits), _squash(bits >> 1)


# --- encoding and decoding ------------------------------------------------------------

MERCATOR = ((LON_MIN, LON_MAX), (LAT_MIN, LAT_MAX))   # Redis' score ranges
STANDARD = ((-180.0, 180.0), (-90.0, 90.0))           # the usual geohash ranges


def valid_lonlat(lon, lat):
    return LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX


def encode(lon, lat, step=STEP_MAX, ranges=MERCATOR):
    """Interleaved bits of the cell holding (lon, lat) at ``step`` bits per axis, or None.

    The offsets are truncated to integers after scaling: a coordinate on the upper
    edge (longitude 180) gives index 2**step, one bit above the others, as in Redis.
    """
    (lon_lo, lon_hi), (lat_lo, lat_hi) = ranges
    if not valid_lonlat(lon, lat):
        return None
    if not (lat_lo <= lat <= lat_hi and lon_lo <= lon <= lon_hi):
        return None
    lat_off = (lat - lat_lo) / (lat_hi - lat_lo) * float(1 << step)
    lon_off = (lon - lon_lo) / (lon_hi - lon_lo) * float(1 << step)
    return interleave(int(lat_off), int(lon_off))


def score_of(lon, lat):
    """The sorted-set score GEOADD stores for a valid (lon, lat): 52 bits, as an int."""
    return encode(lon, lat)


def decode_area(bits, step, ranges=MERCATOR):
    """(lon_min, lon_max, lat_min, lat_max) of a cell."""
    (lon_lo, lon_hi), (lat_lo, lat_hi) = ranges
    ilat, ilon = deinterleave(bits)
    cells = float(1 << step)
    lat_scale = lat_hi - lat_lo
    lon_scale = lon_hi - lon_lo
    return (lon_lo + (ilon / cells) * lon_scale,
            lon_lo + (((ilon + 1) & _MASK32) / cells) * lon_scale,
            lat_lo + (ilat / cells) * lat_scale,
            lat_lo + (((ilat + 1) & _MASK32) / cells) * lat_scale)


def double_to_uint64(x):
    """C's (uint64_t) cast of a double as x86-64 code does it (out of range: 2**63 or 0)."""
    if not x >= _TWO63:           # also NaN
        if -_TWO63 <= x < _TWO63:
            return int(x) & _MASK64
        return 1 << 63
    x -= _TWO63
    if x < _TWO63:
        return int(x) ^ (1 << 63)
    return 0


def double_to_int64(x):
    """C's (long long) cast of a double on x86-64 (out of range or NaN: INT64_MIN)."""
    if -_TWO63 <= x < _TWO63:
        return int(x)
    return -(1 << 63)


_CELLS = float(1 << STEP_MAX)
_LON_SCALE = LON_MAX - LON_MIN
_LAT_SCALE = LAT_MAX - LAT_MIN


def decode_score(score):
    """(lon, lat) of a score's cell centre, clamped to the valid limits as Redis does.

    The same operations as decode_area() at step 26, inlined: this runs once per
    candidate point of every search.
    """
    if 0.0 <= score < _TWO63:
        bits = int(score)
    else:
        bits = double_to_uint64(score)
    # Latitude on the even bits, longitude on the odd ones (see _squash).
    a = bits & _EVEN
    b = (bits >> 1) & _EVEN
    a = (a | (a >> 1)) & 0x3333333333333333
    b = (b | (b >> 1)) & 0x3333333333333333
    a = (a | (a >> 2)) & 0x0F0F0F0F0F0F0F0F
    b = (b | (b >> 2)) & 0x0F0F0F0F0F0F0F0F
    a = (a | (a >> 4)) & 0x00FF00FF00FF00FF
    b = (b | (b >> 4)) & 0x00FF00FF00FF00FF
    a = (a | (a >> 8)) & 0x0000FFFF0000FFFF
    b = (b | (b >> 8)) & 0x0000FFFF0000FFFF
    a = (a | (a >> 16)) & _MASK32
    b = (b | (b >> 16)) & _MASK32
    lon = ((LON_MIN + (b / _CELLS) * _LON_SCALE)
           + (LON_MIN + (((b + 1) & _MASK32) / _CELLS) * _LON_SCALE)) / 2
    lat = ((LAT_MIN + (a / _CELLS) * _LAT_SCALE)
           + (LAT_MIN + (((a + 1) & _MASK32) / _CELLS) * _LAT_SCALE)) / 2
    if lon > LON_MAX:
        lon = LON_MAX
    elif lon < LON_MIN:
        lon = LON_MIN
    if lat > LAT_MAX:
        lat = LAT_MAX
    elif lat < LAT_MIN:
        lat = LAT_MIN
    return lon, lat


# Searches decode every candidate's score; the same points come back search after
# search, so the most recent decodings are kept (about 5 MB when full).
decode_score = functools.lru_cache(maxsize=32768)(decode_score)


def geohash_text(score):
    """GEOHASH's 11-character string: the cell centre re-encoded with -90..90 latitudes;
    only 52 bits exist, so the 11th character is always '0'."""
    lon, lat = decode_score(score)
    bits = encode(lon, lat, STEP_MAX, STANDARD)
    out = bytearray(11)
    for i in range(10):
        out[i] = ALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1F]
    out[10] = ALPHABET[0]
    return bytes(out)


# --- distances --------------------------------------------------------------------------

def _cos(x):
    return math.cos(x) if math.isfinite(x) else _NAN   # C gives NaN where Python raises


def _asin(x):
    return math.asin(x) if -1.0 <= x <= 1.0 else _NAN


def lat_distance(lat1, lat2):
    """Metres along a meridian (the haversine reduces to this when longitudes agree)."""
    return EARTH_RADIUS * abs(lat2 * _D_R - lat1 * _D_R)


def distance(lon1, lat1, lon2, lat2):
    """Haversine great-circle distance in metres, in Redis 7.0's operation order
    (including its shortcut when the longitude term is zero)."""
    v = math.sin((lon2 * _D_R - lon1 * _D_R) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r, lat2r = lat1 * _D_R, lat2 * _D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS * _asin(math.sqrt(a) if a >= 0 else _NAN)


def distance_from(lon1, lat1):
    """distance(lon1, lat1, x, y) as a function of (x, y), with the centre's terms computed
    once (the same operations, so the same results); for the per-point search loop."""
    sin, cos, sqrt = math.sin, math.cos, math.sqrt
    lon1r, lat1r = lon1 * _D_R, lat1 * _D_R
    cos1 = cos(lat1r)
    two_r = 2.0 * EARTH_RADIUS

    def dist(lon2, lat2):
        v = sin((lon2 * _D_R - lon1r) / 2)
        lat2r = lat2 * _D_R
        if v == 0.0:
            return EARTH_RADIUS * abs(lat2r - lat1r)
        u = sin((lat2r - lat1r) / 2)
        a = u * u + cos1 * cos(lat2r) * v * v
        return two_r * _asin(sqrt(a) if a >= 0 else _NAN)
    return dist


def in_box(width_m, height_m, cx, cy, x, y):
    """Distance from the centre when inside the box (east-west measured along the
    point's latitude, north-south along its meridian), else None."""
    if lat_distance(y, cy) > height_m / 2 or distance(x, y, cx, y) > width_m / 2:
        return None
    return distance(cx, cy, x, y)


# --- the cells a search visits ------------------------------------------------------------

def estimate_step(range_m, lat):
    """Bits per axis of cells about as large as the search range (wider near the poles)."""
    if range_m == 0:
        return 26
    step = 1
    while range_m < MERCATOR_MAX:
        range_m *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def bounding_box(lon, lat, half_width_m, half_height_m):
    """(min_lon, min_lat, max_lon, max_lat) around the centre: the longitude span is
    taken at the edge nearer the pole, where a metre spans more degrees."""
    lat_delta = rad_deg(half_height_m / EARTH_RADIUS)
    top = rad_deg(half_width_m / EARTH_RADIUS / _cos(deg_rad(lat + lat_delta)))
    bottom = rad_deg(half_width_m / EARTH_RADIUS / _cos(deg_rad(lat - lat_delta)))
    d = bottom if lat < 0 else top
    return lon - d, lat - lat_delta, lon + d, lat + lat_delta


def _move(bits, step, axis_mask, d):
    """One cell along an axis (odd bits: longitude, even bits: latitude), wrapping."""
    other = bits & (_EVEN if axis_mask == _ODD else _ODD)
    own = bits & axis_mask
    low = (axis_mask ^ _MASK64) >> (64 - step * 2)   # the other axis' bits, as a carry path
    if d > 0:
        own = own + (low + 1)
    else:
        own = (own | low) - (low + 1)
    own &= axis_mask >> (64 - step * 2)
    return (own & _MASK64) | other


def neighbourhood(bits, step):
    """The nine cells in Redis' visiting order: centre, N, S, E, W, NE, NW, SE, SW."""
    def at(dx, dy):
        b = bits
        if dx:
            b = _move(b, step, _ODD, dx)
        if dy:
            b = _move(b, step, _EVEN, dy)
        return b
    return [bits, at(0, 1), at(0, -1), at(1, 0), at(-1, 0),
            at(1, 1), at(-1, 1), at(1, -1), at(-1, -1)]


def search_cells(lon, lat, radius_m, half_width_m, half_height_m):
    """[(bits, step) or None] for the nine cells, None where Redis skips a cell.

    radius_m decides the cell size (for a box: centre-to-corner), the bounding box
    which neighbours can be left out; one step coarser when a neighbour does not
    reach the edge of the box.
    """
    min_lon, min_lat, max_lon, max_lat = bounding_box(lon, lat, half_width_m, half_height_m)
    step = estimate_step(radius_m, lat)
    cells = neighbourhood(encode(lon, lat, step), step)
    n, s, e, w = (decode_area(c, step) for c in cells[1:5])
    if n[3] < max_lat or s[2] > min_lat or e[1] < max_lon or w[0] > min_lon:
        if step > 1:
            step -= 1
            cells = neighbourhood(encode(lon, lat, step), step)
    out = [(c, step) for c in cells]
    if step >= 2:
        a_lon_lo, a_lon_hi, a_lat_lo, a_lat_hi = decode_area(cells[0], step)
        drop = set()
        if a_lat_lo < min_lat:
            drop.update((2, 8, 7))      # south, south-west, south-east
        if a_lat_hi > max_lat:
            drop.update((1, 5, 6))      # north, north-east, north-west
        if a_lon_lo < min_lon:
            drop.update((4, 8, 6))      # west, south-west, north-west
        if a_lon_hi > max_lon:
            drop.update((3, 7, 5))      # east, south-east, north-east
        for i in drop:
            out[i] = None
    return out


def score_range(bits, step):
    """[min, max) of the 52-bit scores inside a cell."""
    shift = 52 - step * 2
    return (bits << shift) & _MASK64, ((bits + 1) << shift) & _MASK64


# --- ordering ---------------------------------------------------------------------------

def _med3(a, i, j, k, cmp):
    if cmp(a[i], a[j]) < 0:
        if cmp(a[j], a[k]) < 0:
            return j
        return k if cmp(a[i], a[k]) < 0 else i
    if cmp(a[j], a[k]) > 0:
        return j
    return i if cmp(a[i], a[k]) < 0 else k


def _insertion(a, lo, n, cmp):
    for m in range(lo + 1, lo + n):
        p = m
        while p > lo and cmp(a[p - 1], a[p]) > 0:
            a[p - 1], a[p] = a[p], a[p - 1]
            p -= 1


def _vecswap(a, i, j, n):
    for k in range(n):
        a[i + k], a[j + k] = a[j + k], a[i + k]


def _partition(a, lo, n, cmp):
    """Bentley-McIlroy three-way partition around a median pivot moved to a[lo].

    Returns (pa, pb, pc, pd), or None when nothing moved (then the caller insertion-sorts).
    """
    pm = lo + n // 2
    if n > 7:
        pl, pn = lo, lo + n - 1
        if n > 40:
            d = n // 8
            pl = _med3(a, pl, pl + d, pl + 2 * d, cmp)
            pm = _med3(a, pm - d, pm, pm + d, cmp)
            pn = _med3(a, pn - 2 * d, pn - d, pn, cmp)
        pm = _med3(a, pl, pm, pn, cmp)
    a[lo], a[pm] = a[pm], a[lo]
    pivot = a[lo]
    pa = pb = lo + 1
    pc = pd = lo + n - 1
    moved = False
    while True:
        while pb <= pc:
            c = cmp(a[pb], pivot)
            if c > 0:
                break
            if c == 0:
                moved = True
                a[pa], a[pb] = a[pb], a[pa]
                pa += 1
            pb += 1
        while pb <= pc:
            c = cmp(a[pc], pivot)
            if c < 0:
                break
            if c == 0:
                moved = True
                a[pc], a[pd] = a[pd], a[pc]
                pd -= 1
            pc -= 1
        if pb > pc:
            return (pa, pb, pc, pd) if moved else None
        a[pb], a[pc] = a[pc], a[pb]
        moved = True
        pb += 1
        pc -= 1


def partial_sort(a, cmp, last, lo=0, n=None):
    """Sort list ``a`` in place enough that a[0..last] hold the smallest elements in
    order, leaving equal elements where Redis' partial quicksort (pqsort: Bentley &
    McIlroy's qsort that skips partitions outside the wanted range) leaves them."""
    if n is None:
        n = len(a)
    while True:
        if n < 7:
            _insertion(a, lo, n, cmp)
            return a
        parts = _partition(a, lo, n, cmp)
        if parts is None:          # already ordered around the pivot
            _insertion(a, lo, n, cmp)
            return a
        pa, pb, pc, pd = parts
        end = lo + n
        # Bring the elements equal to the pivot from both ends to the middle.
        r = min(pa - lo, pb - pa)
        _vecswap(a, lo, pb - r, r)
        r = min(pd - pc, end - pd - 1)
        _vecswap(a, pb, end - r, r)
        left, right = pb - pa, pd - pc
        if left > 1 and lo <= last:
            partial_sort(a, cmp, last, lo, left)
        if right > 1 and end - right <= last:
            lo, n = end - right, right
            continue
        return a
