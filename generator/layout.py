"""Where things are: spec folders and files, and the names of outputs.

Kept free of the heavy imports (pydantic, docxtpl, jinja): a build that finds nothing changed
never needs them, and starts and ends in a fraction of a second.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import Problems

SETTINGS = "settings.yaml"  # what makes a folder under templates/ a variant
PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEPARTMENT_FILE = "部门.yaml"
CATEGORY_FOLDER = "类别"  # a department's own categories, in its spec folder or any folder above it
PACKAGE_CATEGORIES = Path(__file__).resolve().parent / "categories"
PACKAGE_RULESETS = Path(__file__).resolve().parent / "rulesets"
SPEC_SUFFIXES = (".yaml", ".yml")
SUMMARY_WORKBOOK = "汇总.xlsx"
# The year's facts live beside the spec, one file per stage: 法律顾问费.监控.yaml (August, 1–7月) and
# 法律顾问费.自评.yaml (after the year). The spec, approved with the budget, is never edited for them.
FACTS_STAGES = ("监控", "自评")
RULESET_FOLDER = "评分规则"  # a department's own rule sets, in its spec folder or any folder above it
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def templates_root(explicit: Path | None = None, near: Path | None = None) -> Path:
    """Where the variant folders are: --templates, $PERFGEN_TEMPLATES, a templates/ above the
    specs, or the one shipped beside the package."""
    if explicit:
        return explicit
    if os.environ.get("PERFGEN_TEMPLATES"):
        return Path(os.environ["PERFGEN_TEMPLATES"])
    if near:
        for parent in [near.resolve(), *near.resolve().parents]:
            if (parent / "templates").is_dir() and any((parent / "templates").glob(f"*/{SETTINGS}")):
                return parent / "templates"
    return PACKAGE_TEMPLATES


def safe_filename(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "未命名"


def spec_files(folder: Path) -> list[Path]:
    """The project spec files of a folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if is_spec_file(p.name))


def is_spec_file(name: str) -> bool:
    return (name.endswith(SPEC_SUFFIXES) and name != DEPARTMENT_FILE and not name.startswith(".")
            and facts_stage(name) is None)


def facts_stage(name: str) -> str | None:
    """The stage of a facts file name (法律顾问费.自评.yaml → 自评), None for any other file."""
    return stage_of(name) if name.endswith(SPEC_SUFFIXES) else None


def stage_of(name: str) -> str | None:
    """The stage a file name says before its suffix: facts (法律顾问费.自评.yaml) and the tables
    made from them (法律顾问费.自评.docx, 汇总.自评.xlsx); None for a spec or a 目标表."""
    stem = name.rsplit(".", 1)[0]
    stage = stem.rsplit(".", 1)[-1] if "." in stem else ""
    return stage if stage in FACTS_STAGES else None


def table_stage(name: str) -> str | None:
    """The stage of a table's name (法律顾问费.自评: a 自评表), None for a 目标表."""
    stage = name.rsplit(".", 1)[-1] if "." in name else ""
    return stage if stage in FACTS_STAGES else None


def facts_files(folder: Path) -> list[Path]:
    """The facts files of a spec folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if facts_stage(p.name) and not p.name.startswith("."))


def facts_spec_stem(path: Path) -> str:
    """The stem of the spec a facts file belongs to (法律顾问费.自评.yaml → 法律顾问费)."""
    return path.name.rsplit(".", 2)[0]


def count_spec_files(folder: Path) -> int:
    """len(spec_files(folder)), without making a Path of each (a district has thousands)."""
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if is_spec_file(entry.name))


def ruleset_folders(spec_folder: Path) -> list[Path]:
    """Folders to take rule sets from, nearest first: 评分规则/ at and above the spec folder, then perfgen's."""
    folders = [parent / RULESET_FOLDER for parent in [spec_folder.resolve(), *spec_folder.resolve().parents]
               if (parent / RULESET_FOLDER).is_dir()]
    return folders + [PACKAGE_RULESETS]


def count_tables(folder: Path) -> int:
    """How many tables a folder's specs and facts files give (a progress bar's total)."""
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if is_spec_file(entry.name) or facts_stage(entry.name))


def category_folders(spec_folder: Path) -> list[Path]:
    """Folders to take categories from, nearest first: 类别/ at and above the spec folder, then perfgen's."""
    folders = [parent / CATEGORY_FOLDER for parent in [spec_folder.resolve(), *spec_folder.resolve().parents]
               if (parent / CATEGORY_FOLDER).is_dir()]
    return folders + [PACKAGE_CATEGORIES]


def spec_folders(root: Path) -> list[Path]:
    """Every folder at or below `root` that holds a 部门.yaml (a year folder and its units), in a
    stable order; hidden folders below `root` are skipped, wherever `root` itself lives."""
    found = []
    for folder, subfolders, files in os.walk(root):  # os.walk: a district's tree, 3× faster than rglob
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        if DEPARTMENT_FILE in files:
            found.append(Path(folder))
    return sorted(found)


def targets(root: Path, out: Path | None, templates: Path | None,
            problems: Problems) -> tuple[Path, list[tuple[Path, Path]]]:
    """The templates folder, and each spec folder under `root` with its output folder (`out`
    None: only checking; nothing will be written)."""
    root = root.resolve() if not root.is_absolute() else root
    folders = spec_folders(root)
    if not folders:
        problems.add(root, None, "", f"找不到项目说明：{root} 及其子目录中没有 {DEPARTMENT_FILE}")
    # outputs mirror the specs below `root`; a spec folder given itself keeps its own name (2024/)
    base = root.parent if (root / DEPARTMENT_FILE).is_file() else root
    pairs = []
    for folder in folders:
        if out is not None and out.resolve().is_relative_to(folder.resolve()):
            problems.add(out, None, "", f"输出目录在项目说明目录 {folder} 之内：perfgen 不往说明目录里写文件，请换一个输出目录")
        pairs.append((folder, (out or Path()) / folder.relative_to(base)))
    return templates_root(templates, near=root), pairs
