"""LATENCY HISTOGRAM and INFO latencystats against redis-server 7.0.

Durations differ between two servers, so the differential tests compare what
does not depend on them: which commands are reported (names, order of the
arguments, duplicates), the calls, the reply types in RESP2 and RESP3, the
bucket keys Redis can produce, and the fields of INFO. The arithmetic itself
(buckets, cumulative counts, percentiles) is checked against redis-server by
reading back every call's value with INFO percentiles and rebuilding the
histogram from them: what Redis then answers must be what miniredis.latencyhist
computes from the same values.
"""

import pytest

from miniredis.latencyhist import Histogram

from support import RawClient

# The keys of histogram_usec: each power of two from 1024 ns, as the highest
# value of its slot in whole microseconds, and the top of the tracked range.
BUCKET_KEYS = [((1024 << k) + ((1024 << k) >> 7) - 1) // 1000 for k in range(20)] + [1073741]


def _histograms(reply):
    """[(name, calls, [(key, count)])] of a LATENCY HISTOGRAM reply, checking its types."""
    out = []
    if reply.t == "%":
        pairs = reply.v
    else:
        assert reply.t == "*"
        pairs = list(zip(reply.v[0::2], reply.v[1::2]))
    for name, body in pairs:
        assert name.t == "$"
        fields = body.v if body.t == "%" else list(zip(body.v[0::2], body.v[1::2]))
        assert [k.v for k, _ in fields] == [b"calls", b"histogram_usec"]
        calls, hist = fields[0][1], fields[1][1]
        assert calls.t == ":"
        assert hist.t == body.t   # a map in RESP3, a flat array in RESP2
        flat = [x for kv in hist.v for x in kv] if hist.t == "%" else hist.v
        assert all(x.t == ":" for x in flat)
        buckets = [(flat[i].v, flat[i + 1].v) for i in range(0, len(flat), 2)]
        out.append((name.v, calls.v, buckets))
    return out


def _shape(reply):
    """What two servers must agree on: names, calls, and valid cumulative buckets."""
    out = []
    for name, calls, buckets in _histograms(reply):
        keys = [k for k, _ in buckets]
        counts = [n for _, n in buckets]
        assert all(k in BUCKET_KEYS for k in keys), buckets
        assert keys == sorted(set(keys)) and counts == sorted(set(counts)), buckets
        assert counts and counts[-1] == calls, (name, calls, buckets)
        out.append((name, calls))
    return out


def _both_shape(compat, *args):
    m, r = compat.both(*args)
    assert m.t == r.t, (args, m, r)
    ms, rs = _shape(m), _shape(r)
    return ms, rs


def _reset(compat):
    for c in (compat.m, compat.r):
        assert c.cmd("CONFIG", "SET", "latency-tracking", "yes").v == "OK"
        assert c.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9").v == "OK"
        assert c.cmd("CONFIG", "RESETSTAT").v == "OK"


def test_histogram_names_calls_and_types(compat):
    _reset(compat)
    for _ in range(5):
        compat.same("SET", "k", "v")
    for _ in range(3):
        compat.same("GET", "k")
    compat.same("CONFIG", "GET", "maxmemory")
    compat.same("LATENCY", "HISTOGRAM", "nosuch")
    # Names are case-blind, repeated names answered again, unknown or malformed
    # ones skipped.
    ms, rs = _both_shape(compat, "LATENCY", "HISTOGRAM", "set", "GET", "nosuch",
                         "CONFIG|GET", "get|x", "config|get|x", "config|", "set")
    assert ms == rs == [(b"set", 5), (b"get", 3), (b"config|get", 1), (b"set", 5)]
    # A container stands for its subcommands with calls (Redis: in hash order).
    ms, rs = _both_shape(compat, "LATENCY", "HISTOGRAM", "config")
    assert sorted(ms) == sorted(rs) == [(b"config|get", 1), (b"config|resetstat", 1)]
    # Without names: every command with calls (Redis in its table's hash order).
    ms, rs = _both_shape(compat, "LATENCY", "HISTOGRAM")
    assert sorted(ms) == sorted(rs)
    assert (b"latency|histogram", 3) in ms


def test_histogram_with_tracking_off(compat):
    _reset(compat)
    compat.same("PING")
    compat.same("CONFIG", "SET", "latency-tracking", "no")
    compat.same("PING")
    compat.same("PING")
    # Kept, but not fed, while tracking is off: calls is the histogram's count.
    ms, rs = _both_shape(compat, "LATENCY", "HISTOGRAM", "ping")
    compat.same("CONFIG", "SET", "latency-tracking", "no")
    m, r = compat.both("INFO", "latencystats")
    compat.same("CONFIG", "SET", "latency-tracking", "yes")
    assert ms == rs == [(b"ping", 1)]
    assert m.v == r.v   # the title alone


def test_histogram_after_resetstat(compat):
    _reset(compat)
    compat.same("PING")
    compat.same("CONFIG", "RESETSTAT")
    compat.same("LATENCY", "HISTOGRAM", "ping")
    # CONFIG RESETSTAT's own call is the first one counted after it.
    ms, rs = _both_shape(compat, "LATENCY", "HISTOGRAM", "config")
    assert ms == rs == [(b"config|resetstat", 1)]


def _info_lines(reply):
    text = reply.v.decode() if isinstance(reply.v, bytes) else reply.v
    if text.startswith("txt:"):
        text = text[4:]
    return text.split("\r\n")


def test_info_latencystats_fields(compat):
    _reset(compat)
    compat.same("SET", "a", "1")
    compat.same("CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.5 0x10 99.999 100")
    m, r = compat.both("INFO", "latencystats")
    assert m.t == r.t
    fields = []
    for reply in (m, r):
        lines = _info_lines(reply)
        assert lines[0] == "# Latencystats"
        fields.append(sorted(
            (l.split(":")[0], [kv.split("=")[0] for kv in l.split(":")[1].split(",")])
            for l in lines[1:] if l))
    assert fields[0] == fields[1]
    assert ("latency_percentiles_usec_set", ["p0", "p12.5", "p16", "p99.999", "p100"]) in fields[0]
    assert ("latency_percentiles_usec_config|set", ["p0", "p12.5", "p16", "p99.999", "p100"]) \
        in fields[0]
    compat.same("CONFIG", "SET", "latency-tracking-info-percentiles", "")
    m, r = compat.both("INFO", "latencystats")
    assert sorted(_info_lines(m)) == sorted(_info_lines(r))
    compat.same("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")


def test_info_sections_order_and_selection(compat):
    for args in ((), ("default",), ("all",), ("everything",), ("latencystats",),
                 ("latencystats", "server"), ("LatencyStats",)):
        m, r = compat.both("INFO", *args)
        titles = [[l for l in _info_lines(x) if l.startswith("# ")] for x in (m, r)]
        assert titles[0] == titles[1], args


@pytest.mark.parametrize("value", [
    "nan", "inf", "-1", "101", "100.0000001", "  50", "50  99", "50,99", "5e1x", "1e999",
    "1e-999", " ", "abc"])
def test_percentiles_config_errors(resp2_compat, value):
    resp2_compat.same_error("CONFIG", "SET", "latency-tracking-info-percentiles", value)


def test_percentiles_config_values(resp2_compat):
    for value in ("0x10", "-0", "1e-9 99.9999999", "", "+5 .5 5.", "0x1p3 33.3333333333",
                  "50 50", "50 99 99.9"):
        resp2_compat.same("CONFIG", "SET", "latency-tracking-info-percentiles", value)
        resp2_compat.same("CONFIG", "GET", "latency-tracking-info-percentiles")


def test_blocking_commands_count_when_served_not_when_timed_out(mini_server, redis_server):
    shapes = []
    for srv in (mini_server, redis_server):
        admin = RawClient(srv.port)
        waiter = RawClient(srv.port)
        try:
            assert admin.cmd("CONFIG", "RESETSTAT").v == "OK"
            assert waiter.cmd("BLPOP", "lat-nokey", "0.05").v is None   # timed out
            waiter.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$6\r\nlat-k2\r\n$1\r\n5\r\n")
            for _ in range(200):   # until it is blocked
                if b"blocked_clients:1" in admin.cmd("INFO", "clients").v:
                    break
            assert admin.cmd("RPUSH", "lat-k2", "x").v == 1
            assert waiter.read().plain() == [b"lat-k2", b"x"]
            shapes.append(_shape(admin.cmd("LATENCY", "HISTOGRAM", "blpop")))
        finally:
            admin.close()
            waiter.close()
    assert shapes[0] == shapes[1] == [(b"blpop", 1)]


# --- the arithmetic, checked against redis-server's own numbers ----------------------

def _percentile_values(client, name, n):
    """The value (ns) of each of the n calls of ``name``, smallest first, from INFO."""
    pcts = " ".join(repr(100.0 * k / n) for k in range(1, n + 1))
    assert client.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", pcts).v == "OK"
    line = [l for l in _info_lines(client.cmd("INFO", "latencystats"))
            if l.startswith("latency_percentiles_usec_%s:" % name)][0]
    return [int(round(float(kv.split("=")[1]) * 1000)) for kv in line.split(":")[1].split(",")]


def _info_line(client, name, pcts):
    assert client.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", pcts).v == "OK"
    return [l for l in _info_lines(client.cmd("INFO", "latencystats"))
            if l.startswith("latency_percentiles_usec_%s:" % name)][0]


SLEEPS = ("0", "0", "0.0005", "0.002", "0.002", "0.004", "0.03", "0.3", "1.05")
PCTS = "0 1 10 12.5 25 33.3333333333 50 51 75 90 99 99.9 100"


@pytest.mark.parametrize("which", ["redis", "miniredis"])
def test_buckets_and_percentiles_rebuilt_from_the_values(debug_pair, which):
    """DEBUG SLEEP of known lengths (one past the 1 s ceiling); each call's value read back
    from INFO; a Histogram fed those values answers what the server answered."""
    srv = debug_pair[1] if which == "redis" else debug_pair[0]
    c = RawClient(srv.port)
    try:
        assert c.cmd("CONFIG", "SET", "latency-tracking", "yes").v == "OK"
        assert c.cmd("CONFIG", "RESETSTAT").v == "OK"
        for s in SLEEPS:
            assert c.cmd("DEBUG", "SLEEP", s).v == "OK"
        served = _histograms(c.cmd("LATENCY", "HISTOGRAM", "debug"))
        values = _percentile_values(c, "debug", len(SLEEPS))
        line = _info_line(c, "debug", PCTS)
        assert c.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9").v == "OK"
    finally:
        c.close()
    h = Histogram([])
    for v in values:
        h.record_ns(v)
    assert served == [(b"debug", len(SLEEPS), h.cdf())]
    assert values[-1] == 1002438655   # 1.05 s is held to 1 s: the slot of 10^9 ns
    assert served[0][2][-1] == (1073741, len(SLEEPS))
    # p0 reads the lowest value of the first call's slot, the others the highest.
    mine = ",".join("p%s=%.3f" % (p if p != "33.3333333333" else "33.333333",
                                  h.value_at(float(p)) / 1000.0) for p in PCTS.split())
    assert line == "latency_percentiles_usec_debug:" + mine
