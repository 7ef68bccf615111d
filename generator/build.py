"""The pipeline for spec folders: spec → expand → model → checks, then render → write.

plan_folder is the one composition of the reading half: build, check, show, preview, diff and the
importer's rebuild check go through it (or, for one spec file, through plan_spec), so `perfgen
check` reports every error a build would. What depends on the spec's shape is its form's (forms/).

A spec folder is any folder holding a 部门.yaml. Every folder of a build is read and checked, and
every output is staged before any is renamed into place: a build with an error writes nothing.
Rendering, the 汇总 workbook and incremental builds are batch.py's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .category import Libraries, Library
from .errors import Problems, SettingsErrors, SpecErrors, VariantError
from .expand import Expanded, expand
from .forms import form_of
from .layout import SUMMARY_WORKBOOK, safe_filename, spec_folders, targets  # noqa: F401  (also imported from here)
from .render.context import provides
from .render.placeholders import template_problems
from .spec import DepartmentSpec, Loaded, ProjectSpec, load_department, load_specs
from .variant import Variant


@dataclass
class Plan:
    """A checked spec folder, ready to render."""

    folder: Path
    out: Path
    variant: Variant
    projects: list[Any]  # the tables of the variant's form (model.Project, model.Unit, …)
    expanded: list[Expanded] = field(default_factory=list)  # the spec each table was built from


form = form_of  # the form of a variant (forms/); also imported from here


def spec_model(variant: Variant) -> type:
    """The model a variant's spec files validate against (its form's, with the variant's own fields)."""
    return form_of(variant).spec_model(variant)


def plan_spec(loaded: Loaded, department: DepartmentSpec, variant: Variant, library: Library | None,
              problems: Problems) -> tuple[Any, Expanded] | None:
    """One spec file through expand → model: its table and its expanded spec, or None after adding
    what is wrong. The build, check, show, preview, diff and the importer's rebuild check all read a
    spec this way."""
    before = len(problems.errors)
    expanded = expand(loaded, department, variant, library, problems)
    table = form_of(variant).build(expanded, variant, problems)
    if table is None or len(problems.errors) > before:  # no warnings on top of its errors
        return None
    return table, expanded


def plan_folder(folder: Path, out: Path, templates: Path, problems: Problems) -> Plan | None:
    """Read and check one spec folder against the variant its 部门.yaml names: every error a build
    would meet, so that `perfgen check` finds them all."""
    loaded_department = load_department(folder, problems)
    if loaded_department is None:
        load_specs(folder, ProjectSpec, problems)  # still report what is wrong in the projects
        return None
    department = loaded_department.spec
    try:
        variant = Variant.load(department.格式, templates)
        shape = form_of(variant)
    except SettingsErrors as exc:  # the variant's own files, at their lines
        for problem in exc.problems:
            problems.add(problem.file, problem.line, problem.field, problem.message)
        return None
    except VariantError as exc:
        source = loaded_department.source
        problems.add(source.path, source.line(("格式",)), "格式", str(exc))
        return None
    unfilled = template_problems(variant.word_template, variant.form, provides(variant, shape.provides),
                                 variant.labels)
    for problem in unfilled:
        problems.add(problem.file, problem.line, problem.field, problem.message)
    if unfilled:
        return None
    # category files shared by several spec folders are read again for each; Problems drops repeats
    library = Libraries().for_spec_folder(folder, problems)
    tables: list[Any] = []
    built: list[Expanded] = []
    checked: list[tuple[Any, Expanded]] = []
    names: dict[str, Path] = {}
    for item in load_specs(folder, shape.spec_model(variant), problems):
        planned = plan_spec(item, department, variant, library, problems)
        if planned is None:
            continue
        table, expanded = planned
        checked.append(planned)
        if table.name in names:
            problems.add(table.source, item.source.line(("项目名称",)), "名称",
                         f"「{table.name}」与 {names[table.name].name} 的名称相同")
            continue
        names[table.name] = table.source
        tables.append(table)
        built.append(expanded)
    _check_file_names(tables, problems)
    shape.check(checked, variant, problems)
    return Plan(folder, out, variant, tables, built)


def _check_file_names(tables: list[Any], problems: Problems) -> None:
    """Two tables whose names give one file name (a/b and a_b), or a table named like the 汇总
    workbook, would overwrite each other's files."""
    summary_stem = Path(SUMMARY_WORKBOOK).stem
    taken: dict[str, str] = {summary_stem: f"汇总工作簿 {SUMMARY_WORKBOOK}"}
    for table in tables:
        stem = safe_filename(table.name)
        if stem in taken:
            problems.add(table.source, None, "项目名称",
                         f"「{table.name}」的输出文件名 {stem}.docx 与{taken[stem]}相同，请改一个项目名称")
        else:
            taken[stem] = f"项目「{table.name}」"


def plan(root: Path, out: Path | None, templates: Path | None = None) -> tuple[list[Plan], Problems]:
    """Read and check every spec folder under `root`; raises SpecErrors if any has an error.
    `out` None: only checking, nothing will be written."""
    problems = Problems()
    templates, pairs = targets(root, out, templates, problems)
    plans = []
    for folder, target in pairs:
        item = plan_folder(folder, target, templates, problems)
        if item is not None:
            plans.append(item)
    if problems.errors:
        raise SpecErrors(problems.errors + problems.warnings)
    return plans, problems


def build(root: Path, out: Path, templates: Path | None = None, **options):
    """Build every spec folder at or below `root` into `out`; the options (jobs, force, pdf,
    reporter) and the result are batch.run's."""
    from .batch import run  # batch builds on plan() above

    return run(root, out, templates, **options)
