"""The ``ffnn`` command: ``ffnn train``, ``ffnn predict``, ``ffnn experiment``.

A thin shell over the Python API: options become a :class:`TrainConfig`,
:func:`ffnn.runs.run_config` trains, :func:`ffnn.runs.write_run` writes the files.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape
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
from ffnn.experiments import list_studies, run_study
from ffnn.initializers import INITIALIZERS
from ffnn.network import Network
from ffnn.optimizers import OPTIMIZERS
from ffnn.runs import run_config, write_run
from ffnn.schedules import SCHEDULES
from ffnn.serialization import load
from ffnn.training import Callback, History, TrainingDivergedError


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ffnn`` command."""
    parser = argparse.ArgumentParser(
        prog="ffnn",
        description="Train and use feedforward neural networks (NumPy, from scratch).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    predict = commands.add_parser(
        "predict",
        help="predict the classes of the rows of a CSV file",
        description=(
            "Read INPUT.csv (one sample per row, comma-separated features, an "
            "optional header row) and print or write each row's predicted class."
        ),
    )
    predict.add_argument("model", type=Path, help="model file written by ffnn train")
    predict.add_argument("input", type=Path, metavar="INPUT.csv", help="samples")
    predict.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write the predictions to this CSV file instead",
    )
    predict.add_argument(
        "--proba", action="store_true", help="also give the probability of each class"
    )
    predict.set_defaults(handler=_predict)

    experiment = commands.add_parser(
        "experiment",
        help="run one of the notes' studies, or a sweep from a TOML file",
        description=(
            "Run a study and write its figures, results table (runs.csv, "
            "epochs.csv, results.json), summary.json and a self-contained "
            "report.html into DIR. NAME is a built-in study ("
            + ", ".join(list_studies())
            + "), 'run CONFIG.toml' for a sweep of your own, or 'list'."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    experiment.add_argument(
        "study",
        metavar="NAME",
        choices=[*list_studies(), "run", "list"],
        help="built-in study, 'run' or 'list'",
    )
    experiment.add_argument(
        "config",
        nargs="?",
        type=Path,
        metavar="CONFIG.toml",
        help="experiment file (with 'run')",
    )
    experiment.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default: experiments/NAME)",
    )
    experiment.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="local processes running the sweep in parallel",
    )
    experiment.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (needs ffnn[distributed])",
    )
    experiment.add_argument(
        "--repeats", type=int, default=None, help="override the number of repeats"
    )
    experiment.add_argument(
        "--seed", type=int, default=None, help="override the base seed"
    )
    experiment.add_argument(
        "--epochs", type=int, default=None, help="override the epochs of every run"
    )
    experiment.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a base value (e.g. hidden=[5]) or a study "
        "option (study.spike_threshold=0.05); repeatable",
    )
    experiment.add_argument("--quiet", action="store_true", help="no progress bar")
    experiment.set_defaults(handler=_experiment)
    return parser


def _parse_assignment(text: str) -> tuple[str, object]:
    """'key=value' with a TOML value (numbers, strings, booleans, lists)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--set takes KEY=VALUE, got {text!r}")
    try:
        parsed = tomllib.loads(f"value = {value.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()  # a bare word such as relu
    return key, parsed


def _experiment(args: argparse.Namespace, console: Console) -> int:
    if args.study == "list":
        for name in list_studies():
            console.print(name, markup=False)
        return 0
    if args.study == "run":
        if args.config is None:
            raise ValueError("ffnn experiment run needs a CONFIG.toml file")
        target = args.config
    else:
        if args.config is not None:
            raise ValueError(
                f"a CONFIG.toml file is only taken by 'run', not by {args.study!r}"
            )
        target = args.study
    base: dict[str, object] = {}
    options: dict[str, object] = {}
    if args.epochs is not None:
        base["epochs"] = args.epochs
    for assignment in args.set:
        key, value = _parse_assignment(assignment)
        if key.startswith("study."):
            options[key.removeprefix("study.")] = value
        else:
            base[key.removeprefix("base.")] = value
    overrides = {"repeats": args.repeats, "seed": args.seed}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if base:
        overrides["base"] = base
    if options:
        overrides["options"] = options
    name = Path(target).stem if args.study == "run" else args.study
    out = args.out if args.out is not None else Path("experiments") / name
    with Progress(
        TextColumn("[bold]runs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=args.quiet,
    ) as bar:
        task = bar.add_task("runs", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        output = run_study(
            str(target),
            out,
            n_jobs=args.n_jobs,
            scheduler=args.scheduler,
            progress=progress,
            **overrides,
        )
    console.print(
        f"wrote {len(output.files)} files to {out}; open {output.files['report.html']}",
        markup=False,
    )
    return 0


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


def read_csv(path: Path, n_features: int) -> np.ndarray:
    """Rows of comma-separated numbers, skipping one header row if present."""
    if not path.is_file():
        raise FileNotFoundError(f"no input file at {path}")
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{path} has no rows")
    try:
        [float(cell) for cell in lines[0].split(",")]
    except ValueError:
        lines = lines[1:]  # a header row
    rows = []
    for number, line in enumerate(lines, start=1):
        cells = line.split(",")
        if len(cells) != n_features:
            raise ValueError(
                f"{path}: row {number} has {len(cells)} values, the model expects "
                f"{n_features}"
            )
        try:
            rows.append([float(cell) for cell in cells])
        except ValueError:
            raise ValueError(
                f"{path}: row {number} is not all numbers: {line!r}"
            ) from None
    if not rows:
        raise ValueError(f"{path} has a header but no rows")
    return np.array(rows)


def _predict(args: argparse.Namespace, console: Console) -> int:
    net: Network = load(args.model)
    X = read_csv(args.input, net.n_inputs)
    labels = net.predict(X)
    header = ["prediction"]
    columns = [labels.astype(str)]
    if args.proba:
        classes = net.classes if net.classes is not None else np.arange(net.n_outputs)
        header += [f"p_{label}" for label in classes]
        columns += [np.char.mod("%.6f", column) for column in net.predict_proba(X).T]
    lines = [",".join(header)] + [",".join(row) for row in zip(*columns, strict=True)]
    text = "\n".join(lines) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        console.print(f"wrote {len(labels)} predictions to {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ffnn`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    errors = Console(stderr=True)
    try:
        return args.handler(args, Console(highlight=False))
    except TrainingDivergedError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        return 3
    except (ValueError, TypeError, FileNotFoundError) as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
