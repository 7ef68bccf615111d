"""Helpers for tests that build small spec folders: write them, check them, read the problems."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from generator.build import plan
from generator.errors import Problem, SpecErrors

from conftest import TEMPLATES, write

DEPARTMENT = "主管部门: 区征收中心(汇总)\n实施单位: 区征收中心\n年度: 2024\n格式: 2024目标表\n"
HEAD = "项目名称: {name}\n项目类别: 经常性项目\n项目资金: {money}\n年度总体目标: 目标\n"


def project(name: str = "测试项目", money: str = "19200", body: str = "") -> str:
    """A project spec: the required head, then `body` (YAML lines, e.g. 类别 and 绩效指标)."""
    return HEAD.format(name=name, money=money) + body


def folder(root: Path, files: dict[str, str], department: str = DEPARTMENT) -> Path:
    write(root / "部门.yaml", department)
    for name, text in files.items():
        write(root / name, text)
    return root


def check(root: Path, templates: Path = TEMPLATES) -> tuple[list, list[Problem]]:
    """(plans, problems) of checking `root`; problems whether or not there were errors."""
    try:
        plans, problems = plan(root, None, templates)
    except SpecErrors as exc:
        return [], exc.problems
    return plans, problems.items


def messages(problems: list[Problem], warnings: bool | None = None) -> list[str]:
    return [str(p) for p in problems if warnings is None or p.warning == warnings]


def indicators(plans: list, name: str | None = None) -> list[tuple[str, str, str, str]]:
    """(二级, 三级, value as written, origin) of one planned project, in print order."""
    projects = [p for item in plans for p in item.projects if name is None or p.name == name]
    assert len(projects) == 1, [p.name for item in plans for p in item.projects]
    return [(i.level2, i.name, getattr(i.value, "written", None) or getattr(i.value, "text", None), i.origin)
            for i in projects[0].indicators]


def variant_copy(tmp_path: Path, change, name: str = "测试格式") -> Path:
    """A copy of the 2024 variant as `name`, its settings changed by `change(dict)`; returns its folder."""
    target = tmp_path / "templates" / name
    shutil.copytree(TEMPLATES / "2024目标表", target)
    settings = yaml.safe_load((target / "settings.yaml").read_text(encoding="utf-8"))
    change(settings)
    (target / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return target


def as_printed_once(path: Path, scratch: Path) -> Path:
    """A copy of a rendered table as one table with each merged cell once, as the seed tables
    are: perfgen splits a Word table before its repeated header rows and prints a merged
    一级/二级 label again where a page begins (marked w:lastRenderedPageBreak in Word, in the
    cell style 续页标签 in Excel). Golden tests
    compare this copy, cell for cell, with the seeds."""
    import zipfile

    from lxml import etree

    from generator.render.ooxml import W, clear_text, set_v_merge

    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / path.name
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        root = etree.fromstring(parts["word/document.xml"])
        for mark in list(root.iter(f"{W}lastRenderedPageBreak")):
            tc = next(mark.iterancestors(f"{W}tc"))
            clear_text(tc)
            set_v_merge(tc, "continue")
        body = root.find(f"{W}body")
        tables = body.findall(f"{W}tbl")
        for tbl in tables[1:]:
            gap = tbl.getprevious()
            if gap is not None and gap.tag == f"{W}p" and not "".join(gap.itertext()).strip():
                body.remove(gap)
            tables[0].extend(tbl.findall(f"{W}tr"))
            body.remove(tbl)
        parts["word/document.xml"] = etree.tostring(root)
        with zipfile.ZipFile(target, "w") as out:
            for name, data in parts.items():
                out.writestr(name, data)
        return target
    import openpyxl

    from generator.render.sheetml import CONTINUED

    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.style == CONTINUED:
                    cell.value = None
    book.save(target)
    return target
