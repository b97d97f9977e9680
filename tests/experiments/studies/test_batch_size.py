"""The batch-size study: full batch, mini-batches and single samples compared at
equal epochs and at equal wall-clock time."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.batch_size import label, loss_at_time
from ffnn.training import History
from tests.support.study_files import read_csv, report_with_figures, with_changes

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

EPOCHS = 200  # the default 1000 takes ~10 s; 200 keeps every ordering below


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch-size")
    return run_study("batch-size", out, base={"epochs": EPOCHS})


def by_size(study) -> dict[int, dict]:
    return {e["batch_size"]: e for e in study.summary["batch_sizes"]}


def test_the_default_grid_is_full_batch_mini_batch_and_single_samples(study):
    config = study.sweep.runs[0].spec.config
    assert config.reduction == "mean" and config.samples == 200
    sizes = by_size(study)
    assert list(sizes) == [200, 32, 1]
    assert sizes[200]["label"] == "full batch (200)"
    assert [sizes[b]["updates_per_epoch"] for b in (200, 32, 1)] == [1, 7, 200]
    assert not any(e["diverged"] for e in sizes.values())


def test_the_full_batch_run_is_plain_gradient_descent(study):
    """batch_size = n trains exactly like batch_size = None (one unshuffled step
    per epoch): TOML's stand-in for the full batch is the real thing."""
    from dataclasses import replace

    from ffnn.experiments.sweep_run import run_one

    full = study.sweep.select(batch_size=200)[0]
    none = run_one(
        replace(full.spec, config=replace(full.spec.config, batch_size=None))
    )
    assert none.history.loss == full.history.loss


def test_small_batches_cost_more_per_epoch_and_learn_more_per_epoch(study):
    sizes = by_size(study)
    # 200 updates per epoch cost far more than one, whatever the machine load
    assert sizes[1]["seconds_per_epoch"] > 5 * sizes[200]["seconds_per_epoch"]
    assert sizes[1]["seconds_per_epoch"] > sizes[32]["seconds_per_epoch"]
    # at equal epochs the single full-batch step per epoch is left behind; the
    # smaller batches' losses jump from epoch to epoch (single samples' between
    # 0.12 and 0.39 over the last 50 epochs, wherever rounding takes the run), so
    # their mean over those epochs is compared, not the last epoch's
    runs = {run.spec.params["batch_size"]: run for run in study.sweep.runs}
    late = {b: np.mean(run.history.loss[-50:]) for b, run in runs.items()}
    assert late[32] < late[200]
    assert late[1] < late[200]
    lowest = min(sizes.values(), key=lambda e: e["final_loss"])
    assert study.summary["lowest_loss_at_equal_epochs"] == lowest["batch_size"]


def test_equal_time_numbers_come_from_the_histories(study):
    seconds = study.summary["compare_seconds"]
    runs = {run.spec.params["batch_size"]: run for run in study.sweep.runs}
    # by default the comparison time is the quickest run's total time
    assert seconds == min(run.history.time[-1] for run in runs.values())
    for batch_size, entry in by_size(study).items():
        history = runs[batch_size].history
        done = sum(t <= seconds for t in history.time)
        assert entry["epochs_at_time"] == done
        assert entry["loss_at_time"] == history.loss[done - 1]
        assert entry["final_loss"] == history.loss[-1]
        assert entry["seconds_per_epoch"] == history.time[-1] / EPOCHS
    quickest = min(runs.values(), key=lambda run: run.history.time[-1])
    assert (
        by_size(study)[quickest.spec.params["batch_size"]]["epochs_at_time"] == EPOCHS
    )
    assert by_size(study)[1]["epochs_at_time"] < EPOCHS


def test_loss_at_time_takes_the_last_epoch_finished():
    run = SimpleNamespace(history=History(loss=[3.0, 2.0, 1.0], time=[0.1, 0.2, 0.3]))
    loss, done = loss_at_time(run, 0.05)
    assert math.isnan(loss) and done == 0
    assert loss_at_time(run, 0.2) == (2.0, 2)
    assert loss_at_time(run, 0.25) == (2.0, 2)
    assert loss_at_time(run, 9.0) == (1.0, 3)


def test_labels_name_the_full_batch():
    assert label(200, 200) == "full batch (200)"
    assert label(500, 200) == "full batch (200)"
    assert label(32, 200) == "b = 32"


def test_files_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(out, ("loss_curves.png", "epoch_cost.png"))
    summary = json.loads((out / "summary.json").read_text())
    for entry in summary["batch_sizes"]:
        assert f"in {format_value(1000 * entry['seconds_per_epoch'])} ms" in report
        assert f"training loss is {format_value(entry['final_loss'])}" in report
        assert f"it was {format_value(entry['loss_at_time'])}" in report
    assert f"At equal time ({format_value(summary['compare_seconds'])} s)" in report
    rows = read_csv(out / "runs.csv")
    assert [row["batch_size"] for row in rows] == ["200", "32", "1"]
    epochs = read_csv(out / "epochs.csv")
    assert len(epochs) == 3 * EPOCHS and "time" in epochs[0]


def test_compare_seconds_option_moves_the_equal_time_point(tmp_path):
    output = run_study(
        "batch-size",
        tmp_path,
        base={"epochs": 20},
        options={"compare_seconds": 1e-9},
    )
    assert output.summary["compare_seconds"] == 1e-9
    for entry in output.summary["batch_sizes"]:
        assert entry["epochs_at_time"] == 0 and math.isnan(entry["loss_at_time"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grid": {"momentum": [0.0, 0.5]}}, r"grid\.batch_size: missing"),
        ({"experiment": {"folds": 3}}, r"experiment\.folds"),
        ({"study": {"compare_seconds": -1.0}}, r"study\.compare_seconds"),
    ],
)
def test_bad_setups_are_named(tmp_path, refused_runs, changes, message):
    document = {
        "experiment": {"name": "b", "study": "batch-size"},
        "base": {"epochs": 2, "reduction": "mean", "learning_rate": 0.5},
        "grid": {"batch_size": [200, 1]},
    }
    spec = parse_experiment(with_changes(document, changes))
    assert refused_runs(spec, tmp_path, message) == 0
