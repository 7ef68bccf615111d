from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from generator.values import Phrase, Quantity, parse_value, value_problem


@pytest.mark.parametrize("raw, op, number, unit", [
    ("=1人", "=", "1", "人"), ("≥90%", "≥", "90", "%"), (">=12次", "≥", "12", "次"), ("≤19200元", "≤", "19200", "元"),
    ("》=90%", "≥", "90", "%"), ("< 2次", "<", "2", "次"), ("<2次", "<", "2", "次"), ("＞40人", ">", "40", "人"),
    ("=100.00(%)", "=", "100.00", "%"), ("≥40(公顷)", "≥", "40", "公顷"), ("100%", "=", "100", "%"),
    ("0起", "=", "0", "起"), ("≥200名用户", "≥", "200", "名用户"), ("=0", "=", "0", ""),
])
def test_quantities(raw, op, number, unit):
    value = parse_value(raw)
    assert isinstance(value, Quantity)
    assert (value.op, value.number, value.unit) == (op, Decimal(number), unit)


@pytest.mark.parametrize("raw", ["及时", "建立健全", "6月底前完成", "6个月内", "约80批次", "2-4小时", "全年，7×24小时",
                                 "=上年度工资总额的1.5%", "故障天数小于10天", "降低总体运行成本 提高整体运转效率"])
def test_phrases_print_as_written(raw):
    assert parse_value(raw) == Phrase(raw)


def test_operator_spelled_properly_and_note_kept():
    value = parse_value("》=90%")
    assert value.written == "≥90%"
    note = parse_value("=100% (2022年5月底前)")
    assert (note.number, note.unit, note.note) == (Decimal(100), "%", "(2022年5月底前)")
    assert parse_value("100% (10月前)").note == "(10月前)"


def test_parenthesised_unit_is_exact_precision():
    assert parse_value("≥40(公顷)").exact
    assert not parse_value("≥40公顷").exact
    assert parse_value("100%").explicit_op is False


@given(st.sampled_from(["=", "≥", "≤", ">", "<", ">=", "<=", "》="]),
       st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["%", "人", "次", "元", "公顷", ""]))
def test_operator_number_unit_always_read_back(op, number, unit):
    value = parse_value(f"{op}{number}{unit}")
    assert isinstance(value, Quantity)
    assert value.number == number and value.unit == unit


@given(st.text(max_size=40))
def test_any_text_is_a_value(text):
    value = parse_value(text)
    assert isinstance(value, (Quantity, Phrase))


@pytest.mark.parametrize("raw, message", [
    ("=>90%", "运算符「=>」无法识别：请写「≥」"),
    ("=<5次", "运算符「=<」无法识别：请写「≤」"),
    ("≥≥90%", "运算符写了两遍"),
    ("≥-5%", "指标值不能为负数"),
    ("=1.5.3人", "运算符后应为数字加单位"),
    ("≥9O%", "混入了字母「O」（应为数字 0）"),
    ("=1l人", "混入了字母「l」（应为数字 1）"),
    ("", "缺少指标值"),
])
def test_a_value_that_starts_like_a_quantity_but_cannot_be_read(raw, message):
    assert message in value_problem(raw)


@pytest.mark.parametrize("raw", ["=上年度工资总额的1.5%", "≥90%", "》=90%", "≤19,200元", "≥１９２００元", "< 2次",
                                 "≥5GB", "6月底前完成", "及时", "=100% (2022年5月底前)", "≥40(公顷)"])
def test_readable_values_have_no_problem(raw):
    assert value_problem(raw) is None


@settings(deadline=None)  # the first example imports the renderer
@given(st.lists(st.one_of(st.sampled_from(["≥90%", "=1次", "≤19200元", "及时", "=100.00(%)", ">=12次", "≥40(公顷)", "=0.50"]),
                          st.text(max_size=12)), min_size=1, max_size=8),
       st.sampled_from([{}, {"decimals": 2}, {"quantitative": "{written}"}, {"qualitative": "【{text}】"}]))
def test_remembered_value_pieces_are_the_computed_ones(texts, style_settings):
    """render.context remembers a value's printed pieces per (value, style) object: the same dict as
    working them out, whichever value and style came first."""
    from generator.render import context
    from generator.settings import ValueStyle

    style = ValueStyle(**style_settings)
    for text in texts + texts:
        value = parse_value(text)
        assert context.value_parts(value, style) == context._value_parts(value, style)
        assert context._parts(value, style) == context._value_parts(value, style)
