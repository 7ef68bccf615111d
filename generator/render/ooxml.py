"""Small helpers over WordprocessingML trees (lxml), shared by the merge pass and the Excel writer."""
from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

# Children of w:tcPr in schema order; Word rejects a file whose tcPr children are out of order.
TCPR_ORDER = ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
              "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel",
              "cellMerge", "tcPrChange"]


def cell_text(tc: etree._Element, separator: str = "\n") -> str:
    """The cell's text: paragraphs joined by `separator`, w:br as a line break."""
    paragraphs = []
    for p in tc.iterchildren(f"{W}p"):
        parts = []
        for node in p.iter(f"{W}t", f"{W}br", f"{W}tab"):
            if node.tag == f"{W}t":
                parts.append(node.text or "")
            elif node.tag == f"{W}br":
                parts.append("\n")
            else:
                parts.append("\t")
        paragraphs.append("".join(parts))
    return separator.join(paragraphs)


def grid_span(tc: etree._Element) -> int:
    span = tc.find(f"{W}tcPr/{W}gridSpan")
    return int(span.get(f"{W}val")) if span is not None else 1


def v_merge(tc: etree._Element) -> str | None:
    """'restart', 'continue' or None."""
    node = tc.find(f"{W}tcPr/{W}vMerge")
    if node is None:
        return None
    return node.get(f"{W}val", "continue")


def set_v_merge(tc: etree._Element, value: str) -> None:
    tc_pr = tc.find(f"{W}tcPr")
    if tc_pr is None:
        tc_pr = etree.SubElement(tc, f"{W}tcPr")
        tc.remove(tc_pr)
        tc.insert(0, tc_pr)
    node = tc_pr.find(f"{W}vMerge")
    if node is None:
        node = etree.Element(f"{W}vMerge")
        rank = TCPR_ORDER.index("vMerge")
        position = sum(1 for child in tc_pr if _rank(child) < rank)
        tc_pr.insert(position, node)
    if value == "restart":
        node.set(f"{W}val", "restart")
    else:
        node.attrib.pop(f"{W}val", None)


def _rank(node: etree._Element) -> int:
    name = etree.QName(node).localname
    return TCPR_ORDER.index(name) if name in TCPR_ORDER else len(TCPR_ORDER)


def clear_text(tc: etree._Element) -> None:
    """Empty every run of the cell, keeping paragraphs and their formatting."""
    for t in tc.iter(f"{W}t"):
        t.text = ""


def rows_with_columns(tbl: etree._Element):
    """Each row as a list of (grid column, span, tc)."""
    for tr in tbl.iterchildren(f"{W}tr"):
        col, cells = 0, []
        for tc in tr.iterchildren(f"{W}tc"):
            span = grid_span(tc)
            cells.append((col, span, tc))
            col += span
        yield tr, cells
