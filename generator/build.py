"""The pipeline for spec folders: spec → expand → model → render → write.

A spec folder is any folder holding a 部门.yaml. Every folder of a build is read and checked
before anything is rendered, and every output is staged before any is renamed into place: a
build with an error writes nothing. Rendering, the 汇总 workbook and incremental builds are batch.py's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import checks, model
from .category import Libraries
from .errors import Problems, SpecErrors, VariantError
from .expand import Expanded, expand
from .render.context import project_context, unit_context
from .spec import DEPARTMENT_FILE, ProjectSpec, UnitSpec, load_department, load_specs
from .variant import Variant, templates_root

SUMMARY_WORKBOOK = "汇总.xlsx"


@dataclass(frozen=True)
class Form:
    """A spec shape a variant can be filled from (its `form:` setting): schema, model, context."""

    spec: type
    build: Callable
    context: Callable


FORMS = {
    "project": Form(ProjectSpec, model.build, project_context),   # one table per project
    "unit": Form(UnitSpec, model.build_unit, unit_context),         # one table per unit
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "未命名"


def spec_folders(root: Path) -> list[Path]:
    """Every folder at or below `root` that holds a 部门.yaml (a year folder and its units), in a
    stable order; hidden folders below `root` are skipped, wherever `root` itself lives."""
    return sorted(p.parent for p in root.rglob(DEPARTMENT_FILE)
                  if not any(part.startswith(".") for part in p.relative_to(root).parts))


@dataclass
class Plan:
    """A checked spec folder, ready to render."""

    folder: Path
    out: Path
    variant: Variant
    projects: list[Any]  # model.Project or model.Unit, per the variant's form


def form(variant: Variant) -> Form:
    if variant.form not in FORMS:
        raise VariantError(f"格式「{variant.name}」的 form「{variant.form}」未知；可用：{'、'.join(FORMS)}")
    return FORMS[variant.form]


def plan_folder(folder: Path, out: Path, templates: Path, problems: Problems) -> Plan | None:
    """Read and check one spec folder against the variant its 部门.yaml names."""
    loaded_department = load_department(folder, problems)
    if loaded_department is None:
        load_specs(folder, ProjectSpec, problems)  # still report what is wrong in the projects
        return None
    department = loaded_department.spec
    try:
        variant = Variant.load(department.格式, templates)
        shape = form(variant)
    except VariantError as exc:
        source = loaded_department.source
        problems.add(source.path, source.line(("格式",)), "格式", str(exc))
        return None
    # category files shared by several spec folders are read again for each; Problems drops repeats
    library = Libraries().for_spec_folder(folder, problems)
    projects: list[Any] = []
    checked: list[tuple[model.Project, Expanded]] = []
    names: dict[str, Path] = {}
    for item in load_specs(folder, shape.spec, problems):
        before = len(problems.errors)
        expanded = expand(item, department, variant, library, problems)
        project = shape.build(expanded, variant, problems)
        if project is None or len(problems.errors) > before:  # no warnings on top of its errors
            continue
        if isinstance(project, model.Project):  # the warnings are about project tables
            checked.append((project, expanded))
        if project.name in names:
            problems.add(project.source, item.source.line(("项目名称",)), "名称",
                         f"「{project.name}」与 {names[project.name].name} 的名称相同")
            continue
        names[project.name] = project.source
        projects.append(project)
    checks.check_folder(checked, variant, problems)
    return Plan(folder, out, variant, projects)


def plan(root: Path, out: Path | None, templates: Path | None = None) -> tuple[list[Plan], Problems]:
    """Read and check every spec folder under `root`; raises SpecErrors if any has an error.
    `out` None: only checking, nothing will be written."""
    root = root.resolve() if not root.is_absolute() else root
    folders = spec_folders(root)
    problems = Problems()
    if not folders:
        problems.add(root, None, "", f"找不到项目说明：{root} 及其子目录中没有 {DEPARTMENT_FILE}")
    templates = templates_root(templates, near=root)
    # outputs mirror the specs below `root`; a spec folder given itself keeps its own name (2024/)
    base = root.parent if (root / DEPARTMENT_FILE).is_file() else root
    plans = []
    for folder in folders:
        if out is not None and out.resolve().is_relative_to(folder.resolve()):
            problems.add(out, None, "", f"输出目录在项目说明目录 {folder} 之内：perfgen 不往说明目录里写文件，请换一个输出目录")
        item = plan_folder(folder, (out or Path()) / folder.relative_to(base), templates, problems)
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
