"""The initialisation study: why the weights start at ``N(0, 1/√n_in)``.

Part A is the notes' toy layer, computed rather than trained: one example
of ``n_in`` inputs all equal to 1 and ``m`` hidden units,
``Z = x W + b`` with every ``b_j ~ N(0, 1)``. With ``W ~ N(0, 1)`` each ``Z_j``
is a sum of ``n_in + 1`` standard normals, standard deviation ``√(n_in + 1)``;
with the notes' ``W ~ N(0, 1/√n_in)`` (``lecun_normal``) it is
``√(n_in · 1/n_in + 1) = √2``. The update of a weight feeding a tanh unit is
proportional to ``tanh'(Z) = 1 − tanh²(Z)``, so a wide ``Z`` leaves most units
saturated (``tanh'(Z) < 0.05``) and barely learning. Its computation, figures
and report are in :mod:`ffnn.experiments.studies.initialisation_toy`.

Part B trains a network once per initialiser (the sweep's ``init`` grid) and
records the saturated share of each hidden layer per epoch, how far each
layer's weights moved, and whether the hidden units ever became different from
one another: with ``zeros`` every hidden unit computes the same function and
receives the same update, so the symmetry never breaks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn._validation import check_int
from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.diagnostics import SATURATION_THRESHOLD
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.studies.initialisation_toy import (
    report_toy,
    toy_preactivations,
    toy_summary,
)
from ffnn.experiments.study import (
    Progress,
    Study,
    StudyOutput,
    first_repeat,
    train_test_loss_curves,
)
from ffnn.experiments.sweep_run import RunResult
from ffnn.network import Network

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


class InitialisationStudy(Study):
    name = "initialisation"
    title = "Weight initialisation"
    options: ClassVar[dict[str, Any]] = {
        "toy_inputs": 1000,
        "toy_units": 20000,
        "toy_seed": 0,
    }

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid varies ``init`` and the toy layer's sizes."""
        if "init" not in spec.experiment.grid:
            raise ValueError(
                f"{spec.source or self.name}: grid.init: the initialisation study "
                "needs a list of initialisers to compare"
            )
        check_int(options["toy_inputs"], "study.toy_inputs")
        check_int(options["toy_units"], "study.toy_units", minimum=2)

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
        """Part A (the toy layer, no training), then the sweep over ``init``."""
        Z = toy_preactivations(
            options["toy_inputs"], options["toy_units"], options["toy_seed"]
        )
        toy = toy_summary(Z, options["toy_inputs"])
        toy_output = StudyOutput(out, {})
        report_toy(Z, toy, options, report, toy_output)
        output = super().execute(
            spec, out, report, options, n_jobs, scheduler, progress
        )
        output.summary = {"toy": toy, **output.summary}
        output.files.update(toy_output.files)
        return output

    # ------------------------------------------------------------------ part B
    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        per_init = [
            _summarise_init(sweep, init) for init in sweep.experiment.grid["init"]
        ]
        runs = first_repeat(sweep)
        report.heading("Part B: training from each initialisation")
        self.figure(
            output,
            report,
            _loss_curves(runs),
            "loss_curves.png",
            "Training loss (solid) and test loss (dashed) per epoch, one colour "
            "per initialiser (repeat 0).",
        )
        self.figure(
            output,
            report,
            _saturation_figure(runs),
            "saturation.png",
            f"Share of saturated hidden units (tanh' < {SATURATION_THRESHOLD:g}) on "
            "the training inputs after each epoch, per hidden layer (repeat 0).",
        )
        self.figure(
            output,
            report,
            _weight_change_figure(per_init),
            "weight_change.png",
            "How far each layer's weights moved in training, ‖W_final − W_init‖ / "
            "‖W_init‖ (mean over repeats; zeros has no initial norm to divide by).",
        )
        self.figure(
            output,
            report,
            _symmetry_figure(per_init),
            "symmetry.png",
            "Largest difference between the parameters of two hidden units of the "
            "same layer after training (mean over repeats); 0 means every hidden "
            "unit is a copy of the others.",
        )
        report.reading(_part_b_sentences(per_init, sweep.experiment.base))
        return {"initialisers": per_init}


# ------------------------------------------------------------ part B measurements
def symmetry_gap(network: Network) -> list[float]:
    """Per hidden layer, the largest difference between the parameters of any
    two of its units.

    Unit ``j`` of hidden layer ``l`` is its incoming column ``W_l[:, j]``, its
    bias ``b_l[j]`` and its outgoing row ``W_{l+1}[j, :]``. The gap is
    ``max |θ_j − θ_k|`` over units ``j, k`` and those entries: 0 when every unit
    is a copy of the others, as the ``zeros`` initialisation leaves them.

    Returns
    -------
    list of float
        One value per hidden layer (Dense layers but the last).
    """
    dense = network.dense_layers
    gaps = []
    for layer, following in itertools.pairwise(dense):
        unit_parameters = [
            layer.W,  # (n_in, m): unit j is column j
            layer.b[np.newaxis, :],  # (1, m)
            following.W.T,  # (n_next, m): unit j is row j of W_{l+1}
        ]
        gaps.append(
            max(float(np.max(p.max(axis=1) - p.min(axis=1))) for p in unit_parameters)
        )
    return gaps


def weight_change(run: RunResult) -> list[float]:
    """``‖W_final − W_init‖ / ‖W_init‖`` per Dense layer (NaN where
    ``W_init = 0``); the initial weights are rebuilt from the run's config."""
    network = run.network
    initial = run.spec.config.make_network(network.n_inputs, network.n_outputs)
    changes = []
    for W_final, W_init in zip(network.weights, initial.weights, strict=True):
        norm = float(np.linalg.norm(W_init))
        changes.append(
            float(np.linalg.norm(W_final - W_init)) / norm if norm > 0 else math.nan
        )
    return changes


def _nanmean(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _summarise_init(sweep: SweepResult, init: str) -> dict[str, Any]:
    runs = sweep.select(init=init)
    entry: dict[str, Any] = {"init": init, "runs": len(runs)}
    for metric in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        entry[metric] = _nanmean([r.metrics[metric] for r in runs])
    entry["initial_loss"] = _nanmean([r.history.loss[0] for r in runs])
    entry["min_test_loss"] = _nanmean([min(r.history.val_loss) for r in runs])
    entry["diverged"] = any(r.diverged for r in runs)
    layers = sorted(
        int(key.rsplit("_", 1)[1])
        for key in runs[0].diagnostics
        if key.startswith("saturated_")
    )
    entry["saturated_initial"] = [
        _nanmean([r.diagnostics[f"saturated_{layer}"][0] for r in runs])
        for layer in layers
    ]
    entry["saturated_final"] = [
        _nanmean([r.diagnostics[f"saturated_{layer}"][-1] for r in runs])
        for layer in layers
    ]
    changes = np.array([weight_change(r) for r in runs])  # (runs, layers)
    entry["weight_change"] = [_nanmean(column) for column in changes.T]
    gaps = np.array([symmetry_gap(r.network) for r in runs])  # (runs, hidden)
    entry["symmetry_gap"] = [float(np.mean(column)) for column in gaps.T]
    entry["symmetry_gap_max"] = float(gaps.max())
    entry["symmetry_gap_min"] = float(gaps.min())
    return entry


def _part_b_sentences(per_init: list[dict[str, Any]], base: dict) -> list[str]:
    sentences = []
    for e in per_init:
        saturation = ", ".join(
            f"{a:.0%} → {b:.0%}"
            for a, b in zip(e["saturated_initial"], e["saturated_final"], strict=True)
        )
        changes = ", ".join(format_value(c) for c in e["weight_change"])
        sentences.append(
            f"{e['init']}: loss {format_value(e['initial_loss'])} at the start, "
            f"{format_value(e['train_loss'])} on the training set and "
            f"{format_value(e['test_loss'])} on the test set at the end (lowest "
            f"test loss {format_value(e['min_test_loss'])}), accuracy "
            f"{format_value(e['train_accuracy'])} / "
            f"{format_value(e['test_accuracy'])}; saturated units per hidden layer "
            f"{saturation} (start → end); relative weight change per layer "
            f"{changes}."
        )
    by_test = sorted(
        (e for e in per_init if math.isfinite(e["min_test_loss"])),
        key=lambda e: e["min_test_loss"],
    )
    if len(by_test) >= 2:
        sentences.append(
            f"Lowest test loss: {by_test[0]['init']} "
            f"({format_value(by_test[0]['min_test_loss'])}); highest: "
            f"{by_test[-1]['init']} ({format_value(by_test[-1]['min_test_loss'])})."
        )
    by_name = {e["init"]: e for e in per_init}
    if {"standard_normal", "lecun_normal"} <= set(by_name):
        sentences.append(_naive_against_notes(by_name))
    symmetric = [e for e in per_init if e["symmetry_gap_max"] == 0.0]
    broken = [e for e in per_init if e["symmetry_gap_min"] > 0.0]
    if symmetric:
        names = ", ".join(e["init"] for e in symmetric)
        sentences.append(
            f"After training, the largest difference between two hidden units' "
            f"weights is exactly 0 with {names}: the symmetry never broke, every "
            "hidden unit is a copy of the others."
        )
    if broken:
        smallest = min(broken, key=lambda e: e["symmetry_gap_min"])
        names = ", ".join(e["init"] for e in broken)
        sentences.append(
            f"With {names} the hidden units differ: two units of the same layer "
            "differ by at least "
            f"{format_value(smallest['symmetry_gap_min'])} ({smallest['init']})."
        )
    epochs = base.get("epochs")
    if epochs is not None:
        sentences.append(f"Each run trained for {epochs} epochs.")
    return sentences


def _naive_against_notes(by_name: dict[str, dict[str, Any]]) -> str:
    """standard_normal against the notes' lecun_normal, in one sentence."""
    naive, notes = by_name["standard_normal"], by_name["lecun_normal"]
    worst = int(np.argmax(naive["saturated_final"]))
    later = slice(1, None)  # the layers fed by a hidden layer
    ratio = naive["min_test_loss"] / notes["min_test_loss"]
    return (
        f"Against lecun_normal, standard_normal starts at loss "
        f"{format_value(naive['initial_loss'])} instead of "
        f"{format_value(notes['initial_loss'])}, ends with "
        f"{naive['saturated_final'][worst]:.0%} of hidden layer {worst + 1} "
        f"saturated ({notes['saturated_final'][worst]:.0%} with lecun_normal), "
        f"and the weights after the first layer move by "
        f"{format_value(_nanmean(naive['weight_change'][later]))} of their norm "
        f"against {format_value(_nanmean(notes['weight_change'][later]))}: it "
        f"fits the training set (loss {format_value(naive['train_loss'])}) with "
        f"barely trained random features, and its lowest test loss, "
        f"{format_value(naive['min_test_loss'])}, is {format_value(ratio)} times "
        f"lecun_normal's {format_value(notes['min_test_loss'])}."
    )


# ------------------------------------------------------------------- figures


def _loss_curves(runs: list[RunResult]) -> Figure:
    return train_test_loss_curves(
        runs, lambda run: run.spec.params["init"], "Cross-entropy loss per initialiser"
    )


def _saturation_figure(runs: list[RunResult]) -> Figure:
    from matplotlib.figure import Figure

    keys = sorted(k for k in runs[0].diagnostics if k.startswith("saturated_"))
    figure = Figure(figsize=(4 * max(len(keys), 1) + 1, 3.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, max(len(keys), 1), sharey=True))
    for ax, key in zip(axes, keys, strict=False):
        for index, run in enumerate(runs):
            ax.plot(
                run.diagnostics[key], color=f"C{index}", label=run.spec.params["init"]
            )
        ax.set_title(f"hidden layer {key.rsplit('_', 1)[1]}")
        ax.set_xlabel("epoch")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("saturated share")
    axes[0].legend(fontsize="small")
    return figure


def _grouped_bars(
    ax, per_init: list[dict[str, Any]], key: str, prefix: str, mark_zero: bool
) -> None:
    """One group of bars per layer, one bar per initialiser; with
    ``mark_zero`` a bar of exactly 0 is labelled '0' so that it can be seen."""
    n_layers = max(len(e[key]) for e in per_init)
    width = 0.8 / len(per_init)
    for index, entry in enumerate(per_init):
        values = np.array(entry[key], dtype=float)
        positions = np.arange(len(values)) + (index - (len(per_init) - 1) / 2) * width
        ax.bar(
            positions,
            np.nan_to_num(values, nan=0.0),
            width,
            color=f"C{index}",
            label=entry["init"],
        )
        if mark_zero:
            for position in positions[values == 0.0]:
                ax.text(position, 0, "0", ha="center", va="bottom", color=f"C{index}")
    ax.set_xticks(np.arange(n_layers), [f"{prefix}{i + 1}" for i in range(n_layers)])


def _weight_change_figure(per_init: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.8), layout="constrained")
    ax = figure.add_subplot()
    _grouped_bars(ax, per_init, "weight_change", "W", mark_zero=False)
    ax.set_ylabel("‖W_final − W_init‖ / ‖W_init‖")
    ax.set_yscale("log")
    ax.set_title("Relative change of each layer's weights")
    ax.legend(fontsize="small")
    return figure


def _symmetry_figure(per_init: list[dict[str, Any]]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.8), layout="constrained")
    ax = figure.add_subplot()
    _grouped_bars(ax, per_init, "symmetry_gap", "hidden layer ", mark_zero=True)
    ax.set_ylabel("max |θ_j − θ_k| over hidden units")
    ax.set_title("Do the hidden units differ after training?")
    ax.legend(fontsize="small", loc="upper right")
    return figure
