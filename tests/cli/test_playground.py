"""``ffnn playground``: its help, its argument errors in one line, the browser
opened (or not) on the URL it serves, and a real server answering on its
WebSocket."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import uvicorn

from ffnn.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    """``ffnn *argv``: its exit status, stdout and stderr."""
    try:
        status = main([str(arg) for arg in argv])
    except SystemExit as exit:  # argparse: --help and usage errors
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_help(capsys):
    status, out, _ = run(capsys, "playground", "--help")
    assert status == 0
    for option in ("--host", "--port", "--no-browser", "127.0.0.1", "8000"):
        assert option in out


def test_the_command_is_listed(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "playground" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "x"], "not a port number: 'x'"),
        (["--port", "70000"], "a port is 0..65535, got 70000"),
        (["--port", "-1"], "a port is 0..65535, got -1"),
        (["--colour", "red"], "unrecognized arguments: --colour red"),
        (["--host"], "expected one argument"),
    ],
)
def test_argument_errors_are_one_line(capsys, argv, message):
    status, _, err = run(capsys, "playground", *argv)
    assert status == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_a_port_in_use_is_one_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _, err = run(capsys, "playground", "--port", port, "--no-browser")
    assert status == 2 and err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_an_unknown_host_is_one_line(capsys):
    status, _, err = run(capsys, "playground", "--host", "no-such-host.invalid")
    assert status == 2 and err.count("\n") == 1
    assert "cannot listen on no-such-host.invalid:8000" in err


@pytest.fixture
def served(monkeypatch):
    """Run ``ffnn playground`` without serving: what uvicorn was given and
    which URLs the browser was asked to open."""
    calls: dict = {"browser": []}

    def fake_run(server, sockets=None):
        calls["config"] = server.config
        calls["address"] = sockets[0].getsockname()

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    monkeypatch.setattr("webbrowser.open", lambda url: calls["browser"].append(url))
    return calls


def test_it_opens_the_page_it_serves(capsys, served):
    status, out, _ = run(capsys, "playground", "--port", "0")
    host, port = served["address"]
    url = f"http://127.0.0.1:{port}/"
    assert status == 0 and host == "127.0.0.1" and port > 0
    assert served["browser"] == [url]
    assert url in out
    assert served["config"].ws_max_size == 1024 * 1024


def test_no_browser(capsys, served):
    status, _, _ = run(capsys, "playground", "--port", "0", "--no-browser")
    assert status == 0 and served["browser"] == []


@pytest.mark.slow
def test_a_real_server_answers_on_its_websocket():
    from websockets.sync.client import connect

    process = subprocess.Popen(
        [sys.executable, "-m", "ffnn.cli", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        deadline = time.monotonic() + 20
        while True:  # the socket listens at once; the server accepts after start-up
            try:
                ws = connect(url.replace("http", "ws") + "ws", open_timeout=20)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with ws:
            ws.send(json.dumps({"type": "settings", "settings": {"hidden": [3]}}))
            assert json.loads(ws.recv(timeout=20))["type"] == "data"
            state = json.loads(ws.recv(timeout=20))
            assert state["type"] == "state" and state["settings"]["hidden"] == [3]
            ws.send("x" * 300_000)  # over the protocol's limit, under uvicorn's
            assert "the limit is" in json.loads(ws.recv(timeout=20))["message"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
