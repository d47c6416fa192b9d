"""Glob matching (Redis' stringmatchlen), including its quirks, plus a differential check."""

import random

import pytest

from miniredis.glob import compile_pattern, match
from support import RawClient


@pytest.mark.parametrize("pattern,subject,expected", [
    (b"*", b"anything", True),
    (b"*", b"", False),              # callers special-case a lone '*' for the empty key
    (b"", b"", True),
    (b"", b"a", False),
    (b"**", b"", False),
    (b"h?llo", b"hello", True),
    (b"h?llo", b"hllo", False),
    (b"h*llo", b"hllo", True),
    (b"h*llo", b"heeeello", True),
    (b"h[ae]llo", b"hallo", True),
    (b"h[ae]llo", b"hillo", False),
    (b"h[^e]llo", b"hallo", True),
    (b"h[^e]llo", b"hello", False),
    (b"h[a-b]llo", b"hbllo", True),
    (b"h[b-a]llo", b"hallo", True),      # bounds in either order
    (b"h\\*llo", b"h*llo", True),
    (b"h\\*llo", b"hello", False),
    (b"a\\", b"a\\", True),              # a trailing backslash is literal
    (b"[\\]]", b"]", True),
    (b"[]", b"a", False),                # empty class never matches
    (b"[^]", b"a", True),                # negated empty class matches any byte
    (b"[ab", b"a", True),                # unterminated class ends the pattern
    (b"[ab", b"ab", False),
    (b"[", b"[", False),
    (b"[a-]x]", b"x", True),             # 'a-]' is a range, then the class goes on
    (b"[a-]x]", b"]", True),
    (b"[a-]x]", b"-", False),
    (b"[\x00-\xff]", b"\x80", False),    # signed chars: the range is -1..0
    (b"[\x00-\xff]", b"\xff", True),
    (b"[\x00-\xff]", b"\x00", True),
    (b"*a*a*a*a*a*b", b"a" * 3000, False),
    (b"a*b*c", b"axxbyyc", True),
    (b"a*b*c", b"axxbyyb", False),
    (b"a*", b"a", True),
    (b"a*?", b"a", False),
    (b"\n*", b"\nx", True),
    (b"*\n", b"x\n", True),
])
def test_patterns(pattern, subject, expected):
    assert match(pattern, subject) is expected


def test_nocase():
    assert match(b"HeLLo*", b"hello world", nocase=True)
    assert not match(b"HeLLo*", b"hello world")
    assert match(b"[A-C]", b"b", nocase=True)
    assert match(b"[^A]", b"B", nocase=True)
    assert not match(b"[^A]", b"a", nocase=True)
    assert not match(b"[A-z]", b"_", nocase=True)   # the range is folded to a-z
    assert match(b"[A-z]", b"_")
    assert match(b"\\A", b"a", nocase=True)
    assert not match(b"[\\A]", b"a", nocase=True)   # escaped class members compare exactly


def test_compiled_patterns_are_cached():
    assert compile_pattern(b"user:*") is compile_pattern(b"user:*")
    assert compile_pattern(b"user:*", True) is not compile_pattern(b"user:*", False)


def test_random_patterns_against_reference(redis_server):
    """Random patterns over random keys: KEYS on the reference decides."""
    rnd = random.Random(3)
    alphabet = [b"a", b"B", b"-", b"]", b"[", b"\\", b"^", b"*", b"?", b"\xfe", b"\x00", b"z"]
    keys = {b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 4))) for _ in range(150)}
    c = RawClient(redis_server.port)
    try:
        c.cmd("FLUSHALL")
        c.pipeline([("SET", k, "v") for k in keys])
        patterns = [b"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 6)))
                    for _ in range(400)]
        replies = c.pipeline([("KEYS", p) for p in patterns])
        for p, rep in zip(patterns, replies):
            expected = {x.v for x in rep.v}
            mine = {k for k in keys if p == b"*" or match(p, k)}
            assert mine == expected, p
    finally:
        c.cmd("FLUSHALL")
        c.close()


def test_nesting_limit_of_stars():
    """More than 1000 stars followed by something match nothing, as in Redis 7.0."""
    s = b"a" * 1200
    assert match(b"*a" * 1000, s) and not match(b"*a" * 1001, s)
    assert match(b"a*" * 1001, s) and not match(b"a*" * 1002, s)   # a last star does not nest
    assert match(b"*" * 5000 + b"a", s)                             # runs collapse to one
    assert not match(b"*?" * 50000, b"a" * 50000)
