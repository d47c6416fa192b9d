"""miniredis-server's command line: option syntax and fatal config reports, compared with redis-server."""

import logging
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from support import ROOT, RawClient, free_port, redis_server_path, wait_for_port

from miniredis.cli import split_argv
from miniredis.config import Config, ConfigFileError
from miniredis.daemon import PidFile


def run_mini(*args, stdin=None, cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "miniredis"] + [str(a) for a in args],
                          env=env, cwd=cwd or ROOT, input=stdin, timeout=30,
                          capture_output=True, text=True)


def run_redis(*args, cwd=None):
    path = redis_server_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI (scripts/test installs it)")
        pytest.skip("reference redis-server not installed")
    return subprocess.run([path] + [str(a) for a in args], cwd=cwd, timeout=30,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)


# --- options become config lines, as redis-server builds them ----------------------

def test_split_argv_quotes_values_like_redis():
    path, stdin, text = split_argv(["my.conf", "--port", "7000", "--bind", "127.0.0.1", "::1",
                                    "--requirepass", 'a "b"\n'])
    assert path == "my.conf" and not stdin
    assert text.splitlines() == [
        'port "7000"', 'bind "127.0.0.1" "::1"', 'requirepass "a \\"b\\"\\n"']


def test_split_argv_special_cases():
    # The word after an option name is its value, even if it starts with "--".
    assert split_argv(["--requirepass", "--x"])[2] == 'requirepass "--x"'
    # A bare --save (last, or followed by another option) means save "".
    assert split_argv(["--save"])[2] == 'save ""'
    assert split_argv(["--save", "--port", "1"])[2] == 'save ""\nport "1"'
    assert split_argv(["-", "--port", "1"])[1] is True


def test_options_round_trip_through_the_config_parser():
    c = Config()
    c.load_text(split_argv(["--requirepass", "sp ace\t\x01", "--bind", "1.2.3.4", "::1"])[2])
    assert c.requirepass == "sp ace\t\x01"
    assert c.bind == ["1.2.3.4", "::1"]


def test_save_lines_accumulate_and_empty_resets():
    c = Config()
    c.load_text("save 900 1\nsave 300 10\n")
    assert c.save == "900 1 300 10"
    c = Config()
    c.load_text('save 900 1\nsave ""\nsave 5 5\n')
    assert c.save == "5 5"


def test_config_error_carries_line():
    c = Config()
    with pytest.raises(ConfigFileError) as e:
        c.load_text("port 1\n\nport x\n", "f.conf")
    assert (e.value.lineno, e.value.line) == (3, "port x")
    assert e.value.reason == "argument couldn't be parsed into an integer"


# --- fatal reports: same text as redis-server ------------------------------------------

BAD_OPTIONS = [
    ["--foo", "bar"],
    ["--port", "abc"],
    ["--port", "1", "2"],
    ["--port"],
    ["--loglevel", "loud"],
    ["--daemonize", "maybe"],
    ["--databases", "0"],
    ["--maxclients", "0"],
    ["--save", "900"],
    ["--dir", "/nonexistent-miniredis-dir"],
    ["--logfile", "/nonexistent-miniredis-dir/x.log"],
]


@pytest.mark.parametrize("args", BAD_OPTIONS, ids=lambda a: " ".join(a))
def test_bad_option_report_matches_redis(args):
    mine = run_mini(*args)
    ref = run_redis(*args)
    assert mine.returncode == ref.returncode == 1
    assert "FATAL CONFIG FILE ERROR" in mine.stderr
    assert mine.stderr == ref.stderr


@pytest.mark.parametrize("body", ["port 7000\nbogus 1\n", 'port 7000\n\nbind "127.0.0.1\n',
                                  "# c\nport 7000\ntimeout -1\n"])
def test_bad_config_file_report_matches_redis(tmp_path, body):
    conf = tmp_path / "bad.conf"
    conf.write_text(body)
    mine = run_mini(conf, "--port", "x")
    ref = run_redis(conf, "--port", "x")
    assert mine.returncode == ref.returncode == 1
    assert mine.stderr == ref.stderr


def test_option_error_line_counts_after_the_file(tmp_path):
    conf = tmp_path / "ok.conf"
    conf.write_text("port 7000\ntimeout 0\n")
    mine = run_mini(conf, "--timeout", "x")
    ref = run_redis(conf, "--timeout", "x")
    assert "at line 4" in mine.stderr
    assert mine.stderr == ref.stderr


def test_missing_config_file():
    res = run_mini("/nonexistent-miniredis-dir/m.conf")
    assert res.returncode == 1
    assert res.stderr == ("Fatal error, can't open config file "
                          "'/nonexistent-miniredis-dir/m.conf': No such file or directory\n")


def test_not_listening_anywhere():
    res = run_mini("--port", "0")
    assert res.returncode == 1
    assert res.stderr == "Configured to not listen anywhere, exiting.\n"


# --- the program itself ------------------------------------------------------------

def test_cli_does_not_import_gevent_before_forking():
    code = "import sys, miniredis.cli; print(sorted(m for m in sys.modules if 'gevent' in m))"
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_config_from_stdin_and_sigint_exit_0(tmp_path):
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "miniredis", "-"], env=env, cwd=str(tmp_path),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        proc.stdin.write("port %d\nbind 127.0.0.1\nrequirepass fromstdin\n" % port)
        proc.stdin.close()
        wait_for_port(port, proc)
        c = RawClient(port)
        assert c.cmd("AUTH", "fromstdin").v == "OK"
        c.close()
        proc.send_signal(2)
        assert proc.wait(10) == 0
        out = proc.stdout.read()
        assert "Received SIGINT" in out and "bye bye" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()


def test_installed_console_script():
    script = os.path.join(os.path.dirname(sys.executable), "miniredis-server")
    if not os.path.exists(script):
        script = shutil.which("miniredis-server")
    if script is None:
        if os.environ.get("CI"):
            pytest.fail("miniredis-server is not installed (scripts/test installs it)")
        pytest.skip("miniredis-server console script not installed (pip install .)")
    out = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert out.stdout.startswith("miniredis server v=")


def test_implicit_pidfile_falls_back_when_unwritable(tmp_path):
    missing_dir = str(tmp_path / "no-such-dir" / "redis_1.pid")
    name = "miniredis-test-%d-%d.pid" % (os.getpid(), free_port())
    pf = PidFile(os.path.join(os.path.dirname(missing_dir), name), fallback=True)
    written = pf.write(logging.getLogger("test"))
    try:
        assert written == os.path.join(tempfile.gettempdir(), name)
        assert open(written).read().strip() == str(os.getpid())
    finally:
        pf.remove(logging.getLogger("test"))
    assert not os.path.exists(written)
    # A pidfile the user named is never moved elsewhere.
    assert PidFile(missing_dir).write(logging.getLogger("test")) is None
