"""Tests of ffnn.optimizers: each update rule against the textbook formula written out
independently here, and each optimizer actually training on make_moons."""

import math

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import OPTIMIZERS, SGD, Adam, Optimizer, RMSProp, get_optimizer
from ffnn.schedules import Constant, StepDecay

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _problem(seed, shapes=((3, 4), (4,), (2, 2))):
    """Parameters and a sequence of gradients for them (five steps)."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape) for shape in shapes]
    grads = [[rng.standard_normal(shape) for shape in shapes] for _ in range(5)]
    return params, grads


def _run(optimizer, params, grad_sequence, learning_rates):
    """Apply the optimizer's steps to copies; returns the parameters after each."""
    live = [p.copy() for p in params]
    history = []
    for grads, eta in zip(grad_sequence, learning_rates, strict=True):
        optimizer.step(live, [g.copy() for g in grads], eta)
        history.append([p.copy() for p in live])
    return history


LEARNING_RATES = [0.1, 0.1, 0.05, 0.05, 0.02]


# --------------------------------------------------------------------- SGD
def test_sgd_plain_step():
    params, grads = _problem(0)
    got = _run(SGD(0.1), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        w = [wi - eta * gi for wi, gi in zip(w, g, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_momentum_steps():
    """Polyak momentum: v ← μ v − η g, w ← w + v."""
    mu = 0.9
    params, grads = _problem(1)
    got = _run(SGD(0.1, momentum=mu), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [mu * vi - eta * gi for vi, gi in zip(v, g, strict=True)]
        w = [wi + vi for wi, vi in zip(w, v, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_nesterov_steps():
    """Nesterov (Sutskever et al. 2013, in the form used by Keras/PyTorch):
    v ← μ v − η g, w ← w + μ v − η g."""
    mu = 0.8
    params, grads = _problem(2)
    got = _run(SGD(0.1, momentum=mu, nesterov=True), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [mu * vi - eta * gi for vi, gi in zip(v, g, strict=True)]
        w = [wi + mu * vi - eta * gi for wi, vi, gi in zip(w, v, g, strict=True)]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_sgd_momentum_first_step_equals_plain_sgd_then_differs():
    params, grads = _problem(3)
    plain = _run(SGD(0.1), params, grads, LEARNING_RATES)
    heavy = _run(SGD(0.1, momentum=0.9), params, grads, LEARNING_RATES)
    for a, b in zip(plain[0], heavy[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-15)
    assert not np.allclose(plain[1][0], heavy[1][0])


def test_sgd_velocity_state_and_reset():
    params, grads = _problem(4)
    optimizer = SGD(0.1, momentum=0.5)
    assert optimizer.velocity is None
    optimizer.step(params, grads[0], 0.1)
    assert [v.shape for v in optimizer.velocity] == [p.shape for p in params]
    np.testing.assert_allclose(optimizer.velocity[0], -0.1 * grads[0][0], rtol=1e-15)
    optimizer.reset()
    assert optimizer.velocity is None


# -------------------------------------------------------------------- Adam
def _adam_algorithm_1(params, grad_sequence, learning_rates, b1, b2, eps):
    """Kingma & Ba (2015), Algorithm 1, line by line."""
    theta = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0
    history = []
    for g, alpha in zip(grad_sequence, learning_rates, strict=True):
        t = t + 1
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g, strict=True)]
        m_hat = [mi / (1 - b1**t) for mi in m]
        v_hat = [vi / (1 - b2**t) for vi in v]
        theta = [
            th - alpha * mh / (np.sqrt(vh) + eps)
            for th, mh, vh in zip(theta, m_hat, v_hat, strict=True)
        ]
        history.append([th.copy() for th in theta])
    return history, m, v, t


@pytest.mark.parametrize(
    ("b1", "b2", "eps", "gradient_scale"),
    [
        (0.9, 0.999, 1e-8, 1.0),  # the paper's defaults
        (0.5, 0.9, 1e-8, 1.0),
        # ε comparable to √v̂: tells ε added to √v̂ (the paper) from ε added to √v
        (0.9, 0.999, 0.1, 0.05),
    ],
)
def test_adam_matches_algorithm_1(b1, b2, eps, gradient_scale):
    params, grads = _problem(5)
    grads = [[gradient_scale * g for g in step] for step in grads]
    optimizer = Adam(0.1, beta1=b1, beta2=b2, epsilon=eps)
    got = _run(optimizer, params, grads, LEARNING_RATES)
    expected, m, v, t = _adam_algorithm_1(params, grads, LEARNING_RATES, b1, b2, eps)
    for step in range(len(grads)):
        for a, b in zip(got[step], expected[step], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    assert optimizer.t == t == 5
    for a, b in zip(optimizer.m, m, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(optimizer.v, v, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_adam_first_step_moves_every_weight_by_about_eta():
    """Bias correction makes step 1 ``η g / (|g| + ε)``: about η, whatever g's size."""
    params, grads = _problem(6)
    tiny = [1e-3 * g for g in grads[0]]
    got = _run(Adam(0.01), params, [tiny], [0.01])[0]
    for before, after, g in zip(params, got, tiny, strict=True):
        step = before - after
        np.testing.assert_allclose(step, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-9)
        np.testing.assert_allclose(step, 0.01 * np.sign(g), rtol=1e-2)


def test_adam_reset():
    params, grads = _problem(7)
    optimizer = Adam(0.01)
    optimizer.step(params, grads[0], 0.01)
    assert optimizer.t == 1
    optimizer.reset()
    assert optimizer.t == 0 and optimizer.m is None and optimizer.v is None


# ----------------------------------------------------------------- RMSProp
@pytest.mark.parametrize(("rho", "eps"), [(0.9, 1e-8), (0.5, 0.1)])
def test_rmsprop_steps(rho, eps):
    """Tieleman & Hinton (2012): v ← ρ v + (1 − ρ) g², w ← w − η g / (√v + ε)."""
    params, grads = _problem(8)
    got = _run(RMSProp(0.01, rho=rho, epsilon=eps), params, grads, LEARNING_RATES)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for step, (g, eta) in enumerate(zip(grads, LEARNING_RATES, strict=True)):
        v = [rho * vi + (1 - rho) * gi**2 for vi, gi in zip(v, g, strict=True)]
        w = [
            wi - eta * gi / (np.sqrt(vi) + eps)
            for wi, vi, gi in zip(w, v, g, strict=True)
        ]
        for a, b in zip(got[step], w, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_rmsprop_reset():
    params, grads = _problem(9)
    optimizer = RMSProp()
    optimizer.step(params, grads[0], 0.01)
    assert optimizer.v is not None
    optimizer.reset()
    assert optimizer.v is None


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
    params, grads = _problem(10)
    live = [p.copy() for p in params]
    ids = [id(p) for p in live]
    ALL[name]().step(live, grads[0], 0.1)
    assert [id(p) for p in live] == ids
    assert all(not np.array_equal(a, b) for a, b in zip(live, params, strict=True))


@pytest.mark.parametrize("name", sorted(ALL))
def test_zero_gradient_leaves_fresh_parameters_alone(name):
    params, _ = _problem(11)
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
