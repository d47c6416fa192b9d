"""Range arguments of the sorted-set commands and where a range falls in a sorted set.

Owns: parsing score ranges (``1``, ``(1``, ``-inf``, ``+inf`` ...), lex
ranges (``-``, ``+``, ``[a``, ``(a``), the options of the ZRANGE family,
and turning a parsed range into a span of indexes ``[lo, hi)`` of a
:class:`~miniredis.values.zsetvalue.ZSetValue` in O(log N).
Must not touch: the keyspace, replies, command registration (the commands
themselves live in :mod:`miniredis.commands.sorted_sets`).

Score bounds are read as Redis' zslParseRange reads them: with C's strtod
on a C string, and *not* through the strict number rules of ZADD. So an
empty bound is 0, leading white space is allowed, a too large value
becomes infinite instead of an error, the text ends at a NUL byte; only
``nan`` and trailing garbage are refused ("min or max is not a float").
"""

import re

from .. import errors
from ..errors import CommandError
from ..datatypes import FLOAT_DEC_RE, FLOAT_HEX_RE, FLOAT_INF_RE, parse_int

_INF = float("inf")
# C's isspace in the "C" locale: what strtod skips before a number.
_C_SPACE = b" \t\n\v\f\r"
_NAN_RE = re.compile(rb"[+-]?nan(\([0-9A-Za-z_]*\))?\Z", re.IGNORECASE)

RANK, SCORE, LEX = "rank", "score", "lex"


class _Bound(object):
    """A member bound below (``LOW``) or above (``HIGH``) every bytes value.

    Used both as the ``-``/``+`` of lex ranges and as the member half of a
    ``(score, member)`` probe, so that a bisection lands before or after
    every entry of that score.
    """

    __slots__ = ("high",)

    def __init__(self, high):
        self.high = high

    def __lt__(self, other):
        return not self.high and other is not self

    def __gt__(self, other):
        return self.high and other is not self

    def __le__(self, other):
        return not self.high or other is self

    def __ge__(self, other):
        return self.high or other is self

    def __eq__(self, other):
        return other is self

    def __ne__(self, other):
        return other is not self

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return "+" if self.high else "-"


LOW = _Bound(False)
HIGH = _Bound(True)


# --- score ranges ---------------------------------------------------------------------

def strtod_whole(text):
    """The double strtod reads from C string ``text``, or None unless it reads all of it."""
    if text.isdigit() and len(text) < 16:
        return float(text)   # the common case ("100"): exact, no NUL, no range issue
    text = text.split(b"\0", 1)[0]
    if not text:
        return 0.0   # no conversion, and the end pointer is at the (empty) end
    body = text.lstrip(_C_SPACE)
    if FLOAT_DEC_RE.match(body):
        return float(body)   # overflow gives inf, underflow 0: strtod's results
    if FLOAT_HEX_RE.match(body):
        try:
            return float.fromhex(body.decode())
        except OverflowError:
            return -_INF if body.startswith(b"-") else _INF
    if FLOAT_INF_RE.match(body):
        return float(body)
    return None


def _score_bound(arg):
    """(value, exclusive) of one score bound; error as Redis."""
    exclusive = arg[:1] == b"("
    v = strtod_whole(arg[1:] if exclusive else arg)
    if v is None:
        raise CommandError(errors.ZRANGE_NOT_FLOAT)
    return v, exclusive


class ScoreRange(object):
    __slots__ = ("min", "minex", "max", "maxex")

    def __init__(self, min_arg, max_arg):
        self.min, self.minex = _score_bound(min_arg)
        self.max, self.maxex = _score_bound(max_arg)

    def span(self, zs):
        """[lo, hi) of the entries whose score is in range: two bisections."""
        lo = (zs.bisect_right((self.min, HIGH)) if self.minex
              else zs.bisect_left((self.min, LOW)))
        hi = (zs.bisect_left((self.max, LOW)) if self.maxex
              else zs.bisect_right((self.max, HIGH)))
        return lo, max(lo, hi)


# --- lex ranges -------------------------------------------------------------------------

def _lex_bound(arg):
    """(member bound, exclusive): bytes, or LOW/HIGH for '-'/'+'; error as Redis.

    Redis tests '+' and '-' as C strings: anything after a NUL byte is ignored.
    """
    c = arg[:1]
    if c == b"+" or c == b"-":
        if len(arg) > 1 and arg[1] != 0:
            raise CommandError(errors.ZRANGE_NOT_LEX)
        return (HIGH if c == b"+" else LOW), True
    if c == b"(":
        return arg[1:], True
    if c == b"[":
        return arg[1:], False
    raise CommandError(errors.ZRANGE_NOT_LEX)


class LexRange(object):
    __slots__ = ("min", "minex", "max", "maxex")

    def __init__(self, min_arg, max_arg):
        self.min, self.minex = _lex_bound(min_arg)
        self.max, self.maxex = _lex_bound(max_arg)

    def span(self, zs):
        """[lo, hi) of the members in range.

        Meaningful, as in Redis, when all scores are equal: then members are
        sorted and two bisections find the span. With mixed scores Redis
        documents the result as unspecified; a binary search on members
        still gives a deterministic answer.
        """
        n = len(zs)
        if not n:
            return 0, 0
        if zs.at(0)[0] == zs.at(-1)[0]:
            score = zs.at(0)[0]
            lo = self._edge(zs, score, self.min, self.minex, n, low_side=True)
            hi = self._edge(zs, score, self.max, self.maxex, n, low_side=False)
        else:
            lo = _first(n, lambda i: self._above_min(zs.at(i)[1]))
            hi = _first(n, lambda i: not self._below_max(zs.at(i)[1]))
        return lo, max(lo, hi)

    @staticmethod
    def _edge(zs, score, bound, exclusive, n, low_side):
        if bound is LOW:
            return 0
        if bound is HIGH:
            return n
        # Lower edge: first member >= (or >) bound; upper: first member > (or >=) bound.
        if exclusive == low_side:
            return zs.bisect_right((score, bound))
        return zs.bisect_left((score, bound))

    def _above_min(self, member):
        return member > self.min if self.minex else member >= self.min

    def _below_max(self, member):
        return member < self.max if self.maxex else member <= self.max


def _first(n, pred):
    """Smallest i in [0, n] with pred(i) true, pred being monotonic."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


# --- ranks ----------------------------------------------------------------------------

def rank_span(n, start, end, reverse=False):
    """[lo, hi) of ranks start..end (negative from the end) as Redis normalises them."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return 0, 0
    if end >= n:
        end = n - 1
    if reverse:
        return n - 1 - end, n - start
    return start, end + 1


# --- the ZRANGE family ----------------------------------------------------------------

class RangeQuery(object):
    """A parsed ZRANGE / ZRANGESTORE / ZRANGEBY* / ZREV* request."""

    __slots__ = ("kind", "reverse", "withscores", "offset", "limit", "start", "end", "range")

    def span(self, zs):
        """[lo, hi) of the entries to emit (LIMIT applied); emit reversed if ``reverse``."""
        n = len(zs)
        if self.kind == RANK:
            return rank_span(n, self.start, self.end, self.reverse)
        offset, limit = self.offset, self.limit
        # Redis skips `offset` entries one by one: a negative offset never
        # reaches zero and skips everything; a negative limit is no limit.
        if offset < 0 or (offset > 0 and offset >= n):
            return 0, 0
        lo, hi = self.range.span(zs)
        if self.reverse:
            hi = max(lo, hi - offset)
            if limit >= 0:
                lo = max(lo, hi - limit)
        else:
            lo = min(hi, lo + offset)
            if limit >= 0:
                hi = min(hi, lo + limit)
        return lo, hi


def parse_range_query(argv, first, store, kind=None, reverse=None):
    """Parse ``<key> <min> <max> [options]`` starting at argv[first] (the key).

    ``kind`` / ``reverse`` are fixed by the dedicated commands (ZRANGEBYSCORE,
    ZREVRANGE ...), which then refuse BYSCORE/BYLEX/REV as syntax errors.
    Errors come in Redis' order: options, conflicts, then the range itself.
    """
    q = RangeQuery()
    q.withscores, q.offset, q.limit = False, 0, -1
    j, n = first + 3, len(argv)
    while j < n:
        opt = argv[j].lower()
        if not store and opt == b"withscores":
            q.withscores = True
        elif opt == b"limit" and n - j - 1 >= 2:
            q.offset = parse_int(argv[j + 1])
            q.limit = parse_int(argv[j + 2])
            j += 2
        elif reverse is None and opt == b"rev":
            reverse = True
        elif kind is None and opt == b"bylex":
            kind = LEX
        elif kind is None and opt == b"byscore":
            kind = SCORE
        else:
            raise CommandError(errors.SYNTAX)
        j += 1
    q.reverse = bool(reverse)
    q.kind = kind or RANK
    # Redis tests the limit against its "unset" value -1, so LIMIT x -1 passes.
    if q.limit != -1 and q.kind == RANK:
        raise CommandError(errors.ZRANGE_LIMIT_RANK)
    if q.withscores and q.kind == LEX:
        raise CommandError(errors.ZRANGE_WITHSCORES_LEX)
    lo_arg, hi_arg = argv[first + 1], argv[first + 2]
    if q.kind == RANK:
        q.start, q.end = parse_int(lo_arg), parse_int(hi_arg)
        q.range = None
    else:
        if q.reverse:
            lo_arg, hi_arg = hi_arg, lo_arg   # given as max, min
        q.range = (ScoreRange if q.kind == SCORE else LexRange)(lo_arg, hi_arg)
    return q
