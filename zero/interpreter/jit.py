"""The one way zero compiles with numba: ``@compiled``.

``@compiled`` is ``numba.njit(cache=True, error_model="numpy")`` (``error_model="numpy"``: 1/0 is
inf, not an exception; no ``fastmath``: it would assume NaN never happens) with one difference:
the on-disk cache lives in ``cache_dir()/numba/<digest>``, where the digest hashes the sources of
every module of the package that compiles anything *and of every zero module those import*.

Why: numba's own cache checks only the timestamp of the file a function is defined in, not the
jitted functions and frozen constants it uses from other modules, so a change to, say, the RNG or
the op table (or an upgrade of zero, since the cache outlives it) would keep running the old
machine code. Keyed on the sources, any change compiles afresh, once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

import numba as nb
from llvmlite import ir
from numba.core import cgutils, config, types
from numba.extending import intrinsic

PACKAGE = Path(__file__).resolve().parents[1]  # the zero package
_DECORATOR = "@compiled"


def cache_dir() -> Path:
    """Where specialized kernel sources (and numba's cache of them) live."""
    root = os.environ.get("ZERO_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "zero"


_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(zero(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[\w \t,]+)", re.MULTILINE)
_IMPORT = re.compile(r"^\s*import\s+(zero(?:\.\w+)*)", re.MULTILINE)


def _imported(source: str) -> list[str]:
    """Names of the ``zero`` modules ``source`` may import (``from zero import ops`` gives both
    ``zero`` and ``zero.lang.ops``; names that are not modules are weeded out by the caller)."""
    names = _IMPORT.findall(source)
    for package, items in _FROM_IMPORT.findall(source):
        names.append(package)
        names.extend(f"{package}.{item.split()[0]}" for item in items.strip("()").split(",") if item.strip())
    return names


def dependencies(source: str) -> list[Path]:
    """The files of every ``zero`` module ``source`` imports, directly or through them, sorted."""
    seen: dict[str, Path] = {}
    pending = _imported(source)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, AttributeError, ValueError):
            spec = None  # not a module (a function or constant imported by name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        seen[name] = Path(spec.origin)
        pending.extend(_imported(seen[name].read_text()))
    return sorted(set(seen.values()))


def compiled_sources() -> list[Path]:
    """Every module of the package that compiles with ``@compiled``, and every zero module those
    import, directly or indirectly."""
    files: set[Path] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        if _DECORATOR in text and path.name != "jit.py":
            files.add(path)
            files.update(dependencies(text))
    return sorted(files)


@lru_cache(maxsize=None)
def sources_digest() -> str:
    """Hash of :func:`compiled_sources` (names and contents)."""
    digest = hashlib.sha256()
    for path in compiled_sources():
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=None)
def numba_cache_dir() -> Path:
    directory = cache_dir() / "numba" / sources_digest()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: a per-user temporary directory still caches within a session
        directory = Path(tempfile.gettempdir()) / f"zero-numba-{os.getuid() if hasattr(os, 'getuid') else 0}" / sources_digest()
        directory.mkdir(parents=True, exist_ok=True)
    return directory


def compiled(function, **options):
    """``numba.njit(cache=True, error_model="numpy")`` with the cache keyed on the sources."""
    previous = config.CACHE_DIR  # numba picks a function's cache location when it is decorated
    config.CACHE_DIR = str(numba_cache_dir())
    try:
        return nb.njit(cache=True, error_model="numpy", **options)(function)
    finally:
        config.CACHE_DIR = previous


def compiled_inline(function):
    """:func:`compiled`, and inlined by numba into every compiled caller (no call, no argument
    passing: for a function called once per example in a hot loop; each call site gets a copy)."""
    return compiled(function, inline="always")


@intrinsic
def cycles(typingctx):
    """The CPU's cycle counter (``llvm.readcyclecounter``: RDTSC on x86, 0 where a CPU has none),
    for profiling compiled loops at ~25 cycles a read; callers convert to seconds by timing a whole
    run with :func:`time.perf_counter`."""

    def codegen(context, builder, signature, args):
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                                  "llvm.readcyclecounter")  # fmt: skip
        return builder.call(function, [])

    return types.uint64(), codegen
