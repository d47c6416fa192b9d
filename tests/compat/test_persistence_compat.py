"""SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF and INFO persistence against the real redis-server.

The shared servers run with ``--save ""`` in their own temporary directories;
tests that start a background save use a pair of their own.
"""

import os
import time

from support import RawClient, server_pair


def _names(reply):
    return [l.split(":")[0] for l in reply.v.decode().split("\r\n") if ":" in l]


def test_arity_and_syntax_errors(compat):
    compat.same_error("SAVE", "x")
    compat.same_error("LASTSAVE", "x")
    compat.same_error("BGREWRITEAOF", "x")
    compat.same_error("BGSAVE", "x")
    compat.same_error("BGSAVE", "SCHEDULE", "x")
    compat.same_error("BGSAVE", "NOW")


def test_save_and_lastsave(compat):
    compat.same("SET", "k", "v")
    compat.same("SAVE")
    m, r = compat.same_type("LASTSAVE")
    assert abs(m.v - r.v) <= 2 and abs(m.v - time.time()) <= 2


def test_save_refused_in_multi(compat):
    compat.same("MULTI")
    compat.same_error("SAVE")
    compat.same_error("EXEC")


def test_info_persistence_field_names(compat):
    m, r = compat.same_type("INFO", "persistence")
    assert _names(m) == _names(r)


def _idle(c):
    """Wait (bounded) until no background save runs."""
    for _ in range(200):
        info = c.cmd("INFO", "persistence").v.decode()
        if "rdb_bgsave_in_progress:0" in info:
            return info
        time.sleep(0.05)
    raise AssertionError("background save did not end")


def test_bgsave_replies(tmp_path):
    with server_pair("--save", "") as (mini, ref):
        results = []
        for srv in (mini, ref):
            c = RawClient(srv.port)
            c.cmd("SET", "k", "v")
            out = c.pipeline([("BGSAVE",), ("BGSAVE",), ("SAVE",)])
            _idle(c)
            out += [c.cmd("MULTI"), c.cmd("BGSAVE"), c.cmd("EXEC")]
            # The scheduled one starts from the cron; wait for it to finish.
            for _ in range(100):
                if "rdb_saves:2" in c.cmd("INFO", "persistence").v.decode():
                    break
                time.sleep(0.05)
            info = _idle(c)
            out.append("rdb_last_bgsave_status:ok" in info and "rdb_saves:2" in info)
            results.append(out)
            c.close()
        assert results[0] == results[1]
        assert results[0][-1] is True


def test_config_set_dir_and_dbfilename(tmp_path):
    """Protected by default; with enable-protected-configs yes, dir changes the working dir."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "file").write_text("")
    with server_pair("--save", "") as pair:
        results = []
        for srv in pair:
            c = RawClient(srv.port)
            results.append([c.cmd("CONFIG", "SET", "dir", str(sub)),
                            c.cmd("CONFIG", "SET", "dbfilename", "x.rdb"),
                            c.cmd("CONFIG", "GET", "enable-protected-configs")])
            c.close()
        assert results[0] == results[1]
    with server_pair("--save", "", "--enable-protected-configs", "yes") as pair:
        results = []
        for srv in pair:
            c = RawClient(srv.port)
            out = [c.cmd("CONFIG", "SET", "dir", str(tmp_path / "nonexistent")),
                   c.cmd("CONFIG", "SET", "dir", str(tmp_path / "file")),
                   c.cmd("CONFIG", "SET", "dir", str(sub)),
                   c.cmd("CONFIG", "GET", "dir"),
                   c.cmd("CONFIG", "SET", "dir", ".."),
                   c.cmd("CONFIG", "GET", "dir"),
                   c.cmd("CONFIG", "SET", "dir", "sub"),
                   c.cmd("CONFIG", "SET", "dbfilename", "a/b.rdb"),
                   c.cmd("CONFIG", "SET", "dbfilename", "x.rdb"),
                   c.cmd("CONFIG", "GET", "dbfilename"),
                   c.cmd("CONFIG", "SET", "enable-protected-configs", "no"),
                   c.cmd("SET", "k", "v"),
                   c.cmd("SAVE")]
            out.append(sorted(os.listdir(str(sub))))
            os.unlink(str(sub / "x.rdb"))
            results.append(out)
            c.close()
        assert results[0] == results[1]
        assert results[0][-1] == ["x.rdb"]


def _wait_children(c):
    for _ in range(200):
        info = c.cmd("INFO", "persistence").v.decode()
        if ("rdb_bgsave_in_progress:0" in info and "aof_rewrite_in_progress:0" in info
                and "aof_rewrite_scheduled:0" in info):
            return
        time.sleep(0.05)
    raise AssertionError("children did not end")


def test_one_child_at_a_time(tmp_path):
    with server_pair("--save", "") as pair:
        results = []
        for srv in pair:
            c = RawClient(srv.port)
            c.cmd("SET", "k", "v")
            out = c.pipeline([("BGREWRITEAOF",), ("BGREWRITEAOF",), ("BGSAVE",),
                              ("BGSAVE", "SCHEDULE")])
            _wait_children(c)
            _idle(c)
            out += c.pipeline([("BGSAVE",), ("BGREWRITEAOF",)])
            _wait_children(c)
            out += [c.cmd("MULTI"), c.cmd("BGREWRITEAOF"), c.cmd("EXEC")]
            _wait_children(c)
            results.append(out)
            c.close()
        assert results[0] == results[1], results


def test_shutdown_refused_while_writing_the_first_aof(tmp_path):
    """CONFIG SET appendonly yes starts a rewrite; until it ends only SHUTDOWN FORCE exits."""
    with server_pair("--save", "", "--enable-debug-command", "yes") as pair:
        results = []
        for srv in pair:
            c = RawClient(srv.port)
            c.cmd("DEBUG", "POPULATE", "1000")
            # One batch: a child is reaped only after it, so the rewrite surely still runs.
            results.append(c.pipeline([("CONFIG", "SET", "appendonly", "yes"), ("SHUTDOWN",),
                                       ("SHUTDOWN", "NOSAVE"), ("BGSAVE",)]))
            _wait_children(c)
            c.cmd("CONFIG", "SET", "appendonly", "no")
            c.close()
        assert results[0] == results[1], results
        assert results[0][1].v == "ERR Errors trying to SHUTDOWN. Check logs."
