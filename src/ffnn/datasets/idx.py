"""IDX files, MNIST's format: a big-endian header (magic number, then one uint32
count per dimension) followed by unsigned bytes, gzipped or not.

Reading is bounded: the header comes first (a gzip stream is decompressed a
chunk at a time), the size it declares must be at most :data:`MAX_IDX_BYTES`
(2**28 bytes, 256 MiB; MNIST's largest file holds 47 MB), and the data is
decompressed straight into one array of that size, allocated once, never grown
nor copied. At most :data:`OVERSIZE_MARGIN` bytes beyond that size are ever
decompressed, so a small gzip file that would expand to gigabytes is refused
once its header and the bytes it declares are read, having cost at most
:data:`MAX_IDX_BYTES` of memory.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

# IDX magic number -> number of dimensions; both store unsigned bytes (type 0x08)
IDX_NDIM = {0x00000801: 1, 0x00000803: 3}

GZIP_MAGIC = b"\x1f\x8b"

#: bytes of data an IDX header may declare (MNIST's largest file holds 47 MB)
MAX_IDX_BYTES = 2**28
#: bytes read past the declared data to say how many more a file holds
OVERSIZE_MARGIN = 2**16
CHUNK_BYTES = 2**20


def _read_at_most(stream: BinaryIO, size: int, into: bytearray) -> int:
    """Append up to ``size`` bytes of ``stream`` to ``into``, a chunk at a time
    so that memory follows the bytes that exist, not the size asked for;
    returns how many were appended."""
    start = len(into)
    while len(into) - start < size:
        chunk = stream.read(min(CHUNK_BYTES, size - (len(into) - start)))
        if not chunk:
            break
        into += chunk
    return len(into) - start


def _read_into(stream: BinaryIO, data: np.ndarray) -> int:
    """Fill the contiguous array ``data`` from ``stream``, a chunk at a time (a
    gzip stream decompresses each chunk into a buffer of its own); returns how
    many bytes were read, fewer than ``data.nbytes`` if the stream ends first."""
    view = memoryview(data.reshape(-1))  # a flat view of the array's own bytes
    filled = 0
    while filled < len(view):
        n = stream.readinto(view[filled : filled + CHUNK_BYTES])
        if not n:
            break
        filled += n
    return filled


def _read_checked(
    stream: BinaryIO, source: str, shape: tuple[int, ...] | None = None
) -> tuple[bytes, np.ndarray]:
    """The IDX header of ``stream`` and its data as an array of the declared
    shape: the data is read only up to the size the header declares, that size
    only if within the limit, and (when ``shape`` is given) only if the header
    declares ``shape``."""
    header = bytearray()
    _read_at_most(stream, 4, header)
    magic = int.from_bytes(header, "big")
    if len(header) == 4 and magic in IDX_NDIM:
        _read_at_most(stream, 4 * IDX_NDIM[magic], header)
    declared, _ = _header(header, source)
    expected = math.prod(declared)
    if expected > MAX_IDX_BYTES:
        raise ValueError(
            f"{source}: the IDX header's shape {declared} declares {expected} "
            f"bytes of data, more than ffnn reads ({MAX_IDX_BYTES})"
        )
    if shape is not None and declared != tuple(shape):
        raise ValueError(
            f"{source}: the IDX header declares shape {declared}, but this file "
            f"must hold shape {tuple(shape)}"
        )
    data = np.empty(declared, np.uint8)
    actual = _read_into(stream, data)
    if actual == expected:  # anything more? (a bounded look, not the whole rest)
        actual += _read_at_most(stream, OVERSIZE_MARGIN + 1, bytearray())
    if actual > expected + OVERSIZE_MARGIN:
        raise _size_error(source, declared, f"more than {expected + OVERSIZE_MARGIN}")
    if actual != expected:
        raise _size_error(source, declared, str(actual), truncated=actual < expected)
    return bytes(header), data


def _header(content: bytes | bytearray, source: str) -> tuple[tuple[int, ...], int]:
    """The shape an IDX header declares, and the header's length in bytes."""
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
    return shape, header_bytes


def _size_error(
    source: str, shape: tuple[int, ...], holds: str, truncated: bool = False
) -> ValueError:
    return ValueError(
        f"{source}: {'truncated' if truncated else 'oversized'} IDX data: the "
        f"header's shape {shape} needs {math.prod(shape)} bytes after the header, "
        f"the file holds {holds}"
    )


def _read_file(
    path: Path, source: str | None = None, shape: tuple[int, ...] | None = None
) -> tuple[bytes, np.ndarray]:
    """The IDX header and data array of the file ``path``, gunzipped if need
    be, checked against its header as they are read (and against ``shape``
    when given, before any data is read); ``source`` names the file in errors
    (default: ``path``)."""
    source = str(path) if source is None else source
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    gzipped = False
    try:
        with path.open("rb") as file:
            gzipped = file.read(2) == GZIP_MAGIC  # IDX starts with two zero bytes
            file.seek(0)
            if not gzipped:
                return _read_checked(file, source, shape)
            with gzip.GzipFile(fileobj=file, mode="rb") as stream:
                return _read_checked(stream, source, shape)
    except (EOFError, OSError, zlib.error) as error:
        if not gzipped:
            raise ValueError(f"{source}: cannot be read: {error}") from error
        raise ValueError(
            f"{source}: not a valid gzip stream (truncated or corrupt): {error}"
        ) from error


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file of unsigned bytes (MNIST's format), gzipped or not.

    Parameters
    ----------
    path : str or path-like
        The file. A gzip stream (as in ``train-images-idx3-ubyte.gz``) is
        recognised by its content and decompressed a chunk at a time, straight
        into the array returned.

    Returns
    -------
    ndarray of uint8
        Shape (n,) for a label file (magic 0x00000801) and (n, rows, cols) for an
        image file (magic 0x00000803), as given by the header.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        Naming the file, for another magic number, a broken gzip stream, a
        header declaring more than :data:`MAX_IDX_BYTES` (2**28) bytes of
        data, data whose size is not the product of the header's dimensions
        (a gzip stream is decompressed no further than that size plus
        :data:`OVERSIZE_MARGIN` bytes), or a file that cannot be read.
    """
    _, data = _read_file(Path(path))
    return data
