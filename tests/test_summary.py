"""The department workbook: its overview agrees with the single tables, to the 分, and its totals are exact."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.settings import ExcelStyle
from generator import summary
from generator.forms.project import OVERVIEW
from generator.batch import document_root
from generator.build import plan
from generator.errors import Problem
from generator.model import Funds
from generator.render.xlsx import ExcelWriter
from generator.variant import Variant

from conftest import EXAMPLES, TEMPLATES

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
VARIANT = Variant.load("2024目标表", TEMPLATES)
AMOUNT_COLUMNS = "DEFGHI"  # 项目资金总额 … 上年结转资金, after 序号 | 项目名称 | 项目类别


def raw_cells(xlsx: bytes, sheet: int = 1) -> dict[str, str]:
    """Cell reference → the exact text stored in the file (numbers as written, not as floats)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        root = etree.fromstring(archive.read(f"xl/worksheets/sheet{sheet}.xml"))
    cells = {}
    for c in root.iter(f"{S}c"):
        v, t = c.find(f"{S}v"), c.find(f"{S}is/{S}t")
        if v is not None:
            cells[c.get("r")] = v.text
        elif t is not None:
            cells[c.get("r")] = t.text
    return cells


def overview_rows(xlsx: bytes) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The project rows and the totals row of the overview, as {column letter: raw text}."""
    cells = raw_cells(xlsx)
    rows: dict[int, dict[str, str]] = {}
    for ref, text in cells.items():
        col = "".join(ch for ch in ref if ch.isalpha())
        rows.setdefault(int(ref[len(col):]), {})[col] = text
    body = [rows[r] for r in sorted(rows) if r > 3]
    return body[:-1], body[-1]


def single_table_cell(path: Path, label: str) -> str:
    """The cell right of `label` in a single project's Excel table."""
    sheet = openpyxl.load_workbook(path).active
    for row in sheet.iter_rows():
        for i, cell in enumerate(row):
            if cell.value == label:
                return next(c.value for c in row[i + 1:] if c.value is not None)
    raise AssertionError(f"{label} not in {path}")


def test_totals_equal_the_sum_of_the_single_tables(built_examples):
    folder = built_examples / "2024"
    projects, total = overview_rows((folder / "汇总.xlsx").read_bytes())
    assert len(projects) == 7 and total["A"] == "合计"
    labels = {"D": "项目资金总额", "G": "年度资金申请总额"}
    for column, label in labels.items():
        exact = [Decimal(row[column]) for row in projects]
        assert Decimal(total[column]) == sum(exact)
        for row, amount in zip(projects, exact):
            # each overview amount is the single table's, exactly (a number there too, printed rounded)
            single = single_table_cell(folder / f"{row['B']}.xlsx", label)
            assert Decimal(repr(single)) == amount
    assert Decimal(total["D"]) == Decimal("83.624")  # 836240 元: the seven seed tables add up to this


def test_overview_counts_and_categories_match_the_projects(built_examples):
    plans, _ = plan(EXAMPLES / "2024", built_examples, TEMPLATES)
    by_name = {p.name: p for p in plans[0].projects}
    projects, total = overview_rows((built_examples / "2024" / "汇总.xlsx").read_bytes())
    levels = list(VARIANT.framework)
    for row in projects:
        project = by_name[row["B"]]
        assert row["C"] == project.category
        counts = [int(row[col]) for col in "JKLM"]
        assert counts == [sum(1 for i in project.indicators if i.level1 == level) for level in levels]
        assert int(row["N"]) == len(project.indicators)
    assert int(total["N"]) == sum(len(p.indicators) for p in by_name.values())


def test_the_workbook_has_the_overview_then_one_sheet_per_project(built_examples):
    book = openpyxl.load_workbook(built_examples / "2024" / "汇总.xlsx")
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 8
    single = openpyxl.load_workbook(built_examples / "2024" / "法律顾问费.xlsx").active
    sheet = book["法律顾问费"]
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [[c.value for c in r] for r in single.iter_rows()]
    overview = book["汇总"]
    assert overview["D2"].value == "项目资金（万元）" and overview["J3"].value == "成本"  # under 指标数（个）
    assert overview.page_setup.orientation == "landscape"


def test_the_overview_prints_readably_and_sums_with_formulas(built_examples):
    """A4 landscape at 9 pt or more, wrapped warnings, 合计 as SUM formulas with cached values,
    absent amounts and zero shown one way (the variant's "-"), print titles on every page."""
    data = (built_examples / "2024" / "汇总.xlsx").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    overview = book["汇总"]
    assert overview.page_setup.orientation == "landscape" and overview.page_setup.paperSize in ("9", 9)
    assert int(overview.page_setup.scale) * 10.5 / 100 >= 9
    total_row = next(r for r in overview.iter_rows() if r[0].value == "合计")
    assert total_row[3].value.startswith("=SUM(D4:D") and total_row[8].value.startswith("=SUM(")
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["汇总"]
    assert str(cached.cell(total_row[3].row, 4).value) == "83.624"
    warning = next(c for r in overview.iter_rows() for c in r if isinstance(c.value, str) and "法律顾问费" in c.value
                   and c.column > 10)
    assert warning.alignment.wrap_text and overview.row_dimensions[warning.row].height >= 60
    other = overview.cell(4, 6)  # 其他资金 of a project without: 0, printed as the variant's "-"
    assert other.value == 0 and other.number_format.endswith(';"-"')
    assert overview.print_title_rows == "$2:$3" and overview.print_title_cols == "$A:$B"


def test_warnings_are_listed_in_their_projects_row(built_examples):
    plans, _ = plan(EXAMPLES / "2024", built_examples, TEMPLATES)
    item = plans[0]
    source = str(item.projects[1].source)
    warnings = [Problem(source, 7, "绩效指标.数量指标", "示例警告", warning=True),
                Problem(source, None, "", "另一条", warning=True)]
    roots = [document_root((built_examples / "2024" / f"{p.name}.docx").read_bytes()) for p in item.projects]
    data = summary.workbook(item.projects, roots, item.variant, ExcelWriter.for_variant(item.variant), warnings)
    projects, total = overview_rows(data)
    assert projects[1]["O"] == "第7行 绩效指标.数量指标: 示例警告\n另一条"
    assert "O" not in projects[0] and total["O"] == "2 条"


def funds(total: Decimal, other: Decimal | None, carry: Decimal | None) -> Funds:
    fiscal = total - (other or 0)
    return Funds(total, fiscal, other, total, fiscal - (carry or 0), carry, other)


cents = st.integers(min_value=0, max_value=10**12).map(lambda n: Decimal(n).scaleb(-2))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(cents, st.none() | cents, st.none() | cents), min_size=1, max_size=12))
def test_totals_are_exact_sums_whatever_the_amounts(amounts):
    lines = []
    for total, other, carry in amounts:
        other = min(other, total) if other is not None else None
        carry = min(carry, total - (other or 0)) if carry is not None else None
        lines.append(summary.Line("项目", "经常性项目", funds(total, other, carry), {}, ()))
    sums = summary.totals(lines, OVERVIEW.amounts)
    assert sums["total"] == sum(line.funds.total for line in lines)
    assert sums["other"] == sum(line.funds.other or 0 for line in lines)
    buffer = io.BytesIO()
    summary.write(buffer, "汇总", lines, [], [], VARIANT, ExcelWriter(ExcelStyle()), OVERVIEW)
    _, total_row = overview_rows(buffer.getvalue())
    for column, (_, field) in zip(AMOUNT_COLUMNS, OVERVIEW.amounts):
        assert Decimal(total_row[column]) == VARIANT.amounts.scaled(sums[field])  # the file holds the exact sum


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.decimals(min_value=-10 ** 12, max_value=10 ** 12, allow_nan=False,
                                        allow_infinity=False), max_size=20),
       st.sampled_from(["元", "万元"]), st.integers(0, 6), st.booleans(), st.sampled_from(["-", "—", "无", "未填写"]))
def test_the_widest_amount_is_the_widest_of_all_printed(amounts, unit, decimals, thousands, absent):
    from generator.render import pages
    from generator.settings import AmountStyle

    style = AmountStyle(unit=unit, decimals=decimals, thousands=thousands, absent=absent)
    assert summary.widest_amount(amounts, style) == max((pages.text_em(style.format(a)) for a in amounts), default=0)
