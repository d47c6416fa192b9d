"""The set value type: a set of bytes members.

Owns: how a set is stored, what OBJECT ENCODING says about it (and the
member order that encoding implies), random draws, copying it and estimating
its size. Must not touch: commands, the keyspace, replies.

A plain ``set`` subclass plus three slots:

* ``big`` -- True once Redis would hold the set as a "hashtable" rather than
  an "intset". Redis starts a set as an intset while its members are 64-bit
  integer texts (string2ll's rules: no '+', no leading zeros, "-0" is not an
  integer) and converts it, never back, when a write adds a member that is
  not one or leaves more than set-max-intset-entries members -- judged with
  the configuration of that moment. So writers report through
  :meth:`SetValue.add_members`, and a later CONFIG SET leaves existing sets
  alone, as in Redis.
* ``_arr`` / ``_gone`` -- a random-access index, built on the first random
  draw (SPOP, SRANDMEMBER) because a Python set has no O(1) random element.
  ``_arr`` lists every member once plus every member removed since the index
  was built (those are in ``_gone``); a stale entry is dropped when a draw
  meets it, and the list is rebuilt when stale entries outnumber live ones,
  so draws stay uniform and O(1) amortized, as Redis' are.

An intset is sorted, so Redis lists such a set in ascending numeric order
(SMEMBERS, SSCAN, SPOP/SRANDMEMBER of the whole set ...): :meth:`ordered`
gives that order; a hashtable's order is arbitrary in both servers.
"""

import random
import re
from itertools import islice

from ..datatypes import register_type

LLONG_MAX = 2 ** 63 - 1
LLONG_MIN = -(2 ** 63)

# string2ll as Redis applies it to set members: at most 20 characters.
_INT_RE = re.compile(rb"(?:0|-?[1-9][0-9]{0,18})\Z")

# Estimated bytes per member beyond its text: a set slot (hash and pointer)
# plus the bytes object header; an intset stores 8 bytes per member.
_ENTRY_OVERHEAD = 16 + 33
_INTSET_ENTRY = 8
_HEADER = 80 + 64        # key entry in the database plus the set object
_SAMPLE = 16             # members measured to estimate the average size
_INTSET_HARD_LIMIT = 1 << 30
_MAX_MISSES = 64         # stale draws in a row before the index is rebuilt


def intset_limit(config):
    """Most members an intset keeps: set-max-intset-entries, capped at 2**30 as Redis caps it."""
    return min(config.set_max_intset_entries, _INTSET_HARD_LIMIT)


def is_int_member(m):
    """True if Redis would store member ``m`` in an intset (string2ll succeeds)."""
    if _INT_RE.match(m) is None:
        return False
    # 19 digits (with or without sign) may still overflow 64 bits.
    return len(m) < 19 or LLONG_MIN <= int(m) <= LLONG_MAX


def all_int(members):
    for m in members:
        if not is_int_member(m):
            return False
    return True


@register_type
class SetValue(set):
    __slots__ = ("big", "_arr", "_gone")
    type_name = "set"

    def __init__(self, members=()):
        set.__init__(self, members)
        self.big = False    # converted to a hash table (sticky)
        self._arr = None    # random-access index, see the module docstring
        self._gone = None

    @classmethod
    def build(cls, members, config):
        """A set holding ``members``, encoded as Redis would encode one built by adds."""
        s = cls(members)
        s.big = len(s) > intset_limit(config) or not all_int(s)
        return s

    # --- writes (every command that changes a set goes through these) ----------

    def add_members(self, members, config):
        """Add ``members``; returns how many were new. Converts as Redis' setTypeAdd."""
        n = len(self)
        arr = self._arr
        if arr is None:
            self.update(members)
        else:
            for m in members:
                if m not in self:
                    self._index_add(m)
                    set.add(self, m)
        if not self.big and len(self) != n and (
                len(self) > intset_limit(config) or not all_int(members)):
            self.big = True
        return len(self) - n

    def remove_members(self, members):
        """Remove ``members``; returns how many were present."""
        n = len(self)
        if self._arr is None:
            self.difference_update(members)
        else:
            gone = self._gone
            for m in members:
                if m in self:
                    set.discard(self, m)
                    gone.add(m)
            if len(gone) > len(self):
                # Mostly stale: drop the index rather than let it grow; the
                # next draw rebuilds it.
                self._arr = self._gone = None
        return n - len(self)

    def replace_members(self, members, config):
        """Keep only ``members`` (SPOP's rebuilt remainder): re-encoded from scratch."""
        self.clear()
        self.update(members)
        self._arr = self._gone = None
        self.big = len(self) > intset_limit(config) or not all_int(self)

    def _index_add(self, m):
        gone = self._gone
        if m in gone:
            gone.discard(m)       # its old entry is live again
        else:
            self._arr.append(m)

    # --- reads -------------------------------------------------------------------

    def ordered(self):
        """The members in Redis' iteration order: ascending numbers for an intset."""
        if self.big:
            return list(self)
        return sorted(self, key=int)

    def random_member(self):
        """One member drawn uniformly (the set must not be empty)."""
        i = self._draw()          # may rebuild _arr: read it after
        return self._arr[i]

    def pop_random(self):
        """Remove and return one member drawn uniformly (the set must not be empty)."""
        i = self._draw()
        arr = self._arr
        m = arr[i]
        arr[i] = arr[-1]
        arr.pop()
        set.discard(self, m)
        return m

    def random_members(self, count):
        """``count`` members drawn uniformly with repetition (SRANDMEMBER's negative count)."""
        arr = self._index()
        if not self._gone:
            return random.choices(arr, k=count)    # no stale entry: draw at C speed
        if count >= len(self):
            return random.choices(list(self), k=count)
        return [self.random_member() for _ in range(count)]

    def random_distinct(self, count):
        """``count`` distinct members (count < len) in random order, by repeated draws."""
        seen = set()
        out = []
        while len(out) < count:
            m = self.random_member()
            if m not in seen:
                seen.add(m)
                out.append(m)
        return out

    def _index(self):
        """The random-access list, built on first use or rebuilt when it went stale."""
        arr, gone = self._arr, self._gone
        if arr is None or len(gone) > len(self) or len(arr) != len(self) + len(gone):
            # First draw, too many stale entries, or the set was changed by
            # plain set methods behind the index's back: rebuild.
            self._arr = arr = list(self)
            self._gone = set()
        return arr

    def _draw(self):
        """Index in ``_arr`` of a live member, uniformly."""
        arr = self._index()
        gone = self._gone
        for _ in range(_MAX_MISSES):
            i = random.randrange(len(arr))
            m = arr[i]
            if m in self:
                return i
            # A removed member: drop its entry (swap with the last one).
            arr[i] = arr[-1]
            arr.pop()
            gone.discard(m)
        self._arr = arr = list(self)
        self._gone = set()
        return random.randrange(len(arr))

    # --- the value protocol -----------------------------------------------------

    def encoding(self, config):
        return "hashtable" if self.big else "intset"

    def copy(self):
        c = SetValue(self)
        c.big = self.big
        return c

    def memory(self):
        """Estimate from a sample of members (as MEMORY USAGE samples), not a full walk."""
        n = len(self)
        if not self.big:
            return _HEADER + n * _INTSET_ENTRY
        if not n:
            return _HEADER
        sample = list(islice(self, _SAMPLE))
        text = sum(len(m) for m in sample)
        return _HEADER + n * _ENTRY_OVERHEAD + text * n // len(sample)
