"""Fixtures shared by the test modules, and the suite's markers.

Markers (registered in pyproject.toml):

- ``numerics``: the results depend on how floating-point sums are rounded, which
  differs between BLAS kernels (OpenBLAS picks Haswell, SkylakeX, ... by CPU).
  Such a module says so with ``pytestmark = pytest.mark.numerics``; after the
  whole suite, ``.ci/run`` runs them again with another kernel set
  (``pytest -m numerics``), so that a test which asserts where a chaotic run
  lands fails in CI, not on a user's machine.
- ``slow``: the slowest tests (seconds each, marked where they are defined);
  ``pytest -m "not slow"`` is the quick loop, ``make test`` runs everything.

Plain helpers that are not fixtures live in ``tests/support/``, imported by
their full name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from ffnn.experiments import ExperimentFile, run_study
from ffnn.optimizers import SGD, Adam, Optimizer, RMSProp
from tests.support import notes_reference as _notes_reference
from tests.support.study_files import read_csv


#: test modules whose assertions depend on the numbers training or a gradient
#: reaches: training runs, the notes' reproduction, the studies, engine/layer
#: agreement, gradient checks, the accuracy of the image presets
# ------------------------------------------------------------ finite differences
def _numeric_gradient(
    f: Callable[[], float], x: np.ndarray, epsilon: float = 1e-6
) -> np.ndarray:
    grad = np.empty_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + epsilon
        plus = f()
        flat[i] = original - epsilon
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * epsilon)
    return grad


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


@pytest.fixture(scope="session")
def numeric_gradient() -> Callable[..., np.ndarray]:
    """``numeric_gradient(f, x, epsilon=1e-6)``: ``∂f/∂x`` by central differences
    of the scalar function ``f()``, perturbing ``x`` in place (then restored)."""
    return _numeric_gradient


@pytest.fixture(scope="session")
def relative_error() -> Callable[[np.ndarray, np.ndarray], float]:
    """``relative_error(a, b)``: ``‖a − b‖ / (‖a‖ + ‖b‖)``, the measure that
    :func:`ffnn.gradcheck` reports."""
    return _relative_error


# -------------------------------------------------------------------- optimizers
#: optimizer settings shared by the tests of the compiled and the NumPy updates;
#: each maps ``fused`` (None, True or False) to a fresh optimizer
OPTIMIZER_SETTINGS: dict[str, Callable[[bool | None], Optimizer]] = {
    "adam": lambda fused: Adam(0.01, fused=fused),
    "adam-betas": lambda fused: Adam(0.05, beta1=0.5, beta2=0.9, fused=fused),
    "momentum": lambda fused: SGD(0.1, momentum=0.9, fused=fused),
    "nesterov": lambda fused: SGD(0.1, momentum=0.8, nesterov=True, fused=fused),
    "rmsprop": lambda fused: RMSProp(0.01, rho=0.7, epsilon=1e-6, fused=fused),
    "sgd": lambda fused: SGD(0.1, fused=fused),
}


@pytest.fixture(params=sorted(OPTIMIZER_SETTINGS))
def make_optimizer(request) -> Callable[[bool | None], Optimizer]:
    """Each of :data:`OPTIMIZER_SETTINGS` in turn (a test that takes this fixture
    runs once per setting): ``make_optimizer(fused)`` builds a fresh one."""
    return OPTIMIZER_SETTINGS[request.param]


# ------------------------------------------------------------- the notes' loop
@pytest.fixture
def notes_data() -> tuple[np.ndarray, np.ndarray]:
    """The notes' data set, drawn as the notes drew it (``X``, ``y``), fresh for
    each test."""
    return _notes_reference.notes_data()


@pytest.fixture(scope="session")
def notes_reference() -> ModuleType:
    """The notes' training loop re-implemented without ffnn
    (``tests/support/notes_reference.py``): ``notes_initial_weights``,
    ``notes_loss`` and ``notes_train``."""
    return _notes_reference


# ----------------------------------------------------------------------- studies
@pytest.fixture(scope="session")
def run_shipped() -> Callable[[str, Path], tuple[Any, dict, list[dict[str, str]]]]:
    """``run_shipped(name, out)``: the study ``name`` run on its shipped
    configuration in two processes (a sweep gives the same bits in every
    executor); returns its output, ``summary.json`` and the rows of runs.csv."""

    def run(name: str, out: Path):
        output = run_study(name, out, n_jobs=2)
        summary = json.loads((out / "summary.json").read_text())
        return output, summary, read_csv(out / "runs.csv")

    return run


@pytest.fixture
def refused_runs() -> Callable[[ExperimentFile, Path, str], int]:
    """``refused_runs(spec, out, message)``: runs the experiment ``spec`` into
    ``out`` expecting a ``ValueError`` that matches ``message``; returns the
    number of runs that finished before it (each one reports its progress)."""

    def refused(spec: ExperimentFile, out: Path, message: str) -> int:
        finished: list[int] = []
        with pytest.raises(ValueError, match=message):
            run_study(spec, out, progress=lambda done, total: finished.append(done))
        return len(finished)

    return refused
