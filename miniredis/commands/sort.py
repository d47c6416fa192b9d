"""SORT and SORT_RO: sort (or just page) a list, set or sorted set, with BY/GET key patterns.

Owns: option parsing, the element vector, scores and comparison rules, key
patterns ("*" substitution, "#", hash fields "key->field"), LIMIT and STORE.
Must not touch: the value types' internals beyond their agreed shapes (a
list iterates in order, a set is a set with ``ordered()``, a sorted set has
``scores``, ``islice`` and the ``big`` encoding flag, a hash is a dict), the
keyspace internals, reply encoding.

Redis 7.0's rules, in its order (sort.c):

* Options are parsed first (errors before the key is looked up): LIMIT
  takes two integers, a trailing option without its argument is a syntax
  error, SORT_RO does not know STORE.
* BY with a pattern holding no "*" means "do not sort", and stays so even if
  another BY follows. Lists and sorted sets then keep their own order (DESC
  walks it from the end) and LIMIT just picks the range; a set keeps its
  iteration order, unless the result is stored: then it is sorted ALPHA so
  that replicas store the same list.
* Numeric sort: each element (or its BY value) is read as C's strtod reads
  it -- leading white space, decimal or hexadecimal, "inf"; the text must be
  consumed up to its end (or its first NUL), and nan or a result out of
  range (overflow, or a tiny result that is not exact) fails the command
  with "One or more scores can't be converted into double". A missing BY
  value scores 0. Equal scores are ordered by the elements' bytes.
* ALPHA: without STORE Redis compares with strcoll, which stops at the first
  NUL byte (the C locale's byte order is assumed here); with STORE it
  compares whole binary strings. A missing BY value sorts first; equal
  values keep their input order (glibc's qsort is a stable merge sort).
* Sorting a sorted set converts it to the skiplist encoding, as in Redis.
* STORE writes a list (overwriting any key, TTL dropped) and notifies
  "sortstore"; an empty result deletes the destination ("del").
"""

import re
from decimal import Decimal
from fractions import Fraction
from itertools import islice

from .. import errors
from ..datatypes import as_bytes, is_container, is_string, parse_int, type_name
from ..errors import CommandError
from ..events import GENERIC, LIST
from ..registry import command
from ..replies import NULL

_SORTABLE = ("list", "set", "zset")


class _Options(object):
    __slots__ = ("desc", "alpha", "offset", "count", "store", "by", "dontsort", "gets")

    def __init__(self):
        self.desc = self.alpha = self.dontsort = False
        self.offset, self.count = 0, -1
        self.store = self.by = None
        self.gets = []


def _cstr(b):
    """What C string functions see of a byte string: up to its first NUL."""
    i = b.find(b"\0")
    return b if i < 0 else b[:i]


def _parse(argv, readonly):
    o = _Options()
    i, n = 2, len(argv)
    while i < n:
        opt = _cstr(argv[i]).lower()   # strcasecmp: the name ends at a NUL
        left = n - i - 1
        if opt == b"asc":
            o.desc = False
        elif opt == b"desc":
            o.desc = True
        elif opt == b"alpha":
            o.alpha = True
        elif opt == b"limit" and left >= 2:
            o.offset = parse_int(argv[i + 1])
            o.count = parse_int(argv[i + 2])
            i += 2
        elif opt == b"store" and left >= 1 and not readonly:
            o.store = argv[i + 1]
            i += 1
        elif opt == b"by" and left >= 1:
            o.by = argv[i + 1]
            if b"*" not in _cstr(o.by):
                o.dontsort = True   # sticky: a later BY pattern does not undo it
            i += 1
        elif opt == b"get" and left >= 1:
            o.gets.append(argv[i + 1])
            i += 1
        else:
            raise CommandError(errors.SYNTAX)
        i += 1
    return o


# --- key patterns -------------------------------------------------------------------------

def _lookup(ctx, pattern, elem):
    """The value a BY/GET pattern names for one element (bytes), or None.

    "#" is the element itself. Otherwise the first "*" is replaced by the
    element; a "->field" after it (with a non-empty field) reads that field
    of a hash, else the key must hold a string.
    """
    if pattern[:1] == b"#" and (len(pattern) == 1 or pattern[1] == 0):
        return elem
    cpat = _cstr(pattern)
    star = cpat.find(b"*")
    if star < 0:
        return None   # a fixed key makes no sense: nothing is looked up
    arrow = cpat.find(b"->", star + 1)
    if arrow >= 0 and arrow + 2 < len(cpat):
        key = pattern[:star] + elem + pattern[star + 1:arrow]
        field = pattern[arrow + 2:]
    else:
        key = pattern[:star] + elem + pattern[star + 1:]
        field = None
    v = ctx.db.read(key)
    if v is None:
        return None
    if field is not None:
        if not is_container(v) or type_name(v) != "hash":
            return None
        return v.get(field)
    return as_bytes(v) if is_string(v) else None


# --- numbers as strtod reads them -------------------------------------------------------

_DEC = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX = re.compile(rb"([+-]?)0[xX](?=\.?[0-9a-fA-F])([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?"
                  rb"(?:[pP]([+-]?[0-9]+))?\Z")
_INF = re.compile(rb"[+-]?inf(?:inity)?\Z", re.IGNORECASE)
_SPACES = b" \t\n\v\f\r"
_NONZERO = re.compile(rb"[1-9]")
_DBL_MIN = 2.2250738585072014e-308
_INFINITIES = (float("inf"), float("-inf"))


def _score(text):
    """The double strtod makes of a SORT element or BY value, or None where SORT refuses it."""
    t = _cstr(text)
    if not t:
        return 0.0   # nothing converted and nothing left over: Redis takes it as 0
    t = t.lstrip(_SPACES)
    if _DEC.match(t):
        v = float(t)
        if v in _INFINITIES or (abs(v) < _DBL_MIN and not _decimal_exact(t, v)):
            return None
        return v
    m = _HEX.match(t)
    if m is not None:
        try:
            v = float.fromhex(t.decode())
        except OverflowError:
            return None
        if abs(v) < _DBL_MIN and not _hex_exact(m, v):
            return None
        return v
    return float(t) if _INF.match(t) else None


# strtod reports ERANGE (which SORT refuses) for overflow and for a result in
# the subnormal range, or zero, that is not the exact value of the text.

def _decimal_exact(t, v):
    if not v:
        return _NONZERO.search(re.split(rb"[eE]", t)[0]) is None
    return Decimal(t.decode()) == Decimal(v)


def _hex_exact(m, v):
    ipart, fpart, exp = m.group(2), m.group(3) or b"", m.group(4)
    mant = int(ipart + fpart, 16)
    if not v:
        return mant == 0
    e = (int(exp) if exp else 0) - 4 * len(fpart)
    exact = Fraction(mant) * 2 ** e if e >= 0 else Fraction(mant, 2 ** -e)
    return exact == Fraction(abs(v))


# --- the command -------------------------------------------------------------------------

@command("sort")
def sort(ctx, argv):
    return _sort(ctx, argv, _parse(argv, readonly=False))


@command("sort_ro")
def sort_ro(ctx, argv):
    return _sort(ctx, argv, _parse(argv, readonly=True))


def _source(ctx, key, o):
    """(value or None, its type name) of the key to sort; WRONGTYPE for other types."""
    value = ctx.db.read(key)
    if value is None:
        return None, "list"   # a missing key sorts as an empty list
    kind = type_name(value) if is_container(value) else None
    if kind not in _SORTABLE:
        raise CommandError(errors.WRONGTYPE)
    if kind == "set" and o.dontsort and o.store is not None:
        # A set has no order of its own: what is stored must not depend on
        # the server's iteration order, so it is sorted ALPHA instead.
        o.dontsort, o.alpha, o.by = False, True, None
    if kind == "zset":
        value.big = True   # SORT converts a listpack sorted set to a skiplist, as Redis does
    return value, kind


def _range(n, o):
    """Redis' LIMIT normalisation: inclusive (start, end), empty when end < start."""
    start = max(0, o.offset)
    end = n - 1 if o.count < 0 else start + o.count - 1
    if start >= n:
        start, end = n - 1, n - 2
    return start, min(end, n - 1)


def _elements(value, kind, start, end, o):
    """The elements to sort, or with dontsort already the range to output (start, end rebased)."""
    if value is None:
        return [], start, end
    if o.dontsort and kind in ("list", "zset"):
        if end < start:
            return [], 0, -1
        if kind == "list":
            src = reversed(value) if o.desc else iter(value)
            return list(islice(src, start, end + 1)), 0, end - start
        n = len(value)
        lo, hi = (n - 1 - end, n - start) if o.desc else (start, end + 1)
        return [m for _, m in value.islice(lo, hi, reverse=o.desc)], 0, end - start
    if kind == "list":
        return list(value), start, end
    if kind == "set":
        return value.ordered(), start, end
    return list(value.scores), start, end


def _sort_elements(ctx, elems, o):
    by = o.by
    if o.alpha:
        # strcoll (no STORE) stops at the first NUL; STORE compares whole strings.
        fold = (lambda b: b) if o.store is not None else _cstr
        if by is None:
            elems.sort(key=fold, reverse=o.desc)
            return
        keys = {}
        for e in elems:
            v = _lookup(ctx, by, e)
            keys[e] = (0, b"") if v is None else (1, fold(v))
        elems.sort(key=keys.__getitem__, reverse=o.desc)
        return
    scores = {}
    bad = False
    for e in elems:
        if by is None:
            s = _score(e)
        else:
            v = _lookup(ctx, by, e)
            s = 0.0 if v is None else _score(v)
        if s is None:
            bad = True   # Redis still looks every BY key up before it fails
        scores[e] = s
    if bad:
        raise CommandError(errors.SORT_NOT_DOUBLE)
    # Equal scores: the elements' bytes decide, so the result is deterministic.
    elems.sort(key=lambda e: (scores[e], e), reverse=o.desc)


def _output(ctx, elems, start, end, o, missing):
    if not o.gets:
        return elems[start:end + 1]
    out = []
    for e in elems[start:end + 1]:
        for pattern in o.gets:
            v = _lookup(ctx, pattern, e)
            out.append(missing if v is None else v)
    return out


def _sort(ctx, argv, o):
    value, kind = _source(ctx, argv[1], o)
    n = 0 if value is None else len(value)
    start, end = _range(n, o)
    elems, start, end = _elements(value, kind, start, end, o)
    if not o.dontsort:
        _sort_elements(ctx, elems, o)
    if o.store is None:
        return _output(ctx, elems, start, end, o, NULL)
    return _store(ctx, o.store, _output(ctx, elems, start, end, o, b""))


def _store(ctx, dest, items):
    if items:
        from ..values.listvalue import ListValue   # imported on first use: no import cycle
        ctx.db.set(dest, ListValue(items))
        ctx.notify(LIST, "sortstore", dest)
    elif ctx.db.delete(dest):
        ctx.notify(GENERIC, "del", dest)
    return len(items)


# Keyword -> arguments it takes, for finding SORT's keys (Redis' sortGetKeys).
_SKIP = {b"limit": 2, b"get": 1, b"by": 1}


def _sort_keys(argv):
    """The sorted key, and the STORE destination if any: the key specs cannot
    say where STORE is (its argument may follow any option)."""
    keys = [(1, ("RO", "access"))]
    store = None
    i = 2
    while i < len(argv):
        word = argv[i].lower()
        if word in _SKIP:
            i += _SKIP[word]
        elif word == b"store" and i + 1 < len(argv):
            store = i + 1   # the last STORE wins, as in Redis
            i += 1
        i += 1
    if store is not None:
        keys.append((store, ("OW", "update")))
    return keys


sort.spec.getkeys = _sort_keys
