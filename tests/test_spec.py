from pathlib import Path

from generator.errors import Problems
from generator.source import parse
from generator.spec import DepartmentSpec, ProjectSpec, load_file, load_folder, validate

from conftest import EXAMPLES, write

GOOD = """\
项目名称: 法律顾问费
项目类别: 经常性项目
项目资金: 19200
项目总目标: 聘请法律顾问
年度总体目标: 聘请法律顾问
绩效指标:
  数量指标: {聘请律师人数: =1人}
"""


def check(text: str):
    problems = Problems()
    spec = validate(ProjectSpec, parse(text, Path("specs/2024/法律顾问费.yaml")), problems)
    return spec, [str(p) for p in problems.items]


def test_a_good_spec_validates():
    spec, problems = check(GOOD)
    assert problems == []
    assert spec.项目资金.财政资金 == 19200 and spec.绩效指标 == {"数量指标": {"聘请律师人数": "=1人"}}


def test_amount_error_names_file_line_and_field():
    _, problems = check(GOOD.replace("项目资金: 19200", "项目资金: 19,2OO"))
    assert problems == ["specs/2024/法律顾问费.yaml:3 项目资金.财政资金: 「19,2OO」不是金额"]


def test_unknown_key_suggests_the_close_one():
    _, problems = check(GOOD + "项目名: x\n")
    assert len(problems) == 1 and "未知的键「项目名」" in problems[0] and "项目名称" in problems[0]
    assert problems[0].startswith("specs/2024/法律顾问费.yaml:8 ")


def test_missing_field_and_all_problems_together():
    text = GOOD.replace("项目类别: 经常性项目\n", "").replace("项目资金: 19200", "项目资金: abc")
    _, problems = check(text)
    assert any("项目类别: 缺少必填项" in p for p in problems)
    assert any("项目资金.财政资金" in p for p in problems)


def test_annual_goal_has_two_spellings():
    spec, problems = check(GOOD.replace("年度总体目标", "年度总目标"))
    assert problems == [] and spec.年度总体目标 == "聘请法律顾问"


def test_empty_file_and_list_are_explained():
    for text in ("", "- a\n- b\n"):
        _, problems = check(text)
        assert len(problems) == 1 and ":1 " in problems[0]


def test_control_characters_are_rejected(tmp_path):
    raw = write(tmp_path / "a.yaml", GOOD.replace("聘请法律顾问\n年度", "聘请\x07法律顾问\n年度"))
    escaped = write(tmp_path / "b.yaml", GOOD.replace("聘请法律顾问\n年度", '"聘请\\a法律顾问"\n年度'))
    for path, line in ((raw, 4), (escaped, 4)):
        problems = Problems()
        load_file(path, ProjectSpec, problems)
        assert [p.line for p in problems.items] == [line] and "控制字符" in str(problems.items[0])


def test_department_file():
    problems = Problems()
    spec = validate(DepartmentSpec, parse("主管部门: A\n实施单位: B\n年度: 2024\n格式: 2024目标表\n", Path("部门.yaml")),
                    problems)
    assert spec.年度 == 2024 and not problems


def test_load_folder_reads_every_example():
    folder = load_folder(EXAMPLES / "2024")
    assert not folder.problems and len(folder.projects) == 7


def test_missing_department_file(tmp_path):
    write(tmp_path / "a.yaml", GOOD)
    folder = load_folder(tmp_path)
    assert folder.department is None and "部门.yaml" in str(folder.problems.items[0])
