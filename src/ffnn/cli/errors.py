"""How the ``ffnn`` command reports an error: one line on stderr and an exit
status, never a traceback.

- 2, bad input: a bad option value or TOML key, a missing or unreadable input
  file, a bad model file, an output folder that cannot be written (checked
  before any work), data the model cannot predict;
- 1, a failed run: training diverged, writing the results failed (a full disk),
  a download or a Dask scheduler that cannot be reached, anything unexpected;
- 130, interrupted (Ctrl-C).

With ``FFNN_DEBUG=1`` in the environment the error is raised instead, with
its traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from ffnn.atomic import MARKER, is_incomplete
from ffnn.training import TrainingDivergedError

#: set to 1 to see an error's traceback instead of its one line
DEBUG_VARIABLE = "FFNN_DEBUG"

BAD_INPUT, FAILED, INTERRUPTED = 2, 1, 130

#: errors of the input the user gave (OS errors of these kinds come from
#: reading it: a failed write is a RunFailed or an ffnn.atomic.WriteError)
INPUT_ERRORS = (
    ValueError,
    TypeError,
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


class RunFailed(Exception):
    """A run that could not be completed, its message written for the user
    (say, its results could not be written): exit status 1."""


def write_failed(error: OSError, out: Path) -> RunFailed:
    """The error of a run whose results could not be written into the folder
    ``out``, saying what the folder holds now."""
    state = (
        f"{out} is marked incomplete ({out / MARKER})"
        if is_incomplete(out)
        else f"{out} was left as it was"
    )
    reason = error.strerror or str(error)
    where = error.filename or out
    return RunFailed(f"could not write {where}: {reason}; {state}")


def debugging() -> bool:
    """True when ``FFNN_DEBUG`` asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")


def describe(error: BaseException) -> tuple[int, str]:
    """The exit status of ``error`` and its one line for stderr."""
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, "interrupted"
    if isinstance(error, TrainingDivergedError | RunFailed | ConnectionError):
        return FAILED, one_line(error)
    if isinstance(error, INPUT_ERRORS):
        return BAD_INPUT, one_line(error)
    if isinstance(error, OSError):  # a download, a write: the run failed
        return FAILED, one_line(error)
    if isinstance(error, MemoryError):
        reason = "out of memory"
    else:
        reason = f"unexpected {type(error).__name__}: {one_line(error)}"
    return FAILED, f"{reason} (set {DEBUG_VARIABLE}=1 to see the traceback)"


def one_line(error: BaseException) -> str:
    """``error``'s message on one line: lines after one ending in ':' follow
    it, other lines are joined with '; '."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    text = lines[0]
    for line in lines[1:]:
        text += (" " if text.endswith(":") else "; ") + line
    return text
