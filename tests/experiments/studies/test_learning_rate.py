"""The learning-rate study on the notes' settings."""

from __future__ import annotations

import json

import pytest

from ffnn.experiments import run_study
from tests.support.study_files import read_csv, report_with_figures

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("learning-rate")
    return run_study("learning-rate", out)


def test_larger_step_overshoots_more_and_the_huge_one_diverges(study):
    by_rate = {e["learning_rate"]: e for e in study.summary["learning_rates"]}
    assert set(by_rate) == {0.001, 0.01, 0.5}
    assert by_rate[0.01]["loss_increases"] > by_rate[0.001]["loss_increases"]
    assert not by_rate[0.001]["diverged"] and not by_rate[0.01]["diverged"]
    assert by_rate[0.5]["diverged"]
    assert study.summary["diverging"] == [0.5]


def test_the_run_uses_the_notes_settings(study):
    config = study.sweep.runs[0].spec.config
    assert config.hidden == (3,)
    assert config.reduction == "sum"
    assert config.batch_size is None
    assert config.epochs == 2000
    assert [run.history.epochs for run in study.sweep.runs[:2]] == [2000, 2000]


def test_files_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(
        out, ("loss_curves.png", "loss_increases.png", "weight_norms.png")
    )
    summary = json.loads((out / "summary.json").read_text())
    for entry in summary["learning_rates"]:
        assert f"rose in {entry['loss_increases']:.4g} of 2000 epochs" in report
    assert "Diverging: η = 0.5" in report
    rows = read_csv(out / "runs.csv")
    assert [row["learning_rate"] for row in rows] == ["0.001", "0.01", "0.5"]
    assert [row["diverged"] for row in rows] == ["False", "False", "True"]
