"""Where things are: spec folders and files, and the names of outputs.

Kept free of the heavy imports (pydantic, docxtpl, jinja): a build that finds nothing changed
never needs them, and starts and ends in a fraction of a second.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import Problems
from .variant import templates_root

DEPARTMENT_FILE = "部门.yaml"
SPEC_SUFFIXES = (".yaml", ".yml")
SUMMARY_WORKBOOK = "汇总.xlsx"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_filename(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "未命名"


def spec_files(folder: Path) -> list[Path]:
    """The project spec files of a folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if is_spec_file(p.name))


def is_spec_file(name: str) -> bool:
    return name.endswith(SPEC_SUFFIXES) and name != DEPARTMENT_FILE and not name.startswith(".")


def count_spec_files(folder: Path) -> int:
    """len(spec_files(folder)), without making a Path of each (a district has thousands)."""
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if is_spec_file(entry.name))


def spec_folders(root: Path) -> list[Path]:
    """Every folder at or below `root` that holds a 部门.yaml (a year folder and its units), in a
    stable order; hidden folders below `root` are skipped, wherever `root` itself lives."""
    found = []
    for folder, subfolders, files in os.walk(root):  # os.walk: a district's tree, 3× faster than rglob
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        if DEPARTMENT_FILE in files:
            found.append(Path(folder))
    return sorted(found)


def targets(root: Path, out: Path, templates: Path | None, problems: Problems) -> tuple[Path, list[tuple[Path, Path]]]:
    """The templates folder, and each spec folder under `root` with its output folder."""
    root = root.resolve() if not root.is_absolute() else root
    folders = spec_folders(root)
    if not folders:
        problems.add(root, None, "", f"找不到项目说明：{root} 及其子目录中没有 {DEPARTMENT_FILE}")
    # outputs mirror the specs below `root`; a spec folder given itself keeps its own name (2024/)
    base = root.parent if (root / DEPARTMENT_FILE).is_file() else root
    return templates_root(templates, near=root), [(folder, out / folder.relative_to(base)) for folder in folders]
