"""Finite-difference gradient check of backpropagation.

For every parameter entry ``w`` the central difference

    (J(w + ε) − J(w − ε)) / (2ε)

of the batch objective ``J`` (see :meth:`Network.compute_gradients`; any output,
any sample weights) is compared with the backpropagated ``∂J/∂w``. The error of
each parameter array is the relative distance ``‖g_bp − g_fd‖ / (‖g_bp‖ +
‖g_fd‖)``; the check reports the largest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn._validation import check_positive
from ffnn.losses import check_reduction
from ffnn.network import Network
from ffnn.penalties import weight_penalty
from ffnn.targets import check_sample_weight, check_targets_for


@dataclass
class GradcheckResult:
    """Relative error of each parameter array, by name (``W1``, ``b1``, …)."""

    errors: dict[str, float]

    @property
    def max_relative_error(self) -> float:
        return max(self.errors.values())

    def __repr__(self) -> str:
        detail = ", ".join(f"{k}={v:.2e}" for k, v in self.errors.items())
        worst = self.max_relative_error
        return f"GradcheckResult(max_relative_error={worst:.2e}; {detail})"


def objective(
    net: Network,
    X: np.ndarray,
    targets: np.ndarray,
    reduction: str,
    alpha: float,
    l1: float,
    sample_weight: np.ndarray | None = None,
) -> float:
    """``J``: the (weighted) mean loss plus penalties, times ``n`` (``Σ s_i``) for
    'sum'."""
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    Z = net.forward(X, training=False)
    value = net.loss_function().forward(Z, targets, sample_weight) + weight_penalty(
        net.weights, alpha, l1, n
    )
    return value * n if reduction == "sum" else value


def gradcheck(
    net: Network,
    X: Any,
    y: Any,
    *,
    reduction: str = "mean",
    alpha: float = 0.0,
    l1: float = 0.0,
    epsilon: float = 1e-6,
    sample_weight: Any = None,
) -> GradcheckResult:
    """Compare backpropagation with central finite differences for every parameter.

    Parameters
    ----------
    net : Network
        Checked in inference mode (dropout off); its parameters are restored.
    X : array of shape (n, n_inputs)
    y : array of shape (n,) or (n, n_outputs)
        Class labels, or values for an identity network.
    reduction, alpha, l1, sample_weight
        As in :func:`ffnn.train` (the full batch, so either ``penalty_scale``).
    epsilon : float
        Step ε of the central difference, ``0 < ε < 1``. Use float64 networks:
        in float32 the differences are dominated by rounding.

    Returns
    -------
    GradcheckResult
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an ffnn Network, got {type(net).__name__}")
    reduction = check_reduction(reduction)
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    epsilon = check_positive(epsilon, "epsilon")
    if epsilon >= 1:
        raise ValueError(
            f"epsilon must be a small step in (0, 1), got {epsilon!r}: central "
            "differences approximate the gradient only for small steps"
        )
    classes = net.classes
    try:  # any batch may be checked, one of a single class included
        X, targets = check_targets_for(net, X, y, one_class=True)
    finally:
        net.classes = classes  # checking must not change the network
    weights = check_sample_weight(sample_weight, X.shape[0], net.dtype)
    net.compute_gradients(
        X, targets, reduction=reduction, alpha=alpha, l1=l1, training=False,
        sample_weight=weights,
    )  # fmt: skip
    analytic = [g.copy() for g in net.gradients()]
    errors: dict[str, float] = {}
    for name, param, g_bp in zip(
        net.parameter_names(), net.parameters(), analytic, strict=True
    ):
        g_fd = np.empty_like(param)
        flat, flat_fd = param.reshape(-1), g_fd.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + epsilon
            plus = objective(net, X, targets, reduction, alpha, l1, weights)
            flat[i] = original - epsilon
            minus = objective(net, X, targets, reduction, alpha, l1, weights)
            flat[i] = original
            flat_fd[i] = (plus - minus) / (2 * epsilon)
        scale = np.linalg.norm(g_bp) + np.linalg.norm(g_fd)
        distance = np.linalg.norm(g_bp - g_fd)
        errors[name] = float(distance / scale) if scale > 0 else 0.0
    return GradcheckResult(errors)
