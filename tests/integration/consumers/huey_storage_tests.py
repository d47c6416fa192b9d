"""Run huey's own Redis storage test classes (huey.tests.test_storage, shipped in the
huey wheel) against the acceptance target, unchanged.

Those tests connect with redis-py's defaults (localhost:6379) and probe the server at
import time, so before importing them this script points redis-py's default port at
ACCEPTANCE_PORT: an explicit port other than 6379 is left alone.

usage: python huey_storage_tests.py OUT.json TestRedisStorage [TestPriorityRedisStorage ...]
writes {"Class.test": "ok" | "skipped: why" | "FAIL: traceback" | "ERROR: traceback"} to OUT.json.
"""

import functools
import json
import os
import sys
import unittest

import redis.connection


def point_default_port_at(port):
    init = redis.connection.Connection.__init__

    @functools.wraps(init)
    def patched(self, *args, **kwargs):
        if kwargs.get("port", 6379) == 6379 and len(args) < 2:
            kwargs["port"] = port
        init(self, *args, **kwargs)

    redis.connection.Connection.__init__ = patched


class Outcomes(unittest.TextTestResult):
    """Also keeps one outcome per test, by ``Class.method``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def _key(self, test):
        return "%s.%s" % (type(test).__name__, test._testMethodName)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes[self._key(test)] = "ok"

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[self._key(test)] = "skipped: " + reason

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[self._key(test)] = "FAIL: " + self.failures[-1][1]

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes[self._key(test)] = "ERROR: " + self.errors[-1][1]


def main(out, names):
    point_default_port_at(int(os.environ["ACCEPTANCE_PORT"]))
    from huey.tests import test_storage
    suite = unittest.TestSuite(
        unittest.defaultTestLoader.loadTestsFromTestCase(getattr(test_storage, n)) for n in names)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Outcomes)
    result = runner.run(suite)
    with open(out, "w") as f:
        json.dump(result.outcomes, f, indent=1)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
