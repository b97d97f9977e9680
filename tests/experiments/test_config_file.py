"""Experiment TOML files: parsed, checked before any run, errors name the key."""

from __future__ import annotations

import pytest

from ffnn.experiments import load_experiment_file, parse_experiment
from ffnn.experiments.config_file import builtin_config_path
from ffnn.experiments.studies import STUDIES

GOOD = """
[experiment]
name = "mine"
repeats = 2
seed = 3

[base]
hidden = [5]
epochs = 10

[grid]
learning_rate = [0.01, 0.1]
"""


def test_a_file_becomes_an_experiment(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    parsed = load_experiment_file(path)
    experiment = parsed.experiment
    assert parsed.study is None
    assert experiment.name == "mine" and experiment.repeats == 2
    assert experiment.grid == {"learning_rate": [0.01, 0.1]}
    assert len(experiment.specs()) == 4


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_every_builtin_study_ships_a_valid_file(name):
    parsed = load_experiment_file(builtin_config_path(name))
    assert parsed.study == name
    assert parsed.experiment.specs()


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (GOOD.replace("hidden = [5]", "hiden = [5]"), ValueError, r"base\.hiden"),
        (GOOD.replace("epochs = 10", 'epochs = "ten"'), TypeError, r"base\.epochs"),
        (GOOD.replace("[0.01, 0.1]", "[]"), ValueError, r"grid\.learning_rate: empty"),
        (GOOD.replace("learning_rate = [0.01, 0.1]", ""), ValueError, "grid: empty"),
        (
            GOOD.replace("repeats = 2", "repeats = 2.5"),
            TypeError,
            r"experiment\.repeats",
        ),
        (GOOD.replace("repeats = 2", "colour = 2"), ValueError, r"experiment\.colour"),
        (
            GOOD.replace('name = "mine"', 'name = "mine"\nstudy = "nope"'),
            ValueError,
            r"experiment\.study",
        ),
        (GOOD + "\n[extras]\nx = 1\n", ValueError, r"\[extras\]"),
        (GOOD.replace('name = "mine"\n', ""), ValueError, r"experiment\.name"),
        (GOOD.replace("[0.01, 0.1]", "[0.01, -0.1]"), ValueError, "learning_rate"),
    ],
)
def test_bad_files_fail_naming_the_key(tmp_path, text, error, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(error, match=message):
        load_experiment_file(path)


def test_invalid_toml_and_missing_files_are_reported(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[experiment\nname=")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_experiment_file(path)
    with pytest.raises(FileNotFoundError, match="no experiment file"):
        load_experiment_file(tmp_path / "absent.toml")


def test_documents_parse_without_files():
    parsed = parse_experiment({"experiment": {"name": "d"}, "base": {"epochs": 3}})
    assert parsed.experiment.grid == {}
    assert len(parsed.experiment.specs()) == 1
