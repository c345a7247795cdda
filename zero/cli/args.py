"""What the commands share: exit codes, and argparse types that name the bad value in their message."""

from __future__ import annotations

import argparse
import math

EXIT_USAGE = 2  # bad input, as argparse's own usage errors
EXIT_INTERRUPTED = 130  # 128 + SIGINT
# 128 + SIGTERM: stopped by SIGTERM (a scheduler's time limit or preemption) with a checkpoint and
# final.json written, as Ctrl-C stops with EXIT_INTERRUPTED; `zero run --resume` continues the run
EXIT_TERMINATED = 143


def positive_float(text: str) -> float:
    """argparse ``type`` for a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse ``type`` for an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse ``type`` for an integer >= 1."""
    value = nonnegative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1, got 0")
    return value


def positive_ints(text: str) -> list[int]:
    """``1,2,4`` -> [1, 2, 4] (each >= 1): worker counts, feature sizes."""
    try:
        counts = [positive_int(part.strip()) for part in text.split(",")]
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{text!r}: {e}") from None
    return counts


def names(text: str) -> list[str]:
    """``a,b`` -> ["a", "b"] (none empty)."""
    parts = [part.strip() for part in text.split(",")]
    if not all(parts):
        raise argparse.ArgumentTypeError(f"{text!r}: an empty name")
    return parts
