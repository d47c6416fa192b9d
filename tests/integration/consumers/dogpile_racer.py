"""One racer of the dogpile.cache test: a region on the Redis backend with
distributed_lock=True; after a start barrier it calls get_or_create on each key.

The creator counts its calls in Redis (creator-calls:<key>) and is slow enough that a
second process arrives while the first one is still creating.
usage: python dogpile_racer.py RUN_ID KEY [KEY ...]   (port from ACCEPTANCE_PORT)
prints one JSON object: {key: value obtained}.
"""

import json
import os
import sys
import time

import redis
from dogpile.cache import make_region


def main(run_id, keys):
    port = int(os.environ["ACCEPTANCE_PORT"])
    side = redis.Redis(host="127.0.0.1", port=port, db=3, socket_timeout=30)
    region = make_region().configure(
        "dogpile.cache.redis",
        expiration_time=300,
        arguments={"host": "127.0.0.1", "port": port, "db": 4, "distributed_lock": True,
                   "thread_local_lock": False, "lock_timeout": 10, "lock_sleep": 0.02,
                   "socket_timeout": 30},
    )

    def creator_for(key):
        def create():
            n = side.incr("creator-calls:" + key)
            time.sleep(0.3)  # the other racer now waits on the distributed lock
            return "%s made by pid %d (call %d)" % (key, os.getpid(), n)
        return create

    side.incr("ready:" + run_id)
    if side.blpop(["go:" + run_id], timeout=20) is None:
        sys.exit("no start signal")
    got = {key: region.get_or_create(key, creator_for(key)) for key in keys}
    print(json.dumps(got))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
