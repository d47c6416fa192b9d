"""COMMAND INFO / COMMAND DOCS of every implemented command equal redis-server's.

The metadata is rendered from miniredis/data/commands.json; this checks that
the file still tells the truth about the live reference server, in RESP2 and
RESP3. A container whose subcommands are only partly implemented (CLIENT,
CONFIG ...) is compared subcommand by subcommand.
"""

import miniredis.commands  # noqa: F401  (registers every command)
from miniredis.registry import COMMANDS

NOT_IN_REDIS = {"flush", "delete"}


def _names():
    for name, spec in sorted(COMMANDS.items()):
        if name in NOT_IN_REDIS:
            continue
        if spec.subcommands:
            for sub in spec.subcommands.values():
                yield sub.fullname, True
        else:
            yield name, False


def test_command_info_and_docs_of_every_command(compat):
    for name, is_sub in _names():
        compat.same("COMMAND", "INFO", name)
        compat.same("COMMAND", "DOCS", name)


def test_command_count_and_list_cover_only_what_exists(compat):
    m, r = compat.both("COMMAND", "LIST")
    assert set(m.plain()) <= set(r.plain()) | {b"flush", b"delete"}


def test_getkeys_reads_odd_key_counts_as_atoi(compat):
    # A count the key spec cannot read goes to the command's getkeys proc,
    # which reads it with atoi(): "1-1" is 1, "abc" is 0 (no key: an error).
    for count in ("1-1", " 1", "1abc", "abc", "+1", "01", "1_0", "-1", "0", "2", "5", "2x",
                  "4294967297", "4294967298", "2147483648", "-4294967295", " 9" * 9):
        for cmd in (["BZMPOP", "0", count, "a", "b", "MIN"], ["EVAL", "s", count, "a", "b"],
                    ["ZUNIONSTORE", "d", count, "a", "b"], ["SINTERCARD", count, "a", "b"],
                    ["LMPOP", count, "a", "b", "LEFT"]):
            compat.same("COMMAND", "GETKEYS", *cmd)
            compat.same("COMMAND", "GETKEYSANDFLAGS", *cmd)


def test_getkeys_from_key_specs(compat):
    for cmd in (["GET", "k"], ["MSET", "a", "1", "b", "2"], ["DEL", "a", "b"],
                ["SET", "k", "v", "GET"], ["BITOP", "AND", "d", "a", "b"],
                ["COPY", "a", "b"], ["RENAME", "a", "b"]):
        compat.same("COMMAND", "GETKEYS", *cmd)
        compat.same("COMMAND", "GETKEYSANDFLAGS", *cmd)
    for cmd in (["LMOVE", "a", "b", "LEFT", "RIGHT"], ["BLPOP", "a", "b", "0"],
                ["LMPOP", "2", "a", "b", "LEFT"], ["ZUNIONSTORE", "d", "2", "a", "b"],
                ["SINTERCARD", "2", "a", "b"], ["ZRANGESTORE", "d", "s", "0", "1"],
                ["SORT", "k", "STORE", "d"], ["SORT", "k", "LIMIT", "0", "1", "STORE", "d"],
                ["SORT", "k", "BY", "store", "GET", "#", "STORE", "d", "STORE", "e"],
                ["SORT_RO", "k", "BY", "x"], ["BZMPOP", "0", "2", "a", "b", "MIN"]):
        if cmd[0].lower() in COMMANDS:
            compat.same("COMMAND", "GETKEYS", *cmd)
            compat.same("COMMAND", "GETKEYSANDFLAGS", *cmd)
    compat.same_error("COMMAND", "GETKEYS", "PING")
    compat.same_error("COMMAND", "GETKEYS", "GET")
    compat.same_error("COMMAND", "GETKEYS", "NOSUCH", "x")
