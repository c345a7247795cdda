"""The compiled search loop: regularized evolution over batches of individuals, never leaving numba.

A template specialized per tuple of feature sizes (see
:func:`zero.search.evolution.compile_search_for`): the search tasks come as *groups*, one per feature
size (one group for a plain experiment), and :func:`run_group` calls the ``run_tasks`` of group g's
size (:mod:`zero.interpreter.kernels`, specialized per F) directly, so the hot loop select → mutate
→ fingerprint → FEC → evaluate (with hurdle) → replace runs without crossing into Python; Python is
visited once per batch to report, checkpoint and stop (docs/architecture.md). Tasks are numbered
in phase order across the groups (group 0's first), as ``per_task`` and the fingerprint read them.

Semantics, per individual (Real et al., "AutoML-Zero", ICML 2020, §3 and Fig. 1; reference
``regularized_evolution.cc``):

- *Initialisation* (the first ``population`` individuals of an experiment): slot ``k`` gets the
  template program (no-op or hand-written), redrawn at random when ``random_init`` is set.
- *Evolution*: a tournament of ``tournament`` slots drawn uniformly with replacement, the fittest
  wins (the first drawn on ties; with ``prefer_shorter``, the one of fewer instructions, then the
  first drawn: a second objective, program size, that keeps programs small and readable); with
  probability ``mutation_probability`` the winner's copy is mutated
  (:mod:`zero.search.mutation_kernels`); the child overwrites the oldest slot (slots are replaced in
  round-robin order, so the oldest is next).
- *Fitness* (:func:`_fitness`), of the child's live instructions only (its dead code removed:
  the same predictions): the FEC fingerprint (taken from the memo when a slot, the parent's or
  another found through the memo's hash index, holds the same live instructions) is looked up
  first; on a miss the program is evaluated on the search tasks, combined by mean or median. With hurdles on and the population
  full, the first ``hurdle_tasks`` tasks are evaluated first; a program whose fitness there is below
  the current hurdle (a percentile of the population's distinct fitness values, set by Python at
  fixed individual counts) keeps that partial fitness and skips the rest (the paper's progressive
  dynamic hurdles, §3.2).
- *Compute limit* (:mod:`zero.lang.budget`): a child whose live predict and learn instructions do
  more work per example than ``settings.max_work[g]`` at some group g's feature size scores
  ``MIN_FITNESS`` without a fingerprint, an FEC lookup or an evaluation (:func:`_over_budget`).
- The experiment's best individual (highest fitness, first found on ties) is kept in ``best_*``.

Every random draw comes from the splitmix64 stream ``state.rng``; together with the FEC arrays the
state (:class:`zero.search.evolution.State`) determines the rest of the run, which makes runs reproducible
and resumable.
"""

from __future__ import annotations

import numpy as np

from zero.interpreter.common import MIN_FITNESS, combine
from zero.interpreter.jit import compiled, cycles
from zero.interpreter.kernels import run_tasks, scratch_memory  # specialized
from zero.interpreter.liveness_kernels import live_program, workspace
from zero.interpreter.splitmix_kernels import uniform
from zero.search.fec import fold, fold_row, insert, lookup
from zero.search.mutation_kernels import copy_program, mutate, randomize_algorithm

FEATURE_SIZE = 4  # specialized
F = FEATURE_SIZE

# counters (int64) and figures (float64) of the state; zero.search.evolution names them for Python
INDIVIDUALS, EXPERIMENT_INDIVIDUALS, FILLED, NEXT_SLOT, EVALUATIONS, HURDLE_STOPS = range(6)
BEST_FITNESS, HURDLE = range(2)
ONE_EPOCH = np.int64(1)  # typed int64, not a literal 1 (a literal would compile run_tasks a second time)
# Profile stages: where an individual's time goes (cycles summed into `profile` when it has a slot
# per stage; `zero bench --profile` reads them). An empty `profile` array switches profiling off.
VARY, DEAD_CODE, FINGERPRINT, FEC_LOOKUP, EVALUATE, FEC_INSERT, REPLACE = range(7)
STAGES = ("tournament, copy and mutation", "dead-code removal", "FEC fingerprint", "FEC lookup",
          "evaluation (with hurdle)", "FEC insert", "replacement and best")  # fmt: skip


@compiled
def _tick(profile, stage, since):
    """Add the cycles since ``since`` to ``profile[stage]`` (when profiling) and return now."""
    if profile.shape[0] == 0:
        return since
    now = cycles()
    profile[stage] += now - since
    return now


@compiled
def run_group(g, code, data, bounds, mems, groups, first, last, settings, n_train, n_valid, epochs, per_task, traces):
    """``run_tasks`` of group g's feature size on its tasks [first, last) (indices within the group),
    in its scratch memory ``mems[g]``; writes ``per_task`` and ``traces`` (the group's rows)."""
    tasks = groups[g]
    s, v, m, mf, tv, tm, prng = mems[g]
    run_tasks(code, data, bounds, s, v, m, mf, tv, tm, prng, tasks.x_train, tasks.y_train, tasks.x_valid, tasks.y_valid, tasks.orders, tasks.rng_seeds, first, last, settings.classification, settings.max_abs_error, n_train, n_valid, epochs, per_task, traces)  # dispatch


@compiled
def memories(settings):
    """One scratch memory per group, sized for its feature size."""
    return (scratch_memory(settings.n_scalars, settings.n_vectors, settings.n_matrices),)  # memories


@compiled
def liveness_workspace(settings):
    """The dead-code scratch (:func:`zero.interpreter.liveness_kernels.workspace`) for the space's banks."""
    return workspace(max(settings.n_scalars, settings.n_vectors, settings.n_matrices))


@compiled
def fingerprint(code, data, bounds, mems, scratch, groups, settings):
    """The FEC key of a program: its predictions on every task's short prefix (see zero.search.fec).
    ``scratch``: per group, float64 [tasks, fec_train + fec_valid] traces and [tasks] per-task fitness."""
    n_train, n_valid = fingerprint_prefix(groups, settings)
    h = key_start(n_train, n_valid)
    t = 0
    for g in range(len(groups)):
        traces, per_task = scratch[g]
        traces[:] = np.nan
        n = groups[g].x_train.shape[0]
        run_group(g, code, data, bounds, mems, groups, 0, n, settings, n_train, n_valid, ONE_EPOCH, per_task, traces)
        h = fold_traces(h, traces, t, n_train + n_valid)
        t += n
    return h


@compiled
def fingerprint_prefix(groups, settings):
    """Training and validation examples per task that a fingerprint runs (the FEC's, at most the
    first group's; every group has the same counts)."""
    return min(settings.fec_train, groups[0].x_train.shape[1]), min(settings.fec_valid, groups[0].x_valid.shape[1])


@compiled
def key_start(n_train, n_valid):
    """A key before any prediction is folded in: the prefix's sizes."""
    return fold(fold(np.uint64(0), n_train), n_valid)


@compiled
def fold_traces(h, traces, t, width):
    """Fold one group's prefix predictions (``traces[row, :width]``, row = task) into the key ``h``;
    ``t``: the phase-order index of the group's first task. The one place a key is formed from
    predictions, for the CPU loop and for traces made elsewhere (:func:`keys_from_traces`)."""
    for row in range(traces.shape[0]):
        h = fold_row(fold(h, t), traces[row], width)
        t += 1
    return h


@compiled
def fingerprint_of(code, data, bounds, groups, settings):
    """:func:`fingerprint` in scratch of its own (for Python callers: one call, no lists crossing)."""
    return fingerprint(code, data, bounds, memories(settings), fingerprint_scratch(groups, settings), groups, settings)


@compiled
def evaluate_range(code, data, bounds, mems, scratch, groups, settings, first, last, per_task):
    """``per_task[t]`` = fitness on search task t (phase order), for t in [first, last)."""
    no_traces = np.empty((0, 0))  # writable, like the fingerprint's traces: one compiled run_tasks serves both
    offset = 0
    for g in range(len(groups)):
        tasks = groups[g]
        n = tasks.x_train.shape[0]
        lo, hi = max(first - offset, 0), min(last - offset, n)
        if lo < hi:
            group_per_task = scratch[g][1]
            run_group(g, code, data, bounds, mems, groups, lo, hi, settings, tasks.x_train.shape[1], tasks.x_valid.shape[1],
                      tasks.orders.shape[1], group_per_task, no_traces)  # fmt: skip
            for row in range(lo, hi):
                per_task[offset + row] = group_per_task[row]
        offset += n


@compiled
def fingerprint_scratch(groups, settings):
    """Per group, traces [tasks, fec_train + fec_valid] and per-task fitness [tasks]: scratch."""
    width = settings.fec_train + settings.fec_valid
    return [(np.empty((groups[g].x_train.shape[0], width)), np.zeros(groups[g].x_train.shape[0])) for g in range(len(groups))]


@compiled
def count_tasks(groups):
    n = 0
    for g in range(len(groups)):
        n += groups[g].x_train.shape[0]
    return n


@compiled
def _same_program(code, data, bounds, other_code, other_data, other_bounds):
    """Whether two encoded programs are the same instructions, data compared bit for bit (0.0 and
    -0.0 differ: a program can tell them apart)."""
    for c in range(4):
        if bounds[c] != other_bounds[c]:
            return False
    for r in range(bounds[3]):
        for j in range(4):
            if code[r, j] != other_code[r, j]:
                return False
        for j in range(3):
            if np.float64(data[r, j]).view(np.uint64) != np.float64(other_data[r, j]).view(np.uint64):
                return False
    return True


_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_S29 = np.uint64(29)


@compiled
def program_hash(code, data, bounds):
    """A 64-bit hash of an encoded program (its bounds, op ids, addresses and data bits): where the
    memo's index looks a program up. Cheap rather than strong: an index hit is always confirmed by
    :func:`_same_program`, so a collision costs a comparison, never a wrong key."""
    h = np.uint64(bounds[0]) | (np.uint64(bounds[1]) << np.uint64(16)) | (np.uint64(bounds[2]) << np.uint64(32)) | (
        np.uint64(bounds[3]) << np.uint64(48))  # fmt: skip
    for r in range(bounds[3]):
        word = (np.uint64(code[r, 0]) << np.uint64(48)) ^ (np.uint64(code[r, 1]) << np.uint64(32)) ^ (
            np.uint64(code[r, 2]) << np.uint64(16)) ^ np.uint64(code[r, 3])  # fmt: skip
        for w in (word, np.float64(data[r, 0]).view(np.uint64), np.float64(data[r, 1]).view(np.uint64),
                  np.float64(data[r, 2]).view(np.uint64)):  # fmt: skip
            h = (h ^ w) * _HASH_MULTIPLIER
            h ^= h >> _S29
    return h


@compiled
def _index_entry(memo, h):
    """Where the memo's index keeps the slot of a program of hash ``h``: its low bits."""
    return h & np.uint64(memo.index.shape[0] - 1)


@compiled
def _known_key(code, data, bounds, parent, memo):
    """``(slot, hash)``: a slot of the memo that holds exactly this live program (its parent's, else
    the one the index names), or -1; the program's hash either way."""
    if parent >= 0 and memo.known[parent] and _same_program(code, data, bounds, memo.code[parent], memo.data[parent],
                                                             memo.bounds[parent]):  # fmt: skip
        return parent, memo.hashes[parent]
    h = program_hash(code, data, bounds)
    j = memo.index[_index_entry(memo, h)]
    if j >= 0 and memo.known[j] and memo.hashes[j] == h and _same_program(code, data, bounds, memo.code[j], memo.data[j],
                                                                          memo.bounds[j]):  # fmt: skip
        return j, h
    return -1, h


@compiled
def _remember(code, data, bounds, h, key, slot, memo):
    """The memo's record of the live program just written into ``slot``: its instructions, hash and
    key, and the index entry of its hash."""
    copy_program(code, data, bounds, memo.code[slot], memo.data[slot], memo.bounds[slot])
    memo.keys[slot] = key
    memo.hashes[slot] = h
    memo.known[slot] = True
    memo.index[_index_entry(memo, h)] = slot


@compiled
def _key(code, data, bounds, parent, slot, memo, mems, scratch, groups, settings):
    """The FEC key of a child (its live instructions), from the memo when a slot holds the same
    live program (see zero.search.evolution.FingerprintMemo), else computed; the memo then
    remembers it for the child's slot. A pure function of the live program, so the memo never
    changes a key."""
    known, h = _known_key(code, data, bounds, parent, memo)
    if known >= 0:
        key = memo.keys[known]
    else:
        key = fingerprint(code, data, bounds, mems, scratch, groups, settings)
    _remember(code, data, bounds, h, key, slot, memo)
    return key


@compiled
def _hurdle_tasks(state, settings, n_tasks):
    """How many first search tasks a child is scored on before the hurdle is checked: the
    experiment's ``hurdle_tasks`` once the population is full, 0 (no hurdle) before or when off."""
    if settings.hurdle_tasks > 0 and state.counters[FILLED] >= settings.population:
        return min(settings.hurdle_tasks, n_tasks)
    return 0


@compiled
def _stops_at_hurdle(first_tasks, state, settings):
    """Whether a child's fitness on the hurdle's tasks (combined as the experiment says) falls
    below the current hurdle; counts the stop. The one hurdle rule of the sequential loop and the
    batch step: a stopped child's fitness is that of these tasks alone."""
    if combine(first_tasks, settings.median) < state.figures[HURDLE]:
        state.counters[HURDLE_STOPS] += 1
        return True
    return False


@compiled
def _fitness(code, data, bounds, parent, slot, memo, state, cache, mems, scratch, found, per_task, groups, settings, profile,
             clock):  # fmt: skip
    """The fitness of a child given as its live instructions (bit-identical predictions to the
    whole child: zero.interpreter.liveness_kernels); FEC, hurdle and insert as described above."""
    key = np.uint64(0)
    if settings.fec:
        key = _key(code, data, bounds, parent, slot, memo, mems, scratch, groups, settings)
        clock = _tick(profile, FINGERPRINT, clock)
        fitness = lookup(cache, key, found)
        clock = _tick(profile, FEC_LOOKUP, clock)
        if found[0]:
            return fitness, clock
    n_tasks = per_task.shape[0]
    done = n_tasks
    hurdle = _hurdle_tasks(state, settings, n_tasks)
    if hurdle:  # the hurdle's tasks first, the rest only for a child that clears it
        evaluate_range(code, data, bounds, mems, scratch, groups, settings, 0, hurdle, per_task)
        if _stops_at_hurdle(per_task[:hurdle], state, settings):
            done = hurdle
        else:
            evaluate_range(code, data, bounds, mems, scratch, groups, settings, hurdle, n_tasks, per_task)
    else:
        evaluate_range(code, data, bounds, mems, scratch, groups, settings, 0, n_tasks, per_task)
    state.counters[EVALUATIONS] += 1
    fitness = combine(per_task[:done], settings.median)
    clock = _tick(profile, EVALUATE, clock)
    if settings.fec:
        insert(cache, key, fitness)
        clock = _tick(profile, FEC_INSERT, clock)
    return fitness, clock


@compiled
def _over_budget(code, bounds, settings):
    """Whether the live program in ``code`` does more work per example than the compute limit at
    the feature size of some group (``max_work[g]``, ``op_work[g]``: that size's limit and prices)."""
    for g in range(settings.max_work.shape[0]):
        if settings.max_work[g] == np.inf:
            continue
        total = 0
        for r in range(bounds[1], bounds[3]):  # predict and learn
            total += settings.op_work[g, code[r, 0]]
        if total > settings.max_work[g]:
            return True
    return False


@compiled
def _tournament(state, settings):
    rng = state.rng
    population = settings.population
    best = int(uniform(rng) * population)
    for _ in range(1, settings.tournament):
        k = int(uniform(rng) * population)
        if state.fitness[k] > state.fitness[best] or (
            settings.prefer_shorter and state.fitness[k] == state.fitness[best] and state.bounds[k, 3] < state.bounds[best, 3]
        ):
            best = k
    return best


@compiled
def _draw_child(state, space, settings, initial, code, data, bounds):
    """Write the next child into ``code, data, bounds``: for an ``initial`` individual the template
    (redrawn at random with ``random_init``), else a tournament winner's copy, mutated with
    probability ``mutation_probability``. Returns the parent's slot (-1 for an initial individual).
    Every draw of a child comes from here, in this order."""
    if initial:
        copy_program(state.template_code, state.template_data, state.template_bounds, code, data, bounds)
        if settings.random_init:
            randomize_algorithm(code, data, bounds, space, state.rng)
        return -1
    parent = _tournament(state, settings)
    if uniform(state.rng) < settings.mutation_probability:
        mutate(state.code[parent], state.data[parent], state.bounds[parent], code, data, bounds, space, state.rng)
    else:
        copy_program(state.code[parent], state.data[parent], state.bounds[parent], code, data, bounds)
    return parent


@compiled
def _accept(state, settings, slot, fitness, code, data, bounds):
    """Write a scored child into ``slot`` (a free one while the population fills, else the oldest),
    keep the experiment's best (first found on ties) and count it."""
    counters = state.counters
    copy_program(code, data, bounds, state.code[slot], state.data[slot], state.bounds[slot])
    state.fitness[slot] = fitness
    if counters[FILLED] < settings.population:
        counters[FILLED] += 1
    else:
        counters[NEXT_SLOT] = (slot + 1) % settings.population
    if fitness > state.figures[BEST_FITNESS]:
        state.figures[BEST_FITNESS] = fitness
        copy_program(code, data, bounds, state.best_code, state.best_data, state.best_bounds)
    counters[INDIVIDUALS] += 1
    counters[EXPERIMENT_INDIVIDUALS] += 1


@compiled
def evolve(state, cache, memo, space, groups, settings, n_individuals, profile):
    """Run ``n_individuals`` more individuals of the experiment; returns how many ran. (The batched
    loop's make_children and accept_children below are this loop cut in two around the same
    _draw_child and _accept; tests/test_batched.py checks the two state for state.) ``memo``:
    fingerprints of live programs by slot (zero.search.evolution.FingerprintMemo; derived data, not
    part of the state). ``profile``: an empty array, or one uint64 per stage (:data:`STAGES`) that
    the cycles spent are added to. ``groups``: the search tasks, one SearchTasks per feature size."""
    mems = memories(settings)
    capacity = state.code.shape[1]
    child_code = np.zeros((capacity, 4), dtype=np.int32)
    child_data = np.zeros((capacity, 3))
    child_bounds = np.zeros(4, dtype=np.int64)
    live_code, live_data, live_bounds = np.zeros_like(child_code), np.zeros_like(child_data), np.zeros_like(child_bounds)
    keep = np.zeros(capacity, dtype=np.bool_)
    work = liveness_workspace(settings)
    scratch = fingerprint_scratch(groups, settings)
    per_task = np.zeros(count_tasks(groups))
    found = np.zeros(1, dtype=np.bool_)
    counters = state.counters
    clock = cycles() if profile.shape[0] > 0 else np.uint64(0)
    for _ in range(n_individuals):
        initial = counters[FILLED] < settings.population
        slot = counters[FILLED] if initial else counters[NEXT_SLOT]
        parent = _draw_child(state, space, settings, initial, child_code, child_data, child_bounds)
        clock = _tick(profile, VARY, clock)
        live_program(child_code, child_data, child_bounds, work, keep, live_code, live_data, live_bounds)
        clock = _tick(profile, DEAD_CODE, clock)
        if _over_budget(live_code, live_bounds, settings):
            fitness = MIN_FITNESS
            memo.known[slot] = False  # the slot's previous fingerprint is not this child's
        else:
            fitness, clock = _fitness(live_code, live_data, live_bounds, parent, slot, memo, state, cache, mems, scratch, found,
                                      per_task, groups, settings, profile, clock)  # fmt: skip
        _accept(state, settings, slot, fitness, child_code, child_data, child_bounds)
        clock = _tick(profile, REPLACE, clock)
    return n_individuals


# ---- the batched loop (zero.search.batched): the same individuals, a batch of children at a time
#
# A batch of n children is drawn from the population as it stands (tournaments, mutations, dead-code
# removal: make_children), then their FEC keys are formed from prefix predictions made elsewhere
# (keys_from_traces; a GPU makes them for the whole batch at once), the cache is asked
# (lookup_batch), the misses are evaluated elsewhere on every search task, and accept_children
# writes the children into their slots in order, exactly as `evolve` would have after each one.
# With n = 1 this *is* `evolve` (tests/test_batched.py checks the state bit for bit); with n > 1 a
# child's parents are drawn from the population before the batch (the paper's many workers), and
# an FEC hit can only come from before the batch. Every random draw is made in make_children, in
# `evolve`'s order; nothing drawn depends on where the batch is evaluated.

OVER_BUDGET, KEY_KNOWN, KEY_NEEDED, NO_KEY = range(4)  # a child's status after make_children


@compiled
def make_children(state, memo, space, settings, n, kids, live, parents, slots, status, keys, hashes):
    """Draw the next ``n`` children (``kids``: code/data/bounds, [n, L, ...]) and their live
    instructions (``live``); ``parents[k]`` the tournament winner (-1 for an initial individual),
    ``slots[k]`` the slot it will replace, ``status[k]`` as above (``keys[k]`` set when KEY_KNOWN,
    from the memo), ``hashes[k]`` its live program's :func:`program_hash` (unless over budget or
    without FEC). The population is not touched: :func:`accept_children` writes it. A
    batch must not straddle the population's filling (the caller ends it there)."""
    capacity = state.code.shape[1]
    keep = np.zeros(capacity, dtype=np.bool_)
    work = liveness_workspace(settings)
    kid_code, kid_data, kid_bounds = kids
    live_code, live_data, live_bounds = live
    filled, next_slot = state.counters[FILLED], state.counters[NEXT_SLOT]
    for k in range(n):
        initial = filled < settings.population
        if initial:
            slots[k] = filled
            filled += 1
        else:
            slots[k] = next_slot
            next_slot = (next_slot + 1) % settings.population
        parent = _draw_child(state, space, settings, initial, kid_code[k], kid_data[k], kid_bounds[k])
        parents[k] = parent
        live_program(kid_code[k], kid_data[k], kid_bounds[k], work, keep, live_code[k], live_data[k], live_bounds[k])
        if _over_budget(live_code[k], live_bounds[k], settings):
            status[k] = OVER_BUDGET
        elif not settings.fec:
            status[k] = NO_KEY
        else:
            known, h = _known_key(live_code[k], live_data[k], live_bounds[k], parent, memo)
            hashes[k] = h
            if known >= 0:
                status[k] = KEY_KNOWN
                keys[k] = memo.keys[known]
            else:
                status[k] = KEY_NEEDED


@compiled
def keys_from_traces(traces, n_train, n_valid, rows, keys):
    """``keys[rows[j]]`` = the FEC key made from ``traces[g][j]``: child j's prefix predictions on
    group g's tasks ([tasks, n_train + n_valid], one epoch), the groups in phase order; the same
    key :func:`fingerprint` makes from the same predictions."""
    for j in range(rows.shape[0]):
        h = key_start(n_train, n_valid)
        t = 0
        for g in range(len(traces)):
            h = fold_traces(h, traces[g][j], t, n_train + n_valid)
            t += traces[g].shape[1]
        keys[rows[j]] = h


@compiled
def lookup_batch(cache, n, status, keys, found, cached):
    """Ask the FEC for every child with a key, in order (before any of the batch is inserted)."""
    hit = np.zeros(1, dtype=np.bool_)
    for k in range(n):
        found[k] = False
        if status[k] == KEY_KNOWN or status[k] == KEY_NEEDED:
            cached[k] = lookup(cache, keys[k], hit)
            found[k] = hit[0]


@compiled
def accept_children(state, cache, memo, settings, n, kids, live, slots, status, keys, hashes, found, cached, per_task):
    """Write the batch into the population in order, as :func:`evolve` does per child: fitness
    (MIN_FITNESS over budget; the cached value on an FEC hit; else ``per_task[k]``, every search
    task's fitness, combined, or only the first ``hurdle_tasks`` when those fall below the hurdle
    with the population full), FEC insert, memo, slot, best and counters."""
    kid_code, kid_data, kid_bounds = kids
    live_code, live_data, live_bounds = live
    counters = state.counters
    n_tasks = per_task.shape[1]
    for k in range(n):
        slot = slots[k]
        if status[k] == OVER_BUDGET:
            fitness = MIN_FITNESS
            memo.known[slot] = False
        else:
            if status[k] != NO_KEY:
                _remember(live_code[k], live_data[k], live_bounds[k], hashes[k], keys[k], slot, memo)
            if found[k]:
                fitness = cached[k]
            else:
                done = n_tasks
                hurdle = _hurdle_tasks(state, settings, n_tasks)
                if hurdle and _stops_at_hurdle(per_task[k, :hurdle], state, settings):
                    done = hurdle
                counters[EVALUATIONS] += 1
                fitness = combine(per_task[k, :done], settings.median)
                if status[k] != NO_KEY:
                    insert(cache, keys[k], fitness)
        _accept(state, settings, slot, fitness, kid_code[k], kid_data[k], kid_bounds[k])
