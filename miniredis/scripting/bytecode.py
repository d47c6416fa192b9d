"""Turn the tail calls of a compiled Lua 5.1 chunk into plain calls.

Why: Redis' redis.call, cjson.encode ... are C functions, and Lua 5.1 does
not tail-call a C function: in ``return redis.call('x')`` the script's frame
stays, so an error is reported "on @user_script:<line>". Ours are Lua
functions (or Python callables behind Lua wrappers), which Lua *does*
tail-call: the script's frame is gone and the line with it. Compiling
scripts without tail calls gives back Redis' error positions.

How: ``string.dump`` of the function, every OP_TAILCALL rewritten to OP_CALL
(the compiler always follows a TAILCALL with ``RETURN A 0``, which then
returns the call's results: same semantics, without reusing the frame), and
the chunk loaded again. Only the layout this Lua build writes is handled;
anything else returns None and the original function is kept.

Owns nothing else; must not touch the sandbox.
"""

import struct

OP_CALL = 28
OP_TAILCALL = 29
_HEADER = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00"   # 5.1, little endian, int 4, size_t 8


class _Patcher(object):
    def __init__(self, data):
        self.data = bytearray(data)
        self.pos = len(_HEADER)

    def int(self):
        v = struct.unpack_from("<i", self.data, self.pos)[0]
        self.pos += 4
        return v

    def string(self):
        n = struct.unpack_from("<Q", self.data, self.pos)[0]
        self.pos += 8 + n

    def function(self):
        self.string()                 # source
        self.pos += 4 + 4 + 4         # linedefined, lastlinedefined, nups/params/vararg/stack
        n = self.int()
        for i in range(n):
            at = self.pos + 4 * i
            if self.data[at] & 0x3F == OP_TAILCALL:
                self.data[at] = (self.data[at] & 0xC0) | OP_CALL
        self.pos += 4 * n
        for _ in range(self.int()):   # constants
            t = self.data[self.pos]
            self.pos += 1
            if t == 1:
                self.pos += 1
            elif t == 3:
                self.pos += 8
            elif t == 4:
                self.string()
            elif t != 0:
                raise ValueError("constant type %d" % t)
        for _ in range(self.int()):   # nested functions
            self.function()
        n = self.int()                # line info
        self.pos += 4 * n
        for _ in range(self.int()):   # local variables
            self.string()
            self.pos += 8
        for _ in range(self.int()):   # upvalue names
            self.string()


def without_tail_calls(dump):
    """The chunk ``dump`` (string.dump output) with OP_TAILCALL turned into OP_CALL, or None."""
    if not dump.startswith(_HEADER):
        return None
    p = _Patcher(dump)
    try:
        p.function()
    except (ValueError, struct.error, IndexError):
        return None
    if p.pos != len(dump):
        return None
    return bytes(p.data)
