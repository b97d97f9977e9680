"""Figures: decision boundaries, loss curves, and fitted against true values.

Figures are built with :class:`matplotlib.figure.Figure` directly, never through
pyplot, so plotting works without a display and touches no global state. Every
function draws on a given ``ax`` or returns a new figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn._validation import check_int, check_X, check_y
from ffnn.network import Network
from ffnn.training import History

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw: it is slow
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: colours of classes 0, 1, 2, … (the notes' red and blue first)
CLASS_COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.add_subplot()


def plot_decision_boundary(
    net: Network,
    X: Any,
    y: Any,
    ax: Axes | None = None,
    resolution: int = 300,
    padding: float = 0.5,
    title: str | None = None,
) -> Figure:
    """Shade the class ``net`` predicts over the plane and scatter ``(X, y)`` on it.

    Parameters
    ----------
    net : Network
        A network with 2 inputs.
    X : array of shape (n, 2)
    y : array of shape (n,)
        Labels, coloured by their position in ``net.classes``.
    resolution : int
        Grid points per axis.
    padding : float
        Margin around the data, in data units.
    """
    from matplotlib.colors import ListedColormap

    if net.n_inputs != 2:
        raise ValueError(
            f"a decision boundary needs a network with 2 inputs, this one has "
            f"{net.n_inputs}"
        )
    X = check_X(X, 2)
    y = check_y(y, X.shape[0])
    resolution = check_int(resolution, "resolution", minimum=2)
    figure, ax = _axes(ax, (6, 4.5))
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    grid_x, grid_y = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    region = np.argmax(net.predict_proba(grid), axis=1).reshape(grid_x.shape)
    k = net.n_outputs
    colours = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
    ax.contourf(
        grid_x,
        grid_y,
        region,
        levels=np.arange(k + 1) - 0.5,
        cmap=ListedColormap(colours),
        alpha=0.3,
    )
    ax.contour(
        grid_x, grid_y, region, levels=np.arange(k) + 0.5, colors="k", linewidths=0.8
    )
    index = net.encode_labels(y)
    for i in range(k):
        chosen = index == i
        label = net.classes[i] if net.classes is not None else i
        ax.scatter(
            X[chosen, 0],
            X[chosen, 1],
            s=14,
            color=colours[i],
            edgecolors="k",
            linewidths=0.4,
            label=f"class {label}",
        )
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title if title is not None else _describe(net))
    return figure


def plot_loss_curves(
    curves: Mapping[str, History | Sequence[float]] | History | Sequence[float],
    ax: Axes | None = None,
    log_scale: bool = False,
    title: str = "Cross-entropy loss",
    validation: bool = True,
    validation_label: str = "validation",
    ylabel: str = "mean cross-entropy",
) -> Figure:
    """Plot one or several loss curves on one axis, with a legend.

    Parameters
    ----------
    curves : History, sequence of float, or mapping of label → either
        Each History contributes its training loss and, when ``validation`` and
        recorded, its validation loss (dashed).
    log_scale : bool
        Logarithmic loss axis.
    validation_label : str
        What the validation curves are called in the legend.
    ylabel : str
        The loss axis's label (a regressor's loss is a squared error).
    """
    if isinstance(curves, Mapping):
        items = list(curves.items())
    else:
        items = [("training loss", curves)]
    if not items:
        raise ValueError("plot_loss_curves needs at least one curve")
    figure, ax = _axes(ax, (6, 4))
    for index, (label, curve) in enumerate(items):
        colour = f"C{index}"
        loss = curve.loss if isinstance(curve, History) else list(curve)
        ax.plot(np.arange(len(loss)), loss, color=colour, lw=1.2, label=str(label))
        if validation and isinstance(curve, History) and curve.val_loss:
            name = (
                f"{validation_label} loss"
                if len(items) == 1
                else f"{label} ({validation_label})"
            )
            ax.plot(
                np.arange(1, len(curve.val_loss) + 1),
                curve.val_loss,
                color=colour,
                ls="--",
                lw=1.2,
                label=name,
            )
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return figure


def plot_fitted_vs_true(
    y_true: Any, y_pred: Any, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Scatter a regression's fitted values against the true ones, with the line
    ``ŷ = y`` that a perfect fit would lie on, and its R² and RMSE in a text box.

    Parameters
    ----------
    y_true : array of shape (n,) or (n, k)
        True targets (horizontal axis).
    y_pred : array of the same shape as ``y_true``
        Fitted values ŷ (vertical axis). With k > 1 outputs, each output gets its
        own colour and a legend entry "output 1", "output 2", ….

    Notes
    -----
    For output j, ``R²_j = 1 − SS_res / SS_tot`` with
    ``SS_res = Σ_i (y_ij − ŷ_ij)²`` and ``SS_tot = Σ_i (y_ij − ȳ_j)²``; the box
    shows the mean of the ``R²_j`` (scikit-learn's ``r2_score`` default) and
    ``RMSE = √(mean over i, j of (y_ij − ŷ_ij)²)``. An output whose true values
    are all equal has ``SS_tot = 0`` and no R²; the box then shows nan.
    """
    Y_true = _regression_targets(y_true, "y_true")
    Y_pred = _regression_targets(y_pred, "y_pred")
    if Y_true.shape != Y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got "
            f"{np.shape(y_true)} and {np.shape(y_pred)}"
        )
    Y_true = Y_true.reshape(Y_true.shape[0], -1)  # (n, k)
    Y_pred = Y_pred.reshape(Y_pred.shape[0], -1)  # (n, k)
    n_outputs = Y_true.shape[1]
    residual = Y_true - Y_pred  # (n, k)
    ss_res = np.sum(residual**2, axis=0)  # (k,)
    ss_tot = np.sum((Y_true - Y_true.mean(axis=0)) ** 2, axis=0)  # (k,)
    # a constant output has no spread to explain: its R² is undefined (nan)
    r2_per_output = 1.0 - np.divide(
        ss_res, ss_tot, out=np.full(n_outputs, np.nan), where=ss_tot > 0
    )
    r2 = float(np.mean(r2_per_output))
    rmse = float(np.sqrt(np.mean(residual**2)))

    figure, ax = _axes(ax, (5, 5))
    for j in range(n_outputs):
        ax.scatter(
            Y_true[:, j],
            Y_pred[:, j],
            s=14,
            color=f"C{j}",
            edgecolors="k",
            linewidths=0.4,
            label=f"output {j + 1}",
        )
    low = min(Y_true.min(), Y_pred.min())
    high = max(Y_true.max(), Y_pred.max())
    margin = 0.05 * (high - low) or 0.5  # all values equal: still a visible range
    low, high = low - margin, high + margin
    ax.plot([low, high], [low, high], color="k", ls="--", lw=1, label="_identity")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel("true value $y$")
    ax.set_ylabel("fitted value $\\hat{y}$")
    ax.text(
        0.04,
        0.96,
        f"$R^2$ = {r2:.4f}\nRMSE = {rmse:.4g}",
        transform=ax.transAxes,
        ha="left",
        va="top",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
    )
    if n_outputs > 1:
        ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    ax.set_title(title if title is not None else "Fitted against true values")
    return figure


def _regression_targets(y: Any, name: str) -> np.ndarray:
    """``y`` as a float array of shape (n,) or (n, k), non-empty and finite."""
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {y!r}") from error
    if y.ndim not in (1, 2):
        raise ValueError(f"{name} must have shape (n,) or (n, k), got {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty (shape {y.shape})")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return y


def image_shape(n_features: int) -> tuple[int, int] | None:
    """(side, side) when ``n_features`` is a square number of pixels, else None."""
    side = round(float(np.sqrt(n_features)))
    return (side, side) if side * side == n_features and side > 1 else None


def plot_confusion_matrix(
    net: Network, X: Any, y: Any, ax: Axes | None = None, title: str | None = None
) -> Figure:
    """Counts of (true class, predicted class) over ``(X, y)``, annotated."""
    from sklearn.metrics import confusion_matrix

    X = check_X(X, net.n_inputs)
    y = check_y(y, X.shape[0])
    classes = net.classes if net.classes is not None else np.arange(net.n_outputs)
    matrix = confusion_matrix(y, net.predict(X), labels=classes)
    figure, ax = _axes(ax, (6, 5.2))
    image = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, [str(c) for c in classes])
    ax.set_yticks(ticks, [str(c) for c in classes])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    threshold = matrix.max() / 2
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                j,
                i,
                str(count),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if count > threshold else "black",
            )
    accuracy = np.trace(matrix) / matrix.sum()
    ax.set_title(title or f"Confusion matrix (accuracy {accuracy:.2%})")
    return figure


def plot_misclassified(
    net: Network, X: Any, y: Any, shape: tuple[int, int], limit: int = 36
) -> Figure:
    """A grid of up to ``limit`` misclassified images, titled "true → predicted"."""
    from matplotlib.figure import Figure

    X = check_X(X, net.n_inputs)
    y = check_y(y, X.shape[0])
    predicted = net.predict(X)
    wrong = np.flatnonzero(predicted != y)[: check_int(limit, "limit")]
    columns = 6
    rows = max(1, int(np.ceil(len(wrong) / columns)))
    figure = Figure(figsize=(1.4 * columns, 1.55 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, index in zip(axes.ravel(), wrong, strict=False):
        ax.imshow(X[index].reshape(shape), cmap="gray_r")
        ax.set_title(f"{y[index]} → {predicted[index]}", fontsize=9, color="#d62728")
    total = int(np.sum(predicted != y))
    figure.suptitle(f"Misclassified: {total} of {len(y)} (true → predicted)")
    return figure


def plot_first_layer_weights(
    net: Network, shape: tuple[int, int], limit: int = 36
) -> Figure:
    """Each of the first ``limit`` first-layer units' weights as an image: the
    pattern of pixels that excites (red) or inhibits (blue) the unit."""
    from matplotlib.figure import Figure

    W = net.weights[0]  # (n_pixels, n_hidden)
    if W.shape[0] != shape[0] * shape[1]:
        raise ValueError(
            f"the first layer has {W.shape[0]} inputs, not an image of shape {shape}"
        )
    units = min(W.shape[1], check_int(limit, "limit"))
    columns = 6
    rows = int(np.ceil(units / columns))
    figure = Figure(figsize=(1.4 * columns, 1.45 * rows + 0.5), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for unit, ax in zip(range(units), axes.ravel(), strict=False):
        image = W[:, unit].reshape(shape)
        bound = np.abs(image).max() or 1.0
        ax.imshow(image, cmap="RdBu_r", vmin=-bound, vmax=bound)
        ax.set_title(f"unit {unit + 1}", fontsize=8)
    figure.suptitle(f"First-layer weights ({units} of {W.shape[1]} units)")
    return figure


def save_figure(figure: Figure, path: str | PathLike, dpi: int = 120) -> Path:
    """Write ``figure`` to ``path`` (format from the suffix, e.g. '.png')."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path


def _describe(net: Network) -> str:
    widths = [layer.n_out for layer in net.dense_layers]
    sizes = "-".join(str(w) for w in [net.n_inputs, *widths])
    return f"Decision boundary of a {sizes} network"
