"""PDF and PNG through LibreOffice and pdftoppm: one soffice run per batch, clear messages when missing."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from generator import pdf
from generator.pdf import ConversionFailed, ToolMissing, find_pdftoppm, find_soffice, first_page_png, to_pdf

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
_SKIP_WITHOUT_SOFFICE = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def needs_soffice(test):
    """A test that runs LibreOffice: skipped without it, and `slow` (pytest -m "not slow" leaves it out)."""
    return pytest.mark.slow(_SKIP_WITHOUT_SOFFICE(test))


needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def counting_soffice(tmp_path: Path) -> tuple[Path, Path]:
    """A soffice that logs each start, then runs the real one."""
    log = tmp_path / "soffice.log"
    return script(tmp_path / "soffice-shim", f'echo run >> "{log}"\nexec "{SOFFICE}" "$@"'), log


@pytest.fixture
def no_tools(monkeypatch, tmp_path):
    """A machine without LibreOffice or poppler: an empty PATH and none of the usual places."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(pdf.SOFFICE_ENV, raising=False)
    monkeypatch.setattr(pdf, "_SOFFICE_PLACES", ())


def test_missing_libreoffice_says_how_to_install_it(no_tools):
    with pytest.raises(ToolMissing, match="找不到 LibreOffice.*apt-get install libreoffice.*PERFGEN_SOFFICE"):
        find_soffice()


def test_missing_pdftoppm_says_how_to_install_it(no_tools):
    with pytest.raises(ToolMissing, match="找不到 pdftoppm.*poppler-utils"):
        find_pdftoppm()


def test_the_environment_can_point_at_libreoffice(monkeypatch, tmp_path, no_tools):
    fake = script(tmp_path / "my-soffice", "exit 0")
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(fake))
    assert find_soffice() == str(fake)
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ToolMissing, match="PERFGEN_SOFFICE"):
        find_soffice()


def test_a_converter_that_writes_nothing_is_an_error(tmp_path):
    silent = script(tmp_path / "soffice", 'echo "source file could not be loaded" >&2')
    with pytest.raises(ConversionFailed, match="未能把 2 个文件转换为 PDF.*could not be loaded"):
        to_pdf([(".docx", b"x"), (".xlsx", b"y")], str(silent))


def test_nothing_to_convert_starts_nothing():
    assert to_pdf([], "/nonexistent/soffice") == []


@needs_soffice
def test_one_run_converts_a_batch_even_when_names_clash(built_examples, tmp_path):
    shim, log = counting_soffice(tmp_path)
    folder = built_examples / "2024"
    documents = [(".docx", (folder / "法律顾问费.docx").read_bytes()), (".xlsx", (folder / "法律顾问费.xlsx").read_bytes()),
                 (".xlsx", (folder / "汇总.xlsx").read_bytes())]
    pdfs = to_pdf(documents, str(shim))
    assert len(pdfs) == 3 and all(p.startswith(b"%PDF") for p in pdfs)
    assert log.read_text().split() == ["run"]


@needs_pdftoppm
def test_first_page_of_a_broken_pdf_is_an_error():
    with pytest.raises(ConversionFailed, match="pdftoppm"):
        first_page_png(b"not a pdf")
