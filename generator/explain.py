"""指标解释 and 评(扣)分标准 written from phrasing rules kept in a variant's settings.

Real tables phrase these by the indicator's kind (完成率: "考察部门是否按照工作计划完成…" /
"…达到100%，得满分，否则按线性扣分"; 及时性: "…得满分，否则视偏差情况扣分"; 定性效益: "…得满分，
否则不得分"). Each rule in `explanations:` says which indicators it fits and how both texts read;
the first rule that fits wins. An author can name the 对象 (what is assessed) or give either text
for one indicator; nothing here knows a particular form.
"""
from __future__ import annotations

from dataclasses import dataclass
from .settings import ExplanationRule
from .values import Phrase, Value


@dataclass(frozen=True)
class Written:
    explanation: str
    scoring: str
    kind: str  # the rule that wrote them, "" if none fitted


def _fits(rule: ExplanationRule, level1: str, level2: str, name: str, nature: str) -> str | None:
    """The matched suffix ("" when the rule has none) if the rule fits, else None."""
    if rule.一级 and level1 not in rule.一级:
        return None
    if rule.二级 and level2 not in rule.二级:
        return None
    if rule.性质 and rule.性质 != nature:
        return None
    if not rule.suffix:
        return ""
    return next((s for s in sorted(rule.suffix, key=len, reverse=True) if name.endswith(s)), None)


def write(rules: list[ExplanationRule], level1: str, level2: str, name: str, value: Value,
          parts: dict[str, str], subject: str | None = None) -> Written:
    """Both texts for one indicator; `parts` are its printed 方向/数值/计量单位/指标性质."""
    nature = parts["指标性质"]
    for rule in rules:
        suffix = _fits(rule, level1, level2, name, nature)
        if suffix is None:
            continue
        target = parts["数值"]
        derived = name[: len(name) - len(suffix)] if suffix else name
        if isinstance(value, Phrase) and len(target) >= 2:
            if rule.strip_value_prefix and derived.startswith(target) and len(derived) > len(target):
                derived = derived[len(target):]            # 改善营商环境 / 改善 → 营商环境
            tail = target[-2:] + "情况"                     # …问题改善情况 / 逐步改善 → …问题
            if rule.strip_value_prefix and derived.endswith(tail) and len(derived) > len(tail):
                derived = derived[: -len(tail)]
        connector = rule.得到
        joined = "" if any(target.startswith(p) for p in connector.except_before) else connector.text
        fields = {"三级": name, "对象": subject or derived, "指标值": target, "计量单位": parts["计量单位"],
                  "方向": parts["方向"], "得到": joined}
        return Written(rule.指标解释.format(**fields), rule.评分标准.format(**fields), rule.kind)
    return Written("", "", "")
