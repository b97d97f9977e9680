"""A fast start: ``import ffnn`` and the ``ffnn`` command's help load none of
the slow libraries; scikit-learn, SciPy, matplotlib and Numba wait until a
feature needs them. Each check runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {"sklearn", "scipy", "matplotlib", "numba"}


def top_modules_after(code: str) -> set[str]:
    """The top-level packages loaded once ``code`` has run in a new process."""
    script = (
        code + "\nimport sys\nprint(' '.join(m.split('.')[0] for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


HELP = """
import contextlib, io
from ffnn.cli import main
for argv in (["--help"], ["train", "--help"], ["experiment", "--help"],
             ["predict", "--help"], ["playground", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main(argv)
        except SystemExit:
            pass
"""


@pytest.mark.parametrize(
    "code",
    [
        "import ffnn",
        "import ffnn.config, ffnn.training_run, ffnn.run_files, ffnn.plots, "
        "ffnn.experiments",
        "from ffnn.cli import build_parser; build_parser()",
        HELP,
    ],
    ids=["import ffnn", "library modules", "parser", "help"],
)
def test_nothing_slow_is_imported(code):
    assert top_modules_after(code) & HEAVY == set()


def test_import_ffnn_leaves_the_cli_libraries_out():
    assert "rich" not in top_modules_after("import ffnn")


#: the playground's web server's libraries, loaded by ffnn.playground.server only
SERVER = {"starlette", "uvicorn", "websockets", "anyio", "httpx"}


@pytest.mark.parametrize(
    "code",
    ["import ffnn", HELP, "import ffnn.playground.session, ffnn.playground.data"],
    ids=["import ffnn", "help", "playground session"],
)
def test_the_web_server_waits_for_the_playground(code):
    assert top_modules_after(code) & SERVER == set()


def test_the_playground_server_loads_it():
    assert {"starlette"} <= top_modules_after("import ffnn.playground.server")


def test_the_features_load_what_they_need():
    loaded = top_modules_after(
        "import ffnn, ffnn.plots\nffnn.datasets.make_moons(20)\n"
        "net = ffnn.Network.mlp([2, 3, 2])\nffnn.plots.plot_loss_curves([1.0, 0.5])"
    )
    assert {"sklearn", "matplotlib"} <= loaded
