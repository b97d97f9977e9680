"""The playground's server under load: live updates ("state" messages) per second
that ``ffnn playground`` sends one session, and each of 20 sessions at once.

Run: ``python benchmarks/playground.py [--seconds 5] [--sessions 20]``.

The server is ``ffnn playground --no-browser --port 0`` in a subprocess of its
own, on the loopback interface only. Each session is a WebSocket client (the
``websockets`` library) that sets up issue 11's network, 2-8-8-2 tanh (inputs
x1, x2, two hidden layers of 8) on moons with 500 points (the page's defaults
otherwise: half of them for training, batches of 10, SGD), one epoch per update,
then sends "play" and reads every "state" for ``--seconds``. Each state is
checked: its epoch is at least one past the previous state's, and it carries the
output's map and every hidden neuron's heat map (16 of them) on the 64 × 64
grid. A session's rate is its states after the first, over the time from its
first state to its last. The clients run in this process, one event loop, and
read every message as it arrives, so the server never waits on them. Every
wait has a time limit, so the script ends even when the server hangs (~13 s at
the defaults; under three minutes if every wait ran out).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import _common

#: the session every client sets up: 2-8-8-2, 500 points, one epoch per update
SETTINGS = {
    "dataset": "moons",
    "samples": 500,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "activation": "tanh",
    "epochs_per_update": 1,
}
#: ffnn playground's options: loopback only, a free port, no browser
SERVER_OPTIONS = ("--host", "127.0.0.1", "--port", "0", "--no-browser")
GRID_BYTES = 64 * 64
#: targets (issue 11): one session, and each of 20 sessions at once
ONE_SESSION_RATE, MANY_SESSIONS_RATE = 20.0, 2.0
#: the longest the server may take to start, and a client to get a reply
START_SECONDS, REPLY_SECONDS = 30.0, 10.0


@dataclass
class Client:
    """What one client saw while playing."""

    times: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """States per second after the first."""
        if len(self.times) < 2 or self.times[-1] <= self.times[0]:
            return 0.0
        return (len(self.times) - 1) / (self.times[-1] - self.times[0])

    @property
    def fewest_epochs(self) -> int:
        """The smallest number of epochs one update covered."""
        steps = [b - a for a, b in zip(self.epochs, self.epochs[1:], strict=False)]
        return min(steps, default=0)


# -------------------------------------------------------------------- server
def start_server() -> tuple[subprocess.Popen, str]:
    """``ffnn playground`` on a free loopback port; returns it and its /ws URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ffnn.cli", "playground", *SERVER_OPTIONS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # it prints "ffnn playground at http://127.0.0.1:PORT/ (...)" once it listens
    readable, _, _ = select.select([process.stdout], [], [], START_SECONDS)
    line = process.stdout.readline() if readable else ""
    if " at " not in line:
        process.kill()
        _, errors = process.communicate()
        raise RuntimeError(f"ffnn playground did not start: {line}{errors}")
    url = line.split(" at ")[1].split()[0]
    return process, url.replace("http://", "ws://") + "ws"


def stop_server(process: subprocess.Popen) -> str:
    """Ctrl-C, as a user stops it (killed if it has not gone in 10 s); returns
    what the server wrote on stderr (nothing, when all went well)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        _, errors = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate()
    return errors


# ------------------------------------------------------------------- clients
async def connect(url: str):
    """A WebSocket to the server, retrying while it finishes starting up (its
    socket listens before its app has started)."""
    from websockets.asyncio.client import connect as ws_connect

    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return await ws_connect(url, max_size=None, open_timeout=START_SECONDS)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def receive(ws, kind: str) -> dict:
    """The next message, which must be of type ``kind``."""
    message = json.loads(await asyncio.wait_for(ws.recv(), REPLY_SECONDS))
    if message["type"] != kind:
        raise RuntimeError(f"expected a {kind!r} message, got {str(message)[:300]}")
    return message


def check_state(state: dict, session: Client) -> None:
    """Note what a state lacks: the output's map and 2 × 8 heat maps of 64²."""
    maps = [state["output"]] + [m[0] for layer in state["neurons"] for m in layer]
    widths = [len(layer) for layer in state["neurons"]]
    if state["grid"]["size"] != 64 or widths != SETTINGS["hidden"]:
        session.problems.append(f"grid {state['grid']}, hidden maps {widths}")
    elif any(len(base64.b64decode(m)) != GRID_BYTES for m in maps):
        session.problems.append("a map that is not 64 × 64 bytes")


async def set_up(url: str):
    """A client whose session has the benchmark's settings (and its first
    state)."""
    ws = await connect(url)
    await ws.send(json.dumps({"type": "settings", "settings": SETTINGS}))
    await receive(ws, "data")
    await receive(ws, "state")
    return ws


async def play(ws, seconds: float) -> Client:
    """Play for ``seconds``, reading and checking every state, then pause."""
    session = Client()
    await ws.send(json.dumps({"type": "play"}))
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        text = await asyncio.wait_for(ws.recv(), REPLY_SECONDS)
        received = time.perf_counter()
        message = json.loads(text)
        if message["type"] != "state":
            session.problems.append(f"a {message['type']!r}: {message}")
            break
        if session.epochs and message["epoch"] < session.epochs[-1] + 1:
            session.problems.append(
                f"epoch {message['epoch']} after {session.epochs[-1]}"
            )
        session.times.append(received)
        session.epochs.append(message["epoch"])
        session.sizes.append(len(text))
        check_state(message, session)
    await ws.send(json.dumps({"type": "pause"}))
    while True:  # the states under way, then the pause's own
        message = json.loads(await asyncio.wait_for(ws.recv(), REPLY_SECONDS))
        if message["type"] == "state" and not message["playing"]:
            return session


async def measure(url: str, sessions: int, seconds: float) -> list[Client]:
    """``sessions`` clients playing at once, all set up before any plays."""
    clients = await asyncio.wait_for(
        asyncio.gather(*(set_up(url) for _ in range(sessions))), START_SECONDS
    )
    try:
        return await asyncio.wait_for(
            asyncio.gather(*(play(ws, seconds) for ws in clients)),
            seconds + 2 * REPLY_SECONDS,
        )
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="play time per case; default 5"
    )
    parser.add_argument(
        "--sessions", type=int, default=20, help="concurrent sessions; default 20"
    )
    args = parser.parse_args(argv)
    if _common.optional_import("websockets") is None or not _common.available(
        "uvicorn"
    ):
        print('> the playground needs its extra: pip install "ffnn[playground]"')
        return

    print("## The playground's live updates (loopback, one server process)\n")
    print(_common.describe_machine() + "\n")
    process, url = start_server()
    try:
        cases = [
            (1, asyncio.run(measure(url, 1, args.seconds))),
            (args.sessions, asyncio.run(measure(url, args.sessions, args.seconds))),
        ]
    finally:
        errors = stop_server(process).strip()
    if errors:
        print("> the server wrote on stderr:")
        print("\n".join(f">     {line}" for line in errors.splitlines()[-20:]))

    rows, targets = [], _common.Targets()
    for count, sessions in cases:
        rates = [s.rate for s in sessions]
        states = sum(len(s.times) for s in sessions)
        rows.append(
            [
                f"{count} session{'s' if count > 1 else ''}",
                f"{args.seconds:g}",
                states,
                f"{min(rates):.1f}",
                f"{statistics.median(rates):.1f}",
                f"{sum(rates):.0f}",
                min(s.fewest_epochs for s in sessions),
                f"{statistics.median(x for s in sessions for x in s.sizes) / 1024:.0f}",
            ]
        )
        problems = [p for s in sessions for p in s.problems]
        need = ONE_SESSION_RATE if count == 1 else MANY_SESSIONS_RATE
        targets.check(
            f"{count} session{'s' if count > 1 else ''}: every session at least "
            f"{need:g} updates/s",
            f"min {min(rates):.1f}/s",
            min(rates) >= need,
        )
        targets.check(
            f"{count} session{'s' if count > 1 else ''}: every update covers at "
            "least one epoch and carries all 16 neuron maps and the output's on "
            "the 64 × 64 grid",
            problems[0] if problems else f"{states} states, all complete",
            not problems and min(s.fewest_epochs for s in sessions) >= 1,
        )
    print(
        "2-8-8-2 tanh on moons(500 points, 250 for training), batches of 10, SGD, "
        "1 epoch per update; states at most 60/s per session (the server's cap)\n"
    )
    print(
        _common.markdown_table(
            [
                "sessions at once",
                "seconds",
                "states",
                "updates/s per session, min",
                "median",
                "all sessions",
                "epochs per update, min",
                "state KB, median",
            ],
            rows,
        )
    )
    targets.print()


if __name__ == "__main__":
    main()
