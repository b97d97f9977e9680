"""``ffnn train``: options become a :class:`TrainConfig` on top of the data set's
preset, :func:`ffnn.training_run.run_config` trains,
:func:`ffnn.run_files.write_run` writes the model, metrics and plots; a Rich
progress bar shows the live loss.

The options are the config's settings (:data:`ffnn.config.SETTINGS`): each
field's declaration gives its flag, type, choices, help and default, so this
module names none of them. The run starts by printing the resolved
configuration: the values given, those taken from the data set's preset and the
defaults; before that it checks that it can write ``--out`` (bad options and an
unwritable folder are refused before any training).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ffnn.atomic import check_writable
from ffnn.cli.errors import write_failed
from ffnn.config import DATASET_PRESETS, DEFAULT, GIVEN, PRESET, SETTINGS, TrainConfig
from ffnn.settings import Setting, show_value
from ffnn.training import Callback, History

#: sections of ``ffnn train --help``, in order (each setting names its own)
GROUPS = ("data", "network", "training")


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


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``train`` command to the ``ffnn`` subparsers."""
    train = commands.add_parser(
        "train",
        help="train a network and write its model, metrics and plots",
        description=(
            "Train a network and write DIR/model.npz, DIR/metrics.json, DIR/loss.png "
            "and, for 2-D data, DIR/decision_boundary.png; for images "
            "DIR/confusion_matrix.png, DIR/misclassified.png and "
            "DIR/first_layer_weights.png; for a regression set (friedman1) "
            "DIR/fitted_vs_true.png and R² in place of accuracy. The defaults are "
            "the notes' run: make_moons(200, noise=0.2), one tanh hidden layer of 3 "
            "units, full-batch gradient descent on the summed loss with η = 0.01 "
            "for 2000 epochs. friedman1, digits and mnist start from presets "
            "instead; options given override them."
        ),
        epilog=_presets_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups = {name: train.add_argument_group(name) for name in GROUPS}
    for declared in SETTINGS.values():
        _add_option(groups[declared.group], declared)
    train.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the model, metrics and plots (default: ffnn-run, or the "
        "folder of the --resume checkpoint)",
    )
    resuming = train.add_argument_group("checkpoints")
    resuming.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        default=None,
        metavar="N",
        help="every N epochs write DIR/checkpoint.npz: the weights, the "
        "optimizer's state, the epoch (the schedule's position), the random "
        "generator and the history, for --resume",
    )
    resuming.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="CHECKPOINT",
        help="continue the run a checkpoint holds, with its configuration; "
        "--epochs is the total number of epochs (other options must match the "
        "run's); the result is that of the run never stopped, bit for bit",
    )
    train.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar, and of the configuration only what was given "
        "and what came from the data set's preset",
    )
    train.set_defaults(handler=_train)


def _add_option(group: argparse._ArgumentGroup, declared: Setting) -> None:
    # the default is SUPPRESS so that only the options given reach the config,
    # on top of the data set's preset
    options: dict[str, Any] = {
        "dest": declared.name,
        "default": argparse.SUPPRESS,
        "help": declared.describe(),
    }
    if declared.kind is bool:
        options["action"] = "store_true"
    else:
        options["type"] = _reader(declared.parse) if declared.parse else declared.kind
        options["choices"] = declared.choices
    group.add_argument(declared.flag, **options)


def _reader(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with its ValueError turned into argparse's usage error."""

    def read(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    read.__name__ = parse.__name__
    return read


def _presets_text() -> str:
    lines = ["presets (options given on the command line override them):"]
    for name, preset in DATASET_PRESETS.items():
        values = ", ".join(
            f"{key}={show_value(value)}" for key, value in preset.items()
        )
        lines.append(f"  {name}: {values}")
    return "\n".join(lines)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The config of parsed ``ffnn train`` options: the data set's preset with
    the options given on top (it records which is which)."""
    given = {name: value for name, value in vars(args).items() if name in SETTINGS}
    return TrainConfig.for_dataset(given.pop("dataset", None), **given)


def print_config(config: TrainConfig, console: Console, brief: bool = False) -> None:
    """The resolved configuration, a line per source: the values given, those
    from the data set's preset and (unless ``brief``) the defaults. A value that
    replaced the preset's says which."""
    sources = config.sources()
    preset = DATASET_PRESETS.get(config.dataset, {})
    labels = {GIVEN: "given", PRESET: f"{config.dataset} preset", DEFAULT: "defaults"}
    table = Table.grid(padding=(0, 2))
    for source, label in labels.items():
        if brief and source == DEFAULT:
            continue
        values = []
        for name, declared in SETTINGS.items():
            if sources[name] != source:
                continue
            value = getattr(config, name)
            text = f"{name}={declared.show(value)}"
            if source != PRESET and name in preset and preset[name] != value:
                text += f" (preset {declared.show(preset[name])})"
            values.append(text)
        if values:
            table.add_row(Text(label, style="bold"), Text("  ".join(values)))
    if table.row_count:
        console.print(table)


def score_lines(metrics: dict[str, Any]) -> list[str]:
    """The train and test lines of a run's final ``metrics``: accuracy for a
    classifier, R² for a regressor (see :func:`ffnn.training_run.final_metrics`),
    each with its loss and its set."""
    key, name, form = (
        ("r2", "R²", ".4f") if "test_r2" in metrics else ("accuracy", "accuracy", ".2%")
    )
    sets = {"train": f"{metrics['n_train']} samples", "test": metrics["test_set"]}
    width = len(f"train {name}")
    lines = []
    for part, described in sets.items():
        label = f"{part} {name}".ljust(width)
        value = format(metrics[f"{part}_{key}"], form)
        loss = metrics[f"{part}_loss"]
        lines.append(f"{label} {value}  (loss {loss:.4f}, {described})")
    return lines


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


#: exit status of a run stopped by Ctrl-C (128 + SIGINT), its files written
INTERRUPTED = 130


def config_to_resume(args: argparse.Namespace) -> tuple[TrainConfig, Any]:
    """The configuration of the ``--resume`` checkpoint's run, with the options
    given on top (``--epochs`` above all), and the checkpoint."""
    from ffnn.checkpoints import load_checkpoint

    checkpoint = load_checkpoint(args.resume)
    saved = checkpoint.metadata.get("config")
    if not isinstance(saved, dict):
        raise ValueError(
            f"{args.resume}: the checkpoint holds no ffnn train configuration; "
            "resume it from Python with ffnn.train(..., resume=...)"
        )
    given = {name: value for name, value in vars(args).items() if name in SETTINGS}
    try:
        config = TrainConfig(**{**saved, **given})
    except (TypeError, ValueError) as error:
        raise ValueError(f"{args.resume}: bad saved configuration ({error})") from None
    saved_sources = checkpoint.metadata.get("config_sources")
    sources = config.sources()  # given or default, by value
    if isinstance(saved_sources, dict):
        sources.update(
            (name, source)
            for name, source in saved_sources.items()
            if name in sources and source in (GIVEN, PRESET, DEFAULT)
        )
    config._sources = {**sources, **dict.fromkeys(given, GIVEN)}
    return config, checkpoint


def _train(args: argparse.Namespace, console: Console) -> int:
    # imported here, not with the parser: ffnn --help stays fast
    from ffnn.interruption import Interruption
    from ffnn.run_files import RUNNING_CHECKPOINT_FILE, write_run
    from ffnn.training_run import run_config

    if args.resume is not None:
        config, resume = config_to_resume(args)
        out = args.out if args.out is not None else args.resume.parent
    else:
        config, resume = config_from_args(args), None
        out = args.out if args.out is not None else Path("ffnn-run")
    check_writable(out, "--out")
    options: dict[str, Any] = {"resume": resume}
    # the run's last checkpoint, published with its files: the one it writes
    # while training (beside the older run's files, under its own name), or
    # the one it resumed from
    checkpoint = args.resume
    if args.checkpoint_every is not None:
        checkpoint = out / RUNNING_CHECKPOINT_FILE
        options.update(
            checkpoint_path=checkpoint,
            checkpoint_every=args.checkpoint_every,
            checkpoint_metadata={
                "config": config.to_dict(),
                "config_sources": config.sources(),
            },
        )
    print_config(config, console, brief=args.quiet)
    if resume is not None:
        console.print(f"resuming after epoch {resume.epoch} of {args.resume}")
    callbacks = [] if args.quiet else [ProgressBar(console)]
    # a Ctrl-C from here on stops training after its batch and lets the files
    # be written whole; the run then says it was interrupted
    with Interruption() as interruption:
        try:
            run = run_config(config, callbacks, **options)
        finally:
            for callback in callbacks:
                callback.close()
        try:
            paths = write_run(run, out, checkpoint)
        except OSError as error:
            raise write_failed(error, out) from error
        if checkpoint is not None and checkpoint.name == RUNNING_CHECKPOINT_FILE:
            checkpoint.unlink(missing_ok=True)  # published as checkpoint.npz
    if run.history.interrupted or interruption.requested:
        console.print(
            f"interrupted after epoch {run.history.epochs}: wrote the model and "
            f"history so far (metrics.json says interrupted) to {out}",
            markup=False,
        )
        return INTERRUPTED
    metrics = run.metrics()
    console.print(repr(run.network), markup=False)
    console.print(f"trained by the {run.history.engine} engine")
    for line in score_lines(metrics):
        console.print(line, markup=False)
    console.print(
        "wrote " + ", ".join(str(path) for path in paths.values()), markup=False
    )
    return 0
