"""scikit-learn's iteration bookkeeping and stopping rule for the stochastic
solvers, as a :class:`~ffnn.training.Callback` of :func:`ffnn.train`, and its
restarted inverse-scaling schedule."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn.network import Network
from ffnn.penalties import sum_of_squares
from ffnn.schedules import Constant, InverseScaling
from ffnn.training import Callback, History

if TYPE_CHECKING:  # the estimators import this module
    from ffnn.estimators.base import FeedforwardEstimator

#: the learning rate below which "adaptive" stops instead of dividing by 5
ADAPTIVE_MIN_LEARNING_RATE = 1e-6


class ScikitLearnStopping(Callback):
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
        total_weight: float | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_samples = n_samples
        #: Σ s_i of the training samples (their count without sample weights)
        self.total_weight = n_samples if total_weight is None else total_weight
        self.n_batches = math.ceil(n_samples / batch_size)
        self.validation = validation
        self.converged = False
        self.best_parameters: list[np.ndarray] | None = None
        self.squares = 0.0  # Σw² at the start of the coming epoch

    def on_train_begin(self, net: Network, history: History, epochs: int) -> None:
        # scikit-learn adds to each batch's loss the penalty of the weights that
        # batch started from: an epoch's loss takes Σw² from before its updates
        # (exact for full batches; with mini-batches, the first batch's)
        self.squares = sum_of_squares(net.weights)
        if self.validation is not None:
            self.best_parameters = net.get_parameters()  # scikit-learn's start

    def on_epoch_end(self, epoch: int, net: Network, history: History) -> bool:
        est = self.estimator
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_ = est._reported_loss(
            history.loss[-1], self.n_batches, self.total_weight, self.squares
        )
        self.squares = sum_of_squares(net.weights)
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


class RestartedInverseScaling(InverseScaling):
    """scikit-learn's 'invscaling' after it makes a new optimizer (a fit, warm
    or not): ``η₀`` for the first epoch, then ``η₀ / (t + 1)^power_t`` with
    ``t`` every sample seen, those of earlier fits included."""

    def __call__(self, epoch: int) -> float:
        return self.learning_rate if epoch == 0 else super().__call__(epoch)
