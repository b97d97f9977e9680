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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ffnn.network import Network

#: the attributes a fitted estimator stores, beside its network
FITTED = (
    "n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
    "best_validation_score_", "n_outputs_", "n_layers_", "out_activation_",
    "n_features_in_", "feature_names_in_", "_seed", "_no_improvement_count",
)  # fmt: skip
CLASSES_KEY = "estimator_classes"


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
        if classes.dtype.kind not in "biufU":
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


def estimator_from(
    description: Any, arrays: dict[str, np.ndarray], net: Network, path: Path
) -> Any:
    """The fitted estimator a model file describes, around its network."""

    def fail(reason: str) -> ValueError:
        return ValueError(f"{path} is not a valid ffnn estimator file: {reason}")

    if not isinstance(description, dict):
        raise fail("its estimator description is not a JSON object")
    classes = _estimator_classes()
    name = description.get("class")
    if name not in classes:
        raise fail(f"unknown estimator class {name!r}")
    params = description.get("params")
    fitted = description.get("fitted")
    if not isinstance(params, dict) or not isinstance(fitted, dict):
        raise fail("its parameters or fitted attributes are not JSON objects")
    cls = classes[name]
    allowed = set(cls().get_params())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise fail(f"unknown parameters {unknown}")
    class_weight = params.get("class_weight")
    if isinstance(class_weight, dict):
        pairs = class_weight.get("pairs")
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            raise fail("class_weight is not a list of [label, weight] pairs")
        params["class_weight"] = {label: weight for label, weight in pairs}
    if isinstance(params.get("hidden_layer_sizes"), list):
        params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    estimator = cls(**params)
    expected_output = "softmax" if name == "FeedforwardClassifier" else "identity"
    if net.output != expected_output:
        raise fail(f"a {name} needs a {expected_output!r} network, not {net.output!r}")
    for attribute, value in fitted.items():
        if attribute not in FITTED:
            raise fail(f"unknown fitted attribute {attribute!r}")
        if attribute == "feature_names_in_":
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
        estimator.classes_ = (
            labels.astype(object) if description.get("classes_object") else labels
        )
    if estimator.solver != "lbfgs" and not hasattr(estimator, "_no_improvement_count"):
        # the stopping rule's counter, which the stochastic solvers read on
        # their next epoch
        estimator._no_improvement_count = 0
    estimator.network_ = net
    estimator._optimizer = None
    if getattr(estimator, "n_features_in_", net.n_inputs) != net.n_inputs:
        raise fail("n_features_in_ disagrees with the network's inputs")
    return estimator
