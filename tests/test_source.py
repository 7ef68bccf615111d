from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

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
    assert issubclass(module._FAST, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
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


def _reference_convert(node, path, source):
    """The conversion as it was, one call per node and every text checked (the fast one must equal it)."""
    import yaml

    from generator.source import _NULLS, _PLAIN_TAGS, MAX_DEPTH, MAX_NODES, _writable

    source.lines.setdefault(path, node.start_mark.line + 1)
    source.nodes += 1
    if source.nodes > MAX_NODES:
        raise SourceError("文件展开后过大（别名 * 引用过多）", node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        raise SourceError(f"嵌套过深（超过 {MAX_DEPTH} 层）：项目说明只有几层", node.start_mark.line + 1)
    if node.tag not in _PLAIN_TAGS:
        raise SourceError(f"不支持 YAML 标签「{node.tag}」", node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError("键必须是文字", key_node.start_mark.line + 1)
            key = _writable(str(key_node.value), key_node.start_mark.line + 1).strip()
            if key == "<<":
                raise SourceError("不支持 YAML 合并键（<<）", key_node.start_mark.line + 1)
            if key in out:
                raise SourceError(f"「{key}」重复出现", key_node.start_mark.line + 1)
            source.lines[path + (key,)] = key_node.start_mark.line + 1
            out[key] = _reference_convert(value_node, path + (key,), source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_reference_convert(item, path + (i,), source) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null" or (not node.style and node.value in _NULLS):
        return None
    return _writable(node.value, node.start_mark.line + 1)


def _outcome(call):
    try:
        source = call()
    except SourceError as exc:
        return ("error", str(exc), exc.line)
    return (source.data, source.lines, source.nodes)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("ab:-[]{}\"'\\\n #&*!|>~0.,") + ["\\ud800", "\\x01", "项", "\x01", "null",
                                                                      "!!str ", "!!int ", "!!null ", "!foo ",
                                                                      "<<: ", "&a ", "*a", "\n  ", "\n- ", "! "]),
                max_size=60).map("".join))
@example("!\n|")  # under the non-specific tag an empty block is implicitly null: the tag says it, not the style
@example("a: ! ''\nb: !\nc: ! |\n")
def test_the_quick_loader_reads_as_the_safe_loader_with_every_text_checked(text):
    """libyaml without implicit resolvers, scalars converted inline and texts unchecked in a file
    without escapes: the same data, lines, nodes and errors as with libyaml's own SafeLoader, nodes
    converted one call per node with every text checked."""
    import yaml

    from generator import source as module

    def reference():
        fast, convert = module._FAST, module._convert
        module._FAST, module._convert = module._FAST_BASE, lambda node, path, source, clean: _reference_convert(
            node, path, source)
        try:
            return parse(text, Path("x.yaml"))
        finally:
            module._FAST, module._convert = fast, convert

    quick, slow = _outcome(lambda: parse(text, Path("x.yaml"))), _outcome(reference)
    assert quick == slow
