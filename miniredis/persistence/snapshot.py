"""RDB snapshots: SAVE, BGSAVE (a forked child), save points, MISCONF, INFO persistence.

Owns: writing ``dir/dbfilename`` atomically (temp-<pid>.rdb in ``dir``, fsync,
rename over the target, fsync of the directory: a crash at any point leaves
the previous snapshot intact), the background child's life (fork, reap from
the server cron as Redis' checkChildrenDone, kill at shutdown), the save
points checked from the cron (Redis' serverCron rule), the status INFO shows
(rdb_* fields) and refusing writes with -MISCONF after a failed background
save while ``stop-writes-on-bgsave-error`` is on and save points exist.
Must not touch: the file format (rdb.py writes it), the append-only log
(aof.py), replies of commands (commands/persistence.py).

The child is a plain ``os.fork()`` of the hub's process: it sees the keyspace
as it was at the fork (copy-on-write), writes the file and leaves with
``os._exit`` without ever running the event loop. The parent keeps serving
and polls ``waitpid(WNOHANG)`` at ``hz`` -- no zombie is left behind.
"""

import logging
import os
import signal
import time

from .. import errors
from ..rules import RULE_MISCONF

log = logging.getLogger("miniredis")

# Redis' CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long.
RETRY_DELAY = 5


def data_dir(config):
    """The directory snapshots live in: ``dir`` (made absolute at start-up), else the cwd."""
    return config.dir or os.getcwd()


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def unlink_quietly(path):
    """Remove a file if it is there (a temp file after a failed write)."""
    try:
        os.unlink(path)
    except OSError:
        pass


def write_snapshot(server, filename=None):
    """Write the whole keyspace to ``dir/dbfilename`` atomically; True on success.

    Every failure is logged with Redis' wording and leaves the previous file
    (and no temp file) behind. Used by SAVE, by the BGSAVE child and at shutdown.
    """
    from .aof import function_codes
    from .rdb import write_rdb
    cfg = server.config
    directory = data_dir(cfg)
    target = os.path.join(directory, filename or cfg.dbfilename)
    tmpname = "temp-%d.rdb" % os.getpid()
    tmp = os.path.join(directory, tmpname)
    try:
        f = open(tmp, "wb", buffering=1 << 20)
    except OSError as e:
        log.warning("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                    tmpname, directory, e.strerror or e)
        return False
    try:
        with f:
            write_rdb(f, server.keyspace, checksum=cfg.rdbchecksum, compress=cfg.rdbcompression,
                      config=cfg, functions=function_codes(server))
            f.flush()
            os.fsync(f.fileno())
    except Exception as e:   # OSError (disk full, EIO ...) or a bug in the writer
        log.warning("Write error saving DB on disk: %s", getattr(e, "strerror", None) or e)
        unlink_quietly(tmp)
        return False
    try:
        os.rename(tmp, target)
    except OSError as e:
        log.warning("Error moving temp DB file %s on the final destination %s "
                    "(in server root dir %s): %s", tmpname, filename or cfg.dbfilename,
                    directory, e.strerror or e)
        unlink_quietly(tmp)
        return False
    try:
        fsync_dir(os.path.dirname(target))
    except OSError as e:
        log.warning("Failed to fsync directory while saving DB: %s", e.strerror or e)
        return False
    log.info("DB saved on disk")
    return True


def write_denied(server):
    """Redis' writeCommandsDeniedByDiskError as the -MISCONF text, or None.

    For callers that run write commands without the context hooks (scripts'
    redis.call): the snapshot error first, then the append-only log's.
    """
    msg = server.snapshots.write_denied()
    aof = getattr(server, "aof", None)
    if msg is None and getattr(aof, "on", False) and getattr(aof, "write_error", None):
        msg = errors.AOF_MISCONF_FMT % aof.write_error
    return msg


class Snapshots(object):
    """The RDB side of persistence for one server (``server.snapshots``)."""

    def __init__(self, server):
        self.server = server
        self.lastsave = int(time.time())   # at start-up the dataset counts as saved, as in Redis
        self.last_ok = True                # rdb_last_bgsave_status
        self.last_try = 0                  # last BGSAVE attempt (retry delay of save points)
        self.last_bgsave_secs = -1
        self.saves = 0                     # rdb_saves: SAVE and BGSAVE started
        self.scheduled = False             # BGSAVE SCHEDULE (or in EXEC) while a child runs
        self.child_pid = None
        self.child_start = None
        self.child_keys = 0                # keys at the fork: current_save_keys_total
        self.dirty_at_fork = 0
        self.load_keys_loaded = 0          # rdb_last_load_keys_loaded / _expired
        self.load_keys_expired = 0
        self.cow_pipe = None               # read end of the running child's report
        self.last_cow_size = 0             # rdb_last_cow_size
        self.total_forks = 0               # INFO stats: every fork (BGSAVE, AOF rewrite)
        self.latest_fork_usec = 0
        self._denying = False              # the MISCONF hook is installed
        server.config.on_set.append(self._config_changed)

    # --- state ----------------------------------------------------------------
    @property
    def in_progress(self):
        return self.child_pid is not None

    def other_child_active(self):
        """An AOF rewrite child (aof.py) or a replication snapshot runs: Redis
        allows one child at a time."""
        repl = getattr(self.server, "replication", None)
        if repl is not None and repl.child_active():
            return True
        aof = getattr(self.server, "aof", None)
        probe = getattr(aof, "rewrite_in_progress", None)
        if probe is None:
            return False
        return bool(probe() if callable(probe) else probe)

    def any_child_active(self):
        return self.in_progress or self.other_child_active()

    def save_params(self):
        """[(seconds, changes)] from the ``save`` parameter."""
        words = [int(w) for w in (self.server.config.save or "").split()]
        return list(zip(words[0::2], words[1::2]))

    # --- SAVE -------------------------------------------------------------------
    def save(self, count=True):
        """Foreground save (SAVE, shutdown, FLUSHALL); True on success.

        The caller checks for a running child first; ``count`` is False where
        Redis does not count the save in rdb_saves (shutdown, FLUSHALL).
        """
        if count:
            self.saves += 1
        if not write_snapshot(self.server):
            return False
        self._saved(None)
        return True

    def after_flushall(self):
        """FLUSHALL: a running child's snapshot is stale (killed), and with save
        points the now empty dataset is saved at once, as Redis does."""
        if self.child_pid is not None:
            self.kill_child()
        if self.save_params():
            self.save(count=False)

    def _saved(self, dirty_before):
        """A snapshot reached the disk: changes before it are saved."""
        ks = self.server.keyspace
        ks.dirty = max(0, ks.dirty - dirty_before) if dirty_before is not None else 0
        self.lastsave = int(time.time())
        self.set_status(True)

    # --- BGSAVE -----------------------------------------------------------------
    def background(self):
        """Fork a child that writes the snapshot (Redis' rdbSaveBackground); True if started."""
        if self.any_child_active():
            return False
        server = self.server
        self.saves += 1
        self.dirty_at_fork = server.keyspace.dirty
        self.last_try = int(time.time())
        try:
            # The child's copy-on-write size comes back through the pipe.
            pid, rfd, wfd = self.fork_with_pipe()
        except OSError as e:
            self.set_status(False)
            log.warning("Can't save in background: fork: %s", e.strerror or e)
            return False
        if pid == 0:
            _run_child(server, wfd)   # never returns
        self.cow_pipe = rfd
        log.info("Background saving started by pid %d", pid)
        self.child_pid = pid
        self.child_start = time.time()
        self.child_keys = sum(len(db) for db in server.keyspace.dbs)
        return True

    def fork_with_pipe(self):
        """Fork with a pipe from the child: (pid, read end, write end); each
        side keeps only its end (the child gets pid 0 and the write end). On
        failure the pipe is closed and OSError raised. Every fork is counted."""
        rfd, wfd = os.pipe()
        try:
            t0 = time.perf_counter()
            pid = os.fork()
        except OSError:
            os.close(rfd)
            os.close(wfd)
            raise
        if pid == 0:
            os.close(rfd)
            return 0, None, wfd
        os.close(wfd)
        self.count_fork(t0)
        return pid, rfd, None

    def count_fork(self, t0):
        """A fork happened (ours or the AOF rewrite's): INFO total_forks, latest_fork_usec."""
        self.total_forks += 1
        self.latest_fork_usec = int((time.perf_counter() - t0) * 1e6)

    def reap(self):
        """Collect a finished child (cron, tests); True when one ended now."""
        if self.child_pid is None:
            return False
        try:
            pid, status = os.waitpid(self.child_pid, os.WNOHANG)
        except ChildProcessError:
            # Reaped by someone else: its report on the pipe says whether it succeeded.
            pid, status = self.child_pid, None
        if pid == 0:
            return False
        cow = self._read_cow()
        if status is None:
            status = 0 if cow is not None else 1 << 8
        if cow is not None:
            self.last_cow_size = cow
        self._child_done(status)
        return True

    def _read_cow(self):
        """The child's last word: its copy-on-write bytes (None if it wrote nothing)."""
        fd, self.cow_pipe = self.cow_pipe, None
        if fd is None:
            return None
        try:
            data = os.read(fd, 64)
        except OSError:
            data = b""
        finally:
            os.close(fd)
        try:
            return int(data)
        except ValueError:
            return None

    def _child_done(self, status):
        pid = self.child_pid
        self.child_pid = None
        self.last_bgsave_secs = int(time.time() - self.child_start)
        self.child_start = None
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            log.warning("Background saving terminated by signal %d", sig)
            unlink_quietly(os.path.join(data_dir(self.server.config), "temp-%d.rdb" % pid))
            # SIGUSR1 is how we stop a child on purpose: not an error.
            if sig != signal.SIGUSR1:
                self.set_status(False)
        elif os.WEXITSTATUS(status) == 0:
            log.info("Background saving terminated with success")
            self._saved(self.dirty_at_fork)
        else:
            log.warning("Background saving error")
            self.set_status(False)

    def kill_child(self):
        """Stop a running BGSAVE child (SHUTDOWN, FLUSHALL) and wait for it; its temp file goes."""
        pid = self.child_pid
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGUSR1)
            os.waitpid(pid, 0)
        except OSError:
            pass
        self._read_cow()
        unlink_quietly(os.path.join(data_dir(self.server.config), "temp-%d.rdb" % pid))
        self.child_pid = None
        self.child_start = None

    # --- the cron -----------------------------------------------------------------
    def cron(self, now=None):
        """Run from the server cron: reap the child, then save points and scheduled BGSAVEs."""
        if self.child_pid is not None:
            self.reap()
            return
        if self.other_child_active() or getattr(self.server, "loading", None) is not None:
            return
        now = int(time.time()) if now is None else now
        may_retry = self.last_ok or now - self.last_try > RETRY_DELAY
        if self.scheduled and may_retry:
            if self.background():
                self.scheduled = False
            return
        dirty = self.server.keyspace.dirty
        for seconds, changes in self.save_params():
            if dirty >= changes and now - self.lastsave > seconds and may_retry:
                log.info("%d changes in %d seconds. Saving...", changes, seconds)
                self.background()
                break

    # --- MISCONF --------------------------------------------------------------------
    def set_status(self, ok):
        self.last_ok = ok
        self._update_hook()

    def _config_changed(self, name, value):
        if name in ("save", "stop-writes-on-bgsave-error"):
            self._update_hook()

    def write_denied(self):
        """Redis' writeCommandsDeniedByDiskError for snapshots: the -MISCONF text, or None."""
        cfg = self.server.config
        if cfg.stop_writes_on_bgsave_error and cfg.save and not self.last_ok:
            return errors.MISCONF_RDB
        return None

    def _update_hook(self):
        """The MISCONF check runs before every command only while writes are refused,
        so a healthy server pays nothing for it."""
        d = self.server.dispatcher
        deny = self.write_denied() is not None
        if deny and not self._denying:
            d.add_rule(self._misconf_hook, RULE_MISCONF)
        elif not deny and self._denying:
            d.remove_rule(self._misconf_hook)
        self._denying = deny

    def _misconf_hook(self, conn, spec, argv):
        if conn.sock is None:
            return None   # replaying the append-only log: Redis obeys such clients
        if spec.is_write or spec.name == "ping" or (
                spec.name == "exec" and conn.multi and any(s.is_write for s, _ in conn.multi)):
            msg = self.write_denied()
            if msg is not None:
                return self.server.dispatcher.error(msg, spec)
        return None

    # --- INFO -----------------------------------------------------------------------
    def info_fields(self):
        """The rdb_* part of INFO persistence (and the fork fields before it), in Redis' order."""
        running = self.child_pid is not None
        return [
            ("current_cow_peak", 0),
            ("current_cow_size", 0),
            ("current_cow_size_age", 0),
            ("current_fork_perc", "0.00"),
            ("current_save_keys_processed", 0),
            ("current_save_keys_total", self.child_keys if running else 0),
            ("rdb_changes_since_last_save", self.server.keyspace.dirty),
            ("rdb_bgsave_in_progress", 1 if running else 0),
            ("rdb_last_save_time", self.lastsave),
            ("rdb_last_bgsave_status", "ok" if self.last_ok else "err"),
            ("rdb_last_bgsave_time_sec", self.last_bgsave_secs),
            ("rdb_current_bgsave_time_sec", int(time.time() - self.child_start) if running else -1),
            ("rdb_saves", self.saves),
            ("rdb_last_cow_size", self.last_cow_size),
            ("rdb_last_load_keys_expired", self.load_keys_expired),
            ("rdb_last_load_keys_loaded", self.load_keys_loaded),
        ]


def _run_child(server, report_fd):
    """The forked BGSAVE child: write the snapshot, report its copy-on-write size."""
    def work():
        if not write_snapshot(server):
            return False
        os.write(report_fd, b"%d" % log_cow())
        return True
    run_in_child(server, work, "Background save child")


def run_in_child(server, work, what):
    """The life of a forked child (BGSAVE's, replication's): ``work()``, then
    ``os._exit`` -- 0 if it returned True. The event loop is never run here."""
    code = 1
    try:
        # The parent's signal handlers belong to its event loop, which never
        # runs here: default actions, so SIGUSR1/SIGTERM end the child.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_DFL)
        # The port stays the parent's alone, as Redis closes it in its children.
        for sock, _ in server.listeners:
            sock.close()
        _set_log_role("C")
        if work():
            code = 0
    except BaseException:
        try:
            log.exception("%s failed", what)
        except BaseException:
            pass
    finally:
        try:
            for h in logging.getLogger().handlers:
                h.flush()
        finally:
            os._exit(code)


def log_cow():
    """Log the child's copy-on-write size as Redis does; returns it."""
    cow = cow_bytes()
    log.info("Fork CoW for RDB: current %d MB, peak %d MB, average %d MB",
             cow >> 20, cow >> 20, cow >> 20)
    return cow


def cow_bytes():
    """Memory this process no longer shares with its parent (Private_Dirty), as Redis counts it."""
    try:
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _set_log_role(role):
    """Log lines of the child say 'C', as Redis' (pid:C ...)."""
    try:
        from .. import daemon
        daemon.LOG_ROLE = role
    except Exception:
        pass
