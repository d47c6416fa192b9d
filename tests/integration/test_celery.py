"""Acceptance: Celery, unchanged, with a real worker process (solo pool) using the target
server (miniredis-server by default, redis-server with MINIREDIS_ACCEPTANCE_TARGET=redis)
as both its Redis broker and its Redis result backend.

Covers delay/get, countdown and eta (held by the worker, seen by inspect().scheduled()),
retries, a group and a chord (the Redis backend's chord counter), control.ping, inspect,
revoke, and a warm shutdown: SIGTERM while a task runs lets the task finish first.
"""

import datetime
import gc
import os
import signal
import uuid

import celery.exceptions
import pytest
from celery import chord, group
from celery.exceptions import TaskRevokedError

from consumers import acceptance
from consumers.acceptance import BIN, Children, wait_until
from consumers.celery_app import make_app

target, children = acceptance.target, acceptance.children  # fixtures

TIMEOUT = 15.0
# kombu's Redis transport: MULTI/EXEC pipelines, fanout (control) over pub/sub; the Redis
# result backend: results published to the waiting client.
NEEDS = ("MULTI", "EXEC", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE")


def worker_argv(hostname, queue="celery"):
    return [os.path.join(BIN, "celery"), "-A", "consumers.celery_worker", "worker",
            "-P", "solo", "-n", hostname, "-Q", queue, "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat"]


def start_worker(kids, app, name, queue="celery"):
    """A worker that answers control.ping (bounded wait); returns (child, hostname)."""
    hostname = "%s@acceptance-%d" % (name, os.getpid())
    child = kids.start(worker_argv(hostname, queue))
    wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5, limit=1), 30,
               what="worker ping", child=child)
    return child, hostname


@pytest.fixture(scope="module")
def app(target):
    target.needs(*NEEDS)
    a = make_app(target.port)
    try:
        yield a
    finally:
        gc.collect()  # unsubscribes of dropped results, while the server still answers
        a.acc_side.close()
        a.close()


@pytest.fixture(scope="module")
def worker(target, app):
    kids = Children(target)
    try:
        yield start_worker(kids, app, "acc")
    finally:
        kids.close()


def task(app, name):
    return app.tasks["acc." + name]


def test_delay_get(app, worker):
    results = [task(app, "add").delay(i, i) for i in range(5)]
    assert [r.get(timeout=TIMEOUT) for r in results] == [0, 2, 4, 6, 8]
    assert results[0].status == "SUCCESS"


def test_countdown_and_eta(app, worker):
    add = task(app, "add")
    far = add.apply_async((1, 1), countdown=600)
    soon = add.apply_async((2, 3), countdown=1)
    eta = add.apply_async((4, 5), eta=datetime.datetime.now(datetime.timezone.utc)
                          + datetime.timedelta(seconds=1))
    assert soon.get(timeout=TIMEOUT) == 5
    assert eta.get(timeout=TIMEOUT) == 9
    # The far one is held by the worker until its ETA: inspect lists it; revoke drops it.
    scheduled = app.control.inspect(timeout=5, limit=1).scheduled()
    held = [s["request"]["id"] for s in scheduled[worker[1]]]
    assert far.id in held
    app.control.revoke(far.id)
    wait_until(lambda: far.id in app.control.inspect(timeout=5, limit=1).revoked()[worker[1]],
               TIMEOUT, what="revoked", child=worker[0])
    # The worker drops it and records the revocation in the result backend.
    assert isinstance(far.get(timeout=TIMEOUT, propagate=False), TaskRevokedError)
    assert far.status == "REVOKED"


def test_retries(app, worker):
    assert task(app, "retrying").delay(2).get(timeout=TIMEOUT) == 2
    key = "fails:" + uuid.uuid4().hex
    res = task(app, "always_fails").delay(key)
    with pytest.raises(ValueError, match="still failing"):
        res.get(timeout=TIMEOUT)
    assert res.status == "FAILURE"
    assert int(app.acc_side.get(key)) == 3  # the first run and max_retries=2 retries


def test_group(app, worker):
    add = task(app, "add")
    res = group(add.s(i, 100) for i in range(6)).apply_async()
    assert res.get(timeout=TIMEOUT) == [100, 101, 102, 103, 104, 105]
    assert res.successful()


def test_chord(app, worker):
    add, tsum = task(app, "add"), task(app, "tsum")
    res = chord(add.s(i, i) for i in range(5))(tsum.s())
    assert res.get(timeout=TIMEOUT) == 20


def test_control_ping_and_inspect(app, worker):
    child, hostname = worker
    assert app.control.ping(destination=[hostname], timeout=5, limit=1) == \
        [{hostname: {"ok": "pong"}}]
    insp = app.control.inspect(destination=[hostname], timeout=5, limit=1)
    registered = insp.registered()[hostname]
    assert {"acc.add", "acc.tsum", "acc.slow"} <= set(registered)
    assert insp.active()[hostname] == []
    stats = insp.stats()[hostname]
    assert stats["pool"]["implementation"].endswith("solo:TaskPool")
    assert "redis" in stats["broker"]["transport"]
    assert insp.active_queues()[hostname][0]["name"] == "celery"


def test_warm_shutdown(target, app, children):
    child, hostname = start_worker(children, app, "warm", queue="warm")
    key = "slow:" + uuid.uuid4().hex
    res = task(app, "slow").apply_async((key, 1.5), queue="warm")
    wait_until(lambda: app.acc_side.get(key) == b"started", TIMEOUT, what="task start",
               child=child)
    child.send(signal.SIGTERM)
    code = child.wait(30)
    assert code == 0, "worker did not exit cleanly (%r):\n%s" % (code, child.output())
    # The running task finished before the worker left.
    assert app.acc_side.get(key) == b"finished"
    assert res.get(timeout=TIMEOUT) == "done"
    assert "Warm shutdown" in child.output()
    # Nobody consumes that queue any more.
    late = task(app, "add").apply_async((1, 1), queue="warm")
    with pytest.raises(celery.exceptions.TimeoutError):
        late.get(timeout=0.5)
    late.forget()
