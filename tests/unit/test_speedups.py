"""The compiled reader check (miniredis/_speedups.pyx whole_requests) against the pure reader.

Skipped when the compiled module is not built (or MINIREDIS_PURE=1): the
pure reader is then the only one, and tests/unit/test_protocol.py covers it.
"""

import pytest
from hypothesis import given, settings, strategies as st

from miniredis import protocol
from miniredis.compiled import speedups

pytestmark = pytest.mark.skipif(speedups is None, reason="compiled module not built or disabled")

hiredis = pytest.importorskip("hiredis")

MAX_BULK = 512 * 1024 * 1024


def pure_feed(data, max_bulk=MAX_BULK):
    saved = protocol._whole_requests
    protocol._whole_requests = None
    try:
        return protocol.RequestReader(max_bulk_len=max_bulk).feed(data)
    finally:
        protocol._whole_requests = saved


def encode(requests):
    return b"".join(b"*%d\r\n" % len(r) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in r)
                    for r in requests)


args = st.binary(max_size=20) | st.sampled_from([b"*2", b"$3\r\n", b"\r\n", b"GET", b""])
requests = st.lists(st.lists(args, max_size=5), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(requests)
def test_canonical_requests_read_as_the_pure_reader_does(reqs):
    data = encode(reqs)
    got = speedups.whole_requests(hiredis.Reader(), data, MAX_BULK)
    assert got is not None
    assert (got, None) == pure_feed(data)


@settings(max_examples=500, deadline=None)
@given(requests, st.data())
def test_altered_data_is_refused_or_read_the_same(reqs, draw):
    data = bytearray(encode(reqs))
    how = draw.draw(st.sampled_from(["cut", "flip", "insert", "zero"]))
    at = draw.draw(st.integers(0, len(data) - 1))
    if how == "cut":
        data = data[:at]
    elif how == "flip":
        data[at] = draw.draw(st.sampled_from(b"*$\r\n0123456789-+ :x"))
    elif how == "insert":
        data[at:at] = draw.draw(st.sampled_from([b"0", b"\r\n", b"*", b"$", b"-", b" "]))
    else:
        data[at:at] = b"0"   # a leading zero, where it lands
    data = bytes(data)
    if not data:
        return
    reader = hiredis.Reader()
    got = speedups.whole_requests(reader, data, MAX_BULK)
    if got is None:
        # Refused: the pure path reads it, with a reader left untouched.
        assert reader.gets() is False
        return
    assert (got, None) == pure_feed(data)


@pytest.mark.parametrize("data", [
    b"*1000\r\n" + b"$1\r\nx\r\n" * 1000,   # headers of four digits: the pure path
    b"*01\r\n$4\r\nPING\r\n",               # leading zeros
    b"*1\r\n$04\r\nPING\r\n",
    b"*-1\r\n",                             # a negative count
    b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI",  # half a request at the end
    b"*1\r\n$4\r\nPINGx\r\n",               # a payload longer than announced
    b"*1\r\n+PING\r\n",                     # not a bulk string
    b"PING\r\n",                            # inline
    b"*1\n$4\r\nPING\r\n",                  # a bare LF
])
def test_refused(data):
    assert speedups.whole_requests(hiredis.Reader(), data, MAX_BULK) is None


def test_bulk_over_the_limit_is_the_pure_paths():
    data = encode([[b"SET", b"k", b"x" * 100]])
    assert speedups.whole_requests(hiredis.Reader(), data, 99) is None
    assert speedups.whole_requests(hiredis.Reader(), data, 100) == [[b"SET", b"k", b"x" * 100]]
    reqs, err = pure_feed(data, max_bulk=99)
    assert reqs == [] and "invalid bulk length" in err


def test_empty_multibulks_are_skipped():
    data = b"*0\r\n" + encode([[b"PING"]]) + b"*0\r\n"
    assert speedups.whole_requests(hiredis.Reader(), data, MAX_BULK) == [[b"PING"]]
    assert pure_feed(data) == ([[b"PING"]], None)
