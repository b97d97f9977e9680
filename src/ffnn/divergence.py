"""When training has diverged: the rule :func:`ffnn.train` applies after every
epoch and to the weights it ends with, and the error it raises.

The rule, with ``reference`` the larger of the loss before the first update and
the loss of an uninformed prediction (``log k`` for a softmax over ``k``
classes, ``½ Σ_j Var(y_j)`` for values: every output at its mean):

* a loss (or a weight) that is NaN or infinite is divergence at once;
* an epoch's loss above ``factor × reference`` (10 by default) is divergence
  when it stays there for ``patience`` epochs in a row (5 by default): a step
  that overshoots and recovers, as the notes' runs and many a large learning
  rate do, is a spike, not divergence;
* the weights a run ends with must have a loss below ``factor × reference``:
  a run that ends there has not learned, however few epochs it ran.

Saturating activations (tanh, sigmoid) never overflow, so a run whose steps
overshoot ends at a large finite loss: before this rule ``ffnn train --lr 100``
ended "successfully" at a loss of 7956.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the training loop imports this module
    from ffnn.network import Network
    from ffnn.training import History

#: a loss above this multiple of the run's reference is too high
DIVERGENCE_FACTOR = 10.0
#: epochs in a row above it that make a divergence
DIVERGENCE_PATIENCE = 5


class TrainingDivergedError(FloatingPointError):
    """Training diverged (see :mod:`ffnn.divergence`); ``history`` holds the
    epochs before, ``epoch`` (counted from 0) and ``learning_rate`` say where,
    ``reason`` why."""

    def __init__(
        self,
        epoch: int,
        loss: float,
        learning_rate: float,
        history: History,
        reason: str = "",
    ) -> None:
        self.epoch = epoch
        self.loss = loss
        self.learning_rate = learning_rate
        self.history = history
        self.reason = reason or f"the loss became {loss}"
        super().__init__(
            f"training diverged at epoch {epoch}: {self.reason}, with learning rate "
            f"η = {learning_rate:g}; try a smaller learning rate (remember "
            "reduction='sum' multiplies the gradient by the batch size)"
        )


def uninformed_loss(net: Network, targets: np.ndarray) -> float:
    """The loss of a prediction that knows nothing: every class equally likely
    (``log k``), or every output at its mean (``½ Σ_j Var(y_j)``)."""
    if net.is_classifier:
        return math.log(net.n_outputs)
    return 0.5 * float(np.var(targets, axis=0).sum())


def reference_loss(net: Network, targets: np.ndarray, initial_loss: float) -> float:
    """What a run's loss is measured against: the larger of the loss before the
    first update and :func:`uninformed_loss` (so that a warm start from trained
    weights does not make every later wobble a divergence)."""
    return max(initial_loss, uninformed_loss(net, targets))


def divergence(
    loss: float, reference: float, factor: float | None = DIVERGENCE_FACTOR
) -> str:
    """Why one ``loss`` is too high, or '': NaN or infinite, or (unless
    ``factor`` is None) above ``factor × reference``."""
    if not math.isfinite(loss):
        return f"the loss became {loss}"
    if factor is not None and loss > factor * reference:
        return (
            f"the loss rose to {loss:.4g}, above {factor:g} × {reference:.4g}, the "
            "loss it started from (or an uninformed prediction's)"
        )
    return ""


class DivergenceWatch:
    """The rule over a run: :meth:`epoch` after each epoch, :meth:`final` for
    the weights it ends with; each returns why the run diverged, or ''.

    ``above`` counts the epochs in a row above the line; it is part of a
    checkpoint, so that a resumed run decides as the run never stopped would.
    """

    def __init__(
        self,
        reference: float,
        factor: float | None = DIVERGENCE_FACTOR,
        patience: int = DIVERGENCE_PATIENCE,
        above: int = 0,
    ) -> None:
        self.reference, self.factor, self.patience = reference, factor, patience
        self.above = above

    def epoch(self, loss: float) -> str:
        reason = divergence(loss, self.reference, self.factor)
        if not reason or not math.isfinite(loss):
            self.above = 0 if not reason else self.above
            return reason
        self.above += 1
        if self.above < self.patience:
            return ""
        return f"{reason}, for {self.above} epochs in a row"

    def final(self, loss: float) -> str:
        reason = divergence(loss, self.reference, self.factor)
        return f"after the last epoch {reason}" if reason else ""
