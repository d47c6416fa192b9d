"""CRC-64 as Redis computes it for RDB files and DUMP payloads.

Owns: the checksum function only. Must not touch anything else.

Redis uses the "Jones" CRC-64 (reflected polynomial 0xad93d23594c935a9,
initial value 0, no final xor; crc64("123456789") == 0xe9c6d914c4b8d9ca).
The table-driven C implementation of ``crcmod`` (the maintained
``crcmod-plus`` distribution) computes it at a few hundred MB/s.
"""

import crcmod

# crcmod takes the polynomial with its implicit x**64 term.
_JONES_POLY = 0x1ad93d23594c935a9

crc64 = crcmod.mkCrcFun(_JONES_POLY, initCrc=0, rev=True, xorOut=0)
"""crc64(data, crc=0) -> int: the running checksum ``crc`` extended by ``data``."""
