"""zorgroute's planner service: a FastAPI app over the library, with jobs and API keys.

``create_app(settings)`` builds the app; ``python -m zorgroute_api`` serves it, runs the
migrations and manages API keys. See ``docs/api.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]


def __getattr__(name: str) -> object:
    # the app factory imports FastAPI; `import zorgroute_api` alone (the worker) does not
    if name == "create_app":
        from zorgroute_api.main import create_app

        return create_app
    raise AttributeError(name)
