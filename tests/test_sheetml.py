"""SpreadsheetML written directly: what openpyxl (and so tablecheck) reads back."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from generator.render.sheetml import CellStyle, Page, Stylesheet, Worksheet, column_letter, write_workbook
from generator.write import deflate


def book(sheets: list[tuple[str, Worksheet]], styles: Stylesheet, print_titles=None):
    buffer = io.BytesIO()
    write_workbook(buffer, [title for title, _ in sheets], [ws.xml() for _, ws in sheets],
                   deflate("xl/styles.xml", styles.xml()), print_titles)
    return buffer.getvalue()


STYLES = Stylesheet("宋体", [CellStyle(True, 16.0, "center", "center", True),
                            CellStyle(False, 10.5, "left", "top", True, True),
                            CellStyle(False, 10.5, "right", "center", False, True, "#,##0.00")])


def test_cells_merges_sizes_and_page_read_back_as_written():
    ws = Worksheet(widths=[10.26, 22.5], page=Page(landscape=True, margins=(0.5, 0.5, 0.5, 0.5)), freeze=(4, 3))
    ws.set(1, 1, "财政项目支出绩效目标表", 1)
    ws.merge(1, 1, 1, 2)
    ws.heights[1] = 27.6
    ws.set(2, 1, "  <前后有空格> & ", 2)
    ws.set(2, 2, "=SUM(A1)", 2)
    ws.set(3, 1, Decimal("0.000085"), 3)
    ws.set(3, 2, 12, 3)
    ws.set(3, 28, "AB", 2)
    data = book([("表", ws)], STYLES, {0: (2, 3)})
    sheet = openpyxl.load_workbook(io.BytesIO(data))["表"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:B1"]
    assert sheet["A2"].value == "  <前后有空格> & " and sheet["B2"].value == "=SUM(A1)" and sheet["B2"].data_type == "s"
    assert sheet["A3"].value == pytest.approx(0.000085) and sheet["B3"].value == 12 and sheet["AB3"].value == "AB"
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 16 and sheet["A1"].font.name == "宋体"
    assert sheet["A2"].alignment.vertical == "top" and sheet["A2"].border.left.style == "thin"
    assert sheet["A3"].number_format == "#,##0.00" and not sheet["A3"].alignment.wrap_text
    assert sheet.row_dimensions[1].height == 27.6 and sheet.column_dimensions["B"].width == 22.5
    assert sheet.page_setup.orientation == "landscape" and sheet.page_margins.left == 0.5
    assert sheet.freeze_panes == "C4" and sheet.print_title_rows == "$2:$3"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the exact digits, not a float's
        assert b"<v>0.000085</v>" in archive.read("xl/worksheets/sheet1.xml")


def test_a_style_keeps_its_index_when_a_workbook_adds_its_own():
    more = STYLES.extended([CellStyle(True, 14.5), STYLES.styles[1]])
    assert more.styles[:len(STYLES.styles)] == STYLES.styles
    assert more[STYLES.styles[1]] == STYLES[STYLES.styles[1]] and len(more.styles) == len(STYLES.styles) + 1
    with pytest.raises(ValueError):
        STYLES[CellStyle(True, 99.0)]


def test_column_letters():
    assert [column_letter(c) for c in (1, 26, 27, 52, 53, 702, 703)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_sheet_count_must_match_the_titles():
    with pytest.raises(ValueError):
        write_workbook(io.BytesIO(), ["a", "b"], [Worksheet().xml()], deflate("xl/styles.xml", STYLES.xml()))


def test_remembered_cells_keep_each_values_own_digits():
    """A count's XML is remembered as a text's is; an amount equal to it (Decimal("1.0") == 1) is
    still written with its own digits, and a merged range's XML stays its own range's."""
    from generator.render.sheetml import cell_tail, merge_cells

    for _ in range(2):  # once made, once remembered
        assert cell_tail(1, 3) == ' s="3"><v>1</v></c>'
        assert cell_tail(Decimal("1.0"), 3) == ' s="3"><v>1.0</v></c>'
        assert cell_tail(True, 3) == ' s="3"><v>True</v></c>'  # as str() wrote it before
        assert cell_tail("1", 3) == ' s="3" t="inlineStr"><is><t>1</t></is></c>'
        assert merge_cells([(1, 1, 1, 2), (3, 27, 4, 27)]) == (
            '<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="AA3:AA4"/></mergeCells>')



from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.render.sheetml import Formula, cell_tail, escape  # noqa: E402


def _cell_tail_reference(value, style: int) -> str:
    """cell_tail as it was written before it told the usual classes first (isinstance in turn)."""
    if value is None or isinstance(value, str):
        space = ' xml:space="preserve"' if value and value != value.strip() else ""
        return f' s="{style}"/>' if not value else f' s="{style}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if value.__class__ is int:
        return f' s="{style}"><v>{value}</v></c>'
    if isinstance(value, Formula):
        cached = format(value.value, "f") if isinstance(value.value, Decimal) else str(value.value)
        return f' s="{style}"><f>{escape(value.text)}</f><v>{cached}</v></c>'
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return f' s="{style}"><v>{text}</v></c>'


decimals = st.decimals(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans(), decimals,
                 st.builds(Formula, st.text(max_size=10), st.integers() | decimals)), st.integers(0, 500))
def test_a_cells_tail_is_written_as_by_type_in_turn(value, style):
    assert cell_tail(value, style) == _cell_tail_reference(value, style)


def test_a_workbook_part_met_before_is_written_as_made_anew():
    """Two projects of one name have the same workbook part: the second copies the first's,
    and its bytes are those the part deflated anew gives."""
    from generator.render import sheetml

    def book(title: str) -> bytes:
        buffer = io.BytesIO()
        write_workbook(buffer, [title], [Worksheet().xml()], deflate("xl/styles.xml", STYLES.xml()),
                       print_titles={0: (3, 4)})
        return buffer.getvalue()

    first, other = book("党建经费"), book("法律顾问费")
    assert book("党建经费") == first != other
    sheetml._BOOKS.clear()
    assert book("党建经费") == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert "党建经费" in archive.read("xl/workbook.xml").decode()
