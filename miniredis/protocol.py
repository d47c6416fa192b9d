"""RESP2/RESP3 codec: the request reader and the reply encoder.

Owns: bytes <-> values. Knows nothing of commands, connections or the
keyspace; imports only :mod:`miniredis.replies` and :mod:`miniredis.errors`
(for the protocol error texts). The bundled client uses this module too.

Reading requests
----------------
The common case -- a read holding whole multibulk requests made only of
bulk strings -- is parsed by ``hiredis.Reader`` (C). hiredis is more lenient
than Redis (it accepts ``+PING`` where Redis wants ``$``, leading zeros in
lengths, ...), so a batch is trusted only when the bytes it consumed equal
the canonical size of what it returned; anything else (inline commands,
requests split across reads, typed RESP3 values, malformed input) goes to a
small resumable Python parser that follows Redis' ``processMultibulkBuffer``
and ``processInlineBuffer`` to the letter, limits and error texts included.
The Python parser only looks at length headers until the announced bytes
have arrived, so nothing is allocated on the strength of a header alone.
"""

import itertools
import os
import re

import hiredis

from . import errors
from .compiled import speedups
from .replies import (
    Simple, Error, _NullType, NULL, NULL_ARRAY, Double, Bool, BigNumber,
    Verbatim, Map, Set, Push, Raw,
)

# Limits, as Redis' defaults.
PROTO_INLINE_MAX_SIZE = 64 * 1024
DEFAULT_MAX_BULK_LEN = 512 * 1024 * 1024
DEFAULT_QUERY_BUFFER_LIMIT = 1024 * 1024 * 1024
INT_MAX = 2 ** 31 - 1
MAX_TYPED_DEPTH = 128

_DIGITS = frozenset(b"0123456789")


class ProtocolError(Exception):
    """Raised inside the parser; ``message`` is the error text to send."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


class TypedArgs(list):
    """A request holding at least one RESP3 typed value (project extension).

    The dispatcher checks that typed values sit only where a command accepts them.
    """

    __slots__ = ()


def string2ll(b):
    """Strict integer parse as Redis' string2ll: no spaces, no '+', no leading zeros."""
    n = len(b)
    if n == 0 or n > 20:
        return None
    if n == 1:
        c = b[0]
        if 48 <= c <= 57:
            return c - 48
        return None
    neg = b[0] == 45  # '-'
    digits = b[1:] if neg else b
    if not digits or digits[0] == 48 or not all(c in _DIGITS for c in digits):
        return None
    v = int(digits)
    if neg:
        v = -v
    if v < -(2 ** 63) or v > 2 ** 63 - 1:
        return None
    return v


# --- inline requests ---------------------------------------------------------

_HEX = b"0123456789abcdefABCDEF"
_SPACE_SKIP = b" \n\r\t\v\f"
_UNQUOTED_END = b" \n\r\t\x00"
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t",
            ord("b"): b"\b", ord("a"): b"\a"}


def split_inline(line):
    """Split an inline command line like Redis' sdssplitargs; None on bad quoting."""
    if 0 in line:
        # sdssplitargs reads a C string: nothing after a NUL byte exists for it.
        line = line[:line.index(0)]
    if 34 not in line and 39 not in line and 0 not in line and 11 not in line and 12 not in line:
        return line.split()
    args = []
    p = 0
    n = len(line)
    while True:
        while p < n and line[p] in _SPACE_SKIP:
            p += 1
        if p >= n:
            return args
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if p >= n:
                    return None
                c = line[p]
                if (c == 92 and p + 3 < n and line[p + 1] == 120
                        and line[p + 2] in _HEX and line[p + 3] in _HEX):
                    cur.append(int(line[p + 2:p + 4], 16))
                    p += 3
                elif c == 92 and p + 1 < n:
                    p += 1
                    e = line[p]
                    cur += _ESCAPES.get(e, bytes((e,)))
                elif c == 34:
                    # A closing quote must be followed by a space or nothing.
                    if p + 1 < n and line[p + 1] not in _SPACE_SKIP:
                        return None
                    p += 1
                    break
                else:
                    cur.append(c)
            elif insq:
                if p >= n:
                    return None
                c = line[p]
                if c == 92 and p + 1 < n and line[p + 1] == 39:
                    p += 1
                    cur.append(39)
                elif c == 39:
                    if p + 1 < n and line[p + 1] not in _SPACE_SKIP:
                        return None
                    p += 1
                    break
                else:
                    cur.append(c)
            else:
                if p >= n:
                    break
                c = line[p]
                if c in _UNQUOTED_END:
                    p += 1
                    break
                elif c == 34:
                    inq = True
                elif c == 39:
                    insq = True
                else:
                    cur.append(c)
            p += 1
        args.append(bytes(cur))


# --- canonical size of a hiredis batch ----------------------------------------

# Overhead of one bulk argument of length n: "$<n>\r\n" + "\r\n".
# bytes, not lists: the same lookups in a sixteenth of the memory (0.5 MB).
_ARG_OVERHEAD = bytes(len(b"$%d\r\n\r\n" % n) for n in range(PROTO_INLINE_MAX_SIZE + 1))
_MB_OVERHEAD = bytes(len(b"*%d\r\n" % n) for n in range(4096))
_arg_overhead = _ARG_OVERHEAD.__getitem__
_mb_overhead = _MB_OVERHEAD.__getitem__
_join = b"".join
_chain = itertools.chain.from_iterable
_set = set
_LIST_ONLY = {list}
_list = list
# An aggregate header of 1000 elements or more ("*1000"): with every
# aggregate type byte read as '*' and every digit as '0', "*0000" anywhere
# (payload bytes may give a false alarm: the exact parser then decides).
_AGGREGATE_DIGITS = bytes.maketrans(b"*~%>|0123456789", b"*****0000000000")


_AGGREGATE_TYPES = b"*~%>|"
# Past this size a read is mostly payload (large values) or a long pipeline:
# headers start lines, so line starts are looked at one by one (memchr
# speed, payloads rarely hold line ends), and the whole-data translation is
# only paid when there are many of them.
_SCAN_BY_LINE = 4096
_SEARCH_STAR_FROM = 2048
_big_star = re.compile(rb"\*[0-9]{4}").search
_MAX_LINE_HITS = 32


def _big_count(data, p):
    count = data[p + 1:p + 5]
    return data[p] in _AGGREGATE_TYPES and len(count) == 4 and count.isdigit()


def _big_aggregate(data):
    # Many line ends at the start (a pipeline of small requests): the
    # translation at once; few (large values): line starts one by one.
    if len(data) > _SCAN_BY_LINE and data.count(10, 0, 512) <= 8:
        if _big_count(data, 0):
            return True
        p = data.find(10)
        for _ in range(_MAX_LINE_HITS):
            if p < 0 or p + 1 >= len(data):
                return False
            if _big_count(data, p + 1):
                return True
            p = data.find(10, p + 1)
    # A long pipeline: a search for '*' headers (C-speed, and '*' is rare in
    # payloads), the translation only if another aggregate type byte is
    # there at all. Below this size the translation alone costs less than
    # the extra calls.
    if len(data) >= _SEARCH_STAR_FROM:
        if _big_star(data) is not None:
            return True
        if not (b"~" in data or b"%" in data or b">" in data or b"|" in data):
            return False
    return data.translate(_AGGREGATE_DIGITS).find(b"*0000") >= 0


# A read this large whose first request has an argument this large goes to
# the Python parser at once: hiredis would be fed the value twice (its
# partial request cannot be resumed from here), the parser copies it once.
_BIG_READ = 16384
_BIG_BULK = 8192

# An argument this large that a read leaves unfinished is gathered read by
# read and joined once when whole (Redis' PROTO_MBULK_BIG_ARG): growing the
# parser's buffer with it would copy it on every read and once more at the end.
_BIG_ARG = 32 * 1024


def _starts_big_bulk(data):
    """True when one of the first request's first arguments announces _BIG_BULK bytes or more."""
    p = data.find(b"\n") + 1
    for _ in range(8):
        if p <= 0 or p >= len(data) or data[p] != 36:
            return False
        cr = data.find(b"\r", p, p + 22)
        if cr < 0:
            return False
        size = data[p + 1:cr]
        if not size.isdigit():
            return False
        size = int(size)
        if size >= _BIG_BULK:
            return True
        p = cr + 2 + size + 2
    return False


# The compiled reading of whole canonical requests (None: pure Python only).
_whole_requests = speedups.whole_requests if speedups is not None else None


# A request no client can send (random per process): see RequestReader._feed_fresh.
_SENTINEL_ARGS = [b"\x00" + os.urandom(16).hex().encode()]
_SENTINEL = b"*1\r\n$%d\r\n%b\r\n" % (len(_SENTINEL_ARGS[0]), _SENTINEL_ARGS[0])


def _drain(hr):
    """Every complete reply hiredis has, or None if the data broke its protocol."""
    reqs = []
    gets = hr.gets
    try:
        while True:
            r = gets()
            if r is False:
                return reqs
            reqs.append(r)
    except hiredis.ProtocolError:
        return None


def _plain(reqs, data):
    """True when hiredis read ``data`` as Redis would: whole lists of bulk strings only.

    hiredis is as strict as Redis about lengths; what it accepts beyond
    Redis is other element types. Canonical data has exactly one '*' per
    request and one '$' per argument, so counting them (C-speed) stands in
    for walking the headers: a simple string, big number or verbatim string
    lacks its '$', a nested aggregate adds a '*' (and null or numeric
    elements are not sized, so len() refuses them). A '*' or '$' inside a
    payload merely sends the batch to the exact, slower check. Only a
    request crafted so that payload bytes stand in for missing headers
    would pass; it then reads its own odd elements as bulk strings, which
    affects no one else.
    """
    if len(reqs) == 1:   # no pipeline: the request itself
        try:
            _join(reqs[0])
        except TypeError:
            return False
        return data.count(36) == len(reqs[0]) and data.count(42) == 1
    try:
        flat = _list(_chain(reqs))
        # Counts can be forged from payload bytes; types cannot: every
        # argument must really be bytes before a command sees it (join
        # refuses anything else).
        _join(flat)
    except TypeError:
        return False
    return data.count(36) == len(flat) and data.count(42) == len(reqs)


def _canonical_size(reqs):
    """Bytes the batch takes when written canonically, or -1 if it is not plain bulk strings.

    Written with C-level iteration only (map/chain/join): it runs once per read.
    """
    if _set(map(type, reqs)) != _LIST_ONLY:
        return -1
    try:
        flat = _list(_chain(reqs))
        # join raises TypeError unless every argument is bytes.
        return (len(_join(flat)) + sum(map(_mb_overhead, map(len, reqs)))
                + sum(map(_arg_overhead, map(len, flat))))
    except (TypeError, IndexError):
        return -1


# --- the request reader ---------------------------------------------------------

class RequestReader(object):
    """Turns bytes from one client into requests (lists of bytes).

    ``feed(data)`` returns ``(requests, error)``. ``error`` is None, or the
    text of a protocol error that ends the connection after the replies to
    ``requests`` (which precede it in the stream) are sent. ``error`` may
    also be ``CLOSE`` for a silent close (query buffer over its limit).
    """

    CLOSE = object()

    def __init__(self, max_bulk_len=DEFAULT_MAX_BULK_LEN,
                 query_buffer_limit=DEFAULT_QUERY_BUFFER_LIMIT):
        self.max_bulk_len = max_bulk_len
        self.query_buffer_limit = query_buffer_limit
        self.typed = False            # RESP3 connection: typed values accepted
        self.auth_required = False    # unauthenticated: Redis' small limits apply
        self._hr = hiredis.Reader()
        self._buf = bytearray()
        # Resumable state of the multibulk request at the start of _buf.
        self._args = None
        self._left = 0
        self._pos = 0
        self._is_typed = False
        # A large argument being gathered (see _BIG_ARG): its parts so far,
        # their size, and the bytes still to come, its closing CRLF included.
        self._big = None
        self._big_len = 0
        self._big_need = 0

    def pending(self):
        return len(self._buf) + self._big_len

    def feed(self, data):
        if not data:
            return [], None
        if self._buf or self._args is not None:
            if self._big is not None:
                return self._feed_big(data)
            buf = self._buf
            buf += data
            if len(buf) > self.query_buffer_limit:
                return [], self.CLOSE
            reqs = []
            err = self._parse(reqs, one=True)
            if err is not None or self._args is not None or not buf:
                return reqs, err
            if buf[0] != 42:
                err = self._parse(reqs, one=False)
                return reqs, err
            data = bytes(buf)
            self._buf = bytearray()
            more, err = self._feed_fresh(data)
            reqs.extend(more)
            return reqs, err
        return self._feed_fresh(data)

    def _feed_fresh(self, data):
        if _whole_requests is not None and not self.auth_required:
            # Compiled: whole canonical requests only, checked header by header
            # in C, need none of the checks below (what they guard against
            # cannot be in such data).
            reqs = _whole_requests(self._hr, data, self.max_bulk_len)
            if reqs is not None:
                return reqs, None
        # hiredis is only given plain multibulk data whose every aggregate
        # header announces fewer than 1000 elements: it allocates the list an
        # array header announces before the elements arrive, and freeing an
        # unfinished "*3000000000" takes seconds. Inline commands, the
        # unauthenticated limits and large counts are the Python parser's.
        # A read longer than proto-max-bulk-len (which is at least 1 MB) may
        # hold a whole argument over it, which hiredis would accept.
        # (_starts_big_bulk before _big_aggregate: it reads a few headers,
        # the other may scan the whole value.)
        if (data[0] != 42 or self.auth_required or len(data) > self.max_bulk_len
                or (len(data) > _BIG_READ and _starts_big_bulk(data)) or _big_aggregate(data)):
            return self._slow(data)
        hr = self._hr
        hr.feed(data)
        # hiredis cannot say whether it holds half a request (has_data() is
        # False once it has consumed the first elements), so a request only
        # this process can write follows the data: it comes back on its own
        # exactly when every byte of data made whole requests.
        hr.feed(_SENTINEL)
        reqs = []
        append = reqs.append
        gets = hr.gets
        try:
            r = gets()
            while r is not False:
                append(r)
                r = gets()
        except hiredis.ProtocolError:
            reqs = None
        if reqs and reqs.pop() == _SENTINEL_ARGS and _plain(reqs, data):
            if [] in reqs:   # Redis skips empty multibulks
                reqs = [r for r in reqs if r]
            return reqs, None
        # Not the common case: start hiredis afresh and let the Python parser
        # decide, from the first byte hiredis may have misread.
        hr = hiredis.Reader()
        hr.feed(data)
        reqs = _drain(hr)
        self._hr = hiredis.Reader()
        if reqs is None:
            return self._slow(data)
        n = _canonical_size(reqs)
        if 0 <= n < len(data) and data[n] == 42:
            # Whole canonical requests, then one split across reads.
            self._buf = bytearray(memoryview(data)[n:])
            if [] in reqs:
                reqs = [r for r in reqs if r]
            err = self._parse(reqs, one=True)
            # Python finding that request whole when hiredis did not would
            # mean they disagree about the bytes: then redo everything.
            if err is not None or self._args is not None or not self._buf:
                return reqs, err
        self._buf = bytearray()
        self._args = None
        return self._slow(data)

    def _slow(self, data):
        """The Python parser on a read that starts afresh (_buf is empty)."""
        if len(data) > self.query_buffer_limit:
            return [], self.CLOSE
        reqs = []
        # Parsed where it lies: only an unfinished tail is copied to _buf.
        start, err = self._parse_from(data, reqs, False)
        self._buf = bytearray(memoryview(data)[start:]) if start < len(data) else bytearray()
        return reqs, err

    def _feed_big(self, data):
        """The next read while a large argument is gathered."""
        need = self._big_need
        parts = self._big
        if len(data) < need:
            parts.append(data)
            self._big_need = need - len(data)
            self._big_len += len(data)
            if self._big_len > self.query_buffer_limit:
                return [], self.CLOSE
            return [], None
        # Whole: the value is the parts without the CRLF that closes it
        # (skipped unchecked, as Redis does); views, so the join is the one copy.
        if need >= 2:
            parts.append(memoryview(data)[:need - 2])
        else:   # its '\r' ended the previous read
            parts[-1] = memoryview(parts[-1])[:-1]
        value = b"".join(parts)
        self._big = None
        self._big_len = 0
        args = self._args
        args.append(value)
        self._left -= 1
        rest = data[need:]
        if self._left:
            # More arguments: the request goes on at the start of the buffer.
            self._buf = bytearray()
            self._pos = 0
            return self.feed(rest) if rest else ([], None)
        self._args = None
        reqs = [TypedArgs(args) if self._is_typed else args]
        if rest:
            more, err = self.feed(rest)
            reqs.extend(more)
            return reqs, err
        return reqs, None

    def _parse(self, out, one):
        """Parse requests from _buf into out; keep the incomplete tail. Returns an error or None."""
        buf = self._buf
        start, err = self._parse_from(buf, out, one)
        if start:
            del buf[:start]
            # Offsets of a resumed request are relative to the buffer start.
        return err

    def _parse_from(self, buf, out, one):
        """Parse requests from buf (bytes or bytearray) into out.

        Returns (end of what was consumed, error or None).
        """
        start = 0
        err = None
        try:
            while start < len(buf):
                if self._args is None and buf[start] != 42:
                    end, args = self._parse_inline(buf, start)
                else:
                    end, args = self._parse_multibulk(buf, start)
                if end < 0:
                    break
                start = end
                if args:
                    out.append(args)
                if one:
                    break
        except ProtocolError as e:
            err = e.message
            start = len(buf)
            self._args = None
        return start, err

    def _parse_inline(self, buf, start):
        nl = buf.find(b"\n", start)
        if nl < 0:
            if len(buf) - start > PROTO_INLINE_MAX_SIZE:
                raise ProtocolError(errors.PROTO_BIG_INLINE)
            return -1, None
        end = nl + 1
        if nl != start and buf[nl - 1] == 13:
            nl -= 1
        args = split_inline(bytes(buf[start:nl]))
        if args is None:
            raise ProtocolError(errors.PROTO_UNBALANCED_QUOTES)
        return end, args

    def _parse_multibulk(self, buf, start):
        n = len(buf)
        if self._args is None:
            cr = buf.find(b"\r", start)
            if cr < 0:
                if n - start > PROTO_INLINE_MAX_SIZE:
                    raise ProtocolError(errors.PROTO_BIG_MBULK_COUNT)
                return -1, None
            if cr > n - 2:
                return -1, None
            count = string2ll(bytes(buf[start + 1:cr]))
            if count is None or count > INT_MAX:
                raise ProtocolError(errors.PROTO_INVALID_MULTIBULK)
            if count > 10 and self.auth_required:
                raise ProtocolError(errors.PROTO_UNAUTH_MBULK)
            if count <= 0:
                return cr + 2, None
            self._args = []
            self._left = count
            self._pos = cr + 2 - start
            self._is_typed = False
        # Resume: offsets are kept relative to the request start, which is
        # always the start of _buf when a request is resumed.
        args = self._args
        p = start + self._pos
        while self._left:
            cr = buf.find(b"\r", p)
            if cr < 0:
                if n - p > PROTO_INLINE_MAX_SIZE:
                    raise ProtocolError(errors.PROTO_BIG_BULK_COUNT)
                break
            if cr > n - 2:
                break
            t = buf[p]
            if t != 36:  # '$'
                if not self.typed:
                    raise ProtocolError(errors.PROTO_EXPECTED_DOLLAR_FMT % chr(t))
                r = _parse_value(buf, p, 0)
                if r is None:
                    break
                value, p = r
                args.append(value)
                self._is_typed = True
                self._left -= 1
                continue
            ln = string2ll(bytes(buf[p + 1:cr]))
            if ln is None or ln < 0 or ln > self.max_bulk_len:
                raise ProtocolError(errors.PROTO_INVALID_BULK)
            if ln > 16384 and self.auth_required:
                raise ProtocolError(errors.PROTO_UNAUTH_BULK)
            body = cr + 2
            if n - body < ln + 2:
                if ln >= _BIG_ARG and n - body < ln:
                    return self._start_big(buf, body, ln)
                break
            if ln < 1024:
                args.append(bytes(buf[body:body + ln]))
            else:
                with memoryview(buf) as view:   # one copy of a large value, not two
                    args.append(bytes(view[body:body + ln]))
            # Like Redis, the two bytes after the payload are skipped unchecked.
            p = body + ln + 2
            self._left -= 1
        self._pos = p - start
        if self._left:
            return -1, None
        self._args = None
        if self._is_typed:
            args = TypedArgs(args)
        return p, args

    def _start_big(self, buf, body, ln):
        """Gather the large argument at body from here on (see _BIG_ARG); the
        buffer is consumed to its end."""
        n = len(buf)
        if isinstance(buf, bytes):
            part = memoryview(buf)[body:]      # immutable: kept without a copy
        else:
            with memoryview(buf) as view:      # the buffer is trimmed after this
                part = bytes(view[body:])
        self._big = [part]
        self._big_len = n - body
        self._big_need = ln + 2 - (n - body)
        self._pos = 0
        return n, None


def _read_line(buf, p):
    cr = buf.find(b"\r\n", p)
    if cr < 0:
        return None, p
    return bytes(buf[p + 1:cr]), cr + 2


def _parse_value(buf, p, depth):
    """Parse one RESP3 value at p for a typed request argument.

    Returns (value, next_pos), or None when more bytes are needed. Values are
    given in reply form: bytes, int, Double, Bool, NULL, BigNumber, list, Map, Set.
    """
    if depth > MAX_TYPED_DEPTH:
        raise ProtocolError(errors.TYPED_TOO_DEEP % MAX_TYPED_DEPTH)
    if p >= len(buf):
        return None
    t = buf[p]
    line, q = _read_line(buf, p)
    if line is None:
        if len(buf) - p > PROTO_INLINE_MAX_SIZE:
            raise ProtocolError(errors.PROTO_BIG_BULK_COUNT)
        return None
    if t == 36 or t == 61:  # '$' bulk, '=' verbatim
        ln = string2ll(line)
        if ln is None or ln < 0 or ln > DEFAULT_MAX_BULK_LEN:
            raise ProtocolError(errors.PROTO_INVALID_BULK)
        if len(buf) - q < ln + 2:
            return None
        data = bytes(buf[q:q + ln])
        if t == 61:
            data = data[4:]
        return data, q + ln + 2
    if t == 43:  # '+'
        return line, q
    if t == 58:  # ':'
        v = string2ll(line)
        if v is None:
            raise ProtocolError(errors.PROTO_INVALID_BULK)
        return v, q
    if t == 44:  # ','
        try:
            v = float(line)
        except ValueError:
            raise ProtocolError(errors.NOT_FLOAT)
        return Double(v), q
    if t == 35:  # '#'
        if line not in (b"t", b"f"):
            raise ProtocolError(errors.SYNTAX)
        return Bool(line == b"t"), q
    if t == 95:  # '_'
        return NULL, q
    if t == 40:  # '('
        if not line or string2ll(line.lstrip(b"-")[:1] or b"x") is None:
            raise ProtocolError(errors.PROTO_INVALID_BULK)
        return BigNumber(line), q
    if t in (42, 126, 37):  # '*', '~', '%'
        count = string2ll(line)
        if count is None or count < 0 or count > INT_MAX:
            raise ProtocolError(errors.PROTO_INVALID_MULTIBULK)
        items = []
        n = count * 2 if t == 37 else count
        for _ in range(n):
            r = _parse_value(buf, q, depth + 1)
            if r is None:
                return None
            v, q = r
            items.append(v)
        if t == 37:
            return Map(list(zip(items[0::2], items[1::2]))), q
        if t == 126:
            return Set(items), q
        return items, q
    raise ProtocolError(errors.PROTO_EXPECTED_DOLLAR_FMT % chr(t))


# --- reply encoding --------------------------------------------------------------

# "$<n>\r\n" for short bulk strings: extending the output with the cached
# header, the payload and CRLF is about twice as fast as formatting.
BULK_HEADERS = [b"$%d\r\n" % n for n in range(1024)]
CRLF = b"\r\n"


def _enc_bytes(r, proto, out):
    n = len(r)
    if n < 1024:
        out.extend((BULK_HEADERS[n], r, CRLF))
    else:
        out.append(b"$%d\r\n%b\r\n" % (n, r))


def _enc_int(r, proto, out):
    out.append(b":%d\r\n" % r)


def _enc_simple(r, proto, out):
    out.append(r.raw)


def _enc_error(r, proto, out):
    # surrogateescape gives back user bytes that were not UTF-8 (errors.sanitize).
    out.append(b"-%b\r\n" % r.message.encode("utf-8", "surrogateescape"))


def _enc_list(r, proto, out):
    out.append(b"*%d\r\n" % len(r))
    for x in r:
        # Bulk strings inline: a range reply is mostly them (LRANGE, ZRANGE ...).
        if type(x) is bytes:
            n = len(x)
            if n < 1024:
                out.extend((BULK_HEADERS[n], x, CRLF))
                continue
        _ENCODERS[type(x)](x, proto, out)


def _enc_null(r, proto, out):
    if proto == 3:
        out.append(b"_\r\n")
    elif r is NULL_ARRAY:
        out.append(b"*-1\r\n")
    else:
        out.append(b"$-1\r\n")


def format_double(v):
    """Redis 7.0's text for a double reply (``%.17g``; inf/-inf/nan spelled so)."""
    return b"%.17g" % v


def _enc_double(r, proto, out):
    s = b"%.17g" % r.value
    if proto == 3:
        out.append(b",%b\r\n" % s)
    else:
        out.append(b"$%d\r\n%b\r\n" % (len(s), s))


def _enc_bool(r, proto, out):
    if proto == 3:
        out.append(b"#t\r\n" if r.value else b"#f\r\n")
    else:
        out.append(b":1\r\n" if r.value else b":0\r\n")


def _enc_bignum(r, proto, out):
    if proto == 3:
        out.append(b"(%b\r\n" % r.text)
    else:
        out.append(b"$%d\r\n%b\r\n" % (len(r.text), r.text))


def _enc_verbatim(r, proto, out):
    if proto == 3:
        out.append(b"=%d\r\n%b:%b\r\n" % (len(r.data) + 4, r.fmt, r.data))
    else:
        out.append(b"$%d\r\n%b\r\n" % (len(r.data), r.data))


def _enc_map(r, proto, out):
    pairs = r.pairs
    if proto == 3:
        out.append(b"%%%d\r\n" % len(pairs))
    else:
        out.append(b"*%d\r\n" % (2 * len(pairs)))
    for k, v in pairs:
        _ENCODERS[type(k)](k, proto, out)
        _ENCODERS[type(v)](v, proto, out)


def _enc_set(r, proto, out):
    out.append((b"~%d\r\n" if proto == 3 else b"*%d\r\n") % len(r.items))
    for x in r.items:
        _ENCODERS[type(x)](x, proto, out)


def _enc_push(r, proto, out):
    out.append((b">%d\r\n" if proto == 3 else b"*%d\r\n") % len(r.items))
    for x in r.items:
        _ENCODERS[type(x)](x, proto, out)


def _enc_raw(r, proto, out):
    out.append(r.data)


_ENCODERS = {
    bytes: _enc_bytes,
    int: _enc_int,
    Simple: _enc_simple,
    Error: _enc_error,
    list: _enc_list,
    _NullType: _enc_null,
    Double: _enc_double,
    Bool: _enc_bool,
    BigNumber: _enc_bignum,
    Verbatim: _enc_verbatim,
    Map: _enc_map,
    Set: _enc_set,
    Push: _enc_push,
    Raw: _enc_raw,
}


def encode_into(reply, proto, out):
    """Append the encoding of ``reply`` for protocol ``proto`` (2 or 3) to list ``out``."""
    _ENCODERS[type(reply)](reply, proto, out)


def encode(reply, proto=2):
    out = []
    _ENCODERS[type(reply)](reply, proto, out)
    return b"".join(out)


# --- client side -------------------------------------------------------------------

def encode_request(args):
    """Encode a request of bulk-string arguments (bytes) as one multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if type(a) is bytes:
            out.append(b"$%d\r\n%b\r\n" % (len(a), a))
        else:
            # A typed RESP3 value given in reply form (project extension).
            _ENCODERS[type(a)](a, 3, out)
    return b"".join(out)


def reply_reader(reply_error_class, protocol_error_class, not_enough_data):
    """A hiredis reader for replies.

    Errors come back as instances of ``reply_error_class``; ``gets()``
    returns ``not_enough_data`` while a reply is incomplete (hiredis'
    default, False, is also RESP3's boolean false).
    """
    return hiredis.Reader(replyError=reply_error_class, protocolError=protocol_error_class,
                          notEnoughData=not_enough_data)
