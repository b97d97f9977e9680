"""Tests of ffnn.playground.views: the grid's orientation, the quantised maps
(the output's class bands decode to the predicted class), the hidden layers'
activations, and the diagnostics against hand-computed values."""

import base64

import numpy as np
import pytest

import ffnn
from ffnn.playground.views import (
    diagnostics,
    grid_points,
    hidden_layers,
    neuron_maps,
    output_map,
    quantise,
)


def decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def test_the_grid_runs_from_the_top_left():
    G = grid_points(64)
    assert G.shape == (64 * 64, 2)
    assert np.array_equal(G[0], [-6, 6])  # row 0 is x2 = +6, column 0 x1 = -6
    assert np.array_equal(G[63], [6, 6])
    assert np.array_equal(G[-1], [6, -6])
    assert np.all(G.reshape(64, 64, 2)[:, :, 1] == G.reshape(64, 64, 2)[:, :1, 1])


def test_quantise():
    values = np.array([-1.0, 0.0, 1.0, 3.0, -5.0])
    assert decode(quantise(values, -1.0, 1.0)).tolist() == [0, 128, 255, 255, 0]
    assert decode(quantise(values, 2.0, 2.0)).tolist() == [0] * 5


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_class_bands_decode_to_the_predicted_class(k):
    net = ffnn.Network.mlp([2, 6, k], seed=k)
    G = grid_points(16)
    Z = net.forward(G)
    text, output_range = output_map(net, Z, k, (0.0, 1.0))
    levels = decode(text).astype(int)
    assert np.array_equal(levels * k // 256, np.argmax(Z, axis=1))
    assert output_range == [0.0, 1.0]


def test_confidence_fills_each_band():
    net = ffnn.Network.mlp([2, 3], seed=0)  # no hidden layer: Z = X W + b
    k = 3
    # a sure prediction of each class, and a tie (the least confidence)
    Z = np.array([[50.0, 0, 0], [0, 50.0, 0], [0, 0, 50.0], [1.0, 1.0, 1.0]])
    levels = decode(output_map(net, Z, k, (0, 1))[0]).tolist()
    # the tops of the bands [0, 85], [86, 170], [171, 255], and the bottom of 0's
    assert levels == [85, 170, 255, 0]


def test_a_regressions_map_spans_the_targets():
    net = ffnn.Network.mlp([2, 1], output="identity", seed=0)
    Z = np.array([[-1.0], [0.0], [1.0], [2.0]])
    text, output_range = output_map(net, Z, 0, (-1.0, 1.0))
    assert decode(text).tolist() == [0, 128, 255, 255]
    assert output_range == [-1.0, 1.0]


def test_hidden_layers_are_each_activation():
    net = ffnn.Network.mlp([2, 3, 4, 2], activation="tanh", dropout=0.5, seed=1)
    X = grid_points(8)
    Z_L, hidden = hidden_layers(net, X)
    W1, W2, W3 = net.weights
    b1, b2, b3 = net.biases
    A1 = np.tanh(X @ W1 + b1)  # dropout is off outside training
    A2 = np.tanh(A1 @ W2 + b2)
    assert np.allclose(hidden[0][0], X @ W1 + b1) and np.allclose(hidden[0][1], A1)
    assert np.allclose(hidden[1][1], A2)
    assert np.allclose(Z_L, A2 @ W3 + b3)


def test_neuron_maps_use_each_neurons_range():
    A = np.column_stack([np.linspace(-0.5, 0.5, 4096), np.zeros(4096)])
    (layer,) = neuron_maps([(A, A)])
    picture, lo, hi = layer[0]
    assert (lo, hi) == (-0.5, 0.5)
    levels = decode(picture)
    assert levels[0] == 0 and levels[-1] == 255
    assert layer[1][1:] == [0.0, 0.0] and not decode(layer[1][0]).any()


def one_hidden_layer(activation: str, W1, b1) -> ffnn.Network:
    net = ffnn.Network.mlp([2, 2, 2], activation=activation, seed=0)
    net.weights = [np.array(W1, dtype=float), net.weights[1]]
    net.biases = [np.array(b1, dtype=float), net.biases[1]]
    return net


X = np.array([[1.0, 0.5], [-1.0, 2.0], [0.5, -0.5], [2.0, 1.0]])
y = np.array([0, 1, 0, 1])


def test_tanh_saturation():
    # unit 0: Z = 10 x1, saturated where |x1| ≥ 0.25 (all four); unit 1: Z = 0.1 x2
    net = one_hidden_layer("tanh", [[10.0, 0.0], [0.0, 0.1]], [0.0, 0.0])
    d = diagnostics(net, "tanh", X, y, l2=0.0)
    assert d["saturated"] == [[1.0, 0.0]] and d["dead"] == [[False, False]]


def test_sigmoid_saturation_at_both_ends():
    # unit 0: Z = 10 x1: a > 0.97 or a < 0.03 where |x1| ≥ 0.35, on all four rows
    net = one_hidden_layer("sigmoid", [[10.0, 0.0], [0.0, 0.0]], [0.0, 0.0])
    d = diagnostics(net, "sigmoid", X, y, l2=0.0)
    assert d["saturated"] == [[1.0, 0.0]]
    net = one_hidden_layer("sigmoid", [[5.0, 0.0], [0.0, 0.0]], [0.0, 0.0])
    # Z = 5 x1: 5 → 0.993, -5 → 0.007, 2.5 → 0.924, 10 → 1.0
    assert diagnostics(net, "sigmoid", X, y, 0.0)["saturated"] == [[0.75, 0.0]]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_dead_rectifiers(activation):
    # unit 0: Z = -x1 - 10 < 0 on every row: dead; unit 1: Z = x1, alive
    net = one_hidden_layer(activation, [[-1.0, 1.0], [0.0, 0.0]], [-10.0, 0.0])
    d = diagnostics(net, activation, X, y, l2=0.0)
    assert d["dead"] == [[True, False]] and d["saturated"] == [[0.0, 0.0]]


def test_gradient_norms_are_the_objectives():
    net = ffnn.Network.mlp([2, 3, 2], activation="tanh", seed=3)
    l2, n = 0.5, len(y)
    d = diagnostics(net, "tanh", X, y, l2=l2)
    W1, W2 = net.weights
    b1, b2 = net.biases
    A1 = np.tanh(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    delta2 = (P - np.eye(2)[y]) / n  # mean cross-entropy: δ2 = (ŷ − y) / n
    dW2 = A1.T @ delta2 + (l2 / n) * W2
    delta1 = (1 - A1**2) * (delta2 @ W2.T)
    dW1 = X.T @ delta1 + (l2 / n) * W1
    expected = [np.linalg.norm(dW1), np.linalg.norm(dW2)]
    assert np.allclose(d["grad_norms"], expected, rtol=1e-12, atol=0)
