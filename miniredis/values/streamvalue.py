"""The stream value type: entries by ID, consumer groups, their pending lists.

Owns: how a stream is stored (entries, ID bookkeeping, the node layout that
Redis' approximate trimming and XINFO radix-tree-keys depend on), consumer
groups, consumers and pending entries (NACKs), copying and size estimates.
Must not touch: commands, argument parsing, replies, the keyspace.

IDs are single integers ``ms << 64 | seq`` so that comparison, ordering and
"next ID" are plain integer operations. Entries live in a
``sortedcontainers.SortedDict`` id -> flat field/value list: XADD at the end
is O(log N) (amortised, no rebalancing of a big array), a range read is
O(log N + M).

Redis keeps entries in listpack nodes of at most stream-node-max-entries
entries / stream-node-max-bytes bytes; ``MAXLEN ~`` and ``MINID ~`` only drop
whole nodes, and XDEL only marks entries deleted in their node. To trim
exactly as Redis does we keep a shadow of that layout (:class:`Node`: master
ID, live and deleted counts, the listpack's byte size computed with
listpack's encoding rules), never the bytes themselves.
"""

from sortedcontainers import SortedDict

from ..datatypes import register_type

SEQ_BITS = 64
SEQ_MASK = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
INVALID = None   # a group's entries-read counter that is not known (Redis' -1)


def make_id(ms, seq):
    return (ms << SEQ_BITS) | seq


def split_id(i):
    return i >> SEQ_BITS, i & SEQ_MASK


def format_id(i):
    return b"%d-%d" % (i >> SEQ_BITS, i & SEQ_MASK)


# --- listpack sizes (only to know where Redis starts a new node) ---------------------

def _lp_backlen(n):
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def _lp_int(v):
    if 0 <= v <= 127:
        n = 1
    elif -4096 <= v <= 4095:
        n = 2
    elif -32768 <= v <= 32767:
        n = 3
    elif -8388608 <= v <= 8388607:
        n = 4
    elif -2147483648 <= v <= 2147483647:
        n = 5
    else:
        n = 9
    return n + _lp_backlen(n)


def _as_int(b):
    """The integer listpack would store a string as, or None (lpStringToInt64)."""
    n = len(b)
    if n == 0 or n > 20:
        return None
    if b == b"0":
        return 0
    s = b[1:] if b[:1] == b"-" else b
    if not s or not s.isdigit() or s[:1] == b"0" or not s.isascii():
        return None
    v = int(b)
    if v < -(1 << 63) or v >= (1 << 63):
        return None
    return v


def _lp_str(b):
    v = _as_int(b)
    if v is not None:
        return _lp_int(v)
    n = len(b)
    if n <= 63:
        n += 1
    elif n <= 4095:
        n += 2
    else:
        n += 5
    return n + _lp_backlen(n)


class Node(object):
    """The shadow of one listpack node: enough to know its size and counts."""

    __slots__ = ("master", "fields", "fixed", "live", "deleted", "body", "last")

    def __init__(self, master, fields):
        self.master = master            # master entry ID (the node's radix tree key)
        self.fields = fields            # master fields (tuple of bytes)
        # master: num-fields, the fields, the master terminator (0)
        self.fixed = _lp_int(len(fields)) + sum(_lp_str(f) for f in fields) + _lp_int(0)
        self.live = 0
        self.deleted = 0
        self.body = 0                   # bytes of the entries
        self.last = master              # last ID written in the node (deleted ones too)

    def nbytes(self):
        # 6 bytes header + 1 end byte, the live and deleted counters, the master entry.
        return 7 + _lp_int(self.live) + _lp_int(self.deleted) + self.fixed + self.body

    def entry_size(self, eid, fv):
        ms, seq = split_id(eid)
        mms, mseq = split_id(self.master)
        n = len(fv) // 2
        size = _lp_int(2) + _lp_int(ms - mms) + _lp_int(seq - mseq)
        fields = tuple(fv[0::2])
        if fields == self.fields:
            size += sum(_lp_str(v) for v in fv[1::2])
            size += _lp_int(n + 3)
        else:
            size += _lp_int(n) + sum(_lp_str(x) for x in fv)
            size += _lp_int(n * 2 + 4)
        return size


def _rax_count(keys, d):
    """Rax nodes below the point at depth d shared by the sorted ``keys``."""
    if d == 16:
        return 1
    if keys[0][d] == keys[-1][d]:
        e = d
        while e < 16 and keys[0][e] == keys[-1][e]:
            e += 1
        return 1 + _rax_count(keys, e)
    total = 1
    i = 0
    while i < len(keys):
        b = keys[i][d]
        j = i
        while j < len(keys) and keys[j][d] == b:
            j += 1
        total += _rax_count(keys[i:j], d + 1)
        i = j
    return total


class NACK(object):
    """A pending entry: delivered to a consumer, not acknowledged yet."""

    __slots__ = ("consumer", "delivery_time", "delivery_count")

    def __init__(self, consumer, delivery_time, delivery_count=1):
        self.consumer = consumer
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count


class Consumer(object):
    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name, now):
        self.name = name
        self.seen_time = now
        self.pel = SortedDict()   # id -> NACK (the same objects as the group's)


class Group(object):
    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name, last_id, entries_read):
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read   # int, or INVALID
        self.pel = SortedDict()            # id -> NACK
        self.consumers = {}                # name -> Consumer (listed sorted by name)

    def consumer(self, name, now, create=True):
        """The named consumer (created when missing and ``create``); (consumer, created)."""
        c = self.consumers.get(name)
        if c is not None or not create:
            return c, False
        c = self.consumers[name] = Consumer(name, now)
        return c, True


@register_type
class StreamValue(object):
    __slots__ = ("entries", "nodes", "last_id", "first_id", "max_deleted", "entries_added",
                 "groups")
    type_name = "stream"

    def __init__(self):
        self.entries = SortedDict()   # id -> [field, value, ...]
        self.nodes = SortedDict()     # master id -> Node
        self.last_id = 0
        self.first_id = 0             # recorded first entry ID (0 when empty)
        self.max_deleted = 0
        self.entries_added = 0
        self.groups = {}              # name -> Group (listed sorted by name)

    # --- the value protocol -----------------------------------------------------------
    def __len__(self):
        return len(self.entries)

    def encoding(self, config):
        return "stream"

    def copy(self):
        s = StreamValue()
        s.entries = SortedDict((k, list(v)) for k, v in self.entries.items())
        for k, n in self.nodes.items():
            m = Node.__new__(Node)
            for a in Node.__slots__:
                setattr(m, a, getattr(n, a))
            s.nodes[k] = m
        s.last_id, s.first_id = self.last_id, self.first_id
        s.max_deleted, s.entries_added = self.max_deleted, self.entries_added
        for name, g in self.groups.items():
            h = s.groups[name] = Group(name, g.last_id, g.entries_read)
            for cname, c in g.consumers.items():
                d = h.consumers[cname] = Consumer(cname, c.seen_time)
                for i, nack in c.pel.items():
                    n2 = NACK(d, nack.delivery_time, nack.delivery_count)
                    d.pel[i] = n2
                    h.pel[i] = n2
        return s

    def memory(self):
        total = 300
        for n in self.nodes.values():
            total += n.nbytes() + 64
        for g in self.groups.values():
            total += 200 + 80 * len(g.pel) + 100 * len(g.consumers)
        return total

    def rax_nodes(self):
        """How many radix tree nodes Redis would hold for our nodes' keys (XINFO).

        The keys are 16-byte big-endian IDs; a rax has one node per chain of
        single-child bytes, one per branching point and one per leaf.
        """
        keys = [k.to_bytes(16, "big") for k in self.nodes]
        if not keys:
            return 1
        return _rax_count(keys, 0)

    # --- entries ----------------------------------------------------------------------
    def append(self, eid, fv, config):
        """Add an entry with a valid new ID (greater than last_id)."""
        nodes = self.nodes
        node = nodes.peekitem(-1)[1] if nodes else None
        if node is not None:
            max_bytes = config.stream_node_max_bytes
            if max_bytes == 0 or max_bytes > (1 << 30):
                max_bytes = 1 << 30
            if node.nbytes() + sum(len(x) for x in fv) >= max_bytes:
                node = None
            elif config.stream_node_max_entries and \
                    node.live + node.deleted >= config.stream_node_max_entries:
                node = None
        if node is None:
            node = nodes[eid] = Node(eid, tuple(fv[0::2]))
        node.body += node.entry_size(eid, fv)
        node.live += 1
        node.last = eid
        self.entries[eid] = fv
        self.last_id = eid
        self.entries_added += 1
        if len(self.entries) == 1:
            self.first_id = eid

    def _node_of(self, eid):
        nodes = self.nodes
        i = nodes.bisect_right(eid) - 1
        return nodes.peekitem(i)[1]

    def delete(self, eid):
        """XDEL one ID; True if it existed."""
        if eid not in self.entries:
            return False
        node = self._node_of(eid)
        del self.entries[eid]
        node.live -= 1
        node.deleted += 1
        if node.live == 0:
            del self.nodes[node.master]
        if eid > self.max_deleted:
            self.max_deleted = eid
        if eid == self.first_id:
            self.first_id = self.entries.peekitem(0)[0] if self.entries else 0
        return True

    def trim(self, maxlen=None, minid=None, approx=False, limit=0):
        """Trim by MAXLEN or MINID as Redis' streamTrim; returns the entries removed."""
        entries, nodes = self.entries, self.nodes
        removed = 0
        while nodes:
            if maxlen is not None and len(entries) <= maxlen:
                break
            node = nodes.peekitem(0)[1]
            if limit and removed + node.live > limit:
                break
            if maxlen is not None:
                whole = len(entries) - node.live >= maxlen
            else:
                whole = node.last < minid
            if whole:
                del nodes[node.master]
                keys = list(entries.irange(node.master, node.last))
                for k in keys:
                    del entries[k]
                removed += len(keys)
                continue
            if approx:
                break
            for k in list(entries.irange(node.master, node.last)):
                if (len(entries) <= maxlen) if maxlen is not None else k >= minid:
                    break
                del entries[k]
                node.live -= 1
                node.deleted += 1
                removed += 1
            break
        self.first_id = entries.peekitem(0)[0] if entries else 0
        return removed

    def range(self, lo, hi, count=0, rev=False):
        """Entries (id, fields) with lo <= id <= hi, at most count (0: all)."""
        out = []
        if lo > hi:
            return out
        for k in self.entries.irange(lo, hi, reverse=rev):
            out.append((k, self.entries[k]))
            if count and len(out) >= count:
                break
        return out

    def first_entry(self):
        return self.entries.peekitem(0) if self.entries else None

    def last_entry(self):
        return self.entries.peekitem(-1) if self.entries else None

    # --- consumer-group bookkeeping (Redis' entries-read rules) -----------------------
    def has_tombstones(self, start=0, end=MAX_ID):
        """Whether [start, end] may hold a deleted entry (streamRangeHasTombstones)."""
        if not self.entries or self.max_deleted == 0:
            return False
        if self.first_id > self.max_deleted:
            return False
        return start <= self.max_deleted <= end

    def estimate_read(self, eid):
        """The entries-read counter of an ID, or INVALID (streamEstimateDistance...)."""
        if not self.entries_added:
            return 0
        if not self.entries and eid <= self.last_id:
            return self.entries_added
        if eid == self.last_id:
            return self.entries_added
        if eid > self.last_id:
            return INVALID
        if self.max_deleted == 0 or self.max_deleted < self.first_id:
            if eid < self.first_id:
                return self.entries_added - len(self.entries)
            if eid == self.first_id:
                return self.entries_added - len(self.entries) + 1
        return INVALID

    def lag(self, group):
        """A group's lag, or None when it cannot be known."""
        if not self.entries_added:
            return 0
        if group.entries_read is not INVALID and not self.has_tombstones(group.last_id):
            return self.entries_added - group.entries_read
        read = self.estimate_read(group.last_id)
        if read is INVALID:
            return None
        return self.entries_added - read

    def delivered(self, group, eid):
        """The group's last delivered ID moves to eid (a read past it): counters follow."""
        if group.entries_read is not INVALID and not self.has_tombstones(eid):
            group.entries_read += 1
        elif self.entries_added:
            group.entries_read = self.estimate_read(eid)
        group.last_id = eid
