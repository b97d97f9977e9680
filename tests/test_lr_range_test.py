"""Tests of ffnn.lr_range_test: the learning-rate range test, find_learning_rate."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn import SGD, Network, train
from ffnn.datasets import make_moons
from ffnn.lr_range_test import find_learning_rate, learning_rate_range

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


@pytest.fixture(scope="module")
def moons():
    return make_moons(200, noise=0.2, seed=3)


def finder(X, y, seed=0, **changes):
    net = Network.mlp([2, 3, 2], activation="tanh", seed=seed)
    options = {
        "min_lr": 1e-4,
        "max_lr": 100.0,
        "steps": 200,
        "batch_size": 32,
        "reduction": "mean",
        "seed": seed,
    }
    options.update(changes)
    return net, find_learning_rate(net, X, y, **options)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_suggestion_trains_well_on_other_seeds(moons, seed):
    X, y = moons
    _, result = finder(X, y, seed=seed)
    assert 1e-4 < result.suggestion < 100.0
    net = Network.mlp([2, 3, 2], activation="tanh", seed=seed)
    train(
        net,
        X,
        y,
        optimizer=SGD(result.suggestion),
        epochs=300,
        batch_size=32,
        reduction="mean",
        seed=seed,
    )
    assert net.accuracy(X, y) >= 0.85


def test_caller_network_and_optimizer_are_untouched(moons):
    X, y = moons
    net = Network.mlp([2, 3, 2], activation="tanh", seed=5)
    before = [p.copy() for p in net.parameters()]
    optimizer = SGD(0.1, momentum=0.9)
    result = find_learning_rate(
        net,
        X,
        y,
        optimizer=optimizer,
        min_lr=1e-3,
        max_lr=10.0,
        steps=50,
        batch_size=16,
        seed=0,
    )
    assert result.steps > 3
    for old, new in zip(before, net.parameters(), strict=True):
        assert np.array_equal(old, new)
    assert net.classes is None  # labels were fitted on the copy
    assert optimizer.velocity is None


def test_ramp_smoothing_and_stop_follow_the_equations(moons):
    X, y = moons
    _, result = finder(X, y)
    rates = learning_rate_range(1e-4, 100.0, 200)
    assert rates[0] == 1e-4 and rates[-1] == pytest.approx(100.0)
    assert np.allclose(rates[1:] / rates[:-1], (100.0 / 1e-4) ** (1 / 199))
    assert np.array_equal(result.learning_rates, rates[: result.steps])
    beta, average = 0.9, 0.0
    for t, (loss, smoothed) in enumerate(
        zip(result.losses, result.smoothed_losses, strict=True)
    ):
        average = beta * average + (1 - beta) * loss
        assert smoothed == pytest.approx(average / (1 - beta ** (t + 1)), rel=1e-12)
    # it stopped at the first step whose smoothed loss passed 4× the running minimum
    running_min = np.minimum.accumulate(result.smoothed_losses)
    passed = result.smoothed_losses > 4 * running_min
    assert result.steps < 200 and "4×" in result.stop_reason
    assert passed[-1] and not passed[:-1].any()


def test_suggestion_is_the_steepest_fall_before_the_minimum(moons):
    X, y = moons
    _, result = finder(X, y)
    slopes = np.gradient(result.smoothed_losses, np.log(result.learning_rates))
    first, last = 10, int(np.argmin(result.smoothed_losses))  # ⌈1 / (1 − 0.9)⌉
    k = first + int(np.argmin(slopes[first : last + 1]))
    assert result.suggestion == result.learning_rates[k]
    assert slopes[k] < 0
    assert result.min_loss_learning_rate == result.learning_rates[last]
    assert result.suggestion <= result.min_loss_learning_rate


def test_same_seed_same_result(moons):
    X, y = moons
    _, first = finder(X, y, seed=4)
    _, again = finder(X, y, seed=4)
    assert np.array_equal(first.losses, again.losses)
    assert first.suggestion == again.suggestion


def test_a_non_finite_loss_stops_the_test_without_recording_it(moons):
    X, y = moons
    net = Network.mlp([2, 10, 2], activation="relu", seed=0)
    result = find_learning_rate(
        net,
        X,
        y,
        min_lr=1e2,
        max_lr=1e12,
        steps=60,
        batch_size=None,
        reduction="sum",
        diverge_factor=1e308,
        seed=0,
    )
    assert "non-finite" in result.stop_reason
    assert result.steps < 60 and np.isfinite(result.losses).all()


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"max_lr": 1e-5}, ValueError, "max_lr must be larger"),
        ({"min_lr": 0.0}, ValueError, "min_lr"),
        ({"steps": 2}, ValueError, "steps"),
        ({"smoothing": 1.0}, ValueError, "smoothing"),
        ({"diverge_factor": 1.0}, ValueError, "diverge_factor"),
        ({"reduction": "max"}, ValueError, "reduction"),
        ({"batch_size": 0}, ValueError, "batch_size"),
    ],
)
def test_bad_arguments_are_named(moons, changes, error, message):
    X, y = moons
    with pytest.raises(error, match=message):
        finder(X, y, **changes)
