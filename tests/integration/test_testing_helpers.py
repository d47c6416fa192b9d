"""miniredis.testing (an embedded server for tests) and the pytest plugin.

The context manager is used here directly, in thread and process mode, with
redis-py and the bundled client; the plugin is exercised from a separate test
project run by its own pytest (plain and gevent-patched). Every server started
is stopped; every wait is bounded.
"""

import os
import socket
import subprocess
import sys
import textwrap

import pytest
import redis

from support import ROOT

from miniredis.testing import server, start
from miniredis_client import Redis


@pytest.mark.parametrize("mode", ["thread", "process"])
def test_server_context_manager(mode):
    with server(mode=mode, notify_keyspace_events="KEA", databases="4") as url:
        assert url.startswith("redis://127.0.0.1:") and url.endswith("/0")
        r = redis.Redis.from_url(url)
        c = Redis.from_url(url)
        try:
            assert r.set("k", "v") and c.get("k") == b"v"
            assert c.set("n", 5) and r.get("n") == b"5"
            assert r.config_get("databases") == {"databases": "4"}
            assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
            assert r.config_get("save") == {"save": ""}
        finally:
            r.close()
            c.close()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_start_gives_a_handle_and_bad_settings_fail():
    a, b = start(), start(mode="process")
    try:
        assert a.port != b.port and a.mode == "thread" and b.mode == "process"
        for srv in (a, b):
            r = redis.Redis(host=srv.host, port=srv.port)
            r.set("x", "1")
            srv.flushall()
            assert r.dbsize() == 0
            r.close()
    finally:
        a.stop()
        b.stop()
        a.stop()   # idempotent
    with pytest.raises(Exception, match="integer"):
        start(hz="abc")
    with pytest.raises(RuntimeError, match="integer"):
        start(mode="process", hz="abc")


PROJECT_TEST = '''
import redis


def test_function_server_is_flushed_1(miniredis_client, miniredis_server):
    assert miniredis_client.dbsize() == 0
    miniredis_client.set("x", 1)
    assert miniredis_server.url.startswith("redis://")


def test_function_server_is_flushed_2(miniredis_client):
    assert miniredis_client.get("x") is None


def test_session_client_1(miniredis_session_client):
    assert miniredis_session_client.dbsize() == 0
    miniredis_session_client.set("y", "1")


def test_session_client_2(miniredis_session_client, miniredis_session_server):
    assert miniredis_session_client.get("y") is None
    assert miniredis_session_server.port > 0


def test_private_server(miniredis_private_server, miniredis_server):
    assert miniredis_private_server.port != miniredis_server.port
    r = redis.Redis.from_url(miniredis_private_server.url)
    r.config_set("hz", "20")
    r.close()


def test_redis_py(miniredis_server):
    r = redis.Redis.from_url(miniredis_server.url, decode_responses=True)
    r.set("z", 1)
    assert r.get("z") == "1" and r.config_get("hz") == {"hz": "10"}
    r.close()
'''


@pytest.mark.parametrize("mode,patched,client", [
    ("thread", False, "bundled"), ("process", False, "redis-py"),
    ("thread", True, "bundled"), ("process", True, "bundled"),
], ids=["thread", "process-redispy", "thread-gevent", "process-gevent"])
def test_pytest_plugin_in_a_separate_project(tmp_path, mode, patched, client):
    (tmp_path / "test_project.py").write_text(PROJECT_TEST)
    if patched:
        (tmp_path / "conftest.py").write_text(textwrap.dedent('''
            from gevent import monkey
            monkey.patch_all()
        '''))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, os.path.join(ROOT, "client")])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"   # the plugin is loaded explicitly below
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "miniredis.pytest_plugin", "--miniredis-mode", mode, "--miniredis-client", client,
         "test_project.py"],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "6 passed" in res.stdout
