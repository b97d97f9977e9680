"""Adam (Kingma & Ba 2015)."""

from __future__ import annotations

import math

import numpy as np

from ffnn._validation import check_fraction, check_positive
from ffnn.optimizers.base import Optimizer
from ffnn.optimizers.update_plan import flat, subtract
from ffnn.schedules import Schedule


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1)::

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    w ← w − η m̂ / (√v̂ + ε)

    With ``epsilon_hat=True`` ε is added to ``√v`` instead of ``√v̂`` (the paper's
    "ε̂" form, section 2, which scikit-learn's MLP, Keras and TensorFlow use)::

        w ← w − η (√(1 − β₂ᵗ) / (1 − β₁ᵗ)) m / (√v + ε)
    """

    name = "adam"
    _state_arrays = ("m", "v")
    _state_numbers = ("t", "_steps")

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        fused: bool | None = None,
        epsilon_hat: bool = False,
    ) -> None:
        super().__init__(learning_rate, fused)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.epsilon = check_positive(epsilon, "epsilon")
        if not isinstance(epsilon_hat, bool):
            raise TypeError(f"epsilon_hat must be True or False, got {epsilon_hat!r}")
        self.epsilon_hat = epsilon_hat
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None
        self.t = 0

    def reset(self) -> None:
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads, learning_rate):
        # Python floats: a NumPy float64 scalar would run float32 arrays through
        # the float64 loop with casting, several times slower, and round
        # differently from the compiled update, which works in the arrays' dtype
        learning_rate = float(learning_rate)
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(w) for w in params]
            self.v = [np.zeros_like(w) for w in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # fold both bias corrections into the step size: η √(1−β₂ᵗ) / (1−β₁ᵗ)
        step_size = learning_rate * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        # ε added to √v̂ is ε √(1−β₂ᵗ) added to √v; the ε̂ form adds ε itself
        eps_hat = (
            self.epsilon
            if self.epsilon_hat
            else self.epsilon * math.sqrt(1.0 - b2**self.t)
        )
        plan = self._plan_step(params, grads, self.m, self.v)
        kernels = plan.kernels
        if kernels is not None:
            for w, g, m, v, new in zip(
                params, grads, self.m, self.v, plan.work, strict=True
            ):
                cast = w.dtype.type  # the scalars NumPy would cast to
                kernels.adam(
                    flat(w), flat(g), flat(m), flat(v), flat(new),
                    cast(b1), cast(1.0 - b1), cast(b2), cast(1.0 - b2),
                    cast(step_size), cast(eps_hat),
                )  # fmt: skip
                np.copyto(w, new)
        else:
            # every line below works in place: no allocation per step
            for w, g, m, v, work in zip(
                params, grads, self.m, self.v, plan.work, strict=True
            ):
                m *= b1
                np.multiply(g, 1.0 - b1, out=work)
                m += work  # m ← β₁ m + (1 − β₁) g
                v *= b2
                np.multiply(g, g, out=work)
                work *= 1.0 - b2
                v += work  # v ← β₂ v + (1 − β₂) g²
                np.sqrt(v, out=work)
                work += eps_hat
                np.divide(m, work, out=work)
                work *= step_size
                subtract(w, work, plan.large)  # w ← w − η_t m / (√v + ε̂)
        self._flush_subnormals(self.m + self.v)

    def config(self):
        return {
            **super().config(),
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "epsilon_hat": self.epsilon_hat,
        }

    def __repr__(self) -> str:
        return f"Adam(learning_rate={self.schedule!r})"
