"""The lr-finder study: the learning-rate range test of :mod:`ffnn.lr_range_test`
(Smith 2017; :func:`~ffnn.lr_range_test.find_learning_rate`), its figures and
report.

This study is not a sweep: it runs :func:`find_learning_rate` once per repeat,
writes ``lr_finder.csv`` (one row per step) and, to check the suggestion,
trains a fresh network with it for the configured ``epochs``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.study import Study, StudyOutput
from ffnn.experiments.sweep_run import RunResult, run_one
from ffnn.lr_range_test import LRFinderResult, find_learning_rate
from ffnn.plots import plot_decision_boundary, plot_loss_curves
from ffnn.training_run import load_run_data, prepare_run

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

#: the columns of ``lr_finder.csv``
CSV_COLUMNS = ("repeat", "step", "learning_rate", "loss", "smoothed_loss")


# ------------------------------------------------------------------------ study
@dataclass
class _Finding:
    repeat: int
    result: LRFinderResult
    check: RunResult | None  # a fresh network trained with the suggestion


class LRFinderStudy(Study):
    name = "lr-finder"
    title = "Learning-rate range test"
    options: ClassVar[dict[str, Any]] = {
        "min_lr": 1e-4,
        "max_lr": 100.0,
        "steps": 200,
        "smoothing": 0.9,
        "diverge_factor": 4.0,
        "check": True,  # train with the suggestion for base.epochs
    }

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the experiment leaves η, the grid and the folds to the study."""
        experiment = spec.experiment
        source = spec.source or self.name
        if experiment.grid:
            raise ValueError(
                f"{source}: grid: the lr-finder study varies η itself; leave [grid] out"
            )
        if "learning_rate" in experiment.base:
            raise ValueError(
                f"{source}: base.learning_rate: the lr-finder study chooses η; "
                "set study.min_lr and study.max_lr instead"
            )
        if experiment.folds is not None:
            raise ValueError(
                f"{source}: experiment.folds: not used by the lr-finder study; "
                "leave it out"
            )

    def execute(self, spec, out, report, options, n_jobs, scheduler, progress):
        """Run the range test once per repeat (not a sweep) and check its
        suggestion."""
        experiment = spec.experiment
        source = spec.source or self.name
        specs = experiment.specs()
        total = len(specs) * (2 if options["check"] else 1)
        done = 0
        findings = []
        for run_spec in specs:
            config = run_spec.config
            prepared = prepare_run(config)
            try:
                result = find_learning_rate(
                    prepared.network,
                    prepared.data.X_train,
                    prepared.data.y_train,
                    min_lr=options["min_lr"],
                    max_lr=options["max_lr"],
                    steps=options["steps"],
                    smoothing=options["smoothing"],
                    diverge_factor=options["diverge_factor"],
                    **prepared.fit_arguments(),
                )
            except (TypeError, ValueError) as error:  # a bad [study] option
                raise type(error)(f"{source}: study: {error}") from error
            done += 1
            if progress is not None:
                progress(done, total)
            check = None
            if options["check"] and math.isfinite(result.suggestion):
                check = run_one(
                    replace(
                        run_spec,
                        config=replace(config, learning_rate=result.suggestion),
                    )
                )
            if options["check"]:
                done += 1  # a check that could not run counts as done
                if progress is not None:
                    progress(done, total)
            findings.append(_Finding(run_spec.repeat, result, check))

        output = StudyOutput(out, {})
        output.files["lr_finder.csv"] = write_csv(findings, out / "lr_finder.csv")
        output.summary = self.analyse_findings(
            findings, output, report, options, experiment.base
        )
        return output

    def analyse_findings(
        self,
        findings: list[_Finding],
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
        base: dict[str, Any],
    ) -> dict[str, Any]:
        """Figures, reading and summary of the range tests."""
        reduction = base.get("reduction", "sum")
        batch = base.get("batch_size")
        batch_words = "the full batch" if batch is None else f"batches of {batch}"
        report.heading("Loss against the learning rate")
        self.figure(
            output,
            report,
            _range_figure(findings),
            "lr_finder.png",
            f"Loss of each batch ({batch_words}, {reduction} of gradients) as η "
            f"grows from {format_value(options['min_lr'])} to "
            f"{format_value(options['max_lr'])} over {options['steps']} steps; "
            "the smoothed loss in bold, the suggestion (steepest fall) dashed, "
            "the smoothed minimum dotted.",
        )
        first = findings[0]
        if first.check is not None:
            report.heading("Training with the suggestion")
            self.figure(
                output,
                report,
                _check_figure(first.result, first.check),
                "suggestion_check.png",
                f"A fresh network trained with η = "
                f"{format_value(first.result.suggestion)} for "
                f"{first.check.history.epochs} epochs (repeat {first.repeat}).",
            )

        entries = []
        sentences = []
        for finding in findings:
            result = finding.result
            entry: dict[str, Any] = {
                "repeat": finding.repeat,
                "suggestion": result.suggestion,
                "min_loss_learning_rate": result.min_loss_learning_rate,
                "steps_run": result.steps,
                "first_loss": float(result.smoothed_losses[0]),
                "min_smoothed_loss": float(result.smoothed_losses.min()),
                "stop_reason": result.stop_reason,
            }
            text = (
                f"Repeat {finding.repeat}: the smoothed loss fell from "
                f"{format_value(entry['first_loss'])} at η = "
                f"{format_value(float(result.learning_rates[0]))} to its minimum "
                f"{format_value(entry['min_smoothed_loss'])} at η = "
                f"{format_value(result.min_loss_learning_rate)}; it fell fastest "
                f"at η = {format_value(result.suggestion)}, the suggestion."
            )
            text += (
                f" The test stopped after {result.steps} of {options['steps']} "
                f"steps: {result.stop_reason}."
                if result.stop_reason
                else f" It ran all {result.steps} steps without diverging."
            )
            if finding.check is not None:
                metrics = finding.check.metrics
                entry["check"] = {
                    "epochs": finding.check.history.epochs,
                    "diverged": finding.check.diverged,
                    "train_accuracy": metrics["train_accuracy"],
                    "test_accuracy": metrics["test_accuracy"],
                    "test_loss": metrics["test_loss"],
                }
                text += (
                    f" Trained with the suggestion for "
                    f"{finding.check.history.epochs} epochs, a fresh network "
                    f"reaches training accuracy "
                    f"{format_value(metrics['train_accuracy'])} and test accuracy "
                    f"{format_value(metrics['test_accuracy'])}"
                    f"{' (it diverged)' if finding.check.diverged else ''}."
                )
            entries.append(entry)
            sentences.append(text)
        suggestions = [
            e["suggestion"] for e in entries if math.isfinite(e["suggestion"])
        ]
        median = float(np.median(suggestions)) if suggestions else math.nan
        if len(findings) > 1:
            sentences.append(
                f"Median suggestion over {len(findings)} repeats: "
                f"η = {format_value(median)}."
            )
        report.heading("Range tests")
        report.table(
            entries,
            columns=[
                "repeat",
                "suggestion",
                "min_loss_learning_rate",
                "steps_run",
                "first_loss",
                "min_smoothed_loss",
                "stop_reason",
            ],
        )
        report.reading(sentences)
        return {
            "suggestion": median,
            "reduction": reduction,
            "batch_size": batch,
            "repeats": entries,
        }


def write_csv(findings: list[_Finding], path: Path) -> Path:
    """One row per recorded step: :data:`CSV_COLUMNS`."""
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for finding in findings:
            result = finding.result
            for step in range(result.steps):
                writer.writerow(
                    [
                        finding.repeat,
                        step,
                        repr(float(result.learning_rates[step])),
                        repr(float(result.losses[step])),
                        repr(float(result.smoothed_losses[step])),
                    ]
                )
    return path


# ---------------------------------------------------------------------- figures
def _range_figure(findings: list[_Finding]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = figure.add_subplot()
    top = 0.0
    for index, finding in enumerate(findings):
        result = finding.result
        colour = f"C{index}"
        name = f"repeat {finding.repeat}" if len(findings) > 1 else "batch loss"
        ax.plot(
            result.learning_rates,
            result.losses,
            color=colour,
            lw=0.8,
            alpha=0.35,
            label=name,
        )
        ax.plot(
            result.learning_rates,
            result.smoothed_losses,
            color=colour,
            lw=2,
            label="smoothed" if len(findings) == 1 else None,
        )
        if math.isfinite(result.suggestion):
            ax.axvline(
                result.suggestion,
                color=colour,
                ls="--",
                lw=1.2,
                label=f"suggestion η = {format_value(result.suggestion)}",
            )
        ax.axvline(
            result.min_loss_learning_rate,
            color=colour,
            ls=":",
            lw=1.2,
            label=f"minimum at η = {format_value(result.min_loss_learning_rate)}",
        )
        top = max(top, 1.5 * float(result.smoothed_losses.max()))
    ax.set_xscale("log")
    ax.set_ylim(0, top)
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("batch loss (mean cross-entropy)")
    ax.set_title("Learning-rate range test")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return figure


def _check_figure(result: LRFinderResult, check: RunResult) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 4.5), layout="constrained")
    boundary, curve = figure.subplots(1, 2)
    data = load_run_data(check.spec.config)
    plot_decision_boundary(check.network, data.X_train, data.y_train, ax=boundary)
    plot_loss_curves(
        {f"η = {format_value(result.suggestion)}": check.history},
        ax=curve,
        validation_label="test",
    )
    return figure
