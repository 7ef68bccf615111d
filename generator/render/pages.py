"""Where a printed table's pages break: lines per cell, row heights, rows per page.

Word and Excel outputs both need it: Excel to place its page breaks between rows and restart the
merged 一级/二级 labels there, Word to restart the same merges where its pages will break and to
know whether a table has more than one page (page numbers in the footer). Word tables print with
exact line heights (see docx_print.py), so a row's height depends only on how many lines its text
takes, which is the same in Word, WPS and LibreOffice up to the width of Latin letters.

Widths and heights are in points; a character's width is in ems of its font size.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

SPACE_EM = 0.3
LATIN_EM = 0.55  # average Latin letter or digit of SimSun (0.5 em) and Noto Serif CJK (≈0.55 em)


@lru_cache(maxsize=4096)
def char_em(ch: str) -> float:
    """A character's advance in ems: CJK and full-width forms are square, the rest about half."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    return SPACE_EM if ch == " " else LATIN_EM


def text_em(text: str) -> float:
    return sum(map(char_em, text))


def _tokens(line: str) -> list[str]:
    """Pieces a line may break between: each CJK character alone, runs of other characters
    (a number with its unit, a Latin word) kept together, as Word and LibreOffice break them."""
    out: list[str] = []
    for ch in line:
        if char_em(ch) == 1.0 or ch == " " or not out or char_em(out[-1][-1]) == 1.0 or out[-1] == " ":
            out.append(ch)
        else:
            out[-1] += ch
    return out


@lru_cache(maxsize=8192)
def wrapped(text: str, width_em: float) -> tuple[str, ...]:
    """The text as printed in a column `width_em` ems wide: one string per line (greedy, like
    Word: a line takes what fits; a piece longer than a line is cut anywhere)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for token in _tokens(paragraph):
            if token == " ":
                line += token  # a space at the end of a line hangs in the margin
                used += char_em(token)
                continue
            width = text_em(token)
            if line.strip() and used + width > width_em + 1e-6:
                lines.append(line)
                line, used = "", 0.0
            if width <= width_em + 1e-6:
                line += token
                used += width
                continue
            for ch in token:  # too long for any line: cut it where the line is full
                if line.strip() and used + char_em(ch) > width_em + 1e-6:
                    lines.append(line)
                    line, used = "", 0.0
                line += ch
                used += char_em(ch)
        lines.append(line)
    return tuple(lines)


def line_count(text: str, width_em: float) -> int:
    """The lines `text` takes in a column `width_em` ems wide: `len(wrapped(text, width_em))`,
    counted without building the lines (every table measures each of its texts twice, for Word's
    pages and for Excel's row heights)."""
    if not text or len(text) <= width_em and "\n" not in text:
        return 1  # no character is wider than an em: it fits on one line, as `wrapped` finds
    return _counted(text, width_em)


class _Kinds(dict):
    """str.translate's table of a character's kind, as `char_em` measures it: W a full-width
    character, V a full-width space, a space itself, L any other (LATIN_EM wide). Filled as
    characters are met (a district writes a few thousand), bounded."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        kind = " " if ch == " " else ("V" if ch.isspace() else "W") if char_em(ch) == 1.0 else "L"
        if len(self) < 16384:
            self[code] = kind
        return kind


_KINDS = _Kinds()
_WIDE_RUN, _LATIN_RUN = re.compile("W+"), re.compile("L+")
_LATIN_SUMS = [0.0]  # k characters of LATIN_EM added one by one, as sum() adds them


def _latin_width(count: int) -> float:
    while len(_LATIN_SUMS) <= count:
        _LATIN_SUMS.append(_LATIN_SUMS[-1] + LATIN_EM)
    return _LATIN_SUMS[count]


@lru_cache(maxsize=2048)  # bounded: memory stays flat however many tables a build renders
def _counted(text: str, width_em: float) -> int:
    """`wrapped`'s greedy breaking, counted: the same pieces (`_tokens`: a CJK character alone, a
    space alone, a run of other characters) and the same sums, read off the characters' kinds
    (`_Kinds`, one str.translate a paragraph)."""
    limit = width_em + 1e-6
    whole = math.floor(limit)  # the full-width characters a line holds
    total = 0
    for paragraph in text.split("\n"):
        total += 1
        used, content = 0.0, False  # content: the line holds more than white space (line.strip())
        kinds = paragraph.translate(_KINDS)
        i, n = 0, len(paragraph)
        while i < n:
            kind = kinds[i]
            if kind == " ":  # a space at the end of a line hangs in the margin
                used += SPACE_EM
                i += 1
                continue
            if kind == "W" and whole >= 1 and used.is_integer():
                # a run of full-width characters (most of a goal) counted at once: each is a piece
                # of its own, and from a whole `used` the sums stay whole, so exact
                j = _WIDE_RUN.match(kinds, i).end()
                at, more = int(used), j - i - 1
                if content and at >= whole:
                    total += 1
                    at = 0
                at += 1  # the first character goes on this line (after white space alone, even past its end)
                if more and at > whole:
                    total, at, more = total + 1, 1, more - 1
                if more > max(0, whole - at):  # the rest fills lines of `whole`
                    rest = more - (whole - at)
                    lines = -(-rest // whole)
                    total += lines
                    at = rest - (lines - 1) * whole
                else:
                    at += more
                used, content = float(at), True
                i = j
                continue
            if kind == "L":
                j = _LATIN_RUN.match(kinds, i).end()
                width = _latin_width(j - i)
            else:
                j, width = i + 1, 1.0
            if content and used + width > limit:
                total += 1
                used, content = 0.0, False
            if width <= limit:
                used += width
                content = content or not paragraph[i:j].isspace()
            else:
                for k in range(i, j):  # too long for any line: cut it where the line is full
                    em = LATIN_EM if kinds[k] == "L" else 1.0
                    if content and used + em > limit:
                        total += 1
                        used, content = 0.0, False
                    used += em
                    content = content or not paragraph[k].isspace()
            i = j
    return max(1, total)


def lone_last_character(text: str, width_em: float) -> bool:
    """Whether the text wraps leaving a single character on its last line (`经济成本指|标`)."""
    lines = wrapped(text, width_em)
    return len(lines) > 1 and len(lines[-1].strip()) == 1


def fitting_width(labels: Sequence[str], least: float = 2.0) -> float:
    """The least width (ems, in whole characters from `least`) in which no label wraps leaving a
    single character on its last line: a column's width from the labels it must hold."""
    longest = max((text_em(label) for label in labels), default=least)
    width = least
    while width < longest and any(lone_last_character(label, width) for label in labels):
        width += 1
    return max(least, min(width, longest))


@dataclass(slots=True)
class Cell:
    """A cell as the page layout sees it: where it is, how far it reaches, what it prints."""

    row: int
    col: int
    span: int = 1
    rows: int = 1              # rows a vertical merge covers
    text: str = ""
    size: float = 10.5         # font size, points


@dataclass
class Grid:
    """A table to lay out: column widths (points), the cells, and each row's least height."""

    widths: Sequence[float]
    cells: list[Cell] = field(default_factory=list)
    min_heights: list[float] = field(default_factory=list)


def row_heights(grid: Grid, line_height: float, padding: tuple[float, float]) -> list[float]:
    """Each row's printed height. `line_height` is a factor of the font size; `padding` is the
    cell margins (top + bottom, left + right) in points. A vertically merged cell that needs more
    than its rows have grows its last row, as Word and Excel grow it."""
    heights = list(grid.min_heights)
    needs: list[tuple[int, int, float]] = []
    vertical, horizontal = padding
    measures: dict[tuple[int, int, float], tuple[float, float]] = {}  # a table's cells share a few
    for cell in grid.cells:
        key = (cell.col, cell.span, cell.size)
        measure = measures.get(key)
        if measure is None:
            width = sum(grid.widths[cell.col:cell.col + cell.span]) - horizontal
            measure = measures[key] = (max(width, cell.size) / cell.size, round(cell.size * line_height, 1))
        needs.append((cell.row, cell.row + cell.rows - 1, line_count(cell.text, measure[0]) * measure[1] + vertical))
    return fit(heights, needs)


def fit(heights: list[float], needs: Iterable[tuple[int, int, float]]) -> list[float]:
    """`heights` grown for cells that need (first row, last row, points): a cell of one row makes
    its row as tall as it needs; then a vertically merged cell that needs more than its rows have
    grows its last row, as Word and Excel grow it. Returns `heights`, changed in place."""
    tall = []
    for first, last, need in needs:
        if first != last:
            tall.append((first, last, need))
        elif need > heights[first]:
            heights[first] = need
    for first, last, need in tall:
        have = sum(heights[first:last + 1])
        if need > have:
            heights[last] += need - have
    return heights


def page_breaks(heights: Sequence[float], page: float, repeat: Sequence[float] | None = None) -> list[int]:
    """The rows that begin a new page, for pages `page` points tall. A page that begins at row i
    begins with `repeat[i]` points of repeated header rows (0: none). A row that does not fit goes
    to the next page whole; a row taller than a page is left where it falls."""
    breaks: list[int] = []
    used, floor = 0.0, 0.0
    for i, height in enumerate(heights):
        if used + height > page + 1e-6 and used > floor + 1e-6:
            breaks.append(i)
            floor = repeat[i] if repeat else 0.0
            used = floor
        used += height
    return breaks


__all__ = ["Cell", "Grid", "char_em", "text_em", "wrapped", "line_count", "lone_last_character", "fitting_width", "row_heights",
           "fit", "page_breaks"]
