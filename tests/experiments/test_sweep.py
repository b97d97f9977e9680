"""The sweep runner: seeding, validation before any run, identical results in
every executor."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from ffnn.experiments import Experiment, run_experiment, run_seed
from ffnn.experiments.executors import execute

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics

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


def test_grid_times_repeats_runs_in_a_fixed_order():
    experiment = small_experiment()
    specs = experiment.specs()
    assert len(specs) == 2 * 2 * 2
    assert [s.index for s in specs] == list(range(8))
    assert specs[0].params == {"l2": 0.0, "activation": "tanh"}
    assert specs[3].params == {"l2": 0.5, "activation": "relu"}
    assert [s.repeat for s in specs] == [0, 0, 0, 0, 1, 1, 1, 1]


def test_seeds_come_from_base_seed_and_index():
    paired = small_experiment().specs()
    # paired: every grid point of a repeat shares its seed (same data, same start)
    assert {s.config.seed for s in paired if s.repeat == 0} == {run_seed(7, 0)}
    assert run_seed(7, 0) != run_seed(7, 1) != run_seed(8, 0)
    unpaired = small_experiment(paired=False).specs()
    assert [s.config.seed for s in unpaired] == [run_seed(7, i) for i in range(8)]
    assert len({s.config.seed for s in unpaired}) == 8


def test_serial_run_is_reproducible_and_tables_are_tidy(tmp_path):
    experiment = small_experiment(repeats=1)
    first = run_experiment(experiment)
    again = run_experiment(experiment)
    assert fingerprint(first) == fingerprint(again)
    runs = first.runs_table()
    assert len(runs) == 4
    assert {row["activation"] for row in runs} == {"tanh", "relu"}
    epochs = first.epochs_table()
    assert len(epochs) == 4 * SMALL["epochs"]
    assert {"loss", "val_loss", "weight_norm_1", "grad_norm_2"} <= set(epochs[0])
    paths = first.save(tmp_path)
    with paths["runs.csv"].open() as file:
        rows = list(csv.DictReader(file))
    assert (
        len(rows) == 4 and float(rows[0]["test_accuracy"]) == runs[0]["test_accuracy"]
    )
    with paths["epochs.csv"].open() as file:
        assert sum(1 for _ in csv.DictReader(file)) == len(epochs)
    document = json.loads(paths["results.json"].read_text())
    assert document["experiment"]["grid"]["l2"] == [0.0, 0.5]
    assert len(document["runs"]) == 4


def test_l2_shrinks_weights_in_the_sweep():
    result = run_experiment(small_experiment(repeats=1, grid={"l2": [0.0, 5.0]}))
    assert result.mean_over_repeats("weight_norm", l2=5.0) < result.mean_over_repeats(
        "weight_norm", l2=0.0
    )


def test_parallel_run_gives_identical_results():
    experiment = small_experiment()
    serial = run_experiment(experiment)
    parallel = run_experiment(experiment, n_jobs=2)
    assert fingerprint(parallel) == fingerprint(serial)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_results():
    distributed = pytest.importorskip("distributed")
    experiment = small_experiment()
    serial = run_experiment(experiment)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_cluster = run_experiment(experiment, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            # the workers really ran them: two processes, both with results
            assert len(client.scheduler_info()["workers"]) == 2
            by_client = run_experiment(experiment, scheduler=client)
    assert fingerprint(on_cluster) == fingerprint(serial)
    assert fingerprint(by_client) == fingerprint(serial)


def test_progress_reports_every_run():
    seen = []
    execute(
        small_experiment(repeats=1).specs(), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_diverging_run_is_recorded_not_raised():
    no_rate = {k: v for k, v in SMALL.items() if k != "learning_rate"}
    experiment = Experiment(
        name="boom",
        base={**no_rate, "activation": "relu", "hidden": [16], "epochs": 200},
        grid={"learning_rate": [0.01, 1e6]},
    )
    result = run_experiment(experiment)
    calm, wild = result.runs
    assert not calm.diverged and calm.divergence == ""
    assert wild.diverged and "epoch" in wild.divergence
    assert math.isnan(wild.metrics["test_accuracy"])
    assert result.runs_table()[1]["diverged"] is True


def test_cross_validation_runs_one_model_per_fold():
    experiment = Experiment(name="cv", base=dict(SMALL), grid={"l2": [0.0]}, folds=3)
    result = run_experiment(experiment)
    assert [run.spec.fold for run in result.runs] == [0, 1, 2]
    # each fold trains on different rows, so the curves differ
    first_losses = {run.history.loss[0] for run in result.runs}
    assert len(first_losses) == 3
    assert all(0 <= run.metrics["test_accuracy"] <= 1 for run in result.runs)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"base": {"learning_rat": 0.1}}, ValueError, r"base\.learning_rat: unknown"),
        ({"grid": {"momentum": "high"}}, TypeError, r"grid\.momentum: must be a list"),
        ({"grid": {"l2": []}}, ValueError, r"grid\.l2: empty list"),
        ({"grid": {"epochs": [10, 2.5]}}, TypeError, r"grid\.epochs: expected int"),
        ({"grid": {"activation": ["tanh", "softsign"]}}, ValueError, "softsign"),
        ({"base": {"hidden": "10"}}, TypeError, r"base\.hidden"),
        ({"base": {"nesterov": 1}}, TypeError, r"base\.nesterov"),
        ({"repeats": 0}, ValueError, "repeats"),
        (
            {"grid": {"l2": [0.0]}, "base": {**SMALL, "l2": 1.0}},
            ValueError,
            r"grid\.l2",
        ),
    ],
)
def test_bad_experiments_fail_before_any_run(changes, error, message):
    with pytest.raises(error, match=message):
        small_experiment(**changes)


def test_hidden_accepts_an_int_or_a_list():
    experiment = Experiment(name="h", base={**SMALL, "hidden": 6})
    assert experiment.specs()[0].config.hidden == (6,)
    base = {k: v for k, v in SMALL.items() if k != "hidden"}
    nets = run_experiment(
        Experiment(name="h", base=base, grid={"hidden": [[3], [4, 2]]})
    )
    shapes = [[w.shape for w in run.network.weights] for run in nets.runs]
    assert shapes == [[(2, 3), (3, 2)], [(2, 4), (4, 2), (2, 2)]]
    assert np.isfinite(nets.runs[1].history.loss).all()
