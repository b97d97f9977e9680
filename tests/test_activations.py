"""Tests of ffnn.activations: values, derivatives, backward, the name registry."""

import numpy as np
import pytest

from ffnn.activations import (
    ACTIVATIONS,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Tanh,
    get_activation,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

REFERENCE = {
    "tanh": np.tanh,
    "sigmoid": lambda Z: 1.0 / (1.0 + np.exp(-Z)),
    "relu": lambda Z: np.where(Z > 0, Z, 0.0),
    "leaky_relu": lambda Z: np.where(Z > 0, Z, 0.01 * Z),
    "identity": lambda Z: Z,
}
REFERENCE_DERIVATIVE = {
    "tanh": lambda Z: 1.0 - np.tanh(Z) ** 2,
    "sigmoid": lambda Z: np.exp(-Z) / (1.0 + np.exp(-Z)) ** 2,
    "relu": lambda Z: (Z > 0).astype(float),
    "leaky_relu": lambda Z: np.where(Z > 0, 1.0, 0.01),
    "identity": np.ones_like,
}
NAMES = sorted(ACTIVATIONS)


def _Z(seed, shape=(6, 5)):
    """Pre-activations kept at least 0.05 away from the ReLU kink at 0."""
    Z = np.random.default_rng(seed).standard_normal(shape) * 2.0
    return np.where(np.abs(Z) < 0.05, 0.5, Z)


def test_registry_holds_exactly_the_five_activations():
    assert set(ACTIVATIONS) == set(REFERENCE)
    expected = {
        "tanh": Tanh,
        "sigmoid": Sigmoid,
        "relu": ReLU,
        "leaky_relu": LeakyReLU,
        "identity": Identity,
    }
    for name, cls in expected.items():
        layer = get_activation(name)
        assert type(layer) is cls
        assert layer.kind == name
        assert layer.parameters() == []


def test_lookup_normalises_case_dashes_and_spaces():
    assert isinstance(get_activation("Leaky-ReLU"), LeakyReLU)
    assert isinstance(get_activation(" TANH "), Tanh)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'swish'") as info:
        get_activation("swish")
    for name in NAMES:
        assert name in str(info.value)


def test_activation_name_must_be_a_string():
    with pytest.raises(TypeError, match="activation must be given by name"):
        get_activation(Tanh)


@pytest.mark.parametrize("name", NAMES)
def test_function_matches_reference(name):
    Z = _Z(0)
    layer = get_activation(name)
    np.testing.assert_allclose(layer.function(Z), REFERENCE[name](Z), rtol=1e-14)
    np.testing.assert_allclose(layer.forward(Z), REFERENCE[name](Z), rtol=1e-14)
    out = layer.forward(Z, training=True)
    np.testing.assert_allclose(out, REFERENCE[name](Z), rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_reference_and_finite_differences(name, numeric_gradient):
    Z = _Z(1)
    layer = get_activation(name)
    derivative = layer.derivative(Z)
    np.testing.assert_allclose(derivative, REFERENCE_DERIVATIVE[name](Z), rtol=1e-12)
    # elementwise, so ∂(Σ σ(Z))/∂Z = σ'(Z)
    numeric = numeric_gradient(lambda: float(np.sum(layer.function(Z))), Z)
    np.testing.assert_allclose(derivative, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("training", [False, True])
def test_backward_matches_finite_differences(
    name, training, numeric_gradient, relative_error
):
    rng = np.random.default_rng(2)
    Z = _Z(3)
    G = rng.standard_normal(Z.shape)  # ∂L/∂A
    layer = get_activation(name)
    layer.forward(Z, training=training)
    dZ = layer.backward(G).copy()
    np.testing.assert_allclose(dZ, G * REFERENCE_DERIVATIVE[name](Z), rtol=1e-12)

    def loss():
        return float(np.sum(G * layer.forward(Z, training=training)))

    assert relative_error(dZ, numeric_gradient(loss, Z)) < 1e-8


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "leaky_relu"])
def test_backward_before_forward_raises(name):
    with pytest.raises(RuntimeError, match="before forward"):
        get_activation(name).backward(np.ones((2, 2)))


@pytest.mark.parametrize("name", NAMES)
def test_forward_does_not_modify_its_input(name):
    Z = _Z(4)
    before = Z.copy()
    layer = get_activation(name)
    layer.forward(Z, training=True)
    layer.backward(np.ones_like(Z))
    layer.forward(Z)
    assert np.array_equal(Z, before)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    Z = _Z(5).astype(np.float32)
    layer = get_activation(name)
    assert layer.forward(Z).dtype == np.float32
    A = layer.forward(Z, training=True)
    assert A.dtype == np.float32
    assert layer.backward(np.ones_like(Z)).dtype == np.float32


def test_sigmoid_is_stable_for_huge_inputs():
    Z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    with np.errstate(all="raise"):  # no overflow warning may occur
        A = Sigmoid().forward(Z)
        derivative = Sigmoid().derivative(Z)
    assert np.array_equal(A, [[0.0, 0.0, 0.5, 1.0, 1.0]])
    assert np.all(np.isfinite(derivative))
    assert derivative[0, 2] == 0.25


def test_tanh_saturates_to_exact_plus_minus_one():
    A = Tanh().forward(np.array([[-1e4, 1e4]]))
    assert np.array_equal(A, [[-1.0, 1.0]])
    assert np.array_equal(Tanh().derivative(np.array([[-1e4, 1e4]])), [[0.0, 0.0]])


def test_relu_derivative_at_zero_is_zero():
    assert ReLU().derivative(np.zeros((1, 3))).sum() == 0.0


@pytest.mark.parametrize("slope", [0.0, 0.2, 0.5])
def test_leaky_relu_slope(slope):
    layer = LeakyReLU(negative_slope=slope)
    Z = np.array([[-2.0, -0.5, 0.5, 2.0]])
    np.testing.assert_allclose(layer.forward(Z), [[-2 * slope, -0.5 * slope, 0.5, 2]])
    np.testing.assert_allclose(layer.derivative(Z), [[slope, slope, 1.0, 1.0]])
    layer.forward(Z, training=True)
    np.testing.assert_allclose(
        layer.backward(np.full((1, 4), 3.0)), [[3 * slope, 3 * slope, 3.0, 3.0]]
    )
    assert layer.config() == {"kind": "leaky_relu", "negative_slope": slope}
    assert repr(layer) == f"LeakyReLU(negative_slope={slope:g})"


@pytest.mark.parametrize("slope", [-0.1, 1.0, 2.0])
def test_leaky_relu_rejects_bad_slope(slope):
    with pytest.raises(ValueError, match="negative_slope must be in"):
        LeakyReLU(negative_slope=slope)


def test_identity_passes_values_and_gradients_through():
    Z = _Z(6)
    G = np.random.default_rng(7).standard_normal(Z.shape)
    layer = Identity()
    assert np.array_equal(layer.forward(Z), Z)
    assert np.array_equal(layer.backward(G), G)
    function_value = layer.function(Z)
    assert np.array_equal(function_value, Z)
    assert not np.shares_memory(function_value, Z)


@pytest.mark.parametrize("name", NAMES)
def test_repr_names_the_class(name):
    layer = get_activation(name)
    assert repr(layer).startswith(type(layer).__name__ + "(")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_of_the_largest_floats_is_exact_and_silent(dtype):
    top = float(np.finfo(dtype).max)
    Z = np.array([[-top, -np.inf, top, np.inf]], dtype=dtype)
    with np.errstate(all="raise"):
        A = Sigmoid().forward(Z)
    assert A.dtype == dtype
    assert np.array_equal(A, [[0.0, 0.0, 1.0, 1.0]])


@pytest.mark.parametrize(
    ("slope", "error"), [("0.1", TypeError), (None, TypeError), (np.nan, ValueError)]
)
def test_leaky_relu_names_a_bad_slope(slope, error):
    with pytest.raises(error, match="negative_slope must be"):
        LeakyReLU(negative_slope=slope)
