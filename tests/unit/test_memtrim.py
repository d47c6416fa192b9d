"""memtrim: when the cron gives the C heap back (a fake keyspace and clock), and the call itself."""

import sys

import pytest

from miniredis import memtrim
from miniredis.memtrim import MIN_INTERVAL, MIN_KEYS, Trimmer


class _Db(object):
    def __init__(self, n=0):
        self.n = n

    def __len__(self):
        return self.n


class _Keyspace(object):
    def __init__(self, *counts):
        self.dbs = [_Db(n) for n in counts]


class _Clock(object):
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def _trimmer(*counts):
    """(trimmer, keyspace, clock, trims so far after n more ticks of 0.1 s)."""
    ks, clock, calls = _Keyspace(*counts), _Clock(), []
    t = Trimmer(ks, clock, lambda: calls.append(clock.t))

    def ticks(n):
        for _ in range(n):
            clock.t += 0.1
            t.cron()
        return len(calls)
    return t, ks, clock, ticks


def test_trims_once_after_start_up_then_waits_for_a_change():
    t, ks, clock, ticks = _trimmer(5, 0, 7)
    assert ticks(1) == 0          # the first tick only looks
    assert ticks(50) == 1         # start-up (and any load before it), once
    ks.dbs[0].n += MIN_KEYS - 1   # too small a change
    assert ticks(50) == 1


def test_a_bulk_insert_is_trimmed_after_it_ends():
    t, ks, clock, ticks = _trimmer(0)
    assert ticks(30) == 1
    for _ in range(40):           # keys arriving at every tick: not yet
        ks.dbs[0].n += 5000
        assert ticks(1) == 1
    assert ticks(1) == 2          # the count stood still for one tick
    assert ticks(50) == 2


def test_a_change_is_measured_against_the_count_at_the_last_trim():
    t, ks, clock, ticks = _trimmer(400000)
    assert ticks(30) == 1
    ks.dbs[0].n -= 50000          # 12.5%: not a quarter yet
    assert ticks(30) == 1
    ks.dbs[0].n -= 60000          # 27.5% below the trimmed count, in two steps
    assert ticks(30) == 2


def test_flushing_to_zero_keys_trims_whatever_the_count_was():
    t, ks, clock, ticks = _trimmer(3, 2)
    assert ticks(30) == 1
    ks.dbs[0].n = ks.dbs[1].n = 0   # FLUSHALL of five (maybe big) keys
    assert ticks(30) == 2
    assert ticks(30) == 2         # empty stays empty: nothing more


def test_at_most_one_trim_per_interval():
    t, ks, clock, ticks = _trimmer(10)
    assert ticks(2) == 1
    first = clock.t
    ks.dbs[0].n = 0               # right after the start-up trim
    assert ticks(2) == 1          # too soon
    clock.t = first + MIN_INTERVAL   # the next tick is past the interval
    assert ticks(1) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trim_calls_malloc_trim_on_linux():
    import ctypes
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "malloc_trim"):
        pytest.skip("this C library has no malloc_trim")
    assert memtrim.trim() is True
    assert memtrim.trim() is True   # found once, used again


def test_trim_is_a_no_op_without_malloc_trim(monkeypatch):
    monkeypatch.setattr(memtrim, "_malloc_trim", False)
    assert memtrim.trim() is False
