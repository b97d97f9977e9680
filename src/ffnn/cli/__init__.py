"""The ``ffnn`` command: ``ffnn train``, ``ffnn predict``, ``ffnn experiment``.

A thin shell over the Python API: options become a :class:`TrainConfig`,
:func:`ffnn.training_run.run_config` trains, :func:`ffnn.run_files.write_run` writes
the files.
Each command lives in its own module (:mod:`ffnn.cli.train`,
:mod:`ffnn.cli.predict`, :mod:`ffnn.cli.experiment`), which adds its subparser
and handles its arguments.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from ffnn.cli import experiment, predict, train
from ffnn.training import TrainingDivergedError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ffnn`` command."""
    parser = argparse.ArgumentParser(
        prog="ffnn",
        description="Train and use feedforward neural networks (NumPy, from scratch).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_parser(commands)
    predict.add_parser(commands)
    experiment.add_parser(commands)
    return parser


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


__all__ = ["build_parser", "main"]
