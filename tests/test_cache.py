"""Content keys and the output manifest: what decides that a project is skipped."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

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
    changed_amount = base.replace(funds=base.funds.replace(fiscal=Decimal("19201")))
    changed_value = base.replace(indicators=base.indicators[:-1])
    changed_goal = base.replace(annual_goal=base.annual_goal + "。")
    keys = {cache.fingerprint(p, skip=("source",)) for p in (changed_amount, changed_value, changed_goal)}
    assert key not in keys and len(keys) == 3



def test_the_tables_keep_the_keys_they_had_as_dataclasses(spec_folder):
    """The model's tables (model.Project, Indicator, Funds; values.Quantity, Phrase) are errors.Frozen
    classes naming their printed fields; their content keys are those they had as dataclasses (a
    changed key would rebuild every table of every district once, for nothing)."""
    project = projects(spec_folder, spec_folder.parent / "o")["法律顾问费"]
    assert cache.fingerprint(project, skip=("source",)) == \
        "3285800663cfd234c20b5c8767562e491755b7ca2265005a63d6a22b097c00aa"  # at d09eaff, as dataclasses

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


def _saved_store(tmp_path, names: int) -> tuple:
    store = tmp_path / "store.json"
    memory = cache.Digests(store)
    for i in range(names):
        path = tmp_path / f"{i}.docx"
        path.write_bytes(b"x")
        aged(path)
        memory.digest(path)
    memory.save()
    return store, memory


def test_a_store_is_rewritten_in_place_and_read_back_whole(tmp_path):
    store, memory = _saved_store(tmp_path, 3)
    inode = store.stat().st_ino
    (tmp_path / "0.docx").unlink()
    again = cache.Digests(store)
    assert again.entries == memory.seen
    again.digest(tmp_path / "1.docx")  # a smaller store this time: cut to its length
    again.save()
    assert store.stat().st_ino == inode and set(cache.Digests(store).entries) == {str(tmp_path / "1.docx")}


@pytest.mark.parametrize("damage", ["cut short", "old bytes after new", "old bytes inside", "version 2"])
def test_a_store_not_whole_is_an_empty_store(tmp_path, damage):
    store, _ = _saved_store(tmp_path, 4)
    raw = store.read_bytes()
    head, _, body = raw.partition(b"\n")
    damaged = {"cut short": raw[:-10],
               "old bytes after new": raw + b"}, \"x\": 1}",  # a write of a shorter store cut before its cut
               "old bytes inside": raw[:len(raw) // 2] + raw[len(raw) // 2:].replace(b"1", b"2", 1),
               "version 2": body}[damage]
    store.write_bytes(damaged)
    assert cache.Digests(store).entries == {}


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


# ---------------------------------------------------------------- the no-op build's fast paths

def _reference_folder_key(folder):
    """folder_key as it was defined (rglob, every file read): the fast one must give these keys."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(cache.sha256(path.read_bytes()).encode() + b"\n")
    return digest.hexdigest()


def test_folder_key_is_the_reference_key_with_or_without_a_memory(tmp_path):
    variant = tmp_path / "v"
    shutil.copytree(TEMPLATES / "2024目标表", variant)
    (variant / "__pycache__").mkdir()
    (variant / "__pycache__" / "x.pyc").write_bytes(b"pyc")
    (variant / ".git").mkdir()
    (variant / ".git" / "HEAD").write_bytes(b"ref")
    (variant / "a-b").write_bytes(b"1")          # sorted by parts: a/… before a-b
    (variant / "a").mkdir()
    (variant / "a" / "c.txt").write_bytes(b"2")
    (variant / "链接.txt").symlink_to(variant / "a" / "c.txt")   # a link to a file is the file
    (variant / "断链").symlink_to(variant / "nowhere")            # a broken one is nothing
    (variant / "目录链接").symlink_to(variant / "a")              # a linked folder is not gone into
    os.mkfifo(variant / "管道")                                    # a FIFO holds no bytes of a file
    store = tmp_path / "store.json"
    assert cache.folder_key(variant) == _reference_folder_key(variant)
    memory = cache.Digests(store)
    assert cache.folder_key(variant, memory) == _reference_folder_key(variant)
    memory.save()
    assert cache.folder_key(variant, cache.Digests(store)) == _reference_folder_key(variant)
    (variant / "a" / "c.txt").write_bytes(b"3")
    assert cache.folder_key(variant, cache.Digests(store)) == _reference_folder_key(variant)


def test_a_build_remembers_the_digests_of_the_folders_above_its_spec_folders(spec_folder, tmp_path, monkeypatch):
    from generator.batch import run

    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    shared = cache.Digests.shared(out)
    package = str(Path(cache.__file__).resolve().parent)
    assert any(path.startswith(package) for path in shared.entries)           # perfgen's source
    assert any(path.startswith(str(TEMPLATES)) for path in shared.entries)    # the templates
    assert shared.store != cache.Digests.for_output(out).store


def test_same_is_digest_file_by_file():
    """Digests.same (one loop over a no-op's thousands of outputs) answers as comparing `digest`
    of each file with the manifest's sha256 does, whatever the store remembers and whatever
    happened to the files."""
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st

    actions = st.sampled_from(["keep", "edit in place", "edit, mtime put back", "delete", "folder", "wrong digest"])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(actions, min_size=1, max_size=6), st.booleans())
    def check(what, remembered):
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            files = {}
            for i, _ in enumerate(what):
                path = folder / f"表{i}.docx"
                path.write_bytes(b"x" * i)
                aged(path)
                files[path.name] = cache.sha256(b"x" * i)
            store = folder / ".store.json"
            if remembered:
                memory = cache.Digests(store)
                for name in files:
                    memory.digest(folder / name)
                memory.save()
            for (name, sha), action in zip(list(files.items()), what):
                path = folder / name
                if action == "edit in place":
                    path.write_bytes(b"y" * (len(name) + 1))
                elif action == "edit, mtime put back":
                    mtime = os.stat(path).st_mtime_ns
                    path.write_bytes(b"z" * os.stat(path).st_size)
                    os.utime(path, ns=(mtime, mtime))
                elif action == "delete":
                    path.unlink()
                elif action == "folder":
                    path.unlink()
                    path.mkdir()
                elif action == "wrong digest":
                    files[name] = "0" * 64

            def reference() -> bool:
                memory = cache.Digests(store)
                try:
                    return all(memory.digest(os.path.join(folder, name)) == sha for name, sha in files.items())
                except OSError:
                    return False

            half = len(files) // 2
            groups = [dict(list(files.items())[:half]), dict(list(files.items())[half:])]
            assert cache.Digests(store).same(str(folder), groups) == reference()

    check()


def test_count_tables_counts_specs_and_facts_files():
    """count_tables (a progress bar's total) is is_spec_file or facts_stage of each name."""
    import tempfile

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.layout import DEPARTMENT_FILE, count_tables, facts_stage, is_spec_file

    parts = st.sampled_from(["a", ".", "自评", "监控", "部门", "yaml", "yml", "docx", ".yaml", ".自评"])
    names = st.lists(st.lists(parts, min_size=1, max_size=4).map("".join), max_size=8, unique=True)

    @settings(max_examples=80, deadline=None)
    @given(names)
    def check(found):
        found = [name for name in found if name not in (".", "..")] + [DEPARTMENT_FILE]
        with tempfile.TemporaryDirectory() as folder:
            for name in found:
                (Path(folder) / name).write_bytes(b"")
            assert count_tables(Path(folder)) == sum(1 for name in found if is_spec_file(name) or facts_stage(name))

    check()


def test_a_store_keeps_paths_that_are_no_text(tmp_path):
    store = tmp_path / "store.json"
    memory = cache.Digests(store)
    memory.remember(Path(os.fsdecode(b"/out/\xff.docx")), "d" * 64, [1, 2, 3])
    memory.remember(tmp_path / "表.docx", "e" * 64, [1, 2, 3])
    memory.save()
    assert "\\u8868.docx" in store.read_text(encoding="utf-8")  # a path that is no text: all escaped
    assert set(cache.Digests(store).entries) == set(memory.seen)
    memory.seen.pop(os.fsdecode(b"/out/\xff.docx"))
    memory.save()
    assert "表.docx" in store.read_text(encoding="utf-8") and "\\u" not in store.read_text(encoding="utf-8")


def test_a_manifest_group_with_more_than_key_and_files_is_read_as_key_and_files(tmp_path):
    digest = "a" * 64
    data = {"outputs": {"项目/a": {"key": "k", "files": {"a.docx": digest}, "other": 1},
                        "项目/b": {"key": "k", "files": {"b.docx": digest}}}}
    (tmp_path / cache.MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    manifest = cache.Manifest.load(tmp_path)
    assert manifest.groups == {"项目/a": {"key": "k", "files": {"a.docx": digest}},
                               "项目/b": {"key": "k", "files": {"b.docx": digest}}}


def test_a_manifest_name_holding_a_nul_is_ignored_not_a_crash(tmp_path):
    """A name with a \\0 (no file can have it: os.stat raises ValueError) was taken for two plain
    names by the one regex over them all, and a no-op build stopped on an internal error."""
    digest = "a" * 64
    data = {"outputs": {"汇总": {"key": "k", "files": {"汇总.xlsx": digest, "x\0y.docx": digest}}}}
    (tmp_path / cache.MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    manifest = cache.Manifest.load(tmp_path)
    assert manifest.groups["汇总"]["files"] == {"汇总.xlsx": digest} and manifest.ignored == ["x\0y.docx"]
