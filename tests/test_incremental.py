"""What a build may skip: a PDF is as fresh as the table it was made from."""
from __future__ import annotations

import hashlib

import pytest

from generator import batch
from generator.batch import run

from conftest import EXAMPLES, TEMPLATES, copy_specs, write


@pytest.fixture
def fake_pdf(monkeypatch):
    """LibreOffice stood in for: a PDF's bytes say which table bytes it was made from."""
    conversions = []

    def to_pdf(documents, soffice):
        conversions.append(len(documents))
        return [b"%PDF " + hashlib.sha256(data).hexdigest().encode() for _, data in documents]

    monkeypatch.setattr(batch, "find_soffice", lambda: "soffice")
    monkeypatch.setattr(batch, "to_pdf", to_pdf)
    return conversions


def test_a_pdf_whose_table_changed_is_removed_by_a_build_without_pdf(tmp_path, fake_pdf):
    specs, out = copy_specs(EXAMPLES / "2024", tmp_path / "specs"), tmp_path / "out"
    run(specs, out, TEMPLATES, pdf=True)
    pdfs = out / "specs"
    assert (pdfs / "法律顾问费.pdf").is_file() and (pdfs / "党组工作经费.pdf").is_file()
    spec = specs / "法律顾问费.yaml"
    write(spec, spec.read_text(encoding="utf-8").replace("项目资金: 19200", "项目资金: 19300"))
    result = run(specs, out, TEMPLATES)  # no --pdf: the outdated PDF must not stay beside its table
    assert not (pdfs / "法律顾问费.pdf").exists() and pdfs / "法律顾问费.pdf" in result.removed
    assert not (pdfs / "汇总.pdf").exists()  # the 汇总 changed with it
    assert (pdfs / "党组工作经费.pdf").is_file()  # its table is the one it was made from
    run(specs, out, TEMPLATES, pdf=True)  # and --pdf makes it again
    assert (pdfs / "法律顾问费.pdf").is_file() and fake_pdf[-1] == 2


def test_a_pdf_whose_table_changed_is_rebuilt_in_the_same_pdf_build(tmp_path, fake_pdf):
    specs, out = copy_specs(EXAMPLES / "2024", tmp_path / "specs"), tmp_path / "out"
    run(specs, out, TEMPLATES, pdf=True)
    before = (out / "specs" / "法律顾问费.pdf").read_bytes()
    spec = specs / "法律顾问费.yaml"
    write(spec, spec.read_text(encoding="utf-8").replace("项目资金: 19200", "项目资金: 19300"))
    run(specs, out, TEMPLATES, pdf=True)
    assert fake_pdf[-1] == 2  # the changed table and the 汇总, nothing else
    assert (out / "specs" / "法律顾问费.pdf").read_bytes() != before


def test_review_marks_are_remembered_while_the_folder_is_unchanged(tmp_path, monkeypatch):
    """A build says the `# 待核对` comments left in the specs; a build with nothing to do reads no spec
    for them (they are remembered with the folder's inputs key), an edit is read again."""
    from generator import incremental

    specs, out = copy_specs(EXAMPLES / "2024", tmp_path / "specs"), tmp_path / "out"
    spec = specs / "法律顾问费.yaml"
    lines = spec.read_text(encoding="utf-8").splitlines(True)
    lines[2] = lines[2].rstrip("\n") + "  # 待核对（perfgen new）：核对金额\n"
    write(spec, "".join(lines))
    first = run(specs, out, TEMPLATES)  # read where the folder is built, and remembered
    assert first.marks == [(("法律顾问费.yaml", 3, "核对金额"),)]

    def unread(folder):
        raise AssertionError("an unchanged folder's specs were read for their marks")

    monkeypatch.setattr(incremental, "folder_marks", unread)
    assert run(specs, out, TEMPLATES).marks == first.marks
    monkeypatch.undo()
    write(spec, "".join(lines).replace("核对金额", "核对人数"))
    assert run(specs, out, TEMPLATES).marks == [(("法律顾问费.yaml", 3, "核对人数"),)]
    write(spec, "".join(lines).replace("  # 待核对（perfgen new）：核对金额", ""))
    assert run(specs, out, TEMPLATES).marks == [()]
