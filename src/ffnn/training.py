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

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from os import PathLike
from typing import Any

import numpy as np

from ffnn._validation import (
    check_bool,
    check_int,
    check_positive,
    check_seed,
    check_X,
    check_y,
)
from ffnn.checkpoints import (
    Checkpoint,
    check_resumable,
    checkpoint_of,
    fingerprint,
    load_checkpoint,
    restore,
    save_checkpoint,
)
from ffnn.divergence import (
    DIVERGENCE_FACTOR,
    DivergenceWatch,
    TrainingDivergedError,
    divergence,
    reference_loss,
)
from ffnn.engines import Engine, check_engine, make_engine
from ffnn.interruption import Interruption
from ffnn.losses import check_finite_outputs, check_reduction
from ffnn.metrics import r2_score
from ffnn.network import Network
from ffnn.optimizers import SGD, Optimizer
from ffnn.penalties import check_penalty_scale
from ffnn.targets import check_training_data, check_values


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
    #: Ctrl-C stopped training after a batch: the weights have that batch's
    #: update, the history the epochs completed before it
    interrupted: bool = False

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

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> History:
        """The History :meth:`to_dict` wrote; TypeError or ValueError if
        ``values`` is not one."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown History fields {unknown}")
        history = cls()
        for name, value in values.items():
            default = getattr(history, name)
            if isinstance(default, list):
                if not isinstance(value, list) or not all(
                    isinstance(v, int | float) and not isinstance(v, bool)
                    for v in value
                ):
                    raise TypeError(f"History.{name} must be a list of numbers")
                value = [float(v) for v in value]
            elif name == "engine" and not isinstance(value, str):
                raise TypeError(f"History.engine must be a name, got {value!r}")
            elif name in ("stopped_early", "interrupted") and not isinstance(
                value, bool
            ):
                raise TypeError(f"History.{name} must be True or False, got {value!r}")
            elif (
                name == "best_epoch"
                and value is not None
                and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
            ):
                raise TypeError(f"History.best_epoch must be a count, got {value!r}")
            setattr(history, name, value)
        if not all(math.isfinite(v) for v in history.loss):
            raise ValueError("History.loss holds NaN or infinite values")
        lengths = {len(history.loss), len(history.learning_rate), len(history.time)}
        if len(lengths) != 1:
            raise ValueError("History's loss, learning_rate and time differ in length")
        return history


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
        self.restore_best_weights = check_bool(
            restore_best_weights, "restore_best_weights"
        )
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
    and accuracy for a classifier, squared error and R² for a regressor.

    Raises :class:`~ffnn.losses.NonFiniteOutputError` when the outputs overflow.
    """
    check_network(net)
    X, targets = _check_evaluation_data(net, X, y)
    return _evaluate_encoded(net, X, targets, check=True)


def check_network(net: Any) -> None:
    """TypeError unless ``net`` is an ffnn Network."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be an ffnn Network, got {type(net).__name__}")


def _check_evaluation_data(
    net: Network, X: Any, y: Any, name: str = "X"
) -> tuple[np.ndarray, ...]:
    """``X`` and the targets as the loss reads them, without setting classes."""
    X = check_X(X, net.n_inputs, net.dtype, name=name)
    if net.is_classifier:
        return X, net.encode_labels(check_y(y, X.shape[0]))
    return X, check_values(y, X.shape[0], net.n_outputs, net.dtype)


def _check_callbacks(callbacks: Any) -> list[Callback]:
    if isinstance(callbacks, Callback) or not isinstance(callbacks, Sequence):
        kind = type(callbacks).__name__
        raise TypeError(f"callbacks must be a list of ffnn Callbacks, got {kind}")
    for index, callback in enumerate(callbacks):
        if not isinstance(callback, Callback):
            raise TypeError(
                f"callbacks[{index}] is {type(callback).__name__}, not an ffnn Callback"
            )
    return list(callbacks)


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
    divergence_factor: float | None = DIVERGENCE_FACTOR,
    checkpoint_path: str | PathLike | None = None,
    checkpoint_every: int | None = None,
    checkpoint_metadata: dict[str, Any] | None = None,
    resume: Any = None,
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
    divergence_factor : float or None
        Raise :class:`TrainingDivergedError` when an epoch's loss exceeds this
        multiple (default 10) of the run's reference loss (see
        :func:`divergence`); None only for NaN or infinite losses and weights.
    checkpoint_path, checkpoint_every : path and int, optional
        Every ``checkpoint_every`` epochs, write the run's whole state to
        ``checkpoint_path`` (:mod:`ffnn.checkpoints`; atomically, replacing the
        last one). ``checkpoint_metadata`` (JSON) is stored with it.
    resume : path or Checkpoint, optional
        Continue the run a checkpoint holds: ``net`` and ``optimizer`` take its
        weights and state, shuffling and dropout its generator, and training runs
        on to ``epochs`` epochs in all. The data and settings must be the run's
        own (ValueError otherwise); the result is bit for bit that of the run
        never stopped, except for callbacks' own state.

    Returns
    -------
    History
        ``interrupted`` is True when Ctrl-C stopped training: the first SIGINT
        stops after the current batch and ``train`` returns; a second one
        raises KeyboardInterrupt at once.

    Notes
    -----
    Each step: ``Z = forward(X_b)``, ``L0 = CE(softmax(Z), y_b)`` (or ``½‖Z − y_b‖²``),
    ``delta = ŷ − y`` (divided by ``m`` for the mean), ``backward(delta)``, add
    ``(λ/n) W`` (scaled by ``m`` for the sum) to each ``dW``, then
    ``w ← w − η ∂J/∂w`` (or the optimizer's rule). With full batches and the sum
    this is exactly ``dW = Aᵀ delta + λ W``, ``W ← W − η dW``.
    """
    check_network(net)
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
    seed = check_seed(seed)
    shuffle = check_bool(shuffle, "shuffle")
    callbacks = _check_callbacks(callbacks)
    if validation_data is not None and (
        not isinstance(validation_data, tuple | list) or len(validation_data) != 2
    ):
        raise TypeError(
            "validation_data must be a pair (X_val, y_val), got "
            f"{type(validation_data).__name__}"
            + (
                f" of {len(validation_data)}"
                if isinstance(validation_data, tuple)
                else ""
            )
        )
    classes = net.classes
    try:  # a refused call leaves the network as it was (classes included)
        X, targets, weights = check_training_data(
            net, X, y, sample_weight, class_weight
        )
        n = X.shape[0]
        batch = n if batch_size is None else min(check_int(batch_size, "batch_size"), n)
        validation = None
        if validation_data is not None:
            X_val, y_val = validation_data
            validation = _check_evaluation_data(net, X_val, y_val, name="X_val")
    except (TypeError, ValueError):
        net.classes = classes
        raise

    checkpointing = _check_checkpointing(
        checkpoint_path, checkpoint_every, checkpoint_metadata, resume
    )
    if divergence_factor is not None:
        divergence_factor = check_positive(divergence_factor, "divergence_factor")
        if divergence_factor <= 1:
            raise ValueError(
                f"divergence_factor must be > 1 (a loss above its start), got "
                f"{divergence_factor!r}"
            )

    rng = np.random.default_rng(seed)
    passes = make_engine(
        engine, net, X, targets, batch, shuffle, reduction, alpha, l1,
        sample_weight=weights, penalty_scale=penalty_scale,
    )  # fmt: skip
    total_weight = n if weights is None else float(weights.sum())
    run = None  # what a checkpoint must match
    if checkpointing:
        settings = {
            "batch_size": batch, "shuffle": shuffle, "reduction": reduction,
            "alpha": alpha, "l1": l1, "penalty_scale": penalty_scale,
            "clip_norm": clip_norm, "divergence_factor": divergence_factor,
        }  # fmt: skip
        run = fingerprint(net, passes.name, optimizer, (X, targets, weights), settings)
    history = History(engine=passes.name)
    watch = None
    if resume is not None:
        try:  # a refused resume leaves the network as it was (classes included)
            checkpoint = (
                resume if isinstance(resume, Checkpoint) else load_checkpoint(resume)
            )
            check_resumable(checkpoint, run, epochs)
        except (TypeError, ValueError):
            net.classes = classes
            raise
        history = restore(
            checkpoint, net, optimizer, passes.params, passes.order.order, rng
        )
        if checkpoint.divergence is not None:
            watch = DivergenceWatch(
                checkpoint.divergence["reference"], divergence_factor,
                above=checkpoint.divergence["above"],
            )  # fmt: skip
    elif divergence_factor is not None:
        initial = _loss_of(net, X, targets, weights)  # before any update
        watch = DivergenceWatch(
            reference_loss(net, targets, initial), divergence_factor
        )
    first_epoch = history.epochs
    for callback in callbacks:
        callback.on_train_begin(net, history, epochs)
    start = time.perf_counter() - (history.time[-1] if history.time else 0.0)
    eta = optimizer.schedule(first_epoch)
    # overflow in a diverging run is reported as TrainingDivergedError below,
    # not as a stream of NumPy warnings
    with Interruption() as interruption, np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(first_epoch, epochs):
            eta = optimizer.schedule(epoch)
            epoch_loss = train_epoch(
                passes, optimizer, eta, clip_norm, rng,
                stop=lambda: interruption.requested,
            )  # fmt: skip
            if epoch_loss is None:  # Ctrl-C: the epoch was cut short
                history.interrupted = True
                break
            epoch_loss /= total_weight
            reason = (
                watch.epoch(epoch_loss) if watch else divergence(epoch_loss, 0.0, None)
            )
            if not reason and not all(np.isfinite(p).all() for p in passes.params):
                reason = "the weights became NaN or infinite"
            if reason:
                raise TrainingDivergedError(epoch, epoch_loss, eta, history, reason)
            record_epoch(history, epoch_loss, eta, net, validation, start)
            stop = False
            for callback in callbacks:
                stop = callback.on_epoch_end(epoch, net, history) or stop
            if checkpoint_every and (epoch + 1) % checkpoint_every == 0:
                state = None if watch is None else {
                    "reference": float(watch.reference), "above": watch.above
                }  # fmt: skip
                save_checkpoint(
                    checkpoint_of(
                        net, optimizer, passes.order.order, rng, history, run,
                        checkpoint_metadata, state,
                    ),
                    checkpoint_path,
                )  # fmt: skip
            if stop:
                history.stopped_early = epoch + 1 < epochs
                break
        if watch is not None and not history.interrupted:
            final = _loss_of(net, X, targets, weights)  # the weights it ends with
            reason = watch.final(final)
            if reason:
                raise TrainingDivergedError(history.epochs, final, eta, history, reason)
    for callback in callbacks:
        callback.on_train_end(net, history)
    return history


def _loss_of(
    net: Network, X: np.ndarray, targets: np.ndarray, weights: np.ndarray | None
) -> float:
    """The (weighted) mean loss of the whole training set, without dropout; NaN
    when the outputs overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        Z = net.forward(X, training=False)
        if not np.isfinite(Z).all():
            return math.nan
        return net.loss_function().forward(Z, targets, weights)


def _check_checkpointing(path: Any, every: Any, metadata: Any, resume: Any) -> bool:
    """Check train()'s checkpoint arguments; True when the run checkpoints or
    resumes (and so needs its fingerprint)."""
    from pathlib import Path

    if every is not None:
        check_int(every, "checkpoint_every")
        if path is None:
            raise ValueError("checkpoint_every needs a checkpoint_path to write to")
    if path is not None:
        if not isinstance(path, str | PathLike):
            raise TypeError(f"checkpoint_path must be a path, got {path!r}")
        if Path(path).is_dir():
            raise ValueError(f"checkpoint_path {path} is a folder, not a file name")
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError(f"checkpoint_metadata must be a dict, got {metadata!r}")
        try:
            json.dumps(metadata)
        except (TypeError, ValueError) as error:
            raise ValueError(f"checkpoint_metadata is not JSON ({error})") from None
    if resume is not None and not isinstance(resume, str | PathLike | Checkpoint):
        raise TypeError(
            f"resume must be a checkpoint's path or a Checkpoint, got {resume!r}"
        )
    return every is not None or resume is not None


def train_epoch(
    engine: Engine,
    optimizer: Optimizer,
    eta: float,
    clip_norm: float | None,
    rng: np.random.Generator,
    stop: Callable[[], bool] | None = None,
) -> float | None:
    """One pass over the data, a :func:`train_step` per batch; returns the summed
    (weighted) loss of the epoch's forward passes, or None when ``stop()`` said
    after a batch to stop before the epoch's end."""
    total = 0.0
    for batch in engine.batches(rng):
        total += train_step(engine, batch, optimizer, eta, clip_norm, rng)
        if stop is not None and stop():
            return None
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
    net: Network, X: np.ndarray, targets: np.ndarray, check: bool = False
) -> tuple[float, float]:
    """Mean loss and accuracy (or R²) on validated ``X`` and targets; with
    ``check``, NonFiniteOutputError when the outputs overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        Z = net.forward(X, training=False)
    if check:
        check_finite_outputs(Z, X)
    loss = net.loss_function().forward(Z, targets)
    if net.is_classifier:
        return loss, float(np.mean(np.argmax(Z, axis=1) == targets))
    return loss, r2_score(targets, Z)
