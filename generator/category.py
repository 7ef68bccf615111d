"""Categories: the standard indicators of a kind of project (信息系统运维, 法律顾问, …), as data.

A category is a YAML file in spec terms (二级 → 三级 → 指标值), independent of any variant: its
二级 are resolved through the variant's framework and aliases like a spec's. perfgen ships the
categories read off the seed tables in generator/categories/; a department adds its own, or
replaces a shipped one of the same 名称, in a `类别/` folder in its spec folder or any folder
above it (the nearest wins).
"""
from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

from .errors import Frozen, Problem, Problems, Record
from .layout import CATEGORY_FOLDER as FOLDER  # a department's own categories, beside its specs
from .layout import PACKAGE_CATEGORIES, category_folders, is_regular_file  # noqa: F401  (in layout.py: the batch needs them light)
from .settings import PLACEHOLDERS, pattern_problem
from .source import Source
from .spec import SPEC_SUFFIXES, CategorySpec, load_file



class Category(Frozen):
    __slots__ = ("name", "aliases", "description", "indicators", "not_applicable", "source")
    name: str
    aliases: tuple[str, ...]
    description: str
    indicators: dict[str, dict[str, Any]]   # as in a spec; a None value must be given by the project
    not_applicable: tuple[str, ...]         # variant defaults that projects of this kind do not have
    source: Source

    def __init__(self, name: str, aliases: tuple[str, ...], description: str, indicators: dict[str, dict[str, Any]],
                 not_applicable: tuple[str, ...], source: Source):
        self._set(name=name, aliases=aliases, description=description, indicators=indicators,
                  not_applicable=not_applicable, source=source)

    @property
    def path(self) -> Path:
        return self.source.path


def placeholder_problem(text: str) -> str | None:
    """Why `text` cannot be filled in with PLACEHOLDERS, or None."""
    return pattern_problem(text, dict.fromkeys(PLACEHOLDERS, ""))


def _check_placeholders(spec: CategorySpec, source: Source, problems: Problems) -> bool:
    ok = True

    def visit(path: tuple, items: dict[str, Any]) -> None:
        nonlocal ok
        for key, value in items.items():
            if isinstance(value, dict):
                visit(path + (key,), value)
                continue
            for text in (key, value) if value is not None else (key,):
                problem = placeholder_problem(text)
                if problem:
                    ok = False
                    problems.add(source.path, source.line(path + (key,)), ".".join(path + (key,)), problem)

    visit(("绩效指标",), spec.绩效指标)
    return ok


_READ: dict[tuple[str, bytes], tuple[list[Category], list[Problem]]] = {}


def load_folder(folder: Path, problems: Problems) -> list[Category]:
    """Every category file of one folder, checked; problems name the file and line.

    A district's hundred spec folders share perfgen's categories (and often a 类别/ folder above
    them): a folder's files are parsed and checked once per content, in a process."""
    paths = sorted(p for p in folder.iterdir() if p.suffix in SPEC_SUFFIXES and not p.name.startswith("."))
    for path in [p for p in paths if not is_regular_file(p)]:  # a folder or a FIFO (reading one never ends)
        problems.add(path, None, "", "不是普通文件（是目录、管道或设备），不是类别文件，已略过", warning=True)
        paths.remove(path)
    content = hashlib.sha256()
    for path in paths:
        content.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    key = (str(folder), content.digest())
    if key not in _READ:
        found = Problems()
        if len(_READ) > 64:
            _READ.clear()
        _READ[key] = (_load_folder(paths, found), found.items)
    categories, said = _READ[key]
    for problem in said:
        problems.add(problem.file, problem.line, problem.field, problem.message, warning=problem.warning)
    return list(categories)


def _load_folder(paths: list[Path], problems: Problems) -> list[Category]:
    categories: list[Category] = []
    claimed: dict[str, Path] = {}
    for path in paths:
        loaded = load_file(path, CategorySpec, problems)
        if loaded is None:
            continue
        spec: CategorySpec = loaded.spec
        if not _check_placeholders(spec, loaded.source, problems):
            continue
        name = spec.名称 or path.stem
        names = [name, *spec.别名]
        clash = next((n for n in names if n in claimed), None)
        if clash:
            key = "名称" if clash == name else "别名"
            problems.add(path, loaded.source.line((key,)), key, f"类别名「{clash}」已由 {claimed[clash].name} 使用")
            continue
        claimed.update(dict.fromkeys(names, path))
        categories.append(Category(name, tuple(spec.别名), spec.说明, spec.绩效指标, tuple(spec.不适用), loaded.source))
    return categories


class Library:
    """The categories a spec folder can use: by 名称, then by 别名; a nearer folder's wins."""

    def __init__(self, layers: list[list[Category]]):
        """`layers` nearest first."""
        self.by_name: dict[str, Category] = {}
        self.by_alias: dict[str, str] = {}
        for layer in reversed(layers):  # farthest first, so that nearer ones overwrite
            for category in layer:
                self.by_name[category.name] = category
        for layer in reversed(layers):
            for category in layer:
                if self.by_name.get(category.name) is category:  # a replaced category's aliases go with it
                    self.by_alias.update(dict.fromkeys(category.aliases, category.name))

    def get(self, name: str) -> Category | None:
        name = name.strip()
        if name in self.by_name:
            return self.by_name[name]
        if name in self.by_alias:
            return self.by_name[self.by_alias[name]]
        return None

    def unknown(self, name: str) -> str:
        """The message for a 类别 that is not in the library."""
        known = sorted(self.by_name)
        close = difflib.get_close_matches(name, known + sorted(self.by_alias), n=1, cutoff=0.4)
        hint = f"是否想写「{close[0]}」？" if close else ""
        return f"没有类别「{name}」。{hint}可用：{'、'.join(known)}（在类别文件夹 {FOLDER}/ 中可以增加）"


class Libraries(Record):
    """Category libraries of one build: each folder read once, its problems reported once."""

    __slots__ = ("folders",)
    folders: dict[Path, list[Category]]

    def __init__(self, folders: dict[Path, list[Category]] | None = None):
        self.folders = {} if folders is None else folders

    def for_spec_folder(self, spec_folder: Path, problems: Problems) -> Library:
        layers = []
        for folder in category_folders(spec_folder):
            if folder not in self.folders:
                self.folders[folder] = load_folder(folder, problems) if folder.is_dir() else []
            layers.append(self.folders[folder])
        return Library(layers)
