"""Persistence: the RDB codec (:mod:`.rdb`, with Redis' compact encodings in
:mod:`.encodings` and the CRC64 in :mod:`.checksum`), snapshots and the
append-only log.

Owns: files and payloads on disk or on the wire in Redis' formats.
Must not touch: sockets, the dispatcher, reply encoding.
"""
