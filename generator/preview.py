"""`perfgen preview`: the first page of one project's table as a PNG, for authors without Word.

The project is read through the same plan as a build (so it looks exactly as it will print);
problems in the folder's other project files do not stop a preview of this one.
"""
from __future__ import annotations

from pathlib import Path

from .build import plan_folder
from .errors import PerfgenError, Problems, SpecErrors
from .forms import form_of
from .model import Project, Unit
from .pdf import find_pdftoppm, find_soffice, first_page_png, to_pdf
from .render.docx import WordTemplate
from .spec import DEPARTMENT_FILE, SPEC_SUFFIXES
from .variant import templates_root


def preview(spec: Path, templates: Path | None = None, dpi: int = 110) -> tuple[Project | Unit, bytes]:
    """The project (or unit) of `spec` and a PNG of its table's first page."""
    spec = spec.resolve()
    if spec.is_dir() or spec.name == DEPARTMENT_FILE or spec.suffix not in SPEC_SUFFIXES:
        raise PerfgenError(f"{spec}：请给出一个项目说明文件（.yaml，不是目录或 {DEPARTMENT_FILE}）")
    if not spec.is_file():
        raise PerfgenError(f"找不到项目说明文件 {spec}")
    soffice = find_soffice()  # say what is missing before any work
    find_pdftoppm()
    problems = Problems()
    item = plan_folder(spec.parent, spec.parent, templates_root(templates, near=spec.parent), problems)
    mine = [p for p in problems.errors if p.file in (str(spec), str(spec.parent / DEPARTMENT_FILE), str(spec.parent))]
    if mine:
        raise SpecErrors(mine)
    project = next((p for p in item.projects if p.source == spec), None) if item else None
    if project is None:
        raise SpecErrors(problems.errors or [])
    # filled the way its form fills it: a unit table has no 项目资金
    docx, _ = WordTemplate.for_variant(item.variant).render(form_of(item.variant).context(project, item.variant))
    return project, first_page_png(to_pdf([(".docx", docx)], soffice)[0], dpi)
