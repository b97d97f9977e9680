"""Tests of ffnn.run_files: what a run leaves behind."""

import json

import pytest

from ffnn.config import TrainConfig
from ffnn.run_files import write_run
from ffnn.training_run import run_config


@pytest.mark.parametrize(
    ("engine", "ran"), [("layers", "layers"), ("fast", "fast"), ("auto", "fast")]
)
def test_the_engine_that_ran_is_recorded_in_metrics_json(engine, ran, tmp_path):
    run = run_config(TrainConfig(epochs=5, engine=engine))
    write_run(run, tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"]["engine"] == ran
    assert metrics["history"]["engine"] == ran
    assert metrics["config_sources"]["engine"] == (
        "default" if engine == "auto" else "given"
    )
    assert metrics["n_train"] == 200
