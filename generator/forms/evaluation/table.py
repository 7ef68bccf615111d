"""The 项目支出绩效自评表 (财预〔2020〕10号 附1): a project's targets with the year's facts, scored.

Table model, checks and template context of the form `evaluation` (settings.yaml `form:`). The
targets, their order and points come from the project (model.py) and its spec's 分值; the facts
from <项目>.自评.yaml (facts.py); the arithmetic from the department's rule set (scoring.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ... import scoring
from ...amounts import format_number
from ...errors import Problems
from ...facts import EvaluationFunds, Facts
from ...model import Funds, Indicator, Project, rows
from ...render.context import INDICATOR_FIELDS, PAGE_FIELDS, indicator_row, page
from ...rules import RuleSet
from ...values import Phrase, Quantity, parse_value
from ...variant import Variant

# the funding rows: label key, field of model.Funds (年初预算数), key in the facts
FUND_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("年度资金总额", "annual_total", None), ("当年财政拨款", "current_year", "当年财政拨款"),
    ("上年结转资金", "carryover", "上年结转资金"), ("其他资金", "annual_other", "其他资金"),
)


@dataclass(frozen=True)
class FundLine:
    """One row of 项目资金 in 元; `points`/`score` only on the total row."""

    label: str
    planned: Decimal | None        # 年初预算数 (the spec's)
    budget: Decimal | None         # 全年预算数 (adjusted during the year; default: 年初预算数)
    spent: Decimal | None          # 全年执行数
    rate: Decimal | None           # 执行率, %, rounded as printed
    points: Decimal | None = None
    score: Decimal | None = None


@dataclass(frozen=True)
class ScoredIndicator:
    indicator: Indicator
    actual: str                    # 实际完成值 as printed
    points: Decimal
    score: Decimal
    met: bool | None
    reason: str                    # 偏差原因分析及改进措施
    ratio: Decimal | None = None   # 完成率 of a quantitative target (above 1: beaten)


@dataclass(frozen=True)
class Evaluation:
    """One 自评表. `name` is the output's name (the project's, with the stage)."""

    name: str
    project: Project
    funds: tuple[FundLine, ...]
    achieved: str                  # 实际完成情况 of the 年度总体目标
    indicators: tuple[ScoredIndicator, ...]
    total: Decimal
    grade: str
    rules: str                     # the rule set's name
    notes: str
    decimals: int                  # of the printed points and scores
    source: Path                   # the facts file

    @property
    def execution(self) -> FundLine:
        return self.funds[0]


def _planned(funds: Funds, field: str) -> Decimal | None:
    return getattr(funds, field)


def fund_lines(project: Project, spent: EvaluationFunds, facts: Facts, rules: RuleSet,
               problems: Problems) -> tuple[FundLine, ...] | None:
    """The four rows of 项目资金: the spec's 年初预算数 beside the year's budget and spending."""
    path = facts.path

    def fail(field: str, message: str) -> None:
        problems.add(path, facts.line("项目资金", *field.split(".")[1:]), field, message)

    rows_given = {key: getattr(spent, key) for _, _, key in FUND_ROWS[1:] if getattr(spent, key) is not None}
    sources = [(label, f, key) for label, f, key in FUND_ROWS[1:] if _planned(project.funds, f)]
    lines: list[FundLine] = []
    parts: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    if rows_given:
        for key, row in rows_given.items():
            parts[key] = (row.全年预算数, row.全年执行数)
    elif spent.全年执行数 is not None and len(sources) <= 1:
        if sources:
            parts[sources[0][2]] = (spent.全年预算数, spent.全年执行数)
    elif spent.全年执行数 is not None:
        fail("项目资金", f"项目资金有 {len(sources)} 个来源（{'、'.join(s[0] for s in sources)}）："
             "请分别写出各来源的 全年执行数，如 当年财政拨款: {全年执行数: …}")
        return None
    else:
        fail("项目资金", "缺少全年执行数")
        return None
    for label, field, key in FUND_ROWS[1:]:
        planned = _planned(project.funds, field)
        budget, done = parts.get(key, (None, None))
        budget = budget if budget is not None else planned if done is not None else None
        lines.append(FundLine(label, planned, budget, done, _rate(done, budget, rules)))
    planned_total = project.funds.annual_total
    budget_total = sum((line.budget for line in lines if line.budget is not None), Decimal(0))
    spent_total = sum((line.spent for line in lines if line.spent is not None), Decimal(0))
    if not parts:  # no source row at all (a project without money): the totals as written
        budget_total, spent_total = spent.全年预算数 or planned_total, spent.全年执行数 or Decimal(0)
    if rows_given and spent.全年执行数 is not None and spent.全年执行数 != spent_total:
        fail("项目资金.全年执行数", f"{spent.全年执行数} 元 ≠ 各来源全年执行数之和 {spent_total} 元；合计可以不写，由 perfgen 计算")
        return None
    if rows_given and spent.全年预算数 is not None and spent.全年预算数 != budget_total:
        fail("项目资金.全年预算数", f"{spent.全年预算数} 元 ≠ 各来源全年预算数之和 {budget_total} 元")
        return None
    base = budget_total if rules.execution.base == "全年预算数" else planned_total
    rate = scoring.execution_rate(spent_total, base, rules)
    within = spent_total <= base
    score = scoring.execution_score(rate, bool(spent.项目完成) and within, rules)
    total = FundLine(FUND_ROWS[0][0], planned_total, budget_total, spent_total, rate, rules.execution.points, score)
    return (total, *lines)


def _rate(spent: Decimal | None, budget: Decimal | None, rules: RuleSet) -> Decimal | None:
    if spent is None or not budget:
        return None
    return scoring.execution_rate(spent, budget, rules)


def _reason(*parts: str | None) -> str:
    return "；".join(p for p in parts if p)


def build(project: Project, facts: Facts, rules: RuleSet, variant: Variant, problems: Problems) -> Evaluation | None:
    """The scored 自评表, or None after adding what is wrong to `problems` (warnings beside)."""
    before = len(problems.errors)
    top = facts.facts
    path = facts.path

    def warn(line: int | None, field: str, message: str) -> None:
        problems.add(path, line, field, message, warning=True)

    def error(line: int | None, field: str, message: str) -> None:
        problems.add(path, line, field, message)

    try:
        points = scoring.indicator_points(project.indicators, rules, project.spec_points)
    except scoring.PointsError as exc:
        line = next((l for name, _, l in project.points if name == exc.key), None)
        problems.add(project.source, line, f"分值.{exc.key}" if exc.key else "分值", str(exc))
        return None
    funds = fund_lines(project, top.项目资金, facts, rules, problems)
    scored: list[ScoredIndicator] = []
    bands = rules.bands
    for i, (ind, share) in enumerate(zip(project.indicators, points)):
        fact = facts.indicators.get(i)
        line, field = facts.at(i)
        if fact is None and i in facts.paths:  # written, but wrong: said already
            continue
        if fact is None:
            warn(line, f"绩效指标.{ind.name}", f"缺少指标「{ind.name}」的实际完成值（按 0 分计）")
            scored.append(ScoredIndicator(ind, "", share, Decimal(0), None, ""))
            continue
        reason = _reason(fact.偏差原因, fact.改进措施)
        if isinstance(ind.value, Phrase):
            band = fact.评定 or (fact.实际完成值 if fact.实际完成值 in bands else None)
            if band not in bands:
                at, where = facts.at(i, "评定")
                error(at, where, f"定性指标「{ind.name}」须写 评定：{'、'.join(bands)}" +
                      (f"（「{band}」不是其中之一）" if band else ""))
                continue
            if fact.得分率 is not None and (problem := scoring.share_problem(band, fact.得分率, rules)):
                at, where = facts.at(i, "得分率")
                error(at, where, problem)
                continue
            result = scoring.score_qualitative(band, fact.得分率, share, rules)
            # the band is printed with what was reached, so the score can be checked from the table
            written = fact.实际完成值 or band
            actual = written if written == band else variant.judged.format(text=written, band=band)
        else:
            written = fact.实际完成值
            actual_value = parse_value(written) if written else None
            if not isinstance(actual_value, Quantity):
                at, where = facts.at(i, "实际完成值")
                error(at, where, f"定量指标「{ind.name}」（{ind.value.written or ind.value.op}）的实际完成值应为数字加单位，"
                      f"如 {format_number(ind.value.number, None)}{ind.value.unit}" +
                      (f"，而不是「{written}」" if written else ""))
                continue
            if actual_value.unit and actual_value.unit != ind.value.unit:
                at, where = facts.at(i, "实际完成值")
                warn(at, where, f"实际完成值的单位「{actual_value.unit}」与指标值的单位「{ind.value.unit or '无'}」不同，"
                     "按数字直接比较")
            result = scoring.score_quantitative(ind, actual_value, share, rules)
            far = rules.quantitative.far_above
            if result.met and far is not None and result.ratio is not None and result.ratio * 100 >= far:
                warn(line, field, f"实际完成值 {written} 远超指标值（完成率 {format_number(result.ratio * 100, 0)}%）："
                     "年初指标值设定明显偏低，评价时可酌情扣分并说明理由")
            actual = written
        if result.met is False and not fact.偏差原因:
            error(line, field, f"指标「{ind.name}」未完成（{actual}，指标值 {target_text(ind)}）：须写 偏差原因")
        scored.append(ScoredIndicator(ind, actual, share, result.score, result.met, reason, result.ratio))
    if funds is not None:
        execution = funds[0]
        where = facts.line("项目资金")
        if execution.spent is not None and execution.budget is not None and execution.spent > execution.budget:
            warn(where, "项目资金", f"全年执行数 {execution.spent} 元超过全年预算数 {execution.budget} 元")
        explain = rules.execution.explain_below
        if execution.rate is not None and execution.rate < explain and not top.项目资金.偏差原因:
            warn(where, "项目资金.偏差原因", f"预算执行率 {execution.rate}% 低于 {explain}%：请写 偏差原因（评分规则「{rules.name}」）")
    if not top.实际完成情况:
        warn(facts.line(), "实际完成情况", "缺少年度总体目标的实际完成情况")
    if funds is None or len(problems.errors) > before:
        return None
    total = scoring.total([funds[0].score or Decimal(0), *(item.score for item in scored)])
    notes = rules.notes.format(decimals=rules.decimals, 规则=rules.name, 依据=rules.source)
    return Evaluation(f"{project.name}.{facts.stage}", project, funds, top.实际完成情况, tuple(scored), total,
                      scoring.grade(total, rules), rules.name or "", notes, rules.decimals, path)


def target_text(ind: Indicator) -> str:
    value = ind.value
    return value.written if isinstance(value, Quantity) and value.written else getattr(value, "text", "")


# ---------------------------------------------------------------- the template's context

FUND_FIELDS = frozenset(("名称", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"))
PROVIDES: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(PAGE_FIELDS + ("项目名称", "主管部门", "实施单位", "预期目标", "实际完成情况", "分值合计", "总分", "等级",
                                   "评分规则", "说明")),
    "资金行": FUND_FIELDS, "指标行": INDICATOR_FIELDS | {"实际完成值", "分值", "得分", "偏差原因"}}

def context(table: Evaluation, variant: Variant) -> dict[str, Any]:
    project = table.project
    money = variant.amounts.format
    blank = variant.blank
    decimals = table.decimals

    def number(value: Decimal | None) -> str:
        return blank if value is None else format_number(value, decimals)

    def rate(value: Decimal | None) -> str:
        return blank if value is None else variant.rate_format.format(rate=format_number(value, None))

    fund_rows = []
    for n, line in enumerate(table.funds):
        fund_rows.append({"名称": variant.labels.get(line.label, line.label), "年初预算数": money(line.planned),
                          "全年预算数": money(line.budget), "全年执行数": money(line.spent),
                          "分值": number(line.points), "执行率": rate(line.rate), "得分": number(line.score)})
    indicator_rows = []
    for row, item in zip(rows(project), table.indicators):
        printed = indicator_row(row, variant)
        printed.update({"实际完成值": item.actual, "分值": number(item.points), "得分": number(item.score),
                        "偏差原因": item.reason})
        indicator_rows.append(printed)
    return {
        **page(variant, project.year),
        "项目名称": project.name, "主管部门": project.department, "实施单位": project.unit,
        "资金行": fund_rows,
        "预期目标": project.annual_goal, "实际完成情况": table.achieved,
        "指标行": indicator_rows,
        "分值合计": number(scoring.total([line.points for line in table.funds if line.points is not None]
                                       + [item.points for item in table.indicators])),
        "总分": number(table.total), "等级": table.grade, "评分规则": table.rules, "说明": table.notes,
    }


# the 汇总.自评.xlsx overview: (label, kind, value of a table); kinds: amount (元), rate (%), score,
# text; a rate's 合计 is the sum of one amount column over another's, named by SUMMARY_RATE
SUMMARY = (
    ("年初预算数", "amount", lambda t: t.execution.planned), ("全年预算数", "amount", lambda t: t.execution.budget),
    ("全年执行数", "amount", lambda t: t.execution.spent), ("执行率", "rate", lambda t: t.execution.rate),
    ("总分", "score", lambda t: t.total), ("等级", "text", lambda t: t.grade),
)
SUMMARY_RATE = ("全年执行数", "全年预算数")
