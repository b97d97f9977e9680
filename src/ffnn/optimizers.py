"""Optimizers: ``step(params, grads, learning_rate)`` updates the parameters in place.

One optimizer serves one training run; its state (``velocity``; Adam's ``m``,
``v``, ``t``) is created on the first step, one array per parameter. The learning
rate η comes from the optimizer's schedule, evaluated by the training loop for
each epoch, so every optimizer takes a float or a :mod:`ffnn.schedules` schedule.

With ``reduction="sum"`` (the notes' summed gradients) the gradient is n times
the mean's, so the notes' η = 0.01 on 200 samples equals η = 2.0 with the mean.

Every update exists twice: as NumPy code that reads like the paper (one array
operation per term), and as a compiled single-pass loop in :mod:`ffnn._fused`
that performs the same floating-point operations in the same order, so both give
the same numbers. ``fused`` chooses: ``None`` (default) takes the compiled loop
for parameters of at least 16,384 entries in all
(:data:`ffnn._update_plan.FUSED_MIN_SIZE`) when Numba imports, ``False`` always
the NumPy code, ``True`` the compiled loop for any size. Either way, arrays the
loops cannot walk (not C-contiguous, or not all of the parameter's
float32/float64 dtype) take the NumPy code.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ffnn._update_plan import UpdatePlan, add, flat, fused_kernels, subtract
from ffnn._validation import check_positive, lookup
from ffnn.schedules import Schedule, as_schedule

#: steps between flushes of near-subnormal optimizer state (see
#: :meth:`Optimizer._flush_subnormals`)
FLUSH_EVERY = 100


class Optimizer:
    """Base class. ``learning_rate`` is η, a float or a :class:`Schedule`;
    ``fused`` picks the compiled (True) or the NumPy (False) update, None the
    compiled one for large parameters when Numba imports."""

    def __init__(
        self, learning_rate: float | Schedule = 0.01, fused: bool | None = None
    ) -> None:
        self.schedule = as_schedule(learning_rate)
        if fused is not None and not isinstance(fused, bool):
            raise TypeError(f"fused must be True, False or None, got {fused!r}")
        if fused and fused_kernels() is None:
            raise ImportError(
                "fused=True needs Numba, which does not import here; install it "
                "(pip install numba) or pass fused=None to fall back to NumPy"
            )
        self.fused = fused
        self._steps = 0
        self._plan: UpdatePlan | None = None

    def _plan_step(
        self, params: list[np.ndarray], grads: list[np.ndarray], *states
    ) -> UpdatePlan:
        """How to update these arrays (see :class:`UpdatePlan`), decided on the
        first step that sees them; ValueError if the gradients or the state do
        not match the parameters."""
        plan = self._plan
        if plan is None or not plan.serves(params, grads, self.fused):
            plan = UpdatePlan(
                params, grads, states, self.fused, self._scratch_sets, previous=plan
            )
            self._plan = plan
        return plan

    def __getstate__(self) -> dict[str, Any]:
        # the plan holds the last arrays stepped and scratch the size of the
        # parameters: a copy (deepcopy, pickle) starts without it
        state = self.__dict__.copy()
        state["_plan"] = None
        return state

    def _flush_subnormals(self, states: list[np.ndarray]) -> None:
        """Every :data:`FLUSH_EVERY` steps, zero state entries below
        ``1e8 × the smallest normal float``.

        A moment or velocity whose gradient stops (a pixel that is rarely on, a
        dead unit) decays geometrically (×0.9 per step for β₁ = 0.9) and would
        spend ~150 steps in the subnormal range, where x86 arithmetic is ~100×
        slower; an MNIST epoch then took 30× longer. From 1e8 × tiny such an
        entry needs ≥ 175 steps (at a decay of 0.9) to become subnormal, so a
        flush every 100 steps keeps the state normal. The entries zeroed are
        below 1e-30 (float32), far too small to change any update.
        """
        self._steps += 1
        if self._steps % FLUSH_EVERY:
            return
        for state in states:
            threshold = np.finfo(state.dtype).tiny * 1e8
            np.putmask(state, np.abs(state) < threshold, 0.0)

    @property
    def learning_rate(self) -> float:
        """The initial learning rate η₀."""
        return self.schedule(0)

    def step(
        self, params: list[np.ndarray], grads: list[np.ndarray], learning_rate: float
    ) -> None:
        """Update every array in ``params`` in place from the matching ``grads``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the state of earlier steps (velocities, moments)."""

    def config(self) -> dict[str, Any]:
        """The optimizer's settings, for metrics files."""
        return {"name": self.name, "learning_rate": self.schedule.config()}

    name = "optimizer"
    #: scratch arrays per parameter that the NumPy update needs
    _scratch_sets = 1


class SGD(Optimizer):
    """Gradient descent ``w ← w − η ∂L/∂w``, optionally with momentum.

    With momentum μ (Polyak 1964; Sutskever et al. 2013)::

        velocity ← μ velocity − η ∂L/∂w
        w ← w + velocity                         (classical)
        w ← w + μ velocity − η ∂L/∂w             (Nesterov)
    """

    name = "sgd"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(learning_rate, fused)
        momentum = check_positive(momentum, "momentum", allow_zero=True)
        if momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
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


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1)::

    t ← t + 1
    m ← β₁ m + (1 − β₁) g
    v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    w ← w − η m̂ / (√v̂ + ε)
    """

    name = "adam"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        fused: bool | None = None,
    ) -> None:
        super().__init__(learning_rate, fused)
        for value, label in ((beta1, "beta1"), (beta2, "beta2")):
            if not 0.0 <= float(value) < 1.0:
                raise ValueError(f"{label} must be in [0, 1), got {value!r}")
        self.beta1 = float(beta1)
        self.beta2 = float(beta2)
        self.epsilon = check_positive(epsilon, "epsilon")
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
        eps_hat = self.epsilon * math.sqrt(1.0 - b2**self.t)
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
        }

    def __repr__(self) -> str:
        return f"Adam(learning_rate={self.schedule!r})"


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012)::

    v ← ρ v + (1 − ρ) g²
    w ← w − η g / (√v + ε)
    """

    name = "rmsprop"

    def __init__(
        self,
        learning_rate: float | Schedule = 0.001,
        rho: float = 0.9,
        epsilon: float = 1e-8,
        fused: bool | None = None,
    ) -> None:
        super().__init__(learning_rate, fused)
        if not 0.0 <= float(rho) < 1.0:
            raise ValueError(f"rho must be in [0, 1), got {rho!r}")
        self.rho = float(rho)
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


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """A new optimizer of the kind ``name`` ('sgd', 'adam', 'rmsprop')."""
    return lookup(OPTIMIZERS, name, "optimizer")(**options)
