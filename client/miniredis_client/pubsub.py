"""Publish/subscribe: the PubSub object and its worker thread, as redis-py has them.

Owns: one dedicated connection per PubSub (borrowed from the client's pool
at the first subscribe, closed by ``close()``), the channels and patterns
subscribed with their handlers, turning what the server pushes into
redis-py's message dicts ``{'type', 'pattern', 'channel', 'data'}``, and
re-subscribing after a lost connection.
Must not touch: the wire format or other commands' meanings.

Works in both protocols: RESP2 subscription replies are plain arrays, RESP3
ones push messages (``>``) -- the same content, so one parser serves both.
A PING answered while subscribed is ``['pong', data]`` in RESP2 and a plain
``PONG``/bulk reply in RESP3; both become a ``{'type': 'pong', ...}`` message.
"""

import threading

from miniredis import protocol

from .connection import NOTHING
from .encoding import arg
from .exceptions import ConnectionError, PubSubError, TimeoutError, is_error

_PUBLISH_TYPES = ("message", "pmessage", "smessage")
_UNSUBSCRIBE_TYPES = ("unsubscribe", "punsubscribe", "sunsubscribe")


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


class PubSub(object):
    """Subscriptions on one connection; read them with get_message(), listen() or a thread."""

    def __init__(self, connection_pool, ignore_subscribe_messages=False):
        self.connection_pool = connection_pool
        self.ignore_subscribe_messages = ignore_subscribe_messages
        self.connection = None
        self.subscribed_event = threading.Event()
        self._lock = threading.Lock()   # one writer at a time (a thread may be reading)
        self._clear()

    def _clear(self):
        self.channels = {}
        self.patterns = {}
        self.shard_channels = {}
        self.pending_unsubscribe_channels = set()
        self.pending_unsubscribe_patterns = set()
        self.pending_unsubscribe_shard_channels = set()
        self.subscribed_event.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.reset()

    def __del__(self):
        # A forgotten PubSub must not keep its pool slot for ever.
        try:
            self.reset()
        except Exception:
            pass

    def reset(self):
        """Drop the connection (which ends every subscription) and forget them."""
        conn, self.connection = self.connection, None
        if conn is not None:
            conn.disconnect()
            self.connection_pool.release(conn)
        self._clear()

    close = reset

    @property
    def subscribed(self):
        return self.subscribed_event.is_set()

    # --- sending ------------------------------------------------------------------------
    def _connect(self):
        conn = self.connection_pool.get_connection()
        try:
            conn.prepare()
        except BaseException:
            self.connection_pool.release(conn)
            raise
        # Whatever happens to it, this socket is never lent again as it is.
        conn.dirty = True
        self.connection = conn
        return conn

    def execute_command(self, *args):
        """Send a command on the subscription connection; its reply comes as a message."""
        argv = [arg(a) for a in args]
        with self._lock:
            conn = self.connection or self._connect()
            try:
                if conn.sock is None:
                    raise ConnectionError("Connection closed.")
                conn.send(protocol.encode_request(argv))
            except (ConnectionError, TimeoutError):
                self._reconnect()
                self.connection.send(protocol.encode_request(argv))

    def _reconnect(self):
        """A fresh connection with every current subscription sent again."""
        conn = self.connection
        if conn is not None:
            conn.disconnect()
            conn.prepare()
        else:
            conn = self._connect()
        conn.dirty = True
        for cmd, subs in ((b"SUBSCRIBE", self.channels), (b"PSUBSCRIBE", self.patterns),
                          (b"SSUBSCRIBE", self.shard_channels)):
            if subs:
                conn.send(protocol.encode_request([cmd] + [arg(k) for k in subs]))

    def _key(self, name):
        """A channel or pattern as the server's messages name it (bytes; str when decoding)."""
        b = arg(name)
        pool = self.connection_pool
        return b.decode(pool.encoding) if pool.decode_responses else b

    def _subscribe(self, cmd, table, pending, args, kwargs):
        new = dict.fromkeys(args)
        new.update(kwargs)
        new = {self._key(k): h for k, h in new.items()}
        if not new:
            raise PubSubError("%s needs at least one name" % cmd.decode().lower())
        self.execute_command(cmd, *new)
        table.update(new)
        pending.difference_update(new)
        self.subscribed_event.set()

    def _unsubscribe(self, cmd, table, pending, args):
        names = [self._key(a) for a in args] or list(table)
        self.execute_command(cmd, *args)
        pending.update(names)

    def subscribe(self, *args, **kwargs):
        """SUBSCRIBE channels; keyword arguments name channels with a handler."""
        self._subscribe(b"SUBSCRIBE", self.channels, self.pending_unsubscribe_channels,
                        args, kwargs)

    def psubscribe(self, *args, **kwargs):
        """PSUBSCRIBE patterns; keyword arguments name patterns with a handler."""
        self._subscribe(b"PSUBSCRIBE", self.patterns, self.pending_unsubscribe_patterns,
                        args, kwargs)

    def ssubscribe(self, *args, **kwargs):
        self._subscribe(b"SSUBSCRIBE", self.shard_channels,
                        self.pending_unsubscribe_shard_channels, args, kwargs)

    def unsubscribe(self, *args):
        """UNSUBSCRIBE the channels (all when none are named)."""
        self._unsubscribe(b"UNSUBSCRIBE", self.channels, self.pending_unsubscribe_channels, args)

    def punsubscribe(self, *args):
        self._unsubscribe(b"PUNSUBSCRIBE", self.patterns, self.pending_unsubscribe_patterns, args)

    def sunsubscribe(self, *args):
        self._unsubscribe(b"SUNSUBSCRIBE", self.shard_channels,
                          self.pending_unsubscribe_shard_channels, args)

    def ping(self, message=None):
        """PING through the subscription connection; the answer arrives as a 'pong' message."""
        self.execute_command(*([b"PING"] if message is None else [b"PING", message]))

    # --- receiving ------------------------------------------------------------------------
    def parse_response(self, block=True, timeout=0.0):
        """The next raw reply: waiting for ever when ``block``, else up to ``timeout``
        seconds (None if nothing came)."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("pubsub connection not set: "
                               "did you forget to call subscribe() or psubscribe()?")
        try:
            if conn.sock is None:
                raise ConnectionError("Connection closed.")
            reply = conn.read_within(None if block else timeout)
        except (ConnectionError, TimeoutError):
            if self.connection is not conn:
                raise       # closed by reset() from another thread
            with self._lock:
                self._reconnect()
            return None
        if reply is NOTHING:
            return None
        if is_error(reply):
            raise reply
        return reply

    def get_message(self, ignore_subscribe_messages=False, timeout=0.0):
        """The next message dict, or None when none arrives within ``timeout`` seconds
        (None: wait for ever). Messages of channels with a handler go to it (None here)."""
        if not self.subscribed:
            if not self.subscribed_event.wait(timeout):
                return None
        response = self.parse_response(block=timeout is None, timeout=timeout)
        if response is None:
            return None
        return self.handle_message(response, ignore_subscribe_messages)

    def listen(self):
        """Every message, blocking, for as long as something is subscribed."""
        while self.subscribed:
            message = self.parse_response(block=True)
            if message is not None:
                message = self.handle_message(message)
                if message is not None:
                    yield message

    def handle_message(self, response, ignore_subscribe_messages=False):
        """A raw reply -> a message dict (or None when a handler took it or it is ignored)."""
        message = _message(response)
        kind = message["type"]
        if kind in _UNSUBSCRIBE_TYPES:
            self._forget(kind, message["channel"])
        if kind in _PUBLISH_TYPES:
            if kind == "pmessage":
                handler = self.patterns.get(message["pattern"])
            elif kind == "smessage":
                handler = self.shard_channels.get(message["channel"])
            else:
                handler = self.channels.get(message["channel"])
            if handler is not None:
                handler(message)
                return None
        elif kind != "pong" and (ignore_subscribe_messages or self.ignore_subscribe_messages):
            return None
        return message

    def _forget(self, kind, name):
        table, pending = {
            "unsubscribe": (self.channels, self.pending_unsubscribe_channels),
            "punsubscribe": (self.patterns, self.pending_unsubscribe_patterns),
            "sunsubscribe": (self.shard_channels, self.pending_unsubscribe_shard_channels),
        }[kind]
        if name in pending:
            pending.discard(name)
            table.pop(name, None)
        if not (self.channels or self.patterns or self.shard_channels):
            self.subscribed_event.clear()

    def run_in_thread(self, sleep_time=0.0, daemon=False, exception_handler=None):
        """Start a thread calling get_message() (handlers only); stop it with ``.stop()``."""
        for table in (self.channels, self.patterns, self.shard_channels):
            for name, handler in table.items():
                if handler is None:
                    raise PubSubError("Channel: '%s' has no handler registered" % _text(name))
        thread = PubSubWorkerThread(self, sleep_time, daemon=daemon,
                                    exception_handler=exception_handler)
        thread.start()
        return thread


def _message(response):
    """redis-py's message dict for a subscription reply, a push, or a PING answer."""
    if isinstance(response, bytes):
        data = b"" if response == b"PONG" else response
        return {"type": "pong", "pattern": None, "channel": None, "data": data}
    if isinstance(response, str):
        data = "" if response == "PONG" else response
        return {"type": "pong", "pattern": None, "channel": None, "data": data}
    if not isinstance(response, list) or not response:
        raise PubSubError("unexpected reply on a subscription connection: %r" % (response,))
    kind = _text(response[0])
    if kind == "pmessage":
        return {"type": kind, "pattern": response[1], "channel": response[2],
                "data": response[3]}
    if kind == "pong":
        return {"type": kind, "pattern": None, "channel": None, "data": response[1]}
    rest = list(response[1:3]) + [None] * (3 - len(response))
    return {"type": kind, "pattern": None, "channel": rest[0], "data": rest[1]}


class PubSubWorkerThread(threading.Thread):
    """Runs a PubSub's handlers until stop(); then closes the PubSub."""

    def __init__(self, pubsub, sleep_time, daemon=False, exception_handler=None):
        super().__init__()
        self.daemon = daemon
        self.pubsub = pubsub
        self.sleep_time = sleep_time
        self.exception_handler = exception_handler
        self._running = threading.Event()

    def run(self):
        if self._running.is_set():
            return
        self._running.set()
        pubsub = self.pubsub
        while self._running.is_set():
            try:
                pubsub.get_message(ignore_subscribe_messages=True, timeout=self.sleep_time)
            except BaseException as e:
                if self.exception_handler is None:
                    raise
                self.exception_handler(e, pubsub, self)
        pubsub.close()

    def stop(self):
        """Ask the loop to end (within one ``sleep_time``); the thread closes the PubSub."""
        self._running.clear()
