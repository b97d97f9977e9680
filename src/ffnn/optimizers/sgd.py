"""Gradient descent, with classical or Nesterov momentum."""

from __future__ import annotations

import numpy as np

from ffnn._validation import check_bool, check_fraction
from ffnn.optimizers.base import Optimizer
from ffnn.optimizers.update_plan import add, flat, subtract
from ffnn.schedules import Schedule


class SGD(Optimizer):
    """Gradient descent ``w ← w − η ∂L/∂w``, optionally with momentum.

    With momentum μ (Polyak 1964; Sutskever et al. 2013)::

        velocity ← μ velocity − η ∂L/∂w
        w ← w + velocity                         (classical)
        w ← w + μ velocity − η ∂L/∂w             (Nesterov)
    """

    name = "sgd"
    _state_arrays = ("velocity",)

    def __init__(
        self,
        learning_rate: float | Schedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(learning_rate, fused)
        momentum = check_fraction(momentum, "momentum")
        if check_bool(nesterov, "nesterov") and momentum == 0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.momentum = momentum
        self.nesterov = bool(nesterov)
        self._scratch_sets = 2 if self.nesterov else 1
        self.velocity: list[np.ndarray] | None = None

    def reset(self) -> None:
        self.velocity = None

    def step(self, params, grads, learning_rate):
        learning_rate = float(learning_rate)  # NumPy scalars: see Adam.step
        if self.momentum == 0.0:
            plan = self._plan_step(params, grads)
            kernels = plan.kernels
            if kernels is not None:
                for w, g, new in zip(params, grads, plan.work, strict=True):
                    kernels.sgd(
                        flat(w), flat(g), flat(new), w.dtype.type(learning_rate)
                    )
                    np.copyto(w, new)
                return
            for w, g, scaled in zip(params, grads, plan.work, strict=True):
                np.multiply(g, learning_rate, out=scaled)  # η ∂L/∂w
                subtract(w, scaled, plan.large)
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(w) for w in params]
        mu = self.momentum
        plan = self._plan_step(params, grads, self.velocity)
        kernels = plan.kernels
        if kernels is not None:
            update = kernels.nesterov if self.nesterov else kernels.momentum
            for w, g, velocity, new in zip(
                params, grads, self.velocity, plan.work, strict=True
            ):
                cast = w.dtype.type
                update(
                    flat(w), flat(g), flat(velocity), flat(new),
                    cast(learning_rate), cast(mu),
                )  # fmt: skip
                np.copyto(w, new)
        else:
            # Nesterov needs a second scratch array for μ velocity − η ∂L/∂w
            extra = plan.extra if self.nesterov else plan.work
            for w, g, velocity, scaled, step in zip(
                params, grads, self.velocity, plan.work, extra, strict=True
            ):
                np.multiply(g, learning_rate, out=scaled)  # η ∂L/∂w
                velocity *= mu
                velocity -= scaled  # velocity ← μ velocity − η ∂L/∂w
                if self.nesterov:
                    np.multiply(velocity, mu, out=step)
                    step -= scaled  # μ velocity − η ∂L/∂w
                    add(w, step, plan.large)
                else:  # w ← w + velocity; velocity is state, so scratch
                    add(w, velocity, plan.large, scratch=scaled)
        self._flush_subnormals(self.velocity)

    def config(self):
        return {
            **super().config(),
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }

    def __repr__(self) -> str:
        return (
            f"SGD(learning_rate={self.schedule!r}, momentum={self.momentum:g}, "
            f"nesterov={self.nesterov})"
        )
