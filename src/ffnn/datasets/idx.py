"""IDX files, MNIST's format: a big-endian header (magic number, then one uint32
count per dimension) followed by unsigned bytes, gzipped or not."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

# IDX magic number -> number of dimensions; both store unsigned bytes (type 0x08)
IDX_NDIM = {0x00000801: 1, 0x00000803: 3}

GZIP_MAGIC = b"\x1f\x8b"


def _gunzip(data: bytes, source: str) -> bytes:
    """``data`` decompressed when it is a gzip stream, else ``data`` itself."""
    if not data.startswith(GZIP_MAGIC):  # IDX files start with two zero bytes
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as error:
        raise ValueError(
            f"{source}: not a valid gzip stream (truncated or corrupt): {error}"
        ) from error


def _read_content(path: Path) -> bytes:
    """The IDX bytes of the file ``path``, gunzipped if need be."""
    return _gunzip(path.read_bytes(), str(path))


def _parse_idx(content: bytes, source: str) -> np.ndarray:
    """Parse IDX bytes into a uint8 array; ``source`` names the file in errors."""
    if len(content) < 4:
        raise ValueError(
            f"{source}: {len(content)} bytes is too short for an IDX header"
        )
    magic = int.from_bytes(content[:4], "big")
    if magic not in IDX_NDIM:
        raise ValueError(
            f"{source}: bad IDX magic number 0x{magic:08x}; expected 0x00000801 "
            "(uint8 labels, 1-D) or 0x00000803 (uint8 images, 3-D)"
        )
    ndim = IDX_NDIM[magic]
    header_bytes = 4 + 4 * ndim
    if len(content) < header_bytes:
        raise ValueError(
            f"{source}: truncated IDX header: {len(content)} bytes, "
            f"expected {header_bytes}"
        )
    # dimension counts are big-endian uint32 after the magic number
    shape = tuple(int(n) for n in np.frombuffer(content, ">u4", ndim, offset=4))
    expected = int(np.prod(shape))
    actual = len(content) - header_bytes
    if actual != expected:
        problem = "truncated" if actual < expected else "oversized"
        raise ValueError(
            f"{source}: {problem} IDX data: the header's shape {shape} needs "
            f"{expected} bytes after the header, the file holds {actual}"
        )
    pixels = np.frombuffer(content, np.uint8, expected, offset=header_bytes)
    return pixels.reshape(shape).copy()  # a writable array, not a view of bytes


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file of unsigned bytes (MNIST's format), gzipped or not.

    Parameters
    ----------
    path : str or path-like
        The file. A gzip stream (as in ``train-images-idx3-ubyte.gz``) is
        recognised by its content and decompressed.

    Returns
    -------
    ndarray of uint8
        Shape (n,) for a label file (magic 0x00000801) and (n, rows, cols) for an
        image file (magic 0x00000803), as given by the header.

    Raises
    ------
    ValueError
        Naming the file, for another magic number, a broken gzip stream, or data
        whose size is not the product of the header's dimensions.
    """
    path = Path(path)
    return _parse_idx(_read_content(path), str(path))
