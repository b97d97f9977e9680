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

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ffnn._validation import as_array, check_X
from ffnn.estimators.parameters import ScikitLearnParameters
from ffnn.estimators.stopping import RestartedInverseScaling, ScikitLearnStopping
from ffnn.losses import check_finite_outputs
from ffnn.penalties import sum_of_squares
from ffnn.schedules import Constant, InverseScaling
from ffnn.training import train

#: the attributes validating a call's input sets (restored when it is refused)
VALIDATED = ("classes_", "n_features_in_", "feature_names_in_")


class FeedforwardEstimator(ScikitLearnParameters, BaseEstimator):
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
        # what validation sets (classes_, n_features_in_, ...) is put back
        # when the call is refused: a fitted estimator stays as it was
        saved = {name: getattr(self, name) for name in VALIDATED if hasattr(self, name)}
        try:
            X, y = self._validate_input(X, y, incremental, reset=first_pass)
            targets = self._targets(y)
            weights = None
            if sample_weight is not None:
                weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
            weights = self._with_class_weight(weights, y, incremental)
        except (TypeError, ValueError):
            for name in VALIDATED:
                if name in saved:
                    setattr(self, name, saved[name])
                elif hasattr(self, name):
                    delattr(self, name)
            raise
        dtype = np.dtype(self.dtype) if self.dtype is not None else X.dtype
        random_state = check_random_state(self.random_state)
        if first_pass:
            seed = int(random_state.randint(np.iinfo(np.int32).max))
            self._initialize(X.shape[1], targets, seed, dtype)
        elif self._n_outputs(targets) != self.network_.n_outputs:
            raise ValueError(
                f"y has {self._n_outputs(targets)} outputs but the fitted network "
                f"has {self.network_.n_outputs}; fit afresh (warm_start=False)"
            )
        X = _as_network_dtype(X, self.network_.dtype)
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
        self, weights: np.ndarray | None, y: np.ndarray, incremental: bool
    ) -> np.ndarray | None:
        """The sample weights times the classes' (a classifier's
        ``class_weight``)."""
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
            self._start_bookkeeping()

    def _start_bookkeeping(self) -> None:
        """The stochastic solvers' curves and stopping state, empty."""
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
        if not hasattr(self, "loss_curve_"):  # a warm start after solver='lbfgs'
            self._start_bookkeeping()
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
            scaling = RestartedInverseScaling if fresh else InverseScaling
            self._optimizer.schedule = scaling(
                self.learning_rate_init, self.power_t, n, samples_seen=self.t_
            )
        else:  # constant, or where "adaptive" has brought the rate to
            self._optimizer.schedule = Constant(self._learning_rate)
        total_weight = n if weights is None else float(np.sum(weights))
        stopping = ScikitLearnStopping(self, n, batch_size, validation, total_weight)
        self.n_iter_ = 0  # the epochs of this call, as scikit-learn counts them
        history = train(
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
            # scikit-learn's rule: only NaN or infinite losses and weights stop a
            # fit, not a loss that rises far above where it started
            divergence_factor=None,
        )
        if history.interrupted:  # Ctrl-C: the fit so far, as scikit-learn keeps it
            warnings.warn("Training interrupted by user.", stacklevel=3)
        if self.early_stopping and stopping.best_parameters is not None:
            self.network_.set_parameters(stopping.best_parameters)
        if not incremental and not stopping.converged and not history.interrupted:
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
        binary classifier, as scikit-learn does) to score after every epoch."""
        from sklearn.model_selection import train_test_split

        # scikit-learn stratifies a binary problem only (n_outputs_ == 1)
        stratify = (
            targets if self.n_outputs_ == 1 and self._output == "softmax" else None
        )
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
        ``n_batches`` batches, weighted by their share of the samples
        (``n_samples`` is the samples' weight sum ``Σ s_i``; exact for the full
        batch, where scikit-learn divides by the batch's weight).
        ``squares`` is ``Σw²`` (default: of the network's current weights)."""
        if self._output == "identity":
            data_loss /= self.network_.n_outputs
        if squares is None:
            squares = sum_of_squares(self.network_.weights)
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
        """``Z_L`` of the validated ``X``; :class:`~ffnn.losses.NonFiniteOutputError`
        names the rows whose outputs overflowed (as :meth:`Network.predict`)."""
        check_is_fitted(self, "network_")
        X = self._validate_X(X)
        X = _as_network_dtype(X, self.network_.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            Z = self.network_.forward(X, training=False)
        return check_finite_outputs(Z, X)

    def _validate_X(self, X: Any) -> np.ndarray:
        from sklearn.utils.validation import validate_data

        return validate_data(
            self,
            _rectangular(X, "X"),
            reset=False,
            dtype=(np.float64, np.float32),
            accept_sparse=False,
        )

    def save(self, path: Any) -> Any:
        """Write the fitted estimator to a model file (ffnn's ``.npz`` format, no
        pickle); :func:`ffnn.load` reads it back."""
        from ffnn.estimators.persistence import save_estimator

        check_is_fitted(self, "network_")
        return save_estimator(self, path)


def _as_network_dtype(X: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A validated ``X`` as a C-contiguous array of the network's dtype; a
    float64 value beyond float32's range is refused by name (see
    :func:`~ffnn._validation.check_X`), not cast to inf."""
    if X.dtype == dtype:
        return np.ascontiguousarray(X)
    return check_X(X, dtype=dtype)


def _rectangular(value: Any, name: str) -> Any:
    """A list or tuple as an array, ragged rows refused by name (NumPy's own
    error, raised deep inside scikit-learn's checks, names neither); anything
    else (arrays, DataFrames) as it is."""
    return as_array(value, name) if isinstance(value, list | tuple) else value
