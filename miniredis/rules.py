"""The order of context rules.

A context rule, fn(conn, spec, argv) -> reply or None, runs before a command
and may answer in its place (Dispatcher.add_rule). Rules run in the order of
Redis' processCommand, lowest rank first, whoever registered them first.
"""

RULE_TRACKING = 0   # CLIENT CACHING bookkeeping: never refuses, runs for every command
RULE_ACL = 1        # -NOPERM
RULE_OOM = 2        # -OOM (and eviction)
RULE_MISCONF = 3    # -MISCONF while persistence is failing
RULE_NOREPLICAS = 4 # -NOREPLICAS while min-replicas-to-write is not met
RULE_READONLY = 5   # -READONLY: a read-only replica refuses writes of its clients
RULE_PUBSUB = 6     # a RESP2 client in subscribed mode
RULE_MASTERDOWN = 7 # -MASTERDOWN: a replica whose link is down, replica-serve-stale-data no
RULE_LOADING = 8    # -LOADING
RULE_PAUSE = 9      # CLIENT PAUSE postpones the command
RULE_MONITOR = 10   # MONITOR shows the command
