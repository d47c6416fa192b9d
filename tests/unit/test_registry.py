"""The registry and its one source of metadata, miniredis/data/commands.json.

The data file is redis-server 7.0's own COMMAND INFO / COMMAND DOCS output
(scripts/capture_reference.py); tests/compat/test_command_compat.py checks
that what we render from it still equals a live redis-server. Here: every
function has metadata, every piece of metadata has a function (except the
commands of the groups listed as not implemented yet), and key extraction
from key specs finds Redis' keys.
"""

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import COMMANDS, METADATA, REDIS_META_VERSION, all_specs, metadata

# Commands Redis does not have: this project's own names.
NOT_IN_REDIS = {"flush", "delete"}

# Metadata without a function yet: the groups later issues bring. Shrinks as
# they land; a command listed here that gains a function fails the test too.
NOT_YET_GROUPS = {"cluster"}
NOT_YET = {
    "failover", "lolwut",
}


def _declared():
    for spec in all_specs():
        yield spec
        for sub in spec.subcommands.values():
            yield sub


DECLARED = {s.fullname: s for s in _declared()}


def _group(fullname):
    return dict(metadata(fullname)["docs"]["%"])["group"]


def _not_yet(fullname):
    top = fullname.split("|")[0]
    return top in NOT_YET or fullname in NOT_YET or _group(fullname) in NOT_YET_GROUPS


def test_reference_is_redis_7_0():
    assert REDIS_META_VERSION.startswith("7.0.")
    assert len(METADATA) > 300


def test_exempt_commands_really_are_absent_from_redis():
    for name in NOT_IN_REDIS:
        assert name not in METADATA


def test_every_function_has_metadata():
    for name in DECLARED:
        if name not in NOT_IN_REDIS:
            assert name in METADATA, name


def test_every_metadata_has_a_function():
    missing = sorted(n for n in METADATA if n not in DECLARED and not _not_yet(n))
    assert not missing, "metadata without a function: %s" % missing


def test_not_yet_lists_only_missing_commands():
    landed = sorted(n for n in DECLARED if n in METADATA and _not_yet(n)
                    and DECLARED[n].func is not None)
    assert not landed, "implemented now, remove from NOT_YET: %s" % landed


def test_spec_fields_come_from_the_data():
    get = COMMANDS["get"]
    assert (get.arity, get.flags, get.first_key, get.last_key, get.step) == (
        2, ("readonly", "fast"), 1, 1, 1)
    assert get.acl == ("@read", "@string", "@fast")
    assert COMMANDS["set"].typed == (2, 0)


@pytest.mark.parametrize("argv, keys", [
    ([b"get", b"k"], [1]),
    ([b"mset", b"a", b"1", b"b", b"2"], [1, 3]),
    ([b"del", b"a", b"b", b"c"], [1, 2, 3]),
    ([b"lmove", b"s", b"d", b"left", b"right"], [1, 2]),
])
def test_key_positions_from_key_specs(argv, keys):
    assert COMMANDS[argv[0].decode()].key_positions(argv) == keys
