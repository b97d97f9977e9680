"""The training loop: batches, epochs, the History it records, and callbacks.

Each step reads as the notes' loop, one named step a line (see :func:`train_step`):
forward, loss, backward, clip, update; then each epoch is recorded. The passes
themselves run in an engine (:mod:`ffnn.engines`): the network's own layers, or
the fast engine with the same equations. The loss recorded for an epoch is the
mean loss (cross-entropy, or squared error for a regressor) that epoch's own
forward passes computed, before their updates (as scikit-learn's
``loss_curve_``); no second pass over the data is made.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ffnn._validation import check_int, check_positive, check_X, check_y
from ffnn.engines import Engine, check_engine, make_engine
from ffnn.losses import check_reduction
from ffnn.network import Network, r2_score
from ffnn.optimizers import SGD, Optimizer
from ffnn.penalties import check_penalty_scale
from ffnn.targets import check_targets_for, check_values, combined_sample_weight


@dataclass
class History:
    """What :func:`train` recorded, one entry per epoch.

    ``loss[k]`` is the mean loss (without the penalty; weighted by the sample
    weights) over the forward passes of epoch k, before that epoch's updates.
    The notes record the loss after each update instead: their curve is
    ``loss[1:]`` followed by ``net.loss(X, y)``. A classifier's validation score
    is ``val_accuracy``, a regressor's ``val_r2``.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    val_r2: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    time: list[float] = field(default_factory=list)  # seconds since start
    #: the engine that ran the passes: 'layers' or 'fast' (see ffnn.engines)
    engine: str = ""
    #: epochs of updates behind the weights EarlyStopping restored (0 = initial)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.loss)

    def loss_increases(self, threshold: float = 0.0) -> list[int]:
        """Epochs ``k`` whose loss rose above the previous epoch's by more than
        ``threshold`` relative to it: ``loss[k] > (1 + threshold) · loss[k−1]``.

        With a threshold of a few per cent these are the notes' "spikes", where a
        step overshot the minimum.
        """
        loss = np.asarray(self.loss)
        rose = loss[1:] > (1.0 + threshold) * loss[:-1]
        return [int(k) + 1 for k in np.flatnonzero(rose)]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy."""
        return asdict(self)


class TrainingDivergedError(FloatingPointError):
    """The loss became NaN or infinite; ``history`` holds the epochs before."""

    def __init__(
        self, epoch: int, loss: float, learning_rate: float, history: History
    ) -> None:
        self.epoch = epoch
        self.loss = loss
        self.learning_rate = learning_rate
        self.history = history
        super().__init__(
            f"training diverged at epoch {epoch}: the loss became {loss} with "
            f"learning rate η = {learning_rate:g}; try a smaller learning rate "
            "(remember reduction='sum' multiplies the gradient by the batch size)"
        )


class Callback:
    """Hooks called by :func:`train`; ``on_epoch_end`` returns True to stop."""

    def on_train_begin(self, net: Network, history: History, epochs: int) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, net: Network, history: History) -> bool:
        """Called after each epoch; return True to stop training."""
        return False

    def on_train_end(self, net: Network, history: History) -> None:
        """Called once after the last epoch (also after an early stop)."""


class EarlyStopping(Callback):
    """Stop when the monitored loss has not improved by ``min_delta`` for
    ``patience`` epochs, and restore the weights that gave the best value.

    ``monitor`` is 'val_loss' (needs ``validation_data``; measured after each
    epoch's updates) or 'loss' (the training loss, measured by each epoch's
    forward passes, so before its updates).
    """

    def __init__(
        self,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: str = "val_loss",
        restore_best_weights: bool = True,
    ) -> None:
        if monitor not in ("val_loss", "loss"):
            raise ValueError(f"monitor must be 'val_loss' or 'loss', got {monitor!r}")
        self.patience = check_int(patience, "patience")
        self.min_delta = check_positive(min_delta, "min_delta", allow_zero=True)
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights
        self._best = math.inf
        self._best_parameters: list[np.ndarray] | None = None
        self._epoch_start_parameters: list[np.ndarray] | None = None
        self._wait = 0

    def on_train_begin(self, net, history, epochs):
        self._best = math.inf
        self._best_parameters = None
        self._wait = 0
        if self.monitor == "loss":
            self._epoch_start_parameters = net.get_parameters()

    def on_epoch_end(self, epoch, net, history):
        values = getattr(history, self.monitor)
        if not values:
            raise ValueError("EarlyStopping(monitor='val_loss') needs validation_data")
        current = values[-1]
        if self.monitor == "val_loss":
            measured, measured_epoch = (lambda: net.get_parameters()), epoch + 1
        else:  # the training loss of epoch k belongs to the weights before it
            start = self._epoch_start_parameters
            measured, measured_epoch = (lambda: start), epoch
            self._epoch_start_parameters = net.get_parameters()
        if current < self._best - self.min_delta:
            self._best = current
            self._wait = 0
            history.best_epoch = measured_epoch
            if self.restore_best_weights:
                self._best_parameters = measured()
            return False
        self._wait += 1
        return self._wait >= self.patience

    def on_train_end(self, net, history):
        if self.restore_best_weights and self._best_parameters is not None:
            net.set_parameters(self._best_parameters)


def evaluate(net: Network, X: Any, y: Any) -> tuple[float, float]:
    """Mean loss and score of ``net`` on ``(X, y)``, without dropout: cross-entropy
    and accuracy for a classifier, squared error and R² for a regressor."""
    return _evaluate_encoded(net, *_check_evaluation_data(net, X, y))


def _check_evaluation_data(net: Network, X: Any, y: Any) -> tuple[np.ndarray, ...]:
    """``X`` and the targets as the loss reads them, without setting classes."""
    X = check_X(X, net.n_inputs, net.dtype)
    if net.is_classifier:
        return X, net.encode_labels(check_y(y, X.shape[0]))
    return X, check_values(y, X.shape[0], net.n_outputs, net.dtype)


def clip_by_global_norm(grads: Sequence[np.ndarray], max_norm: float) -> float:
    """Scale every gradient by ``max_norm / ‖g‖`` when the global norm
    ``‖g‖ = √(Σ_i ‖g_i‖²)`` exceeds ``max_norm``; returns ``‖g‖`` before clipping."""
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm


def train(
    net: Network,
    X: Any,
    y: Any,
    *,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    reduction: str = "mean",
    alpha: float = 0.0,
    l1: float = 0.0,
    shuffle: bool = True,
    seed: int | None = None,
    validation_data: tuple[Any, Any] | None = None,
    clip_norm: float | None = None,
    callbacks: Sequence[Callback] = (),
    engine: str = "auto",
    sample_weight: Any = None,
    class_weight: Any = None,
    penalty_scale: str = "training_set",
) -> History:
    """Train ``net`` on ``(X, y)`` by (mini-batch) gradient descent.

    Parameters
    ----------
    net : Network
        Trained in place.
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples,) or (n_samples, n_outputs)
        Class labels for a softmax network; real values for an identity network
        (shape (n_samples,) when it has one output).
    optimizer : Optimizer
        Default ``SGD(learning_rate=0.01)``.
    epochs : int
        Passes over the data; with ``batch_size=None`` one epoch is one update.
    batch_size : int or None
        None for full-batch gradient descent, else mini-batches of this many rows,
        reshuffled every epoch when ``shuffle``.
    reduction : {'mean', 'sum'}
        Gradient of the mean loss, or of the summed loss (the notes' choice).
    alpha : float
        L2 strength λ: ``L = L0 + λ/(2n) Σ w²`` over weights, not biases, with
        ``n`` the number of training samples (``l2`` in the CLI and TOML files).
    l1 : float
        L1 strength λ₁: adds ``λ₁/n Σ |w|``.
    seed : int, optional
        Seeds shuffling and dropout; the same seed gives the same bits.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch into ``val_loss`` and ``val_accuracy``.
    clip_norm : float, optional
        Clip the gradients to this global norm before each step.
    callbacks : sequence of Callback
        For example ``[EarlyStopping(patience=20)]``.
    engine : {'auto', 'layers', 'fast'}
        Who runs the passes (:mod:`ffnn.engines`): 'layers' the network's own
        layer objects (to step through), 'fast' the same equations on buffers
        sized once, 'auto' the fast engine where it supports the layers. Both
        train to the same weights; ``History.engine`` says which ran.
    sample_weight : array of shape (n_samples,), optional
        Weight ``s_i ≥ 0`` of each sample: the loss is the weighted mean
        ``Σ s_i ℓ_i / Σ s_i`` (per batch) and ``n`` in the penalty is ``Σ s_i``,
        so an integer weight ``k`` counts a sample ``k`` times. All ones is the
        same run as no weights, bit for bit.
    class_weight : dict or 'balanced', optional
        A classifier's weight per class label (labels not named weigh 1), or
        'balanced': ``n / (k n_c)`` for a class of ``n_c`` of the ``n`` samples;
        multiplies ``sample_weight``.
    penalty_scale : {'training_set', 'batch'}
        What λ is divided by: the training set's ``n`` (the notes'; default) or
        each batch's ``m`` (scikit-learn's ``alpha``: ``λ/(2m) Σ w²`` per batch).

    Returns
    -------
    History

    Notes
    -----
    Each step: ``Z = forward(X_b)``, ``L0 = CE(softmax(Z), y_b)`` (or ``½‖Z − y_b‖²``),
    ``delta = ŷ − y`` (divided by ``m`` for the mean), ``backward(delta)``, add
    ``(λ/n) W`` (scaled by ``m`` for the sum) to each ``dW``, then
    ``w ← w − η ∂J/∂w`` (or the optimizer's rule). With full batches and the sum
    this is exactly ``dW = Aᵀ delta + λ W``, ``W ← W − η dW``.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an ffnn Network, got {type(net).__name__}")
    optimizer = SGD(learning_rate=0.01) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an ffnn Optimizer, got {optimizer!r}")
    epochs = check_int(epochs, "epochs")
    reduction = check_reduction(reduction)
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    l1 = check_positive(l1, "l1", allow_zero=True)
    if clip_norm is not None:
        clip_norm = check_positive(clip_norm, "clip_norm")
    engine = check_engine(engine, net)  # before anything changes the network
    penalty_scale = check_penalty_scale(penalty_scale)
    if class_weight is not None and not net.is_classifier:
        raise ValueError("class_weight weighs classes; this network regresses")
    classes = net.classes
    try:  # a refused call leaves the network as it was (classes included)
        X, targets = check_targets_for(net, X, y)
        n = X.shape[0]
        weights = combined_sample_weight(sample_weight, class_weight, y, n, net.dtype)
        batch = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
        validation = None
        if validation_data is not None:
            X_val, y_val = validation_data
            validation = _check_evaluation_data(net, X_val, y_val)
    except (TypeError, ValueError):
        net.classes = classes
        raise

    rng = np.random.default_rng(seed)
    passes = make_engine(
        engine, net, X, targets, batch, shuffle, reduction, alpha, l1,
        sample_weight=weights, penalty_scale=penalty_scale,
    )  # fmt: skip
    total_weight = n if weights is None else float(weights.sum())
    history = History(engine=passes.name)
    for callback in callbacks:
        callback.on_train_begin(net, history, epochs)
    start = time.perf_counter()
    # overflow in a diverging run is reported as TrainingDivergedError below,
    # not as a stream of NumPy warnings
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            eta = optimizer.schedule(epoch)
            epoch_loss = train_epoch(passes, optimizer, eta, clip_norm, rng)
            epoch_loss /= total_weight
            if not math.isfinite(epoch_loss):
                raise TrainingDivergedError(epoch, epoch_loss, eta, history)
            record_epoch(history, epoch_loss, eta, net, validation, start)
            stop = False
            for callback in callbacks:
                stop = callback.on_epoch_end(epoch, net, history) or stop
            if stop:
                history.stopped_early = epoch + 1 < epochs
                break
        if not all(np.isfinite(p).all() for p in passes.params):
            raise TrainingDivergedError(history.epochs, math.nan, eta, history)
    for callback in callbacks:
        callback.on_train_end(net, history)
    return history


def train_epoch(
    engine: Engine,
    optimizer: Optimizer,
    eta: float,
    clip_norm: float | None,
    rng: np.random.Generator,
) -> float:
    """One pass over the data, a :func:`train_step` per batch; returns the summed
    (weighted) loss of the epoch's forward passes."""
    total = 0.0
    for batch in engine.batches(rng):
        total += train_step(engine, batch, optimizer, eta, clip_norm, rng)
    return total


def train_step(
    engine: Engine,
    batch: Any,
    optimizer: Optimizer,
    eta: float,
    clip_norm: float | None,
    rng: np.random.Generator,
) -> float:
    """One update from one batch; returns the batch's summed loss (computed
    before the update)."""
    engine.forward(batch, rng)  # Z_L = f(X_b), layer by layer
    loss = engine.loss(batch)  # ŷ = softmax(Z_L); Σ_i −log ŷ_{i,y_i} (or ½‖ŷ − y‖²)
    engine.backward(batch)  # delta = ŷ − y, back through every layer; + penalty
    if clip_norm is not None:
        clip_by_global_norm(engine.grads, clip_norm)  # ‖g‖ ≤ clip_norm
    optimizer.step(engine.params, engine.grads, eta)  # w ← w − η ∂J/∂w
    return loss


def record_epoch(
    history: History,
    epoch_loss: float,
    eta: float,
    net: Network,
    validation: tuple[np.ndarray, np.ndarray] | None,
    start: float,
) -> None:
    """Append the epoch's loss, learning rate, validation scores and time."""
    history.loss.append(epoch_loss)
    history.learning_rate.append(eta)
    if validation is not None:
        val_loss, val_score = _evaluate_encoded(net, *validation)
        history.val_loss.append(val_loss)
        scores = history.val_accuracy if net.is_classifier else history.val_r2
        scores.append(val_score)
    history.time.append(time.perf_counter() - start)


def _evaluate_encoded(
    net: Network, X: np.ndarray, targets: np.ndarray
) -> tuple[float, float]:
    """Mean loss and accuracy (or R²) on validated ``X`` and targets."""
    Z = net.forward(X, training=False)
    loss = net.loss_function().forward(Z, targets)
    if net.is_classifier:
        return loss, float(np.mean(np.argmax(Z, axis=1) == targets))
    return loss, r2_score(targets, Z)
