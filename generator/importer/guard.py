"""Bounds on what an imported file may make perfgen do, checked before any reader touches it.

Files to import come from anywhere. A .docx or .xlsx is a zip of XML parts, and a small one can
ask for a great deal: a 1 MB file that inflates to 1 GB (its zip directory says so: zipfile never
inflates a part past the size it declares, and a part that lies fails its CRC), an XML nest ten
thousand deep, a DTD with entities (billion laughs, external files), one merged range over a whole
sheet (openpyxl makes an object per covered cell), a cell at row 1,048,576 (every row before it
is then read). Each is refused here with a message, so the file is reported and the others import.

A Word part up to 4 MB (WHOLE; a table's is some 40 KB) is parsed whole, its depth found by
libxml2's XPath and its rows by lxml's iter; a bigger one, and every worksheet (its cells are
checked one by one), is read a megabyte at a time, element by element, and never held whole.

DTDs are refused outright: no Office application writes one into a package, and refusing them is
simpler and safer than parsing them with entities off (the check works on the raw bytes, in UTF-8
and UTF-16, so openpyxl's own parser never sees one either).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import ReadError

MAX_PARTS = 2_000                  # a table's package has 10 to 40 parts
MAX_INFLATED = 200 * 1024 * 1024   # all parts together, inflated: a table is a few MB at most
MAX_RATIO = 200                    # inflated / compressed for one big part: text compresses ~10×
MAX_DEPTH = 64                     # XML nesting: a table is some 12 levels deep
MAX_ROWS = 20_000                  # rows of one sheet or one Word document's tables
MAX_COLUMNS = 200
MAX_MERGED_CELLS = 200_000         # cells covered by a sheet's merged ranges, all together
WHOLE = 4 * 1024 * 1024            # a Word part this small is parsed whole, checked in C
_DTD = (re.compile(rb"<!DOCTYPE|<!ENTITY"), re.compile("<!DOCTYPE|<!ENTITY"))
_TOO_DEEP = etree.XPath("boolean(" + "/*" * (MAX_DEPTH + 1) + ")")
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


def _declared(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise ReadError(f"文件含有 {len(infos)} 个部件（表格文件通常不到 50 个），不像 Word / Excel 文件，已拒绝")
    total = sum(info.file_size for info in infos)
    if total > MAX_INFLATED:
        raise ReadError(f"文件解压后有 {total / 1024 / 1024:.0f} MB（上限 {MAX_INFLATED // 1024 // 1024} MB），"
                        "像是压缩炸弹，已拒绝")
    for info in infos:
        if info.file_size > 10 * 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise ReadError(f"文件中的 {info.filename} 压缩比异常（{info.file_size // max(1, info.compress_size)} 倍），"
                            "像是压缩炸弹，已拒绝")
    return infos


def _text_of(data: bytes) -> str | bytes:
    """The part as text where it is UTF-16 (a DTD hidden from a byte search), else the bytes."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("文件中有无法读取的 UTF-16 部件，已拒绝") from None
    return data


def _column(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _cell(ref: str) -> tuple[int, int] | None:
    match = _CELL.match(ref.upper())
    return (int(match[2]), _column(match[1])) if match else None


def check_part(name: str, data: bytes) -> None:
    """One XML part: no DTD, nesting within MAX_DEPTH; a worksheet: rows, columns, merged ranges."""
    text = _text_of(data)
    if _DTD[isinstance(text, str)].search(text):
        raise ReadError(f"文件中的 {name} 含有 DTD（<!DOCTYPE> / <!ENTITY>）：Word 和 Excel 不会写这种内容，"
                        "可能是恶意文件，已拒绝")
    sheet = name.startswith("xl/worksheets/")
    try:
        if not sheet and len(data) <= WHOLE:   # a Python loop over every element was 13 % of an import
            _check_whole(name, data)
        else:
            _check_streamed(name, data, sheet)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():  # libxml2's own limit may be met before ours is counted
            raise _deep(name) from exc
        raise ReadError(f"文件中的 {name} 不是有效的 XML（{exc}）") from exc


def _deep(name: str) -> ReadError:
    return ReadError(f"文件中的 {name} 嵌套超过 {MAX_DEPTH} 层，不像 Word / Excel 文件，已拒绝")


def _many_rows() -> ReadError:
    return ReadError(f"文件中的表格超过 {MAX_ROWS} 行，已拒绝")


def _check_whole(name: str, data: bytes) -> None:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    if _TOO_DEEP(root):
        raise _deep(name)
    if sum(1 for row in root.iter("{*}tr") if "}" in row.tag) > MAX_ROWS:   # a tr of any namespace, as streamed
        raise _many_rows()


def _check_streamed(name: str, data: bytes, sheet: bool) -> None:
    """The checks element by element, a megabyte at a time: a big part is never held whole."""
    depth = rows = merged = 0
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False)
    for start in range(0, len(data), 1 << 20):
        parser.feed(data[start:start + (1 << 20)])
        for event, element in parser.read_events():
            if event == "end":
                depth -= 1
                element.clear()  # a big part is never held whole
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise _deep(name)
            if not sheet:
                if element.tag.endswith("}tr"):
                    rows += 1
                    if rows > MAX_ROWS:
                        raise _many_rows()
                continue
            local = element.tag.rsplit("}", 1)[-1]
            if local in ("row", "c"):
                ref = element.get("r") or ""
                where = (int(ref), 1) if local == "row" and ref.isdigit() else _cell(ref) if local == "c" else None
                if where and (where[0] > MAX_ROWS or where[1] > MAX_COLUMNS):
                    raise ReadError(f"文件中的工作表用到了第 {where[0]} 行第 {where[1]} 列（上限 {MAX_ROWS} 行、"
                                    f"{MAX_COLUMNS} 列），不像绩效目标表，已拒绝")
            elif local == "mergeCell":
                first, _, last = (element.get("ref") or "").partition(":")
                a, b = _cell(first), _cell(last or first)
                if a is None or b is None:
                    raise ReadError(f"文件中的工作表有无法读取的合并区域「{element.get('ref')}」，已拒绝")
                merged += (abs(b[0] - a[0]) + 1) * (abs(b[1] - a[1]) + 1)
                if merged > MAX_MERGED_CELLS:
                    raise ReadError(f"文件中的工作表合并了超过 {MAX_MERGED_CELLS} 个单元格"
                                    f"（合并区域 {element.get('ref')}），不像绩效目标表，已拒绝")
    parser.close()


def check_package(path: Path) -> None:
    """Raise ReadError when the .docx / .xlsx at `path` goes over any bound (module docstring)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _declared(path, archive):
                if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as member:
                    data = member.read(MAX_INFLATED + 1)
                check_part(info.filename, data)
    except ReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        kind = "Word" if path.suffix.lower() == ".docx" else "Excel"
        raise ReadError(f"无法作为 {kind} 文件读取（文件损坏或不是 {path.suffix}）：{exc}") from exc
