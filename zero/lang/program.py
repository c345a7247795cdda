"""Programs: immutable values made of three component functions, ``setup``, ``predict``, ``learn``.

Semantics follow AutoML-Zero (Real et al., ICML 2020, §2; reference ``algorithm.h``): typed memory of
scalars ``s``, F-vectors ``v`` and F×F matrices ``m``; ``s0`` holds the label (learn only), ``s1`` the
prediction, ``v0`` the features. An instruction is ``op(in1, in2) -> out`` plus up to three floats
of data (see :mod:`zero.lang.ops`).

Contracts
- A :class:`Program` is valid by construction: every address is inside its :class:`Memory`, outputs
  never target ``s0``/``v0``, index fractions lie in [0, 1), data is finite. Anything else raises
  :class:`~zero.errors.ProgramError` naming the component, position and value, so an invalid
  address never reaches the interpreter (which runs without bounds checks).
- Programs are values: equal instructions give equal, hashable programs; "changing" one returns a
  new program (``dataclasses.replace``) and the parent is untouched.
- ``to_json``/``from_json`` round-trip exactly (floats are written with ``repr``), with a format
  version; ``render`` prints the reference's readable style (``s1 = dot(v0, v1)``) and ``parse``
  reads that style back, so hand-written programs can be written as text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple

from zero.errors import ProgramError
from zero.lang import ops

COMPONENTS = ("setup", "predict", "learn")
FORMAT_NAME = "zero.program"
FORMAT_VERSION = 1


class Memory(NamedTuple):
    """How many scalar, vector and matrix addresses a program's memory has."""

    scalars: int
    vectors: int
    matrices: int

    def size(self, kind: str) -> int:
        return {"s": self.scalars, "v": self.vectors, "m": self.matrices}[kind]


@dataclass(frozen=True, slots=True)
class Instruction:
    """``out = op(in1, in2)`` with ``data`` (always three floats; unused fields and addresses are 0).

    Construction does not check addresses against a memory (an instruction does not know its
    memory); :class:`Program` does.
    """

    op: int
    in1: int = 0
    in2: int = 0
    out: int = 0
    data: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @staticmethod
    def make(op: int | str, *, in1: int = 0, in2: int = 0, out: int = 0, data: Iterable[float] = ()):
        """Build an instruction, zeroing the fields ``op`` does not use (a canonical form)."""
        row = _op_row(op)
        values = [float(x) for x in data]
        if len(values) > len(row.data):
            raise ProgramError(f"{row.name} takes {len(row.data)} data values, got {values}")
        values += [0.0] * (ops.MAX_DATA - len(values))
        return Instruction(
            row.id,
            in1 if row.arity >= 1 else 0,
            in2 if row.arity >= 2 else 0,
            out if row.output else 0,
            (values[0], values[1], values[2]),
        )

    @property
    def spec(self) -> ops.Op:
        return ops.OPS[self.op]


def _op_row(op: int | str) -> ops.Op:
    if isinstance(op, str):
        try:
            return ops.op_by_name(op)
        except KeyError as e:
            raise ProgramError(e.args[0]) from None
    if type(op) is not int or not 0 <= op < ops.NUM_OPS:
        raise ProgramError(f"op {op!r} is not an op id in 0..{ops.NUM_OPS - 1}")
    return ops.OPS[op]


def _check_instruction(ins: Instruction, memory: Memory, where: str) -> None:
    try:
        row = _op_row(ins.op)
    except ProgramError as e:
        raise ProgramError(f"{where}: {e}") from None
    for slot in ("in1", "in2", "out"):
        if type(getattr(ins, slot)) is not int:  # bool, float and numpy ints would not round-trip
            raise ProgramError(f"{where}: {row.name} {slot} = {getattr(ins, slot)!r} is not an integer address")
    if Instruction.make(row.id, in1=ins.in1, in2=ins.in2, out=ins.out, data=ins.data[: len(row.data)]) != ins:
        raise ProgramError(f"{where}: {row.name} has non-zero unused fields: {ins}")
    for slot, kind in zip(("in1", "in2"), row.inputs):
        address = getattr(ins, slot)
        if not 0 <= address < memory.size(kind):
            raise ProgramError(
                f"{where}: {row.name} {slot} = {kind}{address} is outside memory "
                f"({kind}0..{kind}{memory.size(kind) - 1})"
            )
    if row.output:
        first, size = ops.FIRST_OUTPUT_ADDRESS[row.output], memory.size(row.output)
        if not first <= ins.out < size:
            raise ProgramError(
                f"{where}: {row.name} out = {row.output}{ins.out} is not writable "
                f"({row.output}{first}..{row.output}{size - 1})"
            )
    for name, value in zip(row.data, ins.data):
        if not math.isfinite(value):
            raise ProgramError(f"{where}: {row.name} {name} = {value!r} is not finite")
        if name in ops.INDEX_FIELDS and not 0.0 <= value < 1.0:
            raise ProgramError(f"{where}: {row.name} {name} = {value!r} must be a fraction in [0, 1)")


@dataclass(frozen=True)
class Program:
    """An algorithm: ``setup`` runs once per task, ``predict`` per example, ``learn`` per training example."""

    setup: tuple[Instruction, ...]
    predict: tuple[Instruction, ...]
    learn: tuple[Instruction, ...]
    memory: Memory = field(default=Memory(4, 3, 1))

    def __post_init__(self):
        object.__setattr__(self, "memory", Memory(*self.memory))
        for name in COMPONENTS:
            object.__setattr__(self, name, tuple(getattr(self, name)))
        m = self.memory
        if m.scalars < 2 or m.vectors < 1 or m.matrices < 0:
            raise ProgramError(f"memory {tuple(m)} too small: need >= 2 scalars (label, prediction) and >= 1 vector (features)")
        for name in COMPONENTS:
            for i, ins in enumerate(getattr(self, name)):
                if not isinstance(ins, Instruction):
                    raise ProgramError(f"{name}[{i}]: expected an Instruction, got {ins!r}")
                _check_instruction(ins, m, f"{name}[{i}]")

    def components(self) -> tuple[tuple[Instruction, ...], ...]:
        return (self.setup, self.predict, self.learn)

    def __len__(self) -> int:
        return len(self.setup) + len(self.predict) + len(self.learn)

    # ---- readable form -------------------------------------------------------------------------
    def render(self, feature_size: int | None = None, precision: int | None = None) -> str:
        """The program as readable code in the reference's style.

        With ``precision`` None, floats print exactly (``repr``) and the text parses back to this
        program. ``feature_size`` turns index fractions into integer indices and ``precision``
        rounds data: display only.
        """
        lines = []
        for name, component in zip(COMPONENTS, self.components()):
            lines.append(f"def {name}():")
            body = [render_instruction(ins, feature_size, precision) for ins in component] or ["pass"]
            lines += ["  " + text for text in body]
        return "\n".join(lines)

    # ---- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "memory": dict(self.memory._asdict()),
            **{name: [_instruction_to_dict(i) for i in comp] for name, comp in zip(COMPONENTS, self.components())},
        }

    @staticmethod
    def from_dict(d: Any, source: str = "<program>") -> Program:
        return _program_from_dict(d, source)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @staticmethod
    def from_json(text: str, source: str = "<program>") -> Program:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProgramError(f"{source}: not valid JSON ({e})") from None
        return _program_from_dict(d, source)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")

    @staticmethod
    def load(path: str | Path) -> Program:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as e:
            raise ProgramError(f"{path}: cannot read program file ({e.strerror})") from None
        return Program.from_json(text, str(path))


# ---- instruction <-> text ----------------------------------------------------------------------


def _fmt(value: float, precision: int | None) -> str:
    return repr(float(value)) if precision is None else f"{value:.{precision}g}"


def render_instruction(ins: Instruction, feature_size: int | None = None, precision: int | None = None) -> str:
    row = ins.spec
    fields = {"out": f"{row.output}{ins.out}" if row.output else ""}
    for slot, kind in zip(("in1", "in2"), row.inputs):
        fields[slot] = f"{kind}{getattr(ins, slot)}"
    for k, (name, value) in enumerate(zip(row.data, ins.data)):
        if name in ops.INDEX_FIELDS and feature_size is not None:
            fields[f"d{k}"] = str(min(int(value * feature_size), feature_size - 1))
        else:
            fields[f"d{k}"] = _fmt(value, precision)
    fields["F"] = "F" if feature_size is None else str(feature_size)
    return row.template.format(**fields)


_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def _template_regex(row: ops.Op) -> re.Pattern:
    kinds = {"out": row.output, "in1": row.inputs[0] if row.arity >= 1 else None, "in2": row.inputs[1] if row.arity >= 2 else None}
    parts = []
    for piece in re.split(r"(\{\w+\})", row.template):
        if piece == "{F}":
            parts.append("F")
        elif piece.startswith("{"):
            name = piece[1:-1]
            parts.append(f"(?P<{name}>{_NUMBER})" if name.startswith("d") else f"{kinds[name]}(?P<{name}>\\d+)")
        else:
            parts.append(r"\s*".join(re.escape(word) for word in piece.split(" ")))
    return re.compile("".join(parts) + r"$")


_PATTERNS = [(row, _template_regex(row)) for row in ops.OPS]


def parse_instruction(text: str) -> Instruction:
    """Read one line written by :func:`render_instruction` (exact floats, index fractions)."""
    line = text.strip()
    for row, pattern in _PATTERNS:
        match = pattern.match(line)
        if match:
            g = match.groupdict()
            data = [float(g[f"d{k}"]) for k in range(len(row.data))]
            return Instruction.make(
                row.id,
                in1=int(g.get("in1") or 0),
                in2=int(g.get("in2") or 0),
                out=int(g.get("out") or 0),
                data=data,
            )
    raise ProgramError(f"cannot parse instruction {line!r}")


def parse(text: str, memory: Memory | tuple[int, int, int] = Memory(4, 3, 1)) -> Program:
    """Read a program in the :meth:`Program.render` style (``def setup():`` then indented lines)."""
    bodies: dict[str, list[Instruction]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        header = re.fullmatch(r"def\s+(\w+)\(\):", line.strip())
        if header:
            current = header.group(1).lower()
            if current not in COMPONENTS or current in bodies:
                raise ProgramError(f"line {number}: unexpected component {header.group(1)!r}")
            bodies[current] = []
        elif current is None:
            raise ProgramError(f"line {number}: instruction before 'def setup():'")
        elif line.strip() == "pass":
            continue
        else:
            try:
                bodies[current].append(parse_instruction(line))
            except ProgramError as e:
                raise ProgramError(f"line {number}: {e}") from None
    return Program(*(bodies.get(name, []) for name in COMPONENTS), memory=Memory(*memory))


# ---- instruction <-> JSON ----------------------------------------------------------------------


def _instruction_to_dict(ins: Instruction) -> dict[str, Any]:
    row = ins.spec
    d: dict[str, Any] = {"op": row.name}
    for slot in ("in1", "in2")[: row.arity]:
        d[slot] = getattr(ins, slot)
    if row.output:
        d["out"] = ins.out
    for name, value in zip(row.data, ins.data):
        d[name] = value
    return d


def _instruction_from_dict(d: Any, where: str) -> Instruction:
    if not isinstance(d, dict):
        raise ProgramError(f"{where}: expected an object like {{\"op\": \"scalar_sum\", ...}}, got {d!r}")
    name = d.get("op")
    if not isinstance(name, str):
        raise ProgramError(f"{where}.op: expected an op name, got {name!r}")
    try:
        row = ops.op_by_name(name)
    except KeyError as e:
        raise ProgramError(f"{where}.op: {e.args[0]}") from None
    allowed = {"op", *("in1", "in2")[: row.arity], *(["out"] if row.output else []), *row.data}
    unknown = set(d) - allowed
    if unknown:
        raise ProgramError(f"{where}: {row.name} has no field(s) {sorted(unknown)}; it takes {sorted(allowed)}")
    missing = allowed - set(d)
    if missing:
        raise ProgramError(f"{where}: {row.name} is missing field(s) {sorted(missing)}")
    for key in allowed - {"op"}:
        value = d[key]
        is_address = key in ("in1", "in2", "out")
        if isinstance(value, bool) or not isinstance(value, int if is_address else (int, float)):
            expected = "an integer address" if is_address else "a number"
            raise ProgramError(f"{where}.{key}: expected {expected}, got {value!r}")
    return Instruction.make(
        row.id, in1=d.get("in1", 0), in2=d.get("in2", 0), out=d.get("out", 0), data=[d[n] for n in row.data]
    )


def _program_from_dict(d: Any, source: str) -> Program:
    if not isinstance(d, dict) or d.get("format") != FORMAT_NAME:
        raise ProgramError(f"{source}: not a zero program file (expected \"format\": \"{FORMAT_NAME}\")")
    version = d.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        if type(version) is not int:
            what = "not a format version"
        elif version < FORMAT_VERSION:
            what = "an old format"
        else:
            what = "a newer format (written by a newer zero)"
        raise ProgramError(
            f"{source}: program format version {version!r} is {what}; this zero reads version {FORMAT_VERSION}"
        )
    memory = d.get("memory")
    keys = set(Memory._fields)
    if not isinstance(memory, dict) or set(memory) != keys or not all(type(v) is int for v in memory.values()):
        raise ProgramError(f"{source}: key 'memory' = {memory!r}: expected integers {sorted(keys)}")
    unknown = set(d) - {"format", "version", "memory", *COMPONENTS}
    if unknown:
        raise ProgramError(f"{source}: unknown key(s) {sorted(unknown)}")
    components = []
    for name in COMPONENTS:
        items = d.get(name)
        if not isinstance(items, list):
            raise ProgramError(f"{source}: key '{name}' = {items!r}: expected a list of instructions")
        components.append([_instruction_from_dict(item, f"{source}: {name}[{i}]") for i, item in enumerate(items)])
    try:
        return Program(*components, memory=Memory(**memory))
    except ProgramError as e:
        raise ProgramError(f"{source}: {e}") from None
