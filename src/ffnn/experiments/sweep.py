"""The sweep runner: a base configuration, a grid of values to vary, repeats.

Every run is independent and seeded from (base seed, run index), so results are
the same whoever runs them: serially, on local cores through joblib
(``n_jobs``), or on a Dask cluster (``scheduler="tcp://host:8786"``). With
``paired=True`` (the default) the run index that seeds a run is its repeat, so
every grid point of one repeat starts from the same data and initial weights and
differs only in the swept values: a controlled comparison.

This module holds the plan (:class:`Experiment`, :class:`RunSpec`) and the checks
of its values; :mod:`ffnn.experiments.sweep_run` trains one run,
:mod:`ffnn.experiments.executors` runs many, and :mod:`ffnn.experiments.results`
gathers them into a :class:`SweepResult`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ffnn.config import SETTINGS, TrainConfig


# ------------------------------------------------------------------ config checks
def check_config_values(values: Mapping[str, Any], where: str) -> None:
    """Check that every key names a TrainConfig setting and every value has its
    type (:attr:`ffnn.config.Setting.accepts`); the error names the key."""
    for key, value in values.items():
        if key not in SETTINGS:
            valid = ", ".join(sorted(SETTINGS))
            raise ValueError(
                f"{where}.{key}: unknown parameter {key!r}; valid: {valid}"
            )
        expected = SETTINGS[key].accepts
        if isinstance(value, bool) and bool not in expected:
            raise TypeError(
                f"{where}.{key}: expected {_type_names(expected)}, got {value!r}"
            )
        if not isinstance(value, expected):
            raise TypeError(
                f"{where}.{key}: expected {_type_names(expected)}, "
                f"got {type(value).__name__} {value!r}"
            )


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join(sorted({t.__name__ for t in types}))


def make_config(values: Mapping[str, Any], where: str) -> TrainConfig:
    """A TrainConfig from checked values; invalid values name ``where``."""
    check_config_values(values, where)
    try:
        return TrainConfig(**values)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: {error}") from error


# --------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: its index, the grid values it takes, its config."""

    index: int
    repeat: int
    params: dict[str, Any]
    config: TrainConfig
    fold: int | None = None
    folds: int | None = None
    diagnostics: bool = False


@dataclass
class Experiment:
    """A base configuration plus the parameters to vary and a number of repeats.

    Parameters
    ----------
    name : str
    base : mapping
        :class:`TrainConfig` fields shared by every run.
    grid : mapping of field → list of values
        Every combination is run (``repeats`` times).
    repeats : int
        Runs per grid point, each with its own seed.
    seed : int
        Base seed; a run's seed is drawn from ``SeedSequence([seed, index])``.
    paired : bool
        Seed by the repeat (same data and initial weights across a repeat's grid
        points) instead of by the run's position in the sweep.
    folds : int, optional
        k-fold cross-validation: each grid point is trained on k − 1 folds of the
        generated data and scored on the remaining one, for each fold.
    diagnostics : bool
        Record weight/gradient norms and saturation per epoch.
    """

    name: str
    base: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    repeats: int = 1
    seed: int = 0
    paired: bool = True
    folds: int | None = None
    diagnostics: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.repeats, int) or self.repeats < 1:
            raise ValueError(f"repeats: must be an integer >= 1, got {self.repeats!r}")
        if self.folds is not None and (
            not isinstance(self.folds, int) or self.folds < 2
        ):
            raise ValueError(f"folds: must be an integer >= 2, got {self.folds!r}")
        if self.folds is not None and not self.paired:
            raise ValueError(
                "folds: cross-validation needs paired = true, so that "
                "every run of a repeat splits the same data set"
            )
        if not isinstance(self.seed, int):
            raise TypeError(f"seed: must be an integer, got {self.seed!r}")
        check_config_values(self.base, "base")
        for key, values in self.grid.items():
            if isinstance(values, str) or not isinstance(values, Sequence):
                raise TypeError(f"grid.{key}: must be a list of values, got {values!r}")
            if len(values) == 0:
                raise ValueError(f"grid.{key}: empty list; give at least one value")
            for value in values:
                check_config_values({key: value}, "grid")
        overlap = set(self.base) & set(self.grid)
        if overlap:
            raise ValueError(f"grid.{sorted(overlap)[0]}: set both in base and grid")
        self.specs()  # builds every config: an invalid value fails before any run

    def grid_points(self) -> list[dict[str, Any]]:
        """Every combination of the grid values, in order."""
        keys = list(self.grid)
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(self.grid[k] for k in keys))
        ]

    def specs(self) -> list[RunSpec]:
        """The runs of the sweep, in a fixed order."""
        specs = []
        folds = [None] if self.folds is None else list(range(self.folds))
        index = 0
        for repeat in range(self.repeats):
            for point in self.grid_points():
                for fold in folds:
                    seed_index = repeat if self.paired else index
                    seed = run_seed(self.seed, seed_index)
                    where = "grid" if point else "base"
                    config = make_config({**self.base, **point, "seed": seed}, where)
                    specs.append(
                        RunSpec(
                            index,
                            repeat,
                            point,
                            config,
                            fold,
                            self.folds,
                            self.diagnostics,
                        )
                    )
                    index += 1
        return specs


def run_seed(base_seed: int, index: int) -> int:
    """A run's seed: the first word of ``SeedSequence([base_seed, index])``."""
    return int(np.random.SeedSequence([base_seed, index]).generate_state(1)[0])
