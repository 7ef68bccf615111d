"""Every example output opens in LibreOffice (headless conversion to PDF), where soffice exists."""
from __future__ import annotations

import shutil
import subprocess

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_every_output_converts_to_pdf(built_examples, tmp_path):
    files = sorted(p for p in built_examples.rglob("*") if p.suffix in (".docx", ".xlsx"))
    assert files
    groups: dict[tuple, list[str]] = {}
    for path in files:  # one PDF per stem: keep folders and formats apart
        groups.setdefault((path.parent.name, path.suffix), []).append(str(path))
    for (folder, suffix), batch in groups.items():
        out = tmp_path / folder / suffix[1:]
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--convert-to", "pdf", "--outdir", str(out), *batch],
                       check=True, capture_output=True, timeout=600)
        pdfs = sorted(out.glob("*.pdf"))
        assert len(pdfs) == len(batch)
        assert all(p.stat().st_size > 1000 and p.read_bytes().startswith(b"%PDF") for p in pdfs)
