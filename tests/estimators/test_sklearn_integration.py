"""The estimators inside scikit-learn's tools: pipelines, grid search, cross
validation, pandas input, label types, clone, pickle and joblib, parameters."""

import inspect
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs, make_regression
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ffnn import FeedforwardClassifier, FeedforwardRegressor

# the short fits below stop at max_iter on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: ffnn's parameters beyond MLPClassifier's and MLPRegressor's
FFNN_PARAMS = {"init", "dropout", "dtype", "engine"}


def _classification(n_samples=150, centers=3, seed=0):
    """Well separated blobs in 4 features, ``y`` in 0..centers-1."""
    return make_blobs(
        n_samples, n_features=4, centers=centers, cluster_std=1.0, random_state=seed
    )


def _regression(n_samples=150, n_targets=1, seed=0):
    X, y = make_regression(
        n_samples, n_features=4, n_targets=n_targets, noise=0.1, random_state=seed
    )
    return X, y / np.std(y)  # targets of unit scale, learnt in a few epochs


def _estimator(kind, **params):
    """A small, fast estimator of ``kind`` ('classifier' or 'regressor')."""
    cls = FeedforwardClassifier if kind == "classifier" else FeedforwardRegressor
    defaults = {
        "hidden_layer_sizes": (8,),
        "learning_rate_init": 0.03,
        "max_iter": 40,
        "random_state": 0,
    }
    return cls(**{**defaults, **params})


def _data(kind):
    return _classification() if kind == "classifier" else _regression()


KINDS = ["classifier", "regressor"]


# ---------------------------------------------------------------- pipelines
@pytest.mark.parametrize("kind", KINDS)
def test_pipeline_is_the_estimator_on_scaled_data(kind):
    X, y = _data(kind)
    pipe = make_pipeline(StandardScaler(), _estimator(kind)).fit(X, y)
    scaler = StandardScaler().fit(X)
    alone = _estimator(kind).fit(scaler.transform(X), y)
    assert np.array_equal(pipe.predict(X), alone.predict(scaler.transform(X)))
    assert pipe.score(X, y) == alone.score(scaler.transform(X), y)
    assert pipe.score(X, y) > 0.8  # accuracy or R² on an easy problem


@pytest.mark.parametrize("kind", KINDS)
def test_grid_search_in_two_processes_matches_one(kind):
    X, y = _data(kind)
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]}
    searches = [
        GridSearchCV(_estimator(kind, max_iter=20), grid, cv=3, n_jobs=n_jobs).fit(X, y)
        for n_jobs in (1, 2)
    ]
    serial, parallel = (s.cv_results_ for s in searches)
    assert len(parallel["params"]) == 4
    assert np.isfinite(parallel["mean_test_score"]).all()
    assert np.array_equal(serial["mean_test_score"], parallel["mean_test_score"])
    best = searches[1]
    refit = _estimator(kind, max_iter=20).set_params(**best.best_params_).fit(X, y)
    assert np.array_equal(best.predict(X), refit.predict(X))


@pytest.mark.parametrize("kind", KINDS)
def test_cross_val_score_is_the_loop_it_stands_for(kind):
    X, y = _data(kind)
    est = _estimator(kind, max_iter=20)
    scores = cross_val_score(est, X, y, cv=3)
    # cross_val_score's default splitters for an int cv
    folds = StratifiedKFold(3) if kind == "classifier" else KFold(3)
    expected = [
        clone(est).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in folds.split(X, y)
    ]
    assert scores.tolist() == expected


# -------------------------------------------------------------------- pandas
@pytest.mark.parametrize("kind", KINDS)
def test_dataframe_input_records_and_checks_feature_names(kind):
    X, y = _data(kind)
    columns = ["a", "b", "c", "d"]
    frame = pd.DataFrame(X, columns=columns)
    est = _estimator(kind).fit(frame, pd.Series(y, name="target"))
    assert est.feature_names_in_.tolist() == columns
    assert est.feature_names_in_.dtype == object
    assert est.n_features_in_ == 4
    expected = _estimator(kind).fit(X, y).predict(X)
    assert np.array_equal(est.predict(frame), expected)

    # the same as scikit-learn's own estimators: other names or another order
    # are an error, no names at all a warning
    renamed = frame.rename(columns={"a": "z"})
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(renamed)
    with pytest.raises(ValueError, match="must be in the same order"):
        est.predict(frame[columns[::-1]])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X)


@pytest.mark.parametrize("kind", KINDS)
def test_dataframe_at_predict_after_fitting_without_names_warns(kind):
    X, y = _data(kind)
    est = _estimator(kind).fit(X, y)
    assert not hasattr(est, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names"):
        est.predict(pd.DataFrame(X, columns=["a", "b", "c", "d"]))


def test_series_of_strings_target():
    X, y = _classification()
    labels = pd.Series(np.array(["red", "green", "blue"])[y], name="colour")
    est = _estimator("classifier").fit(pd.DataFrame(X), labels)
    assert est.classes_.tolist() == ["blue", "green", "red"]
    assert set(est.predict(pd.DataFrame(X))) <= {"blue", "green", "red"}


def test_regressor_single_column_frame_target_is_raveled_with_a_warning():
    X, y = _regression()
    with pytest.warns(DataConversionWarning, match="1d array"):
        est = _estimator("regressor").fit(X, pd.DataFrame({"target": y}))
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (len(X),)


# -------------------------------------------------------------------- labels
LABELS = {
    "strings-binary": np.array(["no", "yes"]),
    "strings": np.array(["cat", "dog", "emu"]),
    "negative-ints-binary": np.array([-3, -1]),
    "negative-ints": np.array([-5, 0, 7]),
    "floats-binary": np.array([0.0, 1.0]),
    "floats": np.array([-1.0, 2.0, 5.0]),
}


@pytest.mark.parametrize("name", sorted(LABELS))
def test_labels_come_back_as_given(name):
    labels = LABELS[name]
    X, y = _classification(centers=len(labels))
    y_labels = labels[y]  # labels[i] is centre i's
    est = _estimator("classifier").fit(X, y_labels)
    assert np.array_equal(est.classes_, np.sort(labels))
    assert est.classes_.dtype == labels.dtype
    assert est.n_outputs_ == (1 if len(labels) == 2 else len(labels))

    predicted = est.predict(X)
    assert predicted.dtype == labels.dtype
    assert np.mean(predicted == y_labels) > 0.9
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.array_equal(est.classes_[np.argmax(proba, axis=1)], predicted)
    # column k belongs to classes_[k]: on the samples of each class its own
    # column holds most of the probability
    for k, label in enumerate(est.classes_):
        assert proba[y_labels == label, k].mean() > 0.5
    np.testing.assert_allclose(
        est.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12
    )


def test_non_integral_float_labels_are_refused_as_scikit_learn_does():
    X, y = _classification()
    y_float = np.array([0.5, 1.5, 2.25])[y]
    for est in (_estimator("classifier"), MLPClassifier()):
        with pytest.raises(ValueError, match="Unknown label type"):
            est.fit(X, y_float)


def test_multilabel_indicator_targets_are_refused():
    # documented as unsupported (MLPClassifier supports them)
    X, y = _classification()
    indicator = np.stack([y == 0, y != 1], axis=1).astype(int)  # (n, 2)
    with pytest.raises(ValueError, match=r"1d array|multilabel"):
        _estimator("classifier").fit(X, indicator)


# ------------------------------------------------------------- multi-output
def test_multi_output_regression_predicts_every_output():
    X, Y = _regression(n_targets=3)
    est = _estimator("regressor").fit(X, Y)
    assert est.n_outputs_ == 3
    assert est.predict(X).shape == (len(X), 3)
    assert est.coefs_[-1].shape == (8, 3)
    assert est.score(X, Y) > 0.8  # a near-linear problem


# ------------------------------------------------------ clone and parameters
NON_DEFAULT = {
    "classifier": {"class_weight": "balanced"},
    "regressor": {},
}


@pytest.mark.parametrize("kind", KINDS)
def test_clone_is_unfitted_with_equal_params(kind):
    X, y = _data(kind)
    est = _estimator(
        kind,
        hidden_layer_sizes=(7, 3),
        alpha=0.01,
        init="he_normal",
        dropout=0.1,
        dtype="float32",
        **NON_DEFAULT[kind],
    ).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert type(copy) is type(est)
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    with pytest.raises(NotFittedError):
        copy.predict(X)
    # fitting the clone from the same seed gives the same network
    assert np.array_equal(copy.fit(X, y).predict(X), est.predict(X))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trips_predict_the_same(kind, how, tmp_path):
    X, y = _data(kind)
    est = _estimator(kind).fit(X, y)
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "est.joblib")
        loaded = joblib.load(tmp_path / "est.joblib")
    assert loaded is not est
    assert loaded.get_params() == est.get_params()
    assert np.array_equal(loaded.predict(X), est.predict(X))
    if kind == "classifier":
        assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
        assert np.array_equal(loaded.classes_, est.classes_)


@pytest.mark.parametrize(
    ("ours", "theirs", "extra"),
    [
        (FeedforwardClassifier, MLPClassifier, FFNN_PARAMS | {"class_weight"}),
        (FeedforwardRegressor, MLPRegressor, FFNN_PARAMS),
    ],
)
def test_params_are_scikit_learns_plus_ffnns(ours, theirs, extra):
    ffnn_params = ours().get_params()
    sklearn_params = theirs().get_params()
    assert set(ffnn_params) == set(sklearn_params) | extra
    # the same defaults, and the same parameters may be given by position
    assert {name: ffnn_params[name] for name in sklearn_params} == sklearn_params

    def positional(cls):
        return [
            p.name
            for p in inspect.signature(cls).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]

    assert positional(ours) == positional(theirs)


@pytest.mark.parametrize("kind", KINDS)
def test_set_params_changes_what_fit_builds(kind):
    X, y = _data(kind)
    est = _estimator(kind)
    assert est.set_params(hidden_layer_sizes=(5, 3), alpha=0.5) is est
    assert est.get_params()["hidden_layer_sizes"] == (5, 3)
    assert est.get_params()["alpha"] == 0.5
    est.fit(X, y)
    assert [W.shape[1] for W in est.coefs_[:-1]] == [5, 3]
    assert est.n_layers_ == 4
    with pytest.raises(ValueError, match="Invalid parameter 'colour'"):
        est.set_params(colour="red")


def test_pipeline_params_reach_the_estimator():
    X, y = _classification()
    pipe = make_pipeline(StandardScaler(), _estimator("classifier"))
    pipe.set_params(feedforwardclassifier__hidden_layer_sizes=(6,))
    pipe.fit(X, y)
    assert pipe[-1].coefs_[0].shape == (4, 6)


# ------------------------------------- the whole toolchain on a DataFrame with labels
def test_pipeline_grid_search_and_cross_validation_on_a_dataframe_with_string_labels():
    """What a practitioner does: a DataFrame of named features and string labels
    through a pipeline, a grid search on two processes and cross-validation."""
    X, y = _classification(n_samples=120)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = pd.Series(np.array(["setosa", "versicolor", "virginica"])[y])
    model = make_pipeline(StandardScaler(), _estimator("classifier"))
    search = GridSearchCV(
        model, {"feedforwardclassifier__alpha": [1e-4, 1e-2]}, cv=3, n_jobs=2
    ).fit(frame, labels)
    best = search.best_estimator_
    assert list(best[-1].classes_) == ["setosa", "versicolor", "virginica"]
    assert list(best.feature_names_in_) == ["a", "b", "c", "d"]  # the pipeline's
    assert set(best.predict(frame)) <= set(labels)
    assert search.best_score_ > 0.9
    scores = cross_val_score(model, frame, labels, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    regression = make_pipeline(StandardScaler(), _estimator("regressor"))
    X_r, y_r = _regression(n_samples=90)
    frame_r = pd.DataFrame(X_r, columns=["p", "q", "r", "s"])
    assert cross_val_score(regression, frame_r, pd.Series(y_r), cv=3).min() > 0.5
