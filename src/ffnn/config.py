"""A training run's configuration, as one dataclass written beside its results.

The defaults are the notes' run: make_moons(200, noise=0.2), one tanh hidden
layer of 3 units, ``N(0, 1/√n_in)`` weights, full-batch gradient descent with the
summed gradient (``reduction="sum"``) and η = 0.01 for 2000 iterations. With the
summed gradient the step grows with the batch: η = 0.01 on 200 samples equals
η = 2.0 with ``reduction="mean"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ffnn._validation import (
    check_dtype,
    check_fraction,
    check_int,
    check_positive,
    lookup,
)
from ffnn.activations import ACTIVATIONS
from ffnn.datasets import DATASETS
from ffnn.initializers import INITIALIZERS
from ffnn.losses import check_reduction
from ffnn.network import Network
from ffnn.optimizers import OPTIMIZERS, SGD, Optimizer
from ffnn.schedules import SCHEDULES, get_schedule

#: data sets of images, with their own train/test split
IMAGE_DATASETS = ("digits", "mnist")
ALL_DATASETS = {
    **{name: name for name in DATASETS},
    **{name: name for name in IMAGE_DATASETS},
}

#: defaults that suit each image data set better than the notes' moons defaults
DATASET_PRESETS: dict[str, dict[str, Any]] = {
    "digits": {
        "hidden": (64,),
        "activation": "relu",
        "init": "he_normal",
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "epochs": 50,
        "batch_size": 32,
        "reduction": "mean",
    },
    "mnist": {
        "hidden": (100,),
        "activation": "relu",
        "init": "he_normal",
        "optimizer": "adam",
        "learning_rate": 2e-3,
        "schedule": "exponential",
        "decay": 0.75,
        "epochs": 10,
        "batch_size": 64,
        "reduction": "mean",
        "dtype": "float32",
    },
}

#: learning rate of each optimizer when none is given
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 1e-3, "rmsprop": 1e-3}


@dataclass
class TrainConfig:
    """Everything that determines a training run; same config, same result."""

    dataset: str = "moons"
    samples: int | None = None  # None: 200 for the synthetic sets, all for images
    noise: float | None = None  # None: the data set's own default (moons: 0.2)
    seed: int = 0
    hidden: tuple[int, ...] = (3,)
    activation: str = "tanh"
    init: str = "lecun_normal"
    optimizer: str = "sgd"
    learning_rate: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    schedule: str = "constant"
    decay: float = 0.5  # StepDecay's drop or ExponentialDecay's rate
    decay_every: int = 100  # epochs between StepDecay's drops
    epochs: int = 2000
    batch_size: int | None = None  # None: full batch
    reduction: str = "sum"
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    clip_norm: float | None = None
    test_fraction: float = 0.0
    dtype: str = "float64"
    download: bool = False  # fetch MNIST into the cache when it is missing

    def __post_init__(self) -> None:
        lookup(ALL_DATASETS, self.dataset, "dataset")
        lookup(ACTIVATIONS, self.activation, "activation")
        lookup(INITIALIZERS, self.init, "initializer")
        lookup(OPTIMIZERS, self.optimizer, "optimizer")
        lookup(SCHEDULES, self.schedule, "schedule")
        check_reduction(self.reduction)
        check_dtype(self.dtype)
        self.hidden = tuple(check_int(h, "hidden layer size") for h in self.hidden)
        if self.samples is not None:
            check_int(self.samples, "samples", minimum=2)
        check_int(self.epochs, "epochs")
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size")
        if self.noise is not None:
            check_positive(self.noise, "noise", allow_zero=True)
        check_positive(self.learning_rate, "learning_rate")
        check_positive(self.l2, "l2", allow_zero=True)
        check_positive(self.l1, "l1", allow_zero=True)
        check_fraction(self.dropout, "dropout")
        check_fraction(self.test_fraction, "test_fraction")
        if self.clip_norm is not None:
            check_positive(self.clip_norm, "clip_norm")

    @classmethod
    def for_dataset(cls, dataset: str = "moons", **given: Any) -> TrainConfig:
        """A config for ``dataset``: its preset (:data:`DATASET_PRESETS`; the
        notes' settings for the synthetic sets) with the ``given`` values on top.

        A different optimizer without a learning rate gets that optimizer's usual
        one (:data:`DEFAULT_LEARNING_RATES`).
        """
        preset = DATASET_PRESETS.get(dataset, {})
        values = {**preset, **given}
        optimizer = values.get("optimizer", cls.optimizer)
        if "learning_rate" not in given and optimizer != preset.get(
            "optimizer", cls.optimizer
        ):
            values["learning_rate"] = lookup(
                DEFAULT_LEARNING_RATES, optimizer, "optimizer"
            )
        return cls(dataset=dataset, **values)

    def make_network(self, n_inputs: int, n_classes: int) -> Network:
        """The configured network for ``n_inputs`` features and ``n_classes``."""
        return Network.mlp(
            [n_inputs, *self.hidden, n_classes],
            activation=self.activation,
            init=self.init,
            dropout=self.dropout,
            seed=self.seed,
            dtype=self.dtype,
        )

    def make_optimizer(self) -> Optimizer:
        """The configured optimizer with its learning-rate schedule."""
        options: dict[str, Any] = {}
        if self.schedule == "step":
            options = {"drop": self.decay, "every": self.decay_every}
        elif self.schedule == "exponential":
            options = {"rate": self.decay}
        learning_rate = get_schedule(self.schedule, self.learning_rate, **options)
        optimizer_class = lookup(OPTIMIZERS, self.optimizer, "optimizer")
        if optimizer_class is SGD:
            return SGD(learning_rate, momentum=self.momentum, nesterov=self.nesterov)
        return optimizer_class(learning_rate)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values
