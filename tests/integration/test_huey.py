"""Acceptance: huey, unchanged, with a real consumer process against the target server
(miniredis-server by default, redis-server with MINIREDIS_ACCEPTANCE_TARGET=redis).

Each huey Redis flavour (RedisHuey, PriorityRedisHuey, RedisExpireHuey) runs under a
huey_consumer with thread workers and one with greenlet workers (gevent); the test
process enqueues with the same task module (consumers/huey_app.py) and reads results.
Periodic tasks: huey's scheduler checks crontabs when it starts and then once a minute,
so an every-minute crontab runs right after the consumer starts (and a crontab for
another minute does not) - real scheduler code, no patched clock.
Also runs huey's own Redis storage tests (huey.tests.test_storage) against the target.
"""

import datetime
import json
import os
import sys
import uuid

import pytest
from huey.exceptions import TaskException

from consumers import acceptance
from consumers.acceptance import BIN, CONSUMERS, Children, wait_until
from consumers.huey_app import LOCK, build

target, children = acceptance.target, acceptance.children  # fixtures

KINDS = ("redis", "priority", "expire")
WORKERS = ("thread", "greenlet")
TIMEOUT = 15.0
# RedisStorage registers a Lua script (the schedule pop) and uses MULTI/EXEC pipelines.
NEEDS = ("EVALSHA", "SCRIPT", "MULTI", "EXEC")


def consumer_argv(worker_type, workers=2):
    if worker_type == "thread":
        head = [os.path.join(BIN, "huey_consumer")]
    else:
        head = [sys.executable, os.path.join(CONSUMERS, "huey_green.py")]
    # Short polling and a 1 s scheduler tick (huey's minimum) keep the tests quick.
    return head + ["consumers.huey_main.huey", "-w", workers, "-k", worker_type,
                   "-d", "0.01", "-m", "0.1", "-s", "1", "-C"]


class HueyEnv(object):
    """A huey instance in this process plus the consumer process serving it."""

    def __init__(self, target, kids, kind, worker_type, workers=2, start=True):
        self.kind = kind
        self.name = "acc_%s_%s_%s" % (kind, worker_type, uuid.uuid4().hex[:6])
        self.huey = build(kind, target.port, self.name)
        self.tasks = self.huey.acc
        self.side = self.tasks.side
        self.kids = kids
        self.argv = consumer_argv(worker_type, workers)
        self.consumer = None
        if start:
            self.start()

    def start(self):
        self.consumer = self.kids.start(self.argv, HUEY_KIND=self.kind, HUEY_NAME=self.name)

    def get(self, res):
        """The task's final result, waiting while the consumer lives (bounded). huey also
        stores the error of an attempt that will be retried: that one is not final."""
        box = []

        def ready():
            res.reset()  # huey caches what it read: an earlier attempt's error, too
            try:
                v = res.get(blocking=False, preserve=True)
            except TaskException as e:
                if e.metadata.get("retries"):
                    return False
                v = e
            if v is not None:
                box.append(v)
            return bool(box)
        wait_until(ready, TIMEOUT, what="huey result", child=self.consumer)
        if isinstance(box[0], TaskException):
            raise box[0]
        return box[0]

    def key(self, suffix):
        return "%s:%s" % (self.name, suffix)

    def close(self):
        self.huey.storage.pool.disconnect()
        self.side.close()


@pytest.fixture(scope="module", params=[(k, w) for k in KINDS for w in WORKERS],
                ids=["%s-%s" % (k, w) for k in KINDS for w in WORKERS])
def env(request, target):
    target.needs(*NEEDS)
    kids = Children(target)
    e = HueyEnv(target, kids, *request.param)
    try:
        yield e
    finally:
        kids.close()
        e.close()


def test_task_results(env):
    t = env.tasks
    results = [t.add(i, 10) for i in range(5)]
    assert [env.get(r) for r in results] == [10, 11, 12, 13, 14]


def test_retries_until_success(env):
    key = env.key("flaky-ok")
    assert env.get(env.tasks.flaky(key, 2)) == 3
    assert int(env.side.get(key)) == 3


def test_retries_exhausted(env):
    key = env.key("flaky-bad")
    res = env.tasks.flaky(key, 10)
    with pytest.raises(TaskException) as info:
        env.get(res)
    assert "attempt 3 fails" in str(info.value.metadata.get("error"))
    assert int(env.side.get(key)) == 3  # the first run and 2 retries


def test_scheduled_delay_and_eta(env):
    add = env.tasks.add
    far = add.schedule((100, 1), delay=300)
    soon = add.schedule((1, 2), delay=1)
    eta = add.schedule((3, 4), eta=datetime.datetime.now() + datetime.timedelta(seconds=1))
    assert env.get(soon) == 3
    assert env.get(eta) == 7
    assert far.id in [task.id for task in env.huey.scheduled()]
    assert far.get() is None


def test_periodic_task(env):
    wait_until(lambda: env.side.get(env.key("periodic")), TIMEOUT, what="periodic task",
               child=env.consumer)
    # The every-minute task ran; the one due half an hour from now did not.
    assert env.side.get(env.key("not-now")) is None


def test_lock_task(env):
    h, locked = env.huey, env.tasks.locked
    with h.lock_task(LOCK):
        assert h.is_locked(LOCK)
        res = locked(1)
        with pytest.raises(TaskException) as info:
            env.get(res)
        assert "TaskLockedException" in info.value.metadata["error"]
    assert not h.is_locked(LOCK)
    assert env.get(locked(2)) == 2


def test_revoke(env):
    h, record = env.huey, env.tasks.record
    key = env.key("revoke")
    task = record.s(key, "revoked")
    h.revoke(task, revoke_once=True)
    assert h.is_revoked(task)
    res = h.enqueue(task)
    assert env.get(record(key, "kept")) == "kept"
    # The consumer consumes a revoke-once mark when it skips the task.
    wait_until(lambda: not res.is_revoked(), TIMEOUT, what="revoked task skipped",
               child=env.consumer)
    assert env.side.lrange(key, 0, -1) == [b"kept"]
    assert res.get() is None


@pytest.mark.parametrize("worker_type", WORKERS)
def test_priorities(target, children, worker_type):
    target.needs(*NEEDS)
    e = HueyEnv(target, children, "priority", worker_type, workers=1, start=False)
    try:
        key = e.key("order")
        # Queued before the consumer starts: one worker takes them by priority.
        for value, priority in (("low", 1), ("high", 10), ("none", None), ("mid", 5)):
            e.tasks.record(key, value, priority=priority)
        e.start()
        wait_until(lambda: e.side.llen(key) == 4, TIMEOUT, what="4 tasks", child=e.consumer)
        assert e.side.lrange(key, 0, -1) == [b"high", b"mid", b"low", b"none"]
    finally:
        e.close()


STORAGE_CLASSES = ("TestRedisStorage", "TestRedisStorageWaitResult", "TestRedisExpireStorage",
                   "TestPriorityRedisStorage", "TestPriorityRedisStorageNotBlocking")


@pytest.fixture(scope="module")
def storage_outcomes(target, tmp_path_factory):
    """huey's own storage tests, run once in a child process against the target."""
    target.needs(*NEEDS)
    out = str(tmp_path_factory.mktemp("huey") / "outcomes.json")
    kids = Children(target)
    try:
        # HUEY_SLOW_TESTS also runs huey's consumer integration and lock-ttl tests.
        child = kids.python("huey_storage_tests.py", out, *STORAGE_CLASSES, HUEY_SLOW_TESTS=1)
        code = child.wait(120)
        assert code is not None, "huey storage tests still running:\n" + child.output()
        if not os.path.exists(out):
            pytest.fail("huey storage tests crashed:\n" + child.output())
        with open(out) as f:
            yield json.load(f)
    finally:
        kids.close()


@pytest.mark.parametrize("cls", STORAGE_CLASSES)
def test_huey_storage_suite(storage_outcomes, cls):
    mine = {k: v for k, v in storage_outcomes.items() if k.startswith(cls + ".")}
    assert mine, "no tests of %s ran" % cls
    bad = {k: v for k, v in mine.items() if not (v == "ok" or v.startswith("skipped"))}
    assert not bad, "\n\n".join("%s: %s" % kv for kv in sorted(bad.items()))
    skipped = {k: v for k, v in mine.items() if v != "ok"}
    # Only huey's own "this storage has no priorities" skip is expected.
    assert all("priority support required" in v for v in skipped.values()), skipped
