"""The settings of a playground experiment: its whole state, as the page keeps it
in its URL (see PROTOCOL.md beside this module).

:class:`Settings` is the dataclass; :meth:`Settings.updated` checks a partial
update from the page (every key, type and range; an unknown key is refused)
and returns the new settings, or raises :class:`SettingsError` naming the key,
leaving the old settings as they were. The keys fall in groups by what a change
rebuilds: the data (:data:`DATA_KEYS`), the network (:data:`NETWORK_KEYS`),
only the optimizer (:data:`TRAINING_KEYS`), or nothing (the speed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ffnn.initializers import INITIALIZERS
from ffnn.playground.data import DATASETS, FEATURES

ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "identity")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
#: 'upload' is set by an upload message; a settings message may return to it
ALL_DATASETS = (*DATASETS, "upload")
MAX_SEED = 2**31 - 1
#: neurons per hidden layer: the page's buttons go to 8, and the notes' presets
#: use 10 (PROTOCOL.md)
MAX_WIDTH = 10

#: keys whose change draws new data (and builds a new network)
DATA_KEYS = frozenset({"dataset", "classes", "samples", "noise", "train_ratio", "seed"})
#: keys whose change builds a new network with new initial weights
NETWORK_KEYS = frozenset({"features", "hidden", "activation", "init"})
#: keys whose change rebuilds the optimizer only; the weights are kept
TRAINING_KEYS = frozenset({"learning_rate", "optimizer", "batch_size", "l2", "dropout"})


class SettingsError(ValueError):
    """A settings value the playground refuses; the message names the key."""


@dataclass(frozen=True)
class Settings:
    """An experiment: data, network, training and speed (PROTOCOL.md lists the
    ranges; :meth:`updated` checks them)."""

    dataset: str = "moons"
    classes: int = 2  # blobs only; the other sets have their own number
    samples: int = 500
    noise: float = 0.2
    train_ratio: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    init: str = "lecun_normal"
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    batch_size: int = 10  # 0: the full batch
    l2: float = 0.0
    dropout: float = 0.0
    seed: int = 0
    epochs_per_update: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The settings as the protocol sends them (lists, not tuples)."""
        values = asdict(self)
        values["features"] = list(self.features)
        values["hidden"] = list(self.hidden)
        return values

    def updated(self, update: Any) -> Settings:
        """These settings with the keys of ``update`` (a dict, partial or whole)
        replaced, after checking each; SettingsError names the first bad key."""
        if not isinstance(update, Mapping):
            raise SettingsError(
                f"settings must be an object, got {type(update).__name__}"
            )
        changes = {}
        for key, value in update.items():
            if key not in CHECKS:
                raise SettingsError(
                    f"unknown setting {key!r}; the settings are: {', '.join(CHECKS)}"
                )
            changes[key] = CHECKS[key](value, key)
        # a batch larger than the training set is the full batch (the session
        # takes min(batch_size, n)), so fewer samples never refuse a batch size
        return replace(self, **changes)

    def changed(self, other: Settings) -> set[str]:
        """The keys whose values differ between these settings and ``other``."""
        return {
            f.name
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }


# ------------------------------------------------------------------ checks
def _integer(low: int, high: int) -> Callable[[Any, str], int]:
    def check(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{key} must be an integer, got {_show(value)}")
        if not low <= value <= high:
            raise SettingsError(f"{key} must be in {low}..{high}, got {value}")
        return value

    return check


def _number(low: float, high: float) -> Callable[[Any, str], float]:
    def check(value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{key} must be a number, got {_show(value)}")
        value = float(value)
        if not (math.isfinite(value) and low <= value <= high):
            raise SettingsError(f"{key} must be in [{low:g}, {high:g}], got {value!r}")
        return value

    return check


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise SettingsError(
                f"{key} must be one of {', '.join(choices)}; got {_show(value)}"
            )
        return value

    return check


def _features(value: Any, key: str) -> tuple[str, ...]:
    """A non-empty subset of :data:`FEATURES`, returned in that order."""
    if not isinstance(value, list) or not value:
        raise SettingsError(
            f"{key} must be a non-empty list of features, got {_show(value)}"
        )
    for name in value:
        if not isinstance(name, str) or name not in FEATURES:
            raise SettingsError(
                f"{key}: unknown feature {_show(name)}; the features are: "
                f"{', '.join(FEATURES)}"
            )
    if len(set(value)) != len(value):
        raise SettingsError(f"{key} names a feature twice: {_show(value)}")
    return tuple(name for name in FEATURES if name in value)


def _hidden(value: Any, key: str) -> tuple[int, ...]:
    """1–6 hidden layers of 1–MAX_WIDTH neurons."""
    if not isinstance(value, list) or not 1 <= len(value) <= 6:
        raise SettingsError(
            f"{key} must be a list of 1..6 layer sizes, got {_show(value)}"
        )
    width = _integer(1, MAX_WIDTH)
    return tuple(width(size, f"{key}[{index}]") for index, size in enumerate(value))


def _show(value: Any) -> str:
    """``value`` for an error message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


#: the check of each setting, by key (the keys of :class:`Settings`)
CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "dataset": _choice(ALL_DATASETS),
    "classes": _integer(2, 5),
    "samples": _integer(10, 2000),
    "noise": _number(0.0, 1.0),
    "train_ratio": _number(0.1, 0.9),
    "features": _features,
    "hidden": _hidden,
    "activation": _choice(ACTIVATIONS),
    "init": _choice(tuple(INITIALIZERS)),
    "learning_rate": _number(1e-5, 10.0),
    "optimizer": _choice(OPTIMIZERS),
    "batch_size": _integer(0, 2000),
    "l2": _number(0.0, 10.0),
    "dropout": _number(0.0, 0.9),
    "seed": _integer(0, MAX_SEED),
    "epochs_per_update": _integer(1, 100),
}

#: the page's preset buttons (PROTOCOL.md), each a settings update
PRESETS: dict[str, dict[str, Any]] = {
    "eta-too-large": {
        "dataset": "moons", "hidden": [10], "activation": "tanh", "optimizer": "sgd",
        "learning_rate": 3.0, "batch_size": 0, "features": ["x1", "x2"],
    },
    "3-neurons": {
        "dataset": "moons", "hidden": [3], "activation": "tanh", "optimizer": "sgd",
        "learning_rate": 0.5, "batch_size": 0,
    },
    "10-neurons": {
        "dataset": "moons", "hidden": [10], "activation": "tanh", "optimizer": "sgd",
        "learning_rate": 0.5, "batch_size": 0,
    },
    **{
        name: {
            "dataset": "moons", "hidden": [8, 8], "activation": "tanh",
            "init": init, "optimizer": "sgd", "learning_rate": 0.1,
        }
        for name, init in (
            ("standard-normal-init", "standard_normal"),
            ("lecun-init", "lecun_normal"),
            ("zeros-init", "zeros"),
        )
    },
}  # fmt: skip
