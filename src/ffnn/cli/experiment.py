"""``ffnn experiment``: run a built-in study or a sweep from a TOML file, with
command-line overrides, behind a Rich progress bar over the runs.

The output folder is checked before any run; the study writes into a staging
folder inside it, published when the study is done
(:func:`ffnn.atomic.staged_folder`), so the folder holds one study's files or is
marked incomplete."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ffnn.atomic import WriteError, check_writable, staged_folder
from ffnn.cli.errors import write_failed
from ffnn.experiments import ExperimentFile, StudyOutput, list_studies, run_study
from ffnn.experiments.executors import CONNECT_TIMEOUT
from ffnn.experiments.study_runner import apply_overrides, load_study_file


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``experiment`` command to the ``ffnn`` subparsers."""
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
        type=_n_jobs,
        default=1,
        help="local processes running the sweep in parallel (-1: one per CPU)",
    )
    experiment.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (needs ffnn[distributed]); "
        f"one that does not answer within {CONNECT_TIMEOUT:g} s is an error",
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


def _n_jobs(text: str) -> int:
    """A number of processes: a positive integer, or negative as joblib counts
    (-1 is one per CPU); 0 means nothing."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 processes cannot run anything")
    return value


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
    spec = load_study_file(target)  # a bad file fails before any folder is made
    if overrides:
        spec = apply_overrides(spec, **overrides)
    name = Path(target).stem if args.study == "run" else args.study
    out = args.out if args.out is not None else Path("experiments") / name
    check_writable(out, "--out")
    try:
        with staged_folder(out) as staging:
            output = _run(args, console, spec, staging)
    except WriteError as error:
        raise write_failed(error, out) from error
    files = {key: out / path.name for key, path in output.files.items()}
    console.print(
        f"wrote {len(files)} files to {out}; open {files['report.html']}",
        markup=False,
    )
    return 0


def _run(
    args: argparse.Namespace, console: Console, spec: ExperimentFile, staging: Path
) -> StudyOutput:
    """Run the study into ``staging`` behind the progress bar."""
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

        return run_study(
            spec,
            staging,
            n_jobs=args.n_jobs,
            scheduler=args.scheduler,
            progress=progress,
        )
