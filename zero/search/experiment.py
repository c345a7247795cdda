"""Experiments: what a search run does (``experiments/*.yaml``), read strictly.

An experiment names a search space, the task family, the three task sets of the reference's
protocol (AutoML-Zero ``run_demo.sh``, paper §4): *search* tasks that evolution scores on, *select*
tasks (unseen data) on which each new best candidate is re-scored to pick the champion and decide
when to stop, and *final* tasks (unseen, held-out class pairs for the projected families) scored once
at the end; then the evolution settings (P, T, U, mutation weights), the functional-equivalence
cache, hurdles and the stopping rules.

Every key has a default (:data:`SCHEMA` gives it with the reason); an unknown key, a wrong type or a
bad value fails at load with the file, the key and the value (:class:`~zero.errors.ConfigError`).
``Experiment.to_dict()`` is the resolved config a run directory stores; loading it again gives the
same experiment.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from zero.errors import ConfigError, ProgramError
from zero.interpreter import DEVICES
from zero.lang import space as spaces
from zero.lang.budget import work_limit
from zero.lang.generator import noop_program
from zero.lang.handwritten import HANDWRITTEN
from zero.lang.program import COMPONENTS, Instruction, Program
from zero.lang.space import INITIAL_KINDS, SearchSpace
from zero.schema import Field, at_least, in_range, one_of, read_yaml, validate
from zero.search import fec
from zero.search.mutation import DEMO_MUTATIONS, Mutator
from zero.store import RunDir
from zero.tasks import FAMILIES, Tasks, TaskSpec, groups_of, make_mixed_tasks

# The shipped experiments: zero/_experiments in an installed wheel (pyproject.toml puts them there),
# else the checkout's top-level experiments/.
EXPERIMENTS_DIR = Path(__file__).resolve().parents[1] / "_experiments"
if not EXPERIMENTS_DIR.is_dir():
    EXPERIMENTS_DIR = Path(__file__).resolve().parents[2] / "experiments"
DEFAULT_EXPERIMENT = "linear_regression"
# What a resumed run may change: when it stops and how often it checkpoints. Anything else would
# continue a population, an FEC and a random stream under another experiment than they grew in.
RESUMABLE_KEYS = ("stop.select_fitness", "stop.max_individuals", "stop.max_seconds", "checkpoint_seconds")


def _feature_sizes(v: Any) -> str | None:
    sizes = v if isinstance(v, list) else [v]
    if not sizes or any(isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in sizes):
        return "must be an integer >= 1 or a non-empty list of them"
    if len(set(sizes)) != len(sizes):
        return "must not repeat a size"
    return None


def _phase_families(v: Any) -> str | None:
    if v is None:
        return None
    names = v if isinstance(v, list) else [v]
    if not names or any(not isinstance(n, str) for n in names):
        return "must be a family name, a non-empty list of them, or null"
    if len(set(names)) != len(names):
        return "must not repeat a family"
    return None


def _kind(classification: bool) -> str:
    return "classification" if classification else "regression"


def _fraction(v: Any) -> str | None:
    return None if 0.0 <= v <= 1.0 else "must lie in [0, 1]"


def _phase(num_tasks: int, num_train: int, num_valid: int, *, seed: int, held_out: bool = False) -> dict:
    return {"num_tasks": num_tasks, "num_train": num_train, "num_valid": num_valid, "num_test": 100,
            "epochs": 1, "seed": seed, "held_out": held_out}  # fmt: skip


# The reference demo's task sets (run_demo.sh): the defaults of each phase's keys.
PHASES = {
    "search": _phase(10, 100, 100, seed=1000),
    "select": _phase(100, 1000, 100, seed=2000),
    "final": _phase(100, 1000, 100, seed=3000, held_out=True),
}
PHASE = {
    "num_tasks": Field(int, doc="how many tasks", check=at_least(1)),
    "num_train": Field(int, doc="training examples per task", check=at_least(1)),
    "num_valid": Field(int, doc="validation examples per task (they score the program)", check=at_least(1)),
    "num_test": Field(int, doc="test examples per task (reported, never used to choose)", check=at_least(1)),
    "epochs": Field(int, doc="passes over the training examples", check=at_least(1)),
    "seed": Field(int, doc="seed of the task data; fixed per phase so every run sees the same tasks", check=at_least(0)),
    "held_out": Field(bool, False, "draw from the held-out class pairs / held-out seed stream"),
    "family": Field((str, list, type(None)), None, "this phase's task family, or a list of families that split its "
                    "tasks into one group each (first family first, every feature size within each), e.g. search "
                    "tasks that mix `linear` into `teacher_nn`; null: the experiment's `family`. The experiment's "
                    "`params` go to every family named", _phase_families),
}
FEC = {
    "enabled": Field(bool, True, "skip evaluating programs whose fingerprint was seen (paper §3.2)"),
    "num_train": Field(int, 10, "training examples per task in the fingerprint run (reference: 10)",
                       in_range(1, fec.MAX_ROW // 2)),
    "num_valid": Field(int, 10, "validation examples per task in the fingerprint run (reference: 10)",
                       in_range(1, fec.MAX_ROW // 2)),
    "capacity": Field(int, 100_000, "fingerprints kept, least recently used dropped (reference: 100k)", at_least(1)),
    "forget_every": Field(int, 100, "re-evaluate an entry after this many hits (reference: 100)", at_least(1)),
}
HURDLES = {
    "enabled": Field(bool, False, "progressive dynamic hurdles (paper §3.2; not in the reference code)"),
    "num_tasks": Field(int, 1, "tasks evaluated before the hurdle is checked", at_least(1)),
    "percentile": Field(float, 75.0, "hurdle = this percentile of the population's distinct fitness values",
                        lambda v: None if 0 <= v <= 100 else "must lie in [0, 100]"),
}
STOP = {
    "select_fitness": Field((float, type(None)), 0.9999, "stop once a champion's select fitness exceeds this (null: never)",
                            lambda v: None if v is None or math.isfinite(v) else "must be a finite number or null"),
    "max_individuals": Field(int, 20_000_000, "budget: individuals evaluated in the whole run", at_least(1)),
    "max_seconds": Field((float, type(None)), None, "budget: wall-clock seconds of search (null: none)",
                         lambda v: None if v is None or (math.isfinite(v) and v > 0) else "must be a finite number > 0 or null"),
}
ISLANDS = {
    "count": Field((int, type(None)), None, "populations evolving in parallel, one per worker process "
                   "(null: one per CPU of the machine or cluster; `zero run --workers N` sets it)",
                   lambda v: None if v is None or v >= 1 else "must be at least 1 or null"),
    "migrate_every": Field(int, 50_000, "individuals per island between migrations (a multiple of report_every)", at_least(1)),
    "migrants": Field(int, 50, "fittest individuals each island sends to the next one in a ring (at most its population)",
                      at_least(0)),
    "replace": Field(str, "oldest", "slots the migrants overwrite: oldest (they join as the youngest, like "
                     "children) or worst", one_of("oldest", "worst")),
    "migration_lag": Field(int, 0, "rounds migrants take to arrive: at its r-th migration count an island takes in "
                           "the migrants its predecessor sent at its (r - lag)-th (0: the same round). With lag L "
                           "an island may run L rounds ahead of its predecessor, so one call to a Ray island "
                           "spans migrations instead of ending at each one", at_least(0)),
}
TUNE_CONSTANTS = {
    "every": Field(int, 0, "individuals per island between tunings of its fittest program's constants (a "
                   "multiple of report_every); 0: off. Not in the reference (zero.search.tuning)", at_least(0)),
    "trials": Field(int, 20, "variants tried per tuning, one after another: each multiplies one constant by "
                    "exp(scale * z), z ~ N(0, 1), and is kept if it scores higher on the search tasks", at_least(1)),
    "scale": Field(float, 0.2, "spread of a trial's factor on the log scale (0.2: about ±20%)",
                   lambda v: None if math.isfinite(v) and v > 0 else "must be a finite number > 0"),
}
SCHEMA = {
    "description": Field(str, "", "free text shown by `zero inspect`"),
    "search_space": Field(str, "demo", "a shipped space's name or a YAML path (relative to this file)"),
    "initial": Field((str, type(None)), None, "initial programs: null = the space's choice, or " + ", ".join(INITIAL_KINDS),
                     lambda v: None if v is None or v in INITIAL_KINDS else f"must be one of {', '.join(INITIAL_KINDS)}"),
    "seed": Field(int, 0, "seed of the search (--seed overrides); same seed and config, same champion", at_least(0)),
    "family": Field(str, "linear", "task family (zero.tasks.FAMILIES)"),
    "feature_size": Field((int, list), 4, "F: features per example, the size of vectors and matrices; a list of "
                          "sizes (e.g. [2, 8, 32]) splits every phase's tasks into one group per size, in that order "
                          "(so a hurdle's first tasks are the first sizes'), so that evolution must find rules "
                          "that work at every size", _feature_sizes),
    "params": Field(dict, {}, "family-specific task parameters"),
    "search": Field(dict, {}, "tasks evolution scores on (keys missing here come from PHASES)"),
    "select": Field(dict, {}, "unseen tasks that pick the champion and decide when to stop"),
    "final": Field(dict, {}, "unseen tasks scored once at the end"),
    "combine": Field(str, "mean", "how per-task fitness is combined", one_of("mean", "median")),
    "max_abs_error": Field(float, 100.0, "a prediction further than this from its label ends the task at 0",
                           lambda v: None if v > 0 else "must be > 0"),
    "compute_limit": Field((float, type(None)), None, "a program whose work per example (live predict + learn "
                           "ops, priced by operand size; zero.lang.budget) exceeds this multiple of the hand-written "
                           "2-layer net's scores 0 (paper §3; the reference allows 2); null: no limit",
                           lambda v: None if v is None or (math.isfinite(v) and v > 0) else "must be a finite number > 0 or null"),
    "population": Field(int, 1000, "P: individuals alive (reference demo: 1000)", at_least(2)),
    "tournament": Field(int, 10, "T: tournament size (reference: 10)", at_least(1)),
    "prefer_shorter": Field(bool, False, "a tournament between equally fit programs goes to the one of fewer "
                            "instructions (fitness first, size second); the reference takes the first drawn. "
                            "Meant for warm starts: from empty programs, where most tie, it can select for "
                            "size alone (docs/results.md, digits_binary ablation)"),
    "mutation_probability": Field(float, 0.9, "U: chance a child is mutated (reference: 0.9)", _fraction),
    "mutations": Field(dict, dict(DEMO_MUTATIONS), "mutation types and their weights (zero.search.mutation.MUTATIONS)"),
    "fec": Field(dict, {}, "functional-equivalence cache"),
    "hurdles": Field(dict, {}, "progressive dynamic hurdles"),
    "renew_search_tasks": Field(int, 0, "individuals per island between fresh draws of the search tasks (same "
                                "spec and seed, draw k = individuals // this; a multiple of report_every); at each "
                                "the FEC is emptied and the population re-scored on the new tasks, so that programs "
                                "fitted to particular tasks lose their edge. 0: the same tasks all run (the "
                                "reference). Not in the reference", at_least(0)),
    "tune_constants": Field(dict, {}, "a short local search over the constants of each island's fittest "
                            "program, now and then (zero.search.tuning)"),
    "restart_every": Field(int, 1_000_000, "individuals per experiment before a fresh population "
                           "(the reference restarts too); 0 = never", at_least(0)),
    "stop": Field(dict, {}, "when the run ends"),
    "islands": Field(dict, {}, "parallel populations and migration between them (paper §4.2)"),
    "device": Field(str, "cpu", "where programs are evaluated: cpu (this core, the compiled loop) or cuda (an NVIDIA "
                    "GPU through numba-cuda, batch_size children per launch; each island owns one GPU; "
                    "`zero run --device cuda` sets it)", one_of(*DEVICES)),
    "batch_size": Field((int, type(None)), None, "children drawn from the population, evaluated and accepted "
                        "together (zero.search.batched); null: one at a time on cpu, a quarter of the population "
                        "(at most 4096) on cuda. The same seed and batch size give the same run (on either device for spaces "
                        "without transcendental ops; see zero.interpreter.gpu)",
                        lambda v: None if v is None or v >= 1 else "must be at least 1 or null"),
    "report_every": Field(int, 10_000, "individuals per batch: progress line, select check, hurdle update", at_least(1)),
    "checkpoint_seconds": Field(float, 60.0, "seconds between checkpoints (also written on stop and Ctrl-C)",
                                lambda v: None if v > 0 else "must be > 0"),
}


@dataclass(frozen=True)
class Experiment:
    """A resolved experiment; ``config`` is the full mapping with every default filled in."""

    name: str
    source: str  # the file it came from, named in errors
    config: dict[str, Any]
    space: SearchSpace
    mutator: Mutator

    # ---- loading

    @staticmethod
    def from_dict(data: Mapping[str, Any], source: str, name: str = "", base: Path | None = None) -> Experiment:
        cfg = validate(dict(data), SCHEMA, source)
        for key, schema in (("fec", FEC), ("hurdles", HURDLES), ("stop", STOP), ("islands", ISLANDS),
                            ("tune_constants", TUNE_CONSTANTS)):
            cfg[key] = validate(cfg[key], schema, source, prefix=f"{key}.")
        for key, defaults in PHASES.items():
            cfg[key] = validate({**defaults, **cfg[key]}, PHASE, source, prefix=f"{key}.")
        space, cfg["search_space"] = _load_space(cfg["search_space"], source, base)
        if cfg["restart_every"] and cfg["restart_every"] < cfg["population"]:
            raise ConfigError(source, "restart_every", cfg["restart_every"],
                              f"must be 0 (never) or at least the population ({cfg['population']}): "
                              "a restart before the population is full would never evolve")  # fmt: skip
        if cfg["hurdles"]["enabled"] and cfg["hurdles"]["num_tasks"] >= cfg["search"]["num_tasks"]:
            raise ConfigError(source, "hurdles.num_tasks", cfg["hurdles"]["num_tasks"],
                              f"must be below search.num_tasks ({cfg['search']['num_tasks']}): the hurdle is "
                              "checked after these tasks, before the rest")  # fmt: skip
        islands = cfg["islands"]
        if islands["migrate_every"] % cfg["report_every"]:
            raise ConfigError(source, "islands.migrate_every", islands["migrate_every"],
                              f"must be a multiple of report_every ({cfg['report_every']}): islands meet at batch ends")
        renew = cfg["renew_search_tasks"]
        if renew and renew % cfg["report_every"]:
            raise ConfigError(source, "renew_search_tasks", renew,
                              f"must be 0 or a multiple of report_every ({cfg['report_every']}): tasks change at batch ends")
        tune = cfg["tune_constants"]["every"]
        if tune % cfg["report_every"]:
            raise ConfigError(source, "tune_constants.every", tune,
                              f"must be 0 or a multiple of report_every ({cfg['report_every']}): tuning happens at batch ends")
        if renew and (cfg["device"] != "cpu" or cfg["batch_size"] is not None):
            raise ConfigError(source, "renew_search_tasks", renew, "renewed search tasks need the sequential cpu loop "
                              "(device: cpu, batch_size: null)")
        if cfg["batch_size"] is not None and cfg["batch_size"] > cfg["population"]:
            raise ConfigError(source, "batch_size", cfg["batch_size"],
                              f"must be at most the population ({cfg['population']}): a batch's parents all come "
                              "from the population before it")  # fmt: skip
        mutator = Mutator.from_config(space, cfg["mutations"], source)
        experiment = Experiment(name or Path(source).stem, source, cfg, space, mutator)
        classification = FAMILIES[cfg["family"]].classification if cfg["family"] in FAMILIES else None
        for phase in ("search", "select", "final"):
            families = experiment.families(phase)
            key, value = (f"{phase}.family", cfg[phase]["family"]) if cfg[phase]["family"] is not None else ("family", cfg["family"])
            for family in families:
                if family not in FAMILIES:
                    raise ConfigError(source, key, value, f"unknown task family {family!r}; known: {sorted(FAMILIES)}")
                if classification is not None and FAMILIES[family].classification != classification:
                    raise ConfigError(source, key, value,
                                      f"{family!r} is {_kind(not classification)}, the experiment's family "
                                      f"{cfg['family']!r} {_kind(classification)}: a program is scored one way")
                for size in experiment.feature_sizes:
                    spec = dataclasses.replace(experiment.task_spec(phase), family=family, feature_size=size)
                    spec.validate(f"{source} ({phase})")
            groups = len(families) * len(experiment.feature_sizes)
            if cfg[phase]["num_tasks"] < groups:
                raise ConfigError(source, f"{phase}.num_tasks", cfg[phase]["num_tasks"],
                                  f"must be at least the number of families x feature sizes ({groups}): "
                                  "every group needs a task")
        experiment.initial_program()  # a hand-written start that does not fit fails now
        return experiment

    @staticmethod
    def load(name_or_path: str | Path) -> Experiment:
        """A shipped experiment by name (``linear_regression``) or a YAML file by path."""
        path = Path(name_or_path)
        if path.suffix not in (".yaml", ".yml"):
            path = EXPERIMENTS_DIR / f"{name_or_path}.yaml"
            if not path.exists():
                known = ", ".join(sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml")))
                raise ConfigError(str(name_or_path), "<experiment>", str(name_or_path), f"no such experiment; shipped: {known}")
        return Experiment.from_dict(read_yaml(path), str(path), path.stem, path.parent)

    @staticmethod
    def of_run(run_dir: str | Path) -> Experiment:
        """The experiment a run directory was started with (its ``config.yaml``, as resolved then,
        with the overrides of its latest session)."""
        store = RunDir(run_dir)
        return Experiment.from_dict(store.read_config(), str(store.path / RunDir.CONFIG), name=store.path.name)

    def with_overrides(self, source: str | None = None, **overrides: Any) -> Experiment:
        """The same experiment with top-level keys (``seed=3``) or dotted keys
        (``stop.max_individuals``, ``params.pairs``) replaced, then validated like the file: an
        unknown key or a bad value is a ConfigError naming ``source`` (default: the file)."""
        data = copy.deepcopy(self.config)
        where = source or self.source
        for key, value in overrides.items():
            *heads, last = key.split(".")
            node, path = data, ""
            for head in heads:
                path += head
                if head not in node or not isinstance(node[head], dict):
                    known = ", ".join(k for k, v in node.items() if isinstance(v, dict))
                    raise ConfigError(where, path, value, f"not a section of the experiment; sections: {known}")
                node, path = node[head], path + "."
            node[last] = value
        try:
            return Experiment.from_dict(data, self.source, self.name, Path(self.source).parent)
        except ConfigError as e:
            if source is None:
                raise
            raise ConfigError(f"{source} (on {self.source})", e.key, e.value, e.problem) from None

    def check_resume_overrides(self, overrides: Mapping[str, Any], source: str) -> None:
        """Raise a ConfigError naming ``source`` unless every override either keeps its key's stored
        value or is one of :data:`RESUMABLE_KEYS` (this is the stored experiment of a run to resume)."""
        for key, value in overrides.items():
            if key in RESUMABLE_KEYS:
                continue
            stored: Any = self.config
            for part in key.split("."):
                stored = stored.get(part, "<unset>") if isinstance(stored, dict) else "<unset>"
            if stored != value:
                raise ConfigError(source, key, value, f"a resumed run keeps its experiment (stored: {stored!r}); "
                                  f"only {', '.join(RESUMABLE_KEYS)} may change")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.config.items()}

    # ---- what it implies

    @property
    def seed(self) -> int:
        return self.config["seed"]

    @property
    def feature_sizes(self) -> tuple[int, ...]:
        """The feature sizes of the tasks, in group order (one for a plain ``feature_size: F``)."""
        f = self.config["feature_size"]
        return tuple(f) if isinstance(f, list) else (f,)

    @property
    def single_feature_size(self) -> int | None:
        """The feature size, or None for an experiment of several (e.g. to render index operands)."""
        return self.feature_sizes[0] if len(self.feature_sizes) == 1 else None

    @property
    def feature_size(self) -> int:
        """The one feature size, for what needs a single one (a torch net's input width, an export);
        a clear error for an experiment of several sizes."""
        if len(self.feature_sizes) > 1:
            raise ConfigError(self.source, "feature_size", self.config["feature_size"],
                              "this needs one feature size; this experiment mixes several")
        return self.feature_sizes[0]

    def families(self, phase: str) -> tuple[str, ...]:
        """The task families of ``phase``, in group order: its own ``family`` key, else the experiment's."""
        own = self.config[phase]["family"]
        return (self.config["family"],) if own is None else tuple(own) if isinstance(own, list) else (own,)

    def task_spec(self, phase: str) -> TaskSpec:
        """The spec of ``phase``'s tasks in the experiment's ``family`` and first feature size (a
        baseline tunes on it: the family the select and final tasks are usually of). A phase of
        several groups replaces ``family`` and ``feature_size`` per group (:meth:`tasks`)."""
        c, p = self.config, self.config[phase]
        return TaskSpec(c["family"], self.feature_sizes[0], p["num_train"], p["num_valid"], p["num_test"], p["epochs"], c["params"])

    def tasks(self, phase: str, draw: int = 0) -> Tasks:
        """The tasks of ``phase`` (search, select or final), generated from its fixed seed: a
        TaskSet, or a MixedTaskSet when the phase has several feature sizes or families. ``draw``:
        which set of renewed search tasks (:meth:`search_draw`); 0, the set of a run that renews
        none."""
        p = self.config[phase]
        return make_mixed_tasks(self.task_spec(phase), self.feature_sizes, p["num_tasks"], p["seed"],
                                families=self.families(phase), held_out=p["held_out"], source=f"{self.source} ({phase})",
                                draw=draw)

    def search_draw(self, individuals: int) -> int:
        """Which draw of the search tasks an island scores on once it has evaluated ``individuals``
        (``renew_search_tasks``: a new draw at each multiple, taken at that batch end)."""
        renew = self.config["renew_search_tasks"]
        return individuals // renew if renew else 0

    def immigrants_due(self, individuals: int) -> int | None:
        """The round of its predecessor's migrants that an island takes in once it has evaluated
        ``individuals``, before its next batch; None where it takes none. Round r's migrants leave
        at the island count r × ``islands.migrate_every``; an island arriving there sends its own
        round r and takes in round r − ``islands.migration_lag`` (none while that is below 1, and
        none with one island). This is the one rule the islands and the driver share."""
        islands = self.config["islands"]
        every = islands["migrate_every"]
        if islands["count"] == 1 or individuals <= 0 or individuals % every:
            return None
        source = individuals // every - islands["migration_lag"]
        return source if source >= 1 else None

    def evaluate(self, program: Program, tasks: Tasks):
        """``program`` scored on ``tasks`` the way this experiment scores (its ``combine``,
        ``max_abs_error`` and compute limit): a :class:`zero.interpreter.evaluator.Evaluation`."""
        from zero.interpreter.evaluator import evaluate  # compiles kernels: imported only when scoring

        limits = {g.feature_size: self.max_work(g.feature_size) for g in groups_of(tasks)}
        return evaluate(program, tasks, combine_by=self.config["combine"], max_abs_error=self.config["max_abs_error"],
                        max_work=limits)

    def batch_size(self) -> int | None:
        """Children per batch of the batched loop (zero.search.batched), or None for the sequential
        CPU loop: ``batch_size`` as configured, else a quarter of the population (at most 4096) on
        cuda, none on cpu."""
        cfg = self.config
        if cfg["batch_size"] is not None:
            return int(cfg["batch_size"])
        return max(1, min(4096, cfg["population"] // 4)) if cfg["device"] == "cuda" else None

    def max_work(self, feature_size: int) -> float:
        """The most work per example a program may do on tasks of ``feature_size`` (``compute_limit``)."""
        return work_limit(self.config["compute_limit"], feature_size)

    def initial_kind(self) -> str:
        return self.config["initial"] or self.space.initial

    def initial_program(self) -> Program:
        """The template every initial individual starts from: no-ops at the init sizes (redrawn at
        random for ``random``), or a hand-written program padded with no-ops to the minimum sizes."""
        kind = self.initial_kind()
        if kind in ("noop", "random"):
            return noop_program(self.space)
        try:
            program = HANDWRITTEN[kind](memory=self.space.memory)
        except ProgramError as e:
            raise ConfigError(self.source, "initial", kind, f"does not fit search space {self.space.name}: {e}") from None
        noop = Instruction.make("no_op")
        bodies = []
        for name, c, body in zip(COMPONENTS, self.space.components(), program.components()):
            if len(body) > c.max_size:
                raise ConfigError(self.source, "initial", kind, f"{name} needs {len(body)} instructions; "
                                  f"search space {self.space.name} allows at most {c.max_size}")  # fmt: skip
            bodies.append(tuple(body) + (noop,) * max(0, c.min_size - len(body)))
        return Program(*bodies, memory=self.space.memory)


def _load_space(name: str, source: str, base: Path | None) -> tuple[SearchSpace, str]:
    """The space and how the resolved config names it: a shipped name as is, a file by its
    absolute path (so a run directory's config.yaml loads from anywhere)."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name) if base is None or Path(name).is_absolute() else base / name
        name = str(path.resolve())
    try:
        return spaces.load(name), name
    except ConfigError as e:
        if e.key == "<search space>":
            raise ConfigError(source, "search_space", name, e.problem) from None
        raise


def load(name_or_path: str | Path | None = None) -> Experiment:
    """:meth:`Experiment.load`, the default experiment when ``None``."""
    return Experiment.load(DEFAULT_EXPERIMENT if name_or_path is None else name_or_path)
