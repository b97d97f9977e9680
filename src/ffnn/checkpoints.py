"""Checkpoints: a training run's whole state at the end of an epoch, so that
:func:`ffnn.train` can resume it and end bit for bit where the run would have
ended had it never stopped.

A checkpoint is a model file (:mod:`ffnn.serialization`: ``ffnn.load`` reads its
network, so it predicts) with more in it:

* the optimizer's state: its velocities or moments and its step counters
  (:meth:`ffnn.optimizers.Optimizer.state`);
* the epochs done, which is the learning-rate schedule's position (a schedule is
  a function of the epoch);
* the state of the random generator that shuffles the batches and draws the
  dropout masks, and the sample order it last shuffled (each epoch permutes the
  previous order in place);
* the :class:`~ffnn.training.History` so far;
* a fingerprint of the run (data size, batch size, objective, optimizer, network)
  that a resumed run must match, and the caller's own metadata (the CLI stores
  the run's configuration there).

Callbacks keep no state in a checkpoint: :class:`~ffnn.training.EarlyStopping`
starts counting afresh in a resumed run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ffnn.archives import ArraySpec, parameter_spec
from ffnn.network import Network

if TYPE_CHECKING:  # training imports this module
    from ffnn.training import History

#: the metadata key of a model file that makes it a checkpoint
CHECKPOINT_KEY = "checkpoint"
#: the member holding the sample order of the last shuffled epoch
ORDER_KEY = "checkpoint_order"


@dataclass
class Checkpoint:
    """A training run after ``epoch`` epochs (see the module)."""

    epoch: int
    network: Network
    #: each state the optimizer keeps per parameter (velocity, moments) as one
    #: flat array in the order of ``network.flat_parameters``, None before a step
    optimizer_arrays: dict[str, np.ndarray | None]
    optimizer_numbers: dict[str, int]
    rng_state: dict[str, Any]
    order: np.ndarray
    history: History
    fingerprint: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


def _state_key(name: str) -> str:
    return f"checkpoint_state_{name}"


def save_checkpoint(checkpoint: Checkpoint, path: str | PathLike) -> Path:
    """Write ``checkpoint`` to ``path`` (atomically, as every model file)."""
    from ffnn.serialization import save

    arrays = {ORDER_KEY: checkpoint.order}
    for name, value in checkpoint.optimizer_arrays.items():
        if value is not None:
            arrays[_state_key(name)] = value
    description = {
        "epoch": checkpoint.epoch,
        "optimizer_arrays": {
            name: value is not None
            for name, value in checkpoint.optimizer_arrays.items()
        },
        "optimizer_numbers": checkpoint.optimizer_numbers,
        "rng_state": checkpoint.rng_state,
        "history": checkpoint.history.to_dict(),
        "fingerprint": checkpoint.fingerprint,
        "metadata": checkpoint.metadata,
    }
    # the generator's state holds integers wider than a float: JSON keeps them
    json.dumps(description)  # fails here, before anything is written, if not JSON
    return save(checkpoint.network, path, {CHECKPOINT_KEY: description}, arrays)


#: most samples a checkpoint's sample order may hold
MAX_SAMPLES = 10**9


def _members(metadata: dict[str, Any], n_parameters: int, dtype: str) -> dict:
    """The arrays a checkpoint's metadata says it holds beside the network
    (the optimizer's states, the sample order), for the bounded reader of
    :func:`ffnn.serialization.read_model_file`."""
    description = metadata.get(CHECKPOINT_KEY)
    if not isinstance(description, dict):
        raise ValueError("it is a model file without a training state")
    states = description.get("optimizer_arrays")
    fingerprint = description.get("fingerprint")
    samples = fingerprint.get("samples") if isinstance(fingerprint, dict) else None
    if not isinstance(states, dict) or not all(
        isinstance(name, str) and isinstance(present, bool)
        for name, present in states.items()
    ):
        raise ValueError("its optimizer state is not described by name")
    if isinstance(samples, bool) or not isinstance(samples, int):
        raise ValueError(f"its sample count {samples!r} is not an integer")
    if not 1 <= samples <= MAX_SAMPLES:
        raise ValueError(f"its sample count {samples} is beyond 1…{MAX_SAMPLES}")
    specs = {
        _state_key(name): parameter_spec((n_parameters,), dtype)
        for name, present in states.items()
        if present
    }
    specs[ORDER_KEY] = ArraySpec((samples,), "i", "sample indices", 8 * samples, 8)
    return specs


def load_checkpoint(path: str | PathLike) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (or by
    ``ffnn.train(checkpoint_path=...)``), as boundedly as :func:`ffnn.load`
    reads a model file.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If it is not an ffnn checkpoint, or is truncated or inconsistent.
    """
    from ffnn.serialization import read_model_file
    from ffnn.training import History

    path = Path(path)

    def fail(reason: str) -> ValueError:
        return ValueError(f"{path} is not a valid ffnn checkpoint: {reason}")

    net, metadata, arrays = read_model_file(path, _members)
    description = metadata[CHECKPOINT_KEY]
    try:
        epoch = description["epoch"]
        numbers = description["optimizer_numbers"]
        rng_state = description["rng_state"]
        history_fields = description["history"]
        fingerprint = description["fingerprint"]
        caller = description.get("metadata", {})
    except KeyError as error:
        raise fail(f"it lacks {error}") from None
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise fail(f"epoch {epoch!r} is not a count of epochs")
    if not all(isinstance(d, dict) for d in (numbers, rng_state, fingerprint)):
        raise fail("its optimizer, generator or fingerprint record is not an object")
    if not isinstance(history_fields, dict) or not isinstance(caller, dict):
        raise fail("its history or metadata is not an object")
    try:
        history = History.from_dict(history_fields)
    except (TypeError, ValueError) as error:
        raise fail(f"bad history ({error})") from None
    if history.epochs != epoch:
        raise fail(f"its history has {history.epochs} epochs, its epoch is {epoch}")
    for name, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"optimizer counter {name!r} is {value!r}, not a count")
    optimizer_arrays = {
        name: arrays[_state_key(name)].copy() if present else None
        for name, present in description["optimizer_arrays"].items()
    }
    order = arrays[ORDER_KEY].astype(np.int64)
    if not np.array_equal(np.sort(order), np.arange(len(order))):
        raise fail("its sample order is not a permutation")
    return Checkpoint(
        epoch, net, optimizer_arrays, numbers, rng_state, order, history,
        fingerprint, caller,
    )  # fmt: skip
