"""The template context: flat, already formatted strings (docxtpl's own advice), one dict per table.

How a date, an amount or an indicator value prints is the variant's setting; templates only place
the strings. A cell that continues the merged cell above it holds `CONTINUE` (see merge.py).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..amounts import format_number
from ..model import Project, rows
from ..values import Phrase, Quantity, Value
from ..variant import ValueStyle, Variant

CONTINUE = "\u2063"  # invisible separator: "merge me into the cell above"


def format_date(date: dt.date, pattern: str) -> str:
    return pattern.format(year=date.year, month=date.month, day=date.day)


def value_parts(value: Value, style: ValueStyle) -> dict[str, str]:
    """The pieces a template may place: 指标值 (the whole, per the variant), and its parts."""
    if isinstance(value, Phrase):
        text = style.qualitative.format(text=value.text)
        return {"指标值": text, "指标性质": "定性指标", "方向": "", "数值": value.text, "计量单位": ""}
    decimals = None if value.exact else style.decimals
    number = format_number(value.number, decimals)
    fields = {"op": value.op, "number": number, "unit": value.unit, "note": value.note, "written": value.written}
    pattern = style.quantitative if value.unit else style.quantitative_without_unit
    return {"指标值": pattern.format(**fields), "指标性质": "定量指标", "方向": value.op,
            "数值": format_number(value.number, None), "计量单位": value.unit}


def checkboxes(selected: str, variant: Variant) -> str:
    box = variant.checkbox
    return box.separator.join(
        box.item.format(name=name, box=box.checked if name == selected else box.unchecked)
        for name in variant.categories)


def project_context(project: Project, variant: Variant) -> dict[str, Any]:
    money = variant.amounts.format
    funds = project.funds
    indicator_rows = []
    for row in rows(project):
        ind = row.indicator
        indicator_rows.append({
            "一级": ind.level1 if row.new_level1 else CONTINUE,
            "二级": ind.level2 if row.new_level2 else CONTINUE,
            "三级": ind.name,
            **value_parts(ind.value, variant.values),
        })
    return {
        "标题": variant.title,
        "副标题": variant.subtitle.format(年度=project.year),
        "标签": variant.labels,
        "续": CONTINUE,
        "年度": str(project.year),
        "项目名称": project.name,
        "项目类别": project.category,
        "项目类别勾选": checkboxes(project.category, variant),
        "主管部门": project.department,
        "实施单位": project.unit,
        "计划开始日期": format_date(project.start, variant.date_format),
        "计划完成日期": format_date(project.end, variant.date_format),
        "开始年": str(project.start.year),
        "完成年": str(project.end.year),
        "项目资金总额": money(funds.total),
        "财政资金": money(funds.fiscal),
        "其他资金": money(funds.other),
        "年度资金申请总额": money(funds.annual_total),
        "当年财政拨款": money(funds.current_year),
        "上年结转资金": money(funds.carryover),
        "年度其他资金": money(funds.annual_other),
        "项目总目标": project.total_goal,
        "年度总体目标": project.annual_goal,
        "指标行": indicator_rows,
    }


__all__ = ["CONTINUE", "project_context", "value_parts", "format_date", "checkboxes", "Quantity"]
