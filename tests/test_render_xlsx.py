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


# ---------------------------------------------------------------- the compiled sheet is the worksheet's XML

from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from lxml import etree  # noqa: E402

from generator.render.ooxml import W  # noqa: E402
from generator.render.rendered import Shapes, read  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "specs" / "examples"


def test_every_examples_sheet_is_compiled_as_the_worksheet_writes_it():
    """Every bundled table (目标表s, 申报表, 监控表, 自评表, unit tables): the compiled sheet, without
    the general way's help, is the worksheet's XML."""
    from generator.build import plan_folder
    from generator.errors import Problems
    from generator.forms import form_of
    from generator.render.docx import WordTemplate

    writers, count = {}, 0
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        plan = plan_folder(folder, folder / "out", Path("templates"), Problems())
        for variant, table in plan.tables() if plan else ():
            word, writer = writers.get(variant.folder) or writers.setdefault(
                variant.folder, (WordTemplate.for_variant(variant), ExcelWriter.for_variant(variant)))
            _, document = word.render(form_of(variant).context(table, variant))
            assert writer._compiled(document) == writer.worksheet(document).xml(), table.name
            count += 1
    assert count > 20 and len(writers) > 3


_NAME = st.text(st.sampled_from("指标数量质量ab &<>\"' 0123"), min_size=1, max_size=12).map(str.strip).filter(bool)
_VALUE = st.one_of(st.sampled_from(["=1人", "≥90%", "合格", "<2.5(次)", "=100%"]),
                   st.text(st.sampled_from("达到标准要求 ab&12"), min_size=1, max_size=300).map(str.strip).filter(bool))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goal=st.text(st.sampled_from("加快供地完成目标 ab,&<>\n"), max_size=600).map(str.strip).filter(bool),
       amount=st.integers(0, 10 ** 9),
       indicators=st.dictionaries(st.sampled_from(["数量指标", "质量指标", "时效指标", "经济成本指标", "社会效益指标"]),
                                  st.dictionaries(_NAME, _VALUE, min_size=1, max_size=8), min_size=1, max_size=5))
def test_any_projects_sheet_is_compiled_as_the_worksheet_writes_it(goal, amount, indicators):
    """Tables long enough to break over pages (the merges cut and their labels repeated there)."""
    import yaml

    spec = BASE.replace("年度总体目标: g\n", yaml.safe_dump({"年度总体目标": goal}, allow_unicode=True)) + yaml.safe_dump(
        {"项目资金": amount, "绩效指标": {level2: {f"{level2[:2]}{i}{name}": value for i, (name, value) in
                                                  enumerate(named.items())} for level2, named in indicators.items()}},
        allow_unicode=True)
    _, document = render(spec)
    assert WRITER._compiled(document) == WRITER.worksheet(document).xml()


_WORDS = st.one_of(st.text(st.sampled_from("指标ab &<>\"'"), max_size=6),
                   st.text(st.sampled_from("指标数量a b"), min_size=40, max_size=400))
_CELL = st.fixed_dictionaries({
    "span": st.integers(1, 3), "merge": st.sampled_from([None, "restart", "continue", "continue"]),
    "valign": st.sampled_from([None, "top", "bottom"]), "bold": st.booleans(), "size": st.sampled_from([None, 21, 24]),
    "jc": st.sampled_from([None, "center", "right", "both"]), "text": _WORDS})
_ROWS = st.lists(st.tuples(st.booleans(), st.lists(_CELL, min_size=0, max_size=5)), min_size=0, max_size=14)


def _paragraph(text: str, spec: dict) -> str:
    ppr = f'<w:pPr><w:jc w:val="{spec["jc"]}"/></w:pPr>' if spec["jc"] else ""
    rpr = ("<w:b/>" if spec["bold"] else "") + (f'<w:sz w:val="{spec["size"]}"/>' if spec["size"] else "")
    run = f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


@settings(max_examples=150, deadline=None)
@given(tables=st.lists(st.tuples(st.lists(st.integers(300, 3000), min_size=1, max_size=6), _ROWS), max_size=2),
       paragraphs=st.lists(_CELL, max_size=3), landscape=st.booleans())
def test_any_grid_is_written_as_the_worksheet_writes_it(tables, paragraphs, landscape):
    """Grids perfgen's templates never make too (merges over gaps or over other cells, no table at
    all): the compiled sheet or, where it does not follow the grid, the general way gives the
    worksheet's XML."""
    from xml.sax.saxutils import escape

    body = "".join(_paragraph(escape(p["text"]), p) for p in paragraphs)
    for widths, rows in tables:
        widths = widths + [1000] * (max((sum(c["span"] for c in cells) for _, cells in rows), default=0) - len(widths))
        body += "<w:tbl><w:tblPr/><w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
        for header, cells in rows:
            body += "<w:tr>" + ("<w:trPr><w:tblHeader/></w:trPr>" if header else "<w:trPr/>")
            for cell in cells:
                pr = (f'<w:gridSpan w:val="{cell["span"]}"/>' if cell["span"] > 1 else "") + (
                    {None: "", "restart": '<w:vMerge w:val="restart"/>', "continue": "<w:vMerge/>"}[cell["merge"]]) + (
                    f'<w:vAlign w:val="{cell["valign"]}"/>' if cell["valign"] else "")
                body += f"<w:tc><w:tcPr>{pr}</w:tcPr>{_paragraph(escape(cell['text']), cell)}</w:tc>"
            body += "</w:tr>"
        body += "</w:tbl>" + _paragraph("注", paragraphs[0]) if paragraphs else "</w:tbl>"
    orient = ' w:orient="landscape"' if landscape else ""
    root = etree.fromstring(f'<w:document xmlns:w="{W[1:-1]}"><w:body>{body}<w:sectPr><w:pgSz{orient}/></w:sectPr>'
                            "</w:body></w:document>")
    document = read(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8"),
                    Shapes())
    assert _outcome(WRITER.sheet_xml, document) == _outcome(lambda d: WRITER.worksheet(d).xml(), document)


def _outcome(write, document):
    """The XML written, or the kind of error (a cell past the grid fails both ways alike)."""
    try:
        return write(document)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


@settings(max_examples=200, deadline=None)
@given(heights=st.lists(st.floats(0.5, 400), min_size=1, max_size=40), fill=st.floats(0.9, 1.1),
       titles=st.one_of(st.none(), st.integers(1, 3)))
def test_page_breaks_are_found_as_pages_finds_them(heights, fill, titles):
    """ExcelWriter._breaks (which skips the search when the rows' sum leaves room on one page),
    for sheets near one page's height: pages.page_breaks' rows."""
    from generator.render import pages

    widths, margins = (10.0, 20.0, 30.0), (0.5, 0.5, 0.5, 0.75)
    WRITER._breaks(widths, False, margins, [1.0], None, [1], None)
    room = WRITER._rooms[widths, False, margins]
    heights = [round(h * fill * room / sum(heights), 1) for h in heights]  # rounded as rows are
    rows = range(1, len(heights) + 1)
    title_rows = (1, min(titles, len(heights))) if titles else None
    repeat = [sum(heights[:title_rows[1]]) if title_rows and r > title_rows[1] else 0.0 for r in rows]
    assert WRITER._breaks(widths, False, margins, heights, heights[:title_rows[1]] if title_rows else None, rows,
                          title_rows) == pages.page_breaks(heights, room, repeat)


def test_each_bordered_text_format_has_its_continued_twin():
    """A label printed again below a page break takes its format's 续页标签 twin: the same format
    with `continued`, for every bordered format without a number format, and for no other."""
    styles = WRITER.styles
    twins = {i: styles.index[s._replace(continued=True)] for s, i in styles.index.items()
             if s.border and not s.number_format and not s.continued}
    assert WRITER._continued == twins and twins
    assert all(styles.styles[twin].continued for twin in twins.values())
