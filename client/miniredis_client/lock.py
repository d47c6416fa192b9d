"""A distributed lock on one key, with redis-py's Lock interface.

Owns: acquiring (``SET name token NX PX timeout``, retried every ``sleep``
seconds until ``blocking_timeout``), and releasing, extending and
re-acquiring through Lua scripts that first compare the stored token with
ours, so a client whose lock expired and was taken by someone else can never
delete or prolong the new owner's lock. The token is kept per thread
(``thread_local=True``, the default) or shared by the Lock object.
Must not touch: anything but the lock's key.
"""

import threading
import time
import uuid

from .exceptions import LockError, LockNotOwnedError

# KEYS[1] = lock name, ARGV[1] = our token.
_RELEASE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return 0
end
redis.call('del', KEYS[1])
return 1
"""

# ARGV[2] = milliseconds, ARGV[3] = '1' to replace the TTL, '0' to add to it.
# A key without a TTL (pttl < 0) is not ours to give one.
_EXTEND = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return 0
end
local ttl = redis.call('pttl', KEYS[1])
if ttl < 0 then
    return 0
end
local ms = tonumber(ARGV[2])
if ARGV[3] == '0' then
    ms = ms + ttl
end
redis.call('pexpire', KEYS[1], ms)
return 1
"""

# ARGV[2] = milliseconds: the lock's full timeout again.
_REACQUIRE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
    return 0
end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
"""


class _Shared(object):
    """Token storage shared by every thread (thread_local=False)."""
    token = None


def _as_bytes(token):
    return token.encode() if isinstance(token, str) else token


class Lock(object):
    """A lock named ``name``; ``timeout`` (seconds, float allowed) makes it expire."""

    def __init__(self, redis, name, timeout=None, sleep=0.1, blocking=True,
                 blocking_timeout=None, thread_local=True, raise_on_release_error=True):
        self.redis = redis
        self.name = name
        self.timeout = timeout
        self.sleep = sleep
        self.blocking = blocking
        self.blocking_timeout = blocking_timeout
        self.thread_local = bool(thread_local)
        self.raise_on_release_error = raise_on_release_error
        self.local = threading.local() if self.thread_local else _Shared()
        self.local.token = None
        scripts = getattr(redis, "_lock_scripts", None)
        if scripts is None:
            scripts = tuple(redis.register_script(s) for s in (_RELEASE, _EXTEND, _REACQUIRE))
            try:
                redis._lock_scripts = scripts
            except AttributeError:
                pass
        self.lua_release, self.lua_extend, self.lua_reacquire = scripts

    def __enter__(self):
        if self.acquire():
            return self
        raise LockError("Unable to acquire lock within the time specified", lock_name=self.name)

    def __exit__(self, *exc):
        self.release()

    @property
    def _token(self):
        return getattr(self.local, "token", None)

    def acquire(self, sleep=None, blocking=None, blocking_timeout=None, token=None):
        """True once the lock is ours; False if not ``blocking`` or ``blocking_timeout`` passed."""
        sleep = self.sleep if sleep is None else sleep
        blocking = self.blocking if blocking is None else blocking
        blocking_timeout = self.blocking_timeout if blocking_timeout is None else blocking_timeout
        token = uuid.uuid1().hex.encode() if token is None else _as_bytes(token)
        stop_at = None if blocking_timeout is None else time.monotonic() + blocking_timeout
        while True:
            if self.do_acquire(token):
                self.local.token = token
                return True
            if not blocking:
                return False
            next_try = time.monotonic() + sleep
            if stop_at is not None and next_try > stop_at:
                return False
            time.sleep(sleep)

    def do_acquire(self, token):
        px = None if self.timeout is None else int(self.timeout * 1000)
        return bool(self.redis.set(self.name, token, nx=True, px=px))

    def locked(self):
        """Whether anyone holds the lock."""
        return self.redis.get(self.name) is not None

    def owned(self):
        """Whether this thread (or object) holds the lock."""
        stored = self.redis.get(self.name)
        return stored is not None and _as_bytes(stored) == self._token

    def release(self):
        """Release the lock; LockError if it is not held here, LockNotOwnedError if it expired."""
        token = self._token
        if token is None:
            if self.raise_on_release_error:
                raise LockError("Cannot release an unlocked lock", lock_name=self.name)
            return
        self.local.token = None
        self.do_release(token)

    def do_release(self, expected_token):
        if not self.lua_release(keys=[self.name], args=[expected_token]):
            if self.raise_on_release_error:
                raise LockNotOwnedError("Cannot release a lock that's no longer owned",
                                        lock_name=self.name)

    def extend(self, additional_time, replace_ttl=False):
        """Add ``additional_time`` seconds to the TTL (or make it the TTL with ``replace_ttl``)."""
        if self._token is None:
            raise LockError("Cannot extend an unlocked lock", lock_name=self.name)
        if self.timeout is None:
            raise LockError("Cannot extend a lock with no timeout", lock_name=self.name)
        return self.do_extend(additional_time, replace_ttl)

    def do_extend(self, additional_time, replace_ttl):
        ms = int(additional_time * 1000)
        if not self.lua_extend(keys=[self.name],
                               args=[self._token, ms, "1" if replace_ttl else "0"]):
            raise LockNotOwnedError("Cannot extend a lock that's no longer owned",
                                    lock_name=self.name)
        return True

    def reacquire(self):
        """Reset the TTL to the lock's full ``timeout``."""
        if self._token is None:
            raise LockError("Cannot reacquire an unlocked lock", lock_name=self.name)
        if self.timeout is None:
            raise LockError("Cannot reacquire a lock with no timeout", lock_name=self.name)
        return self.do_reacquire()

    def do_reacquire(self):
        if not self.lua_reacquire(keys=[self.name], args=[self._token, int(self.timeout * 1000)]):
            raise LockNotOwnedError("Cannot reacquire a lock that's no longer owned",
                                    lock_name=self.name)
        return True
