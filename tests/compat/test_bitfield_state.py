"""Hypothesis state machine: random BITFIELD / string-bit sequences on miniredis and redis-server."""

from hypothesis import strategies as st
from hypothesis.stateful import rule

from support import DifferentialMachine, run_machine

KEYS = st.sampled_from(["a", "b"])
I64 = st.one_of(st.integers(min_value=-2 ** 63, max_value=2 ** 63 - 1),
                st.sampled_from([0, 1, -1, 127, -128, 255, 2 ** 63 - 1, -2 ** 63]))


@st.composite
def operations(draw):
    args = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["GET", "SET", "INCRBY", "OVERFLOW"]))
        if kind == "OVERFLOW":
            args += ["OVERFLOW", draw(st.sampled_from(["WRAP", "SAT", "FAIL"]))]
            continue
        signed = draw(st.booleans())
        bits = draw(st.integers(1, 64 if signed else 63))
        offset = draw(st.one_of(st.integers(0, 70).map(str),
                                st.integers(0, 4).map(lambda n: "#%d" % n)))
        args += [kind, ("i" if signed else "u") + str(bits), offset]
        if kind != "GET":
            args.append(draw(I64))
    return args


class BitfieldMachine(DifferentialMachine):
    @rule(k=KEYS, ops=operations())
    def bitfield(self, k, ops):
        self.same("BITFIELD", k, *ops)

    @rule(k=KEYS, ops=operations())
    def bitfield_ro(self, k, ops):
        self.same("BITFIELD_RO", k, *ops)

    @rule(k=KEYS)
    def get(self, k):
        self.same("GET", k)

    @rule(k=KEYS, v=st.sampled_from(["", "abc", "123", "\xff" * 9]))
    def set(self, k, v):
        self.same("SET", k, v)

    @rule(k=KEYS, offset=st.integers(0, 80), bit=st.integers(0, 1))
    def setbit(self, k, offset, bit):
        self.same("SETBIT", k, offset, bit)

    @rule(k=KEYS)
    def delete(self, k):
        self.same("DEL", k)


def test_bitfield_state_machine(mini_server, redis_server):
    run_machine(BitfieldMachine, mini_server, redis_server)
