"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates for
Training Neural Networks", section 3.3; as popularised by fastai's ``lr_find``).

Starting from a fresh network, η grows geometrically every mini-batch from
``min_lr`` to ``max_lr`` over ``steps`` updates::

    η_t = min_lr · (max_lr / min_lr)^(t / (steps − 1)),   t = 0 … steps − 1

and the loss of every batch is recorded, with an exponentially smoothed copy
(bias-corrected as in Adam)::

    s_t = β s_{t−1} + (1 − β) L_t,   ŝ_t = s_t / (1 − β^(t+1))

The test stops early once ``ŝ_t > 4 · min ŝ`` or the loss is no longer finite:
η is then far too large. While η is too small the loss barely moves; where η is
useful it falls fastest. The suggestion is that η: the most negative slope
``dŝ / d log η`` before the smoothed loss reaches its minimum.

See :mod:`ffnn.experiments.studies.lr_finder` for the study that runs it, writes
``lr_finder.csv`` and checks the suggestion by training with it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn._validation import check_int, check_positive
from ffnn.engines import Engine, make_engine
from ffnn.losses import check_reduction
from ffnn.network import Network
from ffnn.optimizers import SGD, Optimizer
from ffnn.targets import check_targets_for
from ffnn.training import train_step


@dataclass
class LRFinderResult:
    """What :func:`find_learning_rate` recorded, one entry per step taken.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_steps,)
        η of each step.
    losses : ndarray of shape (n_steps,)
        Mean cross-entropy of each step's batch, before that step's update.
    smoothed_losses : ndarray of shape (n_steps,)
        The bias-corrected exponential moving average ``ŝ_t`` of ``losses``.
    suggestion : float
        η where ``ŝ`` falls fastest against ``log η`` before its minimum (NaN
        if the minimum comes within the first ``⌈1 / (1 − β)⌉`` steps).
    min_loss_learning_rate : float
        η at the minimum of ``ŝ``.
    stop_reason : str
        Why the test stopped before ``steps`` ('' if it ran them all).
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggestion: float
    min_loss_learning_rate: float
    stop_reason: str

    @property
    def steps(self) -> int:
        """Number of steps recorded."""
        return len(self.losses)

    def slopes(self) -> np.ndarray:
        """``dŝ / d log η`` at each step (n_steps,), by central differences."""
        if self.steps < 2:
            return np.full(self.steps, np.nan)
        return np.gradient(self.smoothed_losses, np.log(self.learning_rates))


def learning_rate_range(min_lr: float, max_lr: float, steps: int) -> np.ndarray:
    """The geometric ramp ``η_t = min_lr · (max_lr / min_lr)^(t / (steps − 1))``
    (steps,)."""
    t = np.arange(steps)
    return min_lr * (max_lr / min_lr) ** (t / (steps - 1))


def find_learning_rate(
    net: Network,
    X: Any,
    y: Any,
    *,
    optimizer: Optimizer | None = None,
    min_lr: float = 1e-4,
    max_lr: float = 100.0,
    steps: int = 200,
    batch_size: int | None = 32,
    reduction: str = "mean",
    alpha: float = 0.0,
    l1: float = 0.0,
    clip_norm: float | None = None,
    smoothing: float = 0.9,
    diverge_factor: float = 4.0,
    seed: int | None = None,
    engine: str = "auto",
    penalty_scale: str = "training_set",
) -> LRFinderResult:
    """Run the learning-rate range test on a copy of ``net``.

    Parameters
    ----------
    net : Network
        The network to test, fresh from its initialiser; it is copied, so its
        weights (and ``classes``) are left as they are.
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples,) or (n_samples, n_outputs)
        Class labels, or values for an identity network.
    optimizer : Optimizer, optional
        Whose update rule to test (default ``SGD()``); copied and reset, so its
        state is untouched. Its own learning rate is ignored: step ``t`` uses
        ``η_t``.
    min_lr, max_lr : float
        The first and last η of the ramp, ``0 < min_lr < max_lr``.
    steps : int
        Updates from ``min_lr`` to ``max_lr`` (at least 3).
    batch_size : int or None
        Rows per update, drawn without replacement and reshuffled every pass
        over the data; None for the full batch.
    reduction : {'mean', 'sum'}
        As in :func:`ffnn.train`: with 'sum' the gradient, and so the useful η,
        scales with the batch size.
    alpha, l1, clip_norm : float
        L2 λ, L1 λ₁ and gradient clipping, as in :func:`ffnn.train`.
    penalty_scale : {'training_set', 'batch'}
        What λ is divided by, as in :func:`ffnn.train`.
    smoothing : float
        β of the moving average, in [0, 1); 0.9 averages over about ten steps
        (fastai's 0.98 suits its 100-step default less well at 200 steps over
        six decades).
    diverge_factor : float
        Stop once ``ŝ_t`` exceeds this multiple (> 1) of its minimum.
    seed : int, optional
        Seeds the batch order and dropout.
    engine : {'auto', 'layers', 'fast'}
        Who runs the passes, as in :func:`ffnn.train`.

    Returns
    -------
    LRFinderResult

    Notes
    -----
    Step ``t``: ``L_t = J(w; X_b)`` with ``X_b`` the next batch, then
    ``w ← step(w, ∂J/∂w, η_t)``; ``ŝ_t = s_t / (1 − β^(t+1))`` with
    ``s_t = β s_{t−1} + (1 − β) L_t``. Stop if ``L_t`` is not finite (the step
    is not recorded) or ``ŝ_t > diverge_factor · min_{u≤t} ŝ_u`` (it is). The
    suggestion is ``η_k`` with ``k = argmin dŝ/d log η`` over the steps from
    ``⌈1 / (1 − β)⌉`` (once ``ŝ`` averages a full window) up to the minimum of
    ``ŝ`` and short of the last step, so it lies strictly between ``min_lr``
    and ``max_lr``.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an ffnn Network, got {type(net).__name__}")
    optimizer = SGD() if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an ffnn Optimizer, got {optimizer!r}")
    min_lr = check_positive(min_lr, "min_lr")
    max_lr = check_positive(max_lr, "max_lr")
    if max_lr <= min_lr:
        raise ValueError(
            f"max_lr must be larger than min_lr, got min_lr={min_lr!r}, "
            f"max_lr={max_lr!r}"
        )
    steps = check_int(steps, "steps", minimum=3)
    reduction = check_reduction(reduction)
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm")
    beta = check_positive(smoothing, "smoothing", allow_zero=True)
    if beta >= 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    diverge_factor = check_positive(diverge_factor, "diverge_factor")
    if diverge_factor <= 1:
        raise ValueError(f"diverge_factor must be > 1, got {diverge_factor!r}")

    net = copy.deepcopy(net)  # the caller's weights, classes and rng stay as given
    optimizer = copy.deepcopy(optimizer)
    optimizer.reset()
    X, targets = check_targets_for(net, X, y)
    n = X.shape[0]
    batch = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
    rng = np.random.default_rng(seed)
    passes = make_engine(
        engine, net, X, targets, batch, True, reduction, alpha, l1,
        penalty_scale=penalty_scale,
    )  # fmt: skip
    rates = learning_rate_range(min_lr, max_lr, steps)

    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    stop_reason = ""
    with np.errstate(over="ignore", invalid="ignore"):
        batches = _endless(passes, rng)
        for t, (eta, rows) in enumerate(zip(rates, batches, strict=False)):
            # the step's update is made whatever the loss: the copy is thrown
            # away, and the loss recorded is the one before the update
            loss = train_step(passes, rows, optimizer, float(eta), clip_norm, rng)
            loss /= rows.m  # the batch's mean loss
            if not math.isfinite(loss):
                stop_reason = f"the loss became non-finite at step {t} (η = {eta:.3g})"
                break
            average = beta * average + (1.0 - beta) * loss
            losses.append(loss)
            smoothed.append(average / (1.0 - beta ** (t + 1)))
            best = min(best, smoothed[-1])
            if smoothed[-1] > diverge_factor * best:
                stop_reason = (
                    f"the smoothed loss passed {diverge_factor:g}× its minimum at "
                    f"step {t} (η = {eta:.3g})"
                )
                break

    recorded = rates[: len(losses)]
    result = LRFinderResult(
        recorded,
        np.asarray(losses),
        np.asarray(smoothed),
        math.nan,
        float(recorded[np.argmin(smoothed)]) if smoothed else math.nan,
        stop_reason,
    )
    result.suggestion = _steepest(result, beta)
    return result


def _steepest(result: LRFinderResult, smoothing: float) -> float:
    """η of the most negative ``dŝ/d log η`` over steps ``k₀ … min(k*, n − 2)``,
    with ``k* = argmin ŝ`` and ``k₀ = ⌈1 / (1 − β)⌉`` (NaN if that range is
    empty).

    The first ``k₀`` steps are skipped because ``ŝ`` still averages fewer losses
    than its window there, so its slope is mostly batch noise.
    """
    first = max(1, math.ceil(1.0 / (1.0 - smoothing) - 1e-9))
    last = min(int(np.argmin(result.smoothed_losses)), result.steps - 2)
    if result.steps < 3 or last < first:
        return math.nan
    slopes = result.slopes()[first : last + 1]
    return float(result.learning_rates[first + int(np.argmin(slopes))])


def _endless(engine: Engine, rng: np.random.Generator) -> Iterator[Any]:
    """The engine's batches, epoch after epoch (reshuffled each time)."""
    while True:
        yield from engine.batches(rng)
