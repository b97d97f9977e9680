"""A grid of decision boundaries: one panel per run, laid out in rows, for
studies that compare how a swept value changes the boundary a network draws."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ffnn.experiments.sweep_run import RunResult
from ffnn.plots import plot_decision_boundary
from ffnn.training_run import load_run_data

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure


def training_points(run: RunResult) -> tuple[np.ndarray, np.ndarray]:
    """The points ``run`` was trained on, regenerated from its config.

    Returns
    -------
    X : array of shape (n_train, n_features)
    y : array of shape (n_train,)

    With k-fold cross-validation every generated sample is returned (the fold's
    held-out rows included), since the split is the sweep's own business.
    """
    spec = run.spec
    if spec.folds is None:
        data = load_run_data(spec.config)
        return data.X_train, data.y_train
    # every sample of a cross-validated run: its k − 1 training folds and the
    # held-out one
    data = load_run_data(spec.config, spec.fold, spec.folds)
    return (
        np.concatenate([data.X_train, data.X_test]),
        np.concatenate([data.y_train, data.y_test]),
    )


def decision_boundary_grid(
    runs: Sequence[RunResult],
    title: Callable[[RunResult], str],
    columns: int = 4,
    resolution: int = 200,
) -> Figure:
    """One decision-boundary panel per run, each over its own training points.

    Parameters
    ----------
    runs : sequence of RunResult
        Networks with 2 inputs, e.g. repeat 0 of every grid point.
    title : callable(RunResult) -> str
        The title of a run's panel.
    columns : int
        Panels per row.
    resolution : int
        Grid points per axis of each panel's shading.
    """
    from matplotlib.figure import Figure

    if not runs:
        raise ValueError("decision_boundary_grid needs at least one run")
    columns = min(columns, len(runs))
    rows = math.ceil(len(runs) / columns)
    figure = Figure(figsize=(3.3 * columns, 3.0 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for index, (ax, run) in enumerate(zip(axes, runs, strict=False)):
        X, y = training_points(run)
        plot_decision_boundary(
            run.network, X, y, ax=ax, resolution=resolution, title=title(run)
        )
        ax.title.set_fontsize("medium")
        if index > 0:  # one legend is enough: every panel colours classes alike
            ax.get_legend().remove()
        if index % columns:
            ax.set_ylabel("")
        if index < len(runs) - columns:
            ax.set_xlabel("")
    for ax in axes[len(runs) :]:
        ax.set_axis_off()
    return figure
