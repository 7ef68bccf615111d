"""Problems found in specs, said the way cfgv says them: where (file:line), which field, what.

Every stage collects problems instead of raising on the first, so that an author sees all of
them at once; the CLI prints them and exits non-zero before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a spec. `field` is the path of keys, joined by '.'."""

    file: str
    line: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        kind = "警告 " if self.warning else ""
        return f"{where} {kind}{self.field + ': ' if self.field else ''}{self.message}"


@dataclass
class Problems:
    """A growing list of problems; `errors` block a build, `warnings` are only said."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: Path | str, line: int | None, field: str, message: str, *, warning: bool = False) -> None:
        problem = Problem(str(file), line, field, message, warning)
        if problem not in self.items:  # a broken category file is met once per project that uses it
            self.items.append(problem)

    def extend(self, other: "Problems") -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.warning]

    def __bool__(self) -> bool:
        return bool(self.items)


class PerfgenError(Exception):
    """Base of the errors the CLI prints as a message instead of a traceback."""


class SpecErrors(PerfgenError):
    """The specs hold errors: nothing may be written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0))  # as an author reads them
        super().__init__("\n".join(str(p) for p in problems))


class VariantError(PerfgenError):
    """A variant folder is missing or its settings are broken."""


class SettingsErrors(SpecErrors, VariantError):
    """A variant's settings.yaml (or its template) is wrong: said like a spec's problems, at their lines."""
