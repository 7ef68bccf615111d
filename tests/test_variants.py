"""A variant is data: the same spec renders in every project variant, each in its own style."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest

from generator.build import build
from generator.variant import Variant

from generator.stages import BUILDERS
from conftest import EXAMPLES, REPO, TEMPLATES, copy_specs, copy_specs


def switch(folder: Path, variant: str) -> None:
    dept = folder / "部门.yaml"
    dept.write_text(re.sub(r"格式: .*", f"格式: {variant}", dept.read_text(encoding="utf-8")), encoding="utf-8")


def cells(path: Path) -> list[str]:
    return [c.text for table in docx.Document(str(path)).tables for row in table.rows for c in row.cells]


@pytest.mark.parametrize("source, target", [("2022", "2024目标表"), ("2024", "2022申报表")])
def test_specs_render_in_the_other_variant_without_edits(tmp_path, source, target):
    folder = copy_specs(EXAMPLES / source, tmp_path / "specs")  # facts name the 2024 form's defaults
    switch(folder, target)
    result = build(folder, tmp_path / "out", TEMPLATES)
    assert result.projects == (9 if source == "2022" else 7)
    out = tmp_path / "out" / "specs"
    if target == "2024目标表":
        text = cells(out / "党建经费.docx")
        assert "=100.00(%)" in text and "≥90.00(%)" in text and "专项资金 ☐ 经常性项目 ☑ 一次性项目 ☐" in text
        assert "1.00" in text  # 10,000 元 in 万元
    else:
        name = "闵行区房屋征收管理业务系统等保项目.docx"
        text = cells(out / name)
        assert "=100%" in text and "≤60000元" in text and "60,000" in text and "2024-01-01" in text
        # 经济成本指标 of the 2024 framework prints as the 2022 二级 成本指标 under 产出指标
        row = next(r for t in docx.Document(str(out / name)).tables for r in t.rows if r.cells[3].text == "项目成本预算控制数")
        assert [row.cells[1].text, row.cells[2].text] == ["产出指标", "成本指标"]
        # the budget cap is a default of the 2024 form (first-level 成本指标); the 2022 form has none
        assert "法律顾问费成本预算控制数" not in cells(out / "法律顾问费.docx")


def test_operator_spellings_print_properly_in_2022(built_examples):
    text = cells(built_examples / "2022" / "党建经费.docx")
    assert "≥2次" in text and "≥90%" in text and "100% (10月前)" in text and "=12场" in text
    assert not any(c.startswith((">=", "》=")) for c in text)


def test_no_variant_names_in_python():
    pattern = re.compile(r"20\d\d\s*(目标表|申报表)|单位整体|variant\s*==")
    hits = [f"{p}:{n}" for p in (REPO / "generator").rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []


@pytest.mark.parametrize("name", sorted(p.parent.name for p in TEMPLATES.glob("*/settings.yaml")))
def test_every_variant_loads_and_has_its_template(name):
    variant = Variant.load(name, TEMPLATES)
    # the later stages' forms (监控表, 自评表) print the indicators of the project's own form
    assert variant.word_template.is_file() and variant.title and (variant.framework or variant.form in BUILDERS)
