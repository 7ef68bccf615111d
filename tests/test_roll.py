"""`perfgen new`: a year folder rolled forward changes only what a new year changes, byte for byte."""
from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.build import plan
from generator.errors import PerfgenError, VariantError
from generator.editors import MODELINE
from generator.layout import stage_of
from generator.roll import REVIEW, find_year, known_years, roll, year_pattern

from conftest import EXAMPLES, TEMPLATES, copy_specs, write

DEPARTMENT = "# 部门\n主管部门: 区某局\n实施单位: 区某局\n年度: 2024\n格式: 2024目标表\n"


@pytest.fixture
def specs(tmp_path) -> Path:
    root = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", root / "2024")
    return root


def changed_lines(old: Path, new: Path) -> list[tuple[str, str]]:
    a = old.read_text(encoding="utf-8").splitlines()
    b = new.read_text(encoding="utf-8").splitlines()
    if b and b[0].startswith(MODELINE) and not (a and a[0].startswith(MODELINE)):
        b = b[1:]  # the editor's modeline, on top of a spec that had none
    assert len(a) == len(b), "a roll adds or removes no other line"
    return [(x, y) for x, y in zip(a, b) if x != y]


def test_the_examples_roll_with_a_small_readable_diff(specs):
    result = roll(specs / "2024", 2025, TEMPLATES)
    target = specs / "2025"
    assert result.target == target and len(result.files) == 8 and result.copied == []
    diff = {p.name: changed_lines(p, target / p.name) for p in sorted((specs / "2024").iterdir())}
    assert diff.pop("部门.yaml") == [("年度: 2024", "年度: 2025")]
    assert diff.pop("征收业务管理系统运维.yaml") == [("项目名称: 闵行区房屋征收业务管理系统（2024运维）",
                                                   "项目名称: 闵行区房屋征收业务管理系统（2025运维）")]
    [(old, new)] = diff.pop("等保项目.yaml")
    assert old == "项目类别: 一次性项目" and new.startswith(f"项目类别: 一次性项目  # {REVIEW}：")
    assert all(lines == [] for lines in diff.values()), diff
    assert [(n.path.name, n.field) for n in result.review] == [("等保项目.yaml", "项目类别")]
    assert result.changed == 2


def test_the_rolled_year_builds_as_the_new_year(specs, tmp_path):
    roll(specs / "2024", 2025, TEMPLATES)
    plans, problems = plan(specs / "2025", tmp_path / "out", TEMPLATES)
    assert problems.errors == []
    projects = plans[0].projects
    assert {p.year for p in projects} == {2025} and {p.start.isoformat() for p in projects} == {"2025-01-01"}
    assert "闵行区房屋征收业务管理系统（2025运维）" in {p.name for p in projects}


def test_years_in_texts_dates_and_names_move_and_nothing_else(specs):
    project = write(specs / "2024" / "实事.yaml", """\
# 2024 年的注释不动
项目名称: "2024年度政府实事项目"
项目类别: 经常性项目
计划开始日期: 2024-03-01
计划完成日期: 2024/12/31
项目资金: 2024
项目总目标: &goal |
  (2024年-2024年) 依据沪财绩〔2024〕13号、【2024】2号文，2024.5公顷，2024号楼
年度总体目标: *goal
绩效指标:
  数量指标:
    2024年度政府实事项目完成数: ≥2024人
    完成时间: 2024年6月底前
""")
    result = roll(specs / "2024", 2025, TEMPLATES)
    text = (specs / "2025" / project.name).read_text(encoding="utf-8")
    assert text == """\
# yaml-language-server: $schema=schema/2024目标表.schema.json
# 2024 年的注释不动
项目名称: "2025年度政府实事项目"
项目类别: 经常性项目
计划开始日期: 2025-03-01
计划完成日期: 2025/12/31
项目资金: 2024
项目总目标: &goal |
  (2025年-2025年) 依据沪财绩〔2024〕13号、【2024】2号文，2024.5公顷，2024号楼
年度总体目标: *goal
绩效指标:
  数量指标:
    2025年度政府实事项目完成数: ≥2024人
    完成时间: 2025年6月底前
"""
    assert result.changed == 2 + 7  # the examples' two, then name, two dates, two in the goal, a key, a value


def test_other_years_are_reported_not_changed(specs):
    write(specs / "2024" / "跨年.yaml", "项目名称: 跨年\n项目总目标: 2023年起步，2026年完成，2024年中期\n")
    result = roll(specs / "2024", 2025, TEMPLATES)
    assert (specs / "2025" / "跨年.yaml").read_text(encoding="utf-8").endswith("2023年起步，2026年完成，2025年中期\n")
    notes = [str(n) for n in result.review if n.path.name == "跨年.yaml"]
    assert len(notes) == 2 and "提到 2023 年" in notes[0] and "提到 2026 年" in notes[1]
    assert notes[0].startswith(f"{specs / '2025' / '跨年.yaml'}:3 项目总目标: ")  # below the modeline


def test_carryover_is_flagged_in_the_file(specs):
    write(specs / "2024" / "结转.yaml", "项目名称: 结转\n项目资金:\n  财政资金: 100\n  上年结转资金: 30  # 去年剩的\n")
    write(specs / "2024" / "零结转.yaml", "项目名称: 零结转\n项目资金:\n  财政资金: 100\n  上年结转资金: 0\n")
    result = roll(specs / "2024", 2025, TEMPLATES)
    lines = (specs / "2025" / "结转.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[4] == f"  上年结转资金: 30  # 去年剩的  # {REVIEW}：这是 2024 年的上年结转资金，请按 2025 年的实际填写"
    assert (specs / "2025" / "零结转.yaml").read_bytes() == \
        b"# yaml-language-server: $schema=schema/2024\xe7\x9b\xae\xe6\xa0\x87\xe8\xa1\xa8.schema.json\n" + \
        (specs / "2024" / "零结转.yaml").read_bytes()  # the modeline, and nothing else
    assert [n.field for n in result.review if n.path.name == "结转.yaml"] == ["项目资金.上年结转资金"]


def test_the_new_years_format_comes_from_years_yaml(specs, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    shutil.copytree(templates / "2024目标表", templates / "新格式")
    (templates / "years.yaml").write_text("project:\n  2024: 2024目标表\n  2025: 新格式\n", encoding="utf-8")
    result = roll(specs / "2024", 2026, templates)
    department = (specs / "2026" / "部门.yaml").read_text(encoding="utf-8")
    assert "年度: 2026\n" in department and f"格式: 新格式  # {REVIEW}：格式由 2024目标表 改为 新格式" in department
    [(path, old, new, why)] = result.variants
    assert (path.name, old, new) == ("部门.yaml", "2024目标表", "新格式") and "2025 年起用「新格式」" in why


def test_without_years_yaml_a_year_keeps_its_format(specs, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "years.yaml").unlink()
    result = roll(specs / "2024", 2025, templates)
    assert result.variants == [] and "格式: 2024目标表\n" in (specs / "2025" / "部门.yaml").read_text(encoding="utf-8")


def test_a_format_that_does_not_exist_stops_before_writing(specs, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "years.yaml").write_text("project:\n  2025: 没有的格式\n", encoding="utf-8")
    with pytest.raises(VariantError, match="没有的格式"):
        roll(specs / "2024", 2025, templates)
    assert sorted(p.name for p in specs.iterdir()) == ["2024"]


def test_an_existing_target_is_an_error_and_nothing_changes(specs):
    write(specs / "2025" / "我的.yaml", "项目名称: 我的\n")
    with pytest.raises(PerfgenError, match="已存在.*不覆盖"):
        roll(specs / "2024", 2025, TEMPLATES)
    assert [p.name for p in (specs / "2025").iterdir()] == ["我的.yaml"]


@pytest.mark.parametrize("year, message", [(2024, "相同"), (1999, "不是预算年度")])
def test_impossible_target_years(specs, year, message):
    with pytest.raises(PerfgenError, match=message):
        roll(specs / "2024", year, TEMPLATES)


def test_files_it_does_not_understand_are_copied_and_listed(specs):
    (specs / "2024" / "附件.docx").write_bytes(b"PK\x03\x04 not really")
    write(specs / "2024" / "坏的.yaml", "项目名称: [没闭合\n")
    (specs / "2024" / "旧编码.yaml").write_bytes("项目名称: 2024年\n".encode("gb18030"))
    result = roll(specs / "2024", 2025, TEMPLATES)
    copied = {path.name: why for path, why in result.copied}
    assert copied == {"附件.docx": "不是 YAML 文件", "坏的.yaml": "YAML 无法读取", "旧编码.yaml": "不是 UTF-8 文本"}
    for name in copied:
        assert (specs / "2025" / name).read_bytes() == (specs / "2024" / name).read_bytes()


def test_a_templates_folder_in_a_year_is_copied_as_it_is(specs):
    """A department's own format kept beside its specs is data, not a spec: its years, dates and
    labels must not move with the specs' (perfgen build reads it from the new year's folder too)."""
    settings = "form: project\ntitle: 2024年度项目绩效目标表\nyears: [2024]\n"
    write(specs / "2024" / "templates" / "本局格式" / "settings.yaml", settings)
    result = roll(specs / "2024", 2025, TEMPLATES)
    copied = {path.relative_to(specs / "2025").as_posix(): why for path, why in result.copied}
    assert copied["templates/本局格式/settings.yaml"] == "格式模板的文件，原样复制"
    assert (specs / "2025" / "templates" / "本局格式" / "settings.yaml").read_text(encoding="utf-8") == settings


def test_units_below_a_year_roll_too_and_bom_and_crlf_stay(specs):
    unit = specs / "2024" / "下属单位"
    unit.mkdir()
    (unit / "部门.yaml").write_bytes(b"\xef\xbb\xbf" + DEPARTMENT.replace("\n", "\r\n").encode("utf-8"))
    roll(specs / "2024", 2025, TEMPLATES)
    rolled = (specs / "2025" / "下属单位" / "部门.yaml").read_bytes()
    modeline = "# yaml-language-server: $schema=../schema/部门.schema.json\n"
    assert rolled == b"\xef\xbb\xbf" + (modeline + DEPARTMENT.replace("2024\n", "2025\n")).replace("\n", "\r\n").encode("utf-8")
    assert yaml.safe_load(rolled.decode("utf-8-sig"))["年度"] == 2025


def test_find_year_in_a_specs_root(specs, tmp_path):
    assert find_year(specs, "2024") == specs / "2024"
    nested = tmp_path / "repo" / "specs"
    shutil.copytree(specs / "2024", nested / "examples" / "2024")
    assert find_year(nested, "2024") == nested / "examples" / "2024"  # the one 2024 below the root
    assert known_years(nested) == ["examples/2024"]
    assert find_year(nested, str(nested / "examples" / "2024")) == nested / "examples" / "2024"
    shutil.copytree(specs / "2024", nested / "其他" / "2024")
    with pytest.raises(PerfgenError, match="多个 2024 目录"):
        find_year(nested, "2024")
    with pytest.raises(PerfgenError, match="找不到 2023 年度.*已有的年度目录：examples/2024、其他/2024"):
        find_year(nested, "2023")
    with pytest.raises(PerfgenError, match="找不到说明目录"):
        find_year(tmp_path / "nowhere", "2024")
    with pytest.raises(PerfgenError, match="既不是年份"):
        find_year(specs, "去年")


years = st.integers(min_value=2000, max_value=2099)
texts = st.text(alphabet="0123456789年度.-/〔〕号（）() 项目abc", max_size=40)


@given(texts, years, years)
def test_rolling_forward_and_back_is_the_identity(text, source, target):
    forward, back = year_pattern(source), year_pattern(target)
    if source == target or back.search(text):
        return  # a text that already names the target year cannot be rolled back unambiguously
    rolled = forward.sub(str(target), text)
    assert back.sub(str(source), rolled) == text
    assert len(rolled) == len(text) and [c.isdigit() for c in rolled] == [c.isdigit() for c in text]


def test_rolled_specs_name_the_schema_of_their_form(specs):
    """Each rolled spec starts with a modeline to a schema that is there; one that has it keeps it."""
    (specs / "2024" / "法律顾问费.yaml").write_text(
        "# yaml-language-server: $schema=../schema/2024目标表.schema.json\n"
        + (specs / "2024" / "法律顾问费.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    roll(specs / "2024", 2025, TEMPLATES)
    target = specs / "2025"
    for path in sorted(target.glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(MODELINE), path
        if path.name == "法律顾问费.yaml":
            assert first == "# yaml-language-server: $schema=../schema/2024目标表.schema.json"
        else:
            assert (path.parent / first.removeprefix(MODELINE)).is_file(), first
    assert sorted(p.name for p in (target / "schema").iterdir()) == ["2024目标表.schema.json", "部门.schema.json"]


def test_targets_roll_forward_not_facts_and_targets_below_last_years_values_are_noted(tmp_path):
    root = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", root / "2024", facts=True)
    result = roll(root / "2024", 2025, TEMPLATES)
    assert not any(stage_of(p.name) for p in (root / "2025").iterdir())  # the facts stay in 2024
    assert sorted(p.name for p in result.facts) == sorted(p.name for p in (root / "2024").iterdir() if stage_of(p.name))
    notes = [str(note) for note in result.review]
    assert f"{root / '2025' / '土地储备计划.yaml'}:9 绩效指标.数量指标.闵行区土地储备规划完成面积: 2024 年实际完成 55公顷，" \
           "高于沿用的指标值 ≥40(公顷)：新年度的指标值不宜低于上年实际完成值" in notes
    # a cost cap spent below, a target missed, a lower-is-better target: nothing to raise
    assert not any("成本预算控制数" in n or "党建活动次数" in n or "整改及时性" in n for n in notes)


def test_a_one_off_value_of_any_classification_is_flagged(tmp_path):
    """In a form with two classifications the one-off value is a 项目性质 (2024申报表)."""
    root = tmp_path / "specs"
    shutil.copytree(EXAMPLES / "2024社会保障服务中心", root / "2024")
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "years.yaml").unlink()            # the office keeps its own form
    spec = root / "2024" / "宣传费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目性质: 经常性项目", "项目性质: 一次性项目"),
                    encoding="utf-8")
    result = roll(root / "2024", 2025, templates)
    assert [(n.path.name, n.field) for n in result.review if n.path.name == "宣传费.yaml"] == [("宣传费.yaml", "项目性质")]
    assert (root / "2025" / "宣传费.yaml").read_text(encoding="utf-8").count(REVIEW) == 1


def test_an_office_with_its_own_years_yaml_rolls_into_its_own_next_format(tmp_path):
    """A templates/ holding only a years.yaml is a layer: an office filing a shipped form other than
    the district's (社会保障服务中心: 2024申报表, not 2024目标表) keeps it when rolled forward."""
    office = tmp_path / "社会保障服务中心"
    shutil.copytree(EXAMPLES / "2024社会保障服务中心", office / "2024")
    (office / ".git").mkdir()                      # the project's root: the search for templates/ stops here
    (office / "templates").mkdir()
    (office / "templates" / "years.yaml").write_text("project:\n  2024: 2024申报表\n", encoding="utf-8")
    roll(office / "2024", 2025, None)
    department = yaml.safe_load((office / "2025" / "部门.yaml").read_text(encoding="utf-8"))
    assert department["格式"] == "2024申报表"
