"""The GPU evaluator (zero.interpreter.gpu) and the batched search on it.

Without a GPU (CI): the real kernels are compiled to PTX for an H100/H200 (compute capability 9.0),
which needs no driver; the kernels run in numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, set in
a subprocess, since it must be set before numba.cuda is imported) against the oracle and the CPU;
and asking for a device that is not there is one clear error. With a GPU (``pytest -m gpu``): the
same checks on the device, at full size, and the baselines on CUDA.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from configs import run_outcome

from zero.errors import ZeroError
from zero.lang.program import Memory
from zero.lang import space as spaces

SIMULATOR = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}


def run_python(code: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


def cuda_available() -> bool:
    from numba import cuda

    return cuda.is_available()


# ---- simulator: the kernels' logic, exactly


@pytest.mark.parametrize("feature_size, programs", [(1, 24), (4, 60), (16, 24)])
def test_simulated_gpu_matches_the_oracle_bit_for_bit(feature_size, programs):
    """Random programs from every shipped space (and every op) in one batch per task set."""
    result = subprocess.run([sys.executable, "-m", "zero.interpreter.differential", "--device", "cuda", "--programs", str(programs),
                             "--feature-size", str(feature_size), "--seed", "5"],
                            env=SIMULATOR, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CUDA simulator" in result.stdout
    assert f"{programs} programs, F={feature_size}, on numba's CUDA simulator: {programs} bit-identical" in result.stdout
    assert "0 libm programs beyond it" in result.stdout and "0 other mismatches" in result.stdout


SEARCH_ON_BOTH = """
import json, numpy as np
from zero.search.batched import BatchedEvolution
from zero.search.experiment import load
experiment = load("linear_regression").with_overrides("test", population=40, restart_every=0,
    search={"num_tasks": 3, "num_train": 12, "num_valid": 8}, fec={"num_train": 5, "num_valid": 5},
    hurdles={"enabled": True, "num_tasks": 1, "percentile": 50.0}, compute_limit=1.0)
runs = {}
for device in ("cpu", "cuda"):
    evolution = BatchedEvolution(experiment, 9, device=device, batch_size=16)
    for n in (40, 200, 200):
        evolution.update_hurdle(50.0)
        evolution.run(n)
    runs[device] = evolution
cpu, gpu = runs["cpu"], runs["cuda"]
print(json.dumps({"same": all(np.array_equal(a, b) for a, b in zip(cpu.state, gpu.state))
                          and all(np.array_equal(a, b) for a, b in zip(cpu.cache, gpu.cache)),
                  "device": gpu.evaluators[0].device, "stops": int(gpu.hurdle_stops), "hits": gpu.fec_hit_rate,
                  "evaluations": gpu.evaluations}))
"""


def test_simulated_gpu_search_is_the_cpu_batched_search_state_for_state():
    result = run_python(SEARCH_ON_BOTH, SIMULATOR)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["device"] == "numba's CUDA simulator"
    assert figures["same"], figures
    assert figures["stops"] > 0 and 0 < figures["hits"] < 1  # hurdles and the FEC both ran on the device path


def test_zero_run_device_cuda_in_the_simulator_gives_the_cpu_batched_champion(tmp_path):
    settings = ["--set", "population=40", "--set", "restart_every=0", "--set", "report_every=200",
                "--set", "search.num_tasks=3", "--set", "search.num_train=12", "--set", "search.num_valid=8",
                "--set", "select.num_tasks=4", "--set", "final.num_tasks=4", "--set", "batch_size=20"]  # fmt: skip
    outcomes = {}
    for device in ("cpu", "cuda"):
        out = tmp_path / device
        result = subprocess.run([sys.executable, "-m", "zero.cli", "run", "--workers", "1", "--device", device, "--max-individuals", "600",
                                 "--out", str(out), "--json", *settings], env=SIMULATOR, capture_output=True, text=True, timeout=600)  # fmt: skip
        assert result.returncode == 0, result.stderr
        outcomes[device] = json.loads(result.stdout.strip().splitlines()[-1])
        assert (out / "final.json").exists()
    untimed = [{k: v for k, v in outcomes[d].items() if k not in ("run_dir", "seconds")} for d in ("cpu", "cuda")]
    assert untimed[0] == untimed[1]
    assert run_outcome(tmp_path / "cuda") == run_outcome(tmp_path / "cpu")  # the same champion, fitness, candidates


# ---- the real CUDA target, compiled without a GPU


def test_the_real_kernel_compiles_to_ptx_without_a_gpu():
    """paper_full (every op) at F = 16 for compute capability 9.0: what the real CUDA target accepts,
    which the simulator cannot tell."""
    from zero.interpreter.gpu import ptx

    text = ptx(16, spaces.load("paper_full").memory)
    assert ".entry" in text and ".target sm_90" in text
    assert ".local" in text  # the memory banks are per-thread local arrays
    # the one function left to link: numba-cuda's own reshape helper, compiled by NVRTC at the first launch
    externs = {line.split()[-1] for line in text.splitlines() if line.startswith(".extern .func")}
    assert externs == {"numba_attempt_nocopy_reshape"}


def test_contraction_is_off_in_compiled_kernels():
    """libNVVM fuses a*b + c by default; zero compiles with -fma=0 so the GPU rounds as the CPU."""
    from numba import cuda, float64

    from zero.interpreter.gpu import no_contraction

    def multiply_add(a, out):
        i = cuda.grid(1)
        if i < a.shape[0]:
            out[i] = a[i] * a[i] + out[i]

    contracted, _ = cuda.compile_ptx(multiply_add, (float64[:], float64[:]), cc=(9, 0))
    with no_contraction():
        kept, _ = cuda.compile_ptx(multiply_add, (float64[:], float64[:]), cc=(9, 0))
    assert "fma.rn.f64" in contracted  # the default this guards against
    assert "fma.rn.f64" not in kept and "mul.rn.f64" in kept


# ---- no device: one clear error


def test_no_device_is_one_clear_error(tmp_path):
    if cuda_available():
        from zero.interpreter.gpu import require_device

        assert require_device()  # a GPU machine names its device
        return
    from zero.interpreter.gpu import require_device

    with pytest.raises(ZeroError, match="no CUDA device is available"):
        require_device()
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "zero.cli", "run", "--device", "cuda", "--max-individuals", "100", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 2
    assert "no CUDA device is available" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()  # nothing was started


def test_more_islands_than_gpus_is_one_clear_error(tmp_path):
    """An island owns a GPU; the simulator has one, so two islands cannot run (checked before any
    run directory or worker exists; on Ray an actor waiting for a GPU would wait forever)."""
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "zero.cli", "run", "--device", "cuda", "--workers", "2", "--max-individuals", "100",
                             "--out", str(out)], env=SIMULATOR, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "needs one GPU per island: 2 islands, but this machine has 1 GPU" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


# ---- on a real GPU (pytest -m gpu)


@pytest.mark.gpu
@pytest.mark.parametrize("feature_size", [4, 16])
def test_gpu_matches_the_oracle(feature_size):
    from zero.interpreter.differential import run_gpu

    report = run_gpu(1000, feature_size, seed=5)
    assert report.programs == 1000 and report.ok, [p for _, p in report.mismatches[:3]]


@pytest.mark.gpu
def test_gpu_search_on_the_demo_space_is_the_cpu_batched_search():
    """The demo space has no transcendental op, so the GPU's search is the CPU's, bit for bit."""
    result = run_python(SEARCH_ON_BOTH)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["same"] and "simulator" not in figures["device"]


@pytest.mark.gpu
@pytest.mark.parametrize("name, experiment", [("maml", "sinusoid"), ("fomaml", "sinusoid"), ("reptile", "sinusoid"),
                                              ("nas_evolution", "digits_binary")])  # fmt: skip
def test_baselines_run_on_cuda(name, experiment, tmp_path):
    out = tmp_path / name
    result = subprocess.run([sys.executable, "-m", "zero.cli", "baseline", name, experiment, "--device", "cuda", "--budget", "ci",
                             "--out", str(out)], capture_output=True, text=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "baseline.json").read_text())["device"].startswith("cuda")


BENCH_ROWS = """
import json
from zero import bench
rows = bench.gpu_speed("demo", 4, batches=(4, 8), seconds=0.01, num_programs=4)
search = bench.gpu_search_speed(0.01, population=20, batch_size=10)
print(json.dumps({"rows": rows, "search": search}))
"""


def test_zero_bench_gpu_rows_measure_in_the_simulator():
    """The GPU rows' code path (compiled kernels, batches, counting), on the simulator: figures, not speed."""
    result = run_python(BENCH_ROWS, SIMULATOR)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert [r["batch"] for r in figures["rows"]] == [4, 8]
    assert all(r["programs_per_second"] > 0 and r["instructions_per_second"] > 0 for r in figures["rows"])
    search = figures["search"]
    assert search["individuals"] > 0 and search["batch_size"] == 10 and 0 <= search["evaluated_share"] <= 1
