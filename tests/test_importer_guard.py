"""Hostile files to import, made here (no bomb is committed): each is refused with a message
before a reader inflates it, and the good files given with it still import."""
from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.importer import guard, import_files
from generator.importer.grid import ReadError, read

from conftest import TEMPLATES


def rewrite(source: Path, target: Path, change) -> Path:
    """A copy of a package with some parts changed: change(name, bytes) → bytes (or None: as is)."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = archive.read(info)
            out.writestr(info.filename, change(info.filename, data) or data)
    return target


def sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/sheet")


@pytest.fixture
def good(built_examples) -> dict[str, Path]:
    return {suffix: built_examples / "2024" / f"法律顾问费{suffix}" for suffix in (".docx", ".xlsx")}


def test_a_dtd_in_an_excel_file_is_refused_and_the_good_file_beside_it_imports(good, tmp_path):
    entities = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    bad = rewrite(good[".xlsx"], tmp_path / "坏.xlsx",
                  lambda name, data: entities + re.sub(rb"^<\?xml[^>]*\?>", b"", data) if sheet(name) else None)
    with pytest.raises(ReadError, match="DTD"):
        read(bad)
    outcome = import_files([bad, good[".docx"]], tmp_path / "specs", TEMPLATES)
    assert [w.path.name for w in outcome.written if w.item] == ["法律顾问费.yaml"]
    assert len(outcome.failures) == 1 and "坏.xlsx" in outcome.failures[0] and "DTD" in outcome.failures[0]


def test_a_dtd_in_utf16_is_found_too():
    with pytest.raises(ReadError, match="DTD"):
        guard.check_part("word/document.xml", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16"))


def test_a_file_that_inflates_far_beyond_its_size_is_refused_unread(good, tmp_path, monkeypatch):
    bomb = rewrite(good[".docx"], tmp_path / "炸弹.docx", lambda name, data: None)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (24 * 1024 * 1024))  # 24 MB in some 24 KB
    assert bomb.stat().st_size < 200_000
    monkeypatch.setattr(guard, "MAX_INFLATED", 16 * 1024 * 1024)  # the 200 MB limit, scaled down with the bomb
    started = time.process_time()
    with pytest.raises(ReadError, match="压缩炸弹"):
        read(bomb)
    assert time.process_time() - started < 5


def test_a_high_compression_ratio_alone_is_refused(good, tmp_path):
    bomb = rewrite(good[".docx"], tmp_path / "炸弹.docx", lambda name, data: None)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (12 * 1024 * 1024))
    with pytest.raises(ReadError, match="压缩比"):
        read(bomb)


def test_a_deep_xml_nest_is_refused(good, tmp_path):
    nest = b"<w:sdt>" * 5000 + b"</w:sdt>" * 5000
    deep = rewrite(good[".docx"], tmp_path / "深.docx",
                   lambda name, data: data.replace(b"<w:body>", b"<w:body>" + nest, 1) if name == "word/document.xml" else None)
    with pytest.raises(ReadError, match="嵌套"):
        read(deep)


W = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def nested(depth: int) -> bytes:
    """A document part `depth` elements deep (w:document and w:body are two of them)."""
    return W + b"<w:sdt>" * (depth - 2) + b"</w:sdt>" * (depth - 2) + b"</w:body></w:document>"


def rows(count: int) -> bytes:
    return W + b"<w:tbl>" + b"<w:tr/>" * count + b"</w:tbl></w:body></w:document>"


@pytest.mark.parametrize("whole", [True, False], ids=["parsed whole", "streamed"])
@pytest.mark.parametrize("part, message", [
    (nested(guard.MAX_DEPTH), None), (nested(guard.MAX_DEPTH + 1), "嵌套"),
    (rows(guard.MAX_ROWS), None), (rows(guard.MAX_ROWS + 1), "超过 20000 行"),
    (W + b"<w:p></w:body>", "不是有效的 XML"), (b"", "不是有效的 XML")])
def test_a_word_part_is_bounded_alike_parsed_whole_or_streamed(monkeypatch, whole, part, message):
    """Parts up to guard.WHOLE are checked by libxml2 (XPath), bigger ones element by element."""
    monkeypatch.setattr(guard, "WHOLE", 1 << 30 if whole else -1)
    if message is None:
        guard.check_part("word/document.xml", part)
    else:
        with pytest.raises(ReadError, match=message):
            guard.check_part("word/document.xml", part)


@pytest.mark.parametrize("extra, message", [
    (b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', "合并了超过"),
    (b'<mergeCells count="1"><mergeCell ref="A1:nonsense"/></mergeCells>', "无法读取的合并区域"),
])
def test_one_huge_merged_range_in_a_small_sheet_is_refused(good, tmp_path, extra, message):
    def change(name, data):
        if sheet(name):
            data = re.sub(rb"<mergeCells[^>]*>.*?</mergeCells>", b"", data, flags=re.S)
            return data.replace(b"</sheetData>", b"</sheetData>" + extra, 1)
        return None

    huge = rewrite(good[".xlsx"], tmp_path / "合并.xlsx", change)
    assert huge.stat().st_size < 100_000
    with pytest.raises(ReadError, match=message):
        read(huge)


def test_a_cell_at_the_last_row_is_refused(good, tmp_path):
    far = rewrite(good[".xlsx"], tmp_path / "远.xlsx", lambda name, data: data.replace(
        b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>', 1)
        if sheet(name) else None)
    with pytest.raises(ReadError, match="1048576"):
        read(far)


def test_a_file_any_reader_fails_on_is_that_files_message(good, tmp_path, monkeypatch):
    from generator.importer import grid

    monkeypatch.setattr(grid, "read_docx", lambda path: 1 / 0)
    outcome = import_files([good[".docx"], good[".xlsx"]], tmp_path / "specs", TEMPLATES)
    assert len(outcome.failures) == 1 and "ZeroDivisionError" in outcome.failures[0]
    assert [w.path.name for w in outcome.written if w.item] == ["法律顾问费.yaml"]


def renamed_table(good: Path, tmp_path: Path, name: str) -> Path:
    return rewrite(good, tmp_path / f"{len(name)}.docx", lambda part, data: data.replace(
        "法律顾问费".encode(), name.encode()) if part == "word/document.xml" else None)


@pytest.mark.parametrize("name, file", [("部门", "部门-2.yaml"), ("CON", "CON_.yaml"), ("x.监控", "x.监控-2.yaml")])
def test_a_project_named_like_a_file_perfgen_reads_is_written_under_another_name_and_said(good, tmp_path, name, file):
    table = renamed_table(good[".docx"], tmp_path, name)
    outcome = import_files([table], tmp_path / "specs", TEMPLATES)
    written = {w.path.name: w for w in outcome.written}
    assert file in written and "部门.yaml" in written and all(w.path.is_file() for w in outcome.written)
    assert yaml.safe_load((tmp_path / "specs" / file).read_text(encoding="utf-8"))["项目名称"] == name
    assert any(file in line for line in outcome.info)
    department = yaml.safe_load((tmp_path / "specs" / "部门.yaml").read_text(encoding="utf-8"))
    assert "格式" in department  # the 部门.yaml is the department's, not the project's


def test_a_long_name_gets_a_short_distinct_file_name(good, tmp_path):
    names = ["长" * 80 + "一", "长" * 80 + "二"]
    tables = [renamed_table(good[".docx"], tmp_path / str(i), n) for i, n in enumerate(names) if
              (tmp_path / str(i)).mkdir() or True]
    outcome = import_files(tables, tmp_path / "specs", TEMPLATES)
    files = [w.path for w in outcome.written if w.item]
    assert len(files) == 2 and len(set(files)) == 2
    assert all(len(p.name.encode()) <= 255 and p.is_file() for p in files)
