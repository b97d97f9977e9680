"""``ffnn train`` stopped and continued: checkpoints, ``--resume`` (bit for bit
the run never stopped), Ctrl-C (the model so far saved) and SIGKILL at any
moment (every file left loads, and a folder never mixes two runs)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import ffnn
from ffnn.checkpoints import load_checkpoint
from ffnn.cli import main

#: a run with Adam, a schedule, dropout and shuffled mini-batches
RUN = [
    "train", "--dataset", "spiral", "--hidden", "16", "--optimizer", "adam",
    "--lr", "0.01", "--schedule", "step", "--decay", "0.5", "--decay-every", "4",
    "--batch-size", "32", "--reduction", "mean", "--dropout", "0.1", "--quiet",
]  # fmt: skip


def _history(folder):
    return json.loads((folder / "metrics.json").read_text())["history"]


def test_resume_from_the_cli_is_the_run_never_stopped(tmp_path, capsys):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main([*RUN, "--epochs", "12", "--out", str(whole)]) == 0
    assert (
        main([*RUN, "--epochs", "7", "--checkpoint-every", "3", "--out", str(parts)])
        == 0
    )
    assert load_checkpoint(parts / "checkpoint.npz").epoch == 6
    # the checkpoint's configuration, 12 epochs in all, into its own folder
    resume = ["train", "--resume", str(parts / "checkpoint.npz"), "--epochs", "12"]
    assert main([*resume, "--quiet"]) == 0
    assert "resuming after epoch 6" in capsys.readouterr().out
    a, b = ffnn.load(whole / "model.npz"), ffnn.load(parts / "model.npz")
    assert np.array_equal(a.flat_parameters, b.flat_parameters)
    assert _history(whole)["loss"] == _history(parts)["loss"]
    config = json.loads((parts / "metrics.json").read_text())["config"]
    assert config["epochs"] == 12 and config["dropout"] == 0.1


def test_bad_checkpoint_options_are_refused_in_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        main([*RUN, "--epochs", "2", "--checkpoint-every", "1", "--out", str(run)]) == 0
    )
    capsys.readouterr()
    cases = [
        ([*RUN, "--checkpoint-every", "0"], "--checkpoint-every"),
        (["train", "--resume", str(tmp_path / "missing.npz")], "missing.npz"),
        (["train", "--resume", str(run / "model.npz")], "without a training state"),
        (
            ["train", "--resume", str(run / "checkpoint.npz"), "--batch-size", "8"],
            "batch_size",
        ),
    ]
    for arguments, named in cases:
        try:
            status = main([*arguments, "--out", str(tmp_path / "other")])
        except SystemExit as exit:  # argparse's own usage errors
            status = exit.code
        assert status == 2
        error = capsys.readouterr().err.strip()
        assert "\n" not in error and named in error


def test_a_new_run_with_checkpoints_leaves_no_file_of_the_older_run(tmp_path):
    out = tmp_path / "run"
    assert (
        main([*RUN, "--epochs", "3", "--checkpoint-every", "1", "--out", str(out)]) == 0
    )
    # a run without checkpoints into the same folder removes the older checkpoint
    assert main(["train", "--epochs", "5", "--quiet", "--out", str(out)]) == 0
    assert not (out / "checkpoint.npz").exists()
    assert json.loads((out / "metrics.json").read_text())["config"]["epochs"] == 5


def _command(out, seed, epochs):
    return [
        sys.executable, "-m", "ffnn.cli", *RUN, "--epochs", str(epochs),
        "--seed", str(seed), "--checkpoint-every", "1", "--out", str(out),
    ]  # fmt: skip


def test_ctrl_c_saves_the_model_so_far(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        _command(out, seed=1, epochs=100000), stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    running = out / "checkpoint.running.npz"  # training has begun
    while not running.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 130, stdout
    assert "interrupted after epoch" in stdout
    history = _history(out)
    assert history["interrupted"] and history["loss"]
    model = ffnn.load(out / "model.npz")
    assert model.predict(np.zeros((2, 2))).shape == (2,)


def _check_folder(out):
    """Every file left loads (and the models predict) or is absent, and the
    published files are of one run: the seed in metrics.json and in the
    published checkpoint agree, and the model is the one metrics.json measured.
    A killed run's own checkpoint (``checkpoint.running.npz``) loads too.
    Returns which phases the folder shows: 'training' (a running checkpoint)
    and 'published' (a complete run)."""
    phases = set()
    running = out / "checkpoint.running.npz"
    if running.exists():
        load_checkpoint(running).network.predict(np.zeros((1, 2)))
        phases.add("training")
    seeds = set()
    if (out / "checkpoint.npz").exists():
        checkpoint = load_checkpoint(out / "checkpoint.npz")
        checkpoint.network.predict(np.zeros((1, 2)))
        seeds.add(checkpoint.metadata["config"]["seed"])
    if (out / "metrics.json").exists():
        metrics = json.loads((out / "metrics.json").read_text())
        seeds.add(metrics["config"]["seed"])
        if (out / "model.npz").exists():
            model = ffnn.load(out / "model.npz")
            X, y = ffnn.datasets.make_spiral(200, seed=metrics["config"]["seed"])
            assert model.accuracy(X, y) == pytest.approx(metrics["train_accuracy"])
            phases.add("published")
    elif (out / "model.npz").exists():
        ffnn.load(out / "model.npz").predict(np.zeros((1, 2)))
        assert (out / ".incomplete").exists()  # only mid-publish, marked
    assert len(seeds) <= 1, f"files of runs {seeds} in one folder"
    return phases


def _started_training(path, since, deadline):
    """Wait until the run started after ``since`` writes its first checkpoint."""
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_mtime >= since:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_files_that_load_and_one_run(tmp_path):
    """Kill ``ffnn train`` (checkpointing every epoch) at random moments, into
    one folder, run after run with other seeds: every other kill falls while it
    trains (its checkpoints beside the older run), the others while it ends
    (training, drawing and publishing its files)."""
    out = tmp_path / "run"
    running = out / "checkpoint.running.npz"
    rng = np.random.default_rng(0)
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(_command(out, seed=100, epochs=30), env=environment)
    begun = time.time()
    assert _started_training(running, begun - 1, time.monotonic() + 60)
    first_checkpoint = time.monotonic()
    assert process.wait(timeout=60) == 0
    rest = time.monotonic() - first_checkpoint  # training and writing
    assert _check_folder(out) == {"published"}
    seen = set()
    for attempt in range(6):
        since = time.time()
        process = subprocess.Popen(
            _command(out, seed=attempt, epochs=30),
            env=environment,
            stdout=subprocess.DEVNULL,
        )
        assert _started_training(running, since, time.monotonic() + 60)
        window = (0.0, 0.4) if attempt % 2 == 0 else (0.5, 1.3)
        time.sleep(rng.uniform(*window) * rest)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        seen |= _check_folder(out)
    assert seen == {"training", "published"}  # both phases were hit


def test_a_resumed_run_keeps_the_checkpoint_it_resumed_from(tmp_path):
    out = tmp_path / "run"
    assert (
        main([*RUN, "--epochs", "4", "--checkpoint-every", "2", "--out", str(out)]) == 0
    )
    resume = ["train", "--resume", str(out / "checkpoint.npz"), "--epochs", "6"]
    assert main([*resume, "--quiet"]) == 0  # no --checkpoint-every this time
    assert load_checkpoint(out / "checkpoint.npz").epoch == 4  # still resumable
    assert not (out / "checkpoint.running.npz").exists()


def test_a_checkpointing_run_that_fails_leaves_the_older_run_whole(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "5", "--quiet", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    diverging = ["train", "--lr", "100", "--epochs", "300", "--quiet"]
    assert main([*diverging, "--checkpoint-every", "1", "--out", str(out)]) == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert {name: after[name] for name in before} == before  # the older run, whole
    assert set(after) - set(before) <= {"checkpoint.running.npz"}
