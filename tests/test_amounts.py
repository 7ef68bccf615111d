from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from generator.amounts import AmountError, format_number, parse_amount
from generator.settings import AmountStyle


@pytest.mark.parametrize("text, expected", [
    ("19200", "19200"), ("19,200", "19200"), ("１９２００", "19200"), ("1.92万", "19200"),
    ("1.92万元", "19200"), ("33.984万元", "339840"), ("19200元", "19200"), ("0.01", "0.01"), (19200, "19200"),
])
def test_parse_amount_accepts_what_is_clear(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["19,2OO", "abc", "-5", "1.234", "", "1,92,00", "19200.5.1"])
def test_parse_amount_rejects_with_the_text_quoted(text):
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert "金额" in str(info.value)


def test_float_never_enters():
    with pytest.raises(AmountError):
        parse_amount(0.1)


@pytest.mark.parametrize("value, decimals, thousands, expected", [
    ("500000", 2, True, "500,000.00"), ("1.92", 2, True, "1.92"), ("46670000", 0, True, "46,670,000"),
    ("672063140", 0, False, "672063140"), ("33.984", 2, True, "33.98"), ("0.125", 2, False, "0.13"),
    ("40", None, False, "40"), ("1234.5", None, True, "1,234.5"),
])
def test_format_number(value, decimals, thousands, expected):
    assert format_number(Decimal(value), decimals, thousands) == expected


def test_amount_style_wan_and_absent():
    style = AmountStyle(unit="万元", decimals=2, thousands=True, absent="-")
    assert style.format(Decimal(339840)) == "33.98"
    assert style.format(Decimal(5_000_000_000)) == "500,000.00"
    assert style.format(None) == "-"
    assert AmountStyle(unit="元", decimals=0, absent="").format(None) == ""


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_format_then_parse_round_trips(amount):
    text = format_number(amount, 2, thousands=True)
    assert parse_amount(text) == amount


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_wan_display_is_the_rounded_exact_amount(amount):
    shown = AmountStyle(unit="万元", decimals=2, thousands=False).format(amount)
    assert abs(Decimal(shown) * 10000 - amount) <= 50


@given(st.text(max_size=30))
def test_parse_amount_never_crashes(text):
    try:
        assert parse_amount(text) >= 0
    except AmountError:
        pass


@given(st.one_of(st.decimals(allow_nan=False, allow_infinity=False),
                 st.decimals(min_value=0, max_value=10**9, places=3)),
       st.sampled_from([None, 0, 1, 2, 6]), st.booleans())
def test_remembered_formats_are_computed_ones(value, decimals, thousands):
    from generator.amounts import _format

    # twice: the second answer comes from the memory (keyed by the text: 1.0 and 1.00 print apart)
    for _ in range(2):
        assert format_number(value, decimals, thousands) == _format(value, decimals, thousands)
    for same in (value.normalize(), value + Decimal("0.000")):
        assert format_number(same, decimals, thousands) == _format(same, decimals, thousands)


def _reference_format(value, decimals, thousands):
    """format_number as it was: the current context's copy for rounding, the groups by hand."""
    from decimal import ROUND_HALF_UP, localcontext

    if decimals is not None:
        with localcontext(prec=max(28, value.adjusted() + decimals + 3)):
            value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = format(value, "f")
    if not thousands:
        return text
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ",".join(groups) + dot + frac


@given(st.one_of(st.decimals(allow_nan=False, allow_infinity=False), st.decimals(min_value=0, max_value=10**15, places=2),
                 st.decimals(min_value=-10**30, max_value=10**30, places=6)),
       st.sampled_from([None, 0, 1, 2, 4, 6]), st.booleans())
def test_format_number_is_the_reference_one(value, decimals, thousands):
    assert format_number(value, decimals, thousands) == _reference_format(value, decimals, thousands)
