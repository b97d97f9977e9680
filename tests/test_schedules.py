"""Tests of ffnn.schedules: values, purity, the registry, and train() following them."""

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import SGD
from ffnn.schedules import (
    SCHEDULES,
    Constant,
    ExponentialDecay,
    InverseScaling,
    Schedule,
    StepDecay,
    as_schedule,
    get_schedule,
)

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


def test_constant():
    schedule = Constant(0.25)
    assert [schedule(k) for k in (0, 1, 7, 10_000)] == [0.25] * 4


def test_step_decay_values():
    schedule = StepDecay(0.1, drop=0.5, every=10)
    expected = [0.1] * 10 + [0.05] * 10 + [0.025] * 10 + [0.0125]
    assert [schedule(k) for k in range(31)] == pytest.approx(expected, rel=1e-15)
    assert schedule(9) == 0.1
    assert schedule(10) == 0.1 * 0.5
    assert schedule(29) == 0.1 * 0.5**2


def test_step_decay_every_one_is_exponential():
    step = StepDecay(0.3, drop=0.9, every=1)
    exponential = ExponentialDecay(0.3, rate=0.9)
    for k in range(20):
        assert step(k) == pytest.approx(exponential(k), rel=1e-14)


def test_exponential_decay_values():
    schedule = ExponentialDecay(2.0, rate=0.95)
    for k in range(50):
        assert schedule(k) == pytest.approx(2.0 * 0.95**k, rel=1e-15)
    assert schedule(0) == 2.0
    assert schedule(1) == pytest.approx(1.9, rel=1e-15)


@pytest.mark.parametrize(
    "schedule",
    [Constant(0.1), StepDecay(0.1, drop=0.3, every=3), ExponentialDecay(0.1, 0.8)],
)
def test_schedules_are_pure_functions_of_the_epoch(schedule):
    forward = [schedule(k) for k in range(15)]
    backward = [schedule(k) for k in reversed(range(15))][::-1]
    assert forward == backward
    assert [schedule(k) for k in range(15)] == forward  # no hidden state


def test_defaults():
    step = StepDecay(1.0)
    assert (step.drop, step.every) == (0.5, 10)
    assert ExponentialDecay(1.0).rate == 0.95


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: Constant(0.0),
            ValueError,
            "learning_rate must be a finite number > 0",
        ),
        (lambda: Constant(-1.0), ValueError, "learning_rate"),
        (lambda: Constant(float("nan")), ValueError, "learning_rate"),
        (lambda: Constant("0.1"), TypeError, "learning_rate must be a number"),
        (lambda: StepDecay(0.1, drop=0.0), ValueError, "drop"),
        (lambda: StepDecay(0.1, every=0), ValueError, "every must be >= 1"),
        (lambda: StepDecay(0.1, every=2.5), TypeError, "every must be an integer"),
        (lambda: ExponentialDecay(0.1, rate=-0.5), ValueError, "rate"),
        (lambda: ExponentialDecay(-0.1), ValueError, "learning_rate"),
        (lambda: StepDecay(0.1, drop=2.0), ValueError, r"drop must be in \(0, 1\]"),
        (lambda: StepDecay(0.1, drop="0.5"), TypeError, "drop must be a number"),
        (lambda: StepDecay(0.1, every=None), TypeError, "every must be an integer"),
        (
            lambda: ExponentialDecay(0.1, rate=1e6),
            ValueError,
            r"rate must be in \(0, 1",
        ),
        (lambda: ExponentialDecay(0.1, rate=True), TypeError, "rate must be a number"),
        (lambda: InverseScaling(0.1, power_t=-1), ValueError, "power_t must be"),
        (lambda: InverseScaling(0.1, power_t=np.inf), ValueError, "power_t must be"),
        (lambda: InverseScaling(0.1, samples_per_epoch=0), ValueError, "samples_per"),
        (lambda: InverseScaling(0.1, samples_seen=-1), ValueError, "samples_seen"),
        (lambda: InverseScaling(0.1, samples_seen=1.5), TypeError, "samples_seen"),
        (lambda: SGD(lambda epoch: 0.1), TypeError, "number or an ffnn Schedule"),
    ],
)
def test_bad_settings_are_rejected(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_registry_and_get_schedule():
    assert SCHEDULES == {
        "constant": Constant,
        "step": StepDecay,
        "exponential": ExponentialDecay,
        "invscaling": InverseScaling,
    }
    schedule = get_schedule("step", 0.2, drop=0.1, every=5)
    assert isinstance(schedule, StepDecay)
    assert schedule(5) == pytest.approx(0.02, rel=1e-15)
    assert get_schedule("Exponential", 0.2, rate=0.5)(2) == pytest.approx(0.05)
    assert get_schedule("constant", 0.2)(99) == 0.2
    with pytest.raises(ValueError, match=r"unknown schedule 'cosine'.*constant"):
        get_schedule("cosine", 0.1)


def test_as_schedule():
    constant = as_schedule(0.3)
    assert isinstance(constant, Constant) and constant(5) == 0.3
    schedule = ExponentialDecay(0.3)
    assert as_schedule(schedule) is schedule
    with pytest.raises(ValueError, match="learning_rate"):
        as_schedule(-0.3)


def test_config_is_json_ready():
    assert Constant(0.1).config() == {"name": "constant", "learning_rate": 0.1}
    assert StepDecay(0.1, drop=0.5, every=4).config() == {
        "name": "step",
        "learning_rate": 0.1,
        "drop": 0.5,
        "every": 4,
    }
    assert ExponentialDecay(0.1, rate=0.9).config() == {
        "name": "exponential",
        "learning_rate": 0.1,
        "rate": 0.9,
    }


def test_reprs():
    assert repr(Constant(0.01)) == "0.01"
    assert (
        repr(StepDecay(0.1, drop=0.5, every=10)) == "StepDecay(0.1, drop=0.5, every=10)"
    )
    assert repr(ExponentialDecay(0.1, rate=0.9)) == "ExponentialDecay(0.1, rate=0.9)"


def test_base_schedule_is_abstract():
    with pytest.raises(NotImplementedError):
        Schedule()(0)


# ---------------------------------------------------------------- with train()
class _RecordingSGD(SGD):
    """SGD that notes the learning rate each step received."""

    def __init__(self, learning_rate):
        super().__init__(learning_rate)
        self.seen = []

    def step(self, params, grads, learning_rate):
        self.seen.append(learning_rate)
        super().step(params, grads, learning_rate)


@pytest.mark.parametrize(
    "schedule",
    [Constant(0.5), StepDecay(0.5, drop=0.5, every=4), ExponentialDecay(0.5, 0.9)],
)
def test_train_records_and_uses_the_schedule(schedule):
    X, y = ffnn.datasets.make_moons(60, noise=0.2, seed=1)
    net = ffnn.Network.mlp([2, 4, 2], seed=1)
    optimizer = _RecordingSGD(schedule)
    history = ffnn.train(
        net, X, y, optimizer=optimizer, epochs=13, batch_size=25, seed=1
    )
    expected = [schedule(k) for k in range(13)]
    assert history.learning_rate == expected
    # three batches per epoch (25, 25, 10), every one stepped with that epoch's η
    assert optimizer.seen == [eta for eta in expected for _ in range(3)]


def test_decaying_the_learning_rate_changes_training():
    X, y = ffnn.datasets.make_moons(60, noise=0.2, seed=2)
    constant = ffnn.Network.mlp([2, 4, 2], seed=2)
    decayed = ffnn.Network.mlp([2, 4, 2], seed=2)
    ffnn.train(constant, X, y, optimizer=SGD(1.0), epochs=20)
    ffnn.train(decayed, X, y, optimizer=SGD(StepDecay(1.0, 0.1, every=5)), epochs=20)
    # the first 5 epochs agree, so the difference comes from the decay afterwards
    assert not np.allclose(constant.weights[0], decayed.weights[0])
    # a smaller step moves the weights less far from where they started
    start = ffnn.Network.mlp([2, 4, 2], seed=2).weights[0]
    assert np.linalg.norm(decayed.weights[0] - start) < np.linalg.norm(
        constant.weights[0] - start
    )


def test_inverse_scaling_follows_scikit_learn():
    """η₀ for the first epoch, then η₀ / (t + 1)^power_t with t the samples seen
    at the end of each epoch (scikit-learn's SGDOptimizer.iteration_ends)."""
    schedule = InverseScaling(0.1, power_t=0.5, samples_per_epoch=50)
    assert schedule(0) == 0.1
    assert schedule(1) == pytest.approx(0.1 / 51**0.5, rel=1e-15)
    assert schedule(3) == pytest.approx(0.1 / 151**0.5, rel=1e-15)
    resumed = InverseScaling(0.1, power_t=0.5, samples_per_epoch=50, samples_seen=100)
    assert resumed(0) == schedule(2) and resumed(1) == schedule(3)
    with pytest.raises(ValueError, match="samples_per_epoch"):
        InverseScaling(0.1, samples_per_epoch=0)


@pytest.mark.parametrize(
    "schedule",
    [Constant(0.1), StepDecay(0.1), ExponentialDecay(0.1), InverseScaling(0.1)],
)
@pytest.mark.parametrize(
    ("epoch", "error", "match"),
    [(-1, ValueError, "epoch must be >= 0"), (1.5, TypeError, "epoch must be an int")],
)
def test_a_schedule_is_called_with_an_epoch_index(schedule, epoch, error, match):
    with pytest.raises(error, match=match):
        schedule(epoch)


def test_decays_never_grow_or_overflow():
    """Factors in (0, 1] keep every rate in [0, η₀]; an inverse scaling whose
    denominator passes float's range gives 0 instead of an OverflowError."""
    for schedule in (StepDecay(1.0, drop=1.0, every=1), ExponentialDecay(1.0, 1.0)):
        assert schedule(10_000) == 1.0
    assert ExponentialDecay(1.0, rate=0.5)(100_000) == 0.0
    assert InverseScaling(1.0, power_t=400.0, samples_per_epoch=10**6)(1000) == 0.0
