"""zero as an installed wheel: built, installed into a fresh environment, imported and run there.

``.ci/check-wheel`` is the proof (see its header): it builds the wheel from the working tree,
installs it with ``--no-deps`` into a fresh virtual environment that borrows the project venv's
dependencies, imports zero from there in a temporary working directory and runs a 20,000-individual
search with the installed ``zero`` command, compiling zero's kernels from scratch. It takes about
50 s on a 2-core machine, most of it compiling. The other tests here are quick checks of what the
wheel depends on: pyproject.toml lists every package of zero and ships the experiments and search
spaces where the package looks for them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import zero
from zero.lang.space import SPACES_DIR
from zero.search.experiment import EXPERIMENTS_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package_and_the_shipped_yaml_folders():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package = Path(zero.__file__).resolve().parent
    found = {".".join(p.parent.relative_to(package.parent).parts) for p in package.rglob("__init__.py")}
    assert found == set(setuptools["packages"]) - {"zero._experiments", "zero._search_spaces"}
    assert setuptools["package-dir"] == {"zero._experiments": "experiments", "zero._search_spaces": "search_spaces"}
    assert setuptools["package-data"] == {"zero._experiments": ["*.yaml"], "zero._search_spaces": ["*.yaml"]}


def test_a_checkout_reads_its_own_experiments_and_search_spaces():
    assert (EXPERIMENTS_DIR, SPACES_DIR) == (ROOT / "experiments", ROOT / "search_spaces")


@pytest.mark.slow  # about a minute of compiling; .ci/run runs it after the default tests
def test_the_wheel_installs_and_runs_in_a_fresh_environment():
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "check-wheel")], check=False, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "check-wheel: OK" in result.stdout
