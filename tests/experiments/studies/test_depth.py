"""The depth study: gradients that vanish toward the first layers of deep
sigmoid networks, loss curves and accuracy per depth."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from ffnn.experiments import parse_experiment, run_study
from ffnn.experiments.report import format_value
from ffnn.experiments.studies.depth import gradient_rms, n_hidden_layers
from ffnn.training_run import load_run_data
from tests.support.study_files import read_csv, report_with_figures

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

FIGURES = (
    "loss_curves.png",
    "accuracy.png",
    "gradient_norms.png",
    "gradient_epochs.png",
)
EPOCHS = 250  # the default 1000 takes ~12 s; the gradients at the start and the
# order of the sigmoid plateaus are already there after 250


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("depth")
    return run_study("depth", out, base={"epochs": EPOCHS})


def points(study, activation: str) -> list[dict]:
    mine = [p for p in study.summary["points"] if p["activation"] == activation]
    return sorted(mine, key=lambda p: p["hidden_layers"])


def test_the_default_grid_is_one_to_six_layers_of_ten_with_tanh_and_sigmoid(study):
    for activation in ("tanh", "sigmoid"):
        mine = points(study, activation)
        assert [p["hidden_layers"] for p in mine] == [1, 2, 3, 4, 6]
        assert all(set(p["hidden"]) == {10} for p in mine)
        assert all(
            len(p["gradient_rms_initial"]) == p["hidden_layers"] + 1 for p in mine
        )
        assert all(p["runs"] == 2 and not p["diverged"] for p in mine)


def test_sigmoid_gradients_vanish_toward_the_first_layer_as_depth_grows(study):
    sigmoid = points(study, "sigmoid")
    ratios = [p["gradient_ratio_initial"] for p in sigmoid]
    assert all(b < a for a, b in itertools.pairwise(ratios)), ratios
    assert ratios[0] > 0.1 and ratios[-1] < 0.01
    deepest = sigmoid[-1]["gradient_rms_initial"]
    # layer by layer the gradient per weight grows from the first layer up
    assert all(b > a for a, b in itertools.pairwise(deepest))
    # tanh (σ' up to 1, not 1/4) keeps the first layer within a factor ~3 of the last
    tanh = [p["gradient_ratio_initial"] for p in points(study, "tanh")]
    assert min(tanh) > 0.3


def test_deeper_sigmoid_networks_sit_longer_on_the_plateau(study):
    sigmoid = points(study, "sigmoid")
    reached = [p for p in sigmoid if p["reached_threshold"] == p["runs"]]
    epochs = [p["epochs_to_threshold"] for p in reached]
    assert len(reached) >= 3
    assert all(b > a for a, b in itertools.pairwise(epochs)), epochs
    six = sigmoid[-1]
    assert six["reached_threshold"] == 0
    assert six["train_loss"] == pytest.approx(math.log(2), abs=1e-3)


def test_the_first_epoch_gradient_is_the_gradient_of_the_initial_weights(study):
    """Recompute dW of a 3-layer sigmoid net by hand from its initial weights."""
    run = next(
        r
        for r in study.sweep.select(activation="sigmoid", hidden=[10, 10, 10])
        if r.spec.repeat == 0
    )
    config = run.spec.config
    data = load_run_data(config)
    X, y = data.X_train, data.y_train
    net = config.make_network(2, 2)
    A = [X]
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        A.append(1 / (1 + np.exp(-(A[-1] @ W + b))))
    Z = A[-1] @ net.weights[-1] + net.biases[-1]
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    delta = (P - np.eye(2)[y]) / len(y)  # mean reduction
    grads = []
    for layer in range(len(net.weights) - 1, -1, -1):
        grads.append(A[layer].T @ delta)
        if layer:
            delta = (delta @ net.weights[layer].T) * A[layer] * (1 - A[layer])
    expected = [np.linalg.norm(g) / math.sqrt(g.size) for g in reversed(grads)]
    assert gradient_rms(run, 0) == pytest.approx(expected, rel=1e-9)


def test_files_and_report_carry_the_measured_numbers(study):
    out = study.out
    report = report_with_figures(out, FIGURES)
    summary = json.loads((out / "summary.json").read_text())
    for p in summary["points"]:
        assert (
            f"first-layer / last-layer gradient per weight "
            f"{format_value(p['gradient_ratio_initial'])} at the start" in report
        )
    assert "With sigmoid, going from 1 to 6 hidden layers" in report
    rows = read_csv(out / "runs.csv")
    assert len(rows) == len(study.sweep.runs) == 2 * 2 * 5
    assert [row["activation"] for row in rows[:10]] == ["tanh"] * 5 + ["sigmoid"] * 5
    assert [
        n_hidden_layers([int(h) for h in row["hidden"].split(",")]) for row in rows[:5]
    ] == [1, 2, 3, 4, 6]


def test_a_grid_over_another_parameter_is_refused(tmp_path, refused_runs):
    spec = parse_experiment(
        {
            "experiment": {"name": "x", "study": "depth", "diagnostics": True},
            "base": {"epochs": 5},
            "grid": {"hidden": [[3], [3, 3]], "learning_rate": [0.1, 0.2]},
        }
    )
    assert refused_runs(spec, tmp_path, r"grid\.learning_rate") == 0
