"""A training run's configuration, as one dataclass written beside its results.

Each field of :class:`TrainConfig` is declared once, with
:func:`ffnn.settings.setting`: its type, default, help text, choices (from the
registries: ``ACTIVATIONS``, ``INITIALIZERS``, ...) and check. The ``ffnn
train`` options and their help, the checks of experiment TOML keys and the
config's own validation all read that declaration through :data:`SETTINGS`, so
a new setting is one new field.

The defaults are the notes' run: make_moons(200, noise=0.2), one tanh hidden
layer of 3 units, ``N(0, 1/√n_in)`` weights, full-batch gradient descent with the
summed gradient (``reduction="sum"``) and η = 0.01 for 2000 iterations. With the
summed gradient the step grows with the batch: η = 0.01 on 200 samples equals
η = 2.0 with ``reduction="mean"``.

A regression data set (:data:`ffnn.datasets.REGRESSION_DATASETS`, e.g.
friedman1) gets a network with an identity output and squared error
(:attr:`TrainConfig.output`); every other data set a softmax classifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from ffnn._validation import (
    FLOAT_DTYPES,
    check_fraction,
    check_int,
    check_positive,
    lookup,
)
from ffnn.activations import ACTIVATIONS
from ffnn.datasets import DATASETS, REGRESSION_DATASETS
from ffnn.engines import ENGINE_CHOICES
from ffnn.initializers import INITIALIZERS
from ffnn.losses import REDUCTIONS
from ffnn.network import Network
from ffnn.optimizers import OPTIMIZERS, SGD, Adam, Optimizer
from ffnn.penalties import PENALTY_SCALES
from ffnn.schedules import SCHEDULES, get_schedule
from ffnn.settings import (
    MAX_POWER_T,
    Setting,
    check_decay,
    check_dtype_name,
    check_hidden,
    check_power_t,
    parse_batch_size,
    parse_hidden,
    setting,
    settings_of,
)

#: data sets of images, with their own train/test split
IMAGE_DATASETS = ("digits", "mnist")
ALL_DATASETS = {
    **{name: name for name in DATASETS},
    **{name: name for name in REGRESSION_DATASETS},
    **{name: name for name in IMAGE_DATASETS},
}

#: defaults that suit a data set better than the notes' moons defaults
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
    # 1000 samples, not 200: a 10-feature problem needs them. Measured with
    # seeds 0-9 (tested on 1000 fresh samples): test R² 0.929-0.946, mean 0.938,
    # in about 0.2 s of training; with 200 samples the same network reaches ~0.8.
    "friedman1": {
        "samples": 1000,
        "hidden": (32,),
        "activation": "tanh",
        "optimizer": "adam",
        "learning_rate": 1e-2,
        "epochs": 300,
        "batch_size": 32,
        "reduction": "mean",
    },
}

#: learning rate of each optimizer when none is given
DEFAULT_LEARNING_RATES = {"sgd": 0.01, "adam": 1e-3, "rmsprop": 1e-3}

#: where a config's value came from (:meth:`TrainConfig.sources`)
GIVEN, PRESET, DEFAULT = "given", "preset", "default"


# ------------------------------------------------------------------ the config
@dataclass
class TrainConfig:
    """Everything that determines a training run; same config, same result.

    :meth:`for_dataset` starts from a data set's preset and records where each
    value came from (:meth:`sources`).
    """

    dataset: str = setting(
        "moons",
        f"data set: 2-D classes ({', '.join(DATASETS)}), regression "
        f"({', '.join(REGRESSION_DATASETS)}) or images ({', '.join(IMAGE_DATASETS)})",
        group="data",
        choices=ALL_DATASETS,
    )
    samples: int | None = setting(
        None,
        "samples to generate, or the first N training images of digits/mnist",
        group="data",
        check=partial(check_int, minimum=2),
        shown="200, 1000 for friedman1, all the images of digits/mnist",
        none="auto",
    )
    noise: float | None = setting(
        None,
        "noise level of a synthetic set",
        group="data",
        check=partial(check_positive, allow_zero=True),
        shown="the data set's own, 0.2 for moons",
        none="auto",
    )
    seed: int = setting(
        0,
        "seed for the data, the initial weights, shuffling and dropout",
        group="data",
        check=partial(check_int, minimum=0),
    )
    hidden: tuple[int, ...] = setting(
        (3,),
        "hidden layer sizes, comma-separated, e.g. 3 or 64,32",
        group="network",
        check=check_hidden,
        parse=parse_hidden,
    )
    activation: str = setting(
        "tanh", "hidden-layer activation", group="network", choices=ACTIVATIONS
    )
    init: str = setting(
        "lecun_normal",
        "weight initialiser; lecun_normal is the notes' N(0, 1/√n_in)",
        group="network",
        choices=INITIALIZERS,
    )
    optimizer: str = setting("sgd", "optimizer", group="training", choices=OPTIMIZERS)
    learning_rate: float = setting(
        DEFAULT_LEARNING_RATES["sgd"],
        "learning rate η. With --reduction sum the gradient is summed over the "
        "batch: 0.01 on 200 samples = 2.0 with mean",
        group="training",
        check=check_positive,
        flag="--lr",
        shown=", ".join(f"{v:g} for {k}" for k, v in DEFAULT_LEARNING_RATES.items()),
    )
    momentum: float = setting(
        0.0,
        "SGD momentum μ",
        group="training",
        check=partial(check_positive, allow_zero=True),
    )
    nesterov: bool = setting(False, "Nesterov momentum (SGD)", group="training")
    beta1: float = setting(
        0.9,
        "Adam's β₁, decay of the gradient's running mean",
        group="training",
        check=check_fraction,
    )
    beta2: float = setting(
        0.999,
        "Adam's β₂, decay of the squared gradient's running mean",
        group="training",
        check=check_fraction,
    )
    epsilon: float = setting(
        1e-8,
        "ε in the denominator of Adam and RMSProp",
        group="training",
        check=check_positive,
    )
    epsilon_hat: bool = setting(
        False,
        "add Adam's ε to √v, not to the bias-corrected √v̂ (scikit-learn's and "
        "Keras's form)",
        group="training",
    )
    schedule: str = setting(
        "constant",
        "learning-rate schedule over epochs",
        group="training",
        choices=SCHEDULES,
    )
    decay: float = setting(
        0.5,
        "factor of the step or exponential schedule (StepDecay's drop, "
        "ExponentialDecay's rate), in (0, 1]",
        group="training",
        check=check_decay,
    )
    decay_every: int = setting(
        100,
        "epochs between the step schedule's drops",
        group="training",
        check=check_int,
    )
    power_t: float = setting(
        0.5,
        "exponent of the invscaling schedule, η₀ / (t + 1)^power_t after t "
        f"samples, in [0, {MAX_POWER_T:g}]",
        group="training",
        check=check_power_t,
    )
    epochs: int = setting(
        2000, "passes over the training data", group="training", check=check_int
    )
    batch_size: int | None = setting(
        None,
        "mini-batch size, or 'full' for full-batch gradient descent",
        group="training",
        check=check_int,
        parse=parse_batch_size,
        shown="full",
        none="full",
    )
    reduction: str = setting(
        "sum",
        "gradient of the summed loss (the notes') or of the mean",
        group="training",
        choices=REDUCTIONS,
    )
    l2: float = setting(
        0.0,
        "L2 strength λ: L = L0 + λ/(2n) Σ w²",
        group="training",
        check=partial(check_positive, allow_zero=True),
    )
    l1: float = setting(
        0.0,
        "L1 strength: adds λ₁/n Σ |w|",
        group="training",
        check=partial(check_positive, allow_zero=True),
    )
    penalty_scale: str = setting(
        "training_set",
        "what λ is divided by: the training set's n (the notes') or each batch's "
        "m (scikit-learn's alpha)",
        group="training",
        choices=PENALTY_SCALES,
    )
    dropout: float = setting(
        0.0,
        "dropout rate after each hidden layer",
        group="network",
        check=check_fraction,
    )
    clip_norm: float | None = setting(
        None,
        "clip gradients to this global norm",
        group="training",
        check=check_positive,
        shown="no clipping",
    )
    engine: str = setting(
        "auto",
        "who runs the training passes: 'layers' the network's own layer objects "
        "(to step through), 'fast' the same equations on buffers sized once, "
        "'auto' the fast engine where it supports the layers",
        group="training",
        choices=dict.fromkeys(ENGINE_CHOICES),
    )
    test_fraction: float = setting(
        0.0,
        "share of the samples held out for testing; 0 tests the synthetic sets "
        "on fresh samples drawn with seed + 1, and digits on 0.25 of its images",
        group="data",
        check=check_fraction,
    )
    dtype: str = setting(
        "float64",
        "floating-point precision",
        group="network",
        choices=FLOAT_DTYPES,
        check=check_dtype_name,
    )
    download: bool = setting(
        False, "download MNIST into the cache folder if it is missing", group="data"
    )

    def __post_init__(self) -> None:
        for name, declared in SETTINGS.items():
            setattr(self, name, declared.validate(getattr(self, name)))

    @classmethod
    def for_dataset(cls, dataset: str | None = None, **given: Any) -> TrainConfig:
        """A config for ``dataset`` (moons when None): its preset
        (:data:`DATASET_PRESETS`; the notes' settings for the 2-D synthetic sets)
        with the ``given`` values on top.

        A different optimizer without a learning rate gets that optimizer's usual
        one (:data:`DEFAULT_LEARNING_RATES`). The config records which values
        were given, which came from the preset and which are defaults
        (:meth:`sources`).
        """
        name = "moons" if dataset is None else dataset
        preset = DATASET_PRESETS.get(name, {})
        values = {**preset, **given}
        sources = dict.fromkeys(SETTINGS, DEFAULT)
        sources.update(dict.fromkeys(preset, PRESET))
        sources.update(dict.fromkeys(given, GIVEN))
        if dataset is not None:
            sources["dataset"] = GIVEN
        optimizer = values.get("optimizer", cls.optimizer)
        if "learning_rate" not in given and optimizer != preset.get(
            "optimizer", cls.optimizer
        ):
            values["learning_rate"] = lookup(
                DEFAULT_LEARNING_RATES, optimizer, "optimizer"
            )
            sources["learning_rate"] = DEFAULT
        config = cls(dataset=name, **values)
        config._sources = sources
        return config

    def sources(self) -> dict[str, str]:
        """Where each value came from: ``'given'``, ``'preset'`` (the data set's,
        :data:`DATASET_PRESETS`) or ``'default'``, by field name.

        :meth:`for_dataset` records them; for a config built directly (or
        copied with :func:`dataclasses.replace`) a value equal to its field's
        default counts as a default, any other as given.
        """
        recorded = getattr(self, "_sources", None)
        if recorded is not None:
            return dict(recorded)
        return {
            name: DEFAULT if getattr(self, name) == declared.default else GIVEN
            for name, declared in SETTINGS.items()
        }

    @property
    def output(self) -> str:
        """The network's output: ``'identity'`` (squared error, a regressor) for
        a regression data set, ``'softmax'`` (cross-entropy, a classifier) for
        the others."""
        return "identity" if self.is_regression else "softmax"

    @property
    def is_regression(self) -> bool:
        """True when the data set's targets are real values, not class labels."""
        return self.dataset in REGRESSION_DATASETS

    def make_network(
        self, n_inputs: int, n_outputs: int, output: str | None = None
    ) -> Network:
        """The configured network for ``n_inputs`` features and ``n_outputs``
        output units (classes, or target columns of a regression set).

        ``output`` ('softmax' or 'identity') is the data set's :attr:`output`
        unless given (the estimators, which bring their own data, give it).
        """
        return Network.mlp(
            [n_inputs, *self.hidden, n_outputs],
            activation=self.activation,
            init=self.init,
            dropout=self.dropout,
            seed=self.seed,
            dtype=self.dtype,
            output=self.output if output is None else output,
        )

    def make_optimizer(self, samples_per_epoch: int | None = None) -> Optimizer:
        """The configured optimizer with its learning-rate schedule
        (``samples_per_epoch``, the training set's size, for 'invscaling')."""
        options: dict[str, Any] = {}
        if self.schedule == "step":
            options = {"drop": self.decay, "every": self.decay_every}
        elif self.schedule == "exponential":
            options = {"rate": self.decay}
        elif self.schedule == "invscaling":
            if samples_per_epoch is None:
                raise ValueError(
                    "the invscaling schedule needs the number of samples per epoch"
                )
            options = {"power_t": self.power_t, "samples_per_epoch": samples_per_epoch}
        learning_rate = get_schedule(self.schedule, self.learning_rate, **options)
        optimizer_class = lookup(OPTIMIZERS, self.optimizer, "optimizer")
        if optimizer_class is SGD:
            return SGD(learning_rate, momentum=self.momentum, nesterov=self.nesterov)
        if optimizer_class is Adam:
            return Adam(
                learning_rate, self.beta1, self.beta2, self.epsilon,
                epsilon_hat=self.epsilon_hat,
            )  # fmt: skip
        return optimizer_class(learning_rate, epsilon=self.epsilon)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values


#: every :class:`TrainConfig` field's declaration, by name, in field order
SETTINGS: dict[str, Setting] = settings_of(TrainConfig)
