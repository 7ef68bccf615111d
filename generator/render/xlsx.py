"""Excel output: the rendered Word table, cell for cell, in a worksheet.

The grid is read from the rendered .docx (its columns, gridSpan and vMerge), so the two formats
cannot drift apart and a variant needs a single template. Fonts, row heights and the print setup
come from the variant's `excel:` settings. Every value is written as text: `=100.00(%)` must never
become a formula, nor `#N/A` an error.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Callable, Iterable

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..write import normalize_zip
from .ooxml import W, cell_text, rows_with_columns, v_merge

_JC = {"center": "center", "left": "left", "start": "left", "right": "right", "end": "right", "both": "justify",
       "distribute": "distributed"}
_INVALID_SHEET = set('[]:*?/\\')
TWIPS_PER_CHAR = 105  # one Excel width unit ≈ 7 px ≈ 105 twips


@dataclass
class Sheet:
    """What a worksheet needs: rows of cells (text, style) and the merged ranges, 1-based."""

    widths: list[float]
    cells: list[tuple[int, int, str, dict]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_count: int = 0
    landscape: bool = False


def _flag(rpr: etree._Element | None, tag: str) -> bool:
    node = rpr.find(f"{W}{tag}") if rpr is not None else None
    return node is not None and node.get(f"{W}val", "true") not in ("0", "false")


def _style(container: etree._Element, default_size: float) -> dict:
    """Alignment, boldness and size of a paragraph or cell, as the template designer set them."""
    p = container if container.tag == f"{W}p" else container.find(f"{W}p")
    jc = p.find(f"{W}pPr/{W}jc") if p is not None else None
    rpr = p.find(f".//{W}r/{W}rPr") if p is not None else None
    if rpr is None and p is not None:
        rpr = p.find(f"{W}pPr/{W}rPr")
    size = rpr.find(f"{W}sz") if rpr is not None else None
    valign = container.find(f"{W}tcPr/{W}vAlign")
    return {
        "horizontal": _JC.get(jc.get(f"{W}val"), "left") if jc is not None else "left",
        "vertical": {"top": "top", "bottom": "bottom"}.get(valign.get(f"{W}val"), "center")
        if valign is not None else "center",
        "bold": _flag(rpr, "b"),
        "size": int(size.get(f"{W}val")) / 2 if size is not None else default_size,
    }


def read_document(root: etree._Element, default_size: float) -> Sheet:
    """Lay the body of a rendered document out on a grid: paragraphs span the full width."""
    body = root.find(f"{W}body")
    tables = body.findall(f"{W}tbl")
    widths: list[float] = []
    for tbl in tables:
        cols = [int(c.get(f"{W}w", "1000")) / TWIPS_PER_CHAR for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        widths = cols if len(cols) > len(widths) else widths
    page = body.find(f"{W}sectPr/{W}pgSz")
    sheet = Sheet(widths or [60.0], landscape=page is not None and page.get(f"{W}orient") == "landscape")
    ncols = len(sheet.widths)
    row = 0
    for block in body:
        if block.tag == f"{W}p":
            text = cell_text_of_paragraph(block)
            if text.strip():
                row += 1
                sheet.cells.append((row, 1, text, _style(block, default_size) | {"border": False}))
                if ncols > 1:
                    sheet.merges.append((row, 1, row, ncols))
        elif block.tag == f"{W}tbl":
            open_merge: dict[int, list[int]] = {}  # column → [row, col, end_row, end_col]
            for _tr, cells in rows_with_columns(block):
                row += 1
                for col, span, tc in cells:
                    state = v_merge(tc)
                    if state == "continue" and col in open_merge:
                        open_merge[col][2] = row
                        continue
                    sheet.cells.append((row, col + 1, cell_text(tc), _style(tc, default_size) | {"border": True}))
                    region = [row, col + 1, row, col + span]
                    sheet.merges.append(region)  # type: ignore[arg-type]
                    for c in range(col, col + span):
                        open_merge.pop(c, None)
                    if state == "restart":
                        open_merge[col] = region
    sheet.merges = [tuple(m) for m in sheet.merges if m[0] != m[2] or m[1] != m[3]]  # type: ignore[misc]
    sheet.row_count = row
    return sheet


def cell_text_of_paragraph(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def text_width(text: str) -> float:
    """Width in Excel units ('0' digits): CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, no edge apostrophes, at most 31 characters."""
    clean = "".join("_" if ch in _INVALID_SHEET else ch for ch in name).strip("'").strip() or "Sheet"
    title, n = clean[:31], 1
    while title.lower() in {u.lower() for u in used}:
        n += 1
        suffix = f"({n})"
        title = clean[: 31 - len(suffix)] + suffix
    used.add(title)
    return title


class ExcelWriter:
    """Writes sheets from rendered documents, with the variant's `excel:` settings."""

    def __init__(self, settings: dict[str, Any]):
        self.font_name = settings.get("font", "宋体")
        self.font_size = float(settings.get("size", 10.5))
        self.line_height = float(settings.get("line_height", self.font_size * 1.35))
        self.min_row_height = float(settings.get("min_row_height", 20))
        self.margins = float(settings.get("margin", 0.5))
        side = Side(style="thin", color="000000")
        self.border = Border(left=side, right=side, top=side, bottom=side)
        self._fonts: dict[tuple, Font] = {}
        self._aligns: dict[tuple, Alignment] = {}

    def _font(self, bold: bool, size: float) -> Font:
        key = (bold, size)
        if key not in self._fonts:
            self._fonts[key] = Font(name=self.font_name, size=size, bold=bold)
        return self._fonts[key]

    def _align(self, horizontal: str, vertical: str) -> Alignment:
        key = (horizontal, vertical)
        if key not in self._aligns:
            self._aligns[key] = Alignment(horizontal=horizontal, vertical=vertical, wrap_text=True)
        return self._aligns[key]

    def fill(self, ws: Worksheet, root: etree._Element) -> None:
        sheet = read_document(root, self.font_size)
        for i, width in enumerate(sheet.widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = round(width, 2)
        spans = {(m[0], m[1]): m for m in sheet.merges}
        heights = [self.min_row_height] * (sheet.row_count + 1)
        tall: list[tuple[int, int, float]] = []
        for row, col, text, style in sheet.cells:
            cell = ws.cell(row=row, column=col)
            cell.value = text if text else None
            if text:
                cell.data_type = "s"  # text, never a formula or an error value
            cell.font = self._font(style["bold"], style["size"])
            cell.alignment = self._align(style["horizontal"], style["vertical"])
            region = spans.get((row, col), (row, col, row, col))
            if style["border"]:
                for r in range(region[0], region[2] + 1):
                    for c in range(region[1], region[3] + 1):
                        ws.cell(row=r, column=c).border = self.border
            width = sum(sheet.widths[c - 1] for c in range(region[1], region[3] + 1))
            lines = sum(max(1, math.ceil(text_width(part) / max(width - 1, 1))) for part in (text or "").split("\n"))
            need = lines * max(self.line_height, style["size"] * 1.35) + 6
            if region[0] == region[2]:
                heights[row] = max(heights[row], need)
            else:
                tall.append((region[0], region[2], need))
        for first, last, need in tall:  # a vertically merged cell grows its last row if it must
            have = sum(heights[first:last + 1])
            if need > have:
                heights[last] += need - have
        for row in range(1, sheet.row_count + 1):
            ws.row_dimensions[row].height = round(heights[row], 1)
        for merge in sheet.merges:
            ws.merge_cells(start_row=merge[0], start_column=merge[1], end_row=merge[2], end_column=merge[3])
        self._page(ws, sheet.landscape)

    def _page(self, ws: Worksheet, landscape: bool) -> None:
        """A4 in the Word template's orientation, fitted to the page width."""
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        for side in ("left", "right", "top", "bottom"):
            setattr(ws.page_margins, side, self.margins)

    def workbook(self, sheets: Iterable[tuple[str, etree._Element]],
                 first: tuple[str, Callable[[Worksheet], None]] | None = None) -> bytes:
        """One workbook with a sheet per (name, rendered document); `first` = (title, fill) puts a
        sheet of the caller's own before them (the department overview)."""
        book = Workbook()
        book.remove(book.active)
        used: set[str] = set()
        if first is not None:
            first[1](book.create_sheet(sheet_title(first[0], used)))
        for name, root in sheets:
            self.fill(book.create_sheet(sheet_title(name, used)), root)
        buffer = BytesIO()
        book.save(buffer)
        return normalize_zip(buffer.getvalue())
