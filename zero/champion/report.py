"""``zero report``: one self-contained HTML page of what a run found and how it got there.

The page (inline CSS and inline SVG/PNG, no script, no network, so it opens from disk and can be
mailed) shows:

- the experiment (space, task family, feature sizes, phases, budgets, seed, islands) and the outcome;
- the champion as simplified code, the raw program one click away (``<details>``);
- the **discovery timeline**: every candidate that raised the best select fitness so far, in the
  order the run logged them (``champions.jsonl``), with its search and select fitness, when it was
  found (individuals, seconds, island), and the diff of its simplified code against the previous
  best, so that a reader sees which change gave which jump;
- curves from ``progress.jsonl``: best and mean fitness per island, the best select fitness, the FEC
  hit rate and individuals/s over the run;
- once the run has ended (``final.json``), the champion's per-task fitness on the held-out final
  tasks; with ``compare``, the ``zero compare`` table and plot of the given run and baseline
  directories on those tasks. While a run is going (``zero run --report`` rewrites the page at every
  checkpoint) the final tasks are not touched: they are scored once, at the end.

Everything comes from the run directory (:class:`zero.store.RunDir`); the page is rewritten
atomically, so a browser reloading it never sees half a file. See docs/architecture.md.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from zero import __version__
from zero.champion.compare import Entry, load_entry
from zero.champion.compare import plot as compare_plot
from zero.champion.compare import table as compare_table
from zero.champion.loader import load
from zero.errors import ZeroError
from zero.lang.program import Program
from zero.lang.simplify import simplify
from zero.search.experiment import Experiment
from zero.stats import mean_and_interval
from zero.store import RunDir, atomic_write

REPORT_NAME = "report.html"  # the default file, inside the run directory


def write_report(run_dir: str | Path, out: str | Path | None = None, *, compare: Sequence[str | Path] = ()) -> Path:
    """Build the report of ``run_dir`` and write it to ``out`` (default: ``report.html`` in the run
    directory), replacing any previous one atomically. Returns the path written."""
    page = build_report(run_dir, compare=compare)
    path = Path(out) if out is not None else Path(run_dir) / REPORT_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, page.encode("utf-8"))
    return path


def build_report(run_dir: str | Path, *, compare: Sequence[str | Path] = ()) -> str:
    """The report of ``run_dir`` as one HTML string (see the module docstring)."""
    store = RunDir(run_dir)
    if not store.exists():
        raise ZeroError(f"{run_dir}: not a run directory (no {RunDir.CONFIG})")
    experiment = Experiment.of_run(run_dir)
    progress = store.read_progress()
    records = store.read_champions()
    final = store.read_final()
    champion = load(run_dir) if records or (final and final.get("champion")) else None
    feature_size = experiment.single_feature_size
    sections = [
        _overview(store, experiment, progress, final),
        _champion(champion.program if champion else None, feature_size),
        _timeline(records, feature_size),
        _curves(progress),
        _final_tasks(run_dir, final, compare),
    ]
    title = f"zero report: {html.escape(str(Path(run_dir).resolve().name))}"
    return _PAGE.format(title=title, css=_CSS, body="\n".join(sections), version=__version__,
                        written=time.strftime("%Y-%m-%d %H:%M:%S"))  # fmt: skip


# ---------------------------------------------------------------------------------------------- sections


def _overview(store: RunDir, experiment: Experiment, progress: list[dict], final: dict | None) -> str:
    c = experiment.config
    phases = "; ".join(
        f"{p}: {c[p]['num_tasks']} tasks × {c[p]['num_train']}/{c[p]['num_valid']} examples, seed {c[p]['seed']}"
        + (" (held out)" if c[p]["held_out"] else "")
        for p in ("search", "select", "final")
    )  # fmt: skip
    stop = c["stop"]
    budget = ", ".join(f"{k} {v}" for k, v in stop.items() if v is not None) or "none"
    methods = [f"hurdles after {c['hurdles']['num_tasks']} task(s) at the {c['hurdles']['percentile']}th percentile"
               if c["hurdles"]["enabled"] else "no hurdles",
               "FEC on" if c["fec"]["enabled"] else "FEC off",
               f"compute limit {c['compute_limit']}× the 2-layer net" if c["compute_limit"] else "no compute limit",
               "shorter wins ties" if c["prefer_shorter"] else "first drawn wins ties"]  # fmt: skip
    rows = [
        ("experiment", f"{experiment.name}: {c['description']}" if c["description"] else experiment.name),
        ("search space", f"{c['search_space']} (start: {experiment.initial_kind()})"),
        ("tasks", f"{c['family']}, F = {', '.join(map(str, experiment.feature_sizes))}; {phases}"),
        ("evolution", f"P = {c['population']}, T = {c['tournament']}, U = {c['mutation_probability']}; "
                      f"mutations {', '.join(f'{k} {v}' for k, v in c['mutations'].items())}; {'; '.join(methods)}"),
        ("islands", f"{c['islands']['count']}, {c['islands']['migrants']} migrants every {c['islands']['migrate_every']:,} individuals"),
        ("seed and budget", f"seed {c['seed']}; stop at {budget}"),
    ]  # fmt: skip
    if final is not None:
        rate = final.get("individuals_per_second")
        outcome = (f"<b>{html.escape(str(final['stopped']))}</b> after {final['individuals']:,} individuals in "
                   f"{final['seconds']:.1f} s" + (f" ({rate:,.0f}/s)" if rate else "")
                   + f"; FEC hit rate {100 * final.get('fec_hit_rate', 0):.1f}%")  # fmt: skip
        fitness = " · ".join(f"{p} <b>{final[f'{p}_fitness']:.6f}</b>" for p in ("search", "select", "final")
                             if final.get(f"{p}_fitness") is not None)  # fmt: skip
        rows += [("outcome", outcome), ("champion fitness", fitness or "no candidate")]
    else:
        last = progress[-1] if progress else None
        state = (f"running: {last['individuals']:,} individuals after {last['seconds']:.1f} s" if last
                 else "started, no batch reported yet")  # fmt: skip
        rows.append(("outcome", f"<b>{state}</b> (this page is rewritten at every checkpoint; the final tasks are "
                                "scored when the run ends)"))  # fmt: skip
    body = "\n".join(f"<tr><th>{k}</th><td>{v if k in ('outcome', 'champion fitness') else html.escape(v)}</td></tr>"
                     for k, v in rows)  # fmt: skip
    return f'<section id="overview"><h2>Run</h2><p class="dir">{html.escape(str(store.path))}</p><table class="facts">{body}</table></section>'


def _code(program: Program, feature_size: int | None) -> str:
    return simplify(program).render(feature_size=feature_size)


def _champion(program: Program | None, feature_size: int | None) -> str:
    if program is None:
        return '<section id="champion"><h2>Champion</h2><p>No candidate yet.</p></section>'
    simplified = html.escape(_code(program, feature_size))
    raw = html.escape(program.render(feature_size=feature_size))
    return (f'<section id="champion"><h2>Champion</h2><p>Dead code removed (instructions whose output cannot reach '
            f'a prediction); the program runs exactly the same.</p><pre class="code">{simplified}</pre>'
            f'<details><summary>raw program</summary><pre class="code">{raw}</pre></details></section>')  # fmt: skip


def discoveries(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates that raised the best select fitness so far, in log order."""
    best, out = float("-inf"), []
    for record in records:
        fitness = record.get("select_fitness")
        if fitness is not None and fitness > best:
            best = fitness
            out.append(record)
    return out


def _diff(before: str, after: str) -> str:
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        lines.append(f'<span class="{kind}">{html.escape(line)}</span>')
    return "".join(lines) or '<span class="same">(same code; a change in dead code or constants only it does not show)</span>'


def _timeline(records: list[dict[str, Any]], feature_size: int | None) -> str:
    found = discoveries(records)
    if not found:
        return '<section id="timeline"><h2>Discovery timeline</h2><p>No candidate yet.</p></section>'
    rows, previous = [], ""
    for n, record in enumerate(found, 1):
        code = _code(Program.from_dict(record["program"], "champions.jsonl"), feature_size)
        change = f'<pre class="code">{html.escape(code)}</pre>' if n == 1 else f'<pre class="diff">{_diff(previous, code)}</pre>'
        previous = code
        rows.append(
            f'<tr class="discovery"><td>{n}</td><td>{record["individuals"]:,}</td><td>{record["seconds"]:.1f}</td>'
            f'<td>{record.get("island", 0)}</td><td>{record["search_fitness"]:.6f}</td><td>{record["select_fitness"]:.6f}</td>'
            f"<td>{change}</td></tr>"
        )  # fmt: skip
    return ('<section id="timeline"><h2>Discovery timeline</h2><p>Every candidate that raised the best select fitness '
            f'(unseen tasks), in the order found: {len(found)} of {len(records)} candidates logged. Each row shows the '
            'change of simplified code against the previous best.</p><table class="timeline"><thead><tr><th>#</th>'
            '<th>individuals</th><th>seconds</th><th>island</th><th>search</th><th>select</th><th>code change</th></tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></section>')  # fmt: skip


def _curves(progress: list[dict[str, Any]]) -> str:
    if not progress:
        return '<section id="curves"><h2>Progress</h2><p>No batch reported yet.</p></section>'
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    islands = sorted({r.get("island", 0) for r in progress})
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    fitness, fec, speed = axes
    for i in islands:
        mine = [r for r in progress if r.get("island", 0) == i]
        x = [r.get("island_individuals", r["individuals"]) for r in mine]
        label = f"island {i}" if len(islands) > 1 else ""
        line = fitness.plot(x, [r.get("island_best_fitness", r["best_fitness"]) for r in mine], lw=1.4,
                            label=f"best{', ' + label if label else ''}")[0]  # fmt: skip
        fitness.plot(x, [r.get("island_mean_fitness", r["mean_fitness"]) for r in mine], lw=1, ls="--",
                     color=line.get_color(), label=f"mean{', ' + label if label else ''}")  # fmt: skip
        fec.plot(x, [100 * r["fec_hit_rate"] for r in mine], color=line.get_color(), label=label or None)
        speed.plot(x, [r["individuals_per_second"] for r in mine], color=line.get_color(), label=label or None)
    selected = [(r.get("island_individuals", r["individuals"]), r["best_select_fitness"]) for r in progress
                if r.get("best_select_fitness") is not None]  # fmt: skip
    if selected and len(islands) == 1:
        fitness.plot(*zip(*selected), color="black", lw=1.2, label="best select (run)")
    fitness.set(title="search fitness", xlabel="individuals (per island)", ylabel="fitness")
    fec.set(title="FEC hit rate", xlabel="individuals (per island)", ylabel="% of children")
    speed.set(title="speed", xlabel="individuals (per island)", ylabel="individuals / s")
    for ax in axes:
        ax.grid(alpha=0.3)
    fitness.legend(fontsize=7, loc="lower right")
    if len(islands) > 1:
        fec.legend(fontsize=7)
    fig.tight_layout()
    svg = _svg(fig)
    plt.close(fig)
    return (f'<section id="curves"><h2>Progress</h2><p>{len(progress)} reports from {len(islands)} island(s): fitness on the '
            f'search tasks (best and population mean), FEC hit rate and individuals per second.</p>'
            f'<figure class="plot">{svg}</figure></section>')  # fmt: skip


def _final_tasks(run_dir: str | Path, final: dict | None, compare: Sequence[str | Path]) -> str:
    if final is None or final.get("champion") is None:
        return ('<section id="final"><h2>Held-out final tasks</h2><p>Scored once, when the run ends; '
                "not yet.</p></section>")  # fmt: skip
    own = load_entry(run_dir)
    entries = [own] + [load_entry(p) for p in compare]
    mean, half = mean_and_interval(own.per_task)
    hist = _histogram(own)
    parts = [f'<section id="final"><h2>Held-out final tasks</h2><p>The champion on {len(own.per_task)} final tasks: mean '
             f"<b>{mean:.4f}</b> ± {half:.4f} (95% interval).</p><figure class=\"plot\">{hist}</figure>"]  # fmt: skip
    if compare:
        parts.append("<h3>Compared on the same final tasks</h3>" + _markdown_table(compare_table(entries)))
        with tempfile.TemporaryDirectory() as tmp:
            png = compare_plot(entries, Path(tmp) / "compare.png").read_bytes()
        parts.append(f'<figure class="plot"><img alt="per-task fitness of every entry" '
                     f'src="data:image/png;base64,{base64.b64encode(png).decode()}"></figure>')  # fmt: skip
    parts.append("</section>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------- helpers


def _histogram(entry: Entry) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    lo, hi = float(min(entry.per_task)), float(max(entry.per_task))
    if hi - lo < 1e-9:  # every task alike (a solved run): one visible bar instead of a zero-width range
        lo, hi = lo - 0.005, hi + 0.005
    ax.hist(entry.per_task, bins=min(30, max(5, len(entry.per_task) // 3)), range=(lo, hi), color="#3b6ea5")
    ax.set(xlabel="fitness on a final task", ylabel="tasks", title="per-task fitness, held-out final tasks")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    svg = _svg(fig)
    plt.close(fig)
    return svg


def _svg(fig) -> str:
    """The figure as an inline ``<svg>`` element (text kept as text, no XML prologue)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _markdown_table(markdown: str) -> str:
    """``zero compare``'s markdown table as an HTML table."""
    lines = [line.strip().strip("|").split("|") for line in markdown.splitlines() if line.strip()]
    head, rows = lines[0], [r for r in lines[2:]]
    th = "".join(f"<th>{html.escape(c.strip())}</th>" for c in head)
    tr = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="compare"><thead><tr>{th}</tr></thead><tbody>{tr}</tbody></table>'


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #1d2329; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }
.dir, footer { color: #57606a; font-size: 0.9em; }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 4px 10px; }
table.facts th { white-space: nowrap; color: #57606a; font-weight: 600; }
table.timeline, table.compare { width: 100%; } table.timeline th, table.compare th { background: #f6f8fa; }
table.timeline tr, table.compare tr { border-top: 1px solid #d0d7de; }
table.timeline td:not(:last-child), table.timeline th:not(:last-child) { width: 1%; white-space: nowrap; }
pre { background: #f6f8fa; padding: 8px 10px; border-radius: 6px; overflow-x: auto; margin: 0; font-size: 12.5px; }
pre.diff .add { color: #116329; background: #dafbe1; display: block; }
pre.diff .del { color: #82071e; background: #ffebe9; display: block; }
pre.diff .hunk { color: #8250df; display: block; } pre.diff .same { color: #57606a; display: block; }
figure.plot { margin: 0.5em 0; } figure.plot svg, figure.plot img { max-width: 100%; height: auto; }
details summary { cursor: pointer; margin: 0.5em 0; color: #0969da; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body><h1>{title}</h1>
{body}
<footer>Written by zero {version} at {written}. Self-contained: no script, no network.</footer>
</body></html>
"""
