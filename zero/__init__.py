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
9. :mod:`zero.cli`: the ``zero`` command.
"""

__version__ = "0.1.0"
