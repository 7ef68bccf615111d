"""A department's own formats add to the shipped ones (layout.Templates): nearest folder wins, as for 类别."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from generator.build import build, plan
from generator.errors import SpecErrors
from generator.layout import PACKAGE_TEMPLATES, Templates
from generator.roll import roll

from conftest import EXAMPLES, TEMPLATES, copy_specs


def office(tmp_path: Path, name: str = "office") -> Path:
    """A department's repository: its root (.git) holds templates/ and specs/."""
    root = tmp_path / name
    (root / ".git").mkdir(parents=True)
    return root


def own_variant(root: Path, name: str, title: str) -> Path:
    folder = root / "templates" / name
    shutil.copytree(TEMPLATES / "2024目标表", folder)
    settings = folder / "settings.yaml"
    settings.write_text(re.sub(r"(?m)^title: .*$", f"title: {title}", settings.read_text(encoding="utf-8")),
                        encoding="utf-8")
    return folder


def specs_in(root: Path, year: str, variant: str | None = None) -> Path:
    folder = copy_specs(EXAMPLES / year, root / "specs" / year)
    if variant:
        department = folder / "部门.yaml"
        text = department.read_text(encoding="utf-8")
        department.write_text(re.sub(r"(?m)^格式: .*$", f"格式: {variant}", text), encoding="utf-8")
    return folder


def title_of(path: Path) -> str:
    """The document's text (its title is in it)."""
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_a_departments_own_format_adds_to_the_shipped_ones(tmp_path):
    root = office(tmp_path)
    own_variant(root, "本单位格式", "本单位的绩效目标表")
    specs_in(root, "2024", "本单位格式")
    specs_in(root, "2022")  # the shipped 2022申报表, beside the department's own format
    result = build(root / "specs", tmp_path / "out")
    assert result.projects == 16
    assert "本单位的绩效目标表" in title_of(tmp_path / "out" / "2024" / "法律顾问费.docx")
    assert "财政项目支出绩效目标申报表" in title_of(tmp_path / "out" / "2022" / "法律顾问费.docx")


def test_the_nearest_folder_wins_on_a_name_clash(tmp_path):
    root = office(tmp_path)
    own_variant(root, "2024目标表", "本单位改过的目标表")
    specs_in(root, "2024")
    build(root / "specs", tmp_path / "out")
    assert "本单位改过的目标表" in title_of(tmp_path / "out" / "2024" / "法律顾问费.docx")
    layers = Templates(near=root / "specs" / "2024")
    assert layers.folders == (root / "templates", PACKAGE_TEMPLATES)
    assert layers.find("2024目标表") == root / "templates" / "2024目标表"
    assert layers.find("2022申报表") == PACKAGE_TEMPLATES / "2022申报表"


def test_no_templates_folder_above_the_projects_root(tmp_path):
    """/tmp/templates (a folder above the repository) is nobody's: the search stops at the root."""
    own_variant(tmp_path, "外部格式", "不该用到")
    root = office(tmp_path)
    specs_in(root, "2024", "外部格式")
    with pytest.raises(SpecErrors, match="格式「外部格式」不存在"):
        plan(root / "specs", None)


@pytest.mark.parametrize("name", ["../2024目标表", "/etc", ".hidden", ""])
def test_a_format_is_a_name_not_a_path(name):
    assert Templates(TEMPLATES).find(name) is None


def test_each_office_rolls_into_its_own_next_format(tmp_path):
    """years.yaml in an office's templates/ says its own years; the shipped map fills in the rest."""
    first = office(tmp_path, "甲")
    own_variant(first, "甲2025", "甲的2025年表")
    (first / "templates" / "years.yaml").write_text("project:\n  2025: 甲2025\n", encoding="utf-8")
    specs_in(first, "2024")
    second = office(tmp_path, "乙")
    specs_in(second, "2024")
    rolled = roll(first / "specs" / "2024", 2025)
    assert [(old, new) for _, old, new, _ in rolled.variants] == [("2024目标表", "甲2025")]
    assert "years.yaml" in rolled.variants[0][3]
    assert roll(second / "specs" / "2024", 2025).variants == []
    assert "格式: 甲2025" in (first / "specs" / "2025" / "部门.yaml").read_text(encoding="utf-8")
    plan(first / "specs" / "2025", None)  # the rolled year checks in its new format


def test_the_shipped_map_is_still_read_where_an_office_adds_years(tmp_path):
    root = office(tmp_path)
    own_variant(root, "本单位格式", "本单位的表")
    (root / "templates" / "years.yaml").write_text("project:\n  2030: 本单位格式\n", encoding="utf-8")
    specs_in(root, "2022")
    rolled = roll(root / "specs" / "2022", 2024)
    assert [(old, new) for _, old, new, _ in rolled.variants] == [("2022申报表", "2024目标表")]
