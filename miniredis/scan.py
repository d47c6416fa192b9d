"""Cursor-based iteration for SCAN, and later HSCAN / SSCAN / ZSCAN.

Owns: parsing cursors and the shared COUNT / MATCH / TYPE options, and the
table of scans in progress. Must not touch: the keyspace (callers filter
expired keys and types), replies, sockets.

Redis walks its hash tables with a reverse-binary cursor. Python dicts keep
insertion order but have no stable positional index, so a scan here works on
a snapshot instead: SCAN 0 over a collection larger than COUNT takes a list
of its keys, keeps it in a small LRU table under an id, and encodes
``(id, position)`` in the cursor; each later call slices the snapshot and
skips the keys no longer present. That gives Redis' guarantee -- every
element present for the whole scan is returned at least once -- and also
never returns one twice. The cursor is an opaque unsigned 64-bit integer:
``id << 32 | position``, 0 starting and ending a scan.

A cursor the table does not know (evicted, forged, from another server or
another collection) restarts a fresh snapshot from the beginning: duplicates
are allowed by the SCAN contract, misses are not. The table is bounded in
scans and in snapshot entries; more concurrent scans than ``max_scans``
evict each other and keep restarting, a documented limit.
"""

import random
import re
from collections import OrderedDict

from . import errors
from .errors import CommandError
from .datatypes import parse_int

ULONG_MAX = 2 ** 64 - 1
DEFAULT_COUNT = 10

# strtoul as Redis calls it: optional sign, digits; "" parses as 0. A leading
# space is refused explicitly by Redis, trailing bytes by the end-pointer check.
_CURSOR_RE = re.compile(rb"([+-]?)([0-9]*)\Z")


def parse_cursor(arg):
    """The unsigned 64-bit cursor in arg, with strtoul's wrap-around of negatives.

    strtoul reads a C string: the cursor ends at the first NUL byte.
    """
    m = _CURSOR_RE.match(arg.split(b"\0", 1)[0]) if type(arg) is bytes else None
    if m is None or (m.group(1) and not m.group(2)):
        raise CommandError(errors.INVALID_CURSOR)
    v = int(m.group(2) or b"0")
    if v > ULONG_MAX:
        raise CommandError(errors.INVALID_CURSOR)
    return (-v) & ULONG_MAX if m.group(1) == b"-" else v


def parse_options(argv, start, allow_type):
    """(pattern or None, count, type name or None) from COUNT / MATCH / TYPE options.

    Later occurrences win, as in Redis; ``MATCH *`` means no filtering.
    """
    pattern, count, typename = None, DEFAULT_COUNT, None
    i, n = start, len(argv)
    while i < n:
        opt = argv[i].lower()
        if n - i < 2:
            raise CommandError(errors.SYNTAX)
        if opt == b"count":
            count = parse_int(argv[i + 1])
            if count < 1:
                raise CommandError(errors.SYNTAX)
        elif opt == b"match":
            pattern = None if argv[i + 1] == b"*" else argv[i + 1]
        elif opt == b"type" and allow_type:
            typename = argv[i + 1].lower()
        else:
            raise CommandError(errors.SYNTAX)
        i += 2
    return pattern, count, typename


class _Scan(object):
    __slots__ = ("owner", "keys")

    def __init__(self, owner, keys):
        self.owner = owner   # id() of the scanned collection
        self.keys = keys     # the snapshot


class ScanTable(object):
    """Snapshots of the scans in progress, least recently used first."""

    def __init__(self, max_scans=64, max_entries=4000000):
        self.max_scans = max_scans
        self.max_entries = max_entries   # total snapshot length (8 bytes each)
        self.scans = OrderedDict()       # id -> _Scan
        self.entries = 0
        # Start ids at a random point so cursors of another server or an
        # earlier run are unlikely to name a live scan here.
        self._next_id = random.randrange(1, 2 ** 32)

    def page(self, collection, cursor, count):
        """(next_cursor, candidates) for one step over ``collection``.

        ``collection`` supports len(), iteration and ``in`` (a dict or set).
        Candidates are keys that were present at the snapshot and still are;
        the caller applies MATCH / TYPE / expiry filters after selection.
        """
        scan_id, pos = cursor >> 32, cursor & 0xFFFFFFFF
        scan = self.scans.get(scan_id) if cursor else None
        if scan is None or scan.owner != id(collection) or pos >= len(scan.keys):
            if len(collection) <= count:
                return 0, list(collection)
            scan_id, scan, pos = self._start(collection), None, 0
            scan = self.scans[scan_id]
        else:
            self.scans.move_to_end(scan_id)
        end = pos + count
        keys = [k for k in scan.keys[pos:end] if k in collection]
        if end >= len(scan.keys):
            self._drop(scan_id)
            return 0, keys
        return scan_id << 32 | end, keys

    def _start(self, collection):
        scan_id = self._next_id
        self._next_id = self._next_id % (2 ** 32 - 1) + 1   # ids 1 .. 2**32-1, never 0
        keys = list(collection)
        self.scans[scan_id] = _Scan(id(collection), keys)
        self.entries += len(keys)
        # Evict the least recently used scans, never the one just started.
        while len(self.scans) > 1 and (len(self.scans) > self.max_scans
                                       or self.entries > self.max_entries):
            self._drop(next(iter(self.scans)))
        return scan_id

    def _drop(self, scan_id):
        scan = self.scans.pop(scan_id, None)
        if scan is not None:
            self.entries -= len(scan.keys)


# One table per process: scans of different servers or collections never mix
# because each snapshot remembers the identity of its collection.
TABLE = ScanTable()


def page(collection, cursor, count):
    """One step of a scan over ``collection`` with the process-wide table."""
    return TABLE.page(collection, cursor, count)
