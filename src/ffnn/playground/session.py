"""One playground session, the state behind one browser tab: its settings, its
data, its network and the training run, and the messages that describe them
(PROTOCOL.md beside this module).

The training is ffnn's own loop, driven one batch at a time so that the server
can let other sessions in and send a picture between epochs: the engine
(:func:`ffnn.engines.make_engine`), :func:`ffnn.training.train_step` for each of
an epoch's batches (the body of :func:`ffnn.training.train_epoch`) and
:func:`ffnn.training.record_epoch`, with one optimizer and one random generator
kept across epochs, as :func:`ffnn.train` keeps them across its loop. So a
session's run with a seed is the run ``ffnn.train(net, X_train, y_train,
optimizer=..., epochs=N, batch_size=..., alpha=l2, seed=seed, reduction="mean",
validation_data=(X_test, y_test))`` gives, weights and history bit for bit
(the test shows it), and the Python snippet the page shows
(:mod:`ffnn.playground.snippets`) is that call.

Divergence is ffnn.train's rule (:class:`ffnn.divergence.DivergenceWatch`,
measured against the loss of the initial weights); the epoch at which the run
diverges is undone (weights, optimizer state, generator, batch order) and
raises :class:`~ffnn.divergence.TrainingDivergedError`, so the session stays as
it was before that epoch.
"""

from __future__ import annotations

import base64
import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.divergence import DivergenceWatch, TrainingDivergedError, reference_loss
from ffnn.engines import make_engine
from ffnn.losses import NonFiniteOutputError
from ffnn.network import Network
from ffnn.optimizers import OPTIMIZERS
from ffnn.playground.data import Data, Points, generate, parse_csv, split, transform
from ffnn.playground.settings import (
    DATA_KEYS,
    MAX_SEED,
    NETWORK_KEYS,
    TRAINING_KEYS,
    Settings,
    SettingsError,
)
from ffnn.playground.snippets import command_line, python_snippet
from ffnn.playground.views import (
    GRID_SIZE,
    diagnostics,
    grid_points,
    hidden_layers,
    neuron_maps,
    output_map,
)
from ffnn.targets import check_targets_for, check_training_data
from ffnn.training import History, evaluate, record_epoch, train_step

#: the loss curve's points a state carries (the last ones)
HISTORY_POINTS = 1000
#: a rise of the training loss over the previous epoch beyond this share is a spike
SPIKE_THRESHOLD = 0.05


class Session:
    """An isolated experiment: the settings, the data and the network's run.

    Attributes
    ----------
    settings : Settings
    data : Data
        The points in ``[−6, 6]²``, split into training and test sets.
    X_train, X_test : ndarray of shape (n_train, n_features), (n_test, n_features)
        The network's inputs: the settings' features of the points.
    targets : ndarray of shape (n_train,) or (n_train, 1)
        The training targets as the loss reads them (class indices or values).
    net : Network
    epoch : int
        Epochs trained since the weights were initialised.
    history : History
        What :func:`~ffnn.training.record_epoch` recorded, the last
        ``HISTORY_POINTS`` to ``2 · HISTORY_POINTS`` epochs of it.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = Settings() if settings is None else settings
        self.uploaded: Points | None = None
        self.grid = grid_points()
        self._new_data(self.settings)

    # ------------------------------------------------------------ the messages
    def update(self, values: Any) -> bool:
        """Apply a settings update (a dict, partial or whole); returns True when
        new data was drawn. A data key's change draws new data and builds a new
        network, a network key's builds a new network, a training key's
        rebuilds only the optimizer (keeping the weights); the speed changes
        nothing else. SettingsError (the session unchanged) names a bad key."""
        settings = self.settings.updated(values)
        changed = settings.changed(self.settings)
        if settings.dataset == "upload" and self.uploaded is None:
            raise SettingsError(
                "dataset 'upload' needs your data: send an upload message first"
            )
        if changed & DATA_KEYS:
            self._new_data(settings)
            return True
        if changed & NETWORK_KEYS:
            self._new_network(settings)
        elif changed & TRAINING_KEYS:
            self._new_optimizer(settings)
        else:
            self.settings = settings
        return False

    def reset(self) -> None:
        """New initial weights (the same seed gives the same weights), epoch 0,
        the curves cleared."""
        self._new_network(self.settings)

    def regenerate(self) -> None:
        """New data with the next seed (the settings' seed changes), and a new
        network."""
        seed = self.settings.seed + 1 if self.settings.seed < MAX_SEED else 0
        self._new_data(replace(self.settings, seed=seed))

    def upload(self, text: Any) -> None:
        """Train on the points of an uploaded CSV (see
        :func:`~ffnn.playground.data.parse_csv`); sets the dataset to 'upload'."""
        points = parse_csv(text)
        self._new_data(replace(self.settings, dataset="upload"), points)
        self.uploaded = points

    def export(self) -> dict[str, Any]:
        """The "model" message: the network's model file (``Network.save``), in
        base64. Its inputs are the settings' features of points in the
        playground's ``[−6, 6]²``."""
        with tempfile.TemporaryDirectory(prefix="ffnn-playground-") as folder:
            path = Path(folder) / "playground.npz"
            self.net.save(path)
            content = path.read_bytes()
        return {
            "type": "model",
            "filename": "playground.npz",
            "base64": base64.b64encode(content).decode("ascii"),
        }

    # --------------------------------------------------------------- training
    def train_epoch(self) -> float:
        """One epoch of ffnn's training loop; returns its loss (the mean over
        the epoch's forward passes, before their updates).

        Raises TrainingDivergedError, with the session as it was before the
        epoch, when the epoch diverged by ffnn.train's rule.
        """
        steps = self.epoch_steps()
        for _ in steps:
            pass
        return self.history.loss[-1]

    def epoch_steps(self) -> Iterator[None]:
        """One epoch as :func:`ffnn.training.train_epoch` runs it, a
        :func:`~ffnn.training.train_step` per batch, pausing after each (a
        generator, so that the server can let other sessions in between); the
        epoch is recorded, or undone when it diverged, after the last batch."""
        saved = self._snapshot()
        engine, optimizer, rng = self.engine, self.optimizer, self.rng
        eta = optimizer.schedule(self.epoch)  # constant: no schedule here
        loss = 0.0
        for batch in engine.batches(rng):
            with np.errstate(over="ignore", invalid="ignore"):
                loss += train_step(engine, batch, optimizer, eta, None, rng)
            yield
        loss /= len(self.targets)  # the mean over the training set
        reason = self.watch.epoch(loss)
        if not reason and not np.isfinite(self.net.flat_parameters).all():
            reason = "the weights became NaN or infinite"
        if reason:
            self._restore(saved)
            raise TrainingDivergedError(self.epoch, loss, eta, self.history, reason)
        with np.errstate(over="ignore", invalid="ignore"):
            record_epoch(self.history, loss, eta, self.net, self.validation, self.start)
        self.epoch += 1
        if len(self.history.loss) > 2 * HISTORY_POINTS:  # keep the recent curve
            for field in fields(History):
                values = getattr(self.history, field.name)
                if isinstance(values, list):
                    del values[:-HISTORY_POINTS]

    # ------------------------------------------------------------ what is sent
    def data_message(self) -> dict[str, Any]:
        """The "data" message: the kind, the number of classes (0 for a
        regression) and the points ``[x1, x2, y]`` of both sets."""
        d = self.data
        label = int if d.classes else float
        return {
            "type": "data",
            "kind": d.kind,
            "classes": d.classes,
            "train": _rows(d.X_train, d.y_train, label),
            "test": _rows(d.X_test, d.y_test, label),
        }

    def state(self, playing: bool = False) -> dict[str, Any]:
        """The "state" message: the epoch, losses and scores, the curve, the
        maps, the weights, the diagnostics and the copyable text."""
        s, d, net = self.settings, self.data, self.net
        Z, hidden = hidden_layers(net, self.grid_inputs)
        output, output_range = output_map(net, Z, d.classes, d.y_range)
        train_loss, train_score = _evaluate(net, self.X_train, d.y_train)
        test_loss, test_score = _evaluate(net, self.X_test, d.y_test)
        return {
            "type": "state",
            "epoch": self.epoch,
            "playing": bool(playing),
            "settings": s.to_dict(),
            "train_loss": train_loss,
            "test_loss": test_loss,
            "train_score": train_score,
            "test_score": test_score,
            **self._curve(),
            "grid": {"size": GRID_SIZE, "extent": [-6, 6]},
            "output": output,
            "output_range": output_range,
            "neurons": neuron_maps(hidden),
            "weights": [layer.W.tolist() for layer in net.dense_layers],
            "biases": [layer.b.tolist() for layer in net.dense_layers],
            "diagnostics": diagnostics(
                net, s.activation, self.X_train, self.targets, s.l2
            ),
            "command": command_line(s, self.epoch),
            "python": python_snippet(s, self.epoch, d.classes),
        }

    def _curve(self) -> dict[str, Any]:
        """``loss_history`` (the last HISTORY_POINTS epochs, numbered from 1)
        and ``spikes``, the epochs among them whose training loss rose more
        than 5 % over the epoch before."""
        history = self.history
        recorded = len(history.loss)
        shown = min(recorded, HISTORY_POINTS)
        skip = recorded - shown
        first = self.epoch - recorded + 1  # the number of history.loss[0]
        return {
            "loss_history": {
                "epochs": list(range(first + skip, self.epoch + 1)),
                "train": [_finite(v) for v in history.loss[skip:]],
                "test": [_finite(v) for v in history.val_loss[skip:]],
            },
            "spikes": [
                first + k for k in history.loss_increases(SPIKE_THRESHOLD) if k >= skip
            ],
        }

    # -------------------------------------------------------------- building
    def _new_data(self, settings: Settings, points: Points | None = None) -> None:
        """Draw (or take) the points of ``settings``, split them and build a
        new network; the session changes only if all of it succeeds."""
        if points is None:
            if settings.dataset == "upload":
                points = self.uploaded
            else:
                points = generate(
                    settings.dataset, settings.samples, settings.noise,
                    settings.seed, settings.classes,
                )  # fmt: skip
        data = split(points, settings.train_ratio, settings.seed)
        self._new_network(settings, data)

    def _new_network(self, settings: Settings, data: Data | None = None) -> None:
        """A new network with the initial weights of the settings' seed, a new
        generator for shuffling and dropout, and an empty history."""
        data = self.data if data is None else data
        X_train = transform(data.X_train, settings.features)
        X_test = transform(data.X_test, settings.features)
        net = Network.mlp(
            [X_train.shape[1], *settings.hidden, data.classes or 1],
            activation=settings.activation,
            init=settings.init,
            dropout=settings.dropout,
            seed=settings.seed,
            output="softmax" if data.classes else "identity",
        )
        if data.classes:  # every class has its output, even one the split missed
            net.classes = np.arange(data.classes)
        # the inputs and targets as ffnn.train reads them
        X_train, targets, _ = check_training_data(net, X_train, data.y_train)
        validation = check_targets_for(net, X_test, data.y_test)
        self.settings, self.data, self.net = settings, data, net
        self.X_train, self.X_test, self.targets = X_train, validation[0], targets
        self.validation = validation
        self.grid_inputs = transform(self.grid, settings.features)
        self.rng = np.random.default_rng(settings.seed)
        self.epoch = 0
        self.history = History()
        self.watch = DivergenceWatch(
            reference_loss(net, targets, _initial_loss(net, X_train, targets))
        )
        self.start = time.perf_counter()
        self._new_optimizer(settings)

    def _new_optimizer(self, settings: Settings) -> None:
        """A fresh optimizer and engine for the current network and data; the
        weights, epoch, generator and history go on. A dropout change rebuilds
        the network around the same weights."""
        if settings.dropout != self.settings.dropout:
            net = Network.mlp(
                [self.X_train.shape[1], *settings.hidden, self.net.n_outputs],
                activation=settings.activation,
                init=settings.init,
                dropout=settings.dropout,
                seed=settings.seed,
                output=self.net.output,
            )
            net.set_parameters(self.net.parameters())
            net.classes = self.net.classes
            self.net = net
        optimizer = OPTIMIZERS[settings.optimizer](learning_rate=settings.learning_rate)
        n = len(self.targets)
        batch = n if settings.batch_size == 0 else min(settings.batch_size, n)
        self.engine = make_engine(
            "auto", self.net, self.X_train, self.targets, batch, True, "mean",
            settings.l2, 0.0,
        )  # fmt: skip
        self.optimizer = optimizer
        self.settings = settings

    def _snapshot(self) -> tuple:
        """What an epoch changes: the weights, the optimizer's state, the
        generator, the batch order and the divergence watch's count."""
        return (
            self.net.flat_parameters.copy(),
            self.optimizer.state(),
            self.rng.bit_generator.state,
            self.engine.order.order.copy(),
            self.watch.above,
        )

    def _restore(self, saved: tuple) -> None:
        parameters, optimizer_state, rng_state, order, above = saved
        self.net.flat_parameters[...] = parameters
        self.optimizer.set_state(*optimizer_state)
        self.rng.bit_generator.state = rng_state
        self.engine.order.order[...] = order
        self.watch.above = above


def _initial_loss(net: Network, X: np.ndarray, targets: np.ndarray) -> float:
    """The mean training loss of the initial weights, without dropout, as
    ffnn.train measures the start of a run (NaN when the outputs overflow)."""
    with np.errstate(over="ignore", invalid="ignore"):
        Z = net.forward(X, training=False)
        if not np.isfinite(Z).all():
            return math.nan
        return net.loss_function().forward(Z, targets)


def _evaluate(net: Network, X: np.ndarray, y: np.ndarray) -> tuple:
    """The mean loss and score (accuracy or R²), None where they overflowed."""
    try:
        loss, score = evaluate(net, X, y)
    except NonFiniteOutputError:
        return None, None
    return _finite(loss), _finite(score)


def _finite(value: float) -> float | None:
    """``value`` as a float, or None (JSON's null) when it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


def _rows(X: np.ndarray, y: np.ndarray, label: type) -> list[list]:
    """``[[x1, x2, y], …]``, with ``y`` an int (a class) or a float (a value)."""
    return [[float(a), float(b), label(c)] for (a, b), c in zip(X, y, strict=True)]
