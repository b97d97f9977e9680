"""Tests of ffnn.labels: which label each output unit stands for."""

import numpy as np
import pytest

import ffnn
from ffnn.labels import encode_labels, fit_classes
from ffnn.targets import check_targets_for


def test_integer_labels_outside_range_map_in_sorted_order():
    y = np.array([5, 15, 15, 5, 15])
    classes = fit_classes(y, 2)
    assert list(classes) == [5, 15]
    assert np.array_equal(encode_labels(y, classes), [0, 1, 1, 0, 1])


def test_integer_labels_in_range_keep_their_index_even_if_one_is_missing():
    assert list(fit_classes(np.array([0, 2, 2, 0]), 3)) == [0, 1, 2]


def test_too_many_labels_for_the_outputs_is_an_error():
    with pytest.raises(ValueError, match=r"3 distinct labels .* network has 2 outputs"):
        fit_classes(np.array(["a", "b", "c"]), 2)


def test_unknown_and_incomparable_labels_are_errors():
    classes = np.array(["no", "yes"])
    with pytest.raises(ValueError, match=r"no output for: \[maybe\]"):
        encode_labels(np.array(["yes", "maybe"]), classes)
    with pytest.raises(TypeError, match="cannot be compared"):
        encode_labels(np.array([1.5, None], dtype=object), classes)


def test_check_targets_for_sets_the_classes_once():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X = np.zeros((3, 2))
    _, index = check_targets_for(net, X, ["b", "a", "b"])
    assert list(net.classes) == ["a", "b"] and list(index) == [1, 0, 1]
    _, index = check_targets_for(net, X, ["a", "a", "b"])  # kept, not refitted
    assert list(index) == [0, 0, 1]
    with pytest.raises(ValueError, match="no output for"):
        check_targets_for(net, X, ["a", "c", "b"])
