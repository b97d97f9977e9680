"""Tests of ffnn._validation, directly and through the public API: bad input gets an
error that names the problem."""

import numpy as np
import pytest

import ffnn
from ffnn._validation import (
    as_array,
    check_bool,
    check_dtype,
    check_fraction,
    check_int,
    check_positive,
    check_seed,
    check_X,
    check_y,
    lookup,
)

REGISTRY = {"alpha": 1, "beta_two": 2}


# ---------------------------------------------------------------------- lookup
def test_lookup_finds_and_normalises_names():
    assert lookup(REGISTRY, "alpha", "thing") == 1
    assert lookup(REGISTRY, " Beta-Two ", "thing") == 2


def test_lookup_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError, match="unknown thing 'gamma'; valid names are: alpha, beta_two"
    ):
        lookup(REGISTRY, "gamma", "thing")


def test_lookup_needs_a_string():
    with pytest.raises(TypeError, match="thing must be given by name"):
        lookup(REGISTRY, 1, "thing")


# ---------------------------------------------------------------- scalar checks
@pytest.mark.parametrize("dtype", ["float64", "float32", np.float32, np.dtype("f8")])
def test_check_dtype_accepts_the_two_float_types(dtype):
    assert check_dtype(dtype) == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["int64", "float16", "complex128", "U3"])
def test_check_dtype_rejects_others(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        check_dtype(dtype)


def test_check_dtype_rejects_non_dtypes():
    with pytest.raises(TypeError, match="dtype must be"):
        check_dtype("not a dtype")


def test_check_positive():
    assert check_positive(3, "eta") == 3.0
    assert isinstance(check_positive(np.float32(0.5), "eta"), float)
    assert check_positive(0, "alpha", allow_zero=True) == 0.0
    for bad in (0, -1.0, float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match="eta must be a finite number > 0"):
            check_positive(bad, "eta")
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        check_positive(-0.5, "alpha", allow_zero=True)
    for bad in (True, "1", None, [1.0]):
        with pytest.raises(TypeError, match="eta must be a number"):
            check_positive(bad, "eta")


def test_check_fraction():
    assert check_fraction(0, "rate") == 0.0
    assert check_fraction(0.999, "rate") == 0.999
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\), got 1.0"):
        check_fraction(1, "rate")
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"rate must be in \[0, 1\), got"):
            check_fraction(bad, "rate")
    for bad in (True, "0.5", None):
        with pytest.raises(TypeError, match="rate must be a number"):
            check_fraction(bad, "rate")


def test_check_int():
    assert check_int(3, "epochs") == 3
    assert check_int(np.int64(3), "epochs") == 3
    assert type(check_int(np.int64(3), "epochs")) is int
    assert check_int(0, "k", minimum=0) == 0
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        check_int(0, "epochs")
    for bad in (3.0, True, "3", None):
        with pytest.raises(TypeError, match="epochs must be an integer"):
            check_int(bad, "epochs")


# ----------------------------------------------------------------------- X
def test_check_X_returns_contiguous_float_array():
    X = np.asfortranarray(np.arange(12, dtype=np.int64).reshape(4, 3))
    out = check_X(X)
    assert out.dtype == np.float64 and out.flags.c_contiguous
    assert np.array_equal(out, X)
    out32 = check_X(X, 3, np.float32)
    assert out32.dtype == np.float32
    assert check_X([[1, 2], [3, 4]]).shape == (2, 2)
    assert check_X(np.array([[True, False]])).dtype == np.float64


def test_check_X_leaves_the_callers_array_alone():
    X = np.random.default_rng(0).standard_normal((5, 2))
    before = X.copy()
    out = check_X(X, 2)
    assert np.array_equal(X, before)
    assert np.array_equal(out, X)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.ones(3), r"X must be 2-D with shape \(n_samples, n_features\), got shape"),
        (np.ones((2, 2, 2)), "X must be 2-D"),
        (np.ones((0, 2)), "X has no samples"),
        (np.array([[1.0, np.nan]]), "X contains 1 NaN or infinite value"),
        (np.array([[np.inf, -np.inf]]), "X contains 2 NaN or infinite value"),
        (
            np.array([[0.0, 1.0], [np.nan, 0.0]]),
            r"NaN or infinite value\(s\) in rows \[1\]",
        ),
        ([[1.0, 2.0], [3.0]], "X is ragged: row 0 has 2 values but row 1 has 1"),
        ([[1.0, 2.0], 3.0], "X is ragged: it mixes numbers and sequences"),
        ([[[1.0], [2.0]], [[3.0], [4.0, 5.0]]], "X is ragged: its rows hold entries"),
    ],
)
def test_check_X_value_errors(X, match):
    with pytest.raises(ValueError, match=match):
        check_X(X)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.array([["a", "b"]]), "X must hold numbers, got an array of dtype <U1"),
        (np.array([[1, None]], dtype=object), "X must hold numbers"),
        (np.array([[1 + 2j, 0]]), "X must hold real numbers"),
        (None, r"X must be an array of shape \(n_samples, n_features\), got None"),
    ],
)
def test_check_X_type_errors(X, match):
    with pytest.raises(TypeError, match=match):
        check_X(X)


def test_check_X_feature_count():
    with pytest.raises(
        ValueError, match=r"X has 3 features per sample but the network expects 2"
    ):
        check_X(np.ones((4, 3)), n_features=2)


# ----------------------------------------------------------------------- y
def test_check_y_accepts_labels():
    assert np.array_equal(check_y([0, 1, 1], 3), [0, 1, 1])
    assert np.array_equal(check_y(np.array([[0], [1]]), 2), [0, 1])  # column
    floats = check_y(np.array([0.0, 2.0, 1.0]), 3)
    assert np.issubdtype(floats.dtype, np.integer)
    assert np.array_equal(floats, [0, 2, 1])
    assert np.array_equal(check_y(["a", "b"], 2), ["a", "b"])


@pytest.mark.parametrize(
    ("y", "n", "match"),
    [
        ([0, 1], 3, "X has 3 samples but y has 2 labels"),
        (np.zeros((2, 2)), 2, r"y must be a 1-D array of class labels"),
        (np.array([0.5, 1.0]), 2, "non-integer floats"),
        (np.array([0.0, np.nan]), 2, "y contains NaN or infinite labels"),
    ],
)
def test_check_y_value_errors(y, n, match):
    with pytest.raises(ValueError, match=match):
        check_y(y, n)


def test_check_y_rejects_objects():
    with pytest.raises(TypeError, match="y must hold numbers or strings"):
        check_y(np.array([0, None], dtype=object), 2)


# ------------------------------------------------------- through the public API
def _net_and_data():
    X, y = ffnn.datasets.make_moons(30, noise=0.2, seed=0)
    return ffnn.Network.mlp([2, 3, 2], seed=0), X, y


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.ones((30, 3)), None, ValueError, "X has 3 features per sample"),
        (np.ones(30), None, ValueError, "X must be 2-D"),
        (np.full((30, 2), np.nan), None, ValueError, "NaN"),
        (np.full((30, 2), "1.0"), None, TypeError, "X must hold numbers"),
        (None, np.zeros(29, dtype=int), ValueError, "X has 30 samples but y has 29"),
        (None, np.full(30, 0.5), ValueError, "non-integer floats"),
        (None, np.arange(30) % 3, ValueError, "3 distinct labels .* 2 outputs"),
        (None, np.array(["a", "b", "c"])[np.arange(30) % 3], ValueError, "2 outputs"),
    ],
)
def test_train_reports_bad_data(X, y, error, match):
    net, X_ok, y_ok = _net_and_data()
    with pytest.raises(error, match=match):
        ffnn.train(net, X_ok if X is None else X, y_ok if y is None else y, epochs=1)


def test_bad_data_leaves_the_network_untouched():
    net, X, _ = _net_and_data()
    before = net.get_parameters()
    with pytest.raises(ValueError):
        ffnn.train(net, X, np.arange(30) % 3, epochs=1)
    assert net.classes is None
    assert all(
        np.array_equal(a, b) for a, b in zip(before, net.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: ffnn.Network.mlp([2, 3, 2], activation="softplus"),
            ValueError,
            "unknown activation 'softplus'; valid names are: identity, leaky_relu, "
            "relu, sigmoid, tanh",
        ),
        (
            lambda: ffnn.Network.mlp([2, 3, 2], init="xavier"),
            ValueError,
            "unknown initializer 'xavier'; valid names are: glorot_uniform, "
            "he_normal, lecun_normal, standard_normal, zeros",
        ),
        (
            lambda: ffnn.train(*_net_and_data(), reduction="avg"),
            ValueError,
            "unknown reduction 'avg'; valid names are: mean, sum",
        ),
        (lambda: ffnn.SGD(-0.01), ValueError, "learning_rate must be a finite number"),
        (lambda: ffnn.Adam(learning_rate=-1), ValueError, "learning_rate"),
        (lambda: ffnn.Network.mlp([2, 3, 2], dtype="int32"), ValueError, "dtype"),
    ],
)
def test_bad_options_name_the_problem(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_unknown_optimizer_name_lists_valid_names():
    from ffnn.optimizers import get_optimizer

    with pytest.raises(
        ValueError,
        match="unknown optimizer 'sgdm'; valid names are: adam, rmsprop, sgd",
    ):
        get_optimizer("sgdm")


def test_check_X_refuses_a_sparse_matrix_by_name():
    import scipy.sparse

    with pytest.raises(TypeError, match=r"X is a sparse matrix .*X.toarray\(\)"):
        check_X(scipy.sparse.csr_matrix(np.eye(2)))


def test_check_X_names_values_beyond_float32s_range():
    X = np.array([[1.0, 2.0], [3e38, 4e38], [-1e300, 0.0]])
    with pytest.raises(
        ValueError, match=r"2 value\(s\) beyond float32's range .* in rows \[1, 2\]"
    ):
        check_X(X, dtype=np.float32)
    assert check_X(X[:1], dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("y", [[[0], [1, 1]], [0, [1]]])
def test_check_y_names_ragged_labels(y):
    with pytest.raises(ValueError, match="y is ragged"):
        check_y(y, 2)


def test_check_y_names_none():
    with pytest.raises(TypeError, match="y must be an array of class labels"):
        check_y(None, 2)


def test_as_array_passes_other_errors_through():
    class Broken:
        def __array__(self, dtype=None, copy=None):
            raise ValueError("broken on purpose")

    with pytest.raises(ValueError, match="broken on purpose"):
        as_array(Broken(), "X")


@pytest.mark.parametrize("seed", [None, 0, 7, np.int64(3), 2**40])
def test_check_seed_accepts_none_and_non_negative_ints(seed):
    assert check_seed(seed) == seed


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        ("abc", TypeError, "seed must be an int >= 0 or None, got 'abc'"),
        (1.5, TypeError, "seed must be an int"),
        (True, TypeError, "seed must be an int"),
        (np.random.default_rng(0), TypeError, "seed must be an int"),
        (-1, ValueError, "seed must be an int >= 0, got -1"),
    ],
)
def test_check_seed_names_a_bad_seed(seed, error, match):
    with pytest.raises(error, match=match):
        check_seed(seed)


def test_check_seed_maximum():
    assert check_seed(2**32 - 1, maximum=2**32 - 1) == 2**32 - 1
    with pytest.raises(
        ValueError, match=r"random_state must be an int in \[0, 4294967295\]"
    ):
        check_seed(2**32, "random_state", maximum=2**32 - 1)


def test_check_bool():
    assert check_bool(np.bool_(True), "shuffle") is True
    for bad in (1, "yes", None):
        with pytest.raises(TypeError, match="shuffle must be True or False"):
            check_bool(bad, "shuffle")
