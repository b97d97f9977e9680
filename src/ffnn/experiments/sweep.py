"""The sweep runner: a base configuration, a grid of values to vary, repeats.

Every run is independent and seeded from (base seed, run index), so results are
the same whoever runs them: serially, on local cores through joblib
(``n_jobs``), or on a Dask cluster (``scheduler="tcp://host:8786"``). With
``paired=True`` (the default) the run index that seeds a run is its repeat, so
every grid point of one repeat starts from the same data and initial weights and
differs only in the swept values: a controlled comparison.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from ffnn.config import TrainConfig
from ffnn.experiments.diagnostics import Diagnostics
from ffnn.network import Network
from ffnn.runs import json_safe, load_data
from ffnn.training import History, TrainingDivergedError, evaluate, train

CONFIG_FIELDS = {f.name: f for f in fields(TrainConfig)}


# ------------------------------------------------------------------ config checks
def _expected_types(name: str) -> tuple[type, ...]:
    hint = typing.get_type_hints(TrainConfig)[name]
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    args = typing.get_args(hint) if union else (hint,)
    accepted: list[type] = []
    for arg in args:
        origin = typing.get_origin(arg) or arg
        if origin is type(None):
            accepted.append(type(None))
        elif origin is float:
            accepted += [float, int]
        elif origin is tuple:
            accepted += [tuple, list, int]  # hidden: 10 or [10, 10]
        else:
            accepted.append(origin)
    return tuple(accepted)


def check_config_values(values: Mapping[str, Any], where: str) -> None:
    """Check that every key names a TrainConfig field and every value has its
    type; the error names the key."""
    for key, value in values.items():
        if key not in CONFIG_FIELDS:
            valid = ", ".join(sorted(CONFIG_FIELDS))
            raise ValueError(
                f"{where}.{key}: unknown parameter {key!r}; valid: {valid}"
            )
        expected = _expected_types(key)
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
    values = dict(values)
    if isinstance(values.get("hidden"), int):
        values["hidden"] = (values["hidden"],)
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


# ----------------------------------------------------------------- one run
@dataclass
class RunResult:
    """What one run produced."""

    spec: RunSpec
    history: History
    network: Network
    metrics: dict[str, float]
    diverged: bool
    diverged_epoch: int | None
    diagnostics: dict[str, list[float]]
    seconds: float
    divergence: str = ""  # why the run counts as diverged, in words


def _fold_data(config: TrainConfig, fold: int, folds: int):
    """Training rows and held-out rows of fold ``fold`` of ``folds``.

    The data and the stratified split are both seeded by the run's seed: with
    ``paired=True`` every grid point of a repeat shares that seed, so all of them
    are scored on the same folds, and each sample is held out exactly once.
    """
    from ffnn.datasets import load_dataset

    X, y = load_dataset(config.dataset, config.samples, config.noise, config.seed)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    train_index, test_index = list(splitter.split(X, y))[fold]
    return X[train_index], y[train_index], X[test_index], y[test_index]


def run_one(spec: RunSpec) -> RunResult:
    """Train the run ``spec`` describes; a diverged run is recorded, not raised.

    BLAS is limited to one thread so that a run gives the same bits in every
    executor.
    """
    config = spec.config
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        if spec.folds is None:
            X_train, y_train, X_test, y_test, _ = load_data(config)
        else:
            X_train, y_train, X_test, y_test = _fold_data(config, spec.fold, spec.folds)
        n_classes = len(np.unique(np.concatenate([y_train, y_test])))
        network = config.make_network(X_train.shape[1], n_classes)
        callbacks = [Diagnostics(X_train)] if spec.diagnostics else []
        diverged_epoch = None
        try:
            history = train(
                network,
                X_train,
                y_train,
                optimizer=config.make_optimizer(),
                epochs=config.epochs,
                batch_size=config.batch_size,
                reduction=config.reduction,
                alpha=config.l2,
                l1=config.l1,
                seed=config.seed,
                clip_norm=config.clip_norm,
                validation_data=(X_test, y_test),
                callbacks=callbacks,
            )
        except TrainingDivergedError as error:
            history = error.history
            diverged_epoch = error.epoch
        metrics = _final_metrics(
            network, X_train, y_train, X_test, y_test, diverged_epoch is not None
        )
    records = dict(callbacks[0].records) if callbacks else {}
    divergence = _divergence(history, diverged_epoch)
    return RunResult(
        spec,
        history,
        network,
        metrics,
        bool(divergence),
        diverged_epoch,
        records,
        time.perf_counter() - start,
        divergence,
    )


def _divergence(history: History, nonfinite_epoch: int | None) -> str:
    """Why a run diverged ('' if it did not): its loss became NaN or infinite, or
    it ended above where it started (steps so large they overshoot every time)."""
    if nonfinite_epoch is not None:
        return f"the loss became non-finite at epoch {nonfinite_epoch}"
    if history.epochs >= 2 and history.loss[-1] > history.loss[0]:
        return f"the loss rose from {history.loss[0]:.3g} to {history.loss[-1]:.3g}"
    return ""


def _final_metrics(network, X_train, y_train, X_test, y_test, diverged: bool):
    if diverged:
        nan = math.nan
        return {
            "train_loss": nan,
            "train_accuracy": nan,
            "test_loss": nan,
            "test_accuracy": nan,
            "weight_norm": nan,
        }
    train_loss, train_accuracy = evaluate(network, X_train, y_train)
    test_loss, test_accuracy = evaluate(network, X_test, y_test)
    weight_norm = math.sqrt(sum(float(np.vdot(W, W)) for W in network.weights))
    return {
        "train_loss": train_loss,
        "train_accuracy": train_accuracy,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "weight_norm": weight_norm,
    }


# ------------------------------------------------------------------- executors
def execute(
    specs: Sequence[RunSpec],
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """Run every spec; returns results in spec order.

    Parameters
    ----------
    n_jobs : int
        1 runs serially; more runs in that many local processes (joblib).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: runs go to
        the cluster's workers. Needs the ``ffnn[distributed]`` extra.
    progress : callable(done, total), optional
        Called after each finished run.
    """
    if scheduler is not None:
        results = _execute_dask(specs, scheduler)
    elif n_jobs == 1:
        results = map(run_one, specs)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        results = parallel(delayed(run_one)(spec) for spec in specs)
    collected: list[RunResult] = []
    for result in results:
        collected.append(result)
        if progress is not None:
            progress(len(collected), len(specs))
    return sorted(collected, key=lambda result: result.spec.index)


def _execute_dask(specs: Sequence[RunSpec], scheduler: Any) -> Iterator[RunResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise ImportError(
            "running on a Dask cluster needs the 'distributed' extra: "
            "pip install 'ffnn[distributed]'"
        ) from error
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = client.map(run_one, list(specs), pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        if client is not scheduler:
            client.close()


# ---------------------------------------------------------------------- results
@dataclass
class SweepResult:
    """The runs of an experiment, with tidy tables of them."""

    experiment: Experiment
    runs: list[RunResult]

    def runs_table(self) -> list[dict[str, Any]]:
        """One row per run: its grid values, seed, status and final metrics."""
        rows = []
        for run in self.runs:
            spec = run.spec
            rows.append(
                {
                    "run": spec.index,
                    "repeat": spec.repeat,
                    "fold": spec.fold,
                    **spec.params,
                    "seed": spec.config.seed,
                    "diverged": run.diverged,
                    "divergence": run.divergence,
                    "epochs_run": run.history.epochs,
                    "loss_increases": len(run.history.loss_increases()),
                    **run.metrics,
                    "seconds": run.seconds,
                }
            )
        return rows

    def epochs_table(self) -> list[dict[str, Any]]:
        """One row per run and epoch: the loss curves and diagnostics."""
        rows = []
        for run in self.runs:
            history = run.history
            for epoch in range(history.epochs):
                row = {
                    "run": run.spec.index,
                    "repeat": run.spec.repeat,
                    "fold": run.spec.fold,
                    **run.spec.params,
                    "epoch": epoch,
                    "loss": history.loss[epoch],
                }
                if history.val_loss:
                    row["val_loss"] = history.val_loss[epoch]
                    row["val_accuracy"] = history.val_accuracy[epoch]
                row["time"] = history.time[epoch]
                for key, values in run.diagnostics.items():
                    row[key] = values[epoch]
                rows.append(row)
        return rows

    def save(self, out: str | PathLike) -> dict[str, Path]:
        """Write ``runs.csv``, ``epochs.csv`` and ``results.json`` into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tables = {"runs": self.runs_table(), "epochs": self.epochs_table()}
        paths = {}
        for name, rows in tables.items():
            paths[f"{name}.csv"] = _write_csv(out / f"{name}.csv", rows)
        document = {
            "experiment": {
                "name": self.experiment.name,
                "base": self.experiment.base,
                "grid": self.experiment.grid,
                "repeats": self.experiment.repeats,
                "seed": self.experiment.seed,
                "paired": self.experiment.paired,
                "folds": self.experiment.folds,
            },
            **tables,
        }
        paths["results.json"] = out / "results.json"
        paths["results.json"].write_text(json.dumps(json_safe(document), indent=1))
        return paths

    def to_dataframe(self, table: str = "runs"):
        """The ``runs`` or ``epochs`` table as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError(
                "to_dataframe needs pandas: pip install pandas"
            ) from error
        tables = {"runs": self.runs_table, "epochs": self.epochs_table}
        if table not in tables:
            raise ValueError(f"table must be 'runs' or 'epochs', got {table!r}")
        return pandas.DataFrame(tables[table]())

    def select(self, **params: Any) -> list[RunResult]:
        """The runs whose grid values include ``params``."""
        return [
            run
            for run in self.runs
            if all(run.spec.params.get(k) == v for k, v in params.items())
        ]

    def mean_over_repeats(self, metric: str, **params: Any) -> float:
        """Mean of a final metric over the runs matching ``params`` (NaN-aware)."""
        values = [run.metrics[metric] for run in self.select(**params)]
        return float(np.nanmean(values)) if values else math.nan


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return path


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return "" if value is None else value


def run_experiment(
    experiment: Experiment,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run every run of ``experiment`` (see :func:`execute`)."""
    return SweepResult(
        experiment, execute(experiment.specs(), n_jobs, scheduler, progress)
    )


def with_overrides(experiment: Experiment, **changes: Any) -> Experiment:
    """A copy of ``experiment`` with fields replaced (validated again)."""
    return replace(experiment, **changes)


def iter_params(results: Iterable[RunResult], key: str) -> list[Any]:
    """The distinct values of grid parameter ``key``, in run order."""
    seen: list[Any] = []
    for run in results:
        value = run.spec.params.get(key)
        if value not in seen:
            seen.append(value)
    return seen
