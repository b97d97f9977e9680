"""``ffnn playground``: serve the playground page (:mod:`ffnn.playground`) and open
it in the browser.

The listening socket is bound here, before uvicorn starts, so that a port in
use or an unknown host is one line of error (exit status 2) rather than
uvicorn's log; the browser is opened once the socket listens (connections wait
in its backlog until the server accepts them). Ctrl-C stops the server.
"""

from __future__ import annotations

import argparse
import socket
import webbrowser
from typing import Any

from rich.console import Console

from ffnn.cli.errors import RunFailed

#: the largest WebSocket frame uvicorn reads: above the protocol's 256 KB
#: message limit, so a message between the two is refused with an error message
#: and the session goes on; a larger frame closes the connection (1009)
WS_MAX_SIZE = 1024 * 1024


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``playground`` command to the ``ffnn`` subparsers."""
    parser = commands.add_parser(
        "playground",
        help="train a network live in the browser",
        description=(
            "Serve the playground, a page where you change the data, the network "
            "and the training and watch the network learn, live; each browser "
            "tab trains its own network on this machine. Needs the playground "
            'extra: pip install "ffnn[playground]".'
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on; 0 picks a free one (default: 8000)",
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open the page in a browser",
    )
    parser.set_defaults(handler=_playground)


def make_server(uvicorn: Any, app: Any) -> Any:
    """The uvicorn server of the playground ``app``, as ``ffnn playground``
    runs it (the browser tests run the same one): quiet logs, frames up to
    :data:`WS_MAX_SIZE`, a short graceful shutdown. Its ``run(sockets=[...])``
    serves a socket bound by :func:`listen`."""
    config = uvicorn.Config(
        app, log_level="warning", ws_max_size=WS_MAX_SIZE, timeout_graceful_shutdown=2
    )
    return uvicorn.Server(config)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {port}")
    return port


def _playground(args: argparse.Namespace, console: Console) -> int:
    try:
        import uvicorn

        from ffnn.playground.server import create_app
    except ImportError as error:
        raise RunFailed(
            f"ffnn playground needs Starlette and uvicorn ({error}); install them "
            'with: pip install "ffnn[playground]"'
        ) from None
    listener = listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    url = f"http://{_url_host(host)}:{port}/"
    server = make_server(uvicorn, create_app())
    console.print(f"ffnn playground at {url} (Ctrl-C stops it)")
    if not args.no_browser:
        try:
            webbrowser.open(url)
        except webbrowser.Error:  # no browser here: the URL above is enough
            pass
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:  # the way to stop a server
        pass
    finally:
        listener.close()
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening; ValueError naming them
    when the host is unknown or the port taken."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, protocol)
    except OSError as error:
        raise ValueError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as error:
        listener.close()
        reason = error.strerror or str(error)
        raise ValueError(f"cannot listen on {host}:{port}: {reason}") from None
    return listener


def _url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets, and the
    all-addresses ``0.0.0.0`` / ``::`` as this machine's loopback name."""
    if host in ("0.0.0.0", "::"):
        return "localhost"
    return f"[{host}]" if ":" in host else host
