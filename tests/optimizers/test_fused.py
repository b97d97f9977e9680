"""Tests of ffnn.optimizers.fused: the compiled single-pass updates give the NumPy
code's numbers bit for bit, in training too, and compile without a writable cache."""

import types

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import Adam
from ffnn.optimizers.update_plan import FUSED_MIN_SIZE, fused_kernels

pytestmark = pytest.mark.skipif(
    fused_kernels() is None, reason="Numba does not import here"
)

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
def test_fused_update_equals_numpy_update_bit_for_bit(make_optimizer, dtype):
    fused_params, fused_state = _train(make_optimizer(True), dtype)
    numpy_params, numpy_state = _train(make_optimizer(False), dtype)
    for a, b in zip(
        fused_params + fused_state, numpy_params + numpy_state, strict=True
    ):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


def test_fused_updates_in_place(make_optimizer):
    w = np.random.default_rng(4).standard_normal(5)
    before, buffer = w.copy(), w
    make_optimizer(True).step([w], [np.ones(5)], 0.1)
    assert w is buffer
    assert not np.array_equal(w, before)


def test_training_with_and_without_kernels_is_identical():
    """The fast engine plus the compiled Adam train exactly like the NumPy
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

    from ffnn.optimizers import fused

    real_njit = numba.njit

    def njit(*args, cache=False, **options):
        if cache:
            raise RuntimeError("cannot cache function 'sgd': no locator available")
        return real_njit(*args, **options)

    monkeypatch.setattr(numba, "njit", njit)
    try:
        uncached = importlib.reload(fused)
        w = np.arange(4.0)
        out = np.empty_like(w)
        uncached.sgd(w, np.ones(4), out, 0.5)
        np.testing.assert_array_equal(out, w - 0.5)
    finally:
        monkeypatch.undo()
        importlib.reload(fused)


def test_numpy_scalar_learning_rates_round_alike(make_optimizer):
    """A schedule may return NumPy scalars; both updates use them as floats."""
    results = []
    for fused in (True, False):
        rng = np.random.default_rng(6)
        w = rng.standard_normal(50).astype(np.float32)
        optimizer = make_optimizer(fused)
        for step in range(5):
            g = rng.standard_normal(50).astype(np.float32)
            optimizer.step([w], [g], np.float64(0.1) * np.cos(np.float64(step) / 7))
        results.append(w)
    np.testing.assert_array_equal(*results)


@pytest.mark.parametrize(
    "w_dtype, g_dtype",
    [(">f4", ">f4"), ("<f4", "<f8"), ("<f8", "<f4")],
    ids=["big-endian", "float32-params-float64-grads", "float64-params-float32-grads"],
)
def test_arrays_the_kernels_cannot_walk_take_the_numpy_path(
    make_optimizer, w_dtype, g_dtype
):
    results = []
    for fused in (True, False):
        rng = np.random.default_rng(7)
        w = rng.standard_normal(40).astype(w_dtype)
        optimizer = make_optimizer(fused)
        for _ in range(4):
            optimizer.step([w], [rng.standard_normal(40).astype(g_dtype)], 0.1)
        results.append(w)
    np.testing.assert_array_equal(*results)


def test_a_big_endian_network_trains_with_the_default_optimizer():
    rng = np.random.default_rng(8)
    X = rng.random((64, 784)).astype(">f4")
    y = rng.integers(0, 10, 64)
    net = ffnn.Network.mlp([784, 32, 10], dtype=">f4", seed=0)
    history = ffnn.train(net, X, y, optimizer=Adam(1e-3), epochs=2, batch_size=32)
    assert np.isfinite(history.loss).all()
