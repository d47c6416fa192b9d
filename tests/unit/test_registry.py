"""Every command (and subcommand) we declare has Redis 7.0's arity, flags and key positions.

The reference is tests/data/redis-7.0-command-info.json, captured from
redis-server 7.0.15 by scripts/capture_reference.py, so no server is needed.
"""

import json
import os

import pytest

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import all_specs

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    "data", "redis-7.0-command-info.json")

# Commands Redis does not have: this project's own names.
NOT_IN_REDIS = {"flush", "delete"}


def _reference():
    with open(DATA) as f:
        return json.load(f)["commands"]


REFERENCE = _reference()


def _declared():
    for spec in all_specs():
        yield spec
        for sub in spec.subcommands.values():
            yield sub


DECLARED = {s.fullname: s for s in _declared()}


def _ref_entry(fullname):
    parts = fullname.split("|")
    entry = REFERENCE.get(parts[0])
    if entry is not None and len(parts) == 2:
        entry = entry.get("subcommands", {}).get(fullname)
    return entry


def test_reference_is_redis_7_0():
    with open(DATA) as f:
        assert json.load(f)["redis_version"].startswith("7.0.")
    assert len(REFERENCE) > 200


def test_exempt_commands_really_are_absent_from_redis():
    for name in NOT_IN_REDIS:
        assert name not in REFERENCE


@pytest.mark.parametrize("fullname", sorted(n for n in DECLARED if n.split("|")[0] not in NOT_IN_REDIS))
def test_metadata_matches_redis(fullname):
    spec = DECLARED[fullname]
    ref = _ref_entry(fullname)
    assert ref is not None, "%s is not a Redis 7.0 command: add it to NOT_IN_REDIS or remove it" % fullname
    ours = {"arity": spec.arity, "flags": sorted(spec.flags), "first_key": spec.first_key,
            "last_key": spec.last_key, "step": spec.step}
    theirs = {k: ref[k] for k in ours}
    assert ours == theirs


@pytest.mark.parametrize("fullname", sorted(n for n in DECLARED if n.split("|")[0] not in NOT_IN_REDIS))
def test_acl_categories_match_redis(fullname):
    from miniredis.commands.server import acl_categories
    ref = _ref_entry(fullname)
    assert ref is not None
    assert acl_categories(DECLARED[fullname]) == ref["acl_categories"]


# Modules whose declarations this file also checks for documentation fields.
DOC_CHECKED_MODULES = ("miniredis.commands.connection", "miniredis.commands.client_cmd",
                       "miniredis.commands.server", "miniredis.commands.strings",
                       "miniredis.commands.keys")


@pytest.mark.parametrize("fullname", sorted(
    n for n, s in DECLARED.items()
    if s.func is not None and s.func.__module__ in DOC_CHECKED_MODULES
    and n.split("|")[0] not in NOT_IN_REDIS))
def test_docs_and_tips_match_redis(fullname):
    spec = DECLARED[fullname]
    ref = _ref_entry(fullname)
    ours = {"tips": list(spec.tips), "summary": spec.summary, "since": spec.since,
            "complexity": spec.complexity}
    assert ours == {k: ref[k] for k in ours}
