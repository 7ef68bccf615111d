"""A rendered document read once, as text: its body's paragraphs and tables, their rows and cells.

Everything after jinja — the vertical merges the context marks (CONTINUE, merge.py), the page
layout (docx_print.py), the Excel sheet (xlsx.py) — needs the same facts about each cell: where it
is, how far it reaches, what it prints and in what format. They are read here in one pass over
the rendered text instead of a pass each over an lxml tree. A cell's format depends only on its
XML without its texts (its *shape*), and a department's tables repeat a few dozen shapes: each
shape is read once, with lxml and the functions that define the format (ooxml.cell_properties,
docx_print._size, xlsx._format), and remembered; per cell only str.find and one regular
expression run, and a whole cell met before is one lookup. Edits (a
merge begun or continued, a merge restarted where a page begins, the page-number footer) are
spliced into the text.

The text read is in the form lxml writes (docx.WordTemplate.canonical: values escaped as lxml
escapes text, elements rendered empty collapsed), so the bytes written are those lxml would write
for the same tree, and a cell's text reads back with three replacements.
Templates are checked once (`check_template`) for what this reading does not follow: tables in
tables, text boxes, content controls and comments in the document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from lxml import etree

from ..errors import VariantError
from .ooxml import W, cell_properties, child

# ---------------------------------------------------------------- lxml's form of a rendered text

def reparsed(xml: str) -> str:
    """The text through lxml: what docx.WordTemplate.canonical leaves to the parser (and where
    it raises)."""
    root = etree.fromstring(xml.encode("utf-8"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


def unescape(text: str) -> str:
    """A text's characters from its XML (lxml writes & < > as references; a template's own `|e`
    also quotes)."""
    if "&" not in text:
        return text
    if "&#" in text or "&quot;" in text or "&apos;" in text:
        text = (text.replace("&#34;", '"').replace("&#39;", "'").replace("&quot;", '"')
                .replace("&apos;", "'"))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---------------------------------------------------------------- the parts of a document

@dataclass(slots=True)
class Cell:
    start: int               # offsets in its row's text (`Row.at`: where the row begins)
    end: int
    col: int                 # grid column
    span: int
    merge: str | None        # vMerge: 'restart', 'continue' or None
    shape: "CellShape"
    text: str                # paragraphs joined by a line break
    raw: str                 # the cell's XML now (edits change it)
    edited: bool = False
    number: Decimal | None = None  # an amount cell's exact amount (docx_print.mark_numbers), for Excel
    # the page layout's height of the cell (docx_print._heights): (its table grid's measures, the
    # text measured, the height), kept with a cell the rows of its text share (not copied)
    laid: tuple | None = field(default=None, compare=False, repr=False)

    def copy(self) -> "Cell":
        return Cell(self.start, self.end, self.col, self.span, self.merge, self.shape, self.text, self.raw,
                    self.edited, self.number)


@dataclass(slots=True)
class Row:
    header: bool             # w:tblHeader: repeated on every page
    min_height: float        # w:trHeight, points
    cells: list[Cell]
    # the cells as `read` first met the row's text: shared by every row of that text (most of a
    # department's rows repeat), so a cell that changes is made the row's own first (`own`), but
    # for what every row of the text gets alike (a CONTINUE made a continuation: merge.py)
    shared: tuple[Cell, ...] = ()
    at: int = 0              # where the row begins in the document's text
    end: int = 0             # where it ends
    changed: bool = False    # the row holds an edited cell (`own`, merge.py): only such a row is spliced
    owned: bool = False      # a cell made the row's own (`own`): the row differs from others of its text

    def own(self, i: int) -> Cell:
        """The row's i-th cell, ready to change: a copy where it is shared with other rows."""
        cell = self.cells[i]
        self.changed = True
        if i < len(self.shared) and cell is self.shared[i]:
            cell = self.cells[i] = cell.copy()
            self.owned = True
        return cell


@dataclass(slots=True)
class Table:
    start: int
    widths: list[int | None]  # grid columns, twips (None: the template sets none)
    inset: float             # left + right cell margins, points
    rows: list[Row]


@dataclass(slots=True)
class Paragraph:
    text: str
    shape: "ParagraphShape"


@dataclass
class Document:
    """A rendered document's body, read once (`read`): what the merges, the page layout and the
    Excel sheet need, and the text to write back (`text()`, with the edits made since)."""

    source: str
    blocks: list[Table | Paragraph]
    landscape: bool
    sect: int                # offset of the body's w:sectPr, -1 without one
    root_open: str           # the document's start tag, with every namespace declared

    @property
    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    def cells(self) -> Iterator[Cell]:
        for table in self.tables:
            for row in table.rows:
                yield from row.cells

    def text(self, replaced: dict[int, tuple[int, str]] | None = None,
             spliced: list[tuple[int, int, str]] = ()) -> str:
        """The document's XML with its edits: cells changed in place (in the rows marked `changed`)
        and, for this text only, `replaced` (a cell's start → its end and XML: instead of the
        cell as it is) and `spliced` ((start, end, XML) of the source)."""
        replaced = replaced or {}
        edits = [*spliced, *((start, end, xml) for start, (end, xml) in replaced.items())]
        for block in self.blocks:
            if type(block) is Table:
                for row in block.rows:
                    if row.changed:
                        _cell_edits(row, replaced, edits)
        if not edits:
            return self.source
        edits.sort()  # by start (no two edits begin at one place): the cells' are in order already
        return "".join(_pieces(self.source, edits))

    def data(self, kept: dict[int, tuple[tuple, bytes]], replaced: dict[int, tuple[int, str]] | None = None,
             spliced: list[tuple[int, int, str]] = ()) -> bytes:
        """`text()` in UTF-8 (encoding is a tenth of a table's work), a row that differs from no
        other of its text (no cell of its own, nothing replaced in it) taken as encoded before:
        `kept` holds the bytes by the row's shared cells (their id, bounded), which the merge pass
        has made what they stay (merge.py)."""
        replaced = replaced or {}
        edits: list[tuple[int, int, str | bytes]] = [
            *spliced, *((start, end, xml) for start, (end, xml) in replaced.items())]
        source = self.source
        for block in self.blocks:
            if type(block) is Table:
                for row in block.rows:
                    shared = row.shared
                    if row.owned or not shared or replaced and any(row.at <= at < row.end for at in replaced):
                        if row.changed:
                            _cell_edits(row, replaced, edits)
                        continue
                    found = kept.get(id(shared))
                    if found is None or found[0] is not shared:
                        own: list[tuple[int, int, str]] = []
                        _cell_edits(row, replaced, own)
                        if len(kept) >= 128:  # a department's repeated rows; 512 grew a 2,000-spec build's memory 1.7 MB
                            kept.clear()
                        found = kept[id(shared)] = (shared, "".join(_pieces(source, own, row.at, row.end)).encode())
                    edits.append((row.at, row.end, found[1]))
        edits.sort()
        return b"".join(piece if type(piece) is bytes else piece.encode() for piece in _pieces(source, edits))

    def parse(self, xml: str) -> etree._Element:
        """An XML fragment of this document (cells, paragraphs) as elements under its root."""
        return etree.fromstring(f"{self.root_open}{xml}</{_tag_name(self.root_open)}>")

    def serialize(self, root: etree._Element) -> str:
        """The fragment under `root` (from `parse`) as text."""
        out = etree.tostring(root, encoding="unicode")
        return out[out.index(">") + 1:out.rindex("<")]


def _cell_edits(row: Row, replaced: dict[int, tuple[int, str]], edits: list) -> None:
    """The edits of a row's cells changed in place ((start, end, XML) in the document's text), but
    those `replaced`, added to `edits` in order."""
    at = row.at
    for c in row.cells:
        if c.edited and at + c.start not in replaced:
            edits.append((at + c.start, at + c.end, c.raw))


def _pieces(source: str, edits: list, start: int = 0, end: int | None = None) -> list:
    """source[start:end] as pieces, with `edits` ((start, end, what instead), in order) made."""
    pieces, at = [], start
    for begin, stop, instead in edits:
        pieces.append(source[at:begin])
        pieces.append(instead)
        at = stop
    pieces.append(source[at:end])
    return pieces


def _tag_name(start_tag: str) -> str:
    return start_tag[1:].split(None, 1)[0].rstrip(">/")


# ---------------------------------------------------------------- shapes, read once with lxml

@dataclass(frozen=True, slots=True)
class CellShape:
    span: int
    merge: str | None
    valign: str | None
    # the first paragraph's format (xlsx._format's reading, None: the default size) and print size
    horizontal: str
    bold: bool
    format_size: float | None
    print_size: float | None       # docx_print._size of the first paragraph (None: the default)
    has_paragraph: bool
    simple: bool                   # one paragraph, every text in it, no break or tab


@dataclass(frozen=True, slots=True)
class ParagraphShape:
    print_size: float | None
    exact: float | None            # an exact line height, points
    extra: float                   # spacing before and after, points
    horizontal: str
    bold: bool
    format_size: float | None


_TEXTS = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_TOKENS = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|(<w:br[\s/>])|(<w:tab[\s/>])|(</w:p>|<w:p(?:\s[^>]*)?/>)")
_NONE = -1.0  # the size the shapes are read with where a paragraph sets none


class Shapes:
    """The shapes of one template's tables, read as they are met (each table bounded: a table's
    shapes are the template's, repeated; only `seen` and `edits` hold texts)."""

    LIMIT = 4096
    SEEN = 1024  # whole cells remembered: a department's repeated cells, not every table's own
    SEEN_ROWS = 512  # whole rows remembered (a few KB each): a department's, not a district's

    def __init__(self):
        self.cells: dict[str, CellShape] = {}
        self.paragraphs: dict[str, ParagraphShape] = {}
        self.rows: dict[str, tuple[bool, float]] = {}
        self.tables: dict[str, tuple[list[int | None], float]] = {}
        self.edits: dict[tuple[str, str], str] = {}
        # whole cells met before (a department's labels, empty and continued cells: most of a
        # table) → (shape, text), so that a repeated cell costs one lookup
        self.seen: dict[str, tuple[CellShape, str]] = {}
        # whole rows met before (headers, labels, the indicators a department repeats: three rows
        # in four of the benchmark's tables) → their cells as `_row` reads them
        self.seen_rows: dict[str, tuple[bool, float, tuple]] = {}
        # the rows of the document read last ((text, what seen_rows holds for it), in order): a
        # row as long as the row at its place there is compared with it first, a memcmp where
        # the lookup hashes the whole row (a table's label and header rows stay where they were)
        self.last_rows: list[tuple[str, tuple[bool, float, tuple]]] = []

    def _room(self, table: dict) -> dict:
        if len(table) >= self.LIMIT:
            table.clear()
        return table

    def cell(self, key: str, document: Document) -> CellShape:
        shape = self.cells.get(key)
        if shape is None:
            from .docx_print import _size
            from .xlsx import _format

            tc = document.parse(key)[0]
            span, merge, valign = cell_properties(tc)
            p = child(tc, f"{W}p")
            fmt = _format(p, valign, True, _NONE)
            paragraphs = list(tc.iterchildren(f"{W}p"))
            inside = sum(1 for p_ in paragraphs for _ in p_.iter(f"{W}t", f"{W}br", f"{W}tab"))
            everywhere = sum(1 for _ in tc.iter(f"{W}t", f"{W}br", f"{W}tab"))
            breaks = sum(1 for p_ in paragraphs for _ in p_.iter(f"{W}br", f"{W}tab"))
            size = _size(p, _NONE) if p is not None else _NONE
            shape = CellShape(span, merge, valign, fmt.horizontal, fmt.bold,
                              None if fmt.size == _NONE else fmt.size, None if size == _NONE else size,
                              p is not None, len(paragraphs) == 1 and inside == everywhere and not breaks)
            self._room(self.cells)[key] = shape
        return shape

    def paragraph(self, key: str, document: Document) -> ParagraphShape:
        shape = self.paragraphs.get(key)
        if shape is None:
            from .docx_print import _exact, _size, q
            from .xlsx import _format

            p = document.parse(key)[0]
            spacing = child(child(p, q("pPr")), q("spacing"))
            extra = sum(int(spacing.get(q(k), "0")) for k in ("before", "after")) / 20 if spacing is not None else 0
            fmt = _format(p, None, False, _NONE)
            size = _size(p, _NONE)
            shape = ParagraphShape(None if size == _NONE else size, _exact(p), extra, fmt.horizontal, fmt.bold,
                                   None if fmt.size == _NONE else fmt.size)
            self._room(self.paragraphs)[key] = shape
        return shape

    def row(self, key: str, document: Document) -> tuple[bool, float]:
        found = self.rows.get(key)
        if found is None:
            tr = document.parse(key + "</w:tr>")[0]
            tr_pr = child(tr, f"{W}trPr")
            height = child(tr_pr, f"{W}trHeight")
            found = (child(tr_pr, f"{W}tblHeader") is not None,
                     int(height.get(f"{W}val", "0")) / 20 if height is not None else 0.0)
            self._room(self.rows)[key] = found
        return found

    def table(self, key: str, document: Document) -> tuple[list[int | None], float]:
        found = self.tables.get(key)
        if found is None:
            tbl = document.parse(key + "</w:tbl>")[0]
            margins = tbl.find(f"{W}tblPr/{W}tblCellMar")
            inset = sum(int(m.get(f"{W}w", "0")) for m in margins.iterfind(f"{W}*")
                        if etree.QName(m).localname in ("left", "right", "start", "end")) / 20 \
                if margins is not None else 0
            widths = [int(c.get(f"{W}w")) if c.get(f"{W}w") is not None else None
                      for c in tbl.iterfind(f"{W}tblGrid/{W}gridCol")]
            found = (widths, inset)
            self._room(self.tables)[key] = found
        return found

    def edit(self, raw: str, how: str, document: Document, change: Callable[[etree._Element], None]) -> str:
        """A cell's XML after `change` (named `how`), made with lxml once per cell text and change."""
        key = (raw, how)
        out = self.edits.get(key)
        if out is None:
            root = document.parse(raw)
            change(root[0])
            out = document.serialize(root)
            self._room(self.edits)[key] = out
        return out


# ---------------------------------------------------------------- reading

_PARAGRAPH = re.compile(r"<w:p(?:\s[^>]*)?(?:/>|>.*?</w:p>)", re.DOTALL)
_LANDSCAPE = re.compile(r"<w:pgSz\b[^>]*\bw:orient=\"landscape\"")
# a text's content (after its start tag, before its end tag): split out, the rest is the shape
_TEXT_SPLIT = re.compile(r"(?<=>)([^<]+)(?=</w:t>)")


def split_texts(raw: str) -> tuple[str, str]:
    """`raw` without its texts' contents (its shape) and those contents joined: what splitting by
    `_TEXT_SPLIT` gives, found with str.find (four times faster than the expression, which tries
    its look-behind at every character). A text's content begins after its start tag's `>`: the
    expression's leftmost match, after the first `>` that follows the last `<` before the end tag."""
    find, rfind = raw.find, raw.rfind
    end = find("</w:t>")
    if end == -1:
        return raw, ""
    shape, texts, at = [], [], 0
    while end != -1:
        tag = rfind("<", at, end)
        start = find(">", at if tag == -1 else tag, end) + 1
        if start and start < end:
            shape.append(raw[at:start])
            texts.append(raw[start:end])
            at = end
        end = find("</w:t>", end + 6)
    shape.append(raw[at:])
    return "".join(shape), "".join(texts)


def read(xml: str, shapes: Shapes) -> Document:
    """The body of a rendered document (in lxml's form, see `canonical`), read once.

    Templates hold no table in a table (check_template), so a table, a row and a cell end at the
    first end tag after them, and outside a cell the next `<w:tc` is a cell, outside a row the next
    `<w:tr` a row: the structure is found with str.find."""
    start = xml.index("<", xml.index("?>") + 2 if xml.startswith("<?") else 0)
    root_open = xml[start:xml.index(">", start) + 1]
    gap, sect, body_end = body_bounds(xml)  # gap: where the text between tables begins
    document = Document(xml, [], bool(sect != -1 and _LANDSCAPE.search(xml, sect, body_end)), sect, root_open)
    blocks = document.blocks
    seen_rows, find = shapes.seen_rows, xml.find
    last_rows, these_rows = shapes.last_rows, []
    table_start = find("<w:tbl", gap, body_end)
    while table_start != -1:
        _paragraphs(document, xml, gap, table_start, shapes)
        # the table's end is looked for where its rows end, not over its whole text: before its
        # first row (a table without rows), or after a row not followed by another at once
        row_start = find("<w:tr", table_start, body_end)
        table_end = find("</w:tbl>", table_start, row_start if row_start != -1 else body_end)
        if table_end != -1 or row_start == -1:
            table_end, row_start = _end(table_end, "</w:tbl>"), -1
        widths, inset = shapes.table(xml[table_start:row_start if row_start != -1 else table_end - 8], document)
        rows: list[Row] = []
        while row_start != -1:
            row_end = _end(find("</w:tr>", row_start, table_end if table_end != -1 else body_end), "</w:tr>")
            n = len(these_rows)
            if (n < len(last_rows) and len(last_rows[n][0]) == row_end - row_start
                    and xml.startswith(last_rows[n][0], row_start)):
                row_raw, known_row = last_rows[n]
            else:
                row_raw = xml[row_start:row_end]
                known_row = seen_rows.get(row_raw)
                if known_row is None:
                    known_row = _row(row_raw, document, shapes)
                    if len(seen_rows) >= shapes.SEEN_ROWS:
                        seen_rows.clear()
                    seen_rows[row_raw] = known_row
            these_rows.append((row_raw, known_row))
            header, min_height, laid = known_row
            rows.append(Row(header, min_height, list(laid), laid, row_start, row_end))
            if table_end == -1 and not xml.startswith("<w:tr", row_end):
                table_end = _end(find("</w:tbl>", row_end, body_end), "</w:tbl>")
            row_start = row_end if table_end == -1 else find("<w:tr", row_end, table_end)
        blocks.append(Table(table_start, widths, inset, rows))
        gap = table_end
        table_start = find("<w:tbl", gap, body_end)
    _paragraphs(document, xml, gap, sect if sect != -1 else body_end, shapes)
    shapes.last_rows = these_rows
    return document


def _row(xml: str, document: Document, shapes: Shapes) -> tuple[bool, float, tuple[Cell, ...]]:
    """A row's (header, least height, its cells (offsets from the row's start)): what `read`
    keeps of a row it meets again, the cells shared by every row of this text."""
    cell_shapes, seen = shapes.cells, shapes.seen
    row_end = len(xml)
    cell_start = xml.find("<w:tc")
    key = xml[:cell_start if cell_start != -1 else row_end - 7]
    header, min_height = shapes.rows.get(key) or shapes.row(key, document)
    cells = []
    col = 0
    while cell_start != -1:
        cell_end = _end(xml.find("</w:tc>", cell_start, row_end), "</w:tc>")
        raw = xml[cell_start:cell_end]
        known = seen.get(raw)
        if known is None:
            key, text = split_texts(raw)
            shape = cell_shapes.get(key) or shapes.cell(key, document)
            if shape.simple:
                if "&" in text:
                    text = unescape(text)
            else:
                text = cell_text(raw)
            if len(seen) >= shapes.SEEN:
                seen.clear()
            seen[raw] = (shape, text)
        else:
            shape, text = known
        cells.append(Cell(cell_start, cell_end, col, shape.span, shape.merge, shape, text, raw))
        col += shape.span
        cell_start = xml.find("<w:tc", cell_end, row_end)
    return header, min_height, tuple(cells)


def _end(found: int, tag: str) -> int:
    """Where an element ends, after its end tag (which must be there)."""
    if found == -1:
        raise VariantError(f"生成的 Word 文档缺少 {tag}：模板或数据中的 XML 不完整")
    return found + len(tag)


def body_bounds(xml: str) -> tuple[int, int, int]:
    """Where the body's content begins, its w:sectPr (-1: none) and the body's end tag."""
    body = xml.index("<w:body")
    end = xml.rindex("</w:body>")
    sect = xml.rfind("<w:sectPr", body, end)
    if sect != -1 and xml.rfind("</w:p>", sect, end) != -1:
        sect = -1  # a paragraph's section break, not the body's
    return xml.index(">", body) + 1, sect, end


def _paragraphs(document: Document, xml: str, start: int, end: int, shapes: Shapes) -> None:
    """The body's paragraphs between `start` and `end` (outside tables)."""
    for match in _PARAGRAPH.finditer(xml, start, end):
        raw = match.group(0)
        shape = shapes.paragraph(split_texts(raw)[0], document)
        document.blocks.append(Paragraph(unescape("".join(_TEXTS.findall(raw))), shape))


def cell_text(raw: str, separator: str = "\n") -> str:
    """The cell's text as ooxml.cell_text reads it: paragraphs joined by `separator`, a line break
    as a newline, a tab as a tab."""
    paragraphs, parts = [], []
    for text, br, tab, end in _TOKENS.findall(raw):
        if end:
            paragraphs.append("".join(parts))
            parts = []
        elif br:
            parts.append("\n")
        elif tab:
            parts.append("\t")
        else:
            parts.append(text)
    return unescape(separator.join(paragraphs))


def check_template(document: etree._Element) -> None:
    """What the one-pass reading does not follow, refused when the template is loaded."""
    body = document.find(f"{W}body")
    for node in body.iter():
        if not isinstance(node.tag, str):
            node.getparent().remove(node)  # comments and processing instructions: nothing to print
    for tbl in body.iter(f"{W}tbl"):
        if next(tbl.iterancestors(f"{W}tbl"), None) is not None:
            raise VariantError("Word 模板的表格中还有表格：perfgen 不支持表格嵌套，请把内层表格拆开")
    if body.find(f".//{W}txbxContent") is not None or body.find(f".//{W}sdt") is not None:
        raise VariantError("Word 模板中有文本框或内容控件：perfgen 只填写正文段落和表格，请把它们转换为普通文字")


__all__ = ["Cell", "Row", "Table", "Paragraph", "Document", "Shapes", "read", "cell_text",
           "check_template", "reparsed", "unescape", "body_bounds"]
