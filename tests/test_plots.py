"""Figures are drawn from the data and the network, and written as real PNGs."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest

import ffnn
from ffnn.plots import plot_decision_boundary, plot_loss_curves, save_figure

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
