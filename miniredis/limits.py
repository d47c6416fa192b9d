"""The open-files limit at start-up: raise it to fit ``maxclients``, or lower ``maxclients``.

Why: every client is a socket, so a server whose RLIMIT_NOFILE soft limit is
the usual 1024 cannot hold the default ``maxclients 10000``: accept() fails
with EMFILE at about the thousandth connection instead of the client being
told "-ERR max number of clients reached". Redis 7.0 settles this once at
start-up (``adjustOpenFilesLimit`` in server.c) and miniredis does the same,
with the same results and log lines:

- it wants ``maxclients + 32`` descriptors (32 are kept for listening
  sockets, log, persistence files, pipes...);
- when the soft limit is lower, it tries to set soft and hard limit both to
  that number, then 16 less each time, while it stays above the current soft
  limit (an unprivileged process cannot go past its hard limit);
- success at the full number logs one notice; anything less sets
  ``maxclients`` to what it got minus 32 and logs Redis' three warnings; 32
  or fewer descriptors is not enough to start at all (StartupError, exit 1).

Owns only that: it reads and may lower ``config.maxclients`` before the
server is created. Must not import gevent or the server (cli.py calls it
before creating the Server). CONFIG SET maxclients at run time is not
handled here.
"""

import errno
import logging
import os
import resource

from .daemon import StartupError

# Redis' CONFIG_MIN_RESERVED_FDS: descriptors kept for everything but clients.
RESERVED_FDS = 32
# How much Redis lowers its wish after each refused setrlimit.
STEP = 16


def adjust_open_files_limit(config, log=None):
    """Raise RLIMIT_NOFILE toward config.maxclients + 32, or lower config.maxclients to fit.

    Returns the soft limit in force afterwards; raises StartupError when
    32 descriptors or fewer are available.
    """
    log = log or logging.getLogger("miniredis")
    maxfiles = config.maxclients + RESERVED_FDS
    try:
        oldlimit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (OSError, ValueError) as e:
        log.warning("Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting"
                    " the max clients configuration accordingly.", _reason(e))
        config.maxclients = 1024 - RESERVED_FDS
        return 1024
    if oldlimit == resource.RLIM_INFINITY or oldlimit >= maxfiles:
        return oldlimit
    bestlimit = maxfiles
    error = None
    while bestlimit > oldlimit:
        try:
            # Soft and hard together, as Redis does: the hard limit drops to
            # the new value, and a wish above it is refused (EPERM).
            resource.setrlimit(resource.RLIMIT_NOFILE, (bestlimit, bestlimit))
            break
        except (OSError, ValueError) as e:
            error = e
        if bestlimit < STEP:
            bestlimit = oldlimit
            break
        bestlimit -= STEP
    bestlimit = max(bestlimit, oldlimit)
    if bestlimit >= maxfiles:
        log.info("Increased maximum number of open files to %d (it was originally set to %d).",
                 maxfiles, oldlimit)
        return bestlimit
    if bestlimit <= RESERVED_FDS:
        raise StartupError("Your current 'ulimit -n' of %d is not enough for the server to"
                           " start. Please increase your open file limit to at least %d."
                           " Exiting." % (oldlimit, maxfiles))
    requested = config.maxclients
    config.maxclients = bestlimit - RESERVED_FDS
    log.warning("You requested maxclients of %d requiring at least %d max file descriptors.",
                requested, maxfiles)
    log.warning("Server can't set maximum open files to %d because of OS error: %s.",
                maxfiles, _reason(error))
    log.warning("Current maximum open files is %d. maxclients has been reduced to %d to"
                " compensate for low ulimit. If you need higher maxclients increase"
                " 'ulimit -n'.", bestlimit, config.maxclients)
    return bestlimit


def _reason(error):
    """strerror of a failed getrlimit/setrlimit, as Redis prints it.

    CPython turns the kernel's EPERM ("not allowed to raise maximum limit")
    into a ValueError without errno; everything else is an OSError.
    """
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno)
    return os.strerror(errno.EPERM)
