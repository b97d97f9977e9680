"""A disk that fills up: a stand-in for ``os.write`` to monkeypatch, for tests
of what a full disk leaves behind."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable


def full_disk(room: int) -> Callable[[int, bytes], int]:
    """An ``os.write`` for a disk with ``room`` bytes free: it writes what fits,
    then raises OSError(ENOSPC), as a real full disk does.

    ``ffnn.atomic`` writes with ``os.write``; with ``room`` of a few hundred
    bytes the write probe (5 bytes) passes and the results do not fit.
    """
    real_write = os.write
    left = [room]

    def write(handle: int, data: bytes) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = real_write(handle, bytes(data[: left[0]]))
        left[0] -= written
        return written

    return write
