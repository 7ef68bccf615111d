"""Problems found in specs, said the way cfgv says them: where (file:line), which field, what.

Every stage collects problems instead of raising on the first, so that an author sees all of
them at once; the CLI prints them and exits non-zero before anything is written.
"""
from __future__ import annotations

from pathlib import Path


class Record:
    """Plain data named by its class's __slots__ (an __init__ taking them in order): equality, repr,
    pickling and `replace` as a dataclass has them. Classes made at import on a build's every path
    are these, not dataclasses: making a dataclass compiles its methods (some 4 M instructions
    each), a fifth of what perfgen's own imports cost a build with nothing to do."""

    __slots__ = ()

    def _values(self) -> tuple:
        return tuple([getattr(self, name) for name in self.__slots__])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable: as a dataclass with eq and not frozen

    def __repr__(self) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"

    def __reduce__(self):
        return self.__class__, self._values()

    def replace(self, **changes):
        """A copy with `changes` (dataclasses.replace)."""
        return self.__class__(**{**dict(zip(self.__slots__, self._values())), **changes})


class Frozen(Record):
    """A Record whose fields are set once, by its __init__ (through _set): hashable."""

    __slots__ = ()

    def _set(self, **values) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())


class Problem(Frozen):
    """One finding in a spec. `field` is the path of keys, joined by '.'. Ordered as the tuple of
    its fields (file, line, field, message, warning)."""

    __slots__ = ("file", "line", "field", "message", "warning")
    file: str
    line: int | None
    field: str
    message: str
    warning: bool

    def __init__(self, file: str, line: int | None, field: str, message: str, warning: bool = False):
        setattr_ = object.__setattr__  # (a build makes hundreds: no loop over a dict)
        setattr_(self, "file", file)
        setattr_(self, "line", line)
        setattr_(self, "field", field)
        setattr_(self, "message", message)
        setattr_(self, "warning", warning)

    def _values(self) -> tuple:
        return self.file, self.line, self.field, self.message, self.warning

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Problem:
            return NotImplemented
        return (self.file, self.line, self.field, self.message, self.warning) == \
            (other.file, other.line, other.field, other.message, other.warning)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __lt__(self, other: object) -> bool:
        return self._values() < other._values() if other.__class__ is Problem else NotImplemented  # type: ignore

    def __le__(self, other: object) -> bool:
        return self._values() <= other._values() if other.__class__ is Problem else NotImplemented  # type: ignore

    def __gt__(self, other: object) -> bool:
        return self._values() > other._values() if other.__class__ is Problem else NotImplemented  # type: ignore

    def __ge__(self, other: object) -> bool:
        return self._values() >= other._values() if other.__class__ is Problem else NotImplemented  # type: ignore

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        kind = "警告 " if self.warning else ""
        return f"{where} {kind}{self.field + ': ' if self.field else ''}{self.message}"


class Problems(Record):
    """A growing list of problems; `errors` block a build, `warnings` are only said."""

    __slots__ = ("items",)
    items: list[Problem]

    def __init__(self, items: list[Problem] | None = None):
        self.items = [] if items is None else items

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


# ---------------------------------------------------------------- the exceptions, one hierarchy
#
# PerfgenError                  the CLI prints its message (never a traceback) and exits 1
# ├── SpecErrors                problems of specs, each at its file and line: nothing is written
# │   └── SettingsErrors        … of a variant's own files (settings.yaml, its template)
# ├── VariantError              a variant folder is missing, or its template cannot render
# │   └── SettingsErrors
# ├── InputError                one value or file cannot be read; a ValueError too, so that a
# │   ├── SourceError           pydantic validator may raise it (source.py: not YAML, too big, …)
# │   ├── AmountError           (amounts.py: not an amount)
# │   ├── Located               (spec.py: a problem across keys, at the key it concerns)
# │   └── UnreadableValue       (importer: a printed value that cannot be read back)
# ├── ImportFailure             a document or one table of it cannot be imported
# │   ├── ReadError             (the file is not a .docx/.xlsx perfgen can read)
# │   └── TableError            (a table lacks a label, or a value is unreadable)
# ├── ToolError                 an external program (LibreOffice, pdftoppm)
# │   ├── ToolMissing           … is not installed
# │   └── ConversionFailed      … ran but did not produce what was asked
# └── OutputError               the outputs cannot be put in place; every output is as it was
#     ├── CommitError           a target cannot be replaced, the disk is full or read-only (staging.py)
#     ├── LockError             another build holds the output folder (buildlock.py)
#     └── WorkerError           a worker process died twice (workers.py)


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


class InputError(PerfgenError, ValueError):
    """A value or a file that cannot be read; the message is for the author."""


class SourceError(InputError):
    """The file cannot be read as YAML; `line` points at the problem when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


class AmountError(InputError):
    """The text is not an amount; the message is for the author."""


class Located(InputError):
    """A problem a model validator finds across keys, said at the key it concerns."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path


class PointsError(InputError):
    """A project's points (分值) cannot be shared out under its rule set; `key` is the spec's 分值
    key at fault (None: the rule set's own)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class UnreadableValue(InputError):
    """A printed value that cannot be read back (importer); the message is for the user."""


class ImportFailure(PerfgenError):
    """A document, or one table of it, cannot be imported."""


class ReadError(ImportFailure):
    """The file cannot be read as a table document; the message is for the user."""


class TableError(ImportFailure):
    """A table that cannot be imported (a required label is missing, a value unreadable)."""


class ToolError(PerfgenError):
    """An external program perfgen needs."""


class ToolMissing(ToolError):
    """An external program perfgen needs for this command is not installed."""


class ConversionFailed(ToolError):
    """The external program ran but did not produce what was asked."""


class OutputError(PerfgenError):
    """The outputs could not be put in place; every output is as it was before the build."""


class CommitError(OutputError):
    """A target cannot be replaced (a folder or a locked file in its place), the disk is full or read-only."""


class LockError(OutputError):
    """Another build is writing into the same output folder."""


class WorkerError(OutputError):
    """A worker process died twice: the build stops, nothing is written."""


class IrregularGrid(PerfgenError):
    """A rendered table's grid the compiled Excel sheet does not follow (cells over each other, a
    merge over a gap): render/xlsx.py catches it and writes the sheet the general way, so it never
    reaches a user; it is a PerfgenError so that, if it ever did, it would be a message."""

    def __init__(self, message: str = "Excel 工作表的表格结构不规则，无法按编译的方式写出"):
        super().__init__(message)
