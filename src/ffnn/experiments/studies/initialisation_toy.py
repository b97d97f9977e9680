"""Part A of the initialisation study: the notes' toy layer, computed rather
than trained, with its figures and its part of the report.

One example of ``n_in`` inputs all equal to 1 and ``m`` hidden units,
``Z = x W + b`` with every ``b_j ~ N(0, 1)``. With ``W ~ N(0, 1)`` each ``Z_j``
is a sum of ``n_in + 1`` standard normals, standard deviation ``√(n_in + 1)``;
with the notes' ``W ~ N(0, 1/√n_in)`` (``lecun_normal``) it is
``√(n_in · 1/n_in + 1) = √2``. The update of a weight feeding a tanh unit is
proportional to ``tanh'(Z) = 1 − tanh²(Z)``, so a wide ``Z`` leaves most units
saturated (``tanh'(Z) < 0.05``) and barely learning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn.activations import get_activation
from ffnn.experiments.diagnostics import SATURATION_THRESHOLD
from ffnn.experiments.report import Report, format_value
from ffnn.experiments.study import Study, StudyOutput
from ffnn.initializers import get_initializer

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

#: the toy's two initialisers and the variance of one weight for ``n_in`` inputs
TOY_WEIGHT_VARIANCE: dict[str, Callable[[int], float]] = {
    "standard_normal": lambda n_in: 1.0,
    "lecun_normal": lambda n_in: 1.0 / n_in,
}
#: |Z| above which tanh'(Z) < SATURATION_THRESHOLD (≈ 2.18)
SATURATION_Z = math.atanh(math.sqrt(1.0 - SATURATION_THRESHOLD))
#: hidden units drawn per block in the toy, to bound its memory
TOY_BLOCK = 2000


# ------------------------------------------------------------------ the toy layer
def toy_preactivations(n_inputs: int, n_units: int, seed: int) -> dict[str, np.ndarray]:
    """``Z = x W + b`` of the notes' toy layer, for each toy initialiser.

    Parameters
    ----------
    n_inputs : int
        Inputs ``n_in``; the one example is ``x = (1, …, 1)``, shape (1, n_in).
    n_units : int
        Hidden units ``m``: the number of draws of ``Z``.
    seed : int
        Seed of the generator every ``W`` and ``b`` is drawn from.

    Returns
    -------
    dict of str → array of shape (n_units,)
        ``Z`` for 'standard_normal' and 'lecun_normal' weights.

    Notes
    -----
    ``W`` (n_in, m) comes from :func:`ffnn.initializers.get_initializer`,
    ``b ~ N(0, 1)`` (m,), drawn in blocks of hidden units to bound memory. Each
    ``Z_j = Σ_i W_ij + b_j``, so ``Var Z_j = n_in Var W_ij + 1``.
    """
    rng = np.random.default_rng(seed)
    x = np.ones((1, n_inputs))
    result = {}
    for name in TOY_WEIGHT_VARIANCE:
        initializer = get_initializer(name)
        blocks = []
        for start in range(0, n_units, TOY_BLOCK):
            m = min(TOY_BLOCK, n_units - start)
            W = initializer(n_inputs, m, rng, np.dtype("float64"))
            b = rng.standard_normal(m)
            blocks.append((x @ W + b)[0])  # (1, n_in) @ (n_in, m) + (m,)
        result[name] = np.concatenate(blocks)
    return result


def toy_summary(Z: dict[str, np.ndarray], n_inputs: int) -> dict[str, Any]:
    """Measured against expected standard deviation of ``Z``, and saturation.

    Returns a dict with, per initialiser, ``std``, ``expected_std`` =
    ``√(n_in Var W + 1)``, ``relative_error``, ``saturated_fraction`` (share of
    ``tanh'(Z) < 0.05``), the same share for a normal ``Z`` of the expected
    standard deviation, and ``mean_derivative``.
    """
    tanh = get_activation("tanh")
    entries = {}
    for name, values in Z.items():
        variance = n_inputs * TOY_WEIGHT_VARIANCE[name](n_inputs) + 1.0
        std = float(np.std(values))
        derivative = tanh.derivative(values)
        entries[name] = {
            "std": std,
            "expected_variance": variance,
            "expected_std": math.sqrt(variance),
            "relative_error": std / math.sqrt(variance) - 1.0,
            "saturated_fraction": float(np.mean(derivative < SATURATION_THRESHOLD)),
            "expected_saturated_fraction": math.erfc(
                SATURATION_Z / math.sqrt(2.0 * variance)
            ),
            "mean_derivative": float(np.mean(derivative)),
            "units": int(values.size),
        }
    return {"inputs": n_inputs, "initialisers": entries}


# ------------------------------------------------------------------- report
def report_toy(
    Z: dict[str, np.ndarray],
    toy: dict[str, Any],
    options: dict[str, Any],
    report: Report,
    output: StudyOutput,
) -> None:
    """Part A in the report: the toy's figures (saved into ``output``) and a
    reading of its measured against expected numbers."""
    n_in, m = options["toy_inputs"], options["toy_units"]
    report.heading("Part A: the notes' toy layer")
    report.paragraph(
        f"One example x = (1, …, 1) with {n_in} inputs, {m} hidden units, "
        "Z = x W + b with b ~ N(0, 1); W drawn by each initialiser."
    )
    Study.figure(
        output,
        report,
        toy_histograms(Z, toy),
        "toy_z.png",
        "Distribution of Z: left, both initialisers on one axis; right, the "
        "same histograms between ±6 with the saturated region |Z| > 2.18 "
        "shaded.",
    )
    Study.figure(
        output,
        report,
        toy_derivatives(Z),
        "toy_tanh_derivative.png",
        "Distribution of tanh'(Z) = 1 − tanh²(Z); left of the dashed line "
        f"(tanh' < {SATURATION_THRESHOLD:g}) a unit is saturated.",
    )
    Study.figure(
        output,
        report,
        tanh_curves(),
        "tanh.png",
        "tanh and its derivative: the derivative vanishes for large |Z|.",
    )
    sentences = []
    for name, entry in toy["initialisers"].items():
        sentences.append(
            f"With {name} the measured standard deviation of Z is "
            f"{format_value(entry['std'])} against √"
            f"{format_value(entry['expected_variance'])} = "
            f"{format_value(entry['expected_std'])} in theory "
            f"({entry['relative_error']:+.2%}); "
            f"{entry['saturated_fraction']:.1%} of the units are saturated "
            f"(tanh'(Z) < {SATURATION_THRESHOLD:g}), mean tanh'(Z) = "
            f"{format_value(entry['mean_derivative'])}."
        )
    report.reading(sentences)


# ------------------------------------------------------------------- figures
TOY_COLOURS = {"standard_normal": "#d62728", "lecun_normal": "#2ca02c"}


def _toy_label(name: str, entry: dict[str, Any]) -> str:
    return f"{name}: std {entry['std']:.3g} (√{entry['expected_variance']:.4g})"


def toy_histograms(Z: dict[str, np.ndarray], toy: dict[str, Any]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4), layout="constrained")
    wide, narrow = figure.subplots(1, 2)
    limit = 4 * max(e["std"] for e in toy["initialisers"].values())
    for name, values in Z.items():
        entry = toy["initialisers"][name]
        colour = TOY_COLOURS.get(name)
        wide.hist(
            values,
            bins=np.linspace(-limit, limit, 161),
            density=True,
            histtype="stepfilled",
            alpha=0.5,
            color=colour,
            label=_toy_label(name, entry),
        )
        narrow.hist(
            values,
            bins=np.linspace(-6, 6, 121),
            density=True,
            histtype="step",
            lw=1.5,
            color=colour,
            label=name,
        )
    wide.set_title("Z = x W + b, all draws")
    wide.set_xlabel("Z")
    wide.set_ylabel("density")
    wide.legend(fontsize="small")
    for side in (-1, 1):
        narrow.axvspan(
            side * SATURATION_Z, side * 6, color="0.85", zorder=0, label=None
        )
    narrow.set_xlim(-6, 6)
    narrow.set_title(f"|Z| ≤ 6; shaded: saturated (|Z| > {SATURATION_Z:.2f})")
    narrow.set_xlabel("Z")
    narrow.legend(fontsize="small")
    return figure


def toy_derivatives(Z: dict[str, np.ndarray]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4), layout="constrained")
    axes = figure.subplots(1, len(Z), sharey=True)
    tanh = get_activation("tanh")
    bins = np.linspace(0, 1, 51)
    for ax, (name, values) in zip(np.atleast_1d(axes), Z.items(), strict=True):
        derivative = tanh.derivative(values)
        ax.hist(derivative, bins=bins, color=TOY_COLOURS.get(name), alpha=0.7)
        ax.axvline(SATURATION_THRESHOLD, color="k", ls="--", lw=1)
        saturated = float(np.mean(derivative < SATURATION_THRESHOLD))
        ax.set_title(f"{name}: {saturated:.1%} saturated")
        ax.set_xlabel("tanh'(Z) = 1 − tanh²(Z)")
        ax.set_yscale("log")
    np.atleast_1d(axes)[0].set_ylabel("hidden units")
    return figure


def tanh_curves() -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), layout="constrained")
    ax = figure.add_subplot()
    Z = np.linspace(-5, 5, 401)
    tanh = get_activation("tanh")
    ax.plot(Z, tanh.function(Z), label="tanh(Z)")
    ax.plot(Z, tanh.derivative(Z), label="tanh'(Z) = 1 − tanh²(Z)")
    for side in (-1, 1):
        ax.axvspan(side * SATURATION_Z, side * 5, color="0.9", zorder=0)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlim(-5, 5)
    ax.set_xlabel("Z")
    ax.set_title(f"Shaded: tanh'(Z) < {SATURATION_THRESHOLD:g}")
    ax.legend(fontsize="small")
    return figure
