"""Ctrl-C during a run: finish what is in flight, checkpoint, stop; a second Ctrl-C stops at once."""

from __future__ import annotations

import signal


class Interrupt:
    """Ctrl-C sets a flag (the batches in flight finish, a checkpoint is written); a second Ctrl-C
    raises KeyboardInterrupt as usual."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: no handler, Ctrl-C behaves as usual
            self._previous = None
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
