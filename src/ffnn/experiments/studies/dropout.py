"""The dropout study: a network wide enough to memorise a small noisy training
set, trained with each dropout rate ``p`` of the sweep's ``dropout`` grid.

In training every hidden unit is kept with probability ``1 − p`` and the kept
ones are scaled by ``1/(1 − p)`` (inverted dropout,
``A = A_prev ⊙ M / (1 − p)``), so no unit can rely on any other; at predict
time the whole network is used. The study measures what this does to
overfitting: the gap between the training and the test loss and accuracy at the
end of training, per rate, with the loss curves and decision boundaries.

The training-loss curve is the loss of each epoch's own forward pass, so for
``p > 0`` it is the loss of the thinned networks, with dropout on; the final
train and test numbers are measured afterwards on the whole network.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.studies.boundary_grid import (
    decision_boundary_grid,
    training_points,
)
from ffnn.experiments.study import (
    Study,
    StudyOutput,
    first_repeat,
    train_test_loss_curves,
)
from ffnn.experiments.sweep_run import RunResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


class DropoutStudy(Study):
    name = "dropout"
    title = "Dropout"

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid varies only ``dropout``."""
        grid = spec.experiment.grid
        source = spec.source or self.name
        if set(grid) != {"dropout"}:
            extra = sorted(set(grid) - {"dropout"})
            key = extra[0] if extra else "dropout"
            raise ValueError(
                f"{source}: grid.{key}: the dropout study varies only dropout "
                "(a list of rates); set other parameters in [base]"
            )

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        per_rate = [_summarise_rate(sweep, p) for p in sweep.experiment.grid["dropout"]]
        runs = first_repeat(sweep)
        n_train = len(training_points(runs[0])[1])
        report.heading("Train against test")
        self.figure(
            output,
            report,
            _gap_figure(per_rate),
            "gap.png",
            "Final loss and accuracy on the training and the test set against the "
            "dropout rate, measured on the whole network (mean over repeats; "
            "bars: standard deviation).",
        )
        report.heading("Loss curves")
        self.figure(
            output,
            report,
            _loss_curves(runs),
            "loss_curves.png",
            "Training loss (solid; with dropout on, as each epoch's forward pass "
            "saw it) and test loss (dashed) per epoch, one colour per rate "
            "(repeat 0).",
        )
        report.heading("Decision boundaries")
        self.figure(
            output,
            report,
            decision_boundary_grid(runs, _panel_title),
            "decision_boundaries.png",
            f"Decision boundary of each rate over its {n_train} training points "
            "(repeat 0).",
        )
        report.reading(_sentences(per_rate, sweep.experiment.base, n_train))
        return {"rates": per_rate, "n_train": n_train}


# ------------------------------------------------------------------ measurements
def _summarise_rate(sweep: SweepResult, rate: float) -> dict[str, Any]:
    runs = sweep.select(dropout=rate)
    entry: dict[str, Any] = {
        "dropout": rate,
        "runs": len(runs),
        "diverged": any(r.diverged for r in runs),
    }
    for metric in METRICS:
        values = np.array([r.metrics[metric] for r in runs], dtype=float)
        entry[metric] = float(np.nanmean(values))
        entry[f"{metric}_std"] = float(np.nanstd(values))
    # gaps per run, then averaged: the test set of a repeat belongs to its run
    loss_gaps = [r.metrics["test_loss"] - r.metrics["train_loss"] for r in runs]
    accuracy_gaps = [
        r.metrics["train_accuracy"] - r.metrics["test_accuracy"] for r in runs
    ]
    entry["loss_gap"] = float(np.nanmean(loss_gaps))
    entry["accuracy_gap"] = float(np.nanmean(accuracy_gaps))
    entry["min_test_loss"] = float(np.mean([min(r.history.val_loss) for r in runs]))
    entry["min_test_loss_epoch"] = float(
        np.mean([int(np.argmin(r.history.val_loss)) for r in runs])
    )
    return entry


def _sentences(
    per_rate: list[dict[str, Any]], base: dict[str, Any], n_train: int
) -> list[str]:
    sentences = []
    for e in per_rate:
        sentences.append(
            f"Dropout p = {format_value(e['dropout'])}: train / test accuracy "
            f"{format_value(e['train_accuracy'])} / "
            f"{format_value(e['test_accuracy'])} (gap "
            f"{format_value(e['accuracy_gap'])}), train / test loss "
            f"{format_value(e['train_loss'])} / {format_value(e['test_loss'])} "
            f"(gap {format_value(e['loss_gap'])}); the test loss was lowest, "
            f"{format_value(e['min_test_loss'])}, around epoch "
            f"{e['min_test_loss_epoch']:.0f} (mean over repeats)"
            f"{' (diverged)' if e['diverged'] else ''}."
        )
    finite = [e for e in per_rate if math.isfinite(e["loss_gap"])]
    if len(finite) >= 2:
        widest = max(finite, key=lambda e: e["loss_gap"])
        narrowest = min(finite, key=lambda e: e["loss_gap"])
        best = max(finite, key=lambda e: e["test_accuracy"])
        lowest = min(finite, key=lambda e: e["test_loss"])
        sentences.append(
            f"The loss gap is widest at p = {format_value(widest['dropout'])} "
            f"({format_value(widest['loss_gap'])}) and narrowest at p = "
            f"{format_value(narrowest['dropout'])} "
            f"({format_value(narrowest['loss_gap'])}); the final test loss is "
            f"lowest at p = {format_value(lowest['dropout'])} "
            f"({format_value(lowest['test_loss'])}) and the test accuracy highest "
            f"at p = {format_value(best['dropout'])} "
            f"({format_value(best['test_accuracy'])})."
        )
        gaps = [e["loss_gap"] for e in finite]
        if all(b < a for a, b in itertools.pairwise(gaps)):
            sentences.append(
                "Every increase of the rate narrowed the loss gap in this sweep."
            )
    sentences.append(
        f"{n_train} training points, {base.get('epochs')} epochs, "
        f"hidden layers {format_value(base.get('hidden'))}."
    )
    return sentences


# ------------------------------------------------------------------------ figures
def _gap_figure(per_rate: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, accuracy_ax = figure.subplots(1, 2)
    rates = [e["dropout"] for e in per_rate]
    for ax, kind in ((loss_ax, "loss"), (accuracy_ax, "accuracy")):
        for split, colour in (("train", "C0"), ("test", "C3")):
            ax.errorbar(
                rates,
                [e[f"{split}_{kind}"] for e in per_rate],
                yerr=[e[f"{split}_{kind}_std"] for e in per_rate],
                marker="o",
                capsize=3,
                color=colour,
                label=split,
            )
        ax.set_xlabel("dropout rate p")
        ax.set_xticks(rates)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    loss_ax.set_ylabel("mean cross-entropy")
    loss_ax.set_title("Loss (whole network)")
    accuracy_ax.set_ylabel("accuracy")
    accuracy_ax.set_title("Accuracy (whole network)")
    return figure


def _panel_title(run: RunResult) -> str:
    return (
        f"p = {format_value(run.spec.params['dropout'])}: train "
        f"{run.metrics['train_accuracy']:.3f}, test {run.metrics['test_accuracy']:.3f}"
    )


def _loss_curves(runs: Sequence[RunResult]) -> Figure:
    return train_test_loss_curves(
        runs,
        lambda run: f"p = {format_value(run.spec.params['dropout'])}",
        "Training (solid) and test (dashed) loss per dropout rate",
    )
