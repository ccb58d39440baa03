"""Errors and warnings of zorgroute.

zorgroute reports bad input once, completely: an :class:`InputError` carries every
:class:`Problem` found (file, row, column, value, reason), so a planner fixes a visit list
in one go instead of one row per run. Conditions that still give a usable result (a client
snapped 800 m from the nearest road, a matrix computed from straight lines) are warnings,
never prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Attributes
    ----------
    reason
        What is wrong and, where it helps, what to do about it.
    source
        The file, table or argument the problem was found in (empty if none).
    row
        Row label in that source (a visit id, a line number), or ``None``.
    column
        Column or field name, or ``None``.
    value
        The offending value as text, or ``None``.
    """

    reason: str
    source: str = ""
    row: str | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [p for p in (self.source, _fmt("row", self.row), _fmt("column", self.column)) if p]
        value = f" (value {self.value!r})" if self.value is not None else ""
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}{value}" if prefix else f"{self.reason}{value}"


def _fmt(name: str, value: str | None) -> str:
    if value is None:
        return ""
    # labels such as "line 5 (visit v12)" or "row 3" already say what they are
    if value.split(" ", 1)[0] in {"line", "row", "item", "column"}:
        return value
    return f"{name} {value}"


class InputError(ValueError):
    """Bad input: lists every problem found, not only the first.

    Parameters
    ----------
    problems
        The problems found; at least one.
    summary
        A one-line headline shown before the list.
    """

    def __init__(self, problems: Iterable[Problem], summary: str = "invalid input") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.summary = summary
        if len(self.problems) == 1:
            message = f"{summary}: {self.problems[0]}"
        else:
            lines = [f"{summary} ({len(self.problems)} problems):"]
            lines += [f"  - {p}" for p in self.problems]
            message = "\n".join(lines)
        super().__init__(message)

    @classmethod
    def single(
        cls,
        reason: str,
        *,
        source: str = "",
        row: str | None = None,
        column: str | None = None,
        value: str | None = None,
        summary: str = "invalid input",
    ) -> InputError:
        """An error with one problem."""
        return cls([Problem(reason, source, row, column, value)], summary=summary)


class ZorgrouteWarning(UserWarning):
    """Base class of zorgroute's warnings."""


class SnapWarning(ZorgrouteWarning):
    """Addresses were snapped unusually far from the road network (but within the limit)."""


class FallbackWarning(ZorgrouteWarning):
    """Travel times and distances were estimated from straight lines, not from roads."""


class MissingDependencyError(ImportError):
    """An optional part of zorgroute was used without its extra installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is needed for this feature; install it with "
            f"`pip install 'zorgroute[{extra}]'`"
        )


class DownloadError(ConnectionError):
    """Road data could not be downloaded (no internet, Overpass or Nominatim unreachable)."""


class GraphWarning(ZorgrouteWarning):
    """A road graph was usable but lost a noticeable part of its roads (e.g. disconnected)."""
