"""Project tables laid out unlike perfgen's: fields found by label, rows read by content; and a
new variant folder importable without code."""
from __future__ import annotations

import shutil
from pathlib import Path

import docx
import yaml

from generator.build import build
from generator.importer import import_files
from generator.importer.project import category
from generator.variant import Variant

from conftest import TEMPLATES, copy_specs, write

FOREIGN = [
    # swapped columns, empty cells, `其中: ` with a half-width colon, amounts in 元 by the label
    ["实施单位", "区某中心", "", "主管部门", "区某局(汇总)"],
    ["项目名称", "", "测试项目", "项目类别", "☑经常性项目 ☐一次性项目 ☐专项资金"],
    ["计划开始日期", "2024年3月1日", "计划完成日期", "2024-11-30"],
    ["项目资金(元)", "项目资金总额", "123,456.78", "年度资金申请总额", "123,456.78"],
    ["", "其中: 财政资金", "100,000", "其中: 当年财政拨款", "80,000"],
    ["", "", "", "上年结转资金", "20,000"],
    ["", "其他资金", "23,456.78", "其他资金", "23,456.78"],
    ["项目绩效目标", "项目总目标", "", "年度总目标"],           # another year's word for 年度总体目标
    ["", "三年内建成。", "", "年内完成一期。"],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
    ["", "成本指标", "经济成本指标", "项目成本控制数", "≤123456.78(元)"],
    ["", "产出指标", "数量指标", "完成面积", "≥40(公顷)"],
    ["质量指标", "验收合格率", "=100.00(%)"],                 # the merged 一级 cell lost: shifted left
    ["时效指标", "完成及时性", "及时"],
    ["", "效益指标", "社会效益指标", "服务能力提升情况", "有效提升"],
    ["", "满意度指标", "服务对象满意度指标", "使用方满意度"],  # the value went to the next page
]                                                           # no 可持续影响: the form's default stays out
PAGE_TWO = [["", "", "", "", "≥90.00(%)"]]

EXPECTED = """\
项目名称: 测试项目
项目类别: 经常性项目
计划开始日期: 2024-03-01
计划完成日期: 2024-11-30
项目资金:
  财政资金: 100000
  其他资金: 23456.78
  上年结转资金: 20000
项目总目标: 三年内建成。
年度总体目标: 年内完成一期。
绩效指标:
  经济成本指标:
    项目成本控制数: ≤123456.78元
  数量指标:
    完成面积: ≥40(公顷)
  质量指标:
    验收合格率: =100%
  时效指标:
    完成及时性: 及时
  社会效益指标:
    服务能力提升情况: 有效提升
  服务对象满意度指标:
    使用方满意度: ≥90%
不适用: [可持续影响指标]
"""


def word_file(path: Path, *tables: list[list[str]], title: str = "财政项目支出绩效目标表") -> Path:
    document = docx.Document()
    document.add_paragraph(title)
    document.add_paragraph("(2024年度)")
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=max(map(len, rows)))
        for cells, row in zip(rows, table.rows):
            for text, cell in zip(cells, row.cells):
                cell.text = text
    document.save(str(path))
    return path


def test_a_table_laid_out_by_another_department(tmp_path):
    source = word_file(tmp_path / "其他部门.docx", FOREIGN, PAGE_TWO)
    outcome = import_files([source], tmp_path / "specs", TEMPLATES)
    assert outcome.failures == []
    spec = tmp_path / "specs" / "测试项目.yaml"
    assert "".join(l for l in spec.read_text(encoding="utf-8").splitlines(True) if not l.startswith("#")) == EXPECTED
    department = yaml.safe_load((tmp_path / "specs" / "部门.yaml").read_text(encoding="utf-8"))
    assert department == {"主管部门": "区某局(汇总)", "实施单位": "区某中心", "年度": 2024, "格式": "2024目标表"}
    assert build(tmp_path / "specs", tmp_path / "out", TEMPLATES).projects == 1


def test_amounts_in_wan_yuan_by_the_label_even_in_a_form_printing_yuan(tmp_path):
    """The label's unit decides (项目资金 (万元) in a 申报表); the exact 元 come from the cost
    indicator when it rounds to the printed 万元, else the printed 万元 are taken and said to be rounded."""
    rows = [row[:] for row in FOREIGN]
    rows[3] = ["项目资金 (万元)", "项目资金总额", "12.35", "年度资金申请总额", "12.35"]
    rows[4] = ["", "其中: 财政资金", "12.35", "其中: 当年财政拨款", "12.35"]
    rows[5] = ["", "", "", "上年结转资金", "-"]
    rows[6] = ["", "其他资金", "-", "其他资金", "-"]
    title = "财政项目支出绩效目标申报表"
    outcome = import_files([word_file(tmp_path / "a.docx", rows, PAGE_TWO, title=title)], tmp_path / "a", TEMPLATES)
    assert "项目资金: 123456.78\n" in (tmp_path / "a" / "测试项目.yaml").read_text(encoding="utf-8")
    assert "格式: 2022申报表" in (tmp_path / "a" / "部门.yaml").read_text(encoding="utf-8")
    assert any("12.35 万元 按指标「项目成本控制数」取精确值 123456.78 元" in line for line in outcome.info)
    del rows[10]                                   # no cost indicator: the printed 万元
    outcome = import_files([word_file(tmp_path / "b.docx", rows, PAGE_TWO, title=title)], tmp_path / "b", TEMPLATES)
    assert "项目资金: 123500\n" in (tmp_path / "b" / "测试项目.yaml").read_text(encoding="utf-8")
    assert any("12.35 万元 取 123500 元（表中只精确到 100 元" in line for line in outcome.info)


def test_a_column_the_form_has_not_is_left_out_and_said(tmp_path):
    rows = [row[:] for row in FOREIGN[:10]] + [
        ["", "成本指标", "经济成本指标", "项目成本控制数", "≤123456.78(元)", "按合同"],
        ["", "满意度指标", "服务对象满意度指标", "使用方满意度", "≥90.00(%)", ""]]
    rows[9] = ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "备注"]
    outcome = import_files([word_file(tmp_path / "a.docx", rows)], tmp_path / "specs", TEMPLATES)
    text = (tmp_path / "specs" / "测试项目.yaml").read_text(encoding="utf-8")
    assert "    项目成本控制数: ≤123456.78元\n" in text and "    使用方满意度: ≥90%\n" in text
    assert any("「项目成本控制数」有多余的单元格「按合同」" in note for note in outcome.notes)


def test_an_unknown_level2_is_kept_and_reported(tmp_path):
    rows = [row[:] for row in FOREIGN]
    rows[11] = ["", "产出指标", "产出数量指标", "完成面积", "≥40(公顷)"]
    outcome = import_files([word_file(tmp_path / "a.docx", rows, PAGE_TWO)], tmp_path / "specs", TEMPLATES)
    assert "  产出数量指标:\n    完成面积: ≥40(公顷)\n" in (tmp_path / "specs" / "测试项目.yaml").read_text(encoding="utf-8")
    notes = "\n".join(outcome.notes)
    assert "二级指标「产出数量指标」不在格式「2024目标表」的指标体系中" in notes
    assert "生成的说明还需修改才能生成表格" in notes and "没有二级指标「产出数量指标」" in notes


def test_categories_from_checkboxes_either_side_of_the_name():
    variant = Variant.load("2024目标表", TEMPLATES)
    assert category("专项资金 ☐ 经常性项目 ☑ 一次性项目 ☐", variant) == "经常性项目"
    assert category("专项资金□  经常性项目□  一次性项目■", variant) == "一次性项目"
    assert category("☐专项资金 ☑经常性项目 ☐一次性项目", variant) == "经常性项目"
    assert category("一次性项目", variant) == "一次性项目"
    assert category("专项资金 ☑ 经常性项目 ☑ 一次性项目 ☐", variant) is None


def test_an_unknown_category_is_imported_with_a_warning(tmp_path):
    rows = [row[:] for row in FOREIGN]
    rows[1] = ["项目名称", "测试项目", "项目类别", "基建项目"]
    outcome = import_files([word_file(tmp_path / "a.docx", rows, PAGE_TWO)], tmp_path / "specs", TEMPLATES)
    assert any("项目类别「基建项目」无法识别" in note for note in outcome.notes)
    assert "项目类别: 基建项目" in (tmp_path / "specs" / "测试项目.yaml").read_text(encoding="utf-8")


def test_a_new_variant_folder_is_importable_without_code(tmp_path):
    """Another year's form: new title and label wording in its settings only. perfgen builds it,
    and imports what it built, recognising the new variant by its title and labels."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    folder = templates / "2025目标表"
    shutil.copytree(TEMPLATES / "2024目标表", folder)
    settings = (folder / "settings.yaml").read_text(encoding="utf-8")
    settings = settings.replace("title: 财政项目支出绩效目标表", "title: 财政项目支出绩效目标表（试行）")
    settings = settings.replace("指标值: 年度指标值", "指标值: 年度(项目)指标值")
    settings = settings.replace("项目资金: 项目资金 (万元)", "项目资金: 项目资金（元）").replace("unit: 万元", "unit: 元")
    (folder / "settings.yaml").write_text(settings, encoding="utf-8")
    specs = tmp_path / "specs"
    copy_specs(TEMPLATES.parent / "specs" / "examples" / "2024", specs)
    department = (specs / "部门.yaml").read_text(encoding="utf-8").replace("2024目标表", "2025目标表")
    write(specs / "部门.yaml", department)
    build(specs, tmp_path / "out", templates)
    originals = sorted((tmp_path / "out" / "specs").glob("*.docx"))
    outcome = import_files(originals, tmp_path / "again", templates)
    assert outcome.failures == [] and outcome.notes == []
    assert "格式: 2025目标表" in (tmp_path / "again" / "部门.yaml").read_text(encoding="utf-8")
    build(tmp_path / "again", tmp_path / "out2", templates)
    for original in originals:
        assert (tmp_path / "out2" / "again" / original.name).read_bytes() == original.read_bytes()
