"""What a plain miniredis-server process imports at start-up, and what waits for first use.

Memory (issue 15): hashlib/hmac map OpenSSL's libcrypto (~3.5 MB of RSS), lupa's
Lua ~0.5 MB, logging.handlers ~0.5 MB, pprint (gevent's default context
formatter, with dataclasses and inspect) ~1 MB. A real process is started
with Python's import-time log on stderr, which names each module as it is
imported, at start-up or later.
"""

import os
import subprocess
import sys
import tempfile

from support import ROOT, RawClient, free_port, wait_for_port

LAZY = ("hashlib", "_hashlib", "hmac", "lupa.lua51", "logging.handlers", "pprint")


def _imported(log_path):
    with open(log_path) as f:
        return {line.split("|")[-1].strip() for line in f if line.startswith("import time:")}


def test_heavy_modules_wait_for_the_commands_that_need_them(tmp_path):
    port = free_port()
    log_path = str(tmp_path / "imports.log")
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "miniredis", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--logfile", ""],
            cwd=tempfile.mkdtemp(prefix="miniredis-"), env=env,
            stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_for_port(port, proc)
        c = RawClient(port)
        try:
            assert c.cmd("SET", "k", "v").v == "OK"
            assert b"redis_build_id:" in c.cmd("INFO", "server").v
            c.cmd("INFO", "memory")   # the scripting fields: no Lua state is made
            assert c.cmd("MEMORY", "PURGE").v == "OK"
            at_start = _imported(log_path)
            assert "miniredis.server" in at_start
            assert [m for m in LAZY if m in at_start] == []
            assert c.cmd("EVAL", "return redis.sha1hex(ARGV[1])", 0, "x").v == \
                b"11f6ad8ec52a2984abaafd7c3b516503785c2072"
            after_eval = _imported(log_path)
            assert {"lupa.lua51", "hashlib"} <= after_eval
        finally:
            c.close()
    finally:
        proc.terminate()
        proc.wait(10)
