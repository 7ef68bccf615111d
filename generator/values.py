"""Indicator values: `=1人`, `≥90%`, `>=12次`, `≤19200元` are quantitative; `及时`, `建立健全` are not.

A quantitative value keeps what the author wrote (operator spelling, the number's own precision)
so that each variant can print it its own way (its `values:` settings): `=100.00(%)`, as written
with the operator spelled properly, or split into 方向 | 指标值 | 计量单位.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from decimal import Decimal

from .errors import Frozen

# Every spelling authors use, longest first so that `>=` wins over `>`.
OPERATOR_SPELLINGS: dict[str, str] = {
    ">=": "≥", "》=": "≥", "＞=": "≥", "≧": "≥", "≥": "≥",
    "<=": "≤", "《=": "≤", "＜=": "≤", "≦": "≤", "≤": "≤",
    "==": "=", "＝": "=", "=": "=",
    ">": ">", "＞": ">", "》": ">",
    "<": "<", "＜": "<", "《": "<",
}
_OPS = "|".join(re.escape(op) for op in sorted(OPERATOR_SPELLINGS, key=len, reverse=True))
_NUMBER = r"\d+(?:[.．]\d+)?|\d{1,3}(?:,\d{3})+(?:[.．]\d+)?"
_VALUE = re.compile(
    rf"^(?P<op>{_OPS})?[ \u3000]*(?P<num>{_NUMBER})[ \u3000]*"
    rf"(?:[(（](?P<punit>[^()（）\d]{{1,8}})[)）]|(?P<unit>[^()（）\d\s]{{0,8}}))"
    rf"(?P<note>[ \u3000]*[(（][^()（）]*[)）])?$"
)
# Without an operator, a number counts as quantitative only before one of these measure words:
# `100%` and `0起` are targets, `6个月内` and `6月底前完成` are phrases that print as written.
BARE_UNITS = frozenset(
    "% ‰ 人 人次 次 个 份 本 场 起 件 项 名 家 户 批 批次 篇 期 天 日 小时 分钟 分 元 万元 台 套 条 "
    "公顷 亩 平方米 米 公里 千米 吨 所 处 座 辆 张 册 部 课时 学时 场次 家次 宗 单".split()
)


class Quantity(Frozen):
    """A number with an operator: `op` is the proper sign, `number` the exact Decimal."""

    __slots__ = PRINTED = ("op", "number", "unit", "note", "written", "explicit_op", "exact")  # (see model.py)
    op: str
    number: Decimal
    unit: str
    note: str               # trailing remark in brackets, e.g. `(2022年5月底前)`
    written: str            # the author's text with the operator spelled properly
    explicit_op: bool
    exact: bool             # written in the form's own notation `≥40(公顷)`: print the number as typed

    def __init__(self, op: str, number: Decimal, unit: str, note: str = "", written: str = "",
                 explicit_op: bool = True, exact: bool = False):
        self._set(op=op, number=number, unit=unit, note=note, written=written, explicit_op=explicit_op, exact=exact)

    @property
    def quantitative(self) -> bool:
        return True


class Phrase(Frozen):
    """A qualitative value: printed exactly as written."""

    __slots__ = PRINTED = ("text",)
    text: str

    def __init__(self, text: str):
        object.__setattr__(self, "text", text)

    @property
    def quantitative(self) -> bool:
        return False


Value = Quantity | Phrase


def _spell_operator(text: str) -> str:
    """The text with a leading operator spelled properly (`》=90%` → `≥90%`), nothing else changed."""
    stripped = text.lstrip()
    for spelling in sorted(OPERATOR_SPELLINGS, key=len, reverse=True):
        if stripped.startswith(spelling):
            return OPERATOR_SPELLINGS[spelling] + stripped[len(spelling):]
    return stripped


def parse_value(raw: object) -> Value:
    """Read an indicator value; anything that is not operator + number (+ unit) is a Phrase."""
    return _parsed(str(raw))


@lru_cache(maxsize=4096)  # a district's tables repeat their values (≥90%, =1次); the values are frozen
def _parsed(raw: str) -> Value:
    text = raw.strip()
    folded = unicodedata.normalize("NFKC", text).replace("．", ".")
    # NFKC folds full-width digits and brackets but also turns `》` into itself and `≥` stays: fine.
    match = _VALUE.match(folded)
    if not match:
        return Phrase(text)
    op_text, unit = match["op"], match["punit"] or match["unit"] or ""
    if op_text is None and unit not in BARE_UNITS:
        return Phrase(text)
    return Quantity(
        op=OPERATOR_SPELLINGS[op_text] if op_text else "=",
        number=Decimal(match["num"].replace(",", "")),
        unit=unit.strip(),
        note=(match["note"] or "").strip(),
        written=_spell_operator(text),
        explicit_op=op_text is not None,
        exact=match["punit"] is not None,
    )


_AFTER_OPERATOR = re.compile(rf"^(?P<op>{_OPS})[ \u3000]*(?P<rest>.*)$", re.S)
_NUMBERISH = re.compile(r"^[-+.\d]")
_LOOK_ALIKE = re.compile(r"^[OolI](?![A-Za-z])")  # `9O%`: a letter O typed for the digit 0
_WRONG_ORDER = {"=>": "≥", "=<": "≤", "=》": "≥", "=《": "≤"}


def value_problem(raw: object) -> str | None:
    """Why a value that starts like a quantity (an operator, then a number) cannot be read, or None.

    `=上年度工资总额的1.5%` is a phrase (words after the operator) and prints as written; but
    `≥9O%`, `=>90%`, `≥≥90%` or `≥-5%` are slips that must not silently print as text."""
    return _value_problem(str(raw))


@lru_cache(maxsize=4096)
def _value_problem(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", str(raw).strip()).replace("．", ".")
    if not text:
        return "缺少指标值"
    for wrong, right in _WRONG_ORDER.items():
        if text.startswith(wrong):
            return f"「{raw}」的运算符「{wrong}」无法识别：请写「{right}」（或 {'>=' if right == '≥' else '<='}）"
    value = parse_value(raw)
    if isinstance(value, Quantity):
        look_alike = _LOOK_ALIKE.match(value.unit)
        if look_alike:
            return f"「{raw}」的数字里似乎混入了字母「{look_alike[0]}」（应为数字 {'1' if look_alike[0] in 'lI' else '0'}）"
        return None
    match = _AFTER_OPERATOR.match(text)
    if not match:
        return None
    rest = match["rest"]
    if rest[:1] in OPERATOR_SPELLINGS or rest[:1] in "≥≤":
        return f"「{raw}」的运算符写了两遍"
    if rest.startswith("-"):
        return f"「{raw}」：指标值不能为负数"
    if _NUMBERISH.match(rest):
        return (f"「{raw}」无法读取：运算符后应为数字加单位，如 ≥90%、=1人、≤19200元、≥40(公顷)"
                "（数字中不能有字母，单位不能含数字）")
    return None
