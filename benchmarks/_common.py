"""Shared helpers of the benchmark scripts: the machine, optional peers, interleaved
timing, markdown tables, targets and the data sets.

The machines these scripts run on are shared and noisy, so every comparison is
measured in one run with the contenders interleaved (round-robin, the starting
contender rotated each round) and summarised by best-of-N or the median, as each
table says.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TypeVar

import numpy as np

import ffnn

T = TypeVar("T")

#: cores this process may run on (the affinity mask, not the host's total)
CORES = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
) or 1


# ----------------------------------------------------------------- the machine
def describe_machine() -> str:
    """One markdown line: Python, NumPy and its BLAS, scikit-learn, PyTorch, cores."""
    parts = [
        f"Python {platform.python_version()}",
        f"NumPy {np.__version__} ({_blas()})",
        f"ffnn {ffnn.__version__}",
    ]
    # versions from the installed metadata: importing torch here would make it
    # part of this process's memory, and of every subprocess's ru_maxrss
    for module, distribution in (("sklearn", "scikit-learn"), ("torch", "torch")):
        if available(module):
            parts.append(f"{module} {importlib.metadata.version(distribution)}")
    parts.append(f"{CORES} cores ({_cpu()})")
    return "_" + ", ".join(parts) + "_"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS unknown"
    for pool in threadpool_info():
        if pool["user_api"] == "blas" and "numpy" in pool["filepath"]:
            threads = pool["num_threads"]
            return f"{pool['internal_api']} {pool['version']}, {threads} threads"
    return "BLAS unknown"


# --------------------------------------------------------------- optional peers
def available(name: str) -> bool:
    """Whether the module ``name`` is installed (found, not imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def optional_import(name: str) -> ModuleType | None:
    """The module ``name``, or None after printing a note that its rows are skipped."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(f"> note: {name} is not importable ({error}); its rows are skipped")
        return None


def set_torch_threads(torch: ModuleType) -> None:
    """Give PyTorch one intra-op thread per core (see :data:`TORCH_THREADS`)."""
    torch.set_num_threads(CORES)


TORCH_THREADS = (
    f"> PyTorch runs with torch.set_num_threads({CORES}): one thread per core of "
    "this machine, as NumPy's BLAS uses."
)


# -------------------------------------------------------------------- timing
def interleaved(trials: dict[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Run each trial ``rounds`` times, round-robin, rotating the starting trial.

    Each trial builds what it needs, times only its own work and returns what it
    measured; returns every round's result of each trial.
    """
    names = list(trials)
    results: dict[str, list[T]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(trials[name]())
    return results


def timed(function: Callable[[], object]) -> float:
    """Seconds one call of ``function`` took."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


# -------------------------------------------------------------------- tables
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table; the first column is left-aligned, the others right."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i])
            for i in range(len(row))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * widths[0]] + ["-" * (w - 1) + ":" for w in widths[1:]]
    return "\n".join(
        [line(cells[0]), "| " + " | ".join(rule) + " |"]
        + [line(row) for row in cells[1:]]
    )


def ratio(value: float) -> str:
    return f"{value:.2f}×"


class Targets:
    """Targets of one script: each is printed with the measured value and PASS/FAIL."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = 0

    def check(self, what: str, measured: str, passed: bool) -> None:
        self.failed += not passed
        self.lines.append(
            f"- {'PASS' if passed else 'FAIL'}: {what} (measured {measured})"
        )

    def skip(self, what: str, why: str) -> None:
        self.lines.append(f"- SKIP: {what} ({why})")

    def print(self) -> None:
        print("\nTargets:")
        print("\n".join(self.lines))
        passed = sum(line.startswith("- PASS") for line in self.lines)
        print(f"\n{passed} passed, {self.failed} failed")


# ---------------------------------------------------------------------- data
def moons() -> tuple[np.ndarray, np.ndarray]:
    """The notes' data: make_moons(200, noise=0.2), seed 0."""
    return ffnn.datasets.make_moons(200, noise=0.2, seed=0)


def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST in float32, found through $FFNN_DATA or the user cache (never
    downloaded); raises FileNotFoundError, naming the folders searched, when the
    files are missing (see :func:`exit_without_mnist`)."""
    return ffnn.datasets.load_mnist(dtype="float32")


def exit_without_mnist(message: str) -> None:
    """Print why MNIST is missing and exit with status 0 (a skip, not a failure)."""
    print("> note: MNIST is missing, nothing to measure.")
    print("\n".join(f"> {line}" for line in message.splitlines()))
    sys.exit(0)
