"""The page's copyable text: the ``ffnn train`` command nearest to the current
settings, and the Python that reproduces the session's run.

Both describe the run the current settings give from the start (a setting
changed half way through a session is not replayed). The Python snippet is
exact: the same data (:func:`ffnn.playground.data.make_data`), network,
optimizer, seed and epochs give the session's weights bit for bit. The command
is the nearest ``ffnn train`` run: ffnn train draws its moons, circles, xor and
spiral points unscaled and holds out a stratified share, so its numbers differ,
and a comment line says how; for the data sets ffnn train does not have
(blobs, the regression surface, an upload) it is only a comment saying so.
"""

from __future__ import annotations

import json

from ffnn.playground.settings import Settings

#: the data sets ``ffnn train --dataset`` has (the others are the playground's)
CLI_DATASETS = ("moons", "circles", "xor", "spiral")
#: the class of each optimizer name, as the snippet writes it
OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSProp"}
WITHOUT_CLI = {
    "blobs": "Gaussian blobs",
    "regression": "regression surface",
    "upload": "uploaded CSV",
}


def command_line(settings: Settings, epochs: int) -> str:
    """The ``ffnn train`` command nearest to ``settings`` run for ``epochs``
    epochs, after comment lines on how it differs (one or more lines)."""
    s = settings
    if s.dataset not in CLI_DATASETS:
        return (
            f"# ffnn train has no {WITHOUT_CLI[s.dataset]} data set (its --dataset "
            "is moons, circles, xor, spiral, friedman1, digits or mnist); the "
            "Python snippet reproduces this run"
        )
    notes = [
        "# the nearest ffnn train run: it draws the same generator's points "
        "unscaled (the playground scales them into [-6, 6]²) and holds out a "
        "stratified share, so its numbers differ"
    ]
    if s.features != ("x1", "x2"):
        notes.append(
            "# ffnn train's inputs are x1, x2 only; this run's features "
            f"({', '.join(s.features)}) need the Python snippet"
        )
    if s.dataset == "spiral":
        notes.append("# ffnn train's spiral has 3 arms, the playground's 2")
    options = [
        ("--dataset", s.dataset),
        ("--samples", s.samples),
        ("--noise", _number(s.noise)),
        ("--test-fraction", _number(round(1.0 - s.train_ratio, 12))),
        ("--seed", s.seed),
        ("--hidden", ",".join(str(width) for width in s.hidden)),
        ("--activation", s.activation),
        ("--init", s.init),
        ("--dropout", _number(s.dropout)),
        ("--optimizer", s.optimizer),
        ("--lr", _number(s.learning_rate)),
        ("--batch-size", s.batch_size or "full"),
        ("--reduction", "mean"),
        ("--l2", _number(s.l2)),
        ("--epochs", max(epochs, 1)),
    ]
    command = "ffnn train " + " ".join(f"{flag} {value}" for flag, value in options)
    return "\n".join([*notes, command])


def python_snippet(settings: Settings, epochs: int, classes: int) -> str:
    """Python that trains the session's network from the start for ``epochs``
    epochs (at least 1), with the same data, settings and seed; ``classes`` is
    the data's number of classes (0 for a regression)."""
    s = settings
    if s.dataset == "upload":
        data = [
            "from pathlib import Path",
            "",
            "import ffnn",
            "from ffnn.playground.data import parse_csv, split, transform",
            "",
            "# the CSV you uploaded, read and scaled as the playground does",
            'points = parse_csv(Path("data.csv").read_text())',
            f"data = split(points, train_ratio={s.train_ratio!r}, seed={s.seed})",
        ]
    else:
        data = [
            "import ffnn",
            "from ffnn.playground.data import make_data, transform",
            "",
            f"data = make_data({_text(s.dataset)}, samples={s.samples}, "
            f"noise={s.noise!r}, train_ratio={s.train_ratio!r}, seed={s.seed}, "
            f"classes={s.classes})",
        ]
    sizes = [len(s.features), *s.hidden, classes or 1]  # a unit per class, or one
    output = "softmax" if classes else "identity"
    batch = "None" if s.batch_size == 0 else str(s.batch_size)
    optimizer = OPTIMIZER_CLASSES[s.optimizer]
    lines = [
        *data,
        f"features = {_text(list(s.features))}",
        "X_train = transform(data.X_train, features)",
        "X_test = transform(data.X_test, features)",
        "net = ffnn.Network.mlp(",
        f"    {sizes}, activation={_text(s.activation)}, init={_text(s.init)},",
        f"    dropout={s.dropout!r}, seed={s.seed}, output={_text(output)},",
        ")",
        "history = ffnn.train(",
        "    net, X_train, data.y_train,",
        f"    optimizer=ffnn.{optimizer}(learning_rate={s.learning_rate!r}),",
        f"    epochs={max(epochs, 1)}, batch_size={batch}, alpha={s.l2!r}, "
        f'seed={s.seed}, reduction="mean",',
        "    validation_data=(X_test, data.y_test),",
        ")",
        "print(history.loss[-1], net.score(X_test, data.y_test))",
    ]
    return "\n".join(lines)


def _number(value: float) -> str:
    """A float as the command line takes it: ``0.5``, ``3``, ``1e-05``."""
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def _text(value: str | list[str]) -> str:
    """A string (or list of strings) as Python source, in double quotes."""
    return json.dumps(value)
