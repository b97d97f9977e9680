"""Class labels and output units: which label each softmax output stands for.

A network trained on labels ``y`` keeps ``classes`` (one label per output unit,
sorted); training and evaluation work with the output index of each label.
Integer labels in ``[0, k)`` map to the output of that index, so the notes'
0/1 labels are their own indices.

Training labels of one class only are refused (:func:`fit_classes`): a softmax
network that never sees a second class learns to give that class probability 1
whatever the input, and the loss falls to 0 as if it had learned something.
Training that continues on a part of the data holding one class is fine once
``net.classes`` is set (a first training on all classes sets it; so may the
caller).
"""

from __future__ import annotations

import numpy as np

from ffnn._validation import preview


def fit_classes(
    y: np.ndarray, n_outputs: int, *, one_class: bool = False
) -> np.ndarray:
    """The label of each of ``n_outputs`` output units, from training labels ``y``.

    Integer labels in ``[0, n_outputs)`` map to the output of that index;
    otherwise the ``n_outputs`` distinct labels map to outputs in sorted order.
    A ``y`` holding one label only raises a ValueError unless ``one_class``
    (:func:`ffnn.gradcheck` checks any batch, a single sample included).
    """
    labels = np.unique(y)
    if len(labels) == 1 and n_outputs > 1 and not one_class:
        label = labels.tolist()[0]
        raise ValueError(
            f"y has one class only ({label!r}) but a classifier must see at "
            f"least 2 of its {n_outputs} classes to learn to tell them apart; to "
            "train on one class deliberately (part of a larger data set), set "
            "net.classes to every class label first"
        )
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
