"""The template context: flat, already formatted strings (docxtpl's own advice), one dict per table.

How a date, an amount or an indicator value prints is the variant's setting; templates only place
the strings. A cell that continues the merged cell above it holds `CONTINUE` (see merge.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..amounts import format_number
from ..explain import write as explain
from ..model import Project, Row, Unit, rows
from ..values import Phrase, Quantity, Value
from ..variant import ValueStyle, Variant, per_settings

CONTINUE = "\u2063"  # invisible separator: "merge me into the cell above"

# What each context offers a template (placeholders.py checks a template against it; a test keeps
# these the contexts' keys): a name, or a list of rows with these fields.
PAGE_FIELDS = ("标题", "副标题", "标签", "续", "年度", "金额")  # 金额: the exact amounts (Excel numbers)
VALUE_FIELDS = ("指标值", "指标性质", "方向", "数值", "计量单位")
INDICATOR_FIELDS = frozenset(("一级", "二级", "三级", *VALUE_FIELDS))
PROJECT_PROVIDES: dict[str, frozenset[str] | None] = {**dict.fromkeys(PAGE_FIELDS + (
    "项目名称", "项目类别", "项目类别勾选", "主管部门", "实施单位", "计划开始日期", "计划完成日期", "开始年", "完成年",
    "项目资金总额", "财政资金", "其他资金", "年度资金申请总额", "当年财政拨款", "上年结转资金", "年度其他资金",
    "项目总目标", "年度总体目标")), "指标行": INDICATOR_FIELDS, "资金行": frozenset(("左标签", "左值", "右标签", "右值"))}
UNIT_PROVIDES: dict[str, frozenset[str] | None] = {**dict.fromkeys(PAGE_FIELDS + (
    "单位名称", "财政拨款方式", "单位职责", "年度履职目标", "任务名称", "主要内容", "预算总额", "财政拨款", "其他资金",
    "基本支出", "项目支出", "年末在职人数", "内设机构数")), "固定指标行": frozenset(("一级", "二级", "说明")),
    "指标行": INDICATOR_FIELDS | {"指标解释", "评分标准"}}


def provides(variant: Variant, offered: "dict[str, frozenset[str] | None]") -> dict[str, frozenset[str] | None]:
    """What the context offers a variant's template: its form's fields, and each of the variant's
    classifications (`X` and `X勾选`)."""
    return {**offered, **{key: None for kind in variant.classifications for key in (kind.key, kind.key + "勾选")}}


def format_date(date: dt.date, pattern: str) -> str:
    return pattern.format(year=date.year, month=date.month, day=date.day)


def value_parts(value: Value, style: ValueStyle) -> dict[str, str]:
    """The pieces a template may place: 指标值 (the whole, per the variant), and its parts."""
    return dict(_parts(value, style))


# a district's values repeat (≥90%, =1次; parse_value hands out one object per text): each one's
# pieces are worked out once per style. Keyed by identity, the value and style kept with their pieces.
_PARTS: dict[tuple[int, int], tuple[Value, ValueStyle, dict[str, str]]] = {}


def _parts(value: Value, style: ValueStyle) -> dict[str, str]:
    """value_parts, remembered: the caller must not change the dict."""
    found = _PARTS.get((id(value), id(style)))
    if found is not None and found[0] is value and found[1] is style:
        return found[2]
    if len(_PARTS) >= 1024:  # a district's values are a few hundred texts; memory stays flat
        _PARTS.clear()
    parts = _value_parts(value, style)
    _PARTS[id(value), id(style)] = (value, style, parts)
    return parts


def _value_parts(value: Value, style: ValueStyle) -> dict[str, str]:
    if isinstance(value, Phrase):
        text = style.qualitative.format(text=value.text)
        return {"指标值": text, "指标性质": style.qualitative_nature, "方向": "", "数值": value.text, "计量单位": ""}
    decimals = None if value.exact else style.decimals
    number = format_number(value.number, decimals)
    fields = {"op": value.op, "number": number, "unit": value.unit, "note": value.note, "written": value.written}
    pattern = style.quantitative if value.unit else style.quantitative_without_unit
    return {"指标值": pattern.format(**fields), "指标性质": style.quantitative_nature, "方向": value.op,
            "数值": number, "计量单位": value.unit}


def checkboxes(selected: str, variant: Variant, values=None) -> str:
    """Every value (the variant's categories unless given) with its box, the selected one ticked."""
    box = variant.checkbox
    return box.separator.join(
        box.item.format(name=name, box=box.checked if name == selected else box.unchecked)
        for name in (variant.categories if values is None else values))


def classification_fields(chosen: dict[str, str], variant: Variant) -> dict[str, str]:
    """Each classification as the form prints it (`X`: text or boxes, per its `print`), and always
    as boxes too (`X勾选`)."""
    out = {}
    for kind in variant.classifications:
        value = chosen.get(kind.key, "")
        boxes = checkboxes(value, variant, kind.values)
        out[kind.key] = boxes if kind.print == "checkbox" else value
        out[kind.key + "勾选"] = boxes
    return out


def labels(variant: Variant, own: dict[str, str], fields: dict[str, str]) -> dict[str, str]:
    """The printed labels: the variant's, with a project's own words over them; `{开始年}` and
    the like are filled from the project (a label printing the years of the goal)."""
    out = {}
    for key, text in {**variant.labels, **own}.items():
        out[key] = text.format_map(fields) if "{" in text else text
    return out


def _fund_amounts(funds) -> dict[str, Any]:
    return {"项目资金总额": funds.total, "财政资金": funds.fiscal, "其他资金": funds.other,
            "年度资金申请总额": funds.annual_total, "当年财政拨款": funds.current_year,
            "上年结转资金": funds.carryover, "年度其他资金": funds.annual_other}


def funds_rows(funds, variant: Variant, printed: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The 项目资金 block row by row, as the variant lays it out: label and amount on each side
    (an amount the form does not print stays empty). `printed`: the amounts as the variant prints
    them, when the caller has them already."""
    if printed is None:
        money = variant.amounts.format
        printed = {key: money(amount) for key, amount in _fund_amounts(funds).items()}
    layout = variant.funds
    labels_ = variant.labels
    out = []
    for left, right in layout.rows:
        row = {}
        for side, key in (("左", left), ("右", right)):
            row[side + "标签"] = labels_.get(key, key) if key else ""
            row[side + "值"] = printed[key] if key and key not in layout.unprinted else ""
        out.append(row)
    return out


def indicator_row(row: Row, variant: Variant) -> dict[str, str]:
    """One printed indicator: its levels (CONTINUE where the merged cell above goes on) and value."""
    ind = row.indicator
    return {
        "一级": ind.level1 if row.new_level1 else CONTINUE,
        "二级": ind.level2 if row.new_level2 else CONTINUE,
        "三级": ind.name,
        **_parts(ind.value, variant.values),
    }


def page(variant: Variant, year: int) -> dict[str, Any]:
    """What every table's template may use: title, subtitle, labels, the merge marker."""
    return {"标题": variant.title, "副标题": variant.subtitle.format(年度=year), "标签": variant.labels,
            "续": CONTINUE, "年度": str(year)}


class _Same:
    """What a variant's settings make the same in every project's context, worked out once per
    settings in a process (a district builds thousands of tables of a few variants): the page
    fields of a year, the boxes of a 项目类别, and each indicator row met before (model._indicators
    shares an indicator between tables). Each context gets its own copy of what is a dict."""

    def __init__(self, settings: Any):
        self.settings = settings
        self.pages: dict[int, dict[str, Any]] = {}
        self.boxes: dict[str, str] = {}
        self.rows: dict[tuple[int, bool, bool], tuple[Any, dict[str, str]]] = {}


_SAME: dict[int, tuple[Any, _Same]] = {}


def _same(variant: Variant) -> _Same:
    same = per_settings(_SAME, variant, lambda: _Same(variant.settings))
    if len(same.rows) >= 512:  # a department's indicators repeat; memory stays flat
        same.rows.clear()
    return same


def _indicator_rows(project: Project, variant: Variant, same: _Same) -> list[dict[str, str]]:
    """indicator_row of each of rows(project, variant), a row met before copied from the first."""
    out = []
    known = same.rows
    for row in rows(project, variant):
        ind = row.indicator
        key = (id(ind), row.new_level1, row.new_level2)
        found = known.get(key)
        if found is None or found[0] is not ind:  # the indicator is kept with its row: its id stays its own
            found = known[key] = (ind, indicator_row(row, variant))
        out.append(found[1].copy())
    return out


def project_context(project: Project, variant: Variant) -> dict[str, Any]:
    variant = variant.styled(project.style)
    same = _same(variant)
    money = variant.amounts.format
    funds = project.funds
    exact = _fund_amounts(funds)
    printed = {key: money(amount) for key, amount in exact.items()}
    years = {"开始年": str(project.start.year), "完成年": str(project.end.year), "年度": str(project.year)}
    fixed = same.pages.get(project.year)
    if fixed is None:
        fixed = same.pages[project.year] = page(variant, project.year)
    boxes = same.boxes.get(project.category)
    if boxes is None:
        boxes = same.boxes[project.category] = checkboxes(project.category, variant)
    return {
        **fixed,
        "标签": labels(variant, dict(project.labels), years),
        "项目名称": project.name,
        "项目类别": project.category,
        "项目类别勾选": boxes,
        **classification_fields(dict(project.classifications), variant),
        "主管部门": project.department,
        "实施单位": project.unit,
        "计划开始日期": format_date(project.start, variant.date_format),
        "计划完成日期": format_date(project.end, variant.date_format),
        "开始年": str(project.start.year),
        "完成年": str(project.end.year),
        **printed,
        "资金行": funds_rows(funds, variant, printed),
        "项目总目标": project.total_goal,
        "年度总体目标": project.annual_goal,
        "指标行": _indicator_rows(project, variant, same),
        "金额": amounts(variant, exact),
    }


def amounts(variant: Variant, values: dict[str, Any]) -> dict[str, Any]:
    """The exact amounts in the variant's unit, by context key: the Excel table writes them as
    numbers (the context's strings are how Word prints them)."""
    return {key: variant.amounts.scaled(value) for key, value in values.items() if value is not None}


def numbered(pattern: str, items: list[dict[str, str]]) -> str:
    """A numbered list inside one cell, one item per line (the variant's `lists:` pattern)."""
    return "\n".join(pattern.format(n=n, **item) for n, item in enumerate(items, 1))


def fixed_rows(variant: Variant) -> list[dict[str, str]]:
    """The block of rows the form prescribes (e.g. 投入管理指标): 一级 and 说明 merge over it."""
    block = variant.fixed_indicators
    if not block:
        return []
    return [{"一级": block.一级 if i == 0 else CONTINUE, "二级": level2,
             "说明": block.说明 if i == 0 else CONTINUE}
            for i, level2 in enumerate(block.二级)]


def unit_context(unit: Unit, variant: Variant) -> dict[str, Any]:
    money = variant.amounts.format
    lists = variant.lists
    indicator_rows = []
    for row in rows(unit):
        ind, printed = row.indicator, indicator_row(row, variant)
        written = explain(variant.explanations, ind.level1, ind.level2, ind.name, ind.value, printed, ind.subject)
        printed["指标解释"] = ind.explanation or written.explanation
        printed["评分标准"] = ind.scoring or written.scoring
        indicator_rows.append(printed)
    budget = unit.budget
    tasks = [{"name": name, "content": content} for name, content in unit.tasks]
    return {
        **page(variant, unit.year),
        "单位名称": unit.name,
        "财政拨款方式": unit.funding,
        "单位职责": numbered(lists.单位职责, [{"text": t} for t in unit.duties]),
        "年度履职目标": unit.annual_goal,
        "任务名称": numbered(lists.任务名称, tasks),
        "主要内容": numbered(lists.主要内容, tasks),
        "预算总额": money(budget.total),
        "财政拨款": money(budget.fiscal),
        "其他资金": money(budget.other),
        "基本支出": money(budget.basic),
        "项目支出": money(budget.projects),
        "年末在职人数": str(unit.staff),
        "内设机构数": str(unit.departments),
        "固定指标行": fixed_rows(variant),
        "金额": amounts(variant, {"预算总额": budget.total, "财政拨款": budget.fiscal, "其他资金": budget.other,
                                  "基本支出": budget.basic, "项目支出": budget.projects}),
        "指标行": indicator_rows,
    }


__all__ = ["CONTINUE", "project_context", "unit_context", "value_parts", "format_date", "checkboxes"]
