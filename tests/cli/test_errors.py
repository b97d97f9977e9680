"""How every ``ffnn`` command reports an error: one line on stderr, no traceback,
exit status 2 for bad input (refused before any training) and 1 for a failed
run."""

from __future__ import annotations

import errno
import os
from types import SimpleNamespace

import pytest

from ffnn.cli import main
from ffnn.cli.errors import DEBUG_VARIABLE, describe, one_line
from ffnn.datasets.mnist import DownloadError
from tests.support.full_disk import full_disk


def ffnn_command(capsys, *argv) -> tuple[int, str]:
    """Run ``ffnn *argv``: its exit status and what it wrote to stderr."""
    try:
        status = main([str(arg) for arg in argv])
    except SystemExit as exit:  # argparse's usage errors
        status = exit.code
    return status, capsys.readouterr().err


def assert_one_line(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.fixture
def files(tmp_path, run_dir, monkeypatch):
    """Inputs good and bad: a trained model, a file where a folder should be,
    malformed CSV, model and TOML files; the working folder is ``tmp_path``
    (where a default --out would go)."""
    monkeypatch.chdir(tmp_path)
    f = SimpleNamespace(model=run_dir / "model.npz", tmp=tmp_path)
    f.afile = tmp_path / "afile"
    f.afile.write_text("not a folder")
    f.junk_model = tmp_path / "junk.npz"
    f.junk_model.write_bytes(b"not a zip archive")
    csvs = {
        "good": "x1,x2\n0.1,0.2\n",
        "bad_first": "0.1,0.2x\n0.3,0.4\n",
        "bad_later": "0.1,0.2\n\n0.3,abc\n",
        "wide": "1,2,3\n",
        "nan": "1,2\n3,nan\n",
        "header_only": "x1,x2\n",
    }
    for name, text in csvs.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        setattr(f, f"{name}_csv", path)
    f.latin1_csv = tmp_path / "latin1.csv"
    f.latin1_csv.write_bytes("é1,2\n".encode("latin-1"))
    f.bad_toml = tmp_path / "bad.toml"
    f.bad_toml.write_text("[experiment\nname = 1\n")
    f.unknown_key_toml = tmp_path / "key.toml"
    f.unknown_key_toml.write_text('[experiment]\nname = "k"\n[base]\nhiden = [3]\n')
    return f


@pytest.fixture
def no_work(monkeypatch):
    """Bad input must be refused before any training or study starts."""

    def refuse(*args, **kwargs):
        raise AssertionError("a run started on bad input")

    monkeypatch.setattr("ffnn.training_run.run_config", refuse)
    monkeypatch.setattr("ffnn.cli.experiment.run_study", refuse)


BAD_INPUT = {
    # ffnn train: option values, and an --out it cannot write
    "unknown activation": (
        lambda f: ["train", "--activation", "softsign"],
        "invalid choice: 'softsign'",
    ),
    "hidden not integers": (lambda f: ["train", "--hidden", "3,x"], "--hidden"),
    "negative learning rate": (lambda f: ["train", "--lr", "-1"], "learning_rate"),
    "zero epochs": (lambda f: ["train", "--epochs", "0"], "epochs must be >= 1"),
    "decay 1e6": (lambda f: ["train", "--decay", "1e6"], "decay must be in (0, 1]"),
    "power_t 1e6": (
        lambda f: ["train", "--power-t", "1e6"],
        "power_t must be in [0, 10]",
    ),
    "--out names a file": (
        lambda f: ["train", "--out", f.afile],
        "afile is a file, not a folder",
    ),
    "--out under a file": (
        lambda f: ["train", "--out", f.afile / "run"],
        "afile is a file, not a folder",
    ),
    "no command": (lambda f: [], "required: COMMAND"),
    # ffnn predict: model and input files
    "missing model": (
        lambda f: ["predict", f.tmp / "none.npz", f.good_csv],
        "no model file",
    ),
    "junk model": (
        lambda f: ["predict", f.junk_model, f.good_csv],
        "not a valid ffnn model file",
    ),
    "missing input": (
        lambda f: ["predict", f.model, f.tmp / "none.csv"],
        "no input file",
    ),
    "malformed first row": (
        lambda f: ["predict", f.model, f.bad_first_csv],
        "line 1: '0.2x' is not a number",
    ),
    "malformed later row": (
        lambda f: ["predict", f.model, f.bad_later_csv],
        "line 3: 'abc' is not a number",
    ),
    "row too wide": (
        lambda f: ["predict", f.model, f.wide_csv],
        "line 1 has 3 values, the model expects 2",
    ),
    "NaN in a row": (lambda f: ["predict", f.model, f.nan_csv], "line 2 holds NaN"),
    "header only": (
        lambda f: ["predict", f.model, f.header_only_csv],
        "has no rows of numbers",
    ),
    "not UTF-8": (
        lambda f: ["predict", f.model, f.latin1_csv],
        "is not a UTF-8 text file",
    ),
    "-o is a folder": (
        lambda f: ["predict", f.model, f.good_csv, "-o", f.tmp],
        "is a folder",
    ),
    "-o under a file": (
        lambda f: ["predict", f.model, f.good_csv, "-o", f.afile / "p.csv"],
        "afile is a file, not a folder",
    ),
    # ffnn experiment: files, options, folders
    "bad TOML": (
        lambda f: ["experiment", "run", f.bad_toml, "--out", f.tmp / "e"],
        "not valid TOML",
    ),
    "unknown TOML key": (
        lambda f: ["experiment", "run", f.unknown_key_toml, "--out", f.tmp / "e"],
        "hiden",
    ),
    "missing TOML": (
        lambda f: ["experiment", "run", f.tmp / "none.toml", "--out", f.tmp / "e"],
        "none.toml",
    ),
    "no TOML for run": (
        lambda f: ["experiment", "run", "--out", f.tmp / "e"],
        "needs a CONFIG.toml",
    ),
    "zero jobs": (
        lambda f: ["experiment", "depth", "--n-jobs", "0"],
        "0 processes",
    ),
    "experiment --out names a file": (
        lambda f: ["experiment", "depth", "--epochs", "2", "--out", f.afile],
        "afile is a file, not a folder",
    ),
    "unknown study": (lambda f: ["experiment", "widths"], "invalid choice"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_status_2(case, files, no_work, capsys):
    argv, fragment = BAD_INPUT[case]
    status, err = ffnn_command(capsys, *argv(files))
    assert status == 2, err
    assert_one_line(err, fragment)


# --------------------------------------------------------------- failed runs
def test_divergence_is_exit_status_1_in_one_line(tmp_path, capsys):
    argv = ["train", "--lr", "1e6", "--hidden", "10", "--epochs", "50",
            "--activation", "relu", "--quiet", "--out", tmp_path / "run"]  # fmt: skip
    status, err = ffnn_command(capsys, *argv)
    assert status == 1
    assert_one_line(err, "diverged", "learning rate")
    assert not (tmp_path / "run" / "model.npz").exists()


def test_a_full_disk_is_exit_status_1_and_keeps_the_older_run(
    run_dir, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(os, "write", full_disk(room=200))  # the probe fits
    status, err = ffnn_command(
        capsys, "train", "--epochs", "3", "--quiet", "--out", out
    )
    monkeypatch.undo()
    assert status == 1
    assert_one_line(err, "No space left on device", f"{out} was left as it was")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_failed_write_of_predictions_keeps_the_older_file(
    run_dir, files, monkeypatch, capsys
):
    output = files.tmp / "p.csv"
    output.write_text("older predictions\n")
    monkeypatch.setattr(os, "write", full_disk(room=8))  # the probe fits
    args = ["predict", files.model, files.good_csv, "-o", output]
    status, err = ffnn_command(capsys, *args)
    monkeypatch.undo()
    assert status == 1
    assert_one_line(err, "No space left on device", str(output))
    assert output.read_text() == "older predictions\n"
    assert not list(files.tmp.glob(".p.csv*"))  # no temporary file left


def test_an_offline_download_is_exit_status_1_in_one_line(
    tmp_path, monkeypatch, capsys
):
    def offline(*args, **kwargs):
        raise DownloadError(
            "could not download train-images-idx3-ubyte.gz from any mirror:\n"
            "  https://a.example/: URLError: no network\n"
            "  https://b.example/: URLError: no network"
        )

    monkeypatch.setattr("ffnn.training_run.load_mnist", offline)
    args = ["train", "--dataset", "mnist", "--download", "--quiet"]
    status, err = ffnn_command(capsys, *args, "--out", tmp_path)
    assert status == 1
    assert_one_line(err, "any mirror: https://a.example/", "; https://b.example/")


def test_an_unreachable_scheduler_fails_fast_in_one_line(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr("ffnn.experiments.executors.CONNECT_TIMEOUT", 0.5)
    args = ["experiment", "depth", "--epochs", "2", "--quiet", "--out", tmp_path]
    status, err = ffnn_command(capsys, *args, "--scheduler", "tcp://127.0.0.1:1")
    assert status == 1
    assert_one_line(err, "cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert [p.name for p in tmp_path.iterdir()] == []  # nothing published


def test_an_unexpected_error_says_how_to_see_its_traceback(
    tmp_path, monkeypatch, capsys
):
    def broken(*args, **kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr("ffnn.training_run.run_config", broken)
    argv = ["train", "--quiet", "--out", str(tmp_path)]
    status, err = ffnn_command(capsys, *argv)
    assert status == 1
    assert_one_line(err, "unexpected RuntimeError: something; broke", DEBUG_VARIABLE)
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    with pytest.raises(RuntimeError, match="something"):
        main(argv)


def test_ctrl_c_outside_training_is_one_line_and_status_130(
    tmp_path, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("ffnn.training_run.run_config", interrupted)
    status, err = ffnn_command(capsys, "train", "--quiet", "--out", tmp_path)
    assert status == 130
    assert_one_line(err, "interrupted")


# ------------------------------------------------------------------ describe
@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValueError("bad value"), 2),
        (FileNotFoundError("no file"), 2),
        (PermissionError(errno.EACCES, "Permission denied"), 2),
        (OSError(errno.ENOSPC, "No space left on device"), 1),
        (ConnectionError("no scheduler"), 1),
        (DownloadError("offline"), 1),
        (MemoryError(), 1),
        (OverflowError("math range error"), 1),
    ],
)
def test_each_kind_of_error_gets_its_status(error, status):
    assert describe(error)[0] == status


def test_one_line_joins_a_messages_lines():
    assert one_line(ValueError("first:\n  a\n  b\n\nlast")) == "first: a; b; last"
    assert one_line(KeyboardInterrupt()) == "KeyboardInterrupt"
