"""The dropout study: a wide network memorises 80 noisy points; dropout narrows
the gap between its training and test loss."""

from __future__ import annotations

import itertools
import json

import pytest

from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.layers import Dropout
from tests.support.study_files import read_csv, report_with_figures

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

FIGURES = ("gap.png", "loss_curves.png", "decision_boundaries.png")
RATES = [0.0, 0.1, 0.3, 0.5]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """One repeat of the default (three take ~11 s; the ordering holds in each)."""
    return run_study("dropout", tmp_path_factory.mktemp("dropout"), repeats=1)


@pytest.fixture(scope="module")
def by_rate(study) -> dict[float, dict]:
    return {e["dropout"]: e for e in study.summary["rates"]}


def test_the_default_setting_is_a_wide_network_on_few_points(study, by_rate):
    assert list(by_rate) == RATES
    assert study.summary["n_train"] == 80
    config = study.sweep.runs[0].spec.config
    assert config.hidden == (100, 100) and config.batch_size is None
    for run in study.sweep.runs:
        rates = [x.rate for x in run.network.layers if isinstance(x, Dropout)]
        assert rates == ([run.spec.params["dropout"]] * 2 if rates else [])
    assert not any(e["diverged"] for e in by_rate.values())


def test_without_dropout_the_network_memorises_and_overfits(by_rate):
    plain = by_rate[0.0]
    assert plain["train_accuracy"] == 1.0
    assert plain["train_loss"] < 0.01
    assert plain["test_loss"] > 3 * plain["min_test_loss"]  # the test loss rose again
    assert plain["loss_gap"] > 0.5


def test_dropout_narrows_the_train_test_gap(by_rate):
    gaps = [by_rate[p]["loss_gap"] for p in RATES]
    assert all(b < a for a, b in itertools.pairwise(gaps)), gaps
    assert by_rate[0.5]["loss_gap"] < by_rate[0.0]["loss_gap"] / 2
    assert by_rate[0.5]["accuracy_gap"] < by_rate[0.0]["accuracy_gap"]
    assert by_rate[0.5]["test_loss"] < by_rate[0.0]["test_loss"]
    # the price: the whole network fits its training points less closely
    train = [by_rate[p]["train_loss"] for p in RATES]
    assert all(b > a for a, b in itertools.pairwise(train)), train
    for entry in by_rate.values():
        assert entry["loss_gap"] == pytest.approx(
            entry["test_loss"] - entry["train_loss"]
        )


def test_the_training_curve_is_measured_with_dropout_on(study):
    """The epoch loss of p = 0.5 comes from thinned networks: above the loss of
    the whole network measured afterwards. Without dropout they agree."""
    thinned = study.sweep.select(dropout=0.5)[0]
    assert thinned.history.loss[-1] > 1.2 * thinned.metrics["train_loss"]
    plain = study.sweep.select(dropout=0.0)[0]
    assert plain.history.loss[-1] == pytest.approx(plain.metrics["train_loss"], rel=0.1)


def test_files_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(out, FIGURES)
    summary = json.loads((out / "summary.json").read_text())
    for e in summary["rates"]:
        assert (
            f"Dropout p = {format_value(e['dropout'])}: train / test accuracy "
            f"{format_value(e['train_accuracy'])} / "
            f"{format_value(e['test_accuracy'])} (gap "
            f"{format_value(e['accuracy_gap'])})" in report
        )
        assert f"(gap {format_value(e['loss_gap'])})" in report
    assert "Every increase of the rate narrowed the loss gap" in report
    rows = read_csv(out / "runs.csv")
    assert len(rows) == len(study.sweep.runs) == len(RATES)
    assert [float(row["dropout"]) for row in rows] == RATES
    assert len(read_csv(out / "epochs.csv")) == len(RATES) * 600


def test_a_grid_over_another_parameter_is_refused(tmp_path, refused_runs):
    spec = parse_experiment(
        {
            "experiment": {"name": "x", "study": "dropout"},
            "base": {"epochs": 5},
            "grid": {"dropout": [0.0, 0.5], "l2": [0.0, 0.1]},
        }
    )
    assert refused_runs(spec, tmp_path, r"grid\.l2") == 0
