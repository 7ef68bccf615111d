"""Reading a YAML file into plain data plus the line of every key, safely.

Scalars stay text (amounts become exact Decimals later, `2024-01-01` is not silently a date, `0.5`
is never a float), so the spec schema decides what each field means. Only `yaml.SafeLoader`'s
composer is used: no tags, no Python objects, no includes.
"""
from __future__ import annotations

import re
from pathlib import Path
from stat import S_ISREG
from typing import Any

import yaml

from . import slips
from .errors import Record, SourceError  # noqa: F401  (SourceError: also imported from here)

Path_ = tuple[str | int, ...]
_NULLS = {"", "~", "null", "Null", "NULL"}
# libyaml's parser builds the same nodes ten times faster (a district's specs are thousands of files)
_FAST_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _NULL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Loader(_FAST_BASE):  # type: ignore[misc, valid-type]
    """libyaml's loader without the implicit resolvers' regular expressions: scalars stay text here,
    so the only implicit tag that matters is null (`~`, `null` or nothing where the parser allows an
    implicit tag: a plain scalar, or one under the non-specific `!`); every other tag they would
    get (int, bool, timestamp…) is one of _PLAIN_TAGS anyway. Explicit tags are the parser's."""

    def resolve(self, kind, value, implicit):  # noqa: ANN001, ANN201
        if kind is yaml.ScalarNode:
            return _NULL if implicit[0] and value in _NULLS else _STR
        return _MAP if kind is yaml.MappingNode else _SEQ  # what Resolver gives them without path resolvers

    # The parser tells the resolver each node it enters and leaves, for path resolvers (none here):
    # two Python calls per node, made C calls that do nothing ({}.get(parent, index), tuple()).
    descend_resolver = {}.get
    ascend_resolver = tuple


_FAST = _Loader
MAX_BYTES = 1_000_000  # a spec is a few KB; a megabyte is a pasted document, not a spec
# Characters YAML reserves at the start of a plain value: `>` and `|` start a block scalar,
# `*` an alias, `&` an anchor, `!` a tag; `@`, `` ` `` and `%` are reserved.
_RESERVED_START = re.compile(r"^\s*(?:-\s+)?(?:[^\s#'\"][^#]*?:\s+|-\s+)(?P<value>[>|*&!@`%].*)$")


class Source(Record):
    """A parsed YAML file: its data and, for each path of keys, the line it starts on (1-based)."""

    __slots__ = ("path", "data", "lines", "nodes")
    path: Path
    data: Any
    lines: dict[Path_, int]
    nodes: int

    def __init__(self, path: Path, data: Any, lines: dict[Path_, int] | None = None, nodes: int = 0):
        self.path = path
        self.data = data
        self.lines = {} if lines is None else lines
        self.nodes = nodes

    def line(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = path if type(path) is tuple else tuple(path)
        if path in self.lines:  # every node's path is there: the loop is for paths below a scalar
            return self.lines[path]
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def decode(raw: bytes) -> str:
    """UTF-8 text (a BOM is dropped); any other encoding is an error the author can act on."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            hint = "文件似乎是 GBK/GB18030 编码，请另存为 UTF-8"
        except UnicodeDecodeError:
            hint = "文件不是 UTF-8 编码的文本，请另存为 UTF-8"
        raise SourceError(hint, line) from exc


def parse(text: str, path: Path) -> Source:
    """Parse YAML text; raise SourceError with a Chinese message on malformed input."""
    for number, line_text in enumerate(text.splitlines() if "\t" in text else (), 1):
        indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
        if "\t" in indent:
            raise SourceError("缩进里有制表符（Tab），YAML 只能用空格缩进：请把这一行开头的 Tab 换成空格"
                              "（每一层 2 个空格；编辑器里可设置「按 Tab 键插入空格」）", number)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = str(exc.problem or exc.context or "")
        hint = _reserved_start_hint(text, line)
        if hint:
            raise SourceError(hint, line) from exc
        slip = slips.explain(text, line, problem)
        if slip:
            raise SourceError(slip[1], slip[0]) from exc
        raise SourceError(f"YAML 格式错误：{_problem(problem)}", line) from exc
    except yaml.reader.ReaderError as exc:  # control characters in the raw text
        line = text[: exc.position].count("\n") + 1
        raise SourceError(f"含有不可见的控制字符 #x{exc.character:04x}，请删除", line) from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"YAML 无法读取：{exc}") from exc
    except RecursionError as exc:  # the pure-Python parser nests a frame per level
        raise SourceError(f"嵌套过深（超过 {MAX_DEPTH} 层）：项目说明只有几层") from exc
    if isinstance(node, yaml.ScalarNode) and not node.style:  # no `key: value` line: all read as one text
        slip = slips.not_a_mapping(text)
        if slip:
            raise SourceError(slip[1], slip[0])
    source = Source(path, None)
    # no text of the file can hold what a table cannot when the file itself does not and has no escapes
    clean = "\\" not in text and not _UNWRITABLE.search(text)
    source.data = _convert(node, (), source, clean) if node is not None else None
    return source


# what the parser's own words mean, for a slip no finder in slips.py recognised
_PROBLEMS = [
    ("could not find expected ':'", "找不到键后面的冒号：每一行写成「键: 值」（英文冒号加一个空格）"),
    ("mapping values are not allowed", "这里不能写「键: 值」：检查缩进，文字里有「: 」时整段加引号"),
    ("expected <block end>", "缩进没有对齐：同一层的键要左对齐，每下一层多缩进 2 个空格"),
    ("found unexpected end of stream", "引号没有配对：开头的引号在这一行或后面没有结束"),
    ("expected ',' or ']'", "方括号 [ ] 没有配对，或列表项之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有配对，或各项之间缺少逗号"),
    ("found undefined alias", "「*」开头的值是 YAML 的别名：作为文字请加引号"),
    ("cannot start any token", "这一行有 YAML 不允许出现在开头的字符：整段文字请加引号"),
]


def _problem(problem: str) -> str:
    return next((said for words, said in _PROBLEMS if words in problem),
                "这一行或上一行的写法不对：每一行写成「键: 值」，同一层左对齐，文字里有冒号或特殊符号时加引号")


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FAST)
    except yaml.YAMLError:
        # the pure-Python parser (the one libyaml was ported to) words the errors translated above
        return yaml.compose(text, Loader=yaml.SafeLoader)


def _reserved_start_hint(text: str, line: int | None) -> str | None:
    """The common slip behind many YAML errors: `满意度: >=90%` — `>` starts a folded block in YAML."""
    lines = text.splitlines()
    for number in (line, line - 1 if line else None):  # pyyaml sometimes marks the line after
        if not number or number > len(lines):
            continue
        match = _RESERVED_START.match(lines[number - 1])
        if match:
            value = match["value"].strip()
            first = value[0]
            why = {">": "是 YAML 的折叠块标记", "|": "是 YAML 的文字块标记", "*": "是 YAML 的别名标记",
                   "&": "是 YAML 的锚点标记", "!": "是 YAML 的标签标记"}.get(first, "是 YAML 的保留字符")
            better = f"，或写成「{'≥' + value[2:] if value.startswith('>=') else '≤' + value[2:]}」" \
                if value.startswith((">=", "<=")) else ""
            return f"「{value}」以「{first}」开头，「{first}」{why}：请加引号写成 \"{value}\"{better}"
    return None


def read(path: Path) -> Source:
    """Read and parse one YAML file."""
    try:
        st = path.stat()
        if not S_ISREG(st.st_mode):  # a folder, or a FIFO whose reading would never end
            raise SourceError("不是普通文件（是目录、管道或设备），无法作为 YAML 读取")
        size = st.st_size
        if size > MAX_BYTES:
            raise SourceError(f"文件过大（{size / 1_000_000:.1f} MB）：项目说明通常只有几 KB，请检查是否误粘贴了整份文档")
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法读取文件：{exc.strerror}") from exc
    return parse(decode(raw), path)


_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq",
                                                       "timestamp", "value")}
MAX_NODES = 200_000  # aliases can multiply a small file ("billion laughs"): stop early
MAX_DEPTH = 32  # a spec nests four or five levels; a thousand would exhaust every recursive reader after us
# what no table can hold: XML 1.0 has no place for controls, lone surrogates, U+FFFE and U+FFFF
# (the raw text is checked by the YAML reader; these come in through escapes such as "\ud800")
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _writable(text: str, line: int) -> str:
    bad = _UNWRITABLE.search(text)
    if bad:
        raise SourceError(f"含有不能写入表格的字符 U+{ord(bad.group()):04X}（控制字符或无效的 Unicode，"
                          "多半来自 \\u 转义），请删除", line)
    return text


def _convert(node: yaml.Node, path: Path_, source: Source, clean: bool = False) -> Any:
    line = node.start_mark.line + 1
    source.lines.setdefault(path, line)
    source.nodes += 1
    if source.nodes > MAX_NODES:
        raise SourceError("文件展开后过大（别名 * 引用过多）", line)
    if len(path) > MAX_DEPTH:
        raise SourceError(f"嵌套过深（超过 {MAX_DEPTH} 层）：项目说明只有几层", line)
    if node.tag not in _PLAIN_TAGS:
        raise SourceError(f"不支持 YAML 标签「{node.tag}」", line)
    # A value that is a scalar _convert would take without a word (most nodes of a spec) is counted
    # and converted here, as _plain_scalar and _scalar do it, without two calls per value;
    # _convert says what is wrong with the rest.
    inside = len(path) < MAX_DEPTH  # the values below are one level deeper than `path`
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        lines = source.lines
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError("键必须是文字", key_line)
            key = str(key_node.value)
            key = (key if clean else _writable(key, key_line)).strip()
            if key == "<<":
                raise SourceError("不支持 YAML 合并键（<<）", key_line)
            if key in out:
                raise SourceError(f"「{key}」重复出现", key_line)
            inner = path + (key,)
            lines[inner] = key_line
            if type(value_node) is _SCALAR_NODE and inside and source.nodes < MAX_NODES \
                    and value_node.tag in _PLAIN_TAGS:
                source.nodes += 1
                value = value_node.value
                out[key] = None if value_node.tag == _NULL or (not value_node.style and value in _NULLS) else \
                    value if clean else _writable(value, value_node.start_mark.line + 1)
            else:
                out[key] = _convert(value_node, inner, source, clean)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            inner = path + (i,)
            if _plain_scalar(item, inner, source):
                source.lines.setdefault(inner, item.start_mark.line + 1)
                items.append(_scalar(item, source, clean))
            else:
                items.append(_convert(item, inner, source, clean))
        return items
    return _scalar(node, source, clean)


_SCALAR_NODE = yaml.ScalarNode


def _plain_scalar(node: yaml.Node, path: Path_, source: Source) -> bool:
    """Whether `node` is a scalar _convert would take without a word: then it is counted here and
    converted by _scalar directly (most nodes of a spec; _convert says what is wrong with the rest)."""
    if type(node) is not yaml.ScalarNode or node.tag not in _PLAIN_TAGS or source.nodes >= MAX_NODES \
            or len(path) > MAX_DEPTH:
        return False
    source.nodes += 1
    return True


def _scalar(node: yaml.ScalarNode, source: Source, clean: bool) -> Any:
    if node.tag == _NULL or (not node.style and node.value in _NULLS):  # plain: None, or "" (libyaml)
        return None
    return node.value if clean else _writable(node.value, node.start_mark.line + 1)
