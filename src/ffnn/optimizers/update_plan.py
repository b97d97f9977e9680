"""How an optimizer carries out its update on a set of parameter arrays:
compiled or NumPy, in place or through scratch and a copy.

:class:`UpdatePlan` is decided once per set of arrays and checks that the
gradients and the optimizer's state match the parameters; :func:`add` and
:func:`subtract` write large parameters back by copy (see :func:`subtract`
for why).
"""

from __future__ import annotations

import functools
from types import ModuleType

import numpy as np

#: with ``fused=None``, parameters with fewer entries than this use the NumPy code
FUSED_MIN_SIZE = 16_384


@functools.cache
def fused_kernels() -> ModuleType | None:
    """The compiled updates of :mod:`ffnn.optimizers.fused`, or None where Numba
    does not import (then every optimizer runs its NumPy code)."""
    try:
        from ffnn.optimizers import fused
    except ImportError:
        return None
    return fused


class UpdatePlan:
    """How an optimizer updates one set of parameter arrays.

    ``large``: the parameters have at least :data:`FUSED_MIN_SIZE` entries in
    all. ``kernels``: the compiled module when ``fused`` is True, or None and
    the parameters are large (for small ones the NumPy calls are cheap and
    importing Numba, ~0.25 s, would not pay off), Numba imports, and every
    array is C-contiguous and of the parameter's float32/float64 dtype, as the
    kernels walk flat views; else None, the NumPy update. ``work`` (and
    ``extra``): scratch arrays shaped like the parameters, reused from the
    previous plan where they fit.
    """

    __slots__ = ("compiled", "extra", "fused", "grads", "large", "params", "work")

    def __init__(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        states: tuple[list[np.ndarray], ...],
        fused: bool | None,
        scratch_sets: int,
        previous: UpdatePlan | None = None,
    ) -> None:
        _check_matching(params, grads, states)
        large = sum(w.size for w in params) >= FUSED_MIN_SIZE
        compiled = bool(fused or (fused is None and large))
        compiled = compiled and fused_kernels() is not None
        for group in (params, grads, *states):
            for a, w in zip(group, params, strict=True):
                # the kernels walk flat views of arrays of one native float dtype
                if not a.flags.c_contiguous or a.dtype != w.dtype:
                    compiled = False
                if w.dtype not in (np.float32, np.float64):
                    compiled = False
        self.params, self.grads = list(params), list(grads)
        self.fused, self.compiled, self.large = fused, compiled, large
        self.work = _scratch(params, previous.work if previous else [])
        self.extra = (
            _scratch(params, previous.extra if previous else [])
            if scratch_sets > 1
            else []
        )

    def serves(
        self, params: list[np.ndarray], grads: list[np.ndarray], fused: bool | None
    ) -> bool:
        """Whether this plan was made for these very arrays and setting."""
        return (
            self.fused is fused
            and _same(self.params, params)
            and _same(self.grads, grads)
        )

    @property
    def kernels(self) -> ModuleType | None:
        # looked up, not stored: an optimizer stays picklable
        return fused_kernels() if self.compiled else None


def _scratch(params: list[np.ndarray], old: list[np.ndarray]) -> list[np.ndarray]:
    """Scratch arrays like ``params``: ``old`` if it fits, else new ones."""
    if len(old) == len(params) and all(
        a.shape == w.shape and a.dtype == w.dtype
        for a, w in zip(old, params, strict=True)
    ):
        return old
    return [np.empty_like(w) for w in params]


def _check_matching(params, grads, states) -> None:
    """Raise ValueError unless every gradient and state array has its
    parameter's shape."""
    if len(grads) != len(params):
        raise ValueError(
            f"got {len(grads)} gradient arrays for {len(params)} parameter arrays"
        )
    for index, (w, g) in enumerate(zip(params, grads, strict=True)):
        if g.shape != w.shape:
            raise ValueError(
                f"gradient {index} has shape {g.shape} but its parameter has "
                f"shape {w.shape}"
            )
    for group in states:
        if len(group) != len(params) or any(
            a.shape != w.shape for a, w in zip(group, params, strict=False)
        ):
            raise ValueError(
                "the optimizer's state does not match these parameters' shapes: "
                "it was used with other parameters; call reset() or use a new "
                "optimizer for each training run"
            )


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    """Whether two lists hold the very same arrays."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):  # noqa: B905 (lengths checked above)
        if x is not y:
            return False
    return True


def flat(a: np.ndarray) -> np.ndarray:
    """A 1-D view of a C-contiguous array, the shape the kernels walk."""
    return a.reshape(-1)


def add(
    w: np.ndarray, update: np.ndarray, large: bool, scratch: np.ndarray | None = None
) -> None:
    """``w ← w + update``; for large ``w`` computed into ``scratch`` (by default
    ``update`` itself) and copied back (see :func:`subtract`)."""
    if large:
        out = update if scratch is None else scratch
        np.add(w, update, out=out)
        np.copyto(w, out)
    else:
        w += update


def subtract(w: np.ndarray, update: np.ndarray, large: bool) -> None:
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
