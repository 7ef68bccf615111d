"""The department workbook (汇总.xlsx): an overview of every project, then each project's table.

The overview lists, per project, its name, 项目类别, amounts, indicator counts by 一级 and the
warnings its spec drew, with a totals row. Amounts are written as exact numbers in the variant's
unit (the cell holds 33.984, it prints 33.98 like the single table) and the totals are Decimal
sums of the same exact amounts, so they agree with the single tables to the 分. Column headers are
the project form's words (forms/project: the spec's keys, the title); the unit, the 一级 and the
number format come from the variant.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING, Any, BinaryIO, Iterable, Sequence

from .errors import Problem
from .model import Funds, Project
from .render.sheetml import CellStyle, Formula, Page, Stylesheet, Worksheet, ref, sheet_part, write_workbook
from .render import pages
from .render.xlsx import CELL_PADDING_PT, COLUMN_EXTRA_PT, INDENT_PT, PAGE_PT, PT_PER_UNIT, ExcelWriter, Format, sheet_title
from .variant import Variant
from .write import Entry, deflate

if TYPE_CHECKING:
    from .forms import Overview
    from .render.rendered import Document

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


def lines(projects: Sequence[Project], variant: Variant, warnings: Sequence[Problem]) -> list[Line]:
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


def totals(items: Sequence[Line], columns: Sequence[tuple[str, str]]) -> dict[str, Decimal]:
    """Exact sums of every amount column (an absent amount counts as 0)."""
    return {field: sum((amount(line.funds, field) or Decimal(0) for line in items), Decimal(0))
            for _, field in columns}


def level1_columns(items: Sequence[Line], variant: Variant) -> list[str]:
    columns = list(variant.framework)
    for line in items:
        columns += [k for k in line.counts if k not in columns]
    return columns


def amount_format(variant: Variant) -> str:
    """The overview's number format: the variant's, and its absent mark for an amount that is
    zero or not given — one convention for both, in the rows and in 合计."""
    fmt, absent = variant.amounts.number_format, variant.amounts.absent.replace('"', "")
    return f'{fmt};-{fmt};"{absent}"'


def overview_styles(writer: ExcelWriter, variant: Variant) -> list[CellStyle]:
    """The overview's cell formats, added after the project sheets' own in the 汇总 stylesheet."""
    size, fmt = writer.font_size, amount_format(variant)
    title_style = CellStyle(True, size + 4, "center", "center", True)
    return [title_style, *(CellStyle(strong, size, horizontal, "center", horizontal != "right", True, number_format,
                                     int(horizontal == "left"))
                           for strong in (False, True) for horizontal in ("center", "left", "right")
                           for number_format in (None, fmt))]


def widest_amount(amounts: Sequence[Decimal | None], style: Any) -> float:
    """The ems of the widest of these amounts as `style` prints them (every amount column of the
    overview holds it). A printed amount is a sign, digits, separators and a point, each as wide
    as the others, and the rounded amount's digits grow with its size: the largest amount of each
    sign prints as wide as any of that sign, so only those are printed here, not every amount."""
    printed = {style.absent} if None in amounts else set()
    for signed in (False, True):
        found = [a for a in amounts if a is not None and a.is_signed() == signed]
        if found:
            printed.add(style.format(max(found, key=abs)))
    return max(map(pages.text_em, printed), default=0)


MIN_PRINTED_SIZE = 9  # points: the overview never prints smaller; wider sheets go on more pages across


def overview_sheet(items: Sequence[Line], variant: Variant, writer: ExcelWriter, styles: Stylesheet,
                   title: str, overview: Overview) -> Worksheet:
    """The first sheet of 汇总.xlsx: one row per project, then 合计 as SUM formulas (their exact
    values cached), A4 landscape at a scale that prints the text at 9 pt or more; the words are
    the form's (`overview`)."""
    style, words, AMOUNTS = variant.amounts, overview.columns, overview.amounts
    size = writer.font_size
    fmt = amount_format(variant)
    levels = level1_columns(items, variant)
    first_amount, first_count = 4, 4 + len(AMOUNTS)
    warn_col = first_count + len(levels) + 1
    last = warn_col
    ws = Worksheet(page=Page(landscape=True, margins=(0.5, 0.5, 0.5, 0.75), centered=False), freeze=(4, 3))
    # the 一级 as the counts' headers, without the 指标 they share (the row above says 指标数)
    counted = [level.removesuffix("指标") if all(k.endswith("指标") for k in levels) else level for level in levels]

    def width(labels: Sequence[str], least: float = 2, widest: float = 0) -> float:
        """Excel units of a column: its labels wrapped without a lone character, its values (the
        widest `widest` ems) on one line."""
        ems = max(pages.fitting_width(labels, least), widest, 0)
        return round((ems * size + 2 * CELL_PADDING_PT + INDENT_PT - COLUMN_EXTRA_PT) / PT_PER_UNIT, 1)

    amounts = [[getattr(line.funds, f) for _, f in AMOUNTS] for line in items]  # per project, read once
    sums = totals(items, AMOUNTS)
    widest = widest_amount([a for row_amounts in amounts for a in row_amounts] + [sums[f] for _, f in AMOUNTS], style)
    ws.widths = [width([words["number"]], widest=pages.text_em(str(len(items)))), width([words["name"]], 8),
                 width(list(dict.fromkeys(line.category for line in items)) or [words["category"]], 4),
                 *(width([label], 4, widest) for label, _ in AMOUNTS),
                 *(width([*counted, words["total"]]) for _ in range(len(levels) + 1)), width([words["warnings"]], 9)]
    heights: dict[int, float] = {}
    looks: dict[tuple[bool, str, bool], int] = {}  # (bold, alignment, a number) → the cell style
    widths = tuple(ws.widths)

    def look(strong: bool, align: str, number: bool) -> int:
        key = (strong, align, number)
        style = looks.get(key)
        if style is None:
            style = looks[key] = styles[CellStyle(strong, size, align, "center", align != "right", True,
                                                  fmt if number else None, int(align == "left"))]
        return style

    def put(row: int, col: int, value, *, align: str = "center", strong: bool = False, span: int = 1) -> None:
        """Text stays text (a name like =1 or #N/A), a Decimal keeps its exact digits and prints
        in the variant's number format, as the single table prints it."""
        if isinstance(value, str):
            value = value or None
        number = isinstance(value, Decimal) or isinstance(value, Formula) and isinstance(value.value, Decimal)
        ws.set(row, col, value, look(strong, align, number))
        if isinstance(value, str):
            need = writer.text_height(value, (row, col, row, col + span - 1), widths,
                                      Format(align, "center", strong, size, True))
            heights[row] = max(heights.get(row, writer.min_row_height), need)

    ws.set(1, 1, title, styles[CellStyle(True, size + 4, "center", "center", True)])
    ws.merge(1, 1, 1, last)
    ws.heights[1] = 30
    for col, label in ((1, words["number"]), (2, words["name"]), (3, words["category"]), (warn_col, words["warnings"])):
        put(2, col, label, strong=True)
        put(3, col, "", strong=True)
        ws.merge(2, col, 3, col)
    put(2, first_amount, words["funds"].format(unit=style.unit), strong=True, span=len(AMOUNTS))
    ws.merge(2, first_amount, 2, first_count - 1)
    put(2, first_count, words["counts"], strong=True, span=len(levels) + 1)
    ws.merge(2, first_count, 2, warn_col - 1)
    for col in range(1, last + 1):  # borders on the cells a merge hides, too
        for row in (2, 3):
            if col not in ws.cells.get(row, {}):
                put(row, col, "", strong=True)
    for i, (label, _) in enumerate(AMOUNTS):
        put(3, first_amount + i, label, strong=True)
    for i, level in enumerate([*counted, words["total"]]):
        put(3, first_count + i, level, strong=True)

    # a project's row, as `put` writes it, without a call per cell (a department lists dozens)
    center, left, right = look(False, "center", False), look(False, "left", False), look(False, "right", True)
    measures = [writer.measure(widths, col, col, Format(align, "center", False, size, True))
                for col, align in ((2, "left"), (3, "center"), (warn_col, "left"))]
    least, line_count, cells = writer.min_row_height, pages.line_count, ws.cells
    row = 3
    scaled, zero = style.scaled, Decimal(0)
    for number, (line, row_amounts) in enumerate(zip(items, amounts), 1):
        row += 1
        warnings = "\n".join(line.warnings)
        cells[row] = cell = {1: (number, center), 2: (line.name or None, left), 3: (line.category or None, center)}
        for col, value in enumerate(row_amounts, first_amount):
            cell[col] = (scaled(value or zero), right)
        counts = line.counts
        for col, level in enumerate(levels, first_count):
            cell[col] = (counts.get(level, 0), center)
        cell[first_count + len(levels)] = (Formula(f"SUM({ref(row, first_count)}:{ref(row, warn_col - 2)})",
                                                   sum(line.counts.values())), center)
        cell[warn_col] = (warnings or None, left)
        height = least
        for (width_em, line_height), text in zip(measures, (line.name, line.category, warnings)):
            if text:
                height = max(height, line_count(text, width_em) * line_height + 6)
        if line.name or line.category or warnings:
            heights[row] = height

    first, row = 4, row + 1

    def total(col: int, value) -> Formula:
        return Formula(f"SUM({ref(first, col)}:{ref(row - 1, col)})", value)

    put(row, 1, words["total"], strong=True)
    ws.merge(row, 1, row, 3)
    for col in (2, 3):
        put(row, col, "", strong=True)
    for i, (_, field) in enumerate(AMOUNTS):
        put(row, first_amount + i, total(first_amount + i, style.scaled(sums[field])), align="right", strong=True)
    for i, level in enumerate(levels):
        put(row, first_count + i, total(first_count + i, sum(line.counts.get(level, 0) for line in items)),
            strong=True)
    put(row, first_count + len(levels), total(first_count + len(levels),
                                              sum(sum(line.counts.values()) for line in items)), strong=True)
    warned = sum(len(line.warnings) for line in items)
    put(row, warn_col, words["warned"].format(n=warned) if warned else "", strong=True)
    ws.heights.update({r: round(h, 1) for r, h in heights.items()})

    # the scale that fits the width, unless the text would print under 9 pt: then 9 pt, over pages across
    width = sum(w * PT_PER_UNIT + COLUMN_EXTRA_PT for w in ws.widths)
    fit = math.floor(100 * (PAGE_PT[True][0] - 72 * (ws.page.margins[0] + ws.page.margins[1])) / width)
    ws.page.scale = min(100, max(fit, math.ceil(100 * MIN_PRINTED_SIZE / size)))
    return ws


def title(projects: Sequence[Project], pattern: str = "{unit}{year}年度项目汇总") -> str:
    """The overview's title (the form's `title` words): the 实施单位 only when all projects share one."""
    units = {p.unit for p in projects}
    unit = f"{units.pop()} " if len(units) == 1 else ""
    return pattern.format(unit=unit, year=projects[0].year) if projects else ""


def write(handle: BinaryIO, title_text: str, items: Sequence[Line] | None, names: Sequence[str],
          sheets: Iterable[Entry], variant: Variant, writer: ExcelWriter, overview: Overview | None = None) -> None:
    """汇总.xlsx streamed to `handle`: the `overview` of `items` (None: no overview), then one sheet
    per name, copied as it is from `sheets` (each project's own sheet, see ExcelWriter.sheet)."""
    if items is None or overview is None:
        writer.write(handle, names, sheets)
        return
    styles, styles_entry = writer.extended(overview_styles(writer, variant))
    first = deflate(sheet_part(1), overview_sheet(items, variant, writer, styles, title_text, overview).xml())
    used: set[str] = set()
    titles = [sheet_title(overview.sheet, used), *(sheet_title(name, used) for name in names)]
    write_workbook(handle, titles, itertools.chain([first], sheets), styles_entry,
                   print_titles={**writer.print_titles(range(1, len(titles))), 0: (2, 3, 1, 2)})


def workbook(tables: Sequence[Any], roots: Sequence[Document], variant: Variant, writer: ExcelWriter,
             warnings: Sequence[Problem]) -> bytes:
    """汇总.xlsx: the overview of the variant's form (if it has one), then one sheet per table from
    its rendered Word table."""
    from .forms import form_of

    overview = form_of(variant).overview
    buffer = BytesIO()
    items = overview.lines(tables, variant, warnings) if overview and tables else None
    write(buffer, overview.title(tables) if items is not None else "", items, [t.name for t in tables],
          (writer.sheet(root) for root in roots), variant, writer, overview)
    return buffer.getvalue()
