"""The live progress display of a search run (``zero run``).

On a terminal one line is redrawn in place (rich ``Live``): individuals, individuals/s, best search
and select fitness, FEC hit rate, elapsed time. Elsewhere (CI logs, pipes) a plain line is printed
at most every ``plain_every`` seconds, plus the last one, so logs stay short.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

from rich.console import Console
from rich.live import Live
from rich.text import Text


def format_line(record: Mapping[str, Any]) -> str:
    select = record.get("best_select_fitness")
    select_text = "-" if select is None else f"{select:.6f}"
    return (
        f"{record['individuals']:>12,} indiv  {record['individuals_per_second']:>9,.0f}/s  "
        f"best search {record['best_fitness']:.6f}  select {select_text}  "
        f"FEC hits {100 * record['fec_hit_rate']:5.1f}%  {record['seconds']:7.1f} s"
    )


class Progress:
    """Shows run records; use as a context manager around the run loop."""

    def __init__(self, console: Console | None = None, enabled: bool = True, plain_every: float = 10.0):
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self.plain_every = plain_every
        self._live: Live | None = None
        self._last_plain = -float("inf")
        self._pending: str | None = None

    def __enter__(self) -> Progress:
        if self.enabled and self.console.is_terminal:
            self._live = Live(Text(""), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def update(self, record: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        line = format_line(record)
        if self._live is not None:
            self._live.update(Text(line))
            return
        now = time.monotonic()
        if now - self._last_plain >= self.plain_every:
            self.console.print(line, highlight=False, soft_wrap=True)
            self._last_plain, self._pending = now, None
        else:
            self._pending = line

    def message(self, text: str) -> None:
        if self.enabled:
            self.console.print(text, highlight=False)

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)
            self._live = None
        elif self._pending is not None:
            self.console.print(self._pending, highlight=False, soft_wrap=True)
            self._pending = None
