"""A build replaces or deletes only what perfgen wrote and nobody changed since; the manifest that
says so is read defensively (hypothesis) and trusted only inside its folder."""
from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import cache
from generator.batch import run
from generator.errors import SpecErrors

from conftest import EXAMPLES, TEMPLATES


@pytest.fixture
def specs(tmp_path):
    shutil.copytree(EXAMPLES / "2024", tmp_path / "specs")
    for facts in (tmp_path / "specs").glob("*.*.yaml"):  # the 目标表s are enough here
        facts.unlink()
    return tmp_path / "specs"


def errors(exc: SpecErrors) -> list[tuple[str, str]]:
    return [(p.file, p.message) for p in exc.problems if not p.warning]


def test_a_users_own_file_with_an_outputs_name_stops_the_build_before_anything_is_written(specs, tmp_path):
    out = tmp_path / "out" / "specs"
    out.mkdir(parents=True)
    mine = out / "法律顾问费.docx"
    mine.write_bytes(b"my own notes")
    with pytest.raises(SpecErrors) as refused:
        run(specs, tmp_path / "out", TEMPLATES)
    [(file, message)] = errors(refused.value)
    assert file == str(mine) and "不是 perfgen 生成的" in message and "--overwrite" in message
    assert sorted(p.name for p in out.iterdir()) == ["法律顾问费.docx"] and mine.read_bytes() == b"my own notes"
    run(specs, tmp_path / "out", TEMPLATES, overwrite=True)  # taken over, said so by the user
    assert mine.read_bytes() != b"my own notes"


def test_a_hand_edited_table_of_a_renamed_project_is_not_deleted(specs, tmp_path):
    out = tmp_path / "out"
    run(specs, out, TEMPLATES)
    edited = out / "specs" / "法律顾问费.docx"
    edited.write_bytes(b"edited by hand")
    spec = specs / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目名称: 法律顾问费", "项目名称: 法律顾问服务费"),
                    encoding="utf-8")
    with pytest.raises(SpecErrors) as refused:
        run(specs, out, TEMPLATES)
    assert [(f, "不会删除" in m) for f, m in errors(refused.value)] == [(str(edited), True)]
    assert edited.read_bytes() == b"edited by hand" and not (out / "specs" / "法律顾问服务费.docx").exists()
    result = run(specs, out, TEMPLATES, overwrite=True)
    assert edited in result.removed and not edited.exists()


@pytest.mark.parametrize("name", ["../../victim.txt", "/tmp/x/victim.txt", "sub/victim.txt", "..", ".hidden"])
def test_a_manifest_entry_outside_its_folder_is_ignored_and_said(specs, tmp_path, name):
    out = tmp_path / "out"
    run(specs, out, TEMPLATES)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    manifest = out / "specs" / cache.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    name = name if not name.startswith("/tmp/x") else str(victim)
    data["outputs"]["项目/不存在的项目"] = {"key": "k", "files": {name: "0" * 64}}
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run(specs, out, TEMPLATES)
    assert victim.read_bytes() == b"keep me"
    assert any("不在这个输出目录之内" in w.message and name in w.message for w in result.warnings)
    assert run(specs, out, TEMPLATES).warnings == [w for w in result.warnings if "不在" not in w.message]


@pytest.mark.parametrize("content", ["[]", '{"outputs": []}', '{"outputs": {"a": 1}}', "{", "null", '"x"',
                                     '{"outputs": {"项目/a": {"key": 1, "files": {"a.docx": 2}}}, "inputs": []}'])
def test_a_manifest_of_the_wrong_shape_is_said_once_and_every_build_still_runs(specs, tmp_path, content):
    out = tmp_path / "out"
    run(specs, out, TEMPLATES)
    (out / "specs" / cache.MANIFEST).write_text(content, encoding="utf-8")
    with pytest.raises(SpecErrors) as refused:  # its tables are no longer known to be perfgen's
        run(specs, out, TEMPLATES)
    assert all("不是 perfgen 生成的" in m for _, m in errors(refused.value))
    result = run(specs, out, TEMPLATES, overwrite=True)
    assert any(cache.MANIFEST in w.file for w in result.warnings) or content.startswith('{"outputs": {')
    assert run(specs, out, TEMPLATES).built == []  # and the next build is an ordinary one


def test_a_folder_in_an_outputs_place_is_never_taken_over(specs, tmp_path):
    out = tmp_path / "out"
    (out / "specs" / "法律顾问费.xlsx").mkdir(parents=True)
    for overwrite in (False, True):
        with pytest.raises(SpecErrors) as refused:
            run(specs, out, TEMPLATES, overwrite=overwrite)
        assert [f for f, _ in errors(refused.value)] == [str(out / "specs" / "法律顾问费.xlsx")]


manifest_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                               lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                           max_size=3), max_leaves=12)
names = st.sampled_from(["a.docx", "../a", "/etc/passwd", "a/b", "", ".", "..", ".x", "a\\b", "c:d", "ok.xlsx"])


@settings(max_examples=150, deadline=None)
@given(st.one_of(manifest_values, st.fixed_dictionaries({
    "outputs": st.dictionaries(st.text(max_size=6), st.one_of(manifest_values, st.fixed_dictionaries({
        "key": st.one_of(st.text(max_size=4), st.integers()),
        "files": st.dictionaries(names, st.one_of(st.text(max_size=3), st.just("a" * 64), st.integers()))})),
        max_size=3),
    "inputs": manifest_values})))
def test_the_manifest_reader_takes_any_json_and_keeps_only_plain_names_and_digests(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("m")
    (folder / cache.MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    manifest = cache.Manifest.load(folder)
    for group in manifest.groups.values():
        assert isinstance(group["key"], str)
        for name, digest in group["files"].items():
            assert cache.plain_name(name) and "/" not in name and ".." != name and len(digest) == 64
    assert isinstance(manifest.inputs, (dict, type(None)))
    manifest.to_bytes()
    manifest.file_digests()
    manifest.all_files()
