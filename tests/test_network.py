"""Tests of ffnn.network: construction, live parameters, forward/backward, labels,
prediction and description, for classifiers and regressors."""

import warnings
from itertools import pairwise

import numpy as np
import pytest

import ffnn
from ffnn.activations import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from ffnn.layers import Dense, Dropout
from ffnn.losses import NonFiniteOutputError, SoftmaxCrossEntropy, SquaredError
from ffnn.metrics import r2_score

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _data(seed, n=20, n_features=2, k=2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_features)), rng.integers(0, k, n)


# ---------------------------------------------------------------- construction
@pytest.mark.parametrize("sizes", [[2, 2], [2, 3, 2], [4, 10, 5, 3], [3, 4, 4, 4, 6]])
def test_mlp_shapes(sizes):
    net = ffnn.Network.mlp(sizes, seed=0)
    assert len(net.weights) == len(sizes) - 1
    pairs = list(pairwise(sizes))
    for W, b, (n_in, n_out) in zip(net.weights, net.biases, pairs, strict=True):
        assert W.shape == (n_in, n_out)
        assert b.shape == (n_out,)
        assert np.array_equal(b, np.zeros(n_out))
    assert net.n_inputs == sizes[0]
    assert net.n_outputs == sizes[-1]
    expected = sum(a * b + b for a, b in pairs)
    assert net.n_parameters == expected
    assert net.parameter_names() == [
        f"{name}{i}" for i in range(1, len(sizes)) for name in ("W", "b")
    ]


def test_mlp_takes_sizes_as_any_sequence_and_layers_as_any_iterable():
    expected = ffnn.Network.mlp([2, 3, 2], seed=0).flat_parameters
    for sizes in ((2, 3, 2), np.array([2, 3, 2])):
        assert np.array_equal(ffnn.Network.mlp(sizes, seed=0).flat_parameters, expected)
    net = ffnn.Network(layer for layer in [Dense(2, 3), Tanh(), Dense(3, 2)])
    assert len(net.layers) == 3


def test_mlp_layer_sequence():
    net = ffnn.Network.mlp([2, 3, 4, 2], activation=["relu", "sigmoid"], dropout=0.2)
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [Dense, ReLU, Dropout, Dense, Sigmoid, Dropout, Dense]


def test_mlp_per_layer_activation_list():
    net = ffnn.Network.mlp(
        [3, 4, 4, 4, 4, 2],
        activation=["tanh", "sigmoid", "leaky_relu", "identity"],
        seed=0,
    )
    activations = [type(layer) for layer in net.layers if not isinstance(layer, Dense)]
    assert activations == [Tanh, Sigmoid, LeakyReLU, Identity]


def test_mlp_per_layer_dropout_list():
    net = ffnn.Network.mlp([2, 3, 3, 2], dropout=[0.0, 0.4], seed=0)
    rates = [layer.rate for layer in net.layers if isinstance(layer, Dropout)]
    assert rates == [0.4]
    assert isinstance(net.layers[4], Dropout)


def test_mlp_single_activation_name_applies_to_every_hidden_layer():
    net = ffnn.Network.mlp([2, 3, 3, 3, 2], activation="relu", seed=0)
    assert sum(isinstance(layer, ReLU) for layer in net.layers) == 3


def test_mlp_same_seed_same_weights_different_seed_differs():
    a = ffnn.Network.mlp([2, 5, 2], seed=3)
    b = ffnn.Network.mlp([2, 5, 2], seed=3)
    c = ffnn.Network.mlp([2, 5, 2], seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_layer_list_form_equals_mlp():
    rng = np.random.default_rng(5)
    net = ffnn.Network(
        [
            Dense(2, 4, rng=rng),
            Tanh(),
            Dense(4, 3, rng=rng),
            Tanh(),
            Dense(3, 2, rng=rng),
        ]
    )
    mlp = ffnn.Network.mlp([2, 4, 3, 2], seed=5)
    assert repr(net) == repr(mlp)
    for a, b in zip(net.parameters(), mlp.parameters(), strict=True):
        assert np.array_equal(a, b)
    X, _ = _data(0)
    assert np.array_equal(net.predict_proba(X), mlp.predict_proba(X))


def test_mlp_float32():
    net = ffnn.Network.mlp([2, 3, 2], seed=0, dtype="float32")
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.parameters())
    X, _ = _data(1)
    assert net.predict_proba(X).dtype == np.float32


def test_astype_converts_in_place():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X, _ = _data(2)
    before = net.predict_proba(X)
    assert net.astype("float32") is net
    assert net.dtype == np.float32
    np.testing.assert_allclose(net.predict_proba(X), before, rtol=1e-5)


@pytest.mark.parametrize(
    ("layers", "error", "match"),
    [
        ([], ValueError, "at least one layer"),
        ([Tanh()], ValueError, "at least one Dense layer"),
        ([Dense(2, 3), "tanh"], TypeError, "layer 1 is str, not an ffnn Layer"),
        ([Dense(2, 3), Tanh(), Dense(4, 2)], ValueError, "expects 4 inputs"),
        (
            [Dense(2, 3), Dense(3, 2, dtype="float32")],
            ValueError,
            "share one dtype",
        ),
    ],
)
def test_network_rejects_bad_layer_lists(layers, error, match):
    with pytest.raises(error, match=match):
        ffnn.Network(layers)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sizes": [2]}, ValueError, "at least input and output"),
        ({"sizes": [2, 0, 2]}, ValueError, r"layer size sizes\[1\] must be >= 1"),
        ({"sizes": [2, 2.5, 2]}, TypeError, r"sizes\[1\] must be an integer"),
        ({"sizes": 5}, TypeError, "sizes must be a list of layer sizes"),
        ({"sizes": "232"}, TypeError, "sizes must be a list of layer sizes"),
        ({"sizes": [2, 2], "activation": "swish"}, ValueError, "unknown activation"),
        ({"sizes": [2, 2], "dropout": 1.5}, ValueError, "dropout must be in"),
        ({"sizes": [2, 3, 1]}, ValueError, "softmax output needs at least 2 units"),
        ({"sizes": [2, 3, 2], "seed": "abc"}, TypeError, "seed must be an int"),
        ({"sizes": [2, 3, 2], "seed": -1}, ValueError, "seed must be an int >= 0"),
        (
            {"sizes": [2, 3, 3, 2], "activation": ["tanh"]},
            ValueError,
            "activation lists 1 values but the network has 2 hidden layers",
        ),
        ({"sizes": [2, 3, 2], "activation": "swish"}, ValueError, "unknown activation"),
        ({"sizes": [2, 3, 2], "init": "ones"}, ValueError, "unknown initializer"),
        ({"sizes": [2, 3, 2], "dropout": 1.0}, ValueError, "dropout must be in"),
        ({"sizes": [2, 3, 2], "dtype": "float16"}, ValueError, "dtype"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ffnn.Network.mlp(**kwargs)


# ------------------------------------------------------------ live parameters
def test_weights_and_biases_are_live():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X, _ = _data(3)
    before = net.predict_proba(X)
    net.weights[0][...] = 0.0
    after = net.predict_proba(X)
    assert not np.allclose(before, after)
    # W1 = 0 makes A1 = tanh(b1) = 0 for every row: every row predicts alike
    np.testing.assert_allclose(after, np.broadcast_to(after[0], after.shape))
    net.biases[1][...] = [5.0, -5.0]
    assert np.all(net.predict(X) == 0)
    assert net.parameters()[0] is net.weights[0]


def test_weights_setter_copies_values():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    new = [np.ones((2, 3)), np.full((3, 2), 2.0)]
    live = net.weights[0]
    net.weights = new
    assert net.weights[0] is live  # written into, not replaced
    assert np.array_equal(net.weights[0], np.ones((2, 3)))
    new[0][...] = 7.0  # the caller's array stays the caller's
    assert np.array_equal(net.weights[0], np.ones((2, 3)))


def test_biases_setter_accepts_the_notes_row_vectors():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    net.biases = [np.full((1, 3), 0.5), np.full((1, 2), -1.0)]
    assert np.array_equal(net.biases[0], np.full(3, 0.5))
    assert np.array_equal(net.biases[1], np.full(2, -1.0))


def test_weights_setter_checks_shapes_and_count():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    original = [W.copy() for W in net.weights]
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 3\)"):
        net.weights = [np.ones((3, 3)), np.ones((3, 2))]
    with pytest.raises(ValueError, match="expected 2 weights arrays, got 1"):
        net.weights = [np.ones((2, 3))]
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, original, strict=True))


def test_weights_setter_rejects_a_transposed_matrix():
    """Same size, wrong orientation: a reshape would silently scramble it."""
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(2, 3\)"):
        net.weights = [net.weights[0].T, net.weights[1]]


def test_weights_setter_refuses_non_finite_values_and_changes_nothing():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    original = net.get_parameters()
    bad = [p.copy() for p in original]
    bad[3][1] = np.nan  # the last array: the others would have been copied first
    with pytest.raises(ValueError, match=r"parameters\[3\] contains NaN or infinite"):
        net.set_parameters(bad)
    with pytest.raises(TypeError, match=r"weights\[0\] must hold numbers"):
        net.weights = [np.full((2, 3), "a"), net.weights[1]]
    assert all(
        np.array_equal(a, b) for a, b in zip(original, net.parameters(), strict=True)
    )


def test_get_and_set_parameters_round_trip():
    net = ffnn.Network.mlp([2, 4, 2], seed=0)
    snapshot = net.get_parameters()
    assert all(
        not np.shares_memory(a, b)
        for a, b in zip(snapshot, net.parameters(), strict=True)
    )
    for p in net.parameters():
        p += 1.0
    net.set_parameters(snapshot)
    assert all(
        np.array_equal(a, b) for a, b in zip(snapshot, net.parameters(), strict=True)
    )


# ------------------------------------------------------------ forward/backward
def test_forward_matches_the_notes_equations():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    rng = np.random.default_rng(6)
    net.biases = [rng.standard_normal(3), rng.standard_normal(2)]
    X, _ = _data(4)
    W1, W2 = net.weights
    b1, b2 = net.biases
    A1 = np.tanh(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    probs = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.forward(X), Z2, rtol=1e-13)
    np.testing.assert_allclose(net.predict_proba(X), probs, rtol=1e-13)
    assert np.array_equal(net.predict(X), np.argmax(probs, axis=1))
    loss = -np.mean(np.log(probs[np.arange(len(X)), _data(4)[1]]))
    assert net.loss(X, _data(4)[1]) == pytest.approx(loss, rel=1e-13)


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_compute_gradients_match_the_notes_backpropagation(alpha):
    """Full batch, summed: dW = Aᵀ delta + λ W, as the notes' loop computes it."""
    net = ffnn.Network.mlp([2, 4, 3], seed=1)
    X, y = _data(5, n=25, k=3)
    W1, W2 = (W.copy() for W in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    A1 = np.tanh(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    delta2 = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    delta2[np.arange(25), y] -= 1
    delta1 = (1 - A1**2) * (delta2 @ W2.T)
    expected = [
        X.T @ delta1 + alpha * W1,
        delta1.sum(axis=0),
        A1.T @ delta2 + alpha * W2,
        delta2.sum(axis=0),
    ]
    loss = net.compute_gradients(X, y, reduction="sum", alpha=alpha)
    for got, want in zip(net.gradients(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert loss == pytest.approx(net.loss(X, y), rel=1e-13)
    # the mean is the same gradient divided by n
    net.compute_gradients(X, y, reduction="mean", alpha=alpha)
    for got, want in zip(net.gradients(), expected, strict=True):
        np.testing.assert_allclose(got, want / 25, rtol=1e-12, atol=1e-15)


def test_compute_gradients_minibatch_scales_penalty_by_training_set_size():
    """A batch of m from N rows: mean adds (λ/N) W, sum adds (m λ/N) W."""
    net = ffnn.Network.mlp([2, 3, 2], seed=2)
    X, y = _data(6, n=10)
    net.compute_gradients(X, y, reduction="mean")
    plain = [g.copy() for g in net.gradients()]
    net.compute_gradients(X, y, reduction="mean", alpha=0.5, n_total=40)
    np.testing.assert_allclose(net.gradients()[0], plain[0] + 0.5 / 40 * net.weights[0])
    np.testing.assert_allclose(net.gradients()[1], plain[1])  # biases: no penalty
    net.compute_gradients(X, y, reduction="sum", l1=0.5, n_total=40)
    np.testing.assert_allclose(
        net.gradients()[2],
        10 * plain[2] + 10 * 0.5 / 40 * np.sign(net.weights[1]),
        rtol=1e-12,
    )


def test_forward_does_not_modify_the_callers_array():
    net = ffnn.Network.mlp([2, 4, 2], activation="identity", dropout=0.5, seed=0)
    X, y = _data(7)
    before = X.copy()
    net.compute_gradients(X, y, reduction="sum")
    net.predict_proba(X)
    assert np.array_equal(X, before)


# ---------------------------------------------------------------- labels
def test_predict_returns_indices_until_classes_are_set():
    net = ffnn.Network.mlp([2, 3, 3], seed=0)
    X, _ = _data(8)
    assert net.classes is None
    assert set(net.predict(X)) <= {0, 1, 2}


def test_string_labels_map_to_outputs_in_sorted_order():
    X, y = _data(9, n=30, k=3)
    labels = np.array(["cat", "dog", "emu"])[y]
    net = ffnn.Network.mlp([2, 4, 3], seed=0)
    ffnn.train(net, X, labels, epochs=3)
    assert list(net.classes) == ["cat", "dog", "emu"]
    assert np.array_equal(net.encode_labels(labels), y)
    predicted = net.predict(X)
    assert predicted.dtype.kind == "U"
    assert np.array_equal(predicted, net.classes[np.argmax(net.forward(X), axis=1)])
    assert net.accuracy(X, labels) == np.mean(predicted == labels)


def test_unknown_label_is_an_error():
    X, y = _data(11, n=30)
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    ffnn.train(net, X, np.array(["no", "yes"])[y], epochs=1)
    with pytest.raises(ValueError, match="no output for: \\[maybe\\]"):
        net.loss(X[:1], ["maybe"])


def test_accuracy_and_loss_on_known_labels():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X, _ = _data(12)
    y = net.predict(X)
    assert net.accuracy(X, y) == 1.0
    assert net.accuracy(X, 1 - y) == 0.0
    assert net.loss(X, y) < net.loss(X, 1 - y)


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_prediction_validates_input(method):
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="X has 3 features per sample but the network"):
        getattr(net, method)(np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        getattr(net, method)(np.array([[0.0, np.nan]]))


# ------------------------------------------------------- non-finite outputs
def _overflowing_network(dtype):
    """``Z = X W``: with both inputs at 60 % of the dtype's largest float, the
    first logit is their sum (overflows to inf), the second their difference
    (0), so a row of huge inputs gives ``Z = [inf, 0]`` and softmax NaN."""
    net = ffnn.Network([Dense(2, 2, dtype=dtype)])
    net.weights = [np.array([[1.0, 1.0], [1.0, -1.0]])]
    net.biases = [np.zeros(2)]
    big = 0.6 * float(np.finfo(dtype).max)
    X = np.array([[0.5, -0.5], [big, big], [1.0, 2.0], [big, -big]], dtype=dtype)
    return net, X


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("method", ["predict_proba", "predict", "loss", "score"])
def test_outputs_that_overflow_are_an_error_naming_the_rows(dtype, method):
    net, X = _overflowing_network(dtype)
    args = (X, np.zeros(4, dtype=int)) if method in ("loss", "score") else (X,)
    with pytest.raises(NonFiniteOutputError, match=r"4 input row\(s\): rows \[1, 3\]"):
        getattr(net, method)(*args)
    try:
        getattr(net, method)(*args)
    except NonFiniteOutputError as error:
        assert error.rows == (1, 3)
        assert isinstance(error, FloatingPointError)
        assert isinstance(error, ValueError)  # bad input, for `except ValueError`
        assert dtype in str(error)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_regressors_overflowing_outputs_are_an_error(dtype):
    net = ffnn.Network([Dense(1, 1, dtype=dtype)], output="identity")
    net.weights = [np.array([[4.0]])]
    X = np.array([[1.0], [0.5 * float(np.finfo(dtype).max)]], dtype=dtype)
    with pytest.raises(NonFiniteOutputError, match=r"rows \[1\]"):
        net.predict(X)
    with pytest.raises(NonFiniteOutputError, match=r"rows \[1\]"):
        net.r2(X, [1.0, 2.0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_huge_finite_outputs_give_finite_probabilities(dtype):
    """Logits far apart (±0.4 × the largest float) are finite: the probabilities
    are the exact limits, 1 and 0, with no warning."""
    net = ffnn.Network([Dense(2, 2, dtype=dtype)])
    net.weights = [np.array([[1.0, -1.0], [0.0, 0.0]])]
    big = 0.4 * float(np.finfo(dtype).max)
    X = np.array([[big, 0.0], [-big, 0.0], [0.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = net.predict_proba(X)
        assert list(net.predict(X)) == [0, 1, 0]
    assert P.dtype == np.dtype(dtype)
    assert np.array_equal(P, np.array([[1, 0], [0, 1], [0.5, 0.5]], dtype=dtype))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_saturating_activations_keep_inputs_of_the_largest_float_finite(
    dtype, activation
):
    net = ffnn.Network.mlp([2, 4, 3], activation=activation, seed=0, dtype=dtype)
    top = float(np.finfo(dtype).max)
    X = np.array([[top, -top], [top, top], [-top, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        P = net.predict_proba(X)
    assert np.isfinite(P).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)


def test_float64_inputs_beyond_a_float32_networks_range_are_refused_by_name():
    net = ffnn.Network.mlp([2, 3, 2], seed=0, dtype="float32")
    X = np.array([[0.0, 1.0], [1e300, 0.0]])
    with pytest.raises(ValueError, match=r"1 value\(s\) beyond float32's range"):
        net.predict_proba(X)


# ---------------------------------------------------------------- description
def test_summary_lists_layers_shapes_and_parameter_counts():
    net = ffnn.Network.mlp([2, 10, 2], dropout=0.5, seed=0)
    text = net.summary()
    assert str(net) == text
    for expected in ["Dense(2, 10)", "Tanh()", "Dropout(rate=0.5)", "Dense(10, 2)"]:
        assert expected in text
    lines = text.splitlines()
    first_dense = next(line for line in lines if line.startswith("Dense(2, 10)"))
    assert first_dense.split()[-1] == "30"  # 2·10 + 10
    assert "(n, 10)" in first_dense
    second_dense = next(line for line in lines if line.startswith("Dense(10, 2)"))
    assert second_dense.split()[-1] == "22"  # 10·2 + 2
    assert "softmax" in text
    assert lines[-1] == "total parameters: 52 (float64)"


def test_summary_uses_thousands_separators():
    net = ffnn.Network.mlp([784, 100, 10], seed=0)
    assert "total parameters: 79,510 (float64)" in net.summary()


def test_print_shows_the_summary(capsys):
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    print(net)
    printed = capsys.readouterr().out
    assert "Dense(2, 3)" in printed and "total parameters: 17" in printed


def test_repr_is_one_line():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    assert repr(net) == "Network(Dense(2, 3) → Tanh() → Dense(3, 2) → softmax)"


@pytest.mark.parametrize("engine", ["fast", "layers"])
def test_a_copied_network_keeps_its_parameters_in_one_flat_vector(engine):
    import copy
    import pickle

    X, y = _data(13, n=40)
    original = ffnn.Network.mlp([2, 4, 2], seed=3)
    for clone in (copy.deepcopy(original), pickle.loads(pickle.dumps(original))):
        for layer in clone.dense_layers:
            assert np.shares_memory(layer.block, clone.flat_parameters)
            assert np.shares_memory(layer.grad_block, clone.flat_gradients)
        before = clone.loss(X, y)
        ffnn.train(clone, X, y, optimizer=ffnn.SGD(0.5), epochs=30, engine=engine)
        assert clone.loss(X, y) < before  # the copy trains
        assert original.loss(X, y) == before  # and the original is untouched


def test_a_shallow_copy_shares_the_network_and_both_stay_trainable():
    import copy

    X, y = _data(14, n=40)
    net = ffnn.Network.mlp([2, 4, 2], seed=4)
    shallow = copy.copy(net)
    before = net.loss(X, y)
    ffnn.train(net, X, y, optimizer=ffnn.SGD(0.5), epochs=20)
    assert net.loss(X, y) < before
    assert shallow.loss(X, y) == net.loss(X, y)  # the same layers
    for layer in net.dense_layers:
        assert np.shares_memory(layer.block, net.flat_parameters)


# ------------------------------------------------------------------ regressors
def _regression(seed, n=20, n_features=2, k=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_features))
    return X, rng.standard_normal((n, k))


def test_output_defaults_to_softmax_and_names_are_canonical():
    assert ffnn.Network.mlp([2, 3, 2], seed=0).output == "softmax"
    net = ffnn.Network([Dense(2, 3), Tanh(), Dense(3, 1)], output=" Identity")
    assert net.output == "identity" and not net.is_classifier
    mlp = ffnn.Network.mlp([2, 3, 1], seed=0, output="IDENTITY")
    assert mlp.output == "identity"
    assert ffnn.Network.mlp([2, 2], output="softmax").is_classifier


@pytest.mark.parametrize(
    ("output", "error", "match"),
    [
        ("sigmoid", ValueError, r"unknown output 'sigmoid'.*identity, softmax"),
        ("", ValueError, "unknown output ''"),
        (None, TypeError, "output must be given by name"),
    ],
)
def test_unknown_output_is_refused_by_name(output, error, match):
    with pytest.raises(error, match=match):
        ffnn.Network([Dense(2, 2)], output=output)
    with pytest.raises(error, match=match):
        ffnn.Network.mlp([2, 3, 2], output=output)


def test_loss_function_is_a_fresh_instance_of_the_output():
    regressor = ffnn.Network.mlp([2, 3, 2], seed=0, output="identity")
    first, second = regressor.loss_function(), regressor.loss_function()
    assert type(first) is SquaredError and first is not second
    classifier = ffnn.Network.mlp([2, 3, 2], seed=0)
    assert type(classifier.loss_function()) is SoftmaxCrossEntropy


@pytest.mark.parametrize("k", [1, 3])
def test_a_regressor_predicts_its_outputs(k):
    net = ffnn.Network.mlp([2, 4, k], seed=1, output="identity")
    rng = np.random.default_rng(6)
    net.biases = [rng.standard_normal(4), rng.standard_normal(k)]
    X, _ = _regression(15, k=k)
    W1, W2 = net.weights
    b1, b2 = net.biases
    expected = np.tanh(X @ W1 + b1) @ W2 + b2  # ŷ = Z_L: no output function
    predicted = net.predict(X)
    assert predicted.shape == (20, k)
    np.testing.assert_allclose(predicted, expected, rtol=1e-13)
    assert np.array_equal(predicted, net.forward(X))


def test_a_regressors_loss_is_half_the_mean_squared_error():
    net = ffnn.Network.mlp([2, 4, 2], seed=2, output="identity")
    X, Y = _regression(16)
    expected = 0.5 * np.mean(np.sum((net.predict(X) - Y) ** 2, axis=1))
    assert net.loss(X, Y) == pytest.approx(expected, rel=1e-13)
    one = ffnn.Network.mlp([2, 4, 1], seed=2, output="identity")
    y = Y[:, 0]
    expected = 0.5 * np.mean((one.predict(X)[:, 0] - y) ** 2)
    assert one.loss(X, y) == pytest.approx(expected, rel=1e-13)  # 1-D y
    assert one.loss(X, y[:, None]) == one.loss(X, y)
    with pytest.raises(ValueError, match=r"y has 2 target value\(s\)"):
        one.loss(X, Y)


@pytest.mark.parametrize("k", [1, 3])
def test_r2_and_score_match_sklearn(k):
    from sklearn.metrics import r2_score as sklearn_r2

    net = ffnn.Network.mlp([2, 5, k], seed=3, output="identity")
    X, Y = _regression(17, k=k)
    Y = net.predict(X) + 0.3 * Y  # a fit that explains some of the variance
    y = Y[:, 0] if k == 1 else Y
    expected = sklearn_r2(y, net.predict(X).reshape(y.shape))
    assert 0.0 < expected < 1.0
    assert net.r2(X, y) == pytest.approx(expected, rel=1e-12)
    assert net.score(X, y) == net.r2(X, y)


def test_score_of_a_classifier_is_its_accuracy():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X, y = _data(18)
    assert net.score(X, y) == net.accuracy(X, y)


def test_classification_and_regression_methods_refuse_the_other_kind():
    X, Y = _regression(19)
    regressor = ffnn.Network.mlp([2, 3, 2], seed=0, output="identity")
    with pytest.raises(
        ValueError, match=r"predict_proba needs a classifier.*'identity'"
    ):
        regressor.predict_proba(X)
    with pytest.raises(ValueError, match="accuracy needs a classifier"):
        regressor.accuracy(X, np.zeros(20, dtype=int))
    classifier = ffnn.Network.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"r2 needs a regressor \(output='identity'"):
        classifier.r2(X, Y)


def test_a_softmax_network_refuses_real_valued_targets():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X, Y = _regression(20, k=1)
    with pytest.raises(ValueError, match="non-integer floats"):
        net.loss(X, Y[:, 0])


def test_r2_score_matches_sklearn_and_its_constant_target_rule():
    from sklearn.metrics import r2_score as sklearn_r2

    rng = np.random.default_rng(21)
    Y, Y_hat = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    assert r2_score(Y, Y_hat) == pytest.approx(sklearn_r2(Y, Y_hat), rel=1e-13)
    assert r2_score(Y[:, 0], Y_hat[:, 0]) == pytest.approx(
        sklearn_r2(Y[:, 0], Y_hat[:, 0]), rel=1e-13
    )
    assert r2_score(Y, Y) == 1.0
    assert r2_score(Y, np.broadcast_to(Y.mean(axis=0), Y.shape)) == pytest.approx(
        0.0, abs=1e-15
    )
    constant = np.full(10, 2.5)
    # a constant target: 1 predicted exactly, else 0 (scikit-learn's force_finite)
    assert r2_score(constant, constant.copy()) == 1.0
    assert r2_score(constant, constant + 1e-9) == 0.0
    assert sklearn_r2(constant, constant + 1e-9) == 0.0
    # one constant output among two: the mean of 0 and the other's R²
    Y2 = np.column_stack([constant, Y[:10, 0]])
    Y2_hat = np.column_stack([constant + 1.0, Y_hat[:10, 0]])
    assert r2_score(Y2, Y2_hat) == pytest.approx(sklearn_r2(Y2, Y2_hat), rel=1e-13)
    assert r2_score(Y2, Y2_hat) == pytest.approx(
        sklearn_r2(Y[:10, 0], Y_hat[:10, 0]) / 2, rel=1e-13
    )


def test_a_regressors_summary_and_repr_name_its_output():
    net = ffnn.Network.mlp([2, 3, 1], seed=0, output="identity")
    assert repr(net) == "Network(Dense(2, 3) → Tanh() → Dense(3, 1) → identity)"
    assert "identity, squared error" in net.summary()
    assert "softmax" not in net.summary()


def test_a_network_pickled_before_regression_unpickles_as_softmax():
    import pickle

    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    del net.__dict__["output"]  # as pickled before networks had an output
    old = pickle.loads(pickle.dumps(net))
    assert old.output == "softmax" and old.is_classifier
    X, _ = _data(22)
    assert np.array_equal(
        old.predict_proba(X), ffnn.Network.mlp([2, 3, 2], seed=0).predict_proba(X)
    )


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_a_regressors_gradients_match_backpropagation_written_out(alpha):
    """Full batch, summed: delta = ŷ − y (no softmax), dW = Aᵀ delta + λ W."""
    net = ffnn.Network.mlp([2, 4, 3], seed=23, output="identity")
    X, Y = _regression(23, n=25, k=3)
    W1, W2 = (W.copy() for W in net.weights)
    b1, b2 = (b.copy() for b in net.biases)
    A1 = np.tanh(X @ W1 + b1)
    delta2 = A1 @ W2 + b2 - Y
    delta1 = (1 - A1**2) * (delta2 @ W2.T)
    expected = [
        X.T @ delta1 + alpha * W1,
        delta1.sum(axis=0),
        A1.T @ delta2 + alpha * W2,
        delta2.sum(axis=0),
    ]
    loss = net.compute_gradients(X, Y, reduction="sum", alpha=alpha)
    for got, want in zip(net.gradients(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert loss == pytest.approx(net.loss(X, Y), rel=1e-13)
    net.compute_gradients(X, Y, reduction="mean", alpha=alpha)
    for got, want in zip(net.gradients(), expected, strict=True):
        np.testing.assert_allclose(got, want / 25, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("output", ["softmax", "identity"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weighted_gradients_match_backpropagation_written_out(output, reduction):
    """delta = s ⊙ (ŷ − y) (÷ Σ s for the mean) and N = Σ s in the penalty."""
    alpha = 0.4
    net = ffnn.Network.mlp([2, 4, 3], seed=24, output=output)
    X, Y = _regression(24, n=12, k=3)
    y = np.arange(12) % 3 if output == "softmax" else Y
    s = np.random.default_rng(24).uniform(0.0, 2.0, 12)
    W1, W2 = (W.copy() for W in net.weights)
    b1, b2 = net.biases
    A1 = np.tanh(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    if output == "softmax":
        P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
        losses = -np.log(P[np.arange(12), y])
        delta2 = P - np.eye(3)[y]
    else:
        losses = 0.5 * np.sum((Z2 - Y) ** 2, axis=1)
        delta2 = Z2 - Y
    delta2 = s[:, None] * delta2
    m = s.sum()
    scale = 1.0 if reduction == "sum" else 1.0 / m
    delta1 = (1 - A1**2) * (delta2 @ W2.T)
    # J = m (L0 + λ/(2m) Σ w²) for the sum: the penalty's gradient is λ W
    expected = [
        scale * (X.T @ delta1 + alpha * W1),
        scale * delta1.sum(axis=0),
        scale * (A1.T @ delta2 + alpha * W2),
        scale * delta2.sum(axis=0),
    ]
    loss = net.compute_gradients(
        X, y, reduction=reduction, alpha=alpha, sample_weight=s
    )
    assert loss == pytest.approx(np.sum(s * losses) / m, rel=1e-13)
    for got, want in zip(net.gradients(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_compute_gradients_batch_penalty_scale_divides_by_the_batch():
    """A batch of m from N rows: 'batch' adds (λ/m) W, not (λ/N) W."""
    net = ffnn.Network.mlp([2, 3, 2], seed=25, output="identity")
    X, Y = _regression(25, n=10)
    net.compute_gradients(X, Y, reduction="mean")
    plain = [g.copy() for g in net.gradients()]
    net.compute_gradients(
        X, Y, reduction="mean", alpha=0.5, n_total=40, penalty_scale="batch"
    )
    np.testing.assert_allclose(
        net.gradients()[0], plain[0] + 0.5 / 10 * net.weights[0], rtol=1e-13
    )
    np.testing.assert_array_equal(net.gradients()[1], plain[1])
    net.compute_gradients(
        X, Y, reduction="mean", alpha=0.5, n_total=40, penalty_scale="training_set"
    )
    np.testing.assert_allclose(
        net.gradients()[0], plain[0] + 0.5 / 40 * net.weights[0], rtol=1e-13
    )
    with pytest.raises(ValueError, match="unknown penalty_scale 'rows'"):
        net.compute_gradients(X, Y, alpha=0.5, penalty_scale="rows")
