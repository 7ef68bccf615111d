"""Content keys and the output manifest: what decides that a project is skipped."""
from __future__ import annotations

import dataclasses
import json
import shutil
from decimal import Decimal

from generator import cache
from generator.build import plan

from conftest import TEMPLATES


def projects(folder, out):
    plans, _ = plan(folder, out, TEMPLATES)
    return {p.name: p for p in plans[0].projects}


def test_fingerprint_follows_content_not_location(spec_folder, tmp_path):
    moved = tmp_path / "elsewhere" / "2024"
    shutil.copytree(spec_folder, moved)
    a, b = projects(spec_folder, tmp_path / "o"), projects(moved, tmp_path / "o")
    assert a["法律顾问费"].source != b["法律顾问费"].source
    assert cache.fingerprint(a["法律顾问费"], skip=("source",)) == cache.fingerprint(b["法律顾问费"], skip=("source",))
    assert cache.fingerprint(a["法律顾问费"]) != cache.fingerprint(b["法律顾问费"])


def test_fingerprint_sees_every_change_that_prints(spec_folder, tmp_path):
    base = projects(spec_folder, tmp_path / "o")["法律顾问费"]
    key = cache.fingerprint(base, skip=("source",))
    changed_amount = dataclasses.replace(base, funds=dataclasses.replace(base.funds, fiscal=Decimal("19201")))
    changed_value = dataclasses.replace(base, indicators=base.indicators[:-1])
    changed_goal = dataclasses.replace(base, annual_goal=base.annual_goal + "。")
    keys = {cache.fingerprint(p, skip=("source",)) for p in (changed_amount, changed_value, changed_goal)}
    assert key not in keys and len(keys) == 3


def test_a_spec_comment_changes_nothing(spec_folder, tmp_path):
    before = cache.fingerprint(projects(spec_folder, tmp_path / "o")["法律顾问费"], skip=("source",))
    spec = spec_folder / "法律顾问费.yaml"
    spec.write_text("# 注释\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    assert cache.fingerprint(projects(spec_folder, tmp_path / "o")["法律顾问费"], skip=("source",)) == before


def test_folder_key_covers_every_file_but_hidden_ones(tmp_path):
    variant = tmp_path / "v"
    shutil.copytree(TEMPLATES / "2024目标表", variant)
    key = cache.folder_key(variant)
    (variant / ".DS_Store").write_bytes(b"x")
    assert cache.folder_key(variant) == key
    settings = variant / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n# 改了\n", encoding="utf-8")
    assert cache.folder_key(variant) != key


def test_toolchain_key_is_stable_within_a_run():
    assert cache.toolchain_key() == cache.toolchain_key() and len(cache.toolchain_key()) == 64


def test_manifest_fresh_only_while_files_are_as_written(tmp_path):
    manifest = cache.Manifest(tmp_path)
    (tmp_path / "a.docx").write_bytes(b"one")
    manifest.record("项目/a", "k1", {"a.docx": b"one"})
    assert manifest.fresh("项目/a", "k1")
    assert not manifest.fresh("项目/a", "k2")
    assert not manifest.fresh("项目/b", "k1")
    (tmp_path / "a.docx").write_bytes(b"edited by hand")
    assert not manifest.fresh("项目/a", "k1")
    (tmp_path / "a.docx").unlink()
    assert not manifest.fresh("项目/a", "k1")


def test_manifest_round_trip_is_deterministic(tmp_path):
    manifest = cache.Manifest(tmp_path)
    manifest.record("项目/乙", "k2", {"乙.xlsx": b"2", "乙.docx": b"1"})
    manifest.record("项目/甲", "k1", {"甲.docx": b"0"})
    (tmp_path / cache.MANIFEST).write_bytes(manifest.to_bytes())
    again = cache.Manifest.load(tmp_path)
    assert again.groups == manifest.groups and again.to_bytes() == manifest.to_bytes()
    assert again.all_files() == {"乙.xlsx", "乙.docx", "甲.docx"}
    assert "20" not in json.loads(manifest.to_bytes())["outputs"]["项目/甲"]  # no timestamps


def test_a_broken_manifest_means_rebuild_everything(tmp_path):
    (tmp_path / cache.MANIFEST).write_text("{not json", encoding="utf-8")
    assert cache.Manifest.load(tmp_path).groups == {}
    (tmp_path / cache.MANIFEST).write_text('{"outputs": []}', encoding="utf-8")
    assert cache.Manifest.load(tmp_path).groups == {}
