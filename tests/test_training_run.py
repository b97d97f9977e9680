"""Tests of ffnn.training_run: the one path from a TrainConfig to a trained
network and its final measurements."""

import math

import numpy as np
import pytest

from ffnn.config import TrainConfig
from ffnn.training_run import final_metrics, load_run_data, prepare_run

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
