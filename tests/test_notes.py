"""ffnn reproduces the notes' training loop number for number.

``notes_reference`` re-implements the notes' loop independently. Started from the
same weights, ffnn must give the same loss curve and final weights to 1e-9.

The 3-neuron run with η = 0.01 enters a loss-spike regime after about 1000
iterations: each spike is a step that overshoots, and near one the map from
weights to weights is so expansive that a difference in the last bit (the notes'
softmax does not subtract the row maximum, ffnn's does) grows exponentially. So
that run is compared number for number over its first 900 iterations, and over
all 2000 by its spike count and final accuracy.
"""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from notes_reference import notes_data, notes_initial_weights, notes_loss, notes_train

TOLERANCE = 1e-9


def ffnn_notes_run(n_hidden: int, n_iter: int, regularisation: float = 0.0):
    """ffnn configured as the notes: summed gradients, η = 0.01, the notes' weights.

    Returns the loss after each update (the notes' convention) and the network.
    """
    X, y = notes_data()
    net = ffnn.Network.mlp([2, n_hidden, 2], activation="tanh", init="lecun_normal")
    start = notes_initial_weights(n_hidden)
    net.weights = [start["W1"], start["W2"]]
    net.biases = [start["b1"], start["b2"]]
    history = ffnn.train(
        net,
        X,
        y,
        optimizer=ffnn.SGD(learning_rate=0.01),
        epochs=n_iter,
        batch_size=None,
        reduction="sum",
        alpha=regularisation,
    )
    # ffnn records each epoch's loss before its update; the notes after it
    after_each_update = np.array([*history.loss[1:], net.loss(X, y)])
    return after_each_update, net, history


def assert_same_run(n_hidden: int, n_iter: int, regularisation: float) -> None:
    X, y = notes_data()
    notes_losses, notes_model = notes_train(
        X, y, n_hidden, n_iter=n_iter, regularisation=regularisation
    )
    losses, net, _ = ffnn_notes_run(n_hidden, n_iter, regularisation)
    np.testing.assert_allclose(losses, notes_losses, rtol=0, atol=TOLERANCE)
    for name, ours in zip(["W1", "b1", "W2", "b2"], net.parameters(), strict=True):
        theirs = notes_model[name].reshape(ours.shape)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE, err_msg=name)


def test_notes_data_is_moons_after_seed_zero():
    X, y = notes_data()
    X_ffnn, y_ffnn = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    np.testing.assert_array_equal(X, X_ffnn)
    np.testing.assert_array_equal(y, y_ffnn)


@pytest.mark.parametrize("regularisation", [0.0, 0.01])
def test_ten_neurons_match_the_notes_for_2000_iterations(regularisation):
    assert_same_run(10, 2000, regularisation)


def test_three_neurons_match_the_notes_for_900_iterations():
    assert_same_run(3, 900, 0.0)


def test_three_neuron_spike_regime_matches_in_spikes_and_accuracy():
    X, y = notes_data()
    notes_losses, notes_model = notes_train(X, y, 3, n_iter=2000)
    losses, net, _ = ffnn_notes_run(3, 2000)

    def spikes(curve):  # rises of more than 5 % over the previous iteration
        curve = np.asarray(curve)
        return int(np.sum(curve[1:] > 1.05 * curve[:-1]))

    assert spikes(notes_losses) >= 10  # the regime is really there
    assert abs(spikes(losses) - spikes(notes_losses)) <= 2
    a1 = np.tanh(X @ notes_model["W1"] + notes_model["b1"])
    notes_accuracy = np.mean(
        np.argmax(a1 @ notes_model["W2"] + notes_model["b2"], 1) == y
    )
    assert net.accuracy(X, y) == pytest.approx(notes_accuracy, abs=0.01)
    assert net.accuracy(X, y) >= 0.95
    # the final losses agree to the size of a spike, not to rounding
    assert losses[-1] == pytest.approx(notes_losses[-1], rel=0.1)


def test_history_spikes_count_rises_of_the_loss_curve():
    _, _, history = ffnn_notes_run(3, 2000)
    rises = history.loss_increases(0.05)
    assert rises == sorted(rises)
    curve = np.asarray(history.loss)
    assert all(curve[k] > 1.05 * curve[k - 1] for k in rises)
    assert len(rises) == int(np.sum(curve[1:] > 1.05 * curve[:-1]))


def test_net_loss_equals_the_notes_loss_function():
    X, y = notes_data()
    _, net, _ = ffnn_notes_run(10, 50)
    model = {
        "W1": net.weights[0],
        "b1": net.biases[0],
        "W2": net.weights[1],
        "b2": net.biases[1],
    }
    assert net.loss(X, y) == pytest.approx(notes_loss(model, X, y), abs=1e-12)
