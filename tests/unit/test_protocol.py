"""Codec unit tests: byte-exact encoding, request reading, limits and errors."""

import pytest
from hypothesis import given, settings, strategies as st

from miniredis import errors, protocol
from miniredis.protocol import (
    RequestReader, TypedArgs, encode, encode_request, split_inline, string2ll,
)
from miniredis.replies import (
    OK, NULL, NULL_ARRAY, Double, Bool, Map, Set, Push, Verbatim, BigNumber, Error, Simple,
)


# --- encoder ---------------------------------------------------------------------

@pytest.mark.parametrize("reply, resp2, resp3", [
    (b"abc", b"$3\r\nabc\r\n", b"$3\r\nabc\r\n"),
    (b"", b"$0\r\n\r\n", b"$0\r\n\r\n"),
    (42, b":42\r\n", b":42\r\n"),
    (-1, b":-1\r\n", b":-1\r\n"),
    (OK, b"+OK\r\n", b"+OK\r\n"),
    (NULL, b"$-1\r\n", b"_\r\n"),
    (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
    (Double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n"),
    (Double(0.1), b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
    (Double(float("inf")), b"$3\r\ninf\r\n", b",inf\r\n"),
    (Double(float("-inf")), b"$4\r\n-inf\r\n", b",-inf\r\n"),
    (Double(3.0), b"$1\r\n3\r\n", b",3\r\n"),
    (Bool(True), b":1\r\n", b"#t\r\n"),
    (Bool(False), b":0\r\n", b"#f\r\n"),
    ([b"a", 1, NULL], b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", b"*3\r\n$1\r\na\r\n:1\r\n_\r\n"),
    ([], b"*0\r\n", b"*0\r\n"),
    (Map([(b"k", 1)]), b"*2\r\n$1\r\nk\r\n:1\r\n", b"%1\r\n$1\r\nk\r\n:1\r\n"),
    (Set([b"x"]), b"*1\r\n$1\r\nx\r\n", b"~1\r\n$1\r\nx\r\n"),
    (Push([b"message"]), b"*1\r\n$7\r\nmessage\r\n", b">1\r\n$7\r\nmessage\r\n"),
    (Verbatim(b"hi"), b"$2\r\nhi\r\n", b"=6\r\ntxt:hi\r\n"),
    (BigNumber(b"123"), b"$3\r\n123\r\n", b"(123\r\n"),
    (Error("ERR x"), b"-ERR x\r\n", b"-ERR x\r\n"),
    (Simple("QUEUED"), b"+QUEUED\r\n", b"+QUEUED\r\n"),
    ([Map([(b"a", [Double(2.5)])])], b"*1\r\n*2\r\n$1\r\na\r\n*1\r\n$3\r\n2.5\r\n",
     b"*1\r\n%1\r\n$1\r\na\r\n*1\r\n,2.5\r\n"),
])
def test_encode_byte_exact(reply, resp2, resp3):
    assert encode(reply, 2) == resp2
    assert encode(reply, 3) == resp3


def test_encode_request():
    assert encode_request([b"GET", b"k"]) == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    assert encode_request([b"SET", b"k", Map([(b"a", 1)])]) == \
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n%1\r\n$1\r\na\r\n:1\r\n"


# --- strict integers -----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"7", 7), (b"-7", -7), (b"123", 123), (b"9223372036854775807", 2 ** 63 - 1),
    (b"-9223372036854775808", -2 ** 63), (b"", None), (b"01", None), (b"-0", None),
    (b"+1", None), (b" 1", None), (b"1 ", None), (b"9223372036854775808", None), (b"-", None),
    (b"1a", None),
])
def test_string2ll(text, value):
    assert string2ll(text) == value


# --- inline splitting --------------------------------------------------------------

@pytest.mark.parametrize("line, args", [
    (b"SET a b", [b"SET", b"a", b"b"]),
    (b"  SET   a  ", [b"SET", b"a"]),
    (b"", []),
    (b"ECHO \"a b\"", [b"ECHO", b"a b"]),
    (b"ECHO \"\\x41\\n\\t\"", [b"ECHO", b"A\n\t"]),
    (b"ECHO 'it\\'s'", [b"ECHO", b"it's"]),
    (b"ECHO 'a\\nb'", [b"ECHO", b"a\\nb"]),
    (b"ECHO \"\"", [b"ECHO", b""]),
    (b"ECHO \"a\"b", None),
    (b"ECHO \"abc", None),
    (b"ECHO 'abc", None),
    (b"A\x00B C", [b"A"]),
])
def test_split_inline(line, args):
    assert split_inline(line) == args


# --- request reader ------------------------------------------------------------------

def feed_all(reader, *chunks):
    reqs, err = [], None
    for c in chunks:
        r, err = reader.feed(c)
        reqs.extend(r)
        if err:
            break
    return reqs, err


def test_pipelined_batch_in_order():
    r = RequestReader()
    data = b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nECHO x\r\n"
    assert r.feed(data) == ([[b"PING"], [b"GET", b"k"], [b"ECHO", b"x"]], None)
    assert r.pending() == 0


def test_every_split_point_gives_the_same_requests():
    data = (b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nPING\r\n"
            b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
    want = [[b"SET", b"key", b"value"], [b"PING"], [b"GET", b"key"]]
    for i in range(len(data) + 1):
        for j in range(i, len(data) + 1):
            r = RequestReader()
            assert feed_all(r, data[:i], data[i:j], data[j:]) == (want, None), (i, j)


@given(st.lists(st.lists(st.binary(max_size=40), min_size=1, max_size=5), min_size=1, max_size=8),
       st.lists(st.integers(min_value=1, max_value=64), max_size=20))
@settings(max_examples=200, deadline=None)
def test_random_requests_random_splits(requests, cuts):
    data = b"".join(encode_request(a) for a in requests)
    chunks, pos = [], 0
    for c in cuts:
        chunks.append(data[pos:pos + c])
        pos += c
    chunks.append(data[pos:])
    r = RequestReader()
    got, err = feed_all(r, *[c for c in chunks if c])
    assert err is None
    assert got == requests


@pytest.mark.parametrize("data, err", [
    (b"*1\r\n+PING\r\n", "ERR Protocol error: expected '$', got '+'"),
    (b"*x\r\n", errors.PROTO_INVALID_MULTIBULK),
    (b"*03\r\n", errors.PROTO_INVALID_MULTIBULK),
    (b"*3000000000\r\n", errors.PROTO_INVALID_MULTIBULK),
    (b"*1\r\n$-1\r\n", errors.PROTO_INVALID_BULK),
    (b"*1\r\n$04\r\nPING\r\n", errors.PROTO_INVALID_BULK),
    (b"*1\r\n$536870913\r\n", errors.PROTO_INVALID_BULK),
    (b"SET \"a b\r\n", errors.PROTO_UNBALANCED_QUOTES),
    (b"x" * 70000, errors.PROTO_BIG_INLINE),
    (b"*" + b"1" * 70000, errors.PROTO_BIG_MBULK_COUNT),
    (b"*1\r\n$" + b"1" * 70000, errors.PROTO_BIG_BULK_COUNT),
])
def test_protocol_errors(data, err):
    r = RequestReader()
    assert r.feed(data) == ([], err)


def test_error_after_good_requests_keeps_them():
    r = RequestReader()
    reqs, err = r.feed(b"*1\r\n$4\r\nPING\r\n*1\r\n+PING\r\n")
    assert reqs == [[b"PING"]]
    assert err == "ERR Protocol error: expected '$', got '+'"


def test_large_bulk_header_allocates_nothing_until_bytes_arrive():
    r = RequestReader()
    reqs, err = r.feed(b"*2\r\n$3\r\nSET\r\n$536870912\r\n")
    assert (reqs, err) == ([], None)
    assert r.pending() < 100


def test_bulk_limit_follows_config():
    r = RequestReader(max_bulk_len=10)
    assert r.feed(b"*1\r\n$11\r\n") == ([], errors.PROTO_INVALID_BULK)


def test_bulk_over_the_limit_is_refused_even_when_whole():
    # hiredis would accept the whole request; Redis refuses its header.
    r = RequestReader(max_bulk_len=10)
    assert r.feed(b"*1\r\n$11\r\nhello world\r\n") == ([], errors.PROTO_INVALID_BULK)
    r = RequestReader(max_bulk_len=11)
    assert r.feed(b"*1\r\n$11\r\nhello world\r\n") == ([[b"hello world"]], None)


def test_query_buffer_limit_closes():
    r = RequestReader(query_buffer_limit=1000)
    reqs, err = feed_all(r, b"*2\r\n$3\r\nSET\r\n$5000\r\n", b"x" * 2000)
    assert err is RequestReader.CLOSE


def test_unauthenticated_limits():
    r = RequestReader()
    r.auth_required = True
    assert r.feed(b"*11\r\n") == ([], errors.PROTO_UNAUTH_MBULK)
    r = RequestReader()
    r.auth_required = True
    assert r.feed(b"*1\r\n$16385\r\n") == ([], errors.PROTO_UNAUTH_BULK)


def test_empty_multibulk_is_skipped():
    r = RequestReader()
    assert r.feed(b"*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n") == ([[b"PING"]], None)


def test_typed_values_only_in_resp3():
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n%1\r\n+a\r\n*2\r\n:1\r\n,2.5\r\n"
    r = RequestReader()
    assert r.feed(data) == ([], "ERR Protocol error: expected '%', got '%'".replace("'%', got", "'$', got"))
    r = RequestReader()
    r.typed = True
    reqs, err = r.feed(data)
    assert err is None
    (req,) = reqs
    assert type(req) is TypedArgs
    assert req[:2] == [b"SET", b"k"]
    assert req[2] == Map([(b"a", [1, Double(2.5)])])


def test_typed_value_split_across_reads():
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n*3\r\n#t\r\n_\r\n$2\r\nhi\r\n"
    for i in range(1, len(data)):
        r = RequestReader()
        r.typed = True
        reqs, err = feed_all(r, data[:i], data[i:])
        assert err is None and len(reqs) == 1, i
        assert reqs[0][2] == [Bool(True), NULL, b"hi"]


def test_typed_nesting_is_capped():
    depth = 200
    data = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + b"*1\r\n" * depth + b":1\r\n"
    r = RequestReader()
    r.typed = True
    reqs, err = r.feed(data)
    assert reqs == [] and err == errors.TYPED_TOO_DEEP % 128


@pytest.mark.parametrize("size", [4000, 5000, 9000, 70000, 200000])
def test_large_values_across_reads(size):
    # Past _BIG_READ with a large first argument the Python parser takes the
    # read at once; below, hiredis does: both must give the request whole.
    value = bytes(range(256)) * (size // 256) + b"*1000\r\n\n%5555"
    data = encode_request([b"SET", b"k", value]) + encode_request([b"GET", b"k"])
    for step in (1024, 16384, 65536, len(data)):
        r = RequestReader()
        got, err = feed_all(r, *[data[i:i + step] for i in range(0, len(data), step)])
        assert (got, err) == ([[b"SET", b"k", value], [b"GET", b"k"]], None), step


def big_value(size, seed):
    # Protocol bytes inside the value: the gathering must not look at them.
    return (b"*3\r\n$%d\r\n" % seed + bytes(range(seed % 256, 256)) * 300)[:size].ljust(size, b"\r")


@given(st.lists(st.lists(st.one_of(st.binary(max_size=8),
                                   st.tuples(st.sampled_from([protocol._BIG_ARG - 1, protocol._BIG_ARG,
                                                              40000, 70000, 140000]),
                                             st.integers(0, 255)).map(lambda t: big_value(*t))),
                         min_size=1, max_size=4), min_size=1, max_size=4),
       st.lists(st.integers(min_value=0, max_value=400000), max_size=12),
       st.booleans())
@settings(max_examples=150, deadline=None)
def test_large_arguments_gathered_across_random_reads(requests, cuts, typed):
    data = b"".join(encode_request(a) for a in requests)
    cuts = sorted({c for c in cuts if 0 < c < len(data)})
    chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    r = RequestReader()
    r.typed = typed
    got, err = feed_all(r, *chunks)
    assert err is None
    assert got == requests
    assert all(type(a) is bytes for req in got for a in req)
    assert r.pending() == 0


def test_large_argument_split_at_every_byte_around_its_end():
    value = big_value(50000, 7)
    data = encode_request([b"MSET", b"a", value, b"b", value]) + encode_request([b"GET", b"a"])
    want = [[b"MSET", b"a", value, b"b", value], [b"GET", b"a"]]
    first_end = data.index(value) + len(value)
    for end in (first_end, len(data) - len(encode_request([b"GET", b"a"])) - 2):
        for at in range(end - 3, end + 4):
            for step in (1, 2, 3):
                r = RequestReader()
                chunks = [data[:20000], data[20000:at]] + [data[i:i + step] for i in range(at, end + 6, step)]
                chunks.append(data[end + 6 + (step - (end + 6 - at) % step) % step:])
                assert feed_all(r, *[c for c in chunks if c]) == (want, None), (end, at, step)


def test_pending_counts_a_large_argument_being_gathered():
    r = RequestReader()
    assert r.feed(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + b"x" * 40000) == ([], None)
    assert r.pending() == 40000
    assert r.feed(b"x" * 30000) == ([], None)
    assert r.pending() == 70000
    reqs, err = r.feed(b"x" * 30000 + b"\r\n*1\r\n$4\r\nPING\r\n")
    assert (reqs, err) == ([[b"SET", b"k", b"x" * 100000], [b"PING"]], None)
    assert r.pending() == 0


def test_query_buffer_limit_closes_while_gathering():
    r = RequestReader(query_buffer_limit=100000)
    head = b"*2\r\n$3\r\nSET\r\n$300000\r\n"
    assert r.feed(head + b"x" * 50000) == ([], None)
    assert r.feed(b"x" * 40000) == ([], None)
    assert r.feed(b"x" * 40000) == ([], RequestReader.CLOSE)


def test_typed_request_with_a_large_argument():
    value = big_value(60000, 3)
    data = b"*4\r\n$3\r\nSET\r\n:5\r\n$60000\r\n" + value + b"\r\n$2\r\nhi\r\n"
    r = RequestReader()
    r.typed = True
    (req,), err = feed_all(r, data[:30000], data[30000:50000], data[50000:])
    assert err is None and type(req) is TypedArgs
    assert req == [b"SET", 5, value, b"hi"]


@pytest.mark.parametrize("lines", [3, 200])
def test_big_aggregate_found_in_large_reads(lines):
    # A header announcing 1000+ elements never reaches hiredis, wherever it
    # stands in a read past _SCAN_BY_LINE, among few lines or many.
    pipeline = encode_request([b"PING"]) * lines + encode_request([b"SET", b"k", b"v" * 5000])
    r = RequestReader()
    reqs, err = r.feed(pipeline + b"*3000000000\r\n")
    assert (len(reqs), err) == (lines + 1, errors.PROTO_INVALID_MULTIBULK)
    r = RequestReader()
    reqs, err = r.feed(pipeline + b"*1500\r\n$4\r\nPING\r\n")
    assert (len(reqs), err, r.pending() > 0) == (lines + 1, None, True)


@pytest.mark.parametrize("count", [2, 20, 200])
@pytest.mark.parametrize("tail,big", [
    (b"", False),
    (b"*3000000000\r\n", True),
    (b"*2\r\n$1\r\na\r\n~1234\r\n", True),
    (b"*1\r\n%1000\r\n", True),
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\n~%>|*999 *12\r\n", False),
])
def test_big_aggregate_headers_in_pipelines_short_and_long(count, tail, big):
    # Short reads are translated whole; long pipelines are searched for '*'
    # headers first: both must find any aggregate type of 1000+ elements.
    data = encode_request([b"GET", b"key:000000000001"]) * count + tail
    assert protocol._big_aggregate(data) is big
