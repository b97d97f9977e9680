"""Bounded reading of ``.npz`` archives (what ``np.savez`` writes): each member
is checked before its data is read, so that a small hostile file cannot make a
reader allocate or decompress much.

An :class:`ArraySpec` says what a member must hold (its shape, dtype kinds and
size); :func:`read_array` checks the member's zip entry (stored or deflated, not
encrypted, its size in the directory) and its ``.npy`` header (only the form
``np.save`` writes is parsed) against it, and only then reads exactly the
declared bytes. Model files (:mod:`ffnn.serialization`) and checkpoints
(:mod:`ffnn.checkpoints`) are read through it.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

#: bytes of class labels
MAX_LABEL_BYTES = 2**26
#: bytes of an ``.npy`` header (NumPy writes 128 for the arrays of a model)
MAX_NPY_HEADER_BYTES = 4096

NPY_MAGIC = b"\x93NUMPY"


@dataclass(frozen=True)
class ArraySpec:
    """What one array member must hold, as the metadata declares it."""

    shape: tuple[int, ...]
    kinds: str  # the dtype kinds accepted
    what: str  # the accepted values, in words
    max_bytes: int  # of data
    itemsize: int = 0  # the one accepted; 0: any but float16 and longdouble

    def problem(self, dtype: np.dtype) -> str | None:
        """Why an array of ``dtype`` cannot be this member, or None."""
        if dtype.hasobject:
            return "Python objects, which only pickle reads; ffnn never unpickles"
        plain = dtype.fields is None and dtype.subdtype is None and dtype.itemsize
        if self.itemsize:
            sized = dtype.itemsize == self.itemsize
        else:
            sized = dtype.kind != "f" or dtype.itemsize in (4, 8)
        if dtype.kind not in self.kinds or not plain or not sized:
            return f"{dtype} values, not {self.what}"
        return None


def parameter_spec(shape: tuple[int, ...], dtype: str) -> ArraySpec:
    """Weights or biases, in the model's dtype: the data is then exactly as
    large as the network built from it."""
    itemsize = np.dtype(dtype).itemsize
    what = f"real numbers in the model's dtype ({dtype})"
    return ArraySpec(shape, "f", what, math.prod(shape) * itemsize, itemsize)


def labels_spec(n_outputs: int, kinds: str) -> ArraySpec:
    names = dict.fromkeys(_KIND_NAMES[kind] for kind in kinds)  # once each
    what = "labels (" + ", ".join(names) + ")"
    return ArraySpec((n_outputs,), kinds, what, MAX_LABEL_BYTES)


_KIND_NAMES = {"b": "bools", "i": "integers", "u": "integers", "f": "floats",
               "U": "strings"}  # fmt: skip


# np.save's header: the repr of a dict with these three keys, padded with
# spaces to a 64-byte boundary and a newline. Only this form is handed to
# NumPy, whose parser (ast.literal_eval) recurses on nested expressions.
_NPY_HEADER = re.compile(
    r"\{'descr': '[<>|=]?[A-Za-z]\d*', 'fortran_order': (True|False), "
    r"'shape': \((\d+,|\d+(, \d+)+)?\), \} *\n"
)


def read_array(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: ArraySpec
) -> np.ndarray:
    """The array in member ``info``, after its zip entry and its header are
    checked against ``expected``; a read-only view of the bytes read."""
    name = info.filename.removesuffix(".npy")
    if info.flag_bits & 0x1:
        raise ValueError(f"{name} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(
            f"{name} is compressed with zip method {info.compress_type}; ffnn "
            "reads stored and deflated members (np.savez, np.savez_compressed)"
        )
    most = expected.max_bytes + 12 + MAX_NPY_HEADER_BYTES
    if info.file_size > most:
        raise ValueError(
            f"{name} takes {info.file_size} bytes in the zip directory, more "
            f"than the {most} it may take"
        )
    with archive.open(info) as member:
        shape, fortran_order, dtype, offset = _read_npy_header(member, name)
        problem = expected.problem(dtype)
        if problem is not None:
            raise ValueError(f"{name} holds {problem}")
        if shape != expected.shape:
            raise ValueError(f"{name} has shape {shape}, expected {expected.shape}")
        n_bytes = math.prod(shape) * dtype.itemsize
        if n_bytes > expected.max_bytes:
            raise ValueError(
                f"{name} holds {n_bytes} bytes of data, more than the "
                f"{expected.max_bytes} it may hold"
            )
        if info.file_size != offset + n_bytes:
            raise ValueError(
                f"{name} takes {info.file_size} bytes in the zip directory; its "
                f"header declares {offset + n_bytes}"
            )
        data = member.read(n_bytes)  # decompresses at most file_size bytes
    if len(data) != n_bytes:
        raise ValueError(f"{name} is truncated: {len(data)} of {n_bytes} bytes")
    array = np.frombuffer(data, dtype)
    return array.reshape(shape, order="F" if fortran_order else "C")


def _read_npy_header(member: Any, name: str) -> tuple[tuple, bool, np.dtype, int]:
    """Shape, Fortran order, dtype and data offset from an ``.npy`` header."""
    try:
        version = np.lib.format.read_magic(member)
    except ValueError as error:
        raise ValueError(f"{name} is not an .npy array ({error})") from None
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"{name} is in .npy format version {version}, not 1.0 or 2.0")
    length_bytes = _read_exact(member, 2 if version == (1, 0) else 4, name)
    length = int.from_bytes(length_bytes, "little")
    if length > MAX_NPY_HEADER_BYTES:
        raise ValueError(f"{name} has a {length}-byte .npy header")
    header = _read_exact(member, length, name)
    if not _NPY_HEADER.fullmatch(header.decode("latin-1")):
        raise ValueError(f"{name} has a header np.save does not write: {header[:80]!r}")
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    try:
        shape, fortran_order, dtype = read_header(
            io.BytesIO(length_bytes + header), max_header_size=MAX_NPY_HEADER_BYTES
        )
    except ValueError as error:  # an unknown dtype, say
        raise ValueError(f"{name} has a bad .npy header ({error})") from None
    return shape, fortran_order, dtype, 8 + len(length_bytes) + length


def _read_exact(member: Any, size: int, name: str) -> bytes:
    data = member.read(size)
    if len(data) != size:
        raise ValueError(f"{name} is truncated in its .npy header")
    return data


def read_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_chars: int) -> str:
    """The string in the 0-d str array of member ``info``, decoded here: NumPy
    would let a code point beyond U+10FFFF end in SystemError."""
    array = read_array(
        archive, info, ArraySpec((), "U", "a JSON string", 4 * max_chars)
    )
    encoding = "utf-32-be" if array.dtype.str.startswith(">") else "utf-32-le"
    try:
        return array.tobytes().decode(encoding).rstrip("\0")  # NumPy's padding
    except UnicodeDecodeError as error:
        raise ValueError(f"its metadata is not valid text ({error})") from None
