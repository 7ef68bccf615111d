"""Vertical merges that depend on the data: a cell holding CONTINUE joins the cell above it.

docxtpl's `{% vm %}` merges one cell over a whole loop and cannot nest (python-docx-template
issues 249, 571), so 一级 over 二级 over 三级 cannot be expressed with it. Instead the context puts
CONTINUE where a merged 一级/二级 continues, and this pass turns those cells into w:vMerge.
The same rule works for any column of any table a template designer builds.
"""
from __future__ import annotations

from .context import CONTINUE
from .ooxml import clear_text, set_v_merge
from .rendered import Document, Shapes, cell_text


def _continue(tc) -> None:
    clear_text(tc)
    set_v_merge(tc, "continue")


def _restart(tc) -> None:
    set_v_merge(tc, "restart")


def apply_vertical_merges(document: Document, shapes: Shapes) -> None:
    """Each cell whose text is CONTINUE continues the merge of the cell above it in its grid
    column, which begins one (w:vMerge) if it did not; the cells' XML is edited in `document`.

    A CONTINUE cell is made a continuation in place, not copied (`Row.own`): every row of its text
    (`Row.shared`) continues there, so a row met before holds it made already (edited, continuing)."""
    for table in document.tables:
        top = {}  # grid column → (row, index) of the cell a continuation joins
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                if cell.edited and cell.merge == "continue":  # a CONTINUE made a continuation before
                    row.changed = True
                elif CONTINUE in cell.text and (cell.text if cell.shape.simple else cell_text(cell.raw, "")) == CONTINUE:
                    cell.raw = shapes.edit(cell.raw, "continue", document, _continue)
                    cell.merge, cell.text, cell.edited = "continue", "", True
                    row.changed = True
                else:
                    if cell.merge != "continue":
                        top[cell.col] = (row, i)
                    continue
                found = top.get(cell.col)
                if found is not None and found[0].cells[found[1]].merge is None:
                    above = found[0].own(found[1])
                    above.raw = shapes.edit(above.raw, "restart", document, _restart)
                    above.merge, above.edited = "restart", True
