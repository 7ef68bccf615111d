"""Money: exact Decimal in 元, parsed from what authors type, printed per a variant's settings
(settings.AmountStyle).

Authors type 19200, 19,200, １９２００, 1.92万 or 1.92万元; all mean 19200 元. Floats never enter:
the YAML loader hands us the scalar's text, and Decimal parses that text exactly.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from functools import lru_cache

from .errors import AmountError  # noqa: F401  (also imported from here)

_AMOUNT = re.compile(r"^(?P<num>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*(?P<unit>万元|万|元)?$")
WAN = Decimal(10000)
MAX_AMOUNT = Decimal(10) ** 15  # a quadrillion 元: far above any budget, well inside Decimal's precision


def plain(number: Decimal) -> str:
    """A Decimal as the shortest plain digits an author would type: 19200.00 → 19200, 0.50 → 0.5."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# what an amount looks like, said with every amount that is not one
HOW = "请用阿拉伯数字写，单位是元，如 85000、85,000、8.5万 或 8.5万元"


def parse_amount(value: object) -> Decimal:
    """An amount in 元 from the author's text (or an int/Decimal); raises AmountError."""
    if isinstance(value, bool):
        raise AmountError(f"「{value}」不是金额：{HOW}")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):  # only reachable from Python callers, never from YAML specs
        raise AmountError(f"「{value}」：金额请写成文本或整数，避免浮点误差")
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("，", ",").replace(" ", "")
    match = _AMOUNT.match(text)
    if not match:
        raise AmountError(f"「{value}」不是金额：{HOW}")
    try:
        amount = Decimal(match["num"].replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
        raise AmountError(f"「{value}」不是金额") from exc
    if match["unit"] in ("万", "万元"):
        amount *= WAN
    if amount < 0:
        raise AmountError(f"「{value}」：金额不能为负数")
    if amount >= MAX_AMOUNT:
        raise AmountError(f"「{value}」：金额过大")
    if amount != amount.quantize(Decimal("0.01")):
        raise AmountError(f"「{value}」：金额最多精确到分（0.01 元）")
    return amount


def format_number(value: Decimal, decimals: int | None, thousands: bool = False) -> str:
    """Round half up to `decimals` (None: as written) and add separators if asked."""
    if type(value) is Decimal:  # a Decimal's text is the whole of it (1.0 and 1.00 differ, as they print)
        return _formatted(str(value), decimals, thousands)
    return _format(value, decimals, thousands)


@lru_cache(maxsize=1024)  # a district's tables repeat their values and some amounts (90, 100, 19200)
def _formatted(text: str, decimals: int | None, thousands: bool) -> str:
    return _format(Decimal(text), decimals, thousands)


_CONTEXTS: dict[int, Context] = {}


def _format(value: Decimal, decimals: int | None, thousands: bool) -> str:
    if decimals is not None:  # precision for every digit: a 27-digit number in a value is printed, not refused
        prec = max(28, value.adjusted() + decimals + 3)
        context = _CONTEXTS.get(prec) or _CONTEXTS.setdefault(prec, Context(prec=prec))
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=context)
    # Decimal's own separators (a comma every three digits of the whole part), in C
    return format(value, ",f" if thousands else "f")
