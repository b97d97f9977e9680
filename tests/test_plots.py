"""Figures are drawn from the data and the network, and written as real PNGs."""

from __future__ import annotations

import re

import matplotlib.image
import numpy as np
import pytest
from sklearn.metrics import mean_squared_error, r2_score

import ffnn
from ffnn.plots import (
    plot_decision_boundary,
    plot_fitted_vs_true,
    plot_loss_curves,
    save_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def trained():
    X, y = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    net = ffnn.Network.mlp([2, 5, 2], seed=0)
    history = ffnn.train(net, X, y, optimizer=ffnn.SGD(2.0), epochs=300)
    return net, X, y, history


def test_decision_boundary_shades_the_predicted_classes(trained, tmp_path):
    net, X, y, _ = trained
    figure = plot_decision_boundary(net, X, y, resolution=50)
    ax = figure.axes[0]
    # one scatter per class, holding exactly that class's points
    offsets = [
        collection.get_offsets()
        for collection in ax.collections
        if collection.get_offsets().shape[0] in (np.sum(y == 0), np.sum(y == 1))
    ]
    assert sum(len(o) for o in offsets[-2:]) == len(X)
    x_low, x_high = ax.get_xlim()
    assert x_low < X[:, 0].min() and x_high > X[:, 0].max()
    path = save_figure(figure, tmp_path / "boundary.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100
    assert np.std(image[..., :3]) > 0.05  # not a blank picture


def test_decision_boundary_needs_two_inputs():
    net = ffnn.Network.mlp([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match="2 inputs"):
        plot_decision_boundary(net, np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_loss_curves_draw_every_run_with_a_legend(trained, tmp_path):
    history = trained[3]
    other = [0.7, 0.5, 0.4]
    figure = plot_loss_curves({"η = 2.0": history, "by hand": other}, log_scale=True)
    ax = figure.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), history.loss)
    np.testing.assert_allclose(lines[1].get_ydata(), other)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["η = 2.0", "by hand"]
    assert ax.get_yscale() == "log"
    save_figure(figure, tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes()[:8] == PNG_SIGNATURE


def test_loss_curves_show_validation_loss_dashed():
    X, y = ffnn.datasets.make_moons(100, noise=0.2, seed=1)
    net = ffnn.Network.mlp([2, 4, 2], seed=1)
    history = ffnn.train(
        net,
        X[:80],
        y[:80],
        epochs=20,
        optimizer=ffnn.SGD(1.0),
        validation_data=(X[80:], y[80:]),
    )
    ax = plot_loss_curves(history).axes[0]
    lines = ax.get_lines()
    assert [line.get_linestyle() for line in lines] == ["-", "--"]
    np.testing.assert_allclose(lines[1].get_ydata(), history.val_loss)


def test_loss_curves_need_a_curve():
    with pytest.raises(ValueError, match="at least one curve"):
        plot_loss_curves({})


def _fitted_box(ax) -> tuple[str, str]:
    """The R² and RMSE as printed in the axes' text box."""
    (text,) = [t.get_text() for t in ax.texts if "RMSE" in t.get_text()]
    r2 = re.search(r"R\^2\$ = (-?[0-9.]+)", text).group(1)
    rmse = re.search(r"RMSE = ([0-9.e+-]+)", text).group(1)
    return r2, rmse


def test_fitted_vs_true_scatters_every_point_on_the_identity_line(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.normal(size=80)
    y_hat = y + 0.3 * rng.normal(size=80)
    figure = plot_fitted_vs_true(y, y_hat)
    ax = figure.axes[0]
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([y, y_hat]))
    (identity,) = ax.get_lines()
    x_line, y_line = identity.get_xdata(), identity.get_ydata()
    np.testing.assert_array_equal(x_line, y_line)
    assert min(x_line) <= min(y.min(), y_hat.min())
    assert max(x_line) >= max(y.max(), y_hat.max())
    assert ax.get_aspect() == 1.0
    assert ax.get_legend() is None  # one output: nothing to tell apart
    r2, rmse = _fitted_box(ax)
    assert r2 == f"{r2_score(y, y_hat):.4f}"
    assert rmse == f"{np.sqrt(mean_squared_error(y, y_hat)):.4g}"
    path = save_figure(figure, tmp_path / "fitted.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


def test_fitted_vs_true_colours_each_output_with_a_legend():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(50, 3)) * [1.0, 5.0, 0.2]
    y_hat = y + 0.5 * rng.normal(size=(50, 3))
    ax = plot_fitted_vs_true(y, y_hat, title="three outputs").axes[0]
    assert [len(c.get_offsets()) for c in ax.collections] == [50, 50, 50]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["output 1", "output 2", "output 3"]
    assert ax.get_title() == "three outputs"
    r2, rmse = _fitted_box(ax)
    assert r2 == f"{r2_score(y, y_hat):.4f}"  # the mean of the outputs' R²
    assert rmse == f"{np.sqrt(np.mean((y - y_hat) ** 2)):.4g}"


def test_fitted_vs_true_draws_on_a_given_axes():
    figure = plot_fitted_vs_true([1.0, 2.0, 3.0], [1.0, 2.5, 2.5])
    ax = figure.axes[0]
    assert plot_fitted_vs_true([0.0, 1.0], [0.0, 1.0], ax=ax) is figure
    assert len(ax.collections) == 2


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        (np.zeros(5), np.zeros(4), "same shape"),
        (np.zeros(5), np.zeros((5, 1)), "same shape"),
        (np.zeros(0), np.zeros(0), "y_true is empty"),
        (np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), "shape"),
        (np.zeros(3), [0.0, np.nan, 0.0], "y_pred contains NaN"),
    ],
)
def test_fitted_vs_true_rejects_bad_targets(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        plot_fitted_vs_true(y_true, y_pred)
