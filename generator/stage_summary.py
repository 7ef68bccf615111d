"""汇总.监控.xlsx and 汇总.自评.xlsx: a spec folder's 监控表 or 自评表 on one overview sheet (each
project's 执行率, and in the 自评 its 总分 and 等级), then each table as its own sheet.

The columns are the form's (evaluation.SUMMARY, monitoring.SUMMARY), their headers its labels.
Amounts are exact numbers in the form's unit; the 合计 row adds them exactly and gives the
folder's own 执行率 (spent over budget of all projects, not an average of rates).
"""
from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, BinaryIO, Iterable

from . import scoring
from .forms.evaluation import table as evaluation
from .forms.monitoring import table as monitoring
from .layout import workbook_name  # noqa: F401  (also imported from here)
from .render.sheetml import CellStyle, Page, Worksheet, sheet_part, write_workbook
from .render.xlsx import ExcelWriter, sheet_title
from .write import Entry, deflate

COLUMNS = {"evaluation": (evaluation.SUMMARY, evaluation.SUMMARY_RATE),
           "monitoring": (monitoring.SUMMARY, monitoring.SUMMARY_RATE)}
RATE_FORMAT = "0.00"


def title(stage: Any) -> str:
    project = stage.tables[0].project
    units = {t.project.unit for t in stage.tables}
    unit = f"{units.pop()} " if len(units) == 1 else ""
    return f"{unit}{project.year}年度{stage.variant.title}汇总"


def overview(stage: Any, writer: ExcelWriter, styles) -> Worksheet:
    variant = stage.variant
    columns, (spent_label, budget_label) = COLUMNS[variant.form]
    money = variant.amounts
    size = writer.font_size
    last = 2 + len(columns)
    ws = Worksheet(page=Page(landscape=True, centered=False), freeze=(3, 3))

    def put(row: int, col: int, value, kind: str = "text", strong: bool = False) -> None:
        fmt = money.number_format if kind == "amount" else RATE_FORMAT if kind in ("rate", "score") else None
        align = "left" if col == 2 and row > 2 else "right" if kind != "text" else "center"
        if kind == "amount" and isinstance(value, Decimal):
            value = money.scaled(value)
        ws.set(row, col, value if value is not None else None,
               styles[CellStyle(strong, size, align, "center", align != "right", True, fmt)])

    ws.set(1, 1, title(stage), styles[CellStyle(True, size + 4, "center", "center", True)])
    ws.merge(1, 1, 1, last)
    ws.heights[1] = 30
    headers = ["序号", "项目名称"] + [
        variant.labels.get(label, label) + (f"（{money.unit}）" if kind == "amount" else "（%）" if kind == "rate" else "")
        for label, kind, _ in columns]
    for col, header in enumerate(headers, 1):
        put(2, col, header, strong=True)
    row = 2
    for number, table in enumerate(stage.tables, 1):
        row += 1
        put(row, 1, number)
        put(row, 2, table.project.name)
        for col, (_, kind, value) in enumerate(columns, 3):
            put(row, col, value(table), kind)
    row += 1
    put(row, 1, "合计", strong=True)
    put(row, 2, "", strong=True)
    ws.merge(row, 1, row, 2)
    sums = {label: sum((value(t) or Decimal(0) for t in stage.tables), Decimal(0))
            for label, kind, value in columns if kind == "amount"}
    for col, (label, kind, _) in enumerate(columns, 3):
        if kind == "amount":
            put(row, col, sums[label], kind, strong=True)
        elif kind == "rate":  # the folder's own rate, not an average of the projects'
            spent, budget = sums[spent_label], sums[budget_label]
            put(row, col, scoring.rounded(spent / budget * 100, 2) if budget else None, kind, strong=True)
        else:
            put(row, col, "", strong=True)
    ws.widths = [6, 36] + [14] * len(columns)
    return ws


def write(handle: BinaryIO, stage: Any, sheets: Iterable[Entry], writer: ExcelWriter) -> None:
    """The workbook, streamed: the overview, then each table's own sheet as it was written."""
    styles, styles_entry = writer.extended([
        CellStyle(True, writer.font_size + 4, "center", "center", True),
        *(CellStyle(strong, writer.font_size, align, "center", align != "right", True, fmt)
          for strong in (False, True) for align in ("center", "left", "right")
          for fmt in (None, stage.variant.amounts.number_format, RATE_FORMAT))])
    first = deflate(sheet_part(1), overview(stage, writer, styles).xml())
    used: set[str] = set()
    titles = [sheet_title("汇总", used), *(sheet_title(t.project.name, used) for t in stage.tables)]
    write_workbook(handle, titles, itertools.chain([first], sheets), styles_entry, print_titles={0: (2, 2)})
