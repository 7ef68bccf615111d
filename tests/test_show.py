"""`perfgen show`: the expanded spec, with origins, is itself a spec that renders the same table."""
from __future__ import annotations

import shutil

import pytest

from generator.errors import SpecErrors
from generator.build import build
from generator.show import load, render
from generator.spec import spec_files

from generator.layout import stage_of
from conftest import EXAMPLES, TEMPLATES, write
from test_cli import snapshot


def shown(name: str) -> str:
    [item] = load(EXAMPLES / "2024" / name, TEMPLATES)
    return render(item)


def test_show_says_where_every_value_came_from():
    text = shown("法律顾问费.yaml")
    assert "# 类别「法律顾问」：" in text.splitlines()[1]
    assert "主管部门: 上海市闵行区房屋土地征收中心(汇总)  # 部门.yaml" in text
    assert "计划开始日期: 2024-01-01  # 默认：预算年度" in text
    assert "  年度资金申请总额: 19200  # 计算" in text
    assert "      法律顾问费成本预算控制数: ≤19200元  # 默认指标（格式「2024目标表」）；表中印作 ≤19200.00(元)" in text
    assert "      聘请律师人数: =1人  # 类别「法律顾问」；表中印作 =1.00(人)" in text
    assert "      决策法制化完善情况: 完善  # 类别「法律顾问」\n" in text
    assert "      单位内业务科室满意度: =100%  # 本文件第 9 行，代替类别「法律顾问」的 ≥90%；表中印作 =100.00(%)" in text


def test_show_nests_by_level1_in_print_order_and_keeps_the_drops():
    text = shown("残疾人就业保障金.yaml")
    assert "不适用: [可持续影响指标, 服务对象满意度指标]" in text
    body = text[text.index("绩效指标:"):]
    assert [line.strip() for line in body.splitlines() if line.startswith("  ") and not line.startswith("    ")] == [
        "成本指标:", "产出指标:", "效益指标:"]
    assert "残疾金缴纳金额准确率: =100%  # 本文件第 9 行；" in text


def test_a_value_the_category_left_to_the_project():
    assert "      购买党建书籍: ≥60本  # 本文件第 9 行，类别「党建经费」要求项目给出的值；表中印作 ≥60.00(本)" in shown("党组工作经费.yaml")


def test_multi_line_text_and_quoting_survive():
    text = shown("等保项目.yaml")
    assert "项目总目标: |\n  完成闵行区房屋征收管理业务系统二级等保建设" in text


def test_the_shown_specs_build_the_same_bytes(tmp_path, built_examples):
    """What show prints is the full spec: built as a spec it gives byte-identical tables."""
    target = tmp_path / "specs" / "2024"
    target.mkdir(parents=True)
    shutil.copy(EXAMPLES / "2024" / "部门.yaml", target)
    for path in spec_files(EXAMPLES / "2024"):
        [item] = load(path, TEMPLATES)
        text = render(item)
        assert "类别:" not in text.replace("项目类别:", "")
        write(target / path.name, text)
    build(tmp_path / "specs", tmp_path / "out", TEMPLATES)
    def tables(snap: dict[str, str]) -> dict[str, str]:  # 汇总.xlsx also lists warnings, which name spec lines
        return {k: v for k, v in snap.items() if k.endswith((".docx", ".xlsx")) and not k.endswith("汇总.xlsx")
                and stage_of(k) is None}  # the 自评表 and 监控表 come from facts files, not from the spec

    assert tables(snapshot(tmp_path / "out")) == {k: v for k, v in tables(snapshot(built_examples)).items()
                                                 if k.startswith("2024/")}


def test_a_folder_shows_every_project_and_errors_are_raised(tmp_path):
    assert len(load(EXAMPLES / "2024", TEMPLATES)) == 7
    broken = tmp_path / "specs"
    shutil.copytree(EXAMPLES / "2024", broken)
    (broken / "法律顾问费.yaml").write_text("项目名称: 法律顾问费\n类别: 法律顾问\n", encoding="utf-8")
    with pytest.raises(SpecErrors) as info:
        load(broken / "法律顾问费.yaml", TEMPLATES)
    assert any("项目类别: 缺少必填项" in str(p) for p in info.value.problems)
