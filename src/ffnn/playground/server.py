"""The playground's web server: a Starlette (ASGI) app that serves the page and
gives each browser tab its own training session over a WebSocket.

Routes: ``GET /`` the page (``static/index.html``; a short placeholder while it
is missing), ``/static/…`` its files, and the WebSocket ``/ws``. The protocol
on ``/ws`` is written down in ``PROTOCOL.md`` beside this module; in short,
JSON text frames, each an object with a ``type``:

- client → server: ``settings`` (→ ``data`` when new data was drawn, then
  ``state``), ``play`` (a ``state`` after every ``epochs_per_update`` epochs, at
  most 60 a second, until ``pause``), ``pause`` (→ ``state``), ``step`` (one
  epoch → ``state``), ``reset`` (→ ``state``), ``regenerate`` and ``upload``
  (→ ``data``, ``state``), ``export`` (→ ``model``);
- server → client: ``data``, ``state``, ``model`` and ``error`` (one line; the
  session goes on).

Every message is checked (at most 256 KB, a JSON object, a known type with its
keys, every setting's type and range) and refused with an ``error``. A
connection's session is freed when it closes or after ``idle_seconds`` without a
message; beyond ``max_sessions`` connections a new one gets an ``error`` and is
closed with code 1013 (try again later).

Scheduling: everything runs on the server's one event loop, and the sessions
take turns. Training is cut into slices: an epoch runs batch by batch
(:meth:`Session.epoch_steps`) and awaits ``asyncio.sleep(0)`` whenever it has
run for ``SLICE_SECONDS`` (5 ms), and again after every epoch, so no session
holds the loop longer than a slice (or one batch, a fraction of a
millisecond) however large its settings; the largest epoch the limits allow
(1800 rows in batches of 1 through six layers) takes about 0.1 s, twenty
slices. ``play`` starts a task per connection that trains, sends a state after
every ``epochs_per_update`` epochs and sleeps out the rest of 1/60 s. Threads
would not help: with arrays this small an epoch's time is mostly Python and the
overhead of NumPy calls, which hold the GIL, so threads would only add
switching.

Per connection, messages are handled one at a time, and one lock guards the
session: the player holds it for an epoch (across its slices) and for a state;
a message's handler holds it while it changes the session and sends the reply.
So a message that arrives during an epoch waits for the end of that epoch (at
most ~0.1 s), never sees half an epoch, and what is sent is the session as it
is at that moment. ``pause`` stops the player after the epoch under way, then
sends a state with ``playing: false``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ffnn.playground.session import Session
from ffnn.training import TrainingDivergedError

#: seconds without a message after which a session is freed
IDLE_SECONDS = 600.0
#: connections served at once
MAX_SESSIONS = 64
#: the largest message a client may send (UTF-8 bytes of its text)
MAX_MESSAGE_BYTES = 256 * 1024
#: states a playing session sends per second, at most
MAX_STATES_PER_SECOND = 60
#: the longest a session trains before it lets the other sessions in
SLICE_SECONDS = 0.005
#: WebSocket close codes: going away (idle), try again later (full)
GOING_AWAY, TRY_AGAIN_LATER = 1001, 1013
STATIC = Path(__file__).parent / "static"

log = logging.getLogger("ffnn.playground")

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ffnn playground</title></head>
<body><h1>ffnn playground</h1>
<p>The page is not installed (static/index.html is missing from
ffnn.playground); the server and its WebSocket at <code>/ws</code> work.</p>
</body></html>
"""


@dataclass
class Limits:
    """What one server allows, and how many sessions it holds now."""

    max_sessions: int = MAX_SESSIONS
    idle_seconds: float = IDLE_SECONDS
    sessions: int = 0


def create_app(
    *,
    max_sessions: int = MAX_SESSIONS,
    idle_seconds: float = IDLE_SECONDS,
    static_dir: str | Path = STATIC,
) -> Starlette:
    """The playground's ASGI app (run it with uvicorn, or test it with
    Starlette's TestClient)."""
    static_dir = Path(static_dir)

    async def index(request: Request) -> Response:
        page = static_dir / "index.html"
        if page.is_file():
            return FileResponse(page)
        return HTMLResponse(PLACEHOLDER)

    files = StaticFiles(directory=static_dir, check_dir=False)

    async def static(scope: Scope, receive: Receive, send: Send) -> None:
        if static_dir.is_dir():  # StaticFiles fails (500) while it is missing
            await files(scope, receive, send)
        else:
            await PlainTextResponse("Not Found", 404)(scope, receive, send)

    async def playground(websocket: WebSocket) -> None:
        await serve(websocket, websocket.app.state.limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the first data set imports scikit-learn (about a second): at start-up,
        # not in the first tab's connection
        Session()
        yield

    app = Starlette(
        routes=[
            Route("/", index),
            Mount("/static", app=static),
            WebSocketRoute("/ws", playground),
        ],
        lifespan=lifespan,
    )
    app.state.limits = Limits(max_sessions, idle_seconds)
    return app


async def serve(websocket: WebSocket, limits: Limits) -> None:
    """Serve one connection: its own session until it closes or idles."""
    await websocket.accept()
    if limits.sessions >= limits.max_sessions:
        await websocket.send_text(
            _encode(
                error(
                    f"the server is full ({limits.max_sessions} sessions); try "
                    "again later"
                )
            )
        )
        await websocket.close(code=TRY_AGAIN_LATER)
        return
    connection = Connection(websocket, Session())
    limits.sessions += 1
    try:
        await connection.receive_messages(limits.idle_seconds)
    finally:
        limits.sessions -= 1
        await connection.stop_playing()


class Connection:
    """One WebSocket and its session: the handler of each message type
    (:data:`MESSAGES`) and the task that plays."""

    def __init__(self, websocket: WebSocket, session: Session) -> None:
        self.websocket = websocket
        self.session = session
        self.playing = False
        self._player: asyncio.Task | None = None
        self._lock = asyncio.Lock()  # the session and the sending
        self._data_sent = False

    async def receive_messages(self, idle_seconds: float) -> None:
        """Handle messages, one at a time, until the client leaves or sends
        nothing for ``idle_seconds`` while it is not playing (a tab that
        watches its network train is in use, though it sends nothing)."""
        while True:
            try:
                message = await asyncio.wait_for(self.websocket.receive(), idle_seconds)
            except TimeoutError:
                if self.playing:
                    continue
                await self.send(
                    error(f"no message for {idle_seconds:g} s: the session is closed")
                )
                await self.websocket.close(code=GOING_AWAY)
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self.send(error("messages must be JSON text frames, not binary"))
                continue
            await self.handle(text)

    async def handle(self, text: str) -> None:
        """Check one message and run its handler; a refused message or a failed
        handler is answered with an error and the session goes on."""
        try:
            message = parse_message(text)
            await MESSAGES[message["type"]][1](self, message)
        except (ValueError, TypeError) as problem:
            await self.send(error(one_line(problem)))
        except Exception as problem:  # a bug: say so, keep the session
            log.exception("playground message failed")
            await self.send(
                error(f"unexpected {type(problem).__name__}: {one_line(problem)}")
            )

    # --------------------------------------------------------------- handlers
    async def on_settings(self, message: dict[str, Any]) -> None:
        async with self._lock:
            new_data = self.session.update(message["settings"])
            await self._send_state(with_data=new_data)

    async def on_play(self, message: dict[str, Any]) -> None:
        if not self.playing:
            self.playing = True
            self._player = asyncio.create_task(self.play())

    async def on_pause(self, message: dict[str, Any]) -> None:
        self.playing = False
        if self._player is not None:
            await self._player  # ends after the epoch or the send under way
            self._player = None
        await self.send_state()

    async def on_step(self, message: dict[str, Any]) -> None:
        async with self._lock:
            try:
                await self._train_epoch()
            except TrainingDivergedError as problem:
                await self._send(error(one_line(problem)))
            await self._send_state()

    async def on_reset(self, message: dict[str, Any]) -> None:
        async with self._lock:
            self.session.reset()
            await self._send_state()

    async def on_regenerate(self, message: dict[str, Any]) -> None:
        async with self._lock:
            self.session.regenerate()
            await self._send_state(with_data=True)

    async def on_upload(self, message: dict[str, Any]) -> None:
        async with self._lock:
            self.session.upload(message["csv"])
            await self._send_state(with_data=True)

    async def on_export(self, message: dict[str, Any]) -> None:
        async with self._lock:
            await self._send(self.session.export())

    # ---------------------------------------------------------------- playing
    async def play(self) -> None:
        """Train while ``playing``: a state after every ``epochs_per_update``
        epochs, at most MAX_STATES_PER_SECOND a second, yielding to the event
        loop after every slice and every epoch."""
        loop = asyncio.get_running_loop()
        try:
            while self.playing:
                started = loop.time()
                for _ in range(self.session.settings.epochs_per_update):
                    async with self._lock:
                        await self._train_epoch()
                    await asyncio.sleep(0)  # a waiting message goes first
                    if not self.playing:
                        return  # paused: the pause handler sends the state
                async with self._lock:
                    await self._send_state()
                wait = started + 1 / MAX_STATES_PER_SECOND - loop.time()
                await asyncio.sleep(max(wait, 0.0))
        except TrainingDivergedError as problem:
            self.playing = False
            await self.send(error(one_line(problem)))
            async with self._lock:
                await self._send_state()
        except Exception as problem:  # the client left, or a bug
            self.playing = False
            log.debug("playing stopped", exc_info=True)
            with contextlib.suppress(Exception):  # when the client is still there
                await self.send(
                    error(
                        f"playing stopped: unexpected {type(problem).__name__}: "
                        f"{one_line(problem)}"
                    )
                )

    async def stop_playing(self) -> None:
        """Stop the player at once (the connection is closing)."""
        self.playing = False
        if self._player is not None:
            self._player.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._player

    async def _train_epoch(self) -> None:
        """One epoch of the session, yielding to the event loop every
        SLICE_SECONDS (the caller holds the lock)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SLICE_SECONDS
        for _ in self.session.epoch_steps():
            if loop.time() >= deadline:
                await asyncio.sleep(0)  # the other sessions' turn
                deadline = loop.time() + SLICE_SECONDS

    # ---------------------------------------------------------------- sending
    async def send_state(self) -> None:
        async with self._lock:
            await self._send_state()

    async def _send_state(self, with_data: bool = False) -> None:
        """Send the state (built now), after the data when it is new or this
        client has not had it yet (the caller holds the lock)."""
        if with_data or not self._data_sent:
            await self._send(self.session.data_message())
            self._data_sent = True
        await self._send(self.session.state(playing=self.playing))

    async def send(self, message: dict[str, Any]) -> None:
        async with self._lock:
            await self._send(message)

    async def _send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(_encode(message))


# ------------------------------------------------------------------- messages
def _has(*keys: str) -> frozenset[str]:
    return frozenset({"type", *keys})


#: each message type: the keys it has, and its handler
MESSAGES: dict[str, tuple[frozenset[str], Callable[..., Awaitable[None]]]] = {
    "settings": (_has("settings"), Connection.on_settings),
    "play": (_has(), Connection.on_play),
    "pause": (_has(), Connection.on_pause),
    "step": (_has(), Connection.on_step),
    "reset": (_has(), Connection.on_reset),
    "regenerate": (_has(), Connection.on_regenerate),
    "upload": (_has("csv"), Connection.on_upload),
    "export": (_has(), Connection.on_export),
}


def parse_message(text: str) -> dict[str, Any]:
    """The message a text frame holds, after checking its size, its JSON, its
    type and its keys; ValueError or TypeError says what is wrong."""
    if len(text) > MAX_MESSAGE_BYTES or (
        len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES
    ):
        size = len(text.encode("utf-8", "surrogatepass"))
        raise ValueError(
            f"message is {size:,} bytes; the limit is {MAX_MESSAGE_BYTES:,}"
        )
    try:
        message = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("message is not JSON: nested too deeply") from None
    except ValueError as problem:
        raise ValueError(f"message is not JSON: {problem}") from None
    kind = message.get("type") if isinstance(message, dict) else None
    if not isinstance(kind, str) or kind not in MESSAGES:
        types = ", ".join(MESSAGES)
        raise ValueError(
            f"a message must be a JSON object whose type is one of: {types}; got "
            f"{_preview(kind if isinstance(message, dict) else message)}"
        )
    keys = MESSAGES[kind][0]
    unknown, missing = sorted(set(message) - keys), sorted(keys - set(message))
    if unknown:
        raise ValueError(f"unknown key(s) in a {kind!r} message: {', '.join(unknown)}")
    if missing:
        raise ValueError(f"a {kind!r} message needs the key(s): {', '.join(missing)}")
    return message


def one_line(problem: BaseException) -> str:
    """An exception's message on one line, for an error message."""
    lines = [line.strip() for line in str(problem).splitlines() if line.strip()]
    return "; ".join(lines) or type(problem).__name__


def error(message: str) -> dict[str, str]:
    """The "error" message."""
    return {"type": "error", "message": message}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _preview(value: Any) -> str:
    text = json.dumps(value) if value is not None else "none"
    return text if len(text) <= 40 else text[:37] + "..."


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, allow_nan=False, separators=(",", ":"))
