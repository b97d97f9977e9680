"""``ffnn train``: options become a :class:`TrainConfig` on top of the data set's
preset, :func:`ffnn.runs.run_config` trains, :func:`ffnn.runs.write_run` writes
the model, metrics and plots; a Rich progress bar shows the live loss."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ffnn.activations import ACTIVATIONS
from ffnn.config import ALL_DATASETS, DATASET_PRESETS, TrainConfig
from ffnn.initializers import INITIALIZERS
from ffnn.optimizers import OPTIMIZERS
from ffnn.runs import run_config, write_run
from ffnn.schedules import SCHEDULES
from ffnn.training import Callback, History


class ProgressBar(Callback):
    """A Rich progress bar over epochs showing the live training loss."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None

    def on_train_begin(self, net, history, epochs):
        self.progress.start()
        self.task = self.progress.add_task("train", total=epochs, loss="…")

    def on_epoch_end(self, epoch, net, history: History):
        self.progress.update(self.task, advance=1, loss=f"{history.loss[-1]:.4f}")
        return False

    def on_train_end(self, net, history):
        self.progress.stop()

    def close(self) -> None:
        self.progress.stop()


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden takes comma-separated integers such as 10 or 64,32; got {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"hidden layer sizes must be >= 1, got {text!r}"
        )
    return sizes


def _batch_size(text: str) -> int | str:
    if text.lower() in ("full", "none", "all"):
        return "full"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--batch-size takes a positive integer or 'full', got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--batch-size must be >= 1, got {value}")
    return value


def _names(registry) -> list[str]:
    return sorted(registry)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``train`` command to the ``ffnn`` subparsers."""
    train = commands.add_parser(
        "train",
        help="train a network and write its model, metrics and plots",
        description=(
            "Train a network and write DIR/model.npz, DIR/metrics.json, DIR/loss.png "
            "and, for 2-D data, DIR/decision_boundary.png; for images "
            "DIR/confusion_matrix.png, DIR/misclassified.png and "
            "DIR/first_layer_weights.png. The defaults are the notes' run: "
            "make_moons(200, noise=0.2), one tanh hidden layer of 3 units, "
            "full-batch gradient descent on the summed loss with η = 0.01 for 2000 "
            "epochs. digits and mnist start from presets instead; options given "
            "override them."
        ),
        epilog=_presets_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # options default to SUPPRESS so that only the ones given reach the config,
    # on top of the data set's preset
    quiet_default = {"default": argparse.SUPPRESS}
    data = train.add_argument_group("data")
    data.add_argument(
        "--dataset",
        choices=_names(ALL_DATASETS),
        **quiet_default,
        help="data set (default: moons)",
    )
    data.add_argument(
        "--samples",
        type=int,
        **quiet_default,
        help="samples to generate (default: 200), or the first N "
        "training images of digits/mnist",
    )
    data.add_argument(
        "--noise",
        type=float,
        **quiet_default,
        help="noise level (default: the data set's own, 0.2 for moons)",
    )
    data.add_argument(
        "--seed",
        type=int,
        **quiet_default,
        help="seed for the data, the initial weights, shuffling and "
        "dropout (default: 0)",
    )
    data.add_argument(
        "--test-fraction",
        type=float,
        **quiet_default,
        help="share of the samples held out for testing (default: 0, "
        "which tests synthetic sets on fresh samples drawn with "
        "seed + 1, and digits on 0.25 of its images)",
    )
    data.add_argument(
        "--download",
        action="store_true",
        **quiet_default,
        help="download MNIST into the cache folder if it is missing",
    )
    model = train.add_argument_group("network")
    model.add_argument(
        "--hidden",
        type=_hidden_sizes,
        **quiet_default,
        help="hidden layer sizes, comma-separated, e.g. 3 or 64,32 (default: 3)",
    )
    model.add_argument(
        "--activation",
        choices=_names(ACTIVATIONS),
        **quiet_default,
        help="hidden-layer activation (default: tanh)",
    )
    model.add_argument(
        "--init",
        choices=_names(INITIALIZERS),
        **quiet_default,
        help="weight initialiser; lecun_normal is the notes' "
        "N(0, 1/√n_in) (default: lecun_normal)",
    )
    model.add_argument(
        "--dropout",
        type=float,
        **quiet_default,
        help="dropout rate after each hidden layer (default: 0)",
    )
    model.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        **quiet_default,
        help="floating-point precision (default: float64)",
    )
    fit = train.add_argument_group("training")
    fit.add_argument(
        "--optimizer",
        choices=_names(OPTIMIZERS),
        **quiet_default,
        help="optimizer (default: sgd)",
    )
    fit.add_argument(
        "--lr",
        type=float,
        dest="learning_rate",
        **quiet_default,
        help="learning rate η (default: 0.01 for sgd, 0.001 for adam "
        "and rmsprop). With --reduction sum the gradient is summed "
        "over the batch: 0.01 on 200 samples = 2.0 with mean",
    )
    fit.add_argument(
        "--momentum", type=float, **quiet_default, help="SGD momentum μ (default: 0)"
    )
    fit.add_argument(
        "--nesterov", action="store_true", **quiet_default, help="Nesterov momentum"
    )
    fit.add_argument(
        "--schedule",
        choices=_names(SCHEDULES),
        **quiet_default,
        help="learning-rate schedule over epochs (default: constant)",
    )
    fit.add_argument(
        "--decay",
        type=float,
        **quiet_default,
        help="factor of the step or exponential schedule (default: 0.5)",
    )
    fit.add_argument(
        "--decay-every",
        type=int,
        **quiet_default,
        help="epochs between the step schedule's drops (default: 100)",
    )
    fit.add_argument(
        "--epochs",
        type=int,
        **quiet_default,
        help="passes over the training data (default: 2000)",
    )
    fit.add_argument(
        "--batch-size",
        type=_batch_size,
        **quiet_default,
        help="mini-batch size, or 'full' for full-batch gradient "
        "descent (default: full)",
    )
    fit.add_argument(
        "--reduction",
        choices=["sum", "mean"],
        **quiet_default,
        help="gradient of the summed loss (the notes') or of the mean (default: sum)",
    )
    fit.add_argument(
        "--l2",
        type=float,
        **quiet_default,
        help="L2 strength λ: L = L0 + λ/(2n) Σ w² (default: 0)",
    )
    fit.add_argument(
        "--l1",
        type=float,
        **quiet_default,
        help="L1 strength: adds λ₁/n Σ |w| (default: 0)",
    )
    fit.add_argument(
        "--clip-norm",
        type=float,
        **quiet_default,
        help="clip gradients to this global norm (default: no clipping)",
    )
    train.add_argument(
        "--out",
        type=Path,
        default=Path("ffnn-run"),
        metavar="DIR",
        help="folder for the model, metrics and plots (default: ffnn-run)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=_train)


def _presets_text() -> str:
    lines = ["presets (options given on the command line override them):"]
    for name, preset in DATASET_PRESETS.items():
        values = ", ".join(f"{key}={_show(value)}" for key, value in preset.items())
        lines.append(f"  {name}: {values}")
    return "\n".join(lines)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


#: Namespace entries that are not TrainConfig fields
_NOT_CONFIG = {"command", "handler", "out", "quiet"}


def _train(args: argparse.Namespace, console: Console) -> int:
    given = {k: v for k, v in vars(args).items() if k not in _NOT_CONFIG}
    if given.get("batch_size") == "full":
        given["batch_size"] = None
    config = TrainConfig.for_dataset(given.pop("dataset", "moons"), **given)
    callbacks = [] if args.quiet else [ProgressBar(console)]
    try:
        run = run_config(config, callbacks)
    finally:
        for callback in callbacks:
            callback.close()
    paths = write_run(run, args.out)
    metrics = run.metrics()
    console.print(repr(run.network), markup=False)
    console.print(
        f"train accuracy {metrics['train_accuracy']:.2%}  "
        f"(loss {metrics['train_loss']:.4f}, {metrics['n_train']} samples)"
    )
    console.print(
        f"test accuracy  {metrics['test_accuracy']:.2%}  "
        f"(loss {metrics['test_loss']:.4f}, {metrics['test_set']})"
    )
    console.print(
        "wrote " + ", ".join(str(path) for path in paths.values()), markup=False
    )
    return 0
