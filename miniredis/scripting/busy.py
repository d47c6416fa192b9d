"""While a script runs longer than busy-reply-threshold: serve the other clients inline.

Owns: what other clients get while a script is busy, as Redis'
processEventsWhileBlocked + processCommand do: their requests are read
without blocking (the script runs inside the hub, so the event loop cannot),
unknown commands, arity and auth errors come first, commands flagged
allow-busy (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, MULTI, AUTH, ...) run,
SHUTDOWN NOSAVE stops the server (and the script), everything else is
answered -BUSY. Must not touch: the script itself (host.py decides to call
us, and kills the script when asked).

Blocked clients and the script's own caller are not read: their input waits
in the socket, as in Redis (the caller is protected while its script runs).
"""

import logging
import time

from .. import errors
from ..protocol import RequestReader, encode_into

log = logging.getLogger("miniredis")

POLL_INTERVAL = 0.002   # seconds between two rounds of reading the other clients
RECV_SIZE = 64 * 1024


def serve(host, run):
    now = time.monotonic()
    if not run.busy:
        run.busy = now
        log.warning(
            "Slow script detected: still in execution after %d milliseconds. You can try "
            "killing the script using the %s command. Script name is: %s.",
            (now - run.start) * 1000, "SCRIPT KILL" if run.is_eval else "FUNCTION KILL",
            run.name.decode("utf-8", "replace"))
    elif now - run.busy < POLL_INTERVAL:
        return
    run.busy = now
    server = host.server
    for lsock, _ in list(server.listeners):
        server._accept(lsock)
    for conn in list(server.clients.values()):
        if conn is run.ctx or conn.sock is None or conn.blocked is not None or conn.closing:
            continue
        _serve_client(host, run, conn)


def _serve_client(host, run, conn):
    server = host.server
    try:
        data = conn.sock.recv(RECV_SIZE)
    except BlockingIOError:
        return
    except OSError:
        server.close_client(conn)
        return
    if not data:
        server.close_client(conn)
        return
    server.stats.net_input_bytes += len(data)
    conn.last_interaction = time.time()
    reqs, err = conn.reader.feed(data)
    out = []
    for argv in reqs:
        reply = _answer(host, run, conn, argv)
        if reply is not None and not conn.reply_mode:
            encode_into(reply, conn.proto, out)
        if conn.closing:
            break
    if err is not None and not conn.closing:
        if err is not RequestReader.CLOSE:
            out.append(b"-%s\r\n" % err.encode())
        conn.closing = True
    if out:
        server.write(conn, b"".join(out))
    if conn.closing and conn.pending is None:
        server.close_client(conn)


def _answer(host, run, conn, argv):
    d = host.server.dispatcher
    spec, err = d.resolve(argv)
    if spec is None:
        return d.error(err)
    if not conn.authenticated and not spec.no_auth:
        return d.error(errors.NOAUTH, spec)
    busy_error = errors.BUSY_SCRIPT if run.is_eval else errors.BUSY_FUNCTION
    if spec.name == "shutdown":
        if not any(type(a) is bytes and a.lower() == b"nosave" for a in argv[1:]):
            return d.error(busy_error)
        run.killed = b"ERR Script killed by user with SCRIPT KILL..."
        run.shutdown = True
        return d.execute(conn, spec, argv)
    if "allow_busy" in spec.flags:
        return d.execute(conn, spec, argv)
    return d.error(busy_error)
