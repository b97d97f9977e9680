"""Ctrl-C as a request, not an exception: :func:`ffnn.train` stops after the
current batch and returns, and the CLI finishes writing what it was writing.

Inside an :class:`Interruption` block the first SIGINT only sets
``requested``; a second one raises KeyboardInterrupt at once (for a user who
really means it). Blocks nest: an inner block that ends with a request passes
it on to the outer one, so the CLI knows training was interrupted. Only the
main thread receives signals; elsewhere (a Dask worker, a thread) a block
does nothing.
"""

from __future__ import annotations

import signal
import threading
from typing import Any


class Interruption:
    """A context in which Ctrl-C sets :attr:`requested` (see the module)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Interruption:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
            outer = getattr(self._previous, "__self__", None)
            if isinstance(outer, Interruption) and outer.requested:
                self.requested = True  # asked before this block began
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info: Any) -> None:
        if not self._installed:
            return
        previous = self._previous
        outer = getattr(previous, "__self__", None)
        if isinstance(outer, Interruption) and self.requested:
            outer.requested = True  # the enclosing block hears of it too
        if previous is None:  # a handler not installed from Python
            previous = signal.default_int_handler
        signal.signal(signal.SIGINT, previous)
