"""Fixtures of the CLI tests: trained runs to read and predict with."""

import contextlib
import io

import pytest

from ffnn.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    status = main(
        ["train", "--epochs", "300", "--hidden", "5", "--quiet", "--out", str(out)]
    )
    assert status == 0
    return out


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    """``ffnn train --dataset friedman1`` (its preset) cut to 20 epochs: the run
    folder and what the command printed."""
    out = tmp_path_factory.mktemp("friedman1")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # Rich writes to sys.stdout
        status = main(
            ["train", "--dataset", "friedman1", "--epochs", "20", "--out", str(out)]
        )
    assert status == 0
    return out, printed.getvalue()
