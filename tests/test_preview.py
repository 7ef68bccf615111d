"""`perfgen preview`: one project's first page as a PNG, through the same plan as a build."""
from __future__ import annotations

import pytest

from generator.errors import PerfgenError, SpecErrors
from generator.pdf import ToolMissing
from generator.preview import preview

from conftest import EXAMPLES, TEMPLATES, write
from test_pdf import needs_pdftoppm, needs_soffice, no_tools  # noqa: F401 (no_tools is a fixture)


@needs_soffice
@needs_pdftoppm
def test_preview_is_a_png_of_the_first_page(spec_folder):
    project, png = preview(spec_folder / "法律顾问费.yaml", TEMPLATES, dpi=40)
    assert project.name == "法律顾问费"
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


@needs_soffice
@needs_pdftoppm
def test_preview_ignores_problems_in_other_files(spec_folder):
    write(spec_folder / "坏的.yaml", "项目名称: 坏的\n")
    project, _ = preview(spec_folder / "法律顾问费.yaml", TEMPLATES, dpi=30)
    assert project.name == "法律顾问费"


@needs_soffice
@needs_pdftoppm
def test_preview_reports_problems_in_its_own_file(spec_folder):
    spec = spec_folder / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("19200", "19,2OO"), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        preview(spec, TEMPLATES)
    assert [p.field for p in caught.value.problems] == ["项目资金.财政资金"]


@needs_soffice
@needs_pdftoppm
@pytest.mark.slow
def test_preview_of_the_unit_table(tmp_path):
    """A unit table is filled as a unit, not as a project (it has no 项目资金)."""
    unit, png = preview(EXAMPLES / "2024新虹街道" / "新虹街道.yaml", TEMPLATES, dpi=30)
    assert unit.name.startswith("上海市闵行区人民政府新虹街道办事处") and png.startswith(b"\x89PNG")


def test_preview_wants_a_project_file(spec_folder):
    for wrong in (spec_folder, spec_folder / "部门.yaml", spec_folder / "说明.txt"):
        with pytest.raises(PerfgenError, match="请给出一个项目说明文件"):
            preview(wrong, TEMPLATES)
    with pytest.raises(PerfgenError, match="找不到项目说明文件"):
        preview(spec_folder / "没有.yaml", TEMPLATES)


def test_preview_without_libreoffice(no_tools, spec_folder):
    with pytest.raises(ToolMissing, match="找不到 LibreOffice"):
        preview(spec_folder / "法律顾问费.yaml", TEMPLATES)
