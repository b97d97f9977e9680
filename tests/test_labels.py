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


@pytest.mark.parametrize(
    ("y", "label"),
    [([0, 0, 0], "0"), (["a", "a"], "'a'"), ([5], "5"), ([1.0, 1.0], "1")],
)
def test_one_class_only_is_refused(y, label):
    """A softmax network that sees one class learns to give it probability 1
    whatever the input: refused, as scikit-learn's classifiers do."""
    y = np.array(y)
    with pytest.raises(ValueError, match=rf"y has one class only \({label}\)"):
        fit_classes(y.astype(np.int64) if y.dtype.kind == "f" else y, 2)


def test_one_class_is_allowed_on_request_and_once_the_classes_are_set():
    assert list(fit_classes(np.array([1, 1]), 3, one_class=True)) == [0, 1, 2]
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X = np.zeros((3, 2))
    classes = np.array(["a", "b"])
    net.classes = classes  # set by the caller: a one-class part of the data
    _, index = check_targets_for(net, X, ["b", "b", "b"])
    assert list(index) == [1, 1, 1] and net.classes is classes


def test_training_on_one_class_leaves_the_network_untouched():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    before = net.get_parameters()
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ValueError, match="one class only"):
        ffnn.train(net, X, np.zeros(6, dtype=int), epochs=2)
    assert net.classes is None
    assert all(
        np.array_equal(a, b) for a, b in zip(before, net.parameters(), strict=True)
    )


def test_gradcheck_checks_a_batch_of_one_class():
    net = ffnn.Network.mlp([2, 3, 2], seed=0)
    X = np.random.default_rng(1).standard_normal((1, 2))
    assert ffnn.gradcheck(net, X, [1]).max_relative_error < 1e-6
    assert net.classes is None
