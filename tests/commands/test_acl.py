"""ACL users and permissions over real sockets (differential checks are in
tests/compat/test_acl_compat.py): the hook's life cycle, the ACL LOG, the
aclfile, start-up errors and protected mode."""

import os
import subprocess
import sys
import tempfile

from miniredis.rules import RULE_ACL, RULE_OOM, RULE_PUBSUB
from support import ROOT, free_port, green_client, inprocess_server, start_miniredis, RawClient


def _ruled(srv):
    """Ids of the clients that carry the permission rule (never a server-wide rule)."""
    hook = srv.dispatcher.acl.hook
    assert hook not in srv.dispatcher.context_hooks
    return sorted(c.id for c in srv.clients.values()
                  if c.context_hooks is not None and hook in c.context_hooks)


def _id(c):
    return c.cmd("CLIENT", "ID").v


def test_rule_only_on_clients_of_restricted_users():
    # Only the clients whose user is restricted leave the plain path: the
    # others are served as if no ACL rule existed.
    with inprocess_server() as srv:
        c = green_client(srv)
        cid = _id(c)
        assert _ruled(srv) == []
        assert c.cmd("CONFIG", "SET", "requirepass", "pw").v == "OK"
        assert _ruled(srv) == []          # a password restricts no command
        assert c.cmd("ACL", "SETUSER", "full", "on", "+@all", "~*", "&*").v == "OK"
        assert c.cmd("ACL", "SETUSER", "ro", "on", "nopass", "+@read", "~*").v == "OK"
        assert _ruled(srv) == []          # a restricted user nobody is logged in as
        ro = green_client(srv)
        assert ro.cmd("AUTH", "pw").v == "OK"
        rid = _id(ro)
        assert ro.cmd("AUTH", "ro", "x").v == "OK"
        assert _ruled(srv) == [rid]
        assert ro.cmd("SET", "k", "v").v.startswith("NOPERM")
        assert ro.cmd("GET", "k").v is None
        assert c.cmd("SET", "k", "v").v == "OK"
        assert ro.cmd("AUTH", "full", "x").v.startswith("WRONGPASS")
        assert ro.cmd("ACL", "SETUSER", "ro", "+@all").v.startswith("NOPERM")
        assert c.cmd("ACL", "SETUSER", "ro", "+@all", "&*").v == "OK"
        assert _ruled(srv) == []          # the user is no longer restricted
        assert ro.cmd("SET", "k", "w").v == "OK"
        assert c.cmd("ACL", "SETUSER", "ro", "-set").v == "OK"
        assert _ruled(srv) == [rid]
        assert ro.cmd("RESET").v == "RESET"   # back to the default user
        assert _ruled(srv) == []
        assert c.cmd("ACL", "SETUSER", "default", "-flushall").v == "OK"
        assert _ruled(srv) == sorted([cid, rid])
        assert c.cmd("FLUSHALL").v.startswith("NOPERM")
        late = green_client(srv)          # a new client of the restricted default user
        assert late.cmd("AUTH", "pw").v == "OK"
        assert late.cmd("FLUSHALL").v.startswith("NOPERM")
        assert _id(late) in _ruled(srv)
        assert c.cmd("ACL", "SETUSER", "default", "+@all").v == "OK"
        assert _ruled(srv) == []
        assert c.cmd("ACL", "DELUSER", "ro").v == 1
        for x in (c, ro, late):
            x.close()


def test_rules_run_in_redis_order():
    # ACL before OOM before the subscribed-mode rule, whoever registered
    # first (these replies are redis-server 7.0's for the same steps).
    with inprocess_server() as srv:
        c = green_client(srv)
        assert c.cmd("SET", "fill", "x" * 100).v == "OK"
        assert c.cmd("ACL", "SETUSER", "u", "on", "nopass", "+@all", "-get", "~*", "&*").v == "OK"
        sub = green_client(srv)
        assert sub.cmd("AUTH", "u", "x").v == "OK"
        assert sub.cmd("SUBSCRIBE", "ch").v[0].v == b"subscribe"
        assert c.cmd("CONFIG", "SET", "maxmemory", "1").v == "OK"
        assert sub.cmd("GET", "k").v.startswith("NOPERM")
        assert sub.cmd("SET", "k", "v").v.startswith("OOM")
        assert sub.cmd("TYPE", "k").v.startswith("ERR Can't execute 'type'")
        conn = srv.clients[_id(c)]
        d = srv.dispatcher
        order = [d.rule_rank[h] for h in (*srv.clients[max(srv.clients)].context_hooks,
                                          *d.context_hooks)]
        assert sorted(order) == [RULE_ACL, RULE_OOM, RULE_PUBSUB]
        assert conn.context_hooks is None
        c.close()
        sub.close()


def test_permissions_and_multi():
    with inprocess_server() as srv:
        admin = green_client(srv)
        admin.cmd("ACL", "SETUSER", "u", "on", ">pw", "+@all", "-del", "~k*")
        c = green_client(srv)
        assert c.cmd("AUTH", "u", "pw").v == "OK"
        assert c.cmd("ACL", "WHOAMI").v == b"u"
        assert c.cmd("SET", "k1", "v").v == "OK"
        assert c.cmd("SET", "x", "v").v == ("NOPERM this user has no permissions to access one "
                                            "of the keys used as arguments")
        assert c.cmd("DEL", "k1").v == ("NOPERM this user has no permissions to run the 'del' "
                                         "command")
        assert c.cmd("MULTI").v == "OK"
        assert c.cmd("DEL", "k1").v.startswith("NOPERM")
        assert c.cmd("GET", "k1").v == "QUEUED"
        assert c.cmd("EXEC").v.startswith("EXECABORT")
        log = admin.cmd("ACL", "LOG").plain()
        assert [dict(zip(e[::2], e[1::2]))[b"context"] for e in log][:1] == [b"multi"]
        assert c.cmd("RESET").v == "RESET"
        assert c.cmd("ACL", "WHOAMI").v == b"default"
        admin.close()
        c.close()


def test_acl_log_groups_and_trims():
    with inprocess_server() as srv:
        admin = green_client(srv)
        admin.cmd("ACL", "SETUSER", "u", "on", ">pw", "+get", "~k*")
        c = green_client(srv)
        c.cmd("AUTH", "u", "pw")
        for _ in range(3):
            c.cmd("DEL", "x")
        entries = admin.cmd("ACL", "LOG").plain()
        assert len(entries) == 1
        e = dict(zip(entries[0][::2], entries[0][1::2]))
        assert e[b"count"] == 3 and e[b"reason"] == b"command" and e[b"object"] == b"del"
        assert b"user=u" in e[b"client-info"]
        admin.cmd("CONFIG", "SET", "acllog-max-len", "2")
        for key in ("a", "b", "c"):
            c.cmd("GET", key)
        assert len(admin.cmd("ACL", "LOG").v) == 2
        assert admin.cmd("ACL", "LOG", "RESET").v == "OK"
        assert admin.cmd("ACL", "LOG").v == []
        admin.close()
        c.close()


def test_deluser_and_password_changes():
    with inprocess_server() as srv:
        admin = green_client(srv)
        admin.cmd("ACL", "SETUSER", "u", "on", ">a", ">b", "+@all", "~*")
        c = green_client(srv)
        assert c.cmd("AUTH", "u", "b").v == "OK"
        admin.cmd("ACL", "SETUSER", "u", "<b")
        assert c.cmd("AUTH", "u", "b").v.startswith("WRONGPASS")
        assert c.cmd("PING").v == "PONG"    # a failed AUTH keeps the current user
        assert c.cmd("ACL", "WHOAMI").v == b"u"
        assert admin.cmd("ACL", "DELUSER", "u").v == 1
        data, closed = c.read_until_closed(timeout=5)
        assert closed
        admin.close()


def test_aclfile_save_load_roundtrip():
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "users.acl")
    with open(path, "w") as f:
        f.write("user alice on >secret ~cache:* &news +get +set\n")
    with inprocess_server(aclfile=path) as srv:
        c = green_client(srv)
        assert c.cmd("AUTH", "alice", "secret").v == "OK"
        assert c.cmd("GET", "cache:1").v is None
        assert c.cmd("GET", "other").v.startswith("NOPERM")
        c.cmd("RESET")
        assert c.cmd("ACL", "SETUSER", "bob", "on", "nopass", "%R~x", "-@all", "+get").v == "OK"
        assert c.cmd("ACL", "SAVE").v == "OK"
        with open(path) as f:
            lines = f.read().splitlines()
        assert lines == [
            "user alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b "
            "~cache:* resetchannels &news -@all +get +set",
            "user bob on nopass %R~x resetchannels -@all +get",
            "user default on nopass ~* &* +@all",
        ]
        with open(path, "w") as f:
            f.write("user carol on nopass +@all\nnot a user line\n")
        err = c.cmd("ACL", "LOAD")
        assert err.t == "-" and "should start with user keyword" in err.v
        assert c.cmd("ACL", "USERS").plain() == [b"alice", b"bob", b"default"]   # unchanged
        with open(path, "w") as f:
            f.write("user carol on nopass +@all ~*\n")
        assert c.cmd("ACL", "LOAD").v == "OK"
        assert c.cmd("ACL", "USERS").plain() == [b"carol", b"default"]
        c.close()


def _start_fails(*args, config_text=None):
    """Run the server with args; it must exit 1. Returns its output."""
    cmd = [sys.executable, "-m", "miniredis"]
    tmp = tempfile.mkdtemp()
    if config_text is not None:
        conf = os.path.join(tmp, "m.conf")
        with open(conf, "w") as f:
            f.write(config_text)
        cmd.append(conf)
    cmd += ["--port", str(free_port()), "--save", ""] + list(args)
    env = dict(os.environ, PYTHONPATH=ROOT)
    p = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    return (p.stdout + p.stderr).decode()


def test_startup_errors():
    tmp = tempfile.mkdtemp()
    bad = os.path.join(tmp, "bad.acl")
    with open(bad, "w") as f:
        f.write("user bob on >x\nbad line\n")
    out = _start_fails("--aclfile", bad)
    assert ("Aborting Redis startup because of ACL errors: %s:2 should start with user "
            "keyword" % bad) in out
    missing = os.path.join(tmp, "missing.acl")
    out = _start_fails("--aclfile", missing)
    assert ("Aborting Redis startup because of ACL errors: Error loading ACLs, opening file "
            "'%s': No such file or directory" % missing) in out
    out = _start_fails("--aclfile", bad, "--user", "x", "on")
    assert "users defined in redis.conf and at the same setting an ACL file path" in out
    out = _start_fails(config_text="user bob on foo\n")
    assert "Error in user declaration 'bob': Syntax error" in out
    assert ">>> 'user bob on foo'" in out


def test_user_directive_from_config_file():
    tmp = tempfile.mkdtemp()
    conf = os.path.join(tmp, "m.conf")
    with open(conf, "w") as f:
        f.write("user worker on >pw ~jobs:* +@list +ping\nrequirepass adminpw\n")
    s = start_miniredis(config_file=conf)
    try:
        c = RawClient(s.port)
        assert c.cmd("PING").v.startswith("NOAUTH")
        assert c.cmd("AUTH", "worker", "pw").v == "OK"
        assert c.cmd("LPUSH", "jobs:1", "a").v == 1
        assert c.cmd("GET", "jobs:1").v.startswith("NOPERM")
        assert c.cmd("AUTH", "adminpw").v == "OK"
        assert c.cmd("ACL", "WHOAMI").v == b"default"
        c.close()
    finally:
        s.stop()


def test_protected_mode_rule():
    from miniredis.acl import protected_refuses

    class Cfg(object):
        protected_mode = True

    with inprocess_server() as srv:
        assert not protected_refuses(srv, ("127.0.0.1", 1))
        assert not protected_refuses(srv, ("127.9.9.9", 1))
        assert not protected_refuses(srv, ("::1", 1, 0, 0))
        assert not protected_refuses(srv, "/tmp/redis.sock")
        assert protected_refuses(srv, ("10.1.2.3", 1))
        assert protected_refuses(srv, ("fd00::2", 1, 0, 0))
        srv.config.protected_mode = False
        assert not protected_refuses(srv, ("10.1.2.3", 1))
        srv.config.protected_mode = True
        srv.config.set_many([("requirepass", "pw")])
        assert not protected_refuses(srv, ("10.1.2.3", 1))


def test_genpass_and_cat():
    with inprocess_server() as srv:
        c = green_client(srv)
        assert len(c.cmd("ACL", "GENPASS").v) == 64
        assert len(c.cmd("ACL", "GENPASS", "5").v) == 2
        cats = c.cmd("ACL", "CAT").plain()
        assert len(cats) == 21 and cats[0] == b"keyspace"
        assert b"get" in c.cmd("ACL", "CAT", "string").plain()
        c.close()


def test_checks_for_exec_and_scripts():
    """The checks EXEC and redis.call use (their modules call them)."""
    from miniredis.registry import COMMANDS
    with inprocess_server() as srv:
        admin = green_client(srv)
        admin.cmd("ACL", "SETUSER", "u", "on", ">pw", "+@all", "-del", "~k*", "resetchannels")
        c = green_client(srv)
        c.cmd("AUTH", "u", "pw")
        c.cmd("CLIENT", "SETNAME", "probe")
        conn = [x for x in srv.clients.values() if x.name == b"probe"][0]
        acl = srv.dispatcher.acl
        get, dele, pub = COMMANDS["get"], COMMANDS["del"], COMMANDS["publish"]
        assert acl.exec_denied(conn, get, [b"GET", b"k1"]) is None
        assert acl.exec_denied(conn, dele, [b"DEL", b"k1"]) == (
            "NOPERM ACLs rules changed between the moment the transaction was accumulated and "
            "the EXEC call. This command is no longer allowed for the following reason: no "
            "permission to execute the command or subcommand")
        assert acl.script_denied(conn, get, [b"GET", b"x"]) == (
            "ERR The user executing the script can't access at least one of the keys mentioned "
            "in the command arguments")
        assert acl.script_denied(conn, pub, [b"PUBLISH", b"c", b"m"]) == (
            "ERR The user executing the script can't publish to the channel mentioned in the "
            "command")
        assert acl.allowed(conn, get, [b"GET", b"k1"])
        assert not acl.allowed(conn, get, [b"GET", b"x"])
        contexts = [e[b"context"] for e in
                    (dict(zip(x[::2], x[1::2])) for x in admin.cmd("ACL", "LOG").plain())]
        assert contexts == [b"lua", b"lua", b"multi"]
        admin.close()
        c.close()
