"""The server's life cycle around its data: loading at start-up, saving at shutdown.

Owns: what start-up loads (the append-only log when ``appendonly yes``, else
``dir/dbfilename`` when present), the loading state (INFO ``loading:1`` and its
progress fields, ``-LOADING`` for clients meanwhile), refusing to start on a
corrupt file (never overwriting it), and Redis 7.0's prepareForShutdown: kill a
snapshot child, flush the append-only log, save when save points exist (or
SHUTDOWN SAVE), refuse with "Errors trying to SHUTDOWN" when that fails unless
FORCE.
Must not touch: the file formats (rdb.py, aof.py), sockets (server.py), the
pidfile and the process exit (cli.py).

Loading runs in the main greenlet after the listening sockets are bound. The
RDB reader reports its progress every 1024 keys; at most every
``YIELD_SECONDS`` the load lets the hub run once (``gevent.sleep(0)``): clients that
connect meanwhile are answered ``-LOADING`` (commands flagged ``loading``, such
as INFO, still run), and a SIGTERM or SHUTDOWN stops the load without saving.
"""

import logging
import os
import time

from .. import errors
from .snapshot import data_dir
from ..rules import RULE_LOADING

log = logging.getLogger("miniredis")

YIELD_SECONDS = 0.05        # longest stretch of loading without serving the event loop
PROGRESS_LOG_SECONDS = 5.0  # a progress line this often while a large file loads


class LoadError(Exception):
    """The dataset on disk cannot be loaded: start-up stops (exit code 1)."""


class LoadAborted(Exception):
    """A shutdown was requested while loading."""


class Loading(object):
    """Progress of the load under way (``server.loading`` while it runs)."""

    def __init__(self, server, total_bytes):
        self.server = server
        self.start = time.time()
        self.total = total_bytes
        self.loaded = 0
        self.used_mem = 0           # loading_rdb_used_mem: the file's used-mem aux field
        self.abort = False          # set by SHUTDOWN / SIGTERM while loading
        self._next_yield = time.monotonic() + YIELD_SECONDS
        self._next_log = time.monotonic() + PROGRESS_LOG_SECONDS

    def progress(self, loaded):
        """Called as bytes are read: serve the event loop now and then."""
        self.loaded = loaded
        if self.abort:
            raise LoadAborted()
        now = time.monotonic()
        if now < self._next_yield:
            return
        import gevent
        gevent.sleep(0)
        if now >= self._next_log:
            self._log_progress()
            self._next_log = now + PROGRESS_LOG_SECONDS
        self._next_yield = time.monotonic() + YIELD_SECONDS
        if self.abort:
            raise LoadAborted()

    def _log_progress(self):
        elapsed = max(1e-6, time.time() - self.start)
        keys = sum(len(db) for db in self.server.keyspace.dbs)
        log.info("Loading the dataset: %.2f%% done, %d keys loaded, %d keys/sec",
                 self.perc(), keys, int(keys / elapsed))

    def perc(self):
        return self.loaded * 100.0 / (self.total + 1)

    def info_fields(self):
        """The loading_* fields of INFO persistence, as Redis 7.0 computes them."""
        elapsed = int(time.time()) - int(self.start)
        remaining = max(0, self.total - self.loaded)
        eta = 1 if elapsed == 0 else elapsed * remaining // (self.loaded + 1)
        return [
            ("loading_start_time", int(self.start)),
            ("loading_total_bytes", self.total),
            ("loading_rdb_used_mem", self.used_mem),
            ("loading_loaded_bytes", self.loaded),
            ("loading_loaded_perc", "%.2f" % self.perc()),
            ("loading_eta_seconds", eta),
        ]


# --- start-up ------------------------------------------------------------------------

def loading_hook(conn, spec, argv):
    """While loading, clients get -LOADING except for commands Redis allows then."""
    server = conn.server
    if server.loading is None or spec.is_loading_ok or conn.sock is None:
        return None
    return server.dispatcher.error(errors.LOADING, spec)


def load_data(server):
    """Load the dataset at start-up (Redis' loadDataFromDisk); raises LoadError.

    Returns True when something was loaded.
    """
    cfg = server.config
    t0 = time.time()
    server.dispatcher.add_rule(loading_hook, RULE_LOADING)
    try:
        if cfg.appendonly:
            loaded = _load_aof(server)   # aof.py logs its own timings
        else:
            loaded = _load_rdb(server)
            if loaded:
                log.info("DB loaded from disk: %.3f seconds", time.time() - t0)
    except LoadAborted:
        log.warning("Loading interrupted by a shutdown request.")
        raise
    finally:
        server.loading = None
        server.dispatcher.remove_rule(loading_hook)
    # Loading is not a change of the dataset: nothing needs saving because of it.
    server.keyspace.dirty = 0
    return loaded


def start_aof(server):
    """After loading: with ``appendonly yes`` the log opens (creating its directory
    and base file when there is none) and starts recording writes."""
    aof = getattr(server, "aof", None)
    if aof is not None:
        try:
            aof.start()   # also when off: it keeps its cron for a later CONFIG SET appendonly yes
        except OSError as e:
            raise LoadError("Can't open the append-only file %s: %s" % (
                server.config.appenddirname, e.strerror or e))


def _load_aof(server):
    aof = getattr(server, "aof", None)
    if aof is None:
        return False
    path = os.path.join(data_dir(server.config), server.config.appenddirname)
    server.loading = Loading(server, _dir_size(path))
    try:
        return bool(aof.load())
    except LoadAborted:
        raise
    except Exception as e:
        raise LoadError(str(e))


def _dir_size(path):
    try:
        return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))
    except OSError:
        return 0


def _load_functions(server, codes):
    """FUNCTION libraries saved in the file, loaded as FUNCTION LOAD REPLACE would."""
    if not codes:
        return
    from ..errors import CommandError
    from ..scripting.host import scripting
    libs = scripting(server).functions
    for code in codes:
        try:
            libs.load(code, True)
        except CommandError as e:
            raise LoadError("Fatal error loading the DB: a function library failed to load: %s. "
                            "Exiting." % e.message)


def _load_rdb(server):
    from .rdb import RDBError, load_rdb
    cfg = server.config
    path = os.path.join(data_dir(cfg), cfg.dbfilename)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return False
    except OSError as e:
        raise LoadError("Fatal error loading the DB (%s): %s. Exiting." % (path, e.strerror or e))
    with f:
        try:
            size = os.fstat(f.fileno()).st_size
        except OSError:
            size = 0
        loading = server.loading = Loading(server, size)
        functions = []
        try:
            aux = load_rdb(f, server.keyspace, config=cfg, functions=functions,
                           progress=lambda offset, total, keys: loading.progress(offset)) or {}
            _load_functions(server, functions)
        except LoadAborted:
            raise
        except RDBError as e:
            detail = e.args[0] if e.args else "corrupt data"
            raise LoadError("Fatal error loading the DB: %s is corrupt at offset %s: %s. Exiting. "
                            "The file was left untouched." % (path, e.offset, detail))
        except (OSError, EOFError, ValueError) as e:
            raise LoadError("Fatal error loading the DB: %s could not be read at offset %d: %s. "
                            "Exiting. The file was left untouched." % (path, loading.loaded, e))
    _log_aux(aux)
    loaded = sum(len(db) for db in server.keyspace.dbs)
    expired = _aux_int(aux, "keys-expired", "keys_expired")
    snaps = server.snapshots
    snaps.load_keys_loaded, snaps.load_keys_expired = loaded, expired
    log.info("Done loading RDB, keys loaded: %d, keys expired: %d.", loaded, expired)
    return True


def _aux_int(aux, *names):
    for n in names:
        for k in (n, n.encode()):
            if k in aux:
                try:
                    return int(aux[k])
                except (TypeError, ValueError):
                    return 0
    return 0


def _aux_text(aux, name):
    v = aux.get(name, aux.get(name.encode()))
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return v


def _log_aux(aux):
    """What Redis says about the file it loaded: producer version, age, memory."""
    ver = _aux_text(aux, "redis-ver")
    if ver:
        log.info("Loading RDB produced by version %s", ver)
    ctime = _aux_text(aux, "ctime")
    if ctime is not None:
        try:
            log.info("RDB age %d seconds", int(time.time()) - int(ctime))
        except ValueError:
            pass
    mem = _aux_text(aux, "used-mem")
    if mem is not None:
        try:
            log.info("RDB memory usage when created %.2f Mb", int(mem) / (1024.0 * 1024))
        except ValueError:
            pass


# --- shutdown --------------------------------------------------------------------------

def prepare_shutdown(server, save=None, force=False):
    """Redis 7.0's prepareForShutdown; True when the server may exit now.

    ``save``: True (SHUTDOWN SAVE), False (NOSAVE), None (save when save
    points are configured). A failed save keeps the server running unless
    ``force``. While loading nothing is saved (the data is incomplete).
    """
    log.warning("User requested shutdown...")
    loading = server.loading
    if loading is not None:
        loading.abort = True
        save = False
    snaps = server.snapshots
    if snaps.in_progress:
        log.warning("There is a child saving an .rdb. Killing it!")
        snaps.kill_child()
    aof = getattr(server, "aof", None)
    if aof is not None and server.config.appendonly and loading is None:
        if not _stop_aof_child(aof, force):
            log.warning("Errors trying to shut down the server. Check the logs for more "
                        "information.")
            return False
        log.info("Calling fsync() on the AOF file.")
        try:
            aof.flush_all()
        except Exception as e:
            log.warning("Fail to fsync the AOF file: %s.", e)
    if save is True or (save is None and snaps.save_params()):
        log.info("Saving the final RDB snapshot before exiting.")
        if not snaps.save(count=False):
            if force:
                log.warning("Error trying to save the DB. Exit anyway.")
            else:
                log.warning("Error trying to save the DB, can't exit.")
                log.warning("Errors trying to shut down the server. Check the logs for more "
                            "information.")
                return False
    return True


def _stop_aof_child(aof, force):
    """A running rewrite is killed, unless it writes the first base of a log just
    turned on (the log would be unusable): then only FORCE exits; False to refuse."""
    if not getattr(aof, "rewrite_in_progress", False):
        return True
    if getattr(aof, "waiting", False):
        if not force:
            log.warning("Writing initial AOF, can't exit.")
            return False
        log.warning("Writing initial AOF. Exit anyway.")
    log.warning("There is a child rewriting the AOF. Killing it!")
    kill = getattr(aof, "_kill_child", None)
    if kill is not None:
        kill()
    return True


def shutdown(server, save=None, force=False):
    """SHUTDOWN / SIGTERM: prepare, then stop serving at once; False if refused."""
    if getattr(server, "shutting_down", False):
        return True
    if not prepare_shutdown(server, save, force):
        return False
    server.shutting_down = True
    # Stop now, in this call: a client served later in this loop iteration
    # must not write after the final snapshot.
    server.stop()
    return True


def finish(server):
    """Last step before the process exits: close the append-only log."""
    aof = getattr(server, "aof", None)
    stop = getattr(aof, "stop", None)
    if stop is not None:
        try:
            stop()
        except Exception:
            log.exception("closing the append only file failed")
