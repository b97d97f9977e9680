"""Tests of ffnn.layers: Dense (Z = X W + b) and inverted Dropout."""

import numpy as np
import pytest

import ffnn
from ffnn.layers import Dense, Dropout, Layer

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _scalar_loss(layer, X, G, training=False, seed=None):
    """``L = Σ G ⊙ layer(X)``, so that ``∂L/∂output = G``."""
    rng = None if seed is None else np.random.default_rng(seed)
    return float(np.sum(G * layer.forward(X, training=training, rng=rng)))


# ------------------------------------------------------------------------ Dense
def test_dense_shapes_and_initial_bias():
    layer = Dense(4, 3, rng=np.random.default_rng(0))
    assert layer.W.shape == (4, 3)
    assert layer.b.shape == (3,)
    assert np.array_equal(layer.b, np.zeros(3))
    assert (layer.n_in, layer.n_out) == (4, 3)
    assert layer.n_parameters == 4 * 3 + 3
    assert layer.parameters()[0] is layer.W and layer.parameters()[1] is layer.b
    assert layer.gradients()[0] is layer.dW and layer.gradients()[1] is layer.db


def test_dense_forward_is_affine_map():
    rng = np.random.default_rng(1)
    layer = Dense(3, 5, rng=rng)
    layer.b[...] = rng.standard_normal(5)
    X = rng.standard_normal((7, 3))
    expected = X @ layer.W + layer.b
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-14)
    np.testing.assert_allclose(layer.forward(X, training=True), expected, rtol=1e-14)


def test_dense_backward_matches_formulas_and_finite_differences(
    numeric_gradient, relative_error
):
    rng = np.random.default_rng(2)
    layer = Dense(3, 4, rng=rng)
    layer.b[...] = rng.standard_normal(4)
    X = rng.standard_normal((6, 3))
    G = rng.standard_normal((6, 4))  # ∂L/∂Z
    layer.forward(X, training=True)
    dX = layer.backward(G).copy()
    # the notes' formulas
    np.testing.assert_allclose(layer.dW, X.T @ G, rtol=1e-13)
    np.testing.assert_allclose(layer.db, G.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dX, G @ layer.W.T, rtol=1e-13)
    # and central differences of L = Σ G ⊙ (X W + b)
    dW, db = layer.dW.copy(), layer.db.copy()

    def loss():
        return _scalar_loss(layer, X, G)

    assert relative_error(dW, numeric_gradient(loss, layer.W)) < 1e-8
    assert relative_error(db, numeric_gradient(loss, layer.b)) < 1e-8
    assert relative_error(dX, numeric_gradient(loss, X)) < 1e-8


def test_dense_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        Dense(2, 2, rng=np.random.default_rng(0)).backward(np.ones((1, 2)))


def test_dense_training_forward_reuses_its_buffer_inference_does_not():
    rng = np.random.default_rng(3)
    layer = Dense(2, 3, rng=rng)
    X = rng.standard_normal((5, 2))
    first = layer.forward(X, training=True)
    second = layer.forward(X, training=True)
    assert first is second  # sized once per batch shape: nothing allocated per batch
    kept = layer.forward(X)
    again = layer.forward(X)
    assert not np.shares_memory(kept, again)  # inference results may be kept


def test_dense_does_not_modify_its_input():
    rng = np.random.default_rng(4)
    layer = Dense(3, 2, rng=rng)
    X = rng.standard_normal((4, 3))
    before = X.copy()
    layer.forward(X, training=True)
    layer.backward(np.ones((4, 2)))
    assert np.array_equal(X, before)


def test_dense_same_rng_seed_gives_same_weights():
    a = Dense(5, 4, rng=np.random.default_rng(7))
    b = Dense(5, 4, rng=np.random.default_rng(7))
    c = Dense(5, 4, rng=np.random.default_rng(8))
    assert np.array_equal(a.W, b.W)
    assert not np.array_equal(a.W, c.W)


def test_dense_astype_float32():
    layer = Dense(3, 2, rng=np.random.default_rng(0))
    W64 = layer.W.copy()
    layer.astype("float32")
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    assert layer.dW.dtype == np.float32 and layer.db.dtype == np.float32
    np.testing.assert_allclose(layer.W, W64, rtol=1e-7)
    out = layer.forward(np.ones((2, 3), dtype=np.float32), training=True)
    assert out.dtype == np.float32


def test_dense_output_size_checks_inputs():
    layer = Dense(3, 2, rng=np.random.default_rng(0))
    assert layer.output_size(3) == 2
    with pytest.raises(ValueError, match="expects 3 inputs but receives 4"):
        layer.output_size(4)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 2), ValueError, "n_in"),
        ((2, -1), ValueError, "n_out"),
        ((2.5, 2), TypeError, "n_in must be an integer"),
        ((2, 2, "orthogonal"), ValueError, "unknown initializer 'orthogonal'"),
        ((2, 2, "zeros", 5), TypeError, "rng must be a numpy.random.Generator"),
        ((2, 2, None), TypeError, "initializer must be given by name"),
    ],
)
def test_dense_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        Dense(*args)


def test_dense_rejects_bad_dtype():
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        Dense(2, 2, dtype="int32")


def test_dense_config_and_repr():
    layer = Dense(3, 2, init="zeros")
    assert layer.config() == {"kind": "dense", "n_in": 3, "n_out": 2, "init": "zeros"}
    assert repr(layer) == "Dense(3, 2)"


def test_layer_base_class_is_abstract():
    layer = Layer()
    with pytest.raises(NotImplementedError):
        layer.forward(np.ones((1, 1)))
    with pytest.raises(NotImplementedError):
        layer.backward(np.ones((1, 1)))
    assert layer.parameters() == [] and layer.n_parameters == 0


# ---------------------------------------------------------------------- Dropout
@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
def test_dropout_masks_rate_fraction_and_keeps_the_mean(rate):
    rng = np.random.default_rng(10)
    A_prev = np.ones((200, 100))
    A = Dropout(rate).forward(A_prev, training=True, rng=rng)
    dropped = np.mean(A == 0)
    # 20 000 Bernoulli draws: standard error ≤ 0.0036, so 0.02 is > 5 σ
    assert abs(dropped - rate) < 0.02
    # survivors are scaled by 1/(1 − p) exactly (inverted dropout)
    survivors = A[A != 0]
    np.testing.assert_allclose(survivors, 1.0 / (1.0 - rate), rtol=1e-15)
    # so the expected activation equals the predict-time one
    assert abs(A.mean() - 1.0) < 0.05
    assert np.array_equal(A_prev, np.ones((200, 100)))  # input left alone


def test_dropout_inactive_at_predict_time():
    layer = Dropout(0.5)
    A_prev = np.random.default_rng(11).standard_normal((8, 4))
    assert np.array_equal(layer.forward(A_prev), A_prev)
    assert np.array_equal(layer.backward(np.ones((8, 4))), np.ones((8, 4)))


def test_dropout_rate_zero_is_identity_in_training():
    layer = Dropout(0.0)
    A_prev = np.random.default_rng(12).standard_normal((8, 4))
    out = layer.forward(A_prev, training=True, rng=np.random.default_rng(0))
    assert np.array_equal(out, A_prev)


def test_dropout_backward_uses_the_same_mask(numeric_gradient, relative_error):
    rng = np.random.default_rng(13)
    layer = Dropout(0.4)
    A_prev = rng.standard_normal((10, 6))
    G = rng.standard_normal((10, 6))
    A = layer.forward(A_prev, training=True, rng=np.random.default_rng(5)).copy()
    dA_prev = layer.backward(G).copy()
    mask = np.where(A != 0, 1.0 / 0.6, 0.0)
    np.testing.assert_allclose(dA_prev, G * mask, rtol=1e-15)
    assert np.all(dA_prev[A == 0] == 0)  # dropped units pass no gradient

    # and against finite differences with the mask held fixed (same seed)
    def loss():
        return _scalar_loss(layer, A_prev, G, training=True, seed=5)

    assert relative_error(dA_prev, numeric_gradient(loss, A_prev)) < 1e-8


def test_dropout_same_generator_seed_same_mask_different_seed_differs():
    X = np.ones((20, 10))
    a = Dropout(0.5).forward(X, training=True, rng=np.random.default_rng(1)).copy()
    b = Dropout(0.5).forward(X, training=True, rng=np.random.default_rng(1)).copy()
    c = Dropout(0.5).forward(X, training=True, rng=np.random.default_rng(2)).copy()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_needs_a_generator_when_training():
    with pytest.raises(ValueError, match="rng"):
        Dropout(0.5).forward(np.ones((2, 2)), training=True)


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, float("nan")])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="dropout rate"):
        Dropout(rate)


def test_dropout_float32_stays_float32():
    A = Dropout(0.5).forward(
        np.ones((4, 4), dtype=np.float32), training=True, rng=np.random.default_rng(0)
    )
    assert A.dtype == np.float32
    assert set(np.unique(A)) <= {0.0, 2.0}


def test_dropout_config_and_repr():
    assert Dropout(0.25).config() == {"kind": "dropout", "rate": 0.25}
    assert repr(Dropout(0.25)) == "Dropout(rate=0.25)"


# ------------------------------------------------------- Dropout inside a Network
def _dropout_pair(seed=0):
    with_dropout = ffnn.Network.mlp([2, 16, 16, 2], dropout=0.5, seed=seed)
    without = ffnn.Network.mlp([2, 16, 16, 2], seed=seed)
    return with_dropout, without


def test_network_dropout_is_off_for_predict_proba():
    net, plain = _dropout_pair()
    assert any(isinstance(layer, Dropout) for layer in net.layers)
    assert not any(isinstance(layer, Dropout) for layer in plain.layers)
    for W_a, W_b in zip(net.weights, plain.weights, strict=True):
        assert np.array_equal(W_a, W_b)  # dropout layers take no weights
    X = np.random.default_rng(20).standard_normal((30, 2))
    first = net.predict_proba(X)
    assert np.array_equal(first, net.predict_proba(X))  # deterministic
    assert np.array_equal(first, plain.predict_proba(X))  # as if not there
    assert np.array_equal(net.predict(X), plain.predict(X))


def test_network_dropout_is_on_in_training_forward():
    net, plain = _dropout_pair()
    X = np.random.default_rng(21).standard_normal((30, 2))
    inference = net.forward(X)
    a = net.forward(X, training=True, rng=np.random.default_rng(1)).copy()
    b = net.forward(X, training=True, rng=np.random.default_rng(2)).copy()
    assert not np.allclose(a, inference)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(plain.forward(X, training=True), inference)


def test_network_with_dropout_passes_gradcheck():
    net, _ = _dropout_pair(seed=3)
    rng = np.random.default_rng(22)
    for b in net.biases:
        b[...] = 0.3 * rng.standard_normal(b.shape)
    X = rng.standard_normal((15, 2))
    y = rng.integers(0, 2, 15)
    result = ffnn.gradcheck(net, X, y, alpha=0.1)
    assert result.max_relative_error < 1e-6
