"""The latency monitor (LATENCY LATEST / HISTORY / RESET / DOCTOR / GRAPH).

Owns: per-event samples (one per second at most, the largest kept; 160 kept
per event), each event's all-time maximum, and the reports built from them.
Samples come from the dispatcher's slow path (slowlog.py) when a command
takes at least latency-monitor-threshold milliseconds ("command", or
"fast-command" for commands flagged fast). Must not touch: command execution.
"""

import time
from collections import deque

HISTORY_LEN = 160   # Redis' LATENCY_TS_LEN


class Event(object):
    __slots__ = ("samples", "max")

    def __init__(self):
        self.samples = deque(maxlen=HISTORY_LEN)   # [time, ms], oldest first
        self.max = 0


class Latency(object):
    def __init__(self, server):
        self.server = server
        self.events = {}

    def add(self, name, ms):
        if ms < self.server.config.latency_monitor_threshold:
            return
        now = int(time.time())
        ev = self.events.get(name)
        if ev is None:
            ev = self.events[name] = Event()
        ev.max = max(ev.max, ms)
        if ev.samples and ev.samples[-1][0] == now:
            ev.samples[-1][1] = max(ev.samples[-1][1], ms)
        else:
            ev.samples.append([now, ms])

    def reset(self, names=None):
        if names is None:
            n = len(self.events)
            self.events.clear()
            return n
        n = 0
        for name in names:
            if self.events.pop(name, None) is not None:
                n += 1
        return n

    def doctor(self):
        if not self.events:
            if self.server.config.latency_monitor_threshold == 0:
                return DISABLED
            return NO_SPIKES
        lines = [SPIKES_HEADER]
        for i, (name, ev) in enumerate(self.events.items(), 1):
            ms = [s[1] for s in ev.samples]
            avg = sum(ms) // len(ms)
            dev = sum(abs(m - avg) for m in ms) // len(ms)
            span = ev.samples[-1][0] - ev.samples[0][0]
            period = span / len(ms) if len(ms) > 1 else 1.0
            lines.append("%d. %s: %d latency spikes (average %dms, mean deviation %dms, "
                         "period %.2f sec). Worst all time event %dms." % (
                             i, name, len(ms), avg, dev, period, ev.max))
        lines.append("")
        lines.append(ADVICE)
        return "\n".join(lines) + "\n"

    def graph(self, name):
        """A small ASCII chart of the event's samples (not Redis' exact drawing)."""
        ev = self.events[name]
        ms = [s[1] for s in ev.samples]
        hi, lo = max(ms), min(ms)
        head = "%s - high %d ms, low %d ms (all time high %d ms)\n%s\n" % (
            name, hi, lo, ev.max, "-" * 80)
        # Four rows: a sample reaches the row of its share of the high-low range.
        heights = [0 if hi == lo else (m - lo) * 4 // (hi - lo + 1) for m in ms]
        rows = ["".join("#" if h >= level else " " for h in heights) for level in (3, 2, 1, 0)]
        now = int(time.time())
        ages = "".join(_age(now - s[0]) for s in ev.samples)
        return head + "\n".join(rows) + "\n" + ages + "\n"


def _age(secs):
    for unit, size in (("s", 60), ("m", 3600), ("h", 86400)):
        if secs < size:
            return str(secs // (size // 60 if unit != "s" else 1))[-1:]
    return "d"


DISABLED = ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
            "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
            "order to enable it. If we weren't in a deep space mission I'd suggest to take a look "
            "at https://redis.io/topics/latency-monitor.\n")
NO_SPIKES = ("Dave, no latency spike was observed during the lifetime of this Redis instance, "
             "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
             "stress pill, and think things over.\n")
SPIKES_HEADER = ("Dave, I have observed latency spikes in this Redis instance. You don't mind "
                 "talking about it, do you Dave?\n")
ADVICE = ("I have a few advices for you:\n\n"
          "- Check your Slow Log to understand what are the commands you are running which are "
          "too slow to execute. Please check https://redis.io/commands/slowlog for more "
          "information.\n"
          "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
          "blocking operation. If you have very large objects that are often deleted, expired, "
          "or evicted, try to fragment those objects into multiple smaller objects.")
