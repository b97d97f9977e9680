"""``ffnn experiment``: listing and running studies, user TOML files, checked
overrides."""

from __future__ import annotations

import csv
import json

import pytest

from ffnn.cli import main


def test_experiment_lists_and_runs_a_study(tmp_path, capsys):
    assert main(["experiment", "list"]) == 0
    assert "learning-rate" in capsys.readouterr().out.split()
    out = tmp_path / "lr"
    assert (
        main(
            [
                "experiment",
                "learning-rate",
                "--epochs",
                "50",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["learning_rates"]) == 3
    assert (out / "report.html").is_file()
    rows = (out / "epochs.csv").read_text().strip().splitlines()
    with (out / "runs.csv").open() as file:
        epochs_run = [int(row["epochs_run"]) for row in csv.DictReader(file)]
    assert len(epochs_run) == 3 and max(epochs_run) == 50
    assert len(rows) == 1 + sum(epochs_run)  # a diverged run stops early


@pytest.mark.slow
def test_experiment_run_takes_a_user_toml(tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text(
        '[experiment]\nname = "mine"\nrepeats = 2\n\n[base]\nepochs = 20\n'
        'hidden = [4]\n\n[grid]\nactivation = ["tanh", "relu"]\n'
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "experiment",
                "run",
                str(config),
                "--n-jobs",
                "2",
                "--quiet",
                "--set",
                "samples=80",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert [p["params"]["activation"] for p in summary["points"]] == ["tanh", "relu"]
    assert all(p["runs"] == 2 for p in summary["points"])
    assert (out / "loss_curves.png").is_file() and (out / "report.html").is_file()


def test_experiment_overrides_are_checked(tmp_path, capsys):
    status = main(
        [
            "experiment",
            "learning-rate",
            "--set",
            "hiden=[3]",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 2
    assert "hiden" in capsys.readouterr().err
    status = main(
        [
            "experiment",
            "learning-rate",
            "--set",
            "study.colour=1",
            "--quiet",
            "--out",
            str(tmp_path),
        ]
    )
    assert status == 2
    assert "study.colour" in capsys.readouterr().err
    assert main(["experiment", "run", "--quiet", "--out", str(tmp_path)]) == 2
