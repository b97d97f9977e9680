"""A study: an experiment file run as a sweep, then analysed into figures, a
results table, ``summary.json`` and a self-contained ``report.html``.

A study subclass declares its options (the ``[study]`` table of its TOML file),
checks the experiment in :meth:`Study.check` before any run, and implements
:meth:`Study.analyse`, which reads the sweep's results, draws figures and writes
the report's reading from the measured numbers. A study that is not a plain
sweep (the learning-rate finder) overrides :meth:`Study.execute`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.datasets import REGRESSION_DATASETS
from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult, run_experiment
from ffnn.experiments.sweep_run import RunResult
from ffnn.plots import plot_loss_curves, save_figure
from ffnn.run_files import json_safe

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

Progress = Callable[[int, int], None]

#: run-table columns shown in reports, when present
REPORT_COLUMNS = (
    "run",
    "repeat",
    "fold",
    "diverged",
    "epochs_run",
    "loss_increases",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "weight_norm",
    "seconds",
)


@dataclass
class StudyOutput:
    """What a study wrote and measured."""

    out: Path
    summary: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    sweep: SweepResult | None = None


class Study:
    """Base class of the built-in studies; also the generic sweep report."""

    name: ClassVar[str] = "sweep"
    title: ClassVar[str] = "Sweep"
    #: option name → default value (the type of the default is enforced)
    options: ClassVar[dict[str, Any]] = {}

    def check_options(self, given: Mapping[str, Any], source: str) -> dict[str, Any]:
        """The study's options with ``given`` applied; a bad key is named."""
        values = dict(self.options)
        for key, value in given.items():
            if key not in self.options:
                valid = ", ".join(sorted(self.options)) or "(none)"
                raise ValueError(
                    f"{source}: study.{key}: unknown option for the "
                    f"{self.name} study; valid: {valid}"
                )
            default = self.options[key]
            expected = (int, float) if isinstance(default, float) else type(default)
            if isinstance(value, bool) != isinstance(default, bool) or not isinstance(
                value, expected
            ):
                raise TypeError(
                    f"{source}: study.{key}: expected "
                    f"{type(default).__name__}, got {value!r}"
                )
            values[key] = value
        return values

    def run(
        self,
        spec: ExperimentFile,
        out: Path,
        n_jobs: int = 1,
        scheduler: Any = None,
        progress: Progress | None = None,
    ) -> StudyOutput:
        """Run the study and write everything into ``out``."""
        options = self.check_options(spec.options, spec.source or self.name)
        dataset = spec.experiment.base.get("dataset", "moons")
        if self.name != Study.name and dataset in REGRESSION_DATASETS:
            raise ValueError(
                f"{spec.source or self.name}: base.dataset: the {self.name} study "
                f"compares classifiers by their accuracy, and {dataset} is a "
                "regression set; sweep it in an experiment file without a study"
            )
        self.check(spec, options)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        report = Report(f"{self.title}: {spec.experiment.name}")
        if spec.description:
            report.paragraph(spec.description)
        output = self.execute(spec, out, report, options, n_jobs, scheduler, progress)
        report.heading("Parameters")
        report.parameters(self.parameters(spec, options))
        if output.sweep is not None:
            output.files.update(output.sweep.save(out))
            report.heading("Runs")
            rows = output.sweep.runs_table()
            columns = [
                c for c in rows[0] if c in REPORT_COLUMNS or c in spec.experiment.grid
            ]
            report.table(rows, columns=columns)
        summary_path = out / "summary.json"
        summary_path.write_text(json.dumps(json_safe(output.summary), indent=2) + "\n")
        output.files["summary.json"] = summary_path
        output.files["report.html"] = report.write(out / "report.html")
        return output

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check that ``spec`` (its grid, folds, diagnostics) and the study's
        ``options`` suit this study; it runs before anything is written or run.

        Raises
        ------
        ValueError, TypeError
            Naming the key (``grid.hidden``, ``study.toy_units``, …) and what is
            wrong with it. The base study accepts every experiment.
        """

    def execute(
        self,
        spec: ExperimentFile,
        out: Path,
        report: Report,
        options: dict[str, Any],
        n_jobs: int,
        scheduler: Any,
        progress: Progress | None,
    ) -> StudyOutput:
        """Run the sweep and analyse it (override for studies that are not
        sweeps)."""
        sweep = run_experiment(spec.experiment, n_jobs, scheduler, progress)
        output = StudyOutput(out, {}, sweep=sweep)
        output.summary = self.analyse(sweep, output, report, options)
        return output

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        """Figures, reading and summary of a generic sweep: the loss curves of
        each grid point and its mean final accuracies."""
        report.heading("Loss curves")
        self.figure(
            output,
            report,
            loss_curves_by_point(sweep),
            "loss_curves.png",
            "Training loss per epoch, one curve per grid point (repeat 0).",
        )
        summary = {"points": summarise_points(sweep)}
        score = score_name(sweep)
        shown = "accuracy" if score == "accuracy" else "R²"
        sentences = []
        for point in summary["points"]:
            sentences.append(
                f"{describe_point(point['params'])}: train {shown} "
                f"{format_value(point[f'train_{score}'])}, test {shown} "
                f"{format_value(point[f'test_{score}'])}"
                f"{' (diverged)' if point['diverged'] else ''}."
            )
        report.reading(sentences)
        return summary

    def parameters(self, spec: ExperimentFile, options: dict[str, Any]) -> dict:
        experiment = spec.experiment
        values = {f"base.{k}": v for k, v in experiment.base.items()}
        values.update({f"grid.{k}": v for k, v in experiment.grid.items()})
        # the rest of the plan (repeats, seed, paired, folds, diagnostics, …)
        values.update(
            {
                f.name: getattr(experiment, f.name)
                for f in fields(experiment)
                if f.name not in ("name", "base", "grid")
                and getattr(experiment, f.name) is not None
            }
        )
        values.update({f"study.{k}": v for k, v in options.items()})
        return values

    @staticmethod
    def figure(
        output: StudyOutput, report: Report, figure: Figure, filename: str, caption: str
    ) -> None:
        """Save ``figure`` as ``out/filename`` and embed it in the report."""
        output.files[filename] = save_figure(figure, output.out / filename)
        report.figure(figure, caption)


# ------------------------------------------------------------- shared helpers
def describe_point(params: Mapping[str, Any]) -> str:
    """'learning_rate = 0.01, l2 = 0.1' (or 'base configuration')."""
    if not params:
        return "base configuration"
    return ", ".join(f"{k} = {format_value(v)}" for k, v in params.items())


def score_name(sweep: SweepResult) -> str:
    """'accuracy' for a sweep of classifiers, 'r2' for one of regressors."""
    return "accuracy" if "test_accuracy" in sweep.runs[0].metrics else "r2"


def summarise_points(sweep: SweepResult) -> list[dict[str, Any]]:
    """Per grid point: mean and std over repeats (and folds) of the final metrics
    (accuracy, or R² for regressors), and whether any run diverged."""
    score = score_name(sweep)
    points = []
    for params in sweep.experiment.grid_points():
        runs = sweep.select(**params)
        entry: dict[str, Any] = {
            "params": params,
            "runs": len(runs),
            "diverged": any(r.diverged for r in runs),
        }
        for metric in (
            "train_loss",
            f"train_{score}",
            "test_loss",
            f"test_{score}",
            "weight_norm",
        ):
            values = np.array([r.metrics[metric] for r in runs], dtype=float)
            finite = values[np.isfinite(values)]
            entry[metric] = float(finite.mean()) if finite.size else float("nan")
            entry[f"{metric}_std"] = (
                float(finite.std()) if finite.size else float("nan")
            )
        points.append(entry)
    return points


def first_repeat(sweep: SweepResult) -> list[RunResult]:
    """The runs of repeat 0 (first fold), one per grid point."""
    return [r for r in sweep.runs if r.spec.repeat == 0 and not r.spec.fold]


def loss_curves_by_point(sweep: SweepResult, log_scale: bool = True) -> Figure:
    """Loss curves of repeat 0, labelled by grid point; diverged runs say so."""
    curves = {}
    for run in first_repeat(sweep):
        label = describe_point(run.spec.params)
        if run.diverged:
            label += " (diverged)"
        curves[label] = run.history.loss
    return plot_loss_curves(curves, log_scale=log_scale, validation=False)


def train_test_loss_curves(
    runs: Sequence[RunResult], label: Callable[[RunResult], str], title: str
) -> Figure:
    """Training (solid) and test (dashed) loss per epoch of each run on a log
    scale, labelled by ``label(run)``; diverged runs say so. The legend stands
    right of the axes."""
    curves = {
        label(run) + (" (diverged)" if run.diverged else ""): run.history
        for run in runs
    }
    figure = plot_loss_curves(
        curves, log_scale=True, validation_label="test", title=title
    )
    figure.set_size_inches(8.5, 4.5)
    figure.axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return figure
