"""Vertical merges that depend on the data: a cell holding CONTINUE joins the cell above it.

docxtpl's `{% vm %}` merges one cell over a whole loop and cannot nest (python-docx-template
issues 249, 571), so 一级 over 二级 over 三级 cannot be expressed with it. Instead the context puts
CONTINUE where a merged 一级/二级 continues, and this pass turns those cells into w:vMerge.
The same rule works for any column of any table a template designer builds.
"""
from __future__ import annotations

from lxml import etree

from .context import CONTINUE
from .ooxml import W, cell_text, clear_text, rows_with_columns, set_v_merge, v_merge


def apply_vertical_merges(root: etree._Element) -> None:
    for tbl in root.iter(f"{W}tbl"):
        top: dict[int, etree._Element] = {}  # grid column → the cell a continuation joins
        for _tr, cells in rows_with_columns(tbl):
            for col, _span, tc in cells:
                if cell_text(tc, "") == CONTINUE:
                    clear_text(tc)
                    set_v_merge(tc, "continue")
                    above = top.get(col)
                    if above is not None and v_merge(above) is None:
                        set_v_merge(above, "restart")
                elif v_merge(tc) != "continue":
                    top[col] = tc
