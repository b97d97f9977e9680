"""The cross-validation study: k-fold scores of every (η, λ) pair and the choice
of the best one."""

from __future__ import annotations

import json
import math
from collections import defaultdict

import numpy as np
import pytest

from ffnn.datasets import load_dataset
from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.cross_validation import TIE, choose
from ffnn.training_run import load_run_data
from tests.support.study_files import read_csv, report_with_figures, with_changes

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

EPOCHS = 400  # the default 1000 gives the same checks in twice the time
FOLDS = 5


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("cross-validation")
    return run_study("cross-validation", out, base={"epochs": EPOCHS})


def runs_by_pair(study) -> dict[tuple, list[dict]]:
    pairs = defaultdict(list)
    for row in read_csv(study.out / "runs.csv"):
        pairs[(float(row["learning_rate"]), float(row["l2"]))].append(row)
    return pairs


def test_every_pair_has_one_result_per_fold(study):
    grid = study.sweep.experiment.grid
    assert len(grid["learning_rate"]) == 3 and len(grid["l2"]) == 4
    pairs = runs_by_pair(study)
    assert len(pairs) == 12
    for rows in pairs.values():
        assert sorted(int(row["fold"]) for row in rows) == list(range(FOLDS))
    for entry in study.summary["pairs"]:
        assert entry["folds_run"] == FOLDS and entry["diverged_folds"] == 0


def test_the_table_is_the_mean_and_std_of_the_held_out_folds(study):
    pairs = runs_by_pair(study)
    table = read_csv(study.out / "cv_table.csv")
    assert len(table) == 12
    for row in table:
        runs = pairs[(float(row["learning_rate"]), float(row["l2"]))]
        accuracy = np.array([float(r["test_accuracy"]) for r in runs])
        loss = np.array([float(r["test_loss"]) for r in runs])
        assert float(row["val_accuracy"]) == pytest.approx(accuracy.mean(), abs=1e-12)
        assert float(row["val_accuracy_std"]) == pytest.approx(
            accuracy.std(), abs=1e-12
        )
        assert float(row["val_loss"]) == pytest.approx(loss.mean(), abs=1e-12)
        assert float(row["val_loss_std"]) == pytest.approx(loss.std(), abs=1e-12)
        assert int(row["folds_run"]) == FOLDS


def test_the_chosen_pair_is_the_argmax_of_the_table(study):
    pairs = runs_by_pair(study)
    scores = {
        pair: (
            np.mean([float(r["test_accuracy"]) for r in rows]),
            np.mean([float(r["test_loss"]) for r in rows]),
        )
        for pair, rows in pairs.items()
    }
    best_accuracy = max(accuracy for accuracy, _ in scores.values())
    tied = {p: s for p, s in scores.items() if s[0] >= best_accuracy - TIE}
    expected = min(tied, key=lambda pair: tied[pair][1])
    chosen = study.summary["chosen"]
    assert (chosen["learning_rate"], chosen["l2"]) == expected
    assert study.summary["chosen_val_accuracy"] == pytest.approx(best_accuracy)
    assert all(
        accuracy <= study.summary["chosen_val_accuracy"] + TIE
        for accuracy, _ in scores.values()
    )
    tied_pairs = {(p["learning_rate"], p["l2"]) for p in study.summary["tied_pairs"]}
    assert tied_pairs == set(tied) - {expected}


def test_folds_partition_the_data_and_are_shared_by_every_pair(study):
    specs = [run.spec for run in study.sweep.runs]
    config = specs[0].config
    X, y = load_dataset(config.dataset, config.samples, config.noise, config.seed)
    held_out_by_pair = defaultdict(list)
    for spec in specs:
        fold = load_run_data(spec.config, spec.fold, spec.folds)
        X_train, X_test, y_test = fold.X_train, fold.X_test, fold.y_test
        assert len(X_train) + len(X_test) == len(X)
        held_out_by_pair[tuple(spec.params.values())].append((X_test, y_test))
    reference = None
    for folds in held_out_by_pair.values():
        X_held = np.concatenate([X_test for X_test, _ in folds])
        y_held = np.concatenate([y_test for _, y_test in folds])
        # each sample is held out exactly once: the k held-out folds, stacked, are
        # a permutation of the data set
        order = np.lexsort(X_held.T)
        assert np.array_equal(X_held[order], X[np.lexsort(X.T)])
        assert np.array_equal(y_held[order], y[np.lexsort(X.T)])
        if reference is None:
            reference = folds
        for (X_a, _), (X_b, _) in zip(reference, folds, strict=True):
            assert np.array_equal(X_a, X_b)


def test_fold_split_follows_the_run_seed(study):
    spec = study.sweep.runs[0].spec
    first = load_run_data(spec.config, 0, FOLDS)
    again = load_run_data(spec.config, 0, FOLDS)
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert np.array_equal(getattr(first, name), getattr(again, name))
    seeds = {run.spec.config.seed for run in study.sweep.runs}
    assert len(seeds) == 1  # paired: every pair and fold of the repeat


def test_choose_breaks_ties_by_loss_and_skips_diverged_pairs():
    table = [
        {"val_accuracy": 0.9, "val_loss": 0.30, "diverged_folds": 0, "name": "a"},
        {"val_accuracy": 0.95, "val_loss": 0.20, "diverged_folds": 0, "name": "b"},
        {
            "val_accuracy": 0.95 + TIE / 10,
            "val_loss": 0.25,
            "diverged_folds": 0,
            "name": "c",
        },
        {"val_accuracy": 0.99, "val_loss": 0.01, "diverged_folds": 1, "name": "d"},
    ]
    assert choose(table)["name"] == "b"
    assert choose([{**table[3]}]) is None
    assert (
        choose([{"val_accuracy": math.nan, "val_loss": 1.0, "diverged_folds": 0}])
        is None
    )


def test_refit_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(out, ("cv_heatmap.png", "refit_decision_boundary.png"))
    summary = json.loads((out / "summary.json").read_text())
    chosen = summary["chosen"]
    assert (
        f"chooses learning_rate = {format_value(chosen['learning_rate'])}, "
        f"l2 = {format_value(chosen['l2'])}: held-out accuracy "
        f"{format_value(summary['chosen_val_accuracy'])}"
    ) in report
    refit = summary["refit"]
    assert not refit["diverged"] and refit["test_accuracy"] >= 0.85
    assert f"test accuracy {format_value(refit['test_accuracy'])}" in report


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"experiment": {"folds": None}}, r"experiment\.folds: missing"),
        ({"grid": {"l2": [0.0, 1.0]}}, r"grid: .*two parameters"),
        ({"experiment": {"paired": False}}, r"needs paired = true"),
    ],
)
def test_bad_setups_are_named(tmp_path, changes, message):
    document = {
        "experiment": {"name": "cv", "study": "cross-validation", "folds": 3},
        "base": {"epochs": 2},
        "grid": {"learning_rate": [0.1], "l2": [0.0]},
    }
    document = with_changes(document, changes)
    document["experiment"] = {
        k: v for k, v in document["experiment"].items() if v is not None
    }
    with pytest.raises(ValueError, match=message):  # when parsed or when run
        run_study(parse_experiment(document), tmp_path)
