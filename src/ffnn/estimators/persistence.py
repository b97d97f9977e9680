"""Fitted estimators in ffnn's model files: the network's arrays, plus the
estimator's parameters and fitted attributes as JSON and its class labels as an
array. No pickle: loading such a file runs no code from it.

The optimizer's state (Adam's moments, SGD's velocity, the rate that
``learning_rate="adaptive"`` has reached) is not stored: a loaded estimator
predicts exactly as the saved one, and ``partial_fit`` or a ``warm_start`` fit
continues from its weights and its count of epochs without improvement, with a
fresh optimizer.

Parameters are stored as JSON, so a few come back in another form:
``random_state`` given as a ``RandomState`` is stored as None (its position in
the stream cannot be), a ``hidden_layer_sizes`` list comes back as a tuple, and
a ``dtype`` given as a type (``np.float32``) as its name (``'float32'``).

:func:`ffnn.load` reads such a file as any model file (bounded, see
:mod:`ffnn.serialization`), then :func:`estimator_from` checks the estimator's
description: its class, every parameter as ``fit`` checks it, every fitted
attribute against its JSON form, and its labels against the network.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.network import Network


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reals(value: Any) -> bool:
    return isinstance(value, list) and all(_real(v) for v in value)


#: the attributes a fitted estimator stores beside its network, each with its
#: JSON form (in words, and its test), which loading checks
_FITTED_FORMS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "n_iter_": ("an integer >= 0", _count),
    "t_": ("an integer >= 0", _count),
    "loss_": ("a number", _real),
    "loss_curve_": ("a list of numbers", _reals),
    "best_loss_": ("a number or null", lambda v: v is None or _real(v)),
    "validation_scores_": (
        "a list of numbers or null",
        lambda v: v is None or _reals(v),
    ),
    "best_validation_score_": ("a number or null", lambda v: v is None or _real(v)),
    "n_outputs_": ("an integer >= 1", lambda v: _count(v) and v >= 1),
    "n_layers_": ("an integer >= 2", lambda v: _count(v) and v >= 2),
    "out_activation_": ("a string", lambda v: isinstance(v, str)),
    "n_features_in_": ("an integer >= 1", lambda v: _count(v) and v >= 1),
    "feature_names_in_": (
        "a list of strings",
        lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
    ),
    "_seed": ("an integer >= 0 or null", lambda v: v is None or _count(v)),
    "_no_improvement_count": ("an integer >= 0", _count),
}
FITTED = tuple(_FITTED_FORMS)
CLASSES_KEY = "estimator_classes"
#: the dtype kinds of class labels a file may hold (bool, integers, floats,
#: strings); floats must be finite
CLASS_KINDS = "biufU"

_short = reprlib.Repr()
_short.maxstring = _short.maxother = _short.maxlong = 60


def _estimator_classes() -> dict[str, type]:
    from ffnn.estimators import FeedforwardClassifier, FeedforwardRegressor

    return {
        "FeedforwardClassifier": FeedforwardClassifier,
        "FeedforwardRegressor": FeedforwardRegressor,
    }


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as Python numbers and lists."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _saved_params(estimator: Any) -> dict[str, Any]:
    params = {}
    for name, value in estimator.get_params().items():
        if name == "random_state" and not (
            value is None or isinstance(value, int | np.integer)
        ):
            value = None  # a RandomState's position cannot be stored
        elif name == "dtype" and value is not None:
            value = np.dtype(value).name  # np.float32 is no JSON value
        elif name == "class_weight" and isinstance(value, dict):
            value = {"pairs": [[_plain(k), _plain(v)] for k, v in value.items()]}
        params[name] = _plain(value)
    return params


def save_estimator(estimator: Any, path: Any) -> Path:
    """Write a fitted estimator to ``path`` (see the module)."""
    from ffnn.serialization import save

    fitted = {
        name: _plain(getattr(estimator, name))
        for name in FITTED
        if hasattr(estimator, name)
    }
    arrays = {}
    classes = getattr(estimator, "classes_", None)
    classes_object = False
    if classes is not None:
        if classes.dtype == object:
            if not all(isinstance(c, str) for c in classes):
                raise TypeError(
                    "class labels mixing Python objects of several types cannot be "
                    "saved; use integers or strings"
                )
            classes, classes_object = classes.astype(str), True
        if classes.dtype.kind not in CLASS_KINDS:
            raise TypeError(f"class labels of dtype {classes.dtype} cannot be saved")
        arrays[CLASSES_KEY] = classes
    metadata = {
        "estimator": {
            "class": type(estimator).__name__,
            "params": _saved_params(estimator),
            "fitted": fitted,
            "classes_object": classes_object,
        }
    }
    return save(estimator.network_, path, metadata, arrays)


def _class_weight(value: Any) -> Any:
    """``class_weight`` as stored (None, a name, or ``{"pairs": [[label,
    weight], …]}``) as the estimator takes it."""
    if not isinstance(value, dict):
        return value  # None or a name: the estimator checks it when it fits
    pairs = value.get("pairs")
    if not isinstance(pairs, list) or not all(
        isinstance(p, list)
        and len(p) == 2
        and isinstance(p[0], str | int | float)
        and _real(p[1])
        for p in pairs
    ):
        raise ValueError("class_weight is not a list of [label, weight] pairs")
    return {label: weight for label, weight in pairs}


def estimator_from(
    description: Any, arrays: dict[str, np.ndarray], net: Network, path: Path
) -> Any:
    """The fitted estimator a model file describes, around its network.

    ``arrays`` are the members :func:`ffnn.load` read and checked (their dtype
    among :data:`CLASS_KINDS` for the labels, their shape ``(n_outputs,)``).
    Every parameter is checked as ``fit`` checks it, and every fitted attribute
    against its JSON form, so that a tampered file fails here with a
    ValueError, not later in ``predict``.
    """

    def fail(reason: str) -> ValueError:
        if len(reason) > 400:  # a hostile value in a message can be long
            reason = reason[:399] + "…"
        return ValueError(f"{path} is not a valid ffnn estimator file: {reason}")

    if not isinstance(description, dict):
        raise fail("its estimator description is not a JSON object")
    classes = _estimator_classes()
    name = description.get("class")
    if not isinstance(name, str) or name not in classes:
        raise fail(f"unknown estimator class {_short.repr(name)}")
    params = description.get("params")
    fitted = description.get("fitted")
    if not isinstance(params, dict) or not isinstance(fitted, dict):
        raise fail("its parameters or fitted attributes are not JSON objects")
    cls = classes[name]
    allowed = set(cls().get_params())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise fail(f"unknown parameters {_short.repr(unknown)}")
    if "class_weight" in params:
        try:
            params["class_weight"] = _class_weight(params["class_weight"])
        except ValueError as error:
            raise fail(str(error)) from None
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    estimator = cls(**params)
    try:
        estimator._check_parameters()
    except (TypeError, ValueError, OverflowError) as error:  # 10**400 overflows
        raise fail(f"bad parameters ({error})") from None
    expected_output = "softmax" if name == "FeedforwardClassifier" else "identity"
    if net.output != expected_output:
        raise fail(f"a {name} needs a {expected_output!r} network, not {net.output!r}")
    for attribute, value in fitted.items():
        if attribute not in _FITTED_FORMS:
            raise fail(f"unknown fitted attribute {_short.repr(attribute)}")
        form, test = _FITTED_FORMS[attribute]
        if not test(value):
            raise fail(f"{attribute} is {_short.repr(value)}, not {form}")
        if attribute == "feature_names_in_":
            if len(value) != net.n_inputs:
                raise fail(f"it names {len(value)} features for {net.n_inputs} inputs")
            value = np.asarray(value, dtype=object)
        setattr(estimator, attribute, value)
    if name == "FeedforwardClassifier":
        if CLASSES_KEY not in arrays:
            raise fail("it has no class labels")
        labels = arrays[CLASSES_KEY]
        if labels.shape != (net.n_outputs,):
            raise fail(
                f"it has {labels.shape} class labels for {net.n_outputs} outputs"
            )
        classes_object = description.get("classes_object", False)
        if not isinstance(classes_object, bool):
            raise fail(f"classes_object is {_short.repr(classes_object)}, not a bool")
        estimator.classes_ = labels.astype(object) if classes_object else labels.copy()
    if estimator.solver != "lbfgs" and not hasattr(estimator, "_no_improvement_count"):
        # the stopping rule's counter, which the stochastic solvers read on
        # their next epoch
        estimator._no_improvement_count = 0
    estimator.network_ = net
    estimator._optimizer = None
    if getattr(estimator, "n_features_in_", net.n_inputs) != net.n_inputs:
        raise fail("n_features_in_ disagrees with the network's inputs")
    return estimator
