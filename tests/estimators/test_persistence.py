"""Tests of ffnn.estimators.persistence: fitted estimators through ffnn's model
files (``est.save``, ``ffnn.load``), exactly and without pickle, and clean
failures on tampered files."""

import copy
import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs, make_regression
from sklearn.exceptions import NotFittedError

import ffnn
from ffnn import FeedforwardClassifier, FeedforwardRegressor
from ffnn.estimators.persistence import CLASSES_KEY
from ffnn.serialization import METADATA_KEY

# the short fits below stop at max_iter on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: scikit-learn's fitted attributes of an MLP, each compared after a round trip
FITTED_ATTRIBUTES = (
    "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
    "best_validation_score_", "n_features_in_", "feature_names_in_", "n_outputs_",
    "n_layers_", "out_activation_",
)  # fmt: skip

#: (solver, early_stopping) of the fits compared
FITS = [("lbfgs", False), ("adam", False), ("adam", True)]

LABELS = {
    "int": np.array([3, -1, 7]),
    "str": np.array(["x", "y", "z"]),
    "float": np.array([-1.0, 0.0, 2.0]),
    "object": np.array(["x", "y", "z"], dtype=object),  # pandas' strings
}


def _blobs(seed=0):
    return make_blobs(120, n_features=4, centers=3, random_state=seed)


def _classifier(**params):
    defaults = {"hidden_layer_sizes": (6,), "max_iter": 20, "random_state": 0}
    return FeedforwardClassifier(**{**defaults, **params})


def _regressor(**params):
    defaults = {"hidden_layer_sizes": (6,), "max_iter": 20, "random_state": 0}
    return FeedforwardRegressor(**{**defaults, **params})


def _assert_same_value(a, b, name):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), name
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name
    else:
        assert type(a) is type(b), name
        assert a == b, name


def _assert_same_estimator(original, loaded, X):
    """Everything scikit-learn exposes of a fitted MLP is equal, bit for bit."""
    assert type(loaded) is type(original)
    assert loaded.get_params() == original.get_params()
    for name in FITTED_ATTRIBUTES:
        assert hasattr(loaded, name) == hasattr(original, name), name
        if hasattr(original, name):
            _assert_same_value(getattr(original, name), getattr(loaded, name), name)
    for name in ("coefs_", "intercepts_"):
        saved, read = getattr(original, name), getattr(loaded, name)
        assert len(saved) == len(read)
        for a, b in zip(saved, read, strict=True):
            _assert_same_value(a, b, name)
    assert np.array_equal(loaded.predict(X), original.predict(X))
    if hasattr(original, "classes_"):
        _assert_same_value(original.classes_, loaded.classes_, "classes_")
        assert np.array_equal(loaded.predict_proba(X), original.predict_proba(X))
        assert np.array_equal(
            loaded.predict_log_proba(X), original.predict_log_proba(X)
        )


def _round_trip(est, tmp_path):
    path = est.save(tmp_path / "model.npz")
    assert path == tmp_path / "model.npz"
    return ffnn.load(path)


def _rewrite(path, edit):
    """Rewrite the model file at ``path`` with ``edit(description, arrays)``
    applied to its estimator description and its arrays."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(arrays[METADATA_KEY]))
    edit(metadata["estimator"], arrays)
    arrays[METADATA_KEY] = np.array(json.dumps(metadata))
    with open(path, "wb") as file:
        np.savez(file, **arrays)


# ------------------------------------------------------------- round trips
@pytest.mark.parametrize(("solver", "early_stopping"), FITS)
@pytest.mark.parametrize("labels", sorted(LABELS))
def test_classifier_round_trip(labels, solver, early_stopping, tmp_path):
    X, y = _blobs()
    y_labels = LABELS[labels][y]
    if labels == "object":  # as read from a CSV: a DataFrame, object labels
        X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
        y_labels = pd.Series(y_labels, name="label")
    est = _classifier(solver=solver, early_stopping=early_stopping).fit(X, y_labels)
    loaded = _round_trip(est, tmp_path)
    _assert_same_estimator(est, loaded, X)
    assert loaded.classes_.dtype.kind == LABELS[labels].dtype.kind
    assert hasattr(loaded, "feature_names_in_") == (labels == "object")
    if labels == "object":
        assert all(type(label) is str for label in loaded.classes_)


@pytest.mark.parametrize(("solver", "early_stopping"), FITS)
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_round_trip(n_targets, solver, early_stopping, tmp_path):
    X, y = make_regression(120, n_features=4, n_targets=n_targets, random_state=0)
    est = _regressor(solver=solver, early_stopping=early_stopping).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    _assert_same_estimator(est, loaded, X)
    assert loaded.predict(X).shape == ((120,) if n_targets == 1 else (120, 3))


def test_non_default_params_round_trip(tmp_path):
    X, y = _blobs()
    est = _classifier(
        hidden_layer_sizes=(5, 4),
        activation="tanh",
        solver="sgd",
        alpha=0.01,
        batch_size=32,
        learning_rate="invscaling",
        init="he_normal",
        dropout=0.2,
        dtype="float32",
        engine="layers",
        class_weight={0: 1.0, 1: 2.0, 2: 0.5},
    ).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    _assert_same_estimator(est, loaded, X)
    assert loaded.network_.dtype == np.float32
    assert loaded.class_weight == {0: 1.0, 1: 2.0, 2: 0.5}


def test_file_holds_no_pickle(tmp_path):
    # object arrays (pandas' string labels, feature names) are where pickle
    # would creep in: every member must load with allow_pickle=False
    X, y = _blobs()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = pd.Series(np.array(["x", "y", "z"], dtype=object)[y])
    path = _classifier().fit(frame, labels).save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert CLASSES_KEY in archive.files
        for name in archive.files:
            assert archive[name].dtype != object, name


# ------------------------------------------------------ what is not stored
def test_random_state_instance_is_stored_as_none(tmp_path):
    X, y = _blobs()
    est = _classifier(random_state=np.random.RandomState(0)).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    assert loaded.random_state is None  # its position in the stream is lost
    expected = {**est.get_params(), "random_state": None}
    assert loaded.get_params() == expected
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_dtype_given_as_a_type_is_stored_by_name(tmp_path):
    X, y = _blobs()
    est = _classifier(dtype=np.float32).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    assert loaded.dtype == "float32"
    assert loaded.network_.dtype == np.float32
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("cls", [FeedforwardClassifier, FeedforwardRegressor])
def test_saving_an_unfitted_estimator_raises(cls, tmp_path):
    with pytest.raises(NotFittedError):
        cls().save(tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


# ------------------------------------------------------ continuing training
def _without_optimizer(est):
    """``est`` as a loaded copy should be: the same, with a fresh optimizer."""
    twin = copy.deepcopy(est)
    twin._optimizer = None
    return twin


@pytest.mark.parametrize("make", [_classifier, _regressor])
def test_loaded_estimator_continues_with_partial_fit(make, tmp_path):
    X, y = _blobs()
    est = make().fit(X, y)
    loaded = _round_trip(est, tmp_path)
    twin = _without_optimizer(est)
    loaded.partial_fit(X, y)
    twin.partial_fit(X, y)
    assert loaded.n_iter_ == 1
    assert loaded.t_ == est.t_ + len(X)
    assert loaded.loss_curve_ == twin.loss_curve_
    assert len(loaded.loss_curve_) == len(est.loss_curve_) + 1
    assert not np.array_equal(loaded.coefs_[0], est.coefs_[0])
    for a, b in zip(loaded.coefs_, twin.coefs_, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_loaded_estimator_continues_a_warm_start_fit(early_stopping, tmp_path):
    # tol=10 makes every epoch after the first (which improves on the start's
    # infinite loss or score) no improvement in loss or accuracy: training stops
    # once n_iter_no_change is exceeded, after 3 + 2 epochs, and a warm start
    # that goes on from the saved count stops after one more
    X, y = _blobs()
    est = _classifier(
        tol=10.0, n_iter_no_change=3, early_stopping=early_stopping, max_iter=50
    ).fit(X, y)
    assert est.n_iter_ == 5
    loaded = _round_trip(est, tmp_path)
    twin = _without_optimizer(est)
    loaded.set_params(warm_start=True).fit(X, y)
    twin.set_params(warm_start=True).fit(X, y)
    assert loaded.n_iter_ == twin.n_iter_ == 1
    for a, b in zip(loaded.coefs_, twin.coefs_, strict=True):
        assert np.array_equal(a, b)


def test_file_without_the_stopping_count_continues_from_zero(tmp_path):
    X, y = _blobs()
    path = _classifier(tol=10.0, n_iter_no_change=3).fit(X, y).save(tmp_path / "m")

    def forget_count(description, arrays):
        del description["fitted"]["_no_improvement_count"]

    _rewrite(path, forget_count)
    loaded = ffnn.load(path)
    loaded.set_params(warm_start=True, max_iter=50).fit(X, y)
    assert loaded.n_iter_ == 4  # n_iter_no_change + 1 epochs without improvement


# ------------------------------------------------------------ bad files
def _params_of(cls):
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in cls().get_params().items()
    }


def _as_regressor(description, arrays):
    description["class"] = "FeedforwardRegressor"
    description["params"] = _params_of(FeedforwardRegressor)


def _as_classifier(description, arrays):
    description["class"] = "FeedforwardClassifier"
    description["params"] = _params_of(FeedforwardClassifier)
    arrays[CLASSES_KEY] = np.arange(1)


def _unknown_class(description, arrays):
    description["class"] = "MLP"


def _unknown_parameter(description, arrays):
    description["params"]["colour"] = "red"


def _unknown_fitted_attribute(description, arrays):
    description["fitted"]["coefs_"] = []


def _two_of_three_classes(description, arrays):
    arrays[CLASSES_KEY] = arrays[CLASSES_KEY][:2]


def _no_classes(description, arrays):
    del arrays[CLASSES_KEY]


#: each tampering of a 3-class classifier's file, and the reason it is refused
TAMPERINGS = {
    "unknown class": (_unknown_class, "unknown estimator class 'MLP'"),
    "unknown parameter": (_unknown_parameter, "unknown parameters ['colour']"),
    "unknown fitted attribute": (
        _unknown_fitted_attribute,
        "unknown fitted attribute 'coefs_'",
    ),
    "classes of wrong length": (
        _two_of_three_classes,
        f"{CLASSES_KEY} has shape (2,), expected (3,)",
    ),
    "no classes": (_no_classes, "it has no class labels"),
    "regressor description on a softmax network": (
        _as_regressor,
        "a FeedforwardRegressor needs a 'identity' network, not 'softmax'",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERINGS))
def test_tampered_classifier_file_raises_naming_the_file(case, tmp_path):
    X, y = _blobs()
    path = _classifier().fit(X, y).save(tmp_path / "model.npz")
    edit, reason = TAMPERINGS[case]
    _rewrite(path, edit)
    with pytest.raises(ValueError, match=re.escape(reason)) as error:
        ffnn.load(path)
    assert str(path) in str(error.value)


def test_classifier_description_on_an_identity_network_raises(tmp_path):
    X, y = make_regression(60, n_features=4, random_state=0)
    path = _regressor().fit(X, y).save(tmp_path / "model.npz")
    _rewrite(path, _as_classifier)
    reason = "a FeedforwardClassifier needs a 'softmax' network, not 'identity'"
    with pytest.raises(ValueError, match=re.escape(reason)) as error:
        ffnn.load(path)
    assert str(path) in str(error.value)


def test_plain_network_file_still_loads_as_a_network(tmp_path):
    X, _ = ffnn.datasets.make_moons(60, noise=0.2, seed=0)
    net = ffnn.Network.mlp([2, 4, 2], seed=0)
    net.save(tmp_path / "net.npz")
    loaded = ffnn.load(tmp_path / "net.npz")
    assert type(loaded) is ffnn.Network
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))


def _set(part, name, value):
    def edit(description, arrays):
        description[part][name] = value

    return edit


def _labels(value):
    def edit(description, arrays):
        arrays[CLASSES_KEY] = value

    return edit


#: each tampering the loader must catch before it reaches predict or fit, with
#: the words of its error
CHECKED_ON_LOAD = {
    "fitted count is a string": (_set("fitted", "n_iter_", "5"), "n_iter_ is '5'"),
    "fitted count is a bool": (_set("fitted", "t_", True), "t_ is True"),
    "loss curve holds a string": (
        _set("fitted", "loss_curve_", [0.5, "x"]),
        "loss_curve_ is [0.5, 'x'], not a list of numbers",
    ),
    "feature names of the wrong length": (
        _set("fitted", "feature_names_in_", ["a", "b"]),
        "it names 2 features for 4 inputs",
    ),
    "feature names that are no strings": (
        _set("fitted", "feature_names_in_", [1, 2, 3, 4]),
        "feature_names_in_ is [1, 2, 3, 4], not a list of strings",
    ),
    "unknown activation": (
        _set("params", "activation", "evil"),
        "bad parameters (activation must be one of",
    ),
    "negative alpha": (_set("params", "alpha", -1), "bad parameters (alpha"),
    "alpha beyond a float": (_set("params", "alpha", 10**400), "bad parameters"),
    "max_iter a list": (_set("params", "max_iter", [1]), "bad parameters (max_iter"),
    "class_weight with a list as label": (
        _set("params", "class_weight", {"pairs": [[[0], 1.0]]}),
        "class_weight is not a list of [label, weight] pairs",
    ),
    "class_weight with a string as weight": (
        _set("params", "class_weight", {"pairs": [[0, "heavy"]]}),
        "class_weight is not a list of [label, weight] pairs",
    ),
    "classes_object not a bool": (
        lambda description, arrays: description.update(classes_object="yes"),
        "classes_object is 'yes', not a bool",
    ),
    "NaN label": (
        _labels(np.array([0.0, np.nan, 2.0])),
        f"{CLASSES_KEY} holds 1 NaN or infinite values",
    ),
    "complex labels": (
        _labels(np.array([0j, 1j, 2j])),
        f"{CLASSES_KEY} holds complex128 values, not labels",
    ),
}


@pytest.mark.parametrize("case", sorted(CHECKED_ON_LOAD))
def test_tampered_descriptions_are_refused_on_load(case, tmp_path):
    X, y = _blobs()
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    path = _classifier().fit(frame, y).save(tmp_path / "model.npz")
    edit, reason = CHECKED_ON_LOAD[case]
    _rewrite(path, edit)
    with pytest.raises(ValueError, match=re.escape(reason)) as error:
        ffnn.load(path)
    assert str(path) in str(error.value)


def test_object_labels_are_never_unpickled(tmp_path):
    X, y = _blobs()
    path = _classifier().fit(X, y).save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays[CLASSES_KEY] = np.array([{"payload": 1}, None, 2], dtype=object)
    with open(path, "wb") as file:
        np.savez(file, **arrays)  # pickles the object array
    with pytest.raises(ValueError, match="only pickle reads; ffnn never unpickles"):
        ffnn.load(path)


def test_a_hostile_value_makes_a_short_message(tmp_path):
    X, y = _blobs()
    path = _classifier().fit(X, y).save(tmp_path / "model.npz")
    _rewrite(path, _set("params", "solver", "x" * 100_000))
    with pytest.raises(ValueError, match="bad parameters") as error:
        ffnn.load(path)
    assert len(str(error.value)) < 500 + len(str(path))
