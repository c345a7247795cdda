"""Strict reading of YAML inputs: every key known, every value typed, errors that name file/key/value.

Used by the search-space and experiment loaders. A schema is a dict ``{key: Field}``; ``Field``
carries the type, the default (``REQUIRED`` for none) and a one-line reason that doubles as help.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from zero.errors import ConfigError

REQUIRED = object()


@dataclass(frozen=True)
class Field:
    types: type | tuple[type, ...]
    default: Any = REQUIRED
    doc: str = ""
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None if fine


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from ``path``; ConfigError (file, position) if unreadable or not a mapping."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(str(path), "<file>", str(path), f"cannot read ({e.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise ConfigError(str(path), "<yaml>", where, f"invalid YAML: {getattr(e, 'problem', e)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(str(path), "<top>", data, "expected a mapping of keys to values")
    return data


def parse_assignment(text: str, source: str = "--set") -> tuple[str, Any]:
    """``KEY=VALUE`` -> (``KEY``, the value read as YAML): ``600`` an integer, ``true`` a boolean,
    ``null`` None, ``[2, 8]`` a list, anything else a string. The key may be dotted
    (``stop.max_seconds``); whether it exists and the value fits is the schema's to say."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(source, text, text, "expected KEY=VALUE, e.g. stop.max_seconds=600")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as e:
        raise ConfigError(source, key, raw, f"invalid YAML value: {getattr(e, 'problem', e)}") from None
    return key, value


def _type_ok(value: Any, types: type | tuple[type, ...]) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in types:
        return False  # YAML's yes/true are not numbers
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


def _type_name(types: type | tuple[type, ...]) -> str:
    types = types if isinstance(types, tuple) else (types,)
    names = {dict: "mapping", list: "list", str: "string", int: "integer", float: "number", bool: "true/false"}
    return " or ".join(names.get(t, t.__name__) for t in types if t is not type(None)) + (
        " or null" if type(None) in types else ""
    )


def validate(data: Any, schema: dict[str, Field], source: str, prefix: str = "") -> dict[str, Any]:
    """``data`` checked against ``schema`` with defaults filled in; ConfigError on the first problem."""
    if not isinstance(data, dict):
        raise ConfigError(source, prefix or "<top>", data, "expected a mapping")
    for key in data:
        if key not in schema:
            import difflib

            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(source, prefix + str(key), data[key], f"unknown key{hint}; known keys: {', '.join(schema)}")
    out = {}
    for key, spec in schema.items():
        if key not in data:
            if spec.default is REQUIRED:
                raise ConfigError(source, prefix + key, None, f"required key is missing ({spec.doc})")
            out[key] = spec.default
            continue
        value = data[key]
        if not _type_ok(value, spec.types):
            raise ConfigError(source, prefix + key, value, f"expected {_type_name(spec.types)}")
        problem = spec.check(value) if spec.check else None
        if problem:
            raise ConfigError(source, prefix + key, value, problem)
        out[key] = float(value) if spec.types is float else value
    return out


def at_least(low: float) -> Callable[[Any], str | None]:
    return lambda v: None if v >= low else f"must be >= {low}"


def in_range(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"must lie in [{low}, {high}]"


def one_of(*choices: Any) -> Callable[[Any], str | None]:
    return lambda v: None if v in choices else f"must be one of {', '.join(map(str, choices))}"
