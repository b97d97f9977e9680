"""``ffnn predict``: read a CSV of samples and print or write each row's
predicted class (and, with ``--proba``, its class probabilities), or a
regressor's predicted values, one column per output."""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from ffnn.network import Network
from ffnn.serialization import load


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``predict`` command to the ``ffnn`` subparsers."""
    predict = commands.add_parser(
        "predict",
        help="predict the classes (or a regressor's values) of the rows of a CSV file",
        description=(
            "Read INPUT.csv (one sample per row, comma-separated features, an "
            "optional header row) and print or write each row's predicted class, "
            "or for a regression model its predicted values (a column per output)."
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
        help="write the predictions to this CSV file instead",
    )
    predict.add_argument(
        "--proba",
        action="store_true",
        help="also give the probability of each class (classifiers only)",
    )
    predict.set_defaults(handler=_predict)


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
    net = network_of(load(args.model))
    if args.proba and not net.is_classifier:
        raise ValueError("--proba gives class probabilities; the model is a regressor")
    X = read_csv(args.input, net.n_inputs)
    header, columns = (
        _class_columns(net, X, args.proba)
        if net.is_classifier
        else _value_columns(net, X)
    )
    lines = [",".join(header)] + [",".join(row) for row in zip(*columns, strict=True)]
    text = "\n".join(lines) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        console.print(f"wrote {len(X)} predictions to {args.output}")
    return 0


def _class_columns(
    net: Network, X: np.ndarray, proba: bool
) -> tuple[list[str], list[np.ndarray]]:
    """A classifier's columns: the predicted label and, with ``proba``, the
    probability of each class (``p_<label>``)."""
    header = ["prediction"]
    columns = [net.predict(X).astype(str)]
    if proba:
        classes = net.classes if net.classes is not None else np.arange(net.n_outputs)
        header += [f"p_{label}" for label in classes]
        columns += [np.char.mod("%.6f", column) for column in net.predict_proba(X).T]
    return header, columns


def _value_columns(net: Network, X: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """A regressor's columns: ``prediction`` for one output, ``prediction_1``, …
    for several; 9 significant digits (enough to read a float32 back exactly)."""
    Y_hat = net.predict(X)  # (n, n_outputs)
    k = Y_hat.shape[1]
    header = ["prediction"] if k == 1 else [f"prediction_{j + 1}" for j in range(k)]
    return header, [np.char.mod("%.9g", column) for column in Y_hat.T]
