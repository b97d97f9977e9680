"""Tests of ffnn.targets: regression targets, sample weights and class weights are
checked, shaped and combined."""

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_sample_weight

import ffnn
from ffnn.targets import (
    check_sample_weight,
    check_targets_for,
    check_values,
    class_sample_weight,
    combined_sample_weight,
)


# ------------------------------------------------------------- target values
def test_one_dimensional_values_are_one_output():
    y = np.arange(5)  # integers are values too
    values = check_values(y, 5, 1, np.float64)
    assert values.shape == (5, 1) and values.dtype == np.float64
    assert np.array_equal(values[:, 0], y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_become_c_contiguous_in_the_networks_dtype(dtype):
    y = np.asfortranarray(np.random.default_rng(0).standard_normal((6, 3)))
    values = check_values(y, 6, 3, dtype)
    assert values.dtype == dtype and values.flags.c_contiguous
    np.testing.assert_array_equal(values, y.astype(dtype))


def test_boolean_values_are_numbers():
    assert np.array_equal(check_values([True, False], 2, 1, np.float64), [[1.0], [0]])


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        (np.zeros((4, 3)), ValueError, r"3 target value\(s\) .* network has 2 output"),
        (np.zeros(4), ValueError, r"1 target value\(s\) .* network has 2 output"),
        (np.zeros((3, 2)), ValueError, "X has 4 samples but y has 3"),
        (np.zeros((4, 2, 1)), ValueError, r"shape \(n_samples,\) or \(n_samples, n"),
        (np.array([[0.0, np.nan]] * 4), ValueError, r"y contains 4 NaN or infinite"),
        (np.array([[np.inf, 0.0]] * 4), ValueError, "NaN or infinite"),
        (np.array([["a", "b"]] * 4), TypeError, "y must hold numbers .* identity"),
        (np.array([[1, None]] * 4), TypeError, "dtype object"),
        (np.zeros((4, 2), complex), TypeError, "y must hold real numbers"),
    ],
)
def test_bad_values_are_refused_by_name(y, error, match):
    with pytest.raises(error, match=match):
        check_values(y, 4, 2, np.float64)


def test_targets_for_a_regressor_are_values_and_set_no_classes():
    net = ffnn.Network.mlp([2, 3, 2], seed=0, output="identity")
    X, targets = check_targets_for(net, [[1, 2], [3, 4]], [[0.5, 1.5], [2.5, 3.5]])
    assert X.dtype == targets.dtype == np.float64
    assert np.array_equal(targets, [[0.5, 1.5], [2.5, 3.5]])
    assert net.classes is None


def test_targets_for_a_classifier_are_output_indices():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    _, targets = check_targets_for(net, np.zeros((3, 2)), ["b", "a", "b"])
    assert list(targets) == [1, 0, 1] and list(net.classes) == ["a", "b"]
    with pytest.raises(ValueError, match="non-integer floats"):
        check_targets_for(net, np.zeros((2, 2)), [0.5, 1.0])


# ------------------------------------------------------------- sample weights
@pytest.mark.parametrize(
    "ones", [None, 1, 1.0, [1, 1, 1, 1], np.ones(4, np.float32), np.ones(4, bool)]
)
def test_no_weights_and_unit_weights_are_none(ones):
    """All ones is the run without weights, taken by the same code, bit for bit."""
    assert check_sample_weight(ones, 4) is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weights_are_one_float_array_per_sample(dtype):
    weights = check_sample_weight([0, 2, 0.5], 3, dtype)
    assert weights.dtype == dtype and weights.shape == (3,)
    assert np.array_equal(weights, [0.0, 2.0, 0.5])
    assert np.array_equal(check_sample_weight(2.5, 3), [2.5, 2.5, 2.5])  # a scalar


@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [
        ([1.0, -0.5, 1.0], ValueError, "sample_weight must be >= 0"),
        ([1.0, np.nan, 1.0], ValueError, "sample_weight contains NaN"),
        ([1.0, np.inf, 1.0], ValueError, "sample_weight contains NaN or infinite"),
        ([1.0, 1.0], ValueError, r"sample_weight must have shape \(3,\).*\(2,\)"),
        (np.ones((3, 1)), ValueError, r"sample_weight must have shape \(3,\)"),
        ([0, 0, 0], ValueError, "sample_weight is zero for every sample"),
        (0.0, ValueError, "sample_weight is zero for every sample"),
        (["a", "b", "c"], TypeError, "sample_weight must hold real numbers"),
        ([1j, 1, 1], TypeError, "sample_weight must hold real numbers"),
        (np.array([1, None, 1]), TypeError, "sample_weight must hold real numbers"),
    ],
)
def test_bad_weights_are_refused_by_name(weights, error, match):
    with pytest.raises(error, match=match):
        check_sample_weight(weights, 3)


# -------------------------------------------------------------- class weights
def test_balanced_class_weights_are_n_over_k_times_the_class_count():
    y = np.array(["a", "b", "b", "c", "c", "c"])
    weights = class_sample_weight("balanced", y)
    per_class = {"a": 6 / (3 * 1), "b": 6 / (3 * 2), "c": 6 / (3 * 3)}
    np.testing.assert_allclose(weights, [per_class[label] for label in y], rtol=1e-15)
    # each class now carries the same total weight, n / k
    for label in "abc":
        assert weights[y == label].sum() == pytest.approx(2.0, rel=1e-15)
    assert np.array_equal(weights, compute_sample_weight("balanced", y))


def test_a_class_weight_dict_weighs_the_classes_it_names():
    y = np.array([3, 7, 7, 9])
    assert np.array_equal(class_sample_weight({7: 2.5}, y), [1.0, 2.5, 2.5, 1.0])
    assert np.array_equal(class_sample_weight({3: 0.5, 9: 4}, y), [0.5, 1.0, 1.0, 4.0])


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({1: 2.0, 5: 3.0}, r"class_weight names labels that are not in y: \[5\]"),
        ({"b": 2.0}, r"not in y: \['b'\]"),
        ("Balanced", "class_weight must be a dict .* got 'Balanced'"),
        ("auto", "class_weight must be a dict from class label to weight"),
        ([1.0, 2.0], "class_weight must be a dict .* got \\[1.0, 2.0\\]"),
    ],
)
def test_bad_class_weights_are_refused_by_name(class_weight, match):
    with pytest.raises(ValueError, match=match):
        class_sample_weight(class_weight, np.array([0, 1, 1, 0]))


def test_combined_weights_multiply_sample_and_class_weights():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([1.0, 2.0, 0.0, 3.0, 0.5])
    combined = combined_sample_weight(s, {1: 4.0}, y, 5, np.float64)
    assert np.array_equal(combined, s * np.array([1.0, 4.0, 4.0, 1.0, 4.0]))
    only_classes = combined_sample_weight(None, {1: 4.0}, y, 5, np.float32)
    assert only_classes.dtype == np.float32
    assert np.array_equal(only_classes, [1.0, 4.0, 4.0, 1.0, 4.0])
    assert np.array_equal(combined_sample_weight(s, None, y, 5, np.float64), s)


def test_combined_unit_weights_are_none():
    """Balanced classes under 'balanced' weigh 1 each: the unweighted run."""
    y = np.array([0, 1, 1, 0])
    assert combined_sample_weight(None, None, y, 4, np.float64) is None
    assert combined_sample_weight(None, "balanced", y, 4, np.float64) is None
    assert combined_sample_weight(np.ones(4), {0: 1.0}, y, 4, np.float64) is None


def test_combined_weights_are_checked_after_multiplying():
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match="sample_weight is zero for every sample"):
        combined_sample_weight([0, 1, 1, 0], {1: 0.0}, y, 4, np.float64)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(4,\)"):
        combined_sample_weight([1, 1, 1], "balanced", y, 4, np.float64)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: check_values([[1.0], [2.0, 3.0]], 2, 1, np.float64), "y is ragged"),
        (lambda: check_values(None, 2, 1, np.float64), "got None"),
        (
            lambda: check_sample_weight([[1.0], [2.0, 3.0]], 2),
            "sample_weight is ragged",
        ),
    ],
)
def test_ragged_or_missing_targets_and_weights_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
