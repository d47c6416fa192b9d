"""The sorted set value type: members (bytes) with a double score each.

Owns: how a sorted set is stored, its order, rank and range primitives,
what OBJECT ENCODING says about it, copying it and estimating its size.
Must not touch: commands, argument parsing, the keyspace, replies.

Two structures kept in step, as Redis' dict + skiplist:

* ``scores``: dict member -> score (O(1) ZSCORE, membership);
* ``order``: a ``sortedcontainers.SortedList`` of ``(score, member)``
  tuples, i.e. Redis' order (score, then member bytes as memcmp): rank,
  index access and insertion are O(log N), a range of M entries is
  O(log N + M) through :meth:`ZSetValue.islice`.

Encoding ("listpack" or "skiplist") is the slot ``big``, set as Redis
converts: when a write brings in a member that would leave more entries
than zset-max-listpack-entries or that is longer than
zset-max-listpack-value, judged with the configuration of that moment, and
never back (:meth:`add` with a config). A listpack stores scores as text
and reads ``-0`` back as ``0``: a small sorted set normalises negative zero
on storage, exactly like Redis, while a converted one keeps it. Whole sets
built at once (ZUNIONSTORE & co) use :meth:`from_scores`, which applies
Redis' "convert back to listpack if it fits" rule of those commands.
"""

from sortedcontainers import SortedList

from ..datatypes import register_type

# Estimated bytes per member beyond its text: a dict slot, a tuple in the
# sorted list, a float object and the bytes object header.
_ENTRY_OVERHEAD = 40 + 64 + 24 + 33
_HEADER = 80 + 200


@register_type
class ZSetValue(object):
    __slots__ = ("scores", "order", "big")
    type_name = "zset"

    def __init__(self, big=False):
        self.scores = {}
        self.order = SortedList()
        self.big = big   # converted to a skiplist (sticky)

    @classmethod
    def from_scores(cls, scores, config):
        """A sorted set holding the ``scores`` dict, encoded as a store command leaves it.

        ``scores`` is taken over, not copied.
        """
        z = cls()
        limit = config.zset_max_listpack_value
        z.big = len(scores) > config.zset_max_listpack_entries or any(
            len(m) > limit for m in scores)
        if not z.big:
            for m, s in scores.items():
                if s == 0:
                    scores[m] = 0.0   # listpack: -0 is read back as 0
        z.scores = scores
        z.order = SortedList((s, m) for m, s in scores.items())
        return z

    # --- the agreed protocol (SORT and the generic commands use it) ------------------
    def __len__(self):
        return len(self.scores)

    def score(self, member):
        return self.scores.get(member)

    def add(self, member, score, config=None):
        """Set member's score (adding it); True when the member is new.

        With ``config``, a new member converts a listpack first when Redis
        would (too many entries, member too long).
        """
        scores = self.scores
        old = scores.get(member)
        if old is None:
            if config is not None and not self.big and (
                    len(scores) >= config.zset_max_listpack_entries
                    or len(member) > config.zset_max_listpack_value):
                self.big = True
        else:
            self.order.remove((old, member))
        if score == 0 and not self.big:
            score = 0.0
        scores[member] = score
        self.order.add((score, member))
        return old is None

    def remove(self, member):
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove((score, member))
        return True

    def items(self):
        """(member, score) pairs in Redis order."""
        for score, member in self.order:
            yield member, score

    # --- ranks and ranges ------------------------------------------------------------
    def rank(self, member):
        """0-based rank in ascending order, or None: O(log N)."""
        score = self.scores.get(member)
        if score is None:
            return None
        return self.order.bisect_left((score, member))

    def at(self, index):
        """The (score, member) entry at an index (negative counts from the end)."""
        return self.order[index]

    def islice(self, start, stop, reverse=False):
        """(score, member) entries with index in [start, stop), optionally from the top."""
        return self.order.islice(start, stop, reverse=reverse)

    def bisect_left(self, entry):
        return self.order.bisect_left(entry)

    def bisect_right(self, entry):
        return self.order.bisect_right(entry)

    def delete_range(self, start, stop):
        """Remove the entries with index in [start, stop); returns how many."""
        stop = min(stop, len(self.order))
        if start >= stop:
            return 0
        scores = self.scores
        for _, member in self.order.islice(start, stop):
            del scores[member]
        del self.order[start:stop]
        return stop - start

    def pop(self, last=False):
        """Remove and return the (member, score) with the lowest (or highest) rank."""
        score, member = self.order.pop(-1 if last else 0)
        del self.scores[member]
        return member, score

    # --- the value protocol ------------------------------------------------------------
    def encoding(self, config):
        return "skiplist" if self.big else "listpack"

    def copy(self):
        c = ZSetValue(self.big)
        c.scores = dict(self.scores)
        c.order = SortedList(self.order)
        return c

    def memory(self):
        """Estimate from a sample of members (as MEMORY USAGE samples), not a full walk."""
        n = len(self.scores)
        if not n:
            return _HEADER
        sample = self.order.islice(0, min(n, 16))
        text = sum(len(m) for _, m in sample) / float(min(n, 16))
        return int(_HEADER + n * (_ENTRY_OVERHEAD + text))

    def __repr__(self):
        return "ZSetValue(%r)" % (list(self.items()),)
