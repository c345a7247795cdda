"""A real two-node Ray cluster on this machine for tests: a head and a second node started with the
``ray`` command line (``ray start --head``, then ``ray start --address``), one CPU each, token
authentication off, in a private temporary directory. Stopping kills only this cluster's processes
(``ray stop`` would stop every Ray instance of the user on the machine)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, cpus_per_node: int = 1):
        self.temp = tempfile.mkdtemp(prefix="zr", dir="/tmp")  # short: Ray's unix sockets live here
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._gcs = re.compile(rf"--address=[^\x00 ]+:{self.port}(?![0-9])")  # any host: Ray uses the routable one
        self.cpus = cpus_per_node

    def _ray(self, *args: str) -> None:
        done = subprocess.run([RAY, *args], env=ENV, capture_output=True, text=True, timeout=180)
        if done.returncode:
            self.stop()
            raise RuntimeError(f"ray {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> LoopbackCluster:
        self._ray("start", "--head", f"--port={self.port}", f"--num-cpus={self.cpus}", f"--temp-dir={self.temp}",
                  "--include-dashboard=false", "--dashboard-host=127.0.0.1", "--disable-usage-stats")  # fmt: skip
        self._ray("start", f"--address={self.address}", f"--num-cpus={self.cpus}", "--disable-usage-stats")
        return self

    def processes(self) -> list[int]:
        """Pids of this cluster's processes: those naming its temporary directory or its GCS
        address, and their descendants (workers and agents rename themselves ``ray::...``). Linux
        ``/proc``."""
        table = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                table[int(entry.name)] = (ppid, self.temp in cmdline or self._gcs.search(cmdline) is not None)
        ancestors, pid = set(), os.getpid()
        while pid in table and pid not in ancestors:  # never this process or what started it
            ancestors.add(pid)
            pid = table[pid][0]
        found = {pid for pid, (_, mine) in table.items() if mine} - ancestors
        grew = True
        while grew:
            children = {pid for pid, (ppid, _) in table.items() if ppid in found} - found - ancestors
            found |= children
            grew = bool(children)
        return sorted(found)

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
            pids = self.processes()
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while self.processes() and time.monotonic() < deadline:
                time.sleep(0.1)
        shutil.rmtree(self.temp, ignore_errors=True)
