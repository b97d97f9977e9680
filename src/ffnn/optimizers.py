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
for parameters of at least :data:`FUSED_MIN_SIZE` entries when Numba imports,
``False`` always the NumPy code, ``True`` always the compiled loop.
"""

from __future__ import annotations

import functools
import math
from types import ModuleType
from typing import Any

import numpy as np

from ffnn._validation import check_positive, lookup
from ffnn.schedules import Schedule, as_schedule

#: steps between flushes of near-subnormal optimizer state (see
#: :meth:`Optimizer._flush_subnormals`)
FLUSH_EVERY = 100

#: with ``fused=None``, parameters with fewer entries than this use the NumPy code
FUSED_MIN_SIZE = 16_384


@functools.cache
def fused_kernels() -> ModuleType | None:
    """The compiled updates of :mod:`ffnn._fused`, or None where Numba does not
    import (then every optimizer runs its NumPy code)."""
    try:
        from ffnn import _fused
    except ImportError:
        return None
    return _fused


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
        self._plan: _Plan | None = None

    def _plan_step(
        self, params: list[np.ndarray], grads: list[np.ndarray], *states
    ) -> _Plan:
        """How to update these arrays (see :class:`_Plan`), decided on the first
        step that sees them."""
        plan = self._plan
        if plan is not None and _same(plan.params, params) and _same(plan.grads, grads):
            return plan
        kernels = None
        large = sum(w.size for w in params) >= FUSED_MIN_SIZE
        if self.fused or (self.fused is None and large):
            kernels = fused_kernels()
            for group in (params, grads, *states):
                for a in group:
                    if not a.flags.c_contiguous or a.dtype.char not in "fd":
                        kernels = None
        self._plan = _Plan(params, grads, kernels, large, self._scratch_sets)
        return self._plan

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


class _Plan:
    """How an optimizer updates one set of parameter arrays.

    ``large``: the parameters have at least :data:`FUSED_MIN_SIZE` entries.
    ``kernels``: the compiled module when ``fused`` is True, or None and the
    parameters are large (for small ones the NumPy calls are cheap and
    importing Numba, ~0.25 s, would not pay off), and every array is
    C-contiguous float32/float64, as the kernels walk flat views; else None.
    ``work`` (and ``extra``): scratch arrays shaped like the parameters.
    """

    __slots__ = ("extra", "grads", "kernels", "large", "params", "work")

    def __init__(self, params, grads, kernels, large, scratch_sets):
        self.params, self.grads = list(params), list(grads)
        self.kernels, self.large = kernels, large
        self.work = [np.empty_like(w) for w in params]
        self.extra = [np.empty_like(w) for w in params] if scratch_sets > 1 else []


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
        if self.momentum == 0.0:
            plan = self._plan_step(params, grads)
            if plan.kernels is not None:
                for w, g, new in zip(params, grads, plan.work, strict=True):
                    plan.kernels.sgd(
                        _flat(w), _flat(g), _flat(new), w.dtype.type(learning_rate)
                    )
                    np.copyto(w, new)
                return
            for w, g, scaled in zip(params, grads, plan.work, strict=True):
                np.multiply(g, learning_rate, out=scaled)  # η ∂L/∂w
                _subtract(w, scaled, plan.large)
            return
        if self.velocity is None:
            self.velocity = [np.zeros_like(w) for w in params]
        mu = self.momentum
        plan = self._plan_step(params, grads, self.velocity)
        if plan.kernels is not None:
            update = plan.kernels.nesterov if self.nesterov else plan.kernels.momentum
            for w, g, velocity, new in zip(
                params, grads, self.velocity, plan.work, strict=True
            ):
                cast = w.dtype.type
                update(
                    _flat(w), _flat(g), _flat(velocity), _flat(new),
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
                    _add(w, step, plan.large)
                elif plan.large:  # w ← w + velocity, copied back (see _subtract)
                    np.add(w, velocity, out=scaled)
                    np.copyto(w, scaled)
                else:
                    w += velocity
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
        if self.m is None or self.v is None:
            self.m = [np.zeros_like(w) for w in params]
            self.v = [np.zeros_like(w) for w in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # fold both bias corrections into the step size: η √(1−β₂ᵗ) / (1−β₁ᵗ)
        # Python floats: a NumPy float64 scalar would run float32 arrays through
        # the float64 loop with casting, several times slower
        step_size = learning_rate * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        eps_hat = self.epsilon * math.sqrt(1.0 - b2**self.t)
        plan = self._plan_step(params, grads, self.m, self.v)
        if plan.kernels is not None:
            for w, g, m, v, new in zip(
                params, grads, self.m, self.v, plan.work, strict=True
            ):
                cast = w.dtype.type  # the scalars NumPy would cast to
                plan.kernels.adam(
                    _flat(w), _flat(g), _flat(m), _flat(v), _flat(new),
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
                _subtract(w, work, plan.large)  # w ← w − η_t m / (√v + ε̂)
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
        if self.v is None:
            self.v = [np.zeros_like(w) for w in params]
        rho = self.rho
        plan = self._plan_step(params, grads, self.v)
        if plan.kernels is not None:
            for w, g, v, new in zip(params, grads, self.v, plan.work, strict=True):
                cast = w.dtype.type
                plan.kernels.rmsprop(
                    _flat(w), _flat(g), _flat(v), _flat(new), cast(rho),
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
                _subtract(w, work, plan.large)  # w ← w − η g / (√v + ε)
        self._flush_subnormals(self.v)

    def config(self):
        return {**super().config(), "rho": self.rho, "epsilon": self.epsilon}

    def __repr__(self) -> str:
        return f"RMSProp(learning_rate={self.schedule!r}, rho={self.rho:g})"


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """A new optimizer of the kind ``name`` ('sgd', 'adam', 'rmsprop')."""
    return lookup(OPTIMIZERS, name, "optimizer")(**options)


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Whether two lists hold the very same arrays."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):  # noqa: B905 (lengths checked above)
        if x is not y:
            return False
    return True


def _flat(a: np.ndarray) -> np.ndarray:
    """A 1-D view of a C-contiguous array, the shape the kernels walk."""
    return a.reshape(-1)


def _add(w: np.ndarray, update: np.ndarray, large: bool) -> None:
    """``w ← w + update`` (``update`` is scratch; see :func:`_subtract`)."""
    if large:
        np.add(w, update, out=update)
        np.copyto(w, update)
    else:
        w += update


def _subtract(w: np.ndarray, update: np.ndarray, large: bool) -> None:
    """``w ← w − update``; for large ``w`` computed into ``update`` (scratch) and
    copied back into ``w``.

    The copy is faster for large arrays: the BLAS threads on other cores have
    just read ``w`` in the forward pass, and a read-modify-write then waits on
    every cache line to be taken back from them, while a copy streams its
    stores (MNIST 784-100-10: 18 µs against 66 µs per Adam step on 2 cores).
    Small arrays are updated in place, one call fewer.
    """
    if large:
        np.subtract(w, update, out=update)
        np.copyto(w, update)
    else:
        w -= update
