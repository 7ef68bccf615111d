"""Stage 3, the model: a typed project table, with sums computed and indicators placed.

The model is variant-aware only through the variant's data (its framework of 一级/二级); the spans
of merged 一级/二级 cells are computed here once and used by both the Word and the Excel writers.
"""
from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from pathlib import Path

from .errors import Frozen, Problems, VariantError
from .expand import Expanded
from .values import Value, parse_value, value_problem
from .variant import Variant, per_settings


# The tables are errors.Frozen classes, not dataclasses (making one at import compiles its methods);
# PRINTED names the fields a table's content key hashes (cache.fingerprint), in their order.

class Funds(Frozen):
    """项目资金 in exact 元; None where the author gave nothing (printed as the variant's blank)."""

    __slots__ = PRINTED = ("total", "fiscal", "other", "annual_total", "current_year", "carryover", "annual_other")
    total: Decimal                 # 项目资金总额 = 财政资金 + 其他资金
    fiscal: Decimal                # 其中：财政资金
    other: Decimal | None          # 其他资金
    annual_total: Decimal          # 年度资金申请总额 = 当年财政拨款 + 上年结转资金 + 其他资金
    current_year: Decimal          # 其中：当年财政拨款
    carryover: Decimal | None      # 上年结转资金
    annual_other: Decimal | None   # 其他资金 (of the year)

    def __init__(self, total: Decimal, fiscal: Decimal, other: Decimal | None, annual_total: Decimal,
                 current_year: Decimal, carryover: Decimal | None, annual_other: Decimal | None):
        self._set(total=total, fiscal=fiscal, other=other, annual_total=annual_total, current_year=current_year,
                  carryover=carryover, annual_other=annual_other)


class Indicator(Frozen):
    __slots__ = ("level1", "level2", "name", "value", "origin", "subject", "explanation", "scoring", "line")
    # where it came from (the spec, a category, a default; expand.py) and its line print nowhere: not in keys
    PRINTED = ("level1", "level2", "name", "value", "subject", "explanation", "scoring")
    level1: str
    level2: str
    name: str
    value: Value
    origin: str
    subject: str | None      # the author's 对象 / 指标解释 / 评分标准 for this one indicator,
    explanation: str | None  # where a form prints them (otherwise the variant's rules write them)
    scoring: str | None
    line: int | None         # in the spec (a category's: the 类别 line)

    def __init__(self, level1: str, level2: str, name: str, value: Value, origin: str = "spec",
                 subject: str | None = None, explanation: str | None = None, scoring: str | None = None,
                 line: int | None = None):
        setattr_ = object.__setattr__  # (made per indicator met first: no loop over a dict)
        setattr_(self, "level1", level1)
        setattr_(self, "level2", level2)
        setattr_(self, "name", name)
        setattr_(self, "value", value)
        setattr_(self, "origin", origin)
        setattr_(self, "subject", subject)
        setattr_(self, "explanation", explanation)
        setattr_(self, "scoring", scoring)
        setattr_(self, "line", line)


class Project(Frozen):
    __slots__ = PRINTED = ("name", "category", "department", "unit", "year", "start", "end", "total_goal",
                           "annual_goal", "funds", "indicators", "source", "classifications", "style", "labels",
                           "points")
    name: str
    category: str
    department: str
    unit: str
    year: int
    start: dt.date
    end: dt.date
    total_goal: str
    annual_goal: str
    funds: Funds
    indicators: tuple[Indicator, ...]
    source: Path
    # the variant's classifications (key → value, 项目类别 included), its style, its own labels
    classifications: tuple[tuple[str, str], ...]
    style: str | None
    labels: tuple[tuple[str, str], ...]
    # the spec's 分值 (a 一级 or 三级 → points, with its line): the 自评表's, printed in no 目标表
    points: tuple[tuple[str, Decimal, int | None], ...]

    def __init__(self, name: str, category: str, department: str, unit: str, year: int, start: dt.date,
                 end: dt.date, total_goal: str, annual_goal: str, funds: Funds, indicators: tuple[Indicator, ...],
                 source: Path, classifications: tuple[tuple[str, str], ...] = (), style: str | None = None,
                 labels: tuple[tuple[str, str], ...] = (), points: tuple[tuple[str, Decimal, int | None], ...] = ()):
        self._set(name=name, category=category, department=department, unit=unit, year=year, start=start, end=end,
                  total_goal=total_goal, annual_goal=annual_goal, funds=funds, indicators=indicators,
                  source=source, classifications=classifications, style=style, labels=labels, points=points)

    @property
    def spec_points(self) -> dict[str, Decimal]:
        return {name: value for name, value, _ in self.points}


class Row(Frozen):
    """One printed indicator row; `new_level1`/`new_level2` start a merged cell."""

    __slots__ = PRINTED = ("indicator", "new_level1", "new_level2")
    indicator: Indicator
    new_level1: bool
    new_level2: bool

    def __init__(self, indicator: Indicator, new_level1: bool, new_level2: bool):
        self._set(indicator=indicator, new_level1=new_level1, new_level2=new_level2)


PLACEHOLDER = "placeholder"   # the origin of a row the form prints where a 二级 has no indicator


def printed_indicators(project: "Project | Unit", variant: Variant) -> tuple[Indicator, ...]:
    """The indicators as the table prints them: with the variant's placeholder row (无 | 无) under
    each 二级 it prints whether or not the project has an indicator there (`every_level2`)."""
    every = variant.every_level2
    if not every:
        return project.indicators
    have = {ind.level2 for ind in project.indicators}
    placed = [(variant.order_key(ind.level1, ind.level2), i, ind) for i, ind in enumerate(project.indicators)]
    for level2 in every["二级"]:
        if level2 not in have:
            level1 = variant.level1_of[level2]
            filler = Indicator(level1, level2, every["三级"], parse_value(every["指标值"]), PLACEHOLDER)
            placed.append((variant.order_key(level1, level2), -1, filler))
    placed.sort(key=lambda item: (item[0], item[1]))
    return tuple(ind for _, _, ind in placed)


def rows(project: Project, variant: Variant | None = None) -> list[Row]:
    """The indicator rows in print order with the starts of the vertical merges (with the
    variant's placeholder rows, when it is given)."""
    out: list[Row] = []
    previous: Indicator | None = None
    for ind in (printed_indicators(project, variant) if variant is not None else project.indicators):
        new1 = previous is None or ind.level1 != previous.level1
        new2 = new1 or ind.level2 != previous.level2
        out.append(Row(ind, new1, new2))
        previous = ind
    return out


def _funds(expanded: Expanded, problems: Problems) -> Funds | None:
    spec, source = expanded.spec.项目资金, expanded.source

    def fail(field: str, message: str) -> None:
        problems.add(source.path, source.line(("项目资金", field)), f"项目资金.{field}", message)

    zero = Decimal(0)
    total = spec.财政资金 + (spec.其他资金 or zero)
    if spec.项目资金总额 is not None and spec.项目资金总额 != total:
        fail("项目资金总额", f"{spec.项目资金总额} 元 ≠ 财政资金 {spec.财政资金} 元 + 其他资金 {spec.其他资金 or 0} 元"
             f"（= {total} 元）：金额前后矛盾，请核对；总额可以不写，由 perfgen 计算")
        return None
    carry = spec.上年结转资金
    current = spec.当年财政拨款 if spec.当年财政拨款 is not None else spec.财政资金 - (carry or zero)
    if current < 0:
        fail("上年结转资金", f"上年结转资金 {carry} 元大于财政资金 {spec.财政资金} 元")
        return None
    annual = current + (carry or zero) + (spec.其他资金 or zero)
    if spec.年度资金申请总额 is not None and spec.年度资金申请总额 != annual:
        fail("年度资金申请总额", f"{spec.年度资金申请总额} 元 ≠ 当年财政拨款 {current} 元 + 上年结转资金 {carry or 0} 元 + "
             f"其他资金 {spec.其他资金 or 0} 元（= {annual} 元）")
        return None
    if annual > total:
        fail("年度资金申请总额", f"年度资金申请总额 {annual} 元大于项目资金总额 {total} 元")
        return None
    return Funds(total, spec.财政资金, spec.其他资金, annual, current, carry, spec.其他资金)


# (variant settings' id) → (the settings, entry → its placed indicator): see _indicators
_PLACED: dict[int, tuple[object, dict[tuple, tuple[tuple[int, int], Indicator]]]] = {}


def _placed_of(variant: Variant) -> dict[tuple, tuple[tuple[int, int], Indicator]]:
    """The memory of _indicators for a variant's settings (what resolving and placing depend on)."""
    placed = per_settings(_PLACED, variant, dict)
    if len(placed) >= 512:  # a department's indicators repeat (categories, defaults, copies): memory stays flat
        placed.clear()
    return placed


def _indicators(expanded: Expanded, variant: Variant, problems: Problems, key: str = "绩效指标") -> tuple[Indicator, ...]:
    placed: list[tuple[tuple[int, int], int, Indicator]] = []
    seen: dict[str | tuple[str, str], str] = {}
    per_level2 = variant.unique_names == "level2"   # the form repeats a 三级 name under two 二级
    blank = variant.values.blank
    resolve, order_key = variant.resolve_level2, variant.order_key
    # An entry with a text value that resolved and read well before (a category's, a default, a
    # copied line: a district repeats them) is placed as then: its Indicator is shared (frozen).
    # Only the check for a repeated name is per project; any entry with a problem goes the long way.
    known = _placed_of(variant)
    for entry in expanded.indicators:  # the spec's own, its categories' and the variant's defaults (expand.py)
        raw = entry.value
        plain = type(raw) is str
        if plain:
            memo = (entry.group, entry.name, raw, entry.origin, entry.spec_line)
            hit = known.get(memo)
            if hit is not None:
                indicator = hit[1]
                unique = (indicator.level2, indicator.name) if per_level2 else indicator.name
                if unique in seen:
                    problems.add(entry.file, entry.line, f"{key}.{entry.group}.{entry.name}",
                                 f"指标「{entry.name}」重复（已在「{seen[unique]}」下出现）")
                    continue
                seen[unique] = indicator.level2
                placed.append((hit[0], len(placed), indicator))
                continue
        levels = resolve(entry.group)
        if levels is None:
            group = entry.group
            where = next((l1 for l1 in variant.framework if group == l1), None)
            close = difflib.get_close_matches(group, list(variant.level1_of), n=1, cutoff=0.4)
            hint = (f"「{group}」是一级指标，请写它下面的二级指标：{'、'.join(variant.framework[where])}" if where
                    else f"格式「{variant.name}」没有二级指标「{group}」；" +
                    (f"是否想写「{close[0]}」？" if close else f"可用：{'、'.join(variant.level1_of)}"))
            problems.add(entry.file, entry.group_line or entry.line, f"{key}.{group}", hint)
            continue
        name = entry.name
        unique = (levels[1], name) if per_level2 else name
        if unique in seen:
            problems.add(entry.file, entry.line, f"{key}.{entry.group}.{name}",
                         f"指标「{name}」重复（已在「{seen[unique]}」下出现）")
            continue
        seen[unique] = levels[1]
        text = raw if isinstance(raw, str) else raw.指标值
        problem = None if blank and not text else value_problem(text)
        if problem:
            problems.add(entry.file, entry.line, f"{key}.{entry.group}.{name}", problem)
            continue
        if isinstance(raw, str):
            indicator = Indicator(levels[0], levels[1], name, parse_value(text), entry.origin, None, None, None,
                                  entry.spec_line)
        else:
            indicator = Indicator(levels[0], levels[1], name, parse_value(text), entry.origin, raw.对象, raw.指标解释,
                                  raw.评分标准, entry.spec_line)
        order = order_key(*levels)
        if plain:
            known[memo] = (order, indicator)
        placed.append((order, len(placed), indicator))
    placed.sort(key=_placed)  # framework order; the author's order within a 二级
    return tuple(item[2] for item in placed)


def _placed(item: tuple) -> tuple:
    return item[0], item[1]


def build(expanded: Expanded, variant: Variant, problems: Problems) -> Project | None:
    """The typed project, or None after adding what is wrong to `problems`."""
    spec, source = expanded.spec, expanded.source
    before = len(problems.errors)
    classifications = []
    for kind in variant.classifications:
        value = getattr(spec, kind.key, None)
        if value not in kind.values:
            problems.add(source.path, source.line((kind.key,)), kind.key,
                         f"「{value}」不是格式「{variant.name}」的{kind.key}；可选：{'、'.join(kind.values)}")
        classifications.append((kind.key, value))
    try:
        styled = variant.styled(spec.样式)
    except VariantError as exc:
        problems.add(source.path, source.line(("样式",)), "样式", str(exc))
        styled = variant
    unknown = [key for key in spec.标签 if key not in styled.labels]
    if unknown:
        problems.add(source.path, source.line(("标签", unknown[0])), f"标签.{unknown[0]}",
                     f"格式「{variant.name}」没有标签「{unknown[0]}」；可写：{'、'.join(styled.labels)}")
    start = spec.计划开始日期 or dt.date(expanded.year, 1, 1)
    end = spec.计划完成日期 or dt.date(expanded.year, 12, 31)
    if start > end:
        problems.add(source.path, source.line(("计划完成日期",)), "计划完成日期", f"计划完成日期 {end} 早于计划开始日期 {start}")
    funds = _funds(expanded, problems)
    indicators = _indicators(expanded, variant, problems)
    if funds is None or len(problems.errors) > before:
        return None
    return Project(
        name=spec.项目名称, category=spec.项目类别, department=spec.主管部门, unit=spec.实施单位,
        year=expanded.year, start=start, end=end, total_goal=spec.项目总目标, annual_goal=spec.年度总体目标,
        funds=funds, indicators=indicators, source=source.path, classifications=tuple(classifications),
        style=spec.样式, labels=tuple(spec.标签.items()),
        points=tuple((name, value, source.line(("分值", name))) for name, value in spec.分值.items()),
    )


# ---------------------------------------------------------------- a unit's table (one per unit)

class Budget(Frozen):
    __slots__ = PRINTED = ("total", "fiscal", "other", "basic", "projects")
    total: Decimal                 # 部门整体预算总额
    fiscal: Decimal                # 财政拨款
    other: Decimal | None          # 其他资金
    basic: Decimal                 # 基本支出
    projects: Decimal              # 项目支出

    def __init__(self, total: Decimal, fiscal: Decimal, other: Decimal | None, basic: Decimal, projects: Decimal):
        self._set(total=total, fiscal=fiscal, other=other, basic=basic, projects=projects)


class Unit(Frozen):
    __slots__ = PRINTED = ("name", "year", "funding", "duties", "annual_goal", "tasks", "budget", "staff",
                           "departments", "indicators", "source")
    name: str
    year: int
    funding: str                   # 财政拨款方式
    duties: tuple[str, ...]
    annual_goal: str
    tasks: tuple[tuple[str, str], ...]   # (任务名称, 主要内容)
    budget: Budget
    staff: int
    departments: int
    indicators: tuple[Indicator, ...]
    source: Path

    def __init__(self, name: str, year: int, funding: str, duties: tuple[str, ...], annual_goal: str,
                 tasks: tuple[tuple[str, str], ...], budget: Budget, staff: int, departments: int,
                 indicators: tuple[Indicator, ...], source: Path):
        self._set(name=name, year=year, funding=funding, duties=duties, annual_goal=annual_goal, tasks=tasks,
                  budget=budget, staff=staff, departments=departments, indicators=indicators, source=source)


def _budget(expanded: Expanded, problems: Problems) -> Budget | None:
    spec, source = expanded.spec.预算, expanded.source
    total = spec.财政拨款 + (spec.其他资金 or Decimal(0))
    spent = spec.基本支出 + spec.项目支出
    if spent != total:
        problems.add(source.path, source.line(("预算", "基本支出")), "预算",
                     f"资金来源 {total} 元（财政拨款 {spec.财政拨款} + 其他资金 {spec.其他资金 or 0}）≠ 资金结构 {spent} 元"
                     f"（基本支出 {spec.基本支出} + 项目支出 {spec.项目支出}）：两种算法的预算总额必须相等")
        return None
    if spec.预算总额 is not None and spec.预算总额 != total:
        problems.add(source.path, source.line(("预算", "预算总额")), "预算.预算总额",
                     f"{spec.预算总额} 元 ≠ 财政拨款 + 其他资金 = {total} 元；预算总额可以不写，由 perfgen 计算")
        return None
    return Budget(total, spec.财政拨款, spec.其他资金, spec.基本支出, spec.项目支出)


def build_unit(expanded: Expanded, variant: Variant, problems: Problems) -> Unit | None:
    """The typed unit table, or None after adding what is wrong to `problems`."""
    spec = expanded.spec
    before = len(problems.errors)
    budget = _budget(expanded, problems)
    indicators = _indicators(expanded, variant, problems, key="分解目标")
    if budget is None or len(problems.errors) > before:
        return None
    return Unit(
        name=spec.单位名称, year=expanded.year, funding=spec.财政拨款方式, duties=tuple(spec.单位职责),
        annual_goal=spec.年度履职目标, tasks=tuple((t.任务名称, t.主要内容) for t in spec.年度重点任务),
        budget=budget, staff=spec.年末在职人数, departments=spec.内设机构数, indicators=indicators,
        source=expanded.source.path,
    )
