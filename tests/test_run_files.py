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


def test_a_regressor_leaves_a_fitted_vs_true_figure_and_no_boundary(tmp_path):
    config = TrainConfig.for_dataset("friedman1", samples=60, epochs=2)
    paths = write_run(run_config(config), tmp_path)
    assert set(paths) == {"model.npz", "metrics.json", "loss.png", "fitted_vs_true.png"}
    assert paths["fitted_vs_true.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads(paths["metrics.json"].read_text())
    assert "test_r2" in metrics and "test_accuracy" not in metrics
    assert len(metrics["history"]["val_r2"]) == 2
