"""Excel output: the rendered Word table, cell for cell, in a worksheet.

The grid is the rendered Word document's (its columns, gridSpan and vMerge), as rendered.py read
it once for the merges and the pages too, so the two formats cannot drift apart and a variant
needs a single template. Fonts, row heights and the print setup
come from the variant's `excel:` settings. Every value is written as text: `=100.00(%)` must never
become a formula, nor `#N/A` an error. The sheet is written as SpreadsheetML text (sheetml.py).
"""
from __future__ import annotations

import operator
import re
from decimal import Decimal
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Sequence

from lxml import etree

from ..errors import IrregularGrid
from ..write import Entry, deflate, packed
from . import pages
from .ooxml import W, child
from .rendered import Document, Paragraph, Shapes, Table, read
from .sheetml import (_LETTERS, CellStyle, Page, Stylesheet, Worksheet, cell_tail, merge_cell, number,
                      page_ends, sheet_part, write_workbook)

if TYPE_CHECKING:
    from ..settings import ExcelStyle

_JC = {"center": "center", "left": "left", "start": "left", "right": "right", "end": "right", "both": "justify",
       "distribute": "distributed"}
_INVALID_SHEET = set('[]:*?/\\')
_SHEET_SAFE = str.maketrans(dict.fromkeys(_INVALID_SHEET, "_"))
HORIZONTAL = ("left", "center", "right", "justify", "distributed")
INDENTED = ("left", "justify")
# Excel's column width unit is the width of a digit of the Normal font (Calibri 11: 7 pixels) and a
# column is 5 pixels wider than its digits; a pixel is 0.75 point. A cell's text keeps 2 pixels
# from each border, and an indent is about 9 pixels.
PT_PER_UNIT, COLUMN_EXTRA_PT, CELL_PADDING_PT, INDENT_PT = 5.25, 3.75, 3.0, 6.75
# Excel's row heights are fixed (a merged cell never grows its row), so a cell's lines are counted
# for a little less room than the column has: Latin letters and digits of the fonts Excel and
# LibreOffice find are wider than pages.LATIN_EM in places, and a row a line too tall only leaves space
WRAP_ROOM = 0.92
PAGE_PT = {False: (595.3, 841.9), True: (841.9, 595.3)}  # A4 (width, height): portrait, landscape
VERTICAL = ("top", "center", "bottom")
_SIZE = re.compile(rb'<w:sz w:val="(\d+)"')


class Format(NamedTuple):
    """How a cell looks, as the template designer set it in Word."""

    horizontal: str
    vertical: str
    bold: bool
    size: float
    border: bool


@dataclass
class Sheet:
    """What a worksheet needs: rows of cells (text, format) and the merged ranges, 1-based."""

    widths: list[float]
    cells: list[tuple[int, int, str | Decimal, Format]] = field(default_factory=list)  # Decimal: an amount
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_count: int = 0
    landscape: bool = False
    title_rows: tuple[int, int] | None = None  # rows printed at the top of every page


_P, _PPR, _R, _RPR, _JC_TAG, _SZ, _B, _VAL = (f"{W}{tag}" for tag in ("p", "pPr", "r", "rPr", "jc", "sz", "b", "val"))
_TR, _TC, _TR_PR, _TBL_HEADER = f"{W}tr", f"{W}tc", f"{W}trPr", f"{W}tblHeader"
_VERTICAL = {"top": "top", "bottom": "bottom"}


# A district's batch reads a hundred cells per table: the reads below walk each element's children
# once (lxml's find() with a path costs four times as much).
def _format(p: etree._Element | None, valign: str | None, border: bool, default_size: float) -> Format:
    """The format of a paragraph (a cell's first): alignment, and the first run's bold and size."""
    ppr = child(p, _PPR)
    jc = child(ppr, _JC_TAG)
    rpr = None
    if p is not None:
        for run in p.iter(_R):  # the first run that has properties, else the paragraph mark's
            rpr = child(run, _RPR)
            if rpr is not None:
                break
        else:
            rpr = child(ppr, _RPR)
    bold, size = False, default_size
    if rpr is not None:
        for node in rpr:
            if node.tag == _B:
                bold = node.get(_VAL, "true") not in ("0", "false")
            elif node.tag == _SZ:
                size = int(node.get(_VAL)) / 2
    return Format(_JC.get(jc.get(_VAL), "left") if jc is not None else "left",
                  _VERTICAL.get(valign, "center") if valign is not None else "center", bold, size, border)


def column_widths(document: Document) -> list[float]:
    """The sheet's column widths: the widest table's grid. A column leaves its text the room it
    has in Word (the column less Word's cell margins), so the text wraps where it wraps in Word,
    where no label leaves a lone character."""
    return list(_grid_widths(document))


_GRIDS: dict[tuple, tuple[float, ...]] = {}  # (a table's cell margins, its grid) → its columns' widths


def _grid_widths(document: Document) -> tuple[float, ...]:
    """column_widths, a table's worked out once per grid (a template's tables have a few)."""
    widths: tuple[float, ...] = ()
    for block in document.blocks:
        if type(block) is Table:
            key = (block.inset, *block.widths)
            cols = _GRIDS.get(key)
            if cols is None:
                if len(_GRIDS) >= 64:
                    _GRIDS.clear()
                cols = _GRIDS[key] = tuple(
                    max(1.0, ((1000 if w is None else w) / 20 - block.inset + 2 * CELL_PADDING_PT - COLUMN_EXTRA_PT)
                        / PT_PER_UNIT) for w in block.widths)
            widths = cols if len(cols) > len(widths) else widths
    return widths or (60.0,)


def sheet_of(document: Document, default_size: float) -> Sheet:
    """Lay the body of a rendered document out on a grid: paragraphs span the full width."""
    sheet = Sheet(column_widths(document), landscape=document.landscape)
    ncols = len(sheet.widths)
    cells, merges = sheet.cells, sheet.merges
    row = 0
    for block in document.blocks:
        if isinstance(block, Paragraph):
            if block.text.strip():
                row += 1
                shape = block.shape
                cells.append((row, 1, block.text, Format(shape.horizontal, "center", shape.bold,
                                                         default_size if shape.format_size is None else shape.format_size, False)))
                if ncols > 1:
                    merges.append((row, 1, row, ncols))
            continue
        open_merge: dict[int, list[int]] = {}  # column → [row, col, end_row, end_col]
        heading = True  # the table's first rows marked to repeat (w:tblHeader): Excel's print titles
        for tr in block.rows:
            row += 1
            heading = heading and tr.header
            if heading and sheet.title_rows is None:
                sheet.title_rows = (row, row)
            elif heading and sheet.title_rows is not None and sheet.title_rows[1] == row - 1:
                sheet.title_rows = (sheet.title_rows[0], row)
            for cell in tr.cells:
                col, span, state = cell.col, cell.span, cell.merge
                if state == "continue" and col in open_merge:
                    open_merge[col][2] = row
                    continue
                shape = cell.shape
                valign = shape.valign
                fmt = Format(shape.horizontal, _VERTICAL.get(valign, "center") if valign is not None else "center",
                             shape.bold, default_size if shape.format_size is None else shape.format_size, True)
                cells.append((row, col + 1, cell.text if cell.number is None else cell.number, fmt))
                region = [row, col + 1, row, col + span]
                merges.append(region)  # type: ignore[arg-type]
                for c in range(col, col + span):
                    open_merge.pop(c, None)
                if state == "restart":
                    open_merge[col] = region
    sheet.merges = [tuple(m) for m in merges if m[0] != m[2] or m[1] != m[3]]  # type: ignore[misc]
    sheet.row_count = row
    return sheet


def read_document(root: etree._Element, default_size: float) -> Sheet:
    """The sheet of a document tree (a .docx read back): as `sheet_of` lays out a rendered one."""
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")
    return sheet_of(read(xml, Shapes()), default_size)


def cell_text_of_paragraph(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


_WIDTHS: dict[str, float] = {}


def _char_width(ch: str) -> float:
    width = _WIDTHS[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1.1
    return width


def text_width(text: str) -> float:
    """Width in Excel units ('0' digits): CJK and full-width characters count double."""
    widths = _WIDTHS
    return sum(widths.get(ch) or _char_width(ch) for ch in text)


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, no edge apostrophes, at most 31 characters.
    `used` holds the names given so far, as Excel compares them (lower case)."""
    clean = name.translate(_SHEET_SAFE).strip("'").strip() or "Sheet"
    title, n = clean[:31], 1
    while title.lower() in used:
        n += 1
        suffix = f"({n})"
        title = clean[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def template_sizes(template: Path) -> tuple[float, ...]:
    """Every font size a Word template sets (w:sz, in points): the sizes its rendered tables can have."""
    with zipfile.ZipFile(template) as archive:
        document = archive.read("word/document.xml")
    return tuple(sorted({int(match) / 2 for match in _SIZE.findall(document)}))


def template_title_rows(template: Path) -> tuple[int, int] | None:
    """The sheet rows of the template's repeated header rows (w:tblHeader), which are the same in
    every table of the template when only fixed rows come before them (None otherwise): the
    汇总 workbook names them as print titles of sheets it copies from disk."""
    with zipfile.ZipFile(template) as archive:
        body = etree.fromstring(archive.read("word/document.xml")).find(f"{W}body")
    row = 0
    for block in body:
        if block.tag == _P and cell_text_of_paragraph(block).strip():
            row += 1
        elif block.tag == f"{W}tbl":
            marked = []
            for tr in block.iterchildren(_TR):
                header = child(child(tr, _TR_PR), _TBL_HEADER) is not None
                if not header and marked:
                    break
                if not header and "{%tr" in "".join(t.text or "" for t in tr.iter(f"{W}t")):
                    return None  # rows made by a loop: where the header lands depends on the data
                row += 1
                if header:
                    marked.append(row)
            if marked:
                return marked[0], marked[-1]
    return None


_ROW = "\x00"  # where a compiled cell's row number goes (no text written holds it: XML cannot)
_ROW_BYTE = b"\x00"
_FIRST = operator.itemgetter(0)


class _Layout:
    """What every sheet of a template with these columns has in common, compiled once: the XML
    around its rows, its print setup, and its cells met before (bounded: a department's repeats).
    The compiled XML is UTF-8 already: a sheet is joined and its row numbers put in as bytes, not
    encoded whole at the end (mostly ASCII, but a CJK text makes the whole str two bytes wide)."""

    LIMIT = 1024  # about 0.5 MB: a department's repeated cells (2,048 saves one miss in 7)
    LONGEST = 100  # longer texts (goals) are a project's own: compiled, not kept

    def __init__(self, writer: "ExcelWriter", widths: tuple[float, ...], landscape: bool):
        m = writer.margins
        self.widths, self.landscape, self.margins = widths, landscape, (m, m, m, m + 0.25)
        self.rounded = tuple(round(w, 2) for w in widths)
        template = Worksheet(widths=list(self.rounded), page=Page(landscape, self.margins))
        self.before, self.after = (part.encode("utf-8") for part in template.opening())
        self.print_setup = template.print_setup().encode("utf-8")
        # keyed by id(shape): an entry holds its shape (its first item), so while the entry is here
        # no other object has that id, and a key found is the shape's own
        self.cells: dict[tuple, tuple] = {}
        self.places: dict[tuple, tuple] = {}  # (id(shape), columns, number, border) → ExcelWriter._place's
        self.heights = _Heights()

    def remember(self, key: tuple, found: tuple, text: str) -> None:
        if len(text) <= self.LONGEST:
            if len(self.cells) >= self.LIMIT:
                self.cells.clear()
            self.cells[key] = found


class _Heights(dict):
    """A row's height → (as written: rounded to 0.1 point, round() costs more than this lookup;
    its XML with the rest of the row's start tag), filled as heights are met, bounded."""

    def __missing__(self, value: float) -> tuple[float, bytes]:
        if len(self) >= _Layout.LIMIT:
            self.clear()
        rounded = round(value, 1)
        found = self[value] = (rounded, f'{number(rounded)}" customHeight="1">'.encode("ascii"))
        return found


# the rows' numbers and their start tags up to the height, for rows 0 .. the longest sheet's
_NUMBERS: list[tuple[list[bytes], list[bytes]]] = [([], [])]


def _numbers(count: int) -> tuple[list[bytes], list[bytes]]:
    """The row numbers up to `count` (each row writes its number in every cell's reference) and
    their rows' start tags; made anew when a longer sheet comes, never changed once made."""
    found = _NUMBERS[0]
    if len(found[0]) <= count:
        more = range(max(count + 1, 2 * len(found[0]), 64))
        found = _NUMBERS[0] = ([str(r).encode("ascii") for r in more],
                               [f'<row r="{r}" ht="'.encode("ascii") for r in more])
    return found


class ExcelWriter:
    """Writes sheets from rendered documents, with the variant's `excel:` settings.

    Its stylesheet holds every format a table of the template can use (each font size the template
    sets, bold or not, each alignment, with or without border), in a fixed order: a project's sheet
    is then valid as it is in the project's workbook and in the 汇总 workbook."""

    def __init__(self, settings: ExcelStyle, sizes: Iterable[float] = (), number_format: str = "#,##0.00",
                 title_rows: tuple[int, int] | None = None, page_numbers: str = "第 {page} 页 共 {pages} 页"):
        self.font_name = settings.font
        self.font_size = settings.size
        self.line_height = settings.line_height or self.font_size * 1.35
        self.min_row_height = settings.min_row_height
        self.margins = settings.margin
        self.number_format = number_format
        self.title_rows = title_rows
        self.footer = page_numbers.replace("&", "&&").replace("{page}", "&P").replace("{pages}", "&N")
        self.sizes = tuple(sorted({self.font_size, *(float(s) for s in sizes)}))
        # text not touching the cell's edges: left (and justified) text one indent in from the border
        self.styles = Stylesheet(self.font_name, [
            CellStyle(bold, size, horizontal, vertical, True, border, fmt, int(horizontal in INDENTED))
            for size in self.sizes for bold in (False, True) for border in (True, False)
            for horizontal in HORIZONTAL for vertical in VERTICAL for fmt in (None, number_format)])
        # then the 续页标签 twin of each bordered text format, in its order
        plain = self.styles.styles
        twins = [i for i, s in enumerate(plain) if s.border and not s.number_format]
        self.styles = Stylesheet(self.font_name, [*plain[1:], *(plain[i]._replace(continued=True) for i in twins)])
        self._continued = dict(zip(twins, range(len(plain), len(plain) + len(twins))))  # style → its twin
        # a cell's Format and whether it holds a number → its style index (the cells are all wrapped)
        self._index = {(Format(s.horizontal, s.vertical, s.bold, s.size, s.border), s.number_format is not None): i
                       for i, s in enumerate(self.styles.styles) if s.wrap and not s.continued}
        self._styles_entry: Entry | None = None
        self._measures: dict[tuple[float, ...], dict[tuple[int, int, Format], tuple[float, float]]] = {}
        self._rooms: dict[tuple, float] = {}
        self._extended: dict[tuple[CellStyle, ...], tuple[Stylesheet, Entry]] = {}
        self._layouts: dict[tuple[tuple[float, ...], bool], _Layout] = {}

    @classmethod
    def for_variant(cls, variant: Any) -> "ExcelWriter":
        """The writer for a variant's tables: its `excel:` settings, its template's font sizes, the
        number format of its amounts, the rows its tables repeat on every page."""
        return cls(variant.excel, template_sizes(variant.word_template), variant.amounts.number_format,
                   template_title_rows(variant.word_template), variant.print_style.page_numbers)

    def extended(self, more: Sequence[CellStyle]) -> tuple[Stylesheet, Entry]:
        """This writer's stylesheet with more formats after its own (a 汇总's overview), and it
        deflated: made once per writer and formats, not per department."""
        key = tuple(more)
        found = self._extended.get(key)
        if found is None:
            styles = self.styles.extended(key)
            if len(self._extended) >= 16:
                self._extended.clear()
            found = self._extended[key] = (styles, packed(deflate("xl/styles.xml", styles.xml())))
        return found

    @property
    def styles_entry(self) -> Entry:
        if self._styles_entry is None:
            self._styles_entry = packed(deflate("xl/styles.xml", self.styles.xml()))
        return self._styles_entry

    def worksheet(self, document: Document) -> Worksheet:
        sheet = sheet_of(document, self.font_size)
        ws = Worksheet(widths=[round(w, 2) for w in sheet.widths],
                       page=Page(sheet.landscape, (self.margins, self.margins, self.margins, self.margins + 0.25)))
        spans = {(m[0], m[1]): m for m in sheet.merges}
        heights = [self.min_row_height] * (sheet.row_count + 1)
        needs: list[tuple[int, int, float]] = []
        index, widths, cells = self._index, tuple(sheet.widths), ws.cells
        measures = self._measures.get(widths) or self._measures.setdefault(widths, {})
        line_count = pages.line_count
        for row, col, value, fmt in sheet.cells:
            number = isinstance(value, Decimal)
            style = index.get((fmt, number))
            if style is None:
                raise ValueError(f"字号 {fmt.size} 不在 Word 模板设置的字号 {self.sizes} 中")
            region = spans.get((row, col), (row, col, row, col))
            if fmt.border:  # every cell a merge covers gets the border, so the merged frame is whole
                for r in range(region[0], region[2] + 1):
                    line = cells.get(r) or cells.setdefault(r, {})
                    for c in range(region[1], region[3] + 1):
                        line[c] = (None, style)
            (cells.get(row) or cells.setdefault(row, {}))[col] = (value if number else (value or None), style)
            key = (region[1], region[3], fmt)
            measure = measures.get(key) or self._measure(widths, key)
            needs.append((region[0], region[2],
                          line_count(format(value, "f") if number else value or "", measure[0]) * measure[1] + 6))
        pages.fit(heights, needs)  # a vertically merged cell grows its last row if it must
        ws.heights = {row: round(heights[row], 1) for row in range(1, sheet.row_count + 1)}
        ws.merges = list(sheet.merges)
        self.paginate(ws, sheet.title_rows)
        return ws

    def text_height(self, text: str, region: tuple[int, int, int, int], widths: Sequence[float], fmt: Format) -> float:
        """The points a cell's text needs in its (merged) width, wrapped as Excel wraps it."""
        width_em, line = self.measure(tuple(widths), region[1], region[3], fmt)
        return pages.line_count(text, width_em) * line + 6

    def measure(self, widths: tuple[float, ...], first: int, last: int, fmt: Format) -> tuple[float, float]:
        """(the ems a line of text has, a line's points) in columns first..last (1-based) of a
        sheet with these widths, in a format."""
        key = (first, last, fmt)
        return self._measures.get(widths, {}).get(key) or self._measure(widths, key)

    def _measure(self, widths: tuple[float, ...], key: tuple[int, int, Format]) -> tuple[float, float]:
        """(the ems a line of text has, a line's points) in columns first..last of a sheet with
        these widths, in a format: the same for every table of a template, worked out once."""
        first, last, fmt = key
        width = sum(widths[c - 1] for c in range(first, last + 1)) * PT_PER_UNIT + COLUMN_EXTRA_PT
        room = (width - 2 * CELL_PADDING_PT - (INDENT_PT if fmt.horizontal in INDENTED else 0)) * WRAP_ROOM
        if len(self._measures) >= 64:
            self._measures.clear()
        found = self._measures.setdefault(widths, {})[key] = (max(room, fmt.size) / fmt.size,
                                                              max(self.line_height, fmt.size * 1.35))
        return found

    def paginate(self, ws: Worksheet, title_rows: tuple[int, int] | None) -> None:
        """Excel's pages, placed by perfgen: page breaks between rows where a page is full (the print
        titles repeated on each), and every vertical merge that a break cuts restarted below it with
        its label, so each page says which 一级/二级 its rows belong to; 第 X 页 共 Y 页 in the
        footer of a sheet over one page. The sheet is fitted to the page width by Excel or
        LibreOffice (whose column widths depend on the fonts they have); the pages are laid out
        for the least width the sheet can have, so a page the application scales down more only
        has room to spare, and no page breaks where perfgen did not."""
        page = ws.page
        rows = sorted(ws.heights)
        starts = [rows[i] for i in self._breaks(tuple(ws.widths), page.landscape, page.margins,
                                                [ws.heights[r] for r in rows],
                                                [ws.heights.get(r, 0) for r in range(title_rows[0], title_rows[1] + 1)]
                                                if title_rows else None, rows, title_rows)]
        page.breaks = [r - 1 for r in starts]
        page.title_rows = title_rows
        page.footer = self.footer if starts else None
        for start in starts:
            kept = []
            for first_row, first_col, last_row, last_col in ws.merges:
                if first_row < start <= last_row:  # cut by the page break: two merges, the label in both
                    value, style = ws.cells[first_row][first_col]
                    ws.set(start, first_col, value, self._continued.get(style, style))
                    kept += [(first_row, first_col, start - 1, last_col), (start, first_col, last_row, last_col)]
                else:
                    kept.append((first_row, first_col, last_row, last_col))
            ws.merges = [m for m in kept if m[0] != m[2] or m[1] != m[3]]

    def _breaks(self, widths: tuple[float, ...], landscape: bool, margins: tuple[float, ...], heights: list[float],
                titles: list[float] | None, rows: Sequence[int], title_rows: tuple[int, int] | None) -> list[int]:
        """The indexes in `heights` (rows' printed heights, rounded as written) that begin a page."""
        room = self._rooms.get((widths, landscape, margins))
        if room is None:
            paper_width, paper_height = PAGE_PT[landscape]
            left, right, top, bottom = (72 * m for m in margins)
            width = sum(w * PT_PER_UNIT + COLUMN_EXTRA_PT for w in widths)
            scale = min(1.0, (paper_width - left - right) / width)
            if len(self._rooms) >= 64:
                self._rooms.clear()
            room = self._rooms[widths, landscape, margins] = (paper_height - top - bottom) / scale
        if sum(heights) < room - 1e-3:  # all on one page (with room for the sums' rounding): no break
            return []
        titled = sum(titles) if titles else 0
        repeat = [titled if title_rows and r > title_rows[1] else 0.0 for r in rows]
        return pages.page_breaks(heights, room, repeat)

    def sheet(self, document: Document) -> Entry:
        """The worksheet of a rendered document, deflated (as a workbook's first sheet)."""
        return deflate(sheet_part(1), self.sheet_xml(document))

    def sheet_xml(self, document: Document) -> bytes:
        """`worksheet(document).xml()`, written from cells compiled once per template, column and
        text: a table repeats its labels, its empty and its merged cells, and every table of a
        template has the same columns, fonts and print setup."""
        try:
            return self._compiled(document)
        except IrregularGrid:  # a grid the compiled rows do not follow (see _compiled): the general way
            return self.worksheet(document).xml()

    def _layout(self, widths: tuple[float, ...], landscape: bool) -> "_Layout":
        layout = self._layouts.get((widths, landscape))
        if layout is None:
            if len(self._layouts) >= 16:
                self._layouts.clear()
            layout = self._layouts[widths, landscape] = _Layout(self, widths, landscape)
        return layout

    def _compile(self, layout: "_Layout", shape: Any, first: int, last: int, value: str | Decimal,
                 fmt: Format) -> tuple:
        """A cell in columns first..last (1-based): (its shape, its XML and its covered cells' in its
        own row, its columns' XML in a row its merge continues, the height it needs, its value and
        style as written, its merge's XML in its own row); the XML is UTF-8, the row number _ROW in it."""
        number = isinstance(value, Decimal)
        key = (id(shape), first, last, number, fmt.border)
        place = layout.places.get(key)
        if place is None:
            place = self._place(layout, key, shape, first, last, number, fmt)
        return self._made(place, value, number)

    @staticmethod
    def _made(place: tuple, value: str | Decimal, number: bool) -> tuple:
        """_compile's cell from its place (see _place) and value."""
        shape, style, head, fill, tail, width_em, line, merge = place
        text = format(value, "f") if number else value
        if _ROW in text:
            raise IrregularGrid
        written = value if number else (value or None)
        return (shape, head + cell_tail(written, style).encode("utf-8") + tail, fill,
                pages.line_count(text, width_em) * line + 6, written, style, merge)

    def _place(self, layout: "_Layout", key: tuple, shape: Any, first: int, last: int, number: bool,
               fmt: Format) -> tuple:
        """What a cell's XML and height take from its shape and columns, not its text: (shape, its
        style, its XML before the value, its columns' XML in a row its merge continues, the XML of
        the cells its merge covers in its own row, the ems of a line, a line's points, its columns'
        merge in one row). Each of a template's shapes meets a few columns: worked out once, not
        for each new text."""
        style = self._index.get((fmt, number))
        if style is None:  # not remembered: said again for every table that has it
            raise ValueError(f"字号 {fmt.size} 不在 Word 模板设置的字号 {self.sizes} 中")
        width_em, line = self.measure(layout.widths, first, last, fmt)
        fill = "".join([f'<c r="{_LETTERS[c - 1]}{_ROW}" s="{style}"/>' for c in range(first, last + 1)]) \
            if fmt.border else ""
        place = (shape, style, f'<c r="{_LETTERS[first - 1]}{_ROW}"'.encode("ascii"), fill.encode("ascii"),
                 fill[fill.index("/>") + 2:].encode("ascii") if fmt.border else b"", width_em, line,
                 merge_cell((_ROW, first, _ROW, last)).encode("ascii") if last > first else b"")
        if len(layout.places) >= layout.LIMIT:
            layout.places.clear()
        layout.places[key] = place
        return place

    def _compiled(self, document: Document) -> bytes:
        """`worksheet`'s layout and `Worksheet.xml` in one pass over the document, for grids whose
        cells follow each other in their rows and whose merges continue row after row (every
        table perfgen renders): a cell's XML, its height and its merges' come compiled."""
        layout = self._layout(_grid_widths(document), document.landscape)
        ncols, compiled, compile, default = len(layout.widths), layout.cells, self._compile, self.font_size
        minimum = self.min_row_height
        numbers, opens = _numbers(sum(len(b.rows) if type(b) is Table else 1 for b in document.blocks))
        lines: list[list[bytes]] = [[]]   # per row (1-based): its cells' XML
        heights: list[float] = [minimum]
        # the merged ranges' XML in order; None where a merge that may span rows goes (see regions)
        merged: list[bytes | None] = []
        regions: list[list] = []  # the merges that may span rows: [first row, first col, last row, last col,
        #                           compiled cell, its place in merged]
        title_rows: tuple[int, int] | None = None
        last_col, row = ncols, 0
        for block in document.blocks:
            if type(block) is Paragraph:
                text = block.text
                if text.strip():
                    row += 1
                    shape = block.shape
                    key = (id(shape), -1, text)
                    found = compiled.get(key)
                    if found is None:
                        found = compile(layout, shape, 1, ncols, text, Format(
                            shape.horizontal, "center", shape.bold,
                            default if shape.format_size is None else shape.format_size, False))
                        layout.remember(key, found, text)
                    lines.append([found[1]])
                    heights.append(max(minimum, found[3]))
                    if ncols > 1:
                        merged.append(found[6].replace(_ROW_BYTE, numbers[row]))
                continue
            # grid column → the merge a cell restarted there (a region). A merge a later cell
            # covers stays here: a cell continuing it further down is then not in the row below its
            # last (a grid for the general way).
            open_merge: dict[int, list] = {}
            heading = True
            for tr in block.rows:
                row += 1
                if heading:
                    heading = tr.header
                    if heading:
                        title_rows = (row, row) if title_rows is None else (
                            (title_rows[0], row) if title_rows[1] == row - 1 else title_rows)
                line: list[bytes] = []
                append = line.append
                height, used = minimum, 0  # used: the last column written
                for cell in tr.cells:
                    col, merge = cell.col, cell.merge
                    if col < used:
                        raise IrregularGrid  # a cell over the columns of the one before it
                    if merge is not None and merge == "continue":
                        region = open_merge.get(col)
                        if region is not None:
                            if region[2] != row - 1:
                                raise IrregularGrid  # a merge over rows without it
                            region[2] = row
                            append(region[4][2])
                            used = region[3]
                            continue
                    shape, number = cell.shape, cell.number
                    if number is None:
                        text = cell.text
                        found = compiled.get((id(shape), col, text))
                        if found is None:
                            found = self._cell(layout, shape, col, cell.span, text)
                            layout.remember((id(shape), col, text), found, text)
                    else:  # an amount: its exact digits (1.7919 and 1.79190 are two cells)
                        text = format(number, "f")
                        key = (id(shape), col, text, None)
                        found = compiled.get(key)
                        if found is None:
                            found = self._cell(layout, shape, col, cell.span, number)
                            layout.remember(key, found, text)
                    append(found[1])
                    used = col + cell.span
                    if merge is None or merge != "restart":
                        if found[3] > height:
                            height = found[3]
                        if found[6]:  # over more columns
                            merged.append(found[6].replace(_ROW_BYTE, numbers[row]))
                    else:
                        region = open_merge[col] = [row, col + 1, row, used, found, len(merged)]
                        regions.append(region)
                        merged.append(None)
                if used > last_col:
                    last_col = used
                lines.append(line)
                heights.append(height)
        # a merge over one row grows its row; over more, its last row if it must
        pages.fit(heights, [(region[0], region[2], region[4][3]) for region in regions])
        written = list(map(layout.heights.__getitem__, heights))  # (rounded, XML) per row
        rounded = list(map(_FIRST, written))
        rows = range(1, row + 1)
        starts = [i + 1 for i in self._breaks(layout.rounded, layout.landscape, layout.margins, rounded[1:],
                                              rounded[title_rows[0]:title_rows[1] + 1] if title_rows else None,
                                              rows, title_rows)]
        count = len(merged) - len(regions)
        for first_row, first_col, last_row, last_col_, found, at in regions:
            # cut by each page that begins in it: a merge on each page, its label in both
            ranges = []
            for start in starts:
                if first_row < start <= last_row:
                    ranges.append((first_row, first_col, start - 1, last_col_))
                    first_row = start
                    # the merge's fill in that row, the one XML there that begins in its column: the label
                    head = f'<c r="{_LETTERS[first_col - 1]}{_ROW}"'
                    cells = lines[start]
                    i = next(i for i, xml in enumerate(cells) if xml.startswith(head.encode("ascii")))
                    fill = cells[i]
                    tail = cell_tail(found[4], self._continued.get(found[5], found[5]))
                    cells[i] = (head + tail).encode("utf-8") + fill[fill.index(b"/>") + 2:]
            ranges.append((first_row, first_col, last_row, last_col_))
            ranges = [m for m in ranges if m[0] != m[2] or m[1] != m[3]]
            count += len(ranges)
            merged[at] = "".join(map(merge_cell, ranges)).encode("ascii")
        out = [layout.before, f"{_LETTERS[last_col - 1]}{max(row, 1)}".encode("ascii"), layout.after]
        join = b"".join
        for opened, (_, height), cells, number in zip(opens[1:row + 1], written[1:], lines[1:], numbers[1:row + 1]):
            out += (opened, height, join(cells).replace(_ROW_BYTE, number), b"</row>")
        out.append(b"</sheetData>")
        if count:
            out += (b'<mergeCells count="%d">' % count, join(merged), b"</mergeCells>")
        out.append(layout.print_setup)
        out.append(page_ends(self.footer if starts else None, [r - 1 for r in starts]).encode("utf-8"))
        out.append(b"</worksheet>")
        return join(out)

    def _cell(self, layout: "_Layout", shape: Any, col: int, span: int, value: str | Decimal) -> tuple:
        """A table cell's `_compile`, its Format made only where its place is new."""
        number = isinstance(value, Decimal)
        key = (id(shape), col + 1, col + span, number, True)
        place = layout.places.get(key)
        if place is None:
            valign = shape.valign
            place = self._place(layout, key, shape, col + 1, col + span, number, Format(
                shape.horizontal, _VERTICAL.get(valign, "center") if valign is not None else "center", shape.bold,
                self.font_size if shape.format_size is None else shape.format_size, True))
        return self._made(place, value, number)

    def write(self, handle, titles: Sequence[str], sheets: Iterable[Entry | bytes]) -> None:
        """A workbook of these sheets (from `sheet`), one per title, streamed to `handle`."""
        used: set[str] = set()
        write_workbook(handle, [sheet_title(t, used) for t in titles], sheets, self.styles_entry,
                       print_titles=self.print_titles(range(len(titles))))

    def print_titles(self, sheets: Iterable[int]) -> dict[int, tuple[int, int]]:
        """The print titles of these sheets (0-based), each a table of this writer's template."""
        return {i: self.title_rows for i in sheets} if self.title_rows else {}

    def workbook(self, sheets: Iterable[tuple[str, Document]]) -> bytes:
        """One workbook with a sheet per (name, rendered document)."""
        pairs = list(sheets)
        buffer = BytesIO()
        self.write(buffer, [name for name, _ in pairs], (self.sheet(root) for _, root in pairs))
        return buffer.getvalue()
