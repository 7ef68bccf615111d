"""Print-ready tables (render/docx_print.py and the Excel writer's pages): the XML properties Word,
WPS and LibreOffice lay a table out by, and, where LibreOffice is installed, a two-page table read
back from its PDF (pdftotext) to find the header on page 2."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from lxml import etree

from generator.render.context import project_context
from generator.render.docx import WordTemplate
from generator.render.docx_print import TWIPS_PER_CM, label_fit_problems
from generator.render.ooxml import W
from generator.render.sheetml import CONTINUED
from generator.render.xlsx import ExcelWriter

from conftest import TEMPLATES
from test_model import BASE, VARIANT, build
from test_pdf import needs_soffice

TEMPLATE = WordTemplate.for_variant(VARIANT)
WRITER = ExcelWriter.for_variant(VARIANT)
LEVEL2 = ["数量指标", "质量指标", "时效指标", "经济效益指标", "社会效益指标", "可持续影响指标", "服务对象满意度指标"]


def long_project(count: int = 40) -> str:
    """A project of `count` indicators (over one A4 page in the 2024 form)."""
    lines = [BASE.replace("项目名称: X", "项目名称: 长表测试项目"), "项目资金: 19200\n绩效指标:\n"]
    for i, level2 in enumerate(LEVEL2):
        lines.append(f"  {level2}:\n")
        lines += [f"    {level2[:2]}第{n}项指标的完成情况: ≥{90 + n % 10}%\n"
                  for n in range(i, count, len(LEVEL2))]
    return "".join(lines)


def rendered(spec: str):
    project, problems = build(spec)
    assert not problems, problems
    data, root = TEMPLATE.render(project_context(project, VARIANT))
    return data, root, project


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def long_table():
    return rendered(long_project())


def test_the_header_rows_repeat_rows_never_split_and_the_layout_is_fixed(long_table):
    data, _, _ = long_table
    document = etree.fromstring(parts(data)["word/document.xml"])
    tables = document.findall(f"{W}body/{W}tbl")
    assert len(tables) == 2  # the indicator grid is a table of its own: its first row repeats
    header = tables[1].find(f"{W}tr")
    assert header.find(f"{W}trPr/{W}tblHeader") is not None
    assert "一级指标" in "".join(header.itertext())
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tbl in tables for tr in tbl.iter(f"{W}tr"))
    columns = [round(c * TWIPS_PER_CM) for c in VARIANT.print_style.columns]
    for tbl in tables:
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        assert tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}type") == "dxa"
        assert [int(c.get(f"{W}w")) for c in tbl.iterfind(f"{W}tblGrid/{W}gridCol")] == columns
        assert all(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}type") == "dxa" for tc in tbl.iter(f"{W}tc"))
        assert tbl.find(f"{W}tblPr/{W}tblCellMar/{W}left") is not None
    # every line of the tables has an exact height: rows as tall in Word, WPS and LibreOffice
    spacing = [p.find(f"{W}pPr/{W}spacing") for tbl in tables for p in tbl.iter(f"{W}p")]
    assert all(s is not None and s.get(f"{W}lineRule") == "exact" for s in spacing)


def test_a_page_begins_with_its_levels_and_the_footer_counts_pages(long_table):
    data, root, _ = long_table
    package = parts(data)
    document = etree.fromstring(package["word/document.xml"])
    marks = list(document.iter(f"{W}lastRenderedPageBreak"))
    assert marks  # a merged 一级/二级 label printed again where the second page begins
    restarted = [next(m.iterancestors(f"{W}tc")) for m in marks]
    texts = {"".join(tc.itertext()) for tc in restarted}
    assert texts & set(VARIANT.framework) and texts & set(LEVEL2)
    assert all(tc.find(f"{W}tcPr/{W}vMerge").get(f"{W}val") == "restart" for tc in restarted)
    assert document.find(f"{W}body/{W}sectPr/{W}footerReference") is not None
    footer = package["word/footer_pages.xml"].decode()
    assert " PAGE " in footer and " NUMPAGES " in footer and "第 " in footer and " 页 共 " in footer
    # the document handed to the Excel writer is the table as rendered, without Word's restarts
    assert "lastRenderedPageBreak" not in root.text() and "lastRenderedPageBreak" in package["word/document.xml"].decode()


def test_a_one_page_table_has_no_page_numbers():
    data, _, _ = rendered(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    document = etree.fromstring(parts(data)["word/document.xml"])
    assert document.find(f"{W}body/{W}sectPr/{W}footerReference") is None
    assert not list(document.iter(f"{W}lastRenderedPageBreak"))


def test_the_package_is_clean(long_table):
    data, _, _ = long_table
    package = parts(data)
    assert not any(name.startswith(("docProps/thumbnail", "word/theme", "customXml", "word/stylesWithEffects",
                                    "word/webSettings")) for name in package)
    assert b"<Application>perfgen</Application>" in package["docProps/app.xml"]
    core = package["docProps/core.xml"].decode()
    assert "<dc:title>长表测试项目</dc:title>" in core and "<dc:creator>区征收中心</dc:creator>" in core
    assert "财政项目支出绩效目标表(2024年度)" in core and "2000-01-01T00:00:00Z" in core
    styles = package["word/styles.xml"].decode()
    assert styles.count("<w:style ") < 10 and "Theme" not in styles and "Theme" not in package["word/document.xml"].decode()
    assert 'w:eastAsia="zh-CN"' in styles and 'w:eastAsia="宋体"' in styles
    assert b'w:name="\xe5\xae\x8b\xe4\xbd\x93"><w:altName w:val="SimSun"/>' in package["word/fontTable.xml"]
    one_page = rendered(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")[0]
    assert len(one_page) < 37_000 / 2 / 2  # the tables were 37 KB, 26 KB of it unused styles


def test_no_shipped_label_leaves_a_lone_character():
    """经济成本指|标, 项目资金总|额, 计划完成日|期: every variant's print.columns keep its labels and
    二级 names whole (perfgen check warns when a form's do not)."""
    from generator.variant import Variant

    for settings in TEMPLATES.glob("*/settings.yaml"):
        variant = Variant(settings.parent)
        problems = label_fit_problems(variant.word_template.read_bytes(), variant.print_style, variant.labels,
                                      variant.framework)
        assert problems == [], (variant.name, problems)


def test_a_column_too_narrow_for_its_label_is_a_warning(tmp_path):
    narrow = VARIANT.print_style.model_copy(update={"columns": [1.9, 3.0, 2.6, 2.65, 3.75, 3.1]})
    problems = label_fit_problems(VARIANT.word_template.read_bytes(), narrow, VARIANT.labels, VARIANT.framework)
    assert any("经济成本指|标" in p and "第 3 列" in p for p in problems)


def test_the_excel_table_prints_its_pages(long_table):
    _, root, _ = long_table
    data = WRITER.workbook([("长表测试项目", root)])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = next(c.row for row in sheet.iter_rows() for c in row if c.value == "一级指标")
    assert sheet.print_title_rows == f"${header}:${header}"
    breaks = [b.id for b in sheet.row_breaks.brk]
    assert breaks and all(b > header for b in breaks)
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    # at the first row of each new page, the merged labels begin again (cell style 续页标签)
    for brk in breaks:
        again = [c for c in sheet[brk + 1] if c.style == CONTINUED]
        assert again and {c.value for c in again} & set(VARIANT.framework)
    total = next(c for row in sheet.iter_rows() for c in row if c.value == "项目资金总额")
    amount = sheet.cell(total.row, total.column + 1)
    assert amount.data_type == "n" and amount.value == 1.92 and amount.number_format == "#,##0.00"
    assert next(c for row in sheet.iter_rows() for c in row if c.value == "项目名称").alignment.horizontal == "center"


def pdf_pages(pdf) -> list[str]:
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]


@needs_soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_libreoffice_prints_the_header_and_the_levels_on_page_two(long_table, tmp_path):
    """The 40-indicator table through LibreOffice (with perfgen's fontconfig): page 2 of the Word and
    of the Excel table begins with the indicator header and says which 一级/二级 its rows are under,
    and both count their pages."""
    from generator.pdf import to_pdf

    data, root, _ = long_table
    pdfs = to_pdf([(".docx", data), (".xlsx", WRITER.workbook([("长表测试项目", root)]))])
    for suffix, pdf in zip(("docx", "xlsx"), pdfs):
        path = tmp_path / f"long.{suffix}.pdf"
        path.write_bytes(pdf)
        pages = pdf_pages(path)
        assert len(pages) >= 2, suffix
        second = pages[1]
        assert "一级指标" in second and "二级指标" in second and "年度指标值" in second, (suffix, second)
        assert any(level1 in second for level1 in VARIANT.framework), (suffix, second)
        assert any(level2 in second for level2 in LEVEL2), (suffix, second)
        assert "第 2 页 共" in second.replace("第2页共", "第 2 页 共"), (suffix, second)
        assert "项目名称" not in second  # the fixed part is printed once
    serif = subprocess.run(["fc-list", ":family=Noto Serif CJK SC"], capture_output=True, text=True).stdout
    if serif.strip() and shutil.which("pdffonts"):  # 宋体 prints in the installed serif, not a 黑体-like sans
        fonts = subprocess.run(["pdffonts", str(tmp_path / "long.docx.pdf")], capture_output=True, text=True).stdout
        assert "NotoSerifCJK" in fonts and "NotoSansCJK" not in fonts, fonts


@pytest.mark.parametrize("count", [14, 40, 90])
def test_row_heights_in_one_pass_are_the_grids(count):
    """The page layout's heights (one pass over a table's cells) are pages.row_heights of the
    table's grid: each cell not continued laid out, a vertical merge as tall as its rows."""
    from generator.render import pages
    from generator.render.docx_print import TWIPS_PER_PT

    _, document, _ = rendered(long_project(count))
    printing, style = TEMPLATE.printing, TEMPLATE.printing.style
    vertical, horizontal = (v / TWIPS_PER_PT * 2 for v in style.padding_twips)
    for table in document.tables:
        grid = pages.Grid([(w or 0) / TWIPS_PER_PT for w in table.widths])
        top: dict[int, pages.Cell] = {}
        for r, row in enumerate(table.rows):
            grid.min_heights.append(row.min_height)
            for cell in row.cells:
                if cell.merge == "continue" and cell.col in top:
                    top[cell.col].rows += 1
                else:
                    size = printing.default_size if cell.shape.print_size is None else cell.shape.print_size
                    top[cell.col] = pages.Cell(r, cell.col, cell.span, 1, cell.text, size)
                    grid.cells.append(top[cell.col])
        continued: dict = {}
        heights, header = printing._heights(table, vertical, 5, continued)
        assert heights == pages.row_heights(grid, style.line_height, (vertical, horizontal))
        # again, from what the cells kept of their layout (a row met before): the same heights
        assert printing._heights(table, vertical, 5, {}) == (heights, header)
        assert all(cell.laid is not None for row in table.rows for cell in row.cells if cell.merge != "continue")
        assert 0 <= header <= len(table.rows)
        assert all(table.rows[r - 5].cells[table.rows[r - 5].cells.index(cell)].merge == "continue"
                   and (t, r - 5) == (table, at) for r, cells in continued.items() for t, at, cell in cells)


def test_the_document_bytes_are_its_text_in_utf8():
    """Document.data (rows met before taken as encoded then) is the laid-out text in UTF-8: for
    tables of one page and of several (merges restarted where pages begin), met cold and again."""
    kept: dict = {}
    for count in (14, 40, 90, 40, 14):
        _, document, _ = rendered(long_project(count))
        printing = TEMPLATE.printing
        expected = printing.lay_out(document).encode("utf-8")
        assert document.data(kept, *printing._page_edits(document)) == expected
        assert document.data({}, *printing._page_edits(document)) == expected
    assert kept
