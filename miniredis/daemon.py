"""Process plumbing for miniredis-server: daemonising, the pidfile, the log.

Owns: the double fork and the readiness pipe from the daemon back to the
waiting parent, the pidfile's life (refuse a live one, replace a stale one,
remove ours at exit) and Redis-style log lines
(``pid:M dd Mon yyyy hh:mm:ss.mmm * message``).
Must not import gevent or anything that does (miniredis.server): the fork
has to happen before a hub exists, or the daemon inherits the parent's
event-loop state.
"""

import errno
import logging
import os
import select
import signal
import socket
import sys
import tempfile
import time

VERBOSE = 15
logging.addLevelName(VERBOSE, "VERBOSE")

# redis.conf loglevel -> logging level; "nothing" silences everything.
LEVELS = {
    "debug": logging.DEBUG,
    "verbose": VERBOSE,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "nothing": logging.CRITICAL + 10,
}

# How long the parent waits for the daemon to say it is listening.
READY_TIMEOUT = 60.0


class StartupError(Exception):
    """The server cannot start; the message is the one line the user sees."""


# --- daemonising ---------------------------------------------------------------

class Readiness(object):
    """The daemon's end of the pipe to the waiting parent (no-op in the foreground).

    The parent exits 0 on "+" and 1 on "-<message>"; if the daemon dies
    without writing, the parent sees end-of-file and reports that instead.
    """

    def __init__(self, fd=None):
        self.fd = fd

    @property
    def parent_waiting(self):
        """True while a parent waits for our word (so stderr is not the user's)."""
        return self.fd is not None

    def ready(self):
        self._send(b"+")

    def failed(self, message):
        self._send(b"-" + message.encode("utf-8", "replace"))

    def _send(self, data):
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            os.write(fd, data)
        except OSError:
            pass  # the parent is gone (killed); nobody is left to tell
        finally:
            os.close(fd)


def daemonize():
    """Double fork with setsid between; returns the daemon's Readiness.

    The original process does not return: it waits for the daemon's word
    and exits 0 (listening) or 1 (failed, message on stderr).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid:
        os.close(wfd)
        os.waitpid(pid, 0)  # the first child exits right after the second fork
        os._exit(_wait_for_daemon(rfd))
    os.close(rfd)
    # A new session detaches from the terminal; the second fork makes sure
    # the daemon is not a session leader, so it can never reacquire one.
    os.setsid()
    if os.fork():
        os._exit(0)
    _stdio_to_devnull()
    return Readiness(wfd)


def _wait_for_daemon(fd):
    deadline = time.monotonic() + READY_TIMEOUT
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return _report("miniredis-server: the daemon did not report ready within %ds"
                           % READY_TIMEOUT)
        readable, _, _ = select.select([fd], [], [], left)
        if not readable:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    if data.startswith(b"+"):
        return 0
    if data.startswith(b"-"):
        return _report(data[1:].decode("utf-8", "replace"))
    return _report("miniredis-server: the daemon exited before it was ready")


def _report(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    return 1


def _stdio_to_devnull():
    fd = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(fd, target)
    if fd > 2:
        os.close(fd)


# --- pidfile -------------------------------------------------------------------

def default_pidfile(port):
    """Where Redis puts the pidfile of a daemon started without one."""
    return "/var/run/redis_%d.pid" % port


class PidFile(object):
    """A pidfile we own: claimed before binding, written once listening."""

    def __init__(self, path, fallback=False):
        self.path = path
        # Only the implicit /var/run path may move elsewhere when unwritable;
        # a path the user chose is theirs and a failure is reported.
        self.fallback = fallback
        self.written = None

    def claim(self):
        """Refuse to start if the pidfile names a live process; a stale one is replaced later."""
        pid = _read_pid(self.path)
        if pid is not None and pid != os.getpid() and _alive(pid) and is_miniredis(pid):
            raise StartupError("miniredis-server: pidfile %s names running process %d; "
                               "not starting (remove it if that process is not ours)"
                               % (self.path, pid))

    def write(self, log):
        paths = [self.path]
        if self.fallback:
            paths.append(os.path.join(tempfile.gettempdir(), os.path.basename(self.path)))
        for path in paths:
            try:
                _atomic_write(path, b"%d\n" % os.getpid())
            except OSError as e:
                log.warning("Failed to write PID file %s: %s", path, e.strerror)
                continue
            self.written = path
            return path
        return None

    def remove(self, log):
        """Remove the pidfile if it still names us (another process may have taken it)."""
        path, self.written = self.written, None
        if path is None or _read_pid(path) != os.getpid():
            return
        log.info("Removing the pid file.")
        try:
            os.unlink(path)
        except OSError as e:
            log.warning("Failed to remove PID file %s: %s", path, e.strerror)


def _read_pid(path):
    try:
        with open(path, "rb") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def is_miniredis(pid):
    """Whether process `pid` runs miniredis (a pid left by a reboot may be anyone's now).

    Read from /proc/<pid>/cmdline: some argument named miniredis* (the
    console script, ``-m miniredis``, ``miniredis/__main__.py``). Where
    /proc does not exist, any live process counts.
    """
    if not os.path.isdir("/proc/self"):
        return True
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
    except PermissionError:
        return True   # someone else's process we cannot inspect: be careful
    except OSError:
        return False
    return any(os.path.basename(a.rstrip(b"/")).startswith(b"miniredis") or
               a.startswith(b"miniredis/") for a in args)


def _atomic_write(path, data):
    # A reader never sees a half-written pid: write a temp file, then rename.
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".pid-", dir=d)
    try:
        os.write(fd, data)
        os.fchmod(fd, 0o644)
        os.close(fd)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- logging -------------------------------------------------------------------

_MARKS = {logging.DEBUG: ".", VERBOSE: "-", logging.INFO: "*"}

# The role letter of log lines: M (the server), C (a forked child: BGSAVE, AOF rewrite).
LOG_ROLE = "M"


class RedisFormatter(logging.Formatter):
    """``pid:M 23 Nov 2026 14:36:17.932 * message``, as Redis' serverLogRaw."""

    def format(self, record):
        t = record.created
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(t))
        mark = _MARKS.get(record.levelno, "#")
        line = "%d:%s %s.%03d %s %s" % (os.getpid(), LOG_ROLE, stamp,
                                        int(t * 1000) % 1000, mark, record.getMessage())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(logfile, loglevel):
    """Send every logger's records to the logfile (or stdout) in Redis' format."""
    if logfile:
        # Reopened when the file is moved away, like Redis' open-per-line
        # logging, so logrotate works. Imported here: logging.handlers
        # (with pickle, queue, ...) is ~0.6 MB of RSS a server logging to
        # stdout never needs.
        from logging.handlers import WatchedFileHandler
        handler = WatchedFileHandler(logfile)
    else:
        handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(RedisFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    set_level(loglevel)
    return logging.getLogger("miniredis")


def set_level(loglevel):
    logging.getLogger().setLevel(LEVELS.get(loglevel, logging.INFO))


def check_logfile(path):
    """Redis refuses to start when the logfile cannot be opened for append."""
    try:
        with open(path, "a"):
            pass
    except OSError as e:
        raise StartupError(e.strerror or os.strerror(errno.EIO))


# --- supervision (Task Q4) -------------------------------------------------------

def supervision(mode):
    """The supervisor in charge ("systemd", "upstart") or None, as Redis' redisIsSupervised.

    ``auto`` picks systemd when NOTIFY_SOCKET is set, upstart when UPSTART_JOB is.
    Returns (supervisor or None, warning or None).
    """
    if mode == "auto":
        if os.environ.get("NOTIFY_SOCKET"):
            return "systemd", None
        if os.environ.get("UPSTART_JOB"):
            return "upstart", None
        return None, None
    if mode == "systemd":
        if not os.environ.get("NOTIFY_SOCKET"):
            return None, "systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!"
        return "systemd", None
    if mode == "upstart":
        if not os.environ.get("UPSTART_JOB"):
            return None, "upstart supervision requested, but UPSTART_JOB not found!"
        return "upstart", None
    return None, None


def notify_supervisor(supervisor, *messages):
    """Tell systemd (sd_notify datagrams) or upstart (SIGSTOP) how we are doing."""
    if supervisor == "upstart":
        if "READY=1" in messages:
            os.environ.pop("UPSTART_JOB", None)
            os.kill(os.getpid(), signal.SIGSTOP)
        return
    if supervisor != "systemd":
        return
    address = os.environ.get("NOTIFY_SOCKET", "")
    if address.startswith("@"):
        address = "\0" + address[1:]   # Linux abstract namespace
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        for message in messages:
            sock.sendto((message + "\n").encode(), address)
    except OSError as e:
        logging.getLogger("miniredis").warning("Can't send notification to systemd: %s", e)
    finally:
        sock.close()
