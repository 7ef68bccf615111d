"""The year's facts: what was spent and reached, beside the spec that set the targets.

One file per project and stage, named after the spec: 法律顾问费.监控.yaml (August, 1–7月 figures)
and 法律顾问费.自评.yaml (after the year, with the 决算). The spec stays the only source of targets
and points; a facts file only names indicators, by their 三级 name, or under their 二级 where a name
repeats. Read with the spec's loader (source.py, spec.validate): errors say file, line and field.
"""
# (no `from __future__ import annotations`: pydantic would compile every field's annotation from its text)

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .errors import Problems
from .layout import facts_files, facts_spec_stem, facts_stage
from .model import Indicator, Project
from .source import Source, SourceError, read
from .spec import Amount, Points, Text, validate

Strict = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built when first used (see settings.Strict)
_YES = {"是": True, "否": False, "true": True, "false": False, "yes": True, "no": False}


def _yes_no(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in _YES:
        raise ValueError(f"「{value}」应为 是 或 否")
    return _YES[text]


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


def _shorthand(key: str):
    """`项目资金: 19200` / `指标: 100%` is shorthand for the one field most facts give."""
    return BeforeValidator(lambda value: value if isinstance(value, dict) or value is None else {key: value})


# ---------------------------------------------------------------- 自评 (after the year)

class SpentRow(BaseModel):
    """One funding row of the year: 全年预算数 (adjusted budget; default: the spec's) and 全年执行数."""

    model_config = Strict
    全年预算数: Amount | None = None
    全年执行数: Amount


class EvaluationFunds(BaseModel):
    """项目资金 of the 自评, in 元: the year's total, or one row per source of the money."""

    model_config = Strict
    全年预算数: Amount | None = None
    全年执行数: Amount | None = None
    当年财政拨款: SpentRow | None = None
    上年结转资金: SpentRow | None = None
    其他资金: SpentRow | None = None
    偏差原因: Text | None = None      # why the money was not spent (or overspent)
    项目完成: YesNo | None = None     # 101号: a finished project spending within budget scores full


class EvaluationIndicator(BaseModel):
    """One indicator after the year: the value reached, or for a qualitative one the band claimed."""

    model_config = Strict
    实际完成值: Text | None = None
    评定: Text | None = None          # 达成 / 部分达成 / 未达成 (the rule set's bands)
    得分率: Points | None = None      # % of the points within the band, instead of its default point
    偏差原因: Text | None = None
    改进措施: Text | None = None


class EvaluationFacts(BaseModel):
    """<项目>.自评.yaml"""

    model_config = Strict
    项目资金: Annotated[EvaluationFunds, _shorthand("全年执行数")]
    实际完成情况: Text = ""          # of the 年度总体目标
    绩效指标: dict[Text, Any] = {}


# ---------------------------------------------------------------- 监控 (mid-year)

class ProgressRow(BaseModel):
    model_config = Strict
    执行数: Amount                      # spent so far (1–7月)
    全年预计执行数: Amount | None = None


class MonitoringFunds(BaseModel):
    model_config = Strict
    执行数: Amount | None = None
    全年预计执行数: Amount | None = None
    当年财政拨款: ProgressRow | None = None
    上年结转资金: ProgressRow | None = None
    其他资金: ProgressRow | None = None
    偏差原因: Text | None = None


class MonitoringIndicator(BaseModel):
    model_config = Strict
    执行情况: Text                    # reached so far (1–7月)
    全年预计: Text | None = None      # expected for the year; default: the target
    偏差原因: Text | None = None      # one of the form's causes, optionally 「：说明」
    完成目标可能性: Text | None = None  # one of the form's words; default: its first
    纠偏措施: Text | None = None


class MonitoringFacts(BaseModel):
    """<项目>.监控.yaml"""

    model_config = Strict
    项目资金: Annotated[MonitoringFunds, _shorthand("执行数")]
    执行情况: Text = ""              # of the 年度总体目标, so far
    绩效指标: dict[Text, Any] = {}


# model names, to drop them from error locations (see spec.validate)
MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (
    SpentRow, EvaluationFunds, EvaluationIndicator, EvaluationFacts, ProgressRow, MonitoringFunds, MonitoringIndicator,
    MonitoringFacts)}

# stage → (file model, indicator model, the field a bare indicator value is, the form it fills)
STAGES: dict[str, tuple[type[BaseModel], type[BaseModel], str, str]] = {
    "自评": (EvaluationFacts, EvaluationIndicator, "实际完成值", "evaluation"),
    "监控": (MonitoringFacts, MonitoringIndicator, "执行情况", "monitoring"),
}
INDICATORS = "绩效指标"


@dataclass
class Facts:
    """A validated facts file: its top-level facts, each indicator's facts (by its place in the
    project), the lines to point at, and the indicators it says nothing about."""

    stage: str
    path: Path
    source: Source
    facts: Any
    indicators: dict[int, Any] = field(default_factory=dict)          # index in project.indicators → model
    paths: dict[int, tuple[str, ...]] = field(default_factory=dict)   # … → path of keys in the file
    missing: list[int] = field(default_factory=list)

    def line(self, *path: str | int) -> int | None:
        return self.source.line(tuple(path))

    def at(self, index: int, key: str | None = None) -> tuple[int | None, str]:
        """Line and field of an indicator's fact (or of one of its keys)."""
        path = self.paths.get(index, (INDICATORS,))
        if key is not None and index in self.paths:
            path = path + (key,)
        return self.source.line(path), ".".join(path)


def _indicator_fact(raw: Any, path: tuple[str, ...], source: Source, model: type[BaseModel], bare: str,
                    problems: Problems) -> Any | None:
    data = raw if isinstance(raw, dict) else {bare: raw}
    if raw is None:
        problems.add(source.path, source.line(path), ".".join(path), "没有写内容")
        return None
    return validate(model, source, problems, MODELS, at=path, data=data)


def resolve(raw: dict[str, Any], project: Project, source: Source, stage: str, problems: Problems) -> Facts:
    """Each key of 绩效指标 matched to the project's indicator: a 三级 name, or a 二级 holding 三级 names.
    What cannot be matched is an error; the rest is kept, so that every problem is said at once."""
    _, model, bare, _ = STAGES[stage]
    by_name: dict[str, list[int]] = {}
    for i, ind in enumerate(project.indicators):
        by_name.setdefault(ind.name, []).append(i)
    level2s = {ind.level2 for ind in project.indicators}
    facts = Facts(stage, source.path, source, None)

    def take(index: int, value: Any, path: tuple[str, ...]) -> None:
        if index in facts.paths:
            problems.add(source.path, source.line(path), ".".join(path),
                         f"指标「{project.indicators[index].name}」的情况写了两次（另见第 {source.line(facts.paths[index])} 行）")
            return
        facts.paths[index] = path
        fact = _indicator_fact(value, path, source, model, bare, problems)
        if fact is not None:
            facts.indicators[index] = fact

    def unknown(name: str, path: tuple[str, ...], choices: list[str], what: str) -> None:
        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.4)
        problems.add(source.path, source.line(path), ".".join(path), f"项目「{project.name}」没有{what}「{name}」" +
                     (f"，是否想写「{close[0]}」？" if close else "；指标名称须与项目说明中的三级指标一致"))

    for key, value in raw.items():
        path = (INDICATORS, key)
        places = by_name.get(key, [])
        if len(places) == 1:
            take(places[0], value, path)
        elif len(places) > 1:
            where = "、".join(project.indicators[i].level2 for i in places)
            problems.add(source.path, source.line(path), ".".join(path),
                         f"「{key}」在 {where} 下都有：请写在它的二级指标下（{places and project.indicators[places[0]].level2}: "
                         f"{{{key}: …}}）")
        elif key in level2s and isinstance(value, dict):
            inside = {project.indicators[i].name: i for i in range(len(project.indicators))
                      if project.indicators[i].level2 == key}
            for name, item in value.items():
                if name in inside:
                    take(inside[name], item, path + (name,))
                else:
                    unknown(name, path + (name,), list(inside), f"{key}下的三级指标")
        else:
            unknown(key, path, list(by_name) + sorted(level2s), "指标")
    facts.missing = [i for i in range(len(project.indicators)) if i not in facts.paths]
    return facts


def load(path: Path, project: Project, problems: Problems) -> Facts | None:
    stage = facts_stage(path.name)
    assert stage is not None
    try:
        source = read(path)
    except SourceError as exc:
        problems.add(path, exc.line, "", str(exc))
        return None
    top = validate(STAGES[stage][0], source, problems, MODELS)
    if top is None:
        return None
    resolved = resolve(top.绩效指标, project, source, stage, problems)
    resolved.facts = top
    return resolved


def for_projects(folder: Path, projects: list[Project], problems: Problems) -> dict[tuple[str, str], Facts]:
    """(spec stem, stage) → facts, for every facts file of the folder; a file whose spec is not
    there (or did not load) is an error."""
    by_stem = {project.source.stem: project for project in projects}
    out: dict[tuple[str, str], Facts] = {}
    for path in facts_files(folder):
        stem = facts_spec_stem(path)
        project = by_stem.get(stem)
        if project is None:
            if (folder / f"{stem}.yaml").is_file() or (folder / f"{stem}.yml").is_file():
                continue  # its spec has errors of its own, said already
            close = difflib.get_close_matches(stem, list(by_stem), n=1, cutoff=0.4)
            problems.add(path, None, "", f"找不到项目说明 {stem}.yaml：执行情况文件须与项目说明同名" +
                         (f"，是否想写「{close[0]}.{facts_stage(path.name)}.yaml」？" if close else ""))
            continue
        facts = load(path, project, problems)
        if facts is not None:
            out[(stem, facts.stage)] = facts
    return out
