"""The validator's warnings: what 财预〔2021〕101号 asks of 核心绩效指标, checked on the model.

Errors (nothing is built) are found while reading: the schema in spec.py, indicators and amounts in
expand.py and model.py. What is here are warnings: the tables are built and the author is told.
A warning must be worth reading — each one fires on a real slip, never on an ordinary table (the
thresholds were set against the seed tables). Which 一级 hold 产出, 效益, 满意度 and cost caps, and
the thresholds, are the variant's `checks:` settings; a check the variant does not configure does
not run.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from .amounts import WAN
from .errors import Problems
from .expand import CATEGORY, DEFAULT, Expanded, plain_amount
from .model import Indicator, Project
from .values import Phrase, Quantity
from .settings import ChecksSettings
from .variant import Variant

GUIDE = "财预〔2021〕101号"
# Indicators whose target is "as high as possible" (a ≤ contradicts the name) …
HIGHER_IS_BETTER = re.compile(
    r"满意度|满意率|完成率|合格率|达标率|覆盖率|及时率|运行率|运转率|稳定率|可用率|准确率|正确率|知晓率|到位率|"
    r"出席率|出勤率|参与率|处置率|解决率|消除率|通过率|有效率|回收率|拥有率|落实率|落实度|利用率|结案率|执行率")
# … and counts of bad things, where a ≥ contradicts the name.
LOWER_IS_BETTER = re.compile(r"事故|故障|投诉|差错|失误|违规|违纪|超支|超编|结余率|返贫|安全事件|伤亡")
YEAR = re.compile(r"(?<!\d)(20\d{2})\s*年")
COST_CAP = re.compile(r"^(?P<what>.+?)成本预算控制数$")
_CAP = "成本预算控制数"  # what every name COST_CAP matches holds


class _Warn:
    """Adds warnings about one project, at the line of the spec they concern."""

    def __init__(self, project: Project, expanded: Expanded, problems: Problems):
        self.project, self.source, self.problems = project, expanded.source, problems

    def __call__(self, field: str, message: str, line: int | None = None) -> None:
        line = line or self.source.line(tuple(field.split(".")[:1]))
        self.problems.add(self.project.source, line, field, message, warning=True)

    def indicator(self, ind: Indicator, message: str) -> None:
        if ind.origin.startswith(CATEGORY):
            message += f"（来自类别「{ind.origin.removeprefix(CATEGORY)}」）"
        elif ind.origin == DEFAULT:
            message += "（默认指标）"
        self(f"绩效指标.{ind.level2}.{ind.name}", message, ind.line or self.source.line(("绩效指标",)))


def _text(ind: Indicator) -> str:
    return ind.value.text if isinstance(ind.value, Phrase) else ind.value.written


def _percent(value: Quantity) -> bool:
    return value.unit in ("%", "％")


def _levels_present(project: Project, level1: str) -> bool:
    return any(ind.level1 == level1 for ind in project.indicators)


def _not_applicable(expanded: Expanded, variant: Variant, level1: str) -> bool:
    dropped = expanded.not_applicable
    return level1 in dropped or any(level2 in dropped for level2 in variant.framework.get(level1, ()))


def check_project(project: Project, expanded: Expanded, variant: Variant, problems: Problems) -> None:
    """Every warning about one project."""
    settings = variant.settings.checks
    warn = _Warn(project, expanded, problems)
    _framework(project, expanded, variant, settings, warn)
    _share(project, settings, warn)
    satisfaction, cost = settings.satisfaction, settings.cost
    for ind in project.indicators:
        # each check is called only where its own first test would not return at once (a district
        # has tens of thousands of indicators); what each says, and in which order, is unchanged
        value = ind.value
        if ind.level1 == satisfaction or "满意" in ind.name:
            _satisfaction(ind, settings, warn)
        if cost and (ind.level1 in cost or ind.level2 in cost):
            _cost(ind, project, expanded, settings, warn)
        if isinstance(value, Quantity) and value.explicit_op:
            _direction(ind, project, warn)
        if "年" in _text(ind):
            _years_in_value(ind, project, warn)
    _dates(project, warn)


def _framework(project: Project, expanded: Expanded, variant: Variant, settings: ChecksSettings, warn: _Warn) -> None:
    for level1, what in ((settings.output, "产出"), (settings.benefit, "效益")):
        if not level1 or level1 not in variant.framework:
            continue
        # a variant default (长效管理机制健全性) prints, but says nothing about this project's 效益
        if not any(ind.level1 == level1 and ind.origin != DEFAULT for ind in project.indicators):
            only = [ind.name for ind in project.indicators if ind.level1 == level1]
            warn("绩效指标", f"没有{level1}" + (f"（只有默认的「{'、'.join(only)}」）" if only else "") +
                 f"：{GUIDE}要求核心指标反映项目的主要{what}（{'、'.join(variant.framework[level1])}）")
    level1 = settings.satisfaction
    if level1 and level1 in variant.framework and not _levels_present(project, level1) \
            and not _not_applicable(expanded, variant, level1):
        warn("绩效指标", f"没有{level1}：有服务对象的项目应设满意度指标；确实没有服务对象时，"
                         f"写 `不适用: [{variant.framework[level1][0]}]` 说明")


def _share(project: Project, settings: ChecksSettings, warn: _Warn) -> None:
    total = len(project.indicators)
    quantitative = sum(1 for ind in project.indicators if ind.value.quantitative)
    if total and Decimal(quantitative) / total < settings.quantitative_share:
        warn("绩效指标", f"定量指标只有 {quantitative}/{total} 个（{quantitative * 100 // total}%），"
                         f"低于 {settings.quantitative_share * 100:.0f}%：{GUIDE}要求以定量指标为主，"
                         "能用数字衡量的请写成 运算符+数字+单位（如 ≥90%、=12次）")


def _satisfaction(ind: Indicator, settings: ChecksSettings, warn: _Warn) -> None:
    if ind.level1 != settings.satisfaction and "满意" not in ind.name:
        return
    value = ind.value
    if isinstance(value, Phrase):
        if ind.level1 == settings.satisfaction:
            warn.indicator(ind, f"满意度目标「{value.text}」无法衡量：请写成百分比，如 ≥90%")
        return
    if _percent(value) and value.op in ("≥", ">", "=") and value.number < settings.satisfaction_min:
        warn.indicator(ind, f"满意度目标 {_text(ind)} 低于 {plain_amount(settings.satisfaction_min)}%：常见目标值为 ≥90%")


def _cost(ind: Indicator, project: Project, expanded: Expanded, settings: ChecksSettings, warn: _Warn) -> None:
    value = ind.value
    if not settings.cost or not (ind.level1 in settings.cost or ind.level2 in settings.cost):
        return
    if not isinstance(value, Quantity) or value.op not in ("≤", "<") or value.unit not in ("元", "万元"):
        return
    cap = value.number * (WAN if value.unit == "万元" else 1)
    budget = project.funds.annual_total
    if cap != budget:
        more = "大于" if cap > budget else "小于"
        warn.indicator(ind, f"成本上限 {plain_amount(cap)} 元{more}年度资金申请总额 {plain_amount(budget)} 元："
                            "预算控制数通常就是本项目的预算（不写这一指标时 perfgen 按预算生成）")


def _direction(ind: Indicator, project: Project, warn: _Warn) -> None:
    value = ind.value
    if not isinstance(value, Quantity) or not value.explicit_op:
        return
    # what the indicator measures is its own words: 公众满意度调查成本预算控制数 is a cost cap, whatever
    # the project's name says
    better = _better(ind.name.replace(project.name, ""))
    if better == "higher":
        if value.op in ("≤", "<"):
            warn.indicator(ind, f"「{ind.name}」越高越好，目标值却是 {_text(ind)}：运算符是否写反了（应为 ≥ 或 =）？")
    elif better == "lower" and value.op in ("≥", ">"):
        warn.indicator(ind, f"「{ind.name}」越少越好，目标值却是 {_text(ind)}：运算符是否写反了（应为 ≤、< 或 =）？")


@lru_cache(maxsize=1024)  # a department's indicator names repeat
def _better(subject: str) -> str | None:
    """Whether what an indicator measures is better "higher" or "lower" by its words, or None."""
    if HIGHER_IS_BETTER.search(subject):
        return "higher"
    return "lower" if LOWER_IS_BETTER.search(subject) else None


def _years_in_value(ind: Indicator, project: Project, warn: _Warn) -> None:
    for year in {int(y) for y in YEAR.findall(_text(ind))}:
        if not project.start.year <= year <= project.end.year:
            span = f"{project.start.year}" + (f"–{project.end.year}" if project.end.year != project.start.year else "")
            warn.indicator(ind, f"指标值中的 {year} 年不在项目的计划期（{span} 年）内：是否从往年的表中复制而来？")


def _dates(project: Project, warn: _Warn) -> None:
    for field, date in (("计划开始日期", project.start), ("计划完成日期", project.end)):
        if date.year != project.year:
            warn(field, f"{date:%Y-%m-%d} 不在预算年度 {project.year} 年内：请核对年份"
                        "（跨年度的项目可以忽略此提示）")


def check_folder(items: list[tuple[Project, Expanded]], variant: Variant, problems: Problems) -> None:
    """Every warning about the projects of one spec folder, including what only shows between them."""
    for project, expanded in items:
        check_project(project, expanded, variant, problems)
    names = [project.name for project, _ in items if len(project.name) >= 4]
    for project, expanded in items:
        # only the names some indicator of the project holds can be found in one (most hold none);
        # another project's name inside this one's own (法律顾问费 vs 法律顾问费（追加）) is not residue
        held = "\n".join(ind.name for ind in project.indicators)
        others = [n for n in names if n in held and n != project.name and n not in project.name]
        if not others and _CAP not in held:  # then no indicator's name holds 成本预算控制数 either
            continue
        warn = _Warn(project, expanded, problems)
        for ind in project.indicators:
            if others or _CAP in ind.name:
                _residue(ind, project, others, warn)


def _common(a: str, b: str, size: int = 2) -> bool:
    return any(a[i:i + size] in b for i in range(len(a) - size + 1))


def _residue(ind: Indicator, project: Project, others: list[str], warn: _Warn) -> None:
    """Copy-paste residue: the seed's 房屋拆除 project carries 法律顾问费成本预算控制数."""
    other = next((name for name in others if name in ind.name), None)
    if other:
        warn.indicator(ind, f"指标名含有同一目录中另一个项目「{other}」的名称：像是复制粘贴后没有改")
        return
    cap = COST_CAP.match(ind.name)
    what = cap["what"] if cap else ""
    if cap and what not in ("项目", "本项目") and what not in project.name and not _common(what, project.name):
        warn.indicator(ind, f"「{ind.name}」说的是「{what}」，不是本项目「{project.name}」："
                            "像是从别的项目复制而来")
