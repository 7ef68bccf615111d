from pathlib import Path

from generator.errors import Problems
from generator.source import SourceError, parse
from generator.spec import DepartmentSpec, Loaded, ProjectSpec, load_file, load_folder, validate

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
    assert problems == ["specs/2024/法律顾问费.yaml:3 项目资金.财政资金: 「19,2OO」不是金额："
                        "请用阿拉伯数字写，单位是元，如 85000、85,000、8.5万 或 8.5万元"]


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


# ---------------------------------------------------------------- inputs it must survive

import string  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from generator import checks, model  # noqa: E402
from generator.category import Libraries  # noqa: E402
from generator.expand import expand  # noqa: E402
from generator.variant import Variant  # noqa: E402

from conftest import TEMPLATES  # noqa: E402
from helpers import check as check_folder, folder, indicators, messages, project  # noqa: E402

FULL = "绩效指标:\n  数量指标: {完成数: =12次}\n  社会效益指标: {效果: 提升}\n"


@pytest.mark.parametrize("content, line, message", [
    (b"", 1, "空文件"),
    ("- 项目名称: 甲\n- 项目类别: 经常性项目\n".encode(), 1, "应为「键: 值」的映射，不是列表或单个值"),
    (project(body="绩效指标:\n  - 数量指标\n").encode(), 5, "绩效指标: 应为「键: 值」的映射"),
    (project(body="绩效指标:\n  数量指标: [=1人, =2人]\n").encode(), 6, "绩效指标.数量指标: 应为「键: 值」的映射"),
    (project(body="绩效指标:\n  数量指标:\n\t完成数: =1人\n").encode(), 7, "缩进里有制表符（Tab），YAML 只能用空格缩进"),
    (project(body=FULL).encode("gbk"), 1, "文件似乎是 GBK/GB18030 编码，请另存为 UTF-8"),
    (project(body=FULL).replace("目标", "目\x01标").encode(), 4, "含有不可见的控制字符"),
    (project(body=FULL + "项目总目标: " + "很长" * 3000 + "\n").encode(), 8, "项目总目标: 文字过长（6000 字，最多 5000 字）"),
    (project(body=FULL + "项目总目标: " + "长" * 5_000_000 + "\n").encode(), None, "文件过大（15.0 MB）"),
    (project(body="绩效指标:\n  满意度: >=90%\n").encode(), 6,
     "「>=90%」以「>」开头，「>」是 YAML 的折叠块标记：请加引号写成 \">=90%\"，或写成「≥90%」"),
    (project(body=FULL + "计划完成日期: 2024-02-30\n").encode(), 8, "计划完成日期: 「2024-02-30」不是有效日期"),
    (project(money="19,2OO", body=FULL).encode(), 3, "项目资金.财政资金: 「19,2OO」不是金额"),
    (project(body="绩效指标:\n  数量指标: {完成数: ≥9O%}\n").encode(), 6, "「≥9O%」的数字里似乎混入了字母「O」"),
    (project(body="绩效指标:\n  数量指标: {完成数: =>90%}\n").encode(), 6, "运算符「=>」无法识别"),
    (project(body="绩效指标:\n  数量指标: {完成数: }\n").encode(), 6, "绩效指标.数量指标.完成数: 缺少指标值"),
    (project(body="绩效指标:\n  数量指标: {完成数: =1人}\n  质量指标: {完成数: 合格}\n").encode(), 7, "指标「完成数」重复"),
    (project(body=FULL + "项目名: 甲\n").encode(), 8, "未知的键「项目名」，是否想写「项目名称」？"),
    (project(body=FULL).replace("经常性项目", "阶段性项目").encode(), 2, "「阶段性项目」不是格式「2024目标表」的项目类别"),
    (project(money="{财政资金: 100, 项目资金总额: 120}", body=FULL).encode(), 3, "金额前后矛盾"),
    (project(body="").encode(), 1, "绩效指标: 缺少必填项：写出本项目的指标，或用 类别 继承一类项目的标准指标"),
])
def test_bad_input_gets_a_clear_message_with_its_line(tmp_path, content, line, message):
    root = folder(tmp_path, {})
    (root / "p.yaml").write_bytes(content)
    _, problems = check_folder(root)
    errors = [p for p in problems if not p.warning]
    assert any(p.file.endswith("p.yaml") and p.line == line and message in str(p) for p in errors), \
        [str(p) for p in problems]


@pytest.mark.parametrize("money, cap", [("19,200", "≤19,200元"), ("１９２００", "≤１９２００元"), ("1.92万元", "≤19200元")])
def test_full_width_digits_and_thousands_separators_are_read(tmp_path, money, cap):
    body = FULL + f"  经济成本指标: {{测试项目成本预算控制数: \"{cap}\"}}\n"
    plans, problems = check_folder(folder(tmp_path, {"p.yaml": project(money=money, body=body)}))
    assert messages(problems) == []  # the cap equals the budget: no warning either
    assert plans[0].projects[0].funds.annual_total == 19200
    assert plans[0].projects[0].indicators[0].value.number == 19200


def test_a_bom_is_fine(tmp_path):
    root = folder(tmp_path, {})
    (root / "p.yaml").write_bytes("\ufeff".encode() + project(body=FULL).encode())
    plans, problems = check_folder(root)
    assert messages(problems, warnings=False) == [] and indicators(plans)[1][1] == "完成数"


# Random specs: keys the schema knows and keys it does not, values of every YAML shape, indicator
# groups and values built from real words and operators. The loader must validate or explain.
KEYS = ["项目名称", "项目类别", "项目资金", "年度总体目标", "绩效指标", "类别", "不适用", "计划开始日期",
        "计划完成日期", "项目总目标", "主管部门", "财政资金", "其他资金", "上年结转资金"]
GROUPS = ["数量指标", "质量指标", "产出指标", "成本指标", "经济成本指标", "服务对象满意度指标", "满意度指标", "可持续影响指标"]
WORDS = ["=1人", "≥90%", ">=12次", "≤19200元", "及时", "=上年度工资总额的1.5%", "19,200", "１９２００", "2024-01-01",
         "经常性项目", "法律顾问", "信息系统运维", "党建经费", "≥9O%", "=>1", "", "1.92万", "-5", "{项目名称}", "0.1"]
text = st.one_of(st.sampled_from(WORDS), st.text(string.printable + "项目指标满意度≥≤》", max_size=12))
scalar = st.one_of(st.none(), text, st.integers(-10, 10**7), st.booleans())
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(text, inner, max_size=3)), max_leaves=8)
indicator_groups = st.dictionaries(
    st.one_of(st.sampled_from(GROUPS), text),
    st.one_of(st.dictionaries(text, st.one_of(text, value), max_size=4), value), max_size=4)
anything = st.dictionaries(st.one_of(st.sampled_from(KEYS), text),
                           st.one_of(value, indicator_groups, st.sampled_from(WORDS)), max_size=10)
# … and specs that pass the schema, so that expansion, the model and the checks meet odd input too
NAMES = ["聘请律师人数", "购买党建书籍", "长效管理机制健全性", "服务对象满意度", "单位内业务科室满意度"]
nearly_valid = st.fixed_dictionaries(
    {"项目名称": st.sampled_from(["法律顾问费", "甲", "法律顾问费成本"]), "项目类别": st.sampled_from(["经常性项目", "专项"]),
     "项目资金": st.sampled_from(["19200", "1.92万", "0", "{财政资金: 5, 上年结转资金: 9}"]), "年度总体目标": st.just("目标")},
    optional={"类别": st.one_of(st.sampled_from(["法律顾问", "党建经费", "残保金", "宣传", "无此类别"]),
                                st.lists(st.sampled_from(["法律顾问", "信息系统运维", "会议"]), max_size=3)),
              "绩效指标": st.dictionaries(st.sampled_from(GROUPS + ["产出指标", "效益指标"]),
                                      st.dictionaries(st.sampled_from(NAMES + GROUPS), st.one_of(
                                          st.sampled_from(WORDS[:6] + WORDS[13:15]),
                                          st.dictionaries(st.sampled_from(NAMES), st.sampled_from(WORDS[:6]), max_size=2)),
                                          min_size=1, max_size=3), max_size=4),
              "不适用": st.lists(st.sampled_from(NAMES + GROUPS), max_size=3),
              "计划开始日期": st.sampled_from(["2023-01-01", "2024/6/1", "2025-01-01"])})
specs = st.one_of(anything, nearly_valid.map(
    lambda d: {**d, "项目资金": yaml.safe_load(d["项目资金"]) if d["项目资金"].startswith("{") else d["项目资金"]}))

VARIANT = Variant.load("2024目标表", TEMPLATES)
DEPARTMENT = DepartmentSpec(主管部门="甲", 实施单位="乙", 年度=2024, 格式="2024目标表")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs)
def test_random_specs_never_crash_the_loader(data):
    problems = Problems()
    library = Libraries().for_spec_folder(Path("/nonexistent"), problems)
    try:
        source = parse(yaml.safe_dump(data, allow_unicode=True), Path("随机.yaml"))
    except SourceError as exc:  # load_file reports these (keys that are empty or repeat after stripping)
        assert str(exc)
        return
    spec = validate(ProjectSpec, source, problems)
    if spec is None:
        assert problems.errors and all(str(p) for p in problems.errors)
        return
    expanded = expand(Loaded(spec, source), DEPARTMENT, VARIANT, library, problems)
    project_ = model.build(expanded, VARIANT, problems)
    if project_ is None or problems.errors:  # expansion's errors (a missing category value) leave a project
        assert problems.errors and all(p.message for p in problems.errors)
        return
    checks.check_folder([(project_, expanded)], VARIANT, problems)
    assert project_.indicators and not problems.errors


@given(st.one_of(st.text(), st.text(alphabet=st.sampled_from("a 项\n\t\r\x01\x7f\u3000\u2028\x85")),
                 st.none(), st.integers(), st.lists(st.text(max_size=2), max_size=2),
                 st.text(min_size=4990, max_size=5010, alphabet="ab\x01")))
def test_a_usual_text_said_at_once_is_what_the_checks_say(value):
    """spec._text answers a printable text at once: what it answers (or refuses) is what the checks
    one after another said."""
    from generator import spec

    def reference(value):
        if value is None:
            raise ValueError("不能为空")
        if isinstance(value, (dict, list)):
            raise ValueError("应为一段文字")
        text = str(value)
        if spec._CONTROL.search(text):
            raise ValueError("含有不可见的控制字符，请删除")
        if len(text) > spec.MAX_TEXT:
            raise ValueError(f"文字过长（{len(text)} 字，最多 {spec.MAX_TEXT} 字）")
        return text.strip()

    def outcome(check):
        try:
            return check(value)
        except ValueError as exc:
            return ("error", str(exc))

    assert outcome(spec._text) == outcome(reference)
