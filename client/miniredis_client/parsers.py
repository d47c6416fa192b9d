"""Replies -> Python values.

Owns: turning what the reader produced into the Pythonic results the
command methods promise (bool for OK/0/1 answers, dicts for INFO, CONFIG GET,
CLIENT LIST lines, ...). Every parser accepts both shapes a reply may take:
bytes or str (decode_responses), flat RESP2 arrays or RESP3 maps (dicts).
Must not touch: sockets, request encoding.
"""


def text(r):
    """bytes -> str (None stays None)."""
    if isinstance(r, bytes):
        return r.decode("utf-8", "replace")
    return r


def is_ok(r):
    return r == b"OK" or r == "OK"


def ok_or_false(r):
    """SET-style answer: +OK -> True, null -> False."""
    return r is not None and is_ok(r)


def true(r):
    """A status reply whose only meaning is success."""
    return True


def boolean(r):
    """An integer 0/1 (or RESP3 boolean) answer."""
    return bool(r)


def pong(r):
    return r == b"PONG" or r == "PONG"


def to_float(r):
    return None if r is None else float(r)


def to_int(r):
    return None if r is None else int(r)


def pairs(r):
    """A RESP3 map (already a dict) or a flat RESP2 array of key, value, ... -> dict."""
    if isinstance(r, dict):
        return r
    return dict(zip(r[0::2], r[1::2]))


def str_pairs(r):
    """pairs() with text keys and values (CONFIG GET)."""
    return {text(k): text(v) for k, v in pairs(r).items()}


def scan(r):
    return int(r[0]), r[1]


def time_pair(r):
    return int(r[0]), int(r[1])


# --- INFO --------------------------------------------------------------------

def _info_value(v):
    """A number when it reads as one; 'a=1,b=2' -> dict; 'a,b' -> list; else the text."""
    if "=" in v:
        out = {}
        for item in v.split(","):
            if not item:
                continue
            k, sep, x = item.rpartition("=")
            if sep:
                out[k] = _info_value(x)
            else:
                out[x] = True
        return out
    if "," in v:
        return [_info_value(x) for x in v.split(",") if x]
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


def info(r):
    """INFO text -> {field: value}, as redis-py parses it (sections are not kept)."""
    out = {}
    for line in text(r).splitlines():
        if not line or line.startswith("#"):
            continue
        key, sep, v = line.partition(":")
        if not sep:
            out.setdefault("__raw__", []).append(line)
        elif key == "module":
            out.setdefault("modules", []).append(_info_value(v))
        else:
            out[key] = _info_value(v)
    return out


# --- CLIENT LIST / INFO --------------------------------------------------------

def client_line(line):
    """'id=3 addr=... name=' -> {'id': '3', 'addr': ..., 'name': ''} (values stay text)."""
    out = {}
    for field in line.split(" "):
        k, sep, v = field.partition("=")
        if sep:
            out[k] = v
    return out


def client_info(r):
    return client_line(text(r).strip())


def client_list(r):
    return [client_line(line) for line in text(r).splitlines() if line]


# --- COMMAND INFO -----------------------------------------------------------------

def _command_entry(e):
    return {
        "name": text(e[0]),
        "arity": e[1],
        "flags": [text(f) for f in e[2]],
        "first_key_pos": e[3],
        "last_key_pos": e[4],
        "step_count": e[5],
        "acl_categories": [text(c) for c in e[6]] if len(e) > 6 else [],
        "tips": [text(t) for t in e[7]] if len(e) > 7 else [],
        "key_specifications": e[8] if len(e) > 8 else [],
        "subcommands": e[9] if len(e) > 9 else [],
    }


def command_info(r):
    """COMMAND INFO -> {name: {...}}; unknown names (null entries) are left out."""
    out = {}
    for e in r:
        if e is not None:
            entry = _command_entry(e)
            out[entry["name"]] = entry
    return out


def lcs(r):
    """LCS: a string, a length, or with IDX a dict {'matches': [...], 'len': n} with text keys."""
    if isinstance(r, (dict, list)):
        return {text(k): v for k, v in pairs(r).items()}
    return r
