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
