"""Printed values read back: amounts, dates, indicator values, numbered lists (property tests)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from generator.importer.common import UnreadableValue, amount, date, numbered, parts_text, printed_step, recover, \
    value_text
from generator.render.context import numbered as print_numbered, value_parts
from generator.values import parse_value
from generator.variant import Variant

from conftest import TEMPLATES

VARIANTS = {name: Variant.load(name, TEMPLATES) for name in ("2024目标表", "2022申报表", "2024单位整体")}
OPS = ["=", "≥", "≤", ">", "<"]
UNITS = ["%", "人", "次", "元", "公顷", "份", "天", "分"]
numbers = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(op=st.sampled_from(OPS), number=numbers, unit=st.sampled_from(UNITS),
       variant=st.sampled_from(["2024目标表", "2022申报表"]), exact=st.booleans())
def test_every_printed_quantity_reads_back_to_a_value_that_prints_it_again(op, number, unit, variant, exact):
    style = VARIANTS[variant]
    written = f"{op}{number}({unit})" if exact else f"{op}{number}{unit}"
    printed = value_parts(parse_value(written), style.values)["指标值"]
    text, same = value_text(printed, style)
    assert same and value_parts(parse_value(text), style.values)["指标值"] == printed
    assert len(text) <= len(printed) + 2      # never longer than the form's own spelling (plus brackets)


@pytest.mark.parametrize("printed, variant, expected", [
    ("=100.00(%)", "2024目标表", "=100%"),            # the form's default precision: written short
    ("≥40(公顷)", "2024目标表", "≥40(公顷)"),          # the author's own precision: kept
    ("=100(%)", "2024目标表", "=100(%)"),
    ("≤339840.00(元)", "2024目标表", "≤339840元"),
    ("=上年度工资总额的1.5%", "2024目标表", "=上年度工资总额的1.5%"),
    ("100%", "2022申报表", "100%"),                    # as written: no operator added
    ("=100% (2022年5月底前)", "2022申报表", "=100% (2022年5月底前)"),
    ("》=90%", "2022申报表", "≥90%"),                  # the proper sign, as the form prints it
])
def test_value_text(printed, variant, expected):
    assert value_text(printed, VARIANTS[variant])[0] == expected


@given(op=st.sampled_from(OPS), number=numbers, unit=st.sampled_from(UNITS + [""]))
def test_split_values_read_back(op, number, unit):
    style = VARIANTS["2024单位整体"]
    parts = value_parts(parse_value(f"{op}{number}({unit})" if unit else f"{op}{number}"), style.values)
    text = parts_text(parts["方向"], parts["数值"], parts["计量单位"], style)
    again = value_parts(parse_value(text), style.values)
    assert (again["方向"], again["数值"], again["计量单位"]) == (parts["方向"], parts["数值"], parts["计量单位"])


def test_amounts_in_the_labels_unit():
    assert amount("1.92", "万元") == Decimal(19200)
    assert amount("500,000.00", "万元") == Decimal(5_000_000_000)
    assert amount("19,200", "元") == Decimal(19200)
    assert amount("1.92万元", "元") == Decimal(19200)          # the cell's own unit wins
    assert amount("１２３", "元") == Decimal(123)
    assert [amount(t, "万元") for t in ("", "-", "－", "—", None)] == [None] * 5
    with pytest.raises(UnreadableValue, match="不是金额"):
        amount("19,2OO", "元")


@given(exact=st.integers(min_value=1, max_value=10**9))
def test_a_rounded_amount_is_recovered_from_a_matching_cost_indicator(exact):
    printed = VARIANTS["2024目标表"].amounts.format(Decimal(exact))     # 万元, two decimals, as the form
    read = amount(printed, "万元")
    found = recover(read, printed_step(printed, "万元"), [(Decimal(exact), "成本预算控制数")])
    assert found == ((Decimal(exact), "成本预算控制数") if read != exact else None)


def test_recovery_needs_one_fitting_candidate():
    step = printed_step("33.98", "万元")
    assert step == Decimal(100)
    assert recover(Decimal(339800), step, [(Decimal(339840), "a"), (Decimal(339820), "b")]) is None
    assert recover(Decimal(339800), step, [(Decimal(500000), "a")]) is None
    assert recover(Decimal(339800), printed_step("339,800", "元"), [(Decimal(339840), "a")]) is None


def test_dates():
    assert date("2024/1/1") == date("2024-01-01") == date("2024年1月1日") == dt.date(2024, 1, 1)
    assert date("") is None
    with pytest.raises(UnreadableValue):
        date("明年")
    with pytest.raises(UnreadableValue):
        date("2024-02-30")


items = st.lists(st.text(alphabet="职责任务内容，。、；（）" + "abc", min_size=1, max_size=12).map(str.strip)
                 .filter(bool), min_size=1, max_size=12)


@given(items)
def test_numbered_lists_read_back(texts):
    printed = print_numbered("{n}.{text}", [{"text": t} for t in texts])
    assert numbered(printed, "{n}.{text}") == texts
    assert numbered(printed.replace("\n", " "), "{n}.{text}") == texts   # one line, as extractions give it
