"""Islands on real Ray (zero.search.ray_pool): a two-node cluster on loopback started with the ``ray``
command line, runs driven through ``--address``, the embedded default (Ray started by ``zero run``),
workers killed mid-run, a killed driver resumed. Every Ray run is checked against the same
experiment run in this process without Ray: islands are deterministic, so the champion, its
fitness and every island's count must be equal however the islands were scheduled or recovered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from loopback_cluster import ENV, LoopbackCluster
from test_island import _champions, _outcome, islands

from zero.progress import Progress
from zero.search.driver import STOP_INDIVIDUALS, run

pytestmark = pytest.mark.ray
ray = pytest.importorskip("ray")


def experiment(**overrides):
    return islands(**{"stop": {"max_individuals": 12_000, "select_fitness": None}, "checkpoint_seconds": 0.2, **overrides})


@pytest.fixture(scope="module")
def cluster():
    c = LoopbackCluster(cpus_per_node=1).start()
    os.environ.update({"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"})
    try:
        yield c
    finally:
        ray.shutdown()
        c.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The experiment's run without Ray: what every Ray run must reproduce."""
    path = tmp_path_factory.mktemp("reference") / "run"
    run(experiment(), path)
    return path


def _zero(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zero.cli", *args], env=ENV, capture_output=True, text=True, timeout=timeout)


def _experiment_file(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(json.dumps(experiment().to_dict()))
    return str(path)


def test_a_run_on_a_two_node_cluster_through_address(cluster, reference, tmp_path):
    out = tmp_path / "run"
    done = _zero("run", _experiment_file(tmp_path), "--workers", "2", "--address", cluster.address, "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["individuals"] == 12_000
    assert _outcome(out) == _outcome(reference)
    assert _champions(out) == _champions(reference)
    final = json.loads((out / "final.json").read_text())
    nodes = {place.split(")")[0] for place in (i["where"] for i in final["islands"])}
    assert len(nodes) == 2, final["islands"]  # one island on each node
    assert all(i["immigrants"] > 0 for i in final["islands"])  # migration happened both ways


def test_lagged_migration_on_ray_equals_the_run_in_this_process(cluster, tmp_path):
    """With islands.migration_lag a Ray call runs on past migration counts whose migrants it holds
    (a second of batches per call here, many migrations): the outcome is the in-process run's."""
    lagged = experiment(islands={"count": 2, "migrate_every": 500, "migrants": 10, "migration_lag": 3})
    run(lagged, tmp_path / "here")
    path = tmp_path / "exp.yaml"
    path.write_text(json.dumps(lagged.to_dict()))
    out = tmp_path / "ray"
    done = _zero("run", str(path), "--workers", "2", "--address", cluster.address, "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert _outcome(out) == _outcome(tmp_path / "here")
    assert _champions(out) == _champions(tmp_path / "here")
    calls = len((out / "progress.jsonl").read_text().splitlines())
    # 24 migrations per island; with no lag the calls end at most of them (24 calls here in all)
    assert calls <= 12_000 // 500 // 2, calls  # calls spanned two migrations or more on average


def test_the_embedded_default_starts_ray_here(reference, tmp_path):
    """No --address: zero run starts a private Ray instance (not the cluster running here); its
    dashboard, when asked for, listens on loopback only."""
    out = tmp_path / "run"
    done = _zero("run", _experiment_file(tmp_path), "--workers", "2", "--out", str(out), "--quiet", "--dashboard")
    assert done.returncode == 0, done.stderr
    assert "Ray dashboard: http://127.0.0.1:" in done.stderr
    assert _outcome(out) == _outcome(reference)
    final = json.loads((out / "final.json").read_text())
    assert final["workers"] == 2 and "pid" in final["islands"][0]["where"]


class Killer(Progress):
    """Kills island 1's worker once it has logged ``at`` individuals."""

    def __init__(self, how: str, at: int):
        super().__init__(enabled=False)
        self.how, self.at, self.pool, self.killed = how, at, None, 0

    def update(self, record):
        if record["island"] == 1 and record["island_individuals"] >= self.at and not self.killed:
            actor = self.pool.actors[1]
            if self.how == "sigkill":
                os.kill(ray.get(actor.pid.remote()), signal.SIGKILL)
            else:
                ray.kill(actor, no_restart=True)
            self.killed += 1


@pytest.mark.parametrize("how", ["sigkill", "ray.kill"])
def test_a_killed_worker_is_rebuilt_and_the_run_goes_on_unchanged(cluster, reference, tmp_path, how):
    from zero.search import ray_pool as distributed

    distributed.connect(cluster.address)
    exp = experiment()
    pool = distributed.RayIslands(exp, 2)
    killer = Killer(how, at=3000)
    killer.pool = pool
    try:
        outcome = run(exp, tmp_path / "run", pool=pool, progress=killer)
    finally:
        pool.release()
    assert killer.killed == 1 and outcome.stopped == STOP_INDIVIDUALS
    final = json.loads((tmp_path / "run" / "final.json").read_text())
    assert final["workers_lost"] == 1 and [i["lost"] for i in final["islands"]] == [0, 1]
    assert _outcome(tmp_path / "run") == _outcome(reference)  # the best was kept, nothing changed
    assert _champions(tmp_path / "run") == _champions(reference)


def test_a_killed_driver_resumes(cluster, reference, tmp_path):
    out = tmp_path / "run"
    exp_file = _experiment_file(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "zero.cli", "run", exp_file, "--workers", "2", "--address", cluster.address,
                             "--out", str(out), "--quiet"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    progress = out / "progress.jsonl"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not (progress.exists() and progress.read_text().count("\n") >= 8):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not (out / "final.json").exists()  # killed mid-run
    done = _zero("run", "--resume", "--out", str(out), "--address", cluster.address, "--quiet")
    assert done.returncode == 0, done.stderr
    assert _outcome(out) == _outcome(reference)
    assert _champions(out) == _champions(reference)


def test_more_workers_than_the_cluster_has_cpus_is_refused(cluster, tmp_path):
    done = _zero("run", _experiment_file(tmp_path), "--workers", "3", "--address", cluster.address, "--out", str(tmp_path / "r"))
    assert done.returncode != 0
    assert "--workers 3" in done.stderr and "2 CPUs" in done.stderr and "Traceback" not in done.stderr
