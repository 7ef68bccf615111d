"""Authoring aid: (re)creates the Word templates under templates/ with python-docx.

The committed .docx files are the templates; open and adjust them in Word or WPS like any
document. This script only records how they were first laid out, so that a change to the grid
can be made reproducibly and reviewed as code:

    python scripts/make_templates.py            # rewrite every template below
    python scripts/make_templates.py 2024目标表  # just one

Conventions the generator relies on (see README, "Templates"):
- placeholders are jinja (`{{ 项目名称 }}`, `{{ 标签.项目资金 }}`), rows repeat with docxtpl's
  `{%tr for row in 指标行 %}` … `{%tr endfor %}`;
- a cell whose value is `{{ 续 }}` (or a row field the model set to continue) joins the cell above;
- labels, title, number and date formats live in settings.yaml, not here.
"""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from generator.render.docx_print import used_styles  # noqa: E402
from generator.write import normalize_zip  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "templates"
CENTER, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
FIXED_DATE = "2000-01-01T00:00:00"


def new_document(east_asian_font: str = "宋体", size: float = 10.5, landscape: bool = False) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(size)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian_font)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    props = doc.core_properties
    props.author = props.last_modified_by = "perfgen"
    props.title, props.comments = "绩效目标表模板", ""
    props.revision = 1
    import datetime as dt
    props.created = props.modified = dt.datetime(2000, 1, 1)
    return doc


def heading(doc: Document, text: str, size: float, bold: bool, font: str = "宋体") -> None:
    p = doc.add_paragraph()
    p.alignment = CENTER
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def set_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:val"), "single")
        node.set(qn("w:sz"), "4")
        node.set(qn("w:space"), "0")
        node.set(qn("w:color"), "000000")
        borders.append(node)
    tbl_pr.append(borders)


@dataclass
class Grid:
    """A table being laid out: `put(row, col, text, span=1, align=…)` writes and merges."""

    table: object
    widths: list[float]

    def cell(self, row: int, col: int):
        return self.table.cell(row, col)

    def put(self, row: int, col: int, text: str, span: int = 1, align=CENTER, bold: bool = False,
            top: bool = False) -> None:
        cell = self.table.cell(row, col)
        if span > 1:
            cell = cell.merge(self.table.cell(row, col + span - 1))
        if top:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        p = cell.paragraphs[0]
        p.alignment = align
        run = p.add_run(text)
        run.bold = bold

    def vmerge(self, col: int, first: int, last: int) -> None:
        self.table.cell(first, col).merge(self.table.cell(last, col))

    def repeat(self, row: int) -> None:
        """Print this row on every page the table covers (Word's "repeat as header row"); perfgen
        makes a row so marked the first of a table of its own, where Word can repeat it."""
        tr_pr = self.table.rows[row]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))


def grid(doc: Document, rows: int, widths_cm: list[float]) -> Grid:
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # fixed layout: text wraps in the designed widths
    set_borders(table)
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)
    for row in table.rows:
        row.height = Cm(0.75)  # at least; rows grow with their text
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return Grid(table, widths_cm)


def finish(grid_: Grid) -> None:
    """python-docx sets a width on each tc; the grid needs the same numbers (Word and LibreOffice
    read the grid for fixed layouts)."""
    tbl = grid_.table._tbl
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), grid_.widths):
        col.set(qn("w:w"), str(int(Cm(width).twips)))


# ---------------------------------------------------------------- project tables

@dataclass
class ProjectLayout:
    """What differs between the project forms' grids (not their words: those are settings)."""

    category_field: str          # context key printed beside 项目类别
    annual_breakdown: str        # "always", or "with_carryover": 当年财政拨款 / 上年结转资金 / 其他资金
                                 # on the right only when part of the money is carried over
    goal_years_row: bool         # 2022: a separate "(年 - 年)" line under 项目总目标
    goal_years_inline: bool      # 2024: "项目总目标 (2024年-2024年)" in the label
    # the forms added later say more of their grid by settings (see settings.yaml of each):
    classifications: tuple[str, ...] = ()   # two classifications on the first row: 项目名称 | name | A | a | B | b
    goal_years_label: bool = False          # "项目总目标 {{ 标签.总目标年限 }}": a label a project may word its own way
    funds_loop: bool = False                # the 项目资金 block as the settings' `funds.rows`, one row each
    indicator_label_on_rows: bool = False   # 绩效指标 starts on the first indicator row, not on the header
    widths: tuple[float, ...] = (1.9, 2.5, 2.6, 2.6, 3.2, 4.2)


def first_label(key: str) -> str:
    """A label cell in a loop's row: the label on the first row, merged into it on the others."""
    return "{%% if loop.first %%}{{ 标签.%s }}{%% else %%}{{ 续 }}{%% endif %%}" % key


def project_table(layout: ProjectLayout) -> Document:
    """Six columns: label | 一级 or sub-label | 二级 or value | 三级 (two) | value."""
    doc = new_document()
    heading(doc, "{{ 标题 }}", 16, True)
    heading(doc, "{{ 副标题 }}", 12, False)
    widths = list(layout.widths)
    funds_rows = 3 if layout.funds_loop else 4
    body_rows = 3 + funds_rows + 2 + 1 + 3  # header, funds, goals, indicator header, loop (for, row, endfor)
    g = grid(doc, body_rows, widths)
    L = "{{ 标签.%s }}"
    # header: name | category; department | unit; dates
    for r, (a, b, c, d) in enumerate([("项目名称", "{{ 项目名称 }}", "项目类别", "{{ %s }}" % layout.category_field),
                                      ("主管部门", "{{ 主管部门 }}", "实施单位", "{{ 实施单位 }}"),
                                      ("计划开始日期", "{{ 计划开始日期 }}", "计划完成日期", "{{ 计划完成日期 }}")]):
        g.put(r, 0, L % a)
        if r == 0 and layout.classifications:
            g.put(r, 1, b, align=LEFT)
            for col, key in zip((2, 4), layout.classifications):
                g.put(r, col, L % key)
                g.put(r, col + 1, "{{ %s }}" % key)
            continue
        g.put(r, 1, b, span=2, align=LEFT if r < 2 else CENTER)
        g.put(r, 3, L % c)
        g.put(r, 4, d, span=2, align=LEFT if r < 2 else CENTER)
    if layout.funds_loop:
        return _loop_funds_and_rest(doc, g, layout)
    # funds: four rows under one label
    right = [("年度资金申请总额", "年度资金申请总额"), ("当年财政拨款", "当年财政拨款"),
             ("上年结转资金", "上年结转资金"), ("年度其他资金", "年度其他资金")]
    left = [("项目资金总额", "项目资金总额"), ("财政资金", "财政资金"), (None, None), ("其他资金", "其他资金")]
    for i in range(4):
        r = 3 + i
        label, key = left[i]
        if label:
            g.put(r, 1, L % label)
            g.put(r, 2, "{{ %s }}" % key)
        rlabel, rkey = right[i]
        g.put(r, 3, L % rlabel, span=2)
        if i == 0 or layout.annual_breakdown == "always":
            g.put(r, 5, "{{ %s }}" % rkey)
        else:
            g.put(r, 5, "{%% if 上年结转资金 %%}{{ %s }}{%% endif %%}" % rkey)
    g.put(3, 0, L % "项目资金")
    g.vmerge(0, 3, 6)
    # goals: two rows under one label
    if layout.goal_years_inline:
        g.put(7, 1, "{{ 标签.项目总目标 }} ({{ 开始年 }}年-{{ 完成年 }}年)", span=3)
    else:
        g.put(7, 1, L % "项目总目标", span=3)
    g.put(7, 4, L % "年度总体目标", span=2)
    total = "{{ 标签.总目标年限 }}\n{{ 项目总目标 }}" if layout.goal_years_row else "{{ 项目总目标 }}"
    g.put(8, 1, total, span=3, align=LEFT, top=True)
    g.put(8, 4, "{{ 年度总体目标 }}", span=2, align=LEFT, top=True)
    g.put(7, 0, L % "项目绩效目标")
    g.vmerge(0, 7, 8)
    indicator_block(g, 9, layout)
    finish(g)
    return doc


def indicator_block(g: Grid, top: int, layout: ProjectLayout) -> None:
    """The indicators: a header row at `top`, then one row per indicator between the docxtpl
    row-loop markers; 绩效指标 down the side from the header, or from the first indicator row."""
    L = "{{ 标签.%s }}"
    for col, key, span in [(1, "一级指标", 1), (2, "二级指标", 1), (3, "三级指标", 2), (5, "指标值", 1)]:
        g.put(top, col, L % key, span=span)
    g.put(top + 1, 1, "{%tr for row in 指标行 %}")
    g.put(top + 2, 1, "{{ row.一级 }}")
    g.put(top + 2, 2, "{{ row.二级 }}")
    g.put(top + 2, 3, "{{ row.三级 }}", span=2, align=LEFT)
    g.put(top + 2, 5, "{{ row.指标值 }}")
    g.put(top + 3, 1, "{%tr endfor %}")
    if layout.indicator_label_on_rows:       # the header row's first cell stays empty
        g.put(top + 2, 0, first_label("绩效指标"))
    else:
        g.put(top, 0, L % "绩效指标")
        g.vmerge(0, top, top + 3)
    g.repeat(top)


def _loop_funds_and_rest(doc: Document, g: Grid, layout: ProjectLayout) -> Document:
    """The grid below the header of a form whose 项目资金 block is a loop over the settings' rows."""
    L = "{{ 标签.%s }}"
    g.put(3, 1, "{%tr for row in 资金行 %}")
    g.put(4, 0, first_label("项目资金"))
    g.put(4, 1, "{{ row.左标签 }}")
    g.put(4, 2, "{{ row.左值 }}")
    g.put(4, 3, "{{ row.右标签 }}", span=2)
    g.put(4, 5, "{{ row.右值 }}")
    g.put(5, 1, "{%tr endfor %}")
    # goals: two rows under one label
    total = L % "项目总目标" + (" {{ 标签.总目标年限 }}" if layout.goal_years_label else "")
    g.put(6, 1, total, span=3)
    g.put(6, 4, L % "年度总体目标", span=2)
    g.put(7, 1, "{{ 项目总目标 }}", span=3, align=LEFT, top=True)
    g.put(7, 4, "{{ 年度总体目标 }}", span=2, align=LEFT, top=True)
    g.put(6, 0, L % "项目绩效目标")
    g.vmerge(0, 6, 7)
    indicator_block(g, 8, layout)
    finish(g)
    return doc


# ---------------------------------------------------------------- the unit table

def unit_table() -> Document:
    """Nine columns, the width of 分解目标; the upper part uses label | value pairs across them."""
    doc = new_document(size=10, landscape=True)
    heading(doc, "{{ 标题 }}", 16, True)
    heading(doc, "{{ 副标题 }}", 12, False)
    widths = [2.0, 2.2, 3.5, 1.9, 1.0, 2.3, 1.3, 5.6, 5.9]
    g = grid(doc, 30, widths)
    L = "{{ 标签.%s }}"
    r = 0
    for key, align in (("单位名称", LEFT), ("财政拨款方式", LEFT), ("单位职责", LEFT), ("年度履职目标", LEFT)):
        g.put(r, 0, L % key, span=2)
        g.put(r, 2, "{{ %s }}" % key, span=7, align=align)
        r += 1
    g.put(r, 0, L % "年度重点任务", span=9, bold=True); r += 1
    g.put(r, 0, L % "任务名称", span=3); g.put(r, 3, L % "主要内容", span=6); r += 1
    g.put(r, 0, "{{ 任务名称 }}", span=3, align=LEFT, top=True)
    g.put(r, 3, "{{ 主要内容 }}", span=6, align=LEFT, top=True); r += 1
    g.put(r, 0, L % "预算情况", span=9, bold=True); r += 1
    g.put(r, 0, L % "内容", span=3); g.put(r, 3, L % "预算情况", span=6); r += 1
    for key in ("预算总额", "财政拨款", "其他资金", "基本支出", "项目支出"):
        g.put(r, 0, L % key, span=3, align=LEFT)
        g.put(r, 3, "{{ %s }}" % key, span=6); r += 1
    g.put(r, 0, L % "年末在职人数", span=3); g.put(r, 3, L % "内设机构数", span=6); r += 1
    g.put(r, 0, "{{ 年末在职人数 }}", span=3); g.put(r, 3, "{{ 内设机构数 }}", span=6); r += 1
    g.put(r, 0, L % "分解目标", span=9, bold=True); g.repeat(r); r += 1
    for col, key in enumerate(("一级指标", "二级指标", "三级指标", "指标性质", "方向", "指标值", "计量单位",
                               "指标解释", "评分标准")):
        g.put(r, col, L % key)
    g.repeat(r)
    r += 1
    g.put(r, 0, "{%tr for row in 固定指标行 %}"); r += 1
    g.put(r, 0, "{{ row.一级 }}"); g.put(r, 1, "{{ row.二级 }}"); g.put(r, 2, "{{ row.说明 }}", span=7); r += 1
    g.put(r, 0, "{%tr endfor %}"); r += 1
    g.put(r, 0, "{%tr for row in 指标行 %}"); r += 1
    for col, (key, align) in enumerate((("一级", CENTER), ("二级", CENTER), ("三级", LEFT), ("指标性质", CENTER),
                                        ("方向", CENTER), ("数值", CENTER), ("计量单位", CENTER),
                                        ("指标解释", LEFT), ("评分标准", LEFT))):
        g.put(r, col, "{{ row.%s }}" % key, align=align)
    r += 1
    g.put(r, 0, "{%tr endfor %}"); r += 1
    for _ in range(r, len(g.table.rows)):
        g.table._tbl.remove(g.table.rows[r]._tr)
    finish(g)
    return doc


# ---------------------------------------------------------------- the year's later stages

def _stage_head(g: Grid, last: int, L: str) -> int:
    """项目名称 over the width; 主管部门 | … | 实施单位 | …. Returns the next row."""
    g.put(0, 0, L % "项目名称")
    g.put(0, 1, "{{ 项目名称 }}", span=last, align=LEFT)
    half = (last + 1) // 2
    g.put(1, 0, L % "主管部门")
    g.put(1, 1, "{{ 主管部门 }}", span=half - 1, align=LEFT)
    g.put(1, half, L % "实施单位", span=2)
    g.put(1, half + 2, "{{ 实施单位 }}", span=last - half - 1, align=LEFT)
    return 2


def _loop(g: Grid, r: int, name: str, cells: list[tuple[int, str, int, object]]) -> int:
    """A docxtpl row loop at row r: the for marker, one row of `cells` (col, field, span, align), endfor."""
    g.put(r, 1, "{%%tr for row in %s %%}" % name)
    for col, key, span, align in cells:
        g.put(r + 1, col, "{{ row.%s }}" % key, span=span, align=align)
    g.put(r + 2, 1, "{%tr endfor %}")
    return r + 3


def evaluation_table() -> Document:
    """项目支出绩效自评表 (财预〔2020〕10号 附1): nine columns, the indicators' eight beside the labels."""
    doc = new_document(size=10, landscape=True)
    heading(doc, "{{ 标题 }}", 16, True)
    heading(doc, "{{ 副标题 }}", 12, False)
    widths = [1.5, 2.0, 2.3, 4.0, 2.7, 2.7, 1.7, 1.9, 5.0]
    g = grid(doc, 2 + 4 + 2 + 4 + 2, widths)
    L = "{{ 标签.%s }}"
    r = _stage_head(g, 8, L)
    # 项目资金: a header and one row per funding line
    first = r
    g.put(r, 1, "", span=2)
    for col, key in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 3):
        g.put(r, col, L % key)
    r = _loop(g, r + 1, "资金行", [(1, "名称", 2, LEFT), *((c, k, 1, CENTER) for c, k in enumerate(
        ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), 3))])
    g.put(first, 0, L % "项目资金")
    g.vmerge(0, first, r - 1)
    # 年度总体目标: 预期目标 | 实际完成情况
    g.put(r, 1, L % "预期目标", span=4)
    g.put(r, 5, L % "实际完成情况", span=4)
    g.put(r + 1, 1, "{{ 预期目标 }}", span=4, align=LEFT, top=True)
    g.put(r + 1, 5, "{{ 实际完成情况 }}", span=4, align=LEFT, top=True)
    g.put(r, 0, L % "年度总体目标")
    g.vmerge(0, r, r + 1)
    r += 2
    # 绩效指标
    first = r
    for col, key in enumerate(("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "偏差原因"), 1):
        g.put(r, col, L % key)
    r = _loop(g, r + 1, "指标行", [(1, "一级", 1, CENTER), (2, "二级", 1, CENTER), (3, "三级", 1, LEFT),
                                  (4, "指标值", 1, CENTER), (5, "实际完成值", 1, CENTER), (6, "分值", 1, CENTER),
                                  (7, "得分", 1, CENTER), (8, "偏差原因", 1, LEFT)])
    g.put(first, 0, L % "绩效指标")
    g.vmerge(0, first, r - 1)
    # 总分, and the notes (rounding, the rule set) as the last row: in the Excel sheet too
    while len(g.table.rows) < r + 2:
        g.table.add_row()
    g.put(r, 0, L % "总分", span=6, bold=True)
    g.put(r, 6, "{{ 分值合计 }}", bold=True)
    g.put(r, 7, "{{ 总分 }}", bold=True)
    g.put(r, 8, "{{ 标签.等级 }}：{{ 等级 }}", bold=True)
    g.put(r + 1, 0, "{{ 标签.说明 }}：{{ 说明 }}", span=9, align=LEFT)
    finish(g)
    return doc


def monitoring_table() -> Document:
    """绩效运行监控表 (the 河南 layout of 财预〔2019〕136号): ten columns, the indicators' nine beside the labels."""
    doc = new_document(size=10, landscape=True)
    heading(doc, "{{ 标题 }}", 16, True)
    heading(doc, "{{ 副标题 }}", 12, False)
    widths = [1.5, 1.8, 2.1, 3.6, 2.4, 2.4, 2.4, 3.0, 2.0, 3.2]
    g = grid(doc, 2 + 4 + 2 + 4, widths)
    L = "{{ 标签.%s }}"
    r = _stage_head(g, 9, L)
    first = r
    g.put(r, 1, "", span=3)
    for col, key, span in ((4, "年初预算数", 2), (6, "执行数", 1), (7, "执行率", 1), (8, "全年预计执行数", 2)):
        g.put(r, col, L % key, span=span)
    r = _loop(g, r + 1, "资金行", [(1, "名称", 3, LEFT), (4, "年初预算数", 2, CENTER), (6, "执行数", 1, CENTER),
                                  (7, "执行率", 1, CENTER), (8, "全年预计执行数", 2, CENTER)])
    g.put(first, 0, L % "项目资金")
    g.vmerge(0, first, r - 1)
    g.put(r, 1, L % "预期目标", span=5)
    g.put(r, 6, L % "目标执行情况", span=4)
    g.put(r + 1, 1, "{{ 预期目标 }}", span=5, align=LEFT, top=True)
    g.put(r + 1, 6, "{{ 执行情况 }}", span=4, align=LEFT, top=True)
    g.put(r, 0, L % "年度总体目标")
    g.vmerge(0, r, r + 1)
    r += 2
    while len(g.table.rows) < r + 4:
        g.table.add_row()
    first = r
    for col, key in enumerate(("一级指标", "二级指标", "三级指标", "指标值", "执行情况", "全年预计", "偏差原因",
                               "完成目标可能性", "备注"), 1):
        g.put(r, col, L % key)
    r = _loop(g, r + 1, "指标行", [(1, "一级", 1, CENTER), (2, "二级", 1, CENTER), (3, "三级", 1, LEFT),
                                  (4, "指标值", 1, CENTER), (5, "执行情况", 1, CENTER), (6, "全年预计", 1, CENTER),
                                  (7, "偏差原因", 1, LEFT), (8, "完成目标可能性", 1, CENTER), (9, "备注", 1, LEFT)])
    g.put(first, 0, L % "绩效指标")
    g.vmerge(0, first, r - 1)
    for _ in range(r, len(g.table.rows)):
        g.table._tbl.remove(g.table.rows[r]._tr)
    finish(g)
    return doc


def _fix_multiline(doc: Document) -> None:
    """Turn the '\\n' written by put() into separate paragraphs with the same alignment."""
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in list(cell.paragraphs):
                    if "\n" not in p.text:
                        continue
                    first, *rest = p.text.split("\n")
                    align = p.alignment
                    for run in p.runs[1:]:
                        run._element.getparent().remove(run._element)
                    p.runs[0].text = first
                    anchor = p
                    for line in rest:
                        new = OxmlElement("w:p")
                        anchor._p.addnext(new)
                        from docx.text.paragraph import Paragraph
                        anchor = Paragraph(new, p._parent)
                        anchor.alignment = align
                        anchor.add_run(line)


VARIANTS = {
    "2024目标表": lambda: project_table(ProjectLayout("项目类别勾选", annual_breakdown="always",
                                                    goal_years_row=False, goal_years_inline=True)),
    "2024单位整体": unit_table,
    "2024自评表": evaluation_table,
    "2024监控表": monitoring_table,
    "2022申报表": lambda: project_table(ProjectLayout("项目类别", annual_breakdown="with_carryover",
                                                    goal_years_row=True, goal_years_inline=False)),
    "2024申报表": lambda: project_table(ProjectLayout("项目类别", annual_breakdown="always", goal_years_row=False,
                                                    goal_years_inline=False, classifications=("项目性质", "项目类别"),
                                                    funds_loop=True, indicator_label_on_rows=True,
                                                    widths=(1.6, 2.9, 2.5, 3.6, 2.2, 3.6))),
    "2023目标表": lambda: project_table(ProjectLayout("项目类别", annual_breakdown="always", goal_years_row=False,
                                                    goal_years_inline=False, goal_years_label=True,
                                                    funds_loop=True)),
}


def _slim(doc: Document) -> None:
    """Leave out what python-docx's blank document carries and no table uses: 160 styles besides the
    table's, Word's list of latent ones, and stylesWithEffects.xml (Word 2010's second copy of the
    styles). Each template load parsed them (a third of WordTemplate's time); the tables never
    had them (docx_print.PrintTemplate keeps the same `used_styles`)."""
    styles = doc.styles.element
    wanted = used_styles(styles, doc.element)
    for node in list(styles):
        if node.tag == qn("w:latentStyles") or (node.tag == qn("w:style") and node.get(qn("w:styleId")) not in wanted):
            styles.remove(node)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)


def main(names: list[str]) -> None:
    for name in names or list(VARIANTS):
        doc = VARIANTS[name]()
        _fix_multiline(doc)
        _slim(doc)
        target = ROOT / name / "table.docx"
        target.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        doc.save(buffer)
        target.write_bytes(normalize_zip(buffer.getvalue()))  # same layout, same bytes
        print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
