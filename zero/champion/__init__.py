"""What a run found: a champion loaded from a run directory or a file, read, replayed, exported, compared.

Holds the loader (:mod:`~zero.champion.loader`: a run directory, ``final.json``, a candidate line or
a bare program, with the run's experiment; the champion of a run without ``final.json`` is chosen by
the search's own rule, :mod:`zero.search.candidates`), inspection (:mod:`~zero.champion.inspection`:
code, fitness, lineage, curves), replay on recorded or new tasks (:mod:`~zero.champion.replay`),
export to a standalone NumPy or torch module (:mod:`~zero.champion.export`), a champion as a
scikit-learn estimator to fit on your own data (:mod:`~zero.champion.estimator`) and the comparison
of evolved champions with baselines on the same held-out tasks (:mod:`~zero.champion.compare`).

May import: every layer below it (foundation, lang, tasks, interpreter, search, baselines) and
itself; never the CLI. See docs/architecture.md.
"""
