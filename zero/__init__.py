"""zero: discover machine-learning algorithms by evolution, in the style of AutoML-Zero.

Real, Liang, So, Le. "AutoML-Zero: Evolving Machine Learning Algorithms From Scratch." ICML 2020.

The package is layered; each layer imports only itself and the layers listed before it
(``tests/test_layers.py`` enforces this, ``docs/architecture.md`` explains it):

1. foundation: :mod:`zero.errors`, :mod:`zero.schema` (strict YAML), :mod:`zero.store` (run
   directories on disk), :mod:`zero.progress` (the terminal display);
2. :mod:`zero.lang`: the language of programs;
3. :mod:`zero.tasks`: task families and their data;
4. :mod:`zero.interpreter`: programs × tasks → fitness;
5. :mod:`zero.search`: experiments, variation, the compiled evolution loop, islands, the run driver;
6. :mod:`zero.baselines`: rivals scored on the same tasks;
7. :mod:`zero.champion`: what a run found — loading, inspection, replay, export, comparison;
8. :mod:`zero.bench`: measurements;
9. :mod:`zero.api`: the Python API (``zero.run``, ``zero.load``, ``zero.replay``, ``zero.compare``,
   ``zero.report``, ``zero.estimator``);
10. :mod:`zero.cli`: the ``zero`` command.

The API's functions are reachable as attributes of the package itself. They are looked up in
:mod:`zero.api` on first use (PEP 562 module ``__getattr__``), not imported here, so ``import zero``
loads nothing heavy and the package root stays at the bottom of the layers.
"""

import importlib

__version__ = "0.1.0"

_API = ("run", "load", "replay", "compare", "report", "estimator", "RunResult", "Comparison")


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module("zero.api"), name)
    raise AttributeError(f"module 'zero' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
