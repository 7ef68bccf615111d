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
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import stages
from .category import Libraries, Library
from .errors import Problems, SettingsErrors, SpecErrors, VariantError
from .expand import Expanded, expand
from .forms import form_of
from .layout import (FACTS_STAGES, SUMMARY_WORKBOOK, name_key, renamed_why, safe_filename, spec_folders,  # noqa: F401
                     targets, workbook_name)  # (also imported from here)
from .render.context import provides
from .render.placeholders import template_problems
from .spec import DepartmentSpec, Loaded, ProjectSpec, load_department, load_specs
from .variant import Variant, templates_root


@dataclass
class Plan:
    """A checked spec folder, ready to render."""

    folder: Path
    out: Path
    variant: Variant
    projects: list[Any]  # the tables of the variant's form (model.Project, model.Unit, …)
    stages: list[stages.StageTables] = field(default_factory=list)  # 监控表 and 自评表 where facts exist
    expanded: list[Expanded] = field(default_factory=list)  # the spec each of `projects` was built from

    def stage_workbooks(self, every: bool = False) -> list[str]:
        """The file names of the stages' 汇总 workbooks this folder writes (`every`: of every stage)."""
        if every:
            return [workbook_name(stage) for stage in FACTS_STAGES]
        return [workbook_name(stage.stage) for stage in self.stages if stage.tables]

    def tables(self) -> list[tuple[Variant, Any]]:
        """Every table of the folder with its variant: the projects', then each stage's."""
        return [(self.variant, p) for p in self.projects] + [
            (stage.variant, table) for stage in self.stages for table in stage.tables]


@lru_cache(maxsize=32)
def _label_fit(template: bytes, style: str, labels: tuple, framework: tuple) -> tuple[str, ...]:
    from .render.docx_print import label_fit_problems
    from .settings import PrintStyle

    return tuple(label_fit_problems(template, PrintStyle.model_validate_json(style), dict(labels),
                                    {k: list(v) for k, v in framework}))


def label_fit(variant: Variant) -> tuple[str, ...]:
    """The variant's labels that would wrap leaving one character alone (a warning of its own)."""
    try:
        template = variant.word_template.read_bytes()
    except OSError:
        return ()
    return _label_fit(template, variant.print_style.model_dump_json(), tuple(variant.labels.items()),
                      tuple((k, tuple(v)) for k, v in variant.framework.items()))


def _template_problems(variant: Variant, provided: dict) -> list:
    """template_problems of the variant's Word template, worked out once per content of the
    template (and form, provisions, labels) in a process: every folder of a district checks its
    variant's, and opening the template's zip was most of a folder's own cost."""
    template = variant.word_template
    try:
        raw = template.read_bytes()
    except OSError:  # said as template_problems says it
        return template_problems(template, variant.form, provided, variant.labels)
    return list(_checked_template(str(template), raw, variant.form, tuple(provided.items()),
                                  tuple(variant.labels.items())))


@lru_cache(maxsize=32)
def _checked_template(path: str, raw: bytes, form: str, provided: tuple, labels: tuple) -> tuple:
    return tuple(template_problems(Path(path), form, dict(provided), dict(labels)))


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


def plan_folder(folder: Path, out: Path, templates: Path, problems: Problems, *, facts: bool = True) -> Plan | None:
    """Read and check one spec folder against the variant its 部门.yaml names; with `facts`, also
    its 监控表 and 自评表 from the facts files beside the specs (stages.py)."""
    loaded_department = load_department(folder, problems)
    if loaded_department is None:
        load_specs(folder, ProjectSpec, problems)  # still report what is wrong in the projects
        return None
    department = loaded_department.spec
    templates = templates_root(templates, near=folder)  # the build's, and the templates/ near this folder
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
    unfilled = _template_problems(variant, provides(variant, shape.provides))
    for problem in unfilled:
        problems.add(problem.file, problem.line, problem.field, problem.message)
    if unfilled:
        return None
    for message in label_fit(variant):  # said once per batch: Problems drops repeats
        problems.add(variant.folder / "settings.yaml", None, "print.columns", message, warning=True)
    # category files shared by several spec folders are read again for each; Problems drops repeats
    library = Libraries().for_spec_folder(folder, problems)
    projects: list[Any] = []
    built: list[Expanded] = []
    checked: list[tuple[Any, Expanded]] = []
    names: dict[str, Path] = {}
    for item in load_specs(folder, shape.spec_model(variant), problems):
        planned = plan_spec(item, department, variant, library, problems)
        if planned is None:
            continue
        project, expanded = planned
        checked.append(planned)
        if project.name in names:
            problems.add(project.source, item.source.line(("项目名称",)), "名称",
                         f"「{project.name}」与 {names[project.name].name} 的名称相同")
            continue
        names[project.name] = project.source
        projects.append(project)
        built.append(expanded)
    shape.check(checked, variant, problems)
    later = projects if shape.stages else []  # the year's 监控表 and 自评表 follow these tables
    plan = Plan(folder, out, variant, projects,
                stages.plan_stages(folder, loaded_department, variant, later, templates, problems)
                if facts and later else [], built)
    check_output_names(plan, problems)
    return plan


def check_output_names(plan: Plan, problems: Problems) -> None:
    """Each table gets a file name of its own, the same on every platform: two names that give one
    file name (a/b and a_b), names that differ only by case or width (ABC and ａｂｃ are one file on
    Windows and macOS), or a table named like a 汇总 workbook are errors; a name that had to be
    changed (a Windows device name, a name too long) is said."""
    taken: dict[str, str] = {name_key(Path(workbook).stem): f"汇总工作簿 {workbook}"
                             for workbook in [SUMMARY_WORKBOOK, *plan.stage_workbooks(every=True)]}
    for _, table in plan.tables():
        stem = safe_filename(table.name)
        key = name_key(stem)
        if key in taken:
            problems.add(table.source, None, "项目名称",
                         f"「{table.name}」的输出文件名 {stem}.docx 与{taken[key]}是同一个文件（Windows 上文件名"
                         "不分大小写和全角半角），请改一个项目名称")
            continue
        taken[key] = f"项目「{table.name}」的 {stem}.docx"
        why = renamed_why(table.name, stem)
        if why:
            problems.add(table.source, None, "项目名称", f"输出文件名为 {stem}.docx：{why}", warning=True)


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
