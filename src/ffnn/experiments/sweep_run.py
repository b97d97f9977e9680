"""One run of a sweep: train the network a :class:`RunSpec` describes through
:mod:`ffnn.training_run` (the path every interface takes) and record its history,
final metrics and divergence (the rule of :func:`ffnn.training.divergence`);
unlike a single training run, a diverged run is recorded, not raised, so the
sweep goes on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from ffnn.experiments.diagnostics import Diagnostics
from ffnn.experiments.sweep import RunSpec
from ffnn.network import Network
from ffnn.training import History, TrainingDivergedError
from ffnn.training_run import final_metrics, load_run_data, prepare_run


@dataclass
class RunResult:
    """What one run produced (``metrics``: see
    :func:`ffnn.training_run.final_metrics`; ``n_train`` among them)."""

    spec: RunSpec
    history: History
    network: Network
    metrics: dict[str, Any]
    diverged: bool
    diverged_epoch: int | None
    diagnostics: dict[str, list[float]]
    seconds: float
    divergence: str = ""  # why the run diverged, in words (TrainingDivergedError)


def run_one(spec: RunSpec) -> RunResult:
    """Train the run ``spec`` describes; a diverged run is recorded, not raised.

    BLAS is limited to one thread so that a run gives the same bits in every
    executor.
    """
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        data = load_run_data(spec.config, spec.fold, spec.folds)
        prepared = prepare_run(spec.config, data)
        callbacks = [Diagnostics(data.X_train)] if spec.diagnostics else []
        diverged_epoch, divergence = None, ""
        try:
            history = prepared.train(callbacks)
        except TrainingDivergedError as error:
            history = error.history
            diverged_epoch, divergence = error.epoch, error.reason
        if history.interrupted:  # Ctrl-C stops the sweep, not one run of it
            raise KeyboardInterrupt
        metrics = final_metrics(
            prepared.network, data, history, diverged=diverged_epoch is not None
        )
    records = dict(callbacks[0].records) if callbacks else {}
    return RunResult(
        spec,
        history,
        prepared.network,
        metrics,
        bool(divergence),
        diverged_epoch,
        records,
        time.perf_counter() - start,
        divergence,
    )
