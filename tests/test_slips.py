"""Each usual YAML slip is said at the line of the mistake, in Chinese, with the line to type."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from generator.slips import colon_in_text, full_width_colon, missing_space
from generator.source import SourceError, parse

from helpers import DEPARTMENT, check, folder, messages

HEAD = "项目名称: 法律顾问费\n项目类别: 经常性项目\n类别: 法律顾问\n"


def said(text: str) -> tuple[int | None, str]:
    with pytest.raises(SourceError) as caught:
        parse(text, Path("x.yaml"))
    return caught.value.line, str(caught.value)


@pytest.mark.parametrize("text, line, message", [
    # the IME's full-width colon: the parser stops on line 5, the slip is on line 4
    (HEAD + "项目资金：85000\n年度总体目标: 好\n", 4, "「项目资金：」用了中文冒号「：」：键和值之间要用英文冒号加一个空格，写成 项目资金: 85000"),
    (HEAD + "项目资金: 85000\n年度总体目标：好\n", 5, "写成 年度总体目标: 好"),
    (HEAD + "绩效指标:\n  数量指标：\n    人数: =1人\n", 5, "「数量指标：」用了中文冒号「：」"),
    ("项目名称:法律顾问费\n项目类别: 经常性项目\n", 1, "「项目名称:法律顾问费」冒号后面缺少空格：写成 项目名称: 法律顾问费"),
    ("项目名称:法律顾问费\n", 1, "冒号后面缺少空格：写成 项目名称: 法律顾问费"),
    ("项目名称: 法律顾问费\n绩效指标:\n  数量指标:\n    聘请律师人数: =1人\n   质量指标:\n    合格率: =100%\n", 5,
     "「质量指标:」缩进了 3 个空格，与上面各层都对不齐：同一层的键要左对齐，与「数量指标」同一层就缩进 2 个空格"),
    ("绩效指标:\n  数量指标:\n    聘请律师人数: =1人\n      合格率: =100%\n", 4,
     "「合格率: =100%」比上一行缩进得多，但第 3 行「聘请律师人数: =1人」已经写了值"),
    ("项目名称: 法律顾问费\n项目总目标: 目标：完成法律服务: 提供咨询\n", 2,
     "「项目总目标」的值里有英文冒号加空格（「: 」），YAML 会把它当作又一个键：整段文字加引号，"
     "写成 项目总目标: \"目标：完成法律服务: 提供咨询\"，或把文字里的冒号换成中文冒号「：」"),
    ("绩效指标:\n  数量指标:\n\t人数: =1人\n", 3, "缩进里有制表符（Tab），YAML 只能用空格缩进：请把这一行开头的 Tab 换成空格"),
    ("a: [1, 2\nb: 3\n", None, "方括号 [ ] 没有配对"),
])
def test_each_slip_at_its_line_with_what_to_type(text, line, message):
    at, words = said(text)
    assert message in words
    if line is not None:
        assert at == line
    assert not any(english in words for english in ("could not", "mapping values", "expected", "found"))


def test_right_yaml_draws_no_slip():
    source = parse("开始: 10:30\n网址: http://x.cn\n说明: 目标：完成\n引用: \"a: b\"\n", Path("x.yaml"))
    assert source.data == {"开始": "10:30", "网址": "http://x.cn", "说明": "目标：完成", "引用": "a: b"}


@given(st.from_regex(r"[\u4e00-\u9fff]{1,6}", fullmatch=True), st.from_regex(r"[0-9\u4e00-\u9fff]{1,8}", fullmatch=True))
def test_the_finders_say_the_line_to_type(key, value):
    assert f"写成 {key}: {value}" in full_width_colon(f"{key}：{value}")
    assert f"写成 {key}: {value}" in missing_space(f"{key}:{value}")
    assert colon_in_text(f"{key}: {value}") is None  # a right line is no slip


def test_amounts_and_years_are_refused_with_an_example(tmp_path):
    folder(tmp_path, {"p.yaml": "项目名称: 法律顾问费\n项目类别: 经常性项目\n类别: 法律顾问\n项目资金: 八万五千元\n"
                                 "年度总体目标: 好\n"}, department=DEPARTMENT.replace("年度: 2024", "年度: 2024年"))
    _, problems = check(tmp_path)
    said = messages(problems)
    assert f"{tmp_path / 'p.yaml'}:4 项目资金.财政资金: 「八万五千元」不是金额：请用阿拉伯数字写，单位是元，" \
           "如 85000、85,000、8.5万 或 8.5万元" in said
    assert f"{tmp_path / '部门.yaml'}:3 年度: 「2024年」不是年度：只写四位数字，如 2024" in said


def test_a_group_whose_indicators_slipped_left_says_to_indent_them(tmp_path):
    """`质量指标:` then `合格率: =100%` at its own level is good YAML: the check says what to indent."""
    body = "绩效指标:\n  数量指标:\n    聘请律师人数: =1人\n  质量指标:\n  合格率: =100%\n"
    folder(tmp_path, {"p.yaml": "项目名称: 甲\n项目类别: 经常性项目\n项目资金: 1\n年度总体目标: 好\n" + body})
    _, problems = check(tmp_path)
    assert any(":8 绩效指标.质量指标: 「质量指标」下没有指标：在它的下一行多缩进 2 个空格" in m for m in messages(problems))
