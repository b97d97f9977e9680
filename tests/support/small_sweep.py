"""A small sweep shared by the experiment tests, and the fingerprint of its
results that must not depend on who ran them."""

from __future__ import annotations

from ffnn.experiments import Experiment

SMALL = {
    "samples": 60,
    "hidden": [4],
    "epochs": 40,
    "learning_rate": 0.05,
    "reduction": "sum",
}


def small_experiment(**changes) -> Experiment:
    values = {
        "name": "small",
        "base": dict(SMALL),
        "grid": {"l2": [0.0, 0.5], "activation": ["tanh", "relu"]},
        "repeats": 2,
        "seed": 7,
        "diagnostics": True,
    }
    values.update(changes)
    return Experiment(**values)


def fingerprint(result) -> list:
    """Everything a run produced that must not depend on the executor."""
    return [
        (
            run.spec.index,
            run.spec.config.seed,
            run.history.loss,
            run.history.val_loss,
            run.metrics,
            run.diagnostics,
            [p.tobytes() for p in run.network.parameters()],
        )
        for run in result.runs
    ]
