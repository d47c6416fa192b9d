"""Per-command latency histograms: LATENCY HISTOGRAM and INFO's latencystats.

Owns: folding the call durations the dispatcher appends to each
``CommandSpec.latencies`` (seconds, floats; only while ``latency-tracking`` is
yes) into one small histogram per command, and the two replies built from it.
Must not touch: the dispatcher's timing (appending is all the hot path pays),
the command table's counters (CONFIG RESETSTAT's ``reset_stats`` replaces the
list, which is how a histogram learns it was reset).

What the numbers mean, as Redis 7.0 reports them (observed on redis-server
7.0.15; the scheme is an HDR histogram with two significant digits):

- a call lasts a whole number of microseconds, recorded in nanoseconds and
  held to [1 ns, 1 s] (a call under 1 us records 1 ns);
- values below 256 ns each have a slot of their own; above, every range
  [2^k, 2^(k+1)) is cut into 128 equal slots, so a slot is 1/128 of its
  power of two wide; a value reads as the highest value of its slot
  (1000 ns reads 1.003 us, 2000 ns 2.007 us);
- LATENCY HISTOGRAM's ``histogram_usec`` counts the calls up to each power of
  two from 1024 ns (key: that slot's highest value in whole us: 1, 2, 4, ...
  132, 264 ...), listing a key only where the count grew and stopping once
  every call is counted; the calls beyond 2^29 ns fall in the last key,
  1073741 (the top of the tracked range);
- a percentile p of n calls is the value of the k-th smallest call, k =
  int(p/100 * n + 0.5) and at least 1; p = 0 reads the lowest value of its
  slot instead of the highest.
"""

from collections import Counter

from .registry import all_specs, COMMANDS
from .replies import Map

_MIN_NS = 1
_MAX_NS = 1000 * 1000 * 1000
# The tracked range ends with the slot holding 2^30 - 1 (its lowest value is
# 255 * 2^22): levels past it are reported at its highest value.
_LAST_LOW = 255 << 22
_LAST_HIGH = (1 << 30) - 1
_FIRST_LEVEL = 1024
_MILLION, _HALF = 1e6, 0.5   # seconds -> whole microseconds, rounded


def _slot(ns):
    """(lowest value, width) of the slot holding ``ns`` nanoseconds."""
    shift = ns.bit_length() - 8
    if shift <= 0:
        return ns, 1
    return (ns >> shift) << shift, 1 << shift


def _highest(low):
    return low + _slot(low)[1] - 1


class Histogram(object):
    """Call counts per slot (lowest value in ns -> count) of one command."""

    __slots__ = ("source", "counts", "total")

    def __init__(self, source):
        self.source = source   # the spec.latencies list it folds; another list = reset
        self.counts = {}
        self.total = 0

    def add(self, seconds_list):
        """Record calls given in seconds, as Redis does: whole microseconds, in ns.

        An item is one call's seconds, or (seconds each, calls) for a run of
        calls timed together (dispatcher.run): one item a pipelined read.
        """
        runs = [x for x in seconds_list if type(x) is tuple]
        if runs:
            seconds_list = [x for x in seconds_list if type(x) is not tuple]
            for each, n in runs:
                self.record_ns(int(_HALF + _MILLION * each) * 1000, n)
        # Many calls take the same number of microseconds: count those first
        # (map and Counter run in C: about 120 ns a sample; the cron folds at hz).
        for usec, n in Counter(map(int, map(_HALF.__add__, map(_MILLION.__mul__,
                                                                seconds_list)))).items():
            self.record_ns(usec * 1000, n)

    def record_ns(self, ns, n=1):
        """Record ``n`` calls of ``ns`` nanoseconds, held to [1 ns, 1 s]."""
        ns = min(max(ns, _MIN_NS), _MAX_NS)
        low = _slot(ns)[0]
        self.counts[low] = self.counts.get(low, 0) + n
        self.total += n

    def value_at(self, percentile):
        """The percentile's value in nanoseconds (0 when nothing was recorded)."""
        p = percentile if percentile < 100.0 else 100.0
        want = max(int((p / 100) * self.total + 0.5), 1)
        seen = 0
        for low in sorted(self.counts):
            seen += self.counts[low]
            if seen >= want:
                return low if percentile == 0.0 else _highest(low)
        return 0

    def cdf(self):
        """[(usec key, cumulative calls)] of LATENCY HISTOGRAM's histogram_usec."""
        slots = sorted(self.counts.items())
        out, i, seen, prev, level = [], 0, 0, 0, _FIRST_LEVEL
        while seen < self.total:
            if level <= _LAST_LOW:
                while i < len(slots) and slots[i][0] <= level:
                    seen += slots[i][1]
                    i += 1
                key = _highest(level) // 1000
            else:
                seen, key = self.total, _LAST_HIGH // 1000
            if seen > prev:
                out.append((key, seen))
            prev = seen
            level <<= 1
        return out


# spec -> Histogram. The command table is one per process, so are these
# (as the calls and usec INFO commandstats shows).
_HISTS = {}


def fold(spec):
    """Fold the spec's new samples in; its histogram, or None when it has no call."""
    lst = spec.latencies
    h = _HISTS.get(spec)
    if h is None or h.source is not lst:
        if not lst:
            _HISTS.pop(spec, None)
            return None
        h = _HISTS[spec] = Histogram(lst)
    n = len(lst)
    if n:
        # Only the first n: a server in another thread of this process may append meanwhile.
        batch = lst[:n]
        del lst[:n]
        h.add(batch)
    return h if h.total else None


def _walk():
    for spec in all_specs():
        yield spec
        for sub in spec.subcommands.values():
            yield sub


def fold_all(server=None):
    """Fold every command's pending samples (the server cron: bounds their memory)."""
    for spec in _walk():
        if spec.latencies or spec in _HISTS:
            fold(spec)


def lookup(name):
    """The spec LATENCY HISTOGRAM means by ``name`` (b"get", b"config|get"), or None."""
    parts = name.lower().decode("latin-1").split("|")
    spec = COMMANDS.get(parts[0])
    if spec is None or len(parts) == 1:
        return spec
    if len(parts) > 2 or not spec.subcommands:
        return None
    return spec.subcommands.get(parts[1])


def _entry(spec, h):
    return (spec.fullname_bytes, Map([(b"calls", h.total), (b"histogram_usec", Map(h.cdf()))]))


def histogram_reply(names=None):
    """LATENCY HISTOGRAM [name ...]: a map name -> {calls, histogram_usec}.

    Without names, every command with calls; a name of a command with
    subcommands (CONFIG) stands for those that have calls. Unknown names are
    skipped and a name given twice is answered twice, as Redis does.
    """
    out = []
    if names is None:
        for spec in _walk():
            h = fold(spec)
            if h is not None:
                out.append(_entry(spec, h))
        return Map(out)
    for name in names:
        spec = lookup(name)
        if spec is None:
            continue
        for s in [spec] + list(spec.subcommands.values()):
            h = fold(s)
            if h is not None:
                out.append(_entry(s, h))
    return Map(out)


def percentiles(text):
    """[(label, value)] of latency-tracking-info-percentiles.

    config.py keeps the doubles as given on the value when it parsed it
    ("1e-9" shows as 0 but is not 0); the default is plain text.
    """
    labels = text.split()
    values = getattr(text, "values", None)
    if values is None or len(values) != len(labels):
        values = [float(w) for w in labels]
    return list(zip(labels, values))


def info_lines(server):
    """INFO latencystats: one line per command with calls, while latency-tracking is yes."""
    cfg = server.config
    if not cfg.latency_tracking:
        return []
    pcts = percentiles(cfg.latency_tracking_info_percentiles)
    out = []
    for spec in _walk():
        h = fold(spec)
        if h is not None:
            out.append("latency_percentiles_usec_%s:%s" % (spec.fullname, ",".join(
                "p%s=%.3f" % (label, h.value_at(v) / 1000.0) for label, v in pcts)))
    return out
