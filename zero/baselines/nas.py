"""Neural architecture search over small MLPs, trained per task: the NAS baselines.

Two registered baselines share one search space and one evaluator, so they differ only in how
genomes are proposed (the equal-budget comparison that NAS benchmarks call for):

* ``nas_evolution``: regularized ("aging") evolution, Real et al., AAAI 2019 (arXiv 1802.01548):
  a population of P genomes; each cycle samples S members uniformly, mutates the fittest one
  (one gene) and adds the child, then removes the *oldest* member.
* ``nas_random``: random search, as Li & Talwalkar (UAI 2019, arXiv 1902.07638) recommend it as the
  baseline: the same number of genome evaluations, each genome drawn fresh from the prior.

Genome (:class:`Genome`): hidden depth 1-4, one width for every hidden layer from
{8, 16, 32, 64, 128}, activation {relu, tanh, gelu, silu, sigmoid, identity}, Adam learning rate
log-uniform in [1e-4, 1e-1], L2 weight decay {0, 1e-4, 1e-3} (Adam's coupled ``weight_decay``).

Evaluation contract (:func:`task_scores`): for each task a fresh network (:func:`build`, PyTorch's
default uniform(±1/sqrt(fan_in)) init drawn from a generator seeded by ``(seed, task index)``) is
trained full-batch for ``steps`` Adam steps on the task's train split only — regression on MSE of
the raw output, classification on BCE-with-logits — and scored on the task's validation split
with :func:`zero.baselines.base.task_fitness` (prediction = sigmoid(logit) for classification).
A genome's fitness is the mean over tasks (:func:`evaluate_genome`). Every genome gets the same
steps, tasks and init seed (common random numbers), so fitness is a deterministic function of the
genome on CPU. The T tasks are trained at once as T independent networks with stacked parameters
(``torch.func.stack_module_state``; batched matmuls): the loss is the sum of per-task losses and
Adam is elementwise, so this equals training each network alone.

The search sees only ``experiment.tasks("search")`` (its first ``search_tasks``); the best genome
is then trained from scratch on each final task and scored on its validation split (``per_task``).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from zero.baselines.adapter import device_name, resolve_device
from zero.baselines.base import BaselineResult, register, task_fitness
from zero.search.experiment import Experiment
from zero.tasks import TaskSet

DEPTHS = (1, 2, 3, 4)
WIDTHS = (8, 16, 32, 64, 128)
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU,
               "sigmoid": nn.Sigmoid, "identity": nn.Identity}  # fmt: skip
LR_RANGE = (1e-4, 1e-1)
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3)
DTYPE = torch.float32  # training precision (predictions are scored in float64)
GENES = ("depth", "width", "activation", "lr", "weight_decay")


@dataclass(frozen=True)
class Genome:
    """One MLP architecture plus its optimiser settings; :meth:`check` says whether it is valid."""

    depth: int = 2
    width: int = 32
    activation: str = "relu"
    lr: float = 1e-2
    weight_decay: float = 0.0

    def check(self) -> None:
        if self.depth not in DEPTHS or self.width not in WIDTHS or self.activation not in ACTIVATIONS:
            raise ValueError(f"invalid genome {self}")
        if not (LR_RANGE[0] <= self.lr <= LR_RANGE[1]) or self.weight_decay not in WEIGHT_DECAYS:
            raise ValueError(f"invalid genome {self}")


def _random_lr(rng: np.random.Generator) -> float:
    return float(10.0 ** rng.uniform(math.log10(LR_RANGE[0]), math.log10(LR_RANGE[1])))


def random_genome(rng: np.random.Generator) -> Genome:
    """A genome drawn from the prior: every discrete gene uniform, lr log-uniform."""
    return Genome(depth=int(rng.choice(DEPTHS)), width=int(rng.choice(WIDTHS)),
                  activation=str(rng.choice(list(ACTIVATIONS))), lr=_random_lr(rng),
                  weight_decay=float(rng.choice(WEIGHT_DECAYS)))  # fmt: skip


def mutate(genome: Genome, rng: np.random.Generator) -> Genome:
    """``genome`` with exactly one gene (chosen uniformly) redrawn to a *different* valid value:
    a discrete gene uniformly among the other choices, lr log-uniformly (Real et al. 2019 mutate
    one element of the architecture per child)."""
    gene = GENES[int(rng.integers(len(GENES)))]
    if gene == "lr":
        value = genome.lr
        while value == genome.lr:
            value = _random_lr(rng)
        return replace(genome, lr=value)
    choices = {"depth": DEPTHS, "width": WIDTHS, "activation": tuple(ACTIVATIONS), "weight_decay": WEIGHT_DECAYS}[gene]
    others = [c for c in choices if c != getattr(genome, gene)]
    value = others[int(rng.integers(len(others)))]
    return replace(genome, **{gene: type(getattr(genome, gene))(value)})


def build(genome: Genome, in_features: int, generator: torch.Generator | None = None) -> nn.Sequential:
    """The network ``in_features -> [width, activation] * depth -> 1`` (float32, CPU). With a
    ``generator`` its weights and biases are redrawn from uniform(±1/sqrt(fan_in)) — PyTorch's
    ``nn.Linear`` default distribution — so the init does not touch the global RNG."""
    genome.check()
    layers: list[nn.Module] = []
    fan_in = in_features
    for _ in range(genome.depth):
        layers += [nn.Linear(fan_in, genome.width, dtype=DTYPE), ACTIVATIONS[genome.activation]()]
        fan_in = genome.width
    layers.append(nn.Linear(fan_in, 1, dtype=DTYPE))
    net = nn.Sequential(*layers)
    if generator is not None:
        with torch.no_grad():
            for layer in net:
                if isinstance(layer, nn.Linear):
                    bound = 1.0 / math.sqrt(layer.in_features)
                    for p in (layer.weight, layer.bias):
                        p.copy_(torch.rand(p.shape, generator=generator, dtype=p.dtype) * 2 * bound - bound)
    return net


def _batched_forward(net: nn.Sequential, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """``net`` applied with per-task parameters (``stack_module_state`` layout: ``i.weight`` is
    [T, out, in]) to x [T, N, F]; returns [T, N]. Equals ``functional_call(net, params[t], x[t])``."""
    h = x
    for i, layer in enumerate(net):
        if isinstance(layer, nn.Linear):
            h = torch.baddbmm(params[f"{i}.bias"].unsqueeze(1), h, params[f"{i}.weight"].transpose(1, 2))
        else:
            h = layer(h)  # elementwise activations
    return h.squeeze(-1)


def task_scores(genome: Genome, tasks: TaskSet, *, steps: int, seed: int, device: str | torch.device = "cpu",
                max_abs_error: float = 100.0) -> np.ndarray:
    """Per-task fitness [T] of ``genome`` (module docstring's evaluation contract). On CPU it runs
    on one intra-op thread (restored after): these ops are too small to gain from more, and on a
    shared machine extra threads cost several times the work."""
    dev = resolve_device(device)
    threads = torch.get_num_threads()
    if dev.type == "cpu":
        torch.set_num_threads(1)
    try:
        return _task_scores(genome, tasks, steps, seed, dev, max_abs_error)
    finally:
        torch.set_num_threads(threads)


def _task_scores(genome: Genome, tasks: TaskSet, steps: int, seed: int, dev: torch.device,
                 max_abs_error: float) -> np.ndarray:
    nets = [build(genome, tasks.feature_size, torch.Generator().manual_seed(int(s)))
            for s in np.random.SeedSequence([int(seed), 7]).generate_state(tasks.num_tasks, np.uint64) % (2**63)]
    params, _ = torch.func.stack_module_state(nets)
    params = {k: v.to(dev).detach().requires_grad_(True) for k, v in params.items()}
    as_t = lambda a: torch.as_tensor(a, dtype=DTYPE, device=dev)  # noqa: E731
    x, y, xv = as_t(tasks.x_train), as_t(tasks.y_train), as_t(tasks.x_valid)
    loss_fn = nn.functional.binary_cross_entropy_with_logits if tasks.classification else nn.functional.mse_loss
    opt = torch.optim.Adam(params.values(), lr=genome.lr, weight_decay=genome.weight_decay)
    template = nets[0]
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        out = _batched_forward(template, params, x)
        loss = loss_fn(out, y, reduction="none").mean(dim=1).sum()  # sum of per-task means: no mixing
        loss.backward()
        opt.step()
    with torch.no_grad():
        out = _batched_forward(template, params, xv)
        out = out.double()
        pred = (torch.sigmoid(out) if tasks.classification else out).cpu().numpy()
    return np.array([task_fitness(pred[t], tasks.y_valid[t], tasks.classification, max_abs_error)
                     for t in range(tasks.num_tasks)])  # fmt: skip


def evaluate_genome(genome: Genome, tasks: TaskSet, *, steps: int, seed: int, device: str | torch.device = "cpu",
                    max_abs_error: float = 100.0) -> float:
    """A genome's search fitness: the mean of :func:`task_scores` over ``tasks``."""
    scores = task_scores(genome, tasks, steps=steps, seed=seed, device=device, max_abs_error=max_abs_error)
    return float(np.mean(scores))


@dataclass
class SearchHistory:
    """Every evaluation in order: ``genomes[i]`` scored ``fitness[i]``."""

    genomes: list[Genome] = field(default_factory=list)
    fitness: list[float] = field(default_factory=list)

    def add(self, genome: Genome, fitness: float) -> None:
        self.genomes.append(genome)
        self.fitness.append(fitness)

    @property
    def best_index(self) -> int:
        return int(np.argmax(self.fitness))  # first best on ties

    @property
    def best(self) -> Genome:
        return self.genomes[self.best_index]

    @property
    def best_fitness(self) -> float:
        return self.fitness[self.best_index]


def evolve(score: Callable[[Genome], float], evaluations: int, rng: np.random.Generator, *,
           population: int = 20, sample: int = 5) -> SearchHistory:
    """Regularized evolution (Real et al. 2019, Alg. 1): ``population`` random genomes, then
    cycles of tournament (``sample`` drawn without replacement) → one-gene mutation of the winner →
    add child, remove oldest, until ``evaluations`` genomes have been scored by ``score(genome)``."""
    history, alive = SearchHistory(), []  # alive: (genome, fitness), oldest first
    while len(history.fitness) < evaluations:
        if len(history.fitness) < population:
            child = random_genome(rng)
        else:
            picks = rng.choice(len(alive), size=min(sample, len(alive)), replace=False)
            parent = max((alive[int(i)] for i in picks), key=lambda m: m[1])[0]
            child = mutate(parent, rng)
        fit = score(child)
        history.add(child, fit)
        alive.append((child, fit))
        if len(alive) > population:
            alive.pop(0)  # aging: the oldest dies, not the worst
    return history


def random_search(score: Callable[[Genome], float], evaluations: int, rng: np.random.Generator) -> SearchHistory:
    """Random search (Li & Talwalkar 2019): ``evaluations`` genomes from the prior, each scored."""
    history = SearchHistory()
    for _ in range(evaluations):
        genome = random_genome(rng)
        history.add(genome, score(genome))
    return history


@dataclass(frozen=True)
class Budget:
    evaluations: int  # genomes scored in the search
    search_tasks: int  # first tasks of experiment.tasks("search") used
    steps: int  # full-batch Adam steps per network, search and final alike
    population: int  # regularized evolution's P
    sample: int  # regularized evolution's S


BUDGETS = {
    "ci": Budget(evaluations=40, search_tasks=4, steps=100, population=10, sample=3),
    "full": Budget(evaluations=500, search_tasks=10, steps=300, population=20, sample=5),
}


class _NAS:
    name = ""
    strategy = ""

    def run(self, experiment: Experiment, *, device: str = "auto", seed: int = 0, budget: str = "ci") -> BaselineResult:
        start = time.perf_counter()
        if budget not in BUDGETS:
            raise ValueError(f"unknown budget {budget!r}; known: {sorted(BUDGETS)}")
        b, dev = BUDGETS[budget], resolve_device(device)
        experiment.feature_size  # a net has one input width: an experiment of mixed sizes is a clear error
        max_err = experiment.config["max_abs_error"]
        search = experiment.tasks("search")
        search = search.subset(range(min(b.search_tasks, search.num_tasks)))  # never the final tasks

        def score(genome: Genome) -> float:
            return evaluate_genome(genome, search, steps=b.steps, seed=seed, device=dev, max_abs_error=max_err)

        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
        if self.strategy == "evolution":
            history = evolve(score, b.evaluations, rng, population=b.population, sample=b.sample)
        else:
            history = random_search(score, b.evaluations, rng)
        search_seconds = time.perf_counter() - start
        per_task = task_scores(history.best, experiment.tasks("final"), steps=b.steps, seed=seed + 1,
                               device=dev, max_abs_error=max_err)  # fmt: skip
        settings = {"best_genome": asdict(history.best), "budget": budget, "strategy": self.strategy,
                    "search_tasks": search.num_tasks, "optimizer": "Adam, full batch", **asdict(b)}  # fmt: skip
        if self.strategy != "evolution":  # random search has no population
            del settings["population"], settings["sample"]
        metrics = {"evaluations": float(len(history.fitness)), "best_search_fitness": history.best_fitness,
                   "search_seconds": search_seconds}  # fmt: skip
        return BaselineResult(self.name, experiment.name, per_task.astype(np.float64), time.perf_counter() - start,
                              device_name(dev), settings, metrics)  # fmt: skip


@register("nas_evolution")
class NASEvolution(_NAS):
    """Regularized evolution over MLP genomes (Real et al. 2019)."""

    name, strategy = "nas_evolution", "evolution"


@register("nas_random")
class NASRandom(_NAS):
    """Random search over MLP genomes with the same evaluations (Li & Talwalkar 2019)."""

    name, strategy = "nas_random", "random"
