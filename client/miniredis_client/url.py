"""Connection URLs -> ConnectionPool keyword arguments, as redis-py reads them.

Owns: ``redis://[[username]:[password]]@host[:port][/db][?option=value...]``
and ``unix://[[username]:[password]]@/path/to/socket[?db=N...]``; user name,
password and path are percent-decoded; a ``db`` query option wins over the
path. ``rediss://`` (TLS) is refused: the client does not speak TLS.
Must not touch: sockets.
"""

from urllib.parse import parse_qs, unquote, urlparse

from .exceptions import DataError

_FALSE = ("0", "F", "FALSE", "N", "NO")


def _bool(v):
    return v.upper() not in _FALSE


def _opt_float(v):
    return float(v)


# Query option -> converter (options redis-py knows and this client honours or accepts).
_OPTIONS = {
    "db": int,
    "socket_timeout": _opt_float,
    "socket_connect_timeout": _opt_float,
    "socket_keepalive": _bool,
    "retry_on_timeout": _bool,
    "max_connections": int,
    "health_check_interval": int,
    "decode_responses": _bool,
    "protocol": int,
    "client_name": str,
    "encoding": str,
    "encoding_errors": str,
    "typed_values": _bool,
    "typed": _bool,
}


def _query(query):
    out = {}
    for name, values in parse_qs(query).items():
        if not values or values[0] == "":
            continue
        conv = _OPTIONS.get(name)
        if conv is None:
            raise DataError("Unsupported URL option: %r" % name)
        try:
            out[name] = conv(values[0])
        except (TypeError, ValueError):
            raise DataError("Invalid value for %r in connection URL." % name)
    return out


def parse_url(url):
    """The pool keyword arguments a redis:// or unix:// URL describes."""
    if not url.lower().startswith(("redis://", "unix://")):
        raise DataError("Redis URL must specify one of the following schemes "
                        "(redis://, unix://)" if not url.lower().startswith("rediss://")
                        else "rediss:// (TLS) is not supported by the bundled client")
    u = urlparse(url)
    kwargs = {}
    if u.username:
        kwargs["username"] = unquote(u.username)
    if u.password:
        kwargs["password"] = unquote(u.password)
    if u.scheme == "unix":
        kwargs["unix_socket_path"] = unquote(u.path)
    else:
        if u.hostname:
            kwargs["host"] = unquote(u.hostname)
        if u.port:
            kwargs["port"] = u.port
        path = u.path.lstrip("/")
        if path:
            try:
                kwargs["db"] = int(unquote(path))
            except ValueError:
                raise DataError("Invalid database number in connection URL: %r" % path)
    kwargs.update(_query(u.query))
    return kwargs
