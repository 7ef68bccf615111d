"""YAML text from plain data: the bytes PyYAML's emitter wrote with perfgen's settings, read back as
the same data (property tests against PyYAML itself)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from generator.amounts import plain
from generator.errors import SourceError
from generator.source import parse
from generator.yamltext import Flow, dumps, read_back


class _Dumper(yaml.SafeDumper):
    """What `perfgen import` wrote with until yamltext: the bytes users have in git."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _bare(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(dumper.resolve(yaml.ScalarNode, text, (True, False)), text)


_Dumper.add_representer(str, lambda d, text: d.represent_scalar("tag:yaml.org,2002:str", text,
                                                                 style="|" if "\n" in text else None))
_Dumper.add_representer(Flow, lambda d, items: d.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True))
_Dumper.add_representer(Decimal, lambda d, n: _bare(d, plain(n)))
# an amount or a date used twice is written twice, not anchored (yamltext's one departure from it)
_Dumper.ignore_aliases = lambda self, data: isinstance(data, (Decimal, dt.date)) or yaml.SafeDumper.ignore_aliases(self, data)
_Dumper.add_representer(dt.date, lambda d, v: _bare(d, v.isoformat()))


def pyyaml(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20,
                     default_flow_style=False)


# words YAML reads as something other than text, indicators, and what surrounds them in a table
TRICKY = ["yes", "No", "on", "OFF", "y", "010", "0o17", "0x1F", "1_000", "1e3", "-1.5E+3", ".inf", "-.Inf", ".NaN",
          "2024-01-01", "2024-1-1 10:00:00", "~", "null", "Null", "NULL", "true", "False", "=", "<<", "", " ", "-",
          "- a", "-a", "?", "? x", ":", ": y", "a:", "a:b", "a: b", "#", "#x", "a #b", "a# b", "---", "...", "--- x",
          "'", "''", '"', "\\", "[x]", "{y: 1}", "a, b", "&a", "*b", "!t", "!!str", "|", "|-", ">", "%", "@", "`",
          "≥90%", ">=90%", "=100%", "（2024运维）", "沪财〔2024〕13号", "：", "，", "。", "　", "全角：冒号"]
CHARS = st.one_of(
    st.sampled_from(list(" \n\n:#'\"-?,[]{}&*!|>%@`\t\r\x00\x07\x1b\x7f\x85\xa0\u2028\u2029\ufeff\ufffe"
                         "\U0001f600\U0010ffff\u3000：，。（）【】＃％＂＇")),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(),   # anything, lone surrogates too
)
TEXTS = st.one_of(st.sampled_from(TRICKY), st.text(CHARS, max_size=12),
                  st.builds(lambda a, b, c: a + b + c, st.sampled_from(TRICKY), st.text(CHARS, max_size=4),
                            st.sampled_from(TRICKY)))
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=-10 ** 15, max_value=10 ** 15)
SCALARS = st.one_of(TEXTS, DECIMALS, st.dates(), st.integers(-10 ** 6, 10 ** 6), st.booleans(), st.none())


def trees(leaves, keys=TEXTS):
    return st.dictionaries(keys, st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4),
        st.builds(Flow, st.lists(children, max_size=3))), max_leaves=16), max_size=6)


@st.composite
def shared(draw):
    """Data in which some objects appear twice (an amount typed once and used twice)."""
    pool = draw(st.lists(st.one_of(DECIMALS, st.dates(), st.lists(SCALARS, max_size=2),
                                   st.dictionaries(TEXTS, SCALARS, max_size=2),
                                   st.builds(Flow, st.lists(SCALARS, max_size=2))), min_size=1, max_size=3))
    return draw(trees(st.one_of(SCALARS, st.sampled_from(pool))))


@settings(max_examples=200, deadline=None)
@given(trees(SCALARS))
def test_the_text_is_what_pyyaml_wrote(data):
    assert dumps(data) == pyyaml(data)


@settings(max_examples=100, deadline=None)
@given(shared())
def test_objects_met_twice_are_anchored_as_pyyaml_anchors_them(data):
    assert dumps(data) == pyyaml(data)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(CHARS, min_size=100, max_size=140), TEXTS, max_size=3))
def test_long_keys_are_written_as_pyyaml_writes_them(data):
    assert dumps(data) == pyyaml(data)     # `? key` past 122 characters


# what perfgen's loader keeps: no control characters, surrogates or U+FFFE/FFFF (source._UNWRITABLE);
# no U+0085 either: YAML reads it as a line break, \\n (PyYAML did so from the same bytes)
READABLE = st.one_of(st.sampled_from([t for t in TRICKY if t != "<<"]), st.text(st.one_of(
    st.sampled_from(list(" \n\n:#'\"-?,[]{}&*!|>%@`\xa0\u2028\u2029\U0001f600\u3000：，。（）【】＃％")),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x85\ufeff\ufffe\uffff")), max_size=12))
KEYS = READABLE.map(str.strip).filter(lambda key: key and key != "<<")   # the loader strips keys, refuses merges
VALUES = st.one_of(READABLE, DECIMALS, st.dates(), st.integers(-10 ** 6, 10 ** 6), st.none())


def as_read(value):
    """`value` as perfgen's loader gives it back: every scalar as its text, null as None."""
    if isinstance(value, dict):
        return {key: as_read(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_read(item) for item in value]
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return None if value is None else str(value)


@settings(max_examples=150, deadline=None)
@given(trees(VALUES, KEYS))
def test_perfgens_loader_reads_back_the_same_data(data):
    assert parse(dumps(data), Path("x.yaml")).data == as_read(data) == read_back(data)


@settings(max_examples=150, deadline=None)
@given(st.one_of(trees(SCALARS), shared()))
def test_read_back_is_what_the_loader_reads_or_leaves_it_to_the_text(data):
    """Any character, keys with spaces around them, `<<`: read_back gives what the loader reads,
    or refuses (the importer then writes and parses the text)."""
    try:
        expected = parse(dumps(data), Path("x.yaml")).data
    except SourceError:
        with pytest.raises(ValueError):
            read_back(data)
        return
    try:
        got = read_back(data)
    except ValueError:
        return
    assert got == expected


@pytest.mark.parametrize("data", [{" 键": "a"}, {"<<": "a"}, {"a": "x\x85y"}, {"a": "\ud800"}, {"a": "\t"}])
def test_read_back_leaves_to_the_text_what_the_loader_reads_otherwise(data):
    with pytest.raises(ValueError):
        read_back(data)


def test_read_back_refuses_data_deeper_than_the_loader_takes():
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(SourceError):
        parse(dumps(deep), Path("x.yaml"))
    with pytest.raises(ValueError):
        read_back(deep)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(READABLE, st.lists(READABLE, max_size=3),
                                        st.builds(Flow, st.lists(READABLE, max_size=3))), max_size=6))
def test_yaml_reads_every_text_back_as_that_text(data):
    assert yaml.safe_load(dumps(data)) == ({key: list(value) if isinstance(value, list) else value
                                            for key, value in data.items()} or {})


@given(DECIMALS)
def test_amounts_are_written_bare_and_read_back_exactly(number):
    text = dumps({"财政资金": number})
    assert text == f"财政资金: {plain(number)}\n"
    assert Decimal(parse(text, Path("x.yaml")).data["财政资金"]) == number


def test_a_spec_as_the_examples_write_it():
    data = {"项目名称": "法律顾问费", "年度": 2024, "计划开始日期": dt.date(2024, 1, 1), "项目资金": {"财政资金": Decimal("19200.00")},
            "年度总体目标": "一、聘请律师\n二、审核合同\n", "不适用": Flow(["服务对象满意度指标"]),
            "绩效指标": {"数量指标": {"审核合同数": "≥20份", "满意度": ">=90%", "说明": "yes"}}, "清单": ["a: b", "#1"]}
    assert dumps(data) == (
        "项目名称: 法律顾问费\n年度: 2024\n计划开始日期: 2024-01-01\n项目资金:\n  财政资金: 19200\n"
        "年度总体目标: |\n  一、聘请律师\n  二、审核合同\n不适用: [服务对象满意度指标]\n"
        "绩效指标:\n  数量指标:\n    审核合同数: ≥20份\n    满意度: '>=90%'\n    说明: 'yes'\n"
        "清单:\n  - 'a: b'\n  - '#1'\n")


def test_an_amount_used_twice_is_written_twice():
    """An imported total that is also the year's total is one Decimal object: a person reads the
    amount in both places (PyYAML wrote `&id001 97673` and `*id001`)."""
    total, day = Decimal("97673"), dt.date(2024, 1, 1)
    assert dumps({"项目资金": {"项目资金总额": total, "年度资金申请总额": total}, "开始": day, "结束": day}) == \
        "项目资金:\n  项目资金总额: 97673\n  年度资金申请总额: 97673\n开始: 2024-01-01\n结束: 2024-01-01\n"


def test_a_text_ending_in_blank_lines_closes_the_document():
    assert dumps({"a": "x\n\n"}) == "a: |+\n  x\n\n...\n" == pyyaml({"a": "x\n\n"})


@pytest.mark.parametrize("value", [1.5, ("a",), {"a"}, b"x", dt.datetime(2024, 1, 1)])
def test_what_perfgen_never_writes_is_refused(value):
    with pytest.raises(TypeError):
        dumps({"a": value})


def test_keys_are_texts():
    with pytest.raises(TypeError):
        dumps({1: "a"})
