"""Experiment files: a sweep written in TOML.

::

    [experiment]
    name = "learning-rate"
    study = "learning-rate"   # the analysis to run; omit for a plain sweep report
    repeats = 1
    seed = 0

    [base]                    # TrainConfig fields shared by every run
    hidden = [3]
    epochs = 2000
    reduction = "sum"

    [grid]                    # fields to vary: every combination runs
    learning_rate = [0.001, 0.01, 0.3]

    [study]                   # options of the study's analysis
    spike_threshold = 0.0

Every key is checked before any run: an unknown key, a value of the wrong type
or an empty grid list fails with a message naming the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from ffnn.experiments.sweep import Experiment

EXPERIMENT_KEYS = {
    "name": str,
    "study": str,
    "repeats": int,
    "seed": int,
    "paired": bool,
    "folds": int,
    "diagnostics": bool,
    "description": str,
}
SECTIONS = ("experiment", "base", "grid", "study")


@dataclass
class ExperimentFile:
    """A parsed experiment file: the sweep, its study and the study's options."""

    experiment: Experiment
    study: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""


def parse_experiment(
    document: dict[str, Any], source: str = "<dict>"
) -> ExperimentFile:
    """Check and convert a parsed TOML document (see the module docstring)."""
    unknown = set(document) - set(SECTIONS)
    if unknown:
        raise ValueError(
            f"{source}: unknown section [{sorted(unknown)[0]}]; "
            f"valid sections: {', '.join(SECTIONS)}"
        )
    head = dict(document.get("experiment", {}))
    for key, value in head.items():
        if key not in EXPERIMENT_KEYS:
            raise ValueError(
                f"{source}: experiment.{key}: unknown key; valid: "
                f"{', '.join(sorted(EXPERIMENT_KEYS))}"
            )
        expected = EXPERIMENT_KEYS[key]
        if not isinstance(value, expected) or (
            expected is int and isinstance(value, bool)
        ):
            raise TypeError(
                f"{source}: experiment.{key}: expected "
                f"{expected.__name__}, got {value!r}"
            )
    if "name" not in head:
        raise ValueError(f"{source}: experiment.name: missing")
    study = head.pop("study", None)
    description = head.pop("description", "")
    if study is not None:
        from ffnn.experiments.studies import STUDIES

        if study not in STUDIES:
            raise ValueError(
                f"{source}: experiment.study: unknown study {study!r}; "
                f"valid: {', '.join(sorted(STUDIES))}"
            )
    for section in ("base", "grid", "study"):
        if not isinstance(document.get(section, {}), dict):
            raise TypeError(f"{source}: [{section}] must be a table")
    if "grid" in document and not document["grid"]:
        raise ValueError(
            f"{source}: grid: empty table; name at least one parameter "
            "to vary, or leave [grid] out for a single configuration"
        )
    try:
        experiment = Experiment(
            base=dict(document.get("base", {})),
            grid=dict(document.get("grid", {})),
            **head,
        )
    except (TypeError, ValueError) as error:
        raise type(error)(f"{source}: {error}") from error
    return ExperimentFile(
        experiment, study, dict(document.get("study", {})), description, source
    )


def load_experiment_file(path: str | PathLike) -> ExperimentFile:
    """Read and check an experiment TOML file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no experiment file at {path}")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    return parse_experiment(document, str(path))


def builtin_config_path(name: str) -> Path:
    """The TOML file shipped for the built-in study ``name``."""
    resource = resources.files("ffnn.experiments") / "configs" / f"{name}.toml"
    return Path(str(resource))
