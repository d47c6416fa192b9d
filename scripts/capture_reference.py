#!/usr/bin/env python3
"""Capture every command's metadata from a reference redis-server into the package.

Starts a throwaway ``redis-server`` on a free port, switches to RESP3 and
asks ``COMMAND INFO`` and ``COMMAND DOCS`` for every command, and writes
both replies, per command and subcommand, to ``miniredis/data/commands.json``.
That file is the project's one source of command metadata: the registry
reads arity, flags, key specs, ACL categories, tips and the documentation
fields (arguments, history, deprecation ...) from it, and COMMAND INFO /
DOCS are rendered back from it byte for byte. A command's Python declaration
only attaches its function.

Replies are stored with their RESP3 types so they render exactly in both
protocols: a map is ``{"%": [[k, v], ...]}``, a set ``{"~": [...]}``, a
simple string ``{"+": "text"}``; bulk strings are JSON strings, integers
JSON numbers, arrays JSON lists.

Usage: scripts/capture_reference.py [--redis-server PATH] [--out FILE]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "miniredis", "data", "commands.json")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _read(f):
    """One RESP3 reply in the tagged JSON form described above."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("short line %r" % line)
    t, body = chr(line[0]), line[1:-2].decode()
    if t == "+":
        return {"+": body}
    if t == "-":
        raise RuntimeError(body)
    if t == ":":
        return int(body)
    if t == "$":
        data = f.read(int(body) + 2)[:-2]
        return data.decode()
    if t == "=":
        return f.read(int(body) + 2)[4:-2].decode()   # verbatim: drop "txt:"
    if t == "*":
        return [_read(f) for _ in range(int(body))]
    if t == "~":
        return {"~": [_read(f) for _ in range(int(body))]}
    if t == "%":
        return {"%": [[_read(f), _read(f)] for _ in range(int(body))]}
    if t == "_":
        return None
    raise ConnectionError("unexpected reply type %r" % line)


class Client(object):
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.sock.makefile("rb")

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return _read(self.f)


def start_server(path):
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="redis-capture-")
    proc = subprocess.Popen([path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c = Client(port, timeout=1.0)
            c.cmd("HELLO", "3")
            return proc, c
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("redis-server did not start")


def _pairs(tagged_map):
    return tagged_map["%"]


def capture(client):
    info = {e[0]: e for e in client.cmd("COMMAND", "INFO")}
    docs = dict(_pairs(client.cmd("COMMAND", "DOCS")))
    commands = {}

    def add(name, entry, doc):
        # The subcommand slots are rendered from the registry (only the
        # subcommands this server has), so they are not stored.
        entry = entry[:9]
        doc = {"%": [kv for kv in _pairs(doc) if kv[0] != "subcommands"]}
        commands[name] = {"info": entry, "docs": doc}

    for name, e in sorted(info.items()):
        doc = docs[name]
        add(name, e, doc)
        sub_docs = dict(dict(_pairs(doc)).get("subcommands", {"%": []})["%"])
        subs = e[9]["~"] if isinstance(e[9], dict) else e[9]
        for s in subs:
            add(s[0], s, sub_docs[s[0]])
    version = client.cmd("INFO", "server")
    version = dict(line.split(":", 1) for line in version.splitlines() if ":" in line)
    return {"redis_version": version["redis_version"], "commands": commands}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--redis-server", default=shutil.which("redis-server"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    if not args.redis_server:
        sys.exit("redis-server not found; pass --redis-server PATH")
    proc, client = start_server(args.redis_server)
    try:
        data = capture(client)
    finally:
        proc.terminate()
        proc.wait(10)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print("%d commands from redis %s -> %s" % (len(data["commands"]), data["redis_version"],
                                              os.path.relpath(args.out)))


if __name__ == "__main__":
    main()
