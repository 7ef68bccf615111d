"""A look at the printed tables: every example (Word, Excel, each 汇总) and a 40-indicator project,
through LibreOffice to PDF and pdftoppm to one PNG per page, for a person to look at.

    python scripts/visual_check.py                 # → output/visual/<folder>/<table>.<docx|xlsx>-<page>.png
    python scripts/visual_check.py specs/examples/2024 -o /tmp/look --dpi 80

What to look for: the header rows on every page, no row torn across a page break, the 一级/二级
labels at the top of each continued page, 第 X 页 共 Y 页 on tables over one page, no label wrapped
leaving one character alone, a 宋体-like serif, the 汇总 readable on A4 landscape. Needs LibreOffice
and poppler-utils (pdftoppm); perfgen's own fontconfig maps 宋体 to Noto Serif CJK SC, as for --pdf.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import build  # noqa: E402
from generator.pdf import find_pdftoppm, to_pdf  # noqa: E402

LONG = ["数量指标", "质量指标", "时效指标", "经济效益指标", "社会效益指标", "可持续影响指标", "服务对象满意度指标"]


def long_project_folder(root: Path, count: int = 40) -> Path:
    """A spec folder with one 2024 project of `count` indicators: a table of two pages or more."""
    folder = root / "长表"
    folder.mkdir(parents=True)
    (folder / "部门.yaml").write_text("主管部门: 区征收中心(汇总)\n实施单位: 区征收中心\n年度: 2024\n格式: 2024目标表\n",
                                     encoding="utf-8")
    lines = ["项目名称: 四十个指标的项目\n项目类别: 经常性项目\n项目资金: 192000\n年度总体目标: 检查长表的分页。\n绩效指标:\n"]
    for i, level2 in enumerate(LONG):
        lines.append(f"  {level2}:\n")
        lines += [f"    {level2[:2]}第{n}项指标的完成情况: ≥{90 + n % 10}%\n" for n in range(i, count, len(LONG))]
    (folder / "长表.yaml").write_text("".join(lines), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="?", type=Path, default=ROOT / "specs" / "examples")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "output" / "visual")
    ap.add_argument("--dpi", type=int, default=70)
    args = ap.parse_args(argv)
    pdftoppm = find_pdftoppm()
    with tempfile.TemporaryDirectory(prefix="perfgen-visual-") as tmp:
        work = Path(tmp)
        specs = work / "specs"
        shutil.copytree(args.specs, specs / args.specs.name)
        long_project_folder(specs)
        built = work / "out"
        build(specs, built, ROOT / "templates")
        tables = sorted(p for p in built.rglob("*") if p.suffix in (".docx", ".xlsx"))
        pdfs = to_pdf([(p.suffix, p.read_bytes()) for p in tables])
        shutil.rmtree(args.output, ignore_errors=True)
        for table, pdf in zip(tables, pdfs):
            target = args.output / table.parent.relative_to(built)
            target.mkdir(parents=True, exist_ok=True)
            source = work / "page.pdf"
            source.write_bytes(pdf)
            stem = target / f"{table.stem}.{table.suffix[1:]}"
            subprocess.run([pdftoppm, "-png", "-r", str(args.dpi), str(source), str(stem)], check=True, timeout=300)
            (target / f"{table.stem}.{table.suffix[1:]}.pdf").write_bytes(pdf)
            pages = sorted(target.glob(f"{stem.name}-*.png"))
            print(f"{table.relative_to(built)}: {len(pages)} 页 → {pages[0].relative_to(args.output.parent)} …"
                  if pages else f"{table.relative_to(built)}: 没有页面")
    print(f"图片在 {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
