"""`perfgen new 2025 --from 2024`: copy a year folder forward.

The new folder is the old one with only what a new year changes: 年度, the year in dates and in
texts (`(2024年-2024年)`, `2024年度政府实事项目`, `（2024运维）`), and 格式 when the new year is filed
in another format (templates/years.yaml says which). The YAML is edited as text, scalar by scalar,
at the positions the YAML parser reports: comments, key order, quoting, anchors and blank lines stay
byte for byte, so `git diff` of a rolled year shows exactly the changed years. (A round-trip
loader such as ruamel.yaml keeps comments too but re-emits the file, and may re-indent or re-wrap.)

Left alone on purpose: amounts (a number is not a year), indicator values that are quantities
(`≥2024人`), document numbers (`沪财〔2024〕13号`), decimals (`2024.5公顷`), and years other than the
source year — those are reported for review, like 上年结转资金 (last year's carry-over is not this
year's) and one-off projects (the variant's `one_off` categories, in any of its classifications):
the fields are the form's (forms/: `Roll`). Both also get a
`# 待核对` comment on their line. Files that are not YAML, or not readable as YAML, are copied as
they are and listed. Nothing is overwritten: an existing target folder is an error, and the new
folder appears in one rename once every file is ready.
"""
from __future__ import annotations

import codecs
import dataclasses
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import PerfgenError, VariantError
from .forms import Roll, form_of, forms
from . import editors
from .layout import REVIEW, TEMPLATES_FOLDER, facts_stage
from .spec import DEPARTMENT_FILE, SPEC_SUFFIXES
from .values import Quantity, parse_value
from .layout import YEARS_FILE, Templates  # noqa: F401  (YEARS_FILE also imported from here)
from .variant import Variant, templates_root

_YEAR_NAME = re.compile(r"^\d{4}$")
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_PROPERTIES = re.compile(r"(?:[&!][^\s]*\s+)+")  # an anchor or tag before a scalar's text


def year_pattern(year: int | str) -> re.Pattern[str]:
    """`year` standing alone: not part of a longer number, a decimal (2024.5) or a document number
    (〔2024〕, 【2024】, 2024号); a date such as 2024.1.1 is a year."""
    return re.compile(rf"(?<![\d.．〔【\[［])({year})(?![\d〕】\]］号]|[.．]\d+(?![.．]\d))")


_ANY_YEAR = year_pattern(r"(?:19|20)\d\d")


# ---------------------------------------------------------------- finding year folders

def _holds_specs(folder: Path) -> bool:
    return any(folder.rglob(DEPARTMENT_FILE))


def known_years(specs: Path) -> list[str]:
    """The year folders below `specs` (named like 2024, holding spec folders), as paths below it."""
    if not specs.is_dir():
        return []
    found = [d for d in specs.rglob("*") if d.is_dir() and _YEAR_NAME.match(d.name)
             and not any(p.startswith(".") for p in d.relative_to(specs).parts) and _holds_specs(d)]
    return sorted(d.relative_to(specs).as_posix() for d in found)


def find_year(specs: Path, year: str) -> Path:
    """The folder of `year` below `specs`: specs/2024, or the one folder named 2024 below it; `year`
    may also be a path to the folder itself."""
    if not _YEAR_NAME.match(year):
        path = Path(year)
        if path.is_dir() and _holds_specs(path):
            return path
        raise PerfgenError(f"「{year}」既不是年份（如 2024），也不是含有 {DEPARTMENT_FILE} 的目录")
    direct = specs / year
    if direct.is_dir() and _holds_specs(direct):
        return direct
    if not specs.is_dir():
        raise PerfgenError(f"找不到说明目录 {specs}（用 --specs 指定，例如 --specs specs/examples）")
    matches = [specs / rel for rel in known_years(specs) if Path(rel).name == year]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise PerfgenError(f"{specs} 下有多个 {year} 目录：{'、'.join(str(m) for m in matches)}；"
                           f"请用 --specs 指定其中一个的上级目录")
    years = "、".join(known_years(specs)) or "（无）"
    raise PerfgenError(f"找不到 {year} 年度的说明目录（在 {specs} 下）；已有的年度目录：{years}")


# ---------------------------------------------------------------- the variant of a year

def _year_table(templates: Templates | Path) -> dict[str, dict[int, tuple[str, Path]]]:
    """form → {year: (variant, the years.yaml saying so)}, every layer's years.yaml merged: the
    nearest layer's line for a (form, year) wins, the shipped map fills in the rest."""
    table: dict[str, dict[int, tuple[str, Path]]] = {}
    for path in reversed(Templates.of(templates).years_files()):  # farthest first: nearer ones overwrite
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for form, years in data.items():
                for year, name in (years or {}).items():
                    table.setdefault(str(form), {})[int(year)] = (str(name), path)
        except (OSError, yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
            raise VariantError(f"{path}: 无法读取年度与格式的对应：{exc}") from exc
    return table


def year_variants(templates: Templates | Path) -> dict[str, dict[int, str]]:
    """years.yaml (of every template layer, the nearest winning): form (settings.yaml `form:`) → {year: variant}."""
    return {form: {year: name for year, (name, _) in years.items()} for form, years in _year_table(templates).items()}


def variant_for(year: int, current: str, templates: Templates | Path) -> tuple[str, str]:
    """(the variant for `year`, why) given a folder's current 格式."""
    layers = Templates.of(templates)
    try:
        form = Variant.load(current, layers).form
    except VariantError:
        return current, f"格式「{current}」不在 {layers}，沿用"
    table = _year_table(layers).get(form, {})
    earlier = [y for y in table if y <= year]
    if not earlier:
        return current, f"{YEARS_FILE}（{layers}）没有 {year} 年及以前的 {form} 格式，沿用"
    chosen, source = table[max(earlier)]
    if layers.find(chosen) is None:
        raise VariantError(f"{source}: {max(earlier)} 年的格式「{chosen}」不存在（在 {layers}）")
    return chosen, f"{source} 中 {max(earlier)} 年起用「{chosen}」"


# ---------------------------------------------------------------- editing one YAML file

@dataclass(frozen=True)
class Note:
    """Something a person should look at in the new folder."""

    path: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where} {self.field + ': ' if self.field else ''}{self.message}"


@dataclass
class _Edits:
    text: str
    replacements: list[tuple[int, int, str]] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)   # 0-based line → review note

    def apply(self) -> str:
        text = self.text
        for start, end, new in sorted(self.replacements, reverse=True):
            text = text[:start] + new + text[end:]
        if not self.comments:
            return text
        lines = text.splitlines(keepends=True)
        for number, note in self.comments.items():
            body = lines[number].rstrip("\r\n")
            ending = lines[number][len(body):]
            lines[number] = f"{body}  # {REVIEW}：{note}{ending}"
        return "".join(lines)


@dataclass
class Rolled:
    source: Path
    target: Path
    changed: int = 0                                          # year mentions rolled forward
    files: list[Path] = field(default_factory=list)           # YAML files rolled
    copied: list[tuple[Path, str]] = field(default_factory=list)  # (file, why) copied as they were
    variants: list[tuple[Path, str, str, str]] = field(default_factory=list)  # (部门.yaml, old, new, why)
    review: list[Note] = field(default_factory=list)
    facts: list[Path] = field(default_factory=list)           # the year's facts files, left behind


def _scalars(node: yaml.Node, path: tuple, seen: set[int]):
    """(node, path of keys, is_key) for every scalar, each node once (an alias is its anchor)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if isinstance(key, yaml.ScalarNode):
                yield key, path + (name,), True
            yield from _scalars(value, path + (name,), seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _scalars(item, path + (i,), seen)
    elif isinstance(node, yaml.ScalarNode):
        yield node, path, False


def _comment_line(text: str, node: yaml.Node) -> int | None:
    """The line where a review comment can follow `node`: a one-line scalar followed by nothing or a comment."""
    if node.start_mark.line != node.end_mark.line:
        return None
    line_end = text.find("\n", node.end_mark.index)
    rest = text[node.end_mark.index: len(text) if line_end < 0 else line_end].strip()
    return node.end_mark.line if rest == "" or rest.startswith("#") else None


class _Roller:
    def __init__(self, source_year: int, target_year: int, templates: Templates, result: Rolled):
        self.source_year, self.target_year = source_year, target_year
        self.pattern = year_pattern(source_year)
        self.templates, self.result = templates, result
        self.known: dict[tuple[str | None, tuple[Path, ...]], tuple[Roll, list[str], tuple[str, ...]]] = {}
        self.layers: dict[Templates, tuple[Path, ...]] = {}   # looked up once per folder, not per scalar

    def folders(self) -> tuple[Path, ...]:
        """The template layers of the file being rolled (Templates.folders searches the disk)."""
        if not isinstance(self.templates, Templates):
            return (self.templates,)
        if self.templates not in self.layers:
            self.layers[self.templates] = self.templates.folders
        return self.layers[self.templates]

    def facts(self, variant: str | None) -> tuple[Roll, list[str], tuple[str, ...]]:
        """What a spec of `variant` has that a new year must look at: its form's fields (every
        form's when the variant cannot be read), the one-off categories, the classification keys."""
        key = (variant, self.folders())
        if key not in self.known:
            try:
                loaded = Variant.load(variant, self.templates) if variant else None
            except VariantError:
                loaded = None
            if loaded is None:
                rolls = [shape.roll for shape in forms().values()]
                roll = Roll(*(tuple(dict.fromkeys(x for r in rolls for x in getattr(r, f.name)))
                              for f in dataclasses.fields(Roll)))
                self.known[key] = (roll, [], roll.category)
            else:
                keys = tuple(dict.fromkeys([*form_of(loaded).roll.category, *(c.key for c in loaded.classifications)]))
                self.known[key] = (form_of(loaded).roll, loaded.one_off_categories, keys)
        return self.known[key]

    def roll_file(self, text: str, target: Path, department: bool, variant: str | None) -> str:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        edits = _Edits(text)
        if root is None:
            return text
        for node, path, is_key in _scalars(root, (), set()):
            self.scalar(edits, node, path, is_key, target, department, variant)
        return edits.apply()

    def scalar(self, edits: _Edits, node: yaml.ScalarNode, path: tuple, is_key: bool, target: Path,
               department: bool, variant: str | None) -> None:
        text = edits.text
        start, end = node.start_mark.index, node.end_mark.index
        prefix = _PROPERTIES.match(text, start)
        start = prefix.end() if prefix else start
        line = node.start_mark.line + 1
        field_name = ".".join(str(p) for p in path)
        if department and not is_key and path == ("年度",):
            if node.value.strip() != str(self.target_year):
                edits.replacements.append((start, end, str(self.target_year)))
                self.result.changed += 1
            return
        if department and not is_key and path == ("格式",):
            new, why = variant_for(self.target_year, node.value, self.templates)
            if new != node.value:
                edits.replacements.append((start, end, new))
                self.result.variants.append((target, node.value, new, why))
                if (number := _comment_line(text, node)) is not None:
                    edits.comments[number] = f"格式由 {node.value} 改为 {new}，请按新格式核对各项目"
            return
        roll, one_off, classified = self.facts(variant)
        if not is_key and path and path[0] in roll.amounts:
            carried = any(path[:len(c)] == c for c in roll.carry_over)
            if carried and node.value.strip() not in ("", "0", "0.00", "-", "~", "null"):
                note = f"这是 {self.source_year} 年的{path[-1]}，请按 {self.target_year} 年的实际填写"
                self.flag(edits, node, target, field_name, note)
            return  # amounts are not years
        if not is_key and len(path) == 1 and path[0] in classified and node.value.strip() in one_off:
            note = f"{node.value.strip()}，{self.target_year} 年还要做吗？不再需要就删除本文件"
            self.flag(edits, node, target, field_name, note)
        if not is_key and _NUMBER.match(node.value) and not any("年" in str(p) for p in path[-1:]):
            return  # a bare number is a quantity unless its key says it is a year
        if not is_key and path and path[0] in roll.indicators and len(path) == 3 \
                and isinstance(parse_value(node.value), Quantity):
            return  # ≥2024人 is a target, not a year
        raw = text[start:end]
        others = sorted({m.group(1) for m in _ANY_YEAR.finditer(raw) if m.group(1) != str(self.source_year)})
        for other in others:
            self.result.review.append(Note(target, line, field_name, f"提到 {other} 年（不是 {self.source_year} 年），"
                                                                     f"未改动，请核对"))
        for match in self.pattern.finditer(raw):
            edits.replacements.append((start + match.start(), start + match.end(), str(self.target_year)))
            self.result.changed += 1

    def flag(self, edits: _Edits, node: yaml.Node, target: Path, field_name: str, note: str) -> None:
        self.result.review.append(Note(target, node.start_mark.line + 1, field_name, note))
        number = _comment_line(edits.text, node)
        if number is not None:
            edits.comments[number] = note


# ---------------------------------------------------------------- the whole folder

def _department_variant(folder: Path, top: Path) -> str | None:
    """The 格式 named by the nearest 部门.yaml at or above `folder`, up to `top` (for its one-off
    categories), if readable."""
    for parent in [folder, *folder.parents]:
        if not parent.is_relative_to(top):
            return None
        path = parent / DEPARTMENT_FILE
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
                return str(data.get("格式")) if isinstance(data, dict) and data.get("格式") else None
            except (OSError, yaml.YAMLError):
                return None
    return None


def roll(source: Path, target_year: int, templates: Path | None = None) -> Rolled:
    """Copy the year folder `source` to a sibling folder named `target_year`, rolled forward."""
    if not 2000 <= target_year <= 2100:
        raise PerfgenError(f"「{target_year}」不是预算年度（2000–2100）")
    if not _YEAR_NAME.match(source.name):
        raise PerfgenError(f"{source}：年度目录应以年份命名（如 2024）")
    source_year = int(source.name)
    if source_year == target_year:
        raise PerfgenError(f"新年度与原年度相同（{target_year}）")
    target = source.parent / str(target_year)
    if target.exists():
        raise PerfgenError(f"{target} 已存在：perfgen new 不覆盖任何文件；请先移走它，或换一个年度")
    templates = templates_root(templates, near=source)
    result = Rolled(source, target)
    roller = _Roller(source_year, target_year, templates, result)
    staged: list[tuple[Path, Path | None, bytes | None]] = []  # (relative, source file or None, new bytes or None = copy)
    schemas: dict[Path, tuple[str | None, Templates]] = {}  # schema files the modelines point at → variant, layers
    folders: dict[Path, tuple[Templates, str | None, str | None]] = {}  # layers, 格式 and new 格式: per folder
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source)
        if facts_stage(path.name):  # targets are carried forward, a year's facts are not
            result.facts.append(path)
            continue
        if path.suffix not in SPEC_SUFFIXES or any(part.startswith(".") for part in relative.parts):
            staged.append((relative, path, None))
            result.copied.append((target / relative, "不是 YAML 文件"))
            continue
        if TEMPLATES_FOLDER in relative.parts[:-1]:  # a format's settings and years.yaml: not a spec to roll
            staged.append((relative, path, None))
            result.copied.append((target / relative, "格式模板的文件，原样复制"))
            continue
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
            department = path.name == DEPARTMENT_FILE
            if path.parent not in folders:
                old_variant = _department_variant(path.parent, source)
                # each office rolls into its own next format: the template folders (and years.yaml) near it
                layers = templates.at(path.parent)
                folders[path.parent] = (layers, old_variant,
                                        variant_for(target_year, old_variant, layers)[0] if old_variant else None)
            roller.templates, old_variant, new_variant = folders[path.parent]
            # the modeline first, so that the lines of the notes below are the new file's
            text, schema = editors.rolled(text, target / relative, target, old_variant, new_variant)
            new = roller.roll_file(text, target / relative, department, old_variant)
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            staged.append((relative, path, None))
            why = "不是 UTF-8 文本" if isinstance(exc, UnicodeDecodeError) else "YAML 无法读取"
            result.copied.append((target / relative, why))
            continue
        if schema is not None:
            schemas[schema] = (new_variant if path.name != DEPARTMENT_FILE else None, roller.templates)
        bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
        staged.append((relative, path, bom + new.encode("utf-8")))
        result.files.append(target / relative)
    # the schemas the new modelines point at, unless the folder brought them along
    copied = {relative for relative, _, _ in staged}
    for schema, (variant_name, layers) in schemas.items():
        if schema.relative_to(target) not in copied:
            from .schema import department_schema, dumps, form_schema

            document = department_schema() if variant_name is None else form_schema(Variant.load(variant_name, layers))
            staged.append((schema.relative_to(target), None, dumps(document).encode("utf-8")))
    result.review += exceeded_targets(source, target, templates)
    _write(source, target, staged)
    return result


def exceeded_targets(source: Path, target: Path, templates: Path) -> list[Note]:
    """Targets carried forward that are below what last year's 自评 reached (a new target should
    not be): one note per indicator, at its line in the new folder's spec (or its 类别 line)."""
    from .build import plan_folder  # reads the specs and their facts: only where a 自评 exists
    from .errors import Problems
    from .layout import spec_folders

    notes = []
    for folder in spec_folders(source):
        if not any(facts_stage(p.name) == "自评" for p in folder.iterdir()):
            continue
        item = plan_folder(folder, folder, templates, Problems())  # a broken year is build's to say
        for stage in item.stages if item else []:
            for table in stage.tables if stage.stage == "自评" else []:
                spec = target / table.project.source.relative_to(source)
                for scored in table.indicators:
                    ind, actual = scored.indicator, parse_value(scored.actual)
                    # met and above: a higher-is-better target (one that is better lower is met below it)
                    if (isinstance(ind.value, Quantity) and isinstance(actual, Quantity) and scored.met
                            and actual.number > ind.value.number):
                        notes.append(Note(spec, ind.line, f"绩效指标.{ind.level2}.{ind.name}",
                                          f"{table.project.year} 年实际完成 {scored.actual}，高于沿用的指标值 "
                                          f"{ind.value.written or ind.value.op + str(ind.value.number)}：新年度的指标值"
                                          "不宜低于上年实际完成值"))
    return notes


def _write(source: Path, target: Path, staged: list[tuple[Path, Path, bytes | None]]) -> None:
    """Write everything into a hidden folder beside `target`, then rename it into place at once."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for folder in sorted(p for p in source.rglob("*") if p.is_dir()):
            (scratch / folder.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for relative, path, data in staged:
            out = scratch / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            if data is None:
                shutil.copy2(path, out)
            else:
                out.write_bytes(data)
                if path is not None:
                    shutil.copymode(path, out)
        os.chmod(scratch, source.stat().st_mode & 0o7777)  # mkdtemp makes 0700; keep the source's mode
        if target.exists():
            raise PerfgenError(f"{target} 已存在：perfgen new 不覆盖任何文件")
        os.rename(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
