"""Vertical merges that depend on the data: a cell holding CONTINUE joins the cell above it.

docxtpl's `{% vm %}` merges one cell over a whole loop and cannot nest (python-docx-template
issues 249, 571), so 一级 over 二级 over 三级 cannot be expressed with it. Instead the context puts
CONTINUE where a merged 一级/二级 continues, and this pass turns those cells into w:vMerge.
The same rule works for any column of any table a template designer builds.
"""
from __future__ import annotations

from lxml import etree

from .context import CONTINUE
from .ooxml import W, cell_properties, cell_text, clear_text, set_v_merge, v_merge

_T, _TC, _TR, _TBL = f"{W}t", f"{W}tc", f"{W}tr", f"{W}tbl"


def apply_vertical_merges(root: etree._Element) -> None:
    # only cells with the marker in a text can continue a merge: find them first, in one pass
    marked = {next(t.iterancestors(_TC), None) for t in root.iter(_T) if t.text and CONTINUE in t.text}
    marked.discard(None)
    if not marked:
        return
    tables = {tc.getparent().getparent() for tc in marked}  # tc → tr → tbl: only these can change
    for tbl in root.iter(_TBL):
        if tbl not in tables:
            continue
        top: dict[int, etree._Element] = {}  # grid column → the cell a continuation joins
        for tr in tbl.iterchildren(_TR):
            col = 0
            for tc in tr.iterchildren(_TC):
                span, merge, _ = cell_properties(tc)
                if tc in marked and cell_text(tc, "") == CONTINUE:
                    clear_text(tc)
                    set_v_merge(tc, "continue")
                    above = top.get(col)
                    if above is not None and v_merge(above) is None:
                        set_v_merge(above, "restart")
                elif merge != "continue":
                    top[col] = tc
                col += span
