"""Where things are: spec folders and files, and the names of outputs.

Kept free of the heavy imports (pydantic, docxtpl, jinja): a build that finds nothing changed
never needs them, and starts and ends in a fraction of a second.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path

from .errors import Frozen, Problems

SETTINGS = "settings.yaml"  # what makes a folder under templates/ a variant
_PACKAGE = Path(__file__).resolve().parent
# the forms shipped with perfgen: inside an installed package (the wheel maps templates/ to
# generator/_templates), else the checkout's templates/ beside the package (an editable install)
PACKAGE_TEMPLATES = _PACKAGE / "_templates" if (_PACKAGE / "_templates").is_dir() else _PACKAGE.parent / "templates"
DEPARTMENT_FILE = "部门.yaml"
CATEGORY_FOLDER = "类别"  # a department's own categories, in its spec folder or any folder above it
PACKAGE_CATEGORIES = _PACKAGE / "categories"
PACKAGE_RULESETS = _PACKAGE / "rulesets"
SPEC_SUFFIXES = (".yaml", ".yml")
SUMMARY_WORKBOOK = "汇总.xlsx"
COMBINED_DOCUMENT = "汇总.docx"   # a form's `combined:` file: the folder's tables in one Word file
REVIEW = "待核对（perfgen new）"  # the comment `perfgen new` leaves where the author must look
# The year's facts live beside the spec, one file per stage: 法律顾问费.监控.yaml (August, 1–7月) and
# 法律顾问费.自评.yaml (after the year). The spec, approved with the budget, is never edited for them.
FACTS_STAGES = ("监控", "自评")
RULESET_FOLDER = "评分规则"  # a department's own rule sets, in its spec folder or any folder above it
OUTPUT_SUFFIXES = (".docx", ".xlsx", ".pdf")  # what a project's or a folder's outputs end in
NAME_MAX = 255      # bytes in a file name, on every file system perfgen writes to
TEMP_RESERVE = 32   # bytes a temporary name adds to its target's (staging.py)
# a stem's bytes such that every output and its temporary file fit in NAME_MAX
MAX_STEM_BYTES = NAME_MAX - TEMP_RESERVE - max(len(suffix) for suffix in OUTPUT_SUFFIXES)
# not in a Windows file name: reserved characters, controls, and what no file system can encode
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]')
# device names Windows refuses as a file name's first part, whatever follows (CON.docx, nul.txt)
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"{d}{n}" for d in ("COM", "LPT")
                                                                   for n in [*"123456789", "¹", "²", "³"])}
# where a templates/ folder is looked for stops at the project's root: the nearest folder holding .git
PROJECT_MARKERS = (".git",)


class Looks:
    """Questions about folders (is it one, does it exist, where does it resolve to, does it hold
    variants) answered by the file system. `Looks(remember=True)` answers each once: for one build,
    whose hundred spec folders share the folders above them (asked again, the answer may be stale).
    What is about a spec folder itself (`at`: it and what is in it) is kept only until the next
    folder: memory stays flat."""

    def __init__(self, remember: bool = False):
        # keyed by the path's text: a Path keeps its text once made, but hashes and compares its
        # parts in Python at every lookup (a no-op build asks a dozen questions per spec folder)
        self.answers: dict[tuple[str, str], object] | None = {} if remember else None
        self.folder: Path | None = None
        self.here: dict[tuple[str, str], object] = {}  # the answers about `folder`

    def at(self, folder: Path) -> "Looks":
        """The questions that follow are about `folder`: answers about it or in it are kept until the next."""
        self.folder = folder
        self.here = {}
        return self

    def _ask(self, question: str, path: Path, answer) -> object:
        if self.answers is None:
            return answer(path)
        key = (question, str(path))
        kept = self.here
        if key not in kept:
            kept = self.answers
            if key not in kept:  # (where it is kept decided only for a new answer: Paths compared cost)
                kept = self.here if path == self.folder or path.parent == self.folder else self.answers
                kept[key] = answer(path)
        return kept[key]

    def at_and_above(self, start: Path, name: str) -> list[Path]:
        """start/name and the same in each folder above `start`, where it is a folder, nearest first."""
        here = [start / name] if self.is_dir(start / name) else []
        parent = start.parent
        if parent == start:
            return here
        return here + self._ask(f"above {name}", parent, lambda folder: self.at_and_above(folder, name))

    def is_dir(self, path: Path) -> bool:
        return self._ask("dir", path, Path.is_dir)

    def is_file(self, path: Path) -> bool:
        return self._ask("file", path, Path.is_file)

    def exists(self, path: Path) -> bool:
        return self._ask("exists", path, Path.exists)

    def holds_variants(self, folder: Path) -> bool:
        return self._ask("variants", folder, lambda folder: any(folder.glob(f"*/{SETTINGS}")))

    def resolve(self, path: Path) -> Path:
        return self._ask("resolve", path, self._resolve)

    def template_layers(self, near: Path) -> list[Path]:
        """The templates/ folders that are layers in `near` and the folders above it that belong to
        its project (search_folders), nearest first. Remembering, those above are looked at once:
        below the project's root and the current folder, siblings share them."""
        start = self.resolve(near)
        if (self.answers is None or start.parent == start or start == self.cwd()
                or any(self.exists(start / marker) for marker in PROJECT_MARKERS)):
            return self._layers(search_folders(near, self))
        return self._layers([start]) + self._ask("templates above", start.parent,
                                                 lambda parent: self._layers(search_folders(near, self)[1:]))

    def cwd(self) -> Path:
        """The current folder, resolved (remembering: once, not a system call per spec folder)."""
        return self._ask("cwd", Path(), lambda _: self.resolve(Path.cwd()))

    def _layers(self, folders: list[Path]) -> list[Path]:
        # a layer holds variants, or only a years.yaml: an office that files shipped formats in its own years
        return [folder / TEMPLATES_FOLDER for folder in folders if self.is_dir(folder / TEMPLATES_FOLDER)
                and (self.holds_variants(folder / TEMPLATES_FOLDER) or self.is_file(folder / TEMPLATES_FOLDER / YEARS_FILE))]

    def _resolve(self, path: Path) -> Path:
        # a folder that is no link resolves where its parent does: one lstat, not one per part (POSIX:
        # Windows resolves junctions too, which are no links)
        if (self.answers is not None and os.name == "posix" and path.is_absolute() and path.name not in ("", "..")
                and not os.path.islink(path)):
            return self.resolve(path.parent) / path.name
        return path.resolve()


_FRESH = Looks()  # asks the file system every time


TEMPLATES_FOLDER = "templates"  # a department's own variant folders, beside its specs or in a folder above
YEARS_FILE = "years.yaml"       # in a templates/ folder: which format each budget year is filed in


class Templates(Frozen):
    """The variant folders a spec folder can use, as layers, nearest first: --templates (or
    $PERFGEN_TEMPLATES); every templates/ holding a variant in the spec folder or a folder above it,
    up to the project's root (search_folders: never /tmp or a home folder above the project);
    then the formats shipped with perfgen. A variant is found by its name in the nearest layer that
    has it — a department's own variant of a shipped name replaces that one, a new name adds to them — as
    categories are (类别/). Each layer may hold a years.yaml; their maps are merged the same way."""

    __slots__ = ("explicit", "near")
    explicit: Path | None
    near: Path | None

    def __init__(self, explicit: Path | None = None, near: Path | None = None):
        self._set(explicit=explicit, near=near)

    @classmethod
    def of(cls, given: "Templates | Path | None", near: Path | None = None) -> "Templates":
        """`given` as layers (a plain folder is an explicit one, above the shipped formats)."""
        if isinstance(given, Templates):
            return given
        return cls(given or (Path(os.environ["PERFGEN_TEMPLATES"]) if os.environ.get("PERFGEN_TEMPLATES") else None),
                   near)

    def at(self, folder: Path) -> "Templates":
        """The layers of a spec folder: this build's explicit folder, and the templates/ near `folder`."""
        return Templates(self.explicit, folder)

    @property
    def folders(self) -> tuple[Path, ...]:
        return self.layers()

    def layers(self, looks: Looks = _FRESH) -> tuple[Path, ...]:
        """`folders`, the file system asked through `looks`."""
        found: list[Path] = [self.explicit] if self.explicit else []
        found += looks.template_layers(self.near) if self.near else []
        found.append(PACKAGE_TEMPLATES)
        unique: dict[Path, Path] = {}
        for folder in found:
            unique.setdefault(looks.resolve(folder), folder)
        return tuple(unique.values())

    @property
    def nearest(self) -> Path:
        return self.folders[0]

    def find(self, name: str) -> Path | None:
        """The folder of variant `name` (a name, not a path), in the nearest layer that has it."""
        if not name or Path(name).name != name or name.startswith("."):
            return None
        return next((folder / name for folder in self.folders if (folder / name / SETTINGS).is_file()), None)

    def variants(self) -> dict[str, Path]:
        """Every variant by name, the nearest layer's where two have one name."""
        out: dict[str, Path] = {}
        for folder in self.folders:
            for settings in sorted(folder.glob(f"*/{SETTINGS}")):
                out.setdefault(settings.parent.name, settings.parent)
        return dict(sorted(out.items()))

    def years_files(self) -> list[Path]:
        """The years.yaml of each layer, nearest first."""
        return [folder / YEARS_FILE for folder in self.folders if (folder / YEARS_FILE).is_file()]

    def __str__(self) -> str:
        return "、".join(str(folder) for folder in self.folders)


def templates_root(explicit: "Templates | Path | None" = None, near: Path | None = None) -> Templates:
    """The variant folders for specs at `near` (see Templates)."""
    if isinstance(explicit, Templates):
        return explicit if near is None else explicit.at(near)
    return Templates.of(explicit, near)


def search_folders(near: Path, looks: Looks = _FRESH) -> list[Path]:
    """`near` and the folders above it that belong to its project, nearest first (templates_root)."""
    start = looks.resolve(near)
    chain = [start, *start.parents]
    for i, folder in enumerate(chain):
        if any(looks.exists(folder / marker) for marker in PROJECT_MARKERS):
            return chain[:i + 1]
    cwd = looks.resolve(Path.cwd())
    if start.is_relative_to(cwd):
        return chain[:chain.index(cwd) + 1]
    return [start]


def safe_filename(name: str) -> str:
    """The file stem for a name, the same on every platform: characters no file system takes
    become _, no leading or trailing dot or space, a Windows device name (CON, NUL, COM1…) gets _
    after it, and a name too long for an output and its temporary file (NAME_MAX bytes) is cut
    and ends in ~ and 8 characters of its sha256, so two long names stay two files."""
    stem = _UNSAFE.sub("_", name).strip(" .") or "未命名"
    first, dot, rest = stem.partition(".")
    if first.rstrip(" ").upper() in _RESERVED:
        stem = f"{first}_{dot}{rest}"
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        mark = "~" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = stem.encode("utf-8")[:MAX_STEM_BYTES - len(mark)].decode("utf-8", "ignore").rstrip(" .")
        stem = cut + mark
    return stem


def name_key(stem: str) -> str:
    """What a file name is on a case-insensitive file system that also folds width (Windows,
    macOS): names with one key are one file there."""
    return unicodedata.normalize("NFKC", stem).casefold()


def renamed_why(name: str, stem: str) -> str | None:
    """Why `name` is written as `stem` (None: as it is, but for characters a file name cannot hold)."""
    plain = _UNSAFE.sub("_", name).strip(" .") or "未命名"
    if stem == plain:
        return None
    if len(plain.encode("utf-8")) > MAX_STEM_BYTES:
        return f"名称过长（文件名最多 {MAX_STEM_BYTES} 字节，连同临时文件名不超过 {NAME_MAX} 字节）"
    return f"「{plain.partition('.')[0]}」是 Windows 保留的设备名，不能作文件名"


def is_regular_file(path: Path | str) -> bool:
    """A regular file (not a folder, FIFO or device, which a reader would hang on or fail at)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def preview_target(spec: Path, name: str, out: Path = Path("output"), specs: Path = Path("specs")) -> Path:
    """Where `perfgen preview` puts a spec's PNG: in `out`, at the place `perfgen build` would put
    its tables (the spec's folder below `specs/`, or below the current folder), so that two
    projects of one name in two folders get two previews."""
    folder = spec.resolve().parent
    for base in (specs.resolve(), Path.cwd().resolve()):
        if folder.is_relative_to(base):
            return out / folder.relative_to(base) / f"{safe_filename(name)}.png"
    return out / folder.name / f"{safe_filename(name)}.png"


def spec_files(folder: Path) -> list[Path]:
    """The project spec files of a folder, in a stable order (regular files only: a folder or a
    FIFO named x.yaml is not a spec)."""
    return sorted(p for p in folder.iterdir() if is_spec_file(p.name) and is_regular_file(p))


def is_spec_file(name: str) -> bool:
    return (name.endswith(SPEC_SUFFIXES) and name != DEPARTMENT_FILE and not name.startswith(".")
            and facts_stage(name) is None)


def facts_stage(name: str) -> str | None:
    """The stage of a facts file name (法律顾问费.自评.yaml → 自评), None for any other file."""
    return stage_of(name) if name.endswith(SPEC_SUFFIXES) else None


def stage_of(name: str) -> str | None:
    """The stage a file name says before its suffix: facts (法律顾问费.自评.yaml) and the tables
    made from them (法律顾问费.自评.docx, 汇总.自评.xlsx); None for a spec or a 目标表."""
    stem = name.rsplit(".", 1)[0]
    stage = stem.rsplit(".", 1)[-1] if "." in stem else ""
    return stage if stage in FACTS_STAGES else None


def table_stage(name: str) -> str | None:
    """The stage of a table's name (法律顾问费.自评: a 自评表), None for a 目标表."""
    stage = name.rsplit(".", 1)[-1] if "." in name else ""
    return stage if stage in FACTS_STAGES else None


def workbook_name(stage: str) -> str:
    """The 汇总 workbook of a stage's tables (汇总.自评.xlsx)."""
    stem, dot, suffix = SUMMARY_WORKBOOK.rpartition(".")
    return f"{stem}.{stage}{dot}{suffix}"


def facts_files(folder: Path) -> list[Path]:
    """The facts files of a spec folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if facts_stage(p.name) and not p.name.startswith(".")
                  and is_regular_file(p))


def facts_spec_stem(path: Path) -> str:
    """The stem of the spec a facts file belongs to (法律顾问费.自评.yaml → 法律顾问费)."""
    return path.name.rsplit(".", 2)[0]


def count_spec_files(folder: Path) -> int:
    """len(spec_files(folder)), without making a Path of each (a district has thousands)."""
    with os.scandir(folder) as entries:
        return sum(1 for entry in entries if is_spec_file(entry.name) and entry.is_file())


def ruleset_folders(spec_folder: Path, looks: Looks = _FRESH) -> list[Path]:
    """Folders to take rule sets from, nearest first: 评分规则/ at and above the spec folder, then perfgen's."""
    return looks.at_and_above(looks.resolve(spec_folder), RULESET_FOLDER) + [PACKAGE_RULESETS]


def count_tables(folder: Path) -> int:
    """How many tables a folder's specs and facts files give (a progress bar's total)."""
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries if entry.name.endswith(SPEC_SUFFIXES)]
    # is_spec_file(name) or facts_stage(name), for a name with a spec's suffix
    return sum(1 for name in names if (name != DEPARTMENT_FILE and name[0] != ".") or stage_of(name))


def review_marks(folders: list[Path]) -> list[tuple[Path, int, str]]:
    """(file, line, note) of every `# 待核对（perfgen new）：…` comment still in the specs of `folders`."""
    return [(folder / name, line, note) for folder in folders for name, line, note in folder_marks(folder)]


def folder_marks(folder: Path) -> list[tuple[str, int, str]]:
    """(file name, line, note) of the `# 待核对` comments of one spec folder's 部门.yaml and specs."""
    mark = f"# {REVIEW}".encode()
    found = []
    for path in [folder / DEPARTMENT_FILE, *spec_files(folder)]:
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if mark not in raw:  # bytes first: most files have none, and a district has thousands
            continue
        for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            if f"# {REVIEW}" in line:
                found.append((path.name, number, line.split(f"# {REVIEW}", 1)[1].lstrip("：: ").strip()))
    return found


def category_folders(spec_folder: Path, looks: Looks = _FRESH) -> list[Path]:
    """Folders to take categories from, nearest first: 类别/ at and above the spec folder, then perfgen's."""
    return looks.at_and_above(looks.resolve(spec_folder), CATEGORY_FOLDER) + [PACKAGE_CATEGORIES]


def spec_folders(root: Path) -> list[Path]:
    """Every folder at or below `root` that holds a 部门.yaml (a year folder and its units), in a
    stable order; hidden folders below `root` are skipped, wherever `root` itself lives."""
    found = []
    todo = [os.fspath(root)]
    while todo:  # os.walk's folders and files (not into linked folders), without its lists of every file
        folder = todo.pop()
        try:
            with os.scandir(folder) as entries:
                department = False
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        department = department or entry.name == DEPARTMENT_FILE
                    elif entry.name[0] != "." and not entry.is_symlink():
                        todo.append(entry.path)
        except OSError:
            continue
        if department:
            found.append(Path(folder))
    return sorted(found)


def _not_a_spec_folder(file: Path) -> str | None:
    """Why a file given as the specs cannot be built, or None: a spec whose folder has a 部门.yaml."""
    if file.suffix.lower() in (".docx", ".xlsx"):
        return f"这是一张已有的表，不是项目说明：要把它变成说明，请运行 perfgen import {file.name}"
    if file.suffix not in SPEC_SUFFIXES:
        return f"不是项目说明文件（说明文件以 .yaml 结尾）"
    if not (file.parent / DEPARTMENT_FILE).is_file():
        return (f"它所在的目录 {file.parent} 里没有 {DEPARTMENT_FILE}（写明主管部门、实施单位、年度、格式）："
                f"请把它放进一个部门的说明目录（perfgen init 可以新建一个）")
    return None


def targets(root: Path, out: Path | None, templates: "Templates | Path | None",
            problems: Problems) -> tuple[Templates, list[tuple[Path, Path]]]:
    """The variant folders (each spec folder takes its own layers: Templates.at), and each spec folder under `root` with its output folder (`out`
    None: only checking; nothing will be written)."""
    root = root.resolve() if not root.is_absolute() else root
    if root.is_file():  # one spec file: its folder is built (the names of the others matter)
        why = _not_a_spec_folder(root)
        if why:
            problems.add(root, None, "", why)
            return templates_root(templates, near=root.parent), []
        root = root.parent
    folders = spec_folders(root)
    if not folders:
        why = "不存在" if not root.exists() else f"及其子目录中没有 {DEPARTMENT_FILE}"
        problems.add(root, None, "", f"找不到项目说明：{root} {why}（perfgen init 目录名 可以新建一个部门的说明目录）")
    # outputs mirror the specs below `root`; a spec folder given itself keeps its own name (2024/)
    base = root.parent if (root / DEPARTMENT_FILE).is_file() else root
    pairs = []
    if out is not None:
        output_problems(out, folders, problems)
    for folder in folders:
        pairs.append((folder, (out or Path()) / folder.relative_to(base)))
    return templates_root(templates, near=root), pairs


def output_problems(out: Path, folders: list[Path], problems: Problems) -> None:
    """An output folder must be a folder (or not exist yet), and neither a spec folder, nor inside
    one, nor above one: perfgen never writes among the specs (checked on resolved paths, so a
    symlink or `..` changes nothing)."""
    resolved = out.resolve()
    existing = next((p for p in [resolved, *resolved.parents] if os.path.lexists(p)), None)
    if existing is not None and not existing.is_dir():
        problems.add(out, None, "", f"输出目录 {out} 不是目录（{existing} 是一个文件）：请用 -o 指定一个目录")
        return
    looks = Looks(remember=True)  # sibling spec folders resolve their common parents once
    target = os.path.normcase(resolved)
    for folder in folders:
        spec = looks.resolve(folder if folder.is_absolute() else Path.cwd() / folder)
        if _within(target, os.path.normcase(spec)):
            problems.add(out, None, "", f"输出目录 {out} 是项目说明目录 {folder} 或在它之内：perfgen 不往说明目录里写文件，"
                                        "请用 -o 换一个输出目录")
            return
        if _within(os.path.normcase(spec), target):
            problems.add(out, None, "", f"输出目录 {out} 包含项目说明目录 {folder}：perfgen 不往说明目录里写文件，"
                                        "请用 -o 换一个输出目录（例如 output）")
            return


def _within(path: str, folder: str) -> bool:
    """Path(path).is_relative_to(folder) for two resolved paths, normcased (no exception raised and
    caught per spec folder)."""
    return path == folder or path.startswith(os.path.join(folder, ""))
