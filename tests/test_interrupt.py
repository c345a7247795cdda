"""Stopping a run from outside (zero/search/interrupt.py): SIGTERM, as a scheduler sends it before a
time limit, checkpoints and exits 143, and the resumed run ends exactly as an uninterrupted one;
Ctrl-C keeps its behaviour (tests/test_run.py covers it end to end)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import configs
import pytest

from zero.cli import main
from zero.cli.args import EXIT_TERMINATED
from zero.search.driver import STOP_TERMINATED, run
from zero.search.experiment import Experiment
from zero.search.interrupt import Interrupt
from zero.search.pool import LocalIslands
from zero.store import RunDir

# Never solved (a select fitness above 1.0 is impossible), so only the budget or a signal stops it:
# about 3 s of search here.
BUDGET = 600_000


def experiment() -> Experiment:
    return configs.small(restart_every=4000, stop={"select_fitness": 1.0, "max_individuals": BUDGET})


def raise_signal(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.01)  # Python runs the handler between bytecodes, which the sleep lets happen


def test_sigterm_asks_to_stop_and_a_second_changes_nothing():
    previous = signal.getsignal(signal.SIGTERM)
    with Interrupt() as interrupt:
        assert not interrupt.requested
        raise_signal(signal.SIGTERM)
        assert interrupt.requested and interrupt.terminated and interrupt.signum == signal.SIGTERM
        raise_signal(signal.SIGTERM)  # the scheduler's grace period: still checkpointing
        assert interrupt.terminated
        with pytest.raises(KeyboardInterrupt):  # a person at the terminal still stops it at once
            raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is previous


def test_ctrl_c_decides_the_reason_when_it_comes_first():
    previous = signal.getsignal(signal.SIGINT)  # SIG_IGN when pytest runs as a background job
    with Interrupt() as interrupt:
        raise_signal(signal.SIGINT)
        raise_signal(signal.SIGTERM)
        assert interrupt.requested and not interrupt.terminated and interrupt.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is previous


class _FailingStart(LocalIslands):
    def start(self, snapshot, source):
        raise RuntimeError("killed while the islands were compiling")


def test_a_run_killed_while_its_pool_starts_is_resumable(tmp_path):
    """The first checkpoint is written before the pool starts (compiling, starting Ray), so a job
    killed then leaves a run its next start resumes, not a directory it can neither resume nor reuse."""
    exp = experiment().with_overrides(**{"stop.max_individuals": 2000})
    with pytest.raises(RuntimeError):
        run(exp, tmp_path / "r", pool=_FailingStart(exp, 1))
    assert RunDir(tmp_path / "r").checkpoint_manifest() is not None
    assert run(Experiment.of_run(tmp_path / "r"), tmp_path / "r", resume=True).individuals == 2000


def test_sigterm_checkpoints_exits_143_and_the_resumed_run_equals_an_uninterrupted_one(tmp_path):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(experiment().to_dict()))  # JSON is YAML
    assert main(["run", str(exp_file), "--out", str(tmp_path / "whole"), "--quiet"]) == 0

    out = tmp_path / "split"
    proc = subprocess.Popen([sys.executable, "-m", "zero.cli", "run", str(exp_file), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    progress = out / "progress.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (progress.exists() and progress.read_text().count("\n") >= 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGTERM)  # a second one does not cut the checkpoint short
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_TERMINATED == 143, stderr
    assert "Traceback" not in stderr and "terminated (SIGTERM)" in stderr and "--resume" in stderr
    final = RunDir(out).read_final()
    assert final["stopped"] == STOP_TERMINATED and 0 < final["individuals"] < BUDGET, final["individuals"]
    assert f"stopped: {STOP_TERMINATED} after" in stdout
    parts, _ = RunDir(out).load_checkpoint()
    assert int(parts["island0"]["state.counters"][0]) == final["individuals"]  # nothing in flight was lost

    assert main(["run", "--resume", "--out", str(out), "--quiet"]) == 0
    assert configs.run_outcome(out) == configs.run_outcome(tmp_path / "whole")
    individuals = [r["individuals"] for r in RunDir(out).read_progress()]
    assert individuals == sorted(set(individuals)) and individuals[-1] == BUDGET  # nothing lost, nothing repeated
