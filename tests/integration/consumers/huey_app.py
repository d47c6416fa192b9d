"""Huey task definitions shared by the test process (which enqueues) and the consumer
process (which runs them): ``build(kind, port, name)`` makes a huey instance of one of
huey's Redis flavours with the tasks below registered under stable names
(module ``consumers.huey_app`` + function name, as huey's registry keys them).

Tasks record what they did in plain Redis keys (prefixed with the huey name) through a
side connection, so tests can observe attempts, order and periodic runs.
"""

import datetime
import types

import redis
from huey import PriorityRedisHuey, RedisExpireHuey, RedisHuey, crontab

KINDS = {"redis": RedisHuey, "priority": PriorityRedisHuey, "expire": RedisExpireHuey}
LOCK = "acc-lock"


def build(kind, port, name):
    options = dict(name=name, host="127.0.0.1", port=port, utc=False, read_timeout=0.5)
    if kind == "expire":
        options["expire_time"] = 120
    h = KINDS[kind](**options)
    side = redis.Redis(host="127.0.0.1", port=port, socket_timeout=15)
    h.acc = types.SimpleNamespace(side=side, **_tasks(h, side, name))
    return h


def _tasks(h, side, name):
    @h.task()
    def add(a, b):
        return a + b

    @h.task(retries=2, retry_delay=0)
    def flaky(key, failures):
        # Fails `failures` times, then answers the number of attempts made.
        n = side.incr(key)
        if n <= failures:
            raise ValueError("attempt %d fails" % n)
        return n

    @h.task()
    def record(key, value):
        side.rpush(key, value)
        return value

    @h.task()
    @h.lock_task(LOCK)
    def locked(x):
        return x

    # huey checks periodic tasks when its scheduler starts, then once a minute: an
    # every-minute crontab therefore runs right after the consumer starts, and a
    # crontab for half an hour from now must not.
    @h.periodic_task(crontab())
    def every_minute():
        side.incr(name + ":periodic")

    later = (datetime.datetime.now().minute + 30) % 60

    @h.periodic_task(crontab(minute=str(later)))
    def not_now():
        side.incr(name + ":not-now")

    return dict(add=add, flaky=flaky, record=record, locked=locked,
                every_minute=every_minute, not_now=not_now)
