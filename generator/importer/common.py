"""Reading printed values back: amounts in a label's unit, dates, indicator values, numbered lists.

Each reader inverts what the variant's settings print, and checks itself by printing the result
again the way the variant would (render.context), so that an imported spec rebuilds the same cell.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ..amounts import WAN, AmountError, parse_amount, plain  # noqa: F401  (plain also imported from here)
from ..errors import TableError, UnreadableValue  # noqa: F401  (also imported from here)
from ..render.context import value_parts
from ..values import OPERATOR_SPELLINGS, Phrase, Quantity, parse_value
from ..variant import Variant

AMOUNT_UNITS = {"元": Decimal(1), "万元": WAN}
ABSENT = {"", "-", "－", "—", "–", "/", "无", "——"}
_OWN_UNIT = re.compile(r"(万元|万|元)\s*$")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?")
_SPACE = re.compile(r"[\s\u00a0\u3000]+")
_BOXES = {"□": "☐", "☒": "☑", "■": "☑", "√": "☑", "✓": "☑", "✔": "☑"}
# the spellings cell_norm rewrites, longest first (sorted once: it runs for every cell read)
_SPELLINGS = [(spelling, op) for spelling, op in sorted(OPERATOR_SPELLINGS.items(), key=lambda kv: -len(kv[0]))
              if len(spelling) > 1]


def cell_norm(text: str) -> str:
    """A cell as a reader compares it: width, spaces, operator spellings and box marks unified."""
    text = unicodedata.normalize("NFKC", text or "")
    for spelling, op in _SPELLINGS:
        text = text.replace(spelling, op)
    for mark, box in _BOXES.items():
        text = text.replace(mark, box)
    return _SPACE.sub("", text)


# ---------------------------------------------------------------- amounts

def amount(text: str | None, unit: str) -> Decimal | None:
    """An amount cell in 元: the number in the label's unit (`万元`, `元`), or the cell's own
    unit if it says one; None for a blank or a dash."""
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if cleaned in ABSENT:
        return None
    if not _OWN_UNIT.search(cleaned) and unit != "元":
        cleaned += unit
    try:
        return parse_amount(cleaned)
    except AmountError as exc:
        raise UnreadableValue(f"「{text}」不是金额（{exc}）") from None


def printed_step(text: str, unit: str) -> Decimal:
    """How exact a printed amount is, in 元: `33.98` in 万元 is known to 100 元."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    decimals = len(cleaned.split(".")[1]) if "." in cleaned else 0
    if _OWN_UNIT.search(cleaned):
        unit = "万元" if "万" in cleaned else "元"
    return AMOUNT_UNITS.get(unit, Decimal(1)) * Decimal(1).scaleb(-decimals)


def recover(printed: Decimal, step: Decimal, candidates: list[tuple[Decimal, str]]) -> tuple[Decimal, str] | None:
    """The one exact amount among `candidates` (元, where it was read) that prints as `printed`
    when rounded to `step`; None if there is none or more than one."""
    if step <= Decimal("0.01"):
        return None
    fits = {}
    for value, where in candidates:
        if value != printed and (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step == printed:
            fits.setdefault(value, where)
    return next(iter(fits.items())) if len(fits) == 1 else None


# ---------------------------------------------------------------- dates

def date(text: str | None) -> dt.date | None:
    if not text:
        return None
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not match:
        raise UnreadableValue(f"「{text}」不是日期")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise UnreadableValue(f"「{text}」不是有效日期") from None


# ---------------------------------------------------------------- indicator values

def _renders(candidate: str, variant: Variant) -> str:
    return value_parts(parse_value(candidate), variant.values)["指标值"]


def value_text(printed: str, variant: Variant) -> tuple[str, bool]:
    """What to write in a spec so that the variant prints `printed` again: the shortest form
    that does (`=100.00(%)` in a two-decimal form → `=100%`; `≥40(公顷)` keeps its precision).
    The flag says whether it prints exactly so (False: only up to spelling, or not at all)."""
    printed = printed.strip()
    value = parse_value(printed)
    candidates = []
    if isinstance(value, Quantity):
        note = f" {value.note}" if value.note else ""
        digits = re.search(r"\d[\d,]*(?:[.．]\d+)?", unicodedata.normalize("NFKC", printed))
        candidates.append(f"{value.op}{plain(value.number)}{value.unit}{note}")
        candidates.append(printed)
        if value.unit and digits:
            candidates.append(f"{value.op}{digits[0].replace(',', '')}({value.unit}){note}")
    else:
        candidates.append(printed)
    for candidate in candidates:
        if _renders(candidate, variant) == printed:
            return candidate, True
    for candidate in candidates:
        if cell_norm(_renders(candidate, variant)) == cell_norm(printed):
            return candidate, False
    return printed, False


def parts_text(op: str, number: str, unit: str, variant: Variant) -> str | None:
    """A quantitative value split over 方向 | 指标值 | 计量单位 as a spec writes it, or None when no
    spelling prints those three cells again."""
    op = OPERATOR_SPELLINGS.get(unicodedata.normalize("NFKC", op).strip(), op.strip())
    want = (op, number.strip(), unit.strip())
    for candidate in (f"{op}{number}{unit}", f"{op}{number}({unit})" if unit else None):
        if candidate is None:
            continue
        value = parse_value(candidate)
        if isinstance(value, Quantity):
            parts = value_parts(value, variant.values)
            if (parts["方向"], parts["数值"], parts["计量单位"]) == want:
                return candidate
    return None


def is_operator(text: str) -> bool:
    return unicodedata.normalize("NFKC", text).strip() in OPERATOR_SPELLINGS or text.strip() in OPERATOR_SPELLINGS


def nature(value_text_: str, variant: Variant) -> str:
    """定量指标 or 定性指标 (as the variant's context words it) for a value as a spec writes it."""
    return value_parts(parse_value(value_text_), variant.values)["指标性质"]


# ---------------------------------------------------------------- numbered lists in one cell

def numbered(text: str, pattern: str) -> list[str]:
    """Split a cell printed with a list pattern (`{n}.{text}`) back into its items. Items are
    found by their numbers 1, 2, 3 … in turn, at the start or after a line break or space."""
    marker_before, _, rest = pattern.partition("{n}")
    marker_after = re.split(r"\{[^}]*\}", rest, maxsplit=1)[0]
    text = text.strip()
    starts = []
    position, n = 0, 1
    while True:
        marker = re.escape(marker_before) + str(n) + re.escape(marker_after)
        found = re.compile(rf"(?:^|(?<=\s)){marker}").search(text, position)
        if not found:
            break
        starts.append((found.start(), found.end()))
        position, n = found.end(), n + 1
    if not starts:
        return [text] if text else []
    items = []
    for i, (_, end) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        items.append(text[end:stop].strip())
    return items


# ---------------------------------------------------------------- what a table reads into

@dataclass
class Imported:
    """One table read into spec data, with what it came from and what the reader noticed."""

    form: str                       # the variant's form: project or unit
    variant: Variant
    name: str                       # 项目名称 or 单位名称
    year: int
    department: tuple[str, str]     # (主管部门, 实施单位) as the table says
    data: dict[str, Any]            # the spec, keys in the order a person writes them
    rows: list                      # the table's rows (grid.Row), to compare the rebuilt table with
    file: Path | None = None
    number: int = 0                 # the table's number in its file
    notes: list[str] = field(default_factory=list)   # where the rebuilt table may differ: warnings
    info: list[str] = field(default_factory=list)    # choices the reader made: said, not warned

    @property
    def where(self) -> str:
        return f"{self.file} 第 {self.number} 张表（{self.name}）"
