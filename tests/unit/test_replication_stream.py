"""The replication stream's encoding of one command (miniredis/replication.py stream_command)."""

from hypothesis import given, settings, strategies as st

from miniredis.events import ReplicaOnly
from miniredis.protocol import TypedArgs, encode_request
from miniredis.replication import stream_command
from miniredis.replies import Double


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=8))
def test_bytes_arguments_as_a_client_sends_them(argv):
    assert stream_command(argv) == encode_request(argv)
    assert stream_command(ReplicaOnly(argv)) == encode_request(argv)


def test_numbers_and_typed_values_go_as_text():
    assert stream_command([b"EXPIRE", b"k", 10]) == encode_request([b"EXPIRE", b"k", b"10"])
    assert stream_command(TypedArgs([b"SET", b"k", 5])) == encode_request([b"SET", b"k", b"5"])
    assert stream_command(TypedArgs([b"SET", b"k", Double(2.5)])) == \
        encode_request([b"SET", b"k", b"2.5"])
