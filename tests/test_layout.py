"""Where specs are found and what outputs are called (light enough for a build with nothing to do)."""
from __future__ import annotations

import shutil

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
