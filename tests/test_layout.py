"""Where specs are found and what outputs are called (light enough for a build with nothing to do)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.errors import Problems
from generator.layout import count_spec_files, preview_target, safe_filename, spec_files, spec_folders, targets

from conftest import EXAMPLES, copy_specs, write


def test_spec_folders_and_files_in_a_stable_order_without_hidden_ones(tmp_path):
    root = tmp_path / ".parent" / "specs"
    copy_specs(EXAMPLES / "2024", root / "2024")
    copy_specs(EXAMPLES / "2022", root / "2024" / "单位")
    copy_specs(EXAMPLES / "2022", root / ".trash" / "2022")
    write(root / "2024" / ".draft.yaml", "x")
    write(root / "2024" / "说明.txt", "x")
    assert [p.relative_to(root).as_posix() for p in spec_folders(root)] == ["2024", "2024/单位"]
    files = spec_files(root / "2024")
    assert [p.name for p in files] == sorted(p.name for p in files) and "部门.yaml" not in [p.name for p in files]
    assert count_spec_files(root / "2024") == len(files) == 7


def test_spec_folders_are_those_os_walk_finds(tmp_path):
    """spec_folders walks with scandir as os.walk did (not into linked or hidden folders; a
    部门.yaml that is a folder is none, a link to one is one)."""
    import os

    def reference(root):
        found = []
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            if "部门.yaml" in files:
                found.append(Path(folder))
        return sorted(found)

    root = tmp_path / "specs"
    for folder in ["a", "a/b", "a/b/c", "d", ".e", "a/.f", "g"]:
        (root / folder).mkdir(parents=True)
        write(root / folder / "部门.yaml", "x")
    (root / "g" / "部门.yaml").unlink()
    (root / "g" / "部门.yaml").mkdir()                          # a folder of that name: no spec folder
    (root / "h").mkdir()
    (root / "h" / "部门.yaml").symlink_to(root / "a" / "部门.yaml")  # a link to the file: one
    (root / "link").symlink_to(root / "a")                       # a linked folder: not gone into
    (root / "broken").symlink_to(root / "nowhere")
    assert spec_folders(root) == reference(root)
    assert [p.relative_to(root).as_posix() for p in spec_folders(root)] == ["a", "a/b", "a/b/c", "d", "h"]
    assert spec_folders(root / "a" / "b" / "c") == reference(root / "a" / "b" / "c") == [root / "a" / "b" / "c"]
    assert spec_folders(root / "nowhere") == []


def test_outputs_mirror_the_spec_folders(tmp_path):
    problems = Problems()
    _, pairs = targets(EXAMPLES, tmp_path, None, problems)
    assert not problems and [out.relative_to(tmp_path).as_posix() for _, out in pairs] == [
        "2022", "2023吴泾镇", "2023吴淞镇", "2024", "2024新虹街道", "2024社会保障服务中心"]
    _, [(folder, out)] = targets(EXAMPLES / "2024", tmp_path, None, problems)
    assert folder == EXAMPLES / "2024" and out == tmp_path / "2024"
    targets(tmp_path / "nothing", tmp_path, None, problems)
    assert "找不到项目说明" in problems.errors[0].message


def test_safe_filenames():
    assert safe_filename('a/b:c*?"<>|') == "a_b_c______" and safe_filename(" . ") == "未命名"


def test_previews_mirror_the_spec_folders_like_the_tables(tmp_path, monkeypatch):
    """Two projects of one name in two folders get two previews, where build puts their tables."""
    monkeypatch.chdir(tmp_path)
    for year in ("2024", "2025"):
        write(tmp_path / "specs" / year / "法律顾问费.yaml", "x")
    write(tmp_path / "新部门" / "法律顾问费.yaml", "x")
    spec = tmp_path / "specs" / "2024" / "法律顾问费.yaml"
    assert preview_target(spec, "法律顾问费").as_posix() == "output/2024/法律顾问费.png"
    assert preview_target(tmp_path / "specs" / "2025" / "法律顾问费.yaml", "法律顾问费").as_posix() == \
        "output/2025/法律顾问费.png"
    assert preview_target(tmp_path / "新部门" / "法律顾问费.yaml", "法/律").as_posix() == "output/新部门/法_律.png"
    monkeypatch.chdir(tmp_path / "specs")  # a spec outside the current folder: its folder's name
    assert preview_target(tmp_path / "新部门" / "法律顾问费.yaml", "法律顾问费").as_posix() == "output/新部门/法律顾问费.png"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator.layout import MAX_STEM_BYTES, name_key  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_portable_names_fit_hold_no_forbidden_character_and_keep_two_names_two(a, b):
    for name in (a, b):
        stem = safe_filename(name)
        assert stem and len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        assert not set(stem) & set('\\/:*?"<>|') and not any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in stem)
        assert stem.strip(" .") == stem and stem.split(".")[0].rstrip(" ").upper() not in ("CON", "NUL", "PRN", "AUX")
        assert safe_filename(name) == stem  # the same every time, on every platform
    if a != b and len(a.encode("utf-8", "surrogatepass")) > MAX_STEM_BYTES and a.startswith(b[:10]):
        assert safe_filename(a) != safe_filename(b) or name_key(a) == name_key(b)


def test_windows_device_names_and_long_names():
    assert safe_filename("CON") == "CON_" and safe_filename("nul.txt") == "nul_.txt" and safe_filename("COM1") == "COM1_"
    long_a, long_b = "长" * 80 + "甲", "长" * 80 + "乙"
    assert safe_filename(long_a) != safe_filename(long_b)
    assert len(f".{safe_filename(long_a)}.docx.abcdefgh.tmp".encode()) <= 255
    assert name_key("ＡＢＣ") == name_key("abc")


@pytest.mark.parametrize("cwd", ["here", "外面"])
def test_looks_that_remember_answer_as_the_file_system(tmp_path, monkeypatch, cwd):
    """A build asks about the folders above its spec folders once (Looks(remember=True)): the
    answers, links and `..` included, are those of the file system."""
    from generator.layout import Looks, Templates, category_folders, ruleset_folders, search_folders

    root = tmp_path / "项目"
    (root / ".git").mkdir(parents=True)
    for folder in ("类别", "甲/类别", "甲/评分规则", "templates/格式一", "乙/templates"):
        (root / folder).mkdir(parents=True)
    (root / "templates" / "格式一" / "settings.yaml").write_text("", encoding="utf-8")
    (root / "乙" / "templates" / "years.yaml").write_text("", encoding="utf-8")
    (root / "丙").symlink_to(root / "甲", target_is_directory=True)
    (root / "甲" / "丁").mkdir()
    (root / "乙" / "戊" / "templates" / "格式二").mkdir(parents=True)  # an office's own, below the root
    (root / "乙" / "戊" / "templates" / "格式二" / "settings.yaml").write_text("", encoding="utf-8")
    (root / "乙" / "己").mkdir()
    outside = tmp_path / "外面" / "庚"  # no project root above it
    (outside / "templates" / "格式三").mkdir(parents=True)
    (outside / "templates" / "格式三" / "settings.yaml").write_text("", encoding="utf-8")
    (tmp_path / "外面" / "辛").mkdir()
    if cwd != "here":  # the folders under the current one belong to it (no project root above them)
        monkeypatch.chdir(tmp_path / cwd)
    looks = Looks(remember=True)
    for folder in [root / "甲", root / "乙", root / "丙", root / "甲" / "丁", root / "丙" / "丁", root / "乙" / ".." / "甲",
                   root / "没有", root, root / "乙" / "戊", root / "乙" / "己", outside, tmp_path / "外面" / "辛",
                   tmp_path / "外面", Path.cwd()]:
        looks.at(folder)  # what is about the folder itself is not kept: asked again, it is looked at again
        assert category_folders(folder, looks) == category_folders(folder), folder
        assert ruleset_folders(folder, looks) == ruleset_folders(folder), folder
        assert search_folders(folder, looks) == search_folders(folder), folder
        assert Templates(None, folder).layers(looks) == Templates(None, folder).folders, folder
        assert looks.resolve(folder) == folder.resolve(), folder


def test_looks_keep_an_answer_per_path_and_forget_the_folders_own(tmp_path):
    """Answers are kept by the path (two Path objects of one folder share one answer); those about
    the spec folder being looked at, only until the next: a 类别/ made in it meanwhile is seen."""
    from generator.layout import Looks, category_folders

    folder = (tmp_path / "部门").resolve()
    folder.mkdir()
    looks, asked = Looks(remember=True), []
    assert looks.is_dir(tmp_path / "部门") and looks._ask("dir", Path(str(tmp_path)) / "部门", asked.append)
    assert asked == []
    assert category_folders(folder, looks.at(folder))[:-1] == []
    (folder / "类别").mkdir()
    assert category_folders(folder, looks.at(folder))[:-1] == [folder / "类别"]


def test_within_is_is_relative_to():
    """output_problems compares resolved paths as texts: as Path.is_relative_to does."""
    from pathlib import PurePosixPath

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.layout import _within

    parts = st.lists(st.sampled_from(["a", "b", "ab", "a b", "说明", "a.b"]), max_size=4)

    @settings(max_examples=200, deadline=None)
    @given(parts, parts)
    def check(path, folder):
        path, folder = PurePosixPath("/", *path), PurePosixPath("/", *folder)
        assert _within(str(path), str(folder)) == path.is_relative_to(folder)

    check()
