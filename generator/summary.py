"""The department workbook (汇总.xlsx): an overview of every project, then each project's table.

The overview lists, per project, its name, 项目类别, amounts, indicator counts by 一级 and the
warnings its spec drew, with a totals row. Amounts are written as exact numbers in the variant's
unit (the cell holds 33.984, it prints 33.98 like the single table) and the totals are Decimal
sums of the same exact amounts, so they agree with the single tables to the 分. Column headers are
perfgen's own words (the spec's keys); the unit, the 一级 and the number format come from the variant.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import BinaryIO, Iterable, Sequence

from lxml import etree

from .errors import Problem
from .model import Funds, Project
from .render.sheetml import CellStyle, Page, Stylesheet, Worksheet, sheet_part, write_workbook
from .render.xlsx import ExcelWriter, sheet_title
from .variant import Variant
from .write import Entry, deflate

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


def overview_styles(writer: ExcelWriter, variant: Variant) -> list[CellStyle]:
    """The overview's cell formats, added after the project sheets' own in the 汇总 stylesheet."""
    size, fmt = writer.font_size, variant.amounts.number_format
    title_style = CellStyle(True, size + 4, "center", "center", True)
    return [title_style, *(CellStyle(strong, size, horizontal, "center", horizontal != "right", True, number_format)
                           for strong in (False, True) for horizontal in ("center", "left", "right")
                           for number_format in (None, fmt))]


def overview_sheet(items: Sequence[Line], variant: Variant, writer: ExcelWriter, styles: Stylesheet,
                   title: str) -> Worksheet:
    """The first sheet of 汇总.xlsx: one row per project, then the exact totals."""
    style = variant.amounts
    size = writer.font_size
    levels = level1_columns(items, variant)
    first_amount, first_count = 4, 4 + len(AMOUNTS)
    warn_col = first_count + len(levels) + 1
    last = warn_col
    ws = Worksheet(page=Page(landscape=True, centered=False), freeze=(4, 3))

    def put(row: int, col: int, value, *, align: str = "center", strong: bool = False) -> None:
        """Text stays text (a name like =1 or #N/A), a Decimal keeps its exact digits and prints
        in the variant's number format, as the single table prints it."""
        if isinstance(value, str):
            value = value or None
        fmt = style.number_format if isinstance(value, Decimal) else None
        ws.set(row, col, value, styles[CellStyle(strong, size, align, "center", align != "right", True, fmt)])

    ws.set(1, 1, title, styles[CellStyle(True, size + 4, "center", "center", True)])
    ws.merge(1, 1, 1, last)
    ws.heights[1] = 30
    for col, label in ((1, "序号"), (2, "项目名称"), (3, "项目类别"), (warn_col, "警告")):
        put(2, col, label, strong=True)
        put(3, col, "", strong=True)
        ws.merge(2, col, 3, col)
    put(2, first_amount, f"项目资金（{style.unit}）", strong=True)
    ws.merge(2, first_amount, 2, first_count - 1)
    put(2, first_count, "指标数（个）", strong=True)
    ws.merge(2, first_count, 2, warn_col - 1)
    for col in range(1, last + 1):  # borders on the cells a merge hides, too
        for row in (2, 3):
            if col not in ws.cells.get(row, {}):
                put(row, col, "", strong=True)
    for i, (label, _) in enumerate(AMOUNTS):
        put(3, first_amount + i, label, strong=True)
    for i, level in enumerate([*levels, "合计"]):
        put(3, first_count + i, level, strong=True)

    row = 3
    for number, line in enumerate(items, 1):
        row += 1
        put(row, 1, number)
        put(row, 2, line.name, align="left")
        put(row, 3, line.category)
        for i, (_, field) in enumerate(AMOUNTS):
            value = amount(line.funds, field)
            put(row, first_amount + i, style.absent if value is None else style.scaled(value), align="right")
        for i, level in enumerate(levels):
            put(row, first_count + i, line.counts.get(level, 0))
        put(row, first_count + len(levels), sum(line.counts.values()))
        put(row, warn_col, "\n".join(line.warnings), align="left")

    row += 1
    sums = totals(items)
    put(row, 1, "合计", strong=True)
    ws.merge(row, 1, row, 3)
    for col in (2, 3):
        put(row, col, "", strong=True)
    for i, (_, field) in enumerate(AMOUNTS):
        put(row, first_amount + i, style.scaled(sums[field]), align="right", strong=True)
    for i, level in enumerate(levels):
        put(row, first_count + i, sum(line.counts.get(level, 0) for line in items), strong=True)
    put(row, first_count + len(levels), sum(sum(line.counts.values()) for line in items), strong=True)
    warned = sum(len(line.warnings) for line in items)
    put(row, warn_col, f"{warned} 条" if warned else "", strong=True)

    widths = {1: 6, 2: 36, 3: 12, warn_col: 36}
    ws.widths = [widths.get(col, 14 if first_amount <= col < first_count else 9) for col in range(1, last + 1)]
    return ws


def title(projects: Sequence[Project]) -> str:
    """「<实施单位> <年度>年度项目汇总」, the unit only when all projects share one."""
    if not has_overview(projects):
        return "、".join(p.name for p in projects)
    units = {p.unit for p in projects}
    unit = f"{units.pop()} " if len(units) == 1 else ""
    return f"{unit}{projects[0].year}年度项目汇总" if projects else "项目汇总"


def write(handle: BinaryIO, title_text: str, items: Sequence[Line] | None, names: Sequence[str],
          sheets: Iterable[Entry], variant: Variant, writer: ExcelWriter) -> None:
    """汇总.xlsx streamed to `handle`: the overview of `items` (None: no overview), then one sheet
    per name, copied as it is from `sheets` (each project's own sheet, see ExcelWriter.sheet)."""
    if items is None:
        writer.write(handle, names, sheets)
        return
    styles = writer.styles.extended(overview_styles(writer, variant))
    first = deflate(sheet_part(1), overview_sheet(items, variant, writer, styles, title_text).xml())
    used: set[str] = set()
    titles = [sheet_title(OVERVIEW, used), *(sheet_title(name, used) for name in names)]
    write_workbook(handle, titles, itertools.chain([first], sheets), deflate("xl/styles.xml", styles.xml()),
                   print_titles={**writer.print_titles(range(1, len(titles))), 0: (2, 3)})


def workbook(projects: Sequence[Project], roots: Sequence[etree._Element], variant: Variant, writer: ExcelWriter,
             warnings: Sequence[Problem]) -> bytes:
    """汇总.xlsx: the overview, then one sheet per project from its rendered Word table. Tables of
    another form (a unit's) have no project amounts to add up: their workbook has no overview."""
    buffer = BytesIO()
    items = lines(projects, variant, warnings) if has_overview(projects) else None
    write(buffer, title(projects), items, [p.name for p in projects], (writer.sheet(root) for root in roots),
          variant, writer)
    return buffer.getvalue()
