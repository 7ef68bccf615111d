from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from generator.source import SourceError, decode, parse, read


def test_scalars_stay_text_and_lines_are_known():
    source = parse("项目名称: 法律顾问费\n项目资金: 0.1\n绩效指标:\n  数量指标:\n    人数: =1人\n", Path("x.yaml"))
    assert source.data["项目资金"] == "0.1"  # never a float
    assert source.line(("绩效指标", "数量指标", "人数")) == 5
    assert source.line(("绩效指标", "数量指标", "人数", "deeper")) == 5


def test_duplicate_key_is_an_error_with_its_line():
    with pytest.raises(SourceError) as info:
        parse("a: 1\nb: 2\na: 3\n", Path("x.yaml"))
    assert info.value.line == 3 and "重复" in str(info.value)


def test_tabs_in_indentation():
    with pytest.raises(SourceError) as info:
        parse("a:\n\tb: 1\n", Path("x.yaml"))
    assert info.value.line == 2 and "制表符" in str(info.value)


def test_bom_is_dropped_and_gbk_is_explained():
    assert decode("\ufeffa: 1".encode("utf-8")) == "a: 1"
    with pytest.raises(SourceError) as info:
        decode("项目名称: 法律顾问费".encode("gbk"))
    assert "GBK" in str(info.value)


def test_no_python_objects():
    with pytest.raises(SourceError) as info:
        parse("a: !!python/object/apply:os.system ['echo hi']\n", Path("x.yaml"))
    assert "标签" in str(info.value)


def test_alias_bombs_stop():
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(6))
    with pytest.raises(SourceError):
        parse(text, Path("x.yaml"))


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_any_text_parses_or_says_why(text):
    try:
        parse(text, Path("x.yaml"))
    except SourceError as exc:
        assert str(exc)


def test_libyaml_reads_every_example_as_the_pure_python_parser_does(monkeypatch):
    """Specs are parsed by libyaml (ten times faster); its data and lines are the pure-Python ones."""
    import yaml

    from generator import source as module

    examples = sorted((Path(__file__).resolve().parent.parent / "specs" / "examples").rglob("*.yaml"))
    texts = [decode(path.read_bytes()) for path in examples]
    texts += ["a: ~\nb:\nc: 'null'\nd: \"\"\ne: &x [1, 2]\nf: *x\ng: |\n  多\n  行\nh: 2024-01-01\n"]
    assert module._FAST is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    fast = [parse(text, Path("x.yaml")) for text in texts]
    monkeypatch.setattr(module, "_FAST", yaml.SafeLoader)
    for text, quick in zip(texts, fast):
        slow = parse(text, Path("x.yaml"))
        assert (quick.data, quick.lines) == (slow.data, slow.lines)


@pytest.mark.parametrize("text, line, start", [
    ("绩效指标:\n  数量指标:\n    满意度: >=90%\n    完成率: =100%\n", 3, "「>=90%」以「>」开头，「>」是 YAML 的折叠块标记：请加引号写成 \">=90%\""),
    ("a:\n  - |x\n", 2, "「|x」以「|」开头，「|」是 YAML 的文字块标记"),
    ("a: *说明\n", 1, "「*说明」以「*」开头，「*」是 YAML 的别名标记"),
    ("a: @x\n", 1, "「@x」以「@」开头，「@」是 YAML 的保留字符"),
])
def test_a_value_starting_with_a_yaml_indicator_is_explained(text, line, start):
    with pytest.raises(SourceError) as info:
        parse(text, Path("x.yaml"))
    assert info.value.line == line and str(info.value).startswith(start)


def test_other_yaml_errors_keep_the_parsers_words():
    with pytest.raises(SourceError) as info:
        parse("a: [1, 2\nb: 3\n", Path("x.yaml"))
    assert str(info.value).startswith("YAML 格式错误：")


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "大.yaml"
    path.write_bytes(b"a: " + b"x" * 5_000_000)
    with pytest.raises(SourceError, match=r"文件过大（5.0 MB）"):
        read(path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab:-[]{}\"'\\\n #&*!|>~0.,\t") + ["\\ud800", "\\uffff", "项", "\x01"]),
                max_size=80).map("".join) | st.text(max_size=60))
def test_the_loader_takes_any_text_and_gives_data_or_a_source_error(text):
    """Whatever a spec file holds: parsed data that a table can hold, or a SourceError — nothing else."""
    import re

    try:
        source = parse(text, Path("x.yaml"))
    except SourceError:
        return

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", value)

    walk(source.data)


def test_nesting_500_deep_is_a_message():
    with pytest.raises(SourceError, match="嵌套过深"):
        parse("a: " + "[" * 500 + "]" * 500, Path("x.yaml"))
