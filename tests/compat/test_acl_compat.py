"""Differential tests of ACL users, rules, permissions and the ACL LOG (RESP2 and RESP3).

The servers are this module's own pair: users made here must not leak into the
session servers other tests share. Redis lists the single commands of a rule
text in its command table's hash order; the comparisons sort them.
"""

import os
import tempfile

import pytest

from support import RawClient, server_pair

@pytest.fixture(scope="module")
def pair():
    with server_pair() as p:
        yield p


class Acl(object):
    def __init__(self, pair, proto):
        self.proto = proto
        self.servers = pair
        self.m = RawClient(pair[0].port, proto)
        self.r = RawClient(pair[1].port, proto)
        self.extra = []
        self.reset()

    def reset(self):
        for c in (self.m, self.r):
            users = [u.v.decode() for u in c.cmd("ACL", "USERS").v]
            others = [u for u in users if u != "default"]
            if others:
                c.cmd("ACL", "DELUSER", *others)
            c.cmd("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
            c.cmd("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
            c.cmd("CONFIG", "SET", "requirepass", "")
            c.cmd("ACL", "LOG", "RESET")
            c.cmd("FLUSHALL")

    def both(self, *args):
        return self.m.cmd(*args), self.r.cmd(*args)

    def same(self, *args):
        m, r = self.both(*args)
        assert m == r, "%r: miniredis %r != redis %r (RESP%d)" % (args, m, r, self.proto)
        return m

    def same_error(self, *args):
        m = self.same(*args)
        assert m.t == "-", m
        return m

    def same_sorted(self, *args):
        m, r = self.both(*args)
        assert m.t == r.t and sorted(map(repr, m.v)) == sorted(map(repr, r.v)), (args, m, r)
        return m

    def same_list(self):
        m, r = self.both("ACL", "LIST")
        assert [norm(x.v) for x in m.v] == [norm(x.v) for x in r.v], (m, r)
        return [norm(x.v) for x in m.v]

    def same_getuser(self, name):
        m, r = self.both("ACL", "GETUSER", name)
        assert m.t == r.t, (m, r)
        if m.t in ("_", "$") and m.v is None:
            assert r.v is None
            return None
        assert len(m.v) == len(r.v)
        pairs, rpairs = items(m), items(r)
        for (mk, mv), (rk, rv) in zip(pairs, rpairs):
            assert mk == rk
            if mk.v == b"commands":
                assert norm(mv.v) == norm(rv.v), (mv, rv)
            else:
                assert mv == rv, (mk, mv, rv)
        return m

    def clients(self, user, password, proto=None):
        """(mini, redis) connections authenticated as user."""
        out = []
        for srv in self.servers:
            c = RawClient(srv.port, proto or self.proto)
            reply = c.cmd("AUTH", user, password)
            assert reply.v == "OK", reply
            out.append(c)
        self.extra.extend(out)
        return Pair(out, proto or self.proto)

    def close(self):
        self.reset()
        for c in [self.m, self.r] + self.extra:
            c.close()


class Pair(object):
    def __init__(self, conns, proto):
        self.m, self.r = conns
        self.proto = proto

    def same(self, *args):
        m, r = self.m.cmd(*args), self.r.cmd(*args)
        assert m == r, "%r: miniredis %r != redis %r (RESP%d)" % (args, m, r, self.proto)
        return m


def items(reply):
    """(key, value) pairs of a map reply (a flat array in RESP2)."""
    return list(zip(reply.v[::2], reply.v[1::2])) if reply.t == "*" else list(reply.v)


def norm(text):
    """A rule text with its single-command rules sorted (Redis emits them in hash order)."""
    if isinstance(text, bytes):
        text = text.decode()
    words = text.split()
    head = [w for w in words if not (w[:1] in "+-" and "@" not in w)]
    cmds = sorted(w for w in words if w[:1] in "+-" and "@" not in w)
    return " ".join(head + cmds)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def acl(request, pair):
    a = Acl(pair, request.param)
    yield a
    a.close()


RULE_SETS = [
    [],
    ["on"],
    ["on", ">p1", "~foo*", "%R~bar", "%W~baz", "&ch*", "+get", "+@string", "-set",
     "+config|get", "-@all", "+@list", "+incr", "-incr", "+@hash", "-hget", "allkeys"],
    ["reset"],
    ["on", "nopass", "+@all", "-@dangerous", "+flushdb", "-get", "+get", "~k*", "%R~r*",
     "%W~w*", "&c*"],
    ["~x", "allkeys", "&x", "allchannels"],
    [">a", ">b", "<a", "#" + "a" * 64, "!" + "a" * 64],
    [">a", "nopass"],
    ["nopass", "resetpass"],
    ["+@all", "-@read", "+get", "-config|set", "+client|list"],
    ["-@all", "+@read", "+@write", "-@keyspace", "+del"],
    ["+@all", "nocommands", "+ping"],
    ["allcommands", "-@slow"],
    ["+@fast", "+@pubsub", "-publish"],
    ["+config", "-config|get"],
    ["-@all", "+config|get", "+config|set", "+acl|whoami"],
    ["resetkeys", "%RW~k", "%WR~l", "%r~m", "%w~n", "~k"],
    ["skip-sanitize-payload"],
    ["sanitize-payload", "on", "off"],
    ["&a", "&b", "&a", "resetchannels", "&c"],
    ["+GET", "+Set", "+@STRING"],
    ["+@all", "-@all", "+@all"],
    ["", "on"],
    ["+select|0", "+select|1", "+get|X", "+select|0", "+SELECT|1"],
    ["+select|0", "+select"],
    ["+select|0", "-select"],
    ["+@all", "+select|0"],
    ["-@all", "+select|0", "+@connection"],
    ["+select|0", "-@all"],
    ["on", "nopass", "~a*", "+get", "(~b* +set)", "(%R~c* +@read &x)"],
    ["on", "(~b*", "+set", "&z)", "clearselectors", "(+ping)"],
    ["on", "+@geo", "+@stream", "+@hyperloglog", "+@bitmap", "+@scripting", "+@transaction",
     "+@connection", "+@blocking", "+@sortedset", "+@set", "-@dangerous"],
]


@pytest.mark.parametrize("rules", RULE_SETS, ids=range(len(RULE_SETS)))
def test_setuser_list_getuser(acl, rules):
    acl.same("ACL", "SETUSER", "u1", *rules)
    acl.same_list()
    acl.same_getuser("u1")
    # Applying the same rules again to an existing user.
    acl.same("ACL", "SETUSER", "u1", *rules)
    acl.same_list()


def test_default_user_and_users(acl):
    acl.same_list()
    acl.same_getuser("default")
    acl.same_getuser("nobody")
    acl.same("ACL", "SETUSER", "zed")
    acl.same("ACL", "SETUSER", "alice", "on")
    acl.same("ACL", "USERS")
    acl.same("ACL", "WHOAMI")
    acl.same("ACL", "DELUSER", "zed", "nobody", "zed")
    acl.same("ACL", "USERS")
    acl.same_error("ACL", "DELUSER", "alice", "default")
    acl.same("ACL", "USERS")


SETUSER_ERRORS = [
    ["foo"],
    ["+nosuch"],
    ["-@nosuch"],
    ["+config|nope"],
    ["+get|x|y"],
    ["allkeys", "~x"],
    ["~*", "%R~x"],
    ["allchannels", "&x"],
    ["&*", "&x"],
    ["#abc"],
    ["#" + "A" * 64],
    ["!" + "b" * 64],
    ["<nope"],
    ["%RR~x"],
    ["%X~x"],
    ["%~x"],
    ["on", ">ok", "bad", "+get"],
    ["+@"],
    ["(~b*"],
    ["(foo)"],
    ["(~b*", "+nosuch)"],
    ["+config|get|x"],
    ["-select|0"],
    ["+select|"],
    ["+nosuch|x"],
    ["+config|nosuch|x"],
]


@pytest.mark.parametrize("rules", SETUSER_ERRORS, ids=range(len(SETUSER_ERRORS)))
def test_setuser_errors(acl, rules):
    acl.same_error("ACL", "SETUSER", "e1", *rules)
    acl.same("ACL", "USERS")   # a failed SETUSER creates nothing
    acl.same("ACL", "SETUSER", "e2", "on", "+get")
    acl.same_error("ACL", "SETUSER", "e2", *rules)
    acl.same_list()             # ... and changes nothing


def test_setuser_bad_names_and_arity(acl):
    acl.same_error("ACL", "SETUSER", "a b")
    acl.same_error("ACL", "SETUSER")
    acl.same_error("ACL", "GETUSER")
    acl.same_error("ACL", "GETUSER", "a", "b")
    acl.same_error("ACL", "DELUSER")
    acl.same_error("ACL", "WHOAMI", "x")
    acl.same_error("ACL", "USERS", "x")
    acl.same_error("ACL", "LIST", "x")
    acl.same_error("ACL", "NOSUCH")
    acl.same_error("ACL")


def test_cat(acl):
    acl.same("ACL", "CAT")
    for cat in ("keyspace", "read", "write", "string", "list", "pubsub", "admin", "fast",
                "slow", "dangerous", "connection", "scripting", "blocking", "GEO"):
        acl.same_sorted("ACL", "CAT", cat)
    acl.same_error("ACL", "CAT", "nope")
    acl.same_error("ACL", "CAT", "a", "b")


def test_genpass(acl):
    for args in ([], ["1"], ["4"], ["5"], ["255"], ["4096"]):
        m, r = acl.both("ACL", "GENPASS", *args)
        assert m.t == r.t == "$" and len(m.v) == len(r.v), (args, m, r)
        int(m.v, 16)
    for bad in ("0", "-1", "4097", "x", "1.5"):
        acl.same_error("ACL", "GENPASS", bad)


def test_help(acl):
    acl.same("ACL", "HELP")
    acl.same_error("ACL", "HELP", "x")


def test_command_permissions(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "~*", "+@read", "-hgetall",
             "+config|get", "+client")
    c = acl.clients("u", "pw")
    c.same("SET", "k", "v")
    c.same("GET", "k")
    c.same("HGETALL", "k")
    c.same("CONFIG", "GET", "maxmemory")
    c.same("CONFIG", "SET", "maxmemory", "0")
    c.same("CLIENT", "GETNAME")
    c.same("ACL", "WHOAMI")
    c.same("PING")
    c.same("AUTH", "u", "pw")
    c.same("NOSUCHCMD")
    c.same("GET")
    c.same("MULTI")
    c.same("GET", "k")
    c.same("SET", "k", "v")
    c.same("EXEC")


def test_key_permissions(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "+@all", "~k*", "%R~r*", "%W~w*")
    acl.same("MSET", "r1", "a", "w1", "b", "k1", "c")
    c = acl.clients("u", "pw")
    for cmd in (["GET", "k1"], ["GET", "r1"], ["GET", "w1"], ["GET", "x"],
                ["SET", "k1", "v"], ["SET", "r1", "v"], ["SET", "w1", "v"],
                ["SET", "w1", "v", "GET"], ["APPEND", "r1", "x"], ["STRLEN", "w1"],
                ["MSET", "k1", "1", "w2", "2"], ["MSET", "k1", "1", "r2", "2"],
                ["MGET", "k1", "r1"], ["MGET", "k1", "w1"],
                ["LMOVE", "k1", "w1", "LEFT", "LEFT"], ["COPY", "r1", "w9"],
                ["COPY", "w1", "r9"], ["DEL", "k1", "w1"], ["DEL", "r1"],
                ["EXISTS", "w1"], ["EXISTS", "r1"], ["TYPE", "w1"],
                ["EVAL", "return 1", "1", "x"], ["EVAL", "return 1", "1", "k1"],
                ["SINTERCARD", "2", "k1", "x"], ["ZUNION", "2", "k1", "r1"],
                ["SORT", "k1", "STORE", "x"], ["SORT", "k1"],
                ["FLUSHDB"], ["DBSIZE"]):
        c.same(*cmd)
    assert sorted(c.m.cmd("KEYS", "*").v) == sorted(c.r.cmd("KEYS", "*").v)


def test_channel_permissions(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*", "resetchannels", "&news.*",
             "&exact")
    c = acl.clients("u", "pw")
    c.same("PUBLISH", "news.1", "x")
    c.same("PUBLISH", "other", "x")
    c.same("SPUBLISH", "other", "x")
    c.same("SPUBLISH", "exact", "x")
    c.same("SUBSCRIBE", "other")
    c.same("PSUBSCRIBE", "news.*x")
    c.same("SSUBSCRIBE", "other")
    c.same("SUBSCRIBE", "exact", "news.2")
    c.same("PSUBSCRIBE", "news.*")
    c.same("UNSUBSCRIBE", "nothing")


def test_auth_and_hello(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", ">pw2", "+@all", "~*")
    acl.same("ACL", "SETUSER", "off1", "off", ">pw", "+@all")
    acl.same("ACL", "SETUSER", "np", "on", "nopass", "+@all")
    acl.same_error("AUTH", "pw")            # the default user has nopass
    acl.same("AUTH", "u", "pw")
    acl.same("ACL", "WHOAMI")
    acl.same("AUTH", "u", "pw2")
    acl.same_error("AUTH", "u", "bad")
    acl.same("ACL", "WHOAMI")
    acl.same_error("AUTH", "off1", "pw")
    acl.same_error("AUTH", "ghost", "pw")
    acl.same("AUTH", "np", "anything")
    acl.same("ACL", "WHOAMI")
    acl.same_error("HELLO", "3", "AUTH", "u", "bad")
    m, r = acl.both("HELLO", str(acl.proto), "AUTH", "u", "pw")
    assert m.t == r.t
    acl.same("ACL", "WHOAMI")
    acl.same("RESET")
    acl.same("ACL", "WHOAMI")
    acl.same_error("AUTH", "a", "b", "c")


def test_requirepass_is_the_default_users_password(acl):
    acl.same("CONFIG", "SET", "requirepass", "s3cret")
    acl.same_list()
    for srv in acl.servers:
        c = RawClient(srv.port, acl.proto if acl.proto == 2 else 2)
        assert c.cmd("GET", "x").v.startswith("NOAUTH")
        assert c.cmd("AUTH", "wrong").v.startswith("WRONGPASS")
        assert c.cmd("AUTH", "s3cret").v == "OK"
        assert c.cmd("ACL", "WHOAMI").v == b"default"
        assert c.cmd("AUTH", "default", "s3cret").v == "OK"
        c.close()
    acl.same("ACL", "SETUSER", "default", ">other")
    acl.same_list()
    acl.same("CONFIG", "GET", "requirepass")
    acl.same("CONFIG", "SET", "requirepass", "")
    acl.same_list()


def test_disabled_default_user_needs_auth(acl):
    acl.same("ACL", "SETUSER", "admin", "on", ">pw", "+@all", "~*", "&*")
    acl.same("ACL", "SETUSER", "default", "off")
    for srv in acl.servers:
        c = RawClient(srv.port, 2)
        assert c.cmd("GET", "x").v.startswith("NOAUTH")
        assert c.cmd("AUTH", "admin", "pw").v == "OK"
        c.cmd("ACL", "SETUSER", "default", "on")
        c.close()


def _log_view(reply):
    """ACL LOG entries without the fields that differ legitimately (age, client-info)."""
    out = []
    for e in reply.v:
        pairs = items(e)
        d = [(k.v, v) for k, v in pairs if k.v not in (b"age-seconds", b"client-info")]
        types = [(k.v, v.t) for k, v in pairs]
        out.append((d, types))
    return out


def test_acl_log(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "+get", "+set", "+publish", "+multi",
             "+exec", "~k*", "&c*")
    c = acl.clients("u", "pw")
    for cmd in (["GET", "zz"], ["DEL", "k1"], ["PUBLISH", "zz", "1"], ["GET", "zz"],
                ["MULTI"], ["GET", "other"], ["DEL", "x"], ["EXEC"]):
        c.same(*cmd)
    acl.same_error("AUTH", "u", "nope")
    acl.same_error("AUTH", "ghost", "nope")
    acl.same_error("HELLO", "2", "AUTH", "u", "nope")
    m, r = acl.both("ACL", "LOG")
    assert _log_view(m) == _log_view(r)
    m, r = acl.both("ACL", "LOG", "2")
    assert _log_view(m) == _log_view(r)
    m, r = acl.both("ACL", "LOG", "-1")
    assert _log_view(m) == _log_view(r)
    acl.same("ACL", "LOG", "0")
    acl.same_error("ACL", "LOG", "x")
    acl.same_error("ACL", "LOG", "1", "2")
    acl.same("ACL", "LOG", "RESET")
    acl.same("ACL", "LOG")


def test_dryrun(acl):
    acl.same("ACL", "SETUSER", "u", "on", "nopass", "+get", "+set", "+publish", "~k*", "&c*",
             "+config|get")
    acl.same("ACL", "DRYRUN", "u", "get", "k1")
    acl.same("ACL", "DRYRUN", "u", "get", "zz")
    acl.same("ACL", "DRYRUN", "u", "del", "k1")
    acl.same("ACL", "DRYRUN", "u", "publish", "zz", "x")
    acl.same("ACL", "DRYRUN", "u", "publish", "c1", "x")
    acl.same("ACL", "DRYRUN", "u", "config", "get", "x")
    acl.same("ACL", "DRYRUN", "u", "config", "set", "x", "y")
    acl.same("ACL", "DRYRUN", "u", "PING")
    acl.same_error("ACL", "DRYRUN", "nobody", "get", "x")
    acl.same_error("ACL", "DRYRUN", "u", "nocmd")
    acl.same_error("ACL", "DRYRUN", "u", "get")
    acl.same_error("ACL", "DRYRUN", "u", "get", "a", "b")
    acl.same_error("ACL", "DRYRUN", "u")
    acl.same("ACL", "LOG")   # dry runs are not logged


def test_deluser_closes_its_clients(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*")
    c = acl.clients("u", "pw")
    acl.same("ACL", "DELUSER", "u")
    for conn in (c.m, c.r):
        data, closed = conn.read_until_closed(timeout=5)
        assert closed and data == b""


def test_first_args(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "+select|0", "+get|Ab", "~k*")
    c = acl.clients("u", "pw")
    for cmd in (["SELECT", "0"], ["SELECT", "1"], ["GET", "ab"], ["GET", "AB"], ["GET", "k"],
                ["PING"]):
        c.same(*cmd)
    acl.same("ACL", "DRYRUN", "u", "select", "1")
    acl.same("ACL", "DRYRUN", "u", "select", "0")


def test_selectors(acl):
    acl.same("ACL", "SETUSER", "u", "on", ">pw", "~a*", "+get", "(~b* +set)", "(%R~c* +@read &x)")
    acl.same("MSET", "a1", "1", "b1", "2", "c1", "3")
    c = acl.clients("u", "pw")
    for cmd in (["GET", "a1"], ["GET", "b1"], ["GET", "c1"], ["SET", "b1", "x"], ["SET", "a1", "x"],
                ["SET", "c1", "x"], ["STRLEN", "c1"], ["STRLEN", "a1"], ["PUBLISH", "x", "1"],
                ["SUBSCRIBE", "x"]):
        c.same(*cmd)
    acl.same("ACL", "DRYRUN", "u", "set", "c1", "x")
    acl.same("ACL", "DRYRUN", "u", "strlen", "b1")


def test_save_and_load_need_an_aclfile(acl):
    acl.same_error("ACL", "SAVE")
    acl.same_error("ACL", "LOAD")


ACLFILE_CASES = [
    "user bob on >x ~* +@all\n",
    "user bob on >x ~* +@all\n\nuser al on #" + "c" * 64 + " %R~x &y -@all +get\n",
    "user bob on >x ~* +@all\nuser foo on bar\nfoo\n",
    "user bob on >x ~* +@all\nuser bob on\n",
    "user bob on\n# comment\n",
    "user default on nopass ~* &* +@all -flushall\nuser x\n",
    "",
]


def test_aclfile_load_and_save():
    tmp = tempfile.mkdtemp()
    paths = [os.path.join(tmp, "m.acl"), os.path.join(tmp, "r.acl")]
    for p in paths:
        with open(p, "w") as f:
            f.write("user start on nopass ~* +@read\n")
    mini = ref = None
    from support import start_miniredis, start_redis
    try:
        mini = start_miniredis("--aclfile", paths[0])
        ref = start_redis("--aclfile", paths[1])
        m, r = RawClient(mini.port), RawClient(ref.port)

        def same(*args):
            a, b = m.cmd(*args), r.cmd(*args)
            assert a == b, (args, a, b)
            return a
        same("ACL", "LIST")
        for text in ACLFILE_CASES:
            for p in paths:
                with open(p, "w") as f:
                    f.write(text)
            a, b = m.cmd("ACL", "LOAD"), r.cmd("ACL", "LOAD")
            if a.t == "-":
                assert b.t == "-" and a.v.replace(paths[0], "P") == b.v.replace(paths[1], "P")
            else:
                assert a == b, (text, a, b)
            la, lb = m.cmd("ACL", "LIST"), r.cmd("ACL", "LIST")
            assert [norm(x.v) for x in la.v] == [norm(x.v) for x in lb.v], (text, la, lb)
        same("ACL", "SETUSER", "new", "on", ">pw", "%R~x", "&y", "+get")
        same("ACL", "SAVE")
        texts = []
        for p in paths:
            with open(p) as f:
                texts.append([norm(line) for line in f.read().splitlines()])
        assert texts[0] == texts[1]
        m.close()
        r.close()
    finally:
        for s in (mini, ref):
            if s is not None:
                s.stop()


def test_user_directives():
    args = ("--user", "bob", "on", ">pw", "~k*", "+get",
            "--user", "default", "on", "nopass", "~*", "&*", "+@all", "-debug")
    with server_pair(*args) as (mini, ref):
        m, r = RawClient(mini.port), RawClient(ref.port)
        a, b = m.cmd("ACL", "LIST"), r.cmd("ACL", "LIST")
        assert [norm(x.v) for x in a.v] == [norm(x.v) for x in b.v]
        for c in (m, r):
            assert c.cmd("AUTH", "bob", "pw").v == "OK"
        for cmd in (["GET", "k1"], ["GET", "x"], ["SET", "k", "v"]):
            assert m.cmd(*cmd) == r.cmd(*cmd), cmd
        m.close()
        r.close()


def _public_ip():
    """An address of this host that is not loopback, or None."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))   # no packet is sent: this only picks a route
        ip = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if ip.startswith("127.") else ip


@pytest.mark.parametrize("extra", [[], ["--requirepass", "pw"], ["--protected-mode", "no"]],
                         ids=["nopass", "password", "off"])
def test_protected_mode(extra):
    import socket
    ip = _public_ip()
    if ip is None:
        pytest.skip("no non-loopback address to connect from")
    with server_pair("--bind", "0.0.0.0", *extra) as servers:
        seen = []
        for srv in servers:
            c = RawClient(srv.port)   # over loopback: always accepted
            assert c.cmd("PING").t in "+-"
            c.close()
            sock = socket.create_connection((ip, srv.port), timeout=5)
            sock.sendall(b"PING\r\n")
            sock.settimeout(5)
            data = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not chunk:
                    break
                data += chunk
                if data.endswith(b"\r\n") and not data.startswith(b"-DENIED"):
                    break
            sock.close()
            seen.append(data)
        assert seen[0] == seen[1], seen
        assert seen[0].startswith(b"-DENIED" if not extra else b"-NOAUTH" if extra[1] == "pw"
                                  else b"+PONG"), seen


def test_exec_checks_again_and_scripts_are_checked(acl):
    acl.same("ACL", "SETUSER", "u", "on", "nopass", "~*", "&*", "+@all", "-del")
    users = [RawClient(s.port, acl.proto) for s in acl.servers]
    try:
        def both(*args):
            m, r = (c.cmd(*args) for c in users)
            assert m == r, "%r: miniredis %r != redis %r" % (args, m, r)
            return m
        both("AUTH", "u", "x")
        both("MULTI")
        both("SET", "k", "v")
        both("GET", "k")
        acl.same("ACL", "SETUSER", "u", "-set")   # rules change while the queue waits
        both("EXEC")
        both("EVAL", "return redis.call('del', 'k')", "0")
        both("EVAL", "return redis.pcall('set', 'k', 'w')", "0")
        both("EVAL", "return redis.acl_check_cmd('del', 'k')", "0")
        both("EVAL", "return redis.acl_check_cmd('get', 'k')", "0")
        acl.same("ACL", "LOG", "RESET")
    finally:
        for c in users:
            c.close()


def test_rule_order_for_a_subscribed_restricted_client_at_the_memory_limit(pair):
    # Redis' processCommand order: ACL, then OOM, then the subscribed-mode rule.
    def run(port):
        c, sub = RawClient(port, 2), RawClient(port, 2)
        try:
            c.cmd("SET", "fill", "x" * 100)
            c.cmd("ACL", "SETUSER", "u", "on", "nopass", "+@all", "-get", "~*", "&*")
            out = [sub.cmd("AUTH", "u", "x"), sub.cmd("SUBSCRIBE", "ch"),
                   c.cmd("CONFIG", "SET", "maxmemory", "1")]
            out += [sub.cmd("GET", "k"), sub.cmd("SET", "k", "v"), sub.cmd("TYPE", "k")]
            return out
        finally:
            c.cmd("CONFIG", "SET", "maxmemory", "0")
            c.cmd("ACL", "DELUSER", "u")
            c.cmd("FLUSHALL")
            c.close()
            sub.close()
    m, r = (run(s.port) for s in pair)
    assert m == r, "%r\n!= %r" % (m, r)
    assert [x.v.split()[0] for x in m[3:]] == ["NOPERM", "OOM", "ERR"]
