"""The files a training run leaves behind: ``model.npz``, ``metrics.json`` and its
figures (:func:`write_run`), and the JSON-safe form of measured numbers.

A run folder holds one run's files, whole, or is marked incomplete: the files
are written atomically into a staging folder and published together
(:func:`ffnn.atomic.staged_folder`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn.atomic import atomic_path, atomic_write_text, staged_folder
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

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

#: a run's last checkpoint, published with its other files
CHECKPOINT_FILE = "checkpoint.npz"
#: where ``ffnn train --checkpoint-every`` writes its checkpoints while it
#: trains: the folder's published run (an older one) is left whole until the
#: new run's files replace it, and a killed run leaves this file to resume from
RUNNING_CHECKPOINT_FILE = "checkpoint.running.npz"
#: every file a run may leave; a run written into a folder removes the ones an
#: older run left there (folders written before manifests existed included)
RUN_FILES = (
    CHECKPOINT_FILE,
    RUNNING_CHECKPOINT_FILE,
    "model.npz",
    "metrics.json",
    "loss.png",
    "decision_boundary.png",
    "fitted_vs_true.png",
    "confusion_matrix.png",
    "misclassified.png",
    "first_layer_weights.png",
)


def write_run(
    run: TrainingRun, out: str | PathLike, checkpoint: str | PathLike | None = None
) -> dict[str, Path]:
    """Write the model, metrics and figures into the folder ``out``.

    Always ``model.npz``, ``metrics.json`` and ``loss.png``; for a regressor
    the test set's fitted against true values (``fitted_vs_true.png``); for a
    classifier of 2-D data the decision boundary, for images a confusion matrix,
    a grid of misclassified test images and the first layer's weights as images.
    Returns the path of each file by name. ``checkpoint``, the run's last
    checkpoint (the one it wrote while training, or the one it resumed from),
    is published with its other files as :data:`CHECKPOINT_FILE`; otherwise
    an older run's is removed.

    The files replace an older run's in ``out`` together (see
    :func:`ffnn.atomic.staged_folder`): if writing fails, say on a full disk,
    ``out`` keeps the older run as it was; a crash while the files are swapped
    leaves ``out`` marked incomplete (``out/.incomplete``), never half old and
    half new.
    """
    out = Path(out)
    figures = _figures(run)  # drawn before anything is written
    names = ["model.npz", "metrics.json", *figures]
    with staged_folder(out, replaces=RUN_FILES) as staging:
        if checkpoint is not None and Path(checkpoint).is_file():
            _link_or_copy(Path(checkpoint), staging / CHECKPOINT_FILE)
            names.append(CHECKPOINT_FILE)
        with atomic_path(staging / "model.npz") as temporary:
            run.network.save(temporary)
        metrics = json.dumps(json_safe(_metrics(run)), indent=2) + "\n"
        atomic_write_text(staging / "metrics.json", metrics)
        for name, figure in figures.items():
            with atomic_path(staging / name) as temporary:
                save_figure(figure, temporary)
    return {name: out / name for name in names}


def _link_or_copy(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (no copy, no time), or a copy
    where the file system has no links."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _metrics(run: TrainingRun) -> dict[str, Any]:
    """What ``metrics.json`` holds: the config and where each value came from,
    the network, the final metrics and the history."""
    return {
        # the engine that ran, where the config left the choice to "auto"
        "config": {**run.config.to_dict(), "engine": run.history.engine},
        "config_sources": run.config.sources(),  # given, preset or default
        "network": repr(run.network),
        "n_parameters": run.network.n_parameters,
        **run.metrics(),
        "history": run.history.to_dict(),
    }


def _figures(run: TrainingRun) -> dict[str, Figure]:
    """The run's figures by file name (see :func:`write_run`)."""
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
    return figures


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
