"""Readers: Word and Excel tables as rows of cells, each merged cell read once."""
from __future__ import annotations

import datetime as dt
import zipfile

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from docx.oxml import OxmlElement

from generator.importer.grid import ReadError, read



def texts(document) -> list[list[str]]:
    return [row.texts for row in document.rows]


def test_word_paragraphs_and_tables_in_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("标题")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "项目名称", "法律顾问费"
    table.cell(1, 0).text = "第一行\n第二行"
    document.save(str(tmp_path / "a.docx"))
    read_back = read(tmp_path / "a.docx")
    assert texts(read_back) == [["标题"], ["项目名称", "法律顾问费"], ["第一行\n第二行"]]
    assert read_back.rows[0].paragraph and not read_back.rows[1].paragraph and read_back.tables == 1


def test_word_merged_cells_are_read_once_with_their_grid_columns(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "绩效指标"      # vertical merge over three rows
    table.cell(0, 1).merge(table.cell(0, 2)).text = "横向合并"        # horizontal merge (gridSpan)
    table.cell(1, 2).text = "右"
    # some producers leave the text in the cells a vertical merge covers: still read once
    continued = table.rows[1]._tr.tc_lst[0]
    continued.append(docx.oxml.parse_xml(
        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:r><w:t>绩效指标</w:t></w:r></w:p>'))
    document.save(str(tmp_path / "m.docx"))
    rows = read(tmp_path / "m.docx").rows
    assert texts(read(tmp_path / "m.docx")) == [["绩效指标", "横向合并"], ["右"], []]
    assert [(c.col, c.span) for c in rows[0].cells] == [(0, 1), (1, 2)]
    assert rows[1].cells[0].merged and rows[1].cells[2].col == 2


def test_word_legacy_horizontal_merge_and_checkbox_symbols(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).text = "项目类别"
    table.cell(0, 1).text = "专项资金"
    tc_pr = table.rows[0]._tr.tc_lst[2].get_or_add_tcPr()
    merge = OxmlElement("w:hMerge")
    tc_pr.append(merge)
    table.cell(0, 2).text = "专项资金"                    # covered by the hMerge: not a second cell
    run = table.cell(0, 1).paragraphs[0].add_run()
    symbol = OxmlElement("w:sym")
    symbol.set(qn("w:font"), "Wingdings")
    symbol.set(qn("w:char"), "F0FE")
    run._r.append(symbol)
    document.save(str(tmp_path / "h.docx"))
    assert texts(read(tmp_path / "h.docx")) == [["项目类别", "专项资金☑"]]


def test_excel_merged_ranges_numbers_and_dates(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "财政项目支出绩效目标表"
    sheet.merge_cells("A1:D1")
    sheet["A2"], sheet["B2"], sheet["C2"], sheet["D2"] = "项目资金总额", 14.82, 148200, dt.datetime(2024, 1, 1)
    sheet["A3"], sheet["B3"] = "完成率", 1
    sheet["B3"].number_format = "0%"
    sheet.merge_cells("A4:A5")
    sheet["A4"] = "产出指标"
    sheet["B5"] = "数量指标"
    hidden = book.create_sheet("隐藏")
    hidden["A1"] = "不读"
    hidden.sheet_state = "hidden"
    book.save(str(tmp_path / "a.xlsx"))
    document = read(tmp_path / "a.xlsx")
    assert texts(document) == [["财政项目支出绩效目标表"], ["项目资金总额", "14.82", "148200", "2024-01-01"],
                               ["完成率", "100%"], ["产出指标"], ["数量指标"]]
    assert document.rows[0].cells[0].span == 4 and document.rows[4].cells[0].merged


@pytest.mark.parametrize("name, content, message", [
    ("a.doc", b"", "另存为 .docx"),
    ("a.pdf", b"%PDF", "只能导入 .docx 和 .xlsx"),
    ("a.docx", b"plain text", "无法作为 Word 文件读取"),
    ("a.xlsx", b"plain text", "无法作为 Excel 文件读取"),
])
def test_unreadable_files_raise_a_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message):
        read(path)


def test_a_zip_that_is_not_a_word_document(tmp_path):
    with zipfile.ZipFile(tmp_path / "z.docx", "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(ReadError, match="无法作为 Word 文件读取"):
        read(tmp_path / "z.docx")
    with pytest.raises(ReadError, match="文件不存在"):
        read(tmp_path / "missing.docx")


def test_excel_values_typed_as_formulas_are_read_as_typed(tmp_path):
    """`=100.00(%)` typed into Excel without a quote is stored as a formula; a program that wrote
    the file left no computed value, so what was typed is what the author meant."""
    book = openpyxl.Workbook()
    book.active["A1"], book.active["B1"] = "党课计划完成率", "=100.00(%)"
    book.active["A2"] = 7
    book.save(str(tmp_path / "f.xlsx"))
    document = read(tmp_path / "f.xlsx")
    assert texts(document) == [["党课计划完成率", "=100.00(%)"], ["7"]]
    assert [row.number for row in document.rows] == [1, 2]
