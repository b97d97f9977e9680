"""What the page draws, computed from the network: the maps on a 64 × 64 grid
over ``[−6, 6]²`` (the output's and every hidden neuron's) and the diagnostics
(saturated and dead neurons, each layer's gradient norm).

A map is ``GRID_SIZE²`` bytes, row-major, row 0 at ``x2 = +6`` (the top of the
picture) and column 0 at ``x1 = −6``, sent as base64 (:func:`quantise`).
"""

from __future__ import annotations

import base64
import math

import numpy as np

from ffnn.activations import Activation
from ffnn.network import Network
from ffnn.playground.data import EXTENT

GRID_SIZE = 64
#: |a| above this (tanh), or a beyond it or below 1 − it (sigmoid), is saturated
SATURATION = 0.97
SATURATING = ("tanh", "sigmoid")
#: units that output zero (relu) or only their leak (leaky_relu) for Z ≤ 0
RECTIFIERS = ("relu", "leaky_relu")


def grid_points(size: int = GRID_SIZE) -> np.ndarray:
    """The grid's points (size², 2) in map order: row by row from ``x2 = +6``
    down, each row from ``x1 = −6`` to the right."""
    x1 = np.linspace(-EXTENT, EXTENT, size)
    x2 = np.linspace(EXTENT, -EXTENT, size)
    X1, X2 = np.meshgrid(x1, x2)  # (size, size): X2 constant along each row
    return np.column_stack([X1.ravel(), X2.ravel()])


def quantise(values: np.ndarray, lo: float, hi: float) -> str:
    """``values`` scaled from ``[lo, hi]`` to bytes 0..255 (clipped; all 0 when
    ``hi == lo``), as base64 text."""
    if hi > lo:
        scaled = np.rint((values - lo) * (255.0 / (hi - lo)))
        levels = np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    else:
        levels = np.zeros(values.shape, dtype=np.uint8)
    return base64.b64encode(levels.tobytes()).decode("ascii")


def hidden_layers(net: Network, X: np.ndarray) -> tuple[np.ndarray, list]:
    """One inference pass of ``X`` (n, n_inputs) through the layers, keeping
    each hidden activation's input and output: returns ``Z_L`` (n, n_outputs)
    and ``[(Z_l, A_l), …]``, each (n, width of layer l)."""
    hidden = []
    A = X
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in net.layers:
            Z, A = A, layer.forward(A, training=False)
            if isinstance(layer, Activation):
                hidden.append((Z, A))
    return A, hidden


def output_map(
    net: Network, Z: np.ndarray, classes: int, y_range: tuple[float, float]
) -> tuple[str, list[float]]:
    """The output's map and the range it encodes.

    A classifier's byte for a point of class ``c`` (of ``k``) with confidence
    ``q`` lies in band ``c``: ``ceil(c · 256/k) + round(q · (band width − 1))``,
    so that ``floor(byte · k / 256) = c``; ``q = (p − 1/k) / (1 − 1/k)`` rescales
    the winning probability ``p`` from ``[1/k, 1]`` to ``[0, 1]``, the range
    returned. A regressor's prediction is scaled over the targets' range.
    """
    if classes == 0:
        lo, hi = y_range
        if hi <= lo:
            hi = lo + 1.0
        return quantise(Z[:, 0], lo, hi), [lo, hi]
    with np.errstate(over="ignore", invalid="ignore"):
        P = net.loss_function().predict(Z)  # ŷ = softmax(Z), (n, k)
    P = np.nan_to_num(P)
    c = np.argmax(P, axis=1)
    q = np.clip((P[np.arange(len(c)), c] - 1 / classes) / (1 - 1 / classes), 0, 1)
    # band c is [edges[c], edges[c + 1])
    edges = np.ceil(np.arange(classes + 1) * 256 / classes)
    start, width = edges[c], edges[c + 1] - edges[c]
    levels = (start + np.rint(q * (width - 1))).astype(np.uint8)
    return base64.b64encode(levels.tobytes()).decode("ascii"), [0.0, 1.0]


def neuron_maps(hidden: list) -> list[list[list]]:
    """``[[map, lo, hi] per neuron] per hidden layer``: each neuron's activation
    over the grid, scaled from its own range ``[lo, hi]``."""
    maps = []
    for _, A in hidden:
        layer = []
        for j in range(A.shape[1]):
            a = A[:, j]
            lo, hi = float(np.min(a)), float(np.max(a))
            if not (math.isfinite(lo) and math.isfinite(hi)):
                lo = hi = 0.0  # an overflowed unit: a blank map
            layer.append([quantise(a, lo, hi), lo, hi])
        maps.append(layer)
    return maps


def diagnostics(
    net: Network,
    activation: str,
    X_train: np.ndarray,
    targets: np.ndarray,
    l2: float,
) -> dict[str, list]:
    """Per neuron of each hidden layer, on the training rows (without
    dropout): the share of rows where it is saturated and whether it is dead;
    and ``‖∂J/∂W_l‖`` of each Dense layer, the gradient of the mean training
    objective ``J = L0 + λ/(2n) Σ w²`` over the whole training set.

    Saturated: ``|a| > 0.97`` for tanh, ``a > 0.97`` or ``a < 0.03`` for
    sigmoid (0 for the other activations). Dead: ``Z ≤ 0`` on every row, where
    a relu outputs 0 (and a leaky relu only its leak); never for the others.
    """
    _, hidden = hidden_layers(net, X_train)
    saturated, dead = [], []
    for Z, A in hidden:
        if activation == "tanh":
            share = np.mean(np.abs(A) > SATURATION, axis=0)
        elif activation == "sigmoid":
            share = np.mean((A > SATURATION) | (A < 1 - SATURATION), axis=0)
        else:
            share = np.zeros(A.shape[1])
        saturated.append([float(s) for s in share])
        is_dead = np.all(Z <= 0, axis=0) if activation in RECTIFIERS else None
        dead.append(
            [bool(d) for d in is_dead] if is_dead is not None else [False] * A.shape[1]
        )
    with np.errstate(over="ignore", invalid="ignore"):
        net.compute_gradients(X_train, targets, alpha=l2, training=False)
    norms = [float(np.linalg.norm(dense.dW)) for dense in net.dense_layers]
    grad_norms = [_finite(norm) for norm in norms]
    return {"saturated": saturated, "dead": dead, "grad_norms": grad_norms}


def _finite(value: float) -> float | None:
    """``value``, or None (JSON's null) when it is NaN or infinite."""
    return value if math.isfinite(value) else None
