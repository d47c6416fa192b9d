"""Container value types: one module per type, each following the protocol
described in :mod:`miniredis.datatypes` (type_name, encoding, copy, memory)
and registered with :func:`miniredis.datatypes.register_type`.
"""
