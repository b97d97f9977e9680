"""The learning-rate study: loss curves for several η on one axis, counts of
loss increases (the notes' spikes, steps that overshot the minimum), and the η
that diverges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.study import (
    Study,
    StudyOutput,
    first_repeat,
    loss_curves_by_point,
)

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


class LearningRateStudy(Study):
    name = "learning-rate"
    title = "Learning rate"
    options: ClassVar[dict[str, Any]] = {"spike_threshold": 0.0}

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        threshold = float(options["spike_threshold"])
        rates = sweep.experiment.grid["learning_rate"]
        reduction = sweep.experiment.base.get("reduction", "sum")
        per_rate = []
        for rate in rates:
            runs = sweep.select(learning_rate=rate)
            increases = [len(r.history.loss_increases(threshold)) for r in runs]
            final = [r.history.loss[-1] for r in runs if r.history.loss]
            per_rate.append(
                {
                    "learning_rate": rate,
                    "loss_increases": float(np.mean(increases)),
                    "diverged": any(r.diverged for r in runs),
                    "divergence": next((r.divergence for r in runs if r.diverged), ""),
                    "final_loss": float(np.mean(final)) if final else float("nan"),
                    "min_loss": float(
                        np.mean([min(r.history.loss) for r in runs if r.history.loss])
                    ),
                }
            )

        report.heading("Loss curves")
        self.figure(
            output,
            report,
            loss_curves_by_point(sweep),
            "loss_curves.png",
            f"Training loss per epoch for each η ({reduction} of gradients).",
        )
        report.heading("Loss increases")
        self.figure(
            output,
            report,
            _increase_bars(per_rate, threshold),
            "loss_increases.png",
            "Epochs in which the loss rose over the previous epoch: each "
            "is a step that overshot the minimum.",
        )
        report.heading("Diagnostics")
        self.figure(
            output,
            report,
            _norms_figure(first_repeat(sweep)),
            "weight_norms.png",
            "Weight norm of each layer per epoch.",
        )

        sentences = []
        epochs = sweep.experiment.base.get("epochs")
        for entry in per_rate:
            rate = format_value(entry["learning_rate"])
            text = (
                f"With η = {rate} the loss rose in "
                f"{format_value(entry['loss_increases'])} of {epochs} epochs and "
                f"ended at {format_value(entry['final_loss'])} "
                f"(lowest {format_value(entry['min_loss'])})."
            )
            if entry["diverged"]:
                text += f" It diverged: {entry['divergence']}."
            sentences.append(text)
        stable = [e for e in per_rate if not e["diverged"]]
        if len(stable) >= 2:
            most = max(stable, key=lambda e: e["loss_increases"])
            least = min(stable, key=lambda e: e["loss_increases"])
            if most["loss_increases"] > least["loss_increases"]:
                sentences.append(
                    f"The larger step η = {format_value(most['learning_rate'])} "
                    "overshoots more often than "
                    f"η = {format_value(least['learning_rate'])}."
                )
        diverging = [
            format_value(e["learning_rate"]) for e in per_rate if e["diverged"]
        ]
        if diverging:
            sentences.append(f"Diverging: η = {', '.join(diverging)}.")
        report.reading(sentences)
        return {
            "learning_rates": per_rate,
            "spike_threshold": threshold,
            "diverging": [e["learning_rate"] for e in per_rate if e["diverged"]],
        }


def _increase_bars(per_rate: list[dict[str, Any]], threshold: float) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), layout="constrained")
    ax = figure.add_subplot()
    labels = [f"η = {format_value(e['learning_rate'])}" for e in per_rate]
    colours = ["#d62728" if e["diverged"] else "#1f77b4" for e in per_rate]
    ax.bar(labels, [e["loss_increases"] for e in per_rate], color=colours)
    ax.set_ylabel("epochs with a loss increase")
    title = "Loss increases (red: diverged)"
    if threshold:
        title += f", rises over {threshold:.0%}"
    ax.set_title(title)
    return figure


def _norms_figure(runs) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), layout="constrained")
    ax = figure.add_subplot()
    for index, run in enumerate(runs):
        label = f"η = {format_value(run.spec.params.get('learning_rate'))}"
        for key, values in sorted(run.diagnostics.items()):
            if key.startswith("weight_norm_"):
                layer = key.rsplit("_", 1)[1]
                ax.plot(
                    values,
                    color=f"C{index}",
                    ls="-" if layer == "1" else "--",
                    label=f"{label}, W{layer}",
                )
    ax.set_xlabel("epoch")
    ax.set_ylabel("‖W‖ (Frobenius)")
    ax.set_yscale("log")
    if ax.get_lines():
        ax.legend(fontsize="small")
    return figure
