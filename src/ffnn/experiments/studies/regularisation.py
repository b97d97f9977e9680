"""The regularisation study: an L2 strength λ sweep on a network that overfits
without it.

The loss is the notes' ``L = L0 + λ/(2n) Σ w²`` over the weights (not the
biases), ``n`` the number of training samples. Its gradient adds ``(λ/n) W`` to
the mean gradient, so one full-batch step is the notes' weight decay::

    mean: W ← (1 − ηλ/n) W − η ∂L0/∂W
    sum:  W ← (1 − ηλ) W − η Σ ∂l_i/∂W     (the notes' summed gradient)

The study measures what the penalty does: the final weight norm
``‖W‖ = √(Σ_l ‖W_l‖²_F)`` against λ, the train and test loss and accuracy
against λ (the train/test gap is the overfitting), and the decision boundary
each λ draws. Losses are the cross-entropy ``L0`` without the penalty, so they
compare across λ.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.config import TrainConfig
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
    summarise_points,
)
from ffnn.experiments.sweep_run import RunResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

METRICS = (
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "weight_norm",
)


class RegularisationStudy(Study):
    name = "regularisation"
    title = "L2 regularisation"
    options: ClassVar[dict[str, Any]] = {}

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid sweeps λ alone."""
        check_l2_grid(spec.experiment.grid)

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        lambdas = check_l2_grid(sweep.experiment.grid)
        per_lambda = summarise_lambdas(sweep)
        repeat0 = first_repeat(sweep)
        config = sweep.runs[0].spec.config
        n_train = len(training_points(sweep.runs[0])[1])
        report.paragraph(_setting(config, n_train))

        report.heading("Loss and accuracy against λ")
        self.figure(
            output,
            report,
            _metrics_figure(per_lambda),
            "metrics_vs_lambda.png",
            "Final cross-entropy L0 and accuracy on the training and test sets "
            f"against λ (mean ± std over {sweep.experiment.repeats} repeats; "
            "symlog axis, so λ = 0 has its own tick).",
        )
        report.heading("Decision boundaries")
        self.figure(
            output,
            report,
            decision_boundary_grid(repeat0, _panel_title),
            "decision_boundaries.png",
            "Decision boundary of each λ (repeat 0) over its training points.",
        )
        report.heading("Weight norms")
        self.figure(
            output,
            report,
            _norms_figure(per_lambda, repeat0),
            "weight_norms.png",
            "Left: final ‖W‖ = √(Σ_l ‖W_l‖²) against λ (mean ± std). Right: ‖W‖ "
            "per epoch (repeat 0), from the diagnostics.",
        )

        summary = summarise(per_lambda)
        summary.update(
            {
                "optimizer": config.optimizer,
                "reduction": config.reduction,
                "learning_rate": config.learning_rate,
                "n_train": n_train,
                "lambdas_swept": lambdas,
            }
        )
        report.reading(_reading(summary))
        return summary


def _setting(config: TrainConfig, n_train: int) -> str:
    """The penalty and how the configured optimizer applies it, in words."""
    text = (
        f"L = L0 + λ/(2n) Σ w² over the weights, n = {n_train} training samples, "
        f"{config.reduction} of gradients. "
    )
    plain_sgd = config.optimizer == "sgd" and config.momentum == 0
    if plain_sgd and config.batch_size is None and config.schedule == "constant":
        factor = "ηλ" if config.reduction == "sum" else "ηλ/n"
        text += (
            f"With η = {format_value(config.learning_rate)}, every full-batch step "
            f"multiplies W by (1 − {factor}) before the step along −∂L0/∂W. "
        )
    else:
        text += (
            f"The {config.optimizer} optimizer receives the penalty's gradient "
            "(λ/n) W (times the batch size for the sum) added to ∂L0/∂W. "
        )
    return text + "Losses are L0, without the penalty."


def check_l2_grid(grid: dict[str, list[Any]]) -> list[float]:
    """The swept λ values; the grid must vary ``l2`` alone, in increasing order."""
    if set(grid) != {"l2"}:
        raise ValueError(
            "grid: the regularisation study varies l2 alone; got grid keys "
            f"{sorted(grid)}"
        )
    lambdas = [float(v) for v in grid["l2"]]
    if any(b <= a for a, b in itertools.pairwise(lambdas)):
        raise ValueError(f"grid.l2: list λ in increasing order, got {grid['l2']!r}")
    return lambdas


def summarise_lambdas(sweep: SweepResult) -> list[dict[str, Any]]:
    """Per λ: mean and std over repeats of the final metrics, and the gap
    ``train_accuracy − test_accuracy`` (mean over repeats)."""
    entries = []
    for point in summarise_points(sweep):
        entry = {"l2": float(point["params"]["l2"]), "runs": point["runs"]}
        entry["diverged"] = point["diverged"]
        for metric in METRICS:
            entry[metric] = point[metric]
            entry[f"{metric}_std"] = point[f"{metric}_std"]
        # accuracies are fractions k/n: rounding drops the last-bit residue
        # (-1.1e-16) a difference of equal means can leave; + 0.0 turns -0 to 0
        gap = entry["train_accuracy"] - entry["test_accuracy"]
        entry["gap"] = round(gap, 12) + 0.0
        entries.append(entry)
    return entries


def summarise(per_lambda: list[dict[str, Any]]) -> dict[str, Any]:
    """The findings: how ‖W‖ falls with λ, the λ of best mean test accuracy and
    the train/test gap there and at the smallest λ (the reference, normally 0).

    ``weight_norm_slope`` is the least-squares slope of ``log ‖W‖`` against
    ``log λ`` over the positive λ: ‖W‖ ∝ λ^slope.
    """
    norms = [e["weight_norm"] for e in per_lambda]
    decreasing = all(b < a for a, b in itertools.pairwise(norms))
    positive = [e for e in per_lambda if e["l2"] > 0 and e["weight_norm"] > 0]
    slope = math.nan
    if len(positive) >= 2:
        slope = float(
            np.polyfit(
                np.log([e["l2"] for e in positive]),
                np.log([e["weight_norm"] for e in positive]),
                1,
            )[0]
        )
    scored = [e for e in per_lambda if math.isfinite(e["test_accuracy"])]
    best = max(scored, key=lambda e: e["test_accuracy"]) if scored else None
    reference = per_lambda[0]
    return {
        "lambdas": per_lambda,
        "weight_norm_strictly_decreasing": decreasing,
        "weight_norm_slope": slope,
        "weight_norm_first": reference["weight_norm"],
        "weight_norm_last": per_lambda[-1]["weight_norm"],
        "reference_l2": reference["l2"],
        "gap_reference": reference["gap"],
        "best_l2": best["l2"] if best else None,
        "best_test_accuracy": best["test_accuracy"] if best else math.nan,
        "best_test_accuracy_std": best["test_accuracy_std"] if best else math.nan,
        "gap_best": best["gap"] if best else math.nan,
    }


def _reading(summary: dict[str, Any]) -> list[str]:
    per_lambda = summary["lambdas"]
    first, last = per_lambda[0], per_lambda[-1]
    f = format_value
    sentences = [
        f"The weight norm ‖W‖ falls from {f(first['weight_norm'])} at "
        f"λ = {f(first['l2'])} to {f(last['weight_norm'])} at λ = {f(last['l2'])}"
        + (
            ", decreasing at every step of λ."
            if summary["weight_norm_strictly_decreasing"]
            else "; it does not decrease at every step of λ."
        )
    ]
    if math.isfinite(summary["weight_norm_slope"]):
        sentences.append(
            "Over the positive λ it falls roughly as λ^"
            f"{f(summary['weight_norm_slope'])} (log-log least-squares slope)."
        )
    for entry in per_lambda:
        sentences.append(
            f"λ = {f(entry['l2'])}: train accuracy {f(entry['train_accuracy'])}, "
            f"test accuracy {f(entry['test_accuracy'])} "
            f"(gap {f(entry['gap'])}), test loss {f(entry['test_loss'])}"
            + (" (diverged)" if entry["diverged"] else "")
            + "."
        )
    if summary["best_l2"] is None:
        sentences.append("Every run diverged: no test accuracy to compare.")
        return sentences
    sentences.append(
        f"The best mean test accuracy, {f(summary['best_test_accuracy'])} ± "
        f"{f(summary['best_test_accuracy_std'])}, is at λ = {f(summary['best_l2'])}."
    )
    if summary["best_l2"] != summary["reference_l2"]:
        sentences.append(
            f"The train/test accuracy gap is {f(summary['gap_reference'])} at "
            f"λ = {f(summary['reference_l2'])} and {f(summary['gap_best'])} at "
            f"λ = {f(summary['best_l2'])}."
        )
    else:
        sentences.append(
            f"No λ beat λ = {f(summary['reference_l2'])} on test accuracy; its "
            f"train/test gap is {f(summary['gap_reference'])}."
        )
    return sentences


# --------------------------------------------------------------------- figures
def _panel_title(run: RunResult) -> str:
    return (
        f"λ = {format_value(run.spec.params['l2'])}: "
        f"train {run.metrics['train_accuracy']:.2f}, "
        f"test {run.metrics['test_accuracy']:.2f}"
    )


def _lambda_axis(ax: Axes, lambdas: list[float]) -> None:
    """A symlog λ axis, linear below the smallest positive λ so that 0 fits."""
    positive = [v for v in lambdas if v > 0]
    linthresh = min(positive) if positive else 1.0
    ax.set_xscale("symlog", linthresh=linthresh, linscale=0.5)
    ax.set_xticks(lambdas, [format_value(v) for v in lambdas])
    ax.minorticks_off()
    ax.set_xlabel("λ (L2 strength)")
    ax.grid(alpha=0.3)


def _errorbars(ax: Axes, per_lambda: list[dict[str, Any]], metric: str, **style):
    ax.errorbar(
        [e["l2"] for e in per_lambda],
        [e[metric] for e in per_lambda],
        yerr=[e[f"{metric}_std"] for e in per_lambda],
        marker="o",
        capsize=3,
        **style,
    )


def _metrics_figure(per_lambda: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8), layout="constrained")
    loss_ax, accuracy_ax = figure.subplots(1, 2)
    lambdas = [e["l2"] for e in per_lambda]
    for ax, kind, label in (
        (loss_ax, "loss", "cross-entropy L0"),
        (accuracy_ax, "accuracy", "accuracy"),
    ):
        _errorbars(ax, per_lambda, f"train_{kind}", color="C0", label="train")
        _errorbars(ax, per_lambda, f"test_{kind}", color="C1", ls="--", label="test")
        _lambda_axis(ax, lambdas)
        ax.set_ylabel(label)
        ax.legend()
    loss_ax.set_title("Loss against λ")
    accuracy_ax.set_title("Accuracy against λ")
    return figure


def _total_norm_per_epoch(run: RunResult) -> list[float]:
    """``√(Σ_l ‖W_l‖²)`` per epoch from the diagnostics' ``weight_norm_l``."""
    layers = [v for k, v in run.diagnostics.items() if k.startswith("weight_norm_")]
    if not layers:
        return []
    return list(np.sqrt(np.sum(np.square(layers), axis=0)))


def _norms_figure(per_lambda: list[dict[str, Any]], runs: list[RunResult]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8), layout="constrained")
    final_ax, epoch_ax = figure.subplots(1, 2)
    _errorbars(final_ax, per_lambda, "weight_norm", color="C2")
    _lambda_axis(final_ax, [e["l2"] for e in per_lambda])
    final_ax.set_yscale("log")
    _plain_log_labels(final_ax)
    final_ax.set_ylabel("final ‖W‖")
    final_ax.set_title("Final weight norm against λ")
    colours = _colours(len(runs))
    for colour, run in zip(colours, runs, strict=True):
        curve = _total_norm_per_epoch(run)
        if curve:
            label = f"λ = {format_value(run.spec.params['l2'])}"
            epoch_ax.plot(curve, color=colour, label=label)
    epoch_ax.set_xlabel("epoch")
    epoch_ax.set_ylabel("‖W‖")
    epoch_ax.set_title("Weight norm per epoch (repeat 0)")
    if epoch_ax.get_lines():
        epoch_ax.set_yscale("log")
        _plain_log_labels(epoch_ax)
        epoch_ax.legend(fontsize="small", ncol=2)
    else:
        epoch_ax.text(
            0.5,
            0.5,
            "no diagnostics recorded\n(set diagnostics = true)",
            ha="center",
            va="center",
            transform=epoch_ax.transAxes,
        )
    return figure


def _plain_log_labels(ax: Axes) -> None:
    """Label a log y axis 2, 5, 10, 20 rather than 2×10⁰, 5×10⁰, 10¹, 2×10¹."""
    from matplotlib.ticker import FormatStrFormatter

    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))


def _colours(n: int) -> list[tuple[float, ...]]:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 0.9, n)]
