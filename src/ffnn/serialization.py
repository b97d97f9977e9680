"""Model files: a ``.npz`` archive of the parameter arrays plus JSON metadata.

The archive holds ``W1, b1, W2, b2, …``, optionally ``classes``, and
``__metadata__``: a JSON string with the format name and version, the dtype,
the layer list and the output ('softmax' or 'identity'; version 1 files, from
before regression, are softmax networks). Loading uses ``allow_pickle=False``
throughout, so a model file can never run code; a truncated or foreign file
raises a ValueError.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.activations import ACTIVATIONS
from ffnn.layers import Dense, Dropout, Layer
from ffnn.network import Network

FORMAT = "ffnn-model"
VERSION = 2
METADATA_KEY = "__metadata__"


def _layer_from_config(config: dict[str, Any], dtype: str) -> Layer:
    if not isinstance(config, dict):
        raise ValueError(f"layer description {config!r} is not a JSON object")
    kind = config.get("kind")
    if kind == Dense.kind:
        return Dense(
            int(config["n_in"]), int(config["n_out"]), init="zeros", dtype=dtype
        )
    if kind == Dropout.kind:
        return Dropout(float(config["rate"]))
    if kind in ACTIVATIONS:
        options = {k: v for k, v in config.items() if k != "kind"}
        return ACTIVATIONS[kind](**options)
    raise ValueError(f"unknown layer kind {kind!r}")


def save(
    net: Network,
    path: str | PathLike,
    extra_metadata: dict[str, Any] | None = None,
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write ``net`` to ``path`` (written as given; '.npz' is the usual suffix).

    ``extra_metadata`` (JSON-serialisable) and ``extra_arrays`` (numbers or
    strings) travel with the network: a fitted estimator stores its settings
    there (see :mod:`ffnn.estimators.persistence`). The file is written to a
    temporary name and renamed, so an interrupted save never leaves a
    half-written model behind.
    """
    path = Path(path)
    arrays = dict(zip(net.parameter_names(), net.parameters(), strict=True))
    arrays.update(extra_arrays or {})
    if net.classes is not None:
        if net.classes.dtype.kind not in "biuU":
            raise TypeError(
                f"class labels of dtype {net.classes.dtype} cannot be saved; "
                "use integers or strings"
            )
        arrays["classes"] = net.classes
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "dtype": net.dtype.name,
        "layers": [layer.config() for layer in net.layers],
        "output": net.output,
        **(extra_metadata or {}),
    }
    arrays[METADATA_KEY] = np.array(json.dumps(metadata))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp made it private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load(path: str | PathLike) -> Any:
    """Read a network written by :meth:`Network.save`, or a fitted estimator
    written by ``FeedforwardClassifier.save``/``FeedforwardRegressor.save``.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is truncated, not an ffnn model, from a newer format
        version, or its arrays disagree with its metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        archive = np.load(path, allow_pickle=False)
        # a .npy file loads as a bare array, which is no context manager
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it is a single .npy array, not a .npz archive")
        with archive:
            if METADATA_KEY not in archive.files:
                raise ValueError("it has no ffnn metadata")
            metadata = json.loads(str(archive[METADATA_KEY]))
            arrays = {
                name: archive[name] for name in archive.files if name != METADATA_KEY
            }
    except (
        zipfile.BadZipFile,
        EOFError,
        OSError,
        KeyError,
        json.JSONDecodeError,
        ValueError,
    ) as error:
        raise ValueError(f"{path} is not a valid ffnn model file: {error}") from error
    net = _network_from(metadata, arrays, path)
    if "estimator" in metadata:
        from ffnn.estimators.persistence import estimator_from  # imports sklearn

        return estimator_from(metadata["estimator"], arrays, net, path)
    return net


def _network_from(metadata: Any, arrays: dict[str, np.ndarray], path: Path) -> Network:
    def fail(reason: str) -> ValueError:
        return ValueError(f"{path} is not a valid ffnn model file: {reason}")

    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise fail("its metadata does not name the ffnn-model format")
    version = metadata.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise fail(f"format version {version!r} is not a positive integer")
    if version > VERSION:
        raise fail(
            f"format version {version!r} is newer than this ffnn reads "
            f"({VERSION}); upgrade ffnn"
        )
    try:
        layers = [
            _layer_from_config(config, metadata["dtype"])
            for config in metadata["layers"]
        ]
        net = Network(layers, output=metadata.get("output", "softmax"))
    except (KeyError, TypeError, ValueError) as error:
        raise fail(f"bad layer description ({error})") from error
    names = net.parameter_names()
    missing = [name for name in names if name not in arrays]
    if missing:
        raise fail(f"missing parameter arrays {missing}")
    for name, target in zip(names, net.parameters(), strict=True):
        if arrays[name].dtype.kind not in "fiu":
            raise fail(f"{name} holds {arrays[name].dtype} values, not real numbers")
        if arrays[name].shape != target.shape:
            raise fail(
                f"{name} has shape {arrays[name].shape}, expected {target.shape}"
            )
        target[...] = arrays[name]
    if "classes" in arrays:
        classes = arrays["classes"]
        if classes.shape != (net.n_outputs,):
            raise fail(
                f"classes has shape {classes.shape}, expected ({net.n_outputs},)"
            )
        net.classes = classes
    return net
