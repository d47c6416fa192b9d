"""The list value: a deque of bytes elements.

Owns: how a list is stored and the few operations whose cost matters
(ranges read from the nearer end, trims that pop from the ends, removal of
matching elements in one pass), plus the value protocol of
:mod:`miniredis.datatypes` (type_name, encoding, copy, memory).
Must not touch: the keyspace, replies, command argument parsing.

A ``collections.deque`` gives O(1) pushes and pops at both ends, like
Redis' quicklist; indexing is O(distance from the nearer end) in C, which
matches Redis' O(N) for LINDEX/LSET. Elements are always bytes.
"""

from collections import deque
from itertools import islice, repeat

from ..datatypes import register_type

# Estimated bytes per element beyond its text: a bytes object header (33) and
# the deque slot pointing at it (8), rounded up for allocator slack.
_ELEMENT_OVERHEAD = 48
_HEADER = 640   # the deque object and its first block
_FEW = 16      # LREM counts up to this delete in place instead of rebuilding
_SAMPLES = 8    # elements whose length stands for the average (as MEMORY USAGE samples)


@register_type
class ListValue(deque):
    __slots__ = ()
    type_name = "list"

    def encoding(self, config):
        # Redis 7.0 keeps every list as a quicklist, whatever its size.
        return "quicklist"

    def copy(self):
        return ListValue(self)

    def memory(self):
        n = len(self)
        if not n:
            return _HEADER
        sample = list(islice(self, _SAMPLES))
        avg = sum(len(e) for e in sample) / len(sample)
        return _HEADER + int(n * (avg + _ELEMENT_OVERHEAD))

    # --- ranges -------------------------------------------------------------------------
    def range(self, start, stop):
        """Elements start..stop (inclusive, already normalised, 0 <= start <= stop < len),
        walking from whichever end is nearer (Redis' O(S+N))."""
        n = len(self)
        if start <= n - 1 - stop:
            return list(islice(self, start, stop + 1))
        out = list(islice(reversed(self), n - 1 - stop, n - start))
        out.reverse()
        return out

    def pop_many(self, count, left):
        """Remove and return up to ``count`` elements from one end, in pop order."""
        count = min(count, len(self))
        pop = self.popleft if left else self.pop
        return [pop() for _ in repeat(None, count)]

    def trim(self, left, right):
        """Drop ``left`` elements from the head and ``right`` from the tail.

        Popping costs O(removed), like Redis; when the part kept is the smaller
        one it is copied out instead, so trimming a huge list down to a few
        elements does not pay a Python-level call per removed element.
        """
        n = len(self)
        kept = n - left - right
        if kept <= 0:
            self.clear()
        elif kept < left + right:
            keep = self.range(left, n - right - 1)
            self.clear()
            self.extend(keep)
        else:
            popleft, pop = self.popleft, self.pop
            for _ in repeat(None, left):
                popleft()
            for _ in repeat(None, right):
                pop()

    def remove_matching(self, element, count, from_tail):
        """Remove up to ``count`` (0: all) elements equal to ``element``; return how many.

        A few removals are deleted in place (each O(distance to the nearer
        end), found by a C-speed scan when the direction does not matter);
        more are done by rebuilding the list in one pass, O(N) like Redis' LREM.
        """
        limit = count if 0 < count <= _FEW else _FEW + 1
        found = list(islice(self.positions(element, from_tail and count != 0, 0), limit))
        if len(found) < limit or len(found) == count:
            for i in sorted(found, reverse=True):
                del self[i]
            return len(found)
        if not count:
            kept = [e for e in self if e != element]
            removed = len(self) - len(kept)
            self.clear()
            self.extend(kept)
            return removed
        items = list(reversed(self)) if from_tail else list(self)
        kept = []
        removed = 0
        for i, e in enumerate(items):
            if e == element:
                removed += 1
                if removed == count:
                    kept.extend(islice(items, i + 1, None))
                    break
            else:
                kept.append(e)
        if from_tail:
            kept.reverse()
        self.clear()
        self.extend(kept)
        return removed

    def positions(self, element, from_tail, maxlen):
        """Indexes (from the head) of elements equal to ``element``, in search order,
        looking at no more than ``maxlen`` elements (0: all)."""
        n = len(self)
        limit = n if not maxlen or maxlen > n else maxlen
        if from_tail:
            for i, e in enumerate(islice(reversed(self), limit)):
                if e == element:
                    yield n - 1 - i
            return
        i = 0
        while True:
            try:
                i = self.index(element, i, limit)
            except ValueError:
                return
            yield i
            i += 1
