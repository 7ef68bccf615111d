"""Synthetic but realistic spec trees for the benchmark, shaped like the bundled examples.

The examples under specs/examples/ are the seed tables (../shared/seeds/) written as specs, so
their shapes are the real ones: how many indicators each 二级 holds, how long the goals are, what
indicator names and values look like, how large the amounts are. A synthetic project takes one
example's shape (its 二级 and their sizes, give or take one), draws indicator names and values from
every example of its variant, and writes goals of a length drawn from the examples' goals, cut
from their sentences. Projects are spread over departments (one folder each, 5–40 projects),
the project variants and each variant's 项目类别. The same (n, seed) always gives the same files.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "specs" / "examples"
TEMPLATES = REPO / "templates"
DEPARTMENT_FILE = "部门.yaml"
# the project variants and how many departments of every three file in each (the current form most)
VARIANTS = (("2024目标表", 2024, 2), ("2022申报表", 2022, 1))
BUREAUS = ("教育局", "卫生健康委员会", "民政局", "司法局", "财政局", "人力资源和社会保障局", "生态环境局",
           "住房保障和房屋管理局", "交通委员会", "农业农村委员会", "文化和旅游局", "体育局", "市场监督管理局",
           "应急管理局", "统计局", "医疗保障局", "退役军人事务局", "科学技术委员会", "商务委员会", "绿化和市容管理局",
           "规划和自然资源局", "建设和管理委员会", "水务局", "审计局", "信访办公室", "机关事务管理局",
           "房屋土地征收中心", "城市管理行政执法局", "数据局", "档案馆")
_SENTENCE = re.compile(r"[^。；;，,\n]+[。；;，,]?")


@dataclass
class Pools:
    """What the examples of one variant look like."""

    shapes: list[list[tuple[str, int]]] = field(default_factory=list)     # per example: (二级, count)
    indicators: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # 二级 → (三级, 指标值)
    goal_lengths: list[int] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    amounts: list[int] = field(default_factory=list)
    two_goals: bool = False   # whether the form has 项目总目标 beside 年度总体目标


def _variant_of(folder: Path) -> str | None:
    department = yaml.safe_load((folder / DEPARTMENT_FILE).read_text(encoding="utf-8"))
    return department.get("格式")


def _amount(value) -> int:
    if isinstance(value, dict):
        return sum(int(str(v).replace(",", "")) for k, v in value.items() if k in ("财政资金", "其他资金"))
    return int(str(value).replace(",", ""))


def pools() -> dict[str, Pools]:
    """The shapes of the examples, per variant."""
    out: dict[str, Pools] = {}
    for department in sorted(EXAMPLES.rglob(DEPARTMENT_FILE)):
        variant = _variant_of(department.parent)
        if variant not in {name for name, _, _ in VARIANTS}:
            continue
        pool = out.setdefault(variant, Pools())
        for path in sorted(department.parent.glob("*.yaml")):
            if path.name == DEPARTMENT_FILE:
                continue
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
            pool.names.append(spec["项目名称"])
            pool.amounts.append(_amount(spec["项目资金"]))
            shape = []
            for level2, items in spec["绩效指标"].items():
                shape.append((level2, len(items)))
                pool.indicators.setdefault(level2, []).extend((k, str(v)) for k, v in items.items())
            pool.shapes.append(shape)
            for key in ("项目总目标", "年度总体目标", "年度总目标"):
                if spec.get(key):
                    pool.two_goals |= key == "项目总目标"
                    text = str(spec[key]).strip()
                    pool.goal_lengths.append(len(text))
                    pool.fragments += [m.group(0) for m in _SENTENCE.finditer(text) if len(m.group(0)) > 3]
    return out


def _categories(variant: str) -> list[str]:
    settings = yaml.safe_load((TEMPLATES / variant / "settings.yaml").read_text(encoding="utf-8"))
    return list(settings["categories"])


def _text(rng: random.Random, pool: Pools) -> str:
    length = max(12, int(rng.choice(pool.goal_lengths) * rng.uniform(0.8, 1.25)))
    text = ""
    while len(text) < length:
        text += rng.choice(pool.fragments)
    text = text[:length].rstrip("，,；;。") + "。"
    if length > 150 and rng.random() < 0.3:  # some goals are written as several lines (等保项目)
        cut = sorted(rng.sample(range(20, len(text) - 20), 2))
        text = text[:cut[0]] + "\n" + text[cut[0]:cut[1]] + "\n" + text[cut[1]:]
    return text


def project(rng: random.Random, pool: Pools, categories: list[str], name: str) -> dict:
    amount = int(rng.choice(pool.amounts) * rng.uniform(0.5, 2.0))
    funds: int | dict[str, int] = amount
    if rng.random() < 0.15:  # a part of the money from other sources
        other = amount // rng.randint(5, 20)
        funds = {"财政资金": amount - other, "其他资金": other}
    indicators: dict[str, dict[str, str]] = {}
    for level2, count in rng.choice(pool.shapes):
        count = max(1, count + rng.choice((-1, 0, 0, 1)))
        group: dict[str, str] = {}
        for _ in range(count):
            base, value = rng.choice(pool.indicators[level2])
            if value.startswith(("≤", "<=")) and value.endswith("元"):
                value = f"≤{amount}元"  # a cost ceiling is the project's own amount
            key, n = base, 1
            while key in group:
                n += 1
                key = f"{base}{n}"
            group[key] = value
        indicators[level2] = group
    spec: dict = {"项目名称": name, "项目类别": rng.choice(categories), "项目资金": funds}
    if pool.two_goals:
        spec["项目总目标"] = _text(rng, pool)
    spec["年度总体目标"] = _text(rng, pool)
    spec["绩效指标"] = indicators
    return spec


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)


def generate(root: Path, n: int, seed: int = 2024) -> list[Path]:
    """Write n project specs in department folders under `root`; returns the project files."""
    rng = random.Random(seed)
    shapes = pools()
    categories = {name: _categories(name) for name, _, _ in VARIANTS}
    cycle = [(name, year) for name, year, weight in VARIANTS for _ in range(weight)]
    files: list[Path] = []
    remaining, number = n, 0
    while remaining > 0:
        size = min(remaining, rng.randint(5, 40) if remaining > 40 else remaining)
        variant, year = cycle[number % len(cycle)]
        bureau = BUREAUS[number % len(BUREAUS)]
        folder = root / f"{number + 1:03d}{bureau}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DEPARTMENT_FILE).write_text(dump({
            "主管部门": f"上海市闵行区{bureau}(汇总)", "实施单位": f"上海市闵行区{bureau}",
            "年度": year, "格式": variant}), encoding="utf-8")
        pool, taken = shapes[variant], set()
        for i in range(size):
            name = rng.choice(pool.names)
            if name in taken:
                name = f"{name}（{i + 1}）"
            taken.add(name)
            path = folder / f"{i + 1:03d}.yaml"
            path.write_text(dump(project(rng, pool, categories[variant], name)), encoding="utf-8")
            files.append(path)
        remaining -= size
        number += 1
    return files


def touch_one(files: list[Path]) -> Path:
    """Change one spec the way an author would: a longer 年度总体目标."""
    path = files[len(files) // 2]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["年度总体目标"] = spec["年度总体目标"] + "（已修改）"
    path.write_text(dump(spec), encoding="utf-8")
    return path
