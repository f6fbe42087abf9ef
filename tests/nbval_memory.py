"""pytest plugin for `make nbval`: each notebook's peak resident memory.

nbval runs every notebook in a fresh kernel process. After the notebook's last
cell, this plugin reads that process's peak resident set size (VmHWM, from
/proc) and its children's, fails the cell over Binder's 2 GB limit, and prints
a table of all notebooks at the end of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

LIMIT_MB = 2048  # mybinder.org's memory limit
_peaks: dict[str, float] = {}


def _vmhwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for t in Path(f"/proc/{pid}/task").iterdir()
                for k in (t / "children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def peak_mb(pid: int) -> float:
    """Peak resident memory of a process and of its children now alive, in MB."""
    return _vmhwm_mb(pid) + sum(_vmhwm_mb(child) for child in _children(pid))


def _kernel_pid(notebook) -> int | None:
    kernel = getattr(notebook, "kernel", None)
    provisioner = getattr(getattr(kernel, "km", None), "provisioner", None)
    return getattr(provisioner, "pid", None)


@pytest.hookimpl(tryfirst=True)  # before nbval's teardown stops the kernel
def pytest_runtest_teardown(item, nextitem):
    notebook = item.parent
    if not str(item.fspath).endswith(".ipynb"):
        return
    if nextitem is not None and nextitem.parent is notebook:
        return  # not the notebook's last cell
    pid = _kernel_pid(notebook)
    if pid is None:
        return
    peak = peak_mb(pid)
    name = Path(str(item.fspath)).name
    _peaks[name] = peak
    assert peak < LIMIT_MB, (f"{name} peaked at {peak:.0f} MB of resident memory, over "
                             f"Binder's {LIMIT_MB} MB")


def pytest_terminal_summary(terminalreporter):
    if not _peaks:
        return
    terminalreporter.section(f"peak resident memory per notebook (Binder's limit: {LIMIT_MB} MB)")
    for name, peak in sorted(_peaks.items()):
        terminalreporter.write_line(f"{name:45s} {peak:7.0f} MB")
