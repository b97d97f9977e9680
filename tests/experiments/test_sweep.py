"""The sweep runner: seeding, validation before any run, identical results in
every executor."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn.experiments import Experiment, run_experiment, run_seed
from tests.support.small_sweep import SMALL, small_experiment

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


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
