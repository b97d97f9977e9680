"""The initialisation study: the notes' toy layer (part A) and training from each
initialiser (part B), on the default configuration."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import norm

from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.initialisation import (
    symmetry_gap,
    toy_preactivations,
    toy_summary,
)
from ffnn.network import Network
from tests.support.study_files import read_csv, report_with_figures

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

FIGURES = (
    "toy_z.png",
    "toy_tanh_derivative.png",
    "tanh.png",
    "loss_curves.png",
    "saturation.png",
    "weight_change.png",
    "symmetry.png",
)
INITS = ["lecun_normal", "standard_normal", "zeros", "glorot_uniform", "he_normal"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The default study, as `ffnn experiment initialisation` runs it (~10 s)."""
    return run_study("initialisation", tmp_path_factory.mktemp("initialisation"))


@pytest.fixture(scope="module")
def by_init(study) -> dict[str, dict]:
    return {e["init"]: e for e in study.summary["initialisers"]}


# ------------------------------------------------------------------ part A
@pytest.mark.slow
def test_toy_standard_deviations_match_the_notes_within_5_percent(study):
    """Done when: std of Z is √1001 for N(0, 1) weights and √2 for the notes'."""
    toy = study.summary["toy"]
    assert toy["inputs"] == 1000
    naive = toy["initialisers"]["standard_normal"]
    notes = toy["initialisers"]["lecun_normal"]
    assert naive["units"] == notes["units"] == 20000
    assert naive["std"] == pytest.approx(math.sqrt(1001), rel=0.05)
    assert notes["std"] == pytest.approx(math.sqrt(2), rel=0.05)
    assert abs(naive["relative_error"]) < 0.05 and abs(notes["relative_error"]) < 0.05


@pytest.mark.slow
def test_toy_saturation_is_the_normal_tail_beyond_2_18(study):
    """tanh'(Z) < 0.05 ⇔ |Z| > atanh(√0.95) ≈ 2.178; for Z ~ N(0, σ²) that is
    2·P(N(0,1) > 2.178/σ): ~94.5 % for σ = √1001, ~12.3 % for σ = √2."""
    toy = study.summary["toy"]["initialisers"]
    z = math.atanh(math.sqrt(0.95))
    for name, variance in (("standard_normal", 1001.0), ("lecun_normal", 2.0)):
        expected = 2 * norm.sf(z / math.sqrt(variance))
        assert toy[name]["saturated_fraction"] == pytest.approx(expected, abs=0.01)
    assert toy["standard_normal"]["saturated_fraction"] > 0.9
    assert toy["lecun_normal"]["saturated_fraction"] < 0.15
    assert toy["standard_normal"]["mean_derivative"] < 0.05
    assert toy["lecun_normal"]["mean_derivative"] > 0.4


def test_toy_variance_follows_the_number_of_inputs():
    """Var Z = n_in Var W + 1 for any n_in, not only the notes' 1000."""
    Z = toy_preactivations(n_inputs=50, n_units=20000, seed=3)
    summary = toy_summary(Z, 50)["initialisers"]
    assert Z["standard_normal"].shape == (20000,)
    assert np.std(Z["standard_normal"]) == pytest.approx(math.sqrt(51), rel=0.03)
    assert np.std(Z["lecun_normal"]) == pytest.approx(math.sqrt(2), rel=0.03)
    assert summary["standard_normal"]["expected_std"] == pytest.approx(math.sqrt(51))
    again = toy_preactivations(n_inputs=50, n_units=20000, seed=3)
    assert np.array_equal(again["lecun_normal"], Z["lecun_normal"])


# ------------------------------------------------------------------ part B
@pytest.mark.slow
def test_zeros_never_break_the_symmetry_and_the_others_do(study, by_init):
    assert list(by_init) == INITS
    assert by_init["zeros"]["symmetry_gap"] == [0.0, 0.0, 0.0]
    assert by_init["zeros"]["symmetry_gap_max"] == 0.0
    for init in INITS:
        if init != "zeros":
            assert by_init[init]["symmetry_gap_min"] > 0.1, init
    # every hidden unit outputs tanh(0) = 0, so only the output bias could
    # learn, and on balanced classes its gradient is 0: the loss stays ln 2
    assert by_init["zeros"]["train_loss"] == pytest.approx(math.log(2), abs=1e-12)
    for run in study.sweep.select(init="zeros"):
        assert symmetry_gap(run.network) == [0.0, 0.0, 0.0]
        assert all(not np.any(W) for W in run.network.weights)


def test_symmetry_gap_measures_the_largest_difference_between_two_units():
    net = Network.mlp([2, 4, 3, 2], init="zeros", seed=0)
    assert symmetry_gap(net) == [0.0, 0.0]
    net.dense_layers[0].W[1, 2] = 0.25  # incoming weight of unit 2, layer 1
    net.dense_layers[1].b[0] = -0.5  # bias of unit 0, layer 2
    net.dense_layers[2].W[1, 1] = 0.75  # outgoing weight of unit 1, layer 2
    assert symmetry_gap(net) == [0.25, 0.75]
    net.dense_layers[1].W[:] = 1.0  # layer 1's outgoing rows are all alike
    assert symmetry_gap(net)[0] == 0.25


@pytest.mark.slow
def test_standard_normal_saturates_later_layers_and_trains_them_less(by_init):
    naive, notes = by_init["standard_normal"], by_init["lecun_normal"]
    # hidden layers 2 and 3 receive 100 inputs each: Z has std ~√(100 E[A²])
    for layer in (1, 2):
        assert naive["saturated_initial"][layer] > 0.5
        assert notes["saturated_initial"][layer] < 0.05
        # their incoming weights barely move, those of lecun_normal far more
        assert naive["weight_change"][layer] < notes["weight_change"][layer] / 3
    assert naive["initial_loss"] > 2 * notes["initial_loss"]
    # it memorises the training set yet its test loss never gets near the notes'
    assert naive["train_loss"] < notes["train_loss"]
    assert naive["min_test_loss"] > 1.5 * notes["min_test_loss"]
    assert math.isnan(by_init["zeros"]["weight_change"][0])


@pytest.mark.slow
def test_files_and_report_carry_the_measured_numbers(study, by_init):
    out = study.out
    report = report_with_figures(out, FIGURES)
    summary = json.loads((out / "summary.json").read_text())
    for name, entry in summary["toy"]["initialisers"].items():
        assert (
            f"With {name} the measured standard deviation of Z is "
            f"{format_value(entry['std'])}" in report
        )
        assert f"{entry['saturated_fraction']:.1%} of the units are saturated" in (
            report
        )
    assert "exactly 0 with zeros" in report
    for entry in summary["initialisers"]:
        assert f"lowest test loss {format_value(entry['min_test_loss'])}" in report
    rows = read_csv(out / "runs.csv")
    assert len(rows) == len(study.sweep.runs) == 2 * len(INITS)
    assert [row["init"] for row in rows] == INITS * 2
    epochs = read_csv(out / "epochs.csv")
    assert len(epochs) == 2 * len(INITS) * 400
    assert {"saturated_1", "saturated_2", "saturated_3"} <= set(epochs[0])


def test_a_grid_without_init_is_refused_before_any_run(tmp_path, refused_runs):
    spec = parse_experiment(
        {
            "experiment": {"name": "x", "study": "initialisation"},
            "base": {"epochs": 5},
            "grid": {"learning_rate": [0.1]},
        }
    )
    assert refused_runs(spec, tmp_path, r"grid\.init") == 0
    assert not (tmp_path / "runs.csv").exists()


def test_a_bad_toy_option_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"study\.toy_units"):
        run_study("initialisation", tmp_path, options={"toy_units": 0})
