"""The files a training run leaves behind: ``model.npz``, ``metrics.json`` and its
figures (:func:`write_run`), and the JSON-safe form of measured numbers."""

from __future__ import annotations

import json
import math
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.plots import (
    image_shape,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_first_layer_weights,
    plot_fitted_vs_true,
    plot_loss_curves,
    plot_misclassified,
    save_figure,
)
from ffnn.training_run import TrainingRun


def write_run(run: TrainingRun, out: str | PathLike) -> dict[str, Path]:
    """Write the model, metrics and figures into the folder ``out``.

    Always ``model.npz``, ``metrics.json`` and ``loss.png``; for a regressor
    the test set's fitted against true values (``fitted_vs_true.png``); for a
    classifier of 2-D data the decision boundary, for images a confusion matrix,
    a grid of misclassified test images and the first layer's weights as images.
    Returns the path of each file by name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"model.npz": out / "model.npz", "metrics.json": out / "metrics.json"}
    run.network.save(paths["model.npz"])
    metrics = {
        # the engine that ran, where the config left the choice to "auto"
        "config": {**run.config.to_dict(), "engine": run.history.engine},
        "config_sources": run.config.sources(),  # given, preset or default
        "network": repr(run.network),
        "n_parameters": run.network.n_parameters,
        **run.metrics(),
        "history": run.history.to_dict(),
    }
    paths["metrics.json"].write_text(json.dumps(json_safe(metrics), indent=2) + "\n")
    regressor = not run.network.is_classifier
    figures = {
        "loss.png": plot_loss_curves(
            {"training loss": run.history},
            title=_loss_title(run),
            validation_label="test",
            # a regressor's first epochs start orders of magnitude higher
            log_scale=regressor,
            ylabel=(
                r"mean $\frac{1}{2}\|\hat{y} - y\|^2$"
                if regressor
                else "mean cross-entropy"
            ),
        )
    }
    data = run.data
    n_features = data.X_train.shape[1]
    shape = image_shape(n_features)
    if regressor:
        n_test = len(data.y_test)
        figures["fitted_vs_true.png"] = plot_fitted_vs_true(
            data.y_test.reshape(n_test, -1),  # (n, k), as the network predicts
            run.network.predict(data.X_test),
            title=f"Fitted against true values, {n_test} test samples",
        )
    elif n_features == 2:
        figures["decision_boundary.png"] = plot_decision_boundary(
            run.network, data.X_train, data.y_train
        )
    elif shape is not None:
        figures["confusion_matrix.png"] = plot_confusion_matrix(
            run.network, data.X_test, data.y_test
        )
        figures["misclassified.png"] = plot_misclassified(
            run.network, data.X_test, data.y_test, shape
        )
        figures["first_layer_weights.png"] = plot_first_layer_weights(
            run.network, shape
        )
    for name, figure in figures.items():
        paths[name] = save_figure(figure, out / name)
    return paths


def _loss_title(run: TrainingRun) -> str:
    config = run.config
    return (
        f"Loss, {config.optimizer} η = {config.learning_rate:g} "
        f"({config.reduction} of gradients)"
    )


def json_safe(value: Any) -> Any:
    """A JSON-ready copy: NaN and infinities become None (not valid JSON),
    tuples lists, NumPy scalars plain numbers; recursively."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
