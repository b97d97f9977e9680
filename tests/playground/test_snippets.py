"""Tests of ffnn.playground.snippets: the command parses as ``ffnn train``
options with the session's values, and the Python snippet, run, gives the
session's weights bit for bit."""

import shlex

import numpy as np
import pytest

from ffnn.cli import build_parser
from ffnn.cli.train import config_from_args
from ffnn.playground.session import Session
from ffnn.playground.settings import Settings
from ffnn.playground.snippets import command_line, python_snippet


def parsed(command: str):
    """The TrainConfig ``ffnn train`` makes of the command's last line."""
    line = command.splitlines()[-1]
    argv = shlex.split(line)
    assert argv[:2] == ["ffnn", "train"]
    return config_from_args(build_parser().parse_args(argv[1:]))


def test_the_command_is_ffnn_trains():
    settings = Settings(
        dataset="circles", samples=300, noise=0.05, train_ratio=0.7, seed=9,
        hidden=(6, 2), activation="relu", init="he_normal", dropout=0.1,
        optimizer="adam", learning_rate=0.002, batch_size=16, l2=0.01,
    )  # fmt: skip
    command = command_line(settings, 250)
    assert command.startswith("# the nearest ffnn train run")
    config = parsed(command)
    assert config.dataset == "circles" and config.samples == 300
    assert config.noise == 0.05 and config.test_fraction == pytest.approx(0.3)
    assert config.seed == 9 and config.hidden == (6, 2)
    assert (config.activation, config.init) == ("relu", "he_normal")
    assert config.dropout == 0.1
    assert (config.optimizer, config.learning_rate) == ("adam", 0.002)
    assert config.batch_size == 16 and config.reduction == "mean"
    assert config.l2 == 0.01 and config.epochs == 250


def test_full_batch_and_no_epochs_yet():
    config = parsed(command_line(Settings(batch_size=0), 0))
    assert config.batch_size is None and config.epochs == 1


def test_comments_say_how_the_command_differs():
    command = command_line(Settings(dataset="spiral", features=("x1", "x1^2")), 5)
    comments = [line for line in command.splitlines() if line.startswith("#")]
    assert len(comments) == 3
    assert "x1, x1^2" in comments[1] and "3 arms" in comments[2]


@pytest.mark.parametrize("dataset", ["blobs", "regression", "upload"])
def test_no_command_for_the_playgrounds_own_data(dataset):
    command = command_line(Settings(dataset=dataset), 10)
    assert command.startswith("# ffnn train has no ") and "\n" not in command


def run_snippet(snippet: str) -> dict:
    namespace: dict = {}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "settings",
    [
        Settings(optimizer="rmsprop", learning_rate=0.01, dropout=0.2, seed=3),
        Settings(dataset="blobs", classes=5, batch_size=0, features=("x1", "sin(x2)")),
        Settings(dataset="regression", optimizer="adam", l2=0.5, hidden=(3,)),
    ],
    ids=["moons", "blobs", "regression"],
)
def test_the_python_snippet_reproduces_the_session(settings, capsys):
    session = Session(settings)
    for _ in range(6):
        session.train_epoch()
    namespace = run_snippet(python_snippet(settings, 6, session.data.classes))
    assert np.array_equal(namespace["net"].flat_parameters, session.net.flat_parameters)
    assert namespace["history"].loss == session.history.loss


def test_the_python_snippet_of_an_upload(tmp_path, monkeypatch, capsys):
    text = "x1,x2,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40))
    (tmp_path / "data.csv").write_text(text)
    monkeypatch.chdir(tmp_path)
    session = Session()
    session.upload(text)
    session.train_epoch()
    snippet = python_snippet(session.settings, 1, session.data.classes)
    namespace = run_snippet(snippet)
    assert np.array_equal(namespace["net"].flat_parameters, session.net.flat_parameters)
