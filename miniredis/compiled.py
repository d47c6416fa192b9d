"""Whether the compiled hot path (miniredis/_speedups.pyx) is used.

It is optional: setup.py builds it when Cython and a C compiler are there,
and every function in it has a pure-Python twin that stays the reference.
``MINIREDIS_PURE=1`` in the environment runs the pure code even when the
module is built (the test suite runs both ways).
"""

import os

# The pure code was asked for (MINIREDIS_PURE set to anything but "" or "0").
PURE_REQUESTED = os.environ.get("MINIREDIS_PURE", "") not in ("", "0")

speedups = None
if not PURE_REQUESTED:
    try:
        from . import _speedups as speedups
    except ImportError:
        speedups = None
