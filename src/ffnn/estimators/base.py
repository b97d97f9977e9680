"""What the two estimators share: scikit-learn's ``MLP`` parameters, the fit
loop for each solver, the stopping rule, and the fitted attributes.

A fit goes the one way every ffnn run goes: the parameters become a
:class:`~ffnn.config.TrainConfig`, which makes the network and the optimizer;
:func:`ffnn.train` (or :func:`ffnn.lbfgs.train_lbfgs`) trains it. Two meanings
differ from the core's and follow scikit-learn here:

* ``alpha`` scales the L2 penalty by the mini-batch: ``0.5·alpha·Σw²/m`` per
  batch of ``m`` rows (the core's ``alpha``, the notes' λ, is divided by the
  training set's ``n``: ``λ/(2n)·Σw²``). With full batches the two are equal;
  with batches of ``m`` rows ``λ = alpha·n/m``.
* the gradient is of the batch's mean loss (``reduction="mean"``), and an epoch
  is called an iteration (``max_iter``, ``n_iter_``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ffnn.activations import ACTIVATIONS
from ffnn.config import TrainConfig
from ffnn.initializers import INITIALIZERS
from ffnn.network import Network
from ffnn.schedules import Constant, InverseScaling
from ffnn.training import Callback, History, train

#: scikit-learn's solvers: two gradient-descent optimizers and L-BFGS
SOLVERS = ("sgd", "adam", "lbfgs")
#: scikit-learn's learning-rate schedules (for solver="sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")
#: scikit-learn's activation names, as ffnn's registry spells them
ACTIVATION_ALIASES = {"logistic": "sigmoid"}
#: the learning rate below which "adaptive" stops instead of dividing by 5
ADAPTIVE_MIN_LEARNING_RATE = 1e-6


class FeedforwardEstimator(BaseEstimator):
    """Base class of :class:`~ffnn.FeedforwardClassifier` and
    :class:`~ffnn.FeedforwardRegressor`; see their docstrings."""

    #: the network's output: 'softmax' (classifier) or 'identity' (regressor)
    _output: ClassVar[str]

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        init: str = "glorot_uniform",
        dropout: float = 0.0,
        dtype: str | None = None,
        engine: str = "auto",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.init = init
        self.dropout = dropout
        self.dtype = dtype
        self.engine = engine

    # ---------------------------------------------------------------- parameters
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
        if self.momentum > 1:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum!r}")
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

    # ----------------------------------------------------------------- fitting
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> FeedforwardEstimator:
        """Fit the network to ``X`` (n_samples, n_features) and ``y``.

        ``sample_weight`` (n_samples,) weighs each sample's loss: the loss of a
        batch is the weighted mean ``Σ s_i ℓ_i / Σ s_i``.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(
        self, X: Any, y: Any, sample_weight: Any, incremental: bool
    ) -> FeedforwardEstimator:
        self._check_parameters()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "network_") or not (
            self.warm_start or incremental
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        targets = self._targets(y)
        dtype = np.dtype(self.dtype) if self.dtype is not None else X.dtype
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        weights = self._with_class_weight(weights, y)
        random_state = check_random_state(self.random_state)
        if first_pass:
            seed = int(random_state.randint(np.iinfo(np.int32).max))
            self._initialize(X.shape[1], targets, seed, dtype)
        elif self._n_outputs(targets) != self.network_.n_outputs:
            raise ValueError(
                f"y has {self._n_outputs(targets)} outputs but the fitted network "
                f"has {self.network_.n_outputs}; fit afresh (warm_start=False)"
            )
        X = np.ascontiguousarray(X, dtype=self.network_.dtype)
        if self.solver == "lbfgs":
            self._fit_lbfgs(X, targets, weights)
        else:
            self._fit_stochastic(X, targets, weights, incremental, random_state)
        if not np.isfinite(self.network_.flat_parameters).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    def _validate_input(
        self, X: Any, y: Any, incremental: bool, reset: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """``y`` as :func:`ffnn.train` takes it: output indices or values."""
        raise NotImplementedError

    def _loss_targets(self, targets: np.ndarray) -> np.ndarray:
        """``targets`` as the network's loss reads them (values as (n, k))."""
        return targets

    def _with_class_weight(
        self, weights: np.ndarray | None, y: np.ndarray
    ) -> np.ndarray | None:
        return weights

    def _n_outputs(self, targets: np.ndarray) -> int:
        raise NotImplementedError

    def _initialize(
        self, n_features: int, targets: np.ndarray, seed: int, dtype: np.dtype
    ) -> None:
        """A new network, and the fitted attributes of an unfitted estimator."""
        n_outputs = self._n_outputs(targets)
        config = self._train_config(seed, dtype)
        self.network_ = config.make_network(n_features, n_outputs, output=self._output)
        self.n_outputs_ = (
            n_outputs
            if self._output == "identity"
            else (1 if n_outputs == 2 else n_outputs)
        )
        self.n_layers_ = len(self._hidden_sizes()) + 2
        self.out_activation_ = self._output
        self.n_iter_ = 0
        self.t_ = 0
        self._seed = seed
        self._optimizer = None
        if self.solver != "lbfgs":
            self.loss_curve_: list[float] = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_: list[float] | None = []
                self.best_validation_score_: float | None = -np.inf
                self.best_loss_: float | None = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _fit_lbfgs(
        self, X: np.ndarray, targets: np.ndarray, weights: np.ndarray | None
    ) -> None:
        from ffnn.lbfgs import train_lbfgs

        history = train_lbfgs(
            self.network_,
            X,
            targets,
            max_iter=int(self.max_iter),
            max_fun=int(self.max_fun),
            tol=float(self.tol),
            alpha=float(self.alpha),
            sample_weight=weights,
            engine=self.engine,
            verbose=bool(self.verbose),
        )
        self.n_iter_ = history.epochs
        data_loss = self.network_.loss_function().forward(
            self.network_.forward(X), self._loss_targets(targets), weights
        )
        n_samples = X.shape[0] if weights is None else float(weights.sum())
        self.loss_ = self._reported_loss(data_loss, n_batches=1, n_samples=n_samples)
        if not history.converged:
            warnings.warn(
                f"lbfgs failed to converge after {history.epochs} iteration(s): "
                f"{history.message}. Increase the number of iterations (max_iter) "
                "or scale the data.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _fit_stochastic(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray | None,
        incremental: bool,
        random_state: np.random.RandomState,
    ) -> None:
        validation = None
        if self.early_stopping:
            X, targets, weights, validation = self._split_validation(
                X, targets, weights, random_state
            )
        n = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is "
                    "going to be clipped",
                    stacklevel=3,
                )
            batch_size = int(np.clip(self.batch_size, 1, n))
        config = self._train_config(self._seed, self.network_.dtype)
        fresh = self._optimizer is None or not incremental
        if fresh:
            self._optimizer = config.make_optimizer()
            self._learning_rate = float(self.learning_rate_init)
        if self.learning_rate == "invscaling" and self.solver == "sgd":
            # a new optimizer starts at η₀ (scikit-learn's), even in a warm start
            scaling = _RestartedInverseScaling if fresh else InverseScaling
            self._optimizer.schedule = scaling(
                self.learning_rate_init, self.power_t, n, samples_seen=self.t_
            )
        else:  # constant, or where "adaptive" has brought the rate to
            self._optimizer.schedule = Constant(self._learning_rate)
        stopping = _ScikitLearnStopping(self, n, batch_size, validation)
        self.n_iter_ = 0  # the epochs of this call, as scikit-learn counts them
        train(
            self.network_,
            X,
            targets,
            optimizer=self._optimizer,
            epochs=1 if incremental else int(self.max_iter),
            batch_size=batch_size,
            reduction="mean",
            alpha=float(self.alpha),
            penalty_scale="batch",
            shuffle=bool(self.shuffle),
            seed=int(random_state.randint(np.iinfo(np.int32).max)),
            sample_weight=weights,
            callbacks=[stopping],
            engine=self.engine,
        )
        if self.early_stopping and stopping.best_parameters is not None:
            self.network_.set_parameters(stopping.best_parameters)
        if not incremental and not stopping.converged:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _split_validation(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray | None,
        random_state: np.random.RandomState,
    ) -> tuple[Any, ...]:
        """Hold out ``validation_fraction`` of the samples (stratified for a
        classifier) to score after every epoch."""
        from sklearn.model_selection import train_test_split

        stratify = targets if self._output == "softmax" else None
        arrays = [X, targets] if weights is None else [X, targets, weights]
        parts = train_test_split(
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, t_train, t_val = parts[:4]
        w_train, w_val = (parts[4], parts[5]) if weights is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or "
                "the size of your dataset."
            )
        return X_train, t_train, w_train, (X_val, t_val, w_val)

    def _reported_loss(
        self,
        data_loss: float,
        n_batches: int,
        n_samples: float,
        squares: float | None = None,
    ) -> float:
        """The loss as scikit-learn reports it: the mean loss (a regressor's
        averaged over its outputs too) plus ``0.5·alpha·Σw²/m`` for each of
        ``n_batches`` batches, weighted by their share of the samples.
        ``squares`` is ``Σw²`` (default: of the network's current weights)."""
        if self._output == "identity":
            data_loss /= self.network_.n_outputs
        if squares is None:
            squares = _sum_of_squares(self.network_.weights)
        return data_loss + 0.5 * float(self.alpha) * squares * n_batches / n_samples

    def _validation_score(
        self, X: np.ndarray, targets: np.ndarray, weights: np.ndarray | None
    ) -> float:
        raise NotImplementedError

    # ---------------------------------------------------------------- fitted
    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices ``W`` (n_in, n_out), one per layer (live arrays)."""
        return self.network_.weights

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors ``b`` (n_out,), one per layer (live arrays)."""
        return self.network_.biases

    def _forward(self, X: Any) -> np.ndarray:
        """``Z_L`` of the validated ``X``."""
        check_is_fitted(self, "network_")
        X = self._validate_X(X)
        return self.network_.forward(
            np.ascontiguousarray(X, dtype=self.network_.dtype), training=False
        )

    def _validate_X(self, X: Any) -> np.ndarray:
        from sklearn.utils.validation import validate_data

        return validate_data(
            self, X, reset=False, dtype=(np.float64, np.float32), accept_sparse=False
        )

    def save(self, path: Any) -> Any:
        """Write the fitted estimator to a model file (ffnn's ``.npz`` format, no
        pickle); :func:`ffnn.load` reads it back."""
        from ffnn.estimators.persistence import save_estimator

        check_is_fitted(self, "network_")
        return save_estimator(self, path)


class _ScikitLearnStopping(Callback):
    """scikit-learn's iteration bookkeeping and stopping rule, after every epoch
    of :func:`ffnn.train`:

    * ``loss_curve_`` gets the epoch's loss as scikit-learn reports it;
    * without early stopping, an epoch whose loss is not below ``best_loss_ −
      tol`` counts as no improvement; with it, an epoch whose validation score
      is not above ``best_validation_score_ + tol`` (the best weights are kept);
    * after more than ``n_iter_no_change`` such epochs in a row training stops,
      or with ``learning_rate="adaptive"`` (sgd) the learning rate is divided
      by 5, until it falls below 1e-6.
    """

    def __init__(
        self,
        estimator: FeedforwardEstimator,
        n_samples: int,
        batch_size: int,
        validation: tuple[Any, ...] | None,
    ) -> None:
        self.estimator = estimator
        self.n_samples = n_samples
        self.n_batches = math.ceil(n_samples / batch_size)
        self.validation = validation
        self.converged = False
        self.best_parameters: list[np.ndarray] | None = None
        self.squares = 0.0  # Σw² at the start of the coming epoch

    def on_train_begin(self, net: Network, history: History, epochs: int) -> None:
        # scikit-learn adds to each batch's loss the penalty of the weights that
        # batch started from: an epoch's loss takes Σw² from before its updates
        # (exact for full batches; with mini-batches, the first batch's)
        self.squares = _sum_of_squares(net.weights)
        if self.validation is not None:
            self.best_parameters = net.get_parameters()  # scikit-learn's start

    def on_epoch_end(self, epoch: int, net: Network, history: History) -> bool:
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_ = est._reported_loss(
            history.loss[-1], self.n_batches, self.n_samples, self.squares
        )
        self.squares = _sum_of_squares(net.weights)
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {est.loss_:.8f}")
        if self.validation is not None:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_parameters = net.get_parameters()
        else:
            if est.loss_ > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            est.best_loss_ = min(est.best_loss_, est.loss_)
        if est._no_improvement_count <= est.n_iter_no_change:
            return False
        if (
            est.solver == "sgd"
            and est.learning_rate == "adaptive"
            and est._learning_rate > ADAPTIVE_MIN_LEARNING_RATE
        ):
            est._learning_rate /= 5.0
            est._optimizer.schedule = Constant(est._learning_rate)
            est._no_improvement_count = 0
            if est.verbose:
                print(f"Setting learning rate to {est._learning_rate:f}")
            return False
        if est.verbose:
            watched = (
                "Validation score" if self.validation is not None else ("Training loss")
            )
            print(
                f"{watched} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs. Stopping."
            )
        self.converged = True
        return True


class _RestartedInverseScaling(InverseScaling):
    """scikit-learn's 'invscaling' after it makes a new optimizer (a fit, warm
    or not): ``η₀`` for the first epoch, then ``η₀ / (t + 1)^power_t`` with
    ``t`` every sample seen, those of earlier fits included."""

    def __call__(self, epoch: int) -> float:
        return self.learning_rate if epoch == 0 else super().__call__(epoch)


def _sum_of_squares(weights: list[np.ndarray]) -> float:
    """``Σw²`` over the weight matrices (biases excluded)."""
    return sum(float(np.vdot(W, W)) for W in weights)


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
