"""The Python API (``zero.run``, ``zero.load``, ``zero.replay``, ``zero.compare``, ``zero.report``)
and ``zero run --set``: overrides by dotted key, validated like the file, recorded in config.yaml."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import zero
from configs import small
from zero.cli import main
from zero.errors import ConfigError, ZeroError
from zero.schema import parse_assignment
from zero.store import RunDir


def test_import_zero_stays_light():
    code = "import sys, zero; zero.__version__; print(sorted(m for m in ('numba', 'ray', 'torch', 'zero.api') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


@pytest.mark.parametrize("text, expected", [
    ("stop.max_seconds=600", ("stop.max_seconds", 600)), ("hurdles.enabled=true", ("hurdles.enabled", True)),
    ("compute_limit=null", ("compute_limit", None)), ("feature_size=[2, 8]", ("feature_size", [2, 8])),
    ("family=digits_binary", ("family", "digits_binary")), ("description=", ("description", "")),
    ("mutation_probability=0.5", ("mutation_probability", 0.5)),
])  # fmt: skip
def test_assignments_read_their_value_as_yaml(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize("text", ["stop.max_seconds", "=3", "stop..x=1", "a=[1,"])
def test_bad_assignments_are_named(text):
    with pytest.raises(ConfigError) as e:
        parse_assignment(text)
    assert e.value.source == "--set"


def test_overrides_are_validated_like_the_file():
    exp = small()
    assert exp.with_overrides(**{"stop.max_seconds": 5, "fec.enabled": False}).config["fec"]["enabled"] is False
    for overrides, key in (({"stop.max_secondz": 5}, "stop.max_secondz"), ({"stopp.max_seconds": 5}, "stopp"),
                           ({"population.size": 5}, "population"), ({"hurdles.enabled": "yes"}, "hurdles.enabled"),
                           ({"populaton": 5}, "populaton")):  # fmt: skip
        with pytest.raises(ConfigError) as e:
            exp.with_overrides("--set", **overrides)
        assert e.value.key == key and e.value.source.startswith("--set")


def test_cli_set_is_recorded_and_bad_values_fail_cleanly(tmp_path, capsys):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(small().to_dict()))
    out = tmp_path / "run"
    assert main(["run", str(exp_file), "--out", str(out), "--json", "--set", "stop.max_individuals=1500",
                 "--set", "population=50", "--set", "hurdles.enabled=true", "--set", "hurdles.num_tasks=1"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["individuals"] == 1500
    config = RunDir(out).read_config()
    assert config["population"] == 50 and config["hurdles"]["enabled"] is True and config["stop"]["max_individuals"] == 1500
    assert main(["run", str(exp_file), "--out", str(tmp_path / "bad"), "--set", "tournament=zero"]) == 2
    err = capsys.readouterr().err
    assert "key 'tournament' = 'zero': expected integer" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()  # nothing written for a bad override
    # a resumed run takes --set too, with the same validation
    assert main(["run", "--resume", "--out", str(out), "--json", "--set", "stop.max_individuals=2500"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["individuals"] == 2500


def test_run_returns_the_result_and_prints_nothing(tmp_path, capfd):
    result = zero.run(small(), seed=4, workers=1, out=tmp_path / "run", **{"stop.max_individuals": 2000, "stop.select_fitness": None})
    assert capfd.readouterr() == ("", "")
    assert result.stopped == "max_individuals" and result.individuals == 2000 and result.run_dir == tmp_path / "run"
    final = RunDir(tmp_path / "run").read_final()
    assert result.fitness == {p: final[f"{p}_fitness"] for p in ("search", "select", "final")}
    assert result.program == result.champion.program and result.experiment.seed == 4
    assert [r["individuals"] for r in result.progress] == [1000, 2000]
    again = zero.run(small(), seed=4, workers=1, out=tmp_path / "again", **{"stop.max_individuals": 2000, "stop.select_fitness": None})
    assert again.program == result.program and again.fitness == result.fitness  # seeded


def test_load_replay_compare_and_report(tmp_path):
    result = zero.run(small(), workers=1, out=tmp_path / "run", **{"stop.max_individuals": 2000})
    champion = zero.load(tmp_path / "run")
    assert champion.program == result.program and champion.recorded == {k: v for k, v in result.fitness.items()}
    replays = zero.replay(champion)
    assert {r.label for r in replays} == {"search", "select", "final"} and all(r.matches for r in replays)
    wider = zero.replay(tmp_path / "run", "final", num_tasks=5, seed=9, feature_sizes=[8])
    assert len(wider) == 1 and wider[0].feature_size == 8 and len(wider[0].per_task) == 5
    comparison = zero.compare(tmp_path / "run")
    assert comparison.entries[0].mean == pytest.approx(result.fitness["final"]) and "evolved (run)" in comparison.table()
    twice = zero.compare(tmp_path / "run", tmp_path / "run")
    assert twice.paired(0) == "- evolved (run): +0.0000 ± 0.0000 (not apart)"  # an entry against its own re-scoring
    page = zero.report(tmp_path / "run")
    assert page == tmp_path / "run" / "report.html" and "Discovery timeline" in page.read_text()


def test_api_errors_are_the_cli_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such experiment"):
        zero.run("no_such_experiment", out=tmp_path / "x")
    with pytest.raises(ConfigError) as e:
        zero.run(small(), out=tmp_path / "y", **{"stop.max_individualz": 3})
    assert e.value.key == "stop.max_individualz" and not (tmp_path / "y").exists()
    with pytest.raises(ZeroError, match="no such run directory"):
        zero.load(tmp_path / "missing")
    with pytest.raises(ValueError, match="out="):
        zero.run(resume=True)


def test_a_resumed_run_may_change_only_its_budget(tmp_path, capsys):
    exp_file = tmp_path / "exp.yaml"
    exp_file.write_text(json.dumps(small().to_dict()))
    out = tmp_path / "run"
    assert main(["run", str(exp_file), "--out", str(out), "--json", "--max-individuals", "1000"]) == 0
    capsys.readouterr()
    config = RunDir(out).read_config()
    for setting in ("population=50", "search.seed=7", "fec.capacity=500", "seed=9"):
        assert main(["run", "--resume", "--out", str(out), "--set", setting]) == 2
        assert "a resumed run keeps its experiment" in capsys.readouterr().err
        assert RunDir(out).read_config() == config  # nothing written
    with pytest.raises(ConfigError, match="a resumed run keeps its experiment"):
        zero.run(resume=True, out=out, population=50)
    with pytest.raises(ValueError, match="keeps them"):
        zero.run(resume=True, out=out, workers=2)
    # a value equal to the stored one, and the budget keys, are fine
    assert main(["run", "--resume", "--out", str(out), "--json", "--set", f"population={config['population']}",
                 "--set", "checkpoint_seconds=5", "--max-individuals", "1500"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["individuals"] == 1500
