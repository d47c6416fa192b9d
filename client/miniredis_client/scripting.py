"""Scripting, functions and publishing commands, and the Script object.

Owns: EVAL/EVALSHA(_RO), SCRIPT ..., FCALL(_RO), FUNCTION ..., PUBLISH and
PUBSUB ... methods (mixed into ``CoreCommands``, so a Pipeline queues them
too), and :class:`Script`, what ``register_script`` returns: it runs by
EVALSHA and falls back to SCRIPT LOAD on NOSCRIPT, as redis-py's does.
Must not touch: sockets, the pool; subscribing lives in :mod:`.pubsub`.

Script and function arguments are bulk strings; replies are returned as the
server sent them (Lua tables as lists, status replies as bytes), like redis-py.
"""

import hashlib

from . import parsers as P
from .encoding import arg
from .exceptions import DataError, NoScriptError


def _numkeys_args(numkeys, keys_and_args):
    return [arg(numkeys)] + [arg(a) for a in keys_and_args]


def _script_bytes(script):
    return script if isinstance(script, bytes) else arg(script)


def _function_list(r):
    """FUNCTION LIST: a list of dicts (library_name, engine, functions: [dicts])."""
    out = []
    for lib in r:
        entry = P.pairs(lib)
        for k, v in list(entry.items()):
            if P.text(k) == "functions":
                entry[k] = [P.pairs(f) for f in v]
        out.append(entry)
    return out


class ScriptingCommands(object):
    def eval(self, script, numkeys, *keys_and_args):
        """EVAL script numkeys key ... arg ...: the script's reply as is."""
        return self._command([b"EVAL", _script_bytes(script)]
                             + _numkeys_args(numkeys, keys_and_args))

    def eval_ro(self, script, numkeys, *keys_and_args):
        return self._command([b"EVAL_RO", _script_bytes(script)]
                             + _numkeys_args(numkeys, keys_and_args))

    def evalsha(self, sha, numkeys, *keys_and_args):
        """EVALSHA; raises NoScriptError when the server does not know the script."""
        return self._command([b"EVALSHA", arg(sha)] + _numkeys_args(numkeys, keys_and_args))

    def evalsha_ro(self, sha, numkeys, *keys_and_args):
        return self._command([b"EVALSHA_RO", arg(sha)] + _numkeys_args(numkeys, keys_and_args))

    def script_load(self, script):
        """SCRIPT LOAD: the script's SHA1 as text."""
        return self._command([b"SCRIPT", b"LOAD", _script_bytes(script)], P.text)

    def script_exists(self, *shas):
        """SCRIPT EXISTS: a bool per SHA1."""
        return self._command([b"SCRIPT", b"EXISTS"] + [arg(s) for s in shas], P.booleans)

    def script_flush(self, sync_type=None):
        """SCRIPT FLUSH [ASYNC|SYNC]."""
        if sync_type not in (None, "ASYNC", "SYNC"):
            raise DataError("SCRIPT FLUSH defaults to SYNC in redis > 6.2, or accepts SYNC/ASYNC.")
        tail = [] if sync_type is None else [arg(sync_type)]
        return self._command([b"SCRIPT", b"FLUSH"] + tail, P.true)

    def script_kill(self):
        return self._command([b"SCRIPT", b"KILL"], P.true)

    def register_script(self, script):
        """A callable :class:`Script`: ``script(keys=[...], args=[...])``."""
        return Script(self, script)

    # --- functions ----------------------------------------------------------------
    def fcall(self, function, numkeys, *keys_and_args):
        return self._command([b"FCALL", arg(function)] + _numkeys_args(numkeys, keys_and_args))

    def fcall_ro(self, function, numkeys, *keys_and_args):
        return self._command([b"FCALL_RO", arg(function)] + _numkeys_args(numkeys, keys_and_args))

    def function_load(self, code, replace=False):
        """FUNCTION LOAD [REPLACE] code: the library name."""
        tail = [b"REPLACE"] if replace else []
        return self._command([b"FUNCTION", b"LOAD"] + tail + [_script_bytes(code)], P.text)

    def function_delete(self, library):
        return self._command([b"FUNCTION", b"DELETE", arg(library)], P.true)

    def function_flush(self, mode="SYNC"):
        return self._command([b"FUNCTION", b"FLUSH"] + ([arg(mode)] if mode else []), P.true)

    def function_list(self, library="*", withcode=False):
        argv = [b"FUNCTION", b"LIST"]
        if library != "*":
            argv += [b"LIBRARYNAME", arg(library)]
        if withcode:
            argv.append(b"WITHCODE")
        return self._command(argv, _function_list)

    def function_dump(self):
        return self._command([b"FUNCTION", b"DUMP"])

    def function_restore(self, payload, policy="APPEND"):
        return self._command([b"FUNCTION", b"RESTORE", arg(payload), arg(policy)], P.true)

    def function_kill(self):
        return self._command([b"FUNCTION", b"KILL"], P.true)

    def function_stats(self):
        return self._command([b"FUNCTION", b"STATS"])


class PublishCommands(object):
    def publish(self, channel, message):
        """PUBLISH: how many subscribers received the message."""
        return self._command([b"PUBLISH", arg(channel), arg(message)])

    def spublish(self, shard_channel, message):
        return self._command([b"SPUBLISH", arg(shard_channel), arg(message)])

    def pubsub_channels(self, pattern="*"):
        return self._command([b"PUBSUB", b"CHANNELS", arg(pattern)])

    def pubsub_shardchannels(self, pattern="*"):
        return self._command([b"PUBSUB", b"SHARDCHANNELS", arg(pattern)])

    def pubsub_numpat(self):
        return self._command([b"PUBSUB", b"NUMPAT"])

    def pubsub_numsub(self, *channels):
        """PUBSUB NUMSUB: [(channel, subscribers), ...]."""
        return self._command([b"PUBSUB", b"NUMSUB"] + [arg(c) for c in channels], _count_pairs)

    def pubsub_shardnumsub(self, *channels):
        return self._command([b"PUBSUB", b"SHARDNUMSUB"] + [arg(c) for c in channels],
                             _count_pairs)


def _count_pairs(r):
    return list(P.pairs(r).items())


class Script(object):
    """A Lua script run through EVALSHA, loaded on demand (what register_script returns).

    Calling it on a Pipeline queues the EVALSHA; the pipeline loads every
    script it needs (SCRIPT EXISTS, then SCRIPT LOAD) before sending the batch.
    """

    def __init__(self, registered_client, script):
        self.registered_client = registered_client
        self.script = script
        self.sha = hashlib.sha1(_script_bytes(script)).hexdigest()

    def __call__(self, keys=None, args=None, client=None):
        keys = list(keys or [])
        argv = keys + list(args or [])
        if client is None:
            client = self.registered_client
        scripts = getattr(client, "scripts", None)
        if scripts is not None:      # a Pipeline: loaded before it executes
            scripts.add(self)
            return client.evalsha(self.sha, len(keys), *argv)
        try:
            return client.evalsha(self.sha, len(keys), *argv)
        except NoScriptError:
            # The server lost it (SCRIPT FLUSH, restart) or never had it.
            self.sha = client.script_load(self.script)
            return client.evalsha(self.sha, len(keys), *argv)
