"""指标解释 / 评(扣)分标准 from the unit variant's phrasing rules."""
from generator.explain import write
from generator.render.context import value_parts
from generator.values import parse_value
from generator.variant import Variant

from conftest import TEMPLATES

UNIT = Variant.load("2024单位整体", TEMPLATES)


def texts(level1, level2, name, raw, subject=None):
    value = parse_value(raw)
    written = write(UNIT.explanations, level1, level2, name, value, value_parts(value, UNIT.values), subject)
    return written.kind, written.explanation, written.scoring


def test_completion_rate():
    assert texts("产出指标", "数量指标", "城市管理工作完成率", "=100%") == (
        "完成率", "考察部门是否按照工作计划完成各项城市管理工作", "城市管理工作完成率达到100%，得满分，否则按线性扣分")


def test_pass_rate_and_timeliness():
    assert texts("产出指标", "质量指标", "城市管理工作达标率", "=100%")[1] == "考察城市管理工作达标率是否达到目标要求"
    kind, explanation, scoring = texts("产出指标", "时效指标", "政府投资项目完成及时性", "及时")
    assert kind == "及时性" and explanation == "考察部门是否按照工作计划时间节点及时完成政府投资项目"
    assert scoring.endswith("得满分，否则视偏差情况扣分")


def test_qualitative_benefit_strips_the_repeated_verb_and_knows_comparisons():
    assert texts("效益指标", "社会效益指标", "改善营商环境", "改善")[1:] == (
        "考察通过部门履职，营商环境是否得到改善", "通过部门履职，营商环境得到改善，得满分，否则不得分")
    assert texts("效益指标", "经济效益指标", "万元产值能耗水平", "与去年同期基本持平")[1] == \
        "考察通过部门履职，万元产值能耗水平是否与去年同期基本持平"
    assert texts("效益指标", "生态效益指标", "突出环境问题改善情况", "逐步改善")[1] == "考察通过部门履职，突出环境问题是否得到逐步改善"


def test_incidents_quantitative_benefit_and_satisfaction_with_an_author_subject():
    assert texts("效益指标", "社会效益指标", "重特大事故发生率", "=0%")[1] == "考察部门全年履职过程中，是否有重特大事故发生"
    assert texts("效益指标", "社会效益指标", "政策享受率", "=100%")[2] == "通过部门履职，政策享受率达到100%，得满分，否则不得分"
    assert texts("满意度指标", "服务对象满意度指标", "社区居民满意度", "=90%", subject="居民")[1:] == (
        "考察居民对部门履职的满意度情况", "居民对部门履职的满意度达到90%，得满分，否则按线性扣分")


def test_no_rule_no_text():
    assert texts("产出指标", "数量指标", "培训人数", "=10人") == ("", "", "")
