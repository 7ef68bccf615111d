"""Imported data as spec files a person would have written, checked by building them again.

The YAML is what `perfgen build` reads: keys in the form's order, amounts as plain numbers, long
texts on one line and multi-line texts as `|` blocks. Before anything is written, each spec is
read back, built and rendered exactly as `perfgen build` would, and the rebuilt table is compared
cell by cell with the imported one; every difference is reported.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..build import plan_spec, spec_model
from ..forms import form_of
from ..category import Libraries, Library
from ..errors import Problems
from ..expand import Expanded, expand
from ..render.docx import WordTemplate
from ..source import Source, SourceError, parse
from ..spec import DepartmentSpec, Loaded, validate
from ..yamltext import dumps, read_back
from .common import Imported, cell_norm
from .grid import read_word_tree
from .labels import split_forms


def dump(data: dict[str, Any], comment: str = "") -> str:
    """The spec text of `data` (yamltext: the bytes PyYAML wrote for it), under `comment` as `# …` lines."""
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + dumps(data)


def department_data(department: tuple[str, str], year: int, variant_name: str) -> dict[str, Any]:
    return {"主管部门": department[0], "实施单位": department[1], "年度": year, "格式": variant_name}


class Checker:
    """Builds an imported spec as `perfgen build` would (build.plan_folder: the folder's category
    library, expansion with the variant's defaults and categories, the model) and compares the
    rendered table's cells with the imported table's."""

    def __init__(self) -> None:
        self._words: dict[Path, WordTemplate] = {}
        self._libraries = Libraries()
        self._library_of: dict[Path, Library] = {}

    def word(self, path: Path) -> WordTemplate:
        if path not in self._words:
            self._words[path] = WordTemplate(path)
        return self._words[path]

    def library(self, folder: Path) -> tuple[Library, list[str]]:
        """The categories specs in `folder` build with, and what is wrong with its category files
        (said the first time a folder is asked for, as `perfgen build` would report it)."""
        if folder in self._library_of:
            return self._library_of[folder], []
        problems = Problems()
        self._library_of[folder] = self._libraries.for_spec_folder(folder, problems)
        return self._library_of[folder], [str(p) for p in problems.errors]

    def _load(self, item: Imported, spec: str | dict[str, Any], path: Path, problems: Problems) -> Loaded | None:
        """The spec validated as `perfgen build` validates a file (None if it does not): its text,
        or its data, read as from dump(data) (yamltext.read_back: the search for the shortest spec
        tries many, and needs no line numbers)."""
        try:
            if isinstance(spec, dict):
                try:
                    source = Source(path, read_back(spec))
                except ValueError:
                    spec = dump(spec)
            if isinstance(spec, str):
                source = parse(spec, path)
        except SourceError as exc:  # pragma: no cover - dump writes valid YAML
            problems.add(path, exc.line, "", f"生成的说明无法读取：{exc}")
            return None
        spec = validate(spec_model(item.variant), source, problems)
        return None if spec is None else Loaded(spec, source)

    def expand(self, item: Imported, spec: str | dict[str, Any], path: Path,
               department: DepartmentSpec) -> tuple[Expanded | None, Problems]:
        """The spec (text or data) expanded as `perfgen build` expands it (None if it does not validate)."""
        problems = Problems()
        loaded = self._load(item, spec, path, problems)
        if loaded is None:
            return None, problems
        library, _ = self.library(path.parent)
        return expand(loaded, department, item.variant, library, problems), problems

    def build(self, item: Imported, spec: str | dict[str, Any], path: Path,
              department: DepartmentSpec) -> tuple[Any, Problems]:
        """The typed table the spec (text or data) builds, read as `perfgen build` reads a spec
        (build.plan_spec), or None."""
        problems = Problems()
        loaded = self._load(item, spec, path, problems)
        if loaded is None:
            return None, problems
        library, _ = self.library(path.parent)
        planned = plan_spec(loaded, department, item.variant, library, problems)
        return (planned[0] if planned is not None and not problems.errors else None), problems

    def rebuild(self, item: Imported, text: str, path: Path, department: DepartmentSpec) -> list[str] | str:
        """The cells of the table the spec `text` builds, or why it does not build."""
        built, problems = self.build(item, text, path, department)
        if built is None:
            return "生成的说明还需修改才能生成表格：" + "；".join(
                f"{p.field + ': ' if p.field else ''}{p.message}" for p in problems.errors)
        variant = item.variant
        root = self.word(variant.word_template).render_xml(form_of(variant).context(built, variant))
        rendered = split_forms(read_word_tree(root, path), [variant], set())
        return [cell_norm(t) for form in rendered[:1] for row in form.rows for t in row.texts]

    def check(self, item: Imported, text: str, path: Path, department: DepartmentSpec) -> list[str]:
        """What differs between the table and the one the spec `text` builds (nothing: [])."""
        return self.differences(item, self.rebuild(item, text, path, department))

    @staticmethod
    def differences(item: Imported, rebuilt: list[str] | str) -> list[str]:
        """What differs between the table and the rebuilt one (`rebuild`'s answer)."""
        return [rebuilt] if isinstance(rebuilt, str) else compare(original_cells(item), rebuilt)


def original_cells(item: Imported) -> list[str]:
    return [cell_norm(t) for row in item.rows for t in row.texts]


def compare(original: list[str], rebuilt: list[str]) -> list[str]:
    if original == rebuilt:
        return []
    want, got = Counter(original), Counter(rebuilt)
    missing, extra = list((want - got).elements()), list((got - want).elements())
    if not missing and not extra:
        return ["重新生成的表与原表单元格相同，但顺序不同（perfgen 按指标体系的顺序排列指标）"]
    parts = []
    if missing:
        parts.append("原表的" + _cells(missing) + "没有重现")
    if extra:
        parts.append("新表多出" + _cells(extra))
    return ["重新生成的表与原表不同：" + "；".join(parts)]


def _cells(cells: list[str], limit: int = 6) -> str:
    shown = "、".join(f"「{c if len(c) <= 30 else c[:29] + '…'}」" for c in cells[:limit])
    return shown + (f" 等 {len(cells)} 格" if len(cells) > limit else "")
