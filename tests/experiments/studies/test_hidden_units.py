"""The hidden-units study: on its default configuration the mean train accuracy
never falls as the hidden layer widens up to 20 units, the train/test gap opens
with the width, and the report states the gap of every width."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ffnn.experiments.config_file import (
    builtin_config_path,
    load_experiment_file,
    parse_experiment,
)
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.hidden_units import summarise, width_of
from tests.support.study_files import reading, report_with_figures

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

FIGURES = ("decision_boundaries.png", "accuracy_vs_width.png")
WIDTHS = [1, 2, 3, 5, 10, 20, 50]


@pytest.fixture(scope="module")
def default(tmp_path_factory, run_shipped):
    """The study run on its shipped configuration (two processes; a sweep gives
    the same bits in every executor)."""
    return run_shipped("hidden-units", tmp_path_factory.mktemp("hidden-units"))


def shipped():
    return load_experiment_file(builtin_config_path("hidden-units"))


def mean_by_width(runs: list[dict[str, str]], metric: str) -> dict[int, float]:
    """Mean of ``metric`` over the repeats of each width, from runs.csv."""
    widths = sorted({int(r["hidden"]) for r in runs})
    return {
        w: float(np.mean([float(r[metric]) for r in runs if int(r["hidden"]) == w]))
        for w in widths
    }


@pytest.mark.slow
def test_train_accuracy_never_falls_as_the_layer_widens_to_20_units(default):
    _, summary, runs = default
    train = mean_by_width(runs, "train_accuracy")
    assert list(train) == WIDTHS
    up_to_20 = [train[w] for w in WIDTHS if w <= 20]
    # accuracies are multiples of 1/100 averaged over repeats: equal means
    # may differ in the last bit, which is no fall
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(up_to_20)), train
    assert summary["train_accuracy_non_decreasing"] is True
    assert summary["train_accuracy_falls"] == []


@pytest.mark.slow
def test_the_gap_opens_as_the_layer_widens(default):
    _, summary, _ = default
    gaps = {e["width"]: e["gap"] for e in summary["widths"]}
    assert gaps[50] > gaps[1] + 0.05
    assert summary["largest_gap_width"] >= 10
    assert summary["best_test_width"] < 50


@pytest.mark.slow
def test_summary_holds_per_width_means_stds_and_gaps(default):
    _, summary, runs = default
    repeats = shipped().experiment.repeats
    assert [e["width"] for e in summary["widths"]] == WIDTHS
    for entry in summary["widths"]:
        chosen = [r for r in runs if int(r["hidden"]) == entry["width"]]
        assert len(chosen) == entry["runs"] == repeats
        assert entry["diverged"] == 0
        train = np.array([float(r["train_accuracy"]) for r in chosen])
        test = np.array([float(r["test_accuracy"]) for r in chosen])
        assert entry["train_accuracy"] == pytest.approx(train.mean(), abs=1e-11)
        assert entry["test_accuracy"] == pytest.approx(test.mean(), abs=1e-11)
        assert entry["train_accuracy_std"] == pytest.approx(train.std(), abs=1e-12)
        assert entry["test_accuracy_std"] == pytest.approx(test.std(), abs=1e-12)
        assert entry["gap"] == pytest.approx((train - test).mean(), abs=1e-11)
        assert entry["gap_std"] == pytest.approx((train - test).std(), abs=1e-12)


@pytest.mark.slow
def test_report_states_the_gap_of_every_width(default):
    output, summary, _ = default
    text = reading(output.out)
    for entry in summary["widths"]:
        units = f"{entry['width']} hidden unit{'' if entry['width'] == 1 else 's'}"
        assert (
            f"{units}: train accuracy {format_value(entry['train_accuracy'])} "
            f"± {format_value(entry['train_accuracy_std'])}, test accuracy "
            f"{format_value(entry['test_accuracy'])} ± "
            f"{format_value(entry['test_accuracy_std'])}, "
            f"train/test gap {format_value(entry['gap'])}."
        ) in text, units
    assert "Mean train accuracy never falls as the width grows." in text
    assert format_value(summary["best_test_accuracy"]) in text


@pytest.mark.slow
def test_files_tables_and_embedded_figures(default):
    output, _, runs = default
    report_with_figures(output.out, FIGURES)
    assert len(runs) == len(WIDTHS) * shipped().experiment.repeats
    # paired repeats: every width of one repeat starts from the same seed
    for repeat in {r["repeat"] for r in runs}:
        assert len({r["seed"] for r in runs if r["repeat"] == repeat}) == 1


def test_width_of_reads_one_layer_in_either_spelling():
    assert width_of(5) == 5
    assert width_of([5]) == 5
    assert width_of((5,)) == 5
    with pytest.raises(ValueError, match=r"grid\.hidden: .* got \[5, 5\]"):
        width_of([5, 5])


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"hidden": [[3, 3], [5, 5]]}, r"grid\.hidden: the hidden-units study"),
        ({"hidden": [[5], [3]]}, r"grid\.hidden: list widths in increasing order"),
        ({"hidden": [[3], [5]], "l2": [0.0, 0.1]}, r"got grid keys \['hidden', 'l2'\]"),
    ],
)
def test_a_grid_that_is_not_a_width_sweep_fails_before_any_run(
    tmp_path, refused_runs, grid, message
):
    document = {
        "experiment": {"name": "bad", "study": "hidden-units"},
        "base": {"samples": 20, "epochs": 1},
        "grid": grid,
    }
    spec = parse_experiment(document, "bad.toml")
    assert refused_runs(spec, tmp_path, message) == 0


def test_summarise_names_the_widths_where_train_accuracy_falls():
    entries = [
        {"width": w, "train_accuracy": train, "test_accuracy": 0.8, "gap": train - 0.8}
        for w, train in ((1, 0.85), (2, 0.90), (3, 0.88), (5, 0.88))
    ]
    summary = summarise(entries)
    assert summary["train_accuracy_non_decreasing"] is False
    assert summary["train_accuracy_falls"] == [(2, 3)]
    assert summary["largest_gap_width"] == 2
