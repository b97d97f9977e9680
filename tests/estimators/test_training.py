"""The estimators' fit loop: bookkeeping, stopping, early stopping, schedules,
verbose output, partial_fit, warm starts, sample and class weights, dtypes,
engines and the refusal of bad parameters."""

import re
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score
from sklearn.model_selection import train_test_split

import ffnn

# the weighted/repeated, engine and class-weight comparisons hold to a tolerance
# that BLAS rounding must not break: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

KINDS = ("classifier", "regressor")
#: a short fit stops at max_iter, and says so
quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(kind: str, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """3 overlapping classes, or two real targets computed from them."""
    X, y = make_blobs(n, n_features=3, centers=3, cluster_std=2.0, random_state=0)
    if kind == "classifier":
        return X, y
    return X, np.column_stack([X[:, 0] - y, np.sin(X[:, 1])])


def _make(kind: str, **params):
    cls = (
        ffnn.FeedforwardClassifier
        if kind == "classifier"
        else ffnn.FeedforwardRegressor
    )
    return cls(**{"hidden_layer_sizes": (8,), "random_state": 0, **params})


def _parameters(est) -> list[np.ndarray]:
    return est.coefs_ + est.intercepts_


def _outputs(est, X) -> np.ndarray:
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


@contextmanager
def _no_convergence_warning():
    """A context in which a ConvergenceWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        yield


# ---------------------------------------------------------------- bookkeeping
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_fit_records_each_epoch(kind, solver):
    X, y = _data(kind)
    est = _make(kind, solver=solver, max_iter=5, tol=0.0, batch_size=16)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(5\) reached"):
        est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 5
    assert est.t_ == 5 * len(X)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert est.n_layers_ == 3
    assert est.n_outputs_ == (3 if kind == "classifier" else 2)
    assert est.out_activation_ == ("softmax" if kind == "classifier" else "identity")


@quiet
@pytest.mark.parametrize("kind", KINDS)
def test_loss_curve_is_the_penalised_mean_loss_before_each_epoch(kind):
    # full batch: an epoch's loss is the mean loss at the weights it started
    # from plus 0.5·alpha·Σw²/n, averaged over a regressor's outputs too
    X, y = _data(kind)
    alpha = 0.5
    est = _make(kind, solver="adam", alpha=alpha, max_iter=1, warm_start=True)
    est.fit(X, y)
    if kind == "classifier":
        mean_loss = log_loss(y, est.predict_proba(X))
    else:
        mean_loss = np.mean((est.predict(X) - y) ** 2) / 2
    penalty = 0.5 * alpha * sum(np.sum(W**2) for W in est.coefs_) / len(X)
    est.fit(X, y)
    assert est.loss_curve_[1] == pytest.approx(mean_loss + penalty, rel=1e-12)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_training_stops_after_n_iter_no_change_epochs_without_progress(
    early_stopping, capsys
):
    # tol=1000: no epoch after the first improves on the best loss (or score)
    # by tol, so training stops when n_iter_no_change = 3 is exceeded: 1 + 4
    X, y = _data("classifier")
    est = _make(
        "classifier", solver="adam", tol=1e3, n_iter_no_change=3, max_iter=50,
        early_stopping=early_stopping, verbose=True,
    )  # fmt: skip
    with _no_convergence_warning():
        est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 5
    watched = "Validation score" if early_stopping else "Training loss"
    assert (
        f"{watched} did not improve more than tol=1000.000000 for 3 consecutive "
        "epochs. Stopping." in capsys.readouterr().out
    )


@pytest.mark.parametrize("kind", KINDS)
def test_lbfgs_warns_when_it_stops_at_max_iter(kind):
    X, y = _data(kind)
    est = _make(kind, solver="lbfgs", max_iter=3)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 3"):
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert not hasattr(est, "loss_curve_")  # as scikit-learn's lbfgs
    with _no_convergence_warning():
        est.set_params(max_iter=2000, alpha=0.1).fit(X, y)
    assert est.n_iter_ < 2000


# ------------------------------------------------------------- early stopping
@quiet
@pytest.mark.parametrize("kind", KINDS)
def test_early_stopping_restores_the_weights_of_the_best_epoch(kind):
    X, y = _data(kind, n=100)
    params = dict(
        solver="adam", learning_rate_init=0.05, early_stopping=True,
        validation_fraction=0.2, n_iter_no_change=5, max_iter=200,
    )  # fmt: skip
    est = _make(kind, **params).fit(X, y)
    scores = est.validation_scores_
    assert len(scores) == len(est.loss_curve_) == est.n_iter_
    assert est.t_ == est.n_iter_ * 80  # 20 of the 100 samples held out
    assert est.best_loss_ is None
    assert est.best_validation_score_ == max(scores)
    best = int(np.argmax(scores)) + 1  # the first epoch that reached the best
    assert est.n_iter_ > best  # training went on past it
    # the same run cut at the best epoch (same split, same shuffles) ends
    # there: the stopped run predicts as it did then
    at_best = _make(kind, **{**params, "max_iter": best}).fit(X, y)
    assert at_best.validation_scores_ == scores[:best]
    assert np.array_equal(_outputs(est, X), _outputs(at_best, X))


def test_partial_fit_refuses_early_stopping():
    X, y = _data("classifier")
    est = _make("classifier", early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        est.partial_fit(X, y, classes=[0, 1, 2])


# ------------------------------------------------------------------ schedules
def test_adaptive_divides_the_learning_rate_by_5_until_it_is_tiny(capsys):
    # tol=1000 and n_iter_no_change=1: every second epoch from the third has
    # no progress twice in a row, so η falls 0.1 → 0.02 → ... → 0.1/5⁸ ≤ 1e-6,
    # and training stops at the next time instead (epoch 19)
    X, y = _data("classifier")
    est = _make(
        "classifier", solver="sgd", learning_rate="adaptive", learning_rate_init=0.1,
        tol=1e3, n_iter_no_change=1, max_iter=100, verbose=True,
    )  # fmt: skip
    with _no_convergence_warning():
        est.fit(X, y)
    out = capsys.readouterr().out
    rates = [float(r) for r in re.findall(r"Setting learning rate to (\S+)", out)]
    np.testing.assert_allclose(rates, [0.1 / 5**k for k in range(1, 9)], atol=1e-6)
    assert est._learning_rate == pytest.approx(0.1 / 5**8)
    assert est.n_iter_ == 19


def test_invscaling_steps_shrink_as_eta0_over_t_plus_1_to_the_power_t():
    # full-batch SGD without momentum: a step is −η·g, so from the same weights
    # invscaling's step is constant's times 1 / (t + 1)^power_t, t = samples seen
    X, y = _data("classifier")
    n, power_t = len(X), 0.4
    params = dict(solver="sgd", momentum=0.0, learning_rate_init=0.2, shuffle=False)
    scaled = _make("classifier", learning_rate="invscaling", power_t=power_t, **params)
    constant = _make("classifier", learning_rate="constant", **params)
    for k in range(4):  # the first calls start from the same initial weights
        if k:
            constant.network_.flat_parameters[...] = scaled.network_.flat_parameters
        start = scaled.network_.flat_parameters.copy() if k else None
        scaled.partial_fit(X, y, classes=[0, 1, 2])
        constant.partial_fit(X, y, classes=[0, 1, 2])
        if k:
            np.testing.assert_allclose(
                scaled.network_.flat_parameters - start,
                (constant.network_.flat_parameters - start) / (k * n + 1) ** power_t,
                rtol=1e-9,
                atol=1e-15,
            )
    assert scaled.t_ == 4 * n


# -------------------------------------------------------------------- verbose
@quiet
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_verbose_prints_the_loss_of_every_iteration(solver, capsys):
    X, y = _data("classifier")
    est = _make("classifier", solver=solver, max_iter=3, verbose=True).fit(X, y)
    lines = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith("It")
    ]
    assert [line.split(",")[0] for line in lines] == [
        f"Iteration {k}" for k in (1, 2, 3)
    ]
    assert all(re.fullmatch(r"Iteration \d, loss = \d+\.\d{8}", x) for x in lines)
    if solver == "sgd":
        assert lines[-1] == f"Iteration 3, loss = {est.loss_curve_[-1]:.8f}"


def test_silent_by_default(capsys):
    X, y = _data("classifier")
    _make("classifier", max_iter=2).partial_fit(X, y, classes=[0, 1, 2])
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_needs_classes_first_and_refuses_unseen_ones():
    X, y = _data("classifier")
    est = _make("classifier", solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    assert not hasattr(est, "network_")
    part = y < 2  # the first batch need not hold every class
    est.partial_fit(X[part], y[part], classes=[0, 1, 2])
    assert est.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match=r"`y` has classes not in `self\.classes_`"):
        est.partial_fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        est.partial_fit(X, y, classes=[0, 1, 2, 3])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_runs_one_epoch_per_call(kind, solver):
    X, y = _data(kind)
    est = _make(kind, solver=solver, batch_size=16, max_iter=50)
    extra = {"classes": [0, 1, 2]} if kind == "classifier" else {}
    with _no_convergence_warning():
        for call in range(1, 4):
            est.partial_fit(X, y, **extra)
            assert est.n_iter_ == 1  # the epochs of this call, as scikit-learn
            assert est.t_ == call * len(X)
            assert len(est.loss_curve_) == call
    assert est.loss_curve_[-1] < est.loss_curve_[0]


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_is_not_available_for_lbfgs(kind):
    est = _make(kind, solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        est.partial_fit(*_data(kind))
    assert "lbfgs is not stochastic" in str(info.value.__cause__)
    assert hasattr(est.set_params(solver="adam"), "partial_fit")


# ----------------------------------------------------------------- warm start
@quiet
@pytest.mark.parametrize("kind", KINDS)
def test_warm_start_continues_where_the_last_fit_ended(kind):
    # full-batch SGD without momentum keeps no state but the weights: two warm
    # fits of 3 epochs are one fit of 6
    X, y = _data(kind)
    params = dict(solver="sgd", momentum=0.0, learning_rate_init=0.05, max_iter=3)
    warm = _make(kind, warm_start=True, **params)
    warm.fit(X, y)
    warm.fit(X, y)
    once = _make(kind, **{**params, "max_iter": 6}).fit(X, y)
    for a, b in zip(_parameters(warm), _parameters(once), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(warm.loss_curve_, once.loss_curve_, rtol=1e-12)
    assert warm.n_iter_ == 3  # this call's iterations, as scikit-learn counts
    assert warm.t_ == once.t_ == 6 * len(X)
    # without warm_start a second fit starts again from the initial weights
    cold = _make(kind, **params)
    first = _outputs(cold.fit(X, y), X)
    assert np.array_equal(_outputs(cold.fit(X, y), X), first)
    assert len(cold.loss_curve_) == 3


@quiet
def test_warm_start_refuses_other_classes_or_outputs():
    X, y = _data("classifier")
    est = _make("classifier", warm_start=True, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="warm_start can only be used where `y`"):
        est.fit(X[y < 2], y[y < 2])
    X, Y = _data("regressor")
    est = _make("regressor", warm_start=True, max_iter=2).fit(X, Y)
    with pytest.raises(ValueError, match="y has 1 outputs but the fitted network"):
        est.fit(X, Y[:, 0])


# ------------------------------------------------------------ sample weights
@quiet
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("kind", KINDS)
def test_unit_sample_weights_are_no_weights_bit_for_bit(kind, solver):
    X, y = _data(kind)
    params = dict(solver=solver, max_iter=20, batch_size=16, alpha=0.1)
    plain = _make(kind, **params).fit(X, y)
    ones = _make(kind, **params).fit(X, y, sample_weight=np.ones(len(X)))
    assert np.array_equal(_outputs(ones, X), _outputs(plain, X))


@quiet
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("kind", KINDS)
def test_integer_sample_weights_repeat_samples(kind, solver):
    # batch_size="auto" holds all 40 samples (and all 80 or so repeated): full
    # batches, where only the order of the sum differs
    X, y = _data(kind, n=40)
    counts = np.random.default_rng(0).integers(1, 4, len(X))
    params = dict(solver=solver, max_iter=30, learning_rate_init=0.05, alpha=0.1)
    weighted = _make(kind, **params).fit(X, y, sample_weight=counts)
    repeated = _make(kind, **params).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts, axis=0)
    )
    for a, b in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8)
    unweighted = _make(kind, **params).fit(X, y)
    assert not np.allclose(unweighted.coefs_[0], weighted.coefs_[0], rtol=1e-3)


def test_balanced_class_weight_finds_more_of_the_rare_class():
    X, y = make_classification(
        600, n_features=4, n_informative=2, weights=[0.9, 0.1], class_sep=0.5,
        random_state=0,
    )  # fmt: skip
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    recall = {}
    for class_weight in (None, "balanced"):
        est = _make(
            "classifier", solver="lbfgs", alpha=0.1, max_iter=300,
            class_weight=class_weight,
        ).fit(X_train, y_train)  # fmt: skip
        recall[class_weight] = recall_score(y_test, est.predict(X_test))
    # measured: 0.55 unweighted, 0.84 balanced
    assert recall["balanced"] >= recall[None] + 0.15


# ------------------------------------------------------------------- dtypes
@quiet
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_float32_input_trains_a_float32_network_unless_dtype_says(solver):
    X, y = _data("classifier")
    X32 = X.astype(np.float32)
    est = _make("classifier", solver=solver, max_iter=5).fit(X32, y)
    assert est.network_.dtype == np.float32
    assert all(W.dtype == np.float32 for W in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X32).dtype == np.float32
    assert est.set_params(dtype="float64").fit(X32, y).network_.dtype == np.float64
    assert est.predict_proba(X32).dtype == np.float64
    assert est.set_params(dtype="float32").fit(X, y).network_.dtype == np.float32
    assert _make("classifier", max_iter=5).fit(X, y).network_.dtype == np.float64


# ---------------------------------------------------------------- parameters
def test_lbfgs_refuses_dropout():
    X, y = _data("classifier")
    est = _make("classifier", solver="lbfgs", dropout=0.2)
    with pytest.raises(ValueError, match=r"solver='lbfgs'.*dropout"):
        est.fit(X, y)
    assert not hasattr(est, "network_")


#: a bad value of each parameter, with the error it raises at fit
BAD_PARAMETERS = [
    ("solver", "newton", ValueError),
    ("activation", "softplus", ValueError),
    ("learning_rate", "cyclic", ValueError),
    ("init", "bogus", ValueError),
    ("engine", "gpu", ValueError),
    ("dtype", "int32", ValueError),
    ("dtype", "nonsense", ValueError),
    ("alpha", -1.0, ValueError),
    ("alpha", "0.1", TypeError),
    ("alpha", np.nan, ValueError),
    ("hidden_layer_sizes", (10, 0), ValueError),
    ("hidden_layer_sizes", 2.5, TypeError),
    ("hidden_layer_sizes", (4, "8"), TypeError),
    ("batch_size", 0, ValueError),
    ("batch_size", 2.0, TypeError),
    ("batch_size", "big", TypeError),
    ("validation_fraction", 1.0, ValueError),
    ("learning_rate_init", 0.0, ValueError),
    ("power_t", -0.5, ValueError),
    ("tol", -1e-4, ValueError),
    ("momentum", 1.5, ValueError),
    ("momentum", 1.0, ValueError),
    ("beta_1", 1.0, ValueError),
    ("beta_2", -0.1, ValueError),
    ("epsilon", 0.0, ValueError),
    ("dropout", 1.0, ValueError),
    ("max_iter", 0, ValueError),
    ("n_iter_no_change", 0, ValueError),
    ("max_fun", 0, ValueError),
    ("shuffle", "yes", TypeError),
    ("warm_start", 1, TypeError),
    ("early_stopping", None, TypeError),
    ("nesterovs_momentum", "no", TypeError),
    ("class_weight", "unbalanced", ValueError),
    ("random_state", "abc", TypeError),
    ("random_state", 1.5, TypeError),
    ("random_state", -1, ValueError),
    ("random_state", 2**32, ValueError),
    ("verbose", "loud", TypeError),
]


@pytest.mark.parametrize(
    ("name", "value", "error"),
    BAD_PARAMETERS,
    ids=[f"{name}={value!r}" for name, value, _ in BAD_PARAMETERS],
)
def test_bad_parameters_are_refused_at_fit_by_name(name, value, error):
    X, y = _data("classifier")
    est = _make("classifier", **{name: value})  # scikit-learn: no check here
    with pytest.raises(error, match=name):
        est.fit(X, y)
    assert not hasattr(est, "network_")


def test_other_losses_and_an_empty_validation_set_are_refused():
    X, y = _data("regressor")
    with pytest.raises(ValueError, match="loss must be 'squared_error'"):
        _make("regressor", loss="poisson").fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction must be > 0"):
        _make("regressor", early_stopping=True, validation_fraction=0.0).fit(X, y)


@quiet
@pytest.mark.parametrize("kind", KINDS)
def test_ragged_lists_are_refused_by_name(kind):
    X, y = _data(kind, 6)
    ragged = [[1.0, 2.0, 3.0], [4.0, 5.0], *X[2:].tolist()]
    with pytest.raises(ValueError, match="X is ragged: row 0 has 3 values but row 1"):
        _make(kind).fit(ragged, y)
    est = _make(kind, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X is ragged"):
        est.predict(ragged)
    if kind == "regressor":
        bad_y = [[0.5], [0.5, 1.0], *[[0.5]] * 4]
    else:
        bad_y = [[0], [0, 1], 0, 1, 2, 1]
    with pytest.raises(ValueError, match="y is ragged"):
        _make(kind).fit(X, bad_y)


@quiet
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", KINDS)
def test_outputs_that_overflow_are_an_error_naming_the_rows(kind, dtype):
    """Inputs near the dtype's largest float overflow a ReLU network's outputs
    (any weight above 1 in size does it): NonFiniteOutputError, as the Network's
    own methods, not NaN probabilities."""
    X, y = _data(kind)
    est = _make(kind, activation="relu", dtype=dtype, max_iter=5).fit(X, y)
    est.coefs_[0][...] = 2.0  # every hidden unit sums 2x of each input: overflows
    big = float(np.finfo(dtype).max)
    X_new = np.array([[0.1, 0.2, 0.3], [big, big, big]], dtype=dtype)
    with pytest.raises(ffnn.losses.NonFiniteOutputError, match=r"rows \[1\]"):
        _outputs(est, X_new)
    assert np.isfinite(_outputs(est, X_new[:1])).all()


@quiet
def test_float64_input_beyond_a_float32_estimators_range_is_refused():
    X, y = _data("classifier")
    est = _make("classifier", dtype="float32", max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="beyond float32's range"):
        est.predict(np.array([[1e300, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="beyond float32's range"):
        _make("classifier", dtype="float32").fit(X * 1e300, y)


# -------------------------------------------------------------------- engines
@quiet
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("kind", KINDS)
def test_layers_and_fast_engines_train_alike(kind, solver):
    X, y = _data(kind)
    params = dict(solver=solver, max_iter=20, batch_size=16, alpha=0.1)
    layers = _make(kind, engine="layers", **params).fit(X, y)
    fast = _make(kind, engine="fast", **params).fit(X, y)
    for a, b in zip(_parameters(layers), _parameters(fast), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(_outputs(layers, X), _outputs(fast, X), rtol=1e-8)


# ------------------------------------------------------------- refused calls
@quiet
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda est, X, y: est.fit(X, np.zeros(len(y), int)), "one class only"),
        (lambda est, X, y: est.fit(X, y, sample_weight=np.ones(3)), "sample_weight"),
        (
            lambda est, X, y: est.fit(np.ones((len(y), 5)), y, sample_weight=[1]),
            "sample_weight",
        ),
        (lambda est, X, y: est.fit(X, y + 7), "class_weight names labels"),
    ],
)
def test_a_refused_refit_leaves_a_fitted_classifier_as_it_was(call, match):
    X, y = _data("classifier")
    est = _make("classifier", max_iter=5, class_weight={0: 2.0})
    est.fit(X, y)
    before = est.predict_proba(X)
    with pytest.raises(ValueError, match=match):
        call(est, X, y)
    assert list(est.classes_) == [0, 1, 2] and est.n_features_in_ == 3
    assert np.array_equal(est.predict_proba(X), before)


@quiet
def test_a_refused_first_partial_fit_leaves_nothing_behind():
    X, y = _data("classifier")
    est = _make("classifier")
    with pytest.raises(ValueError, match="sample_weight"):
        est.partial_fit(X, y, classes=[0, 1, 2], sample_weight=[1.0])
    assert not hasattr(est, "classes_") and not hasattr(est, "network_")


@quiet
def test_class_weight_of_a_class_absent_from_a_partial_fit_batch():
    X, y = _data("classifier")
    weights = {0: 1.0, 1: 2.0, 2: 3.0}
    est = _make("classifier", class_weight=weights)
    est.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # no class 2 here
    same = _make("classifier")
    same.partial_fit(
        X[y < 2], y[y < 2], classes=[0, 1, 2],
        sample_weight=np.where(y[y < 2] == 0, 1.0, 2.0),
    )  # fmt: skip
    assert np.array_equal(_outputs(est, X), _outputs(same, X))
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        _make("classifier", class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )


@quiet
def test_early_stopping_on_few_samples_of_many_classes():
    """scikit-learn stratifies the validation split of a binary problem only:
    ten classes in 60 samples leave too few for a stratified 10 % share."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    est = _make("classifier", early_stopping=True, max_iter=5).fit(X[:60], y[:60])
    assert len(est.validation_scores_) == est.n_iter_ == 5


@quiet
def test_a_weighted_full_batch_loss_curve_is_the_objective():
    """With the full batch the reported loss is exactly the weighted mean loss
    plus 0.5·alpha·Σw²/Σs at the weights the epoch started from."""
    X, y = _data("classifier")
    weights = np.linspace(0.5, 3.0, len(y))
    est = _make("classifier", batch_size=len(y), alpha=10.0, max_iter=1, shuffle=False)
    est.fit(X, y)  # creates the network; its weights are the start below
    start = [p.copy() for p in est.network_.parameters()]
    est.set_params(warm_start=True, max_iter=1).fit(X, y, sample_weight=weights)
    after = [p.copy() for p in est.network_.parameters()]
    est.network_.set_parameters(start)
    probabilities = est.predict_proba(X)
    data_loss = log_loss(y, probabilities, sample_weight=weights)
    squares = sum(float(np.vdot(W, W)) for W in est.coefs_)
    expected = data_loss + 0.5 * 10.0 * squares / weights.sum()
    assert est.loss_curve_[-1] == pytest.approx(expected, rel=1e-10)
    est.network_.set_parameters(after)


@quiet
def test_a_warm_stochastic_fit_after_lbfgs_starts_its_curves():
    X, y = _data("regressor")
    est = _make("regressor", solver="lbfgs", max_iter=5).fit(X, y)
    assert not hasattr(est, "loss_curve_")
    est.set_params(solver="adam", warm_start=True, max_iter=3).fit(X, y)
    assert len(est.loss_curve_) == 3 and est.n_iter_ == 3


def test_ctrl_c_ends_a_fit_with_the_weights_so_far():
    """As scikit-learn: an interrupted fit warns and keeps what it learned. (The
    SIGINT comes from another process: a thread's timer may wait seconds for the
    interpreter lock while the fit runs.)"""
    import os
    import subprocess

    X, y = _data("classifier")
    est = _make("classifier", max_iter=10**6, tol=0.0, n_iter_no_change=10**6)
    sender = subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -INT {os.getpid()}"])
    try:
        with pytest.warns(UserWarning, match="Training interrupted by user"):
            est.fit(X, y)
    finally:
        sender.wait(timeout=10)
    assert 0 < est.n_iter_ < 10**6
    assert est.predict(X).shape == y.shape
