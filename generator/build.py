"""The pipeline for spec folders: spec → expand → model → render → write.

A spec folder is any folder holding a 部门.yaml. Every folder of a build is read and checked, and
every output is staged before any is renamed into place: a build with an error writes nothing.
Rendering, the 汇总 workbook and incremental builds are batch.py's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from . import checks, evaluation, model, monitoring, stages
from .category import Libraries
from .errors import Problems, SettingsErrors, SpecErrors, VariantError
from .expand import Expanded, expand
from .layout import (FACTS_STAGES, SUMMARY_WORKBOOK, name_key, renamed_why, safe_filename, spec_folders,  # noqa: F401
                     targets)  # (also imported from here)
from .render.context import PROJECT_PROVIDES, UNIT_PROVIDES, project_context, provides, unit_context
from .render.placeholders import template_problems
from .facts import EvaluationFacts, MonitoringFacts
from .spec import ProjectSpec, UnitSpec, load_department, load_specs, project_model
from .variant import Variant


@dataclass(frozen=True)
class Form:
    """A spec shape a variant can be filled from (its `form:` setting): schema, model, context."""

    spec: type
    build: Callable
    context: Callable
    provides: Mapping[str, frozenset[str] | None]  # what the context offers a template


FORMS = {
    "project": Form(ProjectSpec, model.build, project_context, PROJECT_PROVIDES),   # one table per project
    "unit": Form(UnitSpec, model.build_unit, unit_context, UNIT_PROVIDES),         # one table per unit
    # the year's later stages, filled from a project and its facts file (stages.py)
    "evaluation": Form(EvaluationFacts, evaluation.build, evaluation.context, evaluation.PROVIDES),  # 自评表
    "monitoring": Form(MonitoringFacts, monitoring.build, monitoring.context, monitoring.PROVIDES),  # 监控表
}


@dataclass
class Plan:
    """A checked spec folder, ready to render."""

    folder: Path
    out: Path
    variant: Variant
    projects: list[Any]  # model.Project or model.Unit, per the variant's form
    stages: list[stages.StageTables] = field(default_factory=list)  # 监控表 and 自评表 where facts exist

    def stage_workbooks(self, every: bool = False) -> list[str]:
        """The file names of the stages' 汇总 workbooks this folder writes (`every`: of every stage)."""
        from .stage_summary import workbook_name

        if every:
            return [workbook_name(stage) for stage in FACTS_STAGES]
        return [workbook_name(stage.stage) for stage in self.stages if stage.tables]

    def tables(self) -> list[tuple[Variant, Any]]:
        """Every table of the folder with its variant: the projects', then each stage's."""
        return [(self.variant, p) for p in self.projects] + [
            (stage.variant, table) for stage in self.stages for table in stage.tables]


def form(variant: Variant) -> Form:
    if variant.form not in FORMS:
        raise VariantError(f"格式「{variant.name}」的 form「{variant.form}」未知；可用：{'、'.join(FORMS)}")
    return FORMS[variant.form]


def spec_model(variant: Variant) -> type:
    """The spec model a variant's specs validate against: its form's, with the variant's own
    classification fields (项目性质 …) and blank values where it allows them."""
    shape = form(variant)
    if shape.spec is not ProjectSpec:
        return shape.spec
    extra = tuple(c.key for c in variant.classifications if c.key not in ProjectSpec.model_fields)
    return project_model(extra, variant.values.blank)


def plan_folder(folder: Path, out: Path, templates: Path, problems: Problems, *, facts: bool = True) -> Plan | None:
    """Read and check one spec folder against the variant its 部门.yaml names; with `facts`, also
    its 监控表 and 自评表 from the facts files beside the specs (stages.py)."""
    loaded_department = load_department(folder, problems)
    if loaded_department is None:
        load_specs(folder, ProjectSpec, problems)  # still report what is wrong in the projects
        return None
    department = loaded_department.spec
    try:
        variant = Variant.load(department.格式, templates)
        shape = form(variant)
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
    projects: list[Any] = []
    checked: list[tuple[model.Project, Expanded]] = []
    names: dict[str, Path] = {}
    for item in load_specs(folder, spec_model(variant), problems):
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
    later = [p for p in projects if isinstance(p, model.Project)]
    plan = Plan(folder, out, variant, projects,
                stages.plan_stages(folder, loaded_department, variant, later, templates, problems)
                if facts and later else [])
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
