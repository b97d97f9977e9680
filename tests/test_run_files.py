"""Tests of ffnn.run_files: what a run leaves behind, and what a folder holds
when a newer run replaces an older one or the disk fills up."""

import errno
import json
import os
from pathlib import Path

import pytest

import ffnn
from ffnn.atomic import WriteError, is_incomplete
from ffnn.config import TrainConfig
from ffnn.run_files import write_run
from ffnn.training_run import run_config
from tests.support.full_disk import full_disk


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


@pytest.fixture(scope="module")
def runs():
    """Two small runs of different kinds: a moons classifier and a friedman1
    regressor (their figures differ)."""
    classifier = run_config(TrainConfig(epochs=2, samples=40))
    regressor = run_config(TrainConfig.for_dataset("friedman1", samples=40, epochs=2))
    return classifier, regressor


def test_a_run_replaces_an_older_runs_files_in_the_same_folder(runs, tmp_path):
    classifier, regressor = runs
    write_run(classifier, tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    paths = write_run(regressor, tmp_path)
    names = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")}
    assert names == {*paths, "notes.txt"}  # no decision_boundary.png left
    assert not is_incomplete(tmp_path)
    assert ffnn.load(paths["model.npz"]).output == "identity"


def test_a_full_disk_leaves_the_older_run_and_no_empty_metrics(
    runs, tmp_path, monkeypatch
):
    classifier, regressor = runs
    write_run(classifier, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(os, "write", full_disk(room=200))  # metrics.json: ~2 kB
    with pytest.raises(WriteError) as caught:
        write_run(regressor, tmp_path)
    monkeypatch.undo()
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename.endswith("metrics.json")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_full_disk_in_a_fresh_folder_leaves_no_file(runs, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "write", full_disk(room=200))
    with pytest.raises(WriteError):
        write_run(runs[0], tmp_path / "run")
    monkeypatch.undo()
    assert os.listdir(tmp_path / "run") == []


def test_a_model_file_that_fails_half_written_is_not_left(runs, tmp_path, monkeypatch):
    def half_save(path, *args, **kwargs):
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(runs[0].network, "save", half_save)
    with pytest.raises(WriteError, match=r"model\.npz"):
        write_run(runs[0], tmp_path)
    assert os.listdir(tmp_path) == []
