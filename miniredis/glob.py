"""Glob-style matching with the exact semantics of Redis' ``stringmatchlen``.

Owns: turning a KEYS / SCAN MATCH / PSUBSCRIBE style pattern (bytes) into a
matcher. Must not touch: the keyspace, replies, sockets.

Supported syntax, as Redis 7.0: ``*`` (any run of bytes), ``?`` (one byte),
``[abc]``, ``[^abc]``, ``[a-z]`` (bounds may come in either order),
backslash escapes inside and outside classes, and a ``nocase`` flag that
folds ASCII letters only (C ``tolower``).

Redis' quirks are reproduced on purpose, because clients observe them:

* the empty string matches only the empty pattern (even ``*`` fails on it;
  callers special-case the lone ``*`` as Redis does);
* a class that is never closed ends the pattern (``[ab`` == ``[ab]``);
* ``[]`` matches nothing and ``[^]`` matches any byte;
* ``x-y`` inside a class is a range whenever two more pattern bytes follow,
  even when the upper bound is ``]`` (``[a-]`` then keeps reading the class);
* range bounds compare as *signed* C chars, so bytes >= 0x80 sort below 0;
* a pattern with more than 1000 stars that are followed by something else
  matches nothing: Redis 7.0 stops recursing at that nesting depth (its
  guard against abusive patterns) and answers "no match".

Patterns are compiled once to a Python regular expression and kept in a small
LRU cache. Redis avoids exponential backtracking on ``*a*a*a*b`` by giving up
as soon as the rest of a pattern fails from every position; the equivalent
here is to let each star segment (which always has a fixed length) match at
its earliest position inside an atomic group, so matching stays polynomial.
"""

import functools
import re

_ANY = "any"     # '?': one byte
_STAR = "star"   # '*': any run of bytes
# Redis recurses once per star (after collapsing runs) that is not the last
# token, and gives up, without a match, below this depth.
MAX_NESTING = 1000


def _lower(c):
    """C tolower on a (possibly negative, i.e. signed char) value."""
    return c + 32 if 65 <= c <= 90 else c


def _signed(b):
    return b - 256 if b >= 128 else b


def _parse_class(pat, i, nocase):
    """Parse a class starting just after '['; return (set of byte values, next index).

    Walks the pattern exactly as stringmatchlen does, collecting for every
    possible subject byte whether the class accepts it.
    """
    n = len(pat)
    negate = i < n and pat[i] == 0x5E  # '^'
    if negate:
        i += 1
    singles = []        # byte values compared for equality
    ranges = []         # (start, end) of signed-char ranges, already ordered/folded
    while True:
        left = n - i
        c = pat[i] if left > 0 else 0
        if c == 0x5C and left >= 2:          # backslash: next byte is literal
            i += 1
            singles.append((pat[i], False))  # an escaped byte is compared exactly
        elif left > 0 and c == 0x5D:         # ']' closes the class
            i += 1
            break
        elif left == 0:                      # unterminated class ends the pattern
            break
        elif left >= 3 and pat[i + 1] == 0x2D:   # 'x-y' range
            start, end = _signed(c), _signed(pat[i + 2])
            if start > end:
                start, end = end, start
            if nocase:
                start, end = _lower(start), _lower(end)
            ranges.append((start, end))
            i += 2
        else:
            singles.append((c, nocase))
        if left > 0:
            i += 1
    accepted = set()
    for b in range(256):
        s = _signed(b)
        low = _lower(s) if nocase else s
        hit = any((low if fold else s) == (_lower(_signed(p)) if fold else _signed(p))
                  for p, fold in singles)
        if not hit:
            hit = any(lo <= low <= hi for lo, hi in ranges)
        if hit != negate:
            accepted.add(b)
    return accepted, i


def _tokens(pat, nocase):
    """The pattern as a list of tokens: _STAR, _ANY or a frozenset of accepted bytes."""
    out = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == 0x2A:                       # '*' (runs collapse into one)
            if not out or out[-1] is not _STAR:
                out.append(_STAR)
            i += 1
        elif c == 0x3F:                     # '?'
            out.append(_ANY)
            i += 1
        elif c == 0x5B:                     # '['
            accepted, i = _parse_class(pat, i + 1, nocase)
            out.append(frozenset(accepted))
        else:
            if c == 0x5C and n - i >= 2:    # backslash escapes the next byte
                i += 1
                c = pat[i]
            if nocase and (65 <= c <= 90 or 97 <= c <= 122):
                out.append(frozenset((c | 0x20, c & ~0x20)))
            else:
                out.append(frozenset((c,)))
            i += 1
    return out


def _byte_class(accepted):
    if not accepted:
        return "(?!)"                       # a class that can never match
    if len(accepted) == 1:
        return "\\x%02x" % next(iter(accepted))
    return "[" + "".join("\\x%02x" % b for b in sorted(accepted)) + "]"


def _segment(tokens):
    return "".join("." if t is _ANY else _byte_class(t) for t in tokens)


def _to_regex(tokens):
    """Anchored regex; star segments other than the last match earliest, atomically."""
    segments = [[]]
    for t in tokens:
        if t is _STAR:
            segments.append([])
        else:
            segments[-1].append(t)
    parts = [r"\A", _segment(segments[0])]
    if len(segments) > 1:
        for seg in segments[1:-1]:
            parts.append("(?>.*?%s)" % _segment(seg))
        parts.append(".*" + _segment(segments[-1]))
    parts.append(r"\Z")
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern, nocase=False):
    """A function bytes -> bool matching like stringmatchlen(pattern, s, nocase)."""
    if pattern == b"*":
        return _nonempty
    if not pattern:
        return _empty
    tokens = _tokens(pattern, nocase)
    if tokens[:-1].count(_STAR) > MAX_NESTING:
        return _never
    rx = re.compile(_to_regex(tokens).encode("latin-1"), re.DOTALL)
    match = rx.match

    def matcher(s):
        # The empty string matches only the empty pattern, as in Redis.
        return bool(s) and match(s) is not None
    return matcher


def _nonempty(s):
    return bool(s)


def _empty(s):
    return not s


def _never(s):
    return False


def match(pattern, s, nocase=False):
    """True if bytes ``s`` matches glob ``pattern`` (Redis' stringmatchlen)."""
    return compile_pattern(pattern, nocase)(s)
