"""Class labels and output units: which label each softmax output stands for.

A network trained on labels ``y`` keeps ``classes`` (one label per output unit,
sorted); training and evaluation work with the output index of each label.
Integer labels in ``[0, k)`` map to the output of that index, so the notes'
0/1 labels are their own indices.
"""

from __future__ import annotations

import numpy as np


def fit_classes(y: np.ndarray, n_outputs: int) -> np.ndarray:
    """The label of each of ``n_outputs`` output units, from training labels ``y``.

    Integer labels in ``[0, n_outputs)`` map to the output of that index;
    otherwise the ``n_outputs`` distinct labels map to outputs in sorted order.
    """
    labels = np.unique(y)
    if (
        np.issubdtype(labels.dtype, np.integer)
        and labels.min() >= 0
        and labels.max() < n_outputs
    ):
        return np.arange(n_outputs)
    if len(labels) == n_outputs:
        return labels
    raise ValueError(
        f"y has {len(labels)} distinct labels {preview(labels)} but the "
        f"network has {n_outputs} outputs; give it one output per class"
    )


def encode_labels(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Output index of each label in ``y`` (n,), given the sorted ``classes``."""
    try:
        index = np.searchsorted(classes, y)
    except TypeError as error:
        raise TypeError(
            f"labels of dtype {y.dtype} cannot be compared with the network's "
            f"classes {preview(classes)}"
        ) from error
    index = np.minimum(index, len(classes) - 1)
    unknown = classes[index] != y
    if np.any(unknown):
        raise ValueError(
            f"y contains labels the network has no output for: "
            f"{preview(np.unique(y[unknown]))}; known classes {preview(classes)}"
        )
    return index


def preview(values: np.ndarray, limit: int = 8) -> str:
    """'[a, b, c, …]': the first ``limit`` values, for error messages."""
    items = [str(v) for v in values[:limit]]
    return "[" + ", ".join(items) + (", …]" if len(values) > limit else "]")
