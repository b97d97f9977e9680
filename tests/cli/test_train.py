"""``ffnn train``: its options, the configuration it prints, and the model, metrics and
figure files it writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rich.console import Console

import ffnn
from ffnn.cli import build_parser, main
from ffnn.cli.train import config_from_args, print_config, score_lines
from ffnn.config import SETTINGS
from ffnn.settings import Setting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_train_writes_the_four_files(run_dir):
    for name in ("model.npz", "metrics.json", "decision_boundary.png", "loss.png"):
        assert (run_dir / name).is_file(), name
    for name in ("decision_boundary.png", "loss.png"):
        assert (run_dir / name).read_bytes()[:8] == PNG_SIGNATURE


def test_metrics_json_describes_the_run(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["config"]["hidden"] == [5]
    assert metrics["config"]["epochs"] == 300
    sources = metrics["config_sources"]
    assert sources["hidden"] == sources["epochs"] == "given"
    assert sources["dataset"] == sources["learning_rate"] == "default"
    assert set(sources) == set(metrics["config"])
    assert len(metrics["history"]["loss"]) == 300
    assert 0.5 < metrics["train_accuracy"] <= 1.0
    assert 0.5 < metrics["test_accuracy"] <= 1.0
    assert metrics["n_parameters"] == 2 * 5 + 5 + 5 * 2 + 2


def test_model_file_loads_and_reproduces_the_metrics(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    net = ffnn.load(run_dir / "model.npz")
    X, y = ffnn.datasets.make_moons(200, noise=0.2, seed=0)
    assert net.accuracy(X, y) == pytest.approx(metrics["train_accuracy"])
    assert net.loss(X, y) == pytest.approx(metrics["train_loss"], rel=1e-12)


def test_bad_options_fail_with_a_message(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--activation", "softsign", "--out", str(tmp_path)])
    assert "softsign" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--hidden", "3,x", "--out", str(tmp_path)])
    assert "--hidden" in capsys.readouterr().err
    assert main(["train", "--lr", "-1", "--quiet", "--out", str(tmp_path)]) == 2
    assert "learning_rate" in capsys.readouterr().err


def test_divergence_is_reported_with_the_learning_rate(tmp_path, capsys):
    status = main(
        [
            "train",
            "--lr",
            "1e6",
            "--hidden",
            "10",
            "--epochs",
            "200",
            "--activation",
            "relu",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert "learning rate" in err and err.count("\n") == 1


def train_help(monkeypatch, capsys) -> str:
    """``ffnn train --help``, unwrapped (argparse wraps to $COLUMNS)."""
    monkeypatch.setenv("COLUMNS", "1000")
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_shows_every_setting_with_its_choices_and_default(monkeypatch, capsys):
    text = train_help(monkeypatch, capsys)
    for declared in SETTINGS.values():
        assert declared.flag in text, declared.name
        assert declared.describe() in text, declared.name
        if declared.choices is not None:
            assert "{" + ",".join(declared.choices) + "}" in text, declared.name
    assert "--lr" in text and "--out" in text and "--quiet" in text


def example_value(declared: Setting):
    """A valid value of ``declared`` other than its default."""
    if declared.choices is not None:
        return next(c for c in declared.choices if c != declared.default)
    if declared.kind is bool:
        return not declared.default
    if declared.kind is int:
        return (declared.default or 40) + 1
    if declared.kind is float:
        return 0.25 if declared.default != 0.25 else 0.5
    return (4, 2)  # hidden layer sizes


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_is_an_option_that_reaches_the_config(name):
    declared = SETTINGS[name]
    value = example_value(declared)
    argv = (
        [declared.flag]
        if declared.kind is bool
        else [declared.flag, declared.show(value)]
    )
    args = build_parser().parse_args(["train", *argv])
    config = config_from_args(args)
    assert getattr(config, name) == value
    assert config.sources()[name] == "given"
    others = {k: s for k, s in config.sources().items() if k != name}
    assert set(others.values()) == {"default"}


def test_only_the_options_given_override_the_preset():
    args = build_parser().parse_args(
        [
            "train",
            "--dataset",
            "mnist",
            "--activation",
            "sigmoid",
            "--batch-size",
            "full",
        ]
    )
    config = config_from_args(args)
    assert (config.activation, config.batch_size) == ("sigmoid", None)
    assert (config.init, config.optimizer, config.dtype) == (
        "he_normal",
        "adam",
        "float32",
    )
    sources = config.sources()
    assert sources["batch_size"] == sources["activation"] == "given"
    assert sources["init"] == sources["dtype"] == "preset"


def test_the_run_starts_by_saying_where_each_value_came_from():
    args = build_parser().parse_args(
        ["train", "--dataset", "mnist", "--activation", "sigmoid", "--optimizer", "sgd"]
    )
    config = config_from_args(args)
    console = Console(record=True, width=200, highlight=False)
    print_config(config, console)
    lines = {line.split("  ")[0]: line for line in console.export_text().splitlines()}
    assert "activation=sigmoid (preset relu)" in lines["given"]
    assert "optimizer=sgd (preset adam)" in lines["given"]
    for kept in ("init=he_normal", "decay=0.75", "batch_size=64", "schedule="):
        assert kept in lines["mnist preset"], kept
    assert "learning_rate=0.01 (preset 0.002)" in lines["defaults"]
    assert "seed=0" in lines["defaults"]

    brief = Console(record=True, width=200, highlight=False)
    print_config(config, brief, brief=True)
    text = brief.export_text()
    assert "mnist preset" in text and "given" in text and "defaults" not in text


@pytest.mark.parametrize("dataset", ["circles", "xor", "spiral"])
def test_other_datasets_and_options_train(dataset, tmp_path):
    status = main(
        [
            "train",
            "--dataset",
            dataset,
            "--hidden",
            "8,8",
            "--epochs",
            "30",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--batch-size",
            "32",
            "--reduction",
            "mean",
            "--dropout",
            "0.1",
            "--test-fraction",
            "0.25",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == dataset
    assert metrics["n_test"] > 0


@pytest.mark.slow
def test_console_script_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ffnn.cli",
            "train",
            "--epochs",
            "5",
            "--quiet",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout


@pytest.mark.parametrize("engine", ["layers", "fast"])
def test_the_engine_option_chooses_and_the_run_says_which_ran(engine, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--epochs", "5", "--engine", engine, "--quiet", "--out", str(out)]
    assert main(args) == 0
    assert f"trained by the {engine} engine" in capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["engine"] == metrics["history"]["engine"] == engine


def test_a_regression_run_reports_r2_and_draws_fitted_against_true(regression_run):
    out, printed = regression_run
    text = " ".join(printed.split())
    assert "friedman1 preset" in text and "epochs=20 (preset 300)" in text
    assert "trained by the fast engine" in text
    assert "train R² " in text and "test R² " in text and "accuracy" not in text
    assert "→ identity" in text
    for name in ("model.npz", "metrics.json", "loss.png", "fitted_vs_true.png"):
        assert (out / name).is_file(), name
    assert (out / "fitted_vs_true.png").read_bytes()[:8] == PNG_SIGNATURE
    assert not (out / "decision_boundary.png").exists()


def test_a_regression_runs_metrics_are_its_models_r2(regression_run):
    out, _ = regression_run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == "friedman1"
    assert metrics["config"]["samples"] == 1000 and metrics["n_test"] == 1000
    assert "test_accuracy" not in metrics and len(metrics["history"]["val_r2"]) == 20
    net = ffnn.load(out / "model.npz")
    X_test, y_test = ffnn.datasets.make_friedman1(1000, seed=1)  # seed + 1
    assert net.output == "identity"
    assert net.r2(X_test, y_test) == pytest.approx(metrics["test_r2"], rel=1e-12)
    assert net.loss(X_test, y_test) == pytest.approx(metrics["test_loss"], rel=1e-12)
    assert 0.3 < metrics["test_r2"] < 1.0  # 20 epochs learn most of the function


def test_score_lines_say_accuracy_for_a_classifier_and_r2_for_a_regressor():
    sizes = {"n_train": 10, "test_set": "fresh"}
    classifier = score_lines(
        {**sizes, "train_loss": 0.1, "train_accuracy": 0.9, "test_loss": 0.2,
         "test_accuracy": 0.85}
    )  # fmt: skip
    assert classifier == [
        "train accuracy 90.00%  (loss 0.1000, 10 samples)",
        "test accuracy  85.00%  (loss 0.2000, fresh)",
    ]
    regressor = score_lines(
        {**sizes, "train_loss": 0.5, "train_r2": 0.95, "test_loss": 0.8,
         "test_r2": 0.925}
    )  # fmt: skip
    assert regressor == [
        "train R² 0.9500  (loss 0.5000, 10 samples)",
        "test R²  0.9250  (loss 0.8000, fresh)",
    ]
