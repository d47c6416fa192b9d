"""pytest plugin: a real miniredis for your tests (registered as the ``miniredis`` pytest11
entry point, or load it with ``-p miniredis.pytest_plugin``).

Owns: the fixtures and their options. Must not touch: anything but
:mod:`miniredis.testing` (imported lazily, so loading the plugin costs nothing).

Fixtures:

* ``miniredis_server``          the session's server, flushed before the test
                                (``.url``, ``.host``, ``.port``)
* ``miniredis_client``          a client connected to it, closed after the test
* ``miniredis_session_server``  the same server as a session-scoped fixture
* ``miniredis_session_client``  a session-scoped client (data still flushed before
                                every test that uses a miniredis fixture)
* ``miniredis_private_server``  a server of its own for this test (config changes,
                                SHUTDOWN, ... cannot leak into other tests)

Options (command line or ini): ``--miniredis-mode thread|process`` (thread: in
this process, the default; process: a miniredis-server subprocess) and
``--miniredis-client bundled|redis-py`` (the client class of the client fixtures).
"""

import pytest

_FIXTURES = ("miniredis_server", "miniredis_client", "miniredis_session_server",
             "miniredis_session_client")


def pytest_addoption(parser):
    group = parser.getgroup("miniredis")
    group.addoption("--miniredis-mode", choices=("thread", "process"), default=None,
                    help="run the miniredis test server in a thread (default) or a subprocess")
    group.addoption("--miniredis-client", choices=("bundled", "redis-py"), default=None,
                    help="client class of the miniredis_client fixtures (default: bundled)")
    parser.addini("miniredis_mode", "thread or process", default="thread")
    parser.addini("miniredis_client", "bundled or redis-py", default="bundled")


def _option(config, name):
    return config.getoption("--" + name.replace("_", "-")) or config.getini(name)


def _client_for(config, url):
    if _option(config, "miniredis_client") == "redis-py":
        import redis
        return redis.Redis.from_url(url)
    from miniredis_client import Redis
    return Redis.from_url(url)


@pytest.fixture(scope="session")
def miniredis_session_server(pytestconfig):
    from miniredis.testing import start
    srv = start(mode=_option(pytestconfig, "miniredis_mode"))
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _miniredis_flush(request):
    # Between tests: only for tests that use the shared server (others never start it).
    if any(name in request.fixturenames for name in _FIXTURES):
        request.getfixturevalue("miniredis_session_server").flushall()


@pytest.fixture
def miniredis_server(miniredis_session_server):
    return miniredis_session_server


@pytest.fixture
def miniredis_client(pytestconfig, miniredis_server):
    client = _client_for(pytestconfig, miniredis_server.url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def miniredis_session_client(pytestconfig, miniredis_session_server):
    client = _client_for(pytestconfig, miniredis_session_server.url)
    yield client
    client.close()


@pytest.fixture
def miniredis_private_server(pytestconfig):
    from miniredis.testing import start
    srv = start(mode=_option(pytestconfig, "miniredis_mode"))
    yield srv
    srv.stop()
