"""ffnn train on image data: presets, accuracy and the image figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

import ffnn
import ffnn.plots
from ffnn.cli import main
from ffnn.config import TrainConfig

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMAGE_FIGURES = ("confusion_matrix.png", "misclassified.png", "first_layer_weights.png")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    assert main(["train", "--dataset", "digits", "--quiet", "--out", str(out)]) == 0
    return out


def test_digits_preset_reaches_97_percent(digits_run):
    metrics = json.loads((digits_run / "metrics.json").read_text())
    assert metrics["config"]["activation"] == "relu"
    assert metrics["config"]["optimizer"] == "adam"
    sources = metrics["config_sources"]
    assert sources["activation"] == sources["optimizer"] == "preset"
    assert sources["dataset"] == "given" and sources["seed"] == "default"
    assert metrics["n_test"] == 450
    assert metrics["test_accuracy"] >= 0.97


def test_image_runs_draw_image_figures_not_a_boundary(digits_run):
    assert not (digits_run / "decision_boundary.png").exists()
    for name in (*IMAGE_FIGURES, "loss.png"):
        path = digits_run / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        assert np.std(matplotlib.image.imread(path)[..., :3]) > 0.02, name


def test_first_layer_weights_are_drawn_as_8x8_images(digits_run):
    net = ffnn.load(digits_run / "model.npz")
    assert net.weights[0].shape == (64, 64)
    figure = ffnn.plots.plot_first_layer_weights(net, (8, 8), limit=12)
    images = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(images) == 12
    np.testing.assert_array_equal(images[3], net.weights[0][:, 3].reshape(8, 8))


def test_confusion_matrix_counts_every_test_image():
    X, y, X_test, y_test = ffnn.datasets.load_digits(seed=0)
    net = ffnn.Network.mlp([64, 16, 10], activation="relu", init="he_normal", seed=0)
    ffnn.train(net, X, y, optimizer=ffnn.Adam(1e-2), epochs=5, batch_size=64, seed=0)
    figure = ffnn.plots.plot_confusion_matrix(net, X_test, y_test)
    matrix = figure.axes[0].images[0].get_array()
    assert matrix.sum() == len(y_test)
    assert np.trace(matrix) == np.sum(net.predict(X_test) == y_test)


def test_presets_yield_to_given_options():
    config = TrainConfig.for_dataset("mnist", epochs=3, hidden=(32,))
    assert (config.epochs, config.hidden, config.dtype) == (3, (32,), "float32")
    assert config.batch_size == 64 and config.optimizer == "adam"
    sgd = TrainConfig.for_dataset("digits", optimizer="sgd")
    assert sgd.learning_rate == 0.01  # sgd's own default, not adam's
    moons = TrainConfig.for_dataset()
    assert (moons.hidden, moons.reduction, moons.learning_rate) == ((3,), "sum", 0.01)


MNIST_DIR = Path(os.environ.get("FFNN_DATA", "/nonexistent")) / "mnist"


@pytest.mark.slow
@pytest.mark.skipif(
    not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists(),
    reason="set FFNN_DATA to a folder whose mnist/ holds the MNIST files",
)
def test_mnist_cli_trains_on_a_subset(tmp_path):
    status = main(
        [
            "train",
            "--dataset",
            "mnist",
            "--samples",
            "6000",
            "--epochs",
            "2",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["n_train"] == 6000 and metrics["n_test"] == 10000
    assert metrics["test_accuracy"] > 0.88
    for name in IMAGE_FIGURES:
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE
