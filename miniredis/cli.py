"""The miniredis-server program: options, config file, foreground or daemon.

Owns: the command line (redis-server's style: an optional config file, then
``--directive value ...``), fatal configuration reports, the start-up order
(load config -> chdir -> daemonise -> log -> pidfile -> bind -> ready) and
the shutdown sequence.
Must not import gevent (or miniredis.server) at module level: daemonising
forks, and the fork must come before any gevent hub exists. The server is
imported inside :func:`serve`, after the fork.
"""

import logging
import os
import signal
import sys

from . import __version__, REDIS_VERSION
from .compiled import PURE_REQUESTED, speedups  # only os and the extension: safe before the fork
from .limits import adjust_open_files_limit
from .persistence import lifecycle  # no gevent at import: safe before the fork
from .config import (
    NO_EFFECT, Config, ConfigError, ConfigFileError, ConfigOpenError, no_effect_given,
    read_config_source,
)
from .config_rewrite import sds_repr as _repr  # each option word quoted as Redis does
from .daemon import (
    PidFile, Readiness, StartupError, check_logfile, daemonize, default_pidfile,
    notify_supervisor, set_level, setup_logging, supervision,
)

USAGE = """\
Usage: miniredis-server [/path/to/redis.conf] [options] [-]
       miniredis-server - (read config from stdin)
       miniredis-server -v or --version
       miniredis-server -h or --help

Options are config directives written as --name value [value ...], e.g.
       --port N  --bind ADDR [ADDR ...]  --requirepass P  --databases N
       --daemonize yes|no  --pidfile F  --logfile F  --loglevel L  --dir D
       --maxclients N
They are applied after the config file, which uses redis.conf syntax.

Examples:
       miniredis-server (listen on 127.0.0.1:6379 with the default config)
       echo 'maxmemory 128mb' | miniredis-server -
       miniredis-server /etc/miniredis.conf
       miniredis-server --port 7777
       miniredis-server /etc/miniredis.conf --loglevel verbose --daemonize yes
"""


def version_line():
    return "miniredis server v=%s (Redis %s compatible)" % (__version__, REDIS_VERSION)


# --- command line -> config text ---------------------------------------------------

def split_argv(argv):
    """(config file or None, read stdin?, options text) as redis-server builds them.

    Each ``--name`` starts a line; the words after it are quoted values. The
    word right after an option name is always its value, even if it starts
    with ``--`` (so ``--requirepass --x`` works); a bare trailing ``--save``
    or ``--save --next`` means ``save ""``.
    """
    args = list(argv)
    path = None
    if args and not args[0].startswith("-"):
        path = args.pop(0)
    stdin = False
    lines = []
    need_value = False
    for i, a in enumerate(args):
        if a == "-" and (i == 0 or i == len(args) - 1):
            stdin = True
        elif a.startswith("--") and not need_value:
            lines.append([a[2:]])
            need_value = len(a[2:].split()) == 1
            if need_value and a.lower() == "--save" and (
                    i == len(args) - 1 or args[i + 1].startswith("--")):
                lines[-1].append('""')
                need_value = False
        else:
            if not lines:
                raise ConfigError("Invalid argument '%s'" % a)
            lines[-1].append(_repr(a))
            need_value = False
    return path, stdin, "\n".join(" ".join(words) for words in lines)


def load_config(argv):
    """A Config from the command line; raises ConfigError subclasses."""
    config = Config()
    path, stdin, options = split_argv(argv)
    text = ""
    if path is not None:
        text = read_config_source(path)
        config.config_file = os.path.abspath(path)
    if stdin:
        text += "\n" + read_config_source("-")
    if options:
        # Options are parsed as more lines after the file, so a failing
        # option is reported with its line number in that combined text.
        text += "\n" + options
    config.load_text(text, path or "<command line>")
    return config


def fatal_config(e):
    """Redis' report for a configuration that cannot be loaded; exit code 1."""
    if isinstance(e, ConfigOpenError):
        sys.stderr.write("Fatal error, can't open config file '%s': %s\n" % (e.path, e.reason))
        return 1
    sys.stderr.write("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n" % REDIS_VERSION)
    if isinstance(e, ConfigFileError):
        sys.stderr.write("Reading the configuration file, at line %d\n>>> '%s'\n%s\n"
                         % (e.lineno, e.line, e.reason))
    else:
        sys.stderr.write("%s\n" % e)
    return 1


# --- running -----------------------------------------------------------------------

def main(argv=None):
    """Entry point of miniredis-server; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # Like redis-server, -v/-h are recognised only as the first argument.
    if argv and argv[0] in ("-v", "--version"):
        print(version_line())
        return 0
    if argv and argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    try:
        config = load_config(argv)
        # Redis chdir()s while reading "dir", so relative logfile, pidfile
        # and data files all live there; doing it before the fork keeps that.
        if config.dir:
            os.chdir(config.dir)
        # Snapshots and CONFIG GET dir use the absolute directory, as Redis' getcwd().
        config.dir = os.getcwd()
        if config.logfile:
            try:
                check_logfile(config.logfile)
            except StartupError as e:
                raise ConfigError("Can't open the log file: %s" % e)
    except ConfigError as e:
        return fatal_config(e)
    if not config.bind or not config.port:
        sys.stderr.write("Configured to not listen anywhere, exiting.\n")
        return 1
    # As Redis: a supervised server (systemd, upstart) never daemonizes itself.
    supervisor, warning = supervision(config.supervised)
    readiness = daemonize() if config.daemonize and supervisor is None else Readiness()
    return serve(config, readiness, supervisor, warning)


def _pidfile(config):
    if config.pidfile:
        return PidFile(config.pidfile)
    if config.daemonize:
        return PidFile(default_pidfile(config.port), fallback=True)
    return None


def compiled_state():
    """Which hot path runs, for the start-up log (see miniredis/compiled.py)."""
    if speedups is not None:
        return "compiled (miniredis._speedups)"
    if PURE_REQUESTED:
        return "pure Python (MINIREDIS_PURE is set)"
    return "pure Python (the compiled module is not built)"


def serve(config, readiness, supervisor=None, supervision_warning=None):
    """Run the server until it stops; reports start-up failure to the parent."""
    log = setup_logging(config.logfile, config.loglevel)
    pidfile = _pidfile(config)
    log.info("miniredis version=%s (Redis %s compatible), pid=%d, port=%d, config=%s, just started",
             __version__, REDIS_VERSION, os.getpid(), config.port,
             config.config_file or "none (defaults and command line)")
    ignored = no_effect_given(config)
    if ignored:
        # Accepted for redis.conf compatibility; say so instead of pretending.
        log.warning("Configuration directives accepted with no effect in miniredis: %s",
                    ", ".join(ignored))
    if supervision_warning:
        log.warning("%s", supervision_warning)
    elif supervisor == "systemd":
        log.info("Supervised by systemd. Please make sure you set appropriate values for "
                 "TimeoutStartSec and TimeoutStopSec in your service unit.")
    try:
        if pidfile:
            pidfile.claim()
        server = _start_server(config)
    except StartupError as e:
        log.warning("%s", e)
        if not readiness.parent_waiting:
            sys.stderr.write("%s\n" % e)
        readiness.failed(str(e))
        return 1
    if pidfile:
        pidfile.write(log)
    _install_signals(server, log)
    config.on_set.append(_apply_loglevel)
    log.info("Running mode=standalone, port=%d.", config.port)
    log.info("Hot path: %s", compiled_state())
    log.info("Server initialized")
    if not _load_data(server, log, readiness):
        if pidfile:
            pidfile.remove(log)
        return 1
    if not server.stopped.is_set():
        log.info("Ready to accept connections")
        readiness.ready()
        notify_supervisor(supervisor, "STATUS=Ready to accept connections", "READY=1")
    server.stopped.wait()
    notify_supervisor(supervisor, "STOPPING=1")
    lifecycle.finish(server)
    if pidfile:
        pidfile.remove(log)
    log.warning("miniredis is now ready to exit, bye bye...")
    return 0


def _load_data(server, log, readiness):
    """Load the dataset (clients get -LOADING meanwhile); False when start-up must stop.

    A corrupt file is reported (file and offset) and left as it is; a
    shutdown requested while loading is a normal exit.
    """
    try:
        lifecycle.load_data(server)
        lifecycle.start_aof(server)
    except lifecycle.LoadAborted:
        readiness.failed("miniredis-server: shut down while loading the dataset")
        return True
    except lifecycle.LoadError as e:
        log.warning("%s", e)
        if not readiness.parent_waiting:
            sys.stderr.write("%s\n" % e)
        readiness.failed(str(e))
        server.stop()
        return False
    return True


def _start_server(config):
    # As Redis' initServer: fit maxclients to the open-files limit before listening.
    adjust_open_files_limit(config)
    # Imported here, after any fork: miniredis.server brings in gevent.
    from .server import Server
    import gevent
    # Before the hub exists: its default, pprint.saferepr, would import pprint,
    # dataclasses and inspect (~1 MB of RSS) to format an error's context.
    gevent.config.format_context = "builtins.repr"
    server = Server(config)
    server.executable = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else None
    try:
        server.start()
    except OSError as e:
        # Server.start does not say which address failed; name them all.
        raise StartupError("Could not create server TCP listening socket %s:%d: bind: %s"
                           % (" ".join(config.bind), config.port, e.strerror or e))
    from . import metrics
    metrics.start(server)   # --metrics-port (a miniredis extension); stops with the server
    return server


def _install_signals(server, log):
    import gevent

    def on_signal(name):
        log.warning("Received %s scheduling shutdown...", name)
        # As Redis: save when save points exist; if that fails, keep running.
        if not lifecycle.shutdown(server):
            log.warning("%s received but errors trying to shut down the server, "
                        "check the logs for more information", name)

    gevent.signal_handler(signal.SIGTERM, on_signal, "SIGTERM")
    gevent.signal_handler(signal.SIGINT, on_signal, "SIGINT")


def _apply_loglevel(name, value):
    # CONFIG SET loglevel takes effect at once, as in Redis.
    if name == "loglevel":
        set_level(value)
    elif name in NO_EFFECT:
        logging.getLogger("miniredis").warning(
            "CONFIG SET %s: accepted, but it has no effect in miniredis", name)
