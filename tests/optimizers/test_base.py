"""Tests of ffnn.optimizers (the registry) and ffnn.optimizers.base: what every
optimizer shares, and each one training on make_moons."""

import math

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import OPTIMIZERS, SGD, Adam, Optimizer, RMSProp, get_optimizer
from ffnn.schedules import Constant, StepDecay
from tests.support.optimizer_steps import problem

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


# --------------------------------------------------------- common behaviour
ALL = {
    "sgd": lambda: SGD(0.5),
    "sgd_momentum": lambda: SGD(0.1, momentum=0.9),
    "sgd_nesterov": lambda: SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: Adam(0.01),
    "rmsprop": lambda: RMSProp(0.01),
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_optimizer_trains_on_moons(name):
    X, y = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    net = ffnn.Network.mlp([2, 10, 2], seed=0)
    initial = net.loss(X, y)
    history = ffnn.train(net, X, y, optimizer=ALL[name](), epochs=300)
    final = net.loss(X, y)
    assert initial > 0.6  # about log 2 at the start
    assert final < 0.25
    assert final < 0.4 * initial
    assert history.loss[-1] < 0.4 * history.loss[0]
    assert net.accuracy(X, y) >= 0.9


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_optimizer_updates_in_place(name):
    params, grads = problem(10)
    live = [p.copy() for p in params]
    ids = [id(p) for p in live]
    ALL[name]().step(live, grads[0], 0.1)
    assert [id(p) for p in live] == ids
    assert all(not np.array_equal(a, b) for a, b in zip(live, params, strict=True))


@pytest.mark.parametrize("name", sorted(ALL))
def test_zero_gradient_leaves_fresh_parameters_alone(name):
    params, _ = problem(11)
    live = [p.copy() for p in params]
    ALL[name]().step(live, [np.zeros_like(p) for p in params], 0.1)
    for a, b in zip(live, params, strict=True):
        assert np.array_equal(a, b)


def test_learning_rate_property_and_schedule():
    assert SGD(0.3).learning_rate == 0.3
    assert isinstance(SGD(0.3).schedule, Constant)
    schedule = StepDecay(0.2, drop=0.5, every=2)
    optimizer = Adam(schedule)
    assert optimizer.schedule is schedule
    assert optimizer.learning_rate == 0.2


def test_default_learning_rates():
    assert SGD().learning_rate == 0.01
    assert Adam().learning_rate == 0.001
    assert RMSProp().learning_rate == 0.001


def test_config_names_settings():
    assert SGD(0.1, momentum=0.9, nesterov=True).config() == {
        "name": "sgd",
        "learning_rate": {"name": "constant", "learning_rate": 0.1},
        "momentum": 0.9,
        "nesterov": True,
    }
    config = Adam(0.01, beta1=0.8).config()
    assert config["name"] == "adam" and config["beta1"] == 0.8
    assert config["beta2"] == 0.999 and config["epsilon"] == 1e-8
    assert RMSProp(0.01, rho=0.7).config()["rho"] == 0.7


def test_registry_and_unknown_name():
    assert set(OPTIMIZERS) == {"sgd", "adam", "rmsprop"}
    optimizer = get_optimizer("SGD", learning_rate=0.2, momentum=0.5)
    assert isinstance(optimizer, SGD) and optimizer.momentum == 0.5
    assert isinstance(get_optimizer("adam"), Adam)
    with pytest.raises(
        ValueError, match=r"unknown optimizer 'lbfgs'.*adam, rmsprop, sgd"
    ):
        get_optimizer("lbfgs")


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: SGD(-0.1), ValueError, "learning_rate must be a finite number > 0"),
        (lambda: SGD(0.0), ValueError, "learning_rate must be a finite number > 0"),
        (lambda: SGD(math.inf), ValueError, "learning_rate"),
        (lambda: SGD("fast"), TypeError, "learning_rate must be a number"),
        (lambda: SGD(0.1, momentum=1.0), ValueError, "momentum must be in"),
        (lambda: SGD(0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda: SGD(0.1, nesterov=True), ValueError, "nesterov=True needs"),
        (lambda: Adam(0.1, beta1=1.0), ValueError, "beta1 must be in"),
        (lambda: Adam(0.1, beta2=-0.1), ValueError, "beta2 must be in"),
        (lambda: Adam(0.1, epsilon=0.0), ValueError, "epsilon"),
        (lambda: RMSProp(0.1, rho=1.5), ValueError, "rho must be in"),
        (lambda: RMSProp(-1.0), ValueError, "learning_rate"),
        (lambda: SGD(0.1, momentum="0.9"), TypeError, "momentum must be a number"),
        (lambda: SGD(0.1, momentum=0.9, nesterov="yes"), TypeError, "nesterov must be"),
        (lambda: SGD(0.1, fused="yes"), TypeError, "fused must be True, False or None"),
        (lambda: Adam(0.1, beta1="0.9"), TypeError, "beta1 must be a number"),
        (lambda: Adam(0.1, beta2=math.nan), ValueError, "beta2 must be in"),
        (lambda: Adam(0.1, epsilon=-1e-8), ValueError, "epsilon must be a finite"),
        (lambda: Adam(0.1, epsilon_hat=1), TypeError, "epsilon_hat must be True"),
        (lambda: RMSProp(0.1, rho=None), TypeError, "rho must be a number"),
        (
            lambda: RMSProp(0.1, epsilon=math.inf),
            ValueError,
            "epsilon must be a finite",
        ),
    ],
)
def test_bad_settings_are_rejected(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_base_optimizer_step_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step([], [], 0.1)


def test_reprs():
    assert repr(SGD(0.1, momentum=0.9)).startswith(
        "SGD(learning_rate=0.1, momentum=0.9"
    )
    assert repr(Adam(0.01)) == "Adam(learning_rate=0.01)"
    assert repr(RMSProp(0.01)) == "RMSProp(learning_rate=0.01, rho=0.9)"


@pytest.mark.parametrize(
    "make",
    [
        lambda: ffnn.Adam(1e-3),
        lambda: ffnn.SGD(0.1, momentum=0.9),
        lambda: ffnn.RMSProp(1e-3),
    ],
    ids=["adam", "momentum", "rmsprop"],
)
def test_state_of_a_silent_parameter_never_turns_subnormal(make):
    """A parameter whose gradient stops decays its moments geometrically; they
    must be flushed to zero before reaching the slow subnormal range."""
    optimizer = make()
    w = np.zeros(3, dtype=np.float32)
    g = np.array([1e-3, 0.0, 5e-4], dtype=np.float32)
    optimizer.step([w], [g], 1e-3)  # one real gradient, then silence
    silent = np.zeros(3, dtype=np.float32)
    tiny = np.finfo(np.float32).tiny
    for _ in range(3000):
        optimizer.step([w], [silent], 1e-3)
        states = {
            "adam": lambda: optimizer.m + optimizer.v,
            "sgd": lambda: optimizer.velocity,
            "rmsprop": lambda: optimizer.v,
        }[optimizer.name]()
        for state in states:
            assert not np.any((state != 0) & (np.abs(state) < tiny))
    assert np.isfinite(w).all()
