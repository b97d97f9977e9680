"""Tests of ffnn.gradcheck: backpropagation agrees with central finite differences
across architectures, activations, penalties and reductions, and a wrong gradient
is caught."""

import itertools

import numpy as np
import pytest

import ffnn
from ffnn.activations import ACTIVATIONS
from ffnn.layers import Dense

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

NAMES = sorted(ACTIVATIONS)
#: (alpha, l1): none, L2, L1, both
PENALTIES = [(0.0, 0.0), (0.5, 0.0), (0.0, 0.3), (1.0, 0.2)]


def _cases():
    """40 architectures: every activation at every depth with both reductions,
    cycling through the penalties and 2–4 classes, then 10 mixed per-layer lists."""
    cases = []
    for name in NAMES:
        for j, (depth, reduction) in enumerate(
            itertools.product((1, 2, 3), ("mean", "sum"))
        ):
            cases.append((name, depth, reduction, *PENALTIES[j % 4], 2 + j % 3))
    rng = np.random.default_rng(2024)
    for j in range(10):
        depth = 2 + j % 2
        mixed = [NAMES[i] for i in rng.choice(len(NAMES), depth, replace=False)]
        reduction = ("mean", "sum")[j % 2]
        cases.append((mixed, depth, reduction, *PENALTIES[j % 4], 3 + j % 2))
    return cases


CASES = _cases()


def _case_id(case):
    activation, depth, reduction, alpha, l1, k = case
    name = "+".join(activation) if isinstance(activation, list) else activation
    return f"{name}-d{depth}-{reduction}-a{alpha}-l{l1}-k{k}"


def _network_and_data(index, activation, depth, k):
    """A random network with nonzero biases, and 15 random samples of 3 features.

    Biases start at zero in Network.mlp; a sample whose previous ReLU layer is
    all zero would then put ``Z = b = 0`` exactly on the ReLU kink, where a
    central difference sees half a slope. Random biases keep every ``Z`` away
    from it, and check the bias gradients more thoroughly too.
    """
    rng = np.random.default_rng(1000 + index)
    widths = [int(w) for w in rng.integers(2, 7, depth)]
    net = ffnn.Network.mlp([3, *widths, k], activation=activation, seed=index)
    net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
    X = rng.standard_normal((15, 3))
    y = np.arange(15) % k  # every class present
    rng.shuffle(y)
    return net, X, y


def test_the_cases_cover_the_requirements():
    assert len(CASES) == 40
    single = [case for case in CASES if isinstance(case[0], str)]
    for name in NAMES:
        mine = [case for case in single if case[0] == name]
        assert {case[1] for case in mine} == {1, 2, 3}
        assert {case[2] for case in mine} == {"mean", "sum"}
        assert any(case[3] > 0 for case in mine) and any(case[4] > 0 for case in mine)
    assert any(len(set(case[0])) > 1 for case in CASES if isinstance(case[0], list))
    assert {case[5] for case in CASES} >= {2, 3, 4}


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(CASES)), ids=[_case_id(case) for case in CASES]
)
def test_backpropagation_matches_finite_differences(index, case):
    activation, depth, reduction, alpha, l1, k = case
    net, X, y = _network_and_data(index, activation, depth, k)
    result = ffnn.gradcheck(net, X, y, reduction=reduction, alpha=alpha, l1=l1)
    assert set(result.errors) == set(net.parameter_names())
    assert result.max_relative_error < 1e-6, result


@pytest.mark.parametrize("slope", [0.0, 0.3])
def test_leaky_relu_slopes_pass(slope):
    rng = np.random.default_rng(7)
    net = ffnn.Network(
        [
            Dense(3, 5, rng=rng),
            ffnn.LeakyReLU(slope),
            Dense(5, 4, rng=rng),
            ffnn.LeakyReLU(slope),
            Dense(4, 3, rng=rng),
        ]
    )
    net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
    X = rng.standard_normal((15, 3))
    y = np.arange(15) % 3
    assert ffnn.gradcheck(net, X, y, alpha=0.2).max_relative_error < 1e-6


def test_string_labels_pass_and_classes_are_left_alone():
    net, X, y = _network_and_data(99, "tanh", 2, 3)
    labels = np.array(["a", "b", "c"])[y]
    assert net.classes is None
    assert ffnn.gradcheck(net, X, labels).max_relative_error < 1e-6
    assert net.classes is None


def test_gradcheck_restores_the_parameters():
    net, X, y = _network_and_data(98, "sigmoid", 2, 3)
    before = net.get_parameters()
    ffnn.gradcheck(net, X, y, reduction="sum", alpha=0.5, l1=0.1)
    for a, b in zip(before, net.parameters(), strict=True):
        assert np.array_equal(a, b)


# --------------------------------------------------------- it can fail
def test_detects_a_scaled_weight_gradient(monkeypatch):
    net, X, y = _network_and_data(97, "tanh", 2, 3)
    last = net.dense_layers[-1]
    backward = last.backward

    def wrong_backward(dA):
        dA_prev = backward(dA)
        last.dW *= 1.01  # 1 % off
        return dA_prev

    monkeypatch.setattr(last, "backward", wrong_backward)
    result = ffnn.gradcheck(net, X, y)
    names = net.parameter_names()
    assert result.errors[names[-2]] > 1e-3  # the last W
    assert result.errors[names[-1]] < 1e-6  # its bias is still right
    assert result.max_relative_error > 1e-3


def test_detects_a_wrong_activation_derivative(monkeypatch):
    """An activation whose backward forgets a factor spoils every layer before it."""
    net, X, y = _network_and_data(96, "sigmoid", 1, 2)
    activation = net.layers[1]
    monkeypatch.setattr(activation, "backward", lambda dA: 1.1 * dA * 0.25)
    result = ffnn.gradcheck(net, X, y)
    assert result.errors["W1"] > 1e-3 and result.errors["b1"] > 1e-3
    assert result.errors["W2"] < 1e-6 and result.errors["b2"] < 1e-6


def test_detects_a_missing_penalty_term():
    """Backpropagation without L2 against an objective with it."""
    net, X, y = _network_and_data(95, "tanh", 1, 2)
    compute = net.compute_gradients

    def without_penalty(X_, y_, **kwargs):
        return compute(X_, y_, **{**kwargs, "alpha": 0.0})

    net.compute_gradients = without_penalty
    result = ffnn.gradcheck(net, X, y, alpha=2.0)
    assert result.errors["W1"] > 1e-3
    assert result.errors["b1"] < 1e-6


def test_mismatched_reduction_is_detected():
    """Backpropagating the mean but differencing the sum: off by a factor of n."""
    net, X, y = _network_and_data(94, "tanh", 1, 2)
    compute = net.compute_gradients

    def always_mean(X_, y_, **kwargs):
        return compute(X_, y_, **{**kwargs, "reduction": "mean"})

    net.compute_gradients = always_mean
    assert ffnn.gradcheck(net, X, y, reduction="sum").max_relative_error > 0.5


# ----------------------------------------------------------------- the result
def test_result_reports_the_worst_array():
    result = ffnn.GradcheckResult({"W1": 1e-9, "b1": 3e-7, "W2": 2e-8})
    assert result.max_relative_error == 3e-7
    assert "max_relative_error=3.00e-07" in repr(result)
    assert "b1=3.00e-07" in repr(result)


def test_zero_gradient_counts_as_agreement():
    """A dead ReLU layer has zero gradient both ways: error 0, not 0/0."""
    rng = np.random.default_rng(8)
    net = ffnn.Network.mlp([3, 4, 2], activation="relu", seed=8)
    net.biases = [np.full(4, -100.0), np.zeros(2)]  # every hidden unit dead
    X = rng.standard_normal((15, 3))
    y = np.arange(15) % 2
    result = ffnn.gradcheck(net, X, y)
    assert result.errors["W1"] == 0.0 and result.errors["b1"] == 0.0
    assert np.isfinite(result.max_relative_error)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reduction": "median"}, ValueError, "unknown reduction"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"l1": -1.0}, ValueError, "l1"),
        ({"epsilon": 0.0}, ValueError, "epsilon"),
    ],
)
def test_bad_options(kwargs, error, match):
    net, X, y = _network_and_data(93, "tanh", 1, 2)
    with pytest.raises(error, match=match):
        ffnn.gradcheck(net, X, y, **kwargs)


def test_bad_data():
    net, X, y = _network_and_data(92, "tanh", 1, 2)
    with pytest.raises(ValueError, match="X has 2 features per sample"):
        ffnn.gradcheck(net, X[:, :2], y)
    with pytest.raises(ValueError, match="3 distinct labels"):
        ffnn.gradcheck(net, X, np.arange(15) % 3 + 10)


# ------------------------------------------------------------------ regression
def _regressor_and_data(seed, activation, k, depth=2):
    """An identity network with nonzero biases (see :func:`_network_and_data`),
    15 samples of 3 features and their real targets (n, k)."""
    rng = np.random.default_rng(3000 + seed)
    widths = [int(w) for w in rng.integers(3, 7, depth)]
    net = ffnn.Network.mlp(
        [3, *widths, k], activation=activation, seed=seed, output="identity"
    )
    net.biases = [0.5 * rng.standard_normal(b.shape) for b in net.biases]
    X = rng.standard_normal((15, 3))
    Y = np.column_stack([np.sin(2 * X[:, 0]), X[:, 1] * X[:, 2], X[:, 0] ** 2])[:, :k]
    return net, X, Y


#: (activation, outputs, reduction, alpha, l1): each activation with one and three
#: outputs, both reductions, cycling through the penalties
IDENTITY_CASES = [
    (activation, k, reduction, *PENALTIES[j % 4])
    for activation in ("tanh", "relu")
    for j, (k, reduction) in enumerate(itertools.product((1, 3), ("mean", "sum")))
]


@pytest.mark.parametrize(
    ("index", "case"),
    list(enumerate(IDENTITY_CASES)),
    ids=["{}-k{}-{}-a{}-l{}".format(*case) for case in IDENTITY_CASES],
)
def test_identity_networks_match_finite_differences(index, case):
    activation, k, reduction, alpha, l1 = case
    net, X, Y = _regressor_and_data(index, activation, k)
    result = ffnn.gradcheck(net, X, Y, reduction=reduction, alpha=alpha, l1=l1)
    assert set(result.errors) == set(net.parameter_names())
    assert result.max_relative_error < 1e-6, result
    assert net.classes is None


def test_the_identity_cases_cover_the_requirements():
    for activation in ("tanh", "relu"):
        mine = [case for case in IDENTITY_CASES if case[0] == activation]
        assert {(case[1], case[2]) for case in mine} == {
            (k, reduction) for k in (1, 3) for reduction in ("mean", "sum")
        }
        assert any(case[3] > 0 for case in mine) and any(case[4] > 0 for case in mine)


def test_one_output_takes_one_dimensional_targets():
    net, X, Y = _regressor_and_data(50, "tanh", 1)
    assert ffnn.gradcheck(net, X, Y[:, 0], alpha=0.3).max_relative_error < 1e-6


def _weights(seed, n=15):
    """Non-integer weights, one of them zero."""
    weights = np.random.default_rng(seed).uniform(0.1, 3.0, n)
    weights[2] = 0.0
    return weights


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(("alpha", "l1"), [(0.0, 0.0), (0.7, 0.2)])
@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_weighted_networks_match_finite_differences(output, alpha, l1, reduction):
    if output == "identity":
        net, X, y = _regressor_and_data(60, "tanh", 2)
    else:
        net, X, y = _network_and_data(60, ["relu", "sigmoid"], 2, 3)
    result = ffnn.gradcheck(
        net, X, y, reduction=reduction, alpha=alpha, l1=l1, sample_weight=_weights(1)
    )
    assert result.max_relative_error < 1e-6, result


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_detects_backpropagation_that_ignores_the_weights(output):
    if output == "identity":
        net, X, y = _regressor_and_data(61, "tanh", 2)
    else:
        net, X, y = _network_and_data(61, "tanh", 2, 3)
    compute = net.compute_gradients

    def unweighted(X_, y_, **kwargs):
        return compute(X_, y_, **{**kwargs, "sample_weight": None})

    net.compute_gradients = unweighted
    result = ffnn.gradcheck(net, X, y, sample_weight=_weights(2))
    assert result.max_relative_error > 1e-3


def test_detects_a_wrong_squared_error_delta(monkeypatch):
    """δ = 2(ŷ − y), the derivative of ‖ŷ − y‖² without the ½, is caught."""
    from ffnn.losses import SquaredError

    net, X, Y = _regressor_and_data(62, "tanh", 2)
    difference = SquaredError._difference
    monkeypatch.setattr(
        SquaredError, "_difference", lambda self: 2.0 * difference(self)
    )
    assert ffnn.gradcheck(net, X, Y).max_relative_error > 0.1


def test_bad_targets_and_weights_are_refused():
    net, X, Y = _regressor_and_data(63, "tanh", 2)
    with pytest.raises(ValueError, match=r"y has 3 target value\(s\)"):
        ffnn.gradcheck(net, X, np.ones((15, 3)))
    with pytest.raises(TypeError, match="y must hold numbers"):
        ffnn.gradcheck(net, X, np.full((15, 2), "a"))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(15,\)"):
        ffnn.gradcheck(net, X, Y, sample_weight=np.ones(14))
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        ffnn.gradcheck(net, X, Y, sample_weight=-_weights(3))
