"""shorten.py: an imported spec leaves to perfgen what it adds by itself — the form's defaults,
不适用 for what the table has not, a category's indicators — and still builds the same table."""
from __future__ import annotations

from pathlib import Path

import yaml

from generator.build import build
from generator.importer import import_files

from conftest import TEMPLATES, write

DEPARTMENT = "主管部门: 区某局\n实施单位: 区某中心\n年度: 2024\n格式: 2024目标表\n"
PROJECT = """\
项目名称: 档案数字化
项目类别: 经常性项目
项目资金: 50000
年度总体目标: 完成档案扫描与著录。
绩效指标:
  数量指标:
    档案扫描页数: ≥10000页
    档案著录条数: ≥2000条
  质量指标:
    扫描合格率: ≥98%
  时效指标:
    加工完成及时性: 及时
  社会效益指标:
    档案利用便利度: 有效提升
"""
# the department's own category for such projects; the 页数 differ from project to project
CATEGORY = """\
名称: 档案数字化
别名: [数字化加工]
绩效指标:
  数量指标:
    档案扫描页数: ~
    档案著录条数: ≥2000条
  质量指标:
    扫描合格率: ≥98%
  时效指标:
    加工完成及时性: 及时
"""


def table(tmp_path: Path, spec: str = PROJECT, categories: dict[str, str] | None = None) -> Path:
    """The Word table perfgen builds from `spec`, in a folder with its own `类别/`."""
    folder = tmp_path / "原"
    write(folder / "部门.yaml", DEPARTMENT)
    write(folder / "项目.yaml", spec)
    for name, text in (categories or {}).items():
        write(folder / "类别" / f"{name}.yaml", text)
    build(folder, tmp_path / "built", TEMPLATES)
    return tmp_path / "built" / "原" / "档案数字化.docx"


def target(tmp_path: Path, categories: dict[str, str] | None = None) -> Path:
    """A department's spec folder to import into, with its own `类别/`."""
    folder = tmp_path / "specs"
    write(folder / "部门.yaml", DEPARTMENT)
    for name, text in (categories or {}).items():
        write(folder / "类别" / f"{name}.yaml", text)
    return folder


def imported(folder: Path) -> dict:
    return yaml.safe_load((folder / "档案数字化.yaml").read_text(encoding="utf-8"))


def rebuilds_the_same(source: Path, folder: Path, tmp_path: Path) -> bool:
    build(folder, tmp_path / "again", TEMPLATES)
    return (tmp_path / "again" / "specs" / "档案数字化.docx").read_bytes() == source.read_bytes()


def test_what_the_form_adds_by_itself_is_left_to_it(tmp_path):
    """The table prints the 2024 defaults (档案数字化成本预算控制数 ≤50000.00(元), 长效管理机制健全性,
    服务对象满意度): the spec leaves them out, as its author did."""
    source = table(tmp_path)
    outcome = import_files([source], tmp_path / "out", TEMPLATES)
    assert outcome.notes == [] and outcome.failures == []
    assert imported(tmp_path / "out") == yaml.safe_load(PROJECT)
    build(tmp_path / "out", tmp_path / "again", TEMPLATES)
    assert (tmp_path / "again" / "out" / "档案数字化.docx").read_bytes() == source.read_bytes()


def test_a_default_the_table_has_not_is_not_applicable(tmp_path):
    """No 可持续影响 and no 服务对象 in the table: `不适用` names the 二级, or build would add the defaults."""
    spec = PROJECT + "不适用: [可持续影响指标, 服务对象满意度指标]\n"
    source = table(tmp_path, spec)
    folder = target(tmp_path)
    outcome = import_files([source], folder, TEMPLATES)
    assert outcome.notes == []
    assert imported(folder)["不适用"] == ["可持续影响指标", "服务对象满意度指标"]
    assert "不适用: [可持续影响指标, 服务对象满意度指标]\n" in (folder / "档案数字化.yaml").read_text(encoding="utf-8")
    assert rebuilds_the_same(source, folder, tmp_path)


def test_the_department_category_is_named_instead_of_its_indicators(tmp_path):
    """Importing into a folder with its own `类别/`: the table carries the category's indicators,
    so the spec names it and keeps what the category leaves to the project (档案扫描页数: ~) and
    what the category has not."""
    source = table(tmp_path)
    folder = target(tmp_path, {"档案数字化": CATEGORY})
    outcome = import_files([source], folder, TEMPLATES)
    assert outcome.notes == []
    assert any("「类别: 档案数字化」" in line for line in outcome.info)
    data = imported(folder)
    assert data["类别"] == "档案数字化" and list(data).index("类别") == list(data).index("项目类别") + 1
    assert data["绩效指标"] == {"数量指标": {"档案扫描页数": "≥10000页"}, "社会效益指标": {"档案利用便利度": "有效提升"}}
    assert "不适用" not in data
    assert rebuilds_the_same(source, folder, tmp_path)


def test_a_category_elsewhere_is_not_used(tmp_path):
    """A category beside other specs is not one the imported spec's folder can use."""
    source = table(tmp_path)
    write(tmp_path / "其他" / "类别" / "档案数字化.yaml", CATEGORY)
    import_files([source], target(tmp_path), TEMPLATES)
    assert "类别" not in imported(tmp_path / "specs")


def test_no_categories_keeps_every_indicator_written_out(tmp_path):
    source = table(tmp_path)
    folder = target(tmp_path, {"档案数字化": CATEGORY})
    outcome = import_files([source], folder, TEMPLATES, categories=False)
    assert outcome.notes == [] and not any("类别" in line for line in outcome.info)
    assert imported(folder) == yaml.safe_load(PROJECT)   # the form's defaults are still left to it
    assert rebuilds_the_same(source, folder, tmp_path)


def test_a_category_in_another_order_is_not_used(tmp_path):
    """The category lists 档案著录条数 first: a spec naming it would print the two in that order,
    not the table's, so the indicators stay written out."""
    other_order = CATEGORY.replace("    档案扫描页数: ~\n    档案著录条数: ≥2000条\n",
                                   "    档案著录条数: ≥2000条\n    档案扫描页数: ~\n")
    source = table(tmp_path)
    folder = target(tmp_path, {"档案数字化": other_order})
    outcome = import_files([source], folder, TEMPLATES)
    assert outcome.notes == [] and "类别" not in imported(folder)
    assert imported(folder) == yaml.safe_load(PROJECT)
    assert rebuilds_the_same(source, folder, tmp_path)


def test_a_category_sharing_a_few_indicators_is_not_the_project_kind(tmp_path):
    """Two of four indicators in common is not enough, even where naming it would save a line."""
    loose = """\
名称: 扫描
绩效指标:
  数量指标:
    档案扫描页数: ≥10000页
    档案著录条数: ≥2000条
    缩微胶片数: ≥10卷
  质量指标:
    胶片合格率: =100%
"""
    source = table(tmp_path)
    folder = target(tmp_path, {"扫描": loose})
    import_files([source], folder, TEMPLATES)
    assert "类别" not in imported(folder)


def test_the_category_that_saves_the_most_lines_wins(tmp_path):
    """Two categories fit; the one giving more of the indicators is named."""
    small = "名称: 加工质量\n绩效指标:\n  质量指标:\n    扫描合格率: ≥98%\n  时效指标:\n    加工完成及时性: 及时\n"
    source = table(tmp_path)
    folder = target(tmp_path, {"加工质量": small, "档案数字化": CATEGORY})
    import_files([source], folder, TEMPLATES)
    assert imported(folder)["类别"] == "档案数字化"
    folder = target(tmp_path / "only-small", {"加工质量": small})
    import_files([source], folder, TEMPLATES)
    assert imported(folder)["类别"] == "加工质量"


def test_a_category_with_its_own_not_applicable(tmp_path):
    """A category that drops a default (法定缴费 has no 服务对象): the spec names it and needs no
    不适用 of its own; the table had no 服务对象满意度 either."""
    category = CATEGORY + "不适用: [服务对象满意度指标]\n"
    source = table(tmp_path, PROJECT + "不适用: [服务对象满意度指标]\n")
    folder = target(tmp_path, {"档案数字化": category})
    import_files([source], folder, TEMPLATES)
    data = imported(folder)
    assert data["类别"] == "档案数字化" and "不适用" not in data
    assert rebuilds_the_same(source, folder, tmp_path)
