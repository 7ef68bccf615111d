"""A variant is data: the same spec renders in every project variant, each in its own style."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest

from generator.build import build
from generator.variant import Variant

from generator.facts import STAGES
from conftest import EXAMPLES, REPO, TEMPLATES, copy_specs, copy_specs


def switch(folder: Path, variant: str) -> None:
    dept = folder / "部门.yaml"
    dept.write_text(re.sub(r"格式: .*", f"格式: {variant}", dept.read_text(encoding="utf-8")), encoding="utf-8")


def cells(path: Path) -> list[str]:
    return [c.text for table in docx.Document(str(path)).tables for row in table.rows for c in row.cells]


@pytest.mark.parametrize("source, target", [("2022", "2024目标表"), ("2024", "2022申报表")])
def test_specs_render_in_the_other_variant_without_edits(tmp_path, source, target):
    folder = copy_specs(EXAMPLES / source, tmp_path / "specs")  # facts name the 2024 form's defaults
    switch(folder, target)
    result = build(folder, tmp_path / "out", TEMPLATES)
    assert result.projects == (9 if source == "2022" else 7)
    out = tmp_path / "out" / "specs"
    if target == "2024目标表":
        text = cells(out / "党建经费.docx")
        assert "=100.00(%)" in text and "≥90.00(%)" in text and "专项资金 ☐ 经常性项目 ☑ 一次性项目 ☐" in text
        assert "1.00" in text  # 10,000 元 in 万元
    else:
        name = "闵行区房屋征收管理业务系统等保项目.docx"
        text = cells(out / name)
        assert "=100%" in text and "≤60000元" in text and "60,000" in text and "2024-01-01" in text
        # 经济成本指标 of the 2024 framework prints as the 2022 二级 成本指标 under 产出指标
        row = next(r for t in docx.Document(str(out / name)).tables for r in t.rows if r.cells[3].text == "项目成本预算控制数")
        assert [row.cells[1].text, row.cells[2].text] == ["产出指标", "成本指标"]
        # the budget cap is a default of the 2024 form (first-level 成本指标); the 2022 form has none
        assert "法律顾问费成本预算控制数" not in cells(out / "法律顾问费.docx")


def test_operator_spellings_print_properly_in_2022(built_examples):
    text = cells(built_examples / "2022" / "党建经费.docx")
    assert "≥2次" in text and "≥90%" in text and "100% (10月前)" in text and "=12场" in text
    assert not any(c.startswith((">=", "》=")) for c in text)


def test_no_variant_names_in_python():
    pattern = re.compile(r"20\d\d\s*(目标表|申报表)|单位整体|variant\s*==")
    hits = [f"{p}:{n}" for p in (REPO / "generator").rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []


@pytest.mark.parametrize("name", sorted(p.parent.name for p in TEMPLATES.glob("*/settings.yaml")))
def test_every_variant_loads_and_has_its_template(name):
    variant = Variant.load(name, TEMPLATES)
    # the later stages' forms (监控表, 自评表) print the indicators of the project's own form
    assert variant.word_template.is_file() and variant.title and (variant.framework or variant.form in {s[3] for s in STAGES.values()})


# ---------------------------------------------------------------- mechanisms the 2023 and 2024 forms need

from helpers import check as plan_check, folder as spec_folder_of, messages  # noqa: E402

TOWN = "主管部门: 吴泾镇人民政府\n实施单位: 吴泾镇城市运行管理中心\n年度: 2023\n格式: 2023目标表\n"
OFFICE = "主管部门: 区人社局(汇总)\n实施单位: 区社保中心\n年度: 2024\n格式: 2024申报表\n"


def town_project(body: str, head: str = "项目名称: 测试\n项目类别: 经常性项目\n项目资金: 1万\n年度总体目标: 目标\n") -> str:
    return head + body


def test_a_name_may_repeat_under_another_level2_where_the_form_says_so(tmp_path):
    body = "绩效指标:\n  数量指标: {覆盖率: 100%}\n  生态效益指标: {覆盖率: 100%}\n"
    plans, problems = plan_check(spec_folder_of(tmp_path / "a", {"测试.yaml": town_project(body)}, TOWN))
    assert messages(problems, warnings=False) == [] and len(plans[0].projects[0].indicators) == 2
    _, problems = plan_check(spec_folder_of(tmp_path / "b", {"测试.yaml": town_project(body)},
                                            TOWN.replace("2023目标表", "2024目标表").replace("2023", "2024")))
    assert any("指标「覆盖率」重复" in m for m in messages(problems, warnings=False))


def grid(path: Path) -> list[list[str]]:
    """The rows of the table (perfgen splits it before its repeated header), each cell once (a
    cell spanning columns is one cell)."""
    rows = []
    for row in (row for table in docx.Document(str(path)).tables for row in table.rows):
        seen, texts = set(), []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                texts.append(cell.text)
        rows.append(texts)
    return rows


def test_every_level2_of_the_form_prints_with_a_placeholder_where_a_project_has_none(tmp_path):
    folder = spec_folder_of(tmp_path / "specs", {"测试.yaml": town_project("绩效指标:\n  数量指标: {完成率: 100%}\n")}, TOWN)
    build(folder, tmp_path / "out", TEMPLATES)
    rows = grid(tmp_path / "out" / "specs" / "测试.docx")
    every = Variant(TEMPLATES / "2023目标表").every_level2["二级"]
    assert [r[2] for r in rows if r[-2:] == ["无", "无"]] == every[1:]   # 无 | 无 under every 二级 but 数量指标
    assert not any("质量指标" in r for r in rows)          # a 二级 of the framework printed only when used


def test_a_blank_value_where_the_form_allows_one(tmp_path):
    body = "绩效指标:\n  数量指标: {完成率: 100%, 待定指标: ''}\n"
    plans, problems = plan_check(spec_folder_of(tmp_path / "a", {"测试.yaml": town_project(body)}, TOWN))
    assert messages(problems, warnings=False) == []
    _, problems = plan_check(spec_folder_of(tmp_path / "b", {"测试.yaml": town_project(body)},
                                            TOWN.replace("2023目标表", "2024目标表").replace("2023", "2024")))
    assert any("缺少指标值" in m for m in messages(problems, warnings=False))


def test_a_project_chooses_a_style_and_words_a_label_its_own_way(tmp_path):
    body = "样式: 三行\n标签: {总目标年限: (2023.1年-2023.12年)}\n绩效指标:\n  数量指标: {完成率: 100%}\n"
    folder = spec_folder_of(tmp_path / "specs", {"测试.yaml": town_project(body)}, TOWN)
    build(folder, tmp_path / "out", TEMPLATES)
    rows = grid(tmp_path / "out" / "specs" / "测试.docx")
    funds = [r for r in rows if r[0] == "项目资金 (万元)"]
    assert funds == [["项目资金 (万元)", "项目资金总额", "1.00", "年度资金申请总额", "1.00"],
                     ["项目资金 (万元)", "其中：财政资金", "1.00", "其中：当年财政拨款", "1.00"],
                     ["项目资金 (万元)", "其他资金", "", "上年结转资金", ""]]          # three rows, not four
    assert any("项目总目标 (2023.1年-2023.12年)" in r for r in rows)


@pytest.mark.parametrize("line, message", [
    ("样式: 五行\n", "没有样式「五行」；可用：三行"),
    ("标签: {总目标年份: (2023年)}\n", "没有标签「总目标年份」"),
])
def test_a_style_or_label_the_form_has_not_is_an_error(tmp_path, line, message):
    spec = town_project(line + "绩效指标:\n  数量指标: {完成率: 100%}\n")
    _, problems = plan_check(spec_folder_of(tmp_path / "specs", {"测试.yaml": spec}, TOWN))
    assert any(message in m and "测试.yaml:5" in m for m in messages(problems, warnings=False)), messages(problems)


def test_two_classifications_are_fields_of_the_spec_with_their_values(tmp_path):
    head = "项目名称: 测试\n项目性质: 经常性项目\n项目类别: 特定目标类\n项目资金: 10000\n年度总体目标: 目标\n"
    body = "绩效指标:\n  数量指标: {完成率: =100%}\n"
    plans, problems = plan_check(spec_folder_of(tmp_path / "a", {"测试.yaml": town_project(body, head)}, OFFICE))
    assert messages(problems, warnings=False) == []
    assert dict(plans[0].projects[0].classifications) == {"项目性质": "经常性项目", "项目类别": "特定目标类"}
    wrong = head.replace("项目性质: 经常性项目\n", "项目性质: 常规项目\n")
    _, problems = plan_check(spec_folder_of(tmp_path / "b", {"测试.yaml": town_project(body, wrong)}, OFFICE))
    assert any("「常规项目」不是格式「2024申报表」的项目性质；可选：经常性项目、一次性项目" in m
               for m in messages(problems, warnings=False))
    missing = head.replace("项目性质: 经常性项目\n", "")
    _, problems = plan_check(spec_folder_of(tmp_path / "c", {"测试.yaml": town_project(body, missing)}, OFFICE))
    assert any("项目性质: 缺少必填项" in m for m in messages(problems, warnings=False))
    _, problems = plan_check(spec_folder_of(tmp_path / "d", {"测试.yaml": town_project(body, head)},
                                            OFFICE.replace("2024申报表", "2024目标表")))
    assert any("未知的键「项目性质」" in m for m in messages(problems, warnings=False))   # a form without it
