"""Unit tables: the smallest overrides of the variant's wording rules, lists, required labels."""
from __future__ import annotations

import yaml

from generator.explain import write as explain
from generator.importer import import_files
from generator.importer.unit import overrides
from generator.render.context import value_parts
from generator.values import parse_value
from generator.variant import Variant
from seed_docx import seed_tables, write_seed_docx

from conftest import SHARED, TEMPLATES

UNIT = Variant.load("2024单位整体", TEMPLATES)
SEED = SHARED / "seeds" / "003_66265a79e30ddeca.txt"


def rule_wording(level1, level2, name, value, subject=None):
    parsed = parse_value(value)
    written = explain(UNIT.explanations, level1, level2, name, parsed, value_parts(parsed, UNIT.values), subject)
    return written.explanation, written.scoring


def test_wording_the_rules_write_is_not_imported():
    explanation, scoring = rule_wording("产出指标", "数量指标", "城市管理工作完成率", "=100%")
    assert overrides(UNIT, "产出指标", "数量指标", "城市管理工作完成率", "=100%", explanation, scoring) == {}
    # typography only (half-width commas and spaces, as extractions give them) is the same wording
    assert overrides(UNIT, "产出指标", "数量指标", "城市管理工作完成率", "=100%", explanation,
                     scoring.replace("，", ", ")) == {}


def test_a_different_subject_is_imported_as_the_subject_alone():
    explanation, scoring = rule_wording("满意度指标", "服务对象满意度指标", "社区居民满意度", "=90%", subject="居民")
    assert overrides(UNIT, "满意度指标", "服务对象满意度指标", "社区居民满意度", "=90%", explanation, scoring) == {
        "对象": "居民"}


def test_other_wording_is_imported_as_text():
    explanation, _ = rule_wording("产出指标", "质量指标", "平安建设工作验收通过率", "=100%")
    scoring = "平安建设工作验收通过率100%，得满分，否则按线性扣分"
    assert overrides(UNIT, "产出指标", "质量指标", "平安建设工作验收通过率", "=100%", explanation, scoring) == {
        "评分标准": scoring}


def test_a_unit_table_missing_a_label_is_reported(tmp_path):
    lines = [line.replace("年末在职人数", "在编人数") for line in seed_tables(SEED)[0]]
    outcome = import_files([write_seed_docx(lines, tmp_path / "unit.docx")], tmp_path / "specs", TEMPLATES)
    assert outcome.written == []
    assert "第 1 张表（上海市闵行区人民政府新虹街道办事处（汇总））: 找不到「年末在职人数」" in outcome.failures[0]


def test_the_seed_unit_table_imports_its_lists_and_budget(tmp_path):
    outcome = import_files([write_seed_docx(seed_tables(SEED)[0], tmp_path / "unit.docx")], tmp_path / "specs",
                           TEMPLATES)
    spec = next(p for p in (tmp_path / "specs").glob("*.yaml") if p.name != "部门.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(spec)
    assert len(data["单位职责"]) == 11 and data["单位职责"][-1] == "完成区政府交办的其他事项"
    assert [t["任务名称"] for t in data["年度重点任务"]][:2] == ["企服服务能级全力提升", "城市建设进程增能提速"]
    assert "  - 任务名称: 政府自身建设再增强\n    主要内容: 深化“一网通办”体系建设" in spec
    assert "预算:\n  财政拨款: 672063140\n  基本支出: 105114501\n  项目支出: 566948639\n" in spec
    assert "年末在职人数: 52\n内设机构数: 9\n" in spec
    assert outcome.failures == []
