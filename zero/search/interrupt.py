"""Stopping a run from outside: Ctrl-C (SIGINT) or SIGTERM finishes what is in flight, checkpoints, stops.

Both signals ask the run to stop at its next batch boundary: the batches in flight finish, a
checkpoint and ``final.json`` are written, and ``zero run --resume`` continues the run exactly as if
it had not stopped. What differs is who sends them and what follows:

- SIGINT is a person at a terminal. The driver records the run as ``interrupted`` and ``zero run``
  exits 130 (128 + SIGINT). A second Ctrl-C raises KeyboardInterrupt at once, as usual.
- SIGTERM is a scheduler or a service manager: SLURM before a job's time limit (``#SBATCH
  --signal``) or when it preempts or requeues the job, ``kill``, systemd, Kubernetes. The driver
  records the run as ``terminated`` and ``zero run`` exits 143 (128 + SIGTERM), which a job script
  takes as "checkpointed, resume me". A second SIGTERM changes nothing: whoever sent it follows up
  with SIGKILL when its grace period is over, and stopping the checkpoint halfway would only lose
  the batches in flight. Ctrl-C after SIGTERM still stops at once.

The first signal received decides the reason. Handlers are installed only in the main thread
(elsewhere Python refuses them, and both signals keep their usual effect), and the previous ones
come back on exit: outside a search SIGTERM does what it did before (Python's default ends the
process, which a shell reports as 143; once Ray is up, Ray's handler exits with status 15). The
driver writes a run's first checkpoint before its islands start, so a run stopped that way is
resumable too.
"""

from __future__ import annotations

import signal
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# what goes back on exit where the previous handler was not installed from Python (it cannot be
# put back): Python's own behaviour for each signal
_FALLBACK = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


class Interrupt:
    """A context manager: inside it, SIGINT and SIGTERM set :attr:`requested` (and :attr:`signum`,
    the first signal) instead of stopping the process; see the module docstring."""

    def __init__(self):
        self.requested = False
        self.signum: int | None = None  # the signal that asked first
        self._previous: dict[int, Any] = {}

    @property
    def terminated(self) -> bool:
        """Whether SIGTERM (not Ctrl-C) asked the run to stop."""
        return self.signum == signal.SIGTERM

    def __enter__(self) -> Interrupt:
        for signum in SIGNALS:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: no handlers, both signals behave as usual
                break
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested, self.signum = True, signum
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, _FALLBACK[signum] if previous is None else previous)
        self._previous.clear()
