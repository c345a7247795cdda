"""``zero report``: the self-contained HTML page of a run. The content is checked on the HTML text;
the page as a browser shows it is checked in headless Chromium (marker ``browser``; ``.ci/run``
installs Debian's chromium and runs these)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from configs import derived, small
from zero.champion.report import build_report, discoveries, write_report
from zero.cli import main
from zero.errors import ZeroError
from zero.search.driver import run
from zero.store import RunDir


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The demo, seed 3: solved in about 200,000 individuals (a few seconds), through a dozen
    successive bests, so the timeline has rows to show."""
    out = tmp_path_factory.mktemp("report") / "run"
    run(derived(seed=3, stop={"max_individuals": 400_000}), out)
    return out


def test_the_page_holds_every_section_and_no_outside_reference(finished):
    page = build_report(finished)
    records = RunDir(finished).read_champions()
    found = discoveries(records)
    assert 1 < len(found) <= len(records)
    assert [r["select_fitness"] for r in found] == sorted(r["select_fitness"] for r in found)
    assert page.count('<tr class="discovery">') == len(found)
    for section in ('id="overview"', 'id="champion"', 'id="timeline"', 'id="curves"', 'id="final"', "<details>", "def learn():"):
        assert section in page
    assert page.count("<svg") == 2  # the curves and the final tasks' histogram
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page) and "<script" not in page  # opens offline


def test_compare_adds_the_table_and_plot(finished, tmp_path):
    other = tmp_path / "other"
    run(small(stop={"select_fitness": None, "max_individuals": 1000}), other)
    page = build_report(finished, compare=[other])
    assert '<table class="compare">' in page and "evolved (other)" in page and "data:image/png;base64," in page


def test_a_running_run_is_reported_without_touching_the_final_tasks(finished, tmp_path, monkeypatch):
    running = tmp_path / "running"
    shutil.copytree(finished, running)
    (running / "final.json").unlink()
    import zero.champion.report as report

    monkeypatch.setattr(report, "load_entry", lambda *a: pytest.fail("final tasks scored before the run ended"))
    page = build_report(running)
    last = RunDir(running).read_progress()[-1]["individuals"]
    assert f"running: {last:,} individuals" in page and "not yet" in page


def test_zero_run_report_rewrites_the_page_at_checkpoints(tmp_path, capsys, monkeypatch):
    import zero.champion.report as report

    written = []
    original = report.write_report
    monkeypatch.setattr(report, "write_report", lambda *a, **k: written.append(a[0]) or original(*a, **k))
    out = tmp_path / "run"
    exp = tmp_path / "exp.yaml"
    exp.write_text(json.dumps(small(stop={"select_fitness": None, "max_individuals": 3000}).to_dict()))  # JSON is YAML
    assert main(["run", str(exp), "--out", str(out), "--report", "--quiet", "--set", "checkpoint_seconds=0.001"]) == 0
    assert len(written) >= 3 and (out / "report.html").is_file()  # the first checkpoint, later ones, the end
    assert 'id="final"' in (out / "report.html").read_text() and "not yet" not in (out / "report.html").read_text()


def test_bad_directories_are_clear_errors(tmp_path, capsys):
    with pytest.raises(ZeroError, match="not a run directory"):
        write_report(tmp_path)
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "not a run directory" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.mark.browser
def test_the_page_renders_in_a_real_browser(finished, tmp_path):
    assert CHROMIUM, "the browser tests need Chromium (Debian: apt-get install chromium; .ci/run installs it)"
    page = write_report(finished, tmp_path / "report.html")
    args = [CHROMIUM, *HEADLESS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    # the DOM as Chromium parsed it: every timeline row, the code and both plots survived parsing
    found = discoveries(RunDir(finished).read_champions())
    assert dom.count('class="discovery"') == len(found) > 1
    assert "def predict():" in dom and dom.count("<svg") == 2 and "<details>" in dom
    shot = tmp_path / "page.png"
    subprocess.run([*args, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=120, check=True, cwd=tmp_path)  # fmt: skip
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert os.path.getsize(page) < 2_000_000


def test_a_resumed_session_shows_its_own_progress_not_the_last_outcome(finished, tmp_path):
    """Resuming clears the last session's final.json: until the new session ends the report (and
    the loader) read the logs, and the final tasks stay untouched."""
    resumed = tmp_path / "resumed"
    shutil.copytree(finished, resumed)
    from zero.search.driver import Run

    Run(derived(seed=3, stop={"max_individuals": 400_000}), resumed, resume=True)  # the session starts
    assert RunDir(resumed).read_final() is None
    assert "not yet" in build_report(resumed)
