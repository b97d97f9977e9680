"""The cross-validation study: choose the learning rate η and the L2 strength λ
by k-fold cross-validation, as the notes suggest for both.

The generated data set is split into k stratified folds (scikit-learn's
``StratifiedKFold``, seeded by the run's seed, so every (η, λ) pair of a repeat
sees the same folds). Each pair is trained k times, on k − 1 folds, and scored
on the fold it did not see; its score is the mean ± standard deviation of the k
held-out accuracies and losses::

    acc(η, λ) = (1/k) Σ_f acc_f(η, λ),   f = 1 … k

The chosen pair has the highest mean held-out accuracy; pairs within
:data:`TIE` of it are tied and the lower mean held-out loss wins. A pair with a
diverged fold is never chosen. With ``refit`` the chosen pair is then trained
once on all the samples and tested on fresh ones.
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.study import Study, StudyOutput, describe_point
from ffnn.experiments.sweep_run import RunResult, run_one
from ffnn.plots import plot_decision_boundary
from ffnn.training_run import load_run_data

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

#: mean accuracies closer than this are tied (k-fold means of the same fold
#: scores can differ in the last bits)
TIE = 1e-9

#: the columns of ``cv_table.csv``, one row per grid pair
TABLE_COLUMNS = (
    "val_accuracy",
    "val_accuracy_std",
    "val_loss",
    "val_loss_std",
    "train_accuracy",
    "folds_run",
    "diverged_folds",
)


class CrossValidationStudy(Study):
    name = "cross-validation"
    title = "Cross-validation"
    #: refit: train the chosen pair on all samples and test it on fresh ones
    options: ClassVar[dict[str, Any]] = {"refit": True}

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the folds, the two-parameter grid and the pairing."""
        experiment = spec.experiment
        source = spec.source or self.name
        if experiment.folds is None:
            raise ValueError(
                f"{source}: experiment.folds: missing; the cross-validation study "
                "needs k >= 2 folds (e.g. folds = 5)"
            )
        if len(experiment.grid) != 2:
            raise ValueError(
                f"{source}: grid: the cross-validation study maps a grid of two "
                f"parameters (e.g. learning_rate and l2), got "
                f"{sorted(experiment.grid) or 'none'}"
            )
        if not experiment.paired:
            raise ValueError(
                f"{source}: experiment.paired: must be true for cross-validation, "
                "so that the folds of every pair split one data set"
            )

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        experiment = sweep.experiment
        rows_key, columns_key = list(experiment.grid)
        table = cv_table(sweep)
        chosen = choose(table)
        output.files["cv_table.csv"] = write_table(
            table, output.out / "cv_table.csv", [rows_key, columns_key]
        )

        reduction = experiment.base.get("reduction", "sum")
        report.heading("Held-out scores")
        self.figure(
            output,
            report,
            _heatmaps(table, rows_key, columns_key, chosen),
            "cv_heatmap.png",
            f"Mean ± std over {experiment.folds} folds (× {experiment.repeats} "
            f"repeat(s)) of the held-out fold's accuracy and loss "
            f"({reduction} of gradients). The chosen pair is outlined.",
        )
        report.table(
            table,
            columns=[rows_key, columns_key, *TABLE_COLUMNS],
        )

        refit = None
        if options["refit"] and chosen is not None:
            refit = _refit(sweep, chosen["params"])
            report.heading("The chosen pair, trained on all samples")
            refit_data = load_run_data(refit.spec.config)
            X, y = refit_data.X_train, refit_data.y_train
            self.figure(
                output,
                report,
                plot_decision_boundary(
                    refit.network,
                    X,
                    y,
                    title=f"Refit: {describe_point(chosen['params'])}",
                ),
                "refit_decision_boundary.png",
                "Decision boundary of the chosen pair trained on all samples.",
            )

        report.reading(_reading(table, chosen, experiment.folds, refit))
        summary: dict[str, Any] = {
            "folds": experiment.folds,
            "repeats": experiment.repeats,
            "pairs": table,
            "chosen": chosen["params"] if chosen else None,
            "chosen_val_accuracy": chosen["val_accuracy"] if chosen else math.nan,
            "chosen_val_loss": chosen["val_loss"] if chosen else math.nan,
            "tied_pairs": [e["params"] for e in _ties(table, chosen)],
        }
        if refit is not None:
            summary["refit"] = {
                "train_accuracy": refit.metrics["train_accuracy"],
                "test_accuracy": refit.metrics["test_accuracy"],
                "test_loss": refit.metrics["test_loss"],
                "diverged": refit.diverged,
            }
        return summary


def cv_table(sweep: SweepResult) -> list[dict[str, Any]]:
    """Per grid pair: mean and std of the held-out fold scores over every fold
    (and repeat), the count of fold results and of diverged folds."""
    table = []
    for params in sweep.experiment.grid_points():
        runs = sweep.select(**params)
        entry: dict[str, Any] = {**params, "params": params}
        for name, metric in (
            ("val_accuracy", "test_accuracy"),  # run_one scores the held-out fold
            ("val_loss", "test_loss"),
            ("train_accuracy", "train_accuracy"),
        ):
            values = np.array([r.metrics[metric] for r in runs], dtype=float)
            finite = values[np.isfinite(values)]
            entry[name] = float(finite.mean()) if finite.size else math.nan
            entry[f"{name}_std"] = float(finite.std()) if finite.size else math.nan
        entry["folds_run"] = len(runs)
        entry["diverged_folds"] = sum(r.diverged for r in runs)
        table.append(entry)
    return table


def choose(table: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The pair with the best mean held-out accuracy, ties (within :data:`TIE`)
    broken by the lower mean held-out loss; pairs with a diverged fold are
    skipped. None if every pair diverged."""
    candidates = [
        e
        for e in table
        if e["diverged_folds"] == 0 and math.isfinite(e["val_accuracy"])
    ]
    if not candidates:
        return None
    best = max(e["val_accuracy"] for e in candidates)
    tied = [e for e in candidates if e["val_accuracy"] >= best - TIE]
    return min(tied, key=lambda e: e["val_loss"])


def _ties(table: list[dict[str, Any]], chosen: dict[str, Any] | None) -> list[dict]:
    if chosen is None:
        return []
    return [
        e
        for e in table
        if e is not chosen
        and e["diverged_folds"] == 0
        and e["val_accuracy"] >= chosen["val_accuracy"] - TIE
    ]


def write_table(table: list[dict[str, Any]], path: Path, keys: list[str]) -> Path:
    """Write one row per pair: its grid values and :data:`TABLE_COLUMNS`."""
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=[*keys, *TABLE_COLUMNS])
        writer.writeheader()
        for entry in table:
            writer.writerow({key: entry[key] for key in [*keys, *TABLE_COLUMNS]})
    return path


def _refit(sweep: SweepResult, params: dict[str, Any]) -> RunResult:
    """Train ``params`` once on all the samples of repeat 0, tested on fresh
    samples (see :func:`ffnn.training_run.load_run_data`)."""
    spec = next(r.spec for r in sweep.select(**params) if r.spec.repeat == 0)
    return run_one(replace(spec, fold=None, folds=None, diagnostics=False))


def _reading(
    table: list[dict[str, Any]],
    chosen: dict[str, Any] | None,
    folds: int,
    refit: RunResult | None,
) -> list[str]:
    if chosen is None:
        return ["Every pair diverged in at least one fold; none is chosen."]
    sentences = [
        f"{folds}-fold cross-validation chooses {describe_point(chosen['params'])}: "
        f"held-out accuracy {format_value(chosen['val_accuracy'])} ± "
        f"{format_value(chosen['val_accuracy_std'])} and loss "
        f"{format_value(chosen['val_loss'])} ± "
        f"{format_value(chosen['val_loss_std'])}."
    ]
    for entry in _ties(table, chosen):
        sentences.append(
            f"The pair {describe_point(entry['params'])} ties on accuracy but has "
            "the "
            f"higher held-out loss, {format_value(entry['val_loss'])}."
        )
    scored = [e for e in table if math.isfinite(e["val_accuracy"])]
    worst = min(scored, key=lambda e: e["val_accuracy"])
    sentences.append(
        f"The weakest pair, {describe_point(worst['params'])}, scores "
        f"{format_value(worst['val_accuracy'])} ± "
        f"{format_value(worst['val_accuracy_std'])}."
    )
    diverged = [e for e in table if e["diverged_folds"]]
    for entry in diverged:
        sentences.append(
            f"The pair {describe_point(entry['params'])} diverged in "
            f"{entry['diverged_folds']} of {entry['folds_run']} folds."
        )
    if refit is not None:
        sentences.append(
            f"Trained on all samples, the chosen pair reaches training accuracy "
            f"{format_value(refit.metrics['train_accuracy'])} and test accuracy "
            f"{format_value(refit.metrics['test_accuracy'])} on fresh samples."
        )
    return sentences


def _heatmaps(
    table: list[dict[str, Any]],
    rows_key: str,
    columns_key: str,
    chosen: dict[str, Any] | None,
) -> Figure:
    """Mean held-out accuracy and loss over the grid, cells annotated mean ± std."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    rows = list(dict.fromkeys(e[rows_key] for e in table))
    columns = list(dict.fromkeys(e[columns_key] for e in table))
    figure = Figure(figsize=(11, 0.9 * len(rows) + 2.4), layout="constrained")
    axes = figure.subplots(1, 2)
    for ax, metric, cmap, title in (
        (axes[0], "val_accuracy", "viridis", "held-out accuracy (higher is better)"),
        (axes[1], "val_loss", "viridis_r", "held-out loss (lower is better)"),
    ):
        grid = np.full((len(rows), len(columns)), np.nan)
        spread = np.full_like(grid, np.nan)
        for entry in table:
            i, j = rows.index(entry[rows_key]), columns.index(entry[columns_key])
            grid[i, j] = entry[metric]
            spread[i, j] = entry[f"{metric}_std"]
        image = ax.imshow(grid, cmap=cmap, aspect="auto")
        figure.colorbar(image, ax=ax, shrink=0.9)
        low, high = np.nanmin(grid), np.nanmax(grid)
        for (i, j), value in np.ndenumerate(grid):
            bright = (value - low) / (high - low or 1.0)
            if metric == "val_loss":
                bright = 1.0 - bright
            ax.text(
                j,
                i,
                f"{value:.3f}\n± {spread[i, j]:.3f}",
                ha="center",
                va="center",
                fontsize="small",
                color="black" if bright > 0.6 else "white",
            )
        if chosen is not None:
            i, j = rows.index(chosen[rows_key]), columns.index(chosen[columns_key])
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=2.5)
            )
        ax.set_xticks(range(len(columns)), [format_value(v) for v in columns])
        ax.set_yticks(range(len(rows)), [format_value(v) for v in rows])
        ax.set_xlabel(_axis_name(columns_key))
        ax.set_ylabel(_axis_name(rows_key))
        ax.set_title(f"Mean {title}")
    return figure


def _axis_name(key: str) -> str:
    return {"learning_rate": "learning rate η", "l2": "L2 strength λ"}.get(key, key)
