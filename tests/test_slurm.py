"""`zero slurm-script` jobs on a real SLURM (zero/cli/slurm.py; docs/slurm.md).

Every test here submits jobs with ``sbatch`` and waits for them, so they need a SLURM controller that
answers and a node to run on: ``bash .ci/slurm-up`` starts a one-node SLURM on this machine, and
``.ci/run`` runs these tests after it (``python -m pytest -m slurm``). The default test run leaves
them out (``-m 'not ... slurm'`` in pyproject.toml); selected without a SLURM, they fail and say
so rather than pass.

The jobs run this checkout's zero, from the virtual environment running the tests, in each test's
temporary directory (the job's working directory), on small experiments: a few seconds of search.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import configs
import pytest

from zero.cli import main
from zero.cli.args import EXIT_TERMINATED
from zero.cli.slurm import time_seconds
from zero.search.driver import STOP_INDIVIDUALS, STOP_TERMINATED
from zero.store import RunDir

pytestmark = pytest.mark.slurm

ZERO = [sys.executable, "-m", "zero.cli"]  # this checkout's zero; its scripts use this virtual environment
JOB_SECONDS = 300  # the longest any job here may take, requeued starts included, before a test fails
SEED = 5


def slurm_problem() -> str | None:
    """Why jobs cannot be submitted here (None: they can)."""
    if shutil.which("sbatch") is None:
        return "no sbatch command"
    try:
        ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=20)
        nodes = subprocess.run(["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"the controller does not answer ({e})"
    if "UP" not in ping.stdout:
        return f"scontrol ping: {(ping.stdout + ping.stderr).strip()}"
    if not any(state.strip("*~#") in ("idle", "mixed", "allocated", "completing") for state in nodes.stdout.split()):
        return f"no node can run jobs (sinfo states: {nodes.stdout.split()})"
    return None


@pytest.fixture(scope="module", autouse=True)
def slurm():
    problem = slurm_problem()
    if problem is not None:
        pytest.fail(f"these tests need a running SLURM ({problem}): run `bash .ci/slurm-up` first", pytrace=False)


def write_experiment(folder: Path, **overrides) -> Path:
    """A small experiment that is never solved (a select fitness above 1 is impossible), so only its
    budget stops it: about 180k individuals/s on one core here."""
    path = folder / "exp.yaml"
    path.write_text(json.dumps(configs.small(restart_every=4000, stop={"select_fitness": 1.0}, **overrides).to_dict()))
    return path


def generate(folder: Path, *options: str) -> Path:
    """``zero slurm-script`` for ``folder/exp.yaml`` with ``options``, written to folder/job.sbatch; the
    job works in ``folder`` and writes its output to folder/job-ID.out."""
    script = folder / "job.sbatch"
    command = [*ZERO, "slurm-script", "exp.yaml", "--workdir", str(folder), "--output", "job-%j.out", *options]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    script.write_text(result.stdout)
    return script


def submit(script: Path, *sbatch_options: str) -> str:
    result = subprocess.run(["sbatch", "--parsable", *sbatch_options, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split(";")[0]


def job(job_id: str) -> dict[str, str]:
    """``scontrol show job``'s fields (empty once SLURM has forgotten the job)."""
    result = subprocess.run(["scontrol", "show", "job", "--oneliner", job_id], capture_output=True, text=True)
    return dict(re.findall(r"(\w+)=(\S*)", result.stdout)) if result.returncode == 0 else {}


def output(folder: Path, job_id: str) -> str:
    path = folder / f"job-{job_id}.out"
    return path.read_text() if path.exists() else "(no output file)"


def wait_until_done(folder: Path, job_id: str) -> dict[str, str]:
    """The job's fields once it has ended for good (not requeued)."""
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        fields = job(job_id)
        if fields.get("JobState") in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"):
            print(f"job {job_id}: {fields['JobState']}, exit code {fields['ExitCode']}, restarts {fields['Restarts']}")
            return fields
        time.sleep(0.5)
    subprocess.run(["scancel", job_id])
    state = job(job_id).get("JobState")
    pytest.fail(f"job {job_id} not done after {JOB_SECONDS} s ({state}):\n{output(folder, job_id)}")


def wait_for_progress(folder: Path, job_id: str, run_dir: Path, lines: int = 3) -> None:
    """Until the job's run has written ``lines`` progress records: it is searching."""
    progress = run_dir / "progress.jsonl"
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        if progress.exists() and progress.read_text().count("\n") >= lines:
            return
        if job(job_id).get("JobState") not in ("PENDING", "CONFIGURING", "RUNNING"):
            break
        time.sleep(0.05)
    pytest.fail(f"job {job_id} did not start searching ({job(job_id).get('JobState')}):\n{output(folder, job_id)}")


def uninterrupted(folder: Path, budget: int) -> Path:
    """The same search in this process, never stopped: what every job's run must end as."""
    out = folder / "uninterrupted"
    args = ["run", str(folder / "exp.yaml"), "--out", str(out), "--seed", str(SEED), "--workers", "1",
            "--max-individuals", str(budget), "--json"]  # fmt: skip
    assert main(args) == 0
    return out


def describe(path: Path) -> str:
    final = RunDir(path).read_final()
    return (f"{final['stopped']} at {final['individuals']:,} individuals, select fitness "
            f"{final['select_fitness']:.6f}, final fitness {final['final_fitness']:.6f}, "
            f"champion found at {final['champion']['individuals']:,}")  # fmt: skip


def test_a_job_runs_a_search_to_completion_on_the_allocations_cpus(tmp_path, capsys):
    """One node: no Ray cluster, one island per CPU of the allocation on zero's own Ray."""
    write_experiment(tmp_path)
    job_id = submit(generate(tmp_path, "--seed", str(SEED), "--out", "runs/done", "--max-individuals", "100000"))
    fields = wait_until_done(tmp_path, job_id)
    text = output(tmp_path, job_id)
    assert fields["JobState"] == "COMPLETED" and fields["ExitCode"] == "0:0" and fields["Restarts"] == "0", text
    cpus = int(fields["NumCPUs"])
    run_dir = tmp_path / "runs" / "done"
    final = RunDir(run_dir).read_final()
    assert final["stopped"] == STOP_INDIVIDUALS and final["individuals"] == 100_000
    assert final["workers"] == cpus, text  # islands sized to the allocation
    assert "--resume" not in text and "zero exited with status 0" in text and "starting Ray" not in text
    assert not Path(f"/tmp/zero-ray-{job_id}").exists()  # zero's own Ray kept its files there, removed at the end
    assert main(["inspect", str(run_dir)]) == 0
    assert "def predict" in capsys.readouterr().out
    assert main(["replay", str(run_dir)]) == 0
    assert "yes, exactly" in capsys.readouterr().out
    print(f"job {job_id}: {cpus} islands, {describe(run_dir)}")


def test_a_job_on_a_ray_cluster_authenticates_and_stops_ray(tmp_path):
    """The path several nodes take (--ray cluster forces it on one): a Ray head as an srun step with
    token authentication, `zero run --address auto`, Ray stopped at the end."""
    write_experiment(tmp_path)
    job_id = submit(generate(tmp_path, "--seed", str(SEED), "--out", "runs/ray", "--max-individuals", "100000",
                             "--ray", "cluster"))  # fmt: skip
    fields = wait_until_done(tmp_path, job_id)
    text = output(tmp_path, job_id)
    assert fields["JobState"] == "COMPLETED" and fields["ExitCode"] == "0:0", text
    assert "starting Ray" in text and "--address auto" in text and "stopping Ray" in text
    assert "islands in Ray at auto" in text
    final = RunDir(tmp_path / "runs" / "ray").read_final()
    assert final["stopped"] == STOP_INDIVIDUALS and final["workers"] == int(fields["NumCPUs"])
    assert not re.search(r"\b[0-9a-f]{64}\b", text), "the job's Ray token is in its output"
    leftover = subprocess.run(["pgrep", "-f", f"zero-ray-{job_id}/"], capture_output=True, text=True).stdout.split()
    assert not leftover, f"Ray processes of job {job_id} outlived it: {leftover}"
    assert not Path(f"/tmp/zero-ray-{job_id}").exists()
    print(f"job {job_id}: Ray cluster of {final['workers']} CPUs, {describe(tmp_path / 'runs' / 'ray')}")


@pytest.mark.parametrize("how", ["requeue", "resubmit"])
def test_a_signalled_job_requeues_and_ends_as_an_uninterrupted_run(tmp_path, how):
    """SIGTERM to the job's script, as SLURM sends before a time limit: zero checkpoints and exits
    143, the job comes back (requeued; or, where requeue is refused, submitted again) and resumes,
    and the run ends with the champion, fitness and individual count of an uninterrupted one.
    One island, so the batch boundaries, and thus the outcome, do not depend on timing."""
    budget = 2_000_000  # about 10 s of search
    write_experiment(tmp_path)
    script = generate(tmp_path, "--seed", str(SEED), "--out", "runs/split", "--max-individuals", str(budget),
                      "--islands", "1", "--cpus-per-node", "1", "--time", "60")  # fmt: skip
    run_dir = tmp_path / "runs" / "split"
    job_id = submit(script, *(["--no-requeue"] if how == "resubmit" else []))
    wait_for_progress(tmp_path, job_id, run_dir, lines=200)  # 200,000 individuals in
    subprocess.run(["scancel", "--batch", "--signal=TERM", job_id], check=True)
    reference = uninterrupted(tmp_path, budget)  # meanwhile: the job comes back after a few seconds

    fields = wait_until_done(tmp_path, job_id)
    first = output(tmp_path, job_id)
    assert "SIGTERM received" in first and "terminated (SIGTERM)" in first, first
    if how == "requeue":
        assert fields["Restarts"] == "1" and "requeueing job" in first, first
        last_id, last = job_id, first
    else:
        assert fields["JobState"] == "COMPLETED" and "requeue refused" in first, first
        found = re.search(r"Submitted batch job (\d+)", first)
        assert found, first
        last_id = found.group(1)
        fields = wait_until_done(tmp_path, last_id)
        last = output(tmp_path, last_id)
    assert fields["JobState"] == "COMPLETED" and fields["ExitCode"] == "0:0", last
    text = first + (last if last_id != job_id else "")
    assert f"stopped: {STOP_TERMINATED} after" in text and f"zero exited with status {EXIT_TERMINATED}" not in text
    starts = re.findall(r"zero-job: zero run .*", text)
    assert len(starts) == 2 and "--resume" not in starts[0] and "--resume" in starts[1], starts
    assert text.rstrip().endswith("zero-job: zero exited with status 0"), text

    progress = [r["individuals"] for r in RunDir(run_dir).read_progress()]
    assert progress == sorted(set(progress))  # nothing lost, nothing repeated
    assert configs.run_outcome(run_dir) == configs.run_outcome(reference)
    print(f"job {job_id} ({how}) then {last_id}: {describe(run_dir)}")
    print(f"uninterrupted in this process: {describe(reference)}")


def test_a_cancelled_job_stays_cancelled_and_resumes_when_submitted_again(tmp_path):
    """A plain `scancel` (SIGTERM to every process of the job, SIGKILL 30 s later) means stop: zero
    checkpoints and the job is not requeued; the same script submitted again finishes the run."""
    budget = 2_000_000
    write_experiment(tmp_path)
    script = generate(tmp_path, "--seed", str(SEED), "--out", "runs/cancelled", "--max-individuals", str(budget),
                      "--islands", "1", "--cpus-per-node", "1")  # fmt: skip
    run_dir = tmp_path / "runs" / "cancelled"
    job_id = submit(script)
    wait_for_progress(tmp_path, job_id, run_dir, lines=50)
    subprocess.run(["scancel", job_id], check=True)
    fields = wait_until_done(tmp_path, job_id)
    text = output(tmp_path, job_id)
    assert fields["JobState"] == "CANCELLED" and fields["Restarts"] == "0", text
    assert "not requeued" in text and "requeueing" not in text and "Submitted batch job" not in text, text
    assert RunDir(run_dir).read_final()["stopped"] == STOP_TERMINATED

    again = submit(script)
    fields = wait_until_done(tmp_path, again)
    text = output(tmp_path, again)
    assert fields["JobState"] == "COMPLETED" and "zero run --resume" in text, text
    final = RunDir(run_dir).read_final()
    assert final["stopped"] == STOP_INDIVIDUALS and final["individuals"] == budget
    print(f"job {job_id} cancelled, job {again} resumed: {describe(run_dir)}")


def test_a_time_limit_is_survived_by_requeued_starts(tmp_path):
    """The production path: SLURM itself sends the SIGTERM of `#SBATCH --signal` before each start's
    time limit (2 minutes, signalled 110 s before, so 10 s in; SLURM checks time limits about every
    30 s), and a search longer than that runs to its end over several starts."""
    write_experiment(tmp_path)
    script = generate(tmp_path, "--seed", str(SEED), "--out", "runs/limited", "--max-seconds", "30", "--islands", "1",
                      "--cpus-per-node", "1", "--time", "2", "--signal-seconds", "110")  # fmt: skip
    job_id = submit(script)
    fields = wait_until_done(tmp_path, job_id)
    text = output(tmp_path, job_id)
    assert fields["JobState"] == "COMPLETED" and fields["ExitCode"] == "0:0" and int(fields["Restarts"]) >= 1, text
    assert text.count("SIGTERM received") == int(fields["Restarts"]) and "TIME LIMIT" not in text, text
    final = RunDir(tmp_path / "runs" / "limited").read_final()
    assert final["stopped"] == "max_seconds" and final["seconds"] >= 30
    progress = [r["individuals"] for r in RunDir(tmp_path / "runs" / "limited").read_progress()]
    assert progress == sorted(set(progress))  # nothing lost, nothing repeated
    starts = int(fields["Restarts"]) + 1
    print(f"job {job_id}: {starts} starts of at most 2 minutes, {describe(tmp_path / 'runs' / 'limited')}")


def test_a_bad_experiment_fails_the_job_with_zeros_error(tmp_path):
    (tmp_path / "exp.yaml").write_text(json.dumps(configs.small().to_dict() | {"population": -3}))
    job_id = submit(generate(tmp_path, "--out", "runs/bad", "--islands", "1", "--cpus-per-node", "1"))
    fields = wait_until_done(tmp_path, job_id)
    text = output(tmp_path, job_id)
    assert fields["JobState"] == "FAILED" and fields["ExitCode"] == "2:0" and fields["Restarts"] == "0", text
    error = re.search(r"^zero: error: .*", text, re.MULTILINE)
    assert error and "exp.yaml" in error.group(0) and "population" in error.group(0) and "-3" in error.group(0), text
    assert "Traceback" not in text and "requeue" not in text
    print(f"job {job_id}: {error.group(0)}")


def test_generated_scripts_are_valid_bash_with_the_sites_options(tmp_path):
    """What needs no job: the script parses, carries every option, refuses what cannot work."""
    script = generate(tmp_path, "--nodes", "3", "--cpus-per-node", "8", "--partition", "cpu", "--time",
                      "1-00:00:00", "--sbatch=--qos=long", "--venv", "/opt/envs/zero", "--seed", "4",
                      "--out", "runs/o w")  # fmt: skip
    text = script.read_text()
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    lines = text.splitlines()
    for line in ("#SBATCH --nodes=3", "#SBATCH --cpus-per-task=8", "#SBATCH --partition=cpu",
                 "#SBATCH --time=1-00:00:00", "#SBATCH --qos=long", "#SBATCH --signal=B:TERM@120",
                 "#SBATCH --requeue", "export VIRTUAL_ENV=/opt/envs/zero"):  # fmt: skip
        assert line in lines, line
    assert "seed=4  #" in text and "run_dir='runs/o w'" in lines
    assert time_seconds("1-00:00:00") == 86400 and time_seconds("90") == 5400 and time_seconds("1:30:00") == 5400
    assert time_seconds("2:30") == 150 and time_seconds("2-3") == 183600 and time_seconds("UNLIMITED") is None
    bad = subprocess.run([*ZERO, "slurm-script", "exp.yaml", "--time", "2:00"], capture_output=True, text=True)
    assert bad.returncode == 2 and "zero: error: --time 2:00" in bad.stderr
    bad = subprocess.run([*ZERO, "slurm-script", "exp.yaml", "--time", "soon"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a SLURM time" in bad.stderr
