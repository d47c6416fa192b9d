"""MONITOR: clients that see every command the server runs.

Owns: the set of monitoring clients and the line each one gets per command
(``+<time> [<db> <addr>] "arg" ...``, arguments escaped as Redis' sdscatrepr,
secrets redacted as in the slow log). Lines are fed after a command ran
(dispatcher call hook, so commands inside EXEC and scripts are shown, a
script's with the address "lua"); EVAL/FCALL (flag skip_monitor) are fed
before they run, from a context hook, as Redis shows them before the calls
they make. Admin commands are never shown. Both hooks are registered only
while someone monitors. Must not touch: command execution.
"""

import time

from .slowlog import as_bytes, in_script, redact
from .rules import RULE_MONITOR

_ESCAPES = {0x5c: b"\\\\", 0x22: b'\\"', 0x0a: b"\\n", 0x0d: b"\\r", 0x09: b"\\t",
            0x07: b"\\a", 0x08: b"\\b"}
_REPR = [_ESCAPES.get(c) or (bytes([c]) if 32 <= c < 127 else b"\\x%02x" % c)
         for c in range(256)]


def quote(data):
    """Redis' sdscatrepr: a double-quoted, escaped copy of data."""
    return b'"' + b"".join([_REPR[c] for c in data]) + b'"'


def monitors(server):
    m = getattr(server, "monitors", None)
    if m is None:
        m = server.monitors = Monitors(server)
    return m


class Monitors(object):
    def __init__(self, server):
        self.server = server
        self.clients = []
        server.on_disconnect.append(self.remove)

    def add(self, conn):
        if not self.clients:
            d = self.server.dispatcher
            d.add_call_hook(self._after)
            d.add_rule(self._before, RULE_MONITOR)
        self.clients.append(conn)
        conn.flags += "O"

    def remove(self, conn):
        if conn in self.clients:
            self.clients.remove(conn)
            conn.flags = conn.flags.replace("O", "")
            if not self.clients:
                d = self.server.dispatcher
                d.remove_call_hook(self._after)
                d.remove_rule(self._before)

    def _before(self, conn, spec, argv):
        if conn.multi is None and "skip_monitor" in spec.flags:
            self.feed(conn, argv)
        return None

    def _after(self, conn, spec, argv):
        if spec.is_admin or "skip_monitor" in spec.flags or conn.blocked is not None:
            return   # conn.blocked: a waiter's command run again, shown when first called
        self.feed(conn, argv)

    def feed(self, conn, argv):
        if conn.sock is None:
            return   # replaying the append-only log (DEBUG LOADAOF): not shown, as Redis
        t = time.time()
        addr = b"lua" if in_script(conn) else (conn.addr or "?:0").encode()
        line = b"+%d.%06d [%d %b] %b\r\n" % (
            int(t), int(t * 1e6) % 1000000, conn.db.index, addr,
            b" ".join(quote(as_bytes(a)) for a in redact(argv)))
        for c in self.clients:
            if c is conn:
                # A monitor's own command: the line follows its reply.
                self.server.loop.run_callback(self._late, c, line)
            elif c.sock is not None:
                c.out.append(line)
                c.flush()

    @staticmethod
    def _late(c, line):
        if c.sock is not None:
            c.out.append(line)
            c.flush()
