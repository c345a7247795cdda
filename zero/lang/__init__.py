"""The language: what a candidate algorithm is, independent of how it is run or searched.

Holds the op table (:mod:`~zero.lang.ops`, ids 0–64 that never move), programs and their JSON and
text forms (:mod:`~zero.lang.program`), the flat arrays compiled code reads
(:mod:`~zero.lang.encoding`), search spaces — the ops, memory sizes and size bounds a search may
use (:mod:`~zero.lang.space`) — and random programs drawn from them (:mod:`~zero.lang.generator`),
the splitmix64 stream every random draw of the engine is defined by (:mod:`~zero.lang.splitmix`),
exact dead-code removal (:mod:`~zero.lang.simplify`) and the hand-written programs
(:mod:`~zero.lang.handwritten`).

May import: the foundation (:mod:`zero.errors`, :mod:`zero.schema`) and itself; nothing compiled,
no tasks, no numba. See docs/architecture.md.
"""
