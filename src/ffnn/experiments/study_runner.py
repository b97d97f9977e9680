"""Run a study by name or from a TOML file, with optional overrides."""

from __future__ import annotations

from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import Any

from ffnn.experiments.config_file import (
    ExperimentFile,
    builtin_config_path,
    load_experiment_file,
)
from ffnn.experiments.studies import STUDIES
from ffnn.experiments.study import Progress, Study, StudyOutput
from ffnn.experiments.sweep import make_config


def list_studies() -> list[str]:
    """Names of the built-in studies."""
    return sorted(STUDIES)


def load_study_file(name_or_path: str | PathLike) -> ExperimentFile:
    """The built-in study ``name`` or the experiment file at a path."""
    if isinstance(name_or_path, str) and name_or_path in STUDIES:
        return load_experiment_file(builtin_config_path(name_or_path))
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        raise ValueError(
            f"unknown study {str(name_or_path)!r}; valid: "
            f"{', '.join(list_studies())}, or a path to a .toml file"
        )
    return load_experiment_file(path)


def apply_overrides(
    spec: ExperimentFile,
    *,
    repeats: int | None = None,
    seed: int | None = None,
    base: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> ExperimentFile:
    """Change repeats, seed, base values (e.g. epochs) or study options; all are
    checked again before any run."""
    experiment = spec.experiment
    changes: dict[str, Any] = {}
    if repeats is not None:
        changes["repeats"] = repeats
    if seed is not None:
        changes["seed"] = seed
    new_base = dict(experiment.base)
    for key, value in (base or {}).items():
        if key in experiment.grid:
            raise ValueError(f"base.{key}: varied by the grid; cannot override")
        new_base[key] = value
    make_config(new_base, "override")  # names a bad key before the sweep is built
    return replace(
        spec,
        experiment=replace(experiment, base=new_base, **changes),
        options={**spec.options, **(options or {})},
    )


def run_study(
    name_or_path: str | PathLike | ExperimentFile,
    out: str | PathLike,
    *,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Progress | None = None,
    **overrides: Any,
) -> StudyOutput:
    """Run a built-in study (by name), a TOML experiment file, or a parsed one,
    writing figures, tables, ``summary.json`` and ``report.html`` into ``out``.

    ``overrides`` are passed to :func:`apply_overrides` (``repeats``, ``seed``,
    ``base``, ``options``).
    """
    spec = (
        name_or_path
        if isinstance(name_or_path, ExperimentFile)
        else load_study_file(name_or_path)
    )
    if overrides:
        spec = apply_overrides(spec, **overrides)
    study: Study = STUDIES[spec.study]() if spec.study else Study()
    return study.run(
        spec, Path(out), n_jobs=n_jobs, scheduler=scheduler, progress=progress
    )
