"""huey_consumer for greenlet workers: gevent's monkey patching must come before any
other import (huey's consumer only warns when it is missing), then huey's own
consumer entry point runs unchanged with the same arguments."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from huey.bin.huey_consumer import consumer_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(consumer_main())
