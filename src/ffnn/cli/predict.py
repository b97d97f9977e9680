"""``ffnn predict``: read a CSV of samples and print or write each row's
predicted class (and, with ``--proba``, its class probabilities), or a
regressor's predicted values, one column per output.

Only a first line without a single number in it is a header; any other line
that is not ``n_features`` finite numbers is an error naming its line. Inputs
for which the network's outputs are not finite (values near 1e308 overflow
its sums) are refused, and nothing is written."""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from ffnn.atomic import atomic_write_text, check_writable
from ffnn.cli.errors import write_failed
from ffnn.network import Network
from ffnn.serialization import load

#: line numbers an error names at most
SHOWN_LINES = 5


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``predict`` command to the ``ffnn`` subparsers."""
    predict = commands.add_parser(
        "predict",
        help="predict the classes (or a regressor's values) of the rows of a CSV file",
        description=(
            "Read INPUT.csv (one sample per row, comma-separated features; a "
            "first line without any number is a header) and print or write each "
            "row's predicted class, or for a regression model its predicted "
            "values (a column per output)."
        ),
    )
    predict.add_argument(
        "model",
        type=Path,
        help="model file written by ffnn train (or an estimator's .save)",
    )
    predict.add_argument("input", type=Path, metavar="INPUT.csv", help="samples")
    predict.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="write the predictions to this CSV file instead (written whole or "
        "not at all)",
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="also give the probability of each class (classifiers only)",
    )
    predict.set_defaults(handler=_predict)


def read_csv(path: Path, n_features: int) -> tuple[np.ndarray, list[int]]:
    """The rows of comma-separated numbers in ``path`` and the line number of
    each (from 1; blank lines are skipped).

    A first line none of whose cells is a number (column names) is a header
    and skipped; a first line with any number in it is a row like the others.

    Returns
    -------
    X : array of shape (n_samples, n_features)
    lines : list of int, one per sample

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If it cannot be read, has no rows, or a row is not ``n_features``
        finite numbers (naming the line).
    """
    text = _read_text(path)
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if lines and not any(_is_number(cell) for cell in lines[0][1].split(",")):
        lines = lines[1:]  # a header row
    if not lines:
        raise ValueError(f"{path} has no rows of numbers")
    rows = [_parse_row(path, number, line, n_features) for number, line in lines]
    return np.array(rows), [number for number, _ in lines]


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"no input file at {path}")
    try:
        return path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM goes
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not a UTF-8 text file") from error
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from error


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _parse_row(path: Path, number: int, line: str, n_features: int) -> list[float]:
    cells = line.split(",")
    if len(cells) != n_features:
        raise ValueError(
            f"{path}: line {number} has {len(cells)} values, the model expects "
            f"{n_features}"
        )
    for cell in cells:
        if not _is_number(cell):
            raise ValueError(
                f"{path}: line {number}: {cell.strip()!r} is not a number "
                f"(the line is {line!r})"
            )
    values = [float(cell) for cell in cells]
    if not np.isfinite(values).all():
        raise ValueError(
            f"{path}: line {number} holds NaN or an infinite value: {line!r}"
        )
    return values


def load_model(path: Path) -> Any:
    """The network or estimator in the model file ``path``; any failure to read
    it is a FileNotFoundError or a ValueError naming the file."""
    try:
        return load(path)
    except (FileNotFoundError, ValueError, TypeError):
        raise
    except OSError as error:
        raise ValueError(
            f"cannot read the model file {path}: {error.strerror}"
        ) from error
    except Exception as error:  # a file that drives the reader astray
        raise ValueError(
            f"{path} is not a valid ffnn model file ({type(error).__name__}: {error})"
        ) from error


def network_of(model: Any) -> Network:
    """The network a model file holds: a Network as it is, or a fitted
    estimator's network predicting the estimator's own labels."""
    if isinstance(model, Network):
        return model
    net = copy.copy(model.network_)  # shares the weights; its own classes
    if hasattr(model, "classes_"):
        net.classes = np.asarray(model.classes_)
    return net


def _predict(args: argparse.Namespace, console: Console) -> int:
    if args.output is not None:  # refused before any work
        if args.output.is_dir():
            raise ValueError(f"-o {args.output} is a folder; give a file name")
        check_writable(args.output.parent, "-o's folder")
    net = network_of(load_model(args.model))
    if args.proba and not net.is_classifier:
        raise ValueError("--proba gives class probabilities; the model is a regressor")
    X, lines = read_csv(args.input, net.n_inputs)
    Y = _outputs(net, X, args.input, lines)
    header, columns = (
        _class_columns(net, X, Y, args.proba)
        if net.is_classifier
        else _value_columns(Y)
    )
    rows = [",".join(header)] + [",".join(row) for row in zip(*columns, strict=True)]
    text = "\n".join(rows) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            atomic_write_text(args.output, text)
        except OSError as error:
            raise write_failed(error, args.output.parent) from error
        console.print(f"wrote {len(X)} predictions to {args.output}")
    return 0


def _outputs(net: Network, X: np.ndarray, path: Path, lines: list[int]) -> np.ndarray:
    """A classifier's probabilities or a regressor's values of ``X``, shape
    (n, n_outputs); a ValueError naming the lines whose outputs are not finite
    (the network's sums overflowed)."""
    rows: np.ndarray | tuple[int, ...]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            Y = net.predict_proba(X) if net.is_classifier else net.predict(X)
        except (FloatingPointError, OverflowError) as error:
            rows = getattr(error, "rows", ())  # the network may name them
            if not rows:
                raise ValueError(f"{path}: {error}") from error
        else:
            rows = np.flatnonzero(~np.isfinite(Y).all(axis=1))
            if not len(rows):
                return Y
    shown = ", ".join(str(lines[i]) for i in rows[:SHOWN_LINES])
    more = ", …" if len(rows) > SHOWN_LINES else ""
    largest = float(np.max(np.abs(X[list(rows)])))
    raise ValueError(
        f"{path}: the network's outputs overflow (are not finite) for "
        f"{len(rows)} of {len(X)} rows, on line(s) {shown}{more}, whose largest "
        f"|x| is {largest:.3g}; the inputs are far outside what the model takes "
        "(nothing was written)"
    )


def _class_columns(
    net: Network, X: np.ndarray, P: np.ndarray, proba: bool
) -> tuple[list[str], list[np.ndarray]]:
    """A classifier's columns: the predicted label and, with ``proba``, the
    probability of each class (``p_<label>``) from ``P`` (n, n_classes)."""
    header = ["prediction"]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        columns = [net.predict(X).astype(str)]
    if proba:
        classes = net.classes if net.classes is not None else np.arange(net.n_outputs)
        header += [f"p_{label}" for label in classes]
        columns += [np.char.mod("%.6f", column) for column in P.T]
    return header, columns


def _value_columns(Y_hat: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """A regressor's columns from its values ``Y_hat`` (n, n_outputs):
    ``prediction`` for one output, ``prediction_1``, … for several; 9
    significant digits (enough to read a float32 back exactly)."""
    k = Y_hat.shape[1]
    header = ["prediction"] if k == 1 else [f"prediction_{j + 1}" for j in range(k)]
    return header, [np.char.mod("%.9g", column) for column in Y_hat.T]
