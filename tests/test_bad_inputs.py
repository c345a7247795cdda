"""Bad inputs the user can type fail fast with one clear line: ``zero: error: ...``, exit != 0, no traceback.

- ``zero baseline NAME EXP --device cuda`` on a machine without a GPU: the device rule has one owner
  (:func:`zero.baselines.adapter.resolve_device`) and every baseline goes through it before training.
  ``torch.cuda.is_available`` is patched to ``False`` in these tests, so they mean the same on a GPU machine.
- ``zero run --address ADDR`` with nothing listening at ADDR, or a malformed ADDR: refused by
  :func:`zero.search.ray_pool.probe` in seconds (``ray.init`` alone would retry for minutes). Only
  127.0.0.1 is used; none of these start Ray.
"""

from __future__ import annotations

import socket
import time

import pytest
import torch

import zero.cli
from zero.baselines import REGISTRY, adapter, load_all, nas
from zero.baselines.adapter import DeviceError, resolve_device
from zero.errors import ZeroError
from zero.search import ray_pool
from zero.search.experiment import Experiment

BASELINES = sorted(load_all())
TORCH_BASELINES = ("maml", "fomaml", "reptile", "nas_evolution", "nas_random")
DEAD = "127.0.0.1:1"  # port 1 on the loopback: nothing listens there (binding it needs root)


@pytest.fixture
def no_gpu(monkeypatch):
    """This machine, as torch sees it, has no CUDA device (whatever it really has)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def one_fake_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("zero: error: ")
    return lines[0]


# ---- the device rule ---------------------------------------------------------------------------


def test_the_device_rule_has_one_owner():
    assert nas.resolve_device is adapter.resolve_device
    assert issubclass(DeviceError, ZeroError) and issubclass(DeviceError, ValueError)


def test_auto_means_cpu_without_a_gpu(no_gpu):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_auto_means_cuda_with_a_gpu(one_fake_gpu):
    assert resolve_device("auto").type == "cuda"
    assert resolve_device("cuda:0") == torch.device("cuda", 0)


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_without_a_gpu_is_one_clear_error(no_gpu, device):
    with pytest.raises(DeviceError) as e:
        resolve_device(device)
    message = str(e.value)
    assert message.startswith(f"--device {device}: no CUDA device is available (torch {torch.__version__}")
    assert "\n" not in message


def test_a_gpu_index_this_machine_lacks_is_rejected(one_fake_gpu):
    with pytest.raises(DeviceError, match=r"--device cuda:3: torch sees 1 CUDA device \(cuda:0 to cuda:0\)"):
        resolve_device("cuda:3")


@pytest.mark.parametrize("device", ["gpu", "tpu", "mps", "cuda:x", "cuda:", "cpu:0", "", "cuda0"])
def test_bad_device_names_are_rejected(device):
    with pytest.raises(DeviceError) as e:
        resolve_device(device)
    assert str(e.value).startswith(f"--device {device!r}: not a device; use one of auto, cpu, cuda")


@pytest.mark.parametrize("name", BASELINES)
def test_baseline_device_cuda_without_a_gpu_fails_before_training(name, no_gpu, monkeypatch, capsys, tmp_path):
    def trained(*args, **kwargs):
        raise AssertionError(f"{name} started although the device was never available")

    monkeypatch.setattr(REGISTRY[name], "run", trained)
    out = tmp_path / "b"
    code = zero.cli.main(["baseline", name, "sinusoid", "--device", "cuda", "--budget", "ci", "--out", str(out)])
    assert code != 0
    line = one_error_line(capsys)
    assert "--device cuda: no CUDA device is available" in line
    assert not out.exists()


@pytest.mark.parametrize("name", TORCH_BASELINES)
def test_torch_baselines_called_directly_use_the_same_rule(name, no_gpu):
    experiment = Experiment.load("sinusoid")
    with pytest.raises(DeviceError, match="--device cuda: no CUDA device is available"):
        REGISTRY[name]().run(experiment, device="cuda", seed=0, budget="ci")


# ---- the cluster address ---------------------------------------------------------------------------


@pytest.fixture
def no_ray_left():
    yield
    ray_pool.disconnect()


def run_with_address(address: str, tmp_path) -> tuple[int, float]:
    out = tmp_path / "r"
    start = time.monotonic()
    code = zero.cli.main(["run", "--address", address, "--max-individuals", "1000", "--quiet", "--out", str(out)])
    elapsed = time.monotonic() - start
    assert not out.exists()
    return code, elapsed


@pytest.mark.parametrize("address", [DEAD, f"ray://{DEAD}", "[::1]:1"])
def test_an_unreachable_address_fails_fast(address, tmp_path, capsys, no_ray_left):
    code, elapsed = run_with_address(address, tmp_path)
    assert code != 0
    assert elapsed < 30
    line = one_error_line(capsys)
    assert f"--address {address} is unreachable: connection refused" in line
    import ray

    assert not ray.is_initialized()


@pytest.mark.parametrize("address, problem", [
    ("127.0.0.1", "no port"),
    ("ray://127.0.0.1", "no port"),
    ("host:notaport", "port 'notaport' is not a number"),
    ("127.0.0.1:0", "port '0' is not a number"),
    ("127.0.0.1:70000", "port '70000' is not a number"),
    (":6379", "no host"),
    ("::1:6379", "an IPv6 host goes in brackets, [::1]:6379"),
    ("http://127.0.0.1:6379", "the only scheme understood is ray://"),
    ("127.0.0.1/x:6379", "'127.0.0.1/x' is not a host name"),
])  # fmt: skip
def test_a_malformed_address_is_rejected(address, problem, tmp_path, capsys, no_ray_left):
    code, elapsed = run_with_address(address, tmp_path)
    assert code != 0 and elapsed < 30
    line = one_error_line(capsys)
    assert line.startswith(f"zero: error: --address {address}: {problem}")


def test_auto_with_ray_address_set_to_a_dead_one_fails_fast(monkeypatch, tmp_path, capsys, no_ray_left):
    monkeypatch.setenv("RAY_ADDRESS", DEAD)
    code, elapsed = run_with_address("auto", tmp_path)
    assert code != 0 and elapsed < 30
    line = one_error_line(capsys)
    assert f"--address auto (the Ray cluster on record here, {DEAD}) is unreachable" in line


def test_auto_without_a_cluster_is_one_clear_line(monkeypatch, tmp_path, capsys, no_ray_left):
    """What Ray says when it finds no cluster (its lookup is patched: another test may be running one)."""
    from ray._private import services

    def none_running(address, temp_dir=None):
        raise ConnectionError(
            "Could not find any running Ray instance. Please specify the one to connect to by "
            "setting `--address` flag or `RAY_ADDRESS` environment variable."
        )

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(services, "canonicalize_bootstrap_address", none_running)
    code, elapsed = run_with_address("auto", tmp_path)
    assert code != 0 and elapsed < 30
    line = one_error_line(capsys)
    assert "--address auto: no running Ray cluster found on this machine" in line


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_the_probe_passes_a_listening_address(scheme):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        ray_pool.probe(f"{scheme}127.0.0.1:{port}")  # no error
    assert ray_pool.split_address(f"{scheme}[::1]:{port}") == ("::1", port)
