"""Tests of ffnn.lbfgs: full-batch training by SciPy's L-BFGS-B."""

import numpy as np
import pytest

import ffnn

# where L-BFGS stops depends on BLAS rounding: .ci/run repeats these with
# other kernels
pytestmark = pytest.mark.numerics


def _moons(n=200):
    return ffnn.datasets.make_moons(n, noise=0.2, seed=0)


def _net(dropout=0.0, seed=0):
    return ffnn.Network.mlp([2, 8, 2], activation="tanh", dropout=dropout, seed=seed)


def _words(message: str) -> str:
    """SciPy's message in capitals with spaces (older SciPy writes
    ``NORM_OF_PROJECTED_GRADIENT``, newer ``NORM OF PROJECTED GRADIENT``)."""
    return message.upper().replace("_", " ")


def _penalty(net, alpha, n):
    """``λ/(2n) Σ w²`` over the weights, not the biases."""
    return alpha / (2 * n) * sum(float(np.sum(W**2)) for W in net.weights)


def test_converges_on_moons():
    X, y = _moons()
    net = _net()
    history = ffnn.train_lbfgs(net, X, y, max_iter=500, alpha=0.1)
    assert history.converged
    assert 10 < history.epochs < 500  # measured: 128
    assert net.accuracy(X, y) >= 0.95  # measured: 0.985


def test_history_records_every_iteration():
    X, y = _moons()
    history = ffnn.train_lbfgs(_net(), X, y, max_iter=500, alpha=0.1)
    loss = np.array(history.loss)
    # each iteration's line search lowers J (the sufficient-decrease condition)
    assert np.all(np.diff(loss) <= 0)
    assert loss[-1] < 0.5 * loss[0]
    assert history.evaluations >= history.epochs
    assert len(history.learning_rate) == len(history.time) == history.epochs
    assert np.isnan(history.learning_rate).all()  # L-BFGS has none
    assert np.all(np.diff(history.time) >= 0)
    assert history.engine in ("layers", "fast")
    assert "PROJECTED GRADIENT" in _words(history.message)
    assert history.val_loss == [] and not history.stopped_early


def test_objective_is_the_networks_loss_plus_the_penalty():
    # J at the returned weights is the network's own mean loss plus λ/(2n)Σw²,
    # and its gradient, as the network computes it (penalty included), is
    # below tol there: L-BFGS found a stationary point of that objective
    X, y = _moons()
    net, alpha, tol = _net(), 0.1, 1e-4
    history = ffnn.train_lbfgs(net, X, y, max_iter=500, alpha=alpha, tol=tol)
    assert history.converged
    assert history.loss[-1] == pytest.approx(
        net.loss(X, y) + _penalty(net, alpha, len(X)), rel=1e-12
    )
    net.compute_gradients(X, y, alpha=alpha)
    assert np.abs(net.flat_gradients).max() <= tol


def test_stops_at_max_iter_and_max_fun():
    X, y = _moons()
    history = ffnn.train_lbfgs(_net(), X, y, max_iter=5)
    assert history.epochs == 5 and not history.converged
    history = ffnn.train_lbfgs(_net(), X, y, max_fun=10)
    assert not history.converged and "EVALUATIONS" in _words(history.message)
    assert history.evaluations >= 10


def test_larger_alpha_keeps_the_weights_smaller():
    X, y = _moons()
    norms = []
    for alpha in (0.0, 1.0, 10.0):
        net = _net()
        ffnn.train_lbfgs(net, X, y, max_iter=300, alpha=alpha)
        norms.append(_penalty(net, 1.0, 1))
    assert norms[0] > norms[1] > norms[2]


def test_refuses_networks_with_dropout():
    X, y = _moons()
    net = _net(dropout=0.2)
    before = net.flat_parameters.copy()
    with pytest.raises(ValueError, match="dropout"):
        ffnn.train_lbfgs(net, X, y)
    assert np.array_equal(net.flat_parameters, before)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"max_fun": 1.5}, TypeError, "max_fun"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"alpha": -0.1}, ValueError, "alpha"),
        ({"engine": "gpu"}, ValueError, "engine"),
    ],
)
def test_refuses_bad_arguments(arguments, error, message):
    X, y = _moons(50)
    with pytest.raises(error, match=message):
        ffnn.train_lbfgs(_net(), X, y, **arguments)


def test_refuses_what_is_not_a_network():
    X, y = _moons(50)
    with pytest.raises(TypeError, match="net must be an ffnn Network"):
        ffnn.train_lbfgs("net", X, y)


def test_integer_sample_weights_repeat_samples():
    X, y = _moons()
    counts = np.random.default_rng(0).integers(0, 4, len(X))  # 0 drops a sample
    weighted, repeated = _net(), _net()
    ffnn.train_lbfgs(weighted, X, y, max_iter=40, alpha=0.1, sample_weight=counts)
    ffnn.train_lbfgs(
        repeated, np.repeat(X, counts, axis=0), np.repeat(y, counts), max_iter=40,
        alpha=0.1,
    )  # fmt: skip
    np.testing.assert_allclose(
        weighted.flat_parameters, repeated.flat_parameters, rtol=1e-6, atol=1e-8
    )
    plain = _net()
    ffnn.train_lbfgs(plain, X, y, max_iter=40, alpha=0.1)
    assert not np.allclose(plain.flat_parameters, weighted.flat_parameters)


def test_unit_sample_weights_and_class_weights_are_sample_weights():
    X, y = _moons()
    runs = {
        "none": {},
        "ones": {"sample_weight": np.ones(len(X))},
        "class": {"class_weight": {0: 2.0}},
        "sample": {"sample_weight": np.where(y == 0, 2.0, 1.0)},
    }
    nets = {name: _net() for name in runs}
    for name, weights in runs.items():
        ffnn.train_lbfgs(nets[name], X, y, max_iter=30, **weights)
    parameters = {name: net.flat_parameters for name, net in nets.items()}
    assert np.array_equal(parameters["ones"], parameters["none"])
    assert np.array_equal(parameters["class"], parameters["sample"])
    assert not np.allclose(parameters["class"], parameters["none"])


def test_trains_regressors():
    X, y = ffnn.datasets.make_friedman1(300, seed=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    net = ffnn.Network.mlp([10, 16, 1], activation="tanh", seed=0, output="identity")
    start = net.loss(X, y)
    history = ffnn.train_lbfgs(net, X, y, max_iter=200, alpha=0.01)
    assert history.loss[-1] < 0.05 * start
    assert net.r2(X, y) >= 0.95  # measured: 0.99
    assert history.loss[-1] == pytest.approx(
        net.loss(X, y) + _penalty(net, 0.01, len(X)), rel=1e-12
    )


def test_verbose_prints_each_iteration(capsys):
    X, y = _moons(50)
    history = ffnn.train_lbfgs(_net(), X, y, max_iter=3, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Iteration {k + 1}, loss = {loss:.8f}" for k, loss in enumerate(history.loss)
    ]
