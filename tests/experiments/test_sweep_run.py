"""Tests of ffnn.experiments.sweep_run: one run of a sweep; divergence recorded,
not raised; one model per fold."""

from __future__ import annotations

import math

import pytest

from ffnn.experiments import Experiment, run_experiment
from tests.support.small_sweep import SMALL

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_a_diverging_run_is_recorded_not_raised():
    no_rate = {k: v for k, v in SMALL.items() if k != "learning_rate"}
    experiment = Experiment(
        name="boom",
        base={**no_rate, "activation": "relu", "hidden": [16], "epochs": 200},
        grid={"learning_rate": [0.01, 1e6]},
    )
    result = run_experiment(experiment)
    calm, wild = result.runs
    assert not calm.diverged and calm.divergence == ""
    assert wild.diverged and wild.diverged_epoch is not None
    assert wild.divergence.startswith("the loss")  # TrainingDivergedError's reason
    assert math.isnan(wild.metrics["test_accuracy"])
    assert result.runs_table()[1]["diverged"] is True


def test_cross_validation_runs_one_model_per_fold():
    experiment = Experiment(name="cv", base=dict(SMALL), grid={"l2": [0.0]}, folds=3)
    result = run_experiment(experiment)
    assert [run.spec.fold for run in result.runs] == [0, 1, 2]
    # each fold trains on different rows, so the curves differ
    first_losses = {run.history.loss[0] for run in result.runs}
    assert len(first_losses) == 3
    assert all(0 <= run.metrics["test_accuracy"] <= 1 for run in result.runs)


def test_ctrl_c_stops_the_sweep_not_only_its_run(monkeypatch):
    """An interrupted run raises KeyboardInterrupt, so the next run does not
    start (the CLI then says interrupted and exits 130)."""
    from ffnn.training import History
    from ffnn.training_run import PreparedRun

    def interrupted(self, callbacks=(), **options):
        return History(loss=[1.0], learning_rate=[0.1], time=[0.0], interrupted=True)

    monkeypatch.setattr(PreparedRun, "train", interrupted)
    experiment = Experiment(name="stop", base=dict(SMALL), grid={"l2": [0.0, 0.1]})
    with pytest.raises(KeyboardInterrupt):
        run_experiment(experiment)
