"""The run directory: the only place a search reads or writes files.

Layout::

    config.yaml        resolved experiment config (YAML mapping)
    progress.jsonl     one JSON object per report
    champions.jsonl    one JSON object per new champion
    final.json         final evaluation (one JSON object)
    checkpoint/        latest.json (the manifest) + <part>-<n>.npz (numeric arrays, one file per part)

Contracts
- User-facing files are JSON or YAML; nothing is ever pickled. Checkpoint arrays are NumPy ``.npz``
  read with ``allow_pickle=False``, and only bool/int/uint/float arrays may be saved.
- Whole-file writes go to a temporary file in the same directory, are fsynced, then ``os.replace``-d
  over the target: a reader sees the old file or the new one, never a mix.
- A checkpoint is a set of *parts* (a search run: one per island, one for the migrants), each an
  ``.npz`` written on its own whenever its owner has it (:meth:`RunDir.write_part`), so a run with
  many islands never writes, or holds in memory, all of them at once. It is committed when
  ``checkpoint/latest.json`` names its parts (:meth:`RunDir.commit_checkpoint`): parts first, the
  manifest replaced second, files no longer named deleted last. A crash at any point leaves a
  loadable checkpoint (the previous or the new one). Reading a part checks the manifest, the
  file's sha256 and every array's dtype and shape.
- A log line is committed when its newline is written. A last line cut short by a killed process
  is ignored when reading and removed before the next append; any other bad line is corruption.
- Records are converted to plain Python before writing: NumPy scalars and arrays become numbers and
  lists, non-finite floats become ``null``. Finite floats round-trip exactly.
- Every problem with a file raises :class:`~zero.errors.StoreError` naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from zero.errors import StoreError

CHECKPOINT_FORMAT = "zero.checkpoint"
CHECKPOINT_VERSION = 4  # 4: FEC keys hash a task's predictions as a sum (fec.fold_row); 3: one file per part; 2: one file
NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float
_PART_FILE = re.compile(r"([a-z][a-z0-9_]*)-(\d+)\.npz")
_PART_NAME = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED_ARRAY_NAMES = ("file", "allow_pickle")  # parameter names of np.savez


# ---- plain values and files --------------------------------------------------------------------


def to_plain(value: Any, *, finite: bool = True) -> Any:
    """``value`` with NumPy scalars/arrays and tuples turned into Python numbers and lists.

    With ``finite`` (for JSON, which has no NaN or infinity) non-finite floats become None.
    """
    if isinstance(value, dict):
        return {(k.item() if isinstance(k, np.generic) else k): to_plain(v, finite=finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, finite=finite) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return to_plain(value.tolist(), finite=finite)
    if isinstance(value, float) and finite and not math.isfinite(value):
        return None
    return value


def _json_text(record: dict, source: Path, indent: int | None = None) -> str:
    """``record`` as JSON; TypeError if it is not a dict or holds a value JSON cannot write."""
    if not isinstance(record, dict):
        raise TypeError(f"{source}: a record must be a dict, got {type(record).__name__}")
    try:  # most records are plain already: JSON writes them as to_plain would, without the walk
        return json.dumps(record, indent=indent, allow_nan=False)
    except (TypeError, ValueError):  # NumPy values or keys, NaN or infinity: made plain first
        return json.dumps(to_plain(record), indent=indent, allow_nan=False)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``; a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StoreError(path, f"cannot write ({e.strerror or e})") from None
    with contextlib.suppress(OSError):  # make the rename durable where directories can be opened
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None if it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise StoreError(path, f"cannot read ({e.strerror or e})") from None


def _json_object(raw: bytes, path: Path, where: str = "") -> dict:
    """The JSON object in ``raw``; StoreError naming ``path`` (and ``where`` in it) if it is not one."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StoreError(path, f"{where}not valid JSON ({getattr(e, 'msg', None) or e})") from None
    if not isinstance(value, dict):
        raise StoreError(path, f"{where}expected a JSON object, got {type(value).__name__}")
    return value


def _whole_object(raw: bytes) -> bool:
    """Whether ``raw`` is a complete JSON object (a last line that lost only its newline)."""
    try:
        _json_object(raw, Path())
    except StoreError:
        return False
    return True


def _read_jsonl(path: Path) -> list[dict]:
    """The records of a JSON-lines file ([] if it does not exist).

    A last line without its newline is kept if it is a whole JSON object (the writer died between
    the object and the newline) and otherwise left out as a torn write.
    """
    data = _read_bytes(path)
    if not data:
        return []
    *lines, tail = data.split(b"\n")
    lines += [tail] if _whole_object(tail) else []
    return [_json_object(raw, path, f"line {n}: ") for n, raw in enumerate(lines, 1) if raw.strip()]


def _seal(path: Path) -> None:
    """End the file on a line boundary, agreeing with :func:`_read_jsonl`, so an append starts a line."""
    data = _read_bytes(path)
    if not data or data.endswith(b"\n"):
        return
    cut = data.rfind(b"\n") + 1
    if _whole_object(data[cut:]):
        with open(path, "ab") as f:
            f.write(b"\n")
    else:
        os.truncate(path, cut)


# ---- the run directory -------------------------------------------------------------------------


class RunDir:
    """A search run's directory. Constructing one touches no files; see :meth:`create`."""

    CONFIG, PROGRESS, CHAMPIONS, FINAL = "config.yaml", "progress.jsonl", "champions.jsonl", "final.json"
    CHECKPOINT = "checkpoint"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._sealed: set[str] = set()  # logs whose tail this object has checked before appending
        self._serial: int | None = None  # the number of the last checkpoint part written

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @classmethod
    def create(cls, path: str | Path, config: dict, *, resume: bool = False) -> RunDir:
        """Start a new run in ``path`` (writing ``config``), or reopen one to resume (``config`` unused).

        A new run refuses a directory that already holds one, so two runs' results never mix; a
        resume needs the previous run's config and checkpoint, and keeps its config as written.
        """
        run = cls(path)
        if resume:
            if not run.exists():
                raise StoreError(run.path, f"no run to resume here ({cls.CONFIG} is missing)")
            if not (run.path / cls.CHECKPOINT / "latest.json").is_file():
                raise StoreError(run.path, "the run has no checkpoint to resume from; choose another --out")
            return run
        if run.exists():
            raise StoreError(
                run.path, "directory already holds a run; pass --resume to continue it or choose another --out"
            )
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict, got {type(config).__name__}")
        try:
            run.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(run.path, f"cannot create the run directory ({e.strerror or e})") from None
        run.write_config(config)
        return run

    def write_config(self, config: dict) -> None:
        """Replace ``config.yaml`` (a resumed run records the budget it was given)."""
        text = yaml.safe_dump(to_plain(config, finite=False), sort_keys=False)
        atomic_write(self.path / self.CONFIG, text.encode("utf-8"))

    def exists(self) -> bool:
        """Whether the directory holds a run (its ``config.yaml``)."""
        return (self.path / self.CONFIG).is_file()

    def read_config(self) -> dict:
        path = self.path / self.CONFIG
        data = _read_bytes(path)
        if data is None:
            raise StoreError(path, "missing: not a run directory")
        try:
            config = yaml.safe_load(data.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise StoreError(path, f"invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
        if not isinstance(config, dict):
            raise StoreError(path, f"expected a mapping of keys to values, got {type(config).__name__}")
        return config

    # ---- logs ----------------------------------------------------------------------------------
    def _append(self, name: str, record: dict) -> None:
        path = self.path / name
        line = (_json_text(record, path) + "\n").encode("utf-8")
        try:
            if name not in self._sealed:
                _seal(path)
                self._sealed.add(name)
            with open(path, "ab") as f:
                f.write(line)
                f.flush()
        except OSError as e:
            raise StoreError(path, f"cannot append ({e.strerror or e})") from None

    def append_progress(self, record: dict) -> None:
        self._append(self.PROGRESS, record)

    def append_champion(self, record: dict) -> None:
        self._append(self.CHAMPIONS, record)

    def read_progress(self) -> list[dict]:
        return _read_jsonl(self.path / self.PROGRESS)

    def read_champions(self) -> list[dict]:
        return _read_jsonl(self.path / self.CHAMPIONS)

    def trim_logs(self, counts: list[int]) -> None:
        """Keep only log records at or before the checkpoint: island ``i``'s records (``"island"``,
        ``"island_individuals"``; records without them are island 0's at ``"individuals"``) up to
        ``counts[i]``.

        A killed run may have logged past its last checkpoint; the resumed run repeats that work and
        logs it again, so those lines go. Records without a numeric count go too.
        """
        for name in (self.PROGRESS, self.CHAMPIONS):
            path = self.path / name
            if path.exists():
                kept = [r for r in _read_jsonl(path) if _at_or_before(r, counts)]
                atomic_write(path, "".join(_json_text(r, path) + "\n" for r in kept).encode("utf-8"))
                self._sealed.add(name)

    # ---- whole JSON files ----------------------------------------------------------------------
    def _file(self, name: str) -> Path:
        if not name or Path(name).name != name or name.startswith("."):
            raise ValueError(f"{name!r} is not a plain file name inside the run directory")
        return self.path / name

    def write_json(self, name: str, record: dict) -> None:
        path = self._file(name)
        atomic_write(path, (_json_text(record, path, indent=2) + "\n").encode("utf-8"))

    def read_json(self, name: str) -> dict | None:
        """The object in file ``name``, or None if there is no such file."""
        path = self._file(name)
        data = _read_bytes(path)
        return None if data is None else _json_object(data, path)

    def write_final(self, record: dict) -> None:
        self.write_json(self.FINAL, record)

    def read_final(self) -> dict | None:
        return self.read_json(self.FINAL)

    def clear_final(self) -> None:
        """Remove ``final.json`` (a resumed session's previous outcome is no longer the run's: until
        the session ends, readers take the champion from the logs, as for a run still going)."""
        with contextlib.suppress(FileNotFoundError):
            (self.path / self.FINAL).unlink()

    # ---- checkpoint ----------------------------------------------------------------------------
    def _checkpoint_dir(self) -> Path:
        directory = self.path / self.CHECKPOINT
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(directory, f"cannot prepare the checkpoint directory ({e.strerror or e})") from None
        return directory

    def write_part(self, name: str, arrays: dict[str, np.ndarray]) -> dict:
        """Write one part of the next checkpoint (numeric arrays only: ValueError otherwise) and
        return its manifest entry, for :meth:`commit_checkpoint` and :meth:`read_part`. Nothing is
        committed: until the manifest names it, a part is only a file."""
        if not isinstance(name, str) or not _PART_NAME.fullmatch(name):
            raise ValueError(f"checkpoint part name {name!r}: need lower-case letters, digits and '_'")
        arrays = {key: _checked_array(key, value) for key, value in arrays.items()}
        directory = self._checkpoint_dir()
        if self._serial is None:  # numbers go up within a run directory, past any file there
            found = [int(m.group(2)) for p in directory.iterdir() if (m := _PART_FILE.fullmatch(p.name))]
            self._serial = max(found, default=0)
        self._serial += 1
        file = f"{name}-{self._serial}.npz"
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        blob = buffer.getvalue()
        atomic_write(directory / file, blob)
        return {"file": file, "sha256": hashlib.sha256(blob).hexdigest(),
                "arrays": {key: {"dtype": a.dtype.str, "shape": list(a.shape)} for key, a in arrays.items()}}  # fmt: skip

    def commit_checkpoint(self, parts: dict[str, dict], meta: dict) -> None:
        """Make ``parts`` (name -> :meth:`write_part` entry) and JSON-able ``meta`` the checkpoint;
        then delete the files no longer named (older parts, debris of interrupted writes)."""
        if not isinstance(meta, dict):
            raise TypeError(f"checkpoint meta must be a dict, got {type(meta).__name__}")
        directory = self._checkpoint_dir()
        manifest = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "parts": parts, "meta": to_plain(meta)}
        atomic_write(directory / "latest.json", (json.dumps(manifest, indent=1, allow_nan=False) + "\n").encode())
        named = {part["file"] for part in parts.values()}
        for old in directory.iterdir():
            if (_PART_FILE.fullmatch(old.name) and old.name not in named) or (old.name.startswith(".") and old.name.endswith(".tmp")):
                with contextlib.suppress(OSError):
                    old.unlink()

    def checkpoint_manifest(self) -> tuple[dict[str, dict], dict] | None:
        """The committed checkpoint's ``(parts, meta)`` (parts: name -> entry for :meth:`read_part`),
        the manifest checked; None if the run has none."""
        path = self.path / self.CHECKPOINT / "latest.json"
        data = _read_bytes(path)
        if data is None:
            return None
        manifest = _check_manifest(path, data)
        return manifest["parts"], manifest["meta"]

    def read_part(self, part: dict) -> dict[str, np.ndarray]:
        """The arrays of a committed part, verified against its manifest entry."""
        path = self.path / self.CHECKPOINT / part["file"]
        blob = _read_bytes(path)
        if blob is None:
            raise StoreError(path, "missing, though latest.json names it as part of the checkpoint")
        if hashlib.sha256(blob).hexdigest() != part["sha256"]:
            raise StoreError(path, "sha256 does not match the manifest: the file is corrupt")
        if not blob.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # np.load takes anything else for a pickle
            raise StoreError(path, "not a .npz (zip) file")
        expected, arrays = part["arrays"], {}
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                names = set(npz.files)
                for name, spec in expected.items():
                    if name not in names:
                        raise StoreError(path, f"array '{name}' named in the manifest is missing")
                    array = npz[name]
                    if array.dtype.str != spec["dtype"] or list(array.shape) != spec["shape"]:
                        raise StoreError(path, f"array '{name}' is {array.dtype.str} {list(array.shape)}; "
                                         f"the manifest says {spec['dtype']} {spec['shape']}")
                    arrays[name] = array
        except StoreError:
            raise
        except Exception as e:  # a bad zip, a bad .npy header, a pickled array: all a corrupt file
            raise StoreError(path, f"not a readable .npz checkpoint ({type(e).__name__}: {e})") from None
        if names - set(expected):
            raise StoreError(path, f"arrays {sorted(names - set(expected))} are not in the manifest")
        return arrays

    def load_checkpoint(self) -> tuple[dict[str, dict[str, np.ndarray]], dict] | None:
        """Every part's arrays (name -> arrays) and the meta, verified; None if the run has none."""
        found = self.checkpoint_manifest()
        if found is None:
            return None
        parts, meta = found
        return {name: self.read_part(part) for name, part in parts.items()}, meta


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _at_or_before(record: dict, counts: list[int]) -> bool:
    island, count = record.get("island", 0), record.get("island_individuals", record.get("individuals"))
    return type(island) is int and 0 <= island < len(counts) and _number(count) and count <= counts[island]


def _checked_array(name: Any, value: Any) -> np.ndarray:
    """``value`` as an array a checkpoint can hold; ValueError for a bad name or a non-numeric dtype."""
    if not isinstance(name, str) or not name or "/" in name or name in _RESERVED_ARRAY_NAMES:
        raise ValueError(f"checkpoint array name {name!r}: need a non-empty name without '/', "
                         f"not one of {_RESERVED_ARRAY_NAMES}")
    array = np.asarray(value)
    if array.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(f"checkpoint array '{name}' has dtype {array.dtype}: only bool, int, uint and float "
                         "arrays are stored (checkpoints are never pickled)")
    return array


def _array_spec_ok(spec: Any) -> bool:
    return (
        isinstance(spec, dict)
        and isinstance(spec.get("dtype"), str)
        and isinstance(spec.get("shape"), list)
        and all(type(n) is int and n >= 0 for n in spec["shape"])
    )


def _part_entry_ok(part: Any) -> bool:
    return (
        isinstance(part, dict)
        and isinstance(part.get("file"), str) and bool(_PART_FILE.fullmatch(part["file"]))
        and isinstance(part.get("sha256"), str) and bool(re.fullmatch(r"[0-9a-f]{64}", part["sha256"]))
        and isinstance(part.get("arrays"), dict) and all(map(_array_spec_ok, part["arrays"].values()))
    )  # fmt: skip


def _check_manifest(path: Path, data: bytes) -> dict:
    """The parsed ``latest.json`` with every field checked; StoreError naming the first bad one."""
    manifest = _json_object(data, path, "checkpoint manifest: ")
    if manifest.get("format") != CHECKPOINT_FORMAT:
        raise StoreError(path, f'not a zero checkpoint manifest (expected "format": "{CHECKPOINT_FORMAT}")')
    version = manifest.get("version")
    if type(version) is not int or version != CHECKPOINT_VERSION:
        what = ("not a format version" if type(version) is not int
                else "a newer format (written by a newer zero)" if version > CHECKPOINT_VERSION else "an old format")
        raise StoreError(
            path, f"checkpoint version {version!r} is {what}; this zero reads version {CHECKPOINT_VERSION}"
        )
    fields = (
        ("parts", lambda v: isinstance(v, dict) and all(isinstance(k, str) and _part_entry_ok(p) for k, p in v.items()),
         '{name: {"file": "<name>-<n>.npz", "sha256": 64 hex digits, "arrays": {name: {"dtype": str, "shape": [int, ...]}}}}'),
        ("meta", lambda v: isinstance(v, dict), "a JSON object"),
    )
    for key, ok, expected in fields:
        if not ok(manifest.get(key)):
            raise StoreError(path, f"key '{key}' = {manifest.get(key)!r}: expected {expected}")
    return manifest
