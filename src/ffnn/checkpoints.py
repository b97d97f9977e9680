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
* the :class:`~ffnn.training.History` so far (its lists as arrays) and the
  divergence rule's state;
* a fingerprint of the run (a digest of its data, targets and weights, the batch
  size, objective, optimizer, network) that a resumed run must match, and the
  caller's own metadata (the CLI stores the run's configuration there).

Callbacks keep no state in a checkpoint: :class:`~ffnn.training.EarlyStopping`
starts counting afresh in a resumed run.
"""

from __future__ import annotations

import hashlib
import json
import math
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
    #: the divergence rule's reference loss and epochs in a row above its line
    #: (:class:`ffnn.divergence.DivergenceWatch`); None: the run had no rule
    divergence: dict[str, float] | None = None


def _state_key(name: str) -> str:
    return f"checkpoint_state_{name}"


#: the History fields a checkpoint keeps as arrays, one number per epoch
HISTORY_LISTS = ("loss", "val_loss", "val_accuracy", "val_r2", "learning_rate", "time")


def _history_key(name: str) -> str:
    return f"checkpoint_history_{name}"


def save_checkpoint(checkpoint: Checkpoint, path: str | PathLike) -> Path:
    """Write ``checkpoint`` to ``path`` (atomically, as every model file)."""
    from ffnn.serialization import save

    arrays = {ORDER_KEY: checkpoint.order}
    for name, value in checkpoint.optimizer_arrays.items():
        if value is not None:
            arrays[_state_key(name)] = value
    history = checkpoint.history.to_dict()
    for name in HISTORY_LISTS:
        arrays[_history_key(name)] = np.asarray(history.pop(name), dtype=np.float64)
    description = {
        "epoch": checkpoint.epoch,
        "optimizer_arrays": {
            name: value is not None
            for name, value in checkpoint.optimizer_arrays.items()
        },
        "optimizer_numbers": checkpoint.optimizer_numbers,
        "rng_state": checkpoint.rng_state,
        "history": history,  # its lists are members of their own
        "history_lengths": {
            name: len(arrays[_history_key(name)]) for name in HISTORY_LISTS
        },
        "fingerprint": checkpoint.fingerprint,
        "metadata": checkpoint.metadata,
        "divergence": checkpoint.divergence,
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
    lengths = description.get("history_lengths")
    epoch = description.get("epoch")
    if not isinstance(lengths, dict) or set(lengths) != set(HISTORY_LISTS):
        raise ValueError("its history is not described by the History's lists")
    for name, length in lengths.items():
        if isinstance(length, bool) or not isinstance(length, int):
            raise ValueError(f"its history's {name} has length {length!r}")
        if length not in (0, epoch) or (
            name in ("loss", "learning_rate", "time") and length != epoch
        ):
            raise ValueError(
                f"its history's {name} has {length} values for {epoch!r} epochs"
            )
        specs[_history_key(name)] = ArraySpec((length,), "f", "numbers", 8 * length, 8)
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
    lists = {name: arrays[_history_key(name)].tolist() for name in HISTORY_LISTS}
    try:
        history = History.from_dict({**history_fields, **lists})
    except (TypeError, ValueError) as error:
        raise fail(f"bad history ({error})") from None
    watch = description.get("divergence")
    if watch is not None and not (
        isinstance(watch, dict)
        and set(watch) == {"reference", "above"}
        and isinstance(watch["reference"], float)
        and math.isfinite(watch["reference"])
        and isinstance(watch["above"], int)
        and not isinstance(watch["above"], bool)
        and watch["above"] >= 0
    ):
        raise fail(f"its divergence state {watch!r} is not a reference and a count")
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
    try:  # a state a generator refuses is refused here, by name
        np.random.default_rng().bit_generator.state = rng_state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise fail(f"its generator state is bad ({error})") from None
    return Checkpoint(
        epoch, net, optimizer_arrays, numbers, rng_state, order, history,
        fingerprint, caller, watch,
    )  # fmt: skip


# ------------------------------------------------ what train() writes and reads
def digest(*arrays: np.ndarray | None) -> str:
    """A SHA-256 of the arrays' shapes, dtypes and bytes (None counts too): a
    resumed run's data must be the data that wrote the checkpoint."""
    hashed = hashlib.sha256()
    for array in arrays:
        if array is None:
            hashed.update(b"none;")
            continue
        array = np.ascontiguousarray(array)
        hashed.update(f"{array.shape}{array.dtype.str};".encode())
        hashed.update(array.data if array.dtype != object else repr(array).encode())
    return hashed.hexdigest()


def fingerprint(
    net: Network,
    engine_name: str,
    optimizer: Any,
    data: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """What a resumed run must share with the run that wrote the checkpoint: the
    data (a digest of ``X``, the targets and the sample weights; the samples'
    count and the classes), the ``settings`` of :func:`ffnn.train` that shape
    the steps, the engine, the optimizer and the network."""
    from ffnn.run_files import json_safe

    X, targets, weights = data
    classes = None if net.classes is None else [str(c) for c in net.classes]
    return json_safe(
        {
            "samples": int(X.shape[0]),
            "data": digest(X, targets, weights),
            "classes": classes,
            **settings,
            "engine": engine_name,
            "optimizer": optimizer.config(),
            "layers": [layer.config() for layer in net.layers],
            "output": net.output,
            "dtype": net.dtype.name,
        }
    )


def checkpoint_of(
    net: Network,
    optimizer: Any,
    order: np.ndarray,
    rng: np.random.Generator,
    history: History,
    fingerprint: dict[str, Any],
    metadata: dict[str, Any] | None,
    divergence: dict[str, float] | None,
) -> Checkpoint:
    """The run's state now, at the end of an epoch (the optimizer's arrays made
    flat, in the order of ``net.flat_parameters``)."""
    arrays, numbers = optimizer.state()
    flat = {
        name: None if value is None else np.concatenate([a.ravel() for a in value])
        for name, value in arrays.items()
    }
    return Checkpoint(
        history.epochs, net, flat, numbers, rng.bit_generator.state, order.copy(),
        history, fingerprint, metadata or {}, divergence,
    )  # fmt: skip


def check_resumable(
    checkpoint: Checkpoint, fingerprint: dict[str, Any], epochs: int
) -> None:
    """ValueError naming what differs unless the run described by
    ``fingerprint`` can continue ``checkpoint`` to ``epochs`` epochs."""
    for key, value in fingerprint.items():
        saved = checkpoint.fingerprint.get(key)
        if saved != value:
            differs = (
                "other data (X, targets or sample weights)"
                if key == "data"
                else f"{key}={saved!r}, this run has {value!r}"
            )
            raise ValueError(
                f"resume: the checkpoint's run had {differs}; resume with the data "
                "and settings of the run that wrote it"
            )
    if epochs < checkpoint.epoch:
        raise ValueError(
            f"resume: the checkpoint is at epoch {checkpoint.epoch}, past the "
            f"{epochs} epochs asked for; epochs counts all of them"
        )


def restore(
    checkpoint: Checkpoint,
    net: Network,
    optimizer: Any,
    params: list[np.ndarray],
    order: np.ndarray,
    rng: np.random.Generator,
) -> History:
    """Put an already checked checkpoint (:func:`check_resumable`) into the
    network, the optimizer (its flat arrays cut to the shapes of ``params``),
    the generator and the batch ``order``; returns its history."""
    shapes = [p.shape for p in params]
    splits = np.cumsum([int(np.prod(shape)) for shape in shapes])[:-1]
    arrays = {
        name: None
        if flat is None
        else [
            part.reshape(shape)
            for part, shape in zip(np.split(flat, splits), shapes, strict=True)
        ]
        for name, flat in checkpoint.optimizer_arrays.items()
    }
    optimizer.set_state(arrays, checkpoint.optimizer_numbers)  # checks its names
    net.set_parameters(checkpoint.network.parameters())
    rng.bit_generator.state = checkpoint.rng_state  # checked when it was loaded
    order[...] = checkpoint.order
    return checkpoint.history
