"""Learning-rate schedules: pure functions ``η(epoch)`` of the epoch index (from 0).

Every schedule is called the same way, ``schedule(epoch) -> η``, so one may be
swapped for another without touching the training loop. ``epoch`` is an int
``>= 0``; every rate is finite and positive when built, and stays finite: the
decays multiply by a factor in ``(0, 1]``, so the rate never grows past η₀.
"""

from __future__ import annotations

from typing import Any

from ffnn._validation import check_int, check_positive, lookup


def _check_factor(value: Any, name: str) -> float:
    """A decay factor: a number in ``(0, 1]`` (1 = no decay)."""
    value = check_positive(value, name)
    if value > 1:
        raise ValueError(
            f"{name} must be in (0, 1], a factor that decays the learning rate, "
            f"got {value!r}"
        )
    return value


class Schedule:
    """Base class: ``__call__(epoch) -> learning rate``."""

    name = "schedule"

    def __call__(self, epoch: int) -> float:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The schedule's settings, JSON-serialisable."""
        return {"name": self.name, **vars(self)}


class Constant(Schedule):
    """``η(epoch) = η₀``."""

    name = "constant"

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")

    def __call__(self, epoch: int) -> float:
        check_int(epoch, "epoch", minimum=0)
        return self.learning_rate

    def __repr__(self) -> str:
        return f"{self.learning_rate:g}"


class StepDecay(Schedule):
    """``η(epoch) = η₀ · drop^⌊epoch / every⌋``: multiply by ``drop`` every ``every``
    epochs."""

    name = "step"

    def __init__(
        self, learning_rate: float, drop: float = 0.5, every: int = 10
    ) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.drop = _check_factor(drop, "drop")
        self.every = check_int(every, "every")

    def __call__(self, epoch: int) -> float:
        epoch = check_int(epoch, "epoch", minimum=0)
        return self.learning_rate * self.drop ** (epoch // self.every)

    def __repr__(self) -> str:
        return (
            f"StepDecay({self.learning_rate:g}, drop={self.drop:g}, every={self.every})"
        )


class ExponentialDecay(Schedule):
    """``η(epoch) = η₀ · rate^epoch``."""

    name = "exponential"

    def __init__(self, learning_rate: float, rate: float = 0.95) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.rate = _check_factor(rate, "rate")

    def __call__(self, epoch: int) -> float:
        epoch = check_int(epoch, "epoch", minimum=0)
        return self.learning_rate * self.rate**epoch

    def __repr__(self) -> str:
        return f"ExponentialDecay({self.learning_rate:g}, rate={self.rate:g})"


class InverseScaling(Schedule):
    """``η(epoch) = η₀ / (t + 1)^power_t`` with ``t = t₀ + epoch · n`` the samples
    seen before the epoch (scikit-learn's ``learning_rate="invscaling"``, whose
    rate changes at the end of each epoch).

    ``samples_per_epoch`` is ``n``; ``samples_seen`` is ``t₀``, the samples an
    earlier run (a resumed or incremental fit) has already seen.
    """

    name = "invscaling"

    def __init__(
        self,
        learning_rate: float,
        power_t: float = 0.5,
        samples_per_epoch: int = 1,
        samples_seen: int = 0,
    ) -> None:
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.power_t = check_positive(power_t, "power_t", allow_zero=True)
        self.samples_per_epoch = check_int(samples_per_epoch, "samples_per_epoch")
        self.samples_seen = check_int(samples_seen, "samples_seen", minimum=0)

    def __call__(self, epoch: int) -> float:
        epoch = check_int(epoch, "epoch", minimum=0)
        t = self.samples_seen + epoch * self.samples_per_epoch
        try:
            return self.learning_rate / (t + 1) ** self.power_t
        except OverflowError:  # (t + 1)^power_t beyond float's range: η is 0
            return 0.0

    def __repr__(self) -> str:
        return (
            f"InverseScaling({self.learning_rate:g}, power_t={self.power_t:g}, "
            f"samples_per_epoch={self.samples_per_epoch})"
        )


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "invscaling": InverseScaling,
}


def get_schedule(name: str, learning_rate: float, **options: Any) -> Schedule:
    """A schedule of the kind ``name`` starting at ``learning_rate``."""
    return lookup(SCHEDULES, name, "schedule")(learning_rate, **options)


def as_schedule(learning_rate: float | Schedule) -> Schedule:
    """A float becomes :class:`Constant`; a schedule is returned as it is."""
    if isinstance(learning_rate, Schedule):
        return learning_rate
    if callable(learning_rate):
        raise TypeError(
            f"learning_rate must be a number or an ffnn Schedule (subclass "
            f"ffnn.Schedule for a schedule of your own), got {learning_rate!r}"
        )
    return Constant(learning_rate)
