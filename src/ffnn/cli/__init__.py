"""The ``ffnn`` command: ``ffnn train``, ``ffnn predict``, ``ffnn experiment``,
``ffnn playground``.

A thin shell over the Python API: options become a :class:`TrainConfig`,
:func:`ffnn.training_run.run_config` trains, :func:`ffnn.run_files.write_run` writes
the files.
Each command lives in its own module (:mod:`ffnn.cli.train`,
:mod:`ffnn.cli.predict`, :mod:`ffnn.cli.experiment`, :mod:`ffnn.cli.playground`),
which adds its subparser and handles its arguments. Every error is one line on
stderr with exit status 2 for bad input and 1 for a failed run
(:mod:`ffnn.cli.errors`); ``FFNN_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from ffnn.cli import experiment, playground, predict, train
from ffnn.cli.errors import BAD_INPUT, debugging, describe


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with a usage error in one line: the problem and where
    to read the usage, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            BAD_INPUT,
            f"{self.prog}: error: {message} (see {self.prog} --help)\n",
        )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ffnn`` command."""
    parser = ArgumentParser(
        prog="ffnn",
        description="Train and use feedforward neural networks (NumPy, from scratch).",
        epilog="Errors are one line on stderr, with exit status 2 for bad input "
        "and 1 for a failed run; FFNN_DEBUG=1 shows their traceback.",
    )
    # the subcommands' parsers are of the same class (argparse's default)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_parser(commands)
    predict.add_parser(commands)
    experiment.add_parser(commands)
    playground.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ffnn`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args, Console(highlight=False))
    except BrokenPipeError:  # the reader of stdout left (ffnn predict … | head)
        _silence_stdout()
        return 1
    except (Exception, KeyboardInterrupt) as error:
        if debugging():
            raise
        status, message = describe(error)
        errors = Console(stderr=True, soft_wrap=True, highlight=False)
        errors.print(f"[red]error:[/red] {escape(message)}")
        return status


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush of the closed
    pipe prints nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (a test's capture)
        pass
    finally:
        os.close(devnull)


__all__ = ["build_parser", "main"]
