"""The hash value type: field bytes -> value bytes.

Owns: how a hash is stored, what OBJECT ENCODING says about it, copying it
and estimating its size. Must not touch: commands, the keyspace, replies.

A plain dict subclass (insertion ordered, which is also the order of a small
Redis hash: a listpack appends new fields at its tail and updates in place),
plus one slot: ``big``, True once Redis would have converted the hash from
"listpack" to "hashtable". Redis converts when a write brings in a field or
value longer than hash-max-listpack-value, or leaves more entries than
hash-max-listpack-entries -- judged with the configuration of that moment,
and never back. So the flag is set by the writing commands
(:meth:`HashValue.check_lengths` before a write, :meth:`HashValue.check_entries`
after it) and a later CONFIG SET does not change an existing hash's encoding,
as in Redis. Code that builds a whole hash at once (loading a snapshot,
RESTORE) uses :meth:`HashValue.build`, which applies both rules, as Redis'
loader does.
"""

from itertools import islice

from ..datatypes import register_type

# Estimated bytes per entry beyond the field and value texts: a dict slot
# (hash, key and value pointers plus index) and two bytes object headers.
_ENTRY_OVERHEAD = 24 + 8 + 2 * 33
_HEADER = 80 + 64        # key entry in the database plus the dict object
_SAMPLE = 16             # entries measured to estimate the average size


@register_type
class HashValue(dict):
    __slots__ = ("big",)
    type_name = "hash"

    def __init__(self, *args):
        dict.__init__(self, *args)
        self.big = False   # converted to a hash table (sticky)

    @classmethod
    def build(cls, pairs, config):
        """A hash holding ``pairs``, encoded as Redis would encode it when loaded."""
        h = cls(pairs)
        limit = config.hash_max_listpack_value
        if len(h) > config.hash_max_listpack_entries or any(
                len(f) > limit or len(v) > limit for f, v in h.items()):
            h.big = True
        return h

    def check_lengths(self, config, strings):
        """Convert before a write when one of ``strings`` is too long for a listpack."""
        if not self.big:
            limit = config.hash_max_listpack_value
            for s in strings:
                if len(s) > limit:
                    self.big = True
                    return

    def check_entries(self, config):
        """Convert after a write that left too many entries for a listpack."""
        if not self.big and len(self) > config.hash_max_listpack_entries:
            self.big = True

    def encoding(self, config):
        return "hashtable" if self.big else "listpack"

    def copy(self):
        c = HashValue(self)
        c.big = self.big
        return c

    def memory(self):
        """Estimate from a sample of entries (as MEMORY USAGE samples), not a full walk."""
        n = len(self)
        if not n:
            return _HEADER
        sample = list(islice(self.items(), _SAMPLE))
        text = sum(len(f) + len(v) for f, v in sample)
        return _HEADER + n * _ENTRY_OVERHEAD + text * n // len(sample)

    def random_field(self, rng):
        """One field drawn uniformly (a dict has no random access: a C-speed skip)."""
        return next(islice(iter(self), rng.randrange(len(self)), None))
