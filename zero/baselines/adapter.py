"""zero's NumPy task sets as torch tensors, and a sampler of meta-training tasks.

Contract (see :mod:`zero.baselines.base`):

- :func:`to_torch` copies a :class:`~zero.tasks.TaskSet`'s train and validation splits to a device.
  The test split is never copied: baselines neither train nor choose on it.
- :class:`TaskSampler` draws meta-training batches from the experiment's *search* distribution only
  (``make_tasks(experiment.task_spec("search"), n, s, held_out=False)``) with seeds ``s`` of its own,
  drawn from ``SeedSequence([seed, SAMPLER_SALT])``; it never builds the final (held-out) tasks.
  Tasks are generated in chunks, each chunk from a fresh seed, and every task is served once, so a
  meta-training run sees ``steps × meta_batch`` distinct tasks (MAML's protocol: "a batch of tasks
  sampled from p(T)" per meta-iteration; Finn et al., ICML 2017, Alg. 1). Same seed → same batches.

Precision: **float32 by default.** MAML/FOMAML/Reptile are published in float32 (Finn et al. 2017
TensorFlow code; Nichol et al. 2018), float32 is the fast path on GPUs (and no slower on CPU), and
nothing here needs more: a 1-40-40-1 MLP's losses and meta-gradients are O(1)–O(10) quantities. Predictions are
cast to float64 NumPy before :func:`zero.baselines.base.task_fitness` scores them, so scoring is the
interpreter's. Tests that compare gradients exactly pass ``dtype=torch.float64``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from zero.errors import ZeroError
from zero.search.experiment import Experiment
from zero.tasks import TaskSet, make_tasks

SAMPLER_SALT = 0x4D414D4C  # "MAML": keeps the sampler's seed stream apart from other uses of `seed`
MAX_TASK_SEED = 2**31 - 1


class DeviceError(ZeroError, ValueError):
    """A ``--device`` that names no torch device, or one this machine does not have."""


DEVICE_CHOICES = ("auto", "cpu", "cuda")  # what ``--device`` offers; ``cuda:N`` is accepted too


def _torch_build() -> str:
    """Which torch this is, for an error message: its version and whether it was built with CUDA."""
    built_for = torch.version.cuda
    build = f"built for CUDA {built_for}, sees no GPU" if built_for else "a CPU-only build"
    return f"torch {torch.__version__}, {build}"


def resolve_device(device: str | torch.device) -> torch.device:
    """The torch device that ``--device`` (and every baseline's ``device=``) means; the one owner of that rule.

    ``"auto"`` → ``cuda`` when torch sees a GPU, else ``cpu``; ``"cpu"``; ``"cuda"`` or ``"cuda:N"``,
    which must exist. Anything else, or a CUDA device this machine lacks, raises :class:`DeviceError`
    (a :class:`~zero.errors.ZeroError`: one line, naming the value). A ``torch.device`` is taken as given.
    """
    if isinstance(device, torch.device):
        return device
    name = device.strip().lower() if isinstance(device, str) else device
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(name, str) or not re.fullmatch(r"cpu|cuda(:\d+)?", name):
        raise DeviceError(f"--device {device!r}: not a device; use one of {', '.join(DEVICE_CHOICES)} (or cuda:N)")
    resolved = torch.device(name)
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"--device {device}: no CUDA device is available ({_torch_build()}); "
                              "use --device cpu or --device auto")  # fmt: skip
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise DeviceError(f"--device {device}: torch sees {count} CUDA device{'s' * (count != 1)} "
                              f"(cuda:0 to cuda:{count - 1})")  # fmt: skip
    return resolved


def device_name(device: torch.device) -> str:
    """What :class:`~zero.baselines.base.BaselineResult` records: ``"cpu"`` or ``"cuda:0"``."""
    if device.type == "cuda":
        return f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
    return str(device)


@dataclass(frozen=True)
class TorchTasks:
    """Train (support) and validation (query) splits of T tasks: x ``[T, N, F]``, y ``[T, N]``."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    classification: bool

    @property
    def num_tasks(self) -> int:
        return self.x_train.shape[0]

    def batch(self, lo: int, hi: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tasks ``lo:hi`` as the ``(xs, ys, xq, yq)`` tuple the meta-steps take."""
        return self.x_train[lo:hi], self.y_train[lo:hi], self.x_valid[lo:hi], self.y_valid[lo:hi]


def to_torch(tasks: TaskSet, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> TorchTasks:
    """Copy ``tasks``' train and validation splits to ``device`` as ``dtype``."""
    dev = resolve_device(device)

    def conv(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=dev)

    return TorchTasks(conv(tasks.x_train), conv(tasks.y_train), conv(tasks.x_valid), conv(tasks.y_valid),
                      bool(tasks.classification))


class TaskSampler:
    """Meta-training batches of fresh tasks from ``experiment``'s search distribution.

    ``next_batch(n)`` returns ``(xs, ys, xq, yq)``: support = each task's train split (the
    experiment's ``num_train`` shots, as at final scoring), query = its validation split.
    """

    def __init__(self, experiment: Experiment, seed: int, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32, chunk: int = 1000):
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1, got {chunk}")
        self.spec = experiment.task_spec("search")
        self.device = resolve_device(device)
        self.dtype = dtype
        self.chunk = int(chunk)
        self._seeds = np.random.default_rng(np.random.SeedSequence([int(seed), SAMPLER_SALT]))
        self._pool: TorchTasks | None = None
        self._next = 0
        self.tasks_drawn = 0

    def _refill(self, at_least: int) -> None:
        task_seed = int(self._seeds.integers(0, MAX_TASK_SEED))
        n = max(self.chunk, at_least)
        self._pool = to_torch(make_tasks(self.spec, n, task_seed, held_out=False), self.device, self.dtype)
        self._next = 0

    def next_batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if self._pool is None or self._next + n > self._pool.num_tasks:
            self._refill(n)
        lo = self._next
        self._next += n
        self.tasks_drawn += n
        return self._pool.batch(lo, lo + n)
