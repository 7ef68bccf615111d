"""The arithmetic of a 项目支出绩效自评表, under a rule set (rules.py): points, scores, 总分, 等级.

Everything is Decimal. Points are split to the rule set's decimals so that the printed points add
up to exactly 100; each score is rounded half up to the same decimals, and 总分 is the sum of the
printed scores, so a reader can recompute every figure from the table itself. 预算执行率 is
rounded to its printed precision before it is scored, for the same reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Sequence

from .errors import PointsError
from .model import Indicator
from .rules import Band, RuleSet
from .values import Phrase, Quantity

HUNDRED = Decimal(100)


def quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def rounded(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(quantum(decimals), rounding=ROUND_HALF_UP)


def group_of(level1: str, rules: RuleSet) -> str:
    """The 一级 whose points an indicator of `level1` shares (10号: 成本指标 within 产出指标)."""
    return rules.counted_under.get(level1, level1)


def level1_points(indicators: Sequence[Indicator], rules: RuleSet,
                  overrides: dict[str, Decimal]) -> dict[str, Decimal]:
    """Points per 一级 group of this project: the first table of the rule set whose `if_present`
    the project has, points of absent 一级 moved as `if_absent` says, then the spec's own."""
    present = {ind.level1 for ind in indicators}
    table = next(t for t in rules.weights if set(t.if_present) <= present) if any(
        set(t.if_present) <= present for t in rules.weights) else None
    if table is None:
        raise PointsError(f"评分规则「{rules.name}」没有适用于本项目的分值表")
    groups = {group_of(level1, rules) for level1 in present}
    points = dict(table.points)
    for level1 in list(points):
        if level1 in groups:
            continue
        target = rules.if_absent.get(level1)
        if target is None or target not in groups:
            raise PointsError(f"本项目没有「{level1}」的指标，评分规则「{rules.name}」没有说它的 {points[level1]} 分"
                              "计入哪一级（if_absent）；请在项目说明的 分值 里写出各一级指标的分值")
        points[target] = points.get(target, Decimal(0)) + points.pop(level1)
    for level1, value in overrides.items():
        if level1 not in groups:
            raise PointsError(f"本项目没有一级指标「{level1}」的指标", level1)
        points[level1] = value
    for group in groups:
        if group not in points:
            raise PointsError(f"评分规则「{rules.name}」没有一级指标「{group}」的分值；请在项目说明的 分值 里写出", None)
    total = sum(points.values(), Decimal(0)) + rules.execution.points
    if total != HUNDRED:
        key = next(iter(overrides), None)
        raise PointsError(f"一级指标分值 {'、'.join(f'{k} {v}' for k, v in points.items())} 与预算执行率 "
                          f"{rules.execution.points} 分合计 {total} 分，应为 100 分", key)
    return points


def indicator_points(indicators: Sequence[Indicator], rules: RuleSet,
                     spec_points: dict[str, Decimal]) -> list[Decimal]:
    """The points of each indicator, in order: a 三级 the spec gives points keeps them, the others
    of its 一级 share the rest evenly (to the rule set's decimals, the first ones taking the odd
    hundredths, so that the printed points add up exactly)."""
    names = {ind.name for ind in indicators}
    level1s = {ind.level1 for ind in indicators} | {group_of(ind.level1, rules) for ind in indicators}
    for key in spec_points:
        if key not in names and key not in level1s:
            raise PointsError(f"「{key}」既不是本项目的三级指标，也不是一级指标", key)
    overrides = {k: v for k, v in spec_points.items() if k in level1s and k not in names}
    groups = level1_points(indicators, rules, overrides)
    unit = quantum(rules.decimals)
    out: list[Decimal | None] = [spec_points.get(ind.name) for ind in indicators]
    for group, total in groups.items():
        members = [i for i, ind in enumerate(indicators) if group_of(ind.level1, rules) == group]
        fixed = sum((out[i] for i in members if out[i] is not None), Decimal(0))
        free = [i for i in members if out[i] is None]
        rest = total - fixed
        if rest < 0 or (not free and rest != 0):
            key = next((indicators[i].name for i in members if out[i] is not None), None)
            raise PointsError(f"「{group}」下各三级指标的分值合计 {fixed} 分，而该一级指标共 {total} 分", key)
        if not free:
            continue
        units = int((rest / unit).to_integral_value(ROUND_FLOOR))
        share, odd = divmod(units, len(free))
        for n, i in enumerate(free):
            out[i] = (share + (1 if n < odd else 0)) * unit
    return [value if value is not None else Decimal(0) for value in out]


def _band_share(bands: Sequence[Band], rate: Decimal) -> Decimal:
    return next(band.share for band in bands if rate >= band.min)


def execution_rate(spent: Decimal, budget: Decimal, rules: RuleSet) -> Decimal | None:
    """执行率 in %, rounded as printed; None when there was no budget to spend."""
    if budget == 0:
        return None
    return rounded(spent / budget * HUNDRED, rules.execution.rate_decimals)


def execution_score(rate: Decimal | None, done_within_budget: bool, rules: RuleSet) -> Decimal:
    rule = rules.execution
    if rate is None:
        return Decimal(0)
    if rule.done_within_budget and done_within_budget:
        share = HUNDRED
    elif rule.scoring == "bands":
        share = _band_share(rule.bands, min(rate, HUNDRED))
    else:
        share = min(rate, HUNDRED)
    return rounded(rule.points * share / HUNDRED, rules.decimals)


def lower_is_better(indicator: Indicator, rules: RuleSet) -> bool:
    lower = rules.quantitative.lower_is_better
    value = indicator.value
    return (isinstance(value, Quantity) and value.op in lower.operators) or any(
        part in indicator.name for part in lower.names)


@dataclass(frozen=True)
class Scored:
    """One indicator's score: `met` is whether the target was reached (None: nothing to judge),
    `ratio` how far (完成率, 1 = the target), `share` the % of its points it earned."""

    points: Decimal
    score: Decimal
    met: bool | None
    ratio: Decimal | None = None


def completion(target: Quantity, actual: Quantity, lower: bool) -> tuple[bool, Decimal]:
    """Whether the target is met, and the 完成率 (actual / target, or target / actual when lower is better)."""
    t, a = target.number, actual.number
    if lower:  # a missed target has a > t ≥ 0
        return a <= t, (t / a if a > 0 else Decimal(1))
    met = a >= t
    return met, (a / t if t > 0 else Decimal(1))


def score_quantitative(indicator: Indicator, actual: Quantity, points: Decimal, rules: RuleSet) -> Scored:
    target = indicator.value
    assert isinstance(target, Quantity)
    lower = lower_is_better(indicator, rules)
    met, ratio = completion(target, actual, lower)
    satisfaction = rules.satisfaction
    if satisfaction is not None and indicator.level1 == satisfaction.level1 and not lower:
        share = _band_share(satisfaction.bands, actual.number)
        return Scored(points, rounded(points * share / HUNDRED, rules.decimals), met, ratio)
    if met:
        return Scored(points, rounded(points, rules.decimals), True, ratio)
    mark = rules.quantitative.pass_mark
    if mark is None:
        earned = points * ratio
    else:
        floor = mark / HUNDRED
        earned = Decimal(0) if ratio < floor else points * (ratio - floor) / (1 - floor)
    return Scored(points, rounded(min(earned, points), rules.decimals), False, ratio)


def score_qualitative(band: str, share: Decimal | None, points: Decimal, rules: RuleSet) -> Scored:
    """A claimed band (达成 / 部分达成 / 未达成), at its default point or at the 得分率 claimed in it."""
    rule = rules.qualitative[band]
    share = rule.point if share is None else share
    best = next(iter(rules.qualitative))
    return Scored(points, rounded(points * share / HUNDRED, rules.decimals), band == best)


def share_problem(band: str, share: Decimal, rules: RuleSet) -> str | None:
    rule = rules.qualitative[band]
    top = rule.max == HUNDRED
    if share < rule.min or share > rule.max or (share == rule.max and not top):
        upper = "（含）" if top else "（不含）"
        return f"得分率 {share}% 不在「{band}」的 {rule.min}%（含）–{rule.max}%{upper}之内"
    return None


def grade(total: Decimal, rules: RuleSet) -> str:
    return next(g.grade for g in rules.grades if total >= g.min)


def total(scores: Sequence[Decimal]) -> Decimal:
    return sum(scores, Decimal(0))
