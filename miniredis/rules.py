"""The order of context rules.

A context rule, fn(conn, spec, argv) -> reply or None, runs before a command
and may answer in its place (Dispatcher.add_rule). Rules run in the order of
Redis' processCommand, lowest rank first, whoever registered them first.
"""

RULE_TRACKING = 0   # CLIENT CACHING bookkeeping: never refuses, runs for every command
RULE_ACL = 1        # -NOPERM
RULE_OOM = 2        # -OOM (and eviction)
RULE_MISCONF = 3    # -MISCONF while persistence is failing
RULE_PUBSUB = 4     # a RESP2 client in subscribed mode
RULE_LOADING = 5    # -LOADING
RULE_PAUSE = 6      # CLIENT PAUSE postpones the command
RULE_MONITOR = 7    # MONITOR shows the command
