"""Full-batch training by L-BFGS (SciPy's ``L-BFGS-B``), as scikit-learn's
``solver="lbfgs"``.

L-BFGS minimises the full-batch objective

    J(w) = L0(w) + λ/(2n) Σ w² + λ₁/n Σ |w|

(``L0`` the mean loss, weighted by the sample weights, and ``n`` their sum)
from its value and gradient alone, building a low-rank estimate of the inverse
Hessian from the last few steps; there is no learning rate. Each evaluation of
``J`` and ``∂J/∂w`` is one forward and backward pass of a training engine
(:mod:`ffnn.engines`) over the whole training set. The run uses one BLAS thread
(see :func:`train_lbfgs`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn._validation import check_int, check_positive
from ffnn.engines import check_engine, make_engine
from ffnn.layers import Dropout
from ffnn.network import Network
from ffnn.penalties import weight_penalty
from ffnn.targets import check_training_data
from ffnn.training import History, TrainingDivergedError, check_network


@dataclass
class LBFGSHistory(History):
    """:class:`~ffnn.training.History` of an L-BFGS run: ``loss[k]`` is ``J``
    (penalty included) after iteration ``k``; ``converged`` whether SciPy
    reported success, ``message`` why it stopped, ``evaluations`` how many times
    ``J`` was computed."""

    converged: bool = False
    message: str = ""
    evaluations: int = 0


def train_lbfgs(
    net: Network,
    X: Any,
    y: Any,
    *,
    max_iter: int = 200,
    max_fun: int = 15000,
    tol: float = 1e-4,
    alpha: float = 0.0,
    l1: float = 0.0,
    sample_weight: Any = None,
    class_weight: Any = None,
    engine: str = "auto",
    verbose: bool = False,
) -> LBFGSHistory:
    """Train ``net`` on ``(X, y)`` by L-BFGS on the full batch.

    Parameters
    ----------
    net : Network
        Trained in place; dropout layers must have rate 0 (L-BFGS needs the same
        objective at every evaluation).
    X, y, alpha, l1, sample_weight, class_weight, engine
        As in :func:`ffnn.train` (``alpha`` is λ; with the full batch both
        penalty scales agree).
    max_iter : int
        Most L-BFGS iterations.
    max_fun : int
        Most evaluations of ``J`` (an iteration may take several).
    tol : float
        Stop when every component of the projected gradient is at most ``tol``
        (SciPy's ``gtol``), or when ``J`` stops decreasing.
    verbose : bool
        Print ``J`` after every iteration.

    Notes
    -----
    L-BFGS-B alternates NumPy's BLAS (the passes) with SciPy's own (the
    optimizer's vector updates); with two threads each, each library's idle
    threads spin on the cores the other one needs. One thread each made an
    iteration 2–5× faster on 2 cores, for 1,797 × 64 inputs as for 10,000 × 784,
    so the run holds BLAS to one thread.

    Returns
    -------
    LBFGSHistory
    """
    import scipy.optimize  # slow to import: only here
    from threadpoolctl import threadpool_limits

    check_network(net)
    if any(isinstance(layer, Dropout) and layer.rate > 0 for layer in net.layers):
        raise ValueError(
            "L-BFGS needs the same objective at every evaluation, which dropout "
            "changes; train a network with dropout by gradient descent instead"
        )
    max_iter = check_int(max_iter, "max_iter")
    max_fun = check_int(max_fun, "max_fun")
    tol = check_positive(tol, "tol", allow_zero=True)
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    engine = check_engine(engine, net)
    X, targets, weights = check_training_data(net, X, y, sample_weight, class_weight)
    n = X.shape[0]
    passes = make_engine(
        engine, net, X, targets, n, False, "mean", alpha, l1, sample_weight=weights
    )
    (batch,) = passes.batches(np.random.default_rng(0))  # the full batch
    total_weight = n if weights is None else float(weights.sum())
    history = LBFGSHistory(engine=passes.name)
    evaluations = 0

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        """``J(w)`` and ``∂J/∂w`` from one forward and backward pass."""
        nonlocal evaluations
        evaluations += 1
        net.flat_parameters[...] = w
        passes.forward(batch, net.rng)
        loss = passes.loss(batch) / total_weight
        passes.backward(batch)
        loss += weight_penalty(net.weights, alpha, l1, total_weight)
        return loss, net.flat_gradients.astype(np.float64)

    start = time.perf_counter()

    def record(intermediate_result: Any) -> None:
        history.loss.append(float(intermediate_result.fun))
        history.learning_rate.append(math.nan)  # L-BFGS has no learning rate
        history.time.append(time.perf_counter() - start)
        if verbose:
            print(f"Iteration {history.epochs}, loss = {history.loss[-1]:.8f}")

    # one BLAS thread: L-BFGS alternates NumPy's BLAS (the passes) with SciPy's
    # (inside L-BFGS-B), and each library's idle threads spin on the cores the
    # other needs; on 2 cores an iteration was 5× slower with two threads each
    with threadpool_limits(limits=1), np.errstate(over="ignore", invalid="ignore"):
        result = scipy.optimize.minimize(
            objective,
            net.flat_parameters.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=record,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        )
    net.flat_parameters[...] = result.x
    if not (math.isfinite(result.fun) and np.isfinite(result.x).all()):
        raise TrainingDivergedError(history.epochs, float(result.fun), 0.0, history)
    history.converged = bool(result.success)
    history.message = str(result.message)
    history.evaluations = evaluations
    return history
