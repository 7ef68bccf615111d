"""All or nothing on disk: every target checked before the first rename, a failed commit undone,
a killed one undone by the next build, leftovers swept; a full disk and a read-only folder."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import staging as staging_module
from generator.errors import CommitError
from generator.staging import UNDO_LOG, Staging, recover, sweep


def outputs(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_folder_in_a_targets_place_stops_the_commit_before_anything_is_renamed(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"old a")
    (tmp_path / "b.docx").mkdir()  # as a table open in WPS on Windows: it cannot be replaced
    with Staging() as staging:
        staging.add(tmp_path / "a.docx", b"new a")
        staging.add(tmp_path / "b.docx", b"new b")
        with pytest.raises(CommitError, match=r"b\.docx.*Word 或 WPS"):
            staging.commit()
    assert (tmp_path / "a.docx").read_bytes() == b"old a" and (tmp_path / "b.docx").is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_failure_during_the_commit_puts_every_old_output_back(tmp_path, monkeypatch, fail_at):
    for name in ("a", "b"):
        (tmp_path / f"{name}.docx").write_bytes(b"old " + name.encode())
    (tmp_path / "gone.docx").write_bytes(b"old gone")
    before = outputs(tmp_path)
    real, calls = os.replace, []

    def replace(src, dst):  # the fail_at-th rename fails, as a locked file does on Windows
        calls.append(dst)
        if len(calls) == fail_at:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    with Staging() as staging:
        staging.add(tmp_path / "a.docx", b"new a")
        staging.add(tmp_path / "new.docx", b"new")
        staging.add(tmp_path / "b.docx", b"new b")
        staging.delete(tmp_path / "gone.docx")
        monkeypatch.setattr(staging_module.os, "replace", replace)
        with pytest.raises(CommitError, match="已恢复原有的输出"):
            staging.commit()
        monkeypatch.setattr(staging_module.os, "replace", real)
    assert outputs(tmp_path) == before


def test_a_commit_puts_new_files_in_place_and_deletes_what_was_asked(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"old")
    (tmp_path / "gone.docx").write_bytes(b"gone")
    with Staging(recovery=tmp_path) as staging:
        staging.add(tmp_path / "a.docx", b"new")
        staging.delete(tmp_path / "gone.docx")
        assert staging.commit() == [tmp_path / "a.docx"]
    assert outputs(tmp_path) == {"a.docx": b"new"}  # no backup, no undo log left


def test_one_target_twice_is_refused(tmp_path):
    with Staging() as staging:
        staging.add(tmp_path / "a.docx", b"1")
        with pytest.raises(CommitError, match="写两次"):
            staging.add(tmp_path / "a.docx", b"2")
    assert list(tmp_path.iterdir()) == []


def test_one_target_twice_is_refused_also_back_in_a_folder_staged_before(tmp_path):
    """Only the folder being staged keeps its targets in memory; a folder staged in again (the PDFs
    after the tables) has its targets read back from the journal."""
    with Staging() as staging:
        for folder in ("a", "b"):
            for name in ("x.docx", "y.docx"):
                staging.add(tmp_path / folder / name, b"1")
        assert len(staging._targets) == 2  # b's; a's are in the journal only
        staging.add(tmp_path / "a" / "x.pdf", b"2")
        with pytest.raises(CommitError, match="写两次"):
            staging.add(tmp_path / "a" / "y.docx", b"3")


def test_a_commit_can_give_the_written_targets_a_block_at_a_time(tmp_path):
    written = []
    with Staging() as staging:
        staging.add(tmp_path / "a.docx", b"a")
        staging.add(tmp_path / "b.docx", b"b")
        assert staging.commit(record=written.extend) == []
    assert written == [tmp_path / "a.docx", tmp_path / "b.docx"] and (tmp_path / "b.docx").read_bytes() == b"b"


def test_the_undo_log_of_a_killed_commit_is_undone_and_leftovers_swept(tmp_path, monkeypatch):
    (tmp_path / "a.docx").write_bytes(b"old a")
    staging = Staging(recovery=tmp_path)
    staging.add(tmp_path / "a.docx", b"new a")
    staging.add(tmp_path / "b.docx", b"new b")
    staging.add(tmp_path / "sub" / "c.docx", b"new c")
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # a.docx moved aside and replaced, b.docx put in place: then the kill
            raise SystemExit("killed")
        return real(src, dst)

    # a kill: the process undoes nothing and leaves its undo log
    monkeypatch.setattr(staging_module, "_undo", lambda entries, inside=None: False)
    monkeypatch.setattr(staging_module._UndoLog, "close", lambda self, keep=False: self.handle.close())
    monkeypatch.setattr(staging_module.os, "replace", replace)
    with pytest.raises(SystemExit):
        staging.commit()
    monkeypatch.undo()
    assert (tmp_path / UNDO_LOG).is_file() and (tmp_path / "b.docx").read_bytes() == b"new b"
    assert recover(tmp_path)  # the next build, first thing under the lock
    assert sweep(tmp_path) == 1  # c.docx's temporary file
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == ["a.docx"]
    assert (tmp_path / "a.docx").read_bytes() == b"old a"


def test_an_undo_log_naming_paths_outside_its_folder_touches_none_of_them(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"mine")
    folder = tmp_path / "out"
    folder.mkdir()
    digest = staging_module._file_digest(str(outside))
    (folder / UNDO_LOG).write_text(f'["{outside}", "", "{digest}"]\n["../x", "../y", ""]\n{{broken\n',
                                   encoding="utf-8")
    assert recover(folder)
    assert outside.read_bytes() == b"mine" and not (folder / UNDO_LOG).exists()


def test_sweep_removes_only_the_shapes_of_temporary_files(tmp_path):
    names = [".a.docx.abcd1234.tmp", ".a.docx.abcd1234.old", ".keep", "a.tmp", ".a.docx.tmp", "~$a.docx"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert sweep(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


def test_a_read_only_folder_is_said_before_anything_is_renamed(tmp_path, monkeypatch):
    # as root, chmod does not stop writes: the check itself is what is tested here, by making
    # os.access say what it says for a read-only folder (tmpfs remounted ro is in test_a_full_disk…)
    (tmp_path / "a.docx").write_bytes(b"old")
    with Staging() as staging:
        staging.add(tmp_path / "a.docx", b"new")
        monkeypatch.setattr(staging_module.os, "access", lambda path, mode: False)
        with pytest.raises(CommitError, match="没有写入权限或磁盘是只读的"):
            staging.commit()
    assert (tmp_path / "a.docx").read_bytes() == b"old"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs, mounted for the test (root only; skipped elsewhere)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_a_message_and_changes_nothing(small_disk):
    (small_disk / "a.docx").write_bytes(b"old")
    with Staging() as staging:
        staging.add(small_disk / "a.docx", b"new")
        with pytest.raises(CommitError, match="磁盘空间不足"):
            staging.add(small_disk / "b.docx", os.urandom(2 * 1024 * 1024))
    assert outputs(small_disk) == {"a.docx": b"old"}


def test_a_read_only_disk_is_a_message_and_changes_nothing(small_disk):
    (small_disk / "a.docx").write_bytes(b"old")
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True).returncode == 0
    try:
        with Staging() as staging, pytest.raises(CommitError, match="只读"):
            staging.add(small_disk / "a.docx", b"new")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], capture_output=True)
    assert outputs(small_disk) == {"a.docx": b"old"}


@pytest.mark.parametrize("taken", [False, True])
def test_a_staged_file_has_the_usual_mode_its_bytes_digest_and_stat(tmp_path, taken):
    """Bytes staged into a missing folder: the folder is made (and listed), the file gets the mode
    of any new file (0666 less the umask), its sha256 and the stat the digest memory keys it by;
    where the fixed temporary name is taken, mkstemp's file gets the same mode."""
    import hashlib
    import stat

    from generator.cache import stat_key

    target = tmp_path / "新" / "表.docx"
    if taken:
        target.parent.mkdir()
        (target.parent / f".{target.name}.{staging_module._TOKEN}.tmp").write_bytes(b"")
    data = b"x" * 100_000
    staged = staging_module.stage_bytes(target, data)
    assert staged.tmp.read_bytes() == data and staged.digest == hashlib.sha256(data).hexdigest()
    assert stat.S_IMODE(staged.tmp.stat().st_mode) == staging_module._FILE_MODE
    assert staged.stat == stat_key(staged.tmp)
    assert staged.created == (() if taken else (str(target.parent),))


@given(st.lists(st.tuples(st.text(), st.text(), st.text()), max_size=5))
def test_an_undo_log_line_is_the_entry_as_json_writes_it(entries):
    import json

    from generator.staging import _UndoLog

    log = _UndoLog(None)
    log.add_all(entries)
    log.handle.seek(0)
    assert log.handle.read() == "".join(json.dumps(list(entry), ensure_ascii=False) + "\n" for entry in entries)
    assert log.entries() == [list(entry) for entry in entries]
    log.close()
