"""Tests of ffnn.playground.server through Starlette's TestClient: the page and
its files, malformed and out-of-range messages answered with errors while the
session goes on, play and pause, export, isolated concurrent sessions, and the
limits on sessions and idleness."""

import base64
import json
import time
import warnings

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 and warns that httpx, which it still uses, is
    # deprecated; the dev extra installs httpx, which Starlette 0.40 on needs
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette")
    from starlette.testclient import TestClient

import ffnn
from ffnn.playground.server import (
    GOING_AWAY,
    MAX_MESSAGE_BYTES,
    PLACEHOLDER,
    TRY_AGAIN_LATER,
    create_app,
)
from ffnn.playground.session import Session
from ffnn.playground.settings import Settings


@pytest.fixture
def client():
    return TestClient(create_app())


def receive(ws, kind: str) -> dict:
    """The next message, which must be of type ``kind``."""
    message = ws.receive_json()
    assert message["type"] == kind, message
    return message


def settings(ws, **values) -> dict:
    """Send a settings update; returns the state (after the data, if any)."""
    ws.send_json({"type": "settings", "settings": values})
    message = ws.receive_json()
    if message["type"] == "data":
        message = ws.receive_json()
    assert message["type"] == "state", message
    return message


def step(ws) -> dict:
    ws.send_json({"type": "step"})
    return receive(ws, "state")


# ------------------------------------------------------------------- the page
def test_the_page_and_its_files(tmp_path):
    (tmp_path / "index.html").write_text("<p>the page</p>")
    (tmp_path / "app.js").write_text("let x = 1;")
    client = TestClient(create_app(static_dir=tmp_path))
    assert client.get("/").text == "<p>the page</p>"
    response = client.get("/static/app.js")
    assert response.status_code == 200 and response.text == "let x = 1;"
    assert client.get("/static/missing.js").status_code == 404


def test_a_placeholder_until_the_page_exists(tmp_path):
    client = TestClient(create_app(static_dir=tmp_path / "none"))
    response = client.get("/")
    assert response.status_code == 200 and response.text == PLACEHOLDER
    assert client.get("/static/app.js").status_code == 404


# ------------------------------------------------------------------ messages
def test_first_settings_get_the_data_then_the_state(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "settings", "settings": {}})
        data = receive(ws, "data")
        assert data["kind"] == "classification" and len(data["train"]) == 250
        state = receive(ws, "state")
        assert state["epoch"] == 0 and state["settings"] == Settings().to_dict()
        # the same data again: a state only
        state = settings(ws, learning_rate=0.1)
        ws.send_json({"type": "settings", "settings": {"noise": 0.3}})
        assert receive(ws, "data")["train"] != data["train"]
        receive(ws, "state")


BAD_MESSAGES = [
    ("not json", "message is not JSON"),
    ("[1, 2]", "a message must be a JSON object"),
    ('{"kind": "play"}', "a message must be a JSON object whose type"),
    ('{"type": "fly"}', 'got "fly"'),
    ('{"type": 3}', "whose type is one of"),
    ('{"type": "play", "now": true}', "unknown key(s) in a 'play' message: now"),
    ('{"type": "settings"}', "a 'settings' message needs the key(s): settings"),
    ('{"type": "upload"}', "needs the key(s): csv"),
    ('{"type": "settings", "settings": {"noise": NaN}}', "NaN is not a number"),
    ('{"type": "settings", "settings": {"noise": Infinity}}', "Infinity"),
    ('{"type": "settings", "settings": [1]}', "settings must be an object"),
    ('{"type": "settings", "settings": {"hidden": [4, 99]}}', "hidden[1]"),
    ('{"type": "settings", "settings": {"samples": 5}}', "samples must be in"),
    ('{"type": "settings", "settings": {"optimizer": 1}}', "optimizer must be one"),
    ('{"type": "settings", "settings": {"speed": 2}}', "unknown setting 'speed'"),
    ('{"type": "settings", "settings": {"dataset": "upload"}}', "upload message"),
    ('{"type": "upload", "csv": 12}', "csv must be text"),
    ('{"type": "upload", "csv": "1,2,3"}', "1 data rows"),
    ("[" * 100_000 + "]" * 100_000, "message is not JSON"),
    (" " * MAX_MESSAGE_BYTES + "{}", "the limit is 262,144"),
    ('{"type": "upload", "csv": "' + "é" * 150_000 + '"}', "the limit is 262,144"),
]


def test_bad_messages_get_errors_and_the_session_goes_on(client):
    with client.websocket_connect("/ws") as ws:
        before = settings(ws, hidden=[3], seed=5)
        step(ws)
        for text, expected in BAD_MESSAGES:
            ws.send_text(text)
            message = receive(ws, "error")
            assert expected in message["message"], (text[:40], message)
            assert "\n" not in message["message"]
        ws.send_bytes(b'{"type": "step"}')
        assert "JSON text frames" in receive(ws, "error")["message"]
        state = step(ws)  # the session survived, settings untouched
        assert state["epoch"] == 2
        assert state["settings"] == before["settings"]


def test_every_setting_out_of_range_is_refused(client):
    bad = {
        "dataset": "iris", "classes": 6, "samples": 2001, "noise": 2,
        "train_ratio": 1, "features": [], "hidden": [], "activation": "elu",
        "init": "he_uniform", "learning_rate": 100, "optimizer": "lbfgs",
        "batch_size": -1, "l2": -1, "dropout": 1, "seed": -1,
        "epochs_per_update": 1000,
    }  # fmt: skip
    with client.websocket_connect("/ws") as ws:
        state = settings(ws)
        for key, value in bad.items():
            ws.send_json({"type": "settings", "settings": {key: value}})
            assert key in receive(ws, "error")["message"]
        assert settings(ws)["settings"] == state["settings"]


def test_reset_regenerate_and_upload(client):
    with client.websocket_connect("/ws") as ws:
        first = settings(ws, seed=3)
        step(ws)
        ws.send_json({"type": "reset"})
        state = receive(ws, "state")
        assert state["epoch"] == 0 and state["weights"] == first["weights"]
        ws.send_json({"type": "regenerate"})
        receive(ws, "data")
        assert receive(ws, "state")["settings"]["seed"] == 4
        rows = "".join(f"{i},{i % 5},{i / 7}\n" for i in range(20))
        ws.send_json({"type": "upload", "csv": "x1,x2,y\n" + rows})
        data = receive(ws, "data")
        assert data["kind"] == "regression" and data["classes"] == 0
        assert receive(ws, "state")["settings"]["dataset"] == "upload"


def test_export_gives_a_model_file(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        settings(ws, hidden=[5], seed=2)
        for _ in range(3):
            state = step(ws)
        ws.send_json({"type": "export"})
        message = receive(ws, "model")
    path = tmp_path / message["filename"]
    path.write_bytes(base64.b64decode(message["base64"]))
    net = ffnn.load(path)
    assert np.array_equal(net.weights[0], state["weights"][0])
    session = Session(Settings(hidden=(5,), seed=2))
    for _ in range(3):
        session.train_epoch()
    X = session.X_test
    assert np.array_equal(net.predict(X), session.net.predict(X))


# ------------------------------------------------------------------- playing
def test_play_sends_states_and_pause_stops_them(client):
    with client.websocket_connect("/ws") as ws:
        settings(ws, epochs_per_update=2)
        ws.send_json({"type": "play"})
        epochs = [receive(ws, "state") for _ in range(4)]
        assert all(state["playing"] for state in epochs)
        assert [s["epoch"] for s in epochs] == [2, 4, 6, 8]
        ws.send_json({"type": "pause"})
        while (state := receive(ws, "state"))["playing"]:
            pass  # states already under way
        paused_at = state["epoch"]
        # nothing follows the pause's state: the next message answers export
        ws.send_json({"type": "export"})
        receive(ws, "model")
        assert step(ws)["epoch"] == paused_at + 1


def test_settings_change_while_playing(client):
    with client.websocket_connect("/ws") as ws:
        settings(ws)
        ws.send_json({"type": "play"})
        receive(ws, "state")
        ws.send_json({"type": "settings", "settings": {"hidden": [2]}})
        while (state := receive(ws, "state"))["settings"]["hidden"] != [2]:
            pass
        assert state["playing"] and len(state["weights"]) == 2
        ws.send_json({"type": "pause"})
        while receive(ws, "state")["playing"]:
            pass


def test_divergence_stops_play_with_an_error(client):
    with client.websocket_connect("/ws") as ws:
        settings(
            ws, dataset="regression", activation="identity", learning_rate=10,
            batch_size=0, epochs_per_update=5,
        )  # fmt: skip
        ws.send_json({"type": "play"})
        while (message := ws.receive_json())["type"] == "state":
            pass
        assert message["type"] == "error" and "diverged" in message["message"]
        state = receive(ws, "state")
        assert not state["playing"]
        json.dumps(state, allow_nan=False)


def test_two_sessions_do_not_interfere(client):
    """Two tabs trained in turns, one playing, end where each would alone."""
    a_settings = {"hidden": [3], "seed": 1, "optimizer": "adam", "learning_rate": 0.01}
    b_settings = {"dataset": "xor", "hidden": [6, 2], "seed": 2, "batch_size": 4}
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        settings(a, **a_settings)
        settings(b, **b_settings)
        a.send_json({"type": "play"})
        for _ in range(3):
            step(b)
            receive(a, "state")
        a.send_json({"type": "pause"})
        while (a_state := receive(a, "state"))["playing"]:
            pass
        b_state = step(b)
    for state, values in ((a_state, a_settings), (b_state, b_settings)):
        alone = Session(Settings().updated(values))
        for _ in range(state["epoch"]):
            alone.train_epoch()
        assert state["weights"] == [W.tolist() for W in alone.net.weights]
        assert state["loss_history"]["train"] == alone.history.loss


# -------------------------------------------------------------------- limits
def test_beyond_the_session_limit_the_server_says_so():
    client = TestClient(create_app(max_sessions=1))
    with client.websocket_connect("/ws") as first:
        with client.websocket_connect("/ws") as second:
            assert "server is full (1 sessions)" in receive(second, "error")["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                second.receive_json()
            assert closed.value.code == TRY_AGAIN_LATER
        settings(first)  # the first goes on
    with client.websocket_connect("/ws") as again:  # its place is free again
        settings(again)


def test_an_idle_session_is_closed():
    client = TestClient(create_app(idle_seconds=0.2))
    with client.websocket_connect("/ws") as ws:
        settings(ws)
        assert "no message for 0.2 s" in receive(ws, "error")["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == GOING_AWAY


def test_a_playing_session_is_not_idle():
    """A tab that watches its network train sends nothing, and is in use."""
    client = TestClient(create_app(idle_seconds=0.2))
    with client.websocket_connect("/ws") as ws:
        settings(ws)
        ws.send_json({"type": "play"})
        started = time.monotonic()
        epochs = []
        while time.monotonic() - started < 0.8:  # four idle periods
            message = ws.receive_json()
            assert message["type"] == "state", message
            epochs.append(message["epoch"])
        assert epochs[-1] > epochs[0]
        ws.send_json({"type": "pause"})
