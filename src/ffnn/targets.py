"""What a network is trained towards: its targets and the weight of each sample.

A softmax network learns class labels (kept as the output index of each label,
see :mod:`ffnn.labels`); an identity network learns real values, an array
``Y`` of shape (n, n_outputs). Sample weights ``s_i ≥ 0`` scale each sample's
loss (see :mod:`ffnn.losses`); class weights become sample weights
``s_i = w_{y_i}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn._validation import as_array, check_X, check_y
from ffnn.labels import encode_labels, fit_classes

if TYPE_CHECKING:  # the network imports this module
    from ffnn.network import Network


def check_values(y: Any, n_samples: int, n_outputs: int, dtype: Any) -> np.ndarray:
    """Return regression targets ``y`` as a C-contiguous (n, n_outputs) array of
    ``dtype``; ``y`` of shape (n,) is one output."""
    if y is None:
        raise TypeError("y must be an array of target values, got None")
    array = as_array(y, "y")
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"y must hold numbers for a network with an identity output, got an "
            f"array of dtype {array.dtype}"
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError("y must hold real numbers, got complex values")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs), got shape "
            f"{array.shape}"
        )
    if array.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {array.shape[0]}")
    if array.shape[1] != n_outputs:
        raise ValueError(
            f"y has {array.shape[1]} target value(s) per sample but the network has "
            f"{n_outputs} output(s)"
        )
    array = np.ascontiguousarray(array, dtype=dtype)
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"y contains {bad} NaN or infinite value(s)")
    return array


def check_targets_for(
    net: Network, X: Any, y: Any, *, one_class: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``(X, y)`` for ``net``; returns ``X`` in the network's dtype and
    the targets as the network's loss reads them: the output index of each label
    (setting ``net.classes`` on first use) for a softmax network, the values
    (n, n_outputs) for an identity network.

    Setting the classes refuses labels of one class only unless ``one_class``
    (see :func:`ffnn.labels.fit_classes`)."""
    X = check_X(X, net.n_inputs, net.dtype)
    if net.output == "identity":
        return X, check_values(y, X.shape[0], net.n_outputs, net.dtype)
    y = check_y(y, X.shape[0])
    if net.classes is None:
        net.classes = fit_classes(y, net.n_outputs, one_class=one_class)
    return X, encode_labels(y, net.classes)


def check_sample_weight(
    sample_weight: Any, n_samples: int, dtype: Any = np.float64
) -> np.ndarray | None:
    """Return ``sample_weight`` as an (n,) array of ``dtype``, or None for no
    weights (None, or every weight 1: the same run bit for bit).

    Weights must be finite, non-negative and not all zero; a scalar weighs every
    sample alike.
    """
    if sample_weight is None:
        return None
    array = as_array(sample_weight, "sample_weight")
    if (
        array.dtype == object
        or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_)
        or np.issubdtype(array.dtype, np.complexfloating)
    ):
        raise TypeError(
            f"sample_weight must hold real numbers, got an array of dtype {array.dtype}"
        )
    if array.ndim == 0:
        array = np.full(n_samples, array)
    if array.ndim != 1 or array.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample, "
            f"got shape {array.shape}"
        )
    array = np.ascontiguousarray(array, dtype=dtype)
    if not np.isfinite(array).all():
        raise ValueError("sample_weight contains NaN or infinite values")
    if (array < 0).any():
        raise ValueError("sample_weight must be >= 0, got negative weights")
    if not array.any():
        raise ValueError("sample_weight is zero for every sample")
    if (array == 1).all():
        return None
    return array


def class_sample_weight(
    class_weight: Any, y: np.ndarray, classes: np.ndarray | None = None
) -> np.ndarray:
    """Sample weights ``s_i = w_{y_i}`` from ``class_weight``: a dict from label
    to weight (labels not in it weigh 1; every key must be one of ``classes``,
    the labels of ``y`` when None), or 'balanced', ``w_c = n / (k n_c)`` for the
    ``k`` classes of ``y`` with ``n_c`` samples each (as scikit-learn's linear
    models)."""
    if isinstance(class_weight, str) and class_weight == "balanced":
        from sklearn.utils.class_weight import compute_sample_weight  # slow import

        return compute_sample_weight("balanced", y)
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"class_weight must be a dict from class label to weight, 'balanced' or "
            f"None, got {class_weight!r}"
        )
    known = set((np.unique(y) if classes is None else np.asarray(classes)).tolist())
    unknown = [label for label in class_weight if label not in known]
    if unknown:
        where = "y" if classes is None else "the classes"
        raise ValueError(
            f"class_weight names labels that are not in {where}: {unknown[:8]}"
        )
    for label, weight in class_weight.items():
        name = f"class_weight[{label!r}]"
        if isinstance(weight, bool) or not isinstance(weight, int | float | np.number):
            raise TypeError(f"{name} must be a number, got {weight!r}")
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {weight!r}")
    weights = np.ones(len(y))
    for label, weight in class_weight.items():
        weights[y == label] = weight
    return weights


def combined_sample_weight(
    sample_weight: Any,
    class_weight: Any,
    y: Any,
    n_samples: int,
    dtype: Any,
    classes: np.ndarray | None = None,
) -> np.ndarray | None:
    """``s_i`` = the sample's weight times its class's weight (either may be None),
    checked by :func:`check_sample_weight`."""
    weights = check_sample_weight(sample_weight, n_samples, np.float64)
    if class_weight is not None:
        by_class = class_sample_weight(class_weight, check_y(y, n_samples), classes)
        weights = by_class if weights is None else weights * by_class
    return check_sample_weight(weights, n_samples, dtype)


def check_training_data(
    net: Network, X: Any, y: Any, sample_weight: Any = None, class_weight: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """What :func:`ffnn.train` and :func:`ffnn.train_lbfgs` train on: ``X`` in the
    network's dtype, the targets (:func:`check_targets_for`) and the combined
    sample weights (None for none). A refused call leaves ``net.classes`` as it
    was."""
    if class_weight is not None and not net.is_classifier:
        raise ValueError("class_weight weighs classes; this network regresses")
    classes = net.classes
    try:
        X, targets = check_targets_for(net, X, y)
        weights = combined_sample_weight(
            sample_weight, class_weight, y, X.shape[0], net.dtype, net.classes
        )
    except (TypeError, ValueError):
        net.classes = classes
        raise
    return X, targets, weights
