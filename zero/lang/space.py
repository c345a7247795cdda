"""Search spaces: which programs evolution may build (``search_spaces/*.yaml``).

A search space fixes the memory (how many scalar/vector/matrix addresses), the ops each component
function may use (named, as in :mod:`zero.lang.ops`), the size bounds of each component, and how initial
programs are made. Reference: AutoML-Zero ``run_demo.sh`` / ``run_baseline.sh`` and the paper's
§4 and Table S1; the shipped spaces reproduce them (``demo``, ``baseline``, ``paper_linear``,
``paper_nn``, ``paper_full``).

Loading is strict: an unknown key, a wrong type, an op name not in the table, inconsistent sizes, or
an op that could never write its output (e.g. a vector op with only ``v0``) fails at load with the
file, the key and the value in the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zero.errors import ConfigError, ProgramError
from zero.lang import ops
from zero.lang.program import COMPONENTS, Memory, Program
from zero.schema import Field, at_least, one_of, read_yaml, validate

# The shipped search spaces: zero/_search_spaces in an installed wheel (pyproject.toml puts them there),
# else the checkout's top-level search_spaces/.
SPACES_DIR = Path(__file__).resolve().parents[1] / "_search_spaces"
if not SPACES_DIR.is_dir():
    SPACES_DIR = Path(__file__).resolve().parents[2] / "search_spaces"
INITIAL_KINDS = ("noop", "random", "linear", "logistic", "neural_net")

_TOP = {
    "description": Field(str, "", "free text shown by `zero inspect`"),
    "scalars": Field(int, doc="scalar addresses: s0 label, s1 prediction, the rest free", check=at_least(2)),
    "vectors": Field(int, doc="vector addresses: v0 features, the rest free", check=at_least(1)),
    "matrices": Field(int, doc="matrix addresses, all free", check=at_least(0)),
    "initial": Field(str, "random", "how initial programs are made", one_of(*INITIAL_KINDS)),
    **{name: Field(dict, doc=f"ops and size bounds of {name}()") for name in COMPONENTS},
}
_COMPONENT = {
    "ops": Field(list, doc="op names this component may use"),
    "size": Field((int, dict), doc="fixed instruction count, or {min, max, init}"),
}
_SIZE = {
    "min": Field(int, doc="fewest instructions (remove mutations stop here)", check=at_least(0)),
    "max": Field(int, doc="most instructions (insert mutations stop here)", check=at_least(0)),
    "init": Field(int, doc="instructions in an initial random/no-op program", check=at_least(0)),
}


@dataclass(frozen=True)
class ComponentSpace:
    ops: tuple[int, ...]  # allowed op ids, in the order the file lists them
    min_size: int
    max_size: int
    init_size: int

    @property
    def fixed(self) -> bool:
        return self.min_size == self.max_size


@dataclass(frozen=True)
class SearchSpace:
    name: str
    memory: Memory
    setup: ComponentSpace
    predict: ComponentSpace
    learn: ComponentSpace
    initial: str = "random"
    description: str = ""

    def components(self) -> tuple[ComponentSpace, ComponentSpace, ComponentSpace]:
        return (self.setup, self.predict, self.learn)

    def check(self, program: Program) -> None:
        """Raise ProgramError unless ``program`` lies in this space (memory, ops, sizes)."""
        if program.memory != self.memory:
            raise ProgramError(f"program memory {tuple(program.memory)} != search space {self.name} memory {tuple(self.memory)}")
        for name, space, body in zip(COMPONENTS, self.components(), program.components()):
            if not space.min_size <= len(body) <= space.max_size:
                raise ProgramError(f"{name} has {len(body)} instructions; {self.name} allows {space.min_size}..{space.max_size}")
            for i, ins in enumerate(body):
                if ins.op not in space.ops:
                    raise ProgramError(f"{name}[{i}]: op {ins.spec.name} is not allowed in {self.name}.{name}")

    @staticmethod
    def from_dict(data: Any, source: str, name: str = "") -> SearchSpace:
        top = validate(data, _TOP, source)
        memory = Memory(top["scalars"], top["vectors"], top["matrices"])
        components = [_component(top[c], memory, source, c) for c in COMPONENTS]
        return SearchSpace(name or source, memory, *components, initial=top["initial"], description=top["description"])

    @staticmethod
    def load(path: str | Path) -> SearchSpace:
        path = Path(path)
        return SearchSpace.from_dict(read_yaml(path), str(path), name=path.stem)


def _component(data: dict, memory: Memory, source: str, name: str) -> ComponentSpace:
    c = validate(data, _COMPONENT, source, prefix=f"{name}.")
    op_ids = []
    for i, op_name in enumerate(c["ops"]):
        key = f"{name}.ops[{i}]"
        if not isinstance(op_name, str):
            raise ConfigError(source, key, op_name, "expected an op name (ops are named, not numbered)")
        try:
            op = ops.op_by_name(op_name)
        except KeyError as e:
            raise ConfigError(source, key, op_name, e.args[0]) from None
        if op.id in op_ids:
            raise ConfigError(source, key, op_name, "listed twice")
        for kind in op.inputs:
            if memory.size(kind) == 0:
                raise ConfigError(source, key, op_name, f"reads a {kind} address but memory has none")
        if op.output and memory.size(op.output) <= ops.FIRST_OUTPUT_ADDRESS[op.output]:
            raise ConfigError(source, key, op_name, f"writes a {op.output} address but memory has no writable one")
        op_ids.append(op.id)
    size = c["size"]
    if isinstance(size, int):
        if size < 0:
            raise ConfigError(source, f"{name}.size", size, "must be >= 0")
        lo = hi = init = size
    else:
        s = validate(size, _SIZE, source, prefix=f"{name}.size.")
        lo, hi, init = s["min"], s["max"], s["init"]
        if not lo <= init <= hi:
            raise ConfigError(source, f"{name}.size", size, "need min <= init <= max")
    if hi > 0 and not op_ids:
        raise ConfigError(source, f"{name}.ops", c["ops"], "empty, but the component may hold instructions")
    return ComponentSpace(tuple(op_ids), lo, hi, init)


def load(name_or_path: str | Path) -> SearchSpace:
    """A shipped space by name (``demo``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = SPACES_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            known = sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))
            raise ConfigError(str(name_or_path), "<search space>", str(name_or_path), f"no such search space; shipped: {', '.join(known)}")
    return SearchSpace.load(path)
