"""The Prometheus endpoint (--metrics-port, a miniredis extension), end to end.

A real miniredis process with the endpoint on a free port; commands over the
Redis port; /metrics fetched with urllib and parsed strictly as the text
exposition format 0.0.4 (HELP and TYPE once per family, before its samples;
valid names and labels; counters named ..._total); the figures compared with
what INFO says. Every server is stopped; every wait is bounded.
"""

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from support import ROOT, RawClient, free_port, start_miniredis

from miniredis.metrics import SKIPPED, metric_name

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(r"(%s)(\{(?:%s(?:,%s)*)?\})? (\S+)\Z" % (_NAME, _LABEL, _LABEL))
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_exposition(text):
    """{name: {"type", "help", "samples": {frozenset(labels): float}}}; asserts the format."""
    assert text.endswith("\n")
    families, current = {}, None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.match(_NAME + r"\Z", name), line
            assert name not in families, "family %s given twice" % name
            current = families[name] = {"help": help_text, "type": None, "samples": {}}
            current["name"] = name
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert current is not None and name == current["name"], "TYPE before HELP: " + line
            assert current["type"] is None and not current["samples"], line
            assert kind in ("counter", "gauge"), line
            current["type"] = kind
        else:
            m = _SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            name, labels, value = m.groups()
            assert current is not None and name == current["name"] and current["type"], line
            key = frozenset(_LABEL_PAIR.findall(labels or ""))
            assert key not in current["samples"], "sample twice: " + line
            current["samples"][key] = float(value)
    for name, f in families.items():
        assert f["help"] and f["type"], name
        assert name.endswith("_total") == (f["type"] == "counter"), name
    return families


def fetch(port, path="/metrics", method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def info_fields(client):
    """{section: {field: value text}} of INFO everything."""
    out, section = {}, None
    for line in client.cmd("INFO", "everything").v.decode().split("\r\n"):
        if line.startswith("# "):
            section = out.setdefault(line[2:].lower(), {})
        elif ":" in line:
            k, _, v = line.partition(":")
            section[k] = v
    return out


def _one(families, name, **labels):
    return families["miniredis_" + name]["samples"][frozenset(labels.items())]


@pytest.fixture
def served():
    mport = free_port()
    srv = start_miniredis("--metrics-port", str(mport))
    c = RawClient(srv.port)
    try:
        yield srv, mport, c
    finally:
        c.close()
        srv.stop()


def test_metrics_match_info(served):
    srv, mport, c = served
    c.cmd("SET", "a", "1")
    c.cmd("SET", "b", "2", "EX", "1000")
    c.cmd("GET", "a")
    c.cmd("GET", "nokey")
    c.cmd("SELECT", "3")
    c.cmd("SET", 'odd"key', "x")
    c.cmd("SELECT", "0")
    c.cmd("NOSUCH")
    c.cmd("CONFIG", "SET", "maxmemory", "10mb")
    status, headers, text = fetch(mport)
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    first = parse_exposition(text)
    info = info_fields(c)
    again = parse_exposition(fetch(mport)[2])

    # Keyspace per database, commandstats and errorstats as labelled series.
    assert _one(first, "db_keys", db="0") == 2 and _one(first, "db_keys", db="3") == 1
    assert _one(first, "db_keys_expiring", db="0") == 1
    assert 990 < _one(first, "db_avg_ttl_seconds", db="0") <= 1000
    for cmd in ("set", "get", "select", "config|set"):
        stats = dict(kv.split("=") for kv in info["commandstats"]["cmdstat_" + cmd].split(","))
        assert _one(first, "commands_total", cmd=cmd) == int(stats["calls"])
        assert _one(first, "commands_failed_calls_total", cmd=cmd) == int(stats["failed_calls"])
        assert _one(first, "commands_duration_seconds_total", cmd=cmd) == \
            pytest.approx(int(stats["usec"]) / 1e6)
    assert _one(first, "errors_total", err="ERR") == 1
    assert first["miniredis_commands_total"]["type"] == "counter"
    assert first["miniredis_db_keys"]["type"] == "gauge"
    build = list(first["miniredis_build_info"]["samples"])[0]
    assert dict(build)["redis_version"] == info["server"]["redis_version"]

    # Every numeric field of the sections is there, under its name; the ones that
    # did not move between the two fetches have INFO's value.
    checked = 0
    for section in ("server", "clients", "memory", "persistence", "stats", "cpu"):
        for field, value in info[section].items():
            if field in SKIPPED:
                continue
            if value in ("ok", "err"):
                value = "1" if value == "ok" else "0"
            try:
                number = float(value)
            except ValueError:
                continue
            name, kind = metric_name(field)
            name = "miniredis_" + name
            assert name in first, "%s (INFO %s) missing" % (name, field)
            assert first[name]["type"] == kind
            a = first[name]["samples"][frozenset()]
            b = again[name]["samples"][frozenset()]
            if a == b:
                assert a == number, (field, a, value)
                checked += 1
    assert checked > 60
    assert _one(first, "maxmemory") == 10 * 1024 * 1024
    assert _one(first, "keyspace_hits_total") == 1 and _one(first, "keyspace_misses_total") == 1
    assert _one(first, "connected_clients") == 1


def test_other_paths_and_methods(served):
    srv, mport, c = served
    assert fetch(mport, "/")[0] == 404
    assert fetch(mport, "/metrics/x")[0] == 404
    status, headers, _ = fetch(mport, method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    status, headers, body = fetch(mport, method="HEAD")
    assert status == 200 and body == ""
    # Scraping is not a command: the statistics do not move.
    before = c.cmd("INFO", "stats").v
    for _ in range(3):
        fetch(mport)
    after = c.cmd("INFO", "stats").v
    n = lambda t: int(re.search(rb"total_commands_processed:(\d+)", t).group(1))
    assert n(after) == n(before) + 1


def test_config_file_directive_is_not_a_config_parameter(tmp_path):
    mport = free_port()
    conf = tmp_path / "m.conf"
    conf.write_text("metrics-port %d\n" % mport)
    srv = start_miniredis(config_file=str(conf), cwd=str(tmp_path))
    c = RawClient(srv.port)
    try:
        assert fetch(mport)[0] == 200
        # CONFIG GET * stays Redis 7.0's; CONFIG REWRITE keeps the line.
        assert c.cmd("CONFIG", "GET", "metrics-port").v == []
        assert c.cmd("CONFIG", "SET", "metrics-port", "1").v.startswith("ERR Unknown option")
        assert c.cmd("CONFIG", "REWRITE").v == "OK"
        assert conf.read_text().startswith("metrics-port %d\n" % mport)
    finally:
        c.close()
        srv.stop()
    # Stopped with the server.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", mport), timeout=2).close()


def test_a_taken_metrics_port_stops_the_start(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        env = dict(os.environ, PYTHONPATH=ROOT)
        p = subprocess.run(
            [sys.executable, "-m", "miniredis", "--port", str(free_port()), "--save", "",
             "--metrics-port", str(taken.getsockname()[1])],
            cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=30)
    finally:
        taken.close()
    assert p.returncode == 1
    assert "Could not create the metrics listening socket" in p.stderr + p.stdout
