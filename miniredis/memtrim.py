"""Giving freed heap memory back to the system: glibc's malloc_trim, from the server cron.

Owns: when to trim (:class:`Trimmer`, called by the server's cron) and the call
itself (:func:`trim`, which MEMORY PURGE calls too). Must not touch: the
keyspace's contents, connections, the event loop.

Python keeps small objects in arenas of its own and unmaps an arena once it is
empty, but every block over 512 bytes (read buffers, larger values, mid-sized
dict and list tables) comes from C malloc, and glibc keeps what is freed in its
heap for reuse: after start-up, a data load, a bulk insert through a pipe, a
FLUSHALL or a mass deletion the process stays megabytes larger than what it
holds (Redis' jemalloc gives such pages back by itself). ``malloc_trim(0)``
returns every free page of the heap to the system, not only its top.

It walks the whole heap (under a millisecond for tens of MB), so it runs at
most every ``MIN_INTERVAL`` seconds and only when memory may have been freed,
judged by the number of keys: once after start-up (the command table is parsed
and the data loaded by then), and whenever the key count has moved by a
quarter (and at least ``MIN_KEYS``) or dropped to zero since the last trim --
a load or bulk insert (its input buffers are freed when it ends), FLUSHALL,
FLUSHDB, a mass deletion -- and has then stayed put for one cron tick (the
bulk operation is over). Where the C library has no malloc_trim (musl, macOS,
Windows) nothing happens.
"""

import time

MIN_INTERVAL = 2.0   # seconds between two trims, at least
MIN_KEYS = 10000     # a smaller change of the key count frees too little to look at

_malloc_trim = None   # libc's malloc_trim, or False where there is none (found on first use)


def trim():
    """Return the C heap's free pages to the system; False where the C library cannot."""
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = _find_malloc_trim()
    if not _malloc_trim:
        return False
    _malloc_trim(0)
    return True


def _find_malloc_trim():
    # ctypes (~0.4 MB of RSS) is imported by the first trim, which gives back more.
    try:
        import ctypes
        return ctypes.CDLL(None).malloc_trim   # the symbols of the process, libc's among them
    except (ImportError, OSError, AttributeError, TypeError):
        return False


class Trimmer(object):
    """The cron's side: :meth:`cron` trims when the key count says memory may have been freed."""

    def __init__(self, keyspace, clock=time.monotonic, trim=trim):
        self.keyspace = keyspace
        self.clock = clock
        self.trim = trim
        self.seen = None       # the key count at the previous tick
        self.trimmed = None    # the key count at the last trim (None: not trimmed yet)
        self.next_allowed = 0.0

    def cron(self):
        n = sum(len(db) for db in self.keyspace.dbs)
        previous, self.seen = self.seen, n
        if n != previous:
            return   # still moving (or the first tick): wait until the bulk operation is over
        if self.trimmed is not None and not _moved(self.trimmed, n):
            return
        now = self.clock()
        if now < self.next_allowed:
            return   # trimmed moments ago: the next tick asks again
        self.next_allowed = now + MIN_INTERVAL
        self.trimmed = n
        self.trim()


def _moved(before, now):
    """Whether going from ``before`` keys to ``now`` may have freed (or churned) much memory."""
    if now == 0:
        return before > 0   # FLUSHALL, FLUSHDB of the last keys: their values may have been big
    return abs(now - before) >= max(MIN_KEYS, before // 4)
