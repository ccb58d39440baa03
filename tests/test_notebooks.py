"""The analysts' notebooks execute top to bottom on small settings, offline.

The notebooks are stored as jupytext percent scripts (``notebooks/*.py``, no outputs). Each
test converts one to a notebook, puts the small settings in a cell after its ``parameters``
cell (as papermill does: ``SMALL = True`` and a scheduler), and executes it in a fresh
kernel of this Python with nbclient. A cell that raises fails the test with its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.py"))

#: The small settings of every notebook; one runs its sweep on a LocalCluster, the others
#: in the kernel, to keep the suite short.
SMALL: dict[str, Any] = {"SMALL": True, "SCHEDULER": "serial", "RESULTS": None}
ON_A_CLUSTER = "01_oost_drenthe_pooling"

#: Seconds a cell may take before the test fails (the small settings take a few).
CELL_TIMEOUT_S = 120


def inject(nb: Any, parameters: dict[str, Any]) -> None:
    """Add a cell setting ``parameters`` right after the cell tagged ``parameters``."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "a notebook needs exactly one cell tagged 'parameters'"
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)


def test_there_are_five_notebooks() -> None:
    assert len(NOTEBOOKS) == 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_on_small_settings(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = jupytext.read(path)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 4  # text for the analyst
    parameters = dict(SMALL)
    if path.stem == ON_A_CLUSTER:
        parameters["SCHEDULER"] = None
    inject(nb, parameters)
    monkeypatch.setenv("ZORGROUTE_CACHE_DIR", str(tmp_path / "cache"))
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    figures = [
        o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert figures, "every notebook shows at least one chart"
