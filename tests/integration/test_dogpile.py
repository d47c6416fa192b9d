"""Acceptance: dogpile.cache, unchanged, with its Redis backend and distributed_lock=True
against the target server (miniredis-server by default, redis-server with
MINIREDIS_ACCEPTANCE_TARGET=redis): two processes racing on missing keys run each
creator exactly once, and both get the one created value.
"""

import json
import uuid

import pytest
from dogpile.cache import make_region

from consumers import acceptance
from consumers.acceptance import wait_until

target, children = acceptance.target, acceptance.children  # fixtures

RACERS = 2
NEEDS = ("EVALSHA", "SCRIPT")  # redis-py's Lock releases with a Lua script

# dogpile's backend calls redis-py's setex, which redis-py marks deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")


def test_two_processes_create_once(target, children):
    target.needs(*NEEDS)
    run = uuid.uuid4().hex[:8]
    keys = ["%s:k%d" % (run, i) for i in range(3)]
    side = target.client(db=3)
    try:
        racers = [children.python("dogpile_racer.py", run, *keys) for _ in range(RACERS)]
        wait_until(lambda: int(side.get("ready:" + run) or 0) == RACERS, 20,
                   what="racers ready", child=racers[0])
        side.rpush("go:" + run, *["go"] * RACERS)
        outputs = []
        for r in racers:
            assert r.wait(30) == 0, r.output()
            outputs.append(json.loads(r.output().strip().splitlines()[-1]))
        for key in keys:
            assert int(side.get("creator-calls:" + key)) == 1, key
            assert outputs[0][key] == outputs[1][key]
            assert outputs[0][key].startswith(key + " made by pid")
    finally:
        side.close()


def test_region_basics(target):
    target.needs(*NEEDS)
    region = make_region().configure(
        "dogpile.cache.redis", expiration_time=60,
        arguments={"host": "127.0.0.1", "port": target.port, "db": 5, "distributed_lock": True,
                   "thread_local_lock": False, "lock_timeout": 5, "redis_expiration_time": 60})
    calls = []

    @region.cache_on_arguments()
    def square(x):
        calls.append(x)
        return x * x

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    square.invalidate(3)
    assert square(3) == 9 and calls == [3, 4, 3]
    region.set_multi({"a": 1, "b": [2]})
    assert region.get_multi(["a", "b", "zz"])[:2] == [1, [2]]
    region.delete("a")
    assert region.get_or_create("a", lambda: "fresh") == "fresh"
    c = target.client(db=5)
    try:
        assert 0 < c.ttl("a") <= 60
    finally:
        c.close()
