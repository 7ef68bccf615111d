"""Content keys and the output manifest: what decides that a project is skipped."""
from __future__ import annotations

import dataclasses
import json
import shutil
from decimal import Decimal
from pathlib import Path

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


# ---------------------------------------------------------------- remembered digests

import os  # noqa: E402
import time  # noqa: E402


def aged(path, seconds: float = 10) -> int:
    """Date the file `seconds` back (as if written a while ago); returns its mtime."""
    past = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(past, past))
    return past


def test_a_remembered_digest_is_believed_while_size_mtime_and_inode_stay(tmp_path):
    store, path = tmp_path / "store.json", tmp_path / "a.docx"
    path.write_bytes(b"one")
    mtime = aged(path)
    first = cache.Digests(store)
    assert first.digest(path) == cache.sha256(b"one")
    first.save()
    path.write_bytes(b"two")  # same size, same inode, mtime put back: the file is not read again
    os.utime(path, ns=(mtime, mtime))
    assert cache.Digests(store).digest(path) == cache.sha256(b"one")
    path.write_bytes(b"two")  # an edit as any editor makes it: a new mtime
    assert cache.Digests(store).digest(path) == cache.sha256(b"two")


def test_a_file_changed_just_before_it_was_remembered_is_read_again(tmp_path):
    store, path = tmp_path / "store.json", tmp_path / "a.docx"
    path.write_bytes(b"one")
    mtime = os.stat(path).st_mtime_ns
    first = cache.Digests(store)
    first.digest(path)
    first.save()
    path.write_bytes(b"two")  # edited within the same tick of the file clock
    os.utime(path, ns=(mtime, mtime))
    assert cache.Digests(store).digest(path) == cache.sha256(b"two")


def test_written_files_are_remembered_from_their_stat_and_nothing_without_a_store(tmp_path):
    store, path = tmp_path / "store.json", tmp_path / "b.xlsx"
    path.write_bytes(b"table")
    aged(path)
    written = cache.Digests(store)
    written.remember(path, "digest-as-written", cache.stat_key(path))
    written.save()
    assert cache.Digests(store).digest(path) == "digest-as-written"
    memoryless = cache.Digests()
    memoryless.digest(path)
    memoryless.remember(path, "x", cache.stat_key(path))
    assert memoryless.seen == {}


def test_each_output_folder_has_its_store_in_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path / "cache"))
    a, b = cache.Digests.for_output(tmp_path / "out" / "a"), cache.Digests.for_output(tmp_path / "out" / "b")
    assert a.store.parent == b.store.parent == tmp_path / "cache" / "digests" and a.store != b.store
    a.store.parent.mkdir(parents=True)
    a.store.write_text("{not json", encoding="utf-8")  # a store cut short is an empty one
    assert cache.Digests.for_output(tmp_path / "out" / "a").entries == {}


def test_inputs_key_covers_the_files_of_the_folder_and_nothing_hidden(spec_folder, tmp_path):
    key = cache.inputs_key(spec_folder, "perfgen")
    (spec_folder / ".notes").write_text("x", encoding="utf-8")
    (spec_folder / "sub").mkdir()
    assert cache.inputs_key(spec_folder, "perfgen") == key
    assert cache.inputs_key(spec_folder, "perfgen 2") != key
    (spec_folder / "说明.txt").write_text("y", encoding="utf-8")
    assert cache.inputs_key(spec_folder, "perfgen") != key


def test_installed_versions_are_importlib_metadatas():
    from importlib import metadata

    names = ("docxtpl", "python-docx", "lxml", "jinja2", "PyYAML", "openpyxl")
    assert cache.installed_versions(names) == {name: metadata.version(name) for name in names}
    assert cache.installed_versions(("no-such-distribution",)) == {}


def test_a_manifests_names_and_digests_are_checked_however_many(tmp_path):
    """A group of plain names and sha256s is taken whole (two regex matches); any other is looked
    at name by name: the odd ones dropped, the names outside the folder said."""
    import json

    from generator.cache import MANIFEST, Manifest

    digest = "a" * 64
    groups = {
        "plain": {"a.docx": digest, "汇总.xlsx": digest, "x" * 63: digest},
        "long": {"长" * 70 + ".docx": digest, "b.docx": digest},           # 214 bytes: plain, looked at
        "too long": {"长" * 90 + ".docx": digest},                          # 275 bytes: not a file name here
        "odd": {"../x.docx": digest, ".hidden": digest, "c.docx": "A" * 64, "d.docx": 5, "e.docx": digest},
    }
    data = {"outputs": {group: {"key": "k", "files": files} for group, files in groups.items()}}
    (tmp_path / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    manifest = Manifest.load(tmp_path)
    assert manifest.groups["plain"]["files"] == groups["plain"]
    assert manifest.groups["long"]["files"] == groups["long"]
    assert manifest.groups["too long"]["files"] == {}
    assert manifest.groups["odd"]["files"] == {"e.docx": digest}
    assert manifest.ignored == ["长" * 90 + ".docx", "../x.docx", ".hidden"]


def _reference_plain(value):
    """The content keys' definition, one Python call per value (what fingerprint computed before
    json's encoder did the walk): fingerprint must give exactly these keys, or every table of
    every district would be rebuilt once for nothing."""
    import datetime as dt
    from enum import Enum
    from pathlib import Path

    names = cache._fields(type(value))
    if type(value) in (str, int, float, bool, type(None)):
        return value
    if names is not None:
        return {"__type__": type(value).__name__, **{name: _reference_plain(getattr(value, name)) for name in names}}
    if hasattr(value, "model_dump"):
        return _reference_plain(value.model_dump())
    if isinstance(value, dict):
        return {str(k): _reference_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_reference_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"D:{value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    return value


def _reference_key(value, skip=()):
    plain = _reference_plain(value)
    if isinstance(plain, dict):
        plain = {k: v for k, v in plain.items() if k not in skip}
    return cache.sha256(json.dumps(plain, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def test_every_example_tables_key_is_the_reference_key():
    from conftest import EXAMPLES
    from generator.forms import form_of

    plans, _ = plan(EXAMPLES, None, TEMPLATES)
    tables = [pair for item in plans for pair in item.tables()]
    assert len(tables) > 30 and {type(t).__name__ for _, t in tables} >= {"Project", "Unit"}
    for variant, table in tables:
        assert cache.fingerprint(table, skip=("source",)) == _reference_key(table, ("source",))
    for item in plans:
        overview = form_of(item.variant).overview
        if overview:
            lines = overview.lines(item.projects, item.variant, [])
            assert cache.fingerprint(lines) == _reference_key(lines)
        for stage in item.stages:
            assert cache.fingerprint(stage.tables) == _reference_key(stage.tables)


@dataclasses.dataclass(frozen=True)
class _Leaf:
    text: str
    amount: Decimal
    line: int | None = dataclasses.field(default=None, metadata={"prints": False})


def _values():
    import datetime as dt

    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                        st.floats(allow_nan=False), st.decimals(allow_nan=False, allow_infinity=False),
                        st.dates(), st.builds(Path, st.sampled_from(["a/b", "c"])),
                        st.builds(_Leaf, st.text(max_size=4), st.decimals(allow_nan=False, allow_infinity=False),
                                  st.integers()))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)


def test_the_fast_fingerprint_is_the_reference_one():
    from hypothesis import given, settings

    @settings(max_examples=300, deadline=None)
    @given(_values())
    def check(value):
        assert cache.fingerprint(value) == _reference_key(value)
        assert cache.fingerprint(value, skip=("text",)) == _reference_key(value, ("text",))

    check()


@dataclasses.dataclass(frozen=True)
class _Table:
    name: str
    rows: tuple


@dataclasses.dataclass(frozen=True)
class _Row:
    text: str
    amount: object


@dataclasses.dataclass
class _Mutable:
    text: str


def test_a_row_shared_between_tables_is_remembered_by_identity_only_when_frozen():
    """The model shares a frozen indicator between tables (model._indicators): its JSON is found
    by the object; a row that may change is looked at again each time."""
    row = _Row("x", Decimal("1.0"))
    tables = [_Table("a", (row, _Row("y", None))), _Table("b", (_Row("z", 2), row))]
    for _ in range(2):
        assert [cache.fingerprint(t) for t in tables] == [_reference_key(t) for t in tables]
    changing = _Mutable("x")
    table = _Table("c", (changing, _Mutable("y")))
    before = cache.fingerprint(table)
    changing.text = "w"
    assert cache.fingerprint(table) == _reference_key(table) != before


def test_remembered_rows_are_written_as_the_encoder_writes_them():
    """A top-level list of dataclasses is written from each row's remembered JSON (cache._encode):
    the same key as the reference, and rows that print differently never share one (1.0 and 1.00,
    1 and true, a text equal to the placeholder the list is spliced in for)."""
    tables = [_Table("a", (_Row("x", Decimal("1.0")), _Row("y", None))),
              _Table("a", (_Row("x", Decimal("1.00")), _Row("y", None))),
              _Table("a", (_Row("x", 1), _Row("y", None))),
              _Table("a", (_Row("x", True), _Row("y", None))),
              _Table("a", (_Row("x", 1.0), _Row("y", None))),
              _Table("\0rows\0", (_Row("x", 1), _Row("\0rows\0", None))),
              _Table("a", [_Row("x", 1), _Leaf("y", Decimal(2))])]
    for _ in range(2):  # the second time from the memory
        keys = [cache.fingerprint(table) for table in tables]
        assert keys == [_reference_key(table) for table in tables]
        assert len(set(keys)) == len(keys)
