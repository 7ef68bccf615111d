"""Small helpers over WordprocessingML trees (lxml), shared by the merge pass and the Excel writer."""
from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

# Children of w:tcPr in schema order; Word rejects a file whose tcPr children are out of order.
TCPR_ORDER = ["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
              "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel",
              "cellMerge", "tcPrChange"]


_P, _T, _BR, _TAB = f"{W}p", f"{W}t", f"{W}br", f"{W}tab"


def cell_text(tc: etree._Element, separator: str = "\n") -> str:
    """The cell's text: paragraphs joined by `separator`, w:br as a line break."""
    paragraphs = []
    for p in tc.iterchildren(_P):
        parts = []
        for node in p.iter(_T, _BR, _TAB):
            tag = node.tag
            if tag == _T:
                parts.append(node.text or "")
            elif tag == _BR:
                parts.append("\n")
            else:
                parts.append("\t")
        paragraphs.append("".join(parts))
    return separator.join(paragraphs)


_TC_PR, _GRID_SPAN, _V_MERGE, _V_ALIGN, _VAL = f"{W}tcPr", f"{W}gridSpan", f"{W}vMerge", f"{W}vAlign", f"{W}val"


# A table has a hundred cells and every pass reads their properties: walking the children is four
# times faster than lxml's find() with a path.
def child(parent: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child of `parent` with this tag."""
    if parent is not None:
        for node in parent:
            if node.tag == tag:
                return node
    return None


def tc_pr(tc: etree._Element) -> etree._Element | None:
    """The cell's properties: its first element, when there are any (CT_Tc)."""
    for node in tc:
        if node.tag == _TC_PR:
            return node
        if isinstance(node.tag, str):
            return None
    return None


def cell_properties(tc: etree._Element) -> tuple[int, str | None, str | None]:
    """gridSpan, vMerge ('restart'/'continue'/None) and vAlign of a cell, in one pass."""
    span, merge, valign = 1, None, None
    properties = tc_pr(tc)
    if properties is not None:
        for node in properties:
            if node.tag == _GRID_SPAN:
                span = int(node.get(_VAL))
            elif node.tag == _V_MERGE:
                merge = node.get(_VAL, "continue")
            elif node.tag == _V_ALIGN:
                valign = node.get(_VAL)
    return span, merge, valign


def grid_span(tc: etree._Element) -> int:
    span = child(tc_pr(tc), _GRID_SPAN)
    return int(span.get(_VAL)) if span is not None else 1


def v_merge(tc: etree._Element) -> str | None:
    """'restart', 'continue' or None."""
    node = child(tc_pr(tc), _V_MERGE)
    if node is None:
        return None
    return node.get(_VAL, "continue")


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
