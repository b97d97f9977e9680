"""The results of a sweep: :class:`SweepResult` with its tidy tables (one row
per run, one per run and epoch), written as ``runs.csv``, ``epochs.csv`` and
``results.json`` (each atomically, :mod:`ffnn.atomic`); :func:`run_experiment`
runs a sweep into one."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.atomic import atomic_write_text
from ffnn.experiments.executors import execute
from ffnn.experiments.sweep import Experiment
from ffnn.experiments.sweep_run import RunResult
from ffnn.run_files import json_safe


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
                    "engine": run.history.engine,  # the engine that ran
                    "loss_increases": len(run.history.loss_increases()),
                    **run.metrics,  # epochs_run, n_train among them
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
                    if history.val_accuracy:
                        row["val_accuracy"] = history.val_accuracy[epoch]
                    if history.val_r2:
                        row["val_r2"] = history.val_r2[epoch]
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
            "experiment": asdict(self.experiment),
            **tables,
        }
        paths["results.json"] = atomic_write_text(
            out / "results.json", json.dumps(json_safe(document), indent=1)
        )
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
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return atomic_write_text(path, text.getvalue())


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
