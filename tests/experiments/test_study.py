"""Tests of ffnn.experiments.study: the generic sweep report, for classifiers
and regressors, and the built-in studies' refusal of regression sets."""

from __future__ import annotations

import json
import tomllib

import pytest

from ffnn.experiments import run_study
from ffnn.experiments.config_file import parse_experiment

REGRESSION_SWEEP = """
[experiment]
name = "regression"

[base]
dataset = "friedman1"
optimizer = "adam"
learning_rate = 0.01
reduction = "mean"
batch_size = 32
epochs = 3
samples = 80

[grid]
hidden = [[4], [8]]
"""


def test_a_sweep_of_regressors_is_summarised_by_r2(tmp_path):
    spec = parse_experiment(tomllib.loads(REGRESSION_SWEEP), "sweep.toml")
    output = run_study(spec, tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    point = summary["points"][0]
    assert {"train_r2", "test_r2", "train_r2_std"} <= set(point)
    assert "test_accuracy" not in point
    assert output.sweep is not None and len(output.sweep.runs) == 2
    assert "test R²" in (tmp_path / "report.html").read_text()


def test_a_built_in_study_refuses_a_regression_set(tmp_path):
    with pytest.raises(ValueError, match="hidden-units study compares classifiers"):
        run_study("hidden-units", tmp_path, base={"dataset": "friedman1"})
    assert not any(tmp_path.iterdir())  # refused before anything was written
