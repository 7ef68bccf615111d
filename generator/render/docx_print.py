"""Print-ready Word tables: what the template gets once, and what each rendered table gets.

Once per template (`PrintTemplate`): the package is rebuilt from the parts the document uses —
no theme, thumbnail, custom XML or the 300 KB of styles Word ships, only the styles the table
refers to, with the variant's font chain and East Asian text tagged zh-CN; every table gets a fixed
layout with an explicit grid and cell widths (the variant's `print.columns`), the cell margins of
`print.padding`, rows that never split across pages, and paragraphs of exact line height (so a
row is as tall in Word, WPS and LibreOffice whichever CJK font they find); a table whose header
rows (Word's "repeat as header row", w:tblHeader) are not its first rows is split before them, so
that they repeat on every page — Word, WPS and LibreOffice repeat only a table's first rows.

Per table (`PrintTemplate.finish`): perfgen lays the pages out itself (pages.py) and, where a page
will begin inside a merged 一级/二级 (or any vertical merge), restarts the merge there with its
label, so every page says which 一级/二级 its rows belong to: none of Word, WPS and LibreOffice
repeats a merged cell's text on the next page, and LibreOffice ignores a page break before a row,
so the break cannot be forced. A table over one page gets "第 X 页 共 Y 页" in its footer (PAGE
and NUMPAGES fields); the document properties name the project and the department.
"""
from __future__ import annotations

import copy
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

from lxml import etree

from ..settings import TWIPS_PER_CM, PrintStyle
from ..write import Entry, deflate, packed
from . import pages
from .ooxml import TCPR_ORDER, W, W_NS, cell_properties, cell_text, child, set_v_merge
from .rendered import Cell, Document, Paragraph, Table, check_template

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TWIPS_PER_PT = 20
FOOTER_PART, FOOTER_ID = "word/footer_pages.xml", "rIdPerfgenFooter"
_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_PLACEHOLDER = re.compile(r"^(?:\{%[^%]*%\})?\{\{\s*([^\s{}]+)\s*\}\}(?:\{%[^%]*%\})?$")

# the package parts a table keeps, by relationship type: what Word needs to show it
_KEPT_TYPES = {f"{REL_TYPE}/styles", f"{REL_TYPE}/settings", f"{REL_TYPE}/numbering", f"{REL_TYPE}/footer",
               f"{REL_TYPE}/header", f"{REL_TYPE}/image", f"{REL_TYPE}/hyperlink"}


def q(tag: str) -> str:
    return f"{W}{tag}"


def _set(parent: etree._Element, tag: str, order: list[str] | None = None, **attrs: str) -> etree._Element:
    """The child `tag` of parent (made if missing, in schema order when `order` is given), with attrs."""
    node = child(parent, q(tag))
    if node is None:
        node = etree.Element(q(tag))
        if order is not None:
            rank = order.index(tag)
            position = sum(1 for c in parent if etree.QName(c).localname in order[:rank])
            parent.insert(position, node)
        else:
            parent.append(node)
    for key, value in attrs.items():
        node.set(q(key), value)
    return node


def _first(parent: etree._Element, tag: str) -> etree._Element:
    """The properties child (pPr, rPr, tcPr, trPr, tblPr) that must come first in its parent."""
    node = child(parent, q(tag))
    if node is None:
        node = etree.Element(q(tag))
        parent.insert(0, node)
    return node


TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
               "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]
TRPR_ORDER = ["cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight",
              "tblHeader", "tblCellSpacing", "jc", "hidden"]
PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
             "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
             "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
             "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
             "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"]
RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
             "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w",
             "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign",
             "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"]
_THEME_FONTS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")


def _fonts(rfonts: etree._Element, style: PrintStyle) -> None:
    for attr in _THEME_FONTS:
        rfonts.attrib.pop(q(attr), None)
    rfonts.set(q("ascii"), style.latin_font)
    rfonts.set(q("hAnsi"), style.latin_font)
    rfonts.set(q("eastAsia"), style.fonts[0])
    rfonts.set(q("cs"), style.latin_font)


_R, _RPR, _PPR, _SZ, _VAL, _W, _P = (f"{W}{tag}" for tag in ("r", "rPr", "pPr", "sz", "val", "w", "p"))
_TR, _TC, _TR_PR, _TR_HEIGHT, _TBL_HEADER = (f"{W}{tag}" for tag in ("tr", "tc", "trPr", "trHeight", "tblHeader"))


def _size(p: etree._Element, default: float) -> float:
    """The font size (points) a paragraph prints in: its first run's, else its mark's, else the default."""
    for run in p.iter(_R):  # a page pass reads every cell of every table: no tuple of all runs, no q()
        sz = child(child(run, _RPR), _SZ)
        if sz is not None:
            return int(sz.get(_VAL)) / 2
    sz = child(child(child(p, _PPR), _RPR), _SZ)
    return int(sz.get(_VAL)) / 2 if sz is not None else default


# ---------------------------------------------------------------- once per template

class PrintTemplate:
    """A template's document made print-ready, and the package around it."""

    def __init__(self, parts: dict[str, bytes], document: etree._Element, style: PrintStyle):
        self.style = style
        styles = etree.fromstring(parts["word/styles.xml"]) if "word/styles.xml" in parts else None
        self.default_size = self._default_size(styles)
        check_template(document)
        body = document.find(q("body"))
        self.sect = body.find(q("sectPr"))
        for tbl in list(body.iter(q("tbl"))):
            self._table(tbl)
        for tbl in list(body.iterchildren(q("tbl"))):
            self._split_at_header(body, tbl)
        for p in body.iter(q("p")):
            self._exact_lines(p)
        for rfonts in body.iter(q("rFonts")):
            for attr in _THEME_FONTS:
                rfonts.attrib.pop(q(attr), None)
        self.amount_cells = self._amount_cells(body)
        self.page_height, self.page_width = self._page()
        self.own_footer = self.sect is not None and self.sect.find(q("footerReference")) is None
        self.parts = self._package(parts, document, styles)
        self._edits: dict[tuple[str, ...], str] = {}  # restarted labels and footers, by their XML
        self._lines: dict[float, float] = {}  # a line's height by font size
        self._rows: dict[int, tuple[tuple, bytes]] = {}  # rows as encoded, by their shared cells (Document.data)
        self._measured: dict[int, tuple[list, dict]] = {}  # the cells' measures, by table grid (`_measures`)

    # -- the document

    def _default_size(self, styles: etree._Element | None) -> float:
        if styles is None:
            return 10.5
        for path in (f"{W}style[@{W}styleId='Normal']/{W}rPr/{W}sz", f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz"):
            sz = styles.find(path)
            if sz is not None:
                return int(sz.get(q("val"))) / 2
        return 10.5

    def _table(self, tbl: etree._Element) -> None:
        style = self.style
        tbl_pr = _first(tbl, "tblPr")
        grid = tbl.find(q("tblGrid"))
        cols = grid.findall(q("gridCol")) if grid is not None else []
        if style.columns and len(style.columns) == len(cols):
            for col, width in zip(cols, style.columns):
                col.set(q("w"), str(round(width * TWIPS_PER_CM)))
        widths = [int(c.get(q("w"), "0")) for c in cols]
        _set(tbl_pr, "tblW", TBLPR_ORDER, w=str(sum(widths)), type="dxa")
        _set(tbl_pr, "tblLayout", TBLPR_ORDER, type="fixed")
        margins = _set(tbl_pr, "tblCellMar", TBLPR_ORDER)
        vertical, horizontal = style.padding_twips
        for edge, value in (("top", vertical), ("left", horizontal), ("bottom", vertical), ("right", horizontal)):
            _set(margins, edge, w=str(value), type="dxa")
        for tr in tbl.iterchildren(q("tr")):
            tr_pr = child(tr, q("trPr"))
            if tr_pr is None:
                tr_pr = etree.Element(q("trPr"))
                tr.insert(sum(1 for c in tr if c.tag in (q("tblPrEx"),)), tr_pr)
            _set(tr_pr, "cantSplit", TRPR_ORDER)
            col = 0
            for tc in tr.iterchildren(q("tc")):
                span = cell_properties(tc)[0]
                _set(_first(tc, "tcPr"), "tcW", TCPR_ORDER, w=str(sum(widths[col:col + span])), type="dxa")
                col += span

    def _split_at_header(self, body: etree._Element, tbl: etree._Element) -> None:
        """Rows marked to repeat (w:tblHeader) begin a table of their own, so that they repeat."""
        rows = list(tbl.iterchildren(q("tr")))
        marked = [i for i, tr in enumerate(rows) if child(child(tr, q("trPr")), q("tblHeader")) is not None]
        if not marked or marked[0] == 0:
            return
        first = marked[0]
        rest = copy.deepcopy(tbl)
        for tr in list(rest.iterchildren(q("tr")))[:first]:
            rest.remove(tr)
        for tr in rows[first:]:
            tbl.remove(tr)
        for tc in list(rest.iterchildren(q("tr")))[0].iterchildren(q("tc")):
            if cell_properties(tc)[1] == "continue":  # a merge across the split begins again
                set_v_merge(tc, "restart")
        # two tables must be apart or Word joins them: a paragraph one point high
        gap = etree.Element(q("p"))
        ppr = etree.SubElement(gap, q("pPr"))
        etree.SubElement(ppr, q("spacing"), {q("before"): "0", q("after"): "0", q("line"): "20",
                                            q("lineRule"): "exact"})
        rpr = etree.SubElement(ppr, q("rPr"))
        etree.SubElement(rpr, q("sz"), {q("val"): "2"})
        tbl.addnext(gap)
        gap.addnext(rest)
        self._split_at_header(body, rest)

    def _exact_lines(self, p: etree._Element) -> None:
        ppr = _first(p, "pPr")
        spacing = _set(ppr, "spacing", PPR_ORDER)
        if spacing.get(q("lineRule")) == "exact":
            return
        size = _size(p, self.default_size)
        spacing.set(q("line"), str(round(size * self.style.line_height * TWIPS_PER_PT)))
        spacing.set(q("lineRule"), "exact")
        spacing.set(q("before"), spacing.get(q("before"), "0"))
        spacing.set(q("after"), spacing.get(q("after"), "0"))

    def _amount_cells(self, body: etree._Element) -> list[tuple[int, int, int, str]]:
        """(table, row, grid column, placeholder) of each cell that is one placeholder, in the rows
        before a table's first row loop (those rows are where they are in every rendered table)."""
        found = []
        for t, tbl in enumerate(body.iterchildren(q("tbl"))):
            for r, tr in enumerate(tbl.iterchildren(q("tr"))):
                text = "".join(x.text or "" for x in tr.iter(q("t")))
                if "{%tr" in text or "{%" in text and " for " in text:
                    break
                col = 0
                for tc in tr.iterchildren(q("tc")):
                    match = _PLACEHOLDER.match(cell_text(tc, "").strip())
                    if match:
                        found.append((t, r, col, match[1]))
                    col += cell_properties(tc)[0]
        return found

    def _page(self) -> tuple[float, float]:
        """The printable height and width of a page, in points."""
        size = self.sect.find(q("pgSz")) if self.sect is not None else None
        margin = self.sect.find(q("pgMar")) if self.sect is not None else None
        get = (lambda node, key, default: int(node.get(q(key), default)) if node is not None else int(default))
        height = get(size, "h", "16838") - get(margin, "top", "1440") - get(margin, "bottom", "1440")
        width = get(size, "w", "11906") - get(margin, "left", "1440") - get(margin, "right", "1440")
        return height / TWIPS_PER_PT, width / TWIPS_PER_PT

    # -- the package

    def _package(self, parts: dict[str, bytes], document: etree._Element,
                 styles: etree._Element | None) -> list[tuple[str, bytes]]:
        rels = etree.fromstring(parts.get("word/_rels/document.xml.rels", b"<Relationships/>"))
        used_ids = set(re.findall(r'r:(?:id|embed)="([^"]+)"', etree.tostring(document).decode()))
        kept_rels, kept = [], []
        uses_numbering = document.find(f".//{W}numPr") is not None
        for rel in rels:
            kind, target = rel.get("Type"), rel.get("Target")
            needed = kind in (f"{REL_TYPE}/styles", f"{REL_TYPE}/settings") or rel.get("Id") in used_ids \
                or (kind == f"{REL_TYPE}/numbering" and uses_numbering)
            if kind in _KEPT_TYPES and needed:
                kept_rels.append(rel)
                if rel.get("TargetMode") != "External":
                    kept.append("word/" + target.lstrip("/").removeprefix("word/"))
        out: list[tuple[str, bytes]] = []
        for name in kept:
            if name == "word/styles.xml" and styles is not None:
                out.append((name, self._styles(styles, document)))
            elif name == "word/settings.xml":
                out.append((name, SETTINGS))
            elif name in parts:
                out.append((name, parts[name]))
        rel_xml = [etree.tostring(rel).decode() for rel in kept_rels]
        rel_xml.append(f'<Relationship Id="rIdPerfgenFonts" Type="{REL_TYPE}/fontTable" Target="fontTable.xml"/>')
        out.append(("word/fontTable.xml", self._font_table()))
        if self.own_footer:
            rel_xml.append(f'<Relationship Id="{FOOTER_ID}" Type="{REL_TYPE}/footer" '
                           f'Target="{FOOTER_PART.removeprefix("word/")}"/>')
            out.append((FOOTER_PART, self._footer()))
        out.append(("word/_rels/document.xml.rels",
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                    f'{"".join(rel_xml)}</Relationships>'.encode()))
        names = ["word/document.xml", *(name for name, _ in out), "docProps/core.xml", "docProps/app.xml"]
        out.append(("[Content_Types].xml", _content_types(names, parts.get("[Content_Types].xml"))))
        out.append(("_rels/.rels", ROOT_RELS))
        out.append(("docProps/app.xml", APP))
        out += [("word/document.xml", b""), ("docProps/core.xml", b"")]  # per table
        order = {"[Content_Types].xml": 0, "_rels/.rels": 1, "docProps/core.xml": 2, "docProps/app.xml": 3}
        return sorted(out, key=lambda part: (order.get(part[0], 9), part[0]))

    def _styles(self, styles: etree._Element, document: etree._Element) -> bytes:
        """The styles the document uses (and what they are based on), the defaults with the font chain."""
        wanted = used_styles(styles, document)
        out = etree.Element(q("styles"), nsmap={"w": W_NS})
        defaults = copy.deepcopy(styles.find(q("docDefaults")))
        if defaults is None:
            defaults = etree.fromstring(f'<w:docDefaults xmlns:w="{W_NS}"><w:rPrDefault><w:rPr/></w:rPrDefault>'
                                        '</w:docDefaults>')
        out.append(defaults)
        for node in styles.iterchildren(q("style")):
            if node.get(q("styleId")) in wanted:
                kept = copy.deepcopy(node)
                for rsid in kept.findall(q("rsid")):
                    kept.remove(rsid)
                out.append(kept)
        for rpr in [*out.iter(q("rPr"))]:
            if rpr.getparent().tag in (q("rPrDefault"),) or rpr.getparent().get(q("styleId")) == "Normal":
                _fonts(_set(rpr, "rFonts", RPR_ORDER), self.style)
                _set(rpr, "lang", RPR_ORDER, val="en-US", eastAsia=self.style.language, bidi="ar-SA")
            for rfonts in rpr.iterchildren(q("rFonts")):
                for attr in _THEME_FONTS:
                    rfonts.attrib.pop(q(attr), None)
        return etree.tostring(out, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _font_table(self) -> bytes:
        """The fonts the table asks for; the East Asian one names the rest of the chain as its
        other names (w:altName), which Word and WPS try when the first is not installed."""
        first, *others = self.style.fonts
        alt = f'<w:altName w:val="{_attr(",".join(others))}"/>' if others else ""
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}">'
                f'<w:font w:name="{_attr(first)}">{alt}<w:charset w:val="86"/><w:family w:val="roman"/>'
                '<w:pitch w:val="variable"/></w:font>'
                f'<w:font w:name="{_attr(self.style.latin_font)}"><w:charset w:val="00"/><w:family w:val="roman"/>'
                '<w:pitch w:val="variable"/></w:font></w:fonts>').encode("utf-8")

    def _footer(self) -> bytes:
        """「第 X 页 共 Y 页」 with PAGE and NUMPAGES fields, centred, in 9 pt."""
        def run(text: str) -> str:
            return f'<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve">{_attr(text)}</w:t></w:r>'

        def fld(code: str) -> str:
            return ('<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r>'
                    f'<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
                    '<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r>'
                    f'{run("1")}<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>')
        body = []
        for piece in re.split(r"(\{page\}|\{pages\})", self.style.page_numbers):
            if piece == "{page}":
                body.append(fld("PAGE"))
            elif piece == "{pages}":
                body.append(fld("NUMPAGES"))
            elif piece:
                body.append(run(piece))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}"><w:p><w:pPr>'
                f'<w:jc w:val="center"/></w:pPr>{"".join(body)}</w:p></w:ftr>').encode("utf-8")

    # ---------------------------------------------------------------- per table

    def finish(self, document: Document, context: dict[str, Any]) -> tuple[bytes, bytes]:
        """The document XML, its pages laid out (`lay_out`), and the core properties; `document`
        stays as rendered, for the Excel writer."""
        return document.data(self._rows, *self._page_edits(document)), self.core(context)

    def lay_out(self, document: Document) -> str:
        """The rendered document's text with its pages laid out: the merges restarted where a
        page begins, page numbers when there is more than one (`document` is left as it is)."""
        return document.text(*self._page_edits(document))

    def _page_edits(self, document: Document) -> tuple[dict[int, tuple[int, str]], list[tuple[int, int, str]]]:
        """What `lay_out` changes in the document's text: the cells replaced, the XML spliced."""
        breaks, count = self.layout(document)
        replaced: dict[int, tuple[int, str]] = {}  # a restarted cell's start → its end and XML
        merge: dict[int, str | None] = {}  # cells restarted so far: a later page's merge begins at them
        edits = self._edits
        if len(edits) >= 1024:  # bounded: a department's labels, not every table's
            edits.clear()
        for table, r, cell in breaks:
            found = _merge_top(table, r, cell, merge)
            if found is None:
                continue
            above, at = found
            key = (document.root_open, replaced[at][1] if at in replaced else above.raw, cell.raw)
            if key not in edits:  # the labels restarted repeat from table to table: edited once
                edits[key] = _restarted(document, key[1], key[2])
            start = table.rows[r].at  # offsets of the document's text
            replaced[start + cell.start] = (start + cell.end, edits[key])
            merge[start + cell.start] = "restart"
        footer = []
        if count > 1 and self.own_footer and document.sect != -1:
            sect, end, _ = found = _section(document)
            key = (document.root_open, document.source[sect:end])
            if key not in edits:  # every table of a template has the same section properties
                edits[key] = _footer_reference(document, found)
            footer.append((sect, end, edits[key]))
        return replaced, footer

    def layout(self, document: Document) -> tuple[list[tuple[Table, int, Cell]], int]:
        """The continued cells that begin a page (to restart: their table and row), and the
        number of pages."""
        vertical = self.style.padding_twips[0] / TWIPS_PER_PT * 2
        default_size, page_width = self.default_size, self.page_width
        heights: list[float] = []
        repeat: list[float] = []
        continued: dict[int, list[tuple[Table, int, Cell]]] = {}  # layout row → its continued cells
        for block in document.blocks:
            if isinstance(block, Paragraph):
                shape = block.shape
                size = default_size if shape.print_size is None else shape.print_size
                line = shape.exact or self._line(size)
                heights.append(pages.line_count(block.text, page_width / size) * line + shape.extra)
                repeat.append(0.0)
            else:
                table_heights, header = self._heights(block, vertical, len(heights), continued)
                header_height = sum(table_heights[:header])
                heights += table_heights
                repeat += [0.0] * header
                repeat += [header_height] * (len(table_heights) - header)
        breaks = pages.page_breaks(heights, self.page_height, repeat)
        return [cell for b in breaks for cell in continued.get(b, ())], len(breaks) + 1

    def _line(self, size: float) -> float:
        """A line's height at a font size (round() of a float goes through its decimal digits:
        worked out once per size)."""
        line = self._lines.get(size)
        if line is None:
            line = self._lines[size] = round(size * self.style.line_height, 1)
        return line

    def _heights(self, table: Table, vertical: float, offset: int,
                 continued: dict[int, list[tuple[Table, int, Cell]]]) -> tuple[list[float], int]:
        """Each row's printed height (`pages.row_heights` of the table's grid, in one pass over
        its cells: a vertical merge reaches as far as its continued cells) and how many header
        rows repeat; the continued cells of each row (where a page may restart them) go to
        `continued`, by layout row (the table's first is `offset`)."""
        measures = self._measures(table.widths)
        default_size = self.default_size
        heights = [row.min_height for row in table.rows]
        laid: list[list] = []     # per cell laid out: [first row, last row it reaches, the height it needs]
        top: dict[int, list] = {}
        line_count = pages.line_count
        header = 0
        for r, row in enumerate(table.rows):
            if header == r and row.header:
                header = r + 1
            for cell in row.cells:
                col = cell.col
                if cell.merge == "continue" and col in top:
                    entry = top[col]
                    entry[1] += 1
                    if entry[0] >= header:  # a merge begun in the repeated header shows with it
                        continued.setdefault(offset + r, []).append((table, r, cell))
                else:
                    found = cell.laid  # a cell of a row met before: measured then
                    if found is not None and found[0] is measures and found[1] is cell.text:
                        need = found[2]
                    else:
                        size = cell.shape.print_size
                        key = (col, cell.span, default_size if size is None else size)
                        measure = measures.get(key)
                        if measure is None:
                            measure = measures[key] = self._measure(table.widths, *key)
                        need = line_count(cell.text, measure[0]) * measure[1] + vertical
                        cell.laid = (measures, cell.text, need)
                    entry = [r, r, need]
                    laid.append(entry)
                    top[col] = entry
        return pages.fit(heights, laid), header

    def _measures(self, widths: list[int | None]) -> dict[tuple[int, int, float], tuple[float, float]]:
        """What a cell's height needs of its table's columns ((grid column, span, font size) → its
        width in ems and its line's height), kept per table grid (the same list for every table
        of a template's table: `Shapes.table`)."""
        found = self._measured.get(id(widths))
        if found is None or found[0] is not widths:
            if len(self._measured) >= 64:
                self._measured.clear()
            found = self._measured[id(widths)] = (widths, {})
        return found[1]

    def _measure(self, widths: list[int | None], col: int, span: int, size: float) -> tuple[float, float]:
        horizontal = self.style.padding_twips[1] / TWIPS_PER_PT * 2
        width = sum((w or 0) / TWIPS_PER_PT for w in widths[col:col + span]) - horizontal
        return max(width, size) / size, self._line(size)

    def core(self, context: dict[str, Any]) -> bytes:
        """docProps/core.xml: title, subject and author from the variant's `print.properties`
        patterns over the table's context (its name, the form's title, the department)."""
        values = {k: v for k, v in context.items() if isinstance(v, str)}
        fields = {}
        for key, defaults in _PROPERTIES.items():
            own = self.style.properties.get(key)
            for pattern in ([own] if own else []) + defaults:  # the first a table's fields can fill
                try:
                    fields[key] = pattern.format(**values)
                    break
                except (KeyError, IndexError, ValueError):
                    continue
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:title>{_attr(fields["title"])}</dc:title><dc:subject>{_attr(fields["subject"])}</dc:subject>'
                f'<dc:creator>{_attr(fields["author"])}</dc:creator><cp:lastModifiedBy>perfgen</cp:lastModifiedBy>'
                '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
                '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
                '</cp:coreProperties>').encode("utf-8")

    def mark_numbers(self, document: Document, numbers: dict[str, Any]) -> None:
        """Give each amount cell of the rendered document its exact amount (`Cell.number`), for
        the Excel writer; only where the cell printed something (an absent amount stays text)."""
        if not numbers or not self.amount_cells:
            return
        tables = document.tables
        for t, r, col, name in self.amount_cells:
            value = numbers.get(name)
            if value is None or t >= len(tables) or r >= len(tables[t].rows):
                continue
            row = tables[t].rows[r]
            for i, cell in enumerate(row.cells):
                if cell.col == col:
                    if cell.text.strip():
                        row.own(i).number = Decimal(format(value, "f"))
                    break


# document properties when the variant's print.properties does not say, or names a field the table lacks
_PROPERTIES = {"title": ["{项目名称}", "{单位名称}", "{标题}", ""], "subject": ["{标题}{副标题}", "{标题}", ""],
               "author": ["{实施单位}", "{单位名称}", "perfgen"]}


def _exact(p: etree._Element) -> float | None:
    spacing = child(child(p, q("pPr")), q("spacing"))
    if spacing is not None and spacing.get(q("lineRule")) == "exact":
        return int(spacing.get(q("line"))) / TWIPS_PER_PT
    return None


def _merge_top(table: Table, r: int, cell: Cell, merge: dict[int, str | None]) -> tuple[Cell, int] | None:
    """The cell a continued cell's merge began in, and where it begins in the document's text: the
    first cell above it in its grid column that does not continue a merge (`merge`: the cells
    restarted so far, by where they begin, as they are now)."""
    for row in reversed(table.rows[:r]):
        for above in row.cells:
            if above.col == cell.col:
                at = row.at + above.start
                if merge.get(at, above.merge) != "continue":
                    return above, at
                break
    return None


def _restarted(document: Document, above: str, cell: str) -> str:
    """A continued cell begun again with the label of the cell its merge began in: the label's
    paragraphs with a mark saying a page began there, as Word marks it (readers such as perfgen
    import read one merge), and w:vMerge restart."""
    root = document.parse(above + cell)
    source, tc = root[0], root[1]
    for node in [n for n in tc if n.tag != q("tcPr")]:
        tc.remove(node)
    for node in source:
        if node.tag != q("tcPr"):
            tc.append(copy.deepcopy(node))
    p = child(tc, q("p"))
    if p is not None:
        mark = etree.Element(q("r"))
        etree.SubElement(mark, q("lastRenderedPageBreak"))
        p.insert(1 if child(p, q("pPr")) is not None else 0, mark)
    set_v_merge(tc, "restart")
    root.remove(source)
    return document.serialize(root)


def _section(document: Document) -> tuple[int, int, str]:
    """Where the body's w:sectPr is in the text, and its XML."""
    xml, sect = document.source, document.sect
    close = xml.find("</w:sectPr>", sect)
    end = close + len("</w:sectPr>") if close != -1 else xml.index(">", sect) + 1
    return sect, end, xml[sect:end]


def _footer_reference(document: Document, section: tuple[int, int, str] | None = None) -> str:
    """The body's w:sectPr (`_section`) with the page-number footer referenced first."""
    root = document.parse((section or _section(document))[2])
    root[0].insert(0, etree.Element(q("footerReference"), {q("type"): "default", f"{{{R_NS}}}id": FOOTER_ID}))
    return document.serialize(root)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _content_types(names: list[str], original: bytes | None) -> bytes:
    kinds = {"word/document.xml": f"{_CT}.document.main+xml", "word/styles.xml": f"{_CT}.styles+xml",
             "word/settings.xml": f"{_CT}.settings+xml", "word/fontTable.xml": f"{_CT}.fontTable+xml",
             "word/numbering.xml": f"{_CT}.numbering+xml", FOOTER_PART: f"{_CT}.footer+xml",
             "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
             "docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml"}
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml", "xml": "application/xml"}
    overrides = {}
    if original:
        tree = etree.fromstring(original)
        for node in tree:
            if node.get("Extension"):
                defaults.setdefault(node.get("Extension").lower(), node.get("ContentType"))
            elif node.get("PartName"):
                overrides[node.get("PartName").lstrip("/")] = node.get("ContentType")
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
    parts += [f'<Default Extension="{ext}" ContentType="{kind}"/>' for ext, kind in defaults.items()]
    for name in names:
        kind = kinds.get(name) or overrides.get(name)
        if kind and not name.endswith(".rels"):
            parts.append(f'<Override PartName="/{name}" ContentType="{kind}"/>')
    parts.append("</Types>")
    return "".join(parts).encode("utf-8")


SETTINGS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{W_NS}">'
            '<w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
            '<w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:useFELayout/>'
            '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="14"/>'
            '</w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/><w:decimalSymbol w:val="."/>'
            '<w:listSeparator w:val=","/></w:settings>').encode("utf-8")
ROOT_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
             f'<Relationship Id="rId1" Type="{REL_TYPE}/officeDocument" Target="word/document.xml"/>'
             f'<Relationship Id="rId2" Type="{PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
             f'<Relationship Id="rId3" Type="{REL_TYPE}/extended-properties" Target="docProps/app.xml"/>'
             "</Relationships>").encode("utf-8")
APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
       'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
       "<Application>perfgen</Application></Properties>").encode("utf-8")


def deflated(parts: list[tuple[str, bytes]]) -> list[Entry | None]:
    """The package's fixed parts deflated once; None where the per-table parts go."""
    return [None if name in ("word/document.xml", "docProps/core.xml") else packed(deflate(name, data))
            for name, data in parts]


def used_styles(styles: etree._Element, document: etree._Element) -> set[str]:
    """The ids of the styles `document` refers to, the defaults, Footer (the page numbers' footer),
    and every style these are based on."""
    by_id = {s.get(q("styleId")): s for s in styles.iterchildren(q("style"))}
    wanted = {node.get(q("val")) for node in document.iter(q("pStyle"), q("rStyle"), q("tblStyle"))}
    wanted |= {sid for sid, s in by_id.items() if s.get(q("default")) in ("1", "true")}
    wanted.add("Footer")
    todo = list(wanted)
    while todo:
        based = child(by_id.get(todo.pop()), q("basedOn"))
        if based is not None and based.get(q("val")) not in wanted:
            wanted.add(based.get(q("val")))
            todo.append(based.get(q("val")))
    return wanted


_LABEL = re.compile(r"^\{\{\s*(标签\.\S+?|row\.一级|row\.二级)\s*\}\}$")


def label_fit_problems(template: bytes, style: PrintStyle, labels: dict[str, str],
                       framework: dict[str, list[str]]) -> list[str]:
    """Each fixed word of the grid (a label, a 一级 or 二级 name of the framework) that would wrap
    leaving one character alone on its last line (`经济成本指|标`) in the column widths
    `print.columns` (or the template's) and the cell margins `print.padding`; CJK characters are
    one font size wide, other characters about half."""
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        parts = {name: archive.read(name) for name in ("word/document.xml", "word/styles.xml")
                 if name in archive.namelist()}
    styles = etree.fromstring(parts["word/styles.xml"]) if "word/styles.xml" in parts else None
    default = PrintTemplate._default_size(None, styles)  # type: ignore[arg-type]
    body = etree.fromstring(parts["word/document.xml"]).find(q("body"))
    horizontal = 2 * style.padding_twips[1] / TWIPS_PER_PT
    out: list[str] = []
    for tbl in body.iter(q("tbl")):
        cols = [int(c.get(q("w"), "0")) for c in tbl.iterfind(f"{W}tblGrid/{W}gridCol")]
        if style.columns and len(style.columns) == len(cols):
            cols = [round(w * TWIPS_PER_CM) for w in style.columns]
        for tr in tbl.iterchildren(q("tr")):
            col = 0
            for tc in tr.iterchildren(q("tc")):
                span = cell_properties(tc)[0]
                match = _LABEL.match(cell_text(tc, "").strip())
                if match:
                    key = match[1]
                    words = ([labels.get(key.removeprefix("标签."), "")] if key.startswith("标签.")
                             else list(framework) if key == "row.一级" else [n for l2 in framework.values() for n in l2])
                    p = child(tc, q("p"))
                    size = _size(p, default) if p is not None else default
                    width = sum(cols[col:col + span]) / TWIPS_PER_PT - horizontal
                    for word in words:
                        if word and pages.lone_last_character(word, width / size):
                            lines = "|".join(pages.wrapped(word, width / size))
                            out.append(f"「{word}」在第 {col + 1} 列（宽 {sum(cols[col:col + span]) / TWIPS_PER_CM:.2f} 厘米）"
                                       f"中换行后末行只剩一个字（{lines}）；请在 print.columns 中加宽该列")
                col += span
    return list(dict.fromkeys(out))


__all__ = ["PrintStyle", "PrintTemplate", "deflated", "label_fit_problems"]
