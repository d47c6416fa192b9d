"""One process of the redis-py Lock test: after a start barrier, N read-modify-write
increments of one counter, each inside ``Redis.lock`` (SET NX PX + Lua release).
Inside the lock it also checks that it is alone (an "inside" counter must read 1).

usage: python lock_worker.py RUN_ID N   (port from ACCEPTANCE_PORT); prints "ok" or exits 1.
"""

import os
import sys
import time

import redis


def main(run_id, n):
    r = redis.Redis(host="127.0.0.1", port=int(os.environ["ACCEPTANCE_PORT"]), socket_timeout=30)
    counter, inside = "counter:" + run_id, "inside:" + run_id
    r.incr("ready:" + run_id)
    if r.blpop(["go:" + run_id], timeout=20) is None:
        sys.exit("no start signal")
    for _ in range(n):
        with r.lock("lock:" + run_id, timeout=10, blocking_timeout=20, sleep=0.001):
            if r.incr(inside) != 1:
                sys.exit("two holders of the lock at once")
            value = int(r.get(counter) or 0)
            time.sleep(0.001)  # widen the window a missing exclusion would show in
            r.set(counter, value + 1)
            r.decr(inside)
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
