"""The unit table (one per unit): its spec shape, budget sums and context."""
from __future__ import annotations

import shutil

from typer.testing import CliRunner

from generator.cli import app

from conftest import EXAMPLES, TEMPLATES

runner = CliRunner()
UNIT = "2024新虹街道"


def test_budget_sums_must_agree(tmp_path):
    folder = tmp_path / "u"
    shutil.copytree(EXAMPLES / UNIT, folder)
    spec = folder / "新虹街道.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("基本支出: 105114501", "基本支出: 105114500"),
                    encoding="utf-8")
    result = runner.invoke(app, ["build", str(folder), "-o", str(tmp_path / "out"), "--templates", str(TEMPLATES)])
    assert result.exit_code == 1
    assert "新虹街道.yaml:" in result.output and "资金结构" in result.output and "必须相等" in result.output
    assert not (tmp_path / "out").exists()


def test_unknown_key_in_an_indicator_mapping_suggests_the_right_one(tmp_path):
    folder = tmp_path / "u"
    shutil.copytree(EXAMPLES / UNIT, folder)
    spec = folder / "新虹街道.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("      对象: 居民", "      对像: 居民"), encoding="utf-8")
    result = runner.invoke(app, ["build", str(folder), "-o", str(tmp_path / "out"), "--templates", str(TEMPLATES)])
    assert result.exit_code == 1
    assert "分解目标.服务对象满意度指标.社区居民满意度.对像: 未知的键「对像」，是否想写「对象」？" in result.output


def test_unit_table_prints_split_values_fixed_block_and_numbered_lists(built_examples):
    import docx
    path = built_examples / UNIT / "上海市闵行区人民政府新虹街道办事处（汇总）.docx"
    rows = [[c.text for c in row.cells] for table in docx.Document(str(path)).tables for row in table.rows]
    assert any(r[2:7] == ["2024年度政府实事项目完成率", "定量指标", "=", "100", "%"] for r in rows)
    assert any(r[2:7] == ["重大项目推进完成及时性", "定性指标", "", "及时", ""] for r in rows)
    fixed = [r for r in rows if r[0] == "投入管理指标"]
    assert [r[1] for r in fixed] == ["预算编审管理", "预算执行管理", "预算绩效管理", "资产管理", "预算透明度",
                                     "内部控制管理", "预算信息化"]
    assert all(r[2] == "根据沪财绩【2022】13号文的规定要求设置三级指标和指标值" for r in fixed)
    duties = next(r for r in rows if r[0] == "单位职责")[2]
    assert duties.startswith("1.宣传") and "\n11.完成区政府交办的其他事项" in duties
    assert any(r[:3] == ["部门整体预算总额（元）"] * 3 and r[3] == "672063140" for r in rows)
