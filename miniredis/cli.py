"""The miniredis-server program: options, config file, foreground or daemon."""

import logging
import signal
import sys

import gevent

from .config import Config, ConfigError
from .server import Server


def parse_args(argv, config):
    args = list(argv)
    if args and not args[0].startswith("--"):
        config.load_file(args.pop(0))
    i = 0
    while i < len(args):
        a = args[i]
        if not a.startswith("--"):
            raise ConfigError("unexpected argument %r" % a)
        name = a[2:]
        vals = []
        i += 1
        while i < len(args) and not args[i].startswith("--"):
            vals.append(args[i])
            i += 1
        config.set_from_text(name, vals)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    config = Config()
    try:
        parse_args(argv, config)
    except (ConfigError, OSError) as e:
        print("*** FATAL CONFIG FILE ERROR *** %s" % e, file=sys.stderr)
        sys.exit(1)
    logging.basicConfig(level=logging.INFO, format="%(process)d:M %(asctime)s %(message)s")
    server = Server(config)
    try:
        server.start()
    except OSError as e:
        print("Could not create server TCP listening socket %s:%d: %s" % (
            config.bind[0], config.port, e.strerror), file=sys.stderr)
        sys.exit(1)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    gevent.signal_handler(signal.SIGINT, server.stop)
    logging.getLogger("miniredis").info("Ready to accept connections on port %d", config.port)
    server.stopped.wait()
