"""``python -m miniredis``: the same program as miniredis-server."""

import sys

from .cli import main

sys.exit(main())
