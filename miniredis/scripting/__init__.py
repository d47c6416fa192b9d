"""Lua scripting runtime (lupa, Lua 5.1): EVAL scripts and FUNCTION libraries, as Redis 7.0.

Map of the package:

* ``host.py``      the server's scripting state (``scripting(server)``): the EVAL script cache,
                   the running script, redis.call's checks and nested execution, SCRIPT/FUNCTION KILL.
* ``runtime.py``   one sandboxed Lua state (:class:`runtime.Engine`), the Python side of the
                   ``redis`` table, errors and their Redis 7.0 texts, math.random's generator.
* ``sandbox.py``   the Lua side (as Lua source): read-only globals and libraries, the
                   error handler, the count hook, the environment of function libraries while they load.
* ``bytecode.py``  compiled scripts without tail calls (keeps Redis' error positions).
* ``convert.py``   Redis replies <-> Lua values, RESP2 and RESP3.
* ``functions.py`` function libraries, redis.register_function, the FUNCTION DUMP payload.
* ``busy.py``      other clients while a script runs past busy-reply-threshold.
* ``libs/``        cjson, cmsgpack, bit and struct (installed in every Lua state).

The commands themselves are in miniredis/commands/scripting.py and functions.py.
"""
