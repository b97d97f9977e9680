"""End-to-end tests of the playground: the page (``static/``) driven in a real
headless Chromium through Playwright, against a real server (uvicorn serving
:func:`ffnn.playground.server.create_app` on a free loopback port).

They load the page, press play and watch the loss fall and the decision
boundary change, change the data set and the hidden layers, apply a preset,
and export a model that :func:`ffnn.load` reads. Each test saves screenshots
into a folder under pytest's temporary directory, and also into
``test-artifacts/playground/`` at the repository's root when ``CI`` is set.

The browser is Debian's ``chromium`` (Playwright's own browser download is not
used). Where it or Playwright is missing the tests skip, saying how to enable
them; under ``CI=true`` they fail instead, so that CI never passes without
them.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ffnn

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ENABLE = (
    "the browser tests need Debian's chromium at /usr/bin/chromium and Playwright's "
    "Python package: apt-get install chromium; pip install playwright "
    '(or pip install -e ".[dev]")'
)
REPO = Path(__file__).resolve().parents[2]
#: where screenshots are copied when CI is set
CI_ARTEFACTS = REPO / "test-artifacts" / "playground"
#: how long the page may take to show what a test waits for (ms)
WAIT_MS = 10_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_browser(reason: str) -> None:
    """Skip, or under CI fail, naming what is missing and how to enable it."""
    message = f"{reason}; {ENABLE}"
    if in_ci():
        pytest.fail(f"CI is set, so the browser tests must run: {message}")
    pytest.skip(message)


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """A real playground server on a free loopback port, in a thread."""
    uvicorn = pytest.importorskip("uvicorn")
    from ffnn.cli.playground import listen, make_server
    from ffnn.playground.server import create_app

    listener = listen("127.0.0.1", 0)
    port = listener.getsockname()[1]
    server = make_server(uvicorn, create_app())
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            listener.close()
            pytest.fail("the playground server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), or a skip (a failure under CI) saying how
    to get it."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        missing_browser(f"Playwright does not import ({error})")
    if not CHROMIUM.is_file():
        missing_browser(f"{CHROMIUM} is missing")
    with sync_playwright() as playwright:
        try:
            # no sandbox: CI runs as root, where Chromium's sandbox refuses to start
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
        except Error as error:
            missing_browser(f"Chromium did not start ({str(error).splitlines()[0]})")
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    """The folder of this module's screenshots (under pytest's tmp dir)."""
    return tmp_path_factory.mktemp("playground-screenshots")


@pytest.fixture
def page(browser, server_url) -> Iterator[Any]:
    """A fresh tab (its own session on the server) with the page loaded and
    drawn; fails the test on any JavaScript error or console error."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    page.goto(server_url)
    page.wait_for_selector('body[data-ready="true"]')
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot(page, artefacts) -> Any:
    """``screenshot(name)``: save the page as ``name.png`` among the artefacts
    (and in test-artifacts/playground/ when CI is set); returns its path."""

    def take(name: str) -> Path:
        path = artefacts / f"{name}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 0
        if in_ci():
            CI_ARTEFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, CI_ARTEFACTS / path.name)
        return path

    return take


# ------------------------------------------------------------------- helpers
def server_settings(page) -> dict[str, Any]:
    """The settings of the last state the page received from the server."""
    return page.evaluate("window.ffnnPlayground.lastState.settings")


def wait_for_settings(page, **expected: Any) -> None:
    """Wait until the server's state carries ``expected`` settings."""
    page.wait_for_function(
        """(expected) => {
            const s = window.ffnnPlayground.lastState;
            const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
            return s !== null && Object.entries(expected).every(
                ([key, value]) => same(s.settings[key], value));
        }""",
        arg=expected,
    )


def output_image(page) -> str:
    return page.evaluate("document.getElementById('output').toDataURL()")


def pause(page) -> None:
    """Press pause and wait for the server's state that says so."""
    page.click("#pause")
    page.wait_for_function("window.ffnnPlayground.lastState.playing === false")
    page.wait_for_selector('#play[aria-pressed="false"]')


def assert_no_error_banner(page) -> None:
    assert page.is_hidden("#error"), page.text_content("#error-text")


# --------------------------------------------------------------------- tests
def test_play_the_loss_falls_and_the_boundary_changes(page, screenshot):
    assert page.text_content("#epoch") == "0"
    start_loss = float(page.text_content("#train-loss"))
    start_image = output_image(page)
    assert "?dataset=moons" in page.url  # the settings live in the URL

    page.click("#play")
    page.wait_for_selector('#play[aria-pressed="true"]')
    # the loss shown falls well below where it started, epochs go by
    page.wait_for_function(
        "(start) => Number(document.getElementById('train-loss').textContent)"
        " < 0.8 * start && Number(document.getElementById('epoch').textContent) >= 5",
        arg=start_loss,
    )
    # the boundary is redrawn from the new weights
    page.wait_for_function(
        "(start) => document.getElementById('output').toDataURL() !== start",
        arg=start_image,
    )
    screenshot("play")
    pause(page)

    state = page.evaluate("window.ffnnPlayground.lastState")
    assert state["epoch"] >= 5
    assert state["train_loss"] < 0.8 * start_loss
    assert page.text_content("#epoch") == str(state["epoch"])
    history = state["loss_history"]
    assert history["epochs"] == list(range(1, state["epoch"] + 1))
    assert page.get_attribute("#loss-chart", "data-points") == str(state["epoch"])
    assert output_image(page) != start_image
    # the heat map of every hidden neuron is drawn, one canvas each
    assert page.locator("canvas.neuron").count() == 8
    assert_no_error_banner(page)


def test_change_the_dataset_and_the_hidden_layers(page, screenshot):
    moons = page.evaluate("window.ffnnPlayground.lastData.train")

    page.select_option("#dataset", "circles")
    wait_for_settings(page, dataset="circles")
    page.wait_for_function(
        "(moons) => JSON.stringify(window.ffnnPlayground.lastData.train)"
        " !== JSON.stringify(moons)",
        arg=moons,
    )
    assert "dataset=circles" in page.url
    assert "--dataset circles" in page.text_content("#command")

    page.click("#hidden-add")
    wait_for_settings(page, hidden=[4, 4, 4])
    assert page.text_content("#hidden-count") == "3 hidden layers"
    page.click("#layer-1-plus")
    wait_for_settings(page, hidden=[5, 4, 4])
    page.wait_for_function(
        "() => window.ffnnPlayground.lastState.neurons.map((l) => l.length)"
        ".join() === '5,4,4'"
    )
    for layer, width in ((1, 5), (2, 4), (3, 4)):
        neurons = page.locator(f'canvas.neuron[data-layer="{layer}"]')
        assert neurons.count() == width
    assert "hidden=5%2C4%2C4" in page.url
    assert "--hidden 5,4,4" in page.text_content("#command")
    # every neuron's map is painted (opaque pixels from the server's heat map)
    painted = page.evaluate(
        """() => [...document.querySelectorAll('canvas.neuron')].map((c) =>
            c.getContext('2d').getImageData(32, 32, 1, 1).data[3])"""
    )
    assert painted == [255] * 13

    # three gaussian blobs: three classes, three output units
    page.select_option("#dataset", "blobs")
    wait_for_settings(page, dataset="blobs")
    page.select_option("#classes", "3")
    wait_for_settings(page, dataset="blobs", classes=3)
    page.wait_for_function("window.ffnnPlayground.lastData.classes === 3")
    page.wait_for_function("document.querySelectorAll('.output-node').length === 3")
    page.click("#step")
    page.wait_for_function("window.ffnnPlayground.lastState.epoch === 1")
    screenshot("blobs-5-4-4")
    assert_no_error_banner(page)

    # the link reopens the same experiment, in a tab (and session) of its own
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector('body[data-ready="true"]')
    assert server_settings(other) == server_settings(page)
    assert other.evaluate("window.ffnnPlayground.lastData") == page.evaluate(
        "window.ffnnPlayground.lastData"
    )
    assert other.evaluate("window.ffnnPlayground.lastState.epoch") == 0


def test_a_preset_sets_the_controls_and_replays_the_notes(page, screenshot):
    page.click("#preset-eta-too-large")
    wait_for_settings(page, dataset="moons", hidden=[10], learning_rate=3, batch_size=0)
    page.wait_for_function("window.ffnnPlayground.lastState.epoch === 0")
    assert page.input_value("#learning-rate") == "3"
    assert page.input_value("#batch-size") == "0"
    assert page.locator('canvas.neuron[data-layer="1"]').count() == 10
    assert "learning_rate=3" in page.url and "hidden=10" in page.url

    # η = 3 on the full batch overshoots: the loss rises again, marked as a spike
    page.click("#play")
    page.wait_for_function(
        "Number(document.getElementById('loss-chart').dataset.spikes) > 0"
    )
    pause(page)
    assert "spike" in page.text_content("#spike-count")
    screenshot("preset-eta-too-large")
    assert_no_error_banner(page)


def test_export_a_model_that_ffnn_loads(page, screenshot, tmp_path):
    for _ in range(3):
        page.click("#step")
    page.wait_for_function("window.ffnnPlayground.lastState.epoch === 3")
    with page.expect_download() as download_info:
        page.click("#export")
    download = download_info.value
    assert download.suggested_filename == "playground.npz"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    screenshot("export")

    net = ffnn.load(path)
    data = page.evaluate("window.ffnnPlayground.lastData")
    state = page.evaluate("window.ffnnPlayground.lastState")
    train = np.array(data["train"])
    X, y = train[:, :2], train[:, 2].astype(int)  # the features are x1, x2
    assert net.predict_proba(X).shape == (len(X), 2)
    # the exported network is the one the page shows: the same accuracy and
    # weights as the server's last state
    assert np.mean(net.predict(X) == y) == pytest.approx(state["train_score"])
    for layer, W, b in zip(
        net.dense_layers, state["weights"], state["biases"], strict=True
    ):
        np.testing.assert_allclose(layer.W, W, rtol=0, atol=0)
        np.testing.assert_allclose(layer.b, b, rtol=0, atol=0)
    assert_no_error_banner(page)
