"""The list value: end buffers plus a deque of chunks of bytes elements, most of them packed.

Owns: how a list is stored and the few operations whose cost matters
(pushes and pops at both ends, ranges read from the nearer end, trims that
drop whole chunks, removal of matching elements in one pass), plus the value
protocol of :mod:`miniredis.datatypes` (type_name, encoding, copy, memory).
Must not touch: the keyspace, replies, command argument parsing.

Like Redis' quicklist, a list is a sequence of chunks of up to ``_CHUNK``
elements, in three parts:

* ``_front``: a Python list holding the first elements *in reverse order*
  (``_front[-1]`` is element 0), so that a push or pop at the head is a
  list append or pop, O(1) like a push or pop at the tail;
* ``_chunks``: a deque of the middle chunks (an empty tuple while there are
  none: small lists do not pay for a deque), each a list of elements in order
  or a :class:`_Packed` chunk;
* ``_back``: a Python list holding the last elements in order.

A full end buffer is moved into the deque as a chunk, and an empty one takes
the nearest chunk back, so each push or pop is O(1) amortised.

A packed chunk joins its elements into one bytes object, framed by a
separator byte that none of them contains, so that one ``split`` (C speed)
gives them back and ``sep + element + sep in blob`` says exactly whether the
chunk holds an element. A small element then costs its text plus one byte,
instead of a bytes object (33 bytes of header) and a pointer. Which chunks
are packed:

* Middle chunks other than the first and the last are packed when they get
  there, so a push/pop ping-pong across a chunk boundary never packs or
  unpacks; a packed chunk is unpacked when an end buffer takes it.
* A chunk changed in place (LSET, LINSERT, LREM) is packed again.
* A chunk whose joined text exceeds ``_PACK_LIMIT`` bytes, or whose elements
  use every candidate separator, stays a list: big elements gain nothing from
  packing, and reading one element must not copy a huge blob.

Packed chunks are immutable (changes replace them), so :meth:`ListValue.copy`
shares them. Indexing walks chunks from the nearer end, O(N / _CHUNK) like
Redis' O(N) node walk. Elements are always bytes.
"""

from collections import deque
from itertools import chain, repeat

from ..datatypes import register_type

_CHUNK = 256          # elements per chunk and per end buffer
_PACK_LIMIT = 32768   # bytes of joined text above which a chunk stays a list
# Separator candidates, tried in order; text rarely holds the first one.
_SEPARATORS = (b"\x00", b"\xff", b"\x01", b"\xfe", b"\x7f", b"\n")
_NO_CHUNKS = ()       # _chunks of a list that never needed a middle

# Memory estimate: a bytes header (33) plus its list slot (8), rounded up; a
# chunk's own objects (packed object, bytes header, deque slot); the
# ListValue with its two end buffers.
_ELEMENT_OVERHEAD = 48
_CHUNK_OVERHEAD = 112
_HEADER = 200
_SAMPLES = 8          # elements of a list whose length stands for its average


class _Packed(object):
    """A packed chunk: ``blob`` = sep + sep.join(elements) + sep, ``n`` elements."""

    __slots__ = ("blob", "n")

    def __init__(self, blob, n):
        self.blob = blob
        self.n = n


def _pack(items):
    """``items`` (a non-empty list of bytes) as a _Packed chunk, or None when they
    are too big to pack or contain every separator candidate."""
    n = len(items)
    try:
        # measured first: joining huge elements only to give up would copy them
        if sum(map(len, items)) + n + 1 > _PACK_LIMIT:
            return None
    except TypeError:
        return None   # not all bytes: keep the objects as they are
    framed = [b""]
    framed += items
    framed.append(b"")
    for sep in _SEPARATORS:
        blob = sep.join(framed)
        if blob.count(sep) == n + 1:
            return _Packed(blob, n)
    return None


def _unpack(c):
    """A packed chunk's elements, as a new list."""
    blob = c.blob
    return blob.split(blob[:1])[1:-1]


def _elements(c):
    """A chunk's elements as a list (the chunk itself when it is a list)."""
    return c if type(c) is list else _unpack(c)


def _size(c):
    return len(c) if type(c) is list else c.n


def _holds(c, element):
    """Whether chunk ``c`` holds ``element`` (exact, at C speed)."""
    if type(c) is list:
        return element in c
    blob = c.blob
    sep = blob[:1]
    # An element containing the separator cannot be in this chunk; otherwise
    # sep+element+sep can only match one whole element.
    return sep not in element and sep + element + sep in blob


def _without(items, element, limit, from_tail):
    """(items without up to ``limit`` (0: all) copies of ``element``, how many removed)."""
    if not limit:
        kept = [e for e in items if e != element]
        return kept, len(items) - len(kept)
    kept = list(items)
    order = range(len(kept) - 1, -1, -1) if from_tail else range(len(kept))
    found = []
    for i in order:
        if kept[i] == element:
            found.append(i)
            if len(found) == limit:
                break
    for i in sorted(found, reverse=True):
        del kept[i]
    return kept, len(found)


def _seal(items):
    """A chunk rebuilt in the middle of the list: packed when possible."""
    return _pack(items) or items


def _estimate(items):
    sample = items[:_SAMPLES]
    return int(len(items) * (sum(map(len, sample)) / len(sample) + _ELEMENT_OVERHEAD)) if items else 0


@register_type
class ListValue(object):
    __slots__ = ("_front", "_chunks", "_back", "_len")
    type_name = "list"
    __hash__ = None

    def __init__(self, iterable=()):
        self._front = []
        self._chunks = _NO_CHUNKS
        self._back = []
        self._len = 0
        if iterable:
            self.extend(iterable)

    # --- value protocol -----------------------------------------------------------------
    def encoding(self, config):
        # Redis 7.0 keeps every list as a quicklist, whatever its size.
        return "quicklist"

    def copy(self):
        new = ListValue()
        new._front = self._front[:]
        new._back = self._back[:]
        if self._chunks:
            # Packed chunks are never changed in place: they can be shared.
            new._chunks = deque([c[:] if type(c) is list else c for c in self._chunks])
        new._len = self._len
        return new

    def memory(self):
        total = _HEADER + _estimate(self._front) + _estimate(self._back)
        for c in self._chunks:
            total += _CHUNK_OVERHEAD + (_estimate(c) if type(c) is list else len(c.blob))
        return total

    # --- sequence protocol --------------------------------------------------------------
    def __len__(self):
        return self._len

    def __bool__(self):
        return self._len != 0

    def __iter__(self):
        return chain(reversed(self._front), chain.from_iterable(map(_elements, self._chunks)),
                     self._back)

    def __reversed__(self):
        middle = map(reversed, map(_elements, reversed(self._chunks)))
        return chain(reversed(self._back), chain.from_iterable(middle), self._front)

    def __contains__(self, element):
        return any(_holds(c, element) for c in self._segments())

    def __eq__(self, other):
        if type(other) is not ListValue:
            return NotImplemented
        return self._len == other._len and list(self) == list(other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __repr__(self):
        return "ListValue(%r)" % (list(self),)

    def clear(self):
        self._front = []
        self._chunks = _NO_CHUNKS
        self._back = []
        self._len = 0

    # --- pushes and pops (the hot paths: the common case first) --------------------------
    def append(self, element):
        back = self._back
        if len(back) < _CHUNK:
            back.append(element)
            self._len += 1
        else:
            self._push_right([element])

    def appendleft(self, element):
        front = self._front
        if len(front) < _CHUNK:
            front.append(element)
            self._len += 1
        else:
            self._push_left([element])

    def extend(self, elements):
        if type(elements) is not list:
            elements = list(elements)
        back = self._back
        if len(back) + len(elements) <= _CHUNK:
            back += elements
            self._len += len(elements)
        else:
            self._push_right(elements)

    def extendleft(self, elements):
        """Push each element at the head in turn (so they end up reversed), like deque."""
        if type(elements) is not list:
            elements = list(elements)
        front = self._front
        if len(front) + len(elements) <= _CHUNK:
            front += elements   # stored reversed: pushing at the head is appending
            self._len += len(elements)
        else:
            self._push_left(elements)

    def pop(self):
        back = self._back
        element = back.pop() if back else self._take_right()
        self._len -= 1
        return element

    def popleft(self):
        front = self._front
        element = front.pop() if front else self._take_left()
        self._len -= 1
        return element

    def _take_right(self):
        """Pop the last element when the back buffer is empty: refill it from the
        last chunk, or take from the front buffer when there is no chunk."""
        chunks = self._chunks
        if chunks:
            c = chunks.pop()
            back = self._back = c if type(c) is list else _unpack(c)
            return back.pop()
        if self._front:
            return self._front.pop(0)
        raise IndexError("pop from an empty list")

    def _take_left(self):
        chunks = self._chunks
        if chunks:
            front = self._front = _elements(chunks.popleft())[::-1]
            return front.pop()
        if self._back:
            return self._back.pop(0)
        raise IndexError("pop from an empty list")

    def _middle(self):
        """The chunk deque, created on first need."""
        chunks = self._chunks
        if type(chunks) is not deque:
            chunks = self._chunks = deque(chunks)
        return chunks

    def _spill_right(self):
        """Move the (full) back buffer into the chunks."""
        chunks = self._middle()
        chunks.append(self._back)
        self._back = []
        self._settle(len(chunks) - 2)

    def _spill_left(self):
        chunks = self._middle()
        chunks.appendleft(self._front[::-1])
        self._front = []
        self._settle(1)

    def _push_right(self, elements):
        """Append ``elements`` (a list), spilling full back buffers into chunks."""
        back = self._back
        pos = max(_CHUNK - len(back), 0)
        back += elements[:pos]
        n = len(elements)
        while pos < n:
            self._spill_right()
            self._back = elements[pos:pos + _CHUNK]
            pos += _CHUNK
        self._len += n

    def _push_left(self, elements):
        """Push ``elements`` (a list) at the head one by one, as deque.extendleft."""
        front = self._front
        pos = max(_CHUNK - len(front), 0)
        front += elements[:pos]
        n = len(elements)
        while pos < n:
            self._spill_left()
            self._front = elements[pos:pos + _CHUNK]
            pos += _CHUNK
        self._len += n

    def _settle(self, ci):
        """Pack chunk ``ci`` unless it is the first or last chunk (or cannot be packed)."""
        chunks = self._chunks
        if 1 <= ci < len(chunks) - 1:
            c = chunks[ci]
            if type(c) is list:
                packed = _pack(c)
                if packed is not None:
                    chunks[ci] = packed

    def pop_many(self, count, left):
        """Remove and return up to ``count`` elements from one end, in pop order."""
        pop = self.popleft if left else self.pop
        return [pop() for _ in repeat(None, min(count, self._len))]

    # --- positions ---------------------------------------------------------------------
    def _absolute(self, i):
        n = self._len
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return i

    def _locate(self, i):
        """(chunk index, offset in it, chunk) of the middle's element ``i``,
        walking from the middle's nearer end."""
        chunks = self._chunks
        n = self._len - len(self._front) - len(self._back)
        if i < n >> 1:
            ci = 0
            for c in chunks:
                m = len(c) if type(c) is list else c.n
                if i < m:
                    return ci, i, c
                i -= m
                ci += 1
        i = n - 1 - i   # distance from the middle's end
        ci = len(chunks)
        for c in reversed(chunks):
            ci -= 1
            m = len(c) if type(c) is list else c.n
            if i < m:
                return ci, m - 1 - i, c
            i -= m
        raise IndexError("list index out of range")

    def __getitem__(self, i):
        i = self._absolute(i)
        front = self._front
        if i < len(front):
            return front[-1 - i]
        k = i - (self._len - len(self._back))
        if k >= 0:
            return self._back[k]
        _, j, c = self._locate(i - len(front))
        return c[j] if type(c) is list else _unpack(c)[j]

    def __setitem__(self, i, element):
        i = self._absolute(i)
        front = self._front
        if i < len(front):
            front[-1 - i] = element
            return
        k = i - (self._len - len(self._back))
        if k >= 0:
            self._back[k] = element
            return
        ci, j, c = self._locate(i - len(front))
        if type(c) is list:
            c[j] = element
            self._settle(ci)   # an unpackable chunk may have lost its big element
        else:
            items = _unpack(c)
            items[j] = element
            self._store(ci, items)

    def __delitem__(self, i):
        i = self._absolute(i)
        front = self._front
        k = i - (self._len - len(self._back))
        if i < len(front):
            del front[-1 - i]
        elif k >= 0:
            del self._back[k]
        else:
            ci, j, c = self._locate(i - len(front))
            items = _elements(c)
            del items[j]
            self._store(ci, items)
        self._len -= 1

    def _store(self, ci, items):
        """Put ``items`` (a changed chunk's elements) back as chunk ``ci``:
        dropped when empty, split when too long, packed away from the ends."""
        chunks = self._chunks
        if not items:
            del chunks[ci]
        elif len(items) > _CHUNK:
            half = len(items) >> 1
            chunks[ci] = items[:half]
            chunks.insert(ci + 1, items[half:])
            # the new chunk pushes its neighbours away from one end or the other
            for i in {ci, ci + 1, 1, len(chunks) - 2}:
                self._settle(i)
        else:
            chunks[ci] = items
            self._settle(ci)

    def insert(self, i, element):
        """Insert before index ``i`` (clamped, negative from the tail), as deque.insert."""
        n = self._len
        if i < 0:
            i = max(i + n, 0)
        if i >= n:
            self.append(element)
            return
        if i == 0:
            self.appendleft(element)
            return
        front, back = self._front, self._back
        nf = len(front)
        if i < nf:
            front.insert(nf - i, element)
            self._len += 1
            if nf >= _CHUNK:
                # too long: its later half becomes the first chunk
                half = nf >> 1
                self._middle().appendleft(front[half::-1])
                del front[:half + 1]
                self._settle(1)
            return
        k = i - (n - len(back))
        if k >= 0:
            back.insert(k, element)
            self._len += 1
            if len(back) > _CHUNK:
                half = len(back) >> 1
                self._middle().append(back[:half])
                del back[:half]
                self._settle(len(self._chunks) - 2)
            return
        ci, j, c = self._locate(i - nf)
        items = _elements(c)
        items.insert(j, element)
        self._len += 1
        self._store(ci, items)

    def _segments(self):
        """Every chunk in order, the end buffers included (the front one turned around)."""
        front, back = self._front, self._back
        return chain((front[::-1],) if front else (), self._chunks, (back,) if back else ())

    def _segments_back(self):
        front, back = self._front, self._back
        return chain((back,) if back else (), reversed(self._chunks),
                     (front[::-1],) if front else ())

    def index(self, element, start=0, stop=None):
        """Index of the first ``element`` in [start, stop); ValueError if none."""
        n = self._len
        stop = n if stop is None else stop
        if start < 0:
            start = max(start + n, 0)
        if stop < 0:
            stop = max(stop + n, 0)
        for i in self._find(element, start, min(stop, n)):
            return i
        raise ValueError("%r is not in list" % (element,))

    def _find(self, element, start, stop):
        """Indexes of ``element`` in [start, stop), from the head."""
        base = 0
        for c in self._segments():
            if base >= stop:
                return
            m = len(c) if type(c) is list else c.n
            if base + m > start and _holds(c, element):
                items = _elements(c)
                j = max(start - base, 0)
                hi = min(stop - base, m)
                while True:
                    try:
                        j = items.index(element, j, hi)
                    except ValueError:
                        break
                    yield base + j
                    j += 1
            base += m

    def _find_back(self, element, low):
        """Indexes >= low of ``element``, from the tail."""
        base = self._len
        for c in self._segments_back():
            if base <= low:
                return
            m = len(c) if type(c) is list else c.n
            base -= m
            if _holds(c, element):
                items = _elements(c)
                for j in range(m - 1, max(low - base, 0) - 1, -1):
                    if items[j] == element:
                        yield base + j

    def positions(self, element, from_tail, maxlen):
        """Indexes (from the head) of elements equal to ``element``, in search order,
        looking at no more than ``maxlen`` elements (0: all)."""
        n = self._len
        limit = n if not maxlen or maxlen > n else maxlen
        if from_tail:
            return self._find_back(element, n - limit)
        return self._find(element, 0, limit)

    # --- ranges -------------------------------------------------------------------------
    def range(self, start, stop):
        """Elements start..stop (inclusive, already normalised, 0 <= start <= stop < len),
        walking from whichever end is nearer (Redis' O(S+N))."""
        need = stop - start + 1
        skip = self._len - 1 - stop
        if start <= skip:
            front = self._front
            nf = len(front)
            if stop < nf:   # LRANGE near the head: straight from the front buffer
                return front[nf - 1 - stop:nf - start][::-1]
            return self._range_forward(start, need)
        pieces = []
        for c in self._segments_back():
            m = len(c) if type(c) is list else c.n
            if skip >= m:
                skip -= m
                continue
            hi = m - skip
            lo = max(hi - need, 0)
            pieces.append(_elements(c)[lo:hi])
            need -= hi - lo
            if not need:
                break
            skip = 0
        pieces.reverse()
        return list(chain.from_iterable(pieces))

    def _range_forward(self, skip, need):
        out = []
        for c in self._segments():
            m = len(c) if type(c) is list else c.n
            if skip >= m:
                skip -= m
                continue
            part = _elements(c)[skip:skip + need]
            out += part
            need -= len(part)
            if not need:
                break
            skip = 0
        return out

    def trim(self, left, right):
        """Drop ``left`` elements from the head and ``right`` from the tail:
        whole chunks are dropped, only the chunks cut through are rebuilt."""
        if left + right >= self._len:
            self.clear()
            return
        self._len -= left + right
        front, back, chunks = self._front, self._back, self._chunks
        k = min(left, len(front))
        del front[len(front) - k:]
        left -= k
        while left and chunks:
            c = chunks.popleft()
            m = _size(c)
            if m > left:
                chunks.appendleft(_elements(c)[left:])
                m = left
            left -= m
        del back[:left]
        k = min(right, len(back))
        del back[len(back) - k:]
        right -= k
        while right and chunks:
            c = chunks.pop()
            m = _size(c)
            if m > right:
                chunks.append(_elements(c)[:m - right])
                m = right
            right -= m
        del front[:right]

    def remove_matching(self, element, count, from_tail):
        """Remove up to ``count`` (0: all) elements equal to ``element``; return how many.

        One pass over the chunks (O(N) like Redis' LREM, at C speed for chunks
        that do not hold the element); the chunks it changes are merged while
        they fit in one chunk and packed again. The end buffers become
        ordinary chunks.
        """
        source = self._segments_back() if from_tail else self._segments()
        out = deque()
        add = out.appendleft if from_tail else out.append
        removed = 0
        pending = []   # elements kept from changed chunks, in list order
        for c in source:
            if not _holds(c, element):
                if pending:
                    add(_seal(pending))
                    pending = []
                add(c)
                continue
            kept, k = _without(_elements(c), element, count - removed if count else 0, from_tail)
            removed += k
            pending = kept + pending if from_tail else pending + kept
            while len(pending) >= _CHUNK:
                if from_tail:
                    add(_seal(pending[-_CHUNK:]))
                    del pending[-_CHUNK:]
                else:
                    add(_seal(pending[:_CHUNK]))
                    del pending[:_CHUNK]
            if count and removed == count:
                break
        if pending:
            add(_seal(pending))
        if from_tail:
            out.extendleft(source)
        else:
            out.extend(source)
        self._front = []
        self._back = []
        self._chunks = out
        self._len -= removed
        # the old end chunks are no longer at the ends
        self._settle(1)
        self._settle(len(out) - 2)
        return removed
