"""Command groups. Importing this package registers every command.

One module per group; each command is one decorated short function:
``@command(name)``.
"""

from . import connection, strings, keys, server, client_cmd  # noqa: F401
from . import lists, hashes, sets, sorted_sets, sort  # noqa: F401
from . import transactions, pubsub, scripting, functions  # noqa: F401
from . import dump  # noqa: F401
from . import persistence  # noqa: F401
from . import streams, hyperloglog, geo, bitfield  # noqa: F401
from . import observability  # noqa: F401
from . import acl  # noqa: F401
from . import memory  # noqa: F401
from . import replication  # noqa: F401
