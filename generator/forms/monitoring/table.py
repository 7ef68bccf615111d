"""The 绩效运行监控表 (mid-year, 财预〔2019〕136号 "双监控"): how far the money is spent and each
target met, with the causes of a deviation, the chance of meeting the target and the remedy.

Table model, checks and context of the form `monitoring`. Nothing is scored here; the causes and
the chances a fact may name are the form's `choices:` settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ... import scoring
from ...amounts import format_number
from ...errors import Problems
from ..evaluation.table import FUND_ROWS, target_text
from ...facts import Facts
from ...model import Indicator, Project, rows
from ...render.context import INDICATOR_FIELDS, PAGE_FIELDS, indicator_row, page, value_parts
from ...rules import RuleSet
from ...values import Quantity, parse_value
from ...variant import Variant

CAUSES, CHANCES = "偏差原因", "完成目标可能性"  # the facts' keys, and the names of the form's choices
RATE_DECIMALS = 2


@dataclass(frozen=True)
class ProgressLine:
    label: str
    planned: Decimal | None       # 年初预算数
    spent: Decimal | None         # 执行数 so far
    rate: Decimal | None          # 执行率 so far, %
    expected: Decimal | None      # 全年预计执行数


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    so_far: str                   # 执行情况 (1–7月)
    expected: str                 # 全年预计完成情况
    cause: str                    # 偏差原因分析
    chance: str                   # 完成目标可能性
    remedy: str                   # 备注: 纠偏措施


@dataclass(frozen=True)
class Monitoring:
    name: str
    project: Project
    funds: tuple[ProgressLine, ...]
    progress: str                 # 年度总体目标 执行情况
    indicators: tuple[Progress, ...]
    source: Path

    @property
    def execution(self) -> ProgressLine:
        return self.funds[0]


def _rate(spent: Decimal | None, planned: Decimal | None) -> Decimal | None:
    if spent is None or not planned:
        return None
    return scoring.rounded(spent / planned * scoring.HUNDRED, RATE_DECIMALS)


def _choice(value: str | None, options: list[str], what: str) -> str | None:
    """Why `value` is not one of the form's `options` (a cause may go on after 「：」), or None."""
    if not value or not options:
        return None
    head = value.replace(":", "：").split("：", 1)[0].strip()
    if head in options:
        return None
    return f"「{value}」不是{what}之一：{'、'.join(options)}（可在其后加「：说明」）"


def build(project: Project, facts: Facts, rules: RuleSet, variant: Variant, problems: Problems) -> Monitoring | None:
    """The 监控表, or None after adding what is wrong; `rules` only says which targets are better lower."""
    before = len(problems.errors)
    top, path = facts.facts, facts.path
    spent = top.项目资金
    rows_given = {key: getattr(spent, key) for _, _, key in FUND_ROWS[1:] if getattr(spent, key) is not None}
    sources = [key for _, f, key in FUND_ROWS[1:] if getattr(project.funds, f)]
    parts: dict[str, tuple[Decimal | None, Decimal | None]] = {key: (r.执行数, r.全年预计执行数)
                                                              for key, r in rows_given.items()}
    if not rows_given and spent.执行数 is not None:
        if len(sources) > 1:
            problems.add(path, facts.line("项目资金"), "项目资金", f"项目资金有 {len(sources)} 个来源：请分别写出各来源的 执行数")
            return None
        if sources:
            parts[sources[0]] = (spent.执行数, spent.全年预计执行数)
    lines = []
    for label, field, key in FUND_ROWS[1:]:
        planned = getattr(project.funds, field)
        done, expected = parts.get(key, (None, None))
        lines.append(ProgressLine(label, planned, done, _rate(done, planned), expected))
    total_spent = spent.执行数 if not rows_given and spent.执行数 is not None else sum(
        (l.spent for l in lines if l.spent is not None), Decimal(0))
    expected_values = [l.expected for l in lines if l.expected is not None]
    total_expected = spent.全年预计执行数 if not rows_given else (sum(expected_values, Decimal(0))
                                                                 if expected_values else None)
    planned = project.funds.annual_total
    total = ProgressLine(FUND_ROWS[0][0], planned, total_spent, _rate(total_spent, planned), total_expected)
    if total_expected is not None and total_expected > planned:
        problems.add(path, facts.line("项目资金"), "项目资金", f"全年预计执行数 {total_expected} 元超过年初预算数 {planned} 元",
                     warning=True)
    causes, chances = variant.choices.get(CAUSES, []), variant.choices.get(CHANCES, [])
    progress = []
    for i, ind in enumerate(project.indicators):
        fact = facts.indicators.get(i)
        line, field = facts.at(i)
        if fact is None and i in facts.paths:  # written, but wrong: said already
            continue
        if fact is None:
            problems.add(path, line, f"绩效指标.{ind.name}", f"缺少指标「{ind.name}」的执行情况", warning=True)
            progress.append(Progress(ind, "", "", "", "", ""))
            continue
        for key, options in ((CAUSES, causes), (CHANCES, chances)):
            problem = _choice(getattr(fact, key), options, key)
            if problem:
                at, where = facts.at(i, key)
                problems.add(path, at, where, problem)
        expected = fact.全年预计 or value_parts(ind.value, variant.values)["指标值"]
        chance = fact.完成目标可能性 or (chances[0] if chances else "")
        missed = bool(chances) and chance != chances[0]
        if isinstance(ind.value, Quantity) and fact.全年预计:
            value = parse_value(fact.全年预计)
            if isinstance(value, Quantity):
                met, _ = scoring.completion(ind.value, value, scoring.lower_is_better(ind, rules))
                missed = missed or not met
                if value.unit and value.unit != ind.value.unit:
                    at, where = facts.at(i, "全年预计")
                    problems.add(path, at, where, f"全年预计的单位「{value.unit}」与指标值的单位「{ind.value.unit or '无'}」不同",
                                 warning=True)
        if missed and not fact.偏差原因:
            problems.add(path, line, field, f"指标「{ind.name}」预计不能完成（{expected}，指标值 {target_text(ind)}）："
                         f"须写 偏差原因（{'、'.join(causes)}）")
        progress.append(Progress(ind, fact.执行情况, expected, fact.偏差原因 or "", chance, fact.纠偏措施 or ""))
    if len(problems.errors) > before:
        return None
    return Monitoring(f"{project.name}.{facts.stage}", project, (total, *lines), top.执行情况, tuple(progress), path)


PROVIDES: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(PAGE_FIELDS + ("项目名称", "主管部门", "实施单位", "预期目标", "执行情况")),
    "资金行": frozenset(("名称", "年初预算数", "执行数", "执行率", "全年预计执行数")),
    "指标行": INDICATOR_FIELDS | {"执行情况", "全年预计", "偏差原因", "完成目标可能性", "备注"}}


def context(table: Monitoring, variant: Variant) -> dict[str, Any]:
    project = table.project
    money, blank = variant.amounts.format, variant.blank

    def rate(value: Decimal | None) -> str:
        return blank if value is None else variant.rate_format.format(rate=format_number(value, None))

    fund_rows = [{"名称": variant.labels.get(l.label, l.label), "年初预算数": money(l.planned), "执行数": money(l.spent),
                  "执行率": rate(l.rate), "全年预计执行数": money(l.expected)} for l in table.funds]
    indicator_rows = []
    for row, item in zip(rows(project), table.indicators):
        printed = indicator_row(row, variant)
        printed.update({"执行情况": item.so_far, "全年预计": item.expected, "偏差原因": item.cause,
                        "完成目标可能性": item.chance, "备注": item.remedy})
        indicator_rows.append(printed)
    return {
        **page(variant, project.year),
        "项目名称": project.name, "主管部门": project.department, "实施单位": project.unit,
        "资金行": fund_rows, "预期目标": project.annual_goal, "执行情况": table.progress,
        "指标行": indicator_rows,
    }



# the 汇总.监控.xlsx overview (see evaluation.SUMMARY)
SUMMARY = (
    ("年初预算数", "amount", lambda t: t.execution.planned), ("执行数", "amount", lambda t: t.execution.spent),
    ("执行率", "rate", lambda t: t.execution.rate), ("全年预计执行数", "amount", lambda t: t.execution.expected),
)
SUMMARY_RATE = ("执行数", "年初预算数")
