"""Word files made from the seed texts: tables laid out as other tools export them, not as perfgen does.

One table row per text line with the cells as they come (tab-separated, no merges: a merged cell
of the original is an empty cell or is missing, so rows shift), the title and subtitle as
paragraphs, and a blank line inside a table (a page break in the extraction) starting a new Word
table. The extraction's markup becomes what the reader of the real table saw: ticked and empty
boxes, and no HTML tags.
"""
from __future__ import annotations

import re
from pathlib import Path

import docx

TITLE = re.compile(r"^\s*(财政项目支出绩效目标(申报)?表|单位整体支出绩效目标申报表)\s*$")
SUBTITLE = re.compile(r"^\s*\(\d{4}年度\)\s*$")
DASHES = re.compile(r"^[-\s|]*$")
CHECKED = re.compile(r'<input\s+checked=""\s+type="checkbox"\s*/>')
UNCHECKED = re.compile(r'<input\s+type="checkbox"\s*/>')
TAG = re.compile(r"<[^>]+>")


def cell_text(text: str) -> str:
    text = UNCHECKED.sub("☐", CHECKED.sub("☑", text))
    return re.sub(r"\s+", " ", TAG.sub(" ", text)).strip()


def seed_tables(path: Path) -> list[list[str]]:
    """The lines of each table of a seed file (a table starts at its title line)."""
    tables: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if TITLE.match(line):
            tables.append([])
        if tables:
            tables[-1].append(line)
    return tables


def write_seed_docx(lines: list[str], target: Path) -> Path:
    document = docx.Document()
    segment: list[list[str]] = []

    def flush() -> None:
        if not segment:
            return
        width = max(len(cells) for cells in segment)
        table = document.add_table(rows=len(segment), cols=width)
        for row, cells in zip(table.rows, segment):
            for cell, text in zip(row.cells, cells):
                cell.text = cell_text(text)
        segment.clear()

    for line in lines:
        if TITLE.match(line) or SUBTITLE.match(line):
            document.add_paragraph(line.strip())
        elif not line.strip():
            flush()                      # a blank line inside a table: the next page's table
        elif not DASHES.match(line):
            segment.append(line.split("\t"))
    flush()
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return target


def write_seed_xlsx(tables: list[list[str]], target: Path) -> Path:
    """The same tables stacked on one worksheet, one row per line, every cell as text."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    row = 0
    for lines in tables:
        for line in lines:
            if not line.strip() or DASHES.match(line):
                continue
            row += 1
            for column, text in enumerate(line.split("\t"), 1):
                if cell_text(text):
                    cell = sheet.cell(row=row, column=column, value=cell_text(text))
                    cell.data_type = "s"      # `=100.00(%)` is text, as in a table typed by hand
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(target))
    return target
