"""Celery app and tasks shared by the test process (client) and the worker process:
``make_app(port)`` builds an app whose broker (db 0) and result backend (db 1) are the
target server, with the tasks registered under explicit, stable names."""

import time

import redis
from celery import Celery


def make_app(port):
    base = "redis://127.0.0.1:%d" % port
    app = Celery("acceptance", broker=base + "/0", backend=base + "/1", set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=3,
        worker_prefetch_multiplier=1,
        result_expires=600,
        # Short broker polls keep ETA and control replies quick.
        broker_transport_options={"polling_interval": 0.05},
        worker_hijack_root_logger=False,
    )
    side = redis.Redis(host="127.0.0.1", port=port, db=2, socket_timeout=15)
    _tasks(app, side)
    return app


def _tasks(app, side):
    @app.task(name="acc.add")
    def add(a, b):
        return a + b

    @app.task(name="acc.tsum")
    def tsum(values):
        return sum(values)

    @app.task(name="acc.retrying", bind=True, max_retries=3)
    def retrying(self, succeed_after):
        if self.request.retries < succeed_after:
            raise self.retry(countdown=0.05)
        return self.request.retries

    @app.task(name="acc.always_fails", bind=True, max_retries=2)
    def always_fails(self, key):
        side.incr(key)
        raise self.retry(exc=ValueError("still failing"), countdown=0.05)

    @app.task(name="acc.slow")
    def slow(key, seconds):
        side.set(key, "started")
        time.sleep(seconds)
        side.set(key, "finished")
        return "done"

    app.acc_side = side
