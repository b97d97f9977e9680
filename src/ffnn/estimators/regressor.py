"""``FeedforwardRegressor``: scikit-learn's ``MLPRegressor`` on ffnn's identity
networks."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from ffnn.estimators.base import FeedforwardEstimator, _rectangular
from ffnn.estimators.parameters import is_stochastic
from ffnn.metrics import r2_score


class FeedforwardRegressor(RegressorMixin, FeedforwardEstimator):
    """A feedforward network regressor with scikit-learn's ``MLPRegressor``
    interface: swap the import and the parameters mean what they meant there.

    The network ends in an identity output, one unit per target column, trained
    on the squared error ``½ ‖ŷ − y‖²`` averaged over the samples. Parameters
    and attributes are :class:`~ffnn.FeedforwardClassifier`'s, without
    ``class_weight``, and with ``loss`` ('squared_error', the only one) as in
    ``MLPRegressor``. ``loss_`` is averaged over the outputs too, as
    scikit-learn reports it; ``out_activation_`` is 'identity'.
    """

    _output = "identity"

    def __init__(
        self,
        loss: str = "squared_error",
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
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t,
            max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            init=init, dropout=dropout, dtype=dtype, engine=engine,
        )  # fmt: skip
        self.loss = loss

    def _check_parameters(self) -> None:
        if self.loss != "squared_error":
            raise ValueError(
                f"loss must be 'squared_error' (the only loss ffnn regresses with), "
                f"got {self.loss!r}"
            )
        super()._check_parameters()

    @available_if(is_stochastic)
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> FeedforwardRegressor:
        """One epoch over ``(X, y)``, continuing from the current weights."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, _rectangular(X, "X"), _rectangular(y, "y"), reset=reset,
            dtype=(np.float64, np.float32), accept_sparse=False, multi_output=True,
            y_numeric=True,
        )  # fmt: skip
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _targets(self, y):
        return y.reshape(len(y), -1)

    def _n_outputs(self, targets):
        return targets.shape[1]

    def _loss_targets(self, targets):
        return np.ascontiguousarray(targets, dtype=self.network_.dtype)

    def _validation_score(self, X, targets, weights):
        predicted = self.network_.forward(X, training=False)
        return float(r2_score(targets, predicted, sample_weight=weights))

    def predict(self, X: Any) -> np.ndarray:
        """``ŷ = Z_L`` of each row of ``X``: shape (n_samples,) for one output,
        (n_samples, n_outputs) for several."""
        Z = self._forward(X)
        return Z.ravel() if Z.shape[1] == 1 else Z
