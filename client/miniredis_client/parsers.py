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


# --- container types (lists, hashes, sets, sorted sets) --------------------------
# redis-py's default (RESP2-style) shapes, whatever the protocol: RESP3 sets
# arrive as lists, maps as dicts, doubles as floats and WITHSCORES replies as
# nested [member, score] pairs; RESP2 sends flat arrays and scores as text.

def tuple_or_none(r):
    """BLPOP/BRPOP: (key, element), or None on timeout."""
    return tuple(r) if r else None


def bzpop(r):
    """BZPOPMIN/BZPOPMAX: (key, member, float score), or None on timeout."""
    return (r[0], r[1], float(r[2])) if r else None


def as_set(r):
    return set(r) if r else set()


def booleans(r):
    return [bool(x) for x in r]


def floats(r):
    """ZMSCORE: a float or None each."""
    return [None if x is None else float(x) for x in r]


def flat_pairs(r):
    """HRANDFIELD WITHVALUES: nested [field, value] pairs (RESP3) -> flat, as RESP2."""
    if not r or not isinstance(r[0], list):
        return r
    return [x for pair in r for x in pair]


def hscan(r):
    """HSCAN: (cursor, {field: value})."""
    return int(r[0]), pairs(r[1])


def score_text(score, like):
    """A score as RESP2 writes it (Redis 7.0: '%.17g'), bytes or str like ``like``."""
    if isinstance(score, (bytes, str)):
        return score
    t = format(score, ".17g")
    return t if isinstance(like, str) else t.encode()


def _score_pairs(r):
    """(member, score) of a WITHSCORES reply: nested pairs (RESP3) or flat (RESP2)."""
    if isinstance(r[0], list):
        return [(p[0], p[1]) for p in r]
    it = iter(r)
    return list(zip(it, it))


def _caster(func):
    """score -> func(score). A func other than float gets the score's RESP2 text, as
    in redis-py (so int works on b'3'), falling back to func(float(text))."""
    if func is float:
        return lambda score, member: float(score)

    def cast(score, member):
        text = score_text(score, member)
        try:
            return func(text)
        except (ValueError, TypeError):
            return func(float(text))
    return cast


def scored(score_cast_func=float):
    """A parser of WITHSCORES replies -> [(member, score), ...] (empty as is)."""
    cast = _caster(score_cast_func)

    def parse(r):
        if not r:
            return r
        return [(m, cast(s, m)) for m, s in _score_pairs(r)]
    return parse


def flat_scored(r):
    """ZDIFF/ZRANDMEMBER WITHSCORES: redis-py leaves them flat with text scores."""
    if not r or not isinstance(r[0], list):
        return r
    out = []
    for m, s in r:
        out += [m, score_text(s, m)]
    return out


def zmpop(r):
    """ZMPOP/BZMPOP: [key, [[member, score text], ...]] (redis-py's raw RESP2), or None."""
    if not r:
        return r
    return [r[0], [[m, score_text(s, m)] for m, s in r[1]]]


def zscan(score_cast_func=float):
    to_pairs = scored(score_cast_func)

    def parse(r):
        return int(r[0]), to_pairs(r[1]) or []
    return parse


def rank_with_score(score_cast_func=float):
    """ZRANK ... WITHSCORE (Redis 7.2+): [rank, score], or None."""
    cast = _caster(score_cast_func)

    def parse(r):
        return r if not r else [r[0], cast(r[1], b"")]
    return parse


def groups(n):
    """SORT with n GET patterns: the flat reply as n-tuples."""
    def parse(r):
        if not r:
            return r
        return list(zip(*[r[i::n] for i in range(n)]))
    return parse
