"""scikit-learn's ``MLP`` parameters: their checks, with errors that name the
parameter, and the :class:`~ffnn.config.TrainConfig` they make (the network and
the optimizer of a fit)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ffnn.activations import ACTIVATIONS
from ffnn.config import TrainConfig
from ffnn.initializers import INITIALIZERS

#: scikit-learn's solvers: two gradient-descent optimizers and L-BFGS
SOLVERS = ("sgd", "adam", "lbfgs")
#: the solvers that train by epochs of mini-batches (and have ``partial_fit``)
STOCHASTIC_SOLVERS = ("sgd", "adam")
#: scikit-learn's learning-rate schedules (for solver="sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")
#: scikit-learn's activation names, as ffnn's registry spells them
ACTIVATION_ALIASES = {"logistic": "sigmoid"}


def is_stochastic(estimator: Any) -> bool:
    """True for a solver with epochs (``partial_fit``'s availability);
    AttributeError otherwise, as scikit-learn's ``available_if`` expects."""
    if estimator.solver not in STOCHASTIC_SOLVERS:
        raise AttributeError(
            f"partial_fit is only available for stochastic optimizers. "
            f"{estimator.solver} is not stochastic."
        )
    return True


class ScikitLearnParameters:
    """The parameter checks and the config of :class:`FeedforwardEstimator`
    (a mixin: the parameters are the estimator's attributes)."""

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, int | np.integer) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError(
                f"hidden_layer_sizes must be an int or a sequence of ints, got "
                f"{self.hidden_layer_sizes!r}"
            ) from None
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, int | np.integer):
                raise TypeError(f"hidden_layer_sizes must hold ints, got {sizes!r}")
            if size <= 0:
                raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}")
        return tuple(int(size) for size in sizes)

    def _check_parameters(self) -> None:
        """Raise a ValueError or TypeError naming the first bad parameter."""
        _choice(self.solver, SOLVERS, "solver")
        _choice(self.learning_rate, LEARNING_RATES, "learning_rate")
        _choice(
            ACTIVATION_ALIASES.get(self.activation, self.activation),
            tuple(ACTIVATIONS),
            "activation",
            shown=("identity", "logistic", "tanh", "relu", *ACTIVATIONS),
        )
        _choice(self.init, tuple(INITIALIZERS), "init")
        for name in ("alpha", "power_t", "tol", "momentum"):
            _number(getattr(self, name), name, low=0.0)
        for name in ("learning_rate_init", "epsilon"):
            _number(getattr(self, name), name, low=0.0, low_open=True)
        for name in ("beta_1", "beta_2", "validation_fraction", "dropout"):
            _number(getattr(self, name), name, low=0.0, high=1.0)
        if self.momentum >= 1:  # scikit-learn takes 1: a velocity that never decays
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError("validation_fraction must be > 0 with early_stopping")
        for name in ("max_iter", "n_iter_no_change", "max_fun"):
            _integer(getattr(self, name), name)
        if self.batch_size != "auto":
            _integer(self.batch_size, "batch_size")
        if isinstance(self.verbose, bool | np.bool_):
            pass
        elif not isinstance(self.verbose, int | np.integer) or self.verbose < 0:
            raise TypeError(
                f"verbose must be True, False or an int >= 0, got {self.verbose!r}"
            )
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )
        if self.dtype is not None:
            try:
                dtype = np.dtype(self.dtype).name
            except TypeError:  # not a dtype at all: refused below, by name
                dtype = self.dtype
            _choice(dtype, ("float64", "float32"), "dtype")
        _choice(self.engine, ("auto", "layers", "fast"), "engine")
        _random_state(self.random_state)
        if self.solver == "lbfgs" and self.dropout > 0:
            raise ValueError(
                "solver='lbfgs' needs the same objective at every step, which "
                "dropout changes; use solver='adam' or 'sgd' with dropout"
            )
        self._hidden_sizes()

    def _train_config(self, seed: int, dtype: np.dtype) -> TrainConfig:
        """The parameters as the :class:`~ffnn.config.TrainConfig` that makes
        the network and the optimizer."""
        solver = "sgd" if self.solver == "lbfgs" else self.solver
        momentum = float(self.momentum) if solver == "sgd" else 0.0
        return TrainConfig(
            hidden=self._hidden_sizes(),
            activation=ACTIVATION_ALIASES.get(self.activation, self.activation),
            init=self.init,
            optimizer=solver,
            learning_rate=float(self.learning_rate_init),
            momentum=momentum,
            nesterov=bool(self.nesterovs_momentum) and momentum > 0,
            beta1=float(self.beta_1),
            beta2=float(self.beta_2),
            epsilon=float(self.epsilon),
            epsilon_hat=True,  # ε added to √v, as scikit-learn's Adam
            epochs=int(self.max_iter),
            reduction="mean",
            l2=float(self.alpha),
            penalty_scale="batch",
            dropout=float(self.dropout),
            dtype=dtype.name,
            seed=seed,
            engine=self.engine,
        )


def _choice(value: Any, choices: tuple[str, ...], name: str, shown: Any = None) -> None:
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in dict.fromkeys(shown or choices))
        raise ValueError(f"{name} must be one of {valid}; got {value!r}")


def _number(
    value: Any,
    name: str,
    low: float,
    high: float | None = None,
    low_open: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < low or (low_open and value == low):
        bound = f"> {low:g}" if low_open else f">= {low:g}"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    if high is not None and value >= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}), got {value!r}")


def _integer(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")


def _random_state(value: Any) -> None:
    """scikit-learn's ``random_state``: None, an int in [0, 2³² − 1], or a
    ``numpy.random.RandomState``."""
    if value is None or isinstance(value, np.random.RandomState):
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"random_state must be None, an int or a numpy.random.RandomState, got "
            f"{value!r}"
        )
    if not 0 <= value <= 2**32 - 1:
        raise ValueError(f"random_state must be in [0, 2**32 - 1], got {value!r}")
