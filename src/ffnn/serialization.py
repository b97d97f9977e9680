"""Model files: a ``.npz`` archive of the parameter arrays plus JSON metadata.

The archive holds ``W1, b1, W2, b2, …``, optionally ``classes``, and
``__metadata__``: a JSON string with the format name and version, the dtype,
the layer list and the output ('softmax' or 'identity'; version 1 files, from
before regression, are softmax networks).

Loading never runs code from the file (no pickle, no ``eval``) and is bounded,
so a small hostile file cannot make it allocate or decompress much:

1. the zip directory is read, then the metadata member (at most
   :data:`MAX_METADATA_CHARS` characters of JSON, nested at most
   :data:`MAX_JSON_DEPTH` deep);
2. the layer sizes it declares must be integers ``>= 1``, chaining, with at
   most :data:`MAX_PARAMETERS` weights and biases in all;
3. each array the network needs is checked before its data is read: its zip
   entry (stored or deflated, its size in the directory) and its ``.npy``
   header (dtype and shape) must match what the metadata declares;
4. the weights must be finite; only then is the network built.

Members that ffnn does not need are never read, nor decompressed. Everything
wrong with a file is a ValueError naming it.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from ffnn.activations import ACTIVATIONS
from ffnn.archives import (
    NPY_MAGIC,
    ArraySpec,
    labels_spec,
    parameter_spec,
    read_array,
    read_text,
)
from ffnn.atomic import _writing, atomic_path
from ffnn.layers import Dense, Dropout, Layer
from ffnn.losses import get_output
from ffnn.network import Network

FORMAT = "ffnn-model"
VERSION = 2
METADATA_KEY = "__metadata__"

#: weights and biases of a network, in all (800 MB in float64)
MAX_PARAMETERS = 10**8
#: characters of JSON metadata (its member is 4 bytes a character, as NumPy
#: stores a str)
MAX_METADATA_CHARS = 2**22
#: how deep the metadata's JSON arrays and objects may nest
MAX_JSON_DEPTH = 32


# what a file can raise while it is read, beyond ValueError (which the checks
# below raise): a broken zip or deflate stream, a short read, a bad struct
FILE_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    NotImplementedError,
    OverflowError,
)

_short = reprlib.Repr()
_short.maxstring = _short.maxother = _short.maxlong = 60


def _layer_from_config(config: dict[str, Any]) -> Layer:
    """A dropout or activation layer (no parameters) from its description."""
    kind = config["kind"]
    if kind == Dropout.kind:
        return Dropout(config["rate"])
    options = {k: v for k, v in config.items() if k != "kind"}
    return ACTIVATIONS[kind](**options)


def save(
    net: Network,
    path: str | PathLike,
    extra_metadata: dict[str, Any] | None = None,
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write ``net`` to ``path`` (written as given; '.npz' is the usual suffix).

    ``extra_metadata`` (JSON-serialisable) and ``extra_arrays`` (numbers or
    strings) travel with the network: a fitted estimator stores its settings
    there (see :mod:`ffnn.estimators.persistence`). The file is written
    through :func:`ffnn.atomic.atomic_path`: to a temporary name beside
    ``path``, flushed to disk and renamed, so an interrupted save never leaves
    a half-written model behind. Missing parent folders are created.

    Raises
    ------
    ValueError
        If a weight is NaN or infinite, or the network or its metadata exceed
        the limits :func:`load` reads (:data:`MAX_PARAMETERS`,
        :data:`MAX_METADATA_CHARS`, :data:`MAX_JSON_DEPTH`): such a file could
        not be loaded.
    TypeError
        If the class labels are neither integers nor strings.
    ffnn.atomic.WriteError
        An OSError naming ``path``, if the file cannot be written: a folder
        that cannot be created or written, a full disk. The older file at
        ``path``, if any, is left as it was.
    """
    path = Path(path)
    arrays = dict(zip(net.parameter_names(), net.parameters(), strict=True))
    for name, values in arrays.items():
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} holds NaN or infinite values; ffnn.load refuses such "
                "a model, so it is not saved"
            )
    if net.flat_parameters.size > MAX_PARAMETERS:
        raise ValueError(
            f"the network has {net.flat_parameters.size} parameters, more than "
            f"a model file holds ({MAX_PARAMETERS})"
        )
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
    text = json.dumps(metadata)
    _check_json(text)  # as load will
    arrays[METADATA_KEY] = np.array(text)
    with _writing(path):  # an OS error here is a WriteError naming path too
        path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary, temporary.open("wb") as file:
        # a file object, not a name: np.savez would add '.npz' to a name
        # without it, and write beside the temporary file
        np.savez(file, **arrays)
    return path


def read_model_file(
    path: str | PathLike, extra: ExtraMembers | None = None
) -> tuple[Network, dict[str, Any], dict[str, np.ndarray]]:
    """The network a model file holds, its metadata and the arrays read, with
    the members ``extra`` names (see :data:`ExtraMembers`) read under the same
    bounds; errors as :func:`load` (``extra`` raises ValueError for a bad
    description)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        metadata, arrays, plan = _read_model_file(path, extra)
        net = _build_network(plan, arrays)
    except FILE_ERRORS as error:
        reason = str(error)
        if len(reason) > 400:  # a hostile value in a message can be long
            reason = reason[:399] + "…"
        raise ValueError(f"{path} is not a valid ffnn model file: {reason}") from error
    return net, metadata, arrays


def load(path: str | PathLike) -> Any:
    """Read a network written by :meth:`Network.save`, or a fitted estimator
    written by ``FeedforwardClassifier.save``/``FeedforwardRegressor.save``.

    The file is checked against the sizes its metadata declares, and those
    against this module's limits, before anything is allocated (see the
    module); members it does not need are not read.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    Network, FeedforwardClassifier or FeedforwardRegressor
        What the file holds.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        For everything wrong with the file, naming it: not a zip archive,
        truncated, not an ffnn model, from a newer format version, beyond the
        limits (:data:`MAX_PARAMETERS`, :data:`MAX_METADATA_CHARS`,
        :data:`MAX_JSON_DEPTH`), arrays that disagree with the metadata or
        hold another dtype (object, complex, float16, …), NaN or infinite
        weights, or an estimator description that does not hold together.
    """
    path = Path(path)
    net, metadata, arrays = read_model_file(path)
    if "estimator" in metadata:
        from ffnn.estimators.persistence import estimator_from  # imports sklearn

        return estimator_from(metadata["estimator"], arrays, net, path)
    return net


# ------------------------------------------------------------------ metadata
@dataclass(frozen=True)
class _Plan:
    """A network as its metadata declares it, checked before anything else is
    read: its Dense layers as ``(n_in, n_out)``, the others built (they hold no
    parameters)."""

    dtype: str
    output: str
    layers: list[tuple[int, int] | Layer]
    n_outputs: int

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """``W1: (n_in, n_out), b1: (n_out,), …`` as :meth:`Network.parameter_names`."""
        shapes: dict[str, tuple[int, ...]] = {}
        dense = [layer for layer in self.layers if isinstance(layer, tuple)]
        for i, (n_in, n_out) in enumerate(dense, start=1):
            shapes[f"W{i}"], shapes[f"b{i}"] = (n_in, n_out), (n_out,)
        return shapes


def _plan(metadata: Any) -> _Plan:
    """Check the metadata's format, version, dtype, output and layers."""
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError("its metadata does not name the ffnn-model format")
    version = metadata.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"format version {_short.repr(version)} is not a positive integer"
        )
    if version > VERSION:
        raise ValueError(
            f"format version {version!r} is newer than this ffnn reads "
            f"({VERSION}); upgrade ffnn"
        )
    dtype = metadata.get("dtype")
    if dtype not in ("float64", "float32"):
        raise ValueError(
            f"bad layer description (dtype {_short.repr(dtype)} is not 'float64' "
            "or 'float32')"
        )
    output = metadata.get("output", "softmax")
    try:
        get_output(output)
    except (TypeError, ValueError) as error:
        raise ValueError(f"bad output ({error})") from None
    try:
        layers, n_outputs = _plan_layers(metadata.get("layers"))
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"bad layer description ({error})") from None
    return _Plan(dtype, output, layers, n_outputs)


def _plan_layers(configs: Any) -> tuple[list[tuple[int, int] | Layer], int]:
    """The layers, with Dense ones as ``(n_in, n_out)``, and the output width."""
    if not isinstance(configs, list) or not configs:
        raise ValueError("layers must be a non-empty list")
    layers: list[tuple[int, int] | Layer] = []
    width, total = None, 0
    for index, config in enumerate(configs):
        if not isinstance(config, dict):
            raise ValueError(f"layer {index} is {_short.repr(config)}, not an object")
        kind = config.get("kind")
        if kind == Dense.kind:
            n_in = _layer_size(config, "n_in", index)
            n_out = _layer_size(config, "n_out", index)
            if width is not None and n_in != width:
                raise ValueError(
                    f"layer {index} takes {n_in} inputs but receives {width}"
                )
            total += (n_in + 1) * n_out  # W and b
            if total > MAX_PARAMETERS:
                raise ValueError(
                    f"layer {index} brings the parameters to {total}, more than "
                    f"the {MAX_PARAMETERS} a model file may hold"
                )
            layers.append((n_in, n_out))
            width = n_out
        elif isinstance(kind, str) and (kind == Dropout.kind or kind in ACTIVATIONS):
            layers.append(_layer_from_config(config))
        else:
            raise ValueError(f"unknown layer kind {_short.repr(kind)}")
    if width is None:
        raise ValueError("there is no dense layer")
    return layers, width


def _layer_size(config: dict[str, Any], key: str, index: int) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"layer {index}: {key} {_short.repr(value)} is not an integer")
    if not 1 <= value <= MAX_PARAMETERS:
        raise ValueError(
            f"layer {index}: {key} {_short.repr(value)} is not in [1, {MAX_PARAMETERS}]"
        )
    return value


# a JSON string literal, escapes included, in the unrolled form that scans
# each character once
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _check_json(text: str) -> None:
    """Refuse metadata longer or deeper than a model file's may be: Python's
    parser recurses once per level, so a deep file would end in RecursionError."""
    if len(text) > MAX_METADATA_CHARS:
        raise ValueError(
            f"the metadata takes {len(text)} characters, more than the "
            f"{MAX_METADATA_CHARS} a model file may hold"
        )
    # the brackets outside strings, as +1 and -1 steps of the nesting depth
    skeleton = np.frombuffer(
        _JSON_STRING.sub("", text).encode("utf-8", "replace"), np.uint8
    )
    step = np.isin(skeleton, np.frombuffer(b"[{", np.uint8)).astype(np.int32)
    step -= np.isin(skeleton, np.frombuffer(b"]}", np.uint8))
    depth = int(np.cumsum(step).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"the metadata nests {depth} deep, more than the {MAX_JSON_DEPTH} a "
            "model file may"
        )


#: what a reader beyond the network needs from a file: the member specs its
#: metadata declares (checkpoints: the optimizer's state, the sample order)
ExtraMembers = Callable[[dict[str, Any], int, str], dict[str, ArraySpec]]


def _read_model_file(
    path: Path, extra: ExtraMembers | None = None
) -> tuple[dict[str, Any], dict[str, np.ndarray], _Plan]:
    """The metadata, the arrays the model needs (each checked) and the plan;
    ``extra(metadata, n_parameters, dtype)`` names more members to read, each
    checked as the model's are (all must be present)."""
    with path.open("rb") as file:
        if file.read(len(NPY_MAGIC)) == NPY_MAGIC:
            raise ValueError("it is a single .npy array, not a .npz archive")
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if f"{METADATA_KEY}.npy" not in members:
                raise ValueError("it has no ffnn metadata")
            text = read_text(
                archive, members[f"{METADATA_KEY}.npy"], MAX_METADATA_CHARS
            )
            _check_json(text)
            metadata = json.loads(text)
            del text
            plan = _plan(metadata)
            expected = {
                name: parameter_spec(shape, plan.dtype)
                for name, shape in plan.parameter_shapes().items()
            }
            missing = [name for name in expected if f"{name}.npy" not in members]
            if missing:
                shown = missing if len(missing) <= 8 else [*missing[:8], "…"]
                raise ValueError(f"missing parameter arrays {shown}")
            expected["classes"] = labels_spec(plan.n_outputs, "biuU")
            if isinstance(metadata.get("estimator"), dict):
                from ffnn.estimators.persistence import CLASS_KINDS, CLASSES_KEY

                expected[CLASSES_KEY] = labels_spec(plan.n_outputs, CLASS_KINDS)
            if extra is not None:
                wanted = extra(
                    metadata,
                    sum(
                        math.prod(shape) for shape in (plan.parameter_shapes().values())
                    ),
                    plan.dtype,
                )
                absent = [name for name in wanted if f"{name}.npy" not in members]
                if absent:
                    raise ValueError(f"missing arrays {absent[:8]}")
                expected.update(wanted)
            arrays = {
                name: read_array(archive, members[f"{name}.npy"], spec)
                for name, spec in expected.items()
                if f"{name}.npy" in members
            }
    for name, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = int(np.count_nonzero(~np.isfinite(array)))
            raise ValueError(
                f"{name} holds {bad} NaN or infinite values; a model's numbers "
                "must be finite"
            )
    return metadata, arrays, plan


def _build_network(plan: _Plan, arrays: dict[str, np.ndarray]) -> Network:
    """The network of ``plan`` holding ``arrays``, all checked already."""
    layers = [
        Dense(*layer, init="zeros", dtype=plan.dtype)
        if isinstance(layer, tuple)
        else layer
        for layer in plan.layers
    ]
    net = Network(layers, output=plan.output)
    for name, target in zip(net.parameter_names(), net.parameters(), strict=True):
        target[...] = arrays[name]  # the same dtype, perhaps another byte order
    if "classes" in arrays:
        net.classes = arrays["classes"].copy()  # writable, not a view of the file
    return net
