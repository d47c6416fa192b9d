"""miniredis: a Redis-compatible key/value server on gevent.

Module map (data flows one way: socket -> codec -> dispatcher -> command ->
keyspace, and back as an explicit reply value -> codec -> socket):

    protocol     RESP2/RESP3 codec (request reader, reply encoder); shared with the client
    replies      explicit reply types and shared constants
    errors       every client-visible error string
    registry     command declarations (arity, flags, key positions) and lookup
    dispatcher   one request in Redis' order, with hooks for later modules
    connection   per-client state
    server       gevent server, per-connection loop, background work
    keyspace     databases, expiry, change reporting
    datatypes    value types, Redis number rules
    commands/    one module per command group
    config       parameters, config files, CONFIG GET/SET
    cli, daemon  the miniredis-server program
"""

__version__ = "0.1.0"
# The Redis version whose behaviour we follow, reported by INFO and HELLO.
REDIS_VERSION = "7.0.15"
