"""Where zorgroute's bundled data lives (village tables, the demo region)."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def data_dir() -> Path:
    """The bundled data folder: ``$ZORGROUTE_DATA_DIR`` if set, else the installed package's.

    In a checkout this is the repository's ``data/`` folder.
    """
    if env := os.environ.get("ZORGROUTE_DATA_DIR"):
        return Path(env)
    return Path(str(files("zorgroute.data")))


def data_path(*parts: str) -> Path:
    """A path inside :func:`data_dir`."""
    return data_dir().joinpath(*parts)
