"""Tests of ffnn.experiments.results: the tidy tables of a sweep and its files."""

from __future__ import annotations

import csv
import json
import os

import pytest

from ffnn.atomic import WriteError
from ffnn.experiments import run_experiment
from tests.support.full_disk import full_disk
from tests.support.small_sweep import SMALL, fingerprint, small_experiment

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_serial_run_is_reproducible_and_tables_are_tidy(tmp_path):
    experiment = small_experiment(repeats=1)
    first = run_experiment(experiment)
    again = run_experiment(experiment)
    assert fingerprint(first) == fingerprint(again)
    runs = first.runs_table()
    assert len(runs) == 4
    assert {row["activation"] for row in runs} == {"tanh", "relu"}
    epochs = first.epochs_table()
    assert len(epochs) == 4 * SMALL["epochs"]
    assert {"loss", "val_loss", "weight_norm_1", "grad_norm_2"} <= set(epochs[0])
    paths = first.save(tmp_path)
    with paths["runs.csv"].open() as file:
        rows = list(csv.DictReader(file))
    assert (
        len(rows) == 4 and float(rows[0]["test_accuracy"]) == runs[0]["test_accuracy"]
    )
    with paths["epochs.csv"].open() as file:
        assert sum(1 for _ in csv.DictReader(file)) == len(epochs)
    document = json.loads(paths["results.json"].read_text())
    assert document["experiment"]["grid"]["l2"] == [0.0, 0.5]
    assert len(document["runs"]) == 4


def test_l2_shrinks_weights_in_the_sweep():
    result = run_experiment(small_experiment(repeats=1, grid={"l2": [0.0, 5.0]}))
    assert result.mean_over_repeats("weight_norm", l2=5.0) < result.mean_over_repeats(
        "weight_norm", l2=0.0
    )


def test_a_regression_sweep_records_r2_not_accuracy():
    from ffnn.experiments import Experiment

    base = {
        "dataset": "friedman1", "optimizer": "adam", "learning_rate": 0.01,
        "reduction": "mean", "batch_size": 32, "epochs": 3, "samples": 100,
    }  # fmt: skip
    result = run_experiment(
        Experiment(name="regression", base=base, grid={"hidden": [[4], [8]]})
    )
    runs = result.runs_table()
    assert {"train_r2", "test_r2"} <= set(runs[0])
    assert "test_accuracy" not in runs[0]
    epochs = result.epochs_table()
    assert len(epochs) == 2 * 3
    assert "val_r2" in epochs[0] and "val_accuracy" not in epochs[0]
    assert epochs[-1]["val_r2"] == result.runs[-1].history.val_r2[-1]


def test_saving_on_a_full_disk_leaves_the_older_tables_whole(tmp_path, monkeypatch):
    result = run_experiment(small_experiment(repeats=1))
    paths = result.save(tmp_path)
    before = {name: path.read_bytes() for name, path in paths.items()}
    monkeypatch.setattr(os, "write", full_disk(room=1000))  # runs.csv needs more
    with pytest.raises(WriteError):
        result.save(tmp_path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
