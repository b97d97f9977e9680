"""Tests of ffnn.optimizers.update_plan: when the compiled updates are chosen, that the
choice follows the arrays and the ``fused`` setting, that mismatched arrays are
refused with a clear error, and that a used optimizer can still be copied."""

import copy
import pickle

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import SGD, Adam, RMSProp, update_plan
from ffnn.optimizers.update_plan import FUSED_MIN_SIZE, fused_kernels


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
    if fused_kernels() is None:
        pytest.skip("Numba does not import here")
    spy = _Spy()
    monkeypatch.setattr(update_plan, "fused_kernels", lambda: spy)
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


def test_non_contiguous_parameters_take_the_numpy_path(make_optimizer, spy):
    """The kernels walk flat views; a strided array must not be updated through a
    copy (the update would be lost), so it goes through NumPy, correctly."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 8))
    grads = [rng.standard_normal((6, 4)) for _ in range(3)]
    strided = base.copy()[:, ::2]  # a view with a step: not contiguous
    fortran = np.asfortranarray(base[:, :4])
    for w in (strided, fortran):
        reference = np.ascontiguousarray(w)
        fused, plain = make_optimizer(True), make_optimizer(False)
        for g in grads:
            fused.step([w], [g], 0.1)
            plain.step([reference], [g], 0.1)
        np.testing.assert_array_equal(w, reference)
    assert spy.calls == []


def test_fused_true_without_numba_says_how_to_get_it(monkeypatch):

    monkeypatch.setattr(update_plan, "fused_kernels", lambda: None)
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


def test_changing_fused_after_a_step_takes_effect(spy):
    optimizer = Adam(0.01, fused=False)
    w, g = [np.zeros(FUSED_MIN_SIZE)], [np.ones(FUSED_MIN_SIZE)]
    optimizer.step(w, g, 0.01)
    optimizer.fused = None
    optimizer.step(w, g, 0.01)
    assert spy.calls == ["adam"]


@pytest.mark.parametrize("fused", [None, False])
def test_an_optimizer_reused_on_other_parameters_says_reset(make_optimizer, fused):
    """Moments sized for one network must never be walked with another's
    parameters (the compiled loop would read and write past their end)."""
    optimizer = make_optimizer(fused)
    for size in (FUSED_MIN_SIZE + 10, FUSED_MIN_SIZE + 100):
        w = np.zeros(size, np.float32)
        if optimizer.name == "sgd" and optimizer.momentum == 0.0:
            optimizer.step([w], [np.ones_like(w)], 0.1)  # stateless: fine
            continue
        if size == FUSED_MIN_SIZE + 10:
            optimizer.step([w], [np.ones_like(w)], 0.1)
            continue
        with pytest.raises(ValueError, match="call reset"):
            optimizer.step([w], [np.ones_like(w)], 0.1)
        optimizer.reset()
        optimizer.step([w], [np.ones_like(w)], 0.1)
        assert np.all(w < 0)


def test_training_another_network_with_a_used_optimizer_fails_clearly():
    rng = np.random.default_rng(1)
    X, y = rng.random((64, 784)).astype(np.float32), rng.integers(0, 10, 64)
    optimizer = Adam(1e-3)
    for hidden, error in ((32, None), (64, ValueError)):
        net = ffnn.Network.mlp([784, hidden, 10], dtype="float32", seed=0)
        if error is None:
            ffnn.train(net, X, y, optimizer=optimizer, epochs=1, batch_size=32)
        else:
            with pytest.raises(error, match="call reset"):
                ffnn.train(net, X, y, optimizer=optimizer, epochs=1, batch_size=32)


@pytest.mark.parametrize(
    "grads, match",
    [
        ([np.ones((4, 3))], r"gradient 0 has shape \(4, 3\) but its parameter has"),
        ([np.ones(1)], r"gradient 0 has shape \(1,\)"),
        ([np.ones((3, 4)), np.ones(2)], "got 2 gradient arrays for 1 parameter"),
    ],
    ids=["transposed", "broadcastable", "too-many"],
)
@pytest.mark.parametrize("fused", [True, False])
def test_gradients_must_match_the_parameters(grads, match, fused):
    if fused and fused_kernels() is None:
        pytest.skip("Numba does not import here")
    with pytest.raises(ValueError, match=match):
        SGD(0.1, fused=fused).step([np.zeros((3, 4))], grads, 0.1)


def test_a_used_optimizer_can_be_copied_and_pickled(make_optimizer):
    optimizer = make_optimizer(None)
    w = np.zeros(FUSED_MIN_SIZE)
    optimizer.step([w], [np.ones_like(w)], 0.1)
    for clone in (copy.deepcopy(optimizer), pickle.loads(pickle.dumps(optimizer))):
        assert clone._plan is None  # no copy of the last arrays stepped
        clone.step([w.copy()], [np.ones_like(w)], 0.1)


def test_find_learning_rate_after_training_with_the_same_optimizer():
    rng = np.random.default_rng(2)
    X, y = rng.random((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    net = ffnn.Network.mlp([784, 32, 10], dtype="float32", seed=0)
    optimizer = Adam(1e-3)
    ffnn.train(net, X, y, optimizer=optimizer, epochs=1, batch_size=32)
    result = ffnn.find_learning_rate(net, X, y, optimizer=optimizer)
    assert np.isfinite(result.suggestion)
