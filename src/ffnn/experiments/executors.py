"""Executors: run every spec of a sweep serially, on local processes (joblib)
or on a Dask cluster, with the same results in each (see :func:`run_one`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ffnn.experiments.sweep import RunSpec
from ffnn.experiments.sweep_run import RunResult, run_one

#: seconds to wait for a Dask scheduler to answer before giving up (Dask's own
#: default is 30 s); a scheduler that is up answers in milliseconds
CONNECT_TIMEOUT = 5.0


def execute(
    specs: Sequence[RunSpec],
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunResult]:
    """Run every spec; returns results in spec order.

    Parameters
    ----------
    n_jobs : int
        1 runs serially; more runs in that many local processes (joblib).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: runs go to
        the cluster's workers. Needs the ``ffnn[distributed]`` extra. An
        address that does not answer within :data:`CONNECT_TIMEOUT` seconds
        raises a ConnectionError naming it.
    progress : callable(done, total), optional
        Called after each finished run.
    """
    if scheduler is not None:
        results = _execute_dask(specs, scheduler)
    elif n_jobs == 1:
        results = map(run_one, specs)
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        results = parallel(delayed(run_one)(spec) for spec in specs)
    collected: list[RunResult] = []
    for result in results:
        collected.append(result)
        if progress is not None:
            progress(len(collected), len(specs))
    return sorted(collected, key=lambda result: result.spec.index)


def _execute_dask(specs: Sequence[RunSpec], scheduler: Any) -> Iterator[RunResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as error:  # pragma: no cover - depends on the extra
        raise ImportError(
            "running on a Dask cluster needs the 'distributed' extra: "
            "pip install 'ffnn[distributed]'"
        ) from error
    client = scheduler if isinstance(scheduler, Client) else _connect(scheduler)
    try:
        futures = client.map(run_one, list(specs), pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        if client is not scheduler:
            client.close()


def _connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or a ConnectionError
    after :data:`CONNECT_TIMEOUT` seconds without an answer."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as error:  # Dask's "Timed out trying to connect to …"
        detail = "" if str(error).startswith("Timed out") else f" ({error})"
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {address} within "
            f"{CONNECT_TIMEOUT:g} s{detail}; is it running, and is the address "
            "right?"
        ) from error
