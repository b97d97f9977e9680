"""Fixtures of the CLI tests: one trained run to read and predict with."""

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
