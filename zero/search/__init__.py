"""The search: from an experiment file to a champion, on one core, many islands or a Ray cluster.

Holds the experiment (:mod:`~zero.search.experiment`: a YAML file resolved into tasks, space,
mutator and settings), variation (:mod:`~zero.search.mutation` and its compiled twin
:mod:`~zero.search.mutation_kernels`), the functional-equivalence cache (:mod:`~zero.search.fec`),
regularized evolution (:mod:`~zero.search.evolution` over the compiled loop
:mod:`~zero.search.evolution_kernels`, and :mod:`~zero.search.evolution_oracle`, its readable
pure-Python twin), one island (:mod:`~zero.search.island`), candidates and the champion rule
(:mod:`~zero.search.candidates`), where islands run (:mod:`~zero.search.pool`: the protocol and this
process; :mod:`~zero.search.ray_pool`: Ray, the only module that imports it) and the driver of a
run (:mod:`~zero.search.driver`).

May import: the foundation, :mod:`zero.lang`, :mod:`zero.tasks`, :mod:`zero.interpreter` and
itself; never baselines, champions or the CLI. See docs/architecture.md.
"""
