"""Tests of ffnn.training_run: the one path from a TrainConfig to a trained
network and its final measurements."""

import math

import numpy as np
import pytest

from ffnn.config import TrainConfig
from ffnn.training_run import RunData, final_metrics, load_run_data, prepare_run

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_prepared_run_trains_as_the_config_says():
    config = TrainConfig(hidden=(4,), epochs=30, batch_size=16, l2=0.2, seed=3)
    prepared = prepare_run(config)
    assert prepared.data.n_train == 200 and prepared.data.n_classes == 2
    assert [W.shape for W in prepared.network.weights] == [(2, 4), (4, 2)]
    arguments = prepared.fit_arguments()
    assert arguments["alpha"] == 0.2  # the config's l2 is train's alpha, λ
    assert arguments["batch_size"] == 16 and arguments["engine"] == "auto"
    history = prepared.train()
    assert history.epochs == 30 and len(history.val_loss) == 30
    assert history.engine == "fast"


def test_final_metrics_carry_the_set_sizes_and_nan_when_diverged():
    config = TrainConfig(epochs=3, test_fraction=0.25)
    prepared = prepare_run(config)
    history = prepared.train()
    metrics = final_metrics(prepared.network, prepared.data, history)
    assert (metrics["n_train"], metrics["n_test"], metrics["epochs_run"]) == (
        150,
        50,
        3,
    )
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["weight_norm"] > 0
    diverged = final_metrics(prepared.network, prepared.data, history, diverged=True)
    assert math.isnan(diverged["train_loss"]) and diverged["n_train"] == 150


def test_folds_hold_out_each_sample_once():
    config = TrainConfig(samples=60, seed=2)
    held_out = [load_run_data(config, fold, 3) for fold in range(3)]
    assert [len(d.y_test) for d in held_out] == [20, 20, 20]
    rows = np.concatenate([d.X_test for d in held_out])
    assert len(np.unique(rows, axis=0)) == 60
    with pytest.raises(ValueError, match="fold must be in"):
        load_run_data(config, 3, 3)


def test_folds_default_to_200_samples_and_refuse_image_sets():
    assert load_run_data(TrainConfig(), 0, 4).n_train == 150
    with pytest.raises(ValueError, match="folds: k-fold cross-validation splits"):
        load_run_data(TrainConfig(dataset="digits"), 0, 4)
    with pytest.raises(ValueError, match="needs folds"):
        load_run_data(TrainConfig(), 2)


# ------------------------------------------------------------------ regression
def test_friedman1_trains_on_fresh_test_samples_by_default():
    data = load_run_data(TrainConfig(dataset="friedman1", samples=50, seed=4))
    assert data.X_train.shape == data.X_test.shape == (50, 10)
    assert data.y_train.shape == (50,) and data.y_train.dtype == np.float64
    assert data.is_regression and data.n_outputs == 1
    assert "seed + 1" in data.test_set
    assert not np.array_equal(data.X_train, data.X_test)  # drawn with seed + 1
    with pytest.raises(ValueError, match="n_classes: a regression set"):
        _ = data.n_classes


def test_friedman1_holds_out_a_plain_share_and_splits_plain_folds():
    config = TrainConfig(dataset="friedman1", samples=60, test_fraction=0.25, seed=1)
    data = load_run_data(config)  # stratifying real values would fail
    assert (data.n_train, len(data.y_test)) == (45, 15)
    held_out = [load_run_data(config, fold, 3) for fold in range(3)]
    assert [len(d.y_test) for d in held_out] == [20, 20, 20]
    assert len(np.unique(np.concatenate([d.y_test for d in held_out]))) == 60
    assert all("stratified" not in d.test_set for d in held_out)
    assert "(stratified)" in load_run_data(TrainConfig(samples=60), 0, 3).test_set


def test_n_outputs_counts_classes_or_target_columns():
    X = np.zeros((4, 2))
    Y = np.arange(12.0).reshape(4, 3)
    assert RunData(X, Y, X, Y, "", output="identity").n_outputs == 3
    labels = np.array([0, 1, 2, 1])
    classes = RunData(X, labels, X, labels, "")
    assert classes.n_outputs == classes.n_classes == 3


def test_a_regressors_final_metrics_are_its_loss_and_r2():
    config = TrainConfig.for_dataset("friedman1", samples=100, epochs=3)
    prepared = prepare_run(config)
    assert prepared.network.output == "identity"
    assert [W.shape for W in prepared.network.weights] == [(10, 32), (32, 1)]
    history = prepared.train()
    assert len(history.val_r2) == 3 and not history.val_accuracy
    net, data = prepared.network, prepared.data
    metrics = final_metrics(net, data, history)
    assert not any("accuracy" in key for key in metrics)
    assert metrics["test_r2"] == pytest.approx(net.r2(data.X_test, data.y_test))
    assert metrics["train_r2"] == pytest.approx(net.r2(data.X_train, data.y_train))
    residual = net.predict(data.X_test)[:, 0] - data.y_test
    assert metrics["test_loss"] == pytest.approx(0.5 * np.mean(residual**2))
    diverged = final_metrics(net, data, history, diverged=True)
    assert math.isnan(diverged["test_r2"]) and "test_accuracy" not in diverged
