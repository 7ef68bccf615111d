"""The year's later stages of a spec folder: its 监控表 and 自评表, from the facts files beside the specs.

A project with <项目>.监控.yaml gets a 绩效运行监控表, one with <项目>.自评.yaml a 项目支出绩效自评表,
beside its 目标表. Which form each stage is filed in: 部门.yaml's 监控格式 / 自评格式, else the
`stages:` of the folder's 格式; the rule set: 部门.yaml's 评分规则, else rules.DEFAULT.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import Problems, Record, SettingsErrors, VariantError
from .layout import FACTS_STAGES, facts_files
from .model import Project
from .spec import Loaded
from .variant import Variant

class StageTables(Record):
    """One stage's tables of a spec folder, all in one form."""

    __slots__ = ("stage", "variant", "tables")
    stage: str
    variant: Variant
    tables: list[Any]  # evaluation.Evaluation or monitoring.Monitoring

    def __init__(self, stage: str, variant: Variant, tables: list[Any] | None = None):
        self.stage = stage
        self.variant = variant
        self.tables = [] if tables is None else tables


def stage_variant(stage: str, department: Loaded, variant: Variant, templates: Path,
                  problems: Problems) -> Variant | None:
    key = f"{stage}格式"
    name = getattr(department.spec, key) or variant.stages.get(stage)
    source = department.source
    where = (source.path, source.line((key,) if getattr(department.spec, key) else ("格式",)), key)
    if not name:
        problems.add(*where, f"格式「{variant.name}」没有{stage}表（settings.yaml 的 stages）：请在 部门.yaml 写 {key}")
        return None
    try:
        found = Variant.load(name, templates)
    except SettingsErrors as exc:  # the variant's own files, at their lines
        for problem in exc.problems:
            problems.add(problem.file, problem.line, problem.field, problem.message)
        return None
    except VariantError as exc:
        problems.add(*where, str(exc))
        return None
    from .facts import STAGES

    form = STAGES[stage][3]
    if found.form != form:
        problems.add(*where, f"格式「{name}」是 {found.form} 表，不是{stage}表（form: {form}）")
        return None
    from .forms import form_of  # the stages are forms too: imported when they are planned
    from .render.context import provides
    from .render.placeholders import template_problems

    unfilled = template_problems(found.word_template, found.form, provides(found, form_of(found).provides),
                                 found.labels)
    for problem in unfilled:
        problems.add(problem.file, problem.line, problem.field, problem.message)
    return None if unfilled else found


def plan_stages(folder: Path, department: Loaded, variant: Variant, projects: list[Project], templates: Path,
                problems: Problems) -> list[StageTables]:
    """The 监控 and 自评 tables of every project of the folder that has facts for them."""
    if not facts_files(folder):  # most folders: the facts and rule sets are not even imported
        return []
    from . import facts as facts_module, rules as rules_module

    found = facts_module.for_projects(folder, projects, problems)
    if not found:
        return []
    source = department.source
    name = department.spec.评分规则 or rules_module.DEFAULT
    rules = rules_module.load(name, folder, problems, (source.path, source.line(("评分规则",)), "评分规则"))
    if rules is None:
        return []
    out = []
    by_stem = {project.source.stem: project for project in projects}
    for stage in FACTS_STAGES:
        stems = sorted(stem for stem, s in found if s == stage)
        if not stems:
            continue
        form_variant = stage_variant(stage, department, variant, templates, problems)
        if form_variant is None:
            continue
        from .forms import form_of

        build = form_of(form_variant).build  # the form's plug-in (forms/evaluation, forms/monitoring)
        tables = StageTables(stage, form_variant)
        for stem in stems:
            table = build(by_stem[stem], found[(stem, stage)], rules, form_variant, problems)
            if table is not None:
                tables.tables.append(table)
        out.append(tables)
    return out
