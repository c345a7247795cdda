"""Errors that users see.

Bad *input* (a config file, a search space, a program file, a checkpoint) raises one of these with
the file, the key and the offending value in the message, so the user can fix it without a traceback
hunt. Bad *programs* never raise: they score minimum fitness (see ``zero.interpreter``).
"""

from __future__ import annotations

from typing import Any


class ZeroError(Exception):
    """Base class of every error zero raises on purpose."""


class ConfigError(ZeroError, ValueError):
    """A YAML/JSON input is invalid: names the source, the key path and the value."""

    def __init__(self, source: str, key: str, value: Any, problem: str):
        self.source, self.key, self.value, self.problem = source, key, value, problem
        super().__init__(f"{source}: key '{key}' = {value!r}: {problem}")


class ProgramError(ZeroError, ValueError):
    """A program (built in code or loaded from a file) breaks the language's rules."""


class StoreError(ZeroError):
    """A run directory's file is missing, unreadable or corrupt, or the directory cannot hold this run.

    ``path`` is the file (or directory) at fault and ``problem`` says what is wrong with it.
    """

    def __init__(self, path: Any, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")
