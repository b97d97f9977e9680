"""Even epochs: the README's 98.5 % MNIST recipe (784-512-256-10 ReLU, dropout 0.25,
Adam η = 1e-3 ×0.9 per epoch, batch 128, float32, 30 epochs), timed epoch by epoch.

Run: ``python benchmarks/epochs.py [--epochs 30]`` (MNIST through $FFNN_DATA or the
user cache; without it the script prints a note and exits with status 0).

Each epoch's row has its wall time, the CPU time of this process and the CPU time
that other processes took meanwhile (from /proc/stat, where there is one): on a
shared 2-core machine an epoch that another process competes with is slower,
and OpenBLAS's two threads, waiting on each other, make that several times
worse; the column says which epochs that was.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from statistics import median

import _common

from ffnn.config import TrainConfig
from ffnn.training import Callback
from ffnn.training_run import run_config

#: no epoch after the first may take longer than this multiple of the median
EVEN = 1.15


def busy_cpu_seconds() -> float | None:
    """CPU seconds all processes have spent busy since boot (None without
    /proc/stat)."""
    stat = Path("/proc/stat")
    if not stat.exists():
        return None
    ticks = [int(v) for v in stat.read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


class EpochClock(Callback):
    """Wall time, own CPU time and other processes' CPU time of every epoch."""

    def on_train_begin(self, net, history, epochs):
        self.rows: list[tuple[float, float, float | None]] = []
        self._mark = self._now()

    def on_epoch_end(self, epoch, net, history):
        now = self._now()
        wall, own, busy = (b - a if a is not None else None for a, b in zip(
            self._mark, now, strict=True))  # fmt: skip
        others = None if busy is None else max(busy - own, 0.0)
        self.rows.append((wall, own, others))
        self._mark = now
        return False

    @staticmethod
    def _now() -> tuple[float, float, float | None]:
        return time.perf_counter(), time.process_time(), busy_cpu_seconds()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30, help="default 30")
    args = parser.parse_args(argv)
    print(f"## The MNIST recipe, epoch by epoch ({args.epochs} epochs)\n")
    print(_common.describe_machine())
    config = TrainConfig.for_dataset(
        "mnist",
        hidden=(512, 256),
        dropout=0.25,
        learning_rate=1e-3,
        decay=0.9,
        batch_size=128,
        epochs=args.epochs,
    )
    clock = EpochClock()
    try:
        run = run_config(config, [clock])
    except FileNotFoundError as error:
        _common.exit_without_mnist(str(error))
    walls = [wall for wall, _, _ in clock.rows]
    typical = median(walls[1:])  # the median epoch, warm-up excluded
    rows = [
        [
            epoch,
            f"{wall:.2f}",
            f"{wall / typical:.2f}×",
            f"{own:.2f}",
            "–" if others is None else f"{others:.2f}",
        ]
        for epoch, (wall, own, others) in enumerate(clock.rows)
    ]
    headers = ["epoch", "s", "× median", "own CPU s", "other processes' CPU s"]
    print(_common.markdown_table(headers, rows))
    metrics = run.metrics()
    print(
        f"\n- median epoch {typical:.2f} s (epochs 1–{args.epochs - 1}), whole run "
        f"{sum(walls):.1f} s, engine {run.history.engine}, test accuracy "
        f"{100 * metrics['test_accuracy']:.2f} %"
    )
    targets = _common.Targets()
    slowest = max(range(1, len(walls)), key=walls.__getitem__)
    targets.check(
        f"no epoch after the first more than {EVEN - 1:.0%} slower than the median",
        f"slowest epoch {slowest}: {walls[slowest] / typical:.2f}× the median",
        walls[slowest] <= EVEN * typical,
    )
    targets.check(
        "test accuracy ≥ 98.5 %",
        f"{100 * metrics['test_accuracy']:.2f} %",
        metrics["test_accuracy"] >= 0.985,
    )
    targets.print()


if __name__ == "__main__":
    main()
