"""The depth study: the same width stacked into 1, 2, 3, … hidden layers.

Backpropagation multiplies the error by ``σ'(Z)`` once per layer on its way
down, ``delta_l = σ'(Z_l) ⊙ delta_{l+1} W_{l+1}ᵀ``, and the sigmoid's
derivative is at most 1/4, so in a deep sigmoid network the first layers
receive far smaller gradients than the last one (vanishing gradients). The
study measures the gradient of every layer from the diagnostics
(``grad_norm_l``, the Frobenius norm of ``dW_l`` after each epoch) and compares
the first layer with the last as the network deepens, together with the loss
curves and the final train and test accuracy of each depth.

Layers have different numbers of weights, so gradients are compared per weight:
``‖dW_l‖ / √(n_in n_out)``, the root mean square of the entries of ``dW_l``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ffnn._validation import check_positive
from ffnn.experiments.config_file import ExperimentFile
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.results import SweepResult
from ffnn.experiments.study import Study, StudyOutput
from ffnn.experiments.sweep_run import RunResult
from ffnn.plots import plot_loss_curves

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

#: grid keys the depth study knows how to group by
GRID_KEYS = ("hidden", "activation")


class DepthStudy(Study):
    name = "depth"
    title = "Depth"
    #: loss_threshold: the training loss whose first crossing marks the end of
    #: the initial plateau
    options: ClassVar[dict[str, Any]] = {"loss_threshold": 0.5}

    def check(self, spec: ExperimentFile, options: dict[str, Any]) -> None:
        """Check the grid varies ``hidden`` (and at most ``activation``) and
        the diagnostics are on."""
        grid = spec.experiment.grid
        source = spec.source or self.name
        if "hidden" not in grid:
            raise ValueError(
                f"{source}: grid.hidden: the depth study needs a list of hidden "
                "layer sizes to compare, e.g. [[10], [10, 10]]"
            )
        for key in grid:
            if key not in GRID_KEYS:
                raise ValueError(
                    f"{source}: grid.{key}: the depth study varies only "
                    f"{' and '.join(GRID_KEYS)}; set {key} in [base]"
                )
        if not spec.experiment.diagnostics:
            raise ValueError(
                f"{source}: experiment.diagnostics: the depth study reads the "
                "per-layer gradient norms; set diagnostics = true"
            )

    def analyse(
        self,
        sweep: SweepResult,
        output: StudyOutput,
        report: Report,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        experiment = sweep.experiment
        activations = experiment.grid.get(
            "activation", [experiment.base.get("activation", "tanh")]
        )
        threshold = check_positive(options["loss_threshold"], "study.loss_threshold")
        points = [
            _summarise_point(sweep, activation, hidden, threshold)
            for activation in activations
            for hidden in experiment.grid["hidden"]
        ]
        report.heading("Loss curves")
        self.figure(
            output,
            report,
            _loss_figure(sweep, activations),
            "loss_curves.png",
            "Training loss per epoch, one curve per number of hidden layers "
            "(repeat 0).",
        )
        report.heading("Accuracy against depth")
        self.figure(
            output,
            report,
            _accuracy_figure(points, activations),
            "accuracy.png",
            "Final train (solid) and test (dashed) accuracy against the number of "
            "hidden layers; bars: standard deviation over repeats.",
        )
        report.heading("Gradients per layer")
        self.figure(
            output,
            report,
            _gradient_figure(points, activations),
            "gradient_norms.png",
            "Root-mean-square gradient per weight of each layer, ‖dW_l‖ / "
            "√(n_in n_out), for the initial weights (mean over repeats); layer 1 "
            "is next to the inputs.",
        )
        deepest = max(experiment.grid["hidden"], key=n_hidden_layers)
        self.figure(
            output,
            report,
            _gradient_epochs_figure(sweep, activations, deepest),
            "gradient_epochs.png",
            f"Gradient per weight of each layer after every epoch, for the deepest "
            f"network ({n_hidden_layers(deepest)} hidden layers, repeat 0).",
        )
        report.reading(_sentences(points, activations, experiment.base, threshold))
        return {"points": points}


# ------------------------------------------------------------------ measurements
def n_hidden_layers(hidden: int | Sequence[int]) -> int:
    """Number of hidden layers of a ``hidden`` value (10 or [10, 10])."""
    return 1 if isinstance(hidden, int) else len(hidden)


def gradient_rms(run: RunResult, epoch: int) -> list[float]:
    """``‖dW_l‖ / √(n_in n_out)`` of every Dense layer at the last step of
    ``epoch`` (full batches: the gradient at the weights the epoch started from).

    Returns a list with one float per Dense layer, first layer first.
    """
    sizes = [W.size for W in run.network.weights]
    return [
        run.diagnostics[f"grad_norm_{layer}"][epoch] / math.sqrt(size)
        for layer, size in enumerate(sizes, start=1)
    ]


def gradient_ratios(run: RunResult) -> np.ndarray:
    """First-layer over last-layer gradient per weight, after every epoch.

    Returns an array of shape (epochs,); NaN where the last layer's gradient is 0.
    """
    sizes = [W.size for W in run.network.weights]
    last = len(sizes)
    first = np.asarray(run.diagnostics["grad_norm_1"]) / math.sqrt(sizes[0])
    final = np.asarray(run.diagnostics[f"grad_norm_{last}"]) / math.sqrt(sizes[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(final > 0, first / final, np.nan)


def _select(sweep: SweepResult, activation: str, hidden) -> list[RunResult]:
    if "activation" in sweep.experiment.grid:
        return sweep.select(hidden=hidden, activation=activation)
    return sweep.select(hidden=hidden)


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if not finite.size:
        return math.nan, math.nan
    return float(finite.mean()), float(finite.std())


def epochs_to_loss(run: RunResult, threshold: float) -> float:
    """First epoch whose training loss is below ``threshold`` (NaN if none)."""
    below = np.flatnonzero(np.asarray(run.history.loss) < threshold)
    return float(below[0]) if below.size else math.nan


def _summarise_point(
    sweep: SweepResult, activation: str, hidden, threshold: float
) -> dict[str, Any]:
    runs = _select(sweep, activation, hidden)
    entry: dict[str, Any] = {
        "activation": activation,
        "hidden": list(hidden) if not isinstance(hidden, int) else [hidden],
        "hidden_layers": n_hidden_layers(hidden),
        "runs": len(runs),
        "diverged": any(r.diverged for r in runs),
    }
    for metric in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        mean, std = _mean_std([r.metrics[metric] for r in runs])
        entry[metric], entry[f"{metric}_std"] = mean, std
    crossings = [epochs_to_loss(r, threshold) for r in runs]
    entry["epochs_to_threshold"] = _mean_std(crossings)[0]
    entry["reached_threshold"] = sum(math.isfinite(c) for c in crossings)
    initial = np.array([gradient_rms(r, 0) for r in runs])  # (runs, layers)
    entry["gradient_rms_initial"] = [float(v) for v in initial.mean(axis=0)]
    final = np.array([gradient_rms(r, -1) for r in runs])  # (runs, layers)
    entry["gradient_rms_final"] = [float(v) for v in final.mean(axis=0)]
    entry["gradient_ratio_initial"] = _mean_std(initial[:, 0] / initial[:, -1])[0]
    entry["gradient_ratio_median"] = _mean_std(
        [float(np.nanmedian(gradient_ratios(r))) for r in runs]
    )[0]
    return entry


def _layers_text(count: int) -> str:
    return f"{count} hidden layer{'s' if count != 1 else ''}"


def _sentences(
    points: list[dict[str, Any]],
    activations: Sequence[str],
    base: dict,
    threshold: float,
) -> list[str]:
    sentences = []
    for activation in activations:
        mine = [p for p in points if p["activation"] == activation]
        for p in mine:
            if p["reached_threshold"] == p["runs"]:
                plateau = (
                    f"the loss first fell below {format_value(threshold)} at epoch "
                    f"{format_value(p['epochs_to_threshold'])} (mean over runs)"
                )
            else:
                plateau = (
                    f"the loss fell below {format_value(threshold)} in "
                    f"{p['reached_threshold']} of {p['runs']} runs, and at the end "
                    "no layer's gradient per weight exceeds "
                    f"{format_value(max(p['gradient_rms_final']))}"
                )
            sentences.append(
                f"{activation}, {_layers_text(p['hidden_layers'])}: "
                "first-layer / last-layer gradient per weight "
                f"{format_value(p['gradient_ratio_initial'])} at the start "
                f"(median over training {format_value(p['gradient_ratio_median'])}); "
                f"{plateau}; final loss {format_value(p['train_loss'])}, accuracy "
                f"{format_value(p['train_accuracy'])} train / "
                f"{format_value(p['test_accuracy'])} test"
                f"{' (diverged)' if p['diverged'] else ''}."
            )
        shallow = min(mine, key=lambda p: p["hidden_layers"])
        deep = max(mine, key=lambda p: p["hidden_layers"])
        if deep["hidden_layers"] > shallow["hidden_layers"]:
            change = deep["gradient_ratio_initial"] / shallow["gradient_ratio_initial"]
            direction = "shrinks" if change < 1 else "grows"
            sentences.append(
                f"With {activation}, going from {shallow['hidden_layers']} to "
                f"{deep['hidden_layers']} hidden layers the initial first-layer "
                f"gradient relative to the last {direction} by a factor "
                f"{format_value(change if change >= 1 else 1 / change)} "
                f"({format_value(shallow['gradient_ratio_initial'])} → "
                f"{format_value(deep['gradient_ratio_initial'])})."
            )
        best = max(mine, key=lambda p: _finite_or(p["test_accuracy"], -1.0))
        sentences.append(
            f"Best test accuracy with {activation}: "
            f"{format_value(best['test_accuracy'])} with "
            f"{_layers_text(best['hidden_layers'])}."
        )
    epochs = base.get("epochs")
    if epochs is not None:
        sentences.append(f"Each run trained for {epochs} epochs.")
    return sentences


def _finite_or(value: float, default: float) -> float:
    return value if math.isfinite(value) else default


# ------------------------------------------------------------------------ figures
def _panels(count: int, width: float = 5.0, height: float = 3.8):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * count + 0.5, height), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, count, sharey=True))
    return figure, axes


def _loss_figure(sweep: SweepResult, activations: Sequence[str]) -> Figure:
    figure, axes = _panels(len(activations))
    for ax, activation in zip(axes, activations, strict=True):
        curves = {}
        for hidden in sweep.experiment.grid["hidden"]:
            run = _select(sweep, activation, hidden)[0]
            layers = n_hidden_layers(hidden)
            label = f"{layers} hidden layer{'s' if layers > 1 else ''}"
            curves[label + (" (diverged)" if run.diverged else "")] = run.history
        plot_loss_curves(
            curves, ax=ax, log_scale=True, validation=False, title=activation
        )
    return figure


def _accuracy_figure(points: list[dict[str, Any]], activations: Sequence[str]):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.5, 4), layout="constrained")
    ax = figure.add_subplot()
    for index, activation in enumerate(activations):
        mine = sorted(
            (p for p in points if p["activation"] == activation),
            key=lambda p: p["hidden_layers"],
        )
        layers = [p["hidden_layers"] for p in mine]
        for split, style in (("train", "-"), ("test", "--")):
            ax.errorbar(
                layers,
                [p[f"{split}_accuracy"] for p in mine],
                yerr=[p[f"{split}_accuracy_std"] for p in mine],
                color=f"C{index}",
                ls=style,
                marker="o",
                capsize=3,
                label=f"{activation}, {split}",
            )
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("accuracy")
    ax.set_xticks(sorted({p["hidden_layers"] for p in points}))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return figure


def _gradient_figure(points: list[dict[str, Any]], activations: Sequence[str]):
    figure, axes = _panels(len(activations))
    for ax, activation in zip(axes, activations, strict=True):
        mine = [p for p in points if p["activation"] == activation]
        for index, p in enumerate(mine):
            values = p["gradient_rms_initial"]
            ax.plot(
                np.arange(1, len(values) + 1),
                values,
                marker="o",
                color=f"C{index}",
                label=f"{p['hidden_layers']} hidden",
            )
        ax.set_yscale("log")
        ax.set_xlabel("layer l (1 = first)")
        ax.set_title(activation)
        ax.grid(alpha=0.3, which="both")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0].set_ylabel("RMS of dW_l, initial weights")
    axes[0].legend(fontsize="small")
    return figure


def _gradient_epochs_figure(
    sweep: SweepResult, activations: Sequence[str], hidden
) -> Figure:
    from matplotlib import colormaps

    figure, axes = _panels(len(activations))
    for ax, activation in zip(axes, activations, strict=True):
        run = _select(sweep, activation, hidden)[0]
        weights = run.network.weights
        # first layer dark, last layer light
        colours = colormaps["viridis"](np.linspace(0.0, 0.9, len(weights)))
        for layer, (W, colour) in enumerate(zip(weights, colours, strict=True), 1):
            ax.plot(
                np.asarray(run.diagnostics[f"grad_norm_{layer}"]) / math.sqrt(W.size),
                color=colour,
                lw=1,
                label=f"dW_{layer}",
            )
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(activation)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("RMS of dW_l")
    axes[0].legend(fontsize="small", ncols=2)
    return figure
