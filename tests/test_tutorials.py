"""The tutorials in docs/tutorials: page 2's printed numbers are the ones its code
computes and agree with the notes (its ``exec="on"`` Python blocks run in order
in one namespace, as markdown-exec runs them at build time with one ``session``
per page).

Every page runs in full where ``.ci/run`` builds the site: ``make docs`` is
``mkdocs build --strict``, and a block that raises is a warning of markdown-exec,
which fails the strict build. ``FFNN_RUN_TUTORIALS=1`` runs them here too."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"
PAGES = sorted(TUTORIALS.glob("*.md"))
BLOCK = re.compile(r"^```python[^\n]*\bexec=\"on\"[^\n]*\n(.*?)^```", re.S | re.M)


def run_page(page: Path) -> tuple[dict, str]:
    """Execute a page's blocks in one namespace; returns it and all printed text."""
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    assert blocks, f"{page.name} has no exec blocks"
    namespace: dict = {"__name__": f"tutorial_{page.stem}"}
    output = io.StringIO()
    for index, block in enumerate(blocks):
        code = compile(block, f"{page.name}[block {index}]", "exec")
        with contextlib.redirect_stdout(output):
            exec(code, namespace)
    return namespace, output.getvalue()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FFNN_TUTORIAL_MNIST_SAMPLES", "5000")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


def test_there_are_five_tutorials():
    assert len(PAGES) == 5, [page.name for page in PAGES]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("FFNN_RUN_TUTORIALS") != "1",
    reason="the strict docs build (make docs, run by .ci/run) runs every page; "
    "set FFNN_RUN_TUTORIALS=1 to run them here",
)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_tutorial_runs(page, in_tmp):
    run_page(page)


@pytest.mark.slow
@pytest.mark.numerics  # ends in the chaotic spike regime: a band, rerun by .ci/run
def test_moons_tutorial_prints_its_numbers_and_they_match_the_notes(in_tmp):
    namespace, output = run_page(TUTORIALS / "02-training-on-moons.md")
    accuracy = re.search(r"^train accuracy: (\S+)$", output, re.M)
    loss = re.search(r"^final loss: (\S+)$", output, re.M)
    assert accuracy and loss, output[:500]
    # what the page prints is what its code computes
    assert accuracy.group(1) == f"{namespace['train_accuracy']:.1%}"
    assert loss.group(1) == f"{namespace['final_loss']:.4f}"
    net, X, y = namespace["net"], namespace["X"], namespace["y"]
    assert namespace["train_accuracy"] == net.accuracy(X, y)
    assert namespace["final_loss"] == net.loss(X, y)
    # the notes' 3-unit network classifies about 97 % of its training points; the
    # run ends in its loss-spike regime, so a band rather than an exact value
    assert 0.95 <= namespace["train_accuracy"] <= 0.99
    assert 0.03 <= namespace["final_loss"] <= 0.12
    assert namespace["history"].loss_increases(0.05)  # the notes' spikes are there
