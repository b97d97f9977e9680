"""Tests of ffnn._fused: the compiled single-pass updates give the NumPy code's
numbers bit for bit, are chosen when they should be, and fall back cleanly."""

import types

import numpy as np
import pytest

import ffnn
from ffnn import optimizers
from ffnn.optimizers import FUSED_MIN_SIZE, SGD, Adam, RMSProp, fused_kernels

pytestmark = pytest.mark.skipif(
    fused_kernels() is None, reason="Numba does not import here"
)

CONFIGS = {
    "sgd": lambda fused: SGD(0.1, fused=fused),
    "momentum": lambda fused: SGD(0.1, momentum=0.9, fused=fused),
    "nesterov": lambda fused: SGD(0.1, momentum=0.8, nesterov=True, fused=fused),
    "adam": lambda fused: Adam(0.01, fused=fused),
    "adam-betas": lambda fused: Adam(0.05, beta1=0.5, beta2=0.9, fused=fused),
    "rmsprop": lambda fused: RMSProp(0.01, rho=0.7, epsilon=1e-6, fused=fused),
}
SHAPES = [(3, 4), (4,), (2, 2), (FUSED_MIN_SIZE + 3,)]


def _state(optimizer):
    """Every state array the optimizer holds."""
    return {
        "sgd": lambda: optimizer.velocity or [],
        "adam": lambda: optimizer.m + optimizer.v,
        "rmsprop": lambda: optimizer.v,
    }[optimizer.name]()


def _train(optimizer, dtype, seed=0, steps=12):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    for step in range(steps):
        # gradients of every scale, exact zeros included
        grads = [
            (rng.standard_normal(p.shape) * 10.0 ** rng.integers(-6, 2)).astype(dtype)
            for p in params
        ]
        grads[0][0, 0] = 0.0
        optimizer.step(params, grads, 0.1 / (1 + step))
    return params, _state(optimizer)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fused_update_equals_numpy_update_bit_for_bit(name, dtype):
    fused_params, fused_state = _train(CONFIGS[name](True), dtype)
    numpy_params, numpy_state = _train(CONFIGS[name](False), dtype)
    for a, b in zip(
        fused_params + fused_state, numpy_params + numpy_state, strict=True
    ):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


class _Spy:
    """Stands in for the kernel module and counts the kernels called."""

    def __init__(self):
        self.calls = []
        real = fused_kernels()
        for name in ("sgd", "momentum", "nesterov", "adam", "rmsprop"):
            setattr(self, name, self._wrap(name, getattr(real, name)))

    def _wrap(self, name, kernel):
        def call(*args):
            self.calls.append(name)
            kernel(*args)

        return call


@pytest.fixture
def spy(monkeypatch):
    spy = _Spy()
    monkeypatch.setattr(optimizers, "fused_kernels", lambda: spy)
    return spy


def test_default_compiles_large_parameters_only(spy):
    small = [np.zeros((10, 10), np.float32)]
    Adam(0.01).step(small, [np.ones_like(small[0])], 0.01)
    assert spy.calls == []
    large = [np.zeros(FUSED_MIN_SIZE, np.float32)]
    Adam(0.01).step(large, [np.ones_like(large[0])], 0.01)
    assert spy.calls == ["adam"]


def test_fused_true_compiles_any_size_and_false_never(spy):
    w = [np.zeros(3)]
    SGD(0.1, momentum=0.5, fused=True).step(w, [np.ones(3)], 0.1)
    SGD(0.1, momentum=0.5, nesterov=True, fused=True).step(w, [np.ones(3)], 0.1)
    RMSProp(fused=True).step(w, [np.ones(3)], 0.1)
    large = [np.zeros(FUSED_MIN_SIZE)]
    Adam(fused=False).step(large, [np.ones_like(large[0])], 0.1)
    assert spy.calls == ["momentum", "nesterov", "rmsprop"]


def test_the_choice_is_made_again_for_new_arrays(spy):
    optimizer = SGD(0.1, fused=None)
    optimizer.step([np.zeros(4)], [np.ones(4)], 0.1)
    optimizer.step([np.zeros(FUSED_MIN_SIZE)], [np.ones(FUSED_MIN_SIZE)], 0.1)
    assert spy.calls == ["sgd"]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_non_contiguous_parameters_take_the_numpy_path(name, spy):
    """The kernels walk flat views; a strided array must not be updated through a
    copy (the update would be lost), so it goes through NumPy, correctly."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 8))
    grads = [rng.standard_normal((6, 4)) for _ in range(3)]
    strided = base.copy()[:, ::2]  # a view with a step: not contiguous
    fortran = np.asfortranarray(base[:, :4])
    for w in (strided, fortran):
        reference = np.ascontiguousarray(w)
        fused, plain = CONFIGS[name](True), CONFIGS[name](False)
        for g in grads:
            fused.step([w], [g], 0.1)
            plain.step([reference], [g], 0.1)
        np.testing.assert_array_equal(w, reference)
    assert spy.calls == []


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fused_updates_in_place(name):
    w = np.random.default_rng(4).standard_normal(5)
    before, buffer = w.copy(), w
    CONFIGS[name](True).step([w], [np.ones(5)], 0.1)
    assert w is buffer
    assert not np.array_equal(w, before)


def test_fused_true_without_numba_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(optimizers, "fused_kernels", lambda: None)
    with pytest.raises(ImportError, match="fused=True needs Numba"):
        Adam(fused=True)
    # the default falls back to NumPy
    w = [np.zeros(FUSED_MIN_SIZE)]
    Adam(0.1).step(w, [np.ones_like(w[0])], 0.1)
    np.testing.assert_allclose(w[0], -0.1, rtol=1e-6)


@pytest.mark.parametrize("bad", ["yes", 1, 0.0])
def test_fused_must_be_a_bool_or_none(bad):
    with pytest.raises(TypeError, match="fused must be True, False or None"):
        SGD(0.1, fused=bad)


def test_training_with_and_without_kernels_is_identical():
    """The fused engine plus the compiled Adam train exactly like the NumPy
    update, on a network large enough for the default to compile."""
    rng = np.random.default_rng(5)
    X = rng.random((300, 784), dtype=np.float32)
    y = rng.integers(0, 10, 300)
    results = []
    for fused in (None, False):
        net = ffnn.Network.mlp(
            [784, 32, 10], activation="relu", init="he_normal", dtype="float32", seed=0
        )
        assert net.n_parameters >= FUSED_MIN_SIZE
        history = ffnn.train(
            net,
            X,
            y,
            optimizer=Adam(1e-3, fused=fused),
            epochs=2,
            batch_size=64,
            seed=0,
        )
        results.append((history.loss, net.flat_parameters.copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_kernel_module_is_a_module():
    assert isinstance(fused_kernels(), types.ModuleType)


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    """Where Numba finds no writable cache directory it raises at decoration;
    the kernels are then compiled uncached and still agree with NumPy."""
    import importlib

    import numba

    from ffnn import _fused

    real_njit = numba.njit

    def njit(*args, cache=False, **options):
        if cache:
            raise RuntimeError("cannot cache function 'sgd': no locator available")
        return real_njit(*args, **options)

    monkeypatch.setattr(numba, "njit", njit)
    try:
        uncached = importlib.reload(_fused)
        w = np.arange(4.0)
        out = np.empty_like(w)
        uncached.sgd(w, np.ones(4), out, 0.5)
        np.testing.assert_array_equal(out, w - 0.5)
    finally:
        monkeypatch.undo()
        importlib.reload(_fused)
