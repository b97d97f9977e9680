"""The optimizer protocol: ``step(params, grads, learning_rate)``, a schedule for
η, an update plan (compiled or NumPy, see :mod:`ffnn.optimizers.update_plan`)
and the periodic flush of near-subnormal state."""

from __future__ import annotations

from typing import Any

import numpy as np

from ffnn.optimizers import update_plan
from ffnn.optimizers.update_plan import UpdatePlan
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
        if fused and update_plan.fused_kernels() is None:
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

    def state(self) -> tuple[dict[str, list[np.ndarray] | None], dict[str, int]]:
        """Copies of what the next steps depend on besides the gradients: the
        arrays (velocities, moments) by attribute, and the counters (steps)."""
        arrays = {
            name: None
            if getattr(self, name) is None
            else [a.copy() for a in getattr(self, name)]
            for name in self._state_arrays
        }
        numbers = {name: int(getattr(self, name)) for name in self._state_numbers}
        return arrays, numbers

    def set_state(
        self, arrays: dict[str, list[np.ndarray] | None], numbers: dict[str, int]
    ) -> None:
        """Restore a :meth:`state`; ValueError if it belongs to another optimizer."""
        if set(arrays) != set(self._state_arrays) or set(numbers) != set(
            self._state_numbers
        ):
            raise ValueError(
                f"the saved optimizer state ({sorted(arrays)}, {sorted(numbers)}) is "
                f"not a {type(self).__name__}'s"
            )
        for name, value in arrays.items():
            setattr(self, name, None if value is None else [a.copy() for a in value])
        for name, value in numbers.items():
            setattr(self, name, int(value))
        self._plan = None  # planned again for the arrays of the next step

    def config(self) -> dict[str, Any]:
        """The optimizer's settings, for metrics files."""
        return {"name": self.name, "learning_rate": self.schedule.config()}

    name = "optimizer"
    #: the state a checkpoint keeps (see :meth:`state` and :meth:`set_state`):
    #: attributes holding a list of arrays (one per parameter array, or None
    #: before the first step), and attributes holding a number
    _state_arrays: tuple[str, ...] = ()
    _state_numbers: tuple[str, ...] = ("_steps",)
    #: scratch arrays per parameter that the NumPy update needs
    _scratch_sets = 1
