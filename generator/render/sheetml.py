"""SpreadsheetML written directly: a worksheet is text built row by row, a workbook a zip of a few
fixed parts and its sheets.

openpyxl builds an object per cell, per style and per merged cell, and took 90 % of a batch build;
these tables need a small part of SpreadsheetML, written here as openpyxl wrote it for them:
inline strings (text, never a formula), numbers as their exact text, merged ranges, column widths,
row heights, borders and alignment, A4 fitted to the page width. openpyxl, LibreOffice and Excel
read the files as before.

Cell formats come from a `Stylesheet` whose order is fixed when it is made, not by the cells a
workbook happens to hold: a sheet's XML is then the same in the project's own workbook and in the
department's 汇总 workbook, which copies it as it is.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import BinaryIO, Iterable, NamedTuple, Sequence

from ..write import Entry, ZipWriter, deflate, packed

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CUSTOM_FORMATS = 164  # ids below are Excel's built-in number formats


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = [column_letter(c) for c in range(1, 257)]


def ref(row: int, col: int) -> str:
    return f"{_LETTERS[col - 1]}{row}"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def number(value: float) -> str:
    """A width or height as openpyxl wrote it (10.0 → 10)."""
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


# ---------------------------------------------------------------- styles

class CellStyle(NamedTuple):
    """A cell format (a tuple: a writer's stylesheet hashes and compares hundreds of them once)."""

    bold: bool = False
    size: float = 11.0
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    border: bool = False          # a thin black line on all four sides
    number_format: str | None = None
    indent: int = 0               # text this many indents in from the border (left-aligned text)
    continued: bool = False       # a merged label printed again where a page begins (CONTINUED style)


DEFAULT = CellStyle()  # stands for format 0, written as Excel's Normal
# the named cell style of a label printed again at the top of a page, so that readers (perfgen
# import, the golden tests) read the merge it continues once
CONTINUED = "续页标签"


class Stylesheet:
    """The cell formats of a workbook in a fixed order, after format 0 (Excel's Normal: Calibri 11,
    for cells without a format of their own); every format uses `font`."""

    def __init__(self, font: str, styles: Sequence[CellStyle]):
        self.font = font
        kept = dict.fromkeys(styles)
        kept.pop(DEFAULT, None)
        self.styles = [DEFAULT, *kept]
        self.index = dict(zip(self.styles, range(len(self.styles))))

    def extended(self, more: Iterable[CellStyle]) -> "Stylesheet":
        """This stylesheet with more formats after its own (which keep their indexes)."""
        return Stylesheet(self.font, [*self.styles[1:], *more])

    def __getitem__(self, style: CellStyle) -> int:
        try:
            return self.index[style]
        except KeyError:
            raise ValueError(f"单元格格式不在样式表中：{style}") from None

    def xml(self) -> bytes:
        fonts = list(dict.fromkeys(map(_FONT, self.styles[1:])))
        formats = list(dict.fromkeys(filter(None, map(_NUMBER_FORMAT, self.styles))))
        parts = [f'<styleSheet xmlns="{MAIN}">']
        if formats:
            parts.append(f'<numFmts count="{len(formats)}">')
            parts += [f'<numFmt numFmtId="{_CUSTOM_FORMATS + i}" formatCode="{attr(code)}"/>'
                      for i, code in enumerate(formats)]
            parts.append("</numFmts>")
        # font 0 is the Normal style's: Excel measures column widths in its digits (7 px for Calibri 11)
        parts.append(f'<fonts count="{len(fonts) + 1}"><font><sz val="11"/><name val="Calibri"/></font>')
        for bold, size in fonts:
            parts.append(f'<font>{"<b/>" if bold else ""}<sz val="{number(size)}"/><name val="{attr(self.font)}"/>'
                         "</font>")
        thin = '<color rgb="FF000000"/>'
        parts.append('</fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
                     '<fill><patternFill patternType="gray125"/></fill></fills><borders count="2">'
                     '<border><left/><right/><top/><bottom/><diagonal/></border>'
                     f'<border><left style="thin">{thin}</left><right style="thin">{thin}</right>'
                     f'<top style="thin">{thin}</top><bottom style="thin">{thin}</bottom><diagonal/></border>'
                     '</borders><cellStyleXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                     '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                     f'</cellStyleXfs><cellXfs count="{len(self.styles)}">')
        font_ids = {font: i for i, font in enumerate(fonts, 1)}
        format_ids = {code: _CUSTOM_FORMATS + i for i, code in enumerate(formats)}
        # the formats' xfs, most of the part, are ASCII: encoded apart from the names around them
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        known, styles = _XFS.get, self.styles[1:]
        xfs += [known(key) or _xf(*key) for key in zip(styles, map(font_ids.__getitem__, map(_FONT, styles)),
                                                        map(format_ids.get, map(_NUMBER_FORMAT, styles), repeat(0)))]
        return b"".join(("".join(parts).encode("utf-8"), "".join(xfs).encode("ascii"),
                         f'</cellXfs><cellStyles count="2"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                         f'<cellStyle name="{CONTINUED}" xfId="1"/></cellStyles></styleSheet>'.encode("utf-8")))


_FONT, _NUMBER_FORMAT = operator.attrgetter("bold", "size"), operator.attrgetter("number_format")
_XFS: dict[tuple[CellStyle, int, int], str] = {}


def _xf(s: CellStyle, font: int, fmt: int) -> str:
    """A format's `xf` in cellXfs, with its font's and number format's ids (remembered: a 汇总's
    stylesheet repeats its tables' formats, at the same ids)."""
    head = (f'<xf numFmtId="{fmt}" fontId="{font}" fillId="0" '
            f'borderId="{int(s.border)}" xfId="{int(s.continued)}" applyFont="1"'
            + (' applyNumberFormat="1"' if fmt else "") + (' applyBorder="1"' if s.border else ""))
    align = "".join((f' horizontal="{s.horizontal}"' if s.horizontal else "",
                     f' vertical="{s.vertical}"' if s.vertical else "", ' wrapText="1"' if s.wrap else "",
                     f' indent="{s.indent}"' if s.indent else ""))
    if len(_XFS) >= 4096:
        _XFS.clear()
    xf = _XFS[s, font, fmt] = f'{head} applyAlignment="1"><alignment{align}/></xf>' if align else f"{head}/>"
    return xf


# ---------------------------------------------------------------- worksheets

@dataclass
class Page:
    """Print setup: A4, at a scale or fitted to the page width, with page breaks and a footer."""

    landscape: bool = False
    margins: tuple[float, float, float, float] = (0.75, 0.75, 1.0, 1.0)  # left, right, top, bottom (inches)
    centered: bool = True
    scale: int | None = None                 # percent; None: fitted to the page width
    breaks: list[int] = field(default_factory=list)  # rows a page ends after
    title_rows: tuple[int, int] | None = None  # rows printed on every page (the workbook names them)
    footer: str | None = None                # e.g. "第 &P 页 共 &N 页", centred


class Formula(NamedTuple):
    """A formula with the value it computes, cached in the file (viewers that do not calculate show it)."""

    text: str                 # without the "=": SUM(D4:D10)
    value: Decimal | int


_TEXT_CELLS: dict[tuple[str | None, int], str] = {}


def _text_cell(value: str | None, style: int) -> str:
    """A text cell's XML after its reference (`<c r="A1"` + this): inline text, never a formula."""
    if value is None or value == "":
        tail = f' s="{style}"/>'
    else:
        space = ' xml:space="preserve"' if value != value.strip() else ""
        tail = f' s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if len(_TEXT_CELLS) >= 4096:  # bounded: memory stays flat however many sheets a build writes
        _TEXT_CELLS.clear()
    _TEXT_CELLS[value, style] = tail
    return tail


_INT_CELLS: dict[tuple[int, int], str] = {}


def _int_cell(value: int, style: int) -> str:
    tail = f' s="{style}"><v>{value}</v></c>'
    if len(_INT_CELLS) >= 4096:  # bounded: counts and a 汇总's numbering repeat, an int of any size may come
        _INT_CELLS.clear()
    _INT_CELLS[value, style] = tail
    return tail


@dataclass
class Worksheet:
    """The cells of one sheet; `xml()` writes it. Cells are (value, style index)."""

    widths: list[float] = field(default_factory=list)
    cells: dict[int, dict[int, tuple[str | Decimal | int | Formula | None, int]]] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, col, last row, col
    page: Page = field(default_factory=Page)
    freeze: tuple[int, int] | None = None  # (row, col) of the first cell that scrolls

    def set(self, row: int, col: int, value: str | Decimal | int | Formula | None, style: int) -> None:
        """Text is always text (`=1` never a formula); a Decimal keeps its exact digits."""
        self.cells.setdefault(row, {})[col] = (value, style)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merges.append((first_row, first_col, last_row, last_col))

    def opening(self) -> tuple[str, str]:
        """The sheet's XML up to `<sheetData>`, around its dimension's last cell: (before, after)."""
        fit = self.page.scale is None
        before = (f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
                  + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit else "") + '<dimension ref="A1:')
        out = ['"/><sheetViews><sheetView workbookViewId="0">']
        if self.freeze:
            row, col = self.freeze
            corner = ref(row, col)
            out.append(f'<pane xSplit="{col - 1}" ySplit="{row - 1}" topLeftCell="{corner}" activePane="bottomRight" '
                       f'state="frozen"/><selection pane="bottomRight" activeCell="{corner}" sqref="{corner}"/>')
        out.append('</sheetView></sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
        if self.widths:
            out.append("<cols>")
            out += [f'<col min="{i}" max="{i}" width="{number(w)}" customWidth="1"/>'
                    for i, w in enumerate(self.widths, 1)]
            out.append("</cols>")
        out.append("<sheetData>")
        return before, "".join(out)

    def print_setup(self) -> str:
        """The XML of the page's margins and setup (after the merged cells)."""
        left, right, top, bottom = self.page.margins
        fit = self.page.scale is None
        orientation = "landscape" if self.page.landscape else "portrait"
        return (('<printOptions horizontalCentered="1"/>' if self.page.centered else "")
                + f'<pageMargins left="{number(left)}" right="{number(right)}" top="{number(top)}" '
                  f'bottom="{number(bottom)}" header="{number(min(0.3, top / 2))}" '
                  f'footer="{number(min(0.3, bottom / 2))}"/>'
                + (f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>' if fit
                   else f'<pageSetup paperSize="9" scale="{self.page.scale}" orientation="{orientation}"/>'))

    def xml(self) -> bytes:
        rows = sorted(set(self.cells) | set(self.heights))
        last_col = max([len(self.widths), *(max(cols) for cols in self.cells.values() if cols)], default=1)
        last_row = rows[-1] if rows else 1
        before, after = self.opening()
        out = [before, ref(last_row, last_col), after]
        for r in rows:
            height = self.heights.get(r)
            out.append(f'<row r="{r}" ht="{number(height)}" customHeight="1">' if height is not None
                       else f'<row r="{r}">')
            cells = self.cells.get(r)
            if cells:
                letter_row = str(r)
                out += [f'<c r="{_LETTERS[c - 1]}{letter_row}"{cell_tail(value, style)}'
                        for c, (value, style) in sorted(cells.items())]
            out.append("</row>")
        out.append("</sheetData>")
        out.append(merge_cells(self.merges))
        out.append(self.print_setup())
        out.append(page_ends(self.page.footer, self.page.breaks))
        out.append("</worksheet>")
        return "".join(out).encode("utf-8")


def cell_tail(value: str | Decimal | int | Formula | None, style: int) -> str:
    """A cell's XML after its reference (`<c r="A1"` + this)."""
    kind = value.__class__  # the usual classes told first, without isinstance
    if kind is int:  # a count (not a Decimal, which is equal to an int of its value)
        return _INT_CELLS.get((value, style)) or _int_cell(value, style)
    if kind is not Decimal:
        if kind is str or value is None or isinstance(value, str):  # most of a sheet repeats: its texts' XML, kept
            return _TEXT_CELLS.get((value, style)) or _text_cell(value, style)
        if isinstance(value, Formula):
            cached = format(value.value, "f") if isinstance(value.value, Decimal) else str(value.value)
            return f' s="{style}"><f>{escape(value.text)}</f><v>{cached}</v></c>'
    text = format(value, "f") if kind is Decimal or isinstance(value, Decimal) else str(value)
    return f' s="{style}"><v>{text}</v></c>'


_MERGE_CELLS: dict[tuple[int, int, int, int], str] = {}


def _merge_cell(merge: tuple[int, int, int, int]) -> str:
    a, b, c, d = merge
    if len(_MERGE_CELLS) >= 4096:  # bounded: a template's tables merge the same few hundred ranges
        _MERGE_CELLS.clear()
    xml = _MERGE_CELLS[merge] = f'<mergeCell ref="{_LETTERS[b - 1]}{a}:{_LETTERS[d - 1]}{c}"/>'
    return xml


def merge_cell(merge: tuple[int, int, int, int]) -> str:
    """A merged range's XML (first row, first col, last row, last col)."""
    return _MERGE_CELLS.get(merge) or _merge_cell(merge)


def merge_cells(merges: Sequence[tuple[int, int, int, int]]) -> str:
    if not merges:
        return ""
    known = _MERGE_CELLS.get
    return (f'<mergeCells count="{len(merges)}">'
            + "".join([known(m) or _merge_cell(m) for m in merges]) + "</mergeCells>")


def page_ends(footer: str | None, breaks: Sequence[int]) -> str:
    """The footer and the row breaks' XML (after the page setup)."""
    out = f"<headerFooter><oddFooter>&amp;C{escape(footer)}</oddFooter></headerFooter>" if footer else ""
    if breaks:
        out += (f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">'
                + "".join([f'<brk id="{row}" max="16383" man="1"/>' for row in breaks]) + "</rowBreaks>")
    return out


# ---------------------------------------------------------------- workbooks

def sheet_part(index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


@lru_cache(maxsize=None)
def _fixed_parts() -> tuple[Entry, ...]:
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>perfgen</dc:creator>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
            '</cp:coreProperties>')
    # LibreOffice lays out row heights as Excel does only for files whose generator starts with
    # "Microsoft" (openpyxl says the same of its files); the heights here are computed for Excel
    app = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>Microsoft Excel Compatible / perfgen</Application></Properties>")
    rels = (f'<Relationships xmlns="{PACKAGE_REL}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{PACKAGE_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>")
    return (packed(deflate("_rels/.rels", rels.encode())), packed(deflate("docProps/app.xml", app.encode())),
            packed(deflate("docProps/core.xml", core.encode())))


@lru_cache(maxsize=64)  # a project's workbook has one sheet, a department's one more than its tables
def _counted_parts(count: int) -> tuple[Entry, Entry]:
    """The content types and the workbook's relationships of a workbook of `count` sheets, deflated."""
    return (packed(deflate("[Content_Types].xml", _content_types(count))),
            packed(deflate("xl/_rels/workbook.xml.rels", _workbook_rels(count))))


def _content_types(count: int) -> bytes:
    ct = "application/vnd.openxmlformats-officedocument"
    parts = ['<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
             f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
             '<Override PartName="/docProps/core.xml" '
             'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
             f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>']
    parts += [f'<Override PartName="/{sheet_part(i)}" ContentType="{_SHEET_TYPE}"/>' for i in range(1, count + 1)]
    parts.append("</Types>")
    return "".join(parts).encode("utf-8")


def _workbook(titles: Sequence[str], print_titles: dict[int, tuple]) -> bytes:
    """print_titles: sheet index → (first row, last row) printed on every page, and optionally
    (…, first column, last column) printed on every page across."""
    sheets = "".join(f'<sheet name="{attr(t)}" sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
    names = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
        + ",".join(f"{escape(quote_sheet(titles[i]))}!{part}" for part in (
            [f"${column_letter(spec[2])}:${column_letter(spec[3])}"] if len(spec) == 4 else []) + [
            f"${spec[0]}:${spec[1]}"])
        + "</definedName>"
        for i, spec in sorted(print_titles.items()))
    return (f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>').encode("utf-8")


def quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_rels(count: int) -> bytes:
    rels = [f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)]
    rels.append(f'<Relationship Id="rId{count + 1}" Type="{REL}/styles" Target="styles.xml"/>')
    return f'<Relationships xmlns="{PACKAGE_REL}">{"".join(rels)}</Relationships>'.encode("utf-8")


# a workbook part → it deflated, with its zip records: the workbooks of projects of one name (a
# 党建经费 in many departments) have the same part. Bounded: a few hundred names, about 1 KB each.
_BOOKS: dict[bytes, Entry] = {}


def _book(xml: bytes) -> Entry:
    found = _BOOKS.get(xml)
    if found is None:
        if len(_BOOKS) >= 256:
            _BOOKS.clear()
        found = _BOOKS[xml] = packed(deflate("xl/workbook.xml", xml))
    return found


def _named(entry: Entry, name: str) -> Entry:
    return entry if entry.name == name else Entry(name, entry.crc, entry.size, entry.data)


def write_workbook(handle: BinaryIO, titles: Sequence[str], sheets: Iterable[Entry | bytes], styles: Entry,
                   print_titles: dict[int, tuple] | None = None) -> None:
    """A workbook with one sheet per title, streamed to `handle`: `sheets` (worksheet XML, or an
    Entry deflated before) are written one at a time, so none of them has to stay in memory.
    `styles` is the deflated stylesheet the sheets' style indexes refer to."""
    zipped = ZipWriter(handle)
    types, rels = _counted_parts(len(titles))
    zipped.add_all((types, *_fixed_parts(), _book(_workbook(titles, print_titles or {})), rels,
                    _named(styles, "xl/styles.xml")))
    count = 0
    for count, sheet in enumerate(sheets, 1):
        name = sheet_part(count)
        zipped.add(_named(sheet, name) if isinstance(sheet, Entry) else (name, sheet))
    if count != len(titles):
        raise ValueError(f"{len(titles)} sheet titles, {count} sheets")
    zipped.close()
