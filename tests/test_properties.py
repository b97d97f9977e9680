"""Properties that hold for every small network, batch and data set, checked with
Hypothesis over random architectures (1–3 hidden layers of 1–8 units, any
registered activation, softmax or identity output):

- backpropagation matches central finite differences (:func:`ffnn.gradcheck`);
- ``predict_proba`` rows are finite and sum to 1, for inputs of any finite size
  (or, where the outputs overflow, :class:`NonFiniteOutputError` names exactly
  those rows: the documented rule), in float64 and float32;
- one seed gives the same weights twice, with dropout and shuffled mini-batches,
  on either engine;
- save → load → predict is exact, for networks and fitted estimators.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import ffnn
from ffnn.activations import ACTIVATIONS
from ffnn.layers import Dense
from ffnn.losses import NonFiniteOutputError

#: few examples, no deadline (the first call of a test pays for imports), and
#: no example database written into the working tree
FEW = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: activations with a kink at 0, where finite differences are not a derivative
KINKED = {"relu", "leaky_relu"}


@st.composite
def architectures(draw, outputs=("softmax", "identity")):
    """``(sizes, activations, output)`` of a small MLP."""
    n_hidden = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 8), min_size=n_hidden, max_size=n_hidden))
    n_in = draw(st.integers(1, 3))
    output = draw(st.sampled_from(outputs))
    n_out = draw(st.integers(2, 3) if output == "softmax" else st.integers(1, 2))
    names = st.sampled_from(sorted(ACTIVATIONS))
    activations = draw(st.lists(names, min_size=n_hidden, max_size=n_hidden))
    return [n_in, *hidden, n_out], activations, output


@st.composite
def problems(draw, outputs=("softmax", "identity"), max_samples=6):
    """A seeded float64 network and data ``(net, X, y)`` for it."""
    sizes, activations, output = draw(architectures(outputs))
    seed = draw(st.integers(0, 2**32 - 1))
    net = ffnn.Network.mlp(sizes, activation=activations, seed=seed, output=output)
    n = draw(st.integers(1, max_samples))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.uniform(-2.0, 2.0, size=(n, sizes[0]))
    if output == "softmax":
        y = rng.integers(0, sizes[-1], n)
    else:
        y = rng.standard_normal((n, sizes[-1]))
    return net, X, y


def _pre_activations(net: ffnn.Network, X: np.ndarray) -> list[np.ndarray]:
    """``Z`` of every Dense layer for ``X``."""
    Zs, A = [], X
    for layer in net.layers:
        A = layer.forward(A)
        if isinstance(layer, Dense):
            Zs.append(A)
    return Zs


# ------------------------------------------------------------------- gradients
@pytest.mark.numerics  # the finite differences' rounding noise depends on BLAS
@FEW
@given(
    problem=problems(),
    reduction=st.sampled_from(["mean", "sum"]),
    alpha=st.sampled_from([0.0, 0.1]),
)
def test_backpropagation_matches_finite_differences(problem, reduction, alpha):
    net, X, y = problem
    epsilon = 1e-6
    if any(layer.kind in KINKED for layer in net.layers):
        # a pre-activation within ε of 0 straddles the kink: not a derivative
        hidden = _pre_activations(net, X)[:-1]
        assume(min(np.abs(Z).min() for Z in hidden) > 100 * epsilon)
    # finite differences resolve a gradient only above their rounding noise,
    # ~1e-16 / ε ≈ 1e-10: a gradient array that small (but not exactly 0, as a
    # dead unit's is) would be compared with noise
    net.compute_gradients(X, net.encode_labels(y) if net.is_classifier else y,
                          reduction=reduction, alpha=alpha, training=False)  # fmt: skip
    norms = [float(np.linalg.norm(g)) for g in net.gradients()]
    assume(all(norm == 0.0 or norm > 1e-6 for norm in norms))
    result = ffnn.gradcheck(
        net, X, y, reduction=reduction, alpha=alpha, epsilon=epsilon
    )
    assert result.max_relative_error < 1e-5, result


# --------------------------------------------------------------- probabilities
def _finite_floats(dtype, bound):
    width = 64 if dtype == np.float64 else 32
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


@FEW
@given(
    problem=problems(outputs=("softmax",)),
    dtype=st.sampled_from([np.float64, np.float32]),
    data=st.data(),
)
def test_probabilities_of_moderate_inputs_are_finite_and_sum_to_one(
    problem, dtype, data
):
    net, X, _ = problem
    net.astype(dtype)
    X = data.draw(arrays(dtype, X.shape, elements=_finite_floats(dtype, 1e4)))
    P = net.predict_proba(X)
    assert P.dtype == dtype and P.shape == (X.shape[0], net.n_outputs)
    assert np.isfinite(P).all() and (P >= 0).all() and (P <= 1).all()
    tolerance = 10 * np.finfo(dtype).eps * net.n_outputs
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=tolerance)


@FEW
@given(
    problem=problems(outputs=("softmax",)),
    dtype=st.sampled_from([np.float64, np.float32]),
    data=st.data(),
)
def test_probabilities_of_huge_inputs_are_finite_or_refused_by_row(
    problem, dtype, data
):
    """Any finite inputs, up to the dtype's largest float: the rows whose
    outputs stay finite get probabilities summing to 1, and the others are
    refused by :class:`NonFiniteOutputError`, which names exactly them."""
    net, X, _ = problem
    net.astype(dtype)
    top = float(np.finfo(dtype).max)
    near_the_top = st.sampled_from(
        [s * top * f for s in (1, -1) for f in (1, 0.6, 0.1)]
    )
    elements = st.one_of(_finite_floats(dtype, top), near_the_top)
    X = data.draw(arrays(dtype, X.shape, elements=elements))
    with np.errstate(over="ignore", invalid="ignore"):
        Z = net.forward(X)
    overflowed = tuple(np.flatnonzero(~np.isfinite(Z).all(axis=1)).tolist())
    event("some outputs overflowed" if overflowed else "every output finite")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warnings
        if overflowed:
            with pytest.raises(NonFiniteOutputError) as info:
                net.predict_proba(X)
            assert info.value.rows == overflowed
            # the other rows, in a batch of the same shape: zeros in place of
            # the overflowing rows leave every other row's arithmetic as it was
            X = X.copy()
            X[list(overflowed)] = 0
        P = net.predict_proba(X)
    finite = np.setdiff1d(np.arange(len(X)), overflowed)
    assert np.isfinite(P[finite]).all()
    tolerance = 10 * np.finfo(dtype).eps * net.n_outputs
    np.testing.assert_allclose(P[finite].sum(axis=1), 1.0, rtol=0, atol=tolerance)


# ----------------------------------------------------------------------- seeds
def _trained(sizes, activations, dropout, seed, engine, optimizer, batch_size, X, y):
    """The weights after 3 epochs; a run that diverges gives where and how,
    which the same seed must repeat as exactly."""
    net = ffnn.Network.mlp(sizes, activation=activations, dropout=dropout, seed=seed)
    try:
        ffnn.train(
            net, X, y, optimizer=optimizer(), epochs=3, batch_size=batch_size,
            shuffle=True, seed=seed, engine=engine,
        )  # fmt: skip
    except ffnn.TrainingDivergedError as error:
        return str(error), net.flat_parameters.copy()
    return "trained", net.flat_parameters.copy()


@FEW
@given(
    architecture=architectures(outputs=("softmax",)),
    dropout=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 2**32 - 1),
    engine=st.sampled_from(["layers", "fast"]),
    optimizer=st.sampled_from(
        [lambda: ffnn.SGD(0.05, momentum=0.9), lambda: ffnn.Adam(0.01)]
    ),
    batch_size=st.integers(1, 12),
)
def test_one_seed_gives_the_same_weights_twice(
    architecture, dropout, seed, engine, optimizer, batch_size
):
    sizes, activations, _ = architecture
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((12, sizes[0]))
    y = np.arange(12) % sizes[-1]  # every class present
    args = (sizes, activations, dropout, seed, engine, optimizer, batch_size, X, y)
    (outcome, first), (again, second) = _trained(*args), _trained(*args)
    assert outcome == again
    assert np.array_equal(first, second, equal_nan=True)


# ------------------------------------------------------------------ save, load
@FEW
@given(problem=problems(), dtype=st.sampled_from(["float64", "float32"]))
def test_a_saved_network_predicts_exactly_the_same(problem, dtype):
    net, X, _ = problem
    net.astype(dtype)
    if net.is_classifier:
        net.classes = np.arange(net.n_outputs) * 10  # labels that are not indices
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        net.save(path)
        again = ffnn.load(path)
    assert np.array_equal(again.predict(X), net.predict(X))
    if net.is_classifier:
        assert np.array_equal(again.predict_proba(X), net.predict_proba(X))


@settings(max_examples=10, deadline=None, database=None)
@given(
    kind=st.sampled_from(["classifier", "regressor"]),
    hidden=st.lists(st.integers(1, 8), min_size=1, max_size=3),
    activation=st.sampled_from(["relu", "tanh", "logistic", "identity"]),
    solver=st.sampled_from(["adam", "sgd", "lbfgs"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_a_saved_estimator_predicts_exactly_the_same(
    kind, hidden, activation, solver, seed
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20, 3))
    if kind == "classifier":
        cls, y = ffnn.FeedforwardClassifier, np.array(["a", "b", "c", "d"] * 5)
    else:
        cls, y = ffnn.FeedforwardRegressor, X @ [1.0, -2.0, 0.5]
    estimator = cls(
        hidden_layer_sizes=tuple(hidden), activation=activation, solver=solver,
        max_iter=5, random_state=seed,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge
        estimator.fit(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "estimator.npz"
        estimator.save(path)
        again = ffnn.load(path)
    assert np.array_equal(again.predict(X), estimator.predict(X))
    if kind == "classifier":
        assert np.array_equal(again.predict_proba(X), estimator.predict_proba(X))
