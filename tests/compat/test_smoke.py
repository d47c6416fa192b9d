def test_ping_and_set_get(compat):
    compat.same("PING")
    compat.same("SET", "k", "v")
    compat.same("GET", "k")
    compat.same("GET", "missing")
    compat.same_error("SET", "k", "v", "EX", "0")
    compat.same_error("GET")
    compat.same_error("NOSUCHCMD", "a", "b")
