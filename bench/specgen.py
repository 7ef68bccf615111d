"""Synthetic but realistic spec trees for the benchmark, shaped like the bundled examples.

The examples under specs/examples/ are the seed tables (../shared/seeds/) written as specs, so
their shapes are the real ones: how many indicators each 二级 of the printed table holds, how long
the goals are, what indicator names and values look like, how large the amounts are. perfgen reads
the examples as it reads any spec (categories and defaults expanded), and a synthetic project takes
one example's shape: where the example names a 类别, the project names it too, with the example's
own indicators and 不适用; otherwise it writes every indicator, each 二级 as large as the
example's give or take one, names and values drawn from all the examples of its variant. Goals
have a length drawn from the examples' goals and are cut from their sentences. Projects are
spread over departments (one folder each, 5–40 projects), the project variants and each
variant's 项目类别. The same (n, seed) always gives the same files.
"""
from __future__ import annotations

import random
import re
import sys
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
class Shape:
    """One example's table: (二级, count) as printed, and what it inherits from a 类别."""

    groups: list[tuple[str, int]]
    category: str | None = None
    own: dict = field(default_factory=dict)        # its own 绩效指标 (with a 类别), as written
    not_applicable: list = field(default_factory=list)


@dataclass
class Pools:
    """What the examples of one variant look like."""

    shapes: list[Shape] = field(default_factory=list)
    indicators: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # 二级 → (三级, 指标值)
    goal_lengths: list[int] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    amounts: list[int] = field(default_factory=list)
    two_goals: bool = False   # whether the form has 项目总目标 beside 年度总体目标


def _written(value) -> str:
    """An indicator value as a spec writes it."""
    if hasattr(value, "text"):
        return value.text
    return value.written or f"{value.op}{value.number}{value.unit}"


def pools() -> dict[str, Pools]:
    """The shapes of the examples, per variant, read by perfgen itself."""
    sys.path.insert(0, str(REPO))
    from generator.build import plan

    plans, _ = plan(EXAMPLES, None, TEMPLATES)
    out: dict[str, Pools] = {}
    for item in plans:
        if item.variant.name not in {name for name, _, _ in VARIANTS}:
            continue
        pool = out.setdefault(item.variant.name, Pools())
        for project in item.projects:
            raw = yaml.safe_load(project.source.read_text(encoding="utf-8"))
            pool.names.append(project.name)
            pool.amounts.append(int(project.funds.total))
            own = [ind for ind in project.indicators if ind.origin != "default"]  # defaults come by themselves
            groups: dict[str, int] = {}
            for ind in own:
                groups[ind.level2] = groups.get(ind.level2, 0) + 1
                pool.indicators.setdefault(ind.level2, []).append((ind.name, _written(ind.value)))
            pool.shapes.append(Shape(list(groups.items()), raw.get("类别"), raw.get("绩效指标") or {},
                                     list(raw.get("不适用") or [])))
            for key in ("项目总目标", "年度总体目标", "年度总目标"):
                if raw.get(key):
                    pool.two_goals |= key == "项目总目标"
                    text = str(raw[key]).strip()
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


def _cost(value: str, amount: int) -> str:
    """A cost ceiling is the project's own amount."""
    return f"≤{amount}元" if value.startswith(("≤", "<=")) and value.endswith("元") else value


def project(rng: random.Random, pool: Pools, categories: list[str], name: str, example: int) -> dict:
    """A project shaped like the example at `example` (its name, amount and table)."""
    amount = int(pool.amounts[example] * rng.uniform(0.5, 2.0))
    funds: int | dict[str, int] = amount
    if rng.random() < 0.15:  # a part of the money from other sources
        other = amount // rng.randint(5, 20)
        funds = {"财政资金": amount - other, "其他资金": other}
    shape = pool.shapes[example]
    spec: dict = {"项目名称": name, "项目类别": rng.choice(categories)}
    if shape.category:
        spec["类别"] = shape.category
    spec["项目资金"] = funds
    if pool.two_goals:
        spec["项目总目标"] = _text(rng, pool)
    spec["年度总体目标"] = _text(rng, pool)
    if shape.category:  # the example's own indicators beside its 类别
        indicators = {group: {key: _cost(str(value), amount) for key, value in items.items()}
                      for group, items in shape.own.items()}
    else:
        indicators = {}
        for level2, count in shape.groups:
            count = max(1, count + rng.choice((-1, 0, 0, 1)))
            group: dict[str, str] = {}
            for _ in range(count):
                base, value = rng.choice(pool.indicators[level2])
                key, n = base, 1
                while key in group:
                    n += 1
                    key = f"{base}{n}"
                group[key] = _cost(value, amount)
            indicators[level2] = group
    if indicators:
        spec["绩效指标"] = indicators
    if shape.not_applicable:
        spec["不适用"] = shape.not_applicable
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
            example = rng.randrange(len(pool.names))
            name = pool.names[example]
            if name in taken:
                name = f"{name}（{i + 1}）"
            taken.add(name)
            path = folder / f"{i + 1:03d}.yaml"
            path.write_text(dump(project(rng, pool, categories[variant], name, example)), encoding="utf-8")
            files.append(path)
        remaining -= size
        number += 1
    return files


def touch_one(files: list[Path], which: int = 0) -> Path:
    """Change one spec the way an author would: a longer 年度总体目标 (a different spec for each `which`)."""
    path = files[(len(files) // 2 + which) % len(files)]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["年度总体目标"] = spec["年度总体目标"] + "（已修改）"
    path.write_text(dump(spec), encoding="utf-8")
    return path
