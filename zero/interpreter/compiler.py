"""The numba-compiled interpreter, specialized per feature size.

:func:`compile_for` returns the kernels of :mod:`zero.interpreter.kernels` compiled with the feature
size F as a compile-time constant, so that every vector/matrix loop has a constant trip count
(measured: the dispatch inlined and F fixed is >2× faster than F as a runtime shape; the reference
C++ templates F for the same reason).

How: the kernels module is a template whose ``FEATURE_SIZE = 4  # specialized`` line is rewritten to
the wanted F; the result is written once into the zero cache directory (``$ZERO_CACHE_DIR``, else
``$XDG_CACHE_HOME/zero`` or ``~/.cache/zero``) under a name carrying F and a hash of the source, and
imported from there. Every function in it is a plain module-level ``@njit(cache=True)`` function,
so numba's on-disk cache serves later processes: a fresh process is ready to evaluate in about a
second instead of recompiling. (Closures over F would be simpler, but numba cannot cache a closure
that captures another jitted function: it recompiled in every process.)
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Callable, NamedTuple

from zero.interpreter import kernels as _template
from zero.interpreter.common import MAX_ABS_ERROR, MIN_FITNESS, UNKNOWN_OP, combine  # noqa: F401  (re-exported)
from zero.interpreter.jit import cache_dir, dependencies

_MARKER = "FEATURE_SIZE = 4  # specialized"


class Interpreter(NamedTuple):
    """Kernels compiled for one feature size; see :mod:`zero.interpreter.kernels` for contracts."""

    feature_size: int
    run_component: Callable  # (code, data, start, end, s, v, m, m_flat, tmp_v, tmp_m, rng) -> count or UNKNOWN_OP
    run_tasks: Callable  # a range of tasks, in given memory -> per-task fitness (written into `out`)
    evaluate_tasks: Callable  # every task of a set -> per-task fitness (written into `out`)
    module: ModuleType  # the specialized module itself


def specialize(template: ModuleType, feature_size: int, lines: dict[str, str] | None = None) -> ModuleType:
    """Import a copy of ``template`` with ``FEATURE_SIZE`` set to ``feature_size``.

    ``lines`` rewrites further whole lines (each must occur exactly once), e.g. an import of the
    kernels template replaced by an import of its specialization for the same F.
    """
    source = Path(template.__file__).read_text()
    replacements = {_MARKER: f"FEATURE_SIZE = {int(feature_size)}  # specialized", **(lines or {})}
    for old, new in replacements.items():
        if source.count(old) != 1:
            raise RuntimeError(f"{template.__file__} must contain the line {old!r} exactly once")
        source = source.replace(old, new)
    # numba's cache checks only the cached file's own timestamp, not the jitted functions it calls
    # in other modules; the name therefore carries a hash of those modules' sources too, so a
    # change anywhere in the compiled code's dependencies compiles afresh instead of reusing it.
    sources = [source] + [path.read_text() for path in dependencies(source)]
    digest = hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]
    stem = f"{template.__name__.rsplit('.', 1)[-1]}_f{feature_size}_{digest}"
    name = f"zero._specialized.{stem}"
    if name in sys.modules:
        return sys.modules[name]
    directory = cache_dir() / "kernels"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        directory = Path(tempfile.gettempdir()) / "zero-kernels"
        directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.py"
    if not path.exists():  # written once: rewriting would change its mtime and void numba's cache
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def compile_for(feature_size: int) -> Interpreter:
    """The interpreter for feature size ``F`` (compiled lazily on first call, then cached on disk)."""
    if int(feature_size) < 1:
        raise ValueError(f"feature size must be >= 1, got {feature_size}")
    module = specialize(_template, int(feature_size))
    return Interpreter(int(feature_size), module.run_component, module.run_tasks, module.evaluate_tasks, module)
