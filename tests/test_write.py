import io
import zipfile

import pytest

from generator.write import FIXED_DATE, Staging, normalize_zip, zip_bytes


def test_zip_bytes_depend_only_on_entries():
    entries = [("a.xml", b"<a/>"), ("docProps/core.xml",
                                    b"<dcterms:created x=\"1\">2024-05-01T10:00:00Z</dcterms:created>")]
    assert zip_bytes(entries) == zip_bytes(entries)
    with zipfile.ZipFile(io.BytesIO(zip_bytes(entries))) as archive:
        assert FIXED_DATE.encode() in archive.read("docProps/core.xml")
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert normalize_zip(zip_bytes(entries)) == zip_bytes(entries)


def test_staging_commits_all_or_nothing(tmp_path):
    old = tmp_path / "old.docx"
    old.write_bytes(b"old")
    with Staging() as staging:
        staging.add(old, b"new")
        staging.add(tmp_path / "sub" / "b.docx", b"b")
        assert old.read_bytes() == b"old" and not (tmp_path / "sub" / "b.docx").exists()
    assert old.read_bytes() == b"old" and list((tmp_path / "sub").iterdir()) == []  # discarded
    with Staging() as staging:
        staging.add(old, b"new")
        staging.commit()
    assert old.read_bytes() == b"new"
    assert not [p for p in tmp_path.rglob("*.tmp")]
