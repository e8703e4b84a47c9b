"""Render stage: campaign + catalogs -> output/<lang>/<campaign>/ (leaflet, posts, cards).

The stage itself is in render/stage.py (orchestration and the review policy) and
render/context.py (the per-language context built once); leaflet.py, posts.py and cards.py
make each output; translations.py reads the catalogs. This module only re-exports the stage's
names, lazily: importing `pipeline.render.templating` (as the download page does) does not load
the render stage, its catalogs and its PDF engine.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "DRAFT_LABEL": "context", "LanguageContext": "context", "build_context": "context",
    "paper_for": "context",
    "LanguageResult": "stage", "RenderReport": "stage", "render": "stage",
    "render_language": "stage", "render_unit": "stage", "warm_up": "stage",
    "decide_with_reasons": "stage",
}
_PLAN_EXPORTS = ("OUTPUTS", "RenderOptions")

__all__ = [*_EXPORTS, *_PLAN_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f"pipeline.render.{_EXPORTS[name]}")
    elif name in _PLAN_EXPORTS:
        module = importlib.import_module("pipeline.plan")
    else:
        raise AttributeError(f"module 'pipeline.render' has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value
