"""MNIST-shaped MLP training, one contender per process, epochs run in lockstep.

Used by ``mnist.py`` and ``larger.py``. Each contender (ffnn, a minimal NumPy loop,
scikit-learn, PyTorch) trains in a subprocess of its own, so that its peak memory is
its own; the parent lets one process run one epoch at a time, round-robin with the
starting contender rotated every epoch, so the contenders share the machine's noise
and never compete for its cores.

Protocol: a worker loads MNIST, builds its model, sends ``ready`` and waits. Before
each epoch it reads ``go`` and after it sends the epoch's seconds; after the last
epoch it reads ``finish``, measures the test accuracy and sends ``done``. Messages
are JSON lines on the worker's original stdout; anything the libraries print goes
to stderr.

Run as a script, this module is the worker: ``python _mlp.py CONTENDER --sizes
784,100,10 --epochs 10``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import IO

import _common
import numpy as np
from _contenders import TRAINERS, Predict, Setup

CONTENDERS = tuple(TRAINERS)  # ffnn, ffnn-numpy, numpy, sklearn, torch
#: the module each contender needs beyond NumPy and ffnn
PEER_MODULE = {"sklearn": "sklearn", "torch": "torch"}
FFNN_ROWS = (
    "> ffnn: Adam's update compiled by Numba (the default, `fused=None`, for this "
    "many parameters); ffnn-numpy: the same training with the NumPy-only update "
    "(`fused=False`), bit-for-bit the same numbers."
)
#: seconds between one contender's epoch and the next one's: the BLAS and OpenMP
#: threads of the process that just ran spin for a while before they sleep, and
#: would take a core from the next contender
PAUSE = 0.2


# ------------------------------------------------------------------ FLOPs
def flops_per_epoch(sizes: Sequence[int], n_samples: int) -> int:
    """Matmul FLOPs of one epoch of forward and backward passes.

    Forward ``2 n Σ n_in n_out``; backward the same again for the weight
    gradients ``Aᵀ delta`` plus ``2 n n_in n_out`` for each input gradient
    ``delta Wᵀ`` except the first layer's, which no contender computes (the data
    need no gradient). Bias additions, activations, softmax and the optimizer
    are not counted.
    """
    layers = list(pairwise(sizes))
    products = sum(a * b for a, b in layers)
    input_gradients = sum(a * b for a, b in layers[1:])
    return 2 * n_samples * (2 * products + input_gradients)


def matmul_seconds(sizes: Sequence[int], batch_size: int, repeats: int) -> float:
    """Best-of-``repeats`` seconds of the matmuls of one float32 batch step in NumPy
    (the products :func:`flops_per_epoch` counts, on preallocated arrays)."""
    rng = np.random.default_rng(0)
    m = batch_size
    calls: list[Callable[[], object]] = []
    for index, (n_in, n_out) in enumerate(pairwise(sizes)):
        A = rng.standard_normal((m, n_in), dtype=np.float32)
        W = rng.standard_normal((n_in, n_out), dtype=np.float32)
        delta = rng.standard_normal((m, n_out), dtype=np.float32)
        Z = np.empty((m, n_out), dtype=np.float32)
        dW = np.empty((n_in, n_out), dtype=np.float32)
        dA = np.empty((m, n_in), dtype=np.float32)
        calls.append(lambda A=A, W=W, Z=Z: np.matmul(A, W, out=Z))
        calls.append(lambda A=A, d=delta, dW=dW: np.matmul(A.T, d, out=dW))
        if index > 0:
            calls.append(lambda d=delta, W=W, dA=dA: np.matmul(d, W.T, out=dA))
    steps = 50
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            for call in calls:
                call()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


# -------------------------------------------------------------- the worker
class Clock:
    """The worker's half of the lockstep protocol; also measures peak memory.

    Peak memory is the process's high-water mark of resident memory (see
    :func:`peak_rss_mib`). On Linux it is reset (``/proc/self/clear_refs``) once
    the data are loaded and the model is built, so the peak is that of the
    training phase (data, libraries and model included), and loading MNIST does
    not mask it.
    """

    def __init__(self, channel: IO[str]) -> None:
        self.channel = channel
        self.start = 0.0
        self.peak_reset = False
        self.n_samples = 0  # training rows, set once the data are loaded

    def send(self, **message: object) -> None:
        self.channel.write(json.dumps(message) + "\n")
        self.channel.flush()

    def wait_for(self, word: str) -> None:
        line = sys.stdin.readline()
        if not line:  # the parent went away
            sys.exit(1)
        if line.strip() != word:
            raise RuntimeError(f"expected {word!r} from the parent, got {line!r}")

    def ready(self) -> None:
        """The data are loaded and the model built: report; the first
        :meth:`begin_epoch` waits for the parent."""
        start_rss = current_rss_mib()
        self.peak_reset = reset_peak_rss()
        self.send(event="ready", start_rss_mib=start_rss, n_samples=self.n_samples)

    def begin_epoch(self) -> None:
        self.wait_for("go")
        self.start = time.perf_counter()

    def end_epoch(self) -> None:
        self.send(event="epoch", seconds=time.perf_counter() - self.start)

    def finish(self, predict: Predict, dtype: str, X_test, y_test) -> None:
        """Report the training's peak memory and, once the parent says so (no
        other contender is then running), the test accuracy."""
        peak = peak_rss_mib()
        self.wait_for("finish")
        accuracy = float(np.mean(predict(X_test) == y_test))
        self.send(
            event="done",
            accuracy=accuracy,
            dtype=dtype,
            peak_mib=peak,
            peak_reset=self.peak_reset,
        )


def peak_rss_mib() -> float:
    """This process's peak resident memory.

    On Linux, ``VmHWM`` of ``/proc/self/status``: the counter behind
    ``getrusage(RUSAGE_SELF).ru_maxrss``, without the maximum that ru_maxrss
    also takes over the memory the process had before ``exec`` (the parent's,
    when started by fork or vfork). Elsewhere ru_maxrss itself.
    """
    hwm = _proc_status_mib("VmHWM")
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def current_rss_mib() -> float | None:
    return _proc_status_mib("VmRSS")


def _proc_status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux ≥ 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def worker(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="one contender of the MLP benchmark")
    parser.add_argument("contender", choices=CONTENDERS)
    parser.add_argument("--sizes", required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--learning-rate", type=float, required=True)
    args = parser.parse_args(argv)
    # protocol messages keep the original stdout; library output goes to stderr
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    clock = Clock(channel)
    if args.contender in PEER_MODULE:
        try:
            importlib.import_module(PEER_MODULE[args.contender])
        except ImportError as error:
            clock.send(event="skip", reason=f"{type(error).__name__}: {error}")
            return
    try:
        data = _common.mnist()
    except FileNotFoundError as error:
        clock.send(event="missing", message=str(error))
        return
    clock.n_samples = len(data[0])
    setup = Setup(
        [int(s) for s in args.sizes.split(",")],
        args.epochs,
        args.batch_size,
        args.learning_rate,
    )
    predict, dtype = TRAINERS[args.contender](data, setup, clock)
    clock.finish(predict, dtype, *data[2:])


# -------------------------------------------------------------- the parent
@dataclass
class Result:
    name: str
    epoch_seconds: list[float]
    accuracy: float
    dtype: str
    peak_mib: float
    start_rss_mib: float | None
    peak_reset: bool

    @property
    def seconds(self) -> float:
        """Median seconds per epoch."""
        return median(self.epoch_seconds)


class _Worker:
    def __init__(self, name: str, setup: Setup) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                name,
                "--sizes",
                ",".join(map(str, setup.sizes)),
                "--epochs",
                str(setup.epochs),
                "--batch-size",
                str(setup.batch_size),
                "--learning-rate",
                repr(setup.learning_rate),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise RuntimeError(f"the {self.name} worker exited with status {code}")
        return json.loads(line)

    def close(self) -> None:
        """Close the worker's input (a waiting worker then exits) and reap it."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def available_contenders() -> list[str]:
    """The contenders whose libraries import; a note for each one skipped."""
    names = []
    for name in CONTENDERS:
        module = PEER_MODULE.get(name)
        if module is not None and not _common.available(module):
            print(f"> note: {module} is not importable; its row is skipped")
            continue
        names.append(name)
    return names


def compare(names: Sequence[str], setup: Setup) -> tuple[list[Result], float, int]:
    """Train every contender in ``names`` in lockstep.

    Returns the results, the best seconds of the NumPy float32 matmuls of one
    batch step (measured between the epochs) and the number of training rows.
    Exits with status 0, after a note, when MNIST is missing.
    """
    workers = [_Worker(name, setup) for name in names]
    try:
        starts = {}
        for worker_ in list(workers):
            message = worker_.receive()
            if message["event"] == "missing":
                _common.exit_without_mnist(message["message"])
            if message["event"] == "skip":
                print(
                    f"> note: {worker_.name} failed to import; its row is "
                    f"skipped ({message['reason']})"
                )
                workers.remove(worker_)
                worker_.close()
                continue
            starts[worker_.name] = message
        times: dict[str, list[float]] = {w.name: [] for w in workers}
        matmul = float("inf")
        for epoch in range(setup.epochs):
            shift = epoch % len(workers)
            for worker_ in workers[shift:] + workers[:shift]:
                time.sleep(PAUSE)
                worker_.send("go")
                times[worker_.name].append(worker_.receive()["seconds"])
            matmul = min(matmul, matmul_seconds(setup.sizes, setup.batch_size, 5))
        results = []
        for worker_ in workers:
            worker_.send("finish")
            done = worker_.receive()
            results.append(
                Result(
                    worker_.name,
                    times[worker_.name],
                    done["accuracy"],
                    done["dtype"],
                    done["peak_mib"],
                    starts[worker_.name]["start_rss_mib"],
                    done["peak_reset"],
                )
            )
    finally:
        for worker_ in workers:
            worker_.close()
    return results, matmul, starts["ffnn"]["n_samples"]


def report(results: Sequence[Result], matmul: float, setup: Setup, n: int) -> str:
    """The markdown table of one comparison, with the notes on its conventions."""
    flops = flops_per_epoch(setup.sizes, n)
    steps = -(-n // setup.batch_size)  # batch steps per epoch
    matmul_rate = flops / (matmul * steps)  # FLOP/s of NumPy's matmuls alone
    ffnn = next((r for r in results if r.name == "ffnn"), None)
    rows = []
    for result in results:
        rate = flops / result.seconds
        grown = (
            f"{result.peak_mib - result.start_rss_mib:,.0f}"
            if result.peak_reset and result.start_rss_mib is not None
            else "n/a"
        )
        speedup = "" if ffnn is None else _common.ratio(result.seconds / ffnn.seconds)
        rows.append(
            [
                result.name,
                result.dtype,
                f"{result.seconds:.3f}",
                speedup,
                f"{100 * result.accuracy:.2f}",
                f"{result.peak_mib:,.0f}",
                grown,
                f"{rate / 1e9:.1f}",
                f"{100 * rate / matmul_rate:.0f} %",
            ]
        )
    headers = [
        "contender",
        "dtype",
        f"s/epoch (median of {setup.epochs})",
        "speed-up of ffnn over it",
        "test accuracy %",
        "peak RSS MiB",
        "RSS growth in training MiB",
        "GFLOP/s",
        "of NumPy matmul",
    ]
    if any(r.peak_reset for r in results):
        memory = (
            "- peak RSS: the high-water mark of the contender's process, VmHWM in "
            "/proc/self/status (the counter getrusage's ru_maxrss reads; ru_maxrss "
            "itself would also carry the parent's peak into a subprocess), reset "
            "with /proc/self/clear_refs after loading the data and building the "
            "model: the training phase's peak, libraries, data and model included. "
            "Growth = that peak minus the RSS when training began."
        )
    else:
        memory = (
            "- peak RSS: getrusage(RUSAGE_SELF).ru_maxrss of the contender's "
            "process, data loading included."
        )
    notes = [
        "",
        "",
        f"- NumPy float32 matmuls alone, the same shapes (batch {setup.batch_size}), "
        f"best of 5 bursts after each epoch: {matmul_rate / 1e9:.1f} GFLOP/s, i.e. "
        f"{matmul * steps:.3f} s of an epoch's {steps} batch steps.",
        f"- FLOPs per epoch: {flops / 1e9:.2f} G = forward 2·n·Σ n_in·n_out, backward "
        "the same for the weight gradients plus 2·n·n_in·n_out for each input "
        "gradient except the first layer's (no contender computes it); n = "
        f"{n:,}. Biases, activations, softmax and Adam are not counted.",
        "- Each contender ran in its own process; epochs interleaved round-robin, "
        f"starting contender rotated each epoch, {PAUSE} s pause before each; test "
        "accuracy measured after all epochs, one process at a time.",
        memory,
    ]
    return _common.markdown_table(headers, rows) + "\n".join(notes)


def run(title: str, setup: Setup) -> dict[str, Result]:
    """Print the title and the machine, compare the contenders available and
    print their table; returns the results by contender."""
    print(f"## {title}\n")
    print(_common.describe_machine())
    results, matmul, n = compare(available_contenders(), setup)
    if any(result.name == "torch" for result in results):
        print(_common.TORCH_THREADS)
    if any(result.name == "ffnn-numpy" for result in results):
        print(FFNN_ROWS)
    print()
    print(report(results, matmul, setup, n))
    return {result.name: result for result in results}


if __name__ == "__main__":
    worker()
