"""MAML, first-order MAML and Reptile in pure ``torch.func``, scored on zero's final tasks.

- **MAML** (Finn, Abbeel & Levine, ICML 2017, arXiv 1703.03400, Alg. 1/2): per task, ``k`` inner SGD
  steps ``φ = θ − α ∇L_support(θ)``; the meta-loss is the mean query loss at ``φ`` and its gradient
  flows *through* the inner steps (second order); Adam on θ.
- **FOMAML** (same paper, §5.2): the inner gradient is detached, so the meta-gradient is the query
  gradient at ``φ``.
- **Reptile** (Nichol, Achiam & Schulman 2018, arXiv 1803.02999, Alg. 2, batched): ``k`` inner SGD
  steps on each task's support set, then ``θ ← θ + ε · mean_tasks(φ − θ)``, ε annealed linearly to 0.

The meta-batch is mapped with ``vmap`` (PyTorch's functorch MAML-regression example pattern);
:func:`meta_step_loop` is the per-task loop with the same result, for benchmarks and tests.
Parameters are a ``dict[str, Tensor]`` used through ``functional_call`` on a structure-only MLP.
Losses: MSE for regression; BCE-with-logits for classification, whose predictions are the sigmoid.

Registered baselines ``"maml"``, ``"fomaml"``, ``"reptile"``: meta-train on fresh tasks of the
experiment's *search* distribution (:class:`~zero.baselines.adapter.TaskSampler`), then on every
final task adapt on its train split (``eval_steps`` SGD steps at ``inner_lr``) and score the
validation split with :func:`~zero.baselines.base.task_fitness`. Budgets: :func:`budget_settings`.

Choices: where a protocol gives no inner step size that fits our tasks (classification: the
published ones are for 5-way Omniglot), ``inner_lr`` is chosen from ``inner_lr_grid`` by
:func:`choose_inner_lr`, which sees search-distribution tasks only (never the final ones).
On sinusoid experiments a run also reports MSE under the published evaluation protocol
(:mod:`zero.baselines.literature`) beside zero's own fitness, which is what ``zero compare`` ranks.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from zero.baselines import literature
from zero.baselines.adapter import TaskSampler, TorchTasks, device_name, resolve_device, to_torch
from zero.baselines.base import BaselineResult, register, task_fitness
from zero.search.experiment import Experiment
from zero.stats import mean_and_interval
from zero.tasks import FAMILIES, TaskSet, make_tasks

Params = dict[str, torch.Tensor]
Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # xs [B,K,F], ys [B,K], xq [B,Q,F], yq [B,Q]


def make_mlp(in_features: int, hidden: tuple[int, ...] = (40, 40)) -> nn.Sequential:
    """``in → hidden… → 1`` with ReLU between layers (MAML §5.1: 1-40-40-1); ``hidden=()`` is linear."""
    layers: list[nn.Module] = []
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def init_params(model: nn.Module, seed: int, device: torch.device | str = "cpu",
                dtype: torch.dtype = torch.float32) -> Params:
    """Fresh seeded PyTorch-default initial parameters of ``model``'s shape, as leaf tensors that
    require grad (the global RNG is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.reset_parameters()
        return {k: v.detach().to(device=device, dtype=dtype).clone().requires_grad_(True)
                for k, v in model.named_parameters()}


def predict_logits(model: nn.Module, params: Params, x: torch.Tensor) -> torch.Tensor:
    """The network's raw output ``[N]`` for ``x [N, F]`` (a logit for classification)."""
    return functional_call(model, params, (x,)).squeeze(-1)


def task_loss(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, classification: bool) -> torch.Tensor:
    """Mean MSE (regression) or BCE-with-logits (classification) of one task's examples."""
    out = predict_logits(model, params, x)
    if classification:
        return nn.functional.binary_cross_entropy_with_logits(out, y)
    return torch.mean((out - y) ** 2)


def inner_step(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, alpha: float,
               first_order: bool = False, classification: bool = False) -> Params:
    """One SGD step ``θ − α ∇_θ L(θ; x, y)``. With ``first_order`` the gradient is detached, so
    nothing differentiates through it; otherwise the result stays differentiable in ``params``."""
    g = grad(lambda p: task_loss(model, p, x, y, classification))(params)
    if first_order:
        g = {k: v.detach() for k, v in g.items()}
    return {k: params[k] - alpha * g[k] for k in params}


def adapt(model: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, alpha: float, steps: int,
          first_order: bool = False, classification: bool = False) -> Params:
    """``steps`` inner SGD steps on one task's support set (full batch)."""
    for _ in range(steps):
        params = inner_step(model, params, x, y, alpha, first_order, classification)
    return params


def maml_loss(model: nn.Module, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor,
              yq: torch.Tensor, alpha: float, steps: int = 1, first_order: bool = False,
              classification: bool = False) -> torch.Tensor:
    """One task's MAML objective: the query loss after adapting on the support set."""
    phi = adapt(model, params, xs, ys, alpha, steps, first_order, classification)
    return task_loss(model, phi, xq, yq, classification)


def _task_fn(model, alpha, steps, first_order, classification) -> Callable:
    return lambda p, xs, ys, xq, yq: maml_loss(model, p, xs, ys, xq, yq, alpha, steps, first_order, classification)


def meta_step_vmap(model: nn.Module, params: Params, batch: Batch, alpha: float, steps: int = 1,
                   first_order: bool = False, classification: bool = False) -> tuple[torch.Tensor, Params]:
    """Mean MAML (or FOMAML) query loss over the meta-batch and its gradient w.r.t. ``params``,
    with the tasks mapped by ``vmap``. ``params`` must be leaf tensors that require grad."""
    per_task = _task_fn(model, alpha, steps, first_order, classification)
    losses = vmap(per_task, in_dims=(None, 0, 0, 0, 0))(params, *batch)
    loss = losses.mean()
    grads = torch.autograd.grad(loss, list(params.values()))
    return loss.detach(), dict(zip(params, grads))


def meta_step_loop(model: nn.Module, params: Params, batch: Batch, alpha: float, steps: int = 1,
                   first_order: bool = False, classification: bool = False) -> tuple[torch.Tensor, Params]:
    """:func:`meta_step_vmap` computed one task at a time (same value up to rounding)."""
    fn = _task_fn(model, alpha, steps, first_order, classification)
    losses = [fn(params, *(part[b] for part in batch)) for b in range(batch[0].shape[0])]
    loss = torch.stack(losses).mean()
    grads = torch.autograd.grad(loss, list(params.values()))
    return loss.detach(), dict(zip(params, grads))


def adapt_batch(model: nn.Module, params: Params, xs: torch.Tensor, ys: torch.Tensor, alpha: float,
                steps: int, classification: bool = False) -> Params:
    """Adapted parameters of every task, batched ``[B, ...]``, with no graph to ``params``
    (Reptile's inner loop and final scoring)."""
    detached = {k: v.detach() for k, v in params.items()}
    fn = lambda p, x, y: adapt(model, p, x, y, alpha, steps, True, classification)  # noqa: E731
    return vmap(fn, in_dims=(None, 0, 0))(detached, xs, ys)


def reptile_update(params: Params, adapted: Params, epsilon: float) -> Params:
    """Reptile's outer step ``θ + ε · mean_b(φ_b − θ)``; ``adapted`` is batched ``[B, ...]``."""
    with torch.no_grad():
        return {k: params[k] + epsilon * (adapted[k] - params[k].unsqueeze(0)).mean(0) for k in params}


def predict_batch(model: nn.Module, params: Params, x: torch.Tensor, batched_params: bool,
                  classification: bool) -> torch.Tensor:
    """Predictions ``[B, N]`` for ``x [B, N, F]``: sigmoid probabilities for classification, raw
    outputs for regression; ``params`` shared or batched ``[B, ...]``."""
    fn = lambda p, xb: predict_logits(model, p, xb)  # noqa: E731
    with torch.no_grad():
        out = vmap(fn, in_dims=(0 if batched_params else None, 0))({k: v.detach() for k, v in params.items()}, x)
    return torch.sigmoid(out) if classification else out


# ----------------------------------------------------------------------------- training and scoring


@dataclass(frozen=True)
class MetaSettings:
    """Hyperparameters of one meta-training run. ``meta_lr`` is Adam's step (MAML, FOMAML) or
    Reptile's initial ε (annealed linearly to 0); ``eval_steps`` are the inner steps at scoring.

    ``inner_lr_grid``: when not empty, :meth:`MetaBaseline.run` replaces ``inner_lr`` by the grid's
    best step size per :func:`choose_inner_lr` (``pilot_steps`` meta-steps per candidate).
    ``query_points``: query points per task in meta-training; None means the whole validation split,
    as many points as final scoring uses (zero's protocol). cbfinn/maml uses K."""

    meta_steps: int
    meta_batch: int = 25
    meta_lr: float = 1e-3
    inner_lr: float = 0.01
    inner_steps: int = 1
    eval_steps: int = 1
    hidden: tuple[int, ...] = (40, 40)
    inner_lr_grid: tuple[float, ...] = ()
    pilot_steps: int = 0
    query_points: int | None = None


# "full" budgets follow the published protocols; "ci" keeps every setting except the number of meta-iterations.
# Regression = MAML sinusoid (Finn et al. 2017 §5.1, code README): 70k iterations, meta-batch 25,
#   Adam 1e-3, α = 0.01, one inner step (scored after one step too).
# Classification = MAML Omniglot (§5.2, code README): 60k iterations, meta-batch 32, one inner step
#   in training, three at test.
# Reptile regression = its sine demo (Nichol et al. 2018, openai.com/index/reptile): inner SGD 0.02,
#   5 steps, 30k iterations, outer step ε0 = 0.1 annealed linearly to 0; here batched over 25 tasks
#   (the demo takes one task per iteration). ε0 = 1 (the batched Omniglot value) diverged to NaN
#   between 5k and 10k iterations on sinusoids. Reptile classification = its Omniglot
#   protocol (100k iterations, meta-batch 5, ε 1 → 0, 5 inner steps, 50 at test) with inner plain
#   SGD in place of Adam 1e-3 (plain SGD keeps the inner loop vmap-friendly).
# Classification step sizes: the published ones (MAML 0.4, Reptile's inner Adam) were tuned for
#   5-way Omniglot images, so ours are chosen from CLASSIFICATION_INNER_LRS on search-distribution
#   tasks (choose_inner_lr), with PILOT_STEPS meta-steps per candidate. The classification
#   inner_lr values below are placeholders that the choice replaces.
# ci: 500 iterations for regression, 200 for classification (K = 200 shots per step).
CLASSIFICATION_INNER_LRS = (0.03, 0.1, 0.3, 1.0, 3.0)
PILOT_STEPS = {"ci": 50, "full": 200}
PROTOCOLS: dict[tuple[str, bool], MetaSettings] = {
    ("maml", False): MetaSettings(meta_steps=70_000),
    ("maml", True): MetaSettings(meta_steps=60_000, meta_batch=32, inner_lr=0.4, eval_steps=3,
                                 inner_lr_grid=CLASSIFICATION_INNER_LRS, pilot_steps=PILOT_STEPS["full"]),
    ("reptile", False): MetaSettings(meta_steps=30_000, meta_lr=0.1, inner_lr=0.02, inner_steps=5, eval_steps=5),
    ("reptile", True): MetaSettings(meta_steps=100_000, meta_batch=5, meta_lr=1.0, inner_lr=0.1, inner_steps=5,
                                    eval_steps=50, inner_lr_grid=CLASSIFICATION_INNER_LRS,
                                    pilot_steps=PILOT_STEPS["full"]),
}  # fmt: skip
CI_META_STEPS = {False: 500, True: 200}
BUDGETS = ("ci", "full")
CHOICE_TASKS = 50  # search-distribution tasks that score each candidate of a choice
CHOICE_SALT = 0x43484F53  # "CHOS": the choice tasks' seed stream, apart from the sampler's


def budget_settings(method: str, budget: str, classification: bool) -> MetaSettings:
    """The :class:`MetaSettings` of ``method`` (maml, fomaml, reptile) under ``budget`` (ci, full)."""
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}, got {budget!r}")
    full = PROTOCOLS[("reptile" if method == "reptile" else "maml", classification)]
    if budget == "full":
        return full
    pilot = PILOT_STEPS["ci"] if full.inner_lr_grid else 0
    return replace(full, meta_steps=CI_META_STEPS[classification], pilot_steps=pilot)


MetaStepHook = Callable[[int, nn.Module, Params], None]


def meta_train(method: str, experiment: Experiment, settings: MetaSettings, *, device: torch.device | str = "cpu",
               seed: int = 0, dtype: torch.dtype = torch.float32, on_step: MetaStepHook | None = None,
               stop_after: int | None = None) -> tuple[nn.Module, Params, dict[str, float]]:
    """Meta-train ``method`` (maml, fomaml, reptile) on the experiment's search distribution with
    ``settings.inner_lr`` as given (the grid is :meth:`MetaBaseline.run`'s business). Returns the
    model, the meta-learned initial parameters and ``tasks_drawn`` (plus ``last_meta_loss`` for
    MAML/FOMAML). ``on_step(n, model, params)`` is called after each meta-step, ``n`` counting from 1;
    it must not modify ``params``.

    ``stop_after``: stop after that many meta-steps of the ``settings.meta_steps`` schedule, so the
    result is exactly the full run's state at that step (Reptile's ε still anneals over
    ``settings.meta_steps``). None runs the whole schedule."""
    dev = resolve_device(device)
    classification = _is_classification(experiment)
    model = make_mlp(experiment.feature_size, settings.hidden).to(dev)  # one input width: mixed sizes are an error
    params = init_params(model, seed, dev, dtype)
    sampler = TaskSampler(experiment, seed, dev, dtype)
    opt = torch.optim.Adam(params.values(), lr=settings.meta_lr) if method != "reptile" else None
    q = settings.query_points
    loss = torch.tensor(float("nan"))
    steps = settings.meta_steps if stop_after is None else min(stop_after, settings.meta_steps)
    for step in range(steps):
        xs, ys, xq, yq = sampler.next_batch(settings.meta_batch)
        if q is not None:
            xq, yq = xq[:, :q], yq[:, :q]
        if method == "reptile":
            adapted = adapt_batch(model, params, xs, ys, settings.inner_lr, settings.inner_steps, classification)
            epsilon = settings.meta_lr * (1.0 - step / settings.meta_steps)
            params = {k: v.requires_grad_(True) for k, v in reptile_update(params, adapted, epsilon).items()}
        else:
            loss, grads = meta_step_vmap(model, params, (xs, ys, xq, yq), settings.inner_lr, settings.inner_steps,
                                         method == "fomaml", classification)
            for k, p in params.items():
                p.grad = grads[k]
            opt.step()
        if on_step is not None:
            on_step(step + 1, model, params)
    info = {"tasks_drawn": float(sampler.tasks_drawn)}
    if method != "reptile" and steps:
        info["last_meta_loss"] = float(loss)  # the last meta-batch's mean query loss
    return model, params, info


def _is_classification(experiment: Experiment) -> bool:
    return FAMILIES[experiment.config["family"]].classification


def adapted_predictions(model: nn.Module, params: Params, tasks: TorchTasks, steps: int, alpha: float) -> np.ndarray:
    """Float64 predictions ``[T, Nv]`` on every task's validation (query) split after ``steps``
    inner SGD steps at ``alpha`` on its train (support) split; ``steps=0`` means no adaptation."""
    cls = tasks.classification
    if steps == 0:
        out = predict_batch(model, params, tasks.x_valid, False, cls)
    else:
        phi = adapt_batch(model, params, tasks.x_train, tasks.y_train, alpha, steps, cls)
        out = predict_batch(model, phi, tasks.x_valid, True, cls)
    return out.to(torch.float64).cpu().numpy()


def fitness_per_task(predictions: np.ndarray, labels: np.ndarray, classification: bool,
                     max_abs_error: float) -> np.ndarray:
    """:func:`~zero.baselines.base.task_fitness` of each task ``[T]``."""
    return np.array([task_fitness(predictions[t], labels[t], classification, max_abs_error)
                     for t in range(len(labels))])  # fmt: skip


def choice_tasks(experiment: Experiment, seed: int, num_tasks: int = CHOICE_TASKS) -> TaskSet:
    """The tasks that choices are scored on: ``num_tasks`` fresh tasks of the *search* distribution
    (``held_out=False``) from a seed stream of the baseline's own. They are never the final tasks."""
    task_seed = int(np.random.SeedSequence([int(seed), CHOICE_SALT]).generate_state(1)[0] % (2**31 - 1))
    return make_tasks(experiment.task_spec("search"), num_tasks, task_seed, held_out=False)


def choose_inner_lr(method: str, experiment: Experiment, settings: MetaSettings, *, device: torch.device | str = "cpu",
                    seed: int = 0, dtype: torch.dtype = torch.float32) -> tuple[float, dict[float, float]]:
    """The step size in ``settings.inner_lr_grid`` whose pilot scores best, and every candidate's score.

    Each candidate's pilot is the first ``settings.pilot_steps`` meta-steps of the full run with
    that step size (inner loop and scoring): the full run's schedule, cut short. A pilot that
    compressed Reptile's ε schedule into its own few steps would end on small outer steps the real
    run does not take for a long time, and so rate as stable a step size that drives the real run to
    chance. Every pilot uses the same ``seed``, so the same initial parameters and batches. The pilot
    is scored by its mean fitness on :func:`choice_tasks`. Ties go to the smaller step size. Only the
    experiment's search distribution is read (``task_spec("search")``, through the sampler and
    :func:`choice_tasks`), so the final tasks cannot influence the choice."""
    grid = tuple(sorted(settings.inner_lr_grid))
    if not grid or settings.pilot_steps < 1:
        raise ValueError(f"a choice needs a non-empty inner_lr_grid and pilot_steps >= 1, got {settings}")
    score_on_choice_tasks = choice_scorer(experiment, seed, device=device, dtype=dtype)
    scores: dict[float, float] = {}
    for lr in grid:
        full_run = replace(settings, inner_lr=lr)
        model, params, _ = meta_train(method, experiment, full_run, device=device, seed=seed, dtype=dtype,
                                      stop_after=settings.pilot_steps)
        scores[lr] = score_on_choice_tasks(model, params, full_run)
    best = grid[int(np.argmax([scores[lr] for lr in grid]))]  # first best: the smaller step size
    return best, scores


def choice_scorer(experiment: Experiment, seed: int, *, device: torch.device | str = "cpu",
                  dtype: torch.dtype = torch.float32) -> Callable[[nn.Module, Params, MetaSettings], float]:
    """A function giving an initialization's mean fitness on :func:`choice_tasks` after
    ``settings.eval_steps`` inner steps at ``settings.inner_lr``: how pilots are compared, and how a
    trained run is checked against its pilot without reading the final tasks."""
    validation = choice_tasks(experiment, seed)
    tt = to_torch(validation, device, dtype)
    max_err = experiment.config["max_abs_error"]

    def mean_fitness(model: nn.Module, params: Params, settings: MetaSettings) -> float:
        pred = adapted_predictions(model, params, tt, settings.eval_steps, settings.inner_lr)
        return float(np.mean(fitness_per_task(pred, validation.y_valid, validation.classification, max_err)))

    return mean_fitness


def score(model: nn.Module, params: Params, experiment: Experiment, settings: MetaSettings, *,
          device: torch.device | str = "cpu",
          dtype: torch.dtype = torch.float32) -> tuple[np.ndarray, dict[str, float]]:
    """Per-task fitness on the final tasks after ``eval_steps`` adaptation steps on each train split,
    plus metrics: regression ``mse_pre``/``mse_post`` (means over tasks of each task's validation
    MSE), ``mse_post_ci95`` (half-width of the 95% interval over tasks), ``mse_post_10steps``;
    classification ``accuracy_pre``/``accuracy_post``."""
    final = experiment.tasks("final")
    tt = to_torch(final, device, dtype)
    cls, max_err = final.classification, experiment.config["max_abs_error"]
    predictions = lambda steps: adapted_predictions(model, params, tt, steps, settings.inner_lr)  # noqa: E731
    post = predictions(settings.eval_steps)
    per_task = fitness_per_task(post, final.y_valid, cls, max_err)
    pre = predictions(0)
    if cls:
        metrics = {"accuracy_pre": float(np.mean((pre > 0.5) == (final.y_valid > 0.5))),
                   "accuracy_post": float(np.mean((post > 0.5) == (final.y_valid > 0.5)))}
    else:
        mse = lambda p: np.mean((p - final.y_valid) ** 2, axis=1)  # noqa: E731
        mean_post, ci_post = mean_and_interval(mse(post))
        metrics = {"mse_pre": float(np.mean(mse(pre))), "mse_post": mean_post, "mse_post_ci95": ci_post,
                   "mse_post_10steps": float(np.mean(mse(predictions(10))))}
    return per_task, metrics


@contextlib.contextmanager
def _cpu_threads(device: torch.device, n: int):
    """On CPU run with ``n`` intra-op threads, then restore: these tensors are tiny (≤ 32×200×40),
    so extra threads only add synchronisation (measured ~20× slower on a loaded 2-core machine), and
    one thread makes results independent of the core count."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class MetaBaseline:
    """A registered meta-learning baseline; ``settings`` overrides the budget's :class:`MetaSettings`."""

    name = ""

    def run(self, experiment: Experiment, *, device: str = "auto", seed: int = 0, budget: str = "ci",
            settings: MetaSettings | None = None) -> BaselineResult:
        override = settings
        experiment.feature_size  # a net has one input width: an experiment of mixed sizes is a clear error
        if settings is None:
            settings = budget_settings(self.name, budget, _is_classification(experiment))
        dev = resolve_device(device)
        start = time.perf_counter()
        choice: dict[float, float] = {}
        with _cpu_threads(dev, 1):
            if settings.inner_lr_grid:  # chosen before the final tasks are built; they play no part
                chosen, choice = choose_inner_lr(self.name, experiment, settings, device=dev, seed=seed)
                settings = replace(settings, inner_lr=chosen)
            probe = literature.Probe(experiment, settings.eval_steps, dev) if literature.applies(experiment) else None

            def predictor(model: nn.Module, params: Params) -> literature.Predict:
                return lambda tasks, steps: adapted_predictions(model, params, tasks, steps, settings.inner_lr)

            hook = None if probe is None else lambda n, model, params: probe.checkpoint(n, predictor(model, params))
            model, params, info = meta_train(self.name, experiment, settings, device=dev, seed=seed, on_step=hook)
            if choice:  # the trained run on its pilot's tasks: a run that fell apart after its pilot shows here
                info["choice_fitness_trained"] = choice_scorer(experiment, seed, device=dev)(model, params, settings)
            per_task, metrics = score(model, params, experiment, settings, device=dev)
            if probe is not None:
                metrics.update(probe.figures(predictor(model, params)))
        seconds = time.perf_counter() - start
        recorded = {**asdict(settings), "budget": budget if override is None else f"{budget}, settings overridden",
                    "seed": seed, "dtype": "float32",
                    "support": "train split", "first_order": self.name != "maml",
                    "query": ("validation split" if settings.query_points is None
                              else f"first {settings.query_points} points of the validation split"),
                    "inner_lr_chosen_on": (f"{CHOICE_TASKS} search-distribution tasks (own seeds), "
                                           f"the first {settings.pilot_steps} meta-steps of each candidate's full run") if choice
                    else "given (settings overridden)" if override is not None
                    else "the published protocol (not chosen)"}  # fmt: skip
        if probe is not None:
            recorded["literature_protocol"] = (
                f"{probe.tasks.num_tasks} held-out tasks, K={probe.tasks.num_train} support and "
                f"{probe.tasks.num_valid} query points each, {settings.eval_steps} inner step(s) at "
                f"{settings.inner_lr:g}; mean and 1.96·sd/sqrt(n) (cbfinn/maml main.py test())")
        metrics.update({f"choice_fitness_lr_{lr:g}": v for lr, v in choice.items()})
        return BaselineResult(self.name, experiment.name, per_task, seconds, device_name(dev), recorded,
                              {**metrics, **info})


@register("maml")
class MAML(MetaBaseline):
    name = "maml"


@register("fomaml")
class FOMAML(MetaBaseline):
    name = "fomaml"


@register("reptile")
class Reptile(MetaBaseline):
    name = "reptile"
