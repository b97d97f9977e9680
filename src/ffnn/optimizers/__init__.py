"""Optimizers: ``step(params, grads, learning_rate)`` updates the parameters in place.

One optimizer serves one training run; its state (``velocity``; Adam's ``m``,
``v``, ``t``) is created on the first step, one array per parameter. The learning
rate η comes from the optimizer's schedule, evaluated by the training loop for
each epoch, so every optimizer takes a float or a :mod:`ffnn.schedules` schedule.

With ``reduction="sum"`` (the notes' summed gradients) the gradient is n times
the mean's, so the notes' η = 0.01 on 200 samples equals η = 2.0 with the mean.

The package holds one concept per module:

* :mod:`~ffnn.optimizers.base`: the :class:`Optimizer` protocol, its update plan
  and the flush of near-subnormal state;
* :mod:`~ffnn.optimizers.sgd`, :mod:`~ffnn.optimizers.adam`,
  :mod:`~ffnn.optimizers.rmsprop`: the update rules, as NumPy code that reads
  like the paper;
* :mod:`~ffnn.optimizers.fused`: the same rules as one-pass loops compiled by
  Numba ("fused": one pass over memory instead of one per term), which perform
  the same floating-point operations in the same order, so both give the same
  numbers;
* :mod:`~ffnn.optimizers.update_plan`: which of the two runs on a set of arrays.

``fused`` chooses: ``None`` (default) takes the compiled loop for parameters of
at least 16,384 entries in all (:data:`~ffnn.optimizers.update_plan.FUSED_MIN_SIZE`)
when Numba imports, ``False`` always the NumPy code, ``True`` the compiled loop for
any size. Either way, arrays the loops cannot walk (not C-contiguous, or not all of
the parameter's float32/float64 dtype) take the NumPy code.
"""

from __future__ import annotations

from typing import Any

from ffnn._validation import lookup
from ffnn.optimizers.adam import Adam
from ffnn.optimizers.base import FLUSH_EVERY, Optimizer
from ffnn.optimizers.rmsprop import RMSProp
from ffnn.optimizers.sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """A new optimizer of the kind ``name`` ('sgd', 'adam', 'rmsprop')."""
    return lookup(OPTIMIZERS, name, "optimizer")(**options)


__all__ = [
    "FLUSH_EVERY",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "Optimizer",
    "RMSProp",
    "get_optimizer",
]
