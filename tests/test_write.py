import io
import zipfile

import pytest

from generator.staging import Staging, stage_bytes
from generator.write import FIXED_DATE, normalize_zip, zip_bytes


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
    assert old.read_bytes() == b"old" and not (tmp_path / "sub").exists()  # discarded, and the folder made for it
    with Staging() as staging:
        staging.add(old, b"new")
        staging.commit()
    assert old.read_bytes() == b"new"
    assert not [p for p in tmp_path.rglob("*.tmp")]


# ---------------------------------------------------------------- the zip writer

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.write import FIXED_ZIP_TIME, Entry, ZipWriter, deflate, read_entry  # noqa: E402


def zipfile_bytes(entries) -> bytes:
    """What zipfile writes for the same entries (made on Unix, as ours always say)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type, info.external_attr, info.create_system = zipfile.ZIP_DEFLATED, 0o644 << 16, 3
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode)),
                max_size=6, unique_by=lambda entry: entry[0]))
def test_zip_bytes_are_the_bytes_zipfile_writes(entries):
    assert zip_bytes(entries) == zipfile_bytes(entries)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode), st.booleans()),
                max_size=6, unique_by=lambda entry: entry[0]))
def test_parts_packed_once_are_written_as_zipfile_writes_them(entries):
    """Parts whose zip records were made once (write.packed: a template's fixed parts) give the
    bytes zipfile writes, wherever they stand in a package."""
    from generator.write import packed

    made = [packed(deflate(name, data)) if once else deflate(name, data) for name, data, once in entries]
    expected = zipfile_bytes([(n, d) for n, d, _ in entries])
    assert zip_bytes(made) == expected and zip_bytes(made) == expected  # the records reused: the same again
    assert zip_bytes(made[::-1]) == zipfile_bytes([(n, d) for n, d, _ in entries[::-1]])  # at other offsets


def test_a_part_deflated_once_is_the_same_in_every_package():
    styles = deflate("word/styles.xml", b"<w:styles>" + b"<w:style/>" * 500 + b"</w:styles>")
    first = zip_bytes([("a.xml", b"<a/>"), styles])
    second = zip_bytes([("a.xml", b"<b/>"), styles])
    with zipfile.ZipFile(io.BytesIO(first)) as one, zipfile.ZipFile(io.BytesIO(second)) as two:
        assert one.read("word/styles.xml") == two.read("word/styles.xml")
    assert first == zipfile_bytes([("a.xml", b"<a/>"), ("word/styles.xml", zlib_inflate(styles))])


def zlib_inflate(entry: Entry) -> bytes:
    import zlib

    return zlib.decompress(entry.data, -15)


def test_read_entry_takes_a_member_without_inflating_it(tmp_path):
    data = "汇总".encode() * 4000
    path = tmp_path / "book.xlsx"
    path.write_bytes(zip_bytes([("a.xml", b"<a/>"), ("xl/worksheets/sheet1.xml", data)]))
    entry = read_entry(path, "xl/worksheets/sheet1.xml")
    assert entry == deflate("xl/worksheets/sheet1.xml", data)
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    writer.add(Entry("copy.xml", entry.crc, entry.size, entry.data))
    writer.close()
    with zipfile.ZipFile(buffer) as archive:
        assert archive.read("copy.xml") == data and archive.testzip() is None


# ---------------------------------------------------------------- staging

def test_staging_keeps_its_list_on_disk_and_commits_any_name(tmp_path):
    odd = ["普通.docx", "with space.xlsx", "line\nbreak.docx", "汇总.xlsx", "a" * 120 + ".docx"]
    targets = [tmp_path / "out" / f"{i:03d}-{odd[i % len(odd)]}" for i in range(300)]
    with Staging(index=False) as staging:
        for target in targets:
            staging.add(target, target.name.encode())
        assert staging.count == len(targets) and not any(t.exists() for t in targets)
        with pytest.raises(RuntimeError):
            staging.path(targets[0])
        written = staging.commit()
    assert written == targets and all(t.read_bytes() == t.name.encode() for t in targets)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_a_dropped_build_leaves_no_folder_it_made_and_keeps_those_it_found(tmp_path):
    mine = tmp_path / "out" / "mine"
    mine.mkdir(parents=True)
    with Staging() as staging:
        staging.add(tmp_path / "out" / "a" / "b" / "c.docx", b"c")
        staging.add(mine / "d.docx", b"d")
        staging.add(mine / "new" / "e.docx", b"e")
        assert staging.path(mine / "d.docx").name.endswith(".tmp")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["out", "out/mine"]


def test_streamed_staging_hashes_what_it_wrote(tmp_path):
    import hashlib

    with Staging() as staging:
        done = staging.write(tmp_path / "big.bin", lambda handle: [handle.write(bytes([i]) * 1000) for i in range(50)])
        staging.commit()
    assert done.digest == hashlib.sha256((tmp_path / "big.bin").read_bytes()).hexdigest()


def test_temporary_names_are_fixed_unless_taken_and_swept_either_way(tmp_path):
    from generator.staging import sweep

    first = stage_bytes(tmp_path / "表.docx", b"a")
    again = stage_bytes(tmp_path / "表.docx", b"b")  # the fixed name is taken: a random one, never the first
    assert first.tmp.name == ".表.docx.perfgen_.tmp" and again.tmp != first.tmp
    assert first.tmp.read_bytes() == b"a" and again.tmp.read_bytes() == b"b"
    assert (first.tmp.stat().st_mode & 0o777) == (again.tmp.stat().st_mode & 0o777)  # the usual mode, both
    assert sweep(tmp_path) == 2 and not list(tmp_path.iterdir())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=20000) | st.text(max_size=5000).map(str.encode)
       | st.lists(st.sampled_from([b"<c r=\"A1\" s=\"3\"/>", "指标".encode(), b"<row>", b"</row>", b" "]),
                  max_size=3000).map(b"".join))
def test_a_part_is_deflated_as_a_compressor_deflates_it(data):
    """deflate's one call of zlib.compress gives the stream zipfile's compressor object (level 6,
    raw) gives, in two calls."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert deflate("a.xml", data).data == compressor.compress(data) + compressor.flush()
