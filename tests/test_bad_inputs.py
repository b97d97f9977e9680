# ruff: noqa: E501  (a table of cases, one a line)
"""Bad input at every entry point: each case is one call, the error type it must
raise and a fragment of the message, which names the argument and the problem.

The cases read one a line: ``(call, error, message)``, with the case's id in the
table's ``ids``. The estimators' bad parameters (every one) are also checked in
``tests/estimators/test_training.py``; the CLI's in ``tests/cli``. ``train()``
checks its own arguments like every other entry point.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.exceptions import NotFittedError

import ffnn
from ffnn import (
    SGD,
    Adam,
    Constant,
    Dense,
    Dropout,
    EarlyStopping,
    ExponentialDecay,
    LeakyReLU,
    Network,
    RMSProp,
    StepDecay,
    datasets,
)
from ffnn.losses import NonFiniteOutputError
from ffnn.optimizers import get_optimizer
from ffnn.schedules import InverseScaling, get_schedule

RNG = np.random.default_rng(0)
X = RNG.standard_normal((12, 2))
Y = np.arange(12) % 2
VALUES = RNG.standard_normal(12)
RAGGED = [[0.1, 0.2], [0.3]]
HUGE = np.array([[0.5, 0.5], [1e308, 1e308]])  # the second row overflows Z = X W


def _net(**kwargs) -> Network:
    return Network.mlp([2, 3, 2], seed=0, **kwargs)


def _regressor() -> Network:
    return Network.mlp([2, 3, 1], seed=0, output="identity")


def _overflowing() -> Network:
    """``Z = [x1 + x2, x1 − x2]``: a row of two 1e308 overflows to inf."""
    net = Network([Dense(2, 2)])
    net.weights = [np.array([[1.0, 1.0], [1.0, -1.0]])]
    return net


def _fit(kind: str = "classifier", X=X, y=None, **params):
    """Fit a tiny estimator (2 epochs: it warns it has not converged)."""
    cls = (
        ffnn.FeedforwardClassifier
        if kind == "classifier"
        else ffnn.FeedforwardRegressor
    )
    y = (Y if kind == "classifier" else VALUES) if y is None else y
    params = {"hidden_layer_sizes": (3,), "max_iter": 2, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(**params).fit(X, y)


def _fitted(kind: str = "classifier", **params):
    return _fit(kind, **params)


# fmt: off
CASES = {
    # Network.mlp: every argument
    "mlp sizes not a list": (lambda: Network.mlp(5), TypeError, "sizes must be a list of layer sizes"),
    "mlp sizes a string": (lambda: Network.mlp("232"), TypeError, "sizes must be a list of layer sizes"),
    "mlp size zero": (lambda: Network.mlp([2, 0, 2]), ValueError, r"sizes\[1\] must be >= 1, got 0"),
    "mlp size float": (lambda: Network.mlp([2, 2.5, 2]), TypeError, r"sizes\[1\] must be an integer, got 2.5"),
    "mlp one size": (lambda: Network.mlp([2]), ValueError, "sizes needs at least input and output sizes"),
    "mlp softmax of one unit": (lambda: Network.mlp([2, 3, 1]), ValueError, "softmax output needs at least 2 units"),
    "mlp unknown activation": (lambda: _net(activation="swish"), ValueError, "unknown activation 'swish'; valid names are"),
    "mlp activation not a name": (lambda: _net(activation=5), TypeError, r"activation must be given by name \(a str\)"),
    "mlp activation count": (lambda: _net(activation=["tanh", "relu"]), ValueError, "activation lists 2 values but the network has 1"),
    "mlp unused bad activation": (lambda: Network.mlp([2, 2], activation="swish"), ValueError, "unknown activation 'swish'"),
    "mlp unknown init": (lambda: _net(init="ones"), ValueError, "unknown initializer 'ones'"),
    "mlp dropout of 1": (lambda: _net(dropout=1.0), ValueError, r"dropout must be in \[0, 1\), got 1.0"),
    "mlp dropout a string": (lambda: _net(dropout="0.5"), TypeError, "dropout must be a number, got '0.5'"),
    "mlp dropout NaN": (lambda: _net(dropout=float("nan")), ValueError, r"dropout must be in \[0, 1\), got nan"),
    "mlp seed a string": (lambda: Network.mlp([2, 3, 2], seed="abc"), TypeError, "seed must be an int >= 0 or None, got 'abc'"),
    "mlp seed negative": (lambda: Network.mlp([2, 3, 2], seed=-1), ValueError, "seed must be an int >= 0, got -1"),
    "mlp seed a bool": (lambda: Network.mlp([2, 3, 2], seed=True), TypeError, "seed must be an int >= 0 or None, got True"),
    "mlp dtype int32": (lambda: _net(dtype="int32"), ValueError, "dtype must be 'float64' or 'float32', got 'int32'"),
    "mlp dtype nonsense": (lambda: _net(dtype="bogus"), TypeError, "dtype must be 'float64' or 'float32'"),
    "mlp unknown output": (lambda: _net(output="sigmoid"), ValueError, "unknown output 'sigmoid'; valid names are: identity, softmax"),
    # Network(...) and its layers
    "Network of one layer": (lambda: Network(Dense(2, 2)), TypeError, "layers must be a list of ffnn Layers, got Dense"),
    "Network of None": (lambda: Network(None), TypeError, "layers must be a list of ffnn Layers, got NoneType"),
    "Network empty": (lambda: Network([]), ValueError, "a Network needs at least one layer"),
    "Network of a name": (lambda: Network([Dense(2, 2), "tanh"]), TypeError, "layer 1 is str, not an ffnn Layer"),
    "Network mismatched": (lambda: Network([Dense(2, 3), Dense(2, 2)]), ValueError, "expects 2 inputs but receives 3"),
    "Network seed": (lambda: Network([Dense(2, 2)], seed=2.5), TypeError, "seed must be an int >= 0 or None, got 2.5"),
    "Dense n_in zero": (lambda: Dense(0, 2), ValueError, "n_in must be >= 1, got 0"),
    "Dense n_out a string": (lambda: Dense(2, "3"), TypeError, "n_out must be an integer, got '3'"),
    "Dense rng a seed": (lambda: Dense(2, 2, rng=5), TypeError, "rng must be a numpy.random.Generator"),
    "Dropout rate 1": (lambda: Dropout(1.0), ValueError, r"dropout rate must be in \[0, 1\)"),
    "LeakyReLU slope a string": (lambda: LeakyReLU("0.1"), TypeError, "negative_slope must be a number"),
    "LeakyReLU slope 1": (lambda: LeakyReLU(1.0), ValueError, r"negative_slope must be in \[0, 1\)"),
    "weights with NaN": (lambda: setattr(_net(), "weights", [np.full((2, 3), np.nan), np.ones((3, 2))]), ValueError, r"weights\[0\] contains NaN"),
    "weights transposed": (lambda: setattr(_net(), "weights", [np.ones((3, 2)), np.ones((3, 2))]), ValueError, r"weights\[0\] must have shape \(2, 3\)"),
    "parameters ragged": (lambda: _net().set_parameters([RAGGED, 0, 0, 0]), ValueError, r"parameters\[0\] is ragged"),
    # optimizers: learning rates (schedules included), momentum, betas, epsilon, fused
    "SGD learning rate 0": (lambda: SGD(0.0), ValueError, "learning_rate must be a finite number > 0, got 0.0"),
    "SGD learning rate inf": (lambda: SGD(float("inf")), ValueError, "learning_rate must be a finite number > 0, got inf"),
    "SGD learning rate a function": (lambda: SGD(lambda epoch: 0.1), TypeError, "learning_rate must be a number or an ffnn Schedule"),
    "SGD learning rate None": (lambda: SGD(None), TypeError, "learning_rate must be a number, got None"),
    "SGD momentum 1": (lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\), got 1.0"),
    "SGD momentum a string": (lambda: SGD(0.1, momentum="0.9"), TypeError, "momentum must be a number"),
    "SGD nesterov a string": (lambda: SGD(0.1, momentum=0.9, nesterov="yes"), TypeError, "nesterov must be True or False, got 'yes'"),
    "SGD nesterov without momentum": (lambda: SGD(0.1, nesterov=True), ValueError, "nesterov=True needs a momentum > 0"),
    "SGD fused a string": (lambda: SGD(0.1, fused="auto"), TypeError, "fused must be True, False or None, got 'auto'"),
    "Adam beta1 1": (lambda: Adam(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
    "Adam beta2 a string": (lambda: Adam(beta2="0.999"), TypeError, "beta2 must be a number, got '0.999'"),
    "Adam epsilon 0": (lambda: Adam(epsilon=0.0), ValueError, "epsilon must be a finite number > 0"),
    "Adam epsilon_hat 1": (lambda: Adam(epsilon_hat=1), TypeError, "epsilon_hat must be True or False, got 1"),
    "Adam schedule of 0": (lambda: Adam(StepDecay(0.0)), ValueError, "learning_rate must be a finite number > 0"),
    "RMSProp rho NaN": (lambda: RMSProp(rho=float("nan")), ValueError, r"rho must be in \[0, 1\), got nan"),
    "RMSProp rho a bool": (lambda: RMSProp(rho=True), TypeError, "rho must be a number, got True"),
    "unknown optimizer": (lambda: get_optimizer("lbfgs"), ValueError, "unknown optimizer 'lbfgs'; valid names are: adam, rmsprop, sgd"),
    # schedules: every parameter, and the epoch they are called with
    "Constant a string": (lambda: Constant("0.1"), TypeError, "learning_rate must be a number, got '0.1'"),
    "StepDecay drop 2": (lambda: StepDecay(0.1, drop=2.0), ValueError, r"drop must be in \(0, 1\], a factor that decays"),
    "StepDecay every 0": (lambda: StepDecay(0.1, every=0), ValueError, "every must be >= 1, got 0"),
    "StepDecay every float": (lambda: StepDecay(0.1, every=2.5), TypeError, "every must be an integer, got 2.5"),
    "ExponentialDecay rate 1e6": (lambda: ExponentialDecay(0.1, rate=1e6), ValueError, r"rate must be in \(0, 1\]"),
    "ExponentialDecay rate 0": (lambda: ExponentialDecay(0.1, rate=0.0), ValueError, "rate must be a finite number > 0"),
    "InverseScaling power_t negative": (lambda: InverseScaling(0.1, power_t=-0.5), ValueError, "power_t must be a finite number >= 0"),
    "InverseScaling samples_per_epoch 0": (lambda: InverseScaling(0.1, samples_per_epoch=0), ValueError, "samples_per_epoch must be >= 1"),
    "InverseScaling samples_seen negative": (lambda: InverseScaling(0.1, samples_seen=-1), ValueError, "samples_seen must be >= 0"),
    "schedule epoch negative": (lambda: StepDecay(0.1)(-1), ValueError, "epoch must be >= 0, got -1"),
    "schedule epoch float": (lambda: ExponentialDecay(0.1)(1.5), TypeError, "epoch must be an integer, got 1.5"),
    "unknown schedule": (lambda: get_schedule("cosine", 0.1), ValueError, "unknown schedule 'cosine'"),
    # callbacks
    "EarlyStopping patience 0": (lambda: EarlyStopping(patience=0), ValueError, "patience must be >= 1, got 0"),
    "EarlyStopping patience float": (lambda: EarlyStopping(patience=2.5), TypeError, "patience must be an integer"),
    "EarlyStopping min_delta negative": (lambda: EarlyStopping(min_delta=-1.0), ValueError, "min_delta must be a finite number >= 0"),
    "EarlyStopping monitor": (lambda: EarlyStopping(monitor="accuracy"), ValueError, "monitor must be 'val_loss' or 'loss', got 'accuracy'"),
    # predict, predict_proba, loss, score: their inputs
    "predict ragged X": (lambda: _net().predict(RAGGED), ValueError, "X is ragged: row 0 has 2 values but row 1 has 1"),
    "predict_proba ragged X": (lambda: _net().predict_proba(RAGGED), ValueError, "X is ragged: row 0 has 2 values"),
    "predict X of None": (lambda: _net().predict(None), TypeError, r"X must be an array of shape \(n_samples, n_features\), got None"),
    "predict 1-D X": (lambda: _net().predict([0.1, 0.2]), ValueError, r"X must be 2-D with shape \(n_samples, n_features\), got shape \(2,\)"),
    "predict empty X": (lambda: _net().predict(np.empty((0, 2))), ValueError, "X has no samples"),
    "predict wrong features": (lambda: _net().predict(np.ones((2, 3))), ValueError, "X has 3 features per sample but the network expects 2"),
    "predict strings": (lambda: _net().predict([["a", "b"]]), TypeError, "X must hold numbers, got an array of dtype <U1"),
    "predict complex": (lambda: _net().predict(np.ones((1, 2)) * 1j), TypeError, "X must hold real numbers"),
    "predict NaN": (lambda: _net().predict([[0.0, np.nan]]), ValueError, r"X contains 1 NaN or infinite value\(s\) in rows \[0\]"),
    "predict sparse": (lambda: _net().predict(scipy.sparse.csr_matrix(np.ones((2, 2)))), TypeError, r"X is a sparse matrix .*X.toarray\(\)"),
    "predict beyond float32": (lambda: _net(dtype="float32").predict([[1e39, 0.0]]), ValueError, "X has 1 value\\(s\\) beyond float32's range"),
    "predict_proba overflow": (lambda: _overflowing().predict_proba(HUGE), NonFiniteOutputError, r"overflowed to inf or NaN in float64 for 1 of 2 input row\(s\): rows \[1\]"),
    "predict overflow": (lambda: _overflowing().predict(HUGE), FloatingPointError, r"rows \[1\]"),
    "loss overflow": (lambda: _overflowing().loss(HUGE, [0, 1]), ValueError, "overflowed to inf or NaN"),
    "predict_proba of a regressor": (lambda: _regressor().predict_proba(X), ValueError, r"predict_proba needs a classifier \(output='softmax'\)"),
    "loss ragged y": (lambda: _net().loss(X[:2], [[0], [0, 1]]), ValueError, "y is ragged"),
    "loss y of None": (lambda: _net().loss(X, None), TypeError, "y must be an array of class labels, one per sample, got None"),
    "loss y too short": (lambda: _net().loss(X, Y[:5]), ValueError, "X has 12 samples but y has 5 labels"),
    "loss unknown label": (lambda: _net().loss(X, Y + 3), ValueError, r"y contains labels the network has no output for: \[3, 4\]"),
    "loss 2-D labels": (lambda: _net().loss(X, np.ones((12, 2))), ValueError, "y must be a 1-D array of class labels"),
    "score float labels": (lambda: _net().score(X, Y + 0.5), ValueError, "y must hold class labels; got non-integer floats"),
    "regressor loss ragged y": (lambda: _regressor().loss(X[:2], [[0.5], [1.0, 2.0]]), ValueError, "y is ragged"),
    "regressor loss strings": (lambda: _regressor().loss(X, ["a"] * 12), TypeError, "y must hold numbers for a network with an identity output"),
    "regressor r2 wrong width": (lambda: _regressor().r2(X, np.ones((12, 2))), ValueError, r"y has 2 target value\(s\) per sample but the network has 1"),
    # gradcheck
    "gradcheck of None": (lambda: ffnn.gradcheck(None, X, Y), TypeError, "net must be an ffnn Network, got NoneType"),
    "gradcheck epsilon 1": (lambda: ffnn.gradcheck(_net(), X, Y, epsilon=1.0), ValueError, r"epsilon must be a small step in \(0, 1\)"),
    "gradcheck epsilon 0": (lambda: ffnn.gradcheck(_net(), X, Y, epsilon=0.0), ValueError, "epsilon must be a finite number > 0"),
    "gradcheck reduction": (lambda: ffnn.gradcheck(_net(), X, Y, reduction="max"), ValueError, "unknown reduction 'max'; valid names are: mean, sum"),
    "gradcheck alpha negative": (lambda: ffnn.gradcheck(_net(), X, Y, alpha=-1.0), ValueError, "alpha must be a finite number >= 0"),
    "gradcheck ragged X": (lambda: ffnn.gradcheck(_net(), RAGGED, [0, 1]), ValueError, "X is ragged"),
    "gradcheck weights": (lambda: ffnn.gradcheck(_net(), X, Y, sample_weight=-np.ones(12)), ValueError, "sample_weight must be >= 0"),
    # evaluate, and the data train() takes (its own arguments: TRAIN_CASES)
    "evaluate ragged X": (lambda: ffnn.evaluate(_net(), RAGGED, [0, 1]), ValueError, "X is ragged"),
    "evaluate unknown label": (lambda: ffnn.evaluate(_net(), X, Y + 3), ValueError, "no output for"),
    "train ragged X": (lambda: ffnn.train(_net(), RAGGED, [0, 1], epochs=1), ValueError, "X is ragged: row 0 has 2 values but row 1 has 1"),
    "train one class": (lambda: ffnn.train(_net(), X, np.zeros(12, dtype=int), epochs=1), ValueError, r"y has one class only \(0\)"),
    "train one string class": (lambda: ffnn.train(_net(), X, ["cat"] * 12, epochs=1), ValueError, r"y has one class only \('cat'\)"),
    "train batch_size a bool": (lambda: ffnn.train(_net(), X, Y, batch_size=True), TypeError, "batch_size must be an integer, got True"),
    "train class_weight of a regressor": (lambda: ffnn.train(_regressor(), X, VALUES, class_weight="balanced"), ValueError, "class_weight weighs classes"),
    "train ragged sample_weight": (lambda: ffnn.train(_net(), X, Y, sample_weight=[[1.0], [1.0, 2.0]]), ValueError, "sample_weight is ragged"),
    # the data-set generators
    "make_moons seed a string": (lambda: datasets.make_moons(seed="abc"), TypeError, "seed must be an int >= 0 or None, got 'abc'"),
    "make_circles seed too big": (lambda: datasets.make_circles(seed=2**32), ValueError, r"seed must be an int in \[0, 4294967295\]"),
    "make_circles factor 1": (lambda: datasets.make_circles(factor=1.0), ValueError, r"factor must be in \[0, 1\), got 1.0"),
    "make_xor seed float": (lambda: datasets.make_xor(seed=0.5), TypeError, "seed must be an int >= 0 or None, got 0.5"),
    "make_spiral one class": (lambda: datasets.make_spiral(n_classes=1), ValueError, "n_classes must be >= 2, got 1"),
    "make_spiral n_samples float": (lambda: datasets.make_spiral(10.5), TypeError, "n_samples must be an integer, got 10.5"),
    "make_friedman1 seed negative": (lambda: datasets.make_friedman1(seed=-3), ValueError, r"seed must be an int in \[0, 4294967295\], got -3"),
    "make_friedman1 noise negative": (lambda: datasets.make_friedman1(noise=-1.0), ValueError, "noise must be a finite number >= 0, got -1.0"),
    "load_dataset unknown": (lambda: datasets.load_dataset("iris"), ValueError, "unknown dataset 'iris'; valid names are"),
    # the estimators: parameters, data and predictions
    "classifier ragged X": (lambda: _fit(X=RAGGED, y=[0, 1]), ValueError, "X is ragged: row 0 has 2 values but row 1 has 1"),
    "classifier ragged y": (lambda: _fit(y=[[0], [0, 1], *Y[2:]]), ValueError, "y is ragged"),
    "classifier one class": (lambda: _fit(y=np.ones(12)), ValueError, r"y has one class only \(1.0\)"),
    "classifier random_state a string": (lambda: _fit(random_state="abc"), TypeError, "random_state must be None, an int or a numpy.random.RandomState"),
    "classifier random_state negative": (lambda: _fit(random_state=-1), ValueError, r"random_state must be in \[0, 2\*\*32 - 1\], got -1"),
    "classifier hidden size 0": (lambda: _fit(hidden_layer_sizes=(3, 0)), ValueError, "hidden_layer_sizes must be > 0"),
    "classifier solver": (lambda: _fit(solver="newton"), ValueError, "solver must be one of 'sgd', 'adam', 'lbfgs'; got 'newton'"),
    "classifier class_weight label": (lambda: _fit(class_weight={7: 2.0}), ValueError, r"class_weight names labels that are not in the classes: \[7\]"),
    "classifier lbfgs dropout": (lambda: _fit(solver="lbfgs", dropout=0.5), ValueError, "solver='lbfgs' needs the same objective at every step"),
    "classifier unfitted": (lambda: ffnn.FeedforwardClassifier().predict(X), NotFittedError, "is not fitted yet"),
    "classifier predict features": (lambda: _fitted().predict(np.ones((2, 5))), ValueError, "X has 5 features, but FeedforwardClassifier is expecting 2"),
    "classifier predict ragged": (lambda: _fitted().predict_proba(RAGGED), ValueError, "X is ragged"),
    "classifier predict beyond float32": (lambda: _fitted(dtype="float32").predict([[1e39, 0.0]]), ValueError, "beyond float32's range"),
    "classifier partial_fit classes": (lambda: ffnn.FeedforwardClassifier().partial_fit(X, Y), ValueError, "classes must be passed on the first call to partial_fit"),
    "regressor loss name": (lambda: _fit("regressor", loss="huber"), ValueError, "loss must be 'squared_error'"),
    "regressor strings": (lambda: _fit("regressor", y=["a"] * 12), TypeError, "y must hold numbers"),
    "regressor ragged y": (lambda: _fit("regressor", y=[[0.5], [0.5, 1.0], *VALUES[2:]]), ValueError, "y is ragged"),
    "regressor predict ragged": (lambda: _fitted("regressor").predict(RAGGED), ValueError, "X is ragged"),
}
# fmt: on


@pytest.mark.parametrize(("call", "error", "match"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_there_are_at_least_forty_distinct_cases():
    assert len(CASES) >= 40
    assert len({match for _, _, match in CASES.values()}) >= 40


# ------------------------------------------------------- train()'s own arguments

# fmt: off
TRAIN_CASES = {
    "callbacks None": ({"callbacks": None}, TypeError, "callbacks must be a list of ffnn Callbacks"),
    "callbacks a callback": ({"callbacks": EarlyStopping(monitor="loss")}, TypeError, "callbacks must be a list of ffnn Callbacks"),
    "callbacks of a string": ({"callbacks": ["early"]}, TypeError, r"callbacks\[0\] is str, not an ffnn Callback"),
    "validation_data an array": ({"validation_data": X}, TypeError, r"validation_data must be a pair \(X_val, y_val\)"),
    "validation_data of one": ({"validation_data": (X,)}, TypeError, r"validation_data must be a pair \(X_val, y_val\)"),
    "validation_data features": ({"validation_data": (np.ones((3, 5)), [0, 1, 0])}, ValueError, "X_val has 5 features"),
    "seed a string": ({"seed": "abc"}, TypeError, "seed must be an int >= 0 or None, got 'abc'"),
    "seed negative": ({"seed": -1}, ValueError, "seed must be an int >= 0, got -1"),
    "seed a float": ({"seed": 1.5}, TypeError, "seed must be an int >= 0 or None, got 1.5"),
    "shuffle a string": ({"shuffle": "yes"}, TypeError, "shuffle must be True or False, got 'yes'"),
}
# fmt: on


def _train(**kwargs):
    return ffnn.train(_net(), X, Y, epochs=1, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"), TRAIN_CASES.values(), ids=TRAIN_CASES.keys()
)
def test_train_refuses_its_own_bad_arguments_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        _train(**kwargs)


def test_evaluate_refuses_a_non_network_by_name():
    with pytest.raises(TypeError, match="net must be an ffnn Network, got NoneType"):
        ffnn.evaluate(None, X, Y)


def test_early_stopping_restore_best_weights_is_a_bool():
    with pytest.raises(TypeError, match="restore_best_weights must be True or False"):
        EarlyStopping(restore_best_weights="yes")


@pytest.mark.filterwarnings("error::RuntimeWarning")  # refused, not warned about
def test_evaluate_refuses_outputs_that_overflow():
    with pytest.raises(NonFiniteOutputError, match=r"rows \[1\]"):
        ffnn.evaluate(_overflowing(), HUGE, [0, 1])


# ------------------------------------------------------------- the command line
def _model(tmp_path) -> str:
    path = tmp_path / "model.npz"
    _overflowing().save(path)
    return str(path)


# fmt: off
CLI_CASES = {
    "predict huge inputs": ("0.5,0.5\n1e308,1e308\n", "overflow"),
    "predict a row too short": ("0.5,0.5\n0.5\n", "2 has 1 values"),
    "predict text in a row": ("0.5,0.5\n0.5,abc\n", "'abc'"),
}
# fmt: on


@pytest.mark.parametrize(("csv", "match"), CLI_CASES.values(), ids=CLI_CASES.keys())
def test_the_cli_refuses_bad_data_with_status_2(tmp_path, capsys, csv, match):
    from ffnn.cli import main

    data = tmp_path / "points.csv"
    data.write_text(csv)
    assert main(["predict", _model(tmp_path), str(data)]) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert match in " ".join(error.split())  # rich may wrap the line
