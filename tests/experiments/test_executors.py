"""Tests of ffnn.experiments.executors: serial, joblib and Dask runs give identical
results, progress is reported, and an unreachable scheduler fails fast."""

from __future__ import annotations

import time

import pytest

from ffnn.experiments import run_experiment
from ffnn.experiments.executors import CONNECT_TIMEOUT, execute
from tests.support.small_sweep import fingerprint, small_experiment

# results depend on BLAS rounding: .ci/run repeats them with other kernels
pytestmark = pytest.mark.numerics


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


def test_an_unreachable_scheduler_fails_fast_naming_it(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("ffnn.experiments.executors.CONNECT_TIMEOUT", 0.5)
    started = time.perf_counter()
    with pytest.raises(ConnectionError, match=r"tcp://127\.0\.0\.1:1 within 0\.5 s"):
        execute(small_experiment(repeats=1).specs(), scheduler="tcp://127.0.0.1:1")
    assert time.perf_counter() - started < 10  # Dask's own default waits 30 s


def test_the_connect_timeout_is_short():
    assert CONNECT_TIMEOUT <= 10
