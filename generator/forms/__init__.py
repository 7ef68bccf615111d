"""Forms: the shapes of spec a variant's table is filled from, as plug-ins.

A variant's settings.yaml says `form: project` (one table per 项目) or `form: unit` (one table per
单位); a form is everything perfgen knows about one such shape, behind the small interface below.
The pipeline (build.plan_folder: load → expand → model → checks; then render) and every command
(build, check, show, preview, diff, import, new, schema) reach a shape only through `form_of`:
nothing outside this package branches on the shape.

Adding a form (e.g. a 绩效运行监控表) is a package `generator/forms/<name>/` whose `__init__`
defines `FORM = Form(...)`, plus its name in `_BUILTIN` below; then variant folders may say
`form: <name>`. What a Form holds:

    name         the `form:` of settings.yaml
    spec_model   variant → the pydantic model of one spec file (a variant may add fields)
    build        (Expanded, Variant, Problems) → the typed table, or None after adding problems;
                 a table has at least `name` (its output file), `source` (its spec) and `year`
    context      (table, Variant) → the Word template's context: flat, formatted strings
    provides     what that context offers a template (placeholders.py checks the template by it)
    check        (tables with their Expanded, Variant, Problems) → the folder's warnings
    schema       Variant | None → the JSON Schema of a spec file (editors)
    parse        (import) (labels.Form, Variant, Labels) → Imported: a printed table read back
    identity     (import) the label whose value names a table (项目名称, 单位名称)
    inherits     the fields a spec may take from 部门.yaml (and write itself where they differ)
    overview     the first sheet of 汇总.xlsx (an Overview), or None: the 汇总 holds the tables only
    roll         what `perfgen new` flags in a spec of this form (a Roll)
    show         the expanded spec as `perfgen show` prints it, or None: show is not for this form
    stages       whether the year's later stages (监控表, 自评表: facts files, stages.py) follow
                 this form's tables

Everything but name, spec_model, build, context and provides has a default that does nothing.
The words a form prints on its own (the 汇总's columns and title, the fields `perfgen new` looks
at) are its data here; the words of a variant's table are its settings.yaml's.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..errors import VariantError

if TYPE_CHECKING:
    from ..variant import Variant

_BUILTIN = ("project", "unit", "monitoring", "evaluation")  # packages of this folder, each defining FORM


@dataclass(frozen=True)
class Overview:
    """The first sheet of a folder's 汇总.xlsx: one line per table, the columns' words."""

    lines: Callable[[Sequence[Any], "Variant", Sequence[Any]], list]   # (tables, variant, warnings)
    title: Callable[[Sequence[Any]], str]                               # the sheet's title line
    sheet: str                                                          # the sheet's name
    columns: Mapping[str, str]                                          # role → header text
    amounts: tuple[tuple[str, str], ...]                                # (header, field of the table's funds)


@dataclass(frozen=True)
class Roll:
    """What `perfgen new` looks at in a spec of the form: paths of keys, from the top."""

    carry_over: tuple[tuple[str, ...], ...] = ()   # amounts of last year: flagged when not zero
    amounts: tuple[str, ...] = ()                  # top-level keys holding amounts (a number is not a year)
    category: tuple[str, ...] = ()                 # the key whose value may be one of the variant's one_off
    indicators: tuple[str, ...] = ()               # top-level keys of 二级 → 三级 → value (≥2024人 is a target)


def _nothing(*_: Any) -> None:
    return None


@dataclass(frozen=True)
class Form:
    """One spec shape; see the package docstring for each field."""

    name: str
    spec_model: Callable[["Variant"], type]
    build: Callable[..., Any]
    context: Callable[[Any, "Variant"], dict[str, Any]]
    provides: Mapping[str, "frozenset[str] | None"]
    check: Callable[[list, "Variant", Any], None] = _nothing
    schema: Callable[["Variant | None"], dict[str, Any]] | None = None
    parse: Callable[..., Any] | None = None
    identity: str = ""
    inherits: tuple[str, ...] = ()
    overview: Overview | None = None
    roll: Roll = field(default_factory=Roll)
    show: Callable[[Any], str] | None = None
    stages: bool = False


_FORMS: dict[str, Form] = {}


def names() -> tuple[str, ...]:
    """The names of the forms (settings.yaml's `form:`), without importing any."""
    return _BUILTIN


def forms() -> dict[str, Form]:
    """Every form, by name (their modules are imported on first use: a no-op build needs none)."""
    return {name: _form(name) for name in _BUILTIN}


def _form(name: str) -> Form:
    # one form's module, imported when a variant of it is first met: a build of 目标表 alone loads
    # neither the 监控表's nor the 自评表's (nor the facts and rule sets they read)
    if name not in _FORMS:
        _FORMS[name] = importlib.import_module(f"{__name__}.{name}").FORM
    return _FORMS[name]


def form_of(variant: "Variant") -> Form:
    """The form a variant's table is filled from (its settings' `form:`)."""
    if variant.form not in _BUILTIN:
        raise VariantError(f"格式「{variant.name}」的 form「{variant.form}」未知；可用：{'、'.join(_BUILTIN)}")
    return _form(variant.form)
