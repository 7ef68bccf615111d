"""The department workbook (汇总.xlsx): an overview of every project, then each project's table.

The overview lists, per project, its name, 项目类别, amounts, indicator counts by 一级 and the
warnings its spec drew, with a totals row. Amounts are written as exact numbers in the variant's
unit (the cell holds 33.984, it prints 33.98 like the single table) and the totals are Decimal
sums of the same exact amounts, so they agree with the single tables to the 分. Column headers are
perfgen's own words (the spec's keys); the unit, the 一级 and the number format come from the variant.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from lxml import etree
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .errors import Problem
from .model import Funds, Project
from .render.xlsx import ExcelWriter
from .variant import Variant

OVERVIEW = "汇总"
# the amount columns: spec key → field of model.Funds
AMOUNTS: tuple[tuple[str, str], ...] = (
    ("项目资金总额", "total"), ("财政资金", "fiscal"), ("其他资金", "other"),
    ("年度资金申请总额", "annual_total"), ("当年财政拨款", "current_year"), ("上年结转资金", "carryover"),
)


@dataclass(frozen=True)
class Line:
    """One project in the overview."""

    name: str
    category: str
    funds: Funds
    counts: dict[str, int]
    warnings: tuple[str, ...]


def warning_text(problem: Problem) -> str:
    """A warning without its file (the row says which project), with its line."""
    where = f"第{problem.line}行 " if problem.line else ""
    return f"{where}{problem.field + ': ' if problem.field else ''}{problem.message}"


def has_overview(tables: Sequence[object]) -> bool:
    """Only project tables have amounts and 项目类别 to list; a unit's table is a sheet of its own."""
    return bool(tables) and all(isinstance(table, Project) for table in tables)


def lines(projects: Sequence[Project], variant: Variant, warnings: Sequence[Problem]) -> list[Line]:
    if not has_overview(projects):
        return []
    by_file: dict[str, list[str]] = {}
    for problem in warnings:
        by_file.setdefault(problem.file, []).append(warning_text(problem))
    out = []
    for project in projects:
        counts = Counter(ind.level1 for ind in project.indicators)
        levels = {level1: counts.get(level1, 0) for level1 in variant.framework}
        levels.update({k: v for k, v in counts.items() if k not in levels})
        out.append(Line(project.name, project.category, project.funds, levels,
                        tuple(by_file.get(str(project.source), ()))))
    return out


def amount(funds: Funds, field: str) -> Decimal | None:
    return getattr(funds, field)


def totals(items: Sequence[Line]) -> dict[str, Decimal]:
    """Exact sums of every amount column (an absent amount counts as 0)."""
    return {field: sum((amount(line.funds, field) or Decimal(0) for line in items), Decimal(0))
            for _, field in AMOUNTS}


def level1_columns(items: Sequence[Line], variant: Variant) -> list[str]:
    columns = list(variant.framework)
    for line in items:
        columns += [k for k in line.counts if k not in columns]
    return columns


def exact_number(cell, value: Decimal) -> None:
    """A numeric cell holding the Decimal's exact text: openpyxl would write it through a float
    ("%.16g": 0.000085 万元 becomes 8.500000000000001e-05)."""
    cell.value = value           # sets the numeric type
    cell._value = format(value, "f")  # the writer passes a str through as the cell's <v> text


def fill_overview(ws: Worksheet, items: Sequence[Line], variant: Variant, writer: ExcelWriter, title: str) -> None:
    style = variant.amounts
    levels = level1_columns(items, variant)
    first_amount, first_count = 4, 4 + len(AMOUNTS)
    warn_col = first_count + len(levels) + 1
    last = warn_col
    side = Side(style="thin", color="000000")
    border = Border(left=side, right=side, top=side, bottom=side)
    font, bold = Font(name=writer.font_name, size=writer.font_size), Font(name=writer.font_name, size=writer.font_size, bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    right = Alignment(horizontal="right", vertical="center")

    def put(row: int, col: int, value, *, align=center, strong=False) -> None:
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.value = value if value else None
            if value:
                cell.data_type = "s"  # a name like =1 or #N/A stays text
        elif isinstance(value, Decimal):
            exact_number(cell, value)
            cell.number_format = style.number_format
        else:
            cell.value = value
        cell.font, cell.alignment, cell.border = (bold if strong else font), align, border

    ws.cell(row=1, column=1, value=title).font = Font(name=writer.font_name, size=writer.font_size + 4, bold=True)
    ws.cell(row=1, column=1).alignment = center
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.row_dimensions[1].height = 30
    for col, label in ((1, "序号"), (2, "项目名称"), (3, "项目类别"), (warn_col, "警告")):
        put(2, col, label, strong=True)
        put(3, col, "", strong=True)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    put(2, first_amount, f"项目资金（{style.unit}）", strong=True)
    ws.merge_cells(start_row=2, start_column=first_amount, end_row=2, end_column=first_count - 1)
    put(2, first_count, "指标数（个）", strong=True)
    ws.merge_cells(start_row=2, start_column=first_count, end_row=2, end_column=warn_col - 1)
    for i, (label, _) in enumerate(AMOUNTS):
        put(3, first_amount + i, label, strong=True)
    for i, level in enumerate([*levels, "合计"]):
        put(3, first_count + i, level, strong=True)
    for col in range(1, last + 1):  # borders on the cells a merge hides, too
        for row in (2, 3):
            ws.cell(row=row, column=col).border = border

    row = 3
    for number, line in enumerate(items, 1):
        row += 1
        put(row, 1, number)
        put(row, 2, line.name, align=left)
        put(row, 3, line.category)
        for i, (_, field) in enumerate(AMOUNTS):
            value = amount(line.funds, field)
            if value is None:
                put(row, first_amount + i, style.absent, align=right)
            else:
                put(row, first_amount + i, style.scaled(value), align=right)
        for i, level in enumerate(levels):
            put(row, first_count + i, line.counts.get(level, 0))
        put(row, first_count + len(levels), sum(line.counts.values()))
        put(row, warn_col, "\n".join(line.warnings), align=left)

    row += 1
    sums = totals(items)
    put(row, 1, "合计", strong=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    for col in (2, 3):
        ws.cell(row=row, column=col).border = border
    for i, (_, field) in enumerate(AMOUNTS):
        put(row, first_amount + i, style.scaled(sums[field]), align=right, strong=True)
    for i, level in enumerate(levels):
        put(row, first_count + i, sum(line.counts.get(level, 0) for line in items), strong=True)
    put(row, first_count + len(levels), sum(sum(line.counts.values()) for line in items), strong=True)
    warned = sum(len(line.warnings) for line in items)
    put(row, warn_col, f"{warned} 条" if warned else "", strong=True)

    widths = {1: 6, 2: 36, 3: 12, warn_col: 36}
    for col in range(1, last + 1):
        default = 14 if first_amount <= col < first_count else 9
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, default)
    ws.freeze_panes = "C4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:3"


def title(projects: Sequence[Project]) -> str:
    """「<实施单位> <年度>年度项目汇总」, the unit only when all projects share one."""
    if not has_overview(projects):
        return "、".join(p.name for p in projects)
    units = {p.unit for p in projects}
    unit = f"{units.pop()} " if len(units) == 1 else ""
    return f"{unit}{projects[0].year}年度项目汇总" if projects else "项目汇总"


def workbook(projects: Sequence[Project], roots: Sequence[etree._Element], variant: Variant, writer: ExcelWriter,
             warnings: Sequence[Problem]) -> bytes:
    """汇总.xlsx: the overview, then one sheet per project from its rendered Word table. Tables of
    another form (a unit's) have no project amounts to add up: their workbook has no overview."""
    sheets = [(project.name, root) for project, root in zip(projects, roots, strict=True)]
    if not has_overview(projects):
        return writer.workbook(sheets)
    items = lines(projects, variant, warnings)
    return writer.workbook(sheets, first=(OVERVIEW, lambda ws: fill_overview(ws, items, variant, writer, title(projects))))
