"""Finding a form's fields by their labels, as the variants' settings spell them.

Departments spell a label with small differences (`其中：财政资金` / `其中: 财政资金`, `项目资金 (万元)`
/ `项目资金(元)`) and different years use different words for the same field (`年度总体目标` /
`年度总目标`). A label therefore matches any variant's spelling of it, compared without spaces,
colons or width differences, and with an optional trailing qualifier in brackets (the unit of the
amounts, the years of the goal). Which variant a table is, is decided the same way: by its title
and by how many of each variant's labels it holds. Nothing here names a variant or a label.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..layout import Templates
from ..variant import SETTINGS, Variant
from .grid import Cell, Document, Row

_DROP = re.compile(r"[\s\u00a0\u3000:：]+")
_QUALIFIED = re.compile(r"^(?P<base>.+?)\((?P<qualifier>[^()]*)\)$")


def norm(text: str) -> str:
    """A label as compared: NFKC (full-width brackets and colons fold), no spaces, no colons."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or ""))


def split_qualifier(normed: str) -> tuple[str, str | None]:
    """`项目资金(万元)` → (`项目资金`, `万元`); a text that is all bracket keeps itself."""
    match = _QUALIFIED.match(normed)
    return (match["base"], match["qualifier"]) if match else (normed, None)


def load_variants(templates: "Templates | Path") -> list[Variant]:
    """Every variant of the template folders (the nearest layer's of a name), in name order."""
    return [Variant(folder) for folder in Templates.of(templates).variants().values()]


class Labels:
    """Every spelling of every label of some variants: normalized text → keys, in label order.

    Two keys may share a label (`其他资金` of the project and of the year): the n-th occurrence
    of the text in a table is the n-th key."""

    def __init__(self, variants: Iterable[Variant], also: Iterable[Variant] = ()):
        """The labels of `variants`, and other variants' spellings of the same keys (`also`):
        a column head one form calls 指标值 is the 年度指标值 of another."""
        self.keys: dict[str, list[str]] = {}
        self.spellings: dict[str, list[str]] = {}   # key → the variants' label texts, for messages
        variants = list(variants)
        own = {key for v in variants for key in v.labels}
        for variant in [*variants, *also]:
            for key, text in variant.labels.items():
                if key not in own:
                    continue
                for form in {norm(text), split_qualifier(norm(text))[0]}:
                    if form and key not in self.keys.setdefault(form, []):
                        self.keys[form].append(key)
                if text not in self.spellings.setdefault(key, []):
                    self.spellings[key].append(text)

    def match(self, text: str) -> tuple[list[str], str | None] | None:
        """(candidate keys, qualifier) if `text` is a label, else None."""
        normed = norm(text)
        if not normed:
            return None
        base, qualifier = split_qualifier(normed)
        if qualifier is not None and base in self.keys:
            return self.keys[base], qualifier
        if normed in self.keys:
            return self.keys[normed], None
        return None

    def spelled(self, key: str) -> str:
        return "」或「".join(self.spellings.get(key, [key]))


# ---------------------------------------------------------------- forms in a document

@dataclass
class Form:
    """One table as found in a file: its rows, and the title and year printed above it."""

    number: int                 # 1-based, in the file's order
    rows: list[Row] = field(default_factory=list)
    title: str | None = None    # normalized title, if a known one was printed
    year: int | None = None


def _year_patterns(variants: Iterable[Variant]) -> list[re.Pattern]:
    """`({年度}年度)` → regexes that read the year back: the whole subtitle, and its words
    without brackets anywhere in a title line (`2024年度财政项目支出绩效目标表`)."""
    patterns = []
    for variant in variants:
        if "{年度}" in variant.subtitle:
            before, _, after = norm(variant.subtitle).partition("{年度}")
            patterns.append(re.compile(rf"^{re.escape(before)}(\d{{4}}){re.escape(after)}$"))
            core = re.sub(r"[()\[\]]", "", after)
            if core:
                patterns.append(re.compile(rf"(\d{{4}}){re.escape(core)}"))
    return patterns


def _title(text: str, titles: list[str]) -> str | None:
    """The known title a line is, or holds (with a year or a word or two around it)."""
    held = [t for t in titles if t in text and len(text) <= 2 * len(t)]
    return max(held, key=len) if held else None


def split_forms(document: Document, variants: list[Variant], identities: set[str]) -> list[Form]:
    """Cut a document's rows into tables: a known title starts one, and so does a second
    identity label (项目名称 / 单位名称 of the variants' labels) when a file has no titles.
    A table continued on another Word table (a page break) stays one table."""
    titles = sorted({norm(v.title) for v in variants if v.title})
    years = _year_patterns(variants)
    forms: list[Form] = []
    current: Form | None = None
    seen_identity = False
    for row in document.rows:
        texts = [norm(t) for t in row.texts]
        title = _title(texts[0], titles) if len(texts) == 1 else None
        year = next((int(m[1]) for p in years if (m := p.search(texts[0]))), None) if len(texts) == 1 else None
        if title:
            current = Form(len(forms) + 1, title=title, year=year)
            forms.append(current)
            seen_identity = False
            continue
        if year is not None and current is not None and current.year is None and not current.rows:
            current.year = year
            continue
        if row.paragraph:
            continue  # other paragraphs (notes, 附件 headings) are not part of a table
        identity = any(split_qualifier(t)[0] in identities for t in texts)
        if current is None or (identity and seen_identity):
            current = Form(len(forms) + 1)
            forms.append(current)
            seen_identity = False
        seen_identity = seen_identity or identity
        current.rows.append(row)
    return [f for f in forms if f.rows]


def recognize(form: Form, variants: list[Variant]) -> Variant | None:
    """The variant whose title the table carries, for the year under the title (its `years`), and
    most of whose labels it holds; the unit in the amounts' label breaks a tie. None if no variant's identity label is in the table."""
    texts = {norm(t) for row in form.rows for t in row.texts}
    bases = {split_qualifier(t)[0] for t in texts}
    units = {split_qualifier(t)[1] for t in texts} - {None}
    candidates = [v for v in variants if form.title and norm(v.title) == form.title] or variants

    def score(variant: Variant) -> tuple[int, int, int, int, int]:
        # a form fits if the table has the labels of the classifications only it has (项目性质 …); forms of one
        # title that fit (two years' 目标表) are told apart by the year under the title, then by
        # their labels; a table without a year is taken for the latest of equals
        own = [c.key for c in variant.classifications
               if not any(c.key in other.labels for other in candidates if other is not variant)]
        fits = all(split_qualifier(norm(variant.labels.get(key, key)))[0] in bases for key in own)
        year = 0 if form.year is None else 2 if form.year in variant.years else 0 if variant.years else 1
        labels = {norm(t) for t in variant.labels.values()}
        return (fits, year, len(labels & texts), int(variant.amounts.unit in units),
                max(variant.years, default=0))

    best = max(candidates, key=score, default=None)  # max keeps the first of equals: name order
    if best is None or not any(split_qualifier(norm(t))[0] in bases for t in best.labels.values()):
        return None
    return best


# ---------------------------------------------------------------- fields of one table

@dataclass(frozen=True)
class Found:
    key: str
    row: int            # index into the rows searched
    cell: int           # index into that row's cells
    qualifier: str | None


class Fields:
    """The labelled fields of a table's rows: where each label is, and the value it labels.

    A value sits to the right of its label (the filled cells before the next label), or, when a
    label has nothing to its right, in the rows below it (the cells under its columns, until the
    next row of labels): 项目总目标 / 年度总体目标, 年末在职人数 / 内设机构数."""

    def __init__(self, rows: list[Row], labels: Labels, values: set[str], inline: frozenset[str] = frozenset()):
        self.rows = rows
        self.labels = labels
        self.values = values              # the keys that label a value (not a section or column head)
        # `inline` keys are words the form prints inside a value's cell (the `(年 - 年)` before a goal)
        self.found: dict[str, Found] = {}
        self.label_cells: set[tuple[int, int]] = set()
        self.repeats: set[tuple[int, int]] = set()
        for r, row in enumerate(rows):
            previous = None
            for i, cell in enumerate(row.cells):
                if cell.merged or not cell.text:
                    continue
                if previous is not None and norm(previous) == norm(cell.text) and (r, i - 1) in self.label_cells:
                    self.repeats.add((r, i))   # a merged label an export spelled out twice: read once
                    continue
                previous = cell.text
                hit = labels.match(cell.text)
                if hit is None or set(hit[0]) <= inline:   # inline: printed inside a value's cell
                    continue
                self.label_cells.add((r, i))
                keys, qualifier = hit
                key = next((k for k in keys if k not in self.found), None)
                if key is not None:
                    self.found[key] = Found(key, r, i, qualifier)
        self._below: dict[str, list[str]] = {}
        for r in sorted({f.row for f in self.found.values()}):
            self._read_below(r)

    def has(self, key: str) -> bool:
        return key in self.found

    def qualifier(self, key: str) -> str | None:
        return self.found[key].qualifier if key in self.found else None

    def qualifiers(self) -> list[str]:
        return [f.qualifier for f in self.found.values() if f.qualifier]

    def _right(self, found: Found) -> list[Cell]:
        row = self.rows[found.row]
        out = []
        for i in range(found.cell + 1, len(row.cells)):
            if (found.row, i) in self.label_cells:
                break
            cell = row.cells[i]
            if cell.text and not cell.merged and (found.row, i) not in self.repeats:
                out.append(cell)
        return out

    def _read_below(self, r: int) -> None:
        """Values under the labels of row r that have nothing to their right."""
        heads = [f for f in self.found.values()
                 if f.row == r and f.key in self.values and not self._right(f)]
        if not heads:
            return
        heads.sort(key=lambda f: f.cell)
        texts: dict[str, list[str]] = {f.key: [] for f in heads}
        for rr in range(r + 1, len(self.rows)):
            row = self.rows[rr]
            if any((rr, i) in self.label_cells for i in range(len(row.cells))):
                break
            filled = row.filled
            owners = []
            for cell in filled:
                owner = next((f.key for f in heads if _overlaps(self.rows[r].cells[f.cell], cell)), None)
                owners.append(owner)
            if None in owners and len(filled) == len(heads):
                owners = [f.key for f in heads]  # cells as they come, not under their labels: by order
            for owner, cell in zip(owners, filled):
                if owner is not None:
                    texts[owner].append(cell.text)
        for key, parts in texts.items():
            self._below[key] = ["\n".join(parts)] if parts else []

    def cells(self, key: str) -> list[str] | None:
        """The texts of the cells a label labels (repeats of one text once); None without the label."""
        if key not in self.found:
            return None
        right = [c.text for c in self._right(self.found[key])]
        texts = right if right else self._below.get(key, [])
        return [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]

    def text(self, key: str) -> str | None:
        """The value of a field: "" when the label is there and its cell blank, None without it."""
        cells = self.cells(key)
        if cells is None:
            return None
        return cells[0] if cells else ""


def _overlaps(a: Cell, b: Cell) -> bool:
    return a.col < b.col + b.span and b.col < a.col + a.span
