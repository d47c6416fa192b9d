"""miniredis.latencyhist: the histogram arithmetic with the numbers redis-server 7.0.15
answered (LATENCY HISTOGRAM, INFO latencystats), folding, reset and the replies' bytes.

The expected values in comments were read from a real redis-server 7.0.15; the
end-to-end comparison is tests/compat/test_latency_histogram_compat.py.
"""

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis import latencyhist
from miniredis.config import _percentiles
from miniredis.latencyhist import Histogram, fold, fold_all, histogram_reply, info_lines, lookup
from miniredis.protocol import encode
from miniredis.registry import COMMANDS


def _hist(*ns):
    h = Histogram([])
    for v in ns:
        h.record_ns(v)
    return h


def test_values_read_as_the_top_of_their_slot():
    # Redis: 3 PINGs of 1, 2 and 2 us -> histogram_usec {1: 1, 2: 3}, p50=2.007
    h = _hist(1000, 2000, 2000)
    assert h.cdf() == [(1, 1), (2, 3)]
    assert h.value_at(50) == 2007
    # Redis: DEBUG SLEEP 0 (~90.6 us) -> p0=90.624 (the slot's lowest), p12.5=91.135
    h = _hist(90624)
    assert h.value_at(0) == 90624 and h.value_at(12.5) == 91135
    # Below 256 ns every value has its own slot; a call under 1 us records 1 ns.
    assert _hist(0).value_at(50) == 1 and _hist(255).value_at(50) == 255


def test_the_one_second_ceiling_and_the_last_bucket():
    # Redis: DEBUG SLEEP 1.2 and 0.6 -> {1073741: 2}, p50=603979.775, p99=1002438.655
    h = _hist(1200 * 10 ** 6, 600 * 10 ** 6)
    assert h.cdf() == [(1073741, 2)]
    assert h.value_at(50) == 603979775
    assert h.value_at(99) == h.value_at(100) == 1002438655


def test_buckets_are_powers_of_two_listed_where_the_count_grows():
    # Redis: 5 INFO calls of 96..141 us -> {132: 3, 264: 5}
    h = _hist(96255, 100000, 131000, 140000, 141311)
    assert h.cdf() == [(132, 3), (264, 5)]
    # A value exactly at a power of two counts in that bucket (its slot is inside).
    assert _hist(131072).cdf() == [(132, 1)]
    assert _hist(132095).cdf() == [(132, 1)]
    assert _hist(132096).cdf() == [(264, 1)]
    assert _hist(1).cdf() == [(1, 1)]
    assert _hist(536870912).cdf() == [(541065, 1)]   # 2^29: the last bucket inside the range


def test_percentile_rank_rounds_half_up():
    # Redis: 10 calls, 5 short and 5 long: p51 is still a short one (int(5.1 + 0.5) = 5).
    h = _hist(*([100000] * 5 + [10 ** 7] * 5))
    assert h.value_at(50) == h.value_at(51) == 100351
    assert h.value_at(56) > 10 ** 7
    assert Histogram([]).value_at(50) == 0


class _Spec(object):
    def __init__(self, name):
        self.fullname_bytes = name.encode()
        self.subcommands = {}
        self.latencies = []

    def reset_stats(self):
        self.latencies = []


def test_fold_drains_the_samples_and_sees_a_reset():
    spec = _Spec("x")
    spec.latencies.extend([0.000001, 0.000002, 0.000002])
    lst = spec.latencies
    h = fold(spec)
    assert h.cdf() == [(1, 1), (2, 3)] and lst == [] and spec.latencies is lst
    spec.latencies.append(0.000001)
    assert fold(spec).total == 4
    spec.reset_stats()   # CONFIG RESETSTAT
    assert fold(spec) is None
    spec.latencies.append(0.1)
    assert fold(spec).cdf() == [(135266, 1)]


@pytest.fixture
def real_spec():
    """A real spec's histogram, put back as it was after the test."""
    saved = []

    def take(spec):
        saved.append((spec, spec.latencies, latencyhist._HISTS.pop(spec, None)))
        spec.latencies = []
        return spec
    yield take
    for spec, lst, h in saved:
        spec.latencies = lst
        latencyhist._HISTS.pop(spec, None)
        if h is not None:
            latencyhist._HISTS[spec] = h


def test_lookup_names_as_redis():
    assert lookup(b"GET") is COMMANDS["get"]
    assert lookup(b"config|GET") is COMMANDS["config"].subcommands["get"]
    assert lookup(b"config") is COMMANDS["config"]
    for name in (b"nosuch", b"get|x", b"config|get|x", b"config|", b"config|nosuch"):
        assert lookup(name) is None


def test_reply_bytes_as_redis(real_spec):
    spec = real_spec(COMMANDS["config"].subcommands["get"])
    for sub in COMMANDS["config"].subcommands.values():
        if sub is not spec:
            real_spec(sub)
    real_spec(COMMANDS["set"])   # other tests of this process may have run SET
    spec.latencies.append(0.0001)
    # Bytes of redis-server 7.0.15 for LATENCY HISTOGRAM config set nosuch.
    reply = histogram_reply([b"config", b"set", b"nosuch"])
    assert encode(reply, 2) == (b"*2\r\n$10\r\nconfig|get\r\n*4\r\n$5\r\ncalls\r\n:1\r\n"
                                b"$14\r\nhistogram_usec\r\n*2\r\n:132\r\n:1\r\n")
    assert encode(reply, 3) == (b"%1\r\n$10\r\nconfig|get\r\n%2\r\n$5\r\ncalls\r\n:1\r\n"
                                b"$14\r\nhistogram_usec\r\n%1\r\n:132\r\n:1\r\n")
    assert encode(histogram_reply([b"nosuch"]), 3) == b"%0\r\n"


class _Config(object):
    latency_tracking = True
    latency_tracking_info_percentiles = "50 99 99.9"


class _Server(object):
    config = _Config()


def test_info_lines_and_percentile_labels(real_spec):
    spec = real_spec(COMMANDS["ping"])
    spec.latencies.extend([0.000001, 0.000002, 0.000002])
    srv = _Server()
    lines = [l for l in info_lines(srv) if l.startswith("latency_percentiles_usec_ping:")]
    assert lines == ["latency_percentiles_usec_ping:p50=2.007,p99=2.007,p99.9=2.007"]
    # The doubles as given: "1e-9" shows as p0 but reads the top of the slot, as Redis.
    srv.config = _Config()
    srv.config.latency_tracking_info_percentiles = _percentiles("0 1e-9 0x10 -0")
    lines = [l for l in info_lines(srv) if l.startswith("latency_percentiles_usec_ping:")]
    assert lines == ["latency_percentiles_usec_ping:p0=1.000,p0=1.003,p16=1.003,p-0=1.000"]
    srv.config.latency_tracking = False
    assert info_lines(srv) == []


def test_fold_all_empties_every_list(real_spec):
    spec = real_spec(COMMANDS["echo"])
    spec.latencies.extend([0.00001] * 1000)
    fold_all(None)
    assert spec.latencies == [] and fold(spec).total == 1000
