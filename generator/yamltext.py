"""YAML text written straight from plain data, byte for byte as perfgen has always written it.

The spec files `perfgen import` writes are committed by their users, so the same data must keep
giving the same bytes. Those bytes are what PyYAML's pure-Python emitter wrote with perfgen's
settings: block style, `  - item` indented under its key, `|` blocks for multi-line texts, flow
`[a, b]` for `Flow` lists, Decimals and dates bare, Unicode as it is, no line folding. libyaml's
emitter (yaml.CSafeDumper) cannot write sequences indented under their key, and the Python one
spent most of an import in its event machinery. This module makes the same decisions as that
emitter (PyYAML 6: Emitter.analyze_scalar, choose_scalar_style, write_indent, the write_* of each
scalar style), for the data perfgen writes, without nodes or events:

- dicts with str keys, lists, `Flow` lists, str, Decimal (its plain digits, `amounts.plain`),
  datetime.date, int, bool and None; anything else is a TypeError, as PyYAML's SafeDumper refuses
  what it has no representer for;
- a list or dict met twice is written `&id001` then `*id001`, as PyYAML does; an amount or a date
  met twice is written twice (an imported total that is also the year's total: a person reads
  `97673` in both places, not `&id001`/`*id001`), as are equal but distinct objects;
- PyYAML folds a scalar at the first space past column 2**20; a text that long is not a spec
  (source.MAX_BYTES is 1 MB), and this writer never folds.

`read_back` gives what perfgen's loader reads from that text without writing and parsing it.
tests/test_yamltext.py checks the output against PyYAML's own for arbitrary data, and read_back
against the loader.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

import yaml.nodes
import yaml.resolver

from .amounts import plain
from .source import MAX_DEPTH, MAX_NODES

_BREAKS = "\n\x85\u2028\u2029"
_WS = r"[\x00 \t\r\n\x85\u2028\u2029]"
_STR = "tag:yaml.org,2002:str"
INDENT = 2
WIDTH = 1 << 20      # PyYAML's `width`: where it would fold (never reached: see above)

# What analyze_scalar looks for, one regex each instead of its loop over the characters.
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_LINE_BREAK = re.compile(f"[{_BREAKS}]")
_BREAK_SPACE = re.compile(f"[{_BREAKS}] ")
_SPACE_BREAK = re.compile(f" [{_BREAKS}]")
_FLOW_INSIDE = re.compile(r"[,?\[\]{}:]")                # from the second character on
_COLON_SPACE = re.compile(rf":(?:{_WS}|\Z)")             # from the second character on
_SPACE_HASH = re.compile(rf"{_WS}#")
_FIRST_INDICATOR = set("#,[]{}&*!|>'\"%@`")
_DOUBLE_ESCAPE = re.compile("[\"\\\\\x85\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd]")
_ESCAPES = {"\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0A": "n", "\x0B": "v", "\x0C": "f",
            "\x0D": "r", "\x1B": "e", '"': '"', "\\": "\\", "\x85": "N", "\xA0": "_", "\u2028": "L",
            "\u2029": "P"}
_LINES = re.compile(f"[^{_BREAKS}]+|[{_BREAKS}]+")

_RESOLVER = yaml.resolver.Resolver()     # what a bare scalar would be read as (int, bool, null, …)


class Flow(list):
    """A list written on one line, `不适用: [服务对象满意度指标]`."""


class _Analysis:
    """Emitter.analyze_scalar's answer: which styles can write `text` unchanged."""

    __slots__ = ("empty", "multiline", "flow_plain", "block_plain", "single", "block")

    def __init__(self, text: str) -> None:
        if not text:
            self.empty, self.multiline = True, False
            self.flow_plain, self.block_plain, self.single, self.block = False, True, True, False
            return
        self.empty = False
        first, last = text[0], text[-1]
        followed = len(text) == 1 or text[1] in "\0 \t\r\n\x85\u2028\u2029"
        flow = block = text.startswith(("---", "..."))
        if first in _FIRST_INDICATOR or (first == "-" and followed):
            flow = block = True
        elif first in "?:":
            flow, block = True, block or followed
        if _SPACE_HASH.search(text):
            flow = block = True
        elif not flow or not block:
            flow = flow or _FLOW_INSIDE.search(text, 1) is not None
            block = block or _COLON_SPACE.search(text, 1) is not None
        self.multiline = _LINE_BREAK.search(text) is not None
        special = _SPECIAL.search(text) is not None
        plain = not (first == " " or last == " " or first in _BREAKS or last in _BREAKS)
        self.single = self.block = True
        if last == " ":
            self.block = False
        if self.multiline and _BREAK_SPACE.search(text):
            plain = self.single = False
        if special or (self.multiline and _SPACE_BREAK.search(text)):
            plain = self.single = self.block = False
        if self.multiline:
            plain = False
        self.flow_plain = plain and not flow
        self.block_plain = plain and not block


def _scalar_of(value: Any) -> tuple[str, str | None, str | None] | None:
    """(text, tag, requested style) of a scalar as perfgen's representers give it; None if not one.
    The tag is None for a str (always str); others get the tag a bare reading gives."""
    kind = type(value)
    if kind is str:
        return value, None, "|" if "\n" in value else None
    if kind is Decimal:
        text = plain(value)
    elif kind is dt.date:
        text = value.isoformat()
    elif kind is bool:
        return ("true" if value else "false"), "tag:yaml.org,2002:bool", None
    elif kind is int:
        return str(value), "tag:yaml.org,2002:int", None
    elif value is None:
        return "null", "tag:yaml.org,2002:null", None
    else:
        return None
    return text, _resolve(text), None


@functools.lru_cache(maxsize=1 << 14)
def _resolve(text: str) -> str:
    return _RESOLVER.resolve(yaml.nodes.ScalarNode, text, (True, False))


# an import writes each spec a dozen times while it looks for the shortest: the texts repeat
_analysis = functools.lru_cache(maxsize=1 << 14)(lambda text: _Analysis(text))


def _anchors(data: Any) -> dict[int, str]:
    """id → anchor name of each object met more than once, named in the order PyYAML's serializer
    names them (the second meeting, walking keys before values, not into a repeat)."""
    seen: dict[int, bool] = {}
    names: dict[int, str] = {}

    def walk(value: Any) -> None:
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None or kind is Decimal or kind is dt.date:
            return           # SafeRepresenter.ignore_aliases, and an amount or a date typed once, used twice
        key = id(value)
        if key in seen:
            if key not in names:
                names[key] = f"id{len(names) + 1:03d}"
            return
        seen[key] = True
        if kind is dict:
            for item in value.items():
                walk(item[0])
                walk(item[1])
        elif kind is list or kind is Flow:
            for item in value:
                walk(item)

    walk(data)
    return names


class _Writer:
    """The emitter's state (column, whether the last thing written was whitespace or indentation,
    the indents) and its handlers, called recursively instead of through an event queue."""

    def __init__(self, anchors: dict[int, str]) -> None:
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.open_ended = False
        self.indent: int | None = None
        self.flow = 0
        self.root = True         # the next node is the document's (a bare scalar there is open-ended)
        self.anchors = anchors
        self.written: set[int] = set()

    # ------------------------------------------------------------ Emitter.write_indicator & co.

    def indicator(self, text: str, need_whitespace: bool, whitespace: bool = False, indention: bool = False) -> None:
        if not self.whitespace and need_whitespace:
            text = " " + text
        self.whitespace = whitespace
        self.indention = self.indention and indention
        self.column += len(text)
        self.open_ended = False
        self.out.append(text)

    def write_indent(self) -> None:
        indent = self.indent or 0
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.line_break()
        if self.column < indent:
            self.whitespace = True
            self.out.append(" " * (indent - self.column))
            self.column = indent

    def line_break(self, text: str = "\n") -> None:
        self.whitespace = self.indention = True
        self.column = 0
        self.out.append(text)

    def raw(self, text: str) -> None:
        self.column += len(text)
        self.out.append(text)

    def increase_indent(self, flow: bool) -> int | None:
        """The old indent; every block collection is indented under its key (perfgen's dumper
        turned PyYAML's indentless sequences off)."""
        old = self.indent
        self.indent = (INDENT if flow else 0) if old is None else old + INDENT
        return old

    # ------------------------------------------------------------ nodes

    def node(self, value: Any, simple_key: bool = False) -> None:
        root, self.root = self.root, False
        key = id(value)
        if key in self.anchors:
            if key in self.written:
                self.indicator("*" + self.anchors[key], True)
                return
            self.written.add(key)
            self.indicator("&" + self.anchors[key], True)
        kind = type(value)
        if kind is dict:
            if self.flow or not value:
                self.flow_mapping(value)
            else:
                self.block_mapping(value)
        elif kind is list or kind is Flow:
            if self.flow or kind is Flow or not value:
                self.flow_sequence(value)
            else:
                self.block_sequence(value)
        else:
            scalar = _scalar_of(value)
            if scalar is None:
                raise TypeError(f"cannot write {kind.__name__} as YAML: {value!r}")
            self.scalar(*scalar, simple_key=simple_key, root=root)

    @staticmethod
    def simple_key(key: Any) -> tuple[bool, _Analysis]:
        if type(key) is not str:
            raise TypeError(f"YAML keys perfgen writes are texts, not {type(key).__name__}: {key!r}")
        analysis = _analysis(key)
        return len(key) + len("!!str") < 128 and not analysis.empty and not analysis.multiline, analysis

    def block_mapping(self, mapping: dict) -> None:
        old = self.increase_indent(flow=False)
        for key, value in mapping.items():
            self.write_indent()
            self.entry(key, value, block=True)
        self.indent = old

    def entry(self, key: Any, value: Any, block: bool) -> None:
        """`key: value`; `? key` then `: value` where the key is too long or multi-line to be simple."""
        simple, analysis = self.simple_key(key)
        if simple:
            self.scalar(key, None, None, simple_key=True, analysis=analysis)
            self.indicator(":", False)
        else:
            self.indicator("?", True, indention=block)
            self.scalar(key, None, "|" if "\n" in key else None, analysis=analysis)
            if block or self.column > WIDTH:
                self.write_indent()
            self.indicator(":", True, indention=block)
        self.node(value)

    def block_sequence(self, items: list) -> None:
        old = self.increase_indent(flow=False)
        for item in items:
            self.write_indent()
            self.indicator("-", True, indention=True)
            self.node(item)
        self.indent = old

    def flow_sequence(self, items: list) -> None:
        self.indicator("[", True, whitespace=True)
        self.flow += 1
        old = self.increase_indent(flow=True)
        for number, item in enumerate(items):
            if number:
                self.indicator(",", False)
            if self.column > WIDTH:
                self.write_indent()
            self.node(item)
        self.indent = old
        self.flow -= 1
        self.indicator("]", False)

    def flow_mapping(self, mapping: dict) -> None:
        self.indicator("{", True, whitespace=True)
        self.flow += 1
        old = self.increase_indent(flow=True)
        for number, (key, value) in enumerate(mapping.items()):
            if number:
                self.indicator(",", False)
            if self.column > WIDTH:
                self.write_indent()
            self.entry(key, value, block=False)
        self.indent = old
        self.flow -= 1
        self.indicator("}", False)

    # ------------------------------------------------------------ scalars

    def scalar(self, text: str, tag: str | None, style: str | None, simple_key: bool = False,
               analysis: _Analysis | None = None, root: bool = False) -> None:
        """Emitter.expect_scalar: choose_scalar_style, the tag if the style needs one, then the text."""
        analysis = analysis or _analysis(text)
        old = self.increase_indent(flow=True)
        chosen = '"'
        if style is None and not (simple_key and (analysis.empty or analysis.multiline)) \
                and (analysis.flow_plain if self.flow else analysis.block_plain) \
                and (tag or _resolve(text)) == (tag or _STR):
            chosen = ""
        elif style == "|" and not self.flow and not simple_key and analysis.block:
            chosen = "|"
        elif style is None and analysis.single and not (simple_key and analysis.multiline):
            chosen = "'"
        if tag is not None and chosen and tag != _STR:
            self.indicator("!!" + tag.removeprefix("tag:yaml.org,2002:"), True)
        if chosen == "":
            if root:
                self.open_ended = True
            if text:
                if not self.whitespace:
                    self.raw(" ")
                self.whitespace = self.indention = False
                self.raw(text)
        elif chosen == "'":
            self.single_quoted(text)
        elif chosen == "|":
            self.literal(text)
        else:
            self.double_quoted(text)
        self.indent = old

    def single_quoted(self, text: str) -> None:
        self.indicator("'", True)
        if _LINE_BREAK.search(text) is None:
            self.raw(text.replace("'", "''"))
        else:   # a break is written as a line (a first \n doubled), the next line indented
            for run in _LINES.findall(text):
                if run[0] in _BREAKS:
                    if run[0] == "\n":
                        self.line_break()
                    for br in run:
                        self.line_break(br)
                    self.write_indent()
                else:
                    for part in re.split("(')", run):
                        self.raw("''" if part == "'" else part)
        self.indicator("'", False)

    def double_quoted(self, text: str) -> None:
        self.indicator('"', True)
        self.raw(_DOUBLE_ESCAPE.sub(_escape, text))
        self.indicator('"', False)

    def literal(self, text: str) -> None:
        hints = str(INDENT) if text[0] in " " + _BREAKS else ""
        if text[-1] not in _BREAKS:
            hints += "-"
        elif len(text) == 1 or text[-2] in _BREAKS:
            hints += "+"
        self.indicator("|" + hints, True)
        self.open_ended = hints.endswith("+")
        self.line_break()
        runs = _LINES.findall(text)
        for run in runs:
            if run[0] in _BREAKS:
                for br in run:
                    self.line_break(br)
            else:
                self.write_indent()
                self.out.append(run)    # PyYAML does not count these columns either
        if runs[-1][0] not in _BREAKS:
            self.line_break()

    def document(self, data: Any) -> str:
        self.node(data)
        self.write_indent()      # expect_document_end
        if self.open_ended:      # the text ended in a `|+` block: PyYAML closes the document
            self.indicator("...", True)
            self.write_indent()
        return "".join(self.out)


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch in _ESCAPES:
        return "\\" + _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def dumps(data: Any) -> str:
    """`data` as a YAML document (see the module's docstring for what it holds)."""
    return _Writer(_anchors(data)).document(data)


# what read_back leaves to the text: controls (the loader refuses some; YAML reads U+0085 as a line
# break), surrogates, U+FEFF, U+FFFE, U+FFFF
_UNSURE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


def read_back(data: Any) -> Any:
    """What perfgen's loader (source.parse) reads from dumps(data), without the text: every scalar
    as its text, null as None. ValueError where only the text can tell: a character _UNSURE
    matches, a key with spaces around it (the loader strips keys) or `<<` (a merge, refused), data
    deeper or bigger than the loader takes."""
    count = 0

    def convert(value: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if depth > MAX_DEPTH or count > MAX_NODES:
            raise ValueError("too deep or too big: read it from the text")
        kind = type(value)
        if kind is dict:
            out = {}
            for key, item in value.items():
                if type(key) is not str or key != key.strip() or key == "<<" or _UNSURE.search(key):
                    raise ValueError(f"key {key!r}: read it from the text")
                out[key] = convert(item, depth + 1)
            return out
        if kind is list or kind is Flow:
            return [convert(item, depth + 1) for item in value]
        if kind is str:
            if _UNSURE.search(value):
                raise ValueError(f"text {value!r}: read it from the text")
            return value
        scalar = _scalar_of(value)
        if scalar is None:
            raise TypeError(f"cannot write {kind.__name__} as YAML: {value!r}")
        return None if value is None else scalar[0]

    return convert(data, 0)
