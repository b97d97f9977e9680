"""The learning-rate range test: find_learning_rate and the lr-finder study."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from ffnn import SGD, Network, train
from ffnn.datasets import make_moons
from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.lr_finder import CSV_COLUMNS
from tests.support.study_files import read_csv, report_with_figures, with_changes

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("lr-finder")
    return run_study("lr-finder", out)


def test_default_suggestion_lies_inside_the_range_and_trains_well(study):
    options = {"min_lr": 1e-4, "max_lr": 100.0}
    repeat = study.summary["repeats"][0]
    suggestion = study.summary["suggestion"]
    assert options["min_lr"] < suggestion < options["max_lr"]
    assert suggestion == repeat["suggestion"]
    # the curve's minimum is at a larger η than the start, and below its start
    assert repeat["min_loss_learning_rate"] > options["min_lr"]
    assert repeat["min_smoothed_loss"] < repeat["first_loss"]
    check = repeat["check"]
    assert check["epochs"] == 300 and not check["diverged"]
    assert check["train_accuracy"] >= 0.85 and check["test_accuracy"] >= 0.85


def test_the_suggestion_trains_a_fresh_network_independently(study):
    X, y = make_moons(200, noise=0.2, seed=11)
    net = Network.mlp([2, 3, 2], activation="tanh", seed=11)
    train(
        net,
        X,
        y,
        optimizer=SGD(study.summary["suggestion"]),
        epochs=300,
        batch_size=32,
        reduction="mean",
        seed=11,
    )
    X_test, y_test = make_moons(200, noise=0.2, seed=12)
    assert net.accuracy(X_test, y_test) >= 0.85


def test_files_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(out, ("lr_finder.png", "suggestion_check.png"))
    summary = json.loads((out / "summary.json").read_text())
    repeat = summary["repeats"][0]
    assert f"fell fastest at η = {format_value(repeat['suggestion'])}" in report
    assert f"test accuracy {format_value(repeat['check']['test_accuracy'])}" in report
    rows = read_csv(out / "lr_finder.csv")
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == repeat["steps_run"]
    assert [int(row["step"]) for row in rows] == list(range(len(rows)))
    rates = np.array([float(row["learning_rate"]) for row in rows])
    assert rates[0] == 1e-4 and np.all(np.diff(rates) > 0)
    smoothed = np.array([float(row["smoothed_loss"]) for row in rows])
    assert (
        float(rows[int(np.argmin(smoothed))]["learning_rate"])
        == (repeat["min_loss_learning_rate"])
    )
    assert not (out / "runs.csv").exists()  # not a sweep


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"grid": {"momentum": [0.0, 0.9]}}, r"grid: the lr-finder"),
        ({"base": {"learning_rate": 0.1}}, r"base\.learning_rate"),
        ({"study": {"max_lr": 1e-6}}, r"study: max_lr must be larger"),
    ],
)
def test_bad_setups_are_named(tmp_path, refused_runs, changes, message):
    document = {
        "experiment": {"name": "f", "study": "lr-finder"},
        "base": {"epochs": 2, "batch_size": 32, "reduction": "mean"},
    }
    spec = parse_experiment(with_changes(document, changes))
    assert refused_runs(spec, tmp_path, message) == 0


def test_repeats_give_one_curve_each_and_a_median(tmp_path):
    output = run_study(
        "lr-finder", tmp_path, repeats=3, base={"epochs": 5}, options={"check": False}
    )
    suggestions = [r["suggestion"] for r in output.summary["repeats"]]
    assert len(suggestions) == 3 and all(
        "check" not in r for r in output.summary["repeats"]
    )
    assert output.summary["suggestion"] == pytest.approx(np.median(suggestions))
    with (tmp_path / "lr_finder.csv").open() as file:
        repeats = {row["repeat"] for row in csv.DictReader(file)}
    assert repeats == {"0", "1", "2"}
    assert not math.isnan(output.summary["suggestion"])
