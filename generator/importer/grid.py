"""Readers: a .docx or .xlsx file as a neutral list of rows of cells, whatever made the file.

Every table row and every paragraph becomes a `Row`; a merged cell is read once: its first cell
carries the text and the grid span, the cells it covers (vMerge/hMerge continuations in Word,
the hidden cells of a merged range in Excel) are `merged` and empty. Nothing here knows a form.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from ..errors import ReadError  # noqa: F401  (also imported from here)
from ..render.ooxml import W
from ..render.sheetml import CONTINUED
from ..layout import is_regular_file
from .guard import check_package

DOCX = ".docx"
XLSX = ".xlsx"
SUFFIXES = (DOCX, XLSX)
# Wingdings / Segoe symbols Word uses for ticked and empty boxes (w:sym), as the characters a reader sees
_SYMBOLS = {"F0FE": "☑", "F078": "☒", "F0FD": "☒", "F0A8": "☐", "F06F": "☐", "F0A3": "☐", "2611": "☑",
            "2612": "☒", "2610": "☐"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True)
class Cell:
    text: str
    col: int            # first grid column (0-based)
    span: int = 1       # grid columns covered
    merged: bool = False  # continues a merged cell: read once, so it holds no text here

    def covers(self, col: int) -> bool:
        return self.col <= col < self.col + self.span


@dataclass
class Row:
    cells: list[Cell]
    source: int = -1          # which Word table or worksheet the row came from (-1: a paragraph)
    paragraph: bool = False
    number: int = 0           # the row's number in its Word table or worksheet (1-based), for messages

    @property
    def filled(self) -> list[Cell]:
        """The cells that carry text, in reading order."""
        return [c for c in self.cells if c.text and not c.merged]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.filled]


@dataclass
class Document:
    path: Path
    rows: list[Row] = field(default_factory=list)
    tables: int = 0           # Word tables or worksheets read


def read(path: Path) -> Document:
    """The rows of a .docx or .xlsx file; raises ReadError with a message in Chinese."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = "（请在 Word / Excel 中另存为 .docx / .xlsx）" if suffix in (".doc", ".xls", ".wps", ".et") else ""
        raise ReadError(f"不支持的文件类型「{path.suffix or '无扩展名'}」，只能导入 .docx 和 .xlsx{hint}")
    if not path.exists():
        raise ReadError("文件不存在")
    if not is_regular_file(path):  # a folder or a FIFO named x.docx: never opened (a FIFO would hang)
        raise ReadError("不是普通文件（是目录、管道或设备）")
    try:
        check_package(path)  # bounded: a small hostile file is refused before any reader inflates it
        return read_docx(path) if suffix == DOCX else read_xlsx(path)
    except ReadError:
        raise
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError, ValueError) as exc:
        kind = "Word" if suffix == DOCX else "Excel"
        raise ReadError(f"无法作为 {kind} 文件读取（文件损坏或不是 {suffix}）：{exc}") from exc
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - one odd file never stops the others
        raise ReadError(f"读取时出错（{type(exc).__name__}: {exc}），请把这个文件报告给 perfgen 的维护者") from exc


# ---------------------------------------------------------------- Word

_TEXT_TAGS = tuple(f"{W}{tag}" for tag in ("t", "br", "cr", "tab", "sym", "noBreakHyphen", "p"))
_T, _P, _SYM, _CHAR = f"{W}t", f"{W}p", f"{W}sym", f"{W}char"
_BREAKS = {f"{W}br": "\n", f"{W}cr": "\n", f"{W}tab": " ", f"{W}noBreakHyphen": "-"}
_CELL_LINES = (f"{W}p", f"{W}sdt", f"{W}customXml")
_SDT_CONTENT = f"{W}sdtContent"


def _local(node: etree._Element) -> str:
    """The tag's local name ("" for a comment or processing instruction)."""
    return node.tag.rpartition("}")[2] if isinstance(node.tag, str) else ""


def _text(node: etree._Element) -> str:
    """A paragraph's or cell's visible text: runs, line breaks, tabs, checkbox symbols."""
    parts = []
    for el in node.iter(*_TEXT_TAGS):
        tag = el.tag
        if tag == _T:
            parts.append(el.text or "")
        elif tag in _BREAKS:
            parts.append(_BREAKS[tag])
        elif tag == _SYM:
            parts.append(_SYMBOLS.get((el.get(_CHAR) or "").upper()[-4:], ""))
        elif tag == _P and el is not node and parts:
            parts.append("\n")  # paragraphs of a cell are lines
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    # a nested table's text is not the cell's own text
    lines = [_text(p) for p in tc.iterchildren(*_CELL_LINES)]
    return "\n".join(line.strip() for line in "\n".join(lines).split("\n")).strip()


def _children(node: etree._Element, tag: str):
    """Children named `tag`, looking through content controls and custom XML wrappers."""
    for child in node:
        name = _local(child)
        if name == tag:
            yield child
        elif name in ("sdt", "customXml"):
            content = child.find(_SDT_CONTENT) if name == "sdt" else child
            if content is not None:
                yield from _children(content, tag)


def _int(node: etree._Element | None, default: int) -> int:
    try:
        return int(node.get(f"{W}val")) if node is not None else default
    except (TypeError, ValueError):
        return default


_GRID_BEFORE, _TCPR = f"{W}trPr/{W}gridBefore", f"{W}tcPr"
_SPAN, _VMERGE, _HMERGE, _VAL = f"{W}gridSpan", f"{W}vMerge", f"{W}hMerge", f"{W}val"
_PAGE_BREAK = f".//{W}lastRenderedPageBreak"
_PROPERTY = {_SPAN: 0, _VMERGE: 1, _HMERGE: 2}


def _properties(tc: etree._Element) -> tuple[etree._Element | None, ...]:
    """The cell's gridSpan, vMerge and hMerge, each the first in its w:tcPr elements (as
    `tc.find("w:tcPr/w:gridSpan")` finds it)."""
    found: list[etree._Element | None] = [None, None, None]
    for tcpr in tc.iterchildren(_TCPR):
        for prop in tcpr.iterchildren(_SPAN, _VMERGE, _HMERGE):
            index = _PROPERTY[prop.tag]
            if found[index] is None:
                found[index] = prop
    return tuple(found)


def _table_rows(tbl: etree._Element, source: int) -> list[Row]:
    rows = []
    merged_above: dict[int, str] = {}  # grid column → text of the vertical merge going on there
    for number, tr in enumerate(_children(tbl, "tr"), 1):
        col = _int(tr.find(_GRID_BEFORE), 0)
        cells: list[Cell] = []
        for tc in _children(tr, "tc"):
            span_node, v, h = _properties(tc)
            span = max(1, _int(span_node, 1))
            continued = any(m is not None and m.get(_VAL, "continue") == "continue" for m in (v, h))
            text = "" if continued else _cell_text(tc)
            if v is not None and not continued and merged_above.get(col) == text \
                    and tc.find(_PAGE_BREAK) is not None:
                continued, text = True, ""  # the merge above, its label printed again where a page begins
            if v is None:
                merged_above.pop(col, None)
            elif text:
                merged_above[col] = text
            cells.append(Cell(text, col, span, continued))
            col += span
        rows.append(Row(cells, source, number=number))
    return rows


def read_docx(path: Path) -> Document:
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"), _PARSER)
    return read_word_tree(root, path)


def read_word_tree(root: etree._Element, path: Path) -> Document:
    """The rows of a parsed word/document.xml (also of a table perfgen just rendered)."""
    body = root.find(f"{W}body")
    if body is None:
        raise ReadError("Word 文件中没有正文")
    document = Document(path)

    def walk(node: etree._Element) -> None:
        for child in node:
            name = _local(child)
            if name == "p":
                text = _text(child).strip()
                if text:
                    document.rows.append(Row([Cell(text, 0)], paragraph=True))
            elif name == "tbl":
                document.rows.extend(_table_rows(child, document.tables))
                document.tables += 1
            elif name == "sdt":
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    walk(content)
            elif name == "customXml":
                walk(child)

    walk(body)
    return document


# ---------------------------------------------------------------- Excel

def _excel_text(cell) -> str:
    """What a reader sees in a cell, for the values these tables hold (text, numbers, dates)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        fmt = (cell.number_format or "General").split(";")[0]
        if "%" in fmt:
            decimals = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
            return f"{value * 100:.{decimals}f}%"
        if "0" in fmt and fmt != "General":  # 0.00, #,##0: as Excel shows it (rounded half up)
            from ..amounts import format_number

            decimals = sum(1 for ch in fmt.split(".")[1] if ch in "0#") if "." in fmt else 0
            return format_number(Decimal(repr(value)), decimals, "," in fmt)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)  # repr: the shortest exact digits
    return str(value).strip()


def read_xlsx(path: Path) -> Document:
    import openpyxl  # imported here: Word-only imports need not load it

    book = openpyxl.load_workbook(path)
    # a formula shows the value Excel last computed; a file written by a program may have none,
    # and then what was typed is what the author meant (`=100.00(%)` typed without a quote)
    shown = openpyxl.load_workbook(path, data_only=True) if any(
        cell.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row) else None
    document = Document(path)
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        spans: dict[tuple[int, int], int] = {}
        hidden: set[tuple[int, int]] = set()
        page_starts = {brk.id + 1 for brk in ws.row_breaks.brk}
        for r in page_starts:  # a merged label perfgen printed again where a page begins: the merge above
            hidden.update((r, cell.column) for cell in ws[r] if cell.style == CONTINUED) if r <= ws.max_row else None
        for rng in ws.merged_cells.ranges:
            spans[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
            hidden.update((r, c) for r in range(rng.min_row, rng.max_row + 1)
                          for c in range(rng.min_col, rng.max_col + 1) if (r, c) != (rng.min_row, rng.min_col))
        for r, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column), 1):
            cells = []
            for c, cell in enumerate(row, 1):
                if (r, c) in hidden:
                    cells.append(Cell("", c - 1, 1, True))
                else:
                    if cell.data_type == "f" and shown is not None and shown[ws.title].cell(r, c).value is not None:
                        cell = shown[ws.title].cell(r, c)
                    cells.append(Cell(_excel_text(cell), c - 1, spans.get((r, c), 1)))
            if any(cell.text for cell in cells):
                document.rows.append(Row(cells, document.tables, number=r))
        document.tables += 1
    return document
