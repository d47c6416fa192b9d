#!/usr/bin/env python3
"""Capture command metadata from a reference redis-server into tests/data/.

Starts a throwaway ``redis-server`` on a free port, asks ``COMMAND INFO`` and
``COMMAND DOCS`` for every command (subcommands included) and writes the
fields our registry declares -- arity, flags, key positions, ACL categories,
tips, summary, since, group, complexity -- to
``tests/data/redis-7.0-command-info.json``. tests/unit/test_registry.py
compares the registry against that file, so the unit tests need no server.

Usage: scripts/capture_reference.py [--redis-server PATH] [--out FILE]
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import hiredis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "redis-7.0-command-info.json")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client(object):
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.reader = hiredis.Reader(encoding="utf-8")

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        while True:
            reply = self.reader.gets()
            if reply is not False:
                return reply
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError("redis-server closed the connection")
            self.reader.feed(data)


def start_server(path):
    port = free_port()
    proc = subprocess.Popen([path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c = Client(port, timeout=1.0)
            if c.cmd("PING") == "PONG":
                return proc, c
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("redis-server did not start")


def info_entry(e):
    """The fields of one 10-element COMMAND INFO entry we compare against."""
    return {
        "arity": e[1], "flags": sorted(e[2]), "first_key": e[3], "last_key": e[4],
        "step": e[5], "acl_categories": e[6], "tips": e[7],
    }


def as_dict(flat):
    """RESP2 flat map [k1, v1, k2, v2 ...] -> dict."""
    return dict(zip(flat[0::2], flat[1::2]))


def doc_entry(d):
    d = as_dict(d)
    out = {k: d[k] for k in ("summary", "since", "group", "complexity") if k in d}
    if "doc_flags" in d:
        out["doc_flags"] = sorted(d["doc_flags"])
    return out


def capture(client):
    info = {e[0]: e for e in client.cmd("COMMAND", "INFO")}
    docs = as_dict(client.cmd("COMMAND", "DOCS"))
    result = {}
    for name, e in sorted(info.items()):
        entry = info_entry(e)
        entry.update(doc_entry(docs.get(name, [])))
        subs = {}
        sub_docs = as_dict(as_dict(docs.get(name, [])).get("subcommands", []))
        for s in e[9]:
            sub = info_entry(s)
            sub.update(doc_entry(sub_docs.get(s[0], [])))
            subs[s[0]] = sub
        if subs:
            entry["subcommands"] = dict(sorted(subs.items()))
        result[name] = entry
    return {"redis_version": as_dict_info(client.cmd("INFO", "server"))["redis_version"],
            "commands": result}


def as_dict_info(text):
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


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
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d commands from redis %s -> %s" % (len(data["commands"]), data["redis_version"],
                                              os.path.relpath(args.out)))


if __name__ == "__main__":
    main()
