"""perfgen: 绩效目标表 from concise YAML specs.

The pipeline, one module per stage: spec (load + validate) → expand (inherit defaults) →
model (typed table) → render (Word, Excel) → write (deterministic, atomic).
"""
__version__ = "0.1.0"
