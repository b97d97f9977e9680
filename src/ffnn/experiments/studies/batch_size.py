"""The batch-size study: full-batch gradient descent against mini-batches and
single samples, compared at equal epochs and at equal wall-clock time.

One epoch with batches of ``b`` rows out of ``n`` makes ``⌈n / b⌉`` updates of
``w ← w − η ∂J_b/∂w`` (``J_b`` the mean loss of the batch, so one η suits every
batch size): small batches make many cheap, noisy steps per pass over the data,
the full batch one exact and costly step.

TOML has no null and ``TrainConfig.batch_size = None`` means the full batch, so
the grid names the full batch by the training-set size (``batch_size = 200``
for 200 samples): :func:`ffnn.train` caps a batch at ``n`` rows, and a batch of
``n`` rows is exactly one unshuffled full-batch step. A batch size of at least
the training-set size is labelled "full batch" in the report.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.study import Study, StudyOutput, first_repeat
from ffnn.experiments.sweep_run import RunResult

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


class BatchSizeStudy(Study):
    name = "batch-size"
    title = "Batch size"
    #: compare_seconds: the time of the equal-time comparison (0: the total time
    #: of the quickest run, the latest moment every run has reached)
    options: ClassVar[dict[str, Any]] = {"compare_seconds": 0.0}

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid varies ``batch_size``, without folds."""
        experiment = spec.experiment
        if "batch_size" not in experiment.grid:
            raise ValueError(
                f"{spec.source or self.name}: grid.batch_size: missing; the "
                "batch-size study varies it (e.g. batch_size = [200, 32, 1])"
            )
        if experiment.folds is not None:
            raise ValueError(
                f"{spec.source or self.name}: experiment.folds: the batch-size "
                "study trains on the whole training set; leave folds out"
            )
        if options["compare_seconds"] < 0:
            raise ValueError(
                f"{spec.source or self.name}: study.compare_seconds: must be >= 0, "
                f"got {options['compare_seconds']!r}"
            )

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        experiment = sweep.experiment
        n_train = sweep.runs[0].metrics["n_train"]
        finished = [r.history.time[-1] for r in sweep.runs if r.history.time]
        seconds = float(options["compare_seconds"]) or min(finished)
        epochs = max(r.history.epochs for r in sweep.runs)
        per_size = [
            _measure(batch_size, sweep.select(batch_size=batch_size), n_train, seconds)
            for batch_size in experiment.grid["batch_size"]
        ]

        eta = experiment.base.get("learning_rate")
        reduction = experiment.base.get("reduction", "sum")
        report.heading("Loss against epochs, updates and time")
        self.figure(
            output,
            report,
            _loss_figure(first_repeat(sweep), n_train, seconds),
            "loss_curves.png",
            f"Training loss (mean cross-entropy of each epoch's batches) against "
            f"epochs, updates and seconds since the start, η = {format_value(eta)} "
            f"({reduction} of gradients), repeat 0. The dotted line marks "
            f"t = {format_value(seconds)} s, where the equal-time comparison is "
            "made. Times include each epoch's evaluation on the test set and depend "
            "on the machine and its load (runs in parallel, n_jobs > 1, share it).",
        )
        report.heading("Cost of an epoch")
        self.figure(
            output,
            report,
            _cost_figure(per_size),
            "epoch_cost.png",
            "Updates per epoch (⌈n / b⌉) and measured seconds per epoch.",
        )
        report.heading("Comparison")
        report.table(
            per_size,
            columns=[
                "label",
                "updates_per_epoch",
                "seconds_per_epoch",
                "final_loss",
                "test_accuracy",
                "epochs_at_time",
                "loss_at_time",
            ],
        )
        report.reading(_reading(per_size, epochs, seconds, n_train))
        stable = [e for e in per_size if not e["diverged"]]
        return {
            "n_train": n_train,
            "epochs": epochs,
            "learning_rate": eta,
            "reduction": reduction,
            "compare_seconds": seconds,
            "batch_sizes": per_size,
            "lowest_loss_at_equal_epochs": _lowest(stable, "final_loss"),
            "lowest_loss_at_equal_time": _lowest(stable, "loss_at_time"),
        }


def loss_at_time(run: RunResult, seconds: float) -> tuple[float, int]:
    """Training loss of the last epoch finished by ``seconds``, and the number of
    epochs finished by then (``(nan, 0)`` if none was)."""
    done = int(np.searchsorted(run.history.time, seconds, side="right"))
    return (run.history.loss[done - 1] if done else math.nan), done


def _measure(
    batch_size: int, runs: list[RunResult], n_train: int, seconds: float
) -> dict[str, Any]:
    """Mean over repeats of what one batch size cost and reached."""
    batch = min(batch_size, n_train)
    at_time = [loss_at_time(run, seconds) for run in runs]

    def mean(values) -> float:
        values = np.asarray(values, dtype=float)
        finite = values[np.isfinite(values)]
        return float(finite.mean()) if finite.size else math.nan

    return {
        "batch_size": batch_size,
        "label": label(batch_size, n_train),
        "phrase": phrase(batch_size, n_train),
        "updates_per_epoch": math.ceil(n_train / batch),
        "seconds_per_epoch": mean(
            [r.history.time[-1] / r.history.epochs for r in runs]
        ),
        "final_loss": mean([r.history.loss[-1] for r in runs]),
        "test_loss": mean([r.metrics["test_loss"] for r in runs]),
        "test_accuracy": mean([r.metrics["test_accuracy"] for r in runs]),
        "loss_at_time": mean([loss for loss, _ in at_time]),
        "epochs_at_time": mean([done for _, done in at_time]),
        "diverged": any(r.diverged for r in runs),
    }


def label(batch_size: int, n_train: int) -> str:
    """'full batch (200)' for a batch of the whole training set, else 'b = 32'."""
    if batch_size >= n_train:
        return f"full batch ({n_train})"
    return f"b = {batch_size}"


def phrase(batch_size: int, n_train: int) -> str:
    """The batch size in a sentence: 'the full batch of 200', 'batches of 32',
    'single samples'."""
    if batch_size >= n_train:
        return f"the full batch of {n_train}"
    return "single samples" if batch_size == 1 else f"batches of {batch_size}"


def _lowest(entries: list[dict[str, Any]], key: str) -> int | None:
    finite = [e for e in entries if math.isfinite(e[key])]
    return min(finite, key=lambda e: e[key])["batch_size"] if finite else None


def _reading(
    per_size: list[dict[str, Any]], epochs: int, seconds: float, n_train: int
) -> list[str]:
    sentences = []
    for entry in per_size:
        updates = entry["updates_per_epoch"]
        text = (
            f"With {entry['phrase']} an epoch makes {updates} "
            f"update{'s' if updates > 1 else ''} in "
            f"{format_value(1000 * entry['seconds_per_epoch'])} ms; after "
            f"{epochs} epochs its training loss is "
            f"{format_value(entry['final_loss'])} (test accuracy "
            f"{format_value(entry['test_accuracy'])}), and at "
            f"t = {format_value(seconds)} s, after "
            f"{format_value(entry['epochs_at_time'])} epochs, it was "
            f"{format_value(entry['loss_at_time'])}."
        )
        if entry["diverged"]:
            text += " It diverged."
        sentences.append(text)
    stable = [e for e in per_size if not e["diverged"]]
    if len(stable) >= 2:
        cheapest = min(stable, key=lambda e: e["seconds_per_epoch"])
        dearest = max(stable, key=lambda e: e["seconds_per_epoch"])
        ratio = dearest["seconds_per_epoch"] / cheapest["seconds_per_epoch"]
        sentences.append(
            f"An epoch with {dearest['phrase']} takes {format_value(ratio)} times "
            f"as long as one with {cheapest['phrase']}."
        )
        by_epochs = min(stable, key=lambda e: e["final_loss"])
        sentences.append(
            f"At equal epochs ({epochs}) the lowest loss, "
            f"{format_value(by_epochs['final_loss'])}, is reached with "
            f"{by_epochs['phrase']}."
        )
        timed = [e for e in stable if math.isfinite(e["loss_at_time"])]
        if timed:
            by_time = min(timed, key=lambda e: e["loss_at_time"])
            sentences.append(
                f"At equal time ({format_value(seconds)} s) the lowest loss, "
                f"{format_value(by_time['loss_at_time'])}, is reached with "
                f"{by_time['phrase']}."
            )
    return sentences


# ---------------------------------------------------------------------- figures
def _loss_figure(runs: list[RunResult], n_train: int, seconds: float) -> Figure:
    """Loss against epochs, updates and seconds, one colour per batch size."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 4), layout="constrained")
    by_epoch, by_update, by_time = figure.subplots(1, 3, sharey=True)
    for index, run in enumerate(runs):
        batch_size = run.spec.params["batch_size"]
        updates = math.ceil(n_train / min(batch_size, n_train))
        history = run.history
        epoch = np.arange(1, history.epochs + 1)
        style = {"color": f"C{index}", "lw": 1.2, "label": label(batch_size, n_train)}
        by_epoch.plot(epoch, history.loss, **style)
        by_update.plot(epoch * updates, history.loss, **style)
        by_time.plot(history.time, history.loss, **style)
    by_time.axvline(seconds, color="0.3", ls=":", lw=1)
    for ax, xlabel in (
        (by_epoch, "epoch"),
        (by_update, "updates (epochs × ⌈n / b⌉)"),
        (by_time, "seconds since the start"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3, which="both")
    by_epoch.set_ylabel("training loss (mean cross-entropy)")
    by_epoch.legend(fontsize="small")
    by_epoch.set_title("Equal epochs")
    by_update.set_title("Equal updates")
    by_time.set_title("Equal time")
    return figure


def _cost_figure(per_size: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.5), layout="constrained")
    updates, seconds = figure.subplots(1, 2)
    labels = [e["label"] for e in per_size]
    colours = [f"C{i}" for i in range(len(per_size))]
    for ax, key, ylabel, scale in (
        (updates, "updates_per_epoch", "updates per epoch", 1),
        (seconds, "seconds_per_epoch", "milliseconds per epoch", 1000),
    ):
        values = [scale * e[key] for e in per_size]
        bars = ax.bar(labels, values, color=colours)
        ax.bar_label(bars, labels=[format_value(float(v)) for v in values])
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.margins(y=0.2)
    updates.set_title("Updates per epoch")
    seconds.set_title("Time per epoch")
    return figure
