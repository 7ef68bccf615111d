"""The usual slips behind a YAML error, found in the text, with what to type instead.

The parser says where it gave up (often the line after the slip) in its own English; an author
needs the line of the mistake and the line to write. Each finder looks at the lines up to where the
parser stopped and returns (line, message) for the slip nearest to it, or None.
"""
from __future__ import annotations

import re

# `项目资金：85000`: an IME's full-width colon, so the line is no `key: value`
_FULL_WIDTH = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[^\s:：#'\"][^:：#'\"]*?)\s*：\s*(?P<value>.*)$")
# `项目名称:法律顾问费`: no space after the colon, so YAML reads one text, not a key and a value
_NO_SPACE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[^\s:#'\"\-][^\s:#'\"]*):(?P<value>[^\s/:].*)$")
# `项目总目标: 目标：完成法律服务: 提供咨询`: a colon and a space inside a value
_KEY_VALUE = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>[^\s#'\"][^#'\"]*?):\s+(?P<value>[^'\"\s|>].*)$")
_TIME = re.compile(r"^\d{1,2}$")  # 10:30 is a time in a text, not a key


def _code(line: str) -> str:
    """The line without a trailing comment (a # after a space)."""
    return re.split(r"\s#", line, maxsplit=1)[0].rstrip()


def _quoted(value: str) -> str:
    return f"'{value.replace(chr(39), chr(39) * 2)}'" if '"' in value else f'"{value}"'


def full_width_colon(line: str) -> str | None:
    match = _FULL_WIDTH.match(_code(line))
    if not match:
        return None
    key, value = match["key"].strip(), match["value"].strip()
    written = f"{key}: {value}" if value else f"{key}:"
    return (f"「{key}：」用了中文冒号「：」：键和值之间要用英文冒号加一个空格，"
            f"写成 {written}（输入法切换到英文标点，或用半角冒号）")


def missing_space(line: str) -> str | None:
    match = _NO_SPACE.match(_code(line))
    if not match or _TIME.match(match["key"]):
        return None
    return f"「{match['key']}:{match['value']}」冒号后面缺少空格：写成 {match['key']}: {match['value']}"


def colon_in_text(line: str) -> str | None:
    match = _KEY_VALUE.match(_code(line))
    if not match:
        return None
    value = match["value"]
    if not re.search(r":(\s|$)", value):
        return None
    key = match["key"].strip()
    return (f"「{key}」的值里有英文冒号加空格（「: 」），YAML 会把它当作又一个键：整段文字加引号，"
            f"写成 {key}: {_quoted(value)}，或把文字里的冒号换成中文冒号「：」")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def indentation(lines: list[str], number: int) -> str | None:
    """Line `number` (1-based) is indented in a way that fits no level above it."""
    if not 1 <= number <= len(lines) or not lines[number - 1].strip():
        return None
    here = _indent(lines[number - 1])
    above = [(n, _indent(text), text.strip()) for n, text in enumerate(lines[:number - 1], 1)
             if text.strip() and not text.lstrip().startswith("#")]
    if not above:
        return None
    previous_number, previous, previous_text = above[-1]
    name = _code(lines[number - 1]).strip()
    if here > previous and not previous_text.endswith(":") and not previous_text.startswith("-"):
        return (f"「{name}」比上一行缩进得多，但第 {previous_number} 行「{previous_text}」已经写了值，下面不能再有一层："
                f"同一层的键请与它对齐（{previous} 个空格）")
    levels = sorted({indent for _, indent, _ in above})
    if here in levels:
        return None
    sibling = max((level for level in levels if level < here), default=0)
    example = next((text for _, indent, text in reversed(above) if indent == sibling), "")
    example = _code(example).split(":")[0]
    return (f"「{name}」缩进了 {here} 个空格，与上面各层都对不齐：同一层的键要左对齐，"
            f"与「{example}」同一层就缩进 {sibling} 个空格；每下一层多缩进 2 个空格")


FINDERS = (full_width_colon, missing_space, colon_in_text)


def explain(text: str, line: int | None, problem: str) -> tuple[int, str] | None:
    """(line, message) of the slip that made the parser stop at `line` with `problem`, or None."""
    lines = text.splitlines()
    if line is None or not lines:
        return None
    last = min(line, len(lines))
    # the slip is at the line the parser names or shortly before it (it reads on to find the ':')
    for number in range(last, max(0, last - 3), -1):
        for finder in FINDERS:
            message = finder(lines[number - 1])
            if message:
                return number, message
    if "block end" in problem or "mapping values are not allowed" in problem or "expected ':'" in problem:
        for number in (last, last - 1):
            message = indentation(lines, number)
            if message:
                return number, message
    return None


def not_a_mapping(text: str) -> tuple[int, str] | None:
    """A file YAML read as one text (every line lacks `key: value`): the first slip in it."""
    for number, line in enumerate(text.splitlines(), 1):
        for finder in (full_width_colon, missing_space):
            message = finder(line)
            if message:
                return number, message
    return None
