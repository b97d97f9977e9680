"""The hidden-units study: the width of the single hidden layer swept from too
few units to far too many, as the notes compare 3 and 10 units.

A wider layer can bend the decision boundary more, so it fits the training
points better; past some width it fits their noise too, and the test accuracy
stops following the training accuracy. The study measures both, per width,
as means over repeats with different data and initial weights, and reports the
train/test gap ``train_accuracy − test_accuracy`` (the overfitting).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.studies.boundary_grid import decision_boundary_grid
from ffnn.experiments.study import Study, StudyOutput, first_repeat
from ffnn.experiments.sweep_run import RunResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


class HiddenUnitsStudy(Study):
    name = "hidden-units"
    title = "Hidden units"
    options: ClassVar[dict[str, Any]] = {}

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid sweeps one hidden layer's width."""
        check_width_grid(spec.experiment.grid)

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        check_width_grid(sweep.experiment.grid)
        per_width = summarise_widths(sweep)
        repeats = sweep.experiment.repeats

        report.heading("Decision boundaries")
        self.figure(
            output,
            report,
            decision_boundary_grid(first_repeat(sweep), _panel_title),
            "decision_boundaries.png",
            "Decision boundary of each width (repeat 0) over its training points.",
        )
        report.heading("Accuracy against width")
        self.figure(
            output,
            report,
            _accuracy_figure(per_width),
            "accuracy_vs_width.png",
            f"Left: final train and test accuracy against the number of hidden "
            f"units (mean ± std over {repeats} repeats). Right: the train/test "
            "gap, train − test accuracy (mean ± std over repeats).",
        )
        summary = summarise(per_width)
        report.reading(_reading(summary))
        return summary


def width_of(hidden: Any) -> int:
    """The number of units of a one-layer ``hidden`` value (``10`` or ``[10]``)."""
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        return hidden
    if isinstance(hidden, list | tuple) and len(hidden) == 1:
        return int(hidden[0])
    raise ValueError(
        f"grid.hidden: the hidden-units study sweeps the width of one hidden "
        f"layer, e.g. [[1], [3], [10]]; got {hidden!r}"
    )


def check_width_grid(grid: dict[str, list[Any]]) -> list[int]:
    """The swept widths; the grid must vary ``hidden`` alone, one layer each,
    in increasing order."""
    if set(grid) != {"hidden"}:
        raise ValueError(
            "grid: the hidden-units study varies hidden alone; got grid keys "
            f"{sorted(grid)}"
        )
    widths = [width_of(h) for h in grid["hidden"]]
    if any(b <= a for a, b in itertools.pairwise(widths)):
        raise ValueError(
            f"grid.hidden: list widths in increasing order, got {grid['hidden']!r}"
        )
    return widths


def summarise_widths(sweep: SweepResult) -> list[dict[str, Any]]:
    """Per width: mean and std over repeats of the final accuracies and losses,
    and of the per-run gap ``train_accuracy − test_accuracy``."""
    entries = []
    for hidden in sweep.experiment.grid["hidden"]:
        every = sweep.select(hidden=hidden)
        runs = [r for r in every if not r.diverged]
        entry: dict[str, Any] = {
            "width": width_of(hidden),
            "runs": len(every),
            "diverged": len(every) - len(runs),
        }
        values = {
            metric: np.array([r.metrics[metric] for r in runs], dtype=float)
            for metric in ("train_accuracy", "test_accuracy", "train_loss", "test_loss")
        }
        values["gap"] = values["train_accuracy"] - values["test_accuracy"]
        for metric, array in values.items():
            # accuracies are fractions k/n: rounding drops the last-bit residue
            # that would turn two equal means into a fall or a gap of -1e-16
            # (+ 0.0 turns -0 to 0)
            mean = round(float(array.mean()), 12) + 0.0 if array.size else math.nan
            entry[metric] = mean
            entry[f"{metric}_std"] = float(array.std()) if array.size else math.nan
        entries.append(entry)
    return entries


def summarise(per_width: list[dict[str, Any]]) -> dict[str, Any]:
    """The findings: whether mean train accuracy never falls as the width
    grows, the width of best mean test accuracy and of the largest gap."""
    train = [e["train_accuracy"] for e in per_width]
    falls = [
        (a["width"], b["width"])
        for a, b in itertools.pairwise(per_width)
        if b["train_accuracy"] < a["train_accuracy"]
    ]
    scored = [e for e in per_width if math.isfinite(e["test_accuracy"])]
    best = max(scored, key=lambda e: e["test_accuracy"]) if scored else None
    return {
        "widths": per_width,
        "train_accuracy_non_decreasing": not falls and all(map(math.isfinite, train)),
        "train_accuracy_falls": falls,
        "best_test_width": best["width"] if best else None,
        "best_test_accuracy": best["test_accuracy"] if best else math.nan,
        "largest_gap_width": (
            max(scored, key=lambda e: e["gap"])["width"] if scored else None
        ),
    }


def _reading(summary: dict[str, Any]) -> list[str]:
    f = format_value
    sentences = []
    for entry in summary["widths"]:
        text = (
            f"{_units(entry['width'])}: train accuracy {f(entry['train_accuracy'])} "
            f"± {f(entry['train_accuracy_std'])}, test accuracy "
            f"{f(entry['test_accuracy'])} ± {f(entry['test_accuracy_std'])}, "
            f"train/test gap {f(entry['gap'])}."
        )
        if entry["diverged"]:
            text += f" {entry['diverged']} of {entry['runs']} runs diverged."
        sentences.append(text)
    if summary["best_test_width"] is None:
        sentences.append("Every run diverged: no accuracy to compare.")
        return sentences
    if summary["train_accuracy_non_decreasing"]:
        sentences.append("Mean train accuracy never falls as the width grows.")
    else:
        pairs = ", ".join(f"{a} → {b}" for a, b in summary["train_accuracy_falls"])
        sentences.append(f"Mean train accuracy falls from width {pairs}.")
    sentences.append(
        f"The best mean test accuracy, {f(summary['best_test_accuracy'])}, is at "
        f"{_units(summary['best_test_width'])}; the gap is largest at "
        f"{_units(summary['largest_gap_width'])}."
    )
    return sentences


def _units(width: int) -> str:
    return f"{width} hidden unit{'' if width == 1 else 's'}"


# --------------------------------------------------------------------- figures
def _panel_title(run: RunResult) -> str:
    return (
        f"{_units(width_of(run.spec.params['hidden']))}: "
        f"train {run.metrics['train_accuracy']:.2f}, "
        f"test {run.metrics['test_accuracy']:.2f}"
    )


def _accuracy_figure(per_width: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.8), layout="constrained")
    accuracy_ax, gap_ax = figure.subplots(1, 2)
    widths = [e["width"] for e in per_width]
    for metric, style in (
        ("train_accuracy", {"color": "C0", "label": "train"}),
        ("test_accuracy", {"color": "C1", "ls": "--", "label": "test"}),
    ):
        accuracy_ax.errorbar(
            widths,
            [e[metric] for e in per_width],
            yerr=[e[f"{metric}_std"] for e in per_width],
            marker="o",
            capsize=3,
            **style,
        )
    accuracy_ax.fill_between(
        widths,
        [e["test_accuracy"] for e in per_width],
        [e["train_accuracy"] for e in per_width],
        color="C3",
        alpha=0.12,
        label="gap",
    )
    accuracy_ax.set_ylabel("accuracy")
    accuracy_ax.set_title("Train and test accuracy against width")
    accuracy_ax.legend()
    gap_ax.errorbar(
        widths,
        [e["gap"] for e in per_width],
        yerr=[e["gap_std"] for e in per_width],
        marker="o",
        capsize=3,
        color="C3",
    )
    gap_ax.axhline(0.0, color="k", lw=0.8)
    gap_ax.set_ylabel("train − test accuracy")
    gap_ax.set_title("Train/test gap against width")
    for ax in (accuracy_ax, gap_ax):
        ax.set_xscale("log")
        ax.set_xticks(widths, [str(w) for w in widths])
        ax.minorticks_off()
        ax.set_xlabel("hidden units")
        ax.grid(alpha=0.3)
    return figure
