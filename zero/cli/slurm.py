"""``zero slurm-script``: a SLURM batch script that runs a search on an allocation and keeps it going.

``zero slurm-script EXPERIMENT [options] > job.sbatch`` writes the script; ``sbatch job.sbatch``
submits it (docs/slurm.md walks through it). The script is :data:`TEMPLATE` with the options filled
in, every value quoted for the shell, so the site-specific parts (partition, time, nodes, CPUs, the
Python environment, the run directory, the seed, extra ``#SBATCH`` lines) are all options here.

What a job does, the contract the tests in tests/test_slurm.py check against a real SLURM:

- It runs ``zero run EXPERIMENT --out DIR``, or ``zero run --resume --out DIR`` when DIR already
  holds a checkpoint (``checkpoint/latest.json``): a requeued job continues its run, and a job never
  passes ``--resume`` for a run that has none.
- One node: no Ray cluster; ``zero run --workers N`` runs N islands on a Ray instance private to
  the run (or, for one island, in its own process), as on any machine. Several nodes (or
  ``--ray cluster``): a Ray head on the first node and a Ray worker on each other one, each an
  ``srun`` step, with token authentication (a token made for this job, in the environment only), ports
  and a temporary directory of its own (two jobs may share a node), then ``zero run --address auto``.
  Islands: one per CPU of the allocation unless ``--islands``. Ray is stopped at the end.
- SLURM sends SIGTERM to the script ``--signal-seconds`` before the time limit (``#SBATCH
  --signal=B:TERM@S``), as ``scancel --batch --signal=TERM`` does; the script passes it to zero,
  which finishes its batches in flight, checkpoints and exits 143 (zero/search/interrupt.py); the
  job then requeues itself (``scontrol requeue``; where that is refused, it submits itself again,
  to start once this job is over) and the next start resumes. A run longer than any allocation thus
  ends exactly as an uninterrupted one. Only a running job requeues itself: when SLURM is ending
  it (a plain ``scancel``, the time limit reached) zero checkpoints and the job ends. SIGINT
  (``scancel --batch --signal=INT``) stops the run with a checkpoint and no requeue.
- Exit status: 0 when the run ended by its own rules (solved, a budget); otherwise zero's own (2: a
  bad input, with zero's ``zero: error: ...`` message in the job's output; 130 after SIGINT).
"""

from __future__ import annotations

import argparse
import re
import shlex
import string
import sys
import time
from pathlib import Path

from zero.cli.args import nonnegative_int, positive_float, positive_int
from zero.errors import ZeroError

RAY_MODES = ("auto", "cluster")
DEFAULT_SIGNAL_SECONDS = 120  # SIGTERM this long before the time limit: the checkpoint and Ray's stop fit easily
DEFAULT_OUTPUT = "%x-%j.out"  # SLURM's pattern: job name and id (a requeued job appends to its file)
RAY_WAIT_SECONDS = 300  # how long the job waits for every node's Ray to join before it fails
RAY_OBJECT_STORE_BYTES = 256 * 2**20  # as a Ray instance zero starts itself: tasks and migrants only

# A SLURM --time: minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes,
# days-hours:minutes:seconds; or no limit.
_TIME = re.compile(r"(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)")
_UNLIMITED = ("UNLIMITED", "INFINITE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXPERIMENT", type=_one_line,
                        help="a YAML file or a shipped experiment's name, as for `zero run` (a relative path is "
                        "relative to the job's working directory)")
    where = parser.add_argument_group("the run")
    where.add_argument("--out", metavar="DIR", type=_one_line,
                       help="run directory, the same for every start of the job (default: runs/NAME[-seedN]-TIME, "
                       "relative to the job's working directory)")
    where.add_argument("--seed", type=nonnegative_int, metavar="N", help="search seed (default: the experiment's)")
    where.add_argument("--islands", type=positive_int, metavar="N",
                       help="islands (default: one per CPU of the allocation)")
    where.add_argument("--max-individuals", type=positive_int, metavar="N", help="stop after N individuals (zero run)")
    where.add_argument("--max-seconds", type=positive_float, metavar="S",
                       help="stop after S seconds of search, summed over the job's starts (zero run)")
    slurm = parser.add_argument_group("the allocation")
    slurm.add_argument("--nodes", type=positive_int, default=1, metavar="N", help="nodes (default: 1)")
    slurm.add_argument("--cpus-per-node", type=positive_int, metavar="C",
                       help="CPUs on each node (default: whole nodes, --exclusive)")
    slurm.add_argument("--partition", type=_one_word, metavar="NAME", help="partition (default: the cluster's)")
    slurm.add_argument("--time", type=_time, metavar="LIMIT",
                       help="time limit of each start, in SLURM's form (30, 4:00:00, 2-00:00:00); a longer "
                       "search is continued by requeued starts (default: the partition's)")
    slurm.add_argument("--signal-seconds", type=positive_int, default=DEFAULT_SIGNAL_SECONDS, metavar="S",
                       help="SIGTERM this long before the time limit, to checkpoint "
                       f"(default: {DEFAULT_SIGNAL_SECONDS})")
    slurm.add_argument("--job-name", type=_one_word, metavar="NAME", help="job name (default: zero-NAME)")
    slurm.add_argument("--output", type=_one_line, default=DEFAULT_OUTPUT, metavar="PATTERN",
                       help="the job's output file, SLURM's %%-patterns allowed "
                       f"(default: {DEFAULT_OUTPUT.replace('%', '%%')})")
    slurm.add_argument("--workdir", type=_one_line, metavar="DIR",
                       help="the job's working directory (default: where sbatch is run)")
    slurm.add_argument("--sbatch", action="append", default=[], type=_sbatch_option, metavar="OPTION",
                       help="one more #SBATCH line, repeatable; write it with '=': --sbatch=--account=abc "
                       "--sbatch=--mem=64G --sbatch=--qos=long")
    env = parser.add_argument_group("the Python environment on the nodes").add_mutually_exclusive_group()
    env.add_argument("--venv", type=_one_line, metavar="DIR",
                     help="a virtual environment holding zero (default: the one running this command, if any; "
                     "else zero and ray must be on the PATH sbatch passes on)")
    env.add_argument("--activate", type=_one_line, metavar="COMMAND",
                     help="a shell command that makes zero available instead, e.g. "
                     "'module load python/3.11 && source ~/envs/zero/bin/activate' or 'conda activate zero'")
    parser.add_argument("--ray", choices=RAY_MODES, default="auto",
                        help="auto: a Ray cluster across the nodes when there are several, none on one node "
                        "(zero run starts Ray for itself); cluster: always a Ray cluster over the allocation")


# --------------------------------------------------------------------------------------------------
# argument types: every value ends up in a shell script, so none may carry a line break

def _one_line(text: str) -> str:
    if not text or any(c in text for c in "\n\r\0"):
        raise argparse.ArgumentTypeError(f"must be one non-empty line, got {text!r}")
    return text


def _one_word(text: str) -> str:
    if not text or any(c.isspace() or c in "\0'\"\\$`" for c in text):
        raise argparse.ArgumentTypeError(f"must be one word without quotes, got {text!r}")
    return text


def _sbatch_option(text: str) -> str:
    text = _one_line(text).strip()
    if not text.startswith("-"):
        raise argparse.ArgumentTypeError(f"an sbatch option starts with '-', got {text!r}")
    return text


def _time(text: str) -> str:
    """A SLURM time limit, as given (checked here, so that a typo is not the job's first error)."""
    if text.upper() not in _UNLIMITED and not _TIME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a SLURM time: minutes, HH:MM:SS or D-HH[:MM[:SS]], "
                                         "e.g. 30, 4:00:00, 2-00:00:00")  # fmt: skip
    return text


def time_seconds(text: str) -> int | None:
    """Seconds in a SLURM time limit (None: no limit)."""
    if text.upper() in _UNLIMITED:
        return None
    days, day_hours, day_minutes, day_seconds, a, b, c = _TIME.fullmatch(text).groups()
    if days is not None:
        return ((int(days) * 24 + int(day_hours)) * 60 + int(day_minutes or 0)) * 60 + int(day_seconds or 0)
    if c is not None:  # hours:minutes:seconds
        return (int(a) * 60 + int(b)) * 60 + int(c)
    return int(a) * 60 + int(b or 0)  # minutes[:seconds]


# --------------------------------------------------------------------------------------------------
# the script


class _Template(string.Template):
    """``@{name}`` placeholders, and nothing else: the shell's own ``$``, ``${...}`` and ``"$@"`` stay
    as they are, so the template reads as the script it becomes."""

    delimiter = "@"
    pattern = r"@(?:(?P<escaped>@)|\{(?P<braced>[a-z_]+)\}|(?P<named>(?!))|(?P<invalid>(?!)))"


# The job script. Placeholders are filled by script(): values are shell-quoted words, *_lines are
# whole lines. Messages start with "zero-job:" so that they stand out among zero's own.
TEMPLATE = _Template(r"""#!/bin/bash
# zero on SLURM: @{summary}
# Written by `zero slurm-script`; submit it with `sbatch FILE`. docs/slurm.md explains it.
#
# Each start of this job runs `zero run` for the experiment, or `zero run --resume` when the run
# directory already holds a checkpoint.
# @{ray_summary}
# SLURM sends SIGTERM to this script @{signal_seconds} s before the time limit (--signal below), and so
# does `scancel --batch --signal=TERM JOBID`: zero finishes its batches in flight, checkpoints and
# exits 143, and the job requeues itself to resume later, so a search longer than one allocation
# ends as an uninterrupted one would. `scancel JOBID` and `scancel --batch --signal=INT JOBID` stop
# it with a checkpoint and no requeue. Exit status: 0 when the run ended by its own rules, zero's
# otherwise.
#SBATCH --job-name=@{job_name}
#SBATCH --nodes=@{nodes}
#SBATCH --ntasks-per-node=1
@{sbatch_lines}#SBATCH --output=@{output}
#SBATCH --open-mode=append
#SBATCH --requeue
#SBATCH --signal=@{signal}

# ---- parameters (from `zero slurm-script`)
experiment=@{experiment}
run_dir=@{run_dir}
seed=@{seed}  # empty: the experiment's own
islands=@{islands}  # empty: one per CPU of the allocation
budget=(@{budget})  # given to every start, first or resumed
ray_mode=@{ray_mode}  # auto: a Ray cluster only across several nodes; cluster: always
ray_wait_seconds=@{ray_wait_seconds}  # for every node's Ray to join
ray_object_store_bytes=@{ray_object_store_bytes}

say() { echo "zero-job: $*"; }

# ---- the Python environment
@{environment_lines}if ! command -v zero >/dev/null; then
    say "error: no 'zero' command on node $(hostname) (PATH=$PATH); give zero slurm-script --venv or --activate"
    exit 2
fi

# ---- signals: SIGTERM (time limit, preemption) and SIGINT go on to the command the script waits
# for (zero: it checkpoints and stops); `terminated` remembers a SIGTERM
terminated=0
child=
forward() {  # SIGNAL
    [ "$1" = TERM ] && terminated=1
    say "SIG$1 received${child:+, passed on to process $child}"
    [ -n "$child" ] && kill -s "$1" "$child" 2>/dev/null
}
trap 'forward TERM' TERM
trap 'forward INT' INT
run_child() {  # COMMAND...: run it, signals passed on, until it ends; its exit status in $status
    "$@" &
    child=$!
    while :; do
        wait "$child"
        status=$?
        [ "$status" -le 128 ] && break  # the command's own status
        kill -0 "$child" 2>/dev/null && continue  # a signal interrupted the wait; the command goes on
        wait "$child" 2>/dev/null  # it is gone: its status, unless the wait above had it already
        local again=$?
        [ "$again" -ne 127 ] && status=$again
        break
    done
    child=
}

# ---- the allocation: its nodes, and the CPUs of each (SLURM_JOB_CPUS_PER_NODE: "16(x2),8")
nodes=($(scontrol show hostnames "$SLURM_JOB_NODELIST"))
cpus=()
for group in ${SLURM_JOB_CPUS_PER_NODE//,/ }; do
    count=${group%%(*}
    repeat=1
    [[ $group == *"(x"* ]] && { repeat=${group#*(x}; repeat=${repeat%)}; }
    for ((i = 0; i < repeat; i++)); do cpus+=("$count"); done
done
total_cpus=0
for count in "${cpus[@]}"; do total_cpus=$((total_cpus + count)); done
islands=${islands:-$total_cpus}
say "job $SLURM_JOB_ID, start $((${SLURM_RESTART_COUNT:-0} + 1)), on ${nodes[*]} (${cpus[*]} CPUs)," \
    "run directory $run_dir"

# Ray's files, of this job only (a node may be shared), whichever Ray runs: removed at the end. On
# /tmp, not $TMPDIR: Ray's socket paths must stay short.
ray_tmp=/tmp/zero-ray-$SLURM_JOB_ID
export RAY_TMPDIR=$ray_tmp

# ---- Ray across the nodes: a head on the first (this one), a worker on each other, one srun step each
ray_steps=()
start_ray() {
    # ports of this job's own (another job's Ray may share a node); the workers' ports are Ray's choice
    local port=$((20000 + 10 * (SLURM_JOB_ID % 4000)))
    local head_ip
    head_ip=$(python3 -c 'import ray.util; print(ray.util.get_node_ip_address())') || return 1
    export RAY_ADDRESS=$head_ip:$port RAY_USAGE_STATS_ENABLED=0
    export RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S=0  # stop_ray stops every node at once: no draining to wait for
    # token authentication: a fresh token for this job, in the environment of its steps only
    export RAY_AUTH_MODE=token
    RAY_AUTH_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(32))') || return 1
    export RAY_AUTH_TOKEN
    local common=(--dashboard-agent-listen-port=$((port + 2)) --object-store-memory="$ray_object_store_bytes"
                  --disable-usage-stats --log-style=record --log-color=false --block)
    say "starting Ray: head ${nodes[0]} at $RAY_ADDRESS, $((${#nodes[@]} - 1)) worker node(s)"
    srun --job-name=zero-ray-head --nodes=1 --ntasks=1 --cpus-per-task="${cpus[0]}" --nodelist="${nodes[0]}" \
        ray start --head --node-ip-address="$head_ip" --port="$port" --ray-client-server-port=$((port + 1)) \
        --include-dashboard=false --num-cpus="${cpus[0]}" "${common[@]}" &
    ray_steps+=($!)
    for ((n = 1; n < ${#nodes[@]}; n++)); do
        srun --job-name=zero-ray-worker --nodes=1 --ntasks=1 --cpus-per-task="${cpus[n]}" --nodelist="${nodes[n]}" \
            ray start --address="$RAY_ADDRESS" --num-cpus="${cpus[n]}" "${common[@]}" &
        ray_steps+=($!)
    done
    run_child python3 -c "$ray_ready" "$total_cpus" "$ray_wait_seconds"
    return "$status"
}
# ready when every node's CPUs have joined the cluster at RAY_ADDRESS
ray_ready='
import logging, sys, time
import ray
wanted, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while True:
    try:
        ray.init(address="auto", logging_level=logging.ERROR, log_to_driver=False)
        offered = int(ray.cluster_resources().get("CPU", 0))
        ray.shutdown()
    except Exception as e:  # not up yet
        offered, why = 0, " ".join(str(e).split())[:200]
    else:
        why = f"{offered} of {wanted} CPUs joined"
    if offered >= wanted:
        sys.exit(0)
    if time.monotonic() > deadline:
        sys.exit(f"zero-job: error: the Ray cluster is not up after {sys.argv[2]} s ({why})")
    time.sleep(2)
'

stop_ray() {
    [ ${#ray_steps[@]} -gt 0 ] || return 0
    say "stopping Ray (SLURM reports its steps cancelled, and \`ray start\` exits 1 when stopped so)"
    # SIGTERM to the steps' processes: each `ray start --block` stops its node's Ray processes and
    # exits, which ends its srun. (SIGTERM to srun itself would kill them at once.)
    local steps
    steps=$(squeue --steps --jobs="$SLURM_JOB_ID" --noheader --format='%i %j' | awk '$2 ~ /^zero-ray-/ {print $1}')
    [ -n "$steps" ] && scancel --signal=TERM $steps
    local waited=0
    while kill -0 "${ray_steps[@]}" 2>/dev/null && [ $waited -lt 60 ]; do sleep 1; waited=$((waited + 1)); done
    kill -TERM "${ray_steps[@]}" 2>/dev/null  # still there after a minute: srun ends them
    wait "${ray_steps[@]}" 2>/dev/null
    srun --overlap --nodes="${#nodes[@]}" --ntasks-per-node=1 rm -rf "$ray_tmp"
    ray_steps=()
}
finish() {  # before the script ends, whichever way: Ray stopped, its files gone
    stop_ray
    rm -rf "$ray_tmp"
}

# ---- requeue: this job starts again later (SLURM keeps its id and appends to its output). Only
# while the job is still running: the SIGTERM came from --signal (the time limit is near), from
# preemption or from `scancel --batch --signal=TERM`. When SLURM is ending the job itself (a plain
# scancel, the time limit reached, a node lost) it is left to end: `scancel` means stop.
requeue() {
    finish
    local state
    state=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | grep -o 'JobState=[A-Z_]*')
    if [ "$state" != JobState=RUNNING ]; then
        say "not requeued: SLURM is ending this job (${state:-JobState unknown}); sbatch this script again to resume"
        exit 143
    fi
    say "requeueing job $SLURM_JOB_ID: its next start resumes the run from its checkpoint"
    trap '' TERM  # SLURM's own SIGTERM as it ends this start
    scontrol requeue "$SLURM_JOB_ID" && exit 0
    # refused (a partition or site without requeue): the same script again, as a job that starts
    # once this one is over, so two never run on one run directory
    say "requeue refused; submitting this script again instead"
    env -u RAY_ADDRESS -u RAY_AUTH_TOKEN -u RAY_AUTH_MODE \
        sbatch --dependency=afterany:"$SLURM_JOB_ID" "$0" && exit 0
    say "error: cannot requeue or resubmit; \`sbatch\` this script again to resume"
    exit 143
}

# ---- the run
address=()
if [ ${#nodes[@]} -gt 1 ] || [ "$ray_mode" = cluster ]; then
    start_ray || { [ "$terminated" = 1 ] && requeue; finish; exit 1; }
    address=(--address auto)
fi
[ "$terminated" = 1 ] && requeue  # signalled while Ray started: nothing run yet

if [ -f "$run_dir/checkpoint/latest.json" ]; then
    run=(zero run --resume --out "$run_dir")
else
    run=(zero run "$experiment" --out "$run_dir" --workers "$islands")
    [ -n "$seed" ] && run+=(--seed "$seed")
fi
run+=("${budget[@]}" "${address[@]}")
say "${run[*]}"
run_child "${run[@]}"

# 143: zero stopped on SIGTERM with a checkpoint. A TERM this script received, and zero ending
# otherwise than by its rules (0), bad input (2) or Ctrl-C (130), is the same: run again later.
case $status in
    143) requeue ;;
    0 | 2 | 130) ;;
    *) [ "$terminated" = 1 ] && requeue ;;
esac
finish
say "zero exited with status $status"
exit "$status"
""")


def script(args: argparse.Namespace, venv: str | None) -> str:
    """The job script for ``args`` (see :data:`TEMPLATE`); ``venv``: the virtual environment to use
    when neither --venv nor --activate is given (None: zero from PATH)."""
    name = Path(args.experiment).stem if args.experiment.endswith((".yaml", ".yml")) else args.experiment
    seed = "" if args.seed is None else f"-seed{args.seed}"
    run_dir = args.out or f"runs/{name}{seed}-{time.strftime('%Y%m%d-%H%M%S')}"
    if args.cpus_per_node is not None and args.islands is not None and args.islands > args.nodes * args.cpus_per_node:
        raise ZeroError(f"--islands {args.islands}: {args.nodes} node(s) x {args.cpus_per_node} CPUs offer "
                        f"{args.nodes * args.cpus_per_node} (one island needs one)")  # fmt: skip
    if args.time is not None:
        limit = time_seconds(args.time)
        if limit is not None and limit <= args.signal_seconds:
            raise ZeroError(f"--time {args.time}: SLURM signals the job --signal-seconds {args.signal_seconds} s "
                            "before its time limit, so it must be longer")  # fmt: skip

    lines = ["--exclusive" if args.cpus_per_node is None else f"--cpus-per-task={args.cpus_per_node}"]
    lines += [f"--partition={args.partition}"] * (args.partition is not None)
    lines += [f"--time={args.time}"] * (args.time is not None)
    lines += [f"--chdir={shlex.quote(args.workdir)}"] * (args.workdir is not None)
    lines += args.sbatch
    budget = []
    if args.max_individuals is not None:
        budget += ["--max-individuals", str(args.max_individuals)]
    if args.max_seconds is not None:
        budget += ["--max-seconds", repr(args.max_seconds)]

    venv = args.venv or (None if args.activate else venv)
    if args.activate:
        environment = f"{args.activate}\n"
    elif venv:
        environment = f"export VIRTUAL_ENV={shlex.quote(venv)}\nexport PATH=\"$VIRTUAL_ENV/bin:$PATH\"\n"
    else:
        environment = "# zero and ray from the PATH sbatch passed on\n"

    cpus = "whole nodes" if args.cpus_per_node is None else f"{args.cpus_per_node} CPUs each"
    summary = (f"{args.experiment}{f', seed {args.seed}' if args.seed is not None else ''}, run directory {run_dir}, "
               f"{args.nodes} node{'s' * (args.nodes > 1)} ({cpus})")  # fmt: skip
    if args.nodes > 1 or args.ray == "cluster":
        ray_summary = "Ray: a cluster over the allocation (head on the first node, a worker on each other),\n" \
                      "# token-authenticated, stopped at the end."  # fmt: skip
    else:
        ray_summary = "Ray: no cluster on one node; zero runs its islands on a Ray instance of its own\n" \
                      "# (none for one island)."  # fmt: skip
    return TEMPLATE.substitute(
        summary=" ".join(summary.split()),
        ray_summary=ray_summary,
        signal_seconds=args.signal_seconds,
        job_name=args.job_name or f"zero-{_one_word_or(name, 'run')}",
        nodes=args.nodes,
        sbatch_lines="".join(f"#SBATCH {line}\n" for line in lines),
        output=shlex.quote(args.output) if any(c.isspace() or c in "'\"" for c in args.output) else args.output,
        signal=f"B:TERM@{args.signal_seconds}",
        experiment=shlex.quote(args.experiment),
        run_dir=shlex.quote(run_dir),
        seed=shlex.quote("" if args.seed is None else str(args.seed)),
        islands=shlex.quote("" if args.islands is None else str(args.islands)),
        budget=" ".join(shlex.quote(word) for word in budget),
        ray_mode=args.ray,
        ray_wait_seconds=RAY_WAIT_SECONDS,
        ray_object_store_bytes=RAY_OBJECT_STORE_BYTES,
        environment_lines=environment,
    )


def _one_word_or(text: str, fallback: str) -> str:
    """``text`` reduced to a job-name-safe word."""
    word = re.sub(r"[^A-Za-z0-9_.+-]", "_", text)
    return word or fallback


def main(args: argparse.Namespace) -> int:
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    text = script(args, sys.prefix if in_venv else None)
    sys.stdout.write(text)
    env = args.activate or args.venv or (sys.prefix if in_venv else "zero from PATH")
    print(f"zero slurm-script: {args.nodes} node(s), Python environment {env}; submit with: sbatch FILE",
          file=sys.stderr)  # fmt: skip
    return 0
