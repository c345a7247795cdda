"""ray_cluster.yaml is a configuration Ray's own cluster launcher accepts (its validator, offline:
no SSH, no nodes), installs zero with the repository's setup script and keeps the dashboard on
loopback."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
util = pytest.importorskip("ray.autoscaler._private.util")


def _config() -> dict:
    return yaml.safe_load((ROOT / "ray_cluster.yaml").read_text())


def _validate(config: dict) -> dict:
    prepared = util.prepare_config(copy.deepcopy(config))
    util.validate_config(prepared)
    return prepared


def test_ray_validates_the_cluster_config():
    prepared = _validate(_config())
    assert prepared["provider"]["type"] == "local"
    assert list(prepared["available_node_types"]) == ["local.cluster.node"]  # made by the launcher
    assert prepared["file_mounts"]["~/zero"] == "."
    assert any(".ci/setup" in c for c in prepared["setup_commands"]) and (ROOT / ".ci" / "setup").exists()
    head = " ".join(prepared["head_start_ray_commands"])
    assert "--dashboard-host=127.0.0.1" in head and "RAY_AUTH_MODE=token" in head
    assert all("RAY_AUTH_MODE=token" in c for c in prepared["worker_start_ray_commands"] if " start " in c)


@pytest.mark.parametrize("break_it", [
    lambda c: c.pop("provider"),
    lambda c: c.update(max_workers="two"),
    lambda c: c.update(available_node_types={"x": {"resources": {}, "node_config": {}, "max_workers": 1}}),
])  # fmt: skip
def test_the_validator_rejects_broken_copies(break_it):
    config = _config()
    break_it(config)
    with pytest.raises(Exception):
        _validate(config)
