"""RMSProp (Tieleman & Hinton 2012)."""

from __future__ import annotations

import numpy as np

from ffnn._validation import check_fraction, check_positive
from ffnn.optimizers.base import Optimizer
from ffnn.optimizers.update_plan import flat, subtract
from ffnn.schedules import Schedule


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012)::

    v ← ρ v + (1 − ρ) g²
    w ← w − η g / (√v + ε)
    """

    name = "rmsprop"
    _state_arrays = ("v",)

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-8,
        fused: bool | None = None,
    ) -> None:
        super().__init__(learning_rate, fused)
        self.rho = check_fraction(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.v: list[np.ndarray] | None = None

    def reset(self) -> None:
        self.v = None

    def step(self, params, grads, learning_rate):
        learning_rate = float(learning_rate)  # NumPy scalars: see Adam.step
        if self.v is None:
            self.v = [np.zeros_like(w) for w in params]
        rho = self.rho
        plan = self._plan_step(params, grads, self.v)
        kernels = plan.kernels
        if kernels is not None:
            for w, g, v, new in zip(params, grads, self.v, plan.work, strict=True):
                cast = w.dtype.type
                kernels.rmsprop(
                    flat(w), flat(g), flat(v), flat(new), cast(rho),
                    cast(1.0 - rho), cast(learning_rate), cast(self.epsilon),
                )  # fmt: skip
                np.copyto(w, new)
        else:
            for w, g, v, work in zip(params, grads, self.v, plan.work, strict=True):
                v *= rho
                np.multiply(g, g, out=work)
                work *= 1.0 - rho
                v += work  # v ← ρ v + (1 − ρ) g²
                np.sqrt(v, out=work)
                work += self.epsilon
                np.divide(g, work, out=work)
                work *= learning_rate
                subtract(w, work, plan.large)  # w ← w − η g / (√v + ε)
        self._flush_subnormals(self.v)

    def config(self):
        return {**super().config(), "rho": self.rho, "epsilon": self.epsilon}

    def __repr__(self) -> str:
        return f"RMSProp(learning_rate={self.schedule!r}, rho={self.rho:g})"
