"""What zorgroute's benchmark scripts share: the results CSV and the machine they ran on."""

from __future__ import annotations

import csv
import importlib.metadata
import os
import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a results CSV (none if it does not exist yet)."""
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def append_row(path: Path, row: Mapping[str, Any], fields: Sequence[str]) -> None:
    """Append one row (``fields`` in order, missing ones empty), with a header if new."""
    new = not path.is_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields))
        if new:
            writer.writeheader()
        writer.writerow({k: row.get(k, "") for k in fields})


def _first(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return next((line for line in f if line.startswith(prefix)), None)
    except OSError:
        return None


def machine() -> str:
    """CPU model, logical and usable cores, RAM and OS, for a report's header."""
    cpu = platform.processor() or platform.machine()
    if (line := _first("/proc/cpuinfo", "model name")) is not None:
        cpu = line.split(":", 1)[1].strip()
    ram = "unknown RAM"
    if (line := _first("/proc/meminfo", "MemTotal:")) is not None:
        ram = f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {os.cpu_count()} logical cores ({usable} usable), {ram}, {platform.system()}"


def versions(packages: Iterable[str]) -> str:
    """Python and the installed version of each package."""
    found = []
    for name in packages:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}; " + ", ".join(found)


def run_all(
    tasks: Sequence[T],
    run: Callable[[T], R],
    report: Callable[[R, int], None],
    *,
    jobs: int = 1,
) -> None:
    """Run every task (``jobs`` processes at a time, each one core), reporting each result
    with its running number as it comes in."""
    if jobs <= 1:
        for n, task in enumerate(tasks, 1):
            report(run(task), n)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run, t) for t in tasks]
        for n, fut in enumerate(as_completed(futures), 1):
            report(fut.result(), n)
