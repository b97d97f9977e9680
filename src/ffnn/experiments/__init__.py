"""The experiment lab: the notes' studies as reproducible sweeps.

An :class:`Experiment` is a base configuration, a grid of values to vary and a
number of repeats; :func:`run_experiment` runs it serially, on local cores or on
a Dask cluster with identical results; a study (:func:`run_study`) analyses the
sweep into figures, tables and a self-contained HTML report.
"""

from ffnn.experiments.config_file import (
    ExperimentFile,
    load_experiment_file,
    parse_experiment,
)
from ffnn.experiments.diagnostics import Diagnostics
from ffnn.experiments.report import Report
from ffnn.experiments.results import SweepResult, run_experiment
from ffnn.experiments.study import Study, StudyOutput
from ffnn.experiments.study_runner import list_studies, run_study
from ffnn.experiments.sweep import Experiment, RunSpec, run_seed
from ffnn.experiments.sweep_run import RunResult, run_one

__all__ = [
    "Diagnostics",
    "Experiment",
    "ExperimentFile",
    "Report",
    "RunResult",
    "RunSpec",
    "Study",
    "StudyOutput",
    "SweepResult",
    "list_studies",
    "load_experiment_file",
    "parse_experiment",
    "run_experiment",
    "run_one",
    "run_seed",
    "run_study",
]
