import io
import zipfile

import openpyxl
import pytest

from generator.render.xlsx import ExcelWriter, sheet_title

from test_render_docx import BASE, VARIANT, rendered as render

WRITER = ExcelWriter.for_variant(VARIANT)


def workbook_bytes(spec: str) -> bytes:
    _, root = render(spec)
    return WRITER.workbook([("项目", root)])


def workbook(spec: str):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(spec)))


def test_values_are_text_never_formulas():
    book = workbook(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人, '#N/A': '=SUM(A1)'}}\n")
    values = [c.value for row in book.active.iter_rows() for c in row if c.value]
    assert "=1.00(人)" in values and "=SUM(A1)" in values and "#N/A" in values
    for row in book.active.iter_rows():
        for cell in row:
            if cell.value is not None:  # text, but for the amounts
                assert cell.data_type == ("n" if cell.number_format == "#,##0.00" else "s"), cell


def test_amounts_are_numbers_with_the_variants_format_and_their_exact_value():
    """项目资金 19203 元 prints 1.92 in 万元; the cell holds the exact 1.9203 and sums as a number;
    an absent amount stays the variant's "-"; indicator values stay text."""
    data = workbook_bytes(BASE + "项目资金: 19203\n绩效指标: {数量指标: {a: =1人}}\n")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>1.9203</v>" in sheet
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {c.coordinate: c for row in book.active.iter_rows() for c in row}
    total = next(c for c in cells.values() if c.value == "项目资金总额")
    amount = book.active.cell(total.row, total.column + 1)
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert "-" in [c.value for c in cells.values()] and "=1.00(人)" in [c.value for c in cells.values()]


def test_merges_borders_wrap_and_print_setup():
    book = workbook(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人, b: =2人}, 质量指标: {c: 合格}}\n")
    sheet = book.active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:F1", "A2:F2", "A6:A9"} <= merged  # title, subtitle; 项目资金 over four rows
    产出 = next(c for row in sheet.iter_rows() for c in row if c.value == "产出指标")
    assert any(r.min_row == 产出.row and r.max_row == 产出.row + 2 for r in sheet.merged_cells.ranges)
    for rng in sheet.merged_cells.ranges:
        if rng.min_row > 2:
            for row in sheet.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col,
                                       max_col=rng.max_col):
                for cell in row:
                    if cell.row == rng.max_row:
                        assert cell.border.bottom.style == "thin"
    assert sheet["B10"].alignment.wrap_text
    assert int(sheet.page_setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1 and sheet.column_dimensions["A"].width > 5


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    long = "闵行区房屋征收管理业务系统等保项目/二期[测试]:一*二?三四五六七八九十"
    first, second = sheet_title(long, used), sheet_title(long, used)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first + second)
    assert sheet_title("'x'", used) == "x"


def test_fonts_and_alignment_are_the_word_templates():
    sheet = workbook(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n").active
    title, label = sheet["A1"], next(c for row in sheet.iter_rows() for c in row if c.value == "项目名称")
    assert title.font.b and title.font.sz == 16 and title.alignment.horizontal == "center"
    assert label.font.name == VARIANT.excel.font and label.border.top.style == "thin"
    assert label.alignment.wrap_text and label.alignment.vertical == "center"


def test_a_projects_sheet_is_copied_into_the_department_workbook_as_it_is():
    from generator import summary
    from generator.render.sheetml import sheet_part

    _, root = render(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    own = WRITER.workbook([("项目", root)])
    department = io.BytesIO()
    summary.write(department, "汇总", None, ["甲", "项目"], [WRITER.sheet(root), WRITER.sheet(root)], VARIANT, WRITER)
    with zipfile.ZipFile(io.BytesIO(own)) as one, zipfile.ZipFile(department) as two:
        assert two.read(sheet_part(2)) == one.read(sheet_part(1))
        assert two.read("xl/styles.xml") == one.read("xl/styles.xml")  # the same style indexes


def test_a_size_the_template_does_not_set_is_an_error_not_a_wrong_font():
    from generator.render.xlsx import ExcelWriter

    _, root = render(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    with pytest.raises(ValueError, match="字号"):
        ExcelWriter(VARIANT.excel).sheet(root)  # made without the template's sizes
