"""The validator's warnings: each fires on the slip it is for, and never on the seed tables."""
from __future__ import annotations

import pytest

from conftest import EXAMPLES
from helpers import DEPARTMENT, check, folder, messages, project, variant_copy

FULL = ("绩效指标:\n  数量指标: {完成数: =12次}\n  质量指标: {合格率: =100%}\n"
        "  社会效益指标: {效果: 提升}\n  服务对象满意度指标: {使用方满意度: ≥90%}\n")


def warnings_of(tmp_path, *texts: str) -> list[str]:
    files = {f"p{i}.yaml": text for i, text in enumerate(texts)}
    plans, problems = check(folder(tmp_path, files))
    assert not messages(problems, warnings=False), messages(problems)
    return [w.split(" 警告 ", 1)[1] for w in messages(problems, warnings=True)]


def test_the_seed_examples_carry_exactly_the_deserved_warnings():
    """Ordinary tables must pass quietly; the seed's 房屋拆除 table carries 法律顾问费's cost indicator,
    and four 2023 tables of 吴泾镇 give their 满意度 targets in words (达到80%以上, 较上一年提升)."""
    plans, problems = check(EXAMPLES)
    assert messages(problems, warnings=False) == []
    assert [(p.file.rsplit("/", 1)[1], p.line, p.field) for p in problems if p.warning] == [
        ("巡查员工作经费.yaml", 23, "绩效指标.服务对象满意度指标.投诉满意率"),
        ("应急救援.yaml", 18, "绩效指标.服务对象满意度指标.辖区内受众人群满意度"),
        ("标准网格化创建.yaml", 22, "绩效指标.服务对象满意度指标.受众满意度"),
        ("联管大队整治经费.yaml", 18, "绩效指标.服务对象满意度指标.群众满意度"),
        ("房屋拆除安全技术服务.yaml", 8, "绩效指标.经济成本指标.法律顾问费成本预算控制数")]
    assert "无法衡量" in messages(problems, warnings=True)[0]
    assert "同一目录中另一个项目「法律顾问费」" in messages(problems, warnings=True)[-1]


def test_a_complete_project_has_no_warnings(tmp_path):
    assert warnings_of(tmp_path, project(body=FULL)) == []


def test_no_output_and_no_benefit(tmp_path):
    body = "绩效指标:\n  服务对象满意度指标: {使用方满意度: ≥90%}\n"
    found = warnings_of(tmp_path, project(body=body))
    assert any(w.startswith("绩效指标: 没有产出指标") and "财预〔2021〕101号" in w for w in found)
    assert "绩效指标: 没有效益指标（只有默认的「长效管理机制健全性」）：财预〔2021〕101号要求核心指标反映项目的主要效益" \
        "（经济效益指标、社会效益指标、生态效益指标、可持续影响指标）" in found


def test_no_satisfaction_unless_declared_not_applicable(tmp_path):
    body = FULL.replace("  服务对象满意度指标: {使用方满意度: ≥90%}\n", "")
    assert warnings_of(tmp_path / "a", project(body=body)) == []  # the default 服务对象满意度 fills in
    templates = variant_copy(tmp_path, lambda s: s.pop("defaults")).parent
    root = folder(tmp_path / "b", {"p.yaml": project(body=body)}, department=DEPARTMENT.replace("2024目标表", "测试格式"))
    found = messages(check(root, templates)[1], warnings=True)
    assert len(found) == 1 and "绩效指标: 没有满意度指标：有服务对象的项目应设满意度指标" in found[0]
    (root / "p.yaml").write_text(project(body=body + "不适用: [服务对象满意度指标]\n"), encoding="utf-8")
    assert messages(check(root, templates)[1]) == []


def test_a_category_that_drops_satisfaction_silences_the_warning(tmp_path):
    assert not any("满意度" in w for w in warnings_of(tmp_path, project("残疾人就业保障金", "148200", "类别: 残保金\n")))


def test_few_quantitative_indicators(tmp_path):
    body = ("绩效指标:\n  经济成本指标: {测试项目成本预算控制数: ≤19200元}\n"
            "  数量指标: {a: 完成, b: 完成, c: 完成}\n  时效指标: {d: 及时, e: 及时}\n"
            "  社会效益指标: {f: 提升, g: 提升}\n  可持续影响指标: {h: 健全}\n  服务对象满意度指标: {i: ≥90%}\n")
    found = warnings_of(tmp_path, project(body=body))
    assert found == ["绩效指标: 定量指标只有 2/10 个（20%），低于 30%：财预〔2021〕101号要求以定量指标为主，"
                     "能用数字衡量的请写成 运算符+数字+单位（如 ≥90%、=12次）"]
    assert warnings_of(tmp_path, project(body=body.replace("b: 完成", "b: =3个"))) == []  # 3/10 is enough


def test_low_or_unmeasurable_satisfaction(tmp_path):
    found = warnings_of(tmp_path, project(body=FULL.replace("使用方满意度: ≥90%", "使用方满意度: ≥75%")))
    assert found == ["绩效指标.服务对象满意度指标.使用方满意度: 满意度目标 ≥75% 低于 80%：常见目标值为 ≥90%"]
    found = warnings_of(tmp_path, project(body=FULL.replace("使用方满意度: ≥90%", "使用方满意度: 满意")))
    assert found == ["绩效指标.服务对象满意度指标.使用方满意度: 满意度目标「满意」无法衡量：请写成百分比，如 ≥90%"]


@pytest.mark.parametrize("cap, word", [("≤20000元", "大于"), ("≤1.5万元", "小于"), ("<19000元", "小于")])
def test_a_cost_cap_that_differs_from_the_budget(tmp_path, cap, word):
    body = FULL + f"  经济成本指标: {{测试项目成本预算控制数: {cap}}}\n"
    [found] = warnings_of(tmp_path, project(body=body))
    assert found.startswith("绩效指标.经济成本指标.测试项目成本预算控制数: 成本上限") and f"{word}年度资金申请总额 19200 元" in found
    assert warnings_of(tmp_path, project(body=FULL + "  经济成本指标: {测试项目成本预算控制数: ≤1.92万元}\n")) == []


@pytest.mark.parametrize("name, value, bad", [
    ("系统稳定运行率", "≤99%", True), ("管理方满意度", "<95%", True), ("任务完成率", "≥95%", False),
    ("重大故障发生数", "≥1起", True), ("有效投诉处置率", "≥95%", False), ("平均月故障次数", "< 2次", False),
    ("整改及时性", "≤30天", False), ("安全事故发生数", "=0起", False),
])
def test_an_operator_that_contradicts_the_name(tmp_path, name, value, bad):
    body = FULL + f"  生态效益指标: {{{name}: \"{value}\"}}\n"
    found = [w for w in warnings_of(tmp_path, project(body=body)) if "运算符是否写反" in w]
    assert bool(found) == bad, found
    if "满意度" not in name:
        assert not found or found[0].startswith(f"绩效指标.生态效益指标.{name}: 「{name}」越")


def test_copy_paste_residue_names_another_project(tmp_path):
    other = project("法律顾问费", body=FULL)
    mine = project("房屋拆除安全服务", body=FULL + "  经济成本指标: {法律顾问费成本预算控制数: ≤19200元}\n")
    found = warnings_of(tmp_path, other, mine)
    assert found == ["绩效指标.经济成本指标.法律顾问费成本预算控制数: 指标名含有同一目录中另一个项目「法律顾问费」的名称：像是复制粘贴后没有改"]


def test_copy_paste_residue_of_a_cost_cap_from_elsewhere(tmp_path):
    mine = project("房屋拆除安全服务", body=FULL + "  经济成本指标: {档案数字化成本预算控制数: ≤19200元}\n")
    [found] = warnings_of(tmp_path, mine)
    assert "说的是「档案数字化」，不是本项目「房屋拆除安全服务」" in found
    for ok in ("项目", "房屋拆除", "拆除服务"):  # the generic word, or a short form of the project's own name
        assert warnings_of(tmp_path, project("房屋拆除安全服务", body=FULL + f"  经济成本指标: {{{ok}成本预算控制数: ≤19200元}}\n")) == []


def test_a_project_named_inside_another_is_not_residue(tmp_path):
    found = warnings_of(tmp_path, project("法律顾问费", body=FULL),
                        project("法律顾问费（追加）", body=FULL + "  经济成本指标: {法律顾问费（追加）成本预算控制数: ≤19200元}\n"))
    assert found == []


def test_a_date_in_the_wrong_year(tmp_path):
    found = warnings_of(tmp_path, project(body=FULL + "计划开始日期: 2023-01-01\n"))
    assert found == ["计划开始日期: 2023-01-01 不在预算年度 2024 年内：请核对年份（跨年度的项目可以忽略此提示）"]
    found = warnings_of(tmp_path, project(body=FULL + "  时效指标: {报告提交及时率: =100% (2023年12月底前)}\n"))
    assert found == ["绩效指标.时效指标.报告提交及时率: 指标值中的 2023 年不在项目的计划期（2024 年）内：是否从往年的表中复制而来？"]


def test_warnings_on_inherited_indicators_say_where_they_came_from(tmp_path):
    write_category = folder(tmp_path, {"p.yaml": project(body="类别: 低\n")})
    (write_category / "类别").mkdir()
    (write_category / "类别" / "低.yaml").write_text("绩效指标:\n  数量指标: {a: =1人}\n  社会效益指标: {b: 提升}\n"
                                                   "  服务对象满意度指标: {满意度: ≥60%}\n", encoding="utf-8")
    _, problems = check(write_category)
    [warning] = [p for p in problems if p.warning]
    assert warning.line == 5 and warning.message.endswith("（来自类别「低」）")


def test_the_operator_check_reads_the_indicator_not_the_project_name(tmp_path):
    """公众满意度调查's default cost cap is ≤ its budget: 满意度 there is the project's name, not the subject."""
    assert warnings_of(tmp_path, project(name="公众满意度调查", body=FULL)) == []
    body = FULL + "  生态效益指标: {公众满意度调查覆盖率: \"≤95%\"}\n"
    found = [w for w in warnings_of(tmp_path, project(name="公众满意度调查", body=body)) if "运算符是否写反" in w]
    assert len(found) == 1 and "公众满意度调查覆盖率" in found[0]
