"""Tests of ffnn.losses: softmax cross-entropy as one function, and its stability;
squared error; sample weights; the registry of outputs."""

import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_squared_error

from ffnn.losses import (
    OUTPUTS,
    NonFiniteOutputError,
    OutputLoss,
    SoftmaxCrossEntropy,
    SquaredError,
    check_finite_outputs,
    check_reduction,
    cross_entropy,
    get_output,
    log_softmax,
    softmax,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def _logits(seed, n=12, k=4, scale=3.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)) * scale, rng.integers(0, k, n)


# ---------------------------------------------------------------------- softmax
def test_softmax_rows_sum_to_one_and_match_definition():
    Z, _ = _logits(0)
    P = softmax(Z)
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(P, expected, rtol=1e-14)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(log_softmax(Z), np.log(expected), rtol=1e-13)


def test_softmax_is_shift_invariant_and_does_not_modify_input():
    Z, _ = _logits(1)
    before = Z.copy()
    np.testing.assert_allclose(softmax(Z + 1000.0), softmax(Z), rtol=1e-12)
    assert np.array_equal(Z, before)


def test_softmax_of_huge_logits_is_finite_with_exact_zero_and_one():
    Z = np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow ok
        P = softmax(Z)
        log_P = log_softmax(Z)
    assert np.array_equal(P, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert np.array_equal(log_P, [[0.0, -2e4], [-2e4, 0.0], [-np.log(2), -np.log(2)]])


# ------------------------------------------------------------------ the loss
@pytest.mark.parametrize("seed", range(5))
def test_loss_matches_sklearn_log_loss(seed):
    Z, y = _logits(seed)
    loss = SoftmaxCrossEntropy().forward(Z, y)
    expected = log_loss(y, softmax(Z), labels=np.arange(Z.shape[1]))
    assert loss == pytest.approx(expected, rel=1e-12)


def test_loss_is_mean_negative_log_probability_of_true_class():
    Z, y = _logits(6, n=9, k=3)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(P[np.arange(9), y]))
    assert SoftmaxCrossEntropy().forward(Z, y) == pytest.approx(expected, rel=1e-13)


def test_forward_keeps_probabilities():
    Z, y = _logits(7)
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    np.testing.assert_allclose(loss.probabilities, softmax(Z), rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_backward_is_y_hat_minus_y(reduction):
    Z, y = _logits(8, n=10, k=3)
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    delta = loss.backward(reduction)
    expected = softmax(Z) - np.eye(3)[y]  # the notes' delta = ŷ − y
    if reduction == "mean":
        expected /= 10
    np.testing.assert_allclose(delta, expected, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_backward_matches_finite_differences(
    reduction, numeric_gradient, relative_error
):
    Z, y = _logits(9, n=8, k=4)
    n = Z.shape[0]
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, y)
    delta = loss.backward(reduction).copy()
    factor = n if reduction == "sum" else 1.0

    def objective():
        return factor * SoftmaxCrossEntropy().forward(Z, y)

    assert relative_error(delta, numeric_gradient(objective, Z)) < 1e-8


@pytest.mark.parametrize("value", [1e4, -1e4, 1e300])
def test_extreme_logits_give_finite_loss_and_delta(value):
    Z = np.array([[value, -value, 0.0], [0.0, value, -value], [-value, 0.0, value]])
    y = np.array([1, 1, 1])
    loss = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise"):
        value_of_loss = loss.forward(Z, y)
        delta = loss.backward("sum")
    assert np.isfinite(value_of_loss)
    assert np.all(np.isfinite(delta))
    assert np.all(np.abs(delta) <= 1.0)


def test_logits_of_plus_minus_1e4_give_the_exact_loss():
    Z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    loss = SoftmaxCrossEntropy()
    # right for the second row (−log 1 = 0), wrong by 2e4 for the first
    assert loss.forward(Z, np.array([1, 1])) == pytest.approx(1e4, rel=1e-15)
    delta = loss.backward("sum")
    assert np.array_equal(delta, [[1.0, -1.0], [0.0, 0.0]])


def test_perfect_prediction_has_zero_loss():
    Z = np.array([[1e4, 0.0], [0.0, 1e4]])
    assert SoftmaxCrossEntropy().forward(Z, np.array([0, 1])) == 0.0


def test_backward_before_forward_or_twice_raises():
    loss = SoftmaxCrossEntropy()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()
    with pytest.raises(RuntimeError, match="no forward pass"):
        _ = loss.probabilities
    Z, y = _logits(10)
    loss.forward(Z, y)
    loss.backward()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()  # delta overwrote ŷ; a second backward would be wrong


def test_float32_logits_stay_float32():
    Z, y = _logits(11)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(Z.astype(np.float32), y)
    assert loss.backward().dtype == np.float32
    assert value == pytest.approx(SoftmaxCrossEntropy().forward(Z, y), rel=1e-5)


# ----------------------------------------------------- cross_entropy on probabilities
def test_cross_entropy_of_exact_one_is_zero():
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert cross_entropy(P, np.array([0, 1])) == 0.0


def test_cross_entropy_of_exact_zero_is_finite():
    P = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(divide="raise"):
        value = cross_entropy(P, np.array([1, 1]))
    assert np.isfinite(value)
    # half the rows cost −log(tiny) ≈ 708.4
    assert value == pytest.approx(-np.log(np.finfo(np.float64).tiny) / 2, rel=1e-12)


def test_cross_entropy_matches_sklearn_log_loss():
    Z, y = _logits(12)
    P = softmax(Z)
    expected = log_loss(y, P, labels=np.arange(Z.shape[1]))
    assert cross_entropy(P, y) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- reductions
def test_check_reduction():
    assert check_reduction("mean") == "mean"
    assert check_reduction("SUM") == "sum"
    with pytest.raises(ValueError, match=r"unknown reduction 'avg'.*mean, sum"):
        check_reduction("avg")


# ------------------------------------------------------------- squared error
def _values(seed, n=12, k=3, scale=2.0):
    """Outputs ``Z`` (n, k), targets ``Y`` (n, k) and weights ``s`` (n,) with a
    zero among them."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.0, 3.0, n)
    s[1] = 0.0
    return rng.standard_normal((n, k)) * scale, rng.standard_normal((n, k)), s


@pytest.mark.parametrize("k", [1, 3])
def test_squared_error_is_half_the_mean_squared_norm(k):
    Z, Y, _ = _values(20, k=k)
    loss = SquaredError()
    value = loss.forward(Z, Y)
    expected = np.mean([0.5 * np.sum((z - y) ** 2) for z, y in zip(Z, Y, strict=True)])
    assert value == pytest.approx(expected, rel=1e-14)
    # scikit-learn's MSE averages over the outputs too: ½ Σ_j is k/2 times it
    raw = mean_squared_error(Y, Z, multioutput="raw_values")
    assert value == pytest.approx(0.5 * raw.sum(), rel=1e-13)
    assert value == pytest.approx(k / 2 * mean_squared_error(Y, Z), rel=1e-13)
    assert loss.weight_sum == 12.0


def test_squared_error_of_one_output_is_half_sklearns_mse():
    Z, Y, _ = _values(21, k=1)
    expected = mean_squared_error(Y[:, 0], Z[:, 0]) / 2
    assert SquaredError().forward(Z, Y) == pytest.approx(expected, rel=1e-13)


def test_squared_error_output_is_the_identity():
    Z, Y, _ = _values(22)
    assert SquaredError.predict(Z) is Z  # ŷ = Z
    assert SquaredError().forward(Y, Y) == 0.0  # a perfect fit costs nothing


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_squared_error_backward_is_y_hat_minus_y(reduction):
    Z, Y, _ = _values(23, n=10)
    before = Z.copy()
    loss = SquaredError()
    loss.forward(Z, Y)
    delta = loss.backward(reduction)
    expected = (Z - Y) / (10 if reduction == "mean" else 1)
    np.testing.assert_allclose(delta, expected, rtol=1e-15)
    assert np.array_equal(Z, before)  # delta is its own buffer, not Z


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_squared_error_backward_matches_finite_differences(
    reduction, k, numeric_gradient, relative_error
):
    Z, Y, _ = _values(24, n=8, k=k)
    loss = SquaredError()
    loss.forward(Z, Y)
    delta = loss.backward(reduction).copy()
    factor = Z.shape[0] if reduction == "sum" else 1.0

    def objective():
        return factor * SquaredError().forward(Z, Y)

    assert relative_error(delta, numeric_gradient(objective, Z)) < 1e-8


def test_squared_error_backward_before_forward_or_twice_raises():
    loss = SquaredError()
    with pytest.raises(RuntimeError, match=r"SquaredError\.backward called before"):
        loss.backward()
    Z, Y, _ = _values(25)
    loss.forward(Z, Y)
    loss.backward()
    with pytest.raises(RuntimeError, match="before forward"):
        loss.backward()  # its delta was divided in place already


def test_squared_error_float32_stays_float32():
    Z, Y, _ = _values(26)
    loss = SquaredError()
    value = loss.forward(Z.astype(np.float32), Y.astype(np.float32))
    assert loss.backward().dtype == np.float32
    assert value == pytest.approx(SquaredError().forward(Z, Y), rel=1e-5)


# ------------------------------------------------------------ sample weights
def _per_sample_losses(output, Z, y):
    """Each row's unweighted loss ℓ_i, written out."""
    if output is SquaredError:
        return 0.5 * ((Z - y) ** 2).sum(axis=1)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    return -np.log(P[np.arange(len(y)), y])


def _targets_for(output, Y):
    """Class indices for the softmax, values for the squared error."""
    return np.argmax(Y, axis=1) if output is SoftmaxCrossEntropy else Y


@pytest.mark.parametrize("output", [SoftmaxCrossEntropy, SquaredError])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weighted_loss_and_delta_match_the_formula(output, reduction):
    """L0 = Σ s_i ℓ_i / Σ s_i and delta = s ⊙ (ŷ − y), ÷ Σ s for the mean."""
    Z, Y, s = _values(30, n=9, k=3)
    y = _targets_for(output, Y)
    loss = output()
    value = loss.forward(Z, y, s)
    expected = np.sum(s * _per_sample_losses(output, Z, y)) / np.sum(s)
    assert value == pytest.approx(expected, rel=1e-13)
    assert loss.weight_sum == pytest.approx(np.sum(s), rel=1e-15)
    y_hat = output.predict(Z)
    target = np.eye(3)[y] if output is SoftmaxCrossEntropy else Y
    expected_delta = s[:, None] * (y_hat - target)
    if reduction == "mean":
        expected_delta /= np.sum(s)
    delta = loss.backward(reduction)
    np.testing.assert_allclose(delta, expected_delta, rtol=1e-13, atol=1e-16)
    assert not delta[1].any()  # a sample of weight 0 sends no gradient


def test_weighted_cross_entropy_matches_sklearn_log_loss():
    Z, Y, s = _values(31, n=15, k=4)
    y = np.argmax(Y, axis=1)
    expected = log_loss(y, softmax(Z), sample_weight=s, labels=np.arange(4))
    assert SoftmaxCrossEntropy().forward(Z, y, s) == pytest.approx(expected, rel=1e-12)


def test_weighted_squared_error_matches_sklearn_mse():
    Z, Y, s = _values(32, n=15, k=2)
    expected = mean_squared_error(Y, Z, sample_weight=s, multioutput="raw_values")
    assert SquaredError().forward(Z, Y, s) == pytest.approx(
        0.5 * expected.sum(), rel=1e-12
    )


@pytest.mark.parametrize("output", [SoftmaxCrossEntropy, SquaredError])
def test_an_integer_weight_counts_a_sample_that_many_times(output):
    Z, Y, _ = _values(33, n=7, k=3)
    y = _targets_for(output, Y)
    counts = np.array([2, 0, 1, 3, 1, 1, 4])
    rows = np.repeat(np.arange(7), counts)
    for reduction in ("mean", "sum"):
        weighted, repeated = output(), output()
        assert weighted.forward(Z, y, counts.astype(float)) == pytest.approx(
            repeated.forward(Z[rows], y[rows]), rel=1e-13
        )
        assert weighted.weight_sum == repeated.weight_sum == counts.sum()
        delta = weighted.backward(reduction)
        summed = np.zeros_like(Z)
        np.add.at(summed, rows, repeated.backward(reduction))  # dL/dZ of each row
        np.testing.assert_allclose(delta, summed, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("output", [SoftmaxCrossEntropy, SquaredError])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_weighted_backward_matches_finite_differences(
    output, reduction, numeric_gradient, relative_error
):
    Z, Y, s = _values(34, n=8, k=3)
    y = _targets_for(output, Y)
    loss = output()
    loss.forward(Z, y, s)
    delta = loss.backward(reduction).copy()
    factor = s.sum() if reduction == "sum" else 1.0  # J = Σ s_i ℓ_i for the sum

    def objective():
        return factor * output().forward(Z, y, s)

    assert relative_error(delta, numeric_gradient(objective, Z)) < 1e-8


@pytest.mark.parametrize("output", [SoftmaxCrossEntropy, SquaredError])
def test_unit_weights_give_the_unweighted_loss(output):
    Z, Y, _ = _values(35, n=10, k=3)
    y = _targets_for(output, Y)
    plain, weighted = output(), output()
    assert weighted.forward(Z, y, np.ones(10)) == pytest.approx(
        plain.forward(Z, y), rel=1e-14
    )
    np.testing.assert_allclose(
        weighted.backward(), plain.backward(), rtol=1e-15, atol=1e-17
    )


# ------------------------------------------------------------------ registry
def test_outputs_are_registered_by_sklearns_out_activation_name():
    assert OUTPUTS == {"softmax": SoftmaxCrossEntropy, "identity": SquaredError}
    assert get_output("identity") is SquaredError
    assert get_output(" Softmax") is SoftmaxCrossEntropy
    assert (SquaredError.targets, SoftmaxCrossEntropy.targets) == ("values", "classes")
    assert all(issubclass(output, OutputLoss) for output in OUTPUTS.values())
    with pytest.raises(ValueError, match=r"unknown output 'sigmoid'.*identity, soft"):
        get_output("sigmoid")
    with pytest.raises(TypeError, match="output must be given by name"):
        get_output(SquaredError)


def test_softmax_predict_is_the_softmax():
    Z, _ = _logits(36)
    np.testing.assert_allclose(SoftmaxCrossEntropy.predict(Z), softmax(Z), rtol=0)


# ---------------------------------------------------------- extreme logits
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_of_logits_a_whole_float_range_apart_is_exact_and_silent(dtype):
    """``Z − max`` rounds to −inf for logits ±0.9 × the largest float apart:
    exp gives the limit 0, and no overflow warning is raised."""
    top = 0.9 * float(np.finfo(dtype).max)
    Z = np.array([[top, -top, 0.0], [-top, -top, -top]], dtype=dtype)
    with np.errstate(all="raise", under="ignore"):
        P = softmax(Z)
        log_P = log_softmax(Z)
    assert P.dtype == dtype
    assert np.array_equal(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P[1], 1 / 3, rtol=1e-6)
    assert log_P[0, 0] == 0.0 and log_P[0, 1] == -np.inf


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_check_finite_outputs_names_the_rows_that_overflowed(dtype):
    Z = np.array([[0.0, 1.0], [np.inf, 0.0], [2.0, 3.0], [np.nan, 1.0]], dtype=dtype)
    X = np.array([[1.0], [7e30], [1.0], [-3e30]], dtype=dtype)
    assert check_finite_outputs(Z[[0, 2]], X[[0, 2]]) is not None
    with pytest.raises(
        NonFiniteOutputError,
        match=rf"in {np.dtype(dtype).name} for 2 of 4 input row\(s\): rows \[1, 3\], "
        r"whose largest \|x\| is 7e\+30",
    ) as info:
        check_finite_outputs(Z, X)
    assert info.value.rows == (1, 3)


def test_non_finite_output_error_is_both_kinds_and_pickles():
    import pickle

    error = NonFiniteOutputError("overflowed", (4, 9))
    assert isinstance(error, FloatingPointError) and isinstance(error, ValueError)
    again = pickle.loads(pickle.dumps(error))  # joblib sends errors between workers
    assert str(again) == "overflowed" and again.rows == (4, 9)
