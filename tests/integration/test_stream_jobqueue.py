"""End to end: a job queue on streams, driven by redis-py against a miniredis-server
process (redis-server with MINIREDIS_ACCEPTANCE_TARGET=redis).

A producer appends jobs to a stream and records each job's history in a
capped stream (XADD MAXLEN), read back newest first with XREVRANGE. A pool
of worker threads consumes with XREADGROUP BLOCK and XACK; one worker
"crashes" after taking jobs (never acknowledges them), and a reaper gives
them to live workers with XAUTOCLAIM once they are idle long enough. Every
job must be done exactly once, nothing left pending. Bounded in time: every
blocking read has a short timeout and the run has a deadline.
"""

import threading
import time

import pytest

from consumers import acceptance

target = acceptance.target  # fixture

JOBS = 60
HISTORY_MAX = 25
DEADLINE_S = 30.0


def _worker(target, proto, name, stop, done, errors, crash=False):
    r = target.client(protocol=proto)
    try:
        while not stop.is_set():
            got = r.xreadgroup("workers", name, {"jobs": ">"}, count=4, block=100)
            if crash and got:
                return   # took jobs and died: they stay pending under its name
            for _stream, entries in _entries(got):
                for eid, fields in entries:
                    _finish(r, name, eid, fields, done)
    except Exception as e:  # noqa: BLE001  (reported by the test)
        errors.append(repr(e))
    finally:
        r.close()


def _entries(got):
    """XREADGROUP's reply as [(stream, entries)] in either protocol."""
    if not got:
        return []
    if isinstance(got, dict):
        # redis-py wraps each stream's entries in one more list in RESP3
        return [(k, v[0] if v and isinstance(v[0], list) else v) for k, v in got.items()]
    return got


def _finish(r, name, eid, fields, done):
    job = fields[b"job"]
    # HSETNX: a job done twice would show up as a second completion.
    if not r.hsetnx("results", job, name):
        done.append(("twice", job))
    r.xadd("history", {"job": job, "state": "done", "by": name}, maxlen=HISTORY_MAX,
           approximate=False)
    r.xack("jobs", "workers", eid)
    done.append(job)


def _reaper(target, proto, stop, done, errors):
    """Claims jobs idle for 200 ms (their worker died) and runs them."""
    r = target.client(protocol=proto)
    try:
        cursor = "0-0"
        while not stop.is_set():
            reply = r.xautoclaim("jobs", "workers", "reaper", 200, cursor, count=10)
            cursor, claimed = reply[0], reply[1]
            for eid, fields in claimed:
                if fields is not None:
                    _finish(r, "reaper", eid, fields, done)
            time.sleep(0.05)
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))
    finally:
        r.close()


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
def test_job_queue_with_failover(target, proto):
    target.needs("XADD", "XREADGROUP", "XACK", "XAUTOCLAIM", "XREVRANGE", "XGROUP")
    r = target.client(protocol=proto)
    r.flushall()
    r.xgroup_create("jobs", "workers", id="$", mkstream=True)
    stop = threading.Event()
    done, errors = [], []
    crashed = threading.Thread(target=_worker,
                               args=(target, proto, "doomed", stop, done, errors, True))
    crashed.start()
    # The doomed worker blocks first and takes the first jobs.
    for _ in range(500):
        if _clients_blocked(r):
            break
        time.sleep(0.01)
    for i in range(JOBS):
        r.xadd("jobs", {"job": "%03d" % i}, maxlen=1000, approximate=True)
        r.xadd("history", {"job": "%03d" % i, "state": "queued"}, maxlen=HISTORY_MAX,
               approximate=False)
    crashed.join(10)
    threads = [threading.Thread(target=_worker, args=(target, proto, "w%d" % i, stop, done, errors))
               for i in range(3)]
    threads.append(threading.Thread(target=_reaper, args=(target, proto, stop, done, errors)))
    for t in threads:
        t.start()
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline and not errors:
            if r.hlen("results") == JOBS and r.xpending("jobs", "workers")["pending"] == 0:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not errors, errors
    assert not [d for d in done if isinstance(d, tuple)], "a job ran twice"
    assert r.hlen("results") == JOBS
    owners = set(r.hvals("results"))
    assert b"reaper" in owners and b"doomed" not in owners   # failover happened
    assert r.xpending("jobs", "workers")["pending"] == 0
    groups = r.xinfo_groups("jobs")
    assert groups[0]["lag"] == 0 and groups[0]["pending"] == 0
    # Job history: capped, newest first.
    assert r.xlen("history") == HISTORY_MAX
    recent = r.xrevrange("history", "+", "-", count=5)
    ids = [eid for eid, _ in recent]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split(b"-"))), reverse=True)
    assert all(f[b"state"] == b"done" for _, f in recent)
    r.close()


def _clients_blocked(r):
    return [c for c in r.client_list() if "b" in c.get("flags", "")]


def test_blocked_xread_woken_by_another_client(target):
    target.needs("XREAD")
    r = target.client()
    r.delete("events")
    got = []

    def reader():
        c = target.client()
        got.append(c.xread({"events": "$"}, block=5000))
        c.close()
    t = threading.Thread(target=reader)
    t.start()
    for _ in range(500):
        if _clients_blocked(r):
            break
        time.sleep(0.01)
    eid = r.xadd("events", {"kind": "ping"})
    t.join(10)
    assert got == [[[b"events", [(eid, {b"kind": b"ping"})]]]]
    r.close()
